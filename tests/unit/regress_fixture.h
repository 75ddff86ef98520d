/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Builders and checks for the unit tests of the regression detector (test_regress.c,
 * test_regress_ci.c, test_regress_report.c): results with samples, a report rendered to a
 * string, and "the report says this". Each test includes it after cmocka.h. */
#ifndef PERFAN_TEST_REGRESS_FIXTURE_H
#define PERFAN_TEST_REGRESS_FIXTURE_H

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "regress/regress.h"
#include "regress/regress_report.h"
#include "regress/stats.h"

static inline double *fx_dup_samples(const double *x, size_t n)
{
	double *s;

	if (!n)
		return NULL;
	s = malloc(n * sizeof(*s));
	assert_non_null(s);
	memcpy(s, x, n * sizeof(*s));
	return s;
}

/* A result with value = the mean of its samples (as the readers fill it). */
static inline void fx_result(struct regress_result *r, const char *name, const char *unit,
			     double value, const double *samples, size_t n, bool higher_is_better)
{
	memset(r, 0, sizeof(*r));
	r->name = strdup(name);
	r->unit = strdup(unit);
	r->value = n ? stats__mean(samples, n) : value;
	r->stddev = n >= 2 ? stats__stddev(samples, n) : NAN;
	r->n = n;
	r->median = r->q25 = r->q75 = r->overhead = NAN;
	r->samples = fx_dup_samples(samples, n);
	r->sample_cnt = n;
	r->higher_is_better = higher_is_better;
}

/* The check's report in fmt, as a string to free */
static inline char *fx_report(const struct regress_check *c, enum regress_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	assert_int_equal(regress_report__write(c, fmt, out), 0);
	fclose(out);
	return buf;
}

static inline void fx_has(const char *text, const char *want)
{
	if (!strstr(text, want)) {
		print_error("report lacks '%s':\n%s\n", want, text);
		fail();
	}
}

#endif
