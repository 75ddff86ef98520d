// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of output/timing_report.c on histograms built by hand: results are named by the
 * function (NAME:FUNCTION with --name) with the binary in the metadata and numbers as JSON
 * numbers; the overhead beside a function is the calibration of its kind of probe; nested
 * probe calls are counted, their share of the mean computed and warned about in the text. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "output/timing_report.h"

struct fixture {
	struct hist h[2];
	struct timing_func_report f[2];
	struct timing_calibration cal[TIMING_CAL_KINDS];
	struct timing_report r;
};

/* outer: 10 calls of 100 us, 50 nested probe calls each costing 1.5 us (75 us per call);
 * inner: 500 calls of 1 us, entry single-stepped. Calibrations: emulated 700 ns, single-stepped
 * 9000 ns (uretprobe). */
static void fixture_init(struct fixture *x)
{
	memset(x, 0, sizeof(*x));
	for (int i = 0; i < 10; i++)
		hist__add(&x->h[0], 100000);
	for (int i = 0; i < 500; i++)
		hist__add(&x->h[1], 1000);
	x->cal[timing_calibration__index(false, false)].p50_ns = 700;
	x->cal[timing_calibration__index(false, true)].p50_ns = 9000;
	x->f[0] = (struct timing_func_report){ .name = "outer",
					       .h = &x->h[0],
					       .nested = { .calls = 500, .cost_ns = 750000 } };
	x->f[1] = (struct timing_func_report){ .name = "inner",
					       .h = &x->h[1],
					       .entry_stepped = true };
	x->r = (struct timing_report){ .binary = "/srv/app/bin/server",
				       .pid = 42,
				       .final = true,
				       .funcs = x->f,
				       .cnt = 2,
				       .rows_per_octave = 4 };
	x->r.cal[timing_calibration__index(false, false)] =
		&x->cal[timing_calibration__index(false, false)];
	x->r.cal[timing_calibration__index(false, true)] =
		&x->cal[timing_calibration__index(false, true)];
}

static const struct regress_meta *meta(const struct regress_result *res, const char *key)
{
	const struct regress_meta *m = regress_result__meta(res, key);

	if (!m)
		fail_msg("%s: no metadata %s", res->name, key);
	return m;
}

/* A number's JSON text; fails on a string */
static const char *num(const struct regress_result *res, const char *key)
{
	const struct regress_meta *m = meta(res, key);

	if (m->value)
		fail_msg("%s: %s is the string '%s', not a JSON number", res->name, key, m->value);
	return m->json;
}

static void names_and_metadata(void **state)
{
	struct fixture x;
	struct regress_run run;
	(void)state;

	fixture_init(&x);
	assert_int_equal(timing_report__results(&x.r, TIMING_STAT_P50, &run), 0);
	assert_int_equal(run.result_cnt, 2);
	/* named by the function only: a renamed or moved binary matches its baseline */
	assert_string_equal(run.results[0].name, "outer");
	assert_string_equal(run.results[1].name, "inner");
	assert_string_equal(meta(&run.results[0], "binary")->value, "/srv/app/bin/server");
	assert_string_equal(num(&run.results[0], "calls"), "10");
	assert_string_equal(num(&run.results[0], "nested_probe_calls"), "500");
	assert_string_equal(num(&run.results[0], "nested_probe_calls_per_call"), "50");
	assert_string_equal(num(&run.results[0], "nested_probe_cost_ns"), "75000");
	assert_string_equal(num(&run.results[1], "nested_probe_calls"), "0");
	assert_string_equal(num(&run.results[0], "stale_dropped"), "0");
	assert_string_equal(num(&run.results[0], "quantile_error"), "0.0625");
	assert_string_equal(num(&run.results[0], "entry_probe_offset"), "0");
	assert_string_equal(num(&run.results[0], "overhead_ns"), "700");
	assert_string_equal(num(&run.results[1], "overhead_ns"), "9000");
	assert_string_equal(meta(&run.results[0], "entry_probe")->value, "emulated");
	assert_string_equal(meta(&run.results[1], "entry_probe")->value, "single-stepped");
	assert_string_equal(meta(&run.results[0], "near_overhead")->json, "false");
	assert_string_equal(meta(&run.results[1], "near_overhead")->json, "true");
	assert_string_equal(meta(&run.results[0], "nested_subtracted")->json, "false");
	regress_run__free(&run);

	x.r.name = "svc";
	assert_int_equal(timing_report__results(&x.r, TIMING_STAT_P50, &run), 0);
	assert_string_equal(run.results[0].name, "svc:outer");
	assert_string_equal(run.results[1].name, "svc:inner");
	regress_run__free(&run);
}

static void overhead_of_its_kind(void **state)
{
	struct fixture x;
	(void)state;

	fixture_init(&x);
	assert_true(timing_report__overhead(&x.r, &x.f[0]) == 700);
	assert_true(timing_report__overhead(&x.r, &x.f[1]) == 9000);
	/* a kind without a calibration has no overhead */
	x.f[1].ret_insn = true;
	assert_true(isnan(timing_report__overhead(&x.r, &x.f[1])));
	assert_string_equal(timing_report__kind(true, true),
			    "return instructions, entry single-stepped");
	assert_string_equal(timing_report__kind(false, false), "uretprobe, entry emulated");
}

static void nested_share(void **state)
{
	struct fixture x;
	(void)state;

	fixture_init(&x);
	/* 75 us of a 100 us mean */
	assert_true(fabs(timing_report__nested_share(&x.r, &x.f[0]) - 0.75) < 1e-12);
	assert_true(timing_report__nested_share(&x.r, &x.f[1]) == 0);
	/* subtracted: the 100 us left were 175 us before */
	x.r.subtract_nested = true;
	assert_true(fabs(timing_report__nested_share(&x.r, &x.f[0]) - 75.0 / 175.0) < 1e-12);
}

static char *text_of(const struct timing_report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(timing_report__text(r, f), 0);
	fclose(f);
	return buf;
}

static void nested_text(void **state)
{
	struct fixture x;
	char *t;
	(void)state;

	fixture_init(&x);
	t = text_of(&x.r);
	if (!strstr(t,
		    "  nested probe calls 500 (50 per call): their traps, about 75.0 us per call, "
		    "are 75.0% of the mean\n") ||
	    !strstr(t, "  ! 75% of this time is the traps of the timed calls inside it"))
		fail_msg("nested lines missing:\n%s", t);
	if (!strstr(t, "probe overhead 9.00 us per call (empty function, p50; entry probe "
		       "single-stepped)"))
		fail_msg("inner's overhead is not the single-stepped one:\n%s", t);
	free(t);
	/* under the share: counted, not warned about */
	x.f[0].nested.cost_ns = 50000; /* 5 us per call */
	t = text_of(&x.r);
	if (!strstr(t, "nested probe calls 500") || strstr(t, "of this time is the traps"))
		fail_msg("a 5%% share is counted without a warning:\n%s", t);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_and_metadata),
		cmocka_unit_test(overhead_of_its_kind),
		cmocka_unit_test(nested_share),
		cmocka_unit_test(nested_text),
	};

	return cmocka_run_group_tests_name("timing_report", tests, NULL, NULL);
}
