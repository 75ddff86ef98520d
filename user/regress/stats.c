// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Statistics for the regression detector (see stats.h for each contract). Everything here is a
 * pure function of its arguments; randomness (the E-divisive permutation test) comes from a
 * generator seeded by the caller, so results are reproducible. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "regress/stats.h"

double stats__mean(const double *x, size_t n)
{
	double sum = 0;
	size_t i;

	if (!n)
		return NAN;
	for (i = 0; i < n; i++)
		sum += x[i];
	return sum / n;
}

double stats__stddev(const double *x, size_t n)
{
	double mean, ss = 0;
	size_t i;

	if (n < 2)
		return NAN;
	/* two passes: the one-pass sum of squares cancels badly when the mean is large */
	mean = stats__mean(x, n);
	for (i = 0; i < n; i++)
		ss += (x[i] - mean) * (x[i] - mean);
	return sqrt(ss / (n - 1));
}

double stats__cv(double mean, double stddev)
{
	if (isnan(mean) || isnan(stddev) || mean == 0)
		return NAN;
	return stddev / fabs(mean);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y ? 1 : 0;
}

double stats__quantile_sorted(const double *sorted, size_t n, double q)
{
	double h, frac;
	size_t lo;

	if (!n || isnan(q))
		return NAN;
	if (q <= 0)
		return sorted[0];
	if (q >= 1)
		return sorted[n - 1];
	h = q * (n - 1);
	lo = (size_t)floor(h);
	frac = h - lo;
	if (lo + 1 >= n)
		return sorted[n - 1];
	return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

int stats__sorted_copy(const double *x, size_t n, double **sorted)
{
	double *s;

	s = malloc((n ? n : 1) * sizeof(*s));
	if (!s)
		return -ENOMEM;
	if (n)
		memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	*sorted = s;
	return 0;
}

int stats__median(const double *x, size_t n, double *median)
{
	double *s;
	int err;

	err = stats__sorted_copy(x, n, &s);
	if (err)
		return err;
	*median = stats__quantile_sorted(s, n, 0.5);
	free(s);
	return 0;
}

double stats__norm_cdf(double z)
{
	return 0.5 * erfc(-z / M_SQRT2);
}

double stats__norm_sf(double z)
{
	return 0.5 * erfc(z / M_SQRT2);
}

/* Bisection on a monotone cdf until the bracket is a few ulps wide. No tabled approximation:
 * slower than Acklam's rational fit but exact to double precision, and it is never hot. */
static double bisect_cdf(double (*cdf)(double, double), double arg, double p, double lo, double hi)
{
	double mid;
	int i;

	for (i = 0; i < 2000; i++) {
		mid = lo + (hi - lo) / 2;
		if (mid <= lo || mid >= hi || hi - lo <= 1e-15 * fmax(1.0, fabs(mid)))
			break;
		if (cdf(mid, arg) < p)
			lo = mid;
		else
			hi = mid;
	}
	return lo + (hi - lo) / 2;
}

static double norm_cdf_arg(double z, double unused)
{
	(void)unused;
	return stats__norm_cdf(z);
}

double stats__norm_quantile(double p)
{
	if (isnan(p) || p <= 0 || p >= 1)
		return p == 0 ? -INFINITY : p == 1 ? INFINITY : NAN;
	/* the lower tail through erfc keeps precision for small p; mirror the upper half */
	if (p > 0.5)
		return -stats__norm_quantile(1 - p);
	return bisect_cdf(norm_cdf_arg, 0, p, -40, 0);
}

/* Continued fraction of the incomplete beta, evaluated with the modified Lentz method. */
static double betacf(double a, double b, double x)
{
	const double tiny = 1e-300, eps = 1e-16;
	double c = 1, d, h, num, delta;
	int m;

	d = 1 - (a + b) * x / (a + 1);
	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	h = d;
	for (m = 1; m <= 10000; m++) {
		/* even step d_{2m} */
		num = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
		d = 1 + num * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + num / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		h *= d * c;
		/* odd step d_{2m+1} */
		num = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
		d = 1 + num * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + num / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		delta = d * c;
		h *= delta;
		if (fabs(delta - 1) < eps)
			break;
	}
	return h;
}

double stats__betainc(double a, double b, double x)
{
	double front;

	if (isnan(a) || isnan(b) || isnan(x) || a <= 0 || b <= 0 || x < 0 || x > 1)
		return NAN;
	if (x == 0 || x == 1)
		return x;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	/* the fraction converges fast only on this side of the mean of the beta distribution */
	if (x < (a + 1) / (a + b + 2))
		return front * betacf(a, b, x) / a;
	return 1 - front * betacf(b, a, 1 - x) / b;
}

double stats__t_cdf(double t, double df)
{
	double tail;

	if (isnan(t) || isnan(df) || df <= 0)
		return NAN;
	if (isinf(df))
		return stats__norm_cdf(t);
	if (isinf(t))
		return t > 0 ? 1 : 0;
	/* P(T < -|t|) = I_{df/(df+t^2)}(df/2, 1/2) / 2 */
	tail = 0.5 * stats__betainc(df / 2, 0.5, df / (df + t * t));
	return t < 0 ? tail : 1 - tail;
}

double stats__t_quantile(double p, double df)
{
	double hi = 1;

	if (isnan(p) || isnan(df) || df <= 0 || p <= 0 || p >= 1)
		return NAN;
	if (isinf(df))
		return stats__norm_quantile(p);
	if (p > 0.5)
		return -stats__t_quantile(1 - p, df);
	while (stats__t_cdf(-hi, df) > p && hi < 1e300)
		hi *= 2;
	return bisect_cdf(stats__t_cdf, df, p, -hi, 0);
}

int stats__mw_exact_cdf(size_t m, size_t n, double *cdf)
{
	double *prev = NULL, *cur = NULL, *tmp, sum;
	size_t len, i, j, u, t;
	int err = 0;

	if (m > n) {
		t = m;
		m = n;
		n = t;
	}
	/* the table is (m + 1) * (m * n + 1) doubles, twice: keep it to tens of megabytes */
	if (n > 100000 || (double)(m + 1) * ((double)m * n + 1) > 8e6)
		return -EINVAL;
	len = m * n + 1;
	if (!m) {
		cdf[0] = 1;
		return 0;
	}
	/* p(i, j, u): the largest of i + j values is an x (prob. i/(i+j)), beating all j y's, or
	 * a y. Layers over j keep rows i = 0..m; all terms are positive, so no cancellation. */
	prev = calloc((m + 1) * len, sizeof(*prev));
	cur = calloc((m + 1) * len, sizeof(*cur));
	if (!prev || !cur) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i <= m; i++)
		prev[i * len] = 1; /* j = 0: U = 0 for every i */
	for (j = 1; j <= n; j++) {
		memset(cur, 0, (m + 1) * len * sizeof(*cur));
		cur[0] = 1;
		for (i = 1; i <= m; i++) {
			double px = (double)i / (i + j), py = (double)j / (i + j);
			double *row = cur + i * len, *up = cur + (i - 1) * len;
			double *left = prev + i * len;

			for (u = 0; u <= i * j; u++) {
				double v = 0;

				if (u >= j)
					v += px * up[u - j];
				if (u <= i * (j - 1))
					v += py * left[u];
				row[u] = v;
			}
		}
		tmp = prev;
		prev = cur;
		cur = tmp;
	}
	sum = 0;
	for (u = 0; u < len; u++) {
		sum += prev[m * len + u];
		cdf[u] = sum > 1 ? 1 : sum;
	}
cleanup:
	free(prev);
	free(cur);
	return err;
}

double stats__mw_min_p(size_t m, size_t n)
{
	double c = 1;
	size_t i, t;

	if (m > n) {
		t = m;
		m = n;
		n = t;
	}
	for (i = 1; i <= m; i++)
		c = c * (double)(n + i) / (double)i;
	return 1 / c;
}

size_t stats__mw_min_n(size_t other_n, double alpha)
{
	size_t k;

	if (!other_n || !(alpha > 0))
		return 0;
	for (k = 1; k <= 1000000; k++)
		if (stats__mw_min_p(k, other_n) <= alpha)
			return k;
	return 0;
}

struct ranked {
	double v;
	int from_x;
};

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return x->from_x - y->from_x;
}

int stats__mann_whitney(const double *x, size_t nx, const double *y, size_t ny,
			struct stats_mw *out)
{
	struct ranked *all;
	double rank_sum = 0, tie_term = 0, mn = (double)nx * ny, nall = (double)nx + ny;
	double *cdf = NULL;
	size_t i, j, k, n = nx + ny;
	int err = 0;

	if (!nx || !ny)
		return -EINVAL;
	all = malloc(n * sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (i = 0; i < nx; i++)
		all[i] = (struct ranked){ x[i], 1 };
	for (i = 0; i < ny; i++)
		all[nx + i] = (struct ranked){ y[i], 0 };
	qsort(all, n, sizeof(*all), cmp_ranked);
	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i = j) {
		double t, midrank;

		for (j = i + 1; j < n && all[j].v == all[i].v; j++)
			;
		t = (double)(j - i);
		midrank = (i + 1 + j) / 2.0; /* ranks i+1..j */
		for (k = i; k < j; k++)
			if (all[k].from_x)
				rank_sum += midrank;
		if (t > 1) {
			out->ties = true;
			tie_term += t * t * t - t;
		}
	}
	out->u = rank_sum - (double)nx * (nx + 1) / 2;
	if (!out->ties && nx <= STATS_MW_EXACT_MAX && ny <= STATS_MW_EXACT_MAX) {
		size_t u = (size_t)llround(out->u), total = nx * ny;

		cdf = malloc((total + 1) * sizeof(*cdf));
		if (!cdf) {
			err = -ENOMEM;
			goto cleanup;
		}
		err = stats__mw_exact_cdf(nx, ny, cdf);
		if (err)
			goto cleanup;
		out->exact = true;
		out->z = NAN;
		/* the null distribution is symmetric: P(U >= u) = P(U <= mn - u) */
		out->p_greater = cdf[total - u];
		out->p_less = cdf[u];
	} else {
		double var = mn / 12 * ((nall + 1) - tie_term / (nall * (nall - 1)));

		if (var <= 0) { /* every value tied: no evidence either way */
			out->z = 0;
			out->p_greater = out->p_less = 1;
		} else {
			double sd = sqrt(var);

			out->z = (out->u - mn / 2 - 0.5) / sd;
			out->p_greater = fmin(1, stats__norm_sf(out->z));
			out->p_less = fmin(1, stats__norm_cdf((out->u - mn / 2 + 0.5) / sd));
		}
	}
cleanup:
	free(cdf);
	free(all);
	return err;
}

/* Number of pairs with xs[i] - ys[j] <= t. The computed difference is monotone in both indices
 * (rounding is monotone), so one pointer sweep is consistent with comparing every pair. */
static size_t count_diff_le(const double *xs, size_t nx, const double *ys, size_t ny, double t)
{
	size_t i, j = 0, cnt = 0;

	for (i = 0; i < nx; i++) {
		while (j < ny && xs[i] - ys[j] > t)
			j++;
		cnt += ny - j;
	}
	return cnt;
}

double stats__kth_pairwise_diff(const double *xs, size_t nx, const double *ys, size_t ny, size_t k)
{
	double lo, hi, mid, best;
	size_t i, j, iter;

	if (!nx || !ny || !k || k > nx * ny)
		return NAN;
	lo = xs[0] - ys[ny - 1];
	hi = xs[nx - 1] - ys[0];
	if (count_diff_le(xs, nx, ys, ny, lo) >= k)
		return lo;
	/* invariant: fewer than k differences <= lo, at least k <= hi */
	for (iter = 0; iter < 2200; iter++) {
		mid = lo + (hi - lo) / 2;
		if (mid <= lo || mid >= hi)
			break;
		if (count_diff_le(xs, nx, ys, ny, mid) >= k)
			hi = mid;
		else
			lo = mid;
	}
	/* snap to the largest difference that is <= hi: that is the k-th smallest */
	best = -INFINITY;
	j = 0;
	for (i = 0; i < nx; i++) {
		while (j < ny && xs[i] - ys[j] > hi)
			j++;
		if (j < ny && xs[i] - ys[j] > best)
			best = xs[i] - ys[j];
	}
	return best;
}

int stats__hodges_lehmann(const double *x, size_t nx, const double *y, size_t ny, double alpha,
			  struct stats_hl *out)
{
	double *xs = NULL, *ys = NULL, *cdf = NULL;
	size_t total = nx * ny, u_alpha = 0, c, u;
	int err;

	if (!nx || !ny || !(alpha > 0 && alpha < 0.5))
		return -EINVAL;
	err = stats__sorted_copy(x, nx, &xs);
	if (err)
		goto cleanup;
	err = stats__sorted_copy(y, ny, &ys);
	if (err)
		goto cleanup;
	if (total % 2)
		out->shift = stats__kth_pairwise_diff(xs, nx, ys, ny, total / 2 + 1);
	else
		out->shift = (stats__kth_pairwise_diff(xs, nx, ys, ny, total / 2) +
			      stats__kth_pairwise_diff(xs, nx, ys, ny, total / 2 + 1)) /
			     2;

	/* u_alpha: the smallest u with P(U >= u) <= alpha under the null */
	if (nx <= STATS_MW_EXACT_MAX && ny <= STATS_MW_EXACT_MAX) {
		cdf = malloc((total + 1) * sizeof(*cdf));
		if (!cdf) {
			err = -ENOMEM;
			goto cleanup;
		}
		err = stats__mw_exact_cdf(nx, ny, cdf);
		if (err)
			goto cleanup;
		for (u = 0; u <= total; u++) {
			if (cdf[total - u] <= alpha) {
				u_alpha = u;
				break;
			}
		}
	} else {
		double sd = sqrt((double)total * (nx + ny + 1) / 12);
		double crit = ceil(total / 2.0 + 0.5 + stats__norm_quantile(1 - alpha) * sd);

		if (crit <= (double)total)
			u_alpha = (size_t)crit;
	}
	if (!u_alpha) {
		out->lo = -INFINITY;
		out->hi = INFINITY;
		out->rank_lo = 0;
		goto cleanup;
	}
	/* shift > d_(c) exactly when U computed on x - d_(c) reaches u_alpha */
	c = total + 1 - u_alpha;
	out->rank_lo = c;
	out->lo = stats__kth_pairwise_diff(xs, nx, ys, ny, c);
	out->hi = stats__kth_pairwise_diff(xs, nx, ys, ny, total + 1 - c);
cleanup:
	free(cdf);
	free(xs);
	free(ys);
	return err;
}

int stats__welch(double mean1, double sd1, size_t n1, double mean2, double sd2, size_t n2,
		 struct stats_welch *out)
{
	double v1, v2;

	if (n1 < 2 || n2 < 2 || !isfinite(sd1) || !isfinite(sd2) || sd1 < 0 || sd2 < 0 ||
	    !isfinite(mean1) || !isfinite(mean2))
		return -EINVAL;
	v1 = sd1 * sd1 / n1;
	v2 = sd2 * sd2 / n2;
	out->diff = mean1 - mean2;
	out->se = sqrt(v1 + v2);
	if (out->se == 0) {
		out->df = INFINITY;
		out->t = out->diff > 0 ? INFINITY : out->diff < 0 ? -INFINITY : 0;
		out->p_greater = out->diff > 0 ? 0 : 1;
		out->p_less = out->diff < 0 ? 0 : 1;
		return 0;
	}
	out->t = out->diff / out->se;
	out->df = (v1 + v2) * (v1 + v2) / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1));
	/* the upper tail through the symmetric lower tail keeps small p-values precise */
	out->p_greater = stats__t_cdf(-out->t, out->df);
	out->p_less = stats__t_cdf(out->t, out->df);
	return 0;
}

struct p_index {
	double p;
	size_t i;
};

static int cmp_p_index(const void *a, const void *b)
{
	const struct p_index *x = a, *y = b;

	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

int stats__bh_adjust(const double *p, size_t n, double *adj)
{
	struct p_index *order;
	double run_min = 1;
	size_t i;

	for (i = 0; i < n; i++)
		if (isnan(p[i]) || p[i] < 0 || p[i] > 1)
			return -EINVAL;
	if (!n)
		return 0;
	order = malloc(n * sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		order[i] = (struct p_index){ p[i], i };
	qsort(order, n, sizeof(*order), cmp_p_index);
	/* adj_(r) = min over s >= r of n/s * p_(s), walking down from the largest p */
	for (i = n; i-- > 0;) {
		double v = order[i].p * n / (i + 1);

		if (v < run_min)
			run_min = v;
		adj[order[i].i] = run_min;
	}
	free(order);
	return 0;
}

int stats__tukey(const double *x, size_t n, double k, struct stats_tukey *out)
{
	double *s, iqr;
	size_t i;
	int err;

	if (!n || !(k >= 0))
		return -EINVAL;
	err = stats__sorted_copy(x, n, &s);
	if (err)
		return err;
	out->q1 = stats__quantile_sorted(s, n, 0.25);
	out->q3 = stats__quantile_sorted(s, n, 0.75);
	iqr = out->q3 - out->q1;
	out->lo_fence = out->q1 - k * iqr;
	out->hi_fence = out->q3 + k * iqr;
	out->low_cnt = out->high_cnt = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < out->lo_fence)
			out->low_cnt++;
		else if (s[i] > out->hi_fence)
			out->high_cnt++;
	}
	free(s);
	return 0;
}

double stats__mde(double cv1, size_t n1, double cv2, size_t n2, double alpha, double power)
{
	if (!n1 || !n2 || isnan(cv1) || isnan(cv2) || !(alpha > 0 && alpha < 1) ||
	    !(power > 0 && power < 1))
		return NAN;
	return (stats__norm_quantile(1 - alpha) + stats__norm_quantile(power)) *
	       sqrt(cv1 * cv1 / n1 + cv2 * cv2 / n2);
}

/* splitmix64: small, well-mixed, and fully determined by the caller's seed. */
static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Best split of x[0..n): the tau maximizing Q-hat (smallest tau on ties). False if n is too
 * short for two segments of min_size. */
static bool edivisive_best(const double *x, size_t n, size_t min_size, size_t *tau_out,
			   double *q_out)
{
	double within_l = 0, within_r = 0, between = 0, best_q = -INFINITY;
	size_t tau = min_size, i, j, best_tau = 0;

	if (n < 2 * min_size)
		return false;
	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++) {
			double d = fabs(x[i] - x[j]);

			if (j < tau)
				within_l += d;
			else if (i >= tau)
				within_r += d;
			else
				between += d;
		}
	}
	for (;;) {
		double l = (double)tau, r = (double)(n - tau), q;
		double row_l = 0, row_r = 0;

		q = l * r / n *
		    (2 * between / (l * r) - within_l / (l * (l - 1) / 2) -
		     within_r / (r * (r - 1) / 2));
		if (q > best_q) {
			best_q = q;
			best_tau = tau;
		}
		if (tau + 1 > n - min_size)
			break;
		/* move x[tau] from the right segment to the left one */
		for (i = 0; i < tau; i++)
			row_l += fabs(x[i] - x[tau]);
		for (j = tau + 1; j < n; j++)
			row_r += fabs(x[tau] - x[j]);
		within_l += row_l;
		between += row_r - row_l;
		within_r -= row_r;
		tau++;
	}
	*tau_out = best_tau;
	*q_out = best_q;
	return true;
}

static double edivisive_perm_p(const double *x, size_t n, size_t min_size, double q_obs,
			       unsigned int perms, uint64_t *rng, double *buf)
{
	unsigned int r, hits = 0;
	size_t i, tau;
	double q;

	memcpy(buf, x, n * sizeof(*buf));
	for (r = 0; r < perms; r++) {
		for (i = n - 1; i > 0; i--) { /* Fisher-Yates */
			size_t k = (size_t)(((unsigned __int128)splitmix64(rng) * (i + 1)) >> 64);
			double t = buf[i];

			buf[i] = buf[k];
			buf[k] = t;
		}
		/* sums over a different order round differently: compare with a relative slack */
		if (edivisive_best(buf, n, min_size, &tau, &q) && q >= q_obs - 1e-12 * fabs(q_obs))
			hits++;
	}
	return (1.0 + hits) / (1.0 + perms);
}

struct segment {
	size_t start, len;
	bool has_best;
	size_t tau;
	double q;
};

static int cmp_cp(const void *a, const void *b)
{
	const struct stats_change_point *x = a, *y = b;

	return x->index < y->index ? -1 : x->index > y->index;
}

int stats__edivisive(const double *x, size_t n, const struct stats_edivisive_opts *opts,
		     struct stats_change_point **cps, size_t *cp_cnt)
{
	struct segment *segs = NULL;
	struct stats_change_point *out = NULL;
	size_t seg_cnt = 1, out_cnt = 0, i;
	uint64_t rng = opts->seed;
	double *buf = NULL;
	int err = 0;

	*cps = NULL;
	*cp_cnt = 0;
	if (opts->min_size < 2 || !(opts->sig_level > 0))
		return -EINVAL;
	if (n < 2 * opts->min_size)
		return 0;
	/* at most n / min_size segments, so at most that many change points */
	segs = calloc(n / opts->min_size + 1, sizeof(*segs));
	out = calloc(n / opts->min_size + 1, sizeof(*out));
	buf = malloc(n * sizeof(*buf));
	if (!segs || !out || !buf) {
		err = -ENOMEM;
		goto cleanup;
	}
	segs[0] = (struct segment){ .start = 0, .len = n };
	for (;;) {
		struct segment *best = NULL;
		double p;

		for (i = 0; i < seg_cnt; i++) {
			struct segment *s = &segs[i];

			if (!s->has_best)
				s->has_best = edivisive_best(x + s->start, s->len, opts->min_size,
							     &s->tau, &s->q);
			if (s->has_best && (!best || s->q > best->q))
				best = s;
		}
		if (!best)
			break;
		p = edivisive_perm_p(x + best->start, best->len, opts->min_size, best->q,
				     opts->permutations, &rng, buf);
		if (p > opts->sig_level)
			break; /* the strongest remaining split is not significant: stop */
		out[out_cnt++] = (struct stats_change_point){ best->start + best->tau, best->q, p };
		segs[seg_cnt] = (struct segment){ .start = best->start + best->tau,
						  .len = best->len - best->tau };
		best->len = best->tau;
		best->has_best = false;
		seg_cnt++;
	}
	qsort(out, out_cnt, sizeof(*out), cmp_cp);
	if (out_cnt) {
		*cps = out;
		*cp_cnt = out_cnt;
		out = NULL;
	}
cleanup:
	free(out);
	free(segs);
	free(buf);
	return err;
}
