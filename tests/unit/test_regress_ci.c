// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the detector on real CI workflows (issue 14): one value a side goes to the
 * threshold rule and says so; a large shift that is not significant is INCONCLUSIVE and fails
 * only --fail-on inconclusive; hyperfine runs that exited non-zero make an ERROR unless allowed.
 * Numbers are [hand]-worked beside them or read from the real tool outputs in
 * tests/fixtures/regress/ (gen/generate.sh). */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "regress_fixture.h"
#include "regress/regress.h"
#include "regress/regress_report.h"
#include "regress/results_io.h"
#include "regress/stats.h"

#define FIX "tests/fixtures/regress/"

/* A one-baseline set; n_summary is its n when it has no samples. */
static void mk_set(struct regress_baseline_set *set, const char *name, double mean,
		   const double *samples, size_t n, size_t n_summary)
{
	struct regress_baseline *b;

	set->items = calloc(1, sizeof(*set->items));
	assert_non_null(set->items);
	set->cnt = 1;
	b = &set->items[0];
	b->name = strdup(name);
	b->unit = strdup("ms");
	b->mean = n ? stats__mean(samples, n) : mean;
	b->stddev = n >= 2 ? stats__stddev(samples, n) : NAN;
	b->n = n ? n : n_summary;
	b->warning_threshold = REGRESS_WARNING_DEFAULT;
	b->critical_threshold = REGRESS_CRITICAL_DEFAULT;
	b->q25 = b->q50 = b->q75 = NAN;
	b->samples = fx_dup_samples(samples, n);
	b->sample_cnt = n;
}

/* One check of x against baseline y (both samples; y_n as a summary's n when ny is 0). */
static void check(const double *x, size_t nx, const double *y, size_t ny, size_t y_n,
		  const struct regress_opts *o, struct regress_check *chk)
{
	struct regress_baseline_set set = {};
	struct regress_result r;
	struct errtext err;

	mk_set(&set, "b", 10, y, ny, y_n);
	fx_result(&r, "b", "ms", 13, x, nx, false);
	assert_int_equal(regress__check_all(&r, 1, &set, o, chk, &err), 0);
	chk->results = NULL; /* r is freed here: nothing below reads the results table */
	chk->result_cnt = 0;
	regress_result__free(&r);
	regress_baseline_set__free(&set);
}

static void test_one_value_threshold_rule(void **state)
{
	const double b1[] = { 10 }, c30[] = { 13 }, c15[] = { 11.5 }, c5[] = { 10.5 },
		     c_fast[] = { 8.5 };
	double b10[10], b100[100];
	struct regress_check chk;
	struct regress_opts o;
	char buf[160];

	(void)state;
	regress_opts__init(&o);
	/* [hand] 1 vs 1 sample: the test could never reach 0.01 (1 / C(2, 1) = 0.5); +30% is
	 * CRITICAL by the threshold rule, and the verdict says which rule decided */
	check(c30, 1, b1, 1, 0, &o, &chk);
	assert_int_equal(chk.verdicts[0].severity, REGRESS_CRITICAL);
	assert_int_equal(chk.verdicts[0].method, REGRESS_METHOD_SIMPLE);
	assert_int_equal(chk.verdicts[0].reason, REGRESS_REASON_ONE_VALUE);
	assert_string_equal(regress_verdict__rule(&chk.verdicts[0]), "threshold");
	assert_string_equal(regress_report__reason(&chk.verdicts[0], buf, sizeof(buf)),
			    "threshold rule: 1 sample");
	assert_true(chk.failed);
	regress_check__free(&chk);
	/* +15% WARNING, +5% INFO, -15% IMPROVED, each keeping the reason */
	check(c15, 1, b1, 1, 0, &o, &chk);
	assert_int_equal(chk.verdicts[0].severity, REGRESS_WARNING);
	assert_int_equal(chk.verdicts[0].reason, REGRESS_REASON_ONE_VALUE);
	assert_false(chk.failed);
	regress_check__free(&chk);
	check(c5, 1, b1, 1, 0, &o, &chk);
	assert_int_equal(chk.verdicts[0].severity, REGRESS_INFO);
	assert_int_equal(chk.verdicts[0].reason, REGRESS_REASON_ONE_VALUE);
	regress_check__free(&chk);
	check(c_fast, 1, b1, 1, 0, &o, &chk);
	assert_int_equal(chk.verdicts[0].severity, REGRESS_IMPROVED);
	regress_check__free(&chk);
	/* a baseline of one value without samples (n 1) */
	check(c30, 1, NULL, 0, 1, &o, &chk);
	assert_int_equal(chk.verdicts[0].severity, REGRESS_CRITICAL);
	assert_int_equal(chk.verdicts[0].reason, REGRESS_REASON_ONE_VALUE);
	regress_check__free(&chk);
	/* [hand] 1 sample against 10: min p 1 / 11 > 0.01, so still the threshold rule */
	for (size_t i = 0; i < 10; i++)
		b10[i] = 9.9 + 0.02 * (double)i;
	check(c30, 1, b10, 10, 0, &o, &chk);
	assert_int_equal(chk.verdicts[0].reason, REGRESS_REASON_ONE_VALUE);
	assert_int_equal(chk.verdicts[0].severity, REGRESS_CRITICAL);
	assert_string_equal(regress_report__reason(&chk.verdicts[0], buf, sizeof(buf)),
			    "threshold rule: 1 current sample");
	regress_check__free(&chk);
	/* [hand] 1 sample against 100: min p 1 / 101 <= 0.01, the robust rule can run */
	for (size_t i = 0; i < 100; i++)
		b100[i] = 9.5 + 0.01 * (double)i;
	check(c30, 1, b100, 100, 0, &o, &chk);
	assert_int_equal(chk.verdicts[0].method, REGRESS_METHOD_MANN_WHITNEY);
	assert_string_equal(regress_verdict__rule(&chk.verdicts[0]), "robust");
	/* [hand] beyond 50 a side p is the normal approximation: U = 100, mean 50, variance
	 * 1 * 100 * 102 / 12 = 850, z = (100 - 50 - 0.5) / 29.155 = 1.698, p 0.0448 > 0.01: a
	 * +26% shift that is not significant, INCONCLUSIVE */
	assert_true(fabs(chk.verdicts[0].p_worse - 0.0448) < 5e-4);
	assert_int_equal(chk.verdicts[0].severity, REGRESS_INCONCLUSIVE);
	regress_check__free(&chk);
	/* 2 vs 2 has spread on both sides: INCONCLUSIVE as before, never the threshold rule */
	{
		const double b2[] = { 10, 10.1 }, c2[] = { 13, 13.1 };

		check(c2, 2, b2, 2, 0, &o, &chk);
		assert_int_equal(chk.verdicts[0].severity, REGRESS_INCONCLUSIVE);
		assert_int_equal(chk.verdicts[0].reason, REGRESS_REASON_FEW_SAMPLES);
		regress_check__free(&chk);
	}
}

/* Samples crafted so that the shift estimate is +14% and the exact p 0.0105, just above
 * alpha 0.01 (tests/regress/run.sh uses the same). */
static const double RB[] = { 8.6, 9.1, 9.5, 9.8, 10.0, 10.2, 10.5, 10.9, 11.4, 12.0 };
static const double RC[] = { 9.7, 10.3, 10.6, 11.2, 11.4, 11.7, 12.0, 12.5, 13.0, 13.7 };

static void test_not_significant_is_inconclusive(void **state)
{
	struct regress_check chk;
	struct regress_opts o;

	(void)state;
	regress_opts__init(&o);
	check(RC, 10, RB, 10, 0, &o, &chk);
	assert_true(chk.verdicts[0].estimate >= 0.14 && chk.verdicts[0].estimate < 0.15);
	assert_true(chk.verdicts[0].p_worse > 0.01 && chk.verdicts[0].p_worse < 0.011);
	assert_int_equal(chk.verdicts[0].severity, REGRESS_INCONCLUSIVE);
	assert_int_equal(chk.verdicts[0].reason, REGRESS_REASON_NOT_SIGNIFICANT);
	assert_int_equal(chk.counts[REGRESS_INCONCLUSIVE], 1);
	assert_false(chk.failed); /* default --fail-on critical */
	regress_check__free(&chk);
	o.fail_on = REGRESS_WARNING;
	check(RC, 10, RB, 10, 0, &o, &chk);
	assert_false(chk.failed);
	regress_check__free(&chk);
	o.fail_on = REGRESS_INCONCLUSIVE;
	check(RC, 10, RB, 10, 0, &o, &chk);
	assert_true(chk.failed);
	regress_check__free(&chk);
	/* the same shift in the good direction is no question: INFO */
	o.fail_on = REGRESS_INCONCLUSIVE;
	check(RB, 10, RC, 10, 0, &o, &chk);
	assert_int_equal(chk.verdicts[0].severity, REGRESS_INFO);
	assert_false(chk.failed);
	regress_check__free(&chk);
}

static void test_fail_on_levels(void **state)
{
	enum regress_severity s;

	(void)state;
	assert_int_equal(regress_severity__parse("inconclusive", &s), 0);
	assert_int_equal(s, REGRESS_INCONCLUSIVE);
	assert_string_equal(regress_level__name(s), "inconclusive");
	assert_int_equal(regress_severity__parse("error", &s), -EINVAL);
	/* inconclusive < warning < critical; ERROR always fails, INFO and IMPROVED never */
	assert_true(regress__fails(REGRESS_INCONCLUSIVE, REGRESS_INCONCLUSIVE));
	assert_true(regress__fails(REGRESS_WARNING, REGRESS_INCONCLUSIVE));
	assert_true(regress__fails(REGRESS_CRITICAL, REGRESS_INCONCLUSIVE));
	assert_false(regress__fails(REGRESS_INCONCLUSIVE, REGRESS_WARNING));
	assert_true(regress__fails(REGRESS_WARNING, REGRESS_WARNING));
	assert_false(regress__fails(REGRESS_WARNING, REGRESS_CRITICAL));
	assert_false(regress__fails(REGRESS_INCONCLUSIVE, REGRESS_CRITICAL));
	assert_true(regress__fails(REGRESS_ERROR, REGRESS_CRITICAL));
	assert_false(regress__fails(REGRESS_INFO, REGRESS_INCONCLUSIVE));
	assert_false(regress__fails(REGRESS_IMPROVED, REGRESS_INCONCLUSIVE));
}

static void test_exit_codes(void **state)
{
	struct regress_run runs[2] = {}, merged = {}, base = {};
	struct regress_baseline_set set = {};
	struct regress_check chk;
	struct regress_opts o;
	struct errtext err;
	char buf[160];

	(void)state;
	/* the real hyperfine output of 'sh -c "exit 3"' run 3 times with -i */
	assert_int_equal(results__read_file(FIX "hyperfine_exit_fail.json", &runs[0], &err), 0);
	assert_int_equal(runs[0].results[0].exit_code_cnt, 3);
	assert_int_equal(runs[0].results[0].exit_codes[0], 3);
	/* its baseline passed every run: exit codes 0 are not kept */
	assert_int_equal(results__read_file(FIX "hyperfine_exit_base.json", &base, &err), 0);
	assert_int_equal(base.results[0].exit_code_cnt, 0);
	assert_int_equal(regress_baseline_set__update(&set, &base, NULL, 10, &err), 0);

	regress_opts__init(&o);
	assert_int_equal(regress__check_all(runs[0].results, 1, &set, &o, &chk, &err), 0);
	assert_int_equal(chk.verdicts[0].severity, REGRESS_ERROR);
	assert_int_equal(chk.verdicts[0].reason, REGRESS_REASON_EXIT_CODES);
	assert_int_equal(chk.verdicts[0].failed_runs, 3);
	assert_int_equal(chk.verdicts[0].runs, 3);
	assert_int_equal(chk.verdicts[0].exit_code_cnt, 1);
	assert_int_equal(chk.verdicts[0].exit_codes[0], 3);
	assert_true(isnan(chk.verdicts[0].p_worse_adj) ||
		    chk.verdicts[0].p_worse_adj == chk.verdicts[0].p_worse);
	assert_int_equal(chk.counts[REGRESS_ERROR], 1);
	assert_true(chk.failed);
	assert_string_equal(regress_report__reason(&chk.verdicts[0], buf, sizeof(buf)),
			    "3 of 3 runs exited non-zero: exit code 3");
	assert_string_equal(regress_report__mark(REGRESS_ERROR), "!");
	regress_check__free(&chk);
	/* expected failures: the times are compared (the failing command is 97% faster) */
	o.allow_exit_codes = true;
	assert_int_equal(regress__check_all(runs[0].results, 1, &set, &o, &chk, &err), 0);
	assert_int_equal(chk.verdicts[0].severity, REGRESS_IMPROVED);
	assert_int_equal(chk.verdicts[0].failed_runs, 3);
	assert_false(chk.failed);
	regress_check__free(&chk);
	/* merged with a passing run, the failed runs stay; distinct codes sorted */
	assert_int_equal(results__read_file(FIX "hyperfine_exit_fail.json", &runs[1], &err), 0);
	runs[1].results[0].exit_codes[1] = 1;
	runs[1].results[0].exit_codes[2] = REGRESS_EXIT_SIGNAL;
	assert_int_equal(regress__merge_runs(runs, 2, &merged, &err), 0);
	assert_int_equal(merged.results[0].exit_code_cnt, 6);
	o.allow_exit_codes = false;
	assert_int_equal(regress__check_all(merged.results, 1, &set, &o, &chk, &err), 0);
	assert_int_equal(chk.verdicts[0].exit_code_cnt, 3);
	assert_int_equal(chk.verdicts[0].exit_codes[0], REGRESS_EXIT_SIGNAL);
	assert_int_equal(chk.verdicts[0].exit_codes[1], 1);
	assert_int_equal(chk.verdicts[0].exit_codes[2], 3);
	assert_string_equal(regress_report__reason(&chk.verdicts[0], buf, sizeof(buf)),
			    "6 of 6 runs exited non-zero: exit codes killed by a signal, 1, 3");
	regress_check__free(&chk);

	regress_run__free(&merged);
	regress_run__free(&runs[0]);
	regress_run__free(&runs[1]);
	regress_run__free(&base);
	regress_baseline_set__free(&set);
}

static void test_bad_exit_codes(void **state)
{
	const char *bad = "{\"results\": [{\"command\": \"x\", \"mean\": 1, \"times\": [1], "
			  "\"exit_codes\": [\"three\"]}]}";
	struct regress_run run;
	struct errtext err;

	(void)state;
	assert_int_equal(results__read_buf(bad, strlen(bad), "x.json", &run, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "exit_codes"));
}

/* The rule and the new marks in the three formats. */
static void test_report_marks(void **state)
{
	const double b1[] = { 10 }, c30[] = { 13 };
	struct regress_check chk;
	struct regress_opts o;
	char *t;

	(void)state;
	regress_opts__init(&o);
	check(c30, 1, b1, 1, 0, &o, &chk);
	t = fx_report(&chk, REGRESS_FORMAT_TEXT);
	fx_has(t, "CRITICAL (threshold rule: 1 sample)");
	free(t);
	t = fx_report(&chk, REGRESS_FORMAT_JSON);
	fx_has(t, "\"rule\": \"threshold\"");
	fx_has(t, "\"errors\": []");
	free(t);
	regress_check__free(&chk);

	o.fail_on = REGRESS_INCONCLUSIVE;
	check(RC, 10, RB, 10, 0, &o, &chk);
	t = fx_report(&chk, REGRESS_FORMAT_TEXT);
	fx_has(t, "INCONCLUSIVE (not significant)");
	fx_has(t, "\nInconclusive\n  ? b: +14.1% worse by the shift estimate, but not significant");
	fx_has(t, "Verdict: FAIL: 1 verdict at or above inconclusive (0 critical, 0 warning, "
		  "0 improved, 1 inconclusive, 0 ok, 0 skipped)");
	free(t);
	t = fx_report(&chk, REGRESS_FORMAT_JSON);
	fx_has(t, "\"rule\": \"robust\"");
	fx_has(t, "\"fail_on\": \"inconclusive\"");
	fx_has(t, "\"inconclusive\": [\n    \"b\"\n  ]");
	free(t);
	t = fx_report(&chk, REGRESS_FORMAT_MARKDOWN);
	fx_has(t, "#### Inconclusive\n\n- ? **b**: +14.1% worse");
	free(t);
	regress_check__free(&chk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_value_threshold_rule),
		cmocka_unit_test(test_not_significant_is_inconclusive),
		cmocka_unit_test(test_fail_on_levels),
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_bad_exit_codes),
		cmocka_unit_test(test_report_marks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
