// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the regression detector's rules (user/regress/regress*.c): the threshold rule at
 * and around the thresholds in both directions, improvements, a missing baseline, check_all's
 * skipped list, the robust rule (Mann-Whitney + Hodges-Lehmann on logs, Welch on summaries, noise
 * floor, INCONCLUSIVE, Benjamini-Hochberg over a batch), diagnostics, merging runs, baseline
 * updates, history change points, and the false-alarm rate on 200 same-distribution pairs.
 *
 * Where the numbers come from: [scipy] values were computed by tests/unit/ref/regress_ref.py
 * with SciPy 1.10.1 (Debian 12 python3-scipy), which shares no code with perfan-bpf; [hand]
 * values are worked out in the comment beside them. */
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
#include "regress/stats.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void assert_close(double got, double want, double rel, const char *what)
{
	double tol = rel * fmax(fabs(want), 1e-300);

	if (!(fabs(got - want) <= tol)) {
		print_error("%s: got %.17g, want %.17g (rel. tol. %g)\n", what, got, want, rel);
		fail();
	}
}

static void mk_summary(struct regress_result *r, const char *name, double mean, double sd, size_t n)
{
	fx_result(r, name, "s", mean, NULL, 0, false);
	r->stddev = sd;
	r->n = n;
}

static void mk_baseline(struct regress_baseline *b, const char *name, const char *unit, double mean,
			const double *samples, size_t n, bool higher_is_better)
{
	memset(b, 0, sizeof(*b));
	b->name = strdup(name);
	b->unit = strdup(unit);
	b->mean = n ? stats__mean(samples, n) : mean;
	b->stddev = n >= 2 ? stats__stddev(samples, n) : NAN;
	b->n = n;
	b->higher_is_better = higher_is_better;
	b->warning_threshold = REGRESS_WARNING_DEFAULT;
	b->critical_threshold = REGRESS_CRITICAL_DEFAULT;
	b->q25 = b->q50 = b->q75 = NAN;
	b->samples = fx_dup_samples(samples, n);
	b->sample_cnt = n;
}

/* A set holding the given baselines (moved in), sorted by name as the reader leaves it. */
static int cmp_base(const void *a, const void *b)
{
	return strcmp(((const struct regress_baseline *)a)->name,
		      ((const struct regress_baseline *)b)->name);
}

static void mk_set(struct regress_baseline_set *set, struct regress_baseline *items, size_t n)
{
	set->items = calloc(n, sizeof(*set->items));
	assert_non_null(set->items);
	memcpy(set->items, items, n * sizeof(*items));
	set->cnt = n;
	qsort(set->items, n, sizeof(*set->items), cmp_base);
}

/* check(result) of one value against one baseline mean: the verdict's severity. */
static enum regress_severity simple_check(double value, double mean, bool hib, double warn,
					  double crit, double *deviation)
{
	struct regress_baseline_set set = {};
	struct regress_baseline b;
	struct regress_result r;
	struct regress_verdict v;
	struct regress_opts o;
	enum regress_severity s;
	struct errtext err;

	regress_opts__init(&o);
	mk_baseline(&b, "bench", "s", mean, NULL, 0, hib);
	b.warning_threshold = warn;
	b.critical_threshold = crit;
	mk_set(&set, &b, 1);
	fx_result(&r, "bench", "s", value, NULL, 0, hib);
	assert_int_equal(regress__check_one(&r, &set, &o, &v, &err), 0);
	/* no samples or spread: the robust mode falls back to the threshold rule */
	assert_int_equal(v.method, REGRESS_METHOD_SIMPLE);
	s = v.severity;
	if (deviation)
		*deviation = v.deviation;
	regress_verdict__free(&v);
	regress_result__free(&r);
	regress_baseline_set__free(&set);
	return s;
}

static void test_threshold_rule_lower_is_better(void **state)
{
	const double w = 0.10, c = 0.25;
	double dev;

	(void)state;
	/* [hand] deviation (value - 100) / 100 against 0.10 and 0.25 */
	assert_int_equal(simple_check(100, 100, false, w, c, &dev), REGRESS_INFO);
	assert_close(dev, 0, 0, "no change");
	assert_int_equal(simple_check(109.99, 100, false, w, c, &dev), REGRESS_INFO);
	assert_close(dev, 0.0999, 1e-12, "deviation 9.99%");
	assert_int_equal(simple_check(110, 100, false, w, c, &dev), REGRESS_WARNING);
	assert_close(dev, 0.10, 1e-15, "deviation 10%");
	assert_int_equal(simple_check(124.99, 100, false, w, c, NULL), REGRESS_WARNING);
	assert_int_equal(simple_check(125, 100, false, w, c, NULL), REGRESS_CRITICAL);
	assert_int_equal(simple_check(300, 100, false, w, c, NULL), REGRESS_CRITICAL);
	/* the good direction: a move of the warning threshold or more is an improvement */
	assert_int_equal(simple_check(90.01, 100, false, w, c, NULL), REGRESS_INFO);
	assert_int_equal(simple_check(90, 100, false, w, c, &dev), REGRESS_IMPROVED);
	assert_close(dev, -0.10, 1e-15, "deviation -10%");
	assert_int_equal(simple_check(50, 100, false, w, c, NULL), REGRESS_IMPROVED);
	/* [hand] (3.3 - 3.0) / 3.0 is 0.09999999999999994 in binary: still "exactly 10%" */
	assert_int_equal(simple_check(3.3, 3.0, false, w, c, NULL), REGRESS_WARNING);
	assert_int_equal(simple_check(3.2999, 3.0, false, w, c, NULL), REGRESS_INFO);
	/* thresholds from the baseline, not the defaults */
	assert_int_equal(simple_check(104.99, 100, false, 0.05, 0.5, NULL), REGRESS_INFO);
	assert_int_equal(simple_check(105, 100, false, 0.05, 0.5, NULL), REGRESS_WARNING);
	assert_int_equal(simple_check(149.99, 100, false, 0.05, 0.5, NULL), REGRESS_WARNING);
	assert_int_equal(simple_check(150, 100, false, 0.05, 0.5, NULL), REGRESS_CRITICAL);
	assert_int_equal(simple_check(95, 100, false, 0.05, 0.5, NULL), REGRESS_IMPROVED);
}

static void test_threshold_rule_higher_is_better(void **state)
{
	const double w = 0.10, c = 0.25;
	double dev;

	(void)state;
	/* [hand] deviation (100 - value) / 100: lower throughput is worse */
	assert_int_equal(simple_check(90.01, 100, true, w, c, NULL), REGRESS_INFO);
	assert_int_equal(simple_check(90, 100, true, w, c, &dev), REGRESS_WARNING);
	assert_close(dev, 0.10, 1e-15, "deviation 10%");
	assert_int_equal(simple_check(75.01, 100, true, w, c, NULL), REGRESS_WARNING);
	assert_int_equal(simple_check(75, 100, true, w, c, NULL), REGRESS_CRITICAL);
	assert_int_equal(simple_check(10, 100, true, w, c, NULL), REGRESS_CRITICAL);
	assert_int_equal(simple_check(109.99, 100, true, w, c, NULL), REGRESS_INFO);
	assert_int_equal(simple_check(110, 100, true, w, c, &dev), REGRESS_IMPROVED);
	assert_close(dev, -0.10, 1e-15, "deviation -10%");
	assert_int_equal(simple_check(1000, 100, true, w, c, NULL), REGRESS_IMPROVED);
}

static void test_missing_baseline_is_an_error(void **state)
{
	struct regress_baseline_set set = {};
	struct regress_baseline b;
	struct regress_result r;
	struct regress_verdict v;
	struct regress_opts o;
	struct errtext err = {};

	(void)state;
	regress_opts__init(&o);
	mk_baseline(&b, "present", "s", 1, NULL, 0, false);
	mk_set(&set, &b, 1);
	fx_result(&r, "parse_json/large", "s", 1, NULL, 0, false);
	assert_int_equal(regress__check_one(&r, &set, &o, &v, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "\"parse_json/large\""));
	assert_non_null(strstr(err.msg, "no baseline"));
	regress_result__free(&r);
	regress_baseline_set__free(&set);
}

static void test_check_all_lists_skipped(void **state)
{
	struct regress_baseline_set set = {};
	struct regress_baseline b[2];
	struct regress_result r[4];
	struct regress_check chk;
	struct regress_opts o;
	struct errtext err;

	(void)state;
	regress_opts__init(&o);
	mk_baseline(&b[0], "b", "s", 1.0, NULL, 0, false);
	mk_baseline(&b[1], "a", "s", 2.0, NULL, 0, false);
	mk_set(&set, b, 2);
	fx_result(&r[0], "a", "s", 2.6, NULL, 0, false); /* +30%: CRITICAL */
	fx_result(&r[1], "new_one", "s", 5, NULL, 0, false);
	fx_result(&r[2], "b", "s", 1.0, NULL, 0, false);
	fx_result(&r[3], "another", "s", 5, NULL, 0, false);
	assert_int_equal(regress__check_all(r, 4, &set, &o, &chk, &err), 0);
	assert_int_equal(chk.verdict_cnt, 2);
	assert_string_equal(chk.verdicts[0].name, "a");
	assert_int_equal(chk.verdicts[0].severity, REGRESS_CRITICAL);
	assert_string_equal(chk.verdicts[1].name, "b");
	assert_int_equal(chk.verdicts[1].severity, REGRESS_INFO);
	/* the skipped ones are listed, in the order of the results */
	assert_int_equal(chk.skipped_cnt, 2);
	assert_string_equal(chk.skipped[0], "new_one");
	assert_string_equal(chk.skipped[1], "another");
	assert_int_equal(chk.counts[REGRESS_CRITICAL], 1);
	assert_int_equal(chk.counts[REGRESS_INFO], 1);
	assert_true(chk.failed);
	regress_check__free(&chk);

	/* fail_on: a WARNING fails only with --fail-on warning */
	regress_result__free(&r[0]);
	fx_result(&r[0], "a", "s", 2.3, NULL, 0, false); /* +15% */
	assert_int_equal(regress__check_all(r, 4, &set, &o, &chk, &err), 0);
	assert_int_equal(chk.verdicts[0].severity, REGRESS_WARNING);
	assert_false(chk.failed);
	regress_check__free(&chk);
	o.fail_on = REGRESS_WARNING;
	assert_int_equal(regress__check_all(r, 4, &set, &o, &chk, &err), 0);
	assert_true(chk.failed);
	regress_check__free(&chk);
	for (size_t i = 0; i < 4; i++)
		regress_result__free(&r[i]);
	regress_baseline_set__free(&set);
}

static void test_units_and_direction(void **state)
{
	struct regress_baseline_set set = {};
	struct regress_baseline b;
	struct regress_result r;
	struct regress_verdict v;
	struct regress_opts o;
	struct errtext err;

	(void)state;
	regress_opts__init(&o);
	mk_baseline(&b, "t", "s", 0.1, NULL, 0, false);
	mk_set(&set, &b, 1);
	/* [hand] 110 ms against 0.1 s is +10% */
	fx_result(&r, "t", "ms", 110, NULL, 0, false);
	assert_int_equal(regress__check_one(&r, &set, &o, &v, &err), 0);
	assert_int_equal(v.severity, REGRESS_WARNING);
	assert_close(v.current, 0.11, 1e-15, "converted to the baseline's unit");
	regress_verdict__free(&v);
	regress_result__free(&r);
	fx_result(&r, "t", "bytes", 110, NULL, 0, false);
	assert_int_equal(regress__check_one(&r, &set, &o, &v, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "\"t\""));
	regress_result__free(&r);
	fx_result(&r, "t", "s", 0.1, NULL, 0, true);
	assert_int_equal(regress__check_one(&r, &set, &o, &v, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "higher_is_better"));
	regress_result__free(&r);
	regress_baseline_set__free(&set);
}

/* Data of tests/unit/ref/regress_ref.py */
static const double Y[] = { 10.02, 9.95, 10.10, 9.88, 10.05, 9.97, 10.12, 9.91, 10.00, 10.08 };
static const double X15[] = { 11.55, 11.40, 11.62, 11.38, 11.50, 11.71, 11.45, 11.58, 11.33, 11.49 };
static const double X40[] = { 14.05, 13.92, 14.10, 13.85, 14.02, 14.18, 13.96, 14.07, 13.88, 14.00 };
static const double X80[] = { 8.01, 7.95, 8.10, 7.90, 8.04, 7.97, 8.08, 7.92, 8.00, 8.06 };
static const double X103[] = {
	10.32, 10.25, 10.40, 10.18, 10.35, 10.27, 10.42, 10.21, 10.30, 10.38
};
static const double YT[] = { 10.000, 10.002, 9.998,   10.001, 9.999,
			     10.003, 9.997,  10.0015, 9.9985, 10.0005 };
static const double YN[] = { 10, 14, 8, 12, 9, 15 };
static const double XN[] = { 13, 9, 16, 11, 14, 18 };

/* One robust check of samples x against baseline samples y. */
static void robust_check(const double *x, size_t nx, const double *y, size_t ny, bool hib,
			 double abs_floor, enum regress_mode mode, struct regress_verdict *v)
{
	struct regress_baseline_set set = {};
	struct regress_baseline b;
	struct regress_result r;
	struct regress_opts o;
	struct errtext err;

	regress_opts__init(&o);
	o.mode = mode;
	mk_baseline(&b, "bench", "ms", 0, y, ny, hib);
	b.abs_floor = abs_floor;
	mk_set(&set, &b, 1);
	fx_result(&r, "bench", "ms", 0, x, nx, hib);
	assert_int_equal(regress__check_one(&r, &set, &o, v, &err), 0);
	regress_result__free(&r);
	regress_baseline_set__free(&set);
}

static void test_robust_mann_whitney(void **state)
{
	struct regress_verdict v;

	(void)state;
	/* [scipy] X15 vs Y: U 100, exact one-sided p 5.412544112234515e-06 (= 1 / C(20, 10));
	 * HL of the logs: estimate 0.1486274154749429, 98% interval from the exact U
	 * distribution [0.1363636363636364, 0.16170634920634927] */
	robust_check(X15, 10, Y, 10, false, 0, REGRESS_MODE_ROBUST, &v);
	assert_int_equal(v.method, REGRESS_METHOD_MANN_WHITNEY);
	assert_close(v.p_worse, 5.412544112234515e-06, 1e-10, "p");
	assert_close(v.p_worse_adj, v.p_worse, 0, "one check: adjusted p = p");
	assert_close(v.p_better, 1, 1e-12, "p improved");
	assert_close(v.estimate, 0.1486274154749429, 1e-12, "HL estimate");
	assert_close(v.ci_lo, 0.1363636363636364, 1e-12, "ci lo");
	assert_close(v.ci_hi, 0.16170634920634927, 1e-12, "ci hi");
	assert_int_equal(v.severity, REGRESS_WARNING);
	assert_int_equal(v.reason, REGRESS_REASON_SIGNIFICANT);
	regress_verdict__free(&v);

	/* [scipy] X40: estimate 0.3990982820260816 -> CRITICAL */
	robust_check(X40, 10, Y, 10, false, 0, REGRESS_MODE_ROBUST, &v);
	assert_close(v.estimate, 0.3990982820260816, 1e-12, "HL estimate X40");
	assert_close(v.ci_lo, 0.3853754940711466, 1e-12, "ci lo X40");
	assert_int_equal(v.severity, REGRESS_CRITICAL);
	regress_verdict__free(&v);

	/* [scipy] X80: p_less 5.41e-06, estimate -0.2004008418582975, interval
	 * [-0.2084980237154149, -0.19195979899497512] -> an improvement */
	robust_check(X80, 10, Y, 10, false, 0, REGRESS_MODE_ROBUST, &v);
	assert_close(v.p_better, 5.412544112234515e-06, 1e-10, "p improved X80");
	assert_close(v.estimate, -0.2004008418582975, 1e-12, "HL estimate X80");
	assert_close(v.ci_hi, -0.19195979899497512, 1e-12, "ci hi X80");
	assert_int_equal(v.severity, REGRESS_IMPROVED);
	regress_verdict__free(&v);

	/* the same data read as throughput (higher is better): X80 is 20% worse, X15 better.
	 * [hand] deviation = -(e^shift - 1): 0.2004008418582975, interval from the negated ends */
	robust_check(X80, 10, Y, 10, true, 0, REGRESS_MODE_ROBUST, &v);
	assert_close(v.estimate, 0.2004008418582975, 1e-12, "throughput drop");
	assert_close(v.ci_lo, 0.19195979899497512, 1e-12, "throughput ci lo");
	assert_close(v.p_worse, 5.412544112234515e-06, 1e-10, "throughput p");
	assert_int_equal(v.severity, REGRESS_WARNING);
	regress_verdict__free(&v);
	robust_check(X15, 10, Y, 10, true, 0, REGRESS_MODE_ROBUST, &v);
	assert_int_equal(v.severity, REGRESS_IMPROVED);
	regress_verdict__free(&v);

	/* --mode simple ignores the samples: only the threshold rule on the means */
	robust_check(X15, 10, Y, 10, false, 0, REGRESS_MODE_SIMPLE, &v);
	assert_int_equal(v.method, REGRESS_METHOD_SIMPLE);
	assert_true(isnan(v.p_worse));
	assert_int_equal(v.severity, REGRESS_WARNING);
	regress_verdict__free(&v);
}

static void test_robust_magnitude_and_floor(void **state)
{
	double xt[10];
	struct regress_verdict v;

	(void)state;
	/* [scipy] X103: significant (p 5.41e-06), estimate 0.029970059445075962, interval
	 * [0.01980198019801966, 0.03999999999999983]: clear of the 1% floor, below 10%: INFO */
	robust_check(X103, 10, Y, 10, false, 0, REGRESS_MODE_ROBUST, &v);
	assert_close(v.estimate, 0.029970059445075962, 1e-12, "X103 estimate");
	assert_close(v.ci_lo, 0.01980198019801966, 1e-12, "X103 ci lo");
	assert_int_equal(v.severity, REGRESS_INFO);
	assert_int_equal(v.reason, REGRESS_REASON_SIGNIFICANT_SMALL);
	regress_verdict__free(&v);

	/* [scipy] 0.5% slower with almost no noise: significant, interval
	 * [0.004748825352394306, 0.005251237438127867] does not clear max(1%, 0): INFO */
	for (size_t i = 0; i < 10; i++)
		xt[i] = YT[i] * 1.005;
	robust_check(xt, 10, YT, 10, false, 0, REGRESS_MODE_ROBUST, &v);
	assert_close(v.ci_lo, 0.004748825352394306, 1e-9, "XT ci lo");
	assert_close(v.floor, 0.01, 0, "default floor 1%");
	assert_int_equal(v.severity, REGRESS_INFO);
	assert_int_equal(v.reason, REGRESS_REASON_NOISE_FLOOR);
	regress_verdict__free(&v);

	/* an absolute floor of 2 ms on a 10 ms benchmark is a 20% floor: the +15% (interval from
	 * 13.6%) does not clear it. [hand] floor = max(0.01, 2 / mean(Y) = 2 / 10.008) */
	robust_check(X15, 10, Y, 10, false, 2.0, REGRESS_MODE_ROBUST, &v);
	assert_close(v.floor, 2 / 10.008, 1e-12, "absolute floor");
	assert_int_equal(v.severity, REGRESS_INFO);
	assert_int_equal(v.reason, REGRESS_REASON_NOISE_FLOOR);
	regress_verdict__free(&v);
	/* below 1% the absolute floor does not lower the relative one */
	robust_check(X15, 10, Y, 10, false, 0.01, REGRESS_MODE_ROBUST, &v);
	assert_close(v.floor, 0.01, 0, "floor max(1%, 0.1%)");
	assert_int_equal(v.severity, REGRESS_WARNING);
	regress_verdict__free(&v);

	/* [scipy] XN vs YN (ties: normal approximation): +19% in the means, but p
	 * 0.14812903067944955: no regression in robust mode, and no pass either (a +18% shift
	 * estimate that is not significant is INCONCLUSIVE, issue 14), while the simple rule calls
	 * it a WARNING */
	robust_check(XN, 6, YN, 6, false, 0, REGRESS_MODE_ROBUST, &v);
	assert_false(isnan(v.p_worse));
	assert_close(v.p_worse, 0.14812903067944955, 1e-9, "XN p");
	assert_close(v.estimate, 0.18321595661992296, 1e-12, "XN estimate");
	assert_int_equal(v.severity, REGRESS_INCONCLUSIVE);
	assert_int_equal(v.reason, REGRESS_REASON_NOT_SIGNIFICANT);
	regress_verdict__free(&v);
	robust_check(XN, 6, YN, 6, false, 0, REGRESS_MODE_SIMPLE, &v);
	assert_close(v.deviation, 0.19117647058823523, 1e-12, "XN change of the means");
	assert_int_equal(v.severity, REGRESS_WARNING);
	regress_verdict__free(&v);
}

static void test_inconclusive_small_samples(void **state)
{
	const double b3[] = { 1.0, 1.01, 0.99 }, c3[] = { 2.0, 2.02, 1.98 };
	const double b4[] = { 1.0, 1.01, 0.99, 1.02 }, c4[] = { 2.0, 2.02, 1.98, 2.04 };
	const double b5[] = { 1.0, 1.01, 0.99, 1.02, 0.98 }, c5[] = { 2.0, 2.02, 1.98, 2.04, 1.96 };
	struct regress_verdict v;

	(void)state;
	/* [hand] 3 vs 3: the smallest exact p is 1 / C(6, 3) = 0.05 > 0.01. Against 3 baseline
	 * samples, k current samples reach 0.01 once C(3 + k, 3) >= 100: C(9,3) = 84,
	 * C(10,3) = 120, so 7. Twice as slow, yet never a false alarm. */
	robust_check(c3, 3, b3, 3, false, 0, REGRESS_MODE_ROBUST, &v);
	assert_int_equal(v.severity, REGRESS_INCONCLUSIVE);
	assert_int_equal(v.reason, REGRESS_REASON_FEW_SAMPLES);
	assert_int_equal(v.need_samples, 7);
	regress_verdict__free(&v);
	/* [hand] 4 vs 4: 1 / C(8, 4) = 1/70 > 0.01; C(4 + k, 4) >= 100 first at k = 5 (126) */
	robust_check(c4, 4, b4, 4, false, 0, REGRESS_MODE_ROBUST, &v);
	assert_int_equal(v.severity, REGRESS_INCONCLUSIVE);
	assert_int_equal(v.need_samples, 5);
	regress_verdict__free(&v);
	/* [hand] 5 vs 5: 1 / C(10, 5) = 1/252 <= 0.01, all current above all baseline: p = 1/252 */
	robust_check(c5, 5, b5, 5, false, 0, REGRESS_MODE_ROBUST, &v);
	assert_close(v.p_worse, 1.0 / 252, 1e-12, "5 vs 5 p");
	assert_int_equal(v.severity, REGRESS_CRITICAL);
	regress_verdict__free(&v);
	/* the simple rule has no minimum: CRITICAL at 3 vs 3 */
	robust_check(c3, 3, b3, 3, false, 0, REGRESS_MODE_SIMPLE, &v);
	assert_int_equal(v.severity, REGRESS_CRITICAL);
	regress_verdict__free(&v);
}

static void welch_check(const struct regress_result *r, size_t cnt, struct regress_check *chk)
{
	struct regress_baseline_set set = {};
	struct regress_baseline b[3];
	struct regress_opts o;
	struct errtext err;
	const char *names[] = { "w0", "w1", "w2" };

	regress_opts__init(&o);
	for (size_t i = 0; i < 3; i++) {
		mk_baseline(&b[i], names[i], "s", 10.0, NULL, 0, false);
		b[i].stddev = 0.5;
		b[i].n = 10;
	}
	mk_set(&set, b, 3);
	assert_int_equal(regress__check_all(r, cnt, &set, &o, chk, &err), 0);
	regress_baseline_set__free(&set);
}

static void test_welch_summaries(void **state)
{
	struct regress_result r;
	struct regress_check chk;

	(void)state;
	/* [scipy] 11.5 +- 0.6 (n 10) against 10 +- 0.5 (n 10): t 6.07332247634187,
	 * df 17.433107756376888, p 5.568760829713905e-06; interval of the relative change with
	 * t_0.99: [0.0867626134106049, 0.21323738658939512] */
	mk_summary(&r, "w0", 11.5, 0.6, 10);
	welch_check(&r, 1, &chk);
	assert_int_equal(chk.verdicts[0].method, REGRESS_METHOD_WELCH);
	assert_close(chk.verdicts[0].p_worse, 5.568760829713905e-06, 1e-8, "welch p");
	assert_close(chk.verdicts[0].estimate, 0.15, 1e-12, "welch estimate");
	assert_close(chk.verdicts[0].ci_lo, 0.0867626134106049, 1e-8, "welch ci lo");
	assert_close(chk.verdicts[0].ci_hi, 0.21323738658939512, 1e-8, "welch ci hi");
	assert_int_equal(chk.verdicts[0].severity, REGRESS_WARNING);
	regress_check__free(&chk);
	regress_result__free(&r);
	/* a result with no spread and no n cannot be tested: the threshold rule decides */
	fx_result(&r, "w0", "s", 11.5, NULL, 0, false);
	welch_check(&r, 1, &chk);
	assert_int_equal(chk.verdicts[0].method, REGRESS_METHOD_SIMPLE);
	assert_int_equal(chk.verdicts[0].reason, REGRESS_REASON_NO_SPREAD);
	assert_int_equal(chk.verdicts[0].severity, REGRESS_WARNING);
	regress_check__free(&chk);
	regress_result__free(&r);
}

static void test_benjamini_hochberg_batch(void **state)
{
	struct regress_result r[3];
	struct regress_check chk;

	(void)state;
	/* [scipy] alone, 11.5 +- 1.2 (n 8) against 10 +- 0.5 (n 10) has p 0.004558703206107013
	 * <= 0.01 and is a WARNING */
	mk_summary(&r[0], "w0", 11.5, 1.2, 8);
	welch_check(r, 1, &chk);
	assert_close(chk.verdicts[0].p_worse, 0.004558703206107013, 1e-8, "alone p");
	assert_int_equal(chk.verdicts[0].severity, REGRESS_WARNING);
	regress_check__free(&chk);
	/* [scipy] in a batch with two unchanged benchmarks (raw p 0.4127907252279647,
	 * 0.5351411102926398) its BH-adjusted p is 3 * 0.004558... = 0.013676109618321039 > 0.01:
	 * no longer significant, so no regression and exit 0; a +15% estimate that is not
	 * significant is INCONCLUSIVE (issue 14) */
	mk_summary(&r[1], "w1", 10.05, 0.5, 10);
	mk_summary(&r[2], "w2", 9.98, 0.5, 10);
	welch_check(r, 3, &chk);
	assert_close(chk.verdicts[0].p_worse, 0.004558703206107013, 1e-8, "raw p kept");
	assert_close(chk.verdicts[0].p_worse_adj, 0.013676109618321039, 1e-8, "adjusted p 0");
	assert_close(chk.verdicts[1].p_worse_adj, 0.5351411102926398, 1e-8, "adjusted p 1");
	assert_close(chk.verdicts[2].p_worse_adj, 0.5351411102926398, 1e-8, "adjusted p 2");
	assert_int_equal(chk.verdicts[0].severity, REGRESS_INCONCLUSIVE);
	assert_int_equal(chk.verdicts[0].reason, REGRESS_REASON_NOT_SIGNIFICANT);
	assert_false(chk.failed);
	regress_check__free(&chk);
	for (size_t i = 0; i < 3; i++)
		regress_result__free(&r[i]);
}

static void test_diagnostics(void **state)
{
	const double base[] = { 10, 10.1, 9.9, 10.05, 9.95, 10.02, 9.98, 10.01 };
	const double cur[] = { 10, 10.1, 9.9, 10.05, 9.95, 10.02, 9.98, 30 };
	const double noisy_b[] = { 6, 14, 9, 11, 7, 13 }, noisy_c[] = { 7, 15, 10, 12, 8, 14 };
	struct regress_baseline_set set = {};
	struct regress_baseline b;
	struct regress_result r;
	struct regress_verdict v;
	struct regress_opts o;
	struct errtext err;
	double cv_b, cv_c;

	(void)state;
	/* [hand] one sample far above the Tukey fence of cur; none in base */
	robust_check(cur, 8, base, 8, false, 0, REGRESS_MODE_ROBUST, &v);
	assert_int_equal(v.outliers_current, 1);
	assert_int_equal(v.outliers_baseline, 0);
	assert_close(v.cv_baseline, stats__stddev(base, 8) / stats__mean(base, 8), 1e-14, "cv");
	regress_verdict__free(&v);

	/* [hand] both sides have squared deviations 16+16+1+1+9+9 = 52, variance 10.4; cv is
	 * sqrt(10.4) / 10 and sqrt(10.4) / 11.
	 * mde = (z_0.99 + z_0.80) * sqrt(cv_b^2 / 6 + cv_c^2 / 6), z from tables:
	 * (2.3263478740408408 + 0.8416212335729143) * 0.1785... = 0.565..., above 10%: noisy */
	robust_check(noisy_c, 6, noisy_b, 6, false, 0, REGRESS_MODE_ROBUST, &v);
	cv_b = sqrt(10.4) / 10;
	cv_c = sqrt(10.4) / 11;
	assert_close(v.cv_baseline, cv_b, 1e-12, "cv baseline");
	assert_close(v.cv_current, cv_c, 1e-12, "cv current");
	assert_close(v.mde,
		     (2.3263478740408408 + 0.8416212335729143) *
			     sqrt(cv_b * cv_b / 6 + cv_c * cv_c / 6),
		     1e-9, "mde");
	assert_true(v.noisy);
	regress_verdict__free(&v);

	/* probe overhead: 1.2 us measured against 0.5 us of overhead is within 5x: flagged */
	regress_opts__init(&o);
	mk_baseline(&b, "f", "us", 1.2, NULL, 0, false);
	mk_set(&set, &b, 1);
	fx_result(&r, "f", "us", 1.2, NULL, 0, false);
	r.overhead = 0.5;
	assert_int_equal(regress__check_one(&r, &set, &o, &v, &err), 0);
	assert_close(v.overhead, 0.5, 0, "overhead");
	assert_true(v.near_overhead);
	regress_verdict__free(&v);
	r.overhead = 0.1;
	assert_int_equal(regress__check_one(&r, &set, &o, &v, &err), 0);
	assert_false(v.near_overhead);
	regress_verdict__free(&v);
	regress_result__free(&r);
	regress_baseline_set__free(&set);
}

static void test_merge_runs(void **state)
{
	struct regress_run runs[2] = {}, merged;
	const double s1[] = { 1, 2 }, s2[] = { 3 };
	struct errtext err;

	(void)state;
	/* two runs without samples: [hand] value = mean(10, 12) = 11, stddev sqrt(2), the run
	 * values become the samples; "b" only in the second run keeps its own numbers */
	runs[0].results = calloc(1, sizeof(struct regress_result));
	runs[1].results = calloc(2, sizeof(struct regress_result));
	runs[0].result_cnt = 1;
	runs[1].result_cnt = 2;
	fx_result(&runs[0].results[0], "a", "ms", 10, NULL, 0, false);
	fx_result(&runs[1].results[0], "b", "s", 4, NULL, 0, false);
	fx_result(&runs[1].results[1], "a", "s", 0.012, NULL, 0, false); /* 12 ms */
	assert_int_equal(regress__merge_runs(runs, 2, &merged, &err), 0);
	assert_int_equal(merged.result_cnt, 2);
	assert_string_equal(merged.results[0].name, "a");
	assert_string_equal(merged.results[0].unit, "ms");
	assert_close(merged.results[0].value, 11, 1e-14, "merged mean");
	assert_close(merged.results[0].stddev, sqrt(2), 1e-14, "stddev across runs");
	assert_int_equal(merged.results[0].n, 2);
	assert_int_equal(merged.results[0].sample_cnt, 2);
	assert_close(merged.results[0].samples[1], 12, 1e-14, "run value as a sample");
	assert_string_equal(merged.results[1].name, "b");
	assert_close(merged.results[1].value, 4, 0, "single run");
	regress_run__free(&merged);
	regress_run__free(&runs[0]);
	regress_run__free(&runs[1]);

	/* runs with samples: pooled, [hand] value = mean of the run means (1.5 and 3) = 2.25 */
	runs[0].results = calloc(1, sizeof(struct regress_result));
	runs[1].results = calloc(1, sizeof(struct regress_result));
	runs[0].result_cnt = runs[1].result_cnt = 1;
	fx_result(&runs[0].results[0], "a", "s", 0, s1, 2, false);
	fx_result(&runs[1].results[0], "a", "s", 0, s2, 1, false);
	assert_int_equal(regress__merge_runs(runs, 2, &merged, &err), 0);
	assert_int_equal(merged.results[0].sample_cnt, 3);
	assert_close(merged.results[0].value, 2.25, 1e-15, "mean of run means");
	regress_run__free(&merged);
	/* a unit that does not convert is an error naming the benchmark */
	free(runs[1].results[0].unit);
	runs[1].results[0].unit = strdup("bytes");
	assert_int_equal(regress__merge_runs(runs, 2, &merged, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "\"a\""));
	regress_run__free(&runs[0]);
	regress_run__free(&runs[1]);
}

static void save_value(struct regress_baseline_set *set, const char *unit, double value,
		       const char *label, size_t history_max)
{
	struct regress_run merged = {};
	struct errtext err;

	merged.results = calloc(1, sizeof(struct regress_result));
	merged.result_cnt = 1;
	fx_result(&merged.results[0], "x", unit, value, NULL, 0, false);
	assert_int_equal(regress_baseline_set__update(set, &merged, label, history_max, &err), 0);
	regress_run__free(&merged);
}

static void test_baseline_update_history(void **state)
{
	struct regress_baseline_set set = {};

	(void)state;
	save_value(&set, "ms", 10, "v1", 3);
	assert_int_equal(set.cnt, 1);
	assert_close(set.items[0].warning_threshold, 0.10, 0, "default warning");
	assert_close(set.items[0].critical_threshold, 0.25, 0, "default critical");
	/* thresholds and floor set by the user survive the next save */
	set.items[0].warning_threshold = 0.05;
	set.items[0].abs_floor = 1; /* ms */
	save_value(&set, "ms", 11, "v2", 3);
	save_value(&set, "ms", 12, NULL, 3);
	save_value(&set, "ms", 13, "v4", 3);
	assert_close(set.items[0].warning_threshold, 0.05, 0, "kept warning");
	assert_close(set.items[0].mean, 13, 0, "newest mean");
	/* bounded: the newest 3 kept, run numbers keep counting */
	assert_int_equal(set.items[0].history_cnt, 3);
	assert_int_equal(set.items[0].history[0].run, 2);
	assert_int_equal(set.items[0].history[2].run, 4);
	assert_string_equal(set.items[0].history[2].label, "v4");
	assert_null(set.items[0].history[1].label);
	/* a new time unit converts the history and the absolute floor: 1 ms = 0.001 s */
	save_value(&set, "s", 0.014, "v5", 3);
	assert_string_equal(set.items[0].unit, "s");
	assert_close(set.items[0].history[1].mean, 0.013, 1e-15, "history in seconds");
	assert_close(set.items[0].abs_floor, 0.001, 1e-15, "floor in seconds");
	regress_baseline_set__free(&set);
}

static void test_history_change_point(void **state)
{
	/* [hand] ten runs at 10 ms, then eight at 13 ms: the level moved at the 11th run */
	const double level[] = { 10.0, 10.1, 9.9,  10.0, 10.2, 9.8,  10.1, 10.0, 9.9,
				 10.0, 13.0, 13.1, 12.9, 13.0, 13.2, 12.8, 13.1, 13.0 };
	struct regress_baseline_set set = {};
	struct regress_history_report rep;
	char label[16];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(level); i++) {
		snprintf(label, sizeof(label), "build-%zu", i + 1);
		save_value(&set, "ms", level[i], label, 100);
	}
	assert_int_equal(regress__history_analyze(&set, &rep), 0);
	assert_int_equal(rep.item_cnt, 1);
	assert_false(rep.items[0].too_short);
	assert_int_equal(rep.items[0].cp_cnt, 1);
	assert_int_equal(rep.items[0].cps[0].run, 11);
	assert_string_equal(rep.items[0].cps[0].label, "build-11");
	/* [hand] medians of the two segments */
	assert_close(rep.items[0].cps[0].before, 10.0, 1e-12, "level before");
	assert_close(rep.items[0].cps[0].after, 13.0, 1e-12, "level after");
	regress_history_report__free(&rep);
	regress_baseline_set__free(&set);

	/* a flat history has no change point; five runs are too short to look */
	for (size_t i = 0; i < 12; i++)
		save_value(&set, "ms", 10.0 + 0.1 * (double)(i % 3), NULL, 100);
	assert_int_equal(regress__history_analyze(&set, &rep), 0);
	assert_int_equal(rep.items[0].cp_cnt, 0);
	regress_history_report__free(&rep);
	regress_baseline_set__free(&set);
	for (size_t i = 0; i < 5; i++)
		save_value(&set, "ms", i < 3 ? 10 : 20, NULL, 100);
	assert_int_equal(regress__history_analyze(&set, &rep), 0);
	assert_true(rep.items[0].too_short);
	regress_history_report__free(&rep);
	regress_baseline_set__free(&set);
}

/* splitmix64 and Box-Muller: deterministic normal draws for the false-alarm test. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double rng_normal(uint64_t *s)
{
	double u1 = ((double)(rng_next(s) >> 11) + 0.5) / 9007199254740992.0;
	double u2 = ((double)(rng_next(s) >> 11) + 0.5) / 9007199254740992.0;

	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

#define FA_PAIRS 200
#define FA_N 10

/* Checks FA_PAIRS pairs of FA_N samples, the current side scaled by shift; counts verdicts at
 * WARNING or above for the robust rule, the simple rule on the mean, and the simple rule on one
 * run (the first current sample against the baseline mean), and robust raw p <= alpha. */
static void false_alarm_run(double shift, size_t *robust, size_t *simple_mean, size_t *simple_one,
			    size_t *significant)
{
	uint64_t seed = 20240601;
	double x[FA_N], y[FA_N];
	struct regress_verdict v;

	*robust = *simple_mean = *simple_one = *significant = 0;
	for (size_t k = 0; k < FA_PAIRS; k++) {
		for (size_t i = 0; i < FA_N; i++) {
			y[i] = 100 * (1 + 0.05 * rng_normal(&seed));
			x[i] = shift * 100 * (1 + 0.05 * rng_normal(&seed));
		}
		robust_check(x, FA_N, y, FA_N, false, 0, REGRESS_MODE_ROBUST, &v);
		*robust += v.severity == REGRESS_WARNING || v.severity == REGRESS_CRITICAL;
		*significant += v.p_worse <= REGRESS_ALPHA_DEFAULT;
		regress_verdict__free(&v);
		robust_check(x, FA_N, y, FA_N, false, 0, REGRESS_MODE_SIMPLE, &v);
		*simple_mean += v.severity == REGRESS_WARNING || v.severity == REGRESS_CRITICAL;
		regress_verdict__free(&v);
		robust_check(x, 1, y, FA_N, false, 0, REGRESS_MODE_SIMPLE, &v);
		*simple_one += v.severity == REGRESS_WARNING || v.severity == REGRESS_CRITICAL;
		regress_verdict__free(&v);
	}
}

static void test_false_alarm_rate(void **state)
{
	size_t robust, simple_mean, simple_one, significant;
	/* the expected share at the default alpha: 1% of 200 pairs */
	const size_t expected = (size_t)ceil(REGRESS_ALPHA_DEFAULT * FA_PAIRS);

	(void)state;
	false_alarm_run(1.0, &robust, &simple_mean, &simple_one, &significant);
	printf("false alarms over %d same-distribution pairs (5%% noise, %d samples a side, "
	       "alpha %g): robust %zu (allowed <= %zu; raw p <= alpha %zu), simple rule on the "
	       "mean %zu, simple rule on one run %zu\n",
	       FA_PAIRS, FA_N, REGRESS_ALPHA_DEFAULT, robust, expected, significant, simple_mean,
	       simple_one);
	assert_true(robust <= expected);
	/* the test itself is calibrated: under the null, P(p <= alpha) <= alpha, so about 2 of
	 * 200; P(Bin(200, 0.01) >= 8) < 0.001 */
	assert_true(significant <= 7);

	/* and the detector is not merely silent: a real 20% slowdown is found in every pair */
	false_alarm_run(1.2, &robust, &simple_mean, &simple_one, &significant);
	printf("detections of a 20%% slowdown: robust %zu of %d, simple rule on the mean %zu\n",
	       robust, FA_PAIRS, simple_mean);
	assert_true(robust >= FA_PAIRS - 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threshold_rule_lower_is_better),
		cmocka_unit_test(test_threshold_rule_higher_is_better),
		cmocka_unit_test(test_missing_baseline_is_an_error),
		cmocka_unit_test(test_check_all_lists_skipped),
		cmocka_unit_test(test_units_and_direction),
		cmocka_unit_test(test_robust_mann_whitney),
		cmocka_unit_test(test_robust_magnitude_and_floor),
		cmocka_unit_test(test_inconclusive_small_samples),
		cmocka_unit_test(test_welch_summaries),
		cmocka_unit_test(test_benjamini_hochberg_batch),
		cmocka_unit_test(test_diagnostics),
		cmocka_unit_test(test_merge_runs),
		cmocka_unit_test(test_baseline_update_history),
		cmocka_unit_test(test_history_change_point),
		cmocka_unit_test(test_false_alarm_rate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
