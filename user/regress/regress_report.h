/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Formatters of the regression detector: a check (results table, comparison table with marks
 * ✓ ⚠ ✗ ↑ ? !, regressions detected, errors, inconclusive, skipped, one-line verdict) and a history report, as text,
 * JSON or Markdown; a check also as GitHub Actions workflow commands and JUnit XML
 * (regress_ci_report.c). They only print the model built by regress*.c; no decision is made here. */
#ifndef PERFAN_REGRESS_REPORT_H
#define PERFAN_REGRESS_REPORT_H

#include <stdio.h>

#include "regress/regress.h"

enum regress_format {
	REGRESS_FORMAT_TEXT,
	REGRESS_FORMAT_JSON,
	REGRESS_FORMAT_MARKDOWN,
	REGRESS_FORMAT_GITHUB, /* check only: GitHub Actions workflow commands */
};

/* "text", "json", "markdown" or "github": 0, or -EINVAL. */
int regress_format__parse(const char *s, enum regress_format *out);
/* The mark of a severity: ✓ INFO, ⚠ WARNING, ✗ CRITICAL, ↑ IMPROVED, ? INCONCLUSIVE, ! ERROR. */
const char *regress_report__mark(enum regress_severity s);
/* Why a verdict is what it is, in words ("significant", "threshold rule: 1 sample", "3 of 3
 * runs exited non-zero: exit code 3"); in buf when it has to be built. */
const char *regress_report__reason(const struct regress_verdict *v, char *buf, size_t len);

/* A value in its unit, times scaled to s, ms, us or ns for reading ("11.500 ms"). */
const char *regress_report__value(char *buf, size_t len, double v, const char *unit);
/* hyperfine/critcmp-style ratio of a verdict: "1.31× slower", "1.08× faster" (current /
 * baseline when lower is better, the inverse otherwise; "worse"/"better" for a unit that is
 * neither a time nor higher-is-better); "-" when unknown. */
const char *regress_report__ratio(const struct regress_verdict *v, char *buf, size_t len);

/* All return 0, -ENOMEM or -EIO (a write to out failed). */
int regress_report__write(const struct regress_check *c, enum regress_format fmt, FILE *out);
/* One workflow command per verdict that fails (::error), warns or cannot tell (::warning) or
 * improved (::notice); nothing for the others. */
int regress_report__write_github(const struct regress_check *c, FILE *out);
/* One <testsuite> with a <testcase> per checked, skipped or filtered-out benchmark. */
int regress_report__write_junit(const struct regress_check *c, FILE *out);
int regress_report__write_history(const struct regress_history_report *h, const char *source,
				  enum regress_format fmt, FILE *out);

#endif
