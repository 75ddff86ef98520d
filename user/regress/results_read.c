// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Reading results and baseline files (format: docs/results-format.md): perfan-bpf's own JSON
 * with its schema_version, results and baselines; a results file of another tool is told apart
 * by its content and handed to its importer (results_import.c). */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "regress/results_doc.h"
#include "regress/results_import.h"
#include "regress/results_io.h"

/* Reading stops here: a results file is kilobytes to megabytes. */
#define RESULTS_MAX_FILE_BYTES (1ULL << 30)

static int read_perfan_results(struct results_doc *c, json_t *root, struct regress_run *run)
{
	json_t *arr = results__member(root, "results");
	char where[RESULTS_WHERE_LEN];
	size_t cap = 0, i;
	int err;

	run->format = "perfan";
	if (!json_is_array(arr))
		return results_doc__fail(c, "\"results\" is not an array");
	for (i = 0; i < json_array_size(arr); i++) {
		json_t *o = json_array_get(arr, i);
		struct regress_result *r = results__add_result(run, &cap);

		if (!r)
			return -ENOMEM;
		results__where_item(where, "result", i, NULL);
		if (!json_is_object(o))
			return results_doc__fail(c, "%s is not an object", where);
		err = results_doc__name(c, o, "name", where, &r->name);
		if (err)
			return err;
		results__where_item(where, "result", i, r->name);
		err = results_doc__str(c, o, "unit", where, "", &r->unit);
		if (!err)
			err = results_doc__pos(c, o, "value", where, false, &r->value);
		if (!err)
			err = results_doc__bool(c, o, "higher_is_better", where,
						&r->higher_is_better);
		if (!err)
			err = results_doc__nonneg(c, o, "stddev", where, NAN, &r->stddev);
		if (!err)
			err = results_doc__count(c, o, "n", where, &r->n);
		if (!err)
			err = results_doc__pos(c, o, "median", where, false, &r->median);
		if (!err)
			err = results_doc__pos(c, o, "q25", where, false, &r->q25);
		if (!err)
			err = results_doc__pos(c, o, "q75", where, false, &r->q75);
		if (!err)
			err = results_doc__nonneg(c, o, "overhead", where, NAN, &r->overhead);
		if (!err)
			err = results_doc__samples(c, results__member(o, "samples"), "samples",
						   where, &r->samples, &r->sample_cnt);
		if (!err)
			err = results_doc__bool(c, o, "samples_within_run", where,
						&r->samples_within_run);
		if (!err)
			err = results_doc__histogram(c, o, where, r);
		if (!err)
			err = results_doc__meta(c, o, where, r);
		if (err)
			return err;
		if (isnan(r->value) && !r->sample_cnt && !r->bucket_cnt)
			return results_doc__fail(c,
						 "%s has no \"value\", \"samples\" or \"histogram\"",
						 where);
		err = results_doc__fill_from_samples(c, where, r);
		if (!err)
			err = results_doc__fill_from_histogram(c, where, r);
		if (err)
			return err;
	}
	if (!run->result_cnt)
		return results_doc__fail(c, "\"results\" is empty");
	return results_doc__check_unique(c, run);
}

/* *nan (may be NULL) tells a failure for NaN or Infinity */
static int parse_json(struct results_doc *c, const char *data, size_t len, json_t **root, bool *nan)
{
	json_error_t jerr;

	*root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (*root)
		return 0;
	if (nan)
		*nan = strstr(jerr.text, "NaN") || strstr(jerr.text, "Infinity") ||
		       strstr(jerr.text, "nan");
	if (strstr(jerr.text, "NaN") || strstr(jerr.text, "Infinity") || strstr(jerr.text, "nan"))
		return results_doc__fail(
			c, "line %d holds NaN or Infinity, which JSON does not allow as a number",
			jerr.line);
	if (json_error_code(&jerr) == json_error_duplicate_key)
		return results_doc__fail(c, "not valid for perfan-bpf (line %d: %s)", jerr.line,
					 jerr.text);
	return results_doc__fail(c, "not JSON (line %d, column %d: %s)", jerr.line, jerr.column,
				 jerr.text);
}

/* Google Benchmark 1.7 writes a double that is not finite as NaN or Infinity (the cv aggregate
 * of a counter that is 0 is 0 / 0), which JSON does not allow. A copy of data with those tokens
 * outside strings made null, for its importer only; NULL when out of memory. */
static char *nan_to_null(const char *data, size_t len, size_t *out_len)
{
	static const char *const tokens[] = { "NaN", "Infinity", "-NaN", "-Infinity" };
	char *out = malloc(2 * len + 1), *o = out;
	bool in_str = false;
	size_t i = 0, k;

	if (!out)
		return NULL;
	while (i < len) {
		char ch = data[i];

		if (in_str) {
			*o++ = ch;
			if (ch == '\\' && i + 1 < len)
				*o++ = data[++i];
			else if (ch == '"')
				in_str = false;
			i++;
			continue;
		}
		for (k = 0; k < sizeof(tokens) / sizeof(tokens[0]); k++) {
			size_t tl = strlen(tokens[k]);

			if (tl <= len - i && !memcmp(data + i, tokens[k], tl))
				break;
		}
		if (k < sizeof(tokens) / sizeof(tokens[0])) {
			memcpy(o, "null", 4);
			o += 4;
			i += strlen(tokens[k]);
			continue;
		}
		in_str = ch == '"';
		*o++ = ch;
		i++;
	}
	*out_len = (size_t)(o - out);
	return out;
}

static bool is_google_benchmark(json_t *root)
{
	return json_is_array(results__member(root, "benchmarks")) &&
	       json_is_object(results__member(root, "context"));
}

/* data that failed to parse for its NaN or Infinity: Google Benchmark JSON with them made null
 * into *root (0); the original error (err) for anything else */
static int parse_google_benchmark_nan(const char *data, size_t len, json_t **root, int err)
{
	size_t clean_len;
	char *clean = nan_to_null(data, len, &clean_len);

	if (!clean)
		return -ENOMEM;
	*root = json_loadb(clean, clean_len, JSON_REJECT_DUPLICATES, NULL);
	free(clean);
	if (*root && json_is_object(*root) && !json_object_get(*root, "schema_version") &&
	    is_google_benchmark(*root))
		return 0;
	json_decref(*root);
	*root = NULL;
	return err;
}

/* schema_version of a perfan-bpf file: 1; anything else is named. */
static int check_schema(struct results_doc *c, json_t *root)
{
	json_t *v = results__member(root, "schema_version");

	if (!json_is_integer(v))
		return results_doc__fail(c, "\"schema_version\" is not a whole number");
	if (json_integer_value(v) > RESULTS_SCHEMA_VERSION)
		return results_doc__fail(c,
					 "schema_version %lld is newer than this perfan-bpf reads (%d); "
					 "upgrade perfan-bpf",
					 (long long)json_integer_value(v), RESULTS_SCHEMA_VERSION);
	if (json_integer_value(v) < 1)
		return results_doc__fail(c, "schema_version %lld is not a valid version",
					 (long long)json_integer_value(v));
	return 0;
}

static bool is_hyperfine(json_t *root)
{
	json_t *arr = results__member(root, "results"), *first;

	if (!json_is_array(arr) || !json_array_size(arr))
		return false;
	first = json_array_get(arr, 0);
	return json_is_object(first) && results__member(first, "command");
}

int results_metric__parse(const char *s, enum results_metric *out)
{
	if (!strcmp(s, "real_time"))
		*out = RESULTS_METRIC_REAL_TIME;
	else if (!strcmp(s, "cpu_time"))
		*out = RESULTS_METRIC_CPU_TIME;
	else
		return -EINVAL;
	return 0;
}

const char *results_metric__name(enum results_metric m)
{
	return m == RESULTS_METRIC_CPU_TIME ? "cpu_time" : "real_time";
}

/* --metric cpu_time asks for a time only Google Benchmark records */
static int only_real_time(struct results_doc *c, const char *what)
{
	if (c->metric == RESULTS_METRIC_REAL_TIME)
		return 0;
	return results_doc__fail(c,
				 "%s has no CPU time per run, only wall-clock time; drop --metric "
				 "cpu_time, or pass Google Benchmark JSON",
				 what);
}

int results__read_buf(const char *data, size_t len, const char *path, struct regress_run *run,
		      struct errtext *why)
{
	return results__read_buf_opts(data, len, path, NULL, run, why);
}

int results__read_buf_opts(const char *data, size_t len, const char *path,
			   const struct results_read_opts *opts, struct regress_run *run,
			   struct errtext *why)
{
	struct results_doc c = { path, why, opts ? opts->metric : RESULTS_METRIC_REAL_TIME };
	json_t *root = NULL;
	bool nan = false;
	int err;

	memset(run, 0, sizeof(*run));
	err = parse_json(&c, data, len, &root, &nan);
	if (err && nan)
		err = parse_google_benchmark_nan(data, len, &root, err);
	if (err)
		return err;
	run->source = strdup(path);
	if (!run->source) {
		err = -ENOMEM;
		goto cleanup;
	}
	if (!json_is_object(root)) {
		err = results_doc__fail(&c,
					"the top level is not a JSON object, so it is no results file");
		goto cleanup;
	}
	if (json_object_get(root, "schema_version")) {
		err = check_schema(&c, root);
		if (err)
			goto cleanup;
		if (json_object_get(root, "baselines"))
			err = results_doc__fail(&c, "this is a baseline file, not a results file");
		else if (json_object_get(root, "results"))
			err = only_real_time(&c, "a perfan-bpf results file")
				      ?: read_perfan_results(&c, root, run);
		else
			err = results_doc__fail(&c,
						"a perfan-bpf file without \"results\" (wrong schema)");
	} else if (is_google_benchmark(root)) {
		err = results_doc__import_google_benchmark(&c, root, run);
	} else if (json_is_array(results__member(root, "benchmarks")) &&
		   (results__member(root, "machine_info") ||
		    results__member(root, "commit_info"))) {
		err = only_real_time(&c, "pytest-benchmark JSON")
			      ?: results_doc__import_pytest_benchmark(&c, root, run);
	} else if (is_hyperfine(root)) {
		err = only_real_time(&c, "hyperfine JSON")
			      ?: results_doc__import_hyperfine(&c, root, run);
	} else if (json_object_get(root, "results") || json_object_get(root, "baselines")) {
		err = results_doc__fail(&c,
					"no \"schema_version\": not a perfan-bpf results file (and not "
					"pytest-benchmark, Google Benchmark or hyperfine JSON)");
	} else {
		err = results_doc__fail(
			&c,
			"not a results file perfan-bpf knows (perfan-bpf results with "
			"schema_version, pytest-benchmark, Google Benchmark or hyperfine JSON)");
	}
cleanup:
	json_decref(root);
	if (err)
		regress_run__free(run);
	return err;
}

static int read_whole(const char *path, char **data, size_t *len, struct errtext *why)
{
	size_t cap = 65536, got = 0, n;
	char *buf = NULL;
	FILE *f;
	int err = 0;

	f = fopen(path, "rb");
	if (!f)
		return results__fail_errno(why, -errno, "open", path);
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
			results__fail_errno(why, err, "read", path);
			goto cleanup;
		}
		if (ARRAY_GROW(buf, cap, got + 1, 65536)) {
			err = -ENOMEM;
			goto cleanup;
		}
	}
	if (ferror(f)) {
		err = results__fail_errno(why, errno ? -errno : -EIO, "read", path);
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

int results__read_file(const char *path, struct regress_run *run, struct errtext *why)
{
	return results__read_file_opts(path, NULL, run, why);
}

int results__read_file_opts(const char *path, const struct results_read_opts *opts,
			    struct regress_run *run, struct errtext *why)
{
	char *data = NULL;
	size_t len = 0;
	int err;

	memset(run, 0, sizeof(*run));
	err = read_whole(path, &data, &len, why);
	if (err)
		return err;
	err = results__read_buf_opts(data, len, path, opts, run, why);
	free(data);
	return err;
}

static int read_history(struct results_doc *c, json_t *o, const char *where,
			struct regress_baseline *b)
{
	json_t *arr = results__member(o, "history");
	char w[RESULTS_WHERE_LEN + 48];
	size_t i, n;
	int err;

	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return results_doc__fail(c, "%s: \"history\" is not an array", where);
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
			return results_doc__fail(c, "%s is not an object", w);
		b->history_cnt++;
		err = results_doc__count(c, e, "run", w, &run);
		if (!err)
			err = results_doc__pos(c, e, "mean", w, true, &h->mean);
		if (!err)
			err = results_doc__nonneg(c, e, "stddev", w, NAN, &h->stddev);
		if (!err)
			err = results_doc__count(c, e, "n", w, &h->n);
		if (!err)
			err = results_doc__str(c, e, "label", w, NULL, &h->label);
		if (err)
			return err;
		h->run = run;
		if (!run || (i && run <= b->history[i - 1].run))
			return results_doc__fail(
				c, "%s: \"run\" must be positive and increase along the history",
				w);
	}
	return 0;
}

static int read_baseline_item(struct results_doc *c, json_t *o, size_t idx,
			      struct regress_baseline *b)
{
	json_t *q;
	char where[RESULTS_WHERE_LEN];
	int err;

	memset(b, 0, sizeof(*b));
	b->stddev = b->q25 = b->q50 = b->q75 = NAN;
	results__where_item(where, "baseline", idx, NULL);
	if (!json_is_object(o))
		return results_doc__fail(c, "%s is not an object", where);
	err = results_doc__name(c, o, "name", where, &b->name);
	if (err)
		return err;
	results__where_item(where, "baseline", idx, b->name);
	err = results_doc__str(c, o, "unit", where, "", &b->unit);
	if (!err)
		err = results_doc__pos(c, o, "mean", where, true, &b->mean);
	if (!err)
		err = results_doc__nonneg(c, o, "stddev", where, NAN, &b->stddev);
	if (!err)
		err = results_doc__count(c, o, "n", where, &b->n);
	if (!err)
		err = results_doc__bool(c, o, "higher_is_better", where, &b->higher_is_better);
	if (!err)
		err = results_doc__num(c, o, "warning_threshold", where, false,
				       REGRESS_WARNING_DEFAULT, &b->warning_threshold);
	if (!err)
		err = results_doc__num(c, o, "critical_threshold", where, false,
				       REGRESS_CRITICAL_DEFAULT, &b->critical_threshold);
	if (!err)
		err = results_doc__nonneg(c, o, "abs_floor", where, 0, &b->abs_floor);
	if (err)
		return err;
	if (!(b->warning_threshold > 0) || b->critical_threshold < b->warning_threshold)
		return results_doc__fail(c,
					 "%s: thresholds must satisfy 0 < warning_threshold <= "
					 "critical_threshold",
					 where);
	q = results__member(o, "quantiles");
	if (q && !json_is_object(q))
		return results_doc__fail(c, "%s: \"quantiles\" is not an object", where);
	if (q) {
		err = results_doc__pos(c, q, "p25", where, false, &b->q25);
		if (!err)
			err = results_doc__pos(c, q, "p50", where, false, &b->q50);
		if (!err)
			err = results_doc__pos(c, q, "p75", where, false, &b->q75);
		if (err)
			return err;
	}
	err = results_doc__samples(c, results__member(o, "samples"), "samples", where, &b->samples,
				   &b->sample_cnt);
	if (!err)
		err = read_history(c, o, where, b);
	return err;
}

static int cmp_baseline_name(const void *a, const void *b)
{
	return strcmp(((const struct regress_baseline *)a)->name,
		      ((const struct regress_baseline *)b)->name);
}

int baseline__read_buf(const char *data, size_t len, const char *path,
		       struct regress_baseline_set *set, struct errtext *why)
{
	struct results_doc c = { path, why, RESULTS_METRIC_REAL_TIME };
	json_t *root = NULL, *arr;
	size_t i, n;
	int err;

	memset(set, 0, sizeof(*set));
	err = parse_json(&c, data, len, &root, NULL);
	if (err)
		return err;
	if (!json_is_object(root)) {
		err = results_doc__fail(
			&c, "the top level is not a JSON object, so it is no baseline file");
		goto cleanup;
	}
	if (!json_object_get(root, "schema_version")) {
		err = results_doc__fail(&c,
					"no \"schema_version\", so it is no perfan-bpf baseline file");
		goto cleanup;
	}
	err = check_schema(&c, root);
	if (err)
		goto cleanup;
	arr = results__member(root, "baselines");
	if (!arr) {
		err = results_doc__fail(&c, json_object_get(root, "results")
						    ? "this is a results file, not a baseline file"
						    : "no \"baselines\" array (wrong schema)");
		goto cleanup;
	}
	if (!json_is_array(arr)) {
		err = results_doc__fail(&c, "\"baselines\" is not an array");
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
			err = results_doc__fail(&c, "benchmark \"%.80s\" appears twice",
						set->items[i].name);
			goto cleanup;
		}
	}
cleanup:
	json_decref(root);
	if (err)
		regress_baseline_set__free(set);
	return err;
}

int baseline__read_file(const char *path, struct regress_baseline_set *set, struct errtext *why)
{
	char *data = NULL;
	size_t len = 0;
	int err;

	memset(set, 0, sizeof(*set));
	err = read_whole(path, &data, &len, why);
	if (err)
		return err;
	err = baseline__read_buf(data, len, path, set, why);
	free(data);
	return err;
}
