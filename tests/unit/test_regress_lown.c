// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the detector on few runs and CI thresholds (issue 14): samples that cannot
 * reach significance after the batch's Benjamini-Hochberg correction are judged low-n, by the
 * threshold rule on the shift estimate (checked against a brute-force BH); --warn and --fail
 * over the baseline's thresholds; pytest-benchmark rounds counted as one run; results with
 * failed runs refused for a baseline. Numbers are [hand]-worked beside them, drawn from a
 * seeded generator, or read from the real tool outputs in tests/fixtures/regress/
 * (gen/generate.sh). */
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
#define MAXB 8

/* splitmix64 and Box-Muller: deterministic normal draws */
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

/* A batch of cnt benchmarks "b0".."b<cnt-1>": baseline samples y[i] (ny[i] of them) and current
 * samples x[i] (nx[i]), checked together into chk. */
struct batch {
	size_t cnt;
	double x[MAXB][64], y[MAXB][64];
	size_t nx[MAXB], ny[MAXB];
};

static void check_batch(const struct batch *bt, const struct regress_opts *o,
			struct regress_check *chk, struct regress_result *r,
			struct regress_baseline_set *set)
{
	struct errtext err;
	char name[8];

	set->items = calloc(bt->cnt, sizeof(*set->items));
	assert_non_null(set->items);
	set->cnt = bt->cnt;
	for (size_t i = 0; i < bt->cnt; i++) {
		struct regress_baseline *b = &set->items[i];

		snprintf(name, sizeof(name), "b%zu", i);
		b->name = strdup(name);
		b->unit = strdup("ms");
		b->mean = stats__mean(bt->y[i], bt->ny[i]);
		b->stddev = stats__stddev(bt->y[i], bt->ny[i]);
		b->n = bt->ny[i];
		b->warning_threshold = REGRESS_WARNING_DEFAULT;
		b->critical_threshold = REGRESS_CRITICAL_DEFAULT;
		b->q25 = b->q50 = b->q75 = NAN;
		b->samples = fx_dup_samples(bt->y[i], bt->ny[i]);
		b->sample_cnt = bt->ny[i];
		fx_result(&r[i], name, "ms", 0, bt->x[i], bt->nx[i], false);
	}
	assert_int_equal(regress__check_all(r, bt->cnt, set, o, chk, &err), 0);
}

static void free_batch(size_t cnt, struct regress_check *chk, struct regress_result *r,
		       struct regress_baseline_set *set)
{
	regress_check__free(chk);
	for (size_t i = 0; i < cnt; i++)
		regress_result__free(&r[i]);
	regress_baseline_set__free(set);
}

/* [hand] five runs a side, well apart: 10.0..10.4 and the same times 1.25: Mann-Whitney
 * separates them completely, p = 1 / C(10, 5) = 1/252 = 0.00397 */
static const double B5[] = { 10.0, 10.1, 10.2, 10.3, 10.4 };
static const double N5[] = { 10.05, 10.15, 10.25, 10.35, 9.95 };

static void fill(double *dst, const double *src, size_t n, double factor)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i] * factor;
}

static void test_low_n_three_benchmarks(void **state)
{
	struct regress_result r[3];
	struct regress_baseline_set set = {};
	struct regress_check chk;
	struct regress_opts o;
	struct batch bt = { .cnt = 3 };
	const struct regress_verdict *v;
	char buf[160], *t;

	(void)state;
	regress_opts__init(&o);
	for (size_t i = 0; i < 3; i++) {
		bt.nx[i] = bt.ny[i] = 5;
		fill(bt.y[i], B5, 5, 1 + (double)i);
		fill(bt.x[i], N5, 5, 1 + (double)i);
	}
	fill(bt.x[0], B5, 5, 1.25); /* b0 25% slower */
	check_batch(&bt, &o, &chk, r, &set);
	v = &chk.verdicts[0];
	/* [hand] 0.00397 > alpha / 3 = 0.00333, and no other p is <= 2 alpha / 3: b0 cannot pass
	 * BH whatever its samples say. It is low-n, judged by the threshold rule on its shift
	 * (+25%: CRITICAL), with the test's numbers kept for the report */
	assert_true(fabs(v->p_worse - 1.0 / 252) < 1e-12);
	assert_int_equal(v->method, REGRESS_METHOD_MANN_WHITNEY);
	assert_int_equal(v->reason, REGRESS_REASON_LOW_N);
	assert_string_equal(regress_verdict__rule(v), "low-n");
	assert_true(fabs(v->estimate - 0.25) < 1e-9);
	assert_int_equal(v->severity, REGRESS_CRITICAL);
	assert_true(fabs(v->min_p - 1.0 / 252) < 1e-15);
	assert_int_equal(v->family_cnt, 3);
	/* [hand] 1 / C(6 + 5, 6) = 1/462 <= 0.00333 < 1/252: six current runs would do */
	assert_int_equal(v->need_samples, 6);
	assert_string_equal(regress_report__reason(v, buf, sizeof(buf)),
			    "low-n: threshold rule on the shift, 5 vs 5 samples");
	assert_true(chk.failed);
	/* b1 and b2 could pass BH at b0's side (rank 2: 0.00397 * 3 / 2 <= alpha): the robust
	 * rule keeps them, and they did not change */
	for (size_t i = 1; i < 3; i++) {
		assert_int_equal(chk.verdicts[i].severity, REGRESS_INFO);
		assert_string_equal(regress_verdict__rule(&chk.verdicts[i]), "robust");
	}
	t = fx_report(&chk, REGRESS_FORMAT_TEXT);
	fx_has(t, "CRITICAL (low-n: threshold rule on the shift, 5 vs 5 samples)");
	fx_has(t, "  \u2717 b0: +25.0% worse by the shift estimate (CRITICAL)");
	fx_has(t, "low-n: 5 vs 5 samples give p >= 0.0040, which cannot pass the correction for 3 "
		  "benchmarks at alpha 0.01 (6 current samples would)");
	free(t);
	t = fx_report(&chk, REGRESS_FORMAT_JSON);
	fx_has(t, "\"rule\": \"low-n\"");
	fx_has(t, "\"need_samples\": 6");
	fx_has(t, "\"family\": 3");
	free(t);
	free_batch(3, &chk, r, &set);

	/* the same +25% checked alone: 0.00397 <= alpha, the robust rule decides (significant) */
	bt.cnt = 1;
	check_batch(&bt, &o, &chk, r, &set);
	assert_int_equal(chk.verdicts[0].reason, REGRESS_REASON_SIGNIFICANT);
	assert_int_equal(chk.verdicts[0].severity, REGRESS_CRITICAL);
	free_batch(1, &chk, r, &set);

	/* all three 25% slower: each can pass (three p-values of 1/252 <= alpha): robust */
	bt.cnt = 3;
	for (size_t i = 1; i < 3; i++)
		fill(bt.x[i], B5, 5, 1.25 * (1 + (double)i));
	check_batch(&bt, &o, &chk, r, &set);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(regress_verdict__rule(&chk.verdicts[i]), "robust");
		assert_int_equal(chk.verdicts[i].severity, REGRESS_CRITICAL);
	}
	free_batch(3, &chk, r, &set);

	/* 4 vs 4 cannot reach alpha even alone (1/70): INCONCLUSIVE as before, never low-n */
	for (size_t i = 0; i < 3; i++)
		bt.nx[i] = bt.ny[i] = 4;
	check_batch(&bt, &o, &chk, r, &set);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(chk.verdicts[i].reason, REGRESS_REASON_FEW_SAMPLES);
		assert_int_equal(chk.verdicts[i].severity, REGRESS_INCONCLUSIVE);
	}
	free_batch(3, &chk, r, &set);

	/* tied values (per-run p50s of a histogram): the normal approximation gives b0 a p below
	 * the exact minimum, ~0.002, which passes BH (0.002 * 3 <= alpha): robust, not low-n */
	for (size_t k = 0; k < 5; k++) {
		bt.y[0][k] = 10;
		bt.x[0][k] = 12.5;
	}
	for (size_t i = 0; i < 3; i++)
		bt.nx[i] = bt.ny[i] = 5;
	for (size_t i = 1; i < 3; i++)
		fill(bt.x[i], N5, 5, 1 + (double)i); /* unchanged again */
	check_batch(&bt, &o, &chk, r, &set);
	assert_true(chk.verdicts[0].p_worse < 1.0 / 252);
	assert_true(chk.verdicts[1].p_worse > 0.1);
	assert_true(chk.verdicts[0].p_worse_adj <= o.alpha);
	assert_string_equal(regress_verdict__rule(&chk.verdicts[0]), "robust");
	assert_int_equal(chk.verdicts[0].severity, REGRESS_CRITICAL);
	free_batch(3, &chk, r, &set);

	/* --mode simple is never low-n */
	o.mode = REGRESS_MODE_SIMPLE;
	for (size_t i = 0; i < 3; i++)
		bt.nx[i] = bt.ny[i] = 5;
	check_batch(&bt, &o, &chk, r, &set);
	assert_string_equal(regress_verdict__rule(&chk.verdicts[0]), "threshold");
	free_batch(3, &chk, r, &set);
}

/* BH of the family with verdict i's p replaced by q: its adjusted p */
static double bh_with(const struct regress_check *chk, size_t i, double q)
{
	double p[MAXB];
	size_t m = 0, at = 0;

	for (size_t k = 0; k < chk->verdict_cnt; k++) {
		const struct regress_verdict *v = &chk->verdicts[k];

		if (v->method == REGRESS_METHOD_SIMPLE || v->reason == REGRESS_REASON_FEW_SAMPLES)
			continue;
		if (k == i)
			at = m;
		p[m++] = k == i ? q : v->p_worse;
	}
	assert_int_equal(stats__bh_adjust(p, m, p), 0);
	return p[at];
}

/* Random batches of 2..8 benchmarks, 5..7 samples a side, a quarter 30% slower: a Mann-Whitney verdict
 * is low-n exactly when BH, run again with its p lowered to its minimum, leaves it above
 * alpha (the O(log m) test in regress_check.c against the definition). */
static void test_low_n_matches_brute_force(void **state)
{
	struct regress_result r[MAXB];
	struct regress_baseline_set set = {};
	struct regress_check chk;
	struct regress_opts o;
	uint64_t seed = 14;
	size_t low = 0, robust = 0;

	(void)state;
	regress_opts__init(&o);
	for (int trial = 0; trial < 300; trial++) {
		struct batch bt = { .cnt = 2 + rng_next(&seed) % (MAXB - 1) };

		for (size_t i = 0; i < bt.cnt; i++) {
			double shift = rng_next(&seed) % 4 ? 1 : 1.3;

			bt.nx[i] = 5 + rng_next(&seed) % 3;
			bt.ny[i] = 5 + rng_next(&seed) % 3;
			for (size_t k = 0; k < bt.ny[i]; k++)
				bt.y[i][k] = 10 * (1 + 0.03 * rng_normal(&seed));
			for (size_t k = 0; k < bt.nx[i]; k++)
				bt.x[i][k] = 10 * shift * (1 + 0.03 * rng_normal(&seed));
		}
		check_batch(&bt, &o, &chk, r, &set);
		for (size_t i = 0; i < chk.verdict_cnt; i++) {
			const struct regress_verdict *v = &chk.verdicts[i];
			double best = stats__mw_min_p(v->n_current, v->n_baseline);
			bool unreachable;

			if (v->method != REGRESS_METHOD_MANN_WHITNEY)
				continue;
			unreachable = bh_with(&chk, i, best) > o.alpha;
			if (unreachable != (v->reason == REGRESS_REASON_LOW_N)) {
				print_error("trial %d, b%zu of %zu: %zu vs %zu, p %g: low-n %d, BH "
					    "says unreachable %d\n",
					    trial, i, chk.verdict_cnt, v->n_current, v->n_baseline,
					    v->p_worse, v->reason == REGRESS_REASON_LOW_N,
					    unreachable);
				fail();
			}
			low += unreachable;
			robust += !unreachable;
		}
		free_batch(bt.cnt, &chk, r, &set);
	}
	print_message("brute force: %zu low-n, %zu robust\n", low, robust);
	/* both kinds were met */
	assert_true(low > 50 && robust > 50);
}

/* Seeded: 200 batches of three benchmarks, 5 runs a side, 5% noise. With nothing changed,
 * how many WARNING or worse; with the first 25% slower, how often it is flagged. */
static void test_low_n_noise_and_detection(void **state)
{
	struct regress_result r[3];
	struct regress_baseline_set set = {};
	struct regress_check chk;
	struct regress_opts o;
	uint64_t seed = 2514;
	size_t false_alarms = 0, detected = 0, low_n = 0;

	(void)state;
	regress_opts__init(&o);
	for (int trial = 0; trial < 400; trial++) {
		struct batch bt = { .cnt = 3 };
		double slow = trial < 200 ? 1.0 : 1.25;

		for (size_t i = 0; i < 3; i++) {
			bt.nx[i] = bt.ny[i] = 5;
			for (size_t k = 0; k < 5; k++) {
				bt.y[i][k] = 100 * (1 + 0.05 * rng_normal(&seed));
				bt.x[i][k] = (i ? 1 : slow) * 100 * (1 + 0.05 * rng_normal(&seed));
			}
		}
		check_batch(&bt, &o, &chk, r, &set);
		for (size_t i = 0; i < 3; i++) {
			bool flagged = chk.verdicts[i].severity == REGRESS_WARNING ||
				       chk.verdicts[i].severity == REGRESS_CRITICAL;

			low_n += chk.verdicts[i].reason == REGRESS_REASON_LOW_N;
			if (trial < 200 || i)
				false_alarms += flagged;
			else
				detected += flagged;
		}
		free_batch(3, &chk, r, &set);
	}
	print_message("three benchmarks, 5 runs a side, 5%% noise: false alarms %zu of 1000 "
		      "unchanged, +25%% flagged %zu of 200, low-n verdicts %zu of 1200\n",
		      false_alarms, detected, low_n);
	assert_true(low_n > 600); /* the rule under test decided most of them */
	assert_true(false_alarms <= 5);
	assert_true(detected >= 198);
}

/* The verdicts of results file cur against a baseline saved from base (real tool output) */
static void check_files(const char *base, const char *cur, struct regress_check *chk,
			struct regress_run *run, struct regress_baseline_set *set)
{
	struct regress_run b;
	struct regress_opts o;
	struct errtext err;

	regress_opts__init(&o);
	assert_int_equal(results__read_file(base, &b, &err), 0);
	assert_int_equal(regress_baseline_set__update(set, &b, NULL, 10, &err), 0);
	regress_run__free(&b);
	assert_int_equal(results__read_file(cur, run, &err), 0);
	assert_int_equal(regress__check_all(run->results, run->result_cnt, set, &o, chk, &err), 0);
}

static const struct regress_verdict *verdict_of(const struct regress_check *chk, const char *name)
{
	for (size_t i = 0; i < chk->verdict_cnt; i++)
		if (!strcmp(chk->verdicts[i].name, name))
			return &chk->verdicts[i];
	fail_msg("no verdict for %s", name);
	return NULL;
}

static bool flagged(const struct regress_verdict *v)
{
	return v->severity == REGRESS_WARNING || v->severity == REGRESS_CRITICAL;
}

/* Google Benchmark, 5 repetitions of three benchmarks (gb_trio.cc): BM_A 25% slower in
 * gb_trio_slow.json is flagged, low-n; the same build run again (gb_trio_same.json) flags
 * nothing. hyperfine, 5 runs of three commands, a from sleep 0.04 to 0.052: low-n CRITICAL. */
static void test_low_n_real_outputs(void **state)
{
	struct regress_baseline_set set = {};
	struct regress_check chk;
	struct regress_run run;
	const struct regress_verdict *v;

	(void)state;
	check_files(FIX "gb_trio_base.json", FIX "gb_trio_slow.json", &chk, &run, &set);
	v = verdict_of(&chk, "BM_A");
	assert_int_equal(v->n_current, 5);
	assert_int_equal(v->reason, REGRESS_REASON_LOW_N);
	assert_true(flagged(v));
	assert_int_equal(chk.counts[REGRESS_WARNING] + chk.counts[REGRESS_CRITICAL], 1);
	regress_check__free(&chk);
	regress_run__free(&run);
	regress_baseline_set__free(&set);

	check_files(FIX "gb_trio_base.json", FIX "gb_trio_same.json", &chk, &run, &set);
	for (size_t i = 0; i < chk.verdict_cnt; i++)
		assert_false(flagged(&chk.verdicts[i]));
	regress_check__free(&chk);
	regress_run__free(&run);
	regress_baseline_set__free(&set);

	check_files(FIX "hyperfine_trio_base.json", FIX "hyperfine_trio_slow.json", &chk, &run,
		    &set);
	v = verdict_of(&chk, "a");
	assert_int_equal(v->reason, REGRESS_REASON_LOW_N);
	assert_int_equal(v->severity, REGRESS_CRITICAL);
	assert_false(flagged(verdict_of(&chk, "b")));
	assert_false(flagged(verdict_of(&chk, "c")));
	assert_true(chk.failed);
	regress_check__free(&chk);
	regress_run__free(&run);
	regress_baseline_set__free(&set);
}

/* --warn and --fail: over the baseline's thresholds; with one given, the other follows it when
 * they would cross. */
static void test_threshold_options(void **state)
{
	struct regress_baseline_set set = {};
	struct regress_baseline *b;
	struct regress_result r;
	struct regress_verdict v;
	struct regress_opts o;
	struct errtext err;
	const struct {
		double warn, crit, value;
		enum regress_severity want;
		double want_warn, want_crit;
	} cases[] = {
		/* [hand] value against a baseline of 100 with thresholds 10% / 25% */
		{ NAN, NAN, 115, REGRESS_WARNING, 0.10, 0.25 },	  /* the baseline's */
		{ 0.20, 0.30, 115, REGRESS_INFO, 0.20, 0.30 },	  /* both replaced */
		{ 0.20, 0.30, 125, REGRESS_WARNING, 0.20, 0.30 }, /* 25% < 30% */
		{ NAN, 0.12, 112, REGRESS_CRITICAL, 0.10, 0.12 }, /* only --fail */
		{ NAN, 0.05, 107, REGRESS_CRITICAL, 0.05, 0.05 }, /* --fail below warning */
		{ 0.30, NAN, 127, REGRESS_INFO, 0.30, 0.30 },	  /* --warn above critical */
		{ 0.30, NAN, 130, REGRESS_CRITICAL, 0.30, 0.30 }, /* both at 30% */
		{ 0.05, NAN, 90, REGRESS_IMPROVED, 0.05, 0.25 },  /* improvements follow --warn */
	};

	(void)state;
	set.items = calloc(1, sizeof(*set.items));
	set.cnt = 1;
	b = &set.items[0];
	b->name = strdup("t");
	b->unit = strdup("ms");
	b->mean = 100;
	b->stddev = b->q25 = b->q50 = b->q75 = NAN;
	b->warning_threshold = 0.10;
	b->critical_threshold = 0.25;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		regress_opts__init(&o);
		o.warning_threshold = cases[i].warn;
		o.critical_threshold = cases[i].crit;
		fx_result(&r, "t", "ms", cases[i].value, NULL, 0, false);
		assert_int_equal(regress__check_one(&r, &set, &o, &v, &err), 0);
		if (v.severity != cases[i].want ||
		    fabs(v.warning_threshold - cases[i].want_warn) > 1e-15 ||
		    fabs(v.critical_threshold - cases[i].want_crit) > 1e-15) {
			print_error("case %zu: %s %g/%g, want %s %g/%g\n", i,
				    regress_severity__name(v.severity), v.warning_threshold,
				    v.critical_threshold, regress_severity__name(cases[i].want),
				    cases[i].want_warn, cases[i].want_crit);
			fail();
		}
		regress_verdict__free(&v);
		regress_result__free(&r);
	}
	regress_baseline_set__free(&set);
}

/* pytest-benchmark: one session is one run, its rounds one value (tests/fixtures/regress/
 * pytest_run1.json and pytest_run2.json: the same code run twice; pytest_slow.json: 30% more
 * work). */
static void test_pytest_rounds_are_one_run(void **state)
{
	struct regress_run run1, run2, slow, both[2], merged;
	struct regress_baseline_set set = {};
	struct regress_check chk;
	struct regress_opts o;
	struct errtext err;
	char buf[160], *t;

	(void)state;
	assert_int_equal(results__read_file(FIX "pytest_run1.json", &run1, &err), 0);
	assert_int_equal(results__read_file(FIX "pytest_run2.json", &run2, &err), 0);
	assert_int_equal(results__read_file(FIX "pytest_slow.json", &slow, &err), 0);
	assert_true(run1.results[0].samples_within_run);
	assert_true(run1.results[0].sample_cnt >= 200); /* --benchmark-min-rounds=200 */
	/* the baseline of one session is one value: no rounds, n 1, no spread */
	assert_int_equal(regress_baseline_set__update(&set, &run1, NULL, 10, &err), 0);
	assert_int_equal(set.items[0].sample_cnt, 0);
	assert_int_equal(set.items[0].n, 1);
	assert_true(isnan(set.items[0].stddev));
	assert_true(fabs(set.items[0].mean - run1.results[0].value) < 1e-18);

	/* the same code again drifts by a fraction of a percent: no regression, by the
	 * threshold rule on one run a side, whatever the thousand rounds would "prove" */
	regress_opts__init(&o);
	o.fail_on = REGRESS_WARNING;
	assert_int_equal(regress__check_all(run2.results, 1, &set, &o, &chk, &err), 0);
	assert_true(fabs(chk.verdicts[0].change) < 0.05);
	assert_int_equal(chk.verdicts[0].severity, REGRESS_INFO);
	assert_int_equal(chk.verdicts[0].reason, REGRESS_REASON_ONE_VALUE);
	assert_string_equal(regress_verdict__rule(&chk.verdicts[0]), "threshold");
	assert_true(chk.verdicts[0].rounds);
	assert_int_equal(chk.verdicts[0].n_current, 1);
	assert_string_equal(regress_report__reason(&chk.verdicts[0], buf, sizeof(buf)),
			    "threshold rule: 1 run");
	assert_false(chk.failed);
	t = fx_report(&chk, REGRESS_FORMAT_TEXT);
	fx_has(t, "rounds of one run: compared as one value");
	free(t);
	regress_check__free(&chk);
	/* 30% more work is a regression all the same */
	assert_int_equal(regress__check_all(slow.results, 1, &set, &o, &chk, &err), 0);
	assert_int_equal(chk.verdicts[0].severity, REGRESS_CRITICAL);
	regress_check__free(&chk);

	/* two sessions merged: their means are the samples, rounds are not pooled */
	both[0] = run1;
	both[1] = run2;
	assert_int_equal(regress__merge_runs(both, 2, &merged, &err), 0);
	assert_false(merged.results[0].samples_within_run);
	assert_int_equal(merged.results[0].sample_cnt, 2);
	assert_int_equal(merged.results[0].n, 2);
	assert_true(fabs(merged.results[0].samples[1] - run2.results[0].value) < 1e-18);
	regress_run__free(&merged);

	regress_baseline_set__free(&set);
	regress_run__free(&run1);
	regress_run__free(&run2);
	regress_run__free(&slow);
}

/* perfan-bpf results can say the same of their samples, and keep saying it when written. */
static void test_samples_within_run_field(void **state)
{
	const char *doc =
		"{\"schema_version\": 1, \"results\": [{\"name\": \"r\", \"unit\": \"ms\","
		" \"samples\": [1, 2, 3], \"samples_within_run\": true}]}";
	const char *bad =
		"{\"schema_version\": 1, \"results\": [{\"name\": \"r\", \"unit\": \"ms\","
		" \"samples\": [1, 2, 3], \"samples_within_run\": \"yes\"}]}";
	struct regress_run run, again;
	struct errtext err;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(results__read_buf(doc, strlen(doc), "m.json", &run, &err), 0);
	assert_true(run.results[0].samples_within_run);
	f = open_memstream(&buf, &len);
	assert_int_equal(results__write(f, &run), 0);
	fclose(f);
	fx_has(buf, "\"samples_within_run\": true");
	assert_int_equal(results__read_buf(buf, len, "m.json", &again, &err), 0);
	assert_true(again.results[0].samples_within_run);
	free(buf);
	regress_run__free(&again);
	regress_run__free(&run);
	assert_int_equal(results__read_buf(bad, strlen(bad), "m.json", &run, &err), -EINVAL);
	fx_has(err.msg, "samples_within_run");
}

/* baseline save and check --against refuse runs that exited non-zero, with one sentence. */
static void test_refuse_failed_runs(void **state)
{
	struct regress_run run;
	struct errtext err;

	(void)state;
	assert_int_equal(results__read_file(FIX "hyperfine_exit_fail.json", &run, &err), 0);
	assert_int_equal(regress_run__refuse_failed(&run, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "benchmark \"job\": 3 of 3 runs exited non-zero (exit code 3)");
	run.results[0].exit_codes[1] = REGRESS_EXIT_SIGNAL;
	assert_int_equal(regress_run__refuse_failed(&run, &err), -EINVAL);
	assert_string_equal(err.msg, "benchmark \"job\": 3 of 3 runs exited non-zero (exit codes "
				     "killed by a signal, 3)");
	regress_run__free(&run);
	assert_int_equal(results__read_file(FIX "hyperfine_exit_base.json", &run, &err), 0);
	assert_int_equal(regress_run__refuse_failed(&run, &err), 0);
	regress_run__free(&run);
}

/* --higher-is-better REGEX marks the results it matches */
static void test_higher_is_better_regex(void **state)
{
	struct regress_run run;
	struct errtext err;
	regex_t re;

	(void)state;
	assert_int_equal(results__read_file(FIX "hyperfine.json", &run, &err), 0);
	assert_int_equal(regcomp(&re, "^true$", REG_EXTENDED | REG_NOSUB), 0);
	regress_run__set_higher_is_better(&run, &re);
	assert_false(run.results[0].higher_is_better); /* "sleep 0.01" */
	assert_true(run.results[1].higher_is_better);  /* "true" */
	regress_run__set_higher_is_better(&run, NULL); /* no regex: nothing changes */
	assert_true(run.results[1].higher_is_better);
	regfree(&re);
	regress_run__free(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_low_n_three_benchmarks),
		cmocka_unit_test(test_low_n_matches_brute_force),
		cmocka_unit_test(test_low_n_noise_and_detection),
		cmocka_unit_test(test_low_n_real_outputs),
		cmocka_unit_test(test_threshold_options),
		cmocka_unit_test(test_pytest_rounds_are_one_run),
		cmocka_unit_test(test_samples_within_run_field),
		cmocka_unit_test(test_refuse_failed_runs),
		cmocka_unit_test(test_higher_is_better_regex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
