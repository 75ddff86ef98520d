// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The rules of the regression detector: merging runs, the simple threshold rule, the robust rule
 * (Mann-Whitney U + Hodges-Lehmann on log values, or Welch on summaries; Benjamini-Hochberg
 * over a batch; noise floor; minimum sample count), baseline updates and history change points. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regress.h"
#include "stats.h"

/* History change points: segments of at least 3 runs, 199 permutations at 5%, fixed seed. */
#define HISTORY_MIN_SIZE 3
#define HISTORY_PERMUTATIONS 199
#define HISTORY_SIG_LEVEL 0.05
#define HISTORY_SEED 0x70657266616e3031ULL

static int errf(char *errbuf, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int errf(char *errbuf, int err, const char *fmt, ...)
{
	va_list ap;

	if (errbuf) {
		va_start(ap, fmt);
		vsnprintf(errbuf, REGRESS_ERRLEN, fmt, ap);
		va_end(ap);
		regress_oneline(errbuf);
	}
	return err;
}

void regress_oneline(char *msg)
{
	for (; *msg; msg++)
		if ((unsigned char)*msg < 0x20 || *msg == 0x7f)
			*msg = '?';
}

void regress_opts_init(struct regress_opts *opts)
{
	opts->mode = REGRESS_MODE_ROBUST;
	opts->alpha = REGRESS_ALPHA_DEFAULT;
	opts->fail_on = REGRESS_CRITICAL;
}

const char *regress_severity_name(enum regress_severity s)
{
	switch (s) {
	case REGRESS_INFO:
		return "INFO";
	case REGRESS_WARNING:
		return "WARNING";
	case REGRESS_CRITICAL:
		return "CRITICAL";
	case REGRESS_IMPROVED:
		return "IMPROVED";
	case REGRESS_INCONCLUSIVE:
		return "INCONCLUSIVE";
	default:
		return "?";
	}
}

const char *regress_method_name(enum regress_method m)
{
	switch (m) {
	case REGRESS_METHOD_SIMPLE:
		return "simple";
	case REGRESS_METHOD_MANN_WHITNEY:
		return "mann-whitney";
	case REGRESS_METHOD_WELCH:
		return "welch";
	default:
		return "?";
	}
}

const char *regress_mode_name(enum regress_mode m)
{
	return m == REGRESS_MODE_SIMPLE ? "simple" : "robust";
}

int regress_severity_parse(const char *s, enum regress_severity *out)
{
	if (!strcmp(s, "warning"))
		*out = REGRESS_WARNING;
	else if (!strcmp(s, "critical"))
		*out = REGRESS_CRITICAL;
	else
		return -EINVAL;
	return 0;
}

int regress_mode_parse(const char *s, enum regress_mode *out)
{
	if (!strcmp(s, "robust"))
		*out = REGRESS_MODE_ROBUST;
	else if (!strcmp(s, "simple"))
		*out = REGRESS_MODE_SIMPLE;
	else
		return -EINVAL;
	return 0;
}

double regress_unit_seconds(const char *unit)
{
	static const struct {
		const char *name;
		double seconds;
	} units[] = {
		{ "s", 1 }, { "ms", 1e-3 }, { "us", 1e-6 }, { "\xc2\xb5s", 1e-6 }, { "ns", 1e-9 },
	};
	size_t i;

	for (i = 0; unit && i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(unit, units[i].name))
			return units[i].seconds;
	return NAN;
}

int regress_unit_factor(const char *from, const char *to, double *factor)
{
	double a, b;

	if (!strcmp(from, to)) {
		*factor = 1;
		return 0;
	}
	a = regress_unit_seconds(from);
	b = regress_unit_seconds(to);
	if (isnan(a) || isnan(b))
		return -EINVAL;
	*factor = a / b;
	return 0;
}

void regress_result_free(struct regress_result *r)
{
	size_t i;

	if (!r)
		return;
	free(r->name);
	free(r->unit);
	free(r->samples);
	free(r->buckets);
	for (i = 0; i < r->meta_cnt; i++) {
		free(r->meta[i].key);
		free(r->meta[i].value);
	}
	free(r->meta);
	memset(r, 0, sizeof(*r));
}

void regress_run_free(struct regress_run *run)
{
	size_t i;

	if (!run)
		return;
	for (i = 0; i < run->result_cnt; i++)
		regress_result_free(&run->results[i]);
	free(run->results);
	free(run->source);
	memset(run, 0, sizeof(*run));
}

void regress_baseline_free(struct regress_baseline *b)
{
	size_t i;

	if (!b)
		return;
	free(b->name);
	free(b->unit);
	free(b->samples);
	for (i = 0; i < b->history_cnt; i++)
		free(b->history[i].label);
	free(b->history);
	memset(b, 0, sizeof(*b));
}

void regress_baseline_set_free(struct regress_baseline_set *set)
{
	size_t i;

	if (!set)
		return;
	for (i = 0; i < set->cnt; i++)
		regress_baseline_free(&set->items[i]);
	free(set->items);
	memset(set, 0, sizeof(*set));
}

void regress_verdict_free(struct regress_verdict *v)
{
	if (!v)
		return;
	free(v->name);
	free(v->unit);
	v->name = v->unit = NULL;
}

void regress_check_free(struct regress_check *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->verdict_cnt; i++)
		regress_verdict_free(&c->verdicts[i]);
	free(c->verdicts);
	for (i = 0; i < c->skipped_cnt; i++)
		free(c->skipped[i]);
	free(c->skipped);
	memset(c, 0, sizeof(*c));
}

void regress_history_report_free(struct regress_history_report *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->item_cnt; i++)
		free(h->items[i].cps);
	free(h->items);
	memset(h, 0, sizeof(*h));
}

static double *scaled_copy(const double *x, size_t n, double factor)
{
	double *out;
	size_t i;

	out = malloc((n ? n : 1) * sizeof(*out));
	if (!out)
		return NULL;
	for (i = 0; i < n; i++)
		out[i] = x[i] * factor;
	return out;
}

/* Copies the descriptive fields of src (name, unit, flags, meta, buckets) into an empty dst. */
static int result_copy_header(struct regress_result *dst, const struct regress_result *src,
			      double factor)
{
	size_t i;

	dst->name = strdup(src->name);
	dst->unit = strdup(src->unit);
	if (!dst->name || !dst->unit)
		return -ENOMEM;
	dst->higher_is_better = src->higher_is_better;
	if (src->meta_cnt) {
		dst->meta = calloc(src->meta_cnt, sizeof(*dst->meta));
		if (!dst->meta)
			return -ENOMEM;
		dst->meta_cnt = src->meta_cnt;
		for (i = 0; i < src->meta_cnt; i++) {
			dst->meta[i].key = strdup(src->meta[i].key);
			dst->meta[i].value = strdup(src->meta[i].value);
			if (!dst->meta[i].key || !dst->meta[i].value)
				return -ENOMEM;
		}
	}
	if (src->bucket_cnt) {
		dst->buckets = malloc(src->bucket_cnt * sizeof(*dst->buckets));
		if (!dst->buckets)
			return -ENOMEM;
		dst->bucket_cnt = src->bucket_cnt;
		for (i = 0; i < src->bucket_cnt; i++) {
			dst->buckets[i].lower = src->buckets[i].lower * factor;
			dst->buckets[i].upper = src->buckets[i].upper * factor;
			dst->buckets[i].count = src->buckets[i].count;
		}
	}
	return 0;
}

static void quantiles_of(const double *x, size_t n, double *q25, double *q50, double *q75)
{
	double *s;

	if (!n || stats_sorted_copy(x, n, &s)) {
		*q25 = *q50 = *q75 = NAN;
		return;
	}
	*q25 = stats_quantile_sorted(s, n, 0.25);
	*q50 = stats_quantile_sorted(s, n, 0.5);
	*q75 = stats_quantile_sorted(s, n, 0.75);
	free(s);
}

/* One merged result from the k results named like runs' first[0] (see regress_merge_runs). */
static int merge_one(const struct regress_result **rs, const char **src, size_t k,
		     struct regress_result *out, char *errbuf)
{
	const struct regress_result *first = rs[0];
	double *values = NULL, f;
	size_t i, j, pooled = 0;
	bool all_samples = true;
	int err;

	values = malloc(k * sizeof(*values));
	if (!values)
		return -ENOMEM;
	for (i = 0; i < k; i++) {
		if (regress_unit_factor(rs[i]->unit, first->unit, &f)) {
			err = errf(errbuf, -EINVAL,
				   "benchmark \"%s\" is in unit \"%s\" in %s but \"%s\" in %s",
				   first->name, rs[i]->unit, src[i], first->unit, src[0]);
			goto cleanup;
		}
		if (rs[i]->higher_is_better != first->higher_is_better) {
			err = errf(errbuf, -EINVAL,
				   "benchmark \"%s\" is higher_is_better in one of %s and %s but "
				   "not in the other",
				   first->name, src[0], src[i]);
			goto cleanup;
		}
		values[i] = rs[i]->value * f;
		if (!rs[i]->sample_cnt)
			all_samples = false;
		pooled += rs[i]->sample_cnt;
	}
	err = result_copy_header(out, first, 1);
	if (err)
		goto cleanup;
	if (k > 1) { /* histograms of different runs are not merged */
		free(out->buckets);
		out->buckets = NULL;
		out->bucket_cnt = 0;
	}
	out->value = stats_mean(values, k);
	if (!isfinite(out->value)) {
		err = errf(errbuf, -EINVAL, "benchmark \"%s\": the mean of its runs is too large "
					    "for a number", first->name);
		goto cleanup;
	}
	out->overhead = NAN;
	for (i = 0; i < k; i++) {
		if (!isnan(rs[i]->overhead)) {
			regress_unit_factor(rs[i]->unit, first->unit, &f);
			out->overhead = rs[i]->overhead * f; /* the last measured one */
		}
	}
	if (all_samples) {
		out->samples = malloc(pooled * sizeof(*out->samples));
		if (!out->samples) {
			err = -ENOMEM;
			goto cleanup;
		}
		for (i = 0; i < k; i++) {
			regress_unit_factor(rs[i]->unit, first->unit, &f);
			for (j = 0; j < rs[i]->sample_cnt; j++)
				out->samples[out->sample_cnt++] = rs[i]->samples[j] * f;
		}
	} else if (k > 1) {
		out->samples = values;
		out->sample_cnt = k;
		values = NULL;
	}
	if (k > 1) {
		const double *run_values = values ? values : out->samples;

		out->stddev = stats_stddev(run_values, k);
		out->n = k;
		quantiles_of(out->samples, out->sample_cnt, &out->q25, &out->median, &out->q75);
	} else {
		out->stddev = first->stddev;
		out->n = first->n ? first->n : first->sample_cnt;
		out->median = first->median;
		out->q25 = first->q25;
		out->q75 = first->q75;
	}
cleanup:
	free(values);
	return err;
}

/* A name and the position where it was seen. Sorted by name, then position, the names that
 * are equal form a run whose first entry is where the name was seen first: grouping by name is
 * a sort, O(n log n), where comparing every pair was O(n^2) (20,000 results took seconds). */
struct name_ref {
	const char *name;
	size_t pos;
};

static int cmp_name_ref(const void *pa, const void *pb)
{
	const struct name_ref *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);

	if (c)
		return c;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* The end of the run of refs[from] (equal names) in refs[0..cnt) */
static size_t name_run_end(const struct name_ref *refs, size_t cnt, size_t from)
{
	size_t i = from + 1;

	while (i < cnt && !strcmp(refs[i].name, refs[from].name))
		i++;
	return i;
}

/* The first (lowest position) entry named name in refs[0..cnt), sorted by cmp_name_ref, or
 * SIZE_MAX */
static size_t find_name_ref(const struct name_ref *refs, size_t cnt, const char *name)
{
	size_t lo = 0, hi = cnt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(refs[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < cnt && !strcmp(refs[lo].name, name) ? refs[lo].pos : SIZE_MAX;
}

int regress_merge_runs(const struct regress_run *runs, size_t run_cnt, struct regress_run *out,
		       char errbuf[REGRESS_ERRLEN])
{
	const struct regress_result **group = NULL, **all = NULL;
	const char **group_src = NULL, **all_src = NULL;
	struct name_ref *refs = NULL;
	size_t *run_at = NULL; /* per position: where its name's run starts in refs, if first */
	size_t total = 0, i, r, k, pos;
	int err = 0;

	memset(out, 0, sizeof(*out));
	out->format = "merged";
	for (r = 0; r < run_cnt; r++)
		total += runs[r].result_cnt;
	out->results = calloc(total ? total : 1, sizeof(*out->results));
	group = calloc(total ? total : 1, sizeof(*group));
	group_src = calloc(total ? total : 1, sizeof(*group_src));
	all = calloc(total ? total : 1, sizeof(*all));
	all_src = calloc(total ? total : 1, sizeof(*all_src));
	refs = calloc(total ? total : 1, sizeof(*refs));
	run_at = calloc(total ? total : 1, sizeof(*run_at));
	if (!out->results || !group || !group_src || !all || !all_src || !refs || !run_at) {
		err = -ENOMEM;
		goto cleanup;
	}
	/* positions: the results in run order, each run's in its order */
	pos = 0;
	for (r = 0; r < run_cnt; r++) {
		for (i = 0; i < runs[r].result_cnt; i++, pos++) {
			all[pos] = &runs[r].results[i];
			all_src[pos] = runs[r].source ? runs[r].source : "?";
			refs[pos] = (struct name_ref){ all[pos]->name, pos };
			run_at[pos] = SIZE_MAX;
		}
	}
	if (total)
		qsort(refs, total, sizeof(*refs), cmp_name_ref);
	for (i = 0; i < total; i = name_run_end(refs, total, i))
		run_at[refs[i].pos] = i;
	/* each name once, in the order first seen, with every result of that name in run order */
	for (pos = 0; pos < total; pos++) {
		size_t from = run_at[pos], to;

		if (from == SIZE_MAX)
			continue;
		to = name_run_end(refs, total, from);
		for (k = 0; from + k < to; k++) {
			group[k] = all[refs[from + k].pos];
			group_src[k] = all_src[refs[from + k].pos];
		}
		err = merge_one(group, group_src, k, &out->results[out->result_cnt++], errbuf);
		if (err)
			goto cleanup;
	}
cleanup:
	free(group);
	free(group_src);
	free(all);
	free(all_src);
	free(refs);
	free(run_at);
	if (err)
		regress_run_free(out);
	return err;
}

const struct regress_baseline *regress_baseline_find(const struct regress_baseline_set *set,
						     const char *name)
{
	size_t i;

	for (i = 0; set && i < set->cnt; i++)
		if (!strcmp(set->items[i].name, name))
			return &set->items[i];
	return NULL;
}

static double cv_of(const double *samples, size_t cnt, double mean, double stddev)
{
	if (cnt >= 2)
		return stats_cv(stats_mean(samples, cnt), stats_stddev(samples, cnt));
	return stats_cv(mean, stddev);
}

static size_t outliers_of(const double *samples, size_t cnt)
{
	struct stats_tukey t;

	if (!cnt || stats_tukey(samples, cnt, REGRESS_TUKEY_K, &t))
		return 0;
	return t.low_cnt + t.high_cnt;
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
	if (stats_mw_min_p(r->sample_cnt, b->sample_cnt) > alpha) {
		v->reason = REGRESS_REASON_FEW_SAMPLES;
		v->need_samples = stats_mw_min_n(b->sample_cnt, alpha);
	}
	err = stats_mann_whitney(lc, r->sample_cnt, lb, b->sample_cnt, &mw);
	if (err)
		goto cleanup;
	err = stats_hodges_lehmann(lc, r->sample_cnt, lb, b->sample_cnt, alpha, &hl);
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

	if (stats_welch(mc, sc, nc, b->mean, sb, nb, &w))
		return;
	tq = w.se > 0 ? stats_t_quantile(1 - alpha, w.df) : 0;
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

/* Everything about one result against its baseline except the final severity, which depends
 * on the batch (adjusted p-values): see decide(). */
static int assess(const struct regress_result *r, const struct regress_baseline *b,
		  const struct regress_opts *opts, struct regress_verdict *v, char *errbuf)
{
	double f, sc = NAN, sb = NAN;
	size_t nc, nb;
	int err = 0;

	memset(v, 0, sizeof(*v));
	if (regress_unit_factor(r->unit, b->unit, &f))
		return errf(errbuf, -EINVAL,
			    "benchmark \"%s\" is measured in \"%s\" but its baseline in \"%s\"",
			    r->name, r->unit, b->unit);
	if (r->higher_is_better != b->higher_is_better)
		return errf(errbuf, -EINVAL,
			    "benchmark \"%s\" has higher_is_better %s but its baseline %s",
			    r->name, r->higher_is_better ? "true" : "false",
			    b->higher_is_better ? "true" : "false");
	v->name = strdup(r->name);
	v->unit = strdup(b->unit);
	if (!v->name || !v->unit) {
		regress_verdict_free(v);
		return -ENOMEM;
	}
	v->higher_is_better = b->higher_is_better;
	v->method = REGRESS_METHOD_SIMPLE;
	v->reason = REGRESS_REASON_WITHIN;
	v->current = r->value * f;
	v->baseline = b->mean;
	v->current_median = r->median * f;
	if (isnan(v->current_median) && r->sample_cnt) {
		err = stats_median(r->samples, r->sample_cnt, &v->current_median);
		v->current_median *= f;
	}
	v->baseline_median = b->q50;
	if (isnan(v->baseline_median) && b->sample_cnt && !err)
		err = stats_median(b->samples, b->sample_cnt, &v->baseline_median);
	if (err) {
		regress_verdict_free(v);
		return err;
	}
	v->change = (v->current - v->baseline) / v->baseline;
	v->deviation = b->higher_is_better ? -v->change : v->change;
	v->warning_threshold = b->warning_threshold;
	v->critical_threshold = b->critical_threshold;
	v->floor = fmax(REGRESS_FLOOR_MIN, b->abs_floor / b->mean);
	v->estimate = v->ci_lo = v->ci_hi = NAN;
	v->p_worse = v->p_worse_adj = v->p_better = v->p_better_adj = NAN;

	nc = r->sample_cnt ? r->sample_cnt : r->n;
	nb = b->sample_cnt ? b->sample_cnt : b->n;
	v->n_current = nc;
	v->n_baseline = nb;
	v->cv_current = cv_of(r->samples, r->sample_cnt, r->value, r->stddev);
	v->cv_baseline = cv_of(b->samples, b->sample_cnt, b->mean, b->stddev);
	v->outliers_current = outliers_of(r->samples, r->sample_cnt);
	v->outliers_baseline = outliers_of(b->samples, b->sample_cnt);
	v->mde = stats_mde(v->cv_current, nc, v->cv_baseline, nb, opts->alpha, REGRESS_MDE_POWER);
	v->noisy = v->mde > v->warning_threshold;
	v->overhead = r->overhead * f;
	v->near_overhead = v->overhead > 0 && v->current < REGRESS_OVERHEAD_FACTOR * v->overhead;

	if (opts->mode == REGRESS_MODE_SIMPLE)
		goto out;
	if (r->sample_cnt && b->sample_cnt) {
		v->method = REGRESS_METHOD_MANN_WHITNEY;
		err = assess_mann_whitney(r, b, f, opts->alpha, v);
		goto out;
	}
	sc = r->sample_cnt >= 2 ? stats_stddev(r->samples, r->sample_cnt) * f : r->stddev * f;
	sb = b->sample_cnt >= 2 ? stats_stddev(b->samples, b->sample_cnt) : b->stddev;
	if (nc >= 2 && nb >= 2 && isfinite(sc) && isfinite(sb)) {
		v->method = REGRESS_METHOD_WELCH;
		assess_welch(v->current, sc, nc, b, sb, nb, opts->alpha, v);
		goto out;
	}
	v->reason = REGRESS_REASON_NO_SPREAD;
out:
	v->p_worse_adj = v->p_worse;
	v->p_better_adj = v->p_better;
	if (err)
		regress_verdict_free(v);
	return err;
}

bool regress_reaches(double change, double threshold)
{
	return change >= threshold - REGRESS_THRESHOLD_SLACK * fmax(1.0, fabs(threshold));
}

static void decide(struct regress_verdict *v, const struct regress_opts *opts)
{
	double warn = v->warning_threshold, crit = v->critical_threshold;

	if (v->method == REGRESS_METHOD_SIMPLE) {
		/* INFO only below the warning threshold: reaching a threshold is crossing it */
		if (regress_reaches(v->deviation, crit))
			v->severity = REGRESS_CRITICAL;
		else if (regress_reaches(v->deviation, warn))
			v->severity = REGRESS_WARNING;
		else if (regress_reaches(-v->deviation, warn))
			v->severity = REGRESS_IMPROVED;
		else
			v->severity = REGRESS_INFO;
		if (v->reason != REGRESS_REASON_NO_SPREAD)
			v->reason = v->severity == REGRESS_INFO ? REGRESS_REASON_WITHIN :
								  REGRESS_REASON_THRESHOLD;
		return;
	}
	if (v->reason == REGRESS_REASON_FEW_SAMPLES) {
		v->severity = REGRESS_INCONCLUSIVE;
		return;
	}
	if (v->p_worse_adj <= opts->alpha && v->ci_lo > v->floor) {
		if (regress_reaches(v->estimate, crit)) {
			v->severity = REGRESS_CRITICAL;
			v->reason = REGRESS_REASON_SIGNIFICANT;
		} else if (regress_reaches(v->estimate, warn)) {
			v->severity = REGRESS_WARNING;
			v->reason = REGRESS_REASON_SIGNIFICANT;
		} else {
			v->severity = REGRESS_INFO;
			v->reason = REGRESS_REASON_SIGNIFICANT_SMALL;
		}
		return;
	}
	if (v->p_better_adj <= opts->alpha && v->ci_hi < -v->floor &&
	    regress_reaches(-v->estimate, warn)) {
		v->severity = REGRESS_IMPROVED;
		v->reason = REGRESS_REASON_SIGNIFICANT;
		return;
	}
	v->severity = REGRESS_INFO;
	if (regress_reaches(v->estimate, warn))
		v->reason = v->p_worse_adj > opts->alpha ? REGRESS_REASON_NOT_SIGNIFICANT :
							   REGRESS_REASON_NOISE_FLOOR;
	else if (regress_reaches(-v->estimate, warn))
		v->reason = v->p_better_adj > opts->alpha ? REGRESS_REASON_NOT_SIGNIFICANT :
							    REGRESS_REASON_NOISE_FLOOR;
	else if (v->p_worse_adj <= opts->alpha)
		v->reason = REGRESS_REASON_NOISE_FLOOR;
	else
		v->reason = REGRESS_REASON_WITHIN;
}

int regress_check_one(const struct regress_result *r, const struct regress_baseline_set *set,
		      const struct regress_opts *opts, struct regress_verdict *v,
		      char errbuf[REGRESS_ERRLEN])
{
	const struct regress_baseline *b = regress_baseline_find(set, r->name);
	int err;

	if (!b)
		return errf(errbuf, -ENOENT, "benchmark \"%s\" has no baseline", r->name);
	err = assess(r, b, opts, v, errbuf);
	if (err)
		return err;
	decide(v, opts);
	return 0;
}

static bool is_failure(enum regress_severity s, enum regress_severity fail_on)
{
	if (s == REGRESS_CRITICAL)
		return true;
	return s == REGRESS_WARNING && fail_on == REGRESS_WARNING;
}

/* Benjamini-Hochberg over the verdicts that have a p-value, in each direction separately. */
static int adjust_batch(struct regress_verdict *vs, size_t cnt)
{
	double *pw = NULL, *pb = NULL;
	size_t *idx = NULL, m = 0, i;
	int err = 0;

	pw = malloc((cnt ? cnt : 1) * sizeof(*pw));
	pb = malloc((cnt ? cnt : 1) * sizeof(*pb));
	idx = malloc((cnt ? cnt : 1) * sizeof(*idx));
	if (!pw || !pb || !idx) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < cnt; i++) {
		if (vs[i].method == REGRESS_METHOD_SIMPLE ||
		    vs[i].reason == REGRESS_REASON_FEW_SAMPLES || isnan(vs[i].p_worse) ||
		    isnan(vs[i].p_better))
			continue;
		pw[m] = vs[i].p_worse;
		pb[m] = vs[i].p_better;
		idx[m++] = i;
	}
	err = stats_bh_adjust(pw, m, pw);
	if (!err)
		err = stats_bh_adjust(pb, m, pb);
	if (err)
		goto cleanup;
	for (i = 0; i < m; i++) {
		vs[idx[i]].p_worse_adj = pw[i];
		vs[idx[i]].p_better_adj = pb[i];
	}
cleanup:
	free(pw);
	free(pb);
	free(idx);
	return err;
}

int regress_check_all(const struct regress_result *results, size_t result_cnt,
		      const struct regress_baseline_set *set, const struct regress_opts *opts,
		      struct regress_check *out, char errbuf[REGRESS_ERRLEN])
{
	size_t i, cap = result_cnt ? result_cnt : 1, have_cnt = set ? set->cnt : 0;
	struct name_ref *have;
	int err = 0;

	memset(out, 0, sizeof(*out));
	out->opts = *opts;
	out->results = results;
	out->result_cnt = result_cnt;
	out->verdicts = calloc(cap, sizeof(*out->verdicts));
	out->skipped = calloc(cap, sizeof(*out->skipped));
	/* baselines by name, as regress_baseline_find would find them, in O(log n) each */
	have = calloc(have_cnt ? have_cnt : 1, sizeof(*have));
	if (!out->verdicts || !out->skipped || !have) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < have_cnt; i++)
		have[i] = (struct name_ref){ set->items[i].name, i };
	if (have_cnt)
		qsort(have, have_cnt, sizeof(*have), cmp_name_ref);
	for (i = 0; i < result_cnt; i++) {
		size_t at = find_name_ref(have, have_cnt, results[i].name);
		const struct regress_baseline *b = at == SIZE_MAX ? NULL : &set->items[at];

		if (!b) {
			out->skipped[out->skipped_cnt] = strdup(results[i].name);
			if (!out->skipped[out->skipped_cnt++]) {
				err = -ENOMEM;
				goto cleanup;
			}
			continue;
		}
		err = assess(&results[i], b, opts, &out->verdicts[out->verdict_cnt], errbuf);
		if (err)
			goto cleanup;
		out->verdict_cnt++;
	}
	err = adjust_batch(out->verdicts, out->verdict_cnt);
	if (err)
		goto cleanup;
	for (i = 0; i < out->verdict_cnt; i++) {
		decide(&out->verdicts[i], opts);
		out->counts[out->verdicts[i].severity]++;
		if (is_failure(out->verdicts[i].severity, opts->fail_on))
			out->failed = true;
	}
cleanup:
	free(have);
	if (err)
		regress_check_free(out);
	return err;
}

static int cmp_baseline(const void *a, const void *b)
{
	return strcmp(((const struct regress_baseline *)a)->name,
		      ((const struct regress_baseline *)b)->name);
}

/* Makes b describe r (converted to r's unit) and appends a history entry. */
static int baseline_take(struct regress_baseline *b, const struct regress_result *r,
			 const char *label, size_t history_max, char *errbuf)
{
	struct regress_history *h;
	uint64_t next_run = 1;
	double f = 1;
	size_t i;

	if (b->unit && regress_unit_factor(b->unit, r->unit, &f))
		return errf(
		    errbuf, -EINVAL,
		    "benchmark \"%s\" is now measured in \"%s\" but its baseline in \"%s\"; "
		    "save it to a new baseline file",
		    r->name, r->unit, b->unit);
	for (i = 0; i < b->history_cnt; i++) { /* history and floor follow the unit */
		b->history[i].mean *= f;
		b->history[i].stddev *= f;
	}
	b->abs_floor *= f;
	free(b->unit);
	b->unit = strdup(r->unit);
	free(b->samples);
	b->samples = NULL;
	b->sample_cnt = 0;
	if (!b->unit)
		return -ENOMEM;
	if (r->sample_cnt) {
		b->samples = scaled_copy(r->samples, r->sample_cnt, 1);
		if (!b->samples)
			return -ENOMEM;
		b->sample_cnt = r->sample_cnt;
		quantiles_of(b->samples, b->sample_cnt, &b->q25, &b->q50, &b->q75);
	} else {
		b->q25 = r->q25;
		b->q50 = r->median;
		b->q75 = r->q75;
	}
	b->mean = r->value;
	b->stddev = r->stddev;
	b->n = r->n ? r->n : r->sample_cnt;
	b->higher_is_better = r->higher_is_better;

	if (b->history_cnt)
		next_run = b->history[b->history_cnt - 1].run + 1;
	while (b->history_cnt && b->history_cnt >= history_max) { /* drop the oldest */
		free(b->history[0].label);
		memmove(b->history, b->history + 1, (b->history_cnt - 1) * sizeof(*b->history));
		b->history_cnt--;
	}
	if (!history_max)
		return 0;
	h = realloc(b->history, (b->history_cnt + 1) * sizeof(*h));
	if (!h)
		return -ENOMEM;
	b->history = h;
	h = &b->history[b->history_cnt];
	*h = (struct regress_history){ next_run, b->mean, b->stddev, b->n, NULL };
	if (label) {
		h->label = strdup(label);
		if (!h->label)
			return -ENOMEM;
	}
	b->history_cnt++;
	return 0;
}

int regress_baseline_update(struct regress_baseline_set *set, const struct regress_run *merged,
			    const char *label, size_t history_max, char errbuf[REGRESS_ERRLEN])
{
	size_t n = merged->result_cnt, have_cnt = set->cnt, new_cnt = 0, i, j;
	struct name_ref *have = NULL, *byname = NULL;
	/* per result: the index of its entry in set->items; SIZE_MAX for a new name until the
	 * name's first result adds the entry; lead: that first result */
	size_t *target = NULL, *lead = NULL;
	int err = 0;

	have = calloc(have_cnt ? have_cnt : 1, sizeof(*have));
	byname = calloc(n ? n : 1, sizeof(*byname));
	target = calloc(n ? n : 1, sizeof(*target));
	lead = calloc(n ? n : 1, sizeof(*lead));
	if (!have || !byname || !target || !lead) {
		err = -ENOMEM;
		goto cleanup;
	}
	/* an entry is found by name, the first of its name as a linear search would */
	for (i = 0; i < have_cnt; i++)
		have[i] = (struct name_ref){ set->items[i].name, i };
	if (have_cnt)
		qsort(have, have_cnt, sizeof(*have), cmp_name_ref);
	for (i = 0; i < n; i++)
		byname[i] = (struct name_ref){ merged->results[i].name, i };
	if (n)
		qsort(byname, n, sizeof(*byname), cmp_name_ref);
	for (i = 0; i < n; i = j) {
		size_t found = find_name_ref(have, have_cnt, byname[i].name);

		j = name_run_end(byname, n, i);
		new_cnt += found == SIZE_MAX;
		for (size_t m = i; m < j; m++) {
			target[byname[m].pos] = found;
			lead[byname[m].pos] = byname[i].pos;
		}
	}
	if (new_cnt) { /* room for every new entry at once */
		struct regress_baseline *items =
		    realloc(set->items, (set->cnt + new_cnt) * sizeof(*items));

		if (!items) {
			err = -ENOMEM;
			goto cleanup;
		}
		set->items = items;
	}
	for (i = 0; i < n; i++) {
		const struct regress_result *r = &merged->results[i];
		struct regress_baseline *b;

		if (target[i] == SIZE_MAX && lead[i] != i)
			target[i] = target[lead[i]]; /* added by the name's first result */
		if (target[i] == SIZE_MAX) {
			target[i] = set->cnt;
			b = &set->items[set->cnt++];
			memset(b, 0, sizeof(*b));
			b->warning_threshold = REGRESS_WARNING_DEFAULT;
			b->critical_threshold = REGRESS_CRITICAL_DEFAULT;
			b->name = strdup(r->name);
			if (!b->name) {
				err = -ENOMEM;
				goto cleanup;
			}
		}
		err = baseline_take(&set->items[target[i]], r, label, history_max, errbuf);
		if (err)
			goto cleanup;
	}
	qsort(set->items, set->cnt, sizeof(*set->items), cmp_baseline);
cleanup:
	free(have);
	free(byname);
	free(target);
	free(lead);
	return err;
}

static double median_of_means(const struct regress_history *h, size_t from, size_t to)
{
	double *x, m = NAN;
	size_t i;

	x = malloc((to - from) * sizeof(*x));
	if (!x)
		return NAN;
	for (i = from; i < to; i++)
		x[i - from] = h[i].mean;
	stats_median(x, to - from, &m);
	free(x);
	return m;
}

static int history_item(const struct regress_baseline *b, struct regress_history_item *it)
{
	struct stats_edivisive_opts eo = {
		.min_size = HISTORY_MIN_SIZE,
		.permutations = HISTORY_PERMUTATIONS,
		.sig_level = HISTORY_SIG_LEVEL,
		.seed = HISTORY_SEED,
	};
	struct stats_change_point *cps = NULL;
	/* a hand-edited file may hold more than save keeps: look at the newest runs only */
	size_t first = b->history_cnt > REGRESS_HISTORY_MAX_LIMIT ?
			       b->history_cnt - REGRESS_HISTORY_MAX_LIMIT : 0;
	size_t cp_cnt = 0, i, cnt = b->history_cnt - first;
	const struct regress_history *h = b->history_cnt ? b->history + first : NULL;
	double *means;
	int err;

	it->name = b->name;
	it->unit = b->unit;
	it->run_cnt = cnt;
	it->too_short = cnt < 2 * HISTORY_MIN_SIZE;
	if (it->too_short)
		return 0;
	means = malloc(cnt * sizeof(*means));
	if (!means)
		return -ENOMEM;
	for (i = 0; i < cnt; i++)
		means[i] = h[i].mean;
	err = stats_edivisive(means, cnt, &eo, &cps, &cp_cnt);
	free(means);
	if (err || !cp_cnt)
		return err;
	it->cps = calloc(cp_cnt, sizeof(*it->cps));
	if (!it->cps) {
		free(cps);
		return -ENOMEM;
	}
	for (i = 0; i < cp_cnt; i++) {
		size_t at = cps[i].index, from = i ? cps[i - 1].index : 0;
		size_t to = i + 1 < cp_cnt ? cps[i + 1].index : cnt;
		struct regress_history_cp *cp = &it->cps[i];

		cp->index = first + at;
		cp->run = h[at].run;
		cp->label = h[at].label;
		cp->before = median_of_means(h, from, at);
		cp->after = median_of_means(h, at, to);
		cp->p = cps[i].p;
	}
	it->cp_cnt = cp_cnt;
	free(cps);
	return 0;
}

int regress_history_analyze(const struct regress_baseline_set *set,
			    struct regress_history_report *out)
{
	size_t i;
	int err = 0;

	memset(out, 0, sizeof(*out));
	out->min_runs = 2 * HISTORY_MIN_SIZE;
	out->permutations = HISTORY_PERMUTATIONS;
	out->sig_level = HISTORY_SIG_LEVEL;
	out->items = calloc(set->cnt ? set->cnt : 1, sizeof(*out->items));
	if (!out->items)
		return -ENOMEM;
	for (i = 0; i < set->cnt; i++) {
		err = history_item(&set->items[i], &out->items[i]);
		if (err)
			break;
		out->item_cnt++;
	}
	if (err)
		regress_history_report_free(out);
	return err;
}
