// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The validated reading shared by the results and baseline readers and the importers
 * (results_doc.h): members are checked as they are taken (positive finite values, counts,
 * strings) and the first problem becomes one sentence naming the file and the object. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "lib/sanitize.h"
#include "regress/results_doc.h"
#include "regress/results_io.h"
#include "regress/stats.h"

#define MAX_COUNT 1e12

int results_doc__fail(struct results_doc *c, const char *fmt, ...)
{
	struct errtext what;
	va_list ap;

	if (!c->why)
		return -EINVAL;
	va_start(ap, fmt);
	errtext__vset(&what, fmt, ap);
	va_end(ap);
	/* a long path is cut so that the message still says what is wrong */
	errtext__set(c->why, "%.120s: %s", c->path, what.msg);
	errtext__cut(c->why, REGRESS_ERRLEN - 1);
	sanitize__controls(c->why->msg);
	return -EINVAL;
}

int results__fail_errno(struct errtext *why, int err, const char *what, const char *path)
{
	if (why) {
		errtext__set(why, "cannot %s %s: %s", what, path, strerror(-err));
		errtext__cut(why, REGRESS_ERRLEN - 1);
		sanitize__controls(why->msg);
	}
	return err;
}

/* A member that is absent or null is "not given". */
json_t *results__member(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_null(v) ? NULL : v;
}

int results_doc__num(struct results_doc *c, json_t *obj, const char *key, const char *where,
		     bool required, double dflt, double *out)
{
	json_t *v = results__member(obj, key);

	if (!v) {
		if (required)
			return results_doc__fail(c, "%s has no \"%s\"", where, key);
		*out = dflt;
		return 0;
	}
	if (!json_is_number(v))
		return results_doc__fail(c, "%s: \"%s\" is not a number", where, key);
	*out = json_number_value(v);
	if (!isfinite(*out))
		return results_doc__fail(c, "%s: \"%s\" is not a finite number", where, key);
	return 0;
}

int results_doc__pos(struct results_doc *c, json_t *obj, const char *key, const char *where,
		     bool required, double *out)
{
	int err = results_doc__num(c, obj, key, where, required, NAN, out);

	if (err || isnan(*out))
		return err;
	if (*out <= 0)
		return results_doc__fail(c, "%s: \"%s\" is %g, but it must be positive", where, key,
					 *out);
	return 0;
}

int results_doc__nonneg(struct results_doc *c, json_t *obj, const char *key, const char *where,
			double dflt, double *out)
{
	int err = results_doc__num(c, obj, key, where, false, dflt, out);

	if (err || isnan(*out))
		return err;
	if (*out < 0)
		return results_doc__fail(c, "%s: \"%s\" is %g, but it must not be negative", where,
					 key, *out);
	return 0;
}

int results_doc__count(struct results_doc *c, json_t *obj, const char *key, const char *where,
		       size_t *out)
{
	json_t *v = results__member(obj, key);
	json_int_t i;

	*out = 0;
	if (!v)
		return 0;
	if (!json_is_integer(v))
		return results_doc__fail(c, "%s: \"%s\" is not a whole number", where, key);
	i = json_integer_value(v);
	if (i < 0 || (double)i > MAX_COUNT)
		return results_doc__fail(c, "%s: \"%s\" is %lld, out of range", where, key,
					 (long long)i);
	*out = (size_t)i;
	return 0;
}

int results_doc__bool(struct results_doc *c, json_t *obj, const char *key, const char *where,
		      bool *out)
{
	json_t *v = results__member(obj, key);

	*out = false;
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return results_doc__fail(c, "%s: \"%s\" is not true or false", where, key);
	*out = json_is_true(v);
	return 0;
}

/* A string member copied into *out; dflt (may be NULL) when absent. */
int results_doc__str(struct results_doc *c, json_t *obj, const char *key, const char *where,
		     const char *dflt, char **out)
{
	json_t *v = results__member(obj, key);
	const char *s = dflt;

	*out = NULL;
	if (v) {
		if (!json_is_string(v))
			return results_doc__fail(c, "%s: \"%s\" is not a string", where, key);
		s = json_string_value(v);
	}
	if (!s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

int results_doc__samples(struct results_doc *c, json_t *arr, const char *key, const char *where,
			 double **out, size_t *cnt)
{
	size_t i, n;

	*out = NULL;
	*cnt = 0;
	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return results_doc__fail(c, "%s: \"%s\" is not an array", where, key);
	n = json_array_size(arr);
	if (!n)
		return 0;
	*out = malloc(n * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		json_t *v = json_array_get(arr, i);
		double x;

		if (!json_is_number(v))
			return results_doc__fail(c, "%s: \"%s\" item %zu is not a number", where,
						 key, i + 1);
		x = json_number_value(v);
		if (!isfinite(x) || x <= 0)
			return results_doc__fail(c,
						 "%s: \"%s\" item %zu is %g, but it must be positive",
						 where, key, i + 1, x);
		(*out)[(*cnt)++] = x;
	}
	return 0;
}

void results__where_item(char *where, const char *what, size_t idx, const char *name)
{
	if (name)
		snprintf(where, RESULTS_WHERE_LEN, "%s %zu (\"%.80s\")", what, idx + 1, name);
	else
		snprintf(where, RESULTS_WHERE_LEN, "%s %zu", what, idx + 1);
}

int results_doc__name(struct results_doc *c, json_t *obj, const char *key, const char *where,
		      char **out)
{
	int err = results_doc__str(c, obj, key, where, NULL, out);

	if (err)
		return err;
	if (!*out)
		return results_doc__fail(c, "%s has no \"%s\"", where, key);
	if (!**out)
		return results_doc__fail(c, "%s: \"%s\" is empty", where, key);
	return 0;
}

int results_doc__meta(struct results_doc *c, json_t *obj, const char *where,
		      struct regress_result *r)
{
	json_t *m = results__member(obj, "metadata"), *v;
	const char *key;
	int err = 0;

	if (!m)
		return 0;
	if (!json_is_object(m))
		return results_doc__fail(c, "%s: \"metadata\" is not an object", where);
	json_object_foreach(m, key, v)
	{
		char *text;

		if (json_is_string(v)) {
			err = regress_result__add_meta(r, key, json_string_value(v));
		} else { /* a number, boolean, object or array stays one (issue 14) */
			text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
			err = text ? regress_result__add_meta_json(r, key, text) : -ENOMEM;
			free(text);
		}
		if (err)
			return err;
	}
	return 0;
}

int results__add_meta(struct regress_result *r, const char *key, const char *value)
{
	return regress_result__add_meta(r, key, value);
}

int results_doc__histogram(struct results_doc *c, json_t *obj, const char *where,
			   struct regress_result *r)
{
	json_t *h = results__member(obj, "histogram");
	char w[RESULTS_WHERE_LEN + 48];
	size_t i, n;
	int err;

	if (!h)
		return 0;
	if (!json_is_array(h))
		return results_doc__fail(c, "%s: \"histogram\" is not an array", where);
	n = json_array_size(h);
	if (!n)
		return 0;
	r->buckets = calloc(n, sizeof(*r->buckets));
	if (!r->buckets)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		json_t *b = json_array_get(h, i);
		struct regress_bucket *bk = &r->buckets[i];
		size_t count;

		snprintf(w, sizeof(w), "%s: histogram bucket %zu", where, i + 1);
		if (!json_is_object(b))
			return results_doc__fail(c, "%s is not an object", w);
		err = results_doc__nonneg(c, b, "lower", w, NAN, &bk->lower);
		if (!err)
			err = results_doc__pos(c, b, "upper", w, true, &bk->upper);
		if (!err)
			err = results_doc__count(c, b, "count", w, &count);
		if (err)
			return err;
		if (isnan(bk->lower))
			return results_doc__fail(c, "%s has no \"lower\"", w);
		if (bk->upper < bk->lower)
			return results_doc__fail(c, "%s: \"upper\" is below \"lower\"", w);
		bk->count = count;
		r->bucket_cnt++;
	}
	return 0;
}

/* Fills value/stddev/n/median from the samples where the file did not give them. */
int results_doc__fill_from_samples(struct results_doc *c, const char *where,
				   struct regress_result *r)
{
	double q25, q50, q75, *s;
	int err;

	if (!r->sample_cnt)
		return 0;
	if (isnan(r->value))
		r->value = stats__mean(r->samples, r->sample_cnt);
	if (!isfinite(r->value))
		return results_doc__fail(c, "%s: the mean of the samples is too large for a number",
					 where);
	if (isnan(r->stddev) && r->sample_cnt >= 2)
		r->stddev = stats__stddev(r->samples, r->sample_cnt);
	if (!r->n)
		r->n = r->sample_cnt;
	err = stats__sorted_copy(r->samples, r->sample_cnt, &s);
	if (err)
		return err;
	q25 = stats__quantile_sorted(s, r->sample_cnt, 0.25);
	q50 = stats__quantile_sorted(s, r->sample_cnt, 0.5);
	q75 = stats__quantile_sorted(s, r->sample_cnt, 0.75);
	free(s);
	if (isnan(r->median))
		r->median = q50;
	if (isnan(r->q25))
		r->q25 = q25;
	if (isnan(r->q75))
		r->q75 = q75;
	return 0;
}

/* A histogram stands in for missing summaries: bucket midpoints weighted by their counts give
 * the mean and stddev, the median is interpolated inside its bucket (buckets are in order). */
int results_doc__fill_from_histogram(struct results_doc *c, const char *where,
				     struct regress_result *r)
{
	double total = 0, sum = 0, ss = 0, mean, half, cum = 0;
	size_t i;

	if (!r->bucket_cnt || !isnan(r->value))
		return 0;
	for (i = 0; i < r->bucket_cnt; i++) {
		const struct regress_bucket *b = &r->buckets[i];

		if (i && b->lower < r->buckets[i - 1].upper)
			return results_doc__fail(c,
						 "%s: histogram buckets overlap or are out of order",
						 where);
		total += (double)b->count;
		sum += (double)b->count * (b->lower + b->upper) / 2;
	}
	if (!(total > 0))
		return results_doc__fail(c, "%s: the histogram is empty and there is no \"value\"",
					 where);
	mean = sum / total;
	if (!(mean > 0) || !isfinite(mean))
		return results_doc__fail(c,
					 "%s: the histogram's mean is %g, but it must be positive",
					 where, mean);
	for (i = 0; i < r->bucket_cnt; i++) {
		double d = (r->buckets[i].lower + r->buckets[i].upper) / 2 - mean;

		ss += (double)r->buckets[i].count * d * d;
	}
	r->value = mean;
	if (isnan(r->stddev) && total >= 2)
		r->stddev = sqrt(ss / (total - 1));
	if (!r->n)
		r->n = (size_t)total;
	half = total / 2;
	for (i = 0; isnan(r->median) && i < r->bucket_cnt; i++) {
		const struct regress_bucket *b = &r->buckets[i];

		if (b->count && cum + (double)b->count >= half)
			r->median =
				b->lower + (b->upper - b->lower) * (half - cum) / (double)b->count;
		cum += (double)b->count;
	}
	if (!(r->median > 0))
		r->median = NAN;
	return 0;
}

void results__init_result(struct regress_result *r)
{
	memset(r, 0, sizeof(*r));
	r->value = r->stddev = r->median = r->q25 = r->q75 = r->overhead = NAN;
}

/* Grows run->results by one initialized result. */
struct regress_result *results__add_result(struct regress_run *run, size_t *cap)
{
	struct regress_result *rs;

	if (ARRAY_GROW(run->results, *cap, run->result_cnt + 1, 8))
		return NULL;
	rs = &run->results[run->result_cnt++];
	results__init_result(rs);
	return rs;
}

struct name_pos {
	const char *name;
	size_t pos;
};

static int cmp_name_pos(const void *pa, const void *pb)
{
	const struct name_pos *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);

	if (c)
		return c;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* Names are compared sorted, not pairwise (20,000 results were 200 million comparisons). The
 * name reported is the one a pairwise check finds: of the names seen twice, the one seen
 * first. */
int results_doc__check_unique(struct results_doc *c, const struct regress_run *run)
{
	size_t i, dup = SIZE_MAX, n = run->result_cnt;
	struct name_pos *v;

	if (n < 2)
		return 0;
	v = malloc(n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		v[i] = (struct name_pos){ run->results[i].name, i };
	qsort(v, n, sizeof(*v), cmp_name_pos);
	for (i = 1; i < n; i++)
		if (!strcmp(v[i - 1].name, v[i].name) && v[i - 1].pos < dup)
			dup = v[i - 1].pos;
	free(v);
	if (dup != SIZE_MAX)
		return results_doc__fail(c, "benchmark \"%.80s\" appears twice",
					 run->results[dup].name);
	return 0;
}
