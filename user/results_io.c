// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Reading and writing results and baseline files (format: docs/results-format.md). Readers
 * validate everything they take (positive finite values, counts, schema_version) and report the
 * first problem as one sentence naming the file; importers map each tool's JSON to results. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "results_io.h"
#include "safe_file.h"
#include "stats.h"

/* Reading stops here: a results file is kilobytes to megabytes. */
#define RESULTS_MAX_FILE_BYTES (1ULL << 30)
#define MAX_COUNT 1e12
#define WHERE_LEN 160

struct rctx {
	const char *path;
	char *errbuf;
};

static int fail(struct rctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct rctx *c, const char *fmt, ...)
{
	va_list ap;
	int len;

	if (!c->errbuf)
		return -EINVAL;
	/* a long path is cut so that the message still says what is wrong */
	len = snprintf(c->errbuf, RESULTS_ERRLEN, "%.120s: ", c->path);
	if (len < 0 || len >= RESULTS_ERRLEN)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(c->errbuf + len, RESULTS_ERRLEN - len, fmt, ap);
	va_end(ap);
	regress_oneline(c->errbuf);
	return -EINVAL;
}

static int fail_errno(char *errbuf, int err, const char *what, const char *path)
{
	if (errbuf) {
		snprintf(errbuf, RESULTS_ERRLEN, "cannot %s %s: %s", what, path, strerror(-err));
		regress_oneline(errbuf);
	}
	return err;
}

/* A member that is absent or null is "not given". */
static json_t *member(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_null(v) ? NULL : v;
}

static int get_num(struct rctx *c, json_t *obj, const char *key, const char *where, bool required,
		   double dflt, double *out)
{
	json_t *v = member(obj, key);

	if (!v) {
		if (required)
			return fail(c, "%s has no \"%s\"", where, key);
		*out = dflt;
		return 0;
	}
	if (!json_is_number(v))
		return fail(c, "%s: \"%s\" is not a number", where, key);
	*out = json_number_value(v);
	if (!isfinite(*out))
		return fail(c, "%s: \"%s\" is not a finite number", where, key);
	return 0;
}

static int get_pos(struct rctx *c, json_t *obj, const char *key, const char *where, bool required,
		   double *out)
{
	int err = get_num(c, obj, key, where, required, NAN, out);

	if (err || isnan(*out))
		return err;
	if (*out <= 0)
		return fail(c, "%s: \"%s\" is %g, but it must be positive", where, key, *out);
	return 0;
}

static int get_nonneg(struct rctx *c, json_t *obj, const char *key, const char *where,
		      double dflt, double *out)
{
	int err = get_num(c, obj, key, where, false, dflt, out);

	if (err || isnan(*out))
		return err;
	if (*out < 0)
		return fail(c, "%s: \"%s\" is %g, but it must not be negative", where, key, *out);
	return 0;
}

static int get_count(struct rctx *c, json_t *obj, const char *key, const char *where,
		     size_t *out)
{
	json_t *v = member(obj, key);
	json_int_t i;

	*out = 0;
	if (!v)
		return 0;
	if (!json_is_integer(v))
		return fail(c, "%s: \"%s\" is not a whole number", where, key);
	i = json_integer_value(v);
	if (i < 0 || (double)i > MAX_COUNT)
		return fail(c, "%s: \"%s\" is %lld, out of range", where, key, (long long)i);
	*out = (size_t)i;
	return 0;
}

static int get_bool(struct rctx *c, json_t *obj, const char *key, const char *where, bool *out)
{
	json_t *v = member(obj, key);

	*out = false;
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return fail(c, "%s: \"%s\" is not true or false", where, key);
	*out = json_is_true(v);
	return 0;
}

/* A string member copied into *out; dflt (may be NULL) when absent. */
static int get_str(struct rctx *c, json_t *obj, const char *key, const char *where,
		   const char *dflt, char **out)
{
	json_t *v = member(obj, key);
	const char *s = dflt;

	*out = NULL;
	if (v) {
		if (!json_is_string(v))
			return fail(c, "%s: \"%s\" is not a string", where, key);
		s = json_string_value(v);
	}
	if (!s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

static int get_samples(struct rctx *c, json_t *arr, const char *key, const char *where,
		       double **out, size_t *cnt)
{
	size_t i, n;

	*out = NULL;
	*cnt = 0;
	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return fail(c, "%s: \"%s\" is not an array", where, key);
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
			return fail(c, "%s: \"%s\" item %zu is not a number", where, key, i + 1);
		x = json_number_value(v);
		if (!isfinite(x) || x <= 0)
			return fail(c, "%s: \"%s\" item %zu is %g, but it must be positive", where,
				    key, i + 1, x);
		(*out)[(*cnt)++] = x;
	}
	return 0;
}

static void where_item(char *where, const char *what, size_t idx, const char *name)
{
	if (name)
		snprintf(where, WHERE_LEN, "%s %zu (\"%.80s\")", what, idx + 1, name);
	else
		snprintf(where, WHERE_LEN, "%s %zu", what, idx + 1);
}

static int get_name(struct rctx *c, json_t *obj, const char *key, const char *where, char **out)
{
	int err = get_str(c, obj, key, where, NULL, out);

	if (err)
		return err;
	if (!*out)
		return fail(c, "%s has no \"%s\"", where, key);
	if (!**out)
		return fail(c, "%s: \"%s\" is empty", where, key);
	return 0;
}

static int cmp_meta(const void *a, const void *b)
{
	return strcmp(((const struct regress_meta *)a)->key, ((const struct regress_meta *)b)->key);
}

static int get_meta(struct rctx *c, json_t *obj, const char *where, struct regress_result *r)
{
	json_t *m = member(obj, "metadata"), *v;
	const char *key;
	size_t i = 0;

	if (!m)
		return 0;
	if (!json_is_object(m))
		return fail(c, "%s: \"metadata\" is not an object", where);
	if (!json_object_size(m))
		return 0;
	r->meta = calloc(json_object_size(m), sizeof(*r->meta));
	if (!r->meta)
		return -ENOMEM;
	json_object_foreach(m, key, v) {
		struct regress_meta *e = &r->meta[i++];

		r->meta_cnt = i;
		e->key = strdup(key);
		if (json_is_string(v))
			e->value = strdup(json_string_value(v));
		else
			e->value = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
		if (!e->key || !e->value)
			return -ENOMEM;
	}
	qsort(r->meta, r->meta_cnt, sizeof(*r->meta), cmp_meta);
	return 0;
}

static int add_meta(struct regress_result *r, const char *key, const char *value)
{
	struct regress_meta *m = realloc(r->meta, (r->meta_cnt + 1) * sizeof(*m));

	if (!m)
		return -ENOMEM;
	r->meta = m;
	m[r->meta_cnt].key = strdup(key);
	m[r->meta_cnt].value = strdup(value);
	r->meta_cnt++;
	if (!m[r->meta_cnt - 1].key || !m[r->meta_cnt - 1].value)
		return -ENOMEM;
	qsort(r->meta, r->meta_cnt, sizeof(*r->meta), cmp_meta);
	return 0;
}

static int get_histogram(struct rctx *c, json_t *obj, const char *where, struct regress_result *r)
{
	json_t *h = member(obj, "histogram");
	char w[WHERE_LEN + 48];
	size_t i, n;
	int err;

	if (!h)
		return 0;
	if (!json_is_array(h))
		return fail(c, "%s: \"histogram\" is not an array", where);
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
			return fail(c, "%s is not an object", w);
		err = get_nonneg(c, b, "lower", w, NAN, &bk->lower);
		if (!err)
			err = get_pos(c, b, "upper", w, true, &bk->upper);
		if (!err)
			err = get_count(c, b, "count", w, &count);
		if (err)
			return err;
		if (isnan(bk->lower))
			return fail(c, "%s has no \"lower\"", w);
		if (bk->upper < bk->lower)
			return fail(c, "%s: \"upper\" is below \"lower\"", w);
		bk->count = count;
		r->bucket_cnt++;
	}
	return 0;
}

/* Fills value/stddev/n/median from the samples where the file did not give them. */
static int fill_from_samples(struct rctx *c, const char *where, struct regress_result *r)
{
	double q25, q50, q75, *s;
	int err;

	if (!r->sample_cnt)
		return 0;
	if (isnan(r->value))
		r->value = stats_mean(r->samples, r->sample_cnt);
	if (!isfinite(r->value))
		return fail(c, "%s: the mean of the samples is too large for a number", where);
	if (isnan(r->stddev) && r->sample_cnt >= 2)
		r->stddev = stats_stddev(r->samples, r->sample_cnt);
	if (!r->n)
		r->n = r->sample_cnt;
	err = stats_sorted_copy(r->samples, r->sample_cnt, &s);
	if (err)
		return err;
	q25 = stats_quantile_sorted(s, r->sample_cnt, 0.25);
	q50 = stats_quantile_sorted(s, r->sample_cnt, 0.5);
	q75 = stats_quantile_sorted(s, r->sample_cnt, 0.75);
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
static int fill_from_histogram(struct rctx *c, const char *where, struct regress_result *r)
{
	double total = 0, sum = 0, ss = 0, mean, half, cum = 0;
	size_t i;

	if (!r->bucket_cnt || !isnan(r->value))
		return 0;
	for (i = 0; i < r->bucket_cnt; i++) {
		const struct regress_bucket *b = &r->buckets[i];

		if (i && b->lower < r->buckets[i - 1].upper)
			return fail(c, "%s: histogram buckets overlap or are out of order", where);
		total += (double)b->count;
		sum += (double)b->count * (b->lower + b->upper) / 2;
	}
	if (!(total > 0))
		return fail(c, "%s: the histogram is empty and there is no \"value\"", where);
	mean = sum / total;
	if (!(mean > 0) || !isfinite(mean))
		return fail(c, "%s: the histogram's mean is %g, but it must be positive", where,
			    mean);
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

static void result_init(struct regress_result *r)
{
	memset(r, 0, sizeof(*r));
	r->value = r->stddev = r->median = r->q25 = r->q75 = r->overhead = NAN;
}

/* Grows run->results by one initialized result. */
static struct regress_result *run_add(struct regress_run *run, size_t *cap)
{
	struct regress_result *rs;

	if (run->result_cnt == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;

		rs = realloc(run->results, ncap * sizeof(*rs));
		if (!rs)
			return NULL;
		run->results = rs;
		*cap = ncap;
	}
	rs = &run->results[run->result_cnt++];
	result_init(rs);
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
static int check_unique(struct rctx *c, const struct regress_run *run)
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
		return fail(c, "benchmark \"%.80s\" appears twice", run->results[dup].name);
	return 0;
}

static int read_perfan_results(struct rctx *c, json_t *root, struct regress_run *run)
{
	json_t *arr = member(root, "results");
	char where[WHERE_LEN];
	size_t cap = 0, i;
	int err;

	run->format = "perfan";
	if (!json_is_array(arr))
		return fail(c, "\"results\" is not an array");
	for (i = 0; i < json_array_size(arr); i++) {
		json_t *o = json_array_get(arr, i);
		struct regress_result *r = run_add(run, &cap);

		if (!r)
			return -ENOMEM;
		where_item(where, "result", i, NULL);
		if (!json_is_object(o))
			return fail(c, "%s is not an object", where);
		err = get_name(c, o, "name", where, &r->name);
		if (err)
			return err;
		where_item(where, "result", i, r->name);
		err = get_str(c, o, "unit", where, "", &r->unit);
		if (!err)
			err = get_pos(c, o, "value", where, false, &r->value);
		if (!err)
			err = get_bool(c, o, "higher_is_better", where, &r->higher_is_better);
		if (!err)
			err = get_nonneg(c, o, "stddev", where, NAN, &r->stddev);
		if (!err)
			err = get_count(c, o, "n", where, &r->n);
		if (!err)
			err = get_pos(c, o, "median", where, false, &r->median);
		if (!err)
			err = get_pos(c, o, "q25", where, false, &r->q25);
		if (!err)
			err = get_pos(c, o, "q75", where, false, &r->q75);
		if (!err)
			err = get_nonneg(c, o, "overhead", where, NAN, &r->overhead);
		if (!err)
			err = get_samples(c, member(o, "samples"), "samples", where, &r->samples,
					  &r->sample_cnt);
		if (!err)
			err = get_histogram(c, o, where, r);
		if (!err)
			err = get_meta(c, o, where, r);
		if (err)
			return err;
		if (isnan(r->value) && !r->sample_cnt && !r->bucket_cnt)
			return fail(c, "%s has no \"value\", \"samples\" or \"histogram\"", where);
		err = fill_from_samples(c, where, r);
		if (!err)
			err = fill_from_histogram(c, where, r);
		if (err)
			return err;
	}
	if (!run->result_cnt)
		return fail(c, "\"results\" is empty");
	return check_unique(c, run);
}

static int read_pytest_benchmark(struct rctx *c, json_t *root, struct regress_run *run)
{
	json_t *arr = member(root, "benchmarks");
	char where[WHERE_LEN];
	size_t cap = 0, i;
	int err;

	run->format = "pytest-benchmark";
	for (i = 0; i < json_array_size(arr); i++) {
		json_t *o = json_array_get(arr, i), *st;
		struct regress_result *r = run_add(run, &cap);

		if (!r)
			return -ENOMEM;
		where_item(where, "benchmark", i, NULL);
		if (!json_is_object(o))
			return fail(c, "%s is not an object", where);
		/* fullname (module::test[param]) is unique across a suite; name is not */
		err = get_name(c, o, member(o, "fullname") ? "fullname" : "name", where, &r->name);
		if (err)
			return err;
		where_item(where, "benchmark", i, r->name);
		st = member(o, "stats");
		if (!json_is_object(st))
			return fail(c, "%s has no \"stats\" object", where);
		r->unit = strdup("s");
		if (!r->unit)
			return -ENOMEM;
		err = get_pos(c, st, "mean", where, true, &r->value);
		if (!err)
			err = get_nonneg(c, st, "stddev", where, NAN, &r->stddev);
		if (!err)
			err = get_count(c, st, "rounds", where, &r->n);
		if (!err)
			err = get_pos(c, st, "median", where, false, &r->median);
		if (!err)
			err = get_pos(c, st, "q1", where, false, &r->q25);
		if (!err)
			err = get_pos(c, st, "q3", where, false, &r->q75);
		if (!err)
			err = get_samples(c, member(st, "data"), "data", where, &r->samples,
					  &r->sample_cnt);
		if (!err)
			err = fill_from_samples(c, where, r);
		if (!err)
			err = add_meta(r, "tool", "pytest-benchmark");
		if (err)
			return err;
	}
	if (!run->result_cnt)
		return fail(c, "\"benchmarks\" is empty");
	return check_unique(c, run);
}

/* Google Benchmark: repetitions of one run_name become its samples; when only aggregates were
 * reported (--benchmark_report_aggregates_only), the mean/stddev/median aggregates are used. */
struct gb_group {
	double agg_mean, agg_stddev, agg_median;
	size_t repetitions;
	char *unit;
};

static int gb_add_sample(struct regress_result *r, double v)
{
	double *s = realloc(r->samples, (r->sample_cnt + 1) * sizeof(*s));

	if (!s)
		return -ENOMEM;
	r->samples = s;
	s[r->sample_cnt++] = v;
	return 0;
}

static int read_google_benchmark(struct rctx *c, json_t *root, struct regress_run *run)
{
	json_t *arr = member(root, "benchmarks");
	struct gb_group *groups = NULL;
	size_t cap = 0, i, j, n = json_array_size(arr), kept;
	char where[WHERE_LEN];
	int err = 0;

	run->format = "google-benchmark";
	groups = calloc(n ? n : 1, sizeof(*groups));
	if (!groups)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		json_t *o = json_array_get(arr, i), *rt, *ag;
		struct regress_result *r = NULL;
		struct gb_group *g;
		char *name = NULL, *unit = NULL;
		bool aggregate, errored = false;
		double t;

		where_item(where, "benchmark", i, NULL);
		if (!json_is_object(o)) {
			err = fail(c, "%s is not an object", where);
			goto cleanup;
		}
		err = get_name(c, o, member(o, "run_name") ? "run_name" : "name", where, &name);
		if (!err) {
			where_item(where, "benchmark", i, name);
			err = get_bool(c, o, "error_occurred", where, &errored);
		}
		if (!err && errored) {
			json_t *msg = member(o, "error_message");

			err = fail(c, "%s reported an error: %.80s", where,
				   json_is_string(msg) ? json_string_value(msg) : "no message");
		}
		if (!err)
			err = get_str(c, o, "time_unit", where, "ns", &unit);
		if (!err && isnan(regress_unit_seconds(unit)))
			err = fail(c, "%s: \"time_unit\" \"%.16s\" is not s, ms, us or ns", where,
				   unit);
		if (err) {
			free(name);
			free(unit);
			goto cleanup;
		}
		for (j = 0; j < run->result_cnt && strcmp(run->results[j].name, name); j++)
			;
		if (j == run->result_cnt) {
			r = run_add(run, &cap);
			if (!r) {
				free(name);
				free(unit);
				err = -ENOMEM;
				goto cleanup;
			}
			r->name = name;
			groups[j].agg_mean = groups[j].agg_stddev = groups[j].agg_median = NAN;
			groups[j].unit = unit;
			r->unit = strdup(unit);
			if (!r->unit) {
				err = -ENOMEM;
				goto cleanup;
			}
		} else {
			r = &run->results[j];
			free(name);
			if (strcmp(groups[j].unit, unit)) {
				err = fail(c, "%s: \"time_unit\" differs between its repetitions",
					   where);
				free(unit);
				goto cleanup;
			}
			free(unit);
		}
		g = &groups[j];
		rt = member(o, "run_type");
		ag = member(o, "aggregate_name");
		aggregate = json_is_string(rt) && !strcmp(json_string_value(rt), "aggregate");
		if (aggregate) {
			const char *an = json_is_string(ag) ? json_string_value(ag) : "";
			double *dst = !strcmp(an, "mean")     ? &g->agg_mean :
				      !strcmp(an, "stddev")   ? &g->agg_stddev :
				      !strcmp(an, "median")   ? &g->agg_median :
							       NULL;

			if (!dst) /* cv, BigO, RMS: not times */
				continue;
			err = get_num(c, o, "real_time", where, true, NAN, dst);
			if (!err)
				err = get_count(c, o, "repetitions", where, &g->repetitions);
			if (err)
				goto cleanup;
			continue;
		}
		err = get_pos(c, o, "real_time", where, true, &t);
		if (!err)
			err = gb_add_sample(r, t);
		if (err)
			goto cleanup;
	}
	/* turn groups into results; a group with only non-time aggregates is no benchmark */
	for (i = 0, kept = 0; i < run->result_cnt; i++) {
		struct regress_result *r = &run->results[i];
		struct gb_group *g = &groups[i];

		where_item(where, "benchmark", i, r->name);
		if (!r->sample_cnt) {
			if (isnan(g->agg_mean)) {
				regress_result_free(r);
				continue;
			}
			if (!(g->agg_mean > 0)) {
				err = fail(c, "%s: the mean is %g, but it must be positive", where,
					   g->agg_mean);
				goto cleanup;
			}
			r->value = g->agg_mean;
			r->stddev = g->agg_stddev >= 0 ? g->agg_stddev : NAN;
			r->median = g->agg_median > 0 ? g->agg_median : NAN;
			r->n = g->repetitions;
		}
		err = fill_from_samples(c, where, r);
		if (!err)
			err = add_meta(r, "tool", "google-benchmark");
		if (err)
			goto cleanup;
		if (kept != i) {
			run->results[kept] = *r;
			result_init(r);
		}
		kept++;
	}
	run->result_cnt = kept;
	if (!run->result_cnt)
		err = fail(c, "\"benchmarks\" has no timed benchmark");
cleanup:
	for (i = 0; groups && i < n; i++)
		free(groups[i].unit);
	free(groups);
	return err;
}

static int read_hyperfine(struct rctx *c, json_t *root, struct regress_run *run)
{
	json_t *arr = member(root, "results");
	char where[WHERE_LEN];
	size_t cap = 0, i;
	int err;

	run->format = "hyperfine";
	for (i = 0; i < json_array_size(arr); i++) {
		json_t *o = json_array_get(arr, i);
		struct regress_result *r = run_add(run, &cap);

		if (!r)
			return -ENOMEM;
		where_item(where, "command", i, NULL);
		if (!json_is_object(o))
			return fail(c, "%s is not an object", where);
		err = get_name(c, o, "command", where, &r->name);
		if (err)
			return err;
		where_item(where, "command", i, r->name);
		r->unit = strdup("s");
		if (!r->unit)
			return -ENOMEM;
		err = get_samples(c, member(o, "times"), "times", where, &r->samples,
				  &r->sample_cnt);
		if (err)
			return err;
		/* the times are the measurement; mean/stddev/median only stand in without them */
		if (!r->sample_cnt) {
			err = get_pos(c, o, "mean", where, true, &r->value);
			if (!err)
				err = get_nonneg(c, o, "stddev", where, NAN, &r->stddev);
			if (!err)
				err = get_pos(c, o, "median", where, false, &r->median);
			if (err)
				return err;
		}
		err = fill_from_samples(c, where, r);
		if (!err)
			err = add_meta(r, "tool", "hyperfine");
		if (err)
			return err;
	}
	if (!run->result_cnt)
		return fail(c, "\"results\" is empty");
	return check_unique(c, run);
}

static int parse_json(struct rctx *c, const char *data, size_t len, json_t **root)
{
	json_error_t jerr;

	*root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (*root)
		return 0;
	if (strstr(jerr.text, "NaN") || strstr(jerr.text, "Infinity") || strstr(jerr.text, "nan"))
		return fail(c,
			    "line %d holds NaN or Infinity, which JSON does not allow as a number",
			    jerr.line);
	if (json_error_code(&jerr) == json_error_duplicate_key)
		return fail(c, "not valid for perfan-bpf (line %d: %s)", jerr.line, jerr.text);
	return fail(c, "not JSON (line %d, column %d: %s)", jerr.line, jerr.column, jerr.text);
}

/* schema_version of a perfan-bpf file: 1; anything else is named. */
static int check_schema(struct rctx *c, json_t *root)
{
	json_t *v = member(root, "schema_version");

	if (!json_is_integer(v))
		return fail(c, "\"schema_version\" is not a whole number");
	if (json_integer_value(v) > RESULTS_SCHEMA_VERSION)
		return fail(c,
			    "schema_version %lld is newer than this perfan-bpf reads (%d); "
			    "upgrade perfan-bpf",
			    (long long)json_integer_value(v), RESULTS_SCHEMA_VERSION);
	if (json_integer_value(v) < 1)
		return fail(c, "schema_version %lld is not a valid version",
			    (long long)json_integer_value(v));
	return 0;
}

static bool is_hyperfine(json_t *root)
{
	json_t *arr = member(root, "results"), *first;

	if (!json_is_array(arr) || !json_array_size(arr))
		return false;
	first = json_array_get(arr, 0);
	return json_is_object(first) && member(first, "command");
}

int results_read_buf(const char *data, size_t len, const char *path, struct regress_run *run,
		     char errbuf[RESULTS_ERRLEN])
{
	struct rctx c = { path, errbuf };
	json_t *root = NULL;
	int err;

	memset(run, 0, sizeof(*run));
	err = parse_json(&c, data, len, &root);
	if (err)
		return err;
	run->source = strdup(path);
	if (!run->source) {
		err = -ENOMEM;
		goto cleanup;
	}
	if (!json_is_object(root)) {
		err = fail(&c, "the top level is not a JSON object, so it is no results file");
		goto cleanup;
	}
	if (json_object_get(root, "schema_version")) {
		err = check_schema(&c, root);
		if (err)
			goto cleanup;
		if (json_object_get(root, "baselines"))
			err = fail(&c, "this is a baseline file, not a results file");
		else if (json_object_get(root, "results"))
			err = read_perfan_results(&c, root, run);
		else
			err = fail(&c, "a perfan-bpf file without \"results\" (wrong schema)");
	} else if (json_is_array(member(root, "benchmarks")) &&
		   json_is_object(member(root, "context"))) {
		err = read_google_benchmark(&c, root, run);
	} else if (json_is_array(member(root, "benchmarks")) &&
		   (member(root, "machine_info") || member(root, "commit_info"))) {
		err = read_pytest_benchmark(&c, root, run);
	} else if (is_hyperfine(root)) {
		err = read_hyperfine(&c, root, run);
	} else if (json_object_get(root, "results") || json_object_get(root, "baselines")) {
		err = fail(&c, "no \"schema_version\": not a perfan-bpf results file (and not "
			       "pytest-benchmark, Google Benchmark or hyperfine JSON)");
	} else {
		err = fail(&c,
			   "not a results file perfan-bpf knows (perfan-bpf results with "
			   "schema_version, pytest-benchmark, Google Benchmark or hyperfine JSON)");
	}
cleanup:
	json_decref(root);
	if (err)
		regress_run_free(run);
	return err;
}

static int read_whole(const char *path, char **data, size_t *len, char *errbuf)
{
	size_t cap = 65536, got = 0, n;
	char *buf = NULL, *nb;
	FILE *f;
	int err = 0;

	f = fopen(path, "rb");
	if (!f)
		return fail_errno(errbuf, -errno, "open", path);
	errno = 0;
	buf = malloc(cap);
	if (!buf) {
		err = -ENOMEM;
		goto cleanup;
	}
	while ((n = fread(buf + got, 1, cap - got, f)) > 0) {
		got += n;
		if (got < cap)
			continue;
		if (cap >= RESULTS_MAX_FILE_BYTES) {
			err = -EFBIG;
			fail_errno(errbuf, err, "read", path);
			goto cleanup;
		}
		nb = realloc(buf, cap * 2);
		if (!nb) {
			err = -ENOMEM;
			goto cleanup;
		}
		buf = nb;
		cap *= 2;
	}
	if (ferror(f)) {
		err = fail_errno(errbuf, errno ? -errno : -EIO, "read", path);
		goto cleanup;
	}
	*data = buf;
	*len = got;
	buf = NULL;
cleanup:
	free(buf);
	fclose(f);
	return err;
}

int results_read_file(const char *path, struct regress_run *run, char errbuf[RESULTS_ERRLEN])
{
	char *data = NULL;
	size_t len = 0;
	int err;

	memset(run, 0, sizeof(*run));
	err = read_whole(path, &data, &len, errbuf);
	if (err)
		return err;
	err = results_read_buf(data, len, path, run, errbuf);
	free(data);
	return err;
}

static int read_history(struct rctx *c, json_t *o, const char *where, struct regress_baseline *b)
{
	json_t *arr = member(o, "history");
	char w[WHERE_LEN + 48];
	size_t i, n;
	int err;

	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return fail(c, "%s: \"history\" is not an array", where);
	n = json_array_size(arr);
	if (!n)
		return 0;
	b->history = calloc(n, sizeof(*b->history));
	if (!b->history)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(arr, i);
		struct regress_history *h = &b->history[i];
		size_t run;

		snprintf(w, sizeof(w), "%s: history entry %zu", where, i + 1);
		if (!json_is_object(e))
			return fail(c, "%s is not an object", w);
		b->history_cnt++;
		err = get_count(c, e, "run", w, &run);
		if (!err)
			err = get_pos(c, e, "mean", w, true, &h->mean);
		if (!err)
			err = get_nonneg(c, e, "stddev", w, NAN, &h->stddev);
		if (!err)
			err = get_count(c, e, "n", w, &h->n);
		if (!err)
			err = get_str(c, e, "label", w, NULL, &h->label);
		if (err)
			return err;
		h->run = run;
		if (!run || (i && run <= b->history[i - 1].run))
			return fail(
			    c, "%s: \"run\" must be positive and increase along the history", w);
	}
	return 0;
}

static int read_baseline_item(struct rctx *c, json_t *o, size_t idx, struct regress_baseline *b)
{
	json_t *q;
	char where[WHERE_LEN];
	int err;

	memset(b, 0, sizeof(*b));
	b->stddev = b->q25 = b->q50 = b->q75 = NAN;
	where_item(where, "baseline", idx, NULL);
	if (!json_is_object(o))
		return fail(c, "%s is not an object", where);
	err = get_name(c, o, "name", where, &b->name);
	if (err)
		return err;
	where_item(where, "baseline", idx, b->name);
	err = get_str(c, o, "unit", where, "", &b->unit);
	if (!err)
		err = get_pos(c, o, "mean", where, true, &b->mean);
	if (!err)
		err = get_nonneg(c, o, "stddev", where, NAN, &b->stddev);
	if (!err)
		err = get_count(c, o, "n", where, &b->n);
	if (!err)
		err = get_bool(c, o, "higher_is_better", where, &b->higher_is_better);
	if (!err)
		err = get_num(c, o, "warning_threshold", where, false, REGRESS_WARNING_DEFAULT,
			      &b->warning_threshold);
	if (!err)
		err = get_num(c, o, "critical_threshold", where, false, REGRESS_CRITICAL_DEFAULT,
			      &b->critical_threshold);
	if (!err)
		err = get_nonneg(c, o, "abs_floor", where, 0, &b->abs_floor);
	if (err)
		return err;
	if (!(b->warning_threshold > 0) || b->critical_threshold < b->warning_threshold)
		return fail(c, "%s: thresholds must satisfy 0 < warning_threshold <= "
			       "critical_threshold",
			    where);
	q = member(o, "quantiles");
	if (q && !json_is_object(q))
		return fail(c, "%s: \"quantiles\" is not an object", where);
	if (q) {
		err = get_pos(c, q, "p25", where, false, &b->q25);
		if (!err)
			err = get_pos(c, q, "p50", where, false, &b->q50);
		if (!err)
			err = get_pos(c, q, "p75", where, false, &b->q75);
		if (err)
			return err;
	}
	err = get_samples(c, member(o, "samples"), "samples", where, &b->samples, &b->sample_cnt);
	if (!err)
		err = read_history(c, o, where, b);
	return err;
}

static int cmp_baseline_name(const void *a, const void *b)
{
	return strcmp(((const struct regress_baseline *)a)->name,
		      ((const struct regress_baseline *)b)->name);
}

int baseline_read_buf(const char *data, size_t len, const char *path,
		      struct regress_baseline_set *set, char errbuf[RESULTS_ERRLEN])
{
	struct rctx c = { path, errbuf };
	json_t *root = NULL, *arr;
	size_t i, n;
	int err;

	memset(set, 0, sizeof(*set));
	err = parse_json(&c, data, len, &root);
	if (err)
		return err;
	if (!json_is_object(root)) {
		err = fail(&c, "the top level is not a JSON object, so it is no baseline file");
		goto cleanup;
	}
	if (!json_object_get(root, "schema_version")) {
		err = fail(&c, "no \"schema_version\", so it is no perfan-bpf baseline file");
		goto cleanup;
	}
	err = check_schema(&c, root);
	if (err)
		goto cleanup;
	arr = member(root, "baselines");
	if (!arr) {
		err = fail(&c, json_object_get(root, "results") ?
				       "this is a results file, not a baseline file" :
				       "no \"baselines\" array (wrong schema)");
		goto cleanup;
	}
	if (!json_is_array(arr)) {
		err = fail(&c, "\"baselines\" is not an array");
		goto cleanup;
	}
	n = json_array_size(arr);
	set->items = calloc(n ? n : 1, sizeof(*set->items));
	if (!set->items) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		set->cnt++;
		err = read_baseline_item(&c, json_array_get(arr, i), i, &set->items[i]);
		if (err)
			goto cleanup;
	}
	qsort(set->items, set->cnt, sizeof(*set->items), cmp_baseline_name);
	for (i = 1; i < set->cnt; i++) {
		if (!strcmp(set->items[i - 1].name, set->items[i].name)) {
			err = fail(&c, "benchmark \"%.80s\" appears twice", set->items[i].name);
			goto cleanup;
		}
	}
cleanup:
	json_decref(root);
	if (err)
		regress_baseline_set_free(set);
	return err;
}

int baseline_read_file(const char *path, struct regress_baseline_set *set,
		       char errbuf[RESULTS_ERRLEN])
{
	char *data = NULL;
	size_t len = 0;
	int err;

	memset(set, 0, sizeof(*set));
	err = read_whole(path, &data, &len, errbuf);
	if (err)
		return err;
	err = baseline_read_buf(data, len, path, set, errbuf);
	free(data);
	return err;
}

/* --- writers --------------------------------------------------------------------------- */

/* json_object_set_new that remembers the first failure in *err. */
static void put(json_t *obj, const char *key, json_t *v, int *err)
{
	if (!v || json_object_set_new(obj, key, v))
		*err = -ENOMEM;
}

static void put_num_opt(json_t *obj, const char *key, double v, int *err)
{
	if (isfinite(v))
		put(obj, key, json_real(v), err);
}

static json_t *num_array(const double *x, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr && i < n; i++) {
		if (json_array_append_new(arr, json_real(x[i]))) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static json_t *result_to_json(const struct regress_result *r)
{
	json_t *o = json_object(), *h, *m, *b;
	size_t i;
	int err = 0;

	if (!o)
		return NULL;
	put(o, "name", json_string(r->name), &err);
	put(o, "unit", json_string(r->unit), &err);
	put(o, "value", json_real(r->value), &err);
	put(o, "higher_is_better", json_boolean(r->higher_is_better), &err);
	put_num_opt(o, "stddev", r->stddev, &err);
	if (r->n)
		put(o, "n", json_integer((json_int_t)r->n), &err);
	put_num_opt(o, "median", r->median, &err);
	put_num_opt(o, "q25", r->q25, &err);
	put_num_opt(o, "q75", r->q75, &err);
	put_num_opt(o, "overhead", r->overhead, &err);
	if (r->sample_cnt)
		put(o, "samples", num_array(r->samples, r->sample_cnt), &err);
	if (r->bucket_cnt) {
		h = json_array();
		put(o, "histogram", h, &err);
		for (i = 0; h && !err && i < r->bucket_cnt; i++) {
			b = json_object();
			if (!b || json_array_append_new(h, b)) {
				err = -ENOMEM;
				break;
			}
			put(b, "lower", json_real(r->buckets[i].lower), &err);
			put(b, "upper", json_real(r->buckets[i].upper), &err);
			put(b, "count", json_integer((json_int_t)r->buckets[i].count), &err);
		}
	}
	if (r->meta_cnt) {
		m = json_object();
		put(o, "metadata", m, &err);
		for (i = 0; m && !err && i < r->meta_cnt; i++)
			put(m, r->meta[i].key, json_string(r->meta[i].value), &err);
	}
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int dump(json_t *root, FILE *out)
{
	int err = 0;

	if (json_dumpf(root, out, JSON_INDENT(2) | JSON_REAL_PRECISION(15)) ||
	    fputc('\n', out) == EOF)
		err = -EIO;
	return err;
}

static json_t *file_root(const char *kind, const char *key, json_t **arr)
{
	json_t *root = json_object();
	int err = 0;

	if (!root)
		return NULL;
	put(root, "schema_version", json_integer(RESULTS_SCHEMA_VERSION), &err);
	put(root, "kind", json_string(kind), &err);
	*arr = json_array();
	put(root, key, *arr, &err);
	if (err) {
		json_decref(root);
		return NULL;
	}
	return root;
}

int results_write(FILE *out, const struct regress_run *run)
{
	json_t *root, *arr;
	size_t i;
	int err = 0;

	root = file_root("perfan-results", "results", &arr);
	if (!root)
		return -ENOMEM;
	for (i = 0; i < run->result_cnt && !err; i++) {
		json_t *o = result_to_json(&run->results[i]);

		if (!o || json_array_append_new(arr, o))
			err = -ENOMEM;
	}
	if (!err)
		err = dump(root, out);
	json_decref(root);
	return err;
}

static json_t *baseline_to_json(const struct regress_baseline *b)
{
	json_t *o = json_object(), *q, *h, *e;
	size_t i;
	int err = 0;

	if (!o)
		return NULL;
	put(o, "name", json_string(b->name), &err);
	put(o, "unit", json_string(b->unit), &err);
	put(o, "higher_is_better", json_boolean(b->higher_is_better), &err);
	put(o, "mean", json_real(b->mean), &err);
	put(o, "stddev", isfinite(b->stddev) ? json_real(b->stddev) : json_null(), &err);
	put(o, "n", json_integer((json_int_t)b->n), &err);
	put(o, "warning_threshold", json_real(b->warning_threshold), &err);
	put(o, "critical_threshold", json_real(b->critical_threshold), &err);
	put(o, "abs_floor", json_real(b->abs_floor), &err);
	if (isfinite(b->q25) || isfinite(b->q50) || isfinite(b->q75)) {
		q = json_object();
		put(o, "quantiles", q, &err);
		if (q) {
			put_num_opt(q, "p25", b->q25, &err);
			put_num_opt(q, "p50", b->q50, &err);
			put_num_opt(q, "p75", b->q75, &err);
		}
	}
	if (b->sample_cnt)
		put(o, "samples", num_array(b->samples, b->sample_cnt), &err);
	h = json_array();
	put(o, "history", h, &err);
	for (i = 0; h && !err && i < b->history_cnt; i++) {
		const struct regress_history *hi = &b->history[i];

		e = json_object();
		if (!e || json_array_append_new(h, e)) {
			err = -ENOMEM;
			break;
		}
		put(e, "run", json_integer((json_int_t)hi->run), &err);
		put(e, "mean", json_real(hi->mean), &err);
		put(e, "stddev", isfinite(hi->stddev) ? json_real(hi->stddev) : json_null(), &err);
		put(e, "n", json_integer((json_int_t)hi->n), &err);
		if (hi->label)
			put(e, "label", json_string(hi->label), &err);
	}
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int baseline_write(FILE *out, const struct regress_baseline_set *set)
{
	json_t *root, *arr;
	size_t i;
	int err = 0;

	root = file_root("perfan-baseline", "baselines", &arr);
	if (!root)
		return -ENOMEM;
	for (i = 0; i < set->cnt && !err; i++) {
		json_t *o = baseline_to_json(&set->items[i]);

		if (!o || json_array_append_new(arr, o))
			err = -ENOMEM;
	}
	if (!err)
		err = dump(root, out);
	json_decref(root);
	return err;
}

static int results_writer(FILE *f, const void *arg)
{
	return results_write(f, arg);
}

static int baseline_writer(FILE *f, const void *arg)
{
	return baseline_write(f, arg);
}

/* A new 0600 file, written whole or not at all (safe_file.h) */
static int write_file(const char *path, bool force, int (*writer)(FILE *, const void *),
		      const void *arg, char *errbuf)
{
	int err = safe_file__write_atomic(path, force, writer, arg);

	if (err == -EEXIST)
		snprintf(errbuf, RESULTS_ERRLEN, "cannot write %s: %s", path,
			 SAFE_FILE_EXISTS_HINT);
	else if (err)
		fail_errno(errbuf, err, "write", path);
	return err;
}

int results_write_file(const char *path, bool force, const struct regress_run *run,
		       char errbuf[RESULTS_ERRLEN])
{
	return write_file(path, force, results_writer, run, errbuf);
}

int baseline_write_file(const char *path, bool force, const struct regress_baseline_set *set,
			char errbuf[RESULTS_ERRLEN])
{
	return write_file(path, force, baseline_writer, set, errbuf);
}
