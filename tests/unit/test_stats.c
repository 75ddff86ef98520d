// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of user/stats.c against reference values computed independently.
 *
 * Where the numbers come from: scipy is not installed on the development machine, so every
 * reference marked [py] was computed with a Python 3.11 script that uses only the standard
 * library and none of this code's algorithms:
 *  - Mann-Whitney exact p: enumeration of all C(m+n, m) rank assignments (itertools) and
 *    exact fractions; U counted pair by pair from its definition.
 *  - normal approximation: U pair by pair, tie term sum(t^3 - t), math.erfc.
 *  - Hodges-Lehmann: all m*n differences sorted; the interval's order statistic from the
 *    enumerated null distribution (or statistics.NormalDist for the normal path).
 *  - Student t cdf: Simpson's rule (400,000 intervals) on the t density from math.lgamma,
 *    not the incomplete beta function used in stats.c.
 *  - I_x(a, b) for integer a, b: the binomial tail P(Bin(a+b-1, x) >= a) in exact fractions.
 *  - Benjamini-Hochberg: min over k >= rank of m * p_(k) / k, straight from the definition.
 *  - E-divisive Q-hat: the Matteson-James formula evaluated by brute force at every split.
 * Values marked [hand] were worked out by hand; [table] are standard statistical tables.
 * Every [py] value was later cross-checked with SciPy 1.10.1 (Debian 12 python3-scipy:
 * scipy.stats.mannwhitneyu exact/asymptotic, its exact null distribution of U for the
 * Hodges-Lehmann ranks, scipy.special.betainc, scipy.stats.t, ttest_ind_from_stats) by
 * tests/unit/ref/stats_ref.py, which prints each SciPy value beside the one written here. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

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

/* Data sets shared by several tests (no ties between X and Y). */
static const double X[] = { 1.83, 1.91, 2.05, 1.77, 2.12, 1.95, 2.20, 1.88 };
static const double Y[] = { 1.71, 1.80, 1.65, 1.90, 1.74, 1.69, 1.82 };

static void test_summaries(void **state)
{
	const double x[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	double s[ARRAY_LEN(x)], med;

	(void)state;
	/* [hand] mean 40/8; squared deviations sum to 32, so sd = sqrt(32/7) */
	assert_close(stats__mean(x, 8), 5, 1e-15, "mean");
	assert_close(stats__stddev(x, 8), sqrt(32.0 / 7), 1e-15, "stddev");
	assert_true(isnan(stats__mean(x, 0)));
	assert_true(isnan(stats__stddev(x, 1)));
	/* [hand] type 7: q=0.25 -> h=1.75 -> 4; q=0.9 -> h=6.3 -> 7 + 0.3 * 2 */
	for (size_t i = 0; i < 8; i++)
		s[i] = x[i];
	assert_close(stats__quantile_sorted(s, 8, 0.25), 4, 1e-15, "q25");
	assert_close(stats__quantile_sorted(s, 8, 0.9), 7.6, 1e-15, "q90");
	assert_close(stats__quantile_sorted(s, 8, 0), 2, 0, "q0");
	assert_close(stats__quantile_sorted(s, 8, 1), 9, 0, "q1");
	assert_int_equal(stats__median(X, ARRAY_LEN(X), &med), 0);
	assert_close(med, 1.93, 1e-15, "median of X"); /* [hand] (1.91 + 1.95) / 2 */
	/* [hand] cv = 1 / 10 */
	assert_close(stats__cv(10, 1), 0.1, 1e-15, "cv");
	assert_true(isnan(stats__cv(0, 1)));
}

static void test_normal(void **state)
{
	(void)state;
	assert_close(stats__norm_cdf(0), 0.5, 1e-15, "cdf(0)");
	/* [table] z_0.99 and z_0.975 */
	assert_close(stats__norm_quantile(0.99), 2.3263478740408408, 1e-12, "z 0.99");
	assert_close(stats__norm_quantile(0.975), 1.959963984540054, 1e-12, "z 0.975");
	assert_close(stats__norm_quantile(0.01), -2.3263478740408408, 1e-12, "z 0.01");
	/* far tail: the quantile inverts the cdf */
	assert_close(stats__norm_cdf(stats__norm_quantile(1e-12)), 1e-12, 1e-9, "tail inverse");
	/* [py] 0.5 * erfc(8 / sqrt(2)) */
	assert_close(stats__norm_sf(8), 6.2209605742717841e-16, 1e-12, "sf(8)");
}

static void test_betainc_t(void **state)
{
	(void)state;
	/* [py] binomial tails in exact fractions */
	assert_close(stats__betainc(2, 5, 0.3), 0.57982500000000003, 1e-12, "I_0.3(2,5)");
	assert_close(stats__betainc(7, 3, 0.8), 0.73819750399999995, 1e-12, "I_0.8(7,3)");
	/* [hand] I_0.5(a, a) = 1/2 by symmetry */
	assert_close(stats__betainc(3.5, 3.5, 0.5), 0.5, 1e-13, "I_0.5(3.5,3.5)");
	assert_true(isnan(stats__betainc(-1, 2, 0.5)));
	/* [py] Simpson integration of the t density */
	assert_close(stats__t_cdf(-2.5, 3), 0.0438533235040302, 1e-10, "t cdf(-2.5, 3)");
	assert_close(stats__t_cdf(1.3, 7.5), 0.88393661059219, 1e-10, "t cdf(1.3, 7.5)");
	assert_close(stats__t_cdf(0, 4), 0.5, 1e-15, "t cdf(0)");
	/* [table] t_0.975 with 10 df = 2.228138851986; with 1 df the Cauchy: tan(0.45 pi) */
	assert_close(stats__t_quantile(0.975, 10), 2.228138851986, 1e-10, "t q 0.975 df 10");
	assert_close(stats__t_cdf(2.228138851986, 10), 0.975, 1e-11, "t cdf at table value");
	assert_close(stats__t_quantile(0.95, 1), tan(0.45 * M_PI), 1e-10, "Cauchy q 0.95");
}

static void test_mw_exact(void **state)
{
	struct stats_mw mw;
	double cdf[8 * 7 + 1];

	(void)state;
	assert_int_equal(stats__mann_whitney(X, ARRAY_LEN(X), Y, ARRAY_LEN(Y), &mw), 0);
	assert_true(mw.exact);
	assert_false(mw.ties);
	/* [py] U by pair counting; p by enumeration of the 6435 rank assignments */
	assert_close(mw.u, 51, 0, "U");
	assert_close(mw.p_greater, 0.0029526029526029526, 1e-12, "exact p greater");
	assert_close(mw.p_less, 0.99813519813519813, 1e-12, "exact p less");
	/* the null distribution: a cdf ending at 1, symmetric around mn/2 */
	assert_int_equal(stats__mw_exact_cdf(8, 7, cdf), 0);
	assert_close(cdf[56], 1, 1e-14, "cdf total");
	for (size_t u = 0; u < 56; u++)
		assert_close(cdf[u], 1 - cdf[55 - u], 1e-12, "cdf symmetry");
	/* [hand] 1 / C(10, 5) and 1 / C(8, 4) */
	assert_close(stats__mw_min_p(5, 5), 1.0 / 252, 1e-14, "min p 5,5");
	assert_close(stats__mw_min_p(4, 4), 1.0 / 70, 1e-14, "min p 4,4");
	/* [hand] C(4+k, k) >= 100 first at k = 5 (126); C(10+k, k) first at k = 3 (286) */
	assert_int_equal(stats__mw_min_n(4, 0.01), 5);
	assert_int_equal(stats__mw_min_n(10, 0.01), 3);
	assert_int_equal(stats__mw_min_n(0, 0.01), 0);
	assert_int_equal(stats__mann_whitney(X, 0, Y, 7, &mw), -EINVAL);
}

static void test_mw_ties_normal(void **state)
{
	const double tx[] = { 3, 4, 4, 5, 6, 6, 6, 7, 8, 9, 9, 10 };
	const double ty[] = { 1, 2, 3, 3, 4, 5, 5, 6, 7, 7, 8 };
	struct stats_mw mw;

	(void)state;
	assert_int_equal(stats__mann_whitney(tx, ARRAY_LEN(tx), ty, ARRAY_LEN(ty), &mw), 0);
	assert_false(mw.exact);
	assert_true(mw.ties);
	/* [py] tie-corrected variance, continuity correction, erfc */
	assert_close(mw.u, 93, 0, "U with ties");
	assert_close(mw.z, 1.6423620305560398, 1e-12, "z");
	assert_close(mw.p_greater, 0.050257499419627483, 1e-11, "p greater");
	assert_close(mw.p_less, 0.95584101610953531, 1e-11, "p less");
}

static void make_large(double *lx, double *ly)
{
	/* the same sequences as the reference script: no ties between the two sides */
	for (int i = 0; i < 60; i++)
		lx[i] = 100 + ((i * 37) % 61) * 0.5 + 3.0;
	for (int i = 0; i < 55; i++)
		ly[i] = 100 + ((i * 23) % 55) * 0.5 + 0.25;
}

static void test_mw_large_normal(void **state)
{
	double lx[60], ly[55];
	struct stats_mw mw;

	(void)state;
	make_large(lx, ly);
	assert_int_equal(stats__mann_whitney(lx, 60, ly, 55, &mw), 0);
	assert_false(mw.exact); /* 60 > STATS_MW_EXACT_MAX */
	assert_false(mw.ties);
	/* [py] */
	assert_close(mw.u, 2100, 0, "U");
	assert_close(mw.z, 2.5167168367465647, 1e-12, "z");
	assert_close(mw.p_greater, 0.0059226993136151625, 1e-10, "p greater");
	assert_close(mw.p_less, 0.99417074981174824, 1e-11, "p less");
}

static void test_hodges_lehmann(void **state)
{
	struct stats_hl hl;
	double lx[60], ly[55];

	(void)state;
	/* [py] median of the 56 sorted differences and the order statistics d_(C), d_(mn+1-C) */
	assert_int_equal(stats__hodges_lehmann(X, 8, Y, 7, 0.025, &hl), 0);
	assert_close(hl.shift, 0.19499999999999995, 1e-12, "HL shift");
	assert_int_equal(hl.rank_lo, 11);
	assert_close(hl.lo, 0.059999999999999831, 1e-12, "95% lo");
	assert_close(hl.hi, 0.38000000000000012, 1e-12, "95% hi");
	assert_int_equal(stats__hodges_lehmann(X, 8, Y, 7, 0.01, &hl), 0);
	assert_int_equal(hl.rank_lo, 8);
	assert_close(hl.lo, 0.030000000000000027, 1e-12, "98% lo");
	assert_close(hl.hi, 0.40000000000000013, 1e-12, "98% hi");
	/* consistency with the test: p_greater <= alpha exactly when lo > 0 */
	assert_true(hl.lo > 0);
	/* [py] normal-approximation interval for the large samples */
	make_large(lx, ly);
	assert_int_equal(stats__hodges_lehmann(lx, 60, ly, 55, 0.01, &hl), 0);
	assert_close(hl.shift, 4.25, 1e-15, "large shift");
	assert_int_equal(hl.rank_lo, 1235);
	assert_close(hl.lo, 0.25, 1e-15, "large lo");
	assert_close(hl.hi, 8.25, 1e-15, "large hi");
	/* [hand] 2 vs 2 samples: min p 1/6 > 0.01, no interval */
	assert_int_equal(stats__hodges_lehmann(X, 2, Y, 2, 0.01, &hl), 0);
	assert_true(isinf(hl.lo) && hl.lo < 0 && isinf(hl.hi));
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void test_kth_pairwise_bruteforce(void **state)
{
	uint64_t seed = 42;
	double xs[13], ys[9], all[13 * 9];

	(void)state;
	/* selection by bisection must agree with sorting all differences, ties included */
	for (int round = 0; round < 50; round++) {
		size_t nx = 1 + round % 13, ny = 1 + (round * 7) % 9, k = 0;

		for (size_t i = 0; i < nx; i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			xs[i] = (double)((seed >> 33) % 20) / 4; /* coarse grid: many ties */
		}
		for (size_t j = 0; j < ny; j++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			ys[j] = (double)((seed >> 33) % 20) / 4;
		}
		qsort(xs, nx, sizeof(double), cmp_d);
		qsort(ys, ny, sizeof(double), cmp_d);
		for (size_t i = 0; i < nx; i++)
			for (size_t j = 0; j < ny; j++)
				all[k++] = xs[i] - ys[j];
		qsort(all, k, sizeof(double), cmp_d);
		for (size_t r = 1; r <= k; r++)
			assert_close(stats__kth_pairwise_diff(xs, nx, ys, ny, r), all[r - 1], 0,
				     "k-th difference");
	}
}

static void test_welch(void **state)
{
	struct stats_welch w;

	(void)state;
	assert_int_equal(stats__welch(10.3, 1.2, 8, 9.1, 2.1, 12, &w), 0);
	/* [py] t and Welch-Satterthwaite df from the formulas; p by Simpson integration */
	assert_close(w.t, 1.6217697081587676, 1e-13, "t");
	assert_close(w.df, 17.730328825130709, 1e-13, "df");
	assert_close(w.p_greater, 0.06124975539922, 1e-9, "p greater");
	assert_close(w.p_greater + w.p_less, 1, 1e-14, "p sum");
	assert_int_equal(stats__welch(1, 1, 1, 1, 1, 5, &w), -EINVAL);
	/* no spread at all: the sign decides */
	assert_int_equal(stats__welch(2, 0, 3, 1, 0, 3, &w), 0);
	assert_close(w.p_greater, 0, 0, "p greater, no spread");
}

static void test_bh(void **state)
{
	const double p[] = { 0.01, 0.04, 0.03, 0.005, 0.2, 0.04 };
	/* [py] min over k >= rank of 6 * p_(k) / k */
	const double want[] = { 0.03, 0.048, 0.048, 0.03, 0.2, 0.048 };
	double adj[ARRAY_LEN(p)], bad = NAN;

	(void)state;
	assert_int_equal(stats__bh_adjust(p, ARRAY_LEN(p), adj), 0);
	for (size_t i = 0; i < ARRAY_LEN(p); i++)
		assert_close(adj[i], want[i], 1e-14, "BH adjusted p");
	/* [hand] one p alone is its own adjusted p; capped at 1 */
	assert_int_equal(stats__bh_adjust(p + 3, 1, adj), 0);
	assert_close(adj[0], 0.005, 0, "single p");
	assert_int_equal(stats__bh_adjust(&bad, 1, adj), -EINVAL);
}

static void test_tukey_mde(void **state)
{
	const double x[] = { 5, 1, 9, 2, 100, 3, 8, 4, 7, 6 };
	struct stats_tukey t;

	(void)state;
	assert_int_equal(stats__tukey(x, ARRAY_LEN(x), 1.5, &t), 0);
	/* [hand] type 7 quartiles of 1..9,100: 3.25 and 7.75; IQR 4.5; fences -3.5, 14.5 */
	assert_close(t.q1, 3.25, 1e-15, "q1");
	assert_close(t.q3, 7.75, 1e-15, "q3");
	assert_close(t.hi_fence, 14.5, 1e-15, "high fence");
	assert_int_equal(t.high_cnt, 1);
	assert_int_equal(t.low_cnt, 0);
	/* [table] (z_0.99 + z_0.80) * sqrt(2 * 0.05^2 / 10) */
	assert_close(stats__mde(0.05, 10, 0.05, 10, 0.01, 0.8),
		     (2.3263478740408408 + 0.8416212335729143) * sqrt(2 * 0.0025 / 10), 1e-11,
		     "mde");
	assert_true(isnan(stats__mde(0.05, 0, 0.05, 10, 0.01, 0.8)));
}

static void test_edivisive(void **state)
{
	const double s[] = { 10.0, 10.2, 9.9,  10.1, 10.0, 9.8, 10.1,
			     12.0, 12.2, 11.9, 12.1, 12.0, 11.8 };
	struct stats_edivisive_opts o = {
		.min_size = 3, .permutations = 199, .sig_level = 0.05, .seed = 1
	};
	struct stats_change_point *cps = NULL;
	double flat[20], steps[18];
	size_t cnt = 0;

	(void)state;
	assert_int_equal(stats__edivisive(s, ARRAY_LEN(s), &o, &cps, &cnt), 0);
	assert_int_equal(cnt, 1);
	/* [py] brute-force Q-hat over every split: best tau 7 */
	assert_int_equal(cps[0].index, 7);
	assert_close(cps[0].q, 11.74769230769231, 1e-12, "Q-hat");
	assert_true(cps[0].p <= 0.05);
	free(cps);

	for (int i = 0; i < 20; i++)
		flat[i] = 5.0 + (i % 3) * 0.01;
	assert_int_equal(stats__edivisive(flat, 20, &o, &cps, &cnt), 0);
	assert_int_equal(cnt, 0);
	assert_null(cps);

	/* [hand] three levels, two moves: at 6 and at 12 */
	for (int i = 0; i < 18; i++)
		steps[i] = (i < 6 ? 1.0 : i < 12 ? 5.0 : 9.0) + (i % 2) * 0.1;
	assert_int_equal(stats__edivisive(steps, 18, &o, &cps, &cnt), 0);
	assert_int_equal(cnt, 2);
	assert_int_equal(cps[0].index, 6);
	assert_int_equal(cps[1].index, 12);
	free(cps);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summaries),
		cmocka_unit_test(test_normal),
		cmocka_unit_test(test_betainc_t),
		cmocka_unit_test(test_mw_exact),
		cmocka_unit_test(test_mw_ties_normal),
		cmocka_unit_test(test_mw_large_normal),
		cmocka_unit_test(test_hodges_lehmann),
		cmocka_unit_test(test_kth_pairwise_bruteforce),
		cmocka_unit_test(test_welch),
		cmocka_unit_test(test_bh),
		cmocka_unit_test(test_tukey_mde),
		cmocka_unit_test(test_edivisive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
