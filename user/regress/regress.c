// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The regression detector's model (regress.h): names and parsers of its enums, time units,
 * destructors, merging runs into one result per benchmark, finding a baseline; and the helpers
 * its rules share (regress_internal.h): messages, quartiles, the name index. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sanitize.h"
#include "regress/regress.h"
#include "regress/regress_internal.h"
#include "regress/stats.h"

/* Shared with regress_check.c and regress_baseline.c (regress_internal.h) */
int regress__fail(struct errtext *why, int err, const char *fmt, ...)
{
	va_list ap;

	if (why) {
		va_start(ap, fmt);
		errtext__vset(why, fmt, ap);
		va_end(ap);
		errtext__cut(why, REGRESS_ERRLEN - 1);
		sanitize__controls(why->msg);
	}
	return err;
}

void regress__quartiles(const double *x, size_t n, double *q25, double *q50, double *q75)
{
	double *s;

	if (!n || stats__sorted_copy(x, n, &s)) {
		*q25 = *q50 = *q75 = NAN;
		return;
	}
	*q25 = stats__quantile_sorted(s, n, 0.25);
	*q50 = stats__quantile_sorted(s, n, 0.5);
	*q75 = stats__quantile_sorted(s, n, 0.75);
	free(s);
}

int regress_name_ref__cmp(const void *pa, const void *pb)
{
	const struct regress_name_ref *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);

	if (c)
		return c;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

size_t regress_name_ref__run_end(const struct regress_name_ref *refs, size_t cnt, size_t from)
{
	size_t i = from + 1;

	while (i < cnt && !strcmp(refs[i].name, refs[from].name))
		i++;
	return i;
}

size_t regress_name_ref__find(const struct regress_name_ref *refs, size_t cnt, const char *name)
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

struct regress_name_ref *regress_name_ref__index(const struct regress_baseline_set *set)
{
	size_t cnt = set ? set->cnt : 0;
	struct regress_name_ref *refs = calloc(cnt ? cnt : 1, sizeof(*refs));

	if (!refs)
		return NULL;
	for (size_t i = 0; i < cnt; i++)
		refs[i] = (struct regress_name_ref){ set->items[i].name, i };
	if (cnt)
		qsort(refs, cnt, sizeof(*refs), regress_name_ref__cmp);
	return refs;
}

void regress_opts__init(struct regress_opts *opts)
{
	opts->mode = REGRESS_MODE_ROBUST;
	opts->alpha = REGRESS_ALPHA_DEFAULT;
	opts->fail_on = REGRESS_CRITICAL;
	opts->allow_exit_codes = false;
	opts->filter = NULL;
	opts->warning_threshold = opts->critical_threshold = NAN;
}

bool regress_opts__selects(const struct regress_opts *opts, const char *name)
{
	return !opts->filter || !regexec(opts->filter, name, 0, NULL, 0);
}

const char *regress_severity__name(enum regress_severity s)
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
	case REGRESS_ERROR:
		return "ERROR";
	default:
		return "?";
	}
}

const char *regress_method__name(enum regress_method m)
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

const char *regress_mode__name(enum regress_mode m)
{
	return m == REGRESS_MODE_SIMPLE ? "simple" : "robust";
}

int regress_severity__parse(const char *s, enum regress_severity *out)
{
	if (!strcmp(s, "inconclusive"))
		*out = REGRESS_INCONCLUSIVE;
	else if (!strcmp(s, "warning"))
		*out = REGRESS_WARNING;
	else if (!strcmp(s, "critical"))
		*out = REGRESS_CRITICAL;
	else
		return -EINVAL;
	return 0;
}

const char *regress_level__name(enum regress_severity s)
{
	switch (s) {
	case REGRESS_INCONCLUSIVE:
		return "inconclusive";
	case REGRESS_WARNING:
		return "warning";
	default:
		return "critical";
	}
}

const char *regress_verdict__rule(const struct regress_verdict *v)
{
	if (v->reason == REGRESS_REASON_LOW_N)
		return "low-n";
	return v->method == REGRESS_METHOD_SIMPLE ? "threshold" : "robust";
}

int regress_mode__parse(const char *s, enum regress_mode *out)
{
	if (!strcmp(s, "robust"))
		*out = REGRESS_MODE_ROBUST;
	else if (!strcmp(s, "simple"))
		*out = REGRESS_MODE_SIMPLE;
	else
		return -EINVAL;
	return 0;
}

double regress__unit_seconds(const char *unit)
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

int regress__unit_factor(const char *from, const char *to, double *factor)
{
	double a, b;

	if (!strcmp(from, to)) {
		*factor = 1;
		return 0;
	}
	a = regress__unit_seconds(from);
	b = regress__unit_seconds(to);
	if (isnan(a) || isnan(b))
		return -EINVAL;
	*factor = a / b;
	return 0;
}

void regress_result__free(struct regress_result *r)
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
		if (r->meta[i].value)
			free(r->meta[i].value);
		else
			free(r->meta[i].json); /* only then set (regress.h) */
	}
	free(r->meta);
	free(r->exit_codes);
	memset(r, 0, sizeof(*r));
}

static int cmp_meta(const void *a, const void *b)
{
	return strcmp(((const struct regress_meta *)a)->key, ((const struct regress_meta *)b)->key);
}

/* Appends {key, value or json} (one of them NULL) and sorts by key. */
static int add_meta(struct regress_result *r, const char *key, const char *value, const char *json)
{
	struct regress_meta *m = realloc(r->meta, (r->meta_cnt + 1) * sizeof(*m)), *e;

	if (!m)
		return -ENOMEM;
	r->meta = m;
	e = &m[r->meta_cnt];
	e->key = strdup(key);
	e->value = value ? strdup(value) : NULL;
	e->json = value ? NULL : strdup(json);
	if (!e->key || (value ? !e->value : !e->json)) {
		free(e->key);
		free(e->value);
		free(e->json);
		return -ENOMEM;
	}
	r->meta_cnt++;
	qsort(r->meta, r->meta_cnt, sizeof(*r->meta), cmp_meta);
	return 0;
}

int regress_result__add_meta(struct regress_result *r, const char *key, const char *value)
{
	return add_meta(r, key, value, NULL);
}

int regress_result__add_meta_json(struct regress_result *r, const char *key, const char *json_text)
{
	return add_meta(r, key, NULL, json_text);
}

int regress_result__add_meta_num(struct regress_result *r, const char *key, double v)
{
	char num[40];

	if (!isfinite(v))
		return 0; /* JSON has no NaN or Infinity */
	/* whole numbers as integers (a count reads 100, not 1e+02); others with 17 digits,
	 * enough to give back the same double */
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		snprintf(num, sizeof(num), "%.0f", v);
	else
		snprintf(num, sizeof(num), "%.17g", v);
	return add_meta(r, key, NULL, num);
}

const struct regress_meta *regress_result__meta(const struct regress_result *r, const char *key)
{
	for (size_t i = 0; i < r->meta_cnt; i++)
		if (!strcmp(r->meta[i].key, key))
			return &r->meta[i];
	return NULL;
}

void regress_run__set_higher_is_better(struct regress_run *run, const regex_t *re)
{
	for (size_t i = 0; re && i < run->result_cnt; i++)
		if (!regexec(re, run->results[i].name, 0, NULL, 0))
			run->results[i].higher_is_better = true;
}

int regress_run__refuse_failed(const struct regress_run *run, struct errtext *why)
{
	for (size_t i = 0; i < run->result_cnt; i++) {
		const struct regress_result *r = &run->results[i];
		size_t n = r->sample_cnt ? r->sample_cnt : r->n, cnt = 0, at = 0, j, k;
		int codes[REGRESS_EXIT_CODES_MAX];
		char text[96];

		if (!r->exit_code_cnt)
			continue;
		for (j = 0; j < r->exit_code_cnt; j++) { /* distinct, smallest first */
			for (k = 0; k < cnt && codes[k] != r->exit_codes[j]; k++)
				;
			if (k == cnt && cnt < REGRESS_EXIT_CODES_MAX)
				codes[cnt++] = r->exit_codes[j];
		}
		for (j = 1; j < cnt; j++)
			for (k = j; k && codes[k - 1] > codes[k]; k--) {
				int t = codes[k];

				codes[k] = codes[k - 1];
				codes[k - 1] = t;
			}
		text[0] = '\0';
		for (j = 0; j < cnt && at < sizeof(text); j++) {
			if (codes[j] == REGRESS_EXIT_SIGNAL)
				at += snprintf(text + at, sizeof(text) - at, "%skilled by a signal",
					       j ? ", " : "");
			else
				at += snprintf(text + at, sizeof(text) - at, "%s%d", j ? ", " : "",
					       codes[j]);
		}
		return regress__fail(
			why, -EINVAL,
			"benchmark \"%s\": %zu of %zu runs exited non-zero (exit code%s %s)",
			r->name, r->exit_code_cnt, n > r->exit_code_cnt ? n : r->exit_code_cnt,
			cnt == 1 ? "" : "s", text);
	}
	return 0;
}

void regress_run__free(struct regress_run *run)
{
	size_t i;

	if (!run)
		return;
	for (i = 0; i < run->result_cnt; i++)
		regress_result__free(&run->results[i]);
	free(run->results);
	free(run->source);
	memset(run, 0, sizeof(*run));
}

void regress_baseline__free(struct regress_baseline *b)
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

void regress_baseline_set__free(struct regress_baseline_set *set)
{
	size_t i;

	if (!set)
		return;
	for (i = 0; i < set->cnt; i++)
		regress_baseline__free(&set->items[i]);
	free(set->items);
	memset(set, 0, sizeof(*set));
}

void regress_verdict__free(struct regress_verdict *v)
{
	if (!v)
		return;
	free(v->name);
	free(v->unit);
	v->name = v->unit = NULL;
}

void regress_check__free(struct regress_check *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->verdict_cnt; i++)
		regress_verdict__free(&c->verdicts[i]);
	free(c->verdicts);
	for (i = 0; i < c->skipped_cnt; i++)
		free(c->skipped[i]);
	free(c->skipped);
	for (i = 0; i < c->filtered_cnt; i++)
		free(c->filtered[i]);
	free(c->filtered);
	memset(c, 0, sizeof(*c));
}

void regress_history_report__free(struct regress_history_report *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->item_cnt; i++)
		free(h->items[i].cps);
	free(h->items);
	memset(h, 0, sizeof(*h));
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
			const struct regress_meta *m = &src->meta[i];

			dst->meta[i].key = strdup(m->key);
			if (m->value)
				dst->meta[i].value = strdup(m->value);
			else
				dst->meta[i].json = strdup(m->json);
			if (!dst->meta[i].key || (!dst->meta[i].value && !dst->meta[i].json))
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

/* One merged result from the k results named like runs' first[0] (see regress__merge_runs). */
static int merge_one(const struct regress_result **rs, const char **src, size_t k,
		     struct regress_result *out, struct errtext *why)
{
	const struct regress_result *first = rs[0];
	double *values = NULL, f;
	size_t i, j, pooled = 0, failed = 0;
	bool all_samples = true;
	int err;

	values = malloc(k * sizeof(*values));
	if (!values)
		return -ENOMEM;
	for (i = 0; i < k; i++) {
		if (regress__unit_factor(rs[i]->unit, first->unit, &f)) {
			err = regress__fail(why, -EINVAL,
					    "benchmark \"%s\" is in unit \"%s\" in %s but \"%s\" in %s",
					    first->name, rs[i]->unit, src[i], first->unit, src[0]);
			goto cleanup;
		}
		if (rs[i]->higher_is_better != first->higher_is_better) {
			err = regress__fail(why, -EINVAL,
					    "benchmark \"%s\" is higher_is_better in one of %s and %s but "
					    "not in the other",
					    first->name, src[0], src[i]);
			goto cleanup;
		}
		values[i] = rs[i]->value * f;
		/* rounds of different runs are not pooled: the runs are the samples */
		if (!rs[i]->sample_cnt || (rs[i]->samples_within_run && k > 1))
			all_samples = false;
		pooled += rs[i]->sample_cnt;
		failed += rs[i]->exit_code_cnt;
	}
	err = result_copy_header(out, first, 1);
	if (err)
		goto cleanup;
	if (failed) { /* a run that failed in any file stays failed */
		out->exit_codes = malloc(failed * sizeof(*out->exit_codes));
		if (!out->exit_codes) {
			err = -ENOMEM;
			goto cleanup;
		}
		for (i = 0; i < k; i++)
			for (j = 0; j < rs[i]->exit_code_cnt; j++)
				out->exit_codes[out->exit_code_cnt++] = rs[i]->exit_codes[j];
	}
	if (k > 1) { /* histograms of different runs are not merged */
		free(out->buckets);
		out->buckets = NULL;
		out->bucket_cnt = 0;
	}
	out->value = stats__mean(values, k);
	if (!isfinite(out->value)) {
		err = regress__fail(why, -EINVAL,
				    "benchmark \"%s\": the mean of its runs is too large "
				    "for a number",
				    first->name);
		goto cleanup;
	}
	out->overhead = NAN;
	for (i = 0; i < k; i++) {
		if (!isnan(rs[i]->overhead)) {
			regress__unit_factor(rs[i]->unit, first->unit, &f);
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
			regress__unit_factor(rs[i]->unit, first->unit, &f);
			for (j = 0; j < rs[i]->sample_cnt; j++)
				out->samples[out->sample_cnt++] = rs[i]->samples[j] * f;
		}
	} else if (k > 1) {
		out->samples = values;
		out->sample_cnt = k;
		values = NULL;
	}
	out->samples_within_run = k == 1 && first->samples_within_run;
	if (k > 1) {
		const double *run_values = values ? values : out->samples;

		out->stddev = stats__stddev(run_values, k);
		out->n = k;
		regress__quartiles(out->samples, out->sample_cnt, &out->q25, &out->median,
				   &out->q75);
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

int regress__merge_runs(const struct regress_run *runs, size_t run_cnt, struct regress_run *out,
			struct errtext *why)
{
	const struct regress_result **group = NULL, **all = NULL;
	const char **group_src = NULL, **all_src = NULL;
	struct regress_name_ref *refs = NULL;
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
			refs[pos] = (struct regress_name_ref){ all[pos]->name, pos };
			run_at[pos] = SIZE_MAX;
		}
	}
	if (total)
		qsort(refs, total, sizeof(*refs), regress_name_ref__cmp);
	for (i = 0; i < total; i = regress_name_ref__run_end(refs, total, i))
		run_at[refs[i].pos] = i;
	/* each name once, in the order first seen, with every result of that name in run order */
	for (pos = 0; pos < total; pos++) {
		size_t from = run_at[pos], to;

		if (from == SIZE_MAX)
			continue;
		to = regress_name_ref__run_end(refs, total, from);
		for (k = 0; from + k < to; k++) {
			group[k] = all[refs[from + k].pos];
			group_src[k] = all_src[refs[from + k].pos];
		}
		err = merge_one(group, group_src, k, &out->results[out->result_cnt++], why);
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
		regress_run__free(out);
	return err;
}

const struct regress_baseline *regress_baseline_set__find(const struct regress_baseline_set *set,
							  const char *name)
{
	size_t i;

	for (i = 0; set && i < set->cnt; i++)
		if (!strcmp(set->items[i].name, name))
			return &set->items[i];
	return NULL;
}
