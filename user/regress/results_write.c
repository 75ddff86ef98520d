// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Writing results and baseline files in perfan-bpf's own format (docs/results-format.md): one
 * writer path builds the document of either kind (schema_version, kind, one array item per
 * result or baseline) and prints it with keys in a fixed order and 15 significant digits. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>

#include "lib/json_put.h"
#include "lib/safe_file.h"
#include "regress/results_doc.h"
#include "regress/results_io.h"

static void put_num_opt(json_t *obj, const char *key, double v, int *err)
{
	if (isfinite(v))
		json__put(obj, key, json_real(v), err);
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

/* A metadata value as it was: a string, or the number (boolean, object) its JSON text holds;
 * text that does not parse, which no reader makes, is kept as a string. */
static json_t *meta_value(const struct regress_meta *m)
{
	json_t *v;

	if (m->value)
		return json_string(m->value);
	v = json_loads(m->json, JSON_DECODE_ANY, NULL);
	return v ? v : json_string(m->json);
}

static json_t *result_to_json(const struct regress_result *r)
{
	json_t *o = json_object(), *h, *m, *b;
	size_t i;
	int err = 0;

	if (!o)
		return NULL;
	json__put(o, "name", json_string(r->name), &err);
	json__put(o, "unit", json_string(r->unit), &err);
	json__put(o, "value", json_real(r->value), &err);
	json__put(o, "higher_is_better", json_boolean(r->higher_is_better), &err);
	put_num_opt(o, "stddev", r->stddev, &err);
	if (r->n)
		json__put(o, "n", json_integer((json_int_t)r->n), &err);
	put_num_opt(o, "median", r->median, &err);
	put_num_opt(o, "q25", r->q25, &err);
	put_num_opt(o, "q75", r->q75, &err);
	put_num_opt(o, "overhead", r->overhead, &err);
	if (r->sample_cnt)
		json__put(o, "samples", num_array(r->samples, r->sample_cnt), &err);
	if (r->samples_within_run)
		json__put(o, "samples_within_run", json_true(), &err);
	if (r->bucket_cnt) {
		h = json_array();
		json__put(o, "histogram", h, &err);
		for (i = 0; h && !err && i < r->bucket_cnt; i++) {
			b = json_object();
			if (!b || json_array_append_new(h, b)) {
				err = -ENOMEM;
				break;
			}
			json__put(b, "lower", json_real(r->buckets[i].lower), &err);
			json__put(b, "upper", json_real(r->buckets[i].upper), &err);
			json__put(b, "count", json_integer((json_int_t)r->buckets[i].count), &err);
		}
	}
	if (r->meta_cnt) {
		m = json_object();
		json__put(o, "metadata", m, &err);
		for (i = 0; m && !err && i < r->meta_cnt; i++)
			json__put(m, r->meta[i].key, meta_value(&r->meta[i]), &err);
	}
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *baseline_to_json(const struct regress_baseline *b)
{
	json_t *o = json_object(), *q, *h, *e;
	size_t i;
	int err = 0;

	if (!o)
		return NULL;
	json__put(o, "name", json_string(b->name), &err);
	json__put(o, "unit", json_string(b->unit), &err);
	json__put(o, "higher_is_better", json_boolean(b->higher_is_better), &err);
	json__put(o, "mean", json_real(b->mean), &err);
	json__put(o, "stddev", isfinite(b->stddev) ? json_real(b->stddev) : json_null(), &err);
	json__put(o, "n", json_integer((json_int_t)b->n), &err);
	json__put(o, "warning_threshold", json_real(b->warning_threshold), &err);
	json__put(o, "critical_threshold", json_real(b->critical_threshold), &err);
	json__put(o, "abs_floor", json_real(b->abs_floor), &err);
	if (isfinite(b->q25) || isfinite(b->q50) || isfinite(b->q75)) {
		q = json_object();
		json__put(o, "quantiles", q, &err);
		if (q) {
			put_num_opt(q, "p25", b->q25, &err);
			put_num_opt(q, "p50", b->q50, &err);
			put_num_opt(q, "p75", b->q75, &err);
		}
	}
	if (b->sample_cnt)
		json__put(o, "samples", num_array(b->samples, b->sample_cnt), &err);
	h = json_array();
	json__put(o, "history", h, &err);
	for (i = 0; h && !err && i < b->history_cnt; i++) {
		const struct regress_history *hi = &b->history[i];

		e = json_object();
		if (!e || json_array_append_new(h, e)) {
			err = -ENOMEM;
			break;
		}
		json__put(e, "run", json_integer((json_int_t)hi->run), &err);
		json__put(e, "mean", json_real(hi->mean), &err);
		json__put(e, "stddev", isfinite(hi->stddev) ? json_real(hi->stddev) : json_null(),
			  &err);
		json__put(e, "n", json_integer((json_int_t)hi->n), &err);
		if (hi->label)
			json__put(e, "label", json_string(hi->label), &err);
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
	json__put(root, "schema_version", json_integer(RESULTS_SCHEMA_VERSION), &err);
	json__put(root, "kind", json_string(kind), &err);
	*arr = json_array();
	json__put(root, key, *arr, &err);
	if (err) {
		json_decref(root);
		return NULL;
	}
	return root;
}

/* What a file holds: its kind, the key of its array and how its i-th item becomes JSON */
struct file_kind {
	const char *kind;
	const char *key;
	json_t *(*item_to_json)(const void *items, size_t i);
};

/* One file to write: its kind and its items */
struct file_data {
	const struct file_kind *kind;
	const void *items;
	size_t cnt;
};

static json_t *result_item(const void *items, size_t i)
{
	return result_to_json((const struct regress_result *)items + i);
}

static json_t *baseline_item(const void *items, size_t i)
{
	return baseline_to_json((const struct regress_baseline *)items + i);
}

static const struct file_kind results_kind = { "perfan-results", "results", result_item };
static const struct file_kind baseline_kind = { "perfan-baseline", "baselines", baseline_item };

/* The one writer path, with the signature safe_file__write_atomic calls: arg is a file_data. */
static int file_write(FILE *out, const void *arg)
{
	const struct file_data *d = arg;
	json_t *root, *arr;
	size_t i;
	int err = 0;

	root = file_root(d->kind->kind, d->kind->key, &arr);
	if (!root)
		return -ENOMEM;
	for (i = 0; i < d->cnt && !err; i++) {
		json_t *o = d->kind->item_to_json(d->items, i);

		if (!o || json_array_append_new(arr, o))
			err = -ENOMEM;
	}
	if (!err)
		err = dump(root, out);
	json_decref(root);
	return err;
}

/* A new 0600 file, written whole or not at all (safe_file.h) */
static int file_write_path(const char *path, bool force, const struct file_data *d,
			   struct errtext *why)
{
	int err = safe_file__write_atomic(path, force, file_write, d);

	if (err == -EEXIST) {
		errtext__set(why, "cannot write %s: %s", path, SAFE_FILE_EXISTS_HINT);
		errtext__cut(why, REGRESS_ERRLEN - 1);
	} else if (err) {
		results__fail_errno(why, err, "write", path);
	}
	return err;
}

int results__write(FILE *out, const struct regress_run *run)
{
	struct file_data d = { &results_kind, run->results, run->result_cnt };

	return file_write(out, &d);
}

int results__write_file(const char *path, bool force, const struct regress_run *run,
			struct errtext *why)
{
	struct file_data d = { &results_kind, run->results, run->result_cnt };

	return file_write_path(path, force, &d, why);
}

int baseline__write(FILE *out, const struct regress_baseline_set *set)
{
	struct file_data d = { &baseline_kind, set->items, set->cnt };

	return file_write(out, &d);
}

int baseline__write_file(const char *path, bool force, const struct regress_baseline_set *set,
			 struct errtext *why)
{
	struct file_data d = { &baseline_kind, set->items, set->cnt };

	return file_write_path(path, force, &d, why);
}
