/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Pure statistics for the regression detector: summaries, quantiles, the Mann-Whitney U test and
 * the Hodges-Lehmann shift, Welch's t-test, Benjamini-Hochberg, Tukey fences, the minimum
 * detectable effect and E-divisive means change points. No I/O, no state, libm only. */
#ifndef PERFAN_STATS_H
#define PERFAN_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest sample size (each side) for which the exact null distribution of U is computed. */
#define STATS_MW_EXACT_MAX 50

/* Arithmetic mean; NAN when n == 0. */
double stats__mean(const double *x, size_t n);
/* Sample standard deviation (divisor n - 1); NAN when n < 2. */
double stats__stddev(const double *x, size_t n);
/* Coefficient of variation stddev / mean; NAN when mean is 0 or either is NAN. */
double stats__cv(double mean, double stddev);

/* Quantile q in [0, 1] of an ascending array, linear interpolation between order statistics
 * (Hyndman-Fan type 7, the default of R and numpy). NAN when n == 0. */
double stats__quantile_sorted(const double *sorted, size_t n, double q);
/* Copies x into a new ascending array owned by the caller. Returns 0 or -ENOMEM. */
int stats__sorted_copy(const double *x, size_t n, double **sorted);
/* Median of unsorted x; 0 or -ENOMEM. *median is NAN when n == 0. */
int stats__median(const double *x, size_t n, double *median);

/* Standard normal: cdf, upper tail (accurate far in the tail), quantile for p in (0, 1). */
double stats__norm_cdf(double z);
double stats__norm_sf(double z);
double stats__norm_quantile(double p);

/* Regularized incomplete beta I_x(a, b) for a, b > 0 and x in [0, 1]; NAN outside. */
double stats__betainc(double a, double b, double x);
/* Student t with df > 0 degrees of freedom: cdf and quantile for p in (0, 1). */
double stats__t_cdf(double t, double df);
double stats__t_quantile(double p, double df);

/* Mann-Whitney U test of x against y. */
struct stats_mw {
	double u;	  /* pairs with x_i > y_j, plus half the pairs with x_i == y_j */
	double p_greater; /* one-sided p: x stochastically greater than y */
	double p_less;	  /* one-sided p: x stochastically less than y */
	double z;	  /* normal statistic for p_greater; NAN when exact */
	bool exact;	  /* exact null distribution (no ties, both sides <= EXACT_MAX) */
	bool ties;
};
/* Exact when there are no ties and both sizes are at most STATS_MW_EXACT_MAX; otherwise the
 * normal approximation with tie-corrected variance and continuity correction.
 * Returns 0, -EINVAL (an empty side) or -ENOMEM. */
int stats__mann_whitney(const double *x, size_t nx, const double *y, size_t ny,
			struct stats_mw *out);
/* Fills cdf[u] = P(U <= u), u = 0..m*n, for the null distribution of U with sizes m, n.
 * cdf must hold m*n + 1 doubles. Returns 0, -EINVAL or -ENOMEM. */
int stats__mw_exact_cdf(size_t m, size_t n, double *cdf);
/* Smallest one-sided p-value the exact test can give for sizes m, n: 1 / C(m + n, m). */
double stats__mw_min_p(size_t m, size_t n);
/* Smallest k such that samples of sizes k and other_n can reach a one-sided p <= alpha
 * (0 when none up to 1,000,000). */
size_t stats__mw_min_n(size_t other_n, double alpha);

/* Hodges-Lehmann shift of x relative to y: the median of the pairwise differences x_i - y_j,
 * with the confidence interval whose ends are order statistics of those differences picked
 * from the null distribution of U: [lo, hi] has two-sided level 1 - 2 * alpha, so lo alone is
 * the one-sided 1 - alpha lower bound, matching the one-sided U test at alpha. */
struct stats_hl {
	double shift;
	double lo;	/* -INFINITY when no order statistic reaches the level */
	double hi;	/* +INFINITY likewise */
	size_t rank_lo; /* 1-based rank of lo among the m*n differences, or 0 */
};
/* Works on sorted copies; never builds the m*n differences (selection by bisection on the
 * value with a counting pass). Returns 0, -EINVAL or -ENOMEM. */
int stats__hodges_lehmann(const double *x, size_t nx, const double *y, size_t ny, double alpha,
			  struct stats_hl *out);
/* k-th smallest (1-based) of the differences x_i - y_j for ascending x and y. */
double stats__kth_pairwise_diff(const double *xs, size_t nx, const double *ys, size_t ny, size_t k);

/* Welch's unequal-variance t-test of mean1 against mean2 from summaries. */
struct stats_welch {
	double diff; /* mean1 - mean2 */
	double se;   /* standard error of diff */
	double t;
	double df;	  /* Welch-Satterthwaite; INFINITY when se == 0 */
	double p_greater; /* one-sided p: mean1 > mean2 */
	double p_less;
};
/* Returns 0, or -EINVAL when n1 or n2 < 2 or a stddev is negative or not finite. */
int stats__welch(double mean1, double sd1, size_t n1, double mean2, double sd2, size_t n2,
		 struct stats_welch *out);

/* Benjamini-Hochberg adjusted p-values (step-up, monotone, capped at 1): H_i is rejected at
 * false discovery rate q when adj[i] <= q. p and adj may alias. Returns 0, -EINVAL, -ENOMEM. */
int stats__bh_adjust(const double *p, size_t n, double *adj);

/* Tukey fences: outliers are below q1 - k*IQR or above q3 + k*IQR (k = 1.5 classically). */
struct stats_tukey {
	double q1, q3, lo_fence, hi_fence;
	size_t low_cnt, high_cnt;
};
int stats__tukey(const double *x, size_t n, double k, struct stats_tukey *out);

/* Minimum detectable relative effect of a one-sided test at alpha with the given power, for
 * two sides with coefficients of variation cv1, cv2 and sizes n1, n2 (normal approximation:
 * (z_{1-alpha} + z_{power}) * sqrt(cv1^2/n1 + cv2^2/n2)). NAN when a size is 0 or a cv NAN. */
double stats__mde(double cv1, size_t n1, double cv2, size_t n2, double alpha, double power);

/* E-divisive means (Matteson & James, 2014, alpha = 1): hierarchical divisive estimation of
 * change points, each accepted by a permutation test. */
struct stats_edivisive_opts {
	size_t min_size; /* smallest segment, >= 2 */
	unsigned int permutations;
	double sig_level; /* a change point is accepted when its permutation p <= this */
	uint64_t seed;	  /* permutations come from a seeded generator: reproducible */
};
struct stats_change_point {
	size_t index; /* first element of the new segment */
	double q;     /* the divergence statistic Q-hat at the split */
	double p;     /* permutation p-value */
};
/* Change points of x[0..n) in ascending index order in *cps (caller frees; NULL when none).
 * Returns 0, -EINVAL or -ENOMEM. */
int stats__edivisive(const double *x, size_t n, const struct stats_edivisive_opts *opts,
		     struct stats_change_point **cps, size_t *cp_cnt);

#endif
