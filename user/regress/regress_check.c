// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The rules that turn a result and its baseline into a verdict: the simple threshold rule and
 * the robust rule (Mann-Whitney U + Hodges-Lehmann on log values, or Welch on summaries;
 * Benjamini-Hochberg over a batch; noise floor; minimum sample count), the threshold rule for a
 * single value (or one run of rounds) a side and for samples that cannot pass the batch's
 * correction (low-n), thresholds from the command line, and ERROR for runs that exited
 * non-zero. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "regress/regress.h"
#include "regress/regress_internal.h"
#include "regress/stats.h"

static double cv_of(const double *samples, size_t cnt, double mean, double stddev)
{
	if (cnt >= 2)
		return stats__cv(stats__mean(samples, cnt), stats__stddev(samples, cnt));
	return stats__cv(mean, stddev);
}

static size_t outliers_of(const double *samples, size_t cnt)
{
	struct stats_tukey t;

	if (!cnt || stats__tukey(samples, cnt, REGRESS_TUKEY_K, &t))
		return 0;
	return t.low_cnt + t.high_cnt;
}

static int cmp_int(const void *pa, const void *pb)
{
	int a = *(const int *)pa, b = *(const int *)pb;

	return a < b ? -1 : a > b;
}

/* The result's failed runs into v: their count and the distinct codes, smallest first. */
static void note_exit_codes(const struct regress_result *r, struct regress_verdict *v)
{
	size_t i, j;

	v->failed_runs = r->exit_code_cnt;
	for (i = 0; i < r->exit_code_cnt; i++) {
		for (j = 0; j < v->exit_code_cnt && v->exit_codes[j] != r->exit_codes[i]; j++)
			;
		if (j == v->exit_code_cnt && j < REGRESS_EXIT_CODES_MAX)
			v->exit_codes[v->exit_code_cnt++] = r->exit_codes[i];
	}
	qsort(v->exit_codes, v->exit_code_cnt, sizeof(v->exit_codes[0]), cmp_int);
}

static int log_copy(const double *x, size_t n, double factor, double **out)
{
	size_t i;

	*out = malloc((n ? n : 1) * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		(*out)[i] = log(x[i] * factor);
	return 0;
}

static int assess_mann_whitney(const struct regress_result *r, const struct regress_baseline *b,
			       double factor, double alpha, struct regress_verdict *v)
{
	double *lc = NULL, *lb = NULL;
	struct stats_mw mw;
	struct stats_hl hl;
	int err;

	err = log_copy(r->samples, r->sample_cnt, factor, &lc);
	if (err)
		goto cleanup;
	err = log_copy(b->samples, b->sample_cnt, 1, &lb);
	if (err)
		goto cleanup;
	if (stats__mw_min_p(r->sample_cnt, b->sample_cnt) > alpha) {
		v->reason = REGRESS_REASON_FEW_SAMPLES;
		v->need_samples = stats__mw_min_n(b->sample_cnt, alpha);
	}
	err = stats__mann_whitney(lc, r->sample_cnt, lb, b->sample_cnt, &mw);
	if (err)
		goto cleanup;
	err = stats__hodges_lehmann(lc, r->sample_cnt, lb, b->sample_cnt, alpha, &hl);
	if (err)
		goto cleanup;
	/* a log shift d is a ratio e^d: the bad-direction change is e^d - 1, or 1 - e^d */
	if (!v->higher_is_better) {
		v->p_worse = mw.p_greater;
		v->p_better = mw.p_less;
		v->estimate = expm1(hl.shift);
		v->ci_lo = expm1(hl.lo);
		v->ci_hi = expm1(hl.hi);
	} else {
		v->p_worse = mw.p_less;
		v->p_better = mw.p_greater;
		v->estimate = -expm1(hl.shift);
		v->ci_lo = -expm1(hl.hi);
		v->ci_hi = -expm1(hl.lo);
	}
	/* no order statistic reaches the level: the interval is unknown, not infinite */
	if (isinf(hl.lo) || isinf(hl.hi))
		v->ci_lo = v->ci_hi = NAN;
cleanup:
	free(lc);
	free(lb);
	return err;
}

static void assess_welch(double mc, double sc, size_t nc, const struct regress_baseline *b,
			 double sb, size_t nb, double alpha, struct regress_verdict *v)
{
	struct stats_welch w;
	double tq, lo, hi;

	if (stats__welch(mc, sc, nc, b->mean, sb, nb, &w))
		return;
	tq = w.se > 0 ? stats__t_quantile(1 - alpha, w.df) : 0;
	lo = (w.diff - tq * w.se) / b->mean;
	hi = (w.diff + tq * w.se) / b->mean;
	if (!v->higher_is_better) {
		v->p_worse = w.p_greater;
		v->p_better = w.p_less;
		v->estimate = w.diff / b->mean;
		v->ci_lo = lo;
		v->ci_hi = hi;
	} else {
		v->p_worse = w.p_less;
		v->p_better = w.p_greater;
		v->estimate = -w.diff / b->mean;
		v->ci_lo = -hi;
		v->ci_hi = -lo;
	}
}

/* The thresholds of a verdict: the command line's (--warn, --fail) over the baseline's. With
 * only one given, the other is the baseline's, moved to it when they would cross (warning <=
 * critical always). */
static void thresholds(const struct regress_baseline *b, const struct regress_opts *opts,
		       struct regress_verdict *v)
{
	bool w = !isnan(opts->warning_threshold), c = !isnan(opts->critical_threshold);

	v->warning_threshold = w ? opts->warning_threshold : b->warning_threshold;
	v->critical_threshold = c ? opts->critical_threshold : b->critical_threshold;
	if (v->warning_threshold > v->critical_threshold) {
		if (w && !c)
			v->critical_threshold = v->warning_threshold;
		else
			v->warning_threshold = v->critical_threshold;
	}
}

/* Everything about one result against its baseline except the final severity, which depends
 * on the batch (adjusted p-values): see decide(). */
static int assess(const struct regress_result *r, const struct regress_baseline *b,
		  const struct regress_opts *opts, struct regress_verdict *v, struct errtext *why)
{
	/* rounds of one run are one value, the run's mean (issue 14): they do not enter the test */
	size_t rc = r->samples_within_run ? 0 : r->sample_cnt;
	double f, sc = NAN, sb = NAN;
	size_t nc, nb;
	int err = 0;

	memset(v, 0, sizeof(*v));
	if (regress__unit_factor(r->unit, b->unit, &f))
		return regress__fail(why, -EINVAL,
				     "benchmark \"%s\" is measured in \"%s\" but its baseline in \"%s\"",
				     r->name, r->unit, b->unit);
	if (r->higher_is_better != b->higher_is_better)
		return regress__fail(why, -EINVAL,
				     "benchmark \"%s\" has higher_is_better %s but its baseline %s",
				     r->name, r->higher_is_better ? "true" : "false",
				     b->higher_is_better ? "true" : "false");
	v->name = strdup(r->name);
	v->unit = strdup(b->unit);
	if (!v->name || !v->unit) {
		regress_verdict__free(v);
		return -ENOMEM;
	}
	v->higher_is_better = b->higher_is_better;
	v->method = REGRESS_METHOD_SIMPLE;
	v->reason = REGRESS_REASON_WITHIN;
	v->rounds = r->samples_within_run;
	v->current = r->value * f;
	v->baseline = b->mean;
	v->current_median = r->median * f;
	if (isnan(v->current_median) && r->sample_cnt) {
		err = stats__median(r->samples, r->sample_cnt, &v->current_median);
		v->current_median *= f;
	}
	v->baseline_median = b->q50;
	if (isnan(v->baseline_median) && b->sample_cnt && !err)
		err = stats__median(b->samples, b->sample_cnt, &v->baseline_median);
	if (err) {
		regress_verdict__free(v);
		return err;
	}
	v->change = (v->current - v->baseline) / v->baseline;
	v->deviation = b->higher_is_better ? -v->change : v->change;
	thresholds(b, opts, v);
	v->floor = fmax(REGRESS_FLOOR_MIN, b->abs_floor / b->mean);
	v->estimate = v->ci_lo = v->ci_hi = NAN;
	v->p_worse = v->p_worse_adj = v->p_better = v->p_better_adj = NAN;
	v->min_p = NAN;

	nc = r->samples_within_run ? 1 : rc ? rc : r->n;
	nb = b->sample_cnt ? b->sample_cnt : b->n;
	v->n_current = nc;
	v->n_baseline = nb;
	v->cv_current = cv_of(r->samples, r->sample_cnt, r->value, r->stddev);
	v->cv_baseline = cv_of(b->samples, b->sample_cnt, b->mean, b->stddev);
	v->outliers_current = outliers_of(r->samples, r->sample_cnt);
	v->outliers_baseline = outliers_of(b->samples, b->sample_cnt);
	v->mde = stats__mde(v->cv_current, nc, v->cv_baseline, nb, opts->alpha, REGRESS_MDE_POWER);
	v->noisy = v->mde > v->warning_threshold;
	v->overhead = r->overhead * f;
	v->near_overhead = v->overhead > 0 && v->current < REGRESS_OVERHEAD_FACTOR * v->overhead;
	note_exit_codes(r, v);
	/* a run that failed may have measured nothing: counted in runs, never hidden */
	v->runs = nc > v->failed_runs ? nc : v->failed_runs;

	if (opts->mode == REGRESS_MODE_SIMPLE)
		goto out;
	/* one value on a side has no spread to test against: a test at these sizes could only say
	 * INCONCLUSIVE forever (1 vs 1 needs 99 samples), so the threshold rule decides (issue 14) */
	if (rc && b->sample_cnt && (rc < 2 || b->sample_cnt < 2) &&
	    stats__mw_min_p(rc, b->sample_cnt) > opts->alpha) {
		v->reason = REGRESS_REASON_ONE_VALUE;
		goto out;
	}
	if (rc && b->sample_cnt) {
		v->method = REGRESS_METHOD_MANN_WHITNEY;
		err = assess_mann_whitney(r, b, f, opts->alpha, v);
		goto out;
	}
	if (r->samples_within_run)
		sc = NAN; /* the spread of rounds is not the spread of runs */
	else
		sc = rc >= 2 ? stats__stddev(r->samples, rc) * f : r->stddev * f;
	sb = b->sample_cnt >= 2 ? stats__stddev(b->samples, b->sample_cnt) : b->stddev;
	if (nc >= 2 && nb >= 2 && isfinite(sc) && isfinite(sb)) {
		v->method = REGRESS_METHOD_WELCH;
		assess_welch(v->current, sc, nc, b, sb, nb, opts->alpha, v);
		goto out;
	}
	v->reason = nc == 1 || nb == 1 ? REGRESS_REASON_ONE_VALUE : REGRESS_REASON_NO_SPREAD;
out:
	if (v->failed_runs && !opts->allow_exit_codes)
		v->reason = REGRESS_REASON_EXIT_CODES;
	v->p_worse_adj = v->p_worse;
	v->p_better_adj = v->p_better;
	if (err)
		regress_verdict__free(v);
	return err;
}

bool regress__reaches(double change, double threshold)
{
	return change >= threshold - REGRESS_THRESHOLD_SLACK * fmax(1.0, fabs(threshold));
}

static void decide(struct regress_verdict *v, const struct regress_opts *opts)
{
	double warn = v->warning_threshold, crit = v->critical_threshold;

	if (v->reason == REGRESS_REASON_EXIT_CODES) {
		v->severity = REGRESS_ERROR; /* whatever the times say: they timed a failure */
		return;
	}
	if (v->method == REGRESS_METHOD_SIMPLE || v->reason == REGRESS_REASON_LOW_N) {
		/* low-n: the thresholds judge the shift estimate, the median of the pairwise
		 * ratios: among five runs one slow run moves a mean by a fifth of its excess */
		double dev = v->reason == REGRESS_REASON_LOW_N ? v->estimate : v->deviation;

		/* INFO only below the warning threshold: reaching a threshold is crossing it */
		if (regress__reaches(dev, crit))
			v->severity = REGRESS_CRITICAL;
		else if (regress__reaches(dev, warn))
			v->severity = REGRESS_WARNING;
		else if (regress__reaches(-dev, warn))
			v->severity = REGRESS_IMPROVED;
		else
			v->severity = REGRESS_INFO;
		if (v->reason != REGRESS_REASON_NO_SPREAD &&
		    v->reason != REGRESS_REASON_ONE_VALUE && v->reason != REGRESS_REASON_LOW_N)
			v->reason = v->severity == REGRESS_INFO ? REGRESS_REASON_WITHIN
								: REGRESS_REASON_THRESHOLD;
		return;
	}
	if (v->reason == REGRESS_REASON_FEW_SAMPLES) {
		v->severity = REGRESS_INCONCLUSIVE;
		return;
	}
	if (v->p_worse_adj <= opts->alpha && v->ci_lo > v->floor) {
		if (regress__reaches(v->estimate, crit)) {
			v->severity = REGRESS_CRITICAL;
			v->reason = REGRESS_REASON_SIGNIFICANT;
		} else if (regress__reaches(v->estimate, warn)) {
			v->severity = REGRESS_WARNING;
			v->reason = REGRESS_REASON_SIGNIFICANT;
		} else {
			v->severity = REGRESS_INFO;
			v->reason = REGRESS_REASON_SIGNIFICANT_SMALL;
		}
		return;
	}
	if (v->p_better_adj <= opts->alpha && v->ci_hi < -v->floor &&
	    regress__reaches(-v->estimate, warn)) {
		v->severity = REGRESS_IMPROVED;
		v->reason = REGRESS_REASON_SIGNIFICANT;
		return;
	}
	v->severity = REGRESS_INFO;
	/* a slowdown estimated at the warning threshold or beyond that is not significant, or
	 * whose interval reaches down to no change (the 1% minimum floor), is no pass: these
	 * samples cannot tell (issue 14). One whose interval clears 1% but not an absolute floor
	 * set on purpose is a change nobody cares about: INFO. */
	if (regress__reaches(v->estimate, warn) &&
	    (v->p_worse_adj > opts->alpha || !(v->ci_lo > REGRESS_FLOOR_MIN))) {
		v->severity = REGRESS_INCONCLUSIVE;
		v->reason = v->p_worse_adj > opts->alpha ? REGRESS_REASON_NOT_SIGNIFICANT
							 : REGRESS_REASON_NOISE_FLOOR;
	} else if (regress__reaches(v->estimate, warn)) {
		v->reason = REGRESS_REASON_NOISE_FLOOR;
	} else if (regress__reaches(-v->estimate, warn)) {
		v->reason = v->p_better_adj > opts->alpha ? REGRESS_REASON_NOT_SIGNIFICANT
							  : REGRESS_REASON_NOISE_FLOOR;
	} else if (v->p_worse_adj <= opts->alpha) {
		v->reason = REGRESS_REASON_NOISE_FLOOR;
	} else {
		v->reason = REGRESS_REASON_WITHIN;
	}
}

int regress__check_one(const struct regress_result *r, const struct regress_baseline_set *set,
		       const struct regress_opts *opts, struct regress_verdict *v,
		       struct errtext *why)
{
	const struct regress_baseline *b = regress_baseline_set__find(set, r->name);
	int err;

	if (!b)
		return regress__fail(why, -ENOENT, "benchmark \"%s\" has no baseline", r->name);
	err = assess(r, b, opts, v, why);
	if (err)
		return err;
	decide(v, opts);
	return 0;
}

bool regress__fails(enum regress_severity s, enum regress_severity fail_on)
{
	switch (s) {
	case REGRESS_ERROR:
	case REGRESS_CRITICAL:
		return true;
	case REGRESS_WARNING:
		return fail_on == REGRESS_WARNING || fail_on == REGRESS_INCONCLUSIVE;
	case REGRESS_INCONCLUSIVE:
		return fail_on == REGRESS_INCONCLUSIVE;
	default:
		return false;
	}
}

/* Whether BH could ever flag verdict i in its batch: with its p lowered to the smallest its
 * sample sizes allow (min_p), the others as they are, is there a k with min_p <= t_k and at
 * least k p-values <= t_k, t_k = k alpha / m? c[k] counts the batch's p-values <= t_k (its own
 * p included); low1[k] (prefix counts of c[k] >= k - 1) covers the k where its own p is above
 * t_k, any0[k] (c[j] >= j for some j >= k) those where it is below. O(log m) per verdict. */
struct bh_reach {
	size_t m;
	double alpha;
	size_t *low1; /* [0..m]: low1[k] = #{j <= k: c[j] >= j - 1} */
	bool *any0;   /* [1..m+1]: any0[k] = some j >= k has c[j] >= j */
};

static double bh_level(const struct bh_reach *h, size_t k)
{
	return (double)k * h->alpha / (double)h->m;
}

/* The smallest k in 1..m with p <= t_k, m + 1 when none */
static size_t bh_first_k(const struct bh_reach *h, double p)
{
	size_t lo = 1, hi = h->m + 1;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p <= bh_level(h, mid))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return a < b ? -1 : a > b;
}

/* sorted: the batch's p-values, ascending */
static int bh_reach__init(struct bh_reach *h, const double *sorted, size_t m, double alpha)
{
	size_t k, at = 0;

	h->m = m;
	h->alpha = alpha;
	h->low1 = calloc(m + 1, sizeof(*h->low1));
	h->any0 = calloc(m + 2, sizeof(*h->any0));
	if (!h->low1 || !h->any0)
		return -ENOMEM;
	for (k = 1; k <= m; k++) {
		while (at < m && sorted[at] <= bh_level(h, k))
			at++;
		h->low1[k] = h->low1[k - 1] + (at + 1 >= k);
		h->any0[k] = at >= k;
	}
	for (k = m; k >= 1; k--)
		h->any0[k] = h->any0[k] || h->any0[k + 1];
	return 0;
}

static bool bh_reach__can(const struct bh_reach *h, double p, double min_p)
{
	size_t from = bh_first_k(h, min_p), own = bh_first_k(h, p);

	if (from > h->m)
		return false;
	if (own > from && h->low1[own - 1] > h->low1[from - 1])
		return true;
	return h->any0[from > own ? from : own];
}

static void bh_reach__free(struct bh_reach *h)
{
	free(h->low1);
	free(h->any0);
}

/* Verdicts whose p-value enters the Benjamini-Hochberg family */
static bool in_family(const struct regress_verdict *v)
{
	return v->method != REGRESS_METHOD_SIMPLE && v->reason != REGRESS_REASON_FEW_SAMPLES &&
	       v->reason != REGRESS_REASON_EXIT_CODES && v->reason != REGRESS_REASON_LOW_N &&
	       !isnan(v->p_worse) && !isnan(v->p_better);
}

/* Benjamini-Hochberg over the family's p-values, each direction separately, into the verdicts. */
static int bh_family(struct regress_verdict *vs, size_t cnt, double *pw, double *pb, size_t *idx,
		     size_t *m_out)
{
	size_t m = 0, i;
	int err;

	for (i = 0; i < cnt; i++) {
		if (!in_family(&vs[i]))
			continue;
		pw[m] = vs[i].p_worse;
		pb[m] = vs[i].p_better;
		idx[m++] = i;
	}
	err = stats__bh_adjust(pw, m, pw);
	if (!err)
		err = stats__bh_adjust(pb, m, pb);
	if (err)
		return err;
	for (i = 0; i < m; i++) {
		vs[idx[i]].p_worse_adj = pw[i];
		vs[idx[i]].p_better_adj = pb[i];
	}
	*m_out = m;
	return 0;
}

/* BH over the batch. A Mann-Whitney verdict that could not pass it even with the smallest p its
 * sample sizes allow is low-n: the threshold rule on the means decides it (issue 14: 5 against
 * 5 samples among 3 benchmarks), it keeps the adjusted p of this first pass for the report and
 * leaves the family, whose others are corrected again among themselves. */
static int adjust_batch(struct regress_verdict *vs, size_t cnt, double alpha)
{
	struct bh_reach reach = {};
	double *pw = NULL, *pb = NULL, *sorted = NULL;
	size_t *idx = NULL, m = 0, low = 0, i;
	int err = 0;

	pw = malloc((cnt ? cnt : 1) * sizeof(*pw));
	pb = malloc((cnt ? cnt : 1) * sizeof(*pb));
	sorted = malloc((cnt ? cnt : 1) * sizeof(*sorted));
	idx = malloc((cnt ? cnt : 1) * sizeof(*idx));
	if (!pw || !pb || !sorted || !idx) {
		err = -ENOMEM;
		goto cleanup;
	}
	err = bh_family(vs, cnt, pw, pb, idx, &m);
	if (err || m < 2) /* alone, a test that cannot reach alpha is FEW_SAMPLES already */
		goto cleanup;
	for (i = 0; i < m; i++)
		sorted[i] = vs[idx[i]].p_worse;
	qsort(sorted, m, sizeof(*sorted), cmp_double);
	err = bh_reach__init(&reach, sorted, m, alpha);
	if (err)
		goto cleanup;
	for (i = 0; i < m; i++) {
		struct regress_verdict *v = &vs[idx[i]];
		double min_p;

		if (v->method != REGRESS_METHOD_MANN_WHITNEY)
			continue; /* a t-test's p has no floor set by the sample sizes */
		/* with ties the normal approximation may go below the exact minimum: what it
		 * gave is attainable */
		min_p = fmin(stats__mw_min_p(v->n_current, v->n_baseline), v->p_worse);
		if (bh_reach__can(&reach, v->p_worse, min_p))
			continue;
		v->reason = REGRESS_REASON_LOW_N;
		v->min_p = min_p;
		v->family_cnt = m;
		v->need_samples = stats__mw_min_n(v->n_baseline, alpha / (double)m);
		low++;
	}
	if (low) /* the others among themselves */
		err = bh_family(vs, cnt, pw, pb, idx, &m);
cleanup:
	bh_reach__free(&reach);
	free(pw);
	free(pb);
	free(sorted);
	free(idx);
	return err;
}

int regress__check_all(const struct regress_result *results, size_t result_cnt,
		       const struct regress_baseline_set *set, const struct regress_opts *opts,
		       struct regress_check *out, struct errtext *why)
{
	size_t i, cap = result_cnt ? result_cnt : 1, have_cnt = set ? set->cnt : 0;
	struct regress_name_ref *have;
	int err = 0;

	memset(out, 0, sizeof(*out));
	out->opts = *opts;
	out->results = results;
	out->result_cnt = result_cnt;
	out->verdicts = calloc(cap, sizeof(*out->verdicts));
	out->skipped = calloc(cap, sizeof(*out->skipped));
	out->filtered = calloc(cap, sizeof(*out->filtered));
	/* baselines by name, as regress_baseline_set__find would find them, in O(log n) each */
	have = regress_name_ref__index(set);
	if (!out->verdicts || !out->skipped || !out->filtered || !have) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < result_cnt; i++) {
		size_t at = regress_name_ref__find(have, have_cnt, results[i].name);
		const struct regress_baseline *b = at == SIZE_MAX ? NULL : &set->items[at];

		if (!regress_opts__selects(opts, results[i].name)) {
			out->filtered[out->filtered_cnt] = strdup(results[i].name);
			if (!out->filtered[out->filtered_cnt++]) {
				err = -ENOMEM;
				goto cleanup;
			}
			continue;
		}
		if (!b) {
			out->skipped[out->skipped_cnt] = strdup(results[i].name);
			if (!out->skipped[out->skipped_cnt++]) {
				err = -ENOMEM;
				goto cleanup;
			}
			continue;
		}
		err = assess(&results[i], b, opts, &out->verdicts[out->verdict_cnt], why);
		if (err)
			goto cleanup;
		out->verdict_cnt++;
	}
	err = adjust_batch(out->verdicts, out->verdict_cnt, opts->alpha);
	if (err)
		goto cleanup;
	for (i = 0; i < out->verdict_cnt; i++) {
		decide(&out->verdicts[i], opts);
		out->counts[out->verdicts[i].severity]++;
		if (regress__fails(out->verdicts[i].severity, opts->fail_on))
			out->failed = true;
	}
cleanup:
	free(have);
	if (err)
		regress_check__free(out);
	return err;
}
