// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of user/regress/results_*.c: importing real output of pytest-benchmark, Google
 * Benchmark and hyperfine (tests/fixtures/regress/, produced by gen/generate.sh with the Debian
 * packages), detection by content, perfan-bpf's own results and baseline files (round trip,
 * byte-stable output), and files that must be refused with one sentence naming the file and the
 * problem. Expected values are read from the fixture with plain jansson lookups (the tool's own
 * fields), so the tests stay valid when the fixtures are regenerated; structure (names, units,
 * counts set by generate.sh) is written out. Run from the top of the tree (make unit does). */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "regress/regress.h"
#include "regress/results_io.h"

#define FIX "tests/fixtures/regress/"

static void assert_close(double got, double want, double rel, const char *what)
{
	double tol = rel * fmax(fabs(want), 1e-300);

	if (!(fabs(got - want) <= tol)) {
		print_error("%s: got %.17g, want %.17g (rel. tol. %g)\n", what, got, want, rel);
		fail();
	}
}

static json_t *load(const char *path)
{
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);

	if (!j)
		print_error("%s: %s\n", path, e.text);
	assert_non_null(j);
	return j;
}

/* A Google Benchmark file that may hold NaN (its cv of a zero counter), NaN made null */
static json_t *load_gb(const char *path)
{
	FILE *f = fopen(path, "rb");
	char buf[1 << 16], *o = buf, *p;
	size_t n;
	json_t *j;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) / 2, f);
	fclose(f);
	assert_true(n < sizeof(buf) / 2);
	buf[n] = '\0';
	while ((p = strstr(o, "NaN"))) {
		memmove(p + 4, p + 3, strlen(p + 3) + 1);
		memcpy(p, "null", 4);
		o = p + 4;
	}
	j = json_loads(buf, 0, NULL);
	assert_non_null(j);
	return j;
}

static double jnum(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	assert_true(json_is_number(v));
	return json_number_value(v);
}

/* A metadata value as text: a string's text, or the JSON text of a number (regress.h) */
static const char *meta(const struct regress_result *r, const char *key)
{
	for (size_t i = 0; i < r->meta_cnt; i++)
		if (!strcmp(r->meta[i].key, key))
			return r->meta[i].value ? r->meta[i].value : r->meta[i].json;
	return NULL;
}

static void test_pytest_benchmark(void **state)
{
	const char *names[] = { "test_fx.py::test_fib_15", "test_fx.py::test_sort_1k",
				"test_fx.py::test_sleep_1ms" };
	struct regress_run run;
	struct errtext err;
	json_t *root, *bs;

	(void)state;
	assert_int_equal(results__read_file(FIX "pytest_benchmark.json", &run, &err), 0);
	assert_string_equal(run.format, "pytest-benchmark");
	root = load(FIX "pytest_benchmark.json");
	bs = json_object_get(root, "benchmarks");
	assert_int_equal(run.result_cnt, 3);
	for (size_t i = 0; i < 3; i++) {
		const struct regress_result *r = &run.results[i];
		json_t *st = json_object_get(json_array_get(bs, i), "stats");
		json_t *data = json_object_get(st, "data");

		assert_string_equal(r->name, names[i]);
		assert_string_equal(r->unit, "s");
		assert_false(r->higher_is_better);
		assert_close(r->value, jnum(st, "mean"), 0, "mean");
		assert_close(r->stddev, jnum(st, "stddev"), 0, "stddev");
		assert_close(r->median, jnum(st, "median"), 0, "median");
		assert_close(r->q25, jnum(st, "q1"), 0, "q1");
		assert_int_equal(r->n, (size_t)jnum(st, "rounds"));
		/* each round's time is a sample */
		assert_int_equal(r->sample_cnt, json_array_size(data));
		assert_true(r->sample_cnt >= 10);
		for (size_t k = 0; k < r->sample_cnt; k++)
			assert_close(r->samples[k], json_number_value(json_array_get(data, k)), 0,
				     "round time");
		assert_string_equal(meta(r, "tool"), "pytest-benchmark");
	}
	json_decref(root);
	regress_run__free(&run);
}

static void test_google_benchmark_repetitions(void **state)
{
	const char *names[] = { "BM_StringCopy/64", "BM_StringCopy/4096", "BM_Sort" };
	const char *units[] = { "ns", "ns", "us" };
	size_t seen[3] = { 0 };
	double sum[3] = { 0 };
	struct regress_run run;
	struct errtext err;
	json_t *root, *bs, *b;
	size_t i;

	(void)state;
	assert_int_equal(results__read_file(FIX "google_benchmark.json", &run, &err), 0);
	assert_string_equal(run.format, "google-benchmark");
	assert_int_equal(run.result_cnt, 3);
	root = load(FIX "google_benchmark.json");
	bs = json_object_get(root, "benchmarks");
	/* --benchmark_repetitions=5: the five iteration runs are the samples; the mean, median,
	 * stddev and cv aggregates in the same file are not */
	json_array_foreach(bs, i, b)
	{
		const char *rn = json_string_value(json_object_get(b, "run_name"));
		size_t k;

		if (strcmp(json_string_value(json_object_get(b, "run_type")), "iteration"))
			continue;
		for (k = 0; k < 3 && strcmp(names[k], rn); k++)
			;
		assert_true(k < 3);
		assert_close(run.results[k].samples[seen[k]++], jnum(b, "real_time"), 0,
			     "repetition real_time");
		sum[k] += jnum(b, "real_time");
	}
	for (size_t k = 0; k < 3; k++) {
		const struct regress_result *r = &run.results[k];

		assert_string_equal(r->name, names[k]);
		assert_string_equal(r->unit, units[k]);
		assert_int_equal(r->sample_cnt, 5);
		assert_int_equal(seen[k], 5);
		assert_close(r->value, sum[k] / 5, 1e-14, "mean of the repetitions");
		assert_string_equal(meta(r, "tool"), "google-benchmark");
	}
	json_decref(root);
	regress_run__free(&run);
}

static void test_google_benchmark_aggregates(void **state)
{
	struct regress_run run;
	struct errtext err;
	json_t *root, *bs, *b;
	size_t i;

	(void)state;
	assert_int_equal(results__read_file(FIX "google_benchmark_aggregates.json", &run, &err), 0);
	assert_int_equal(run.result_cnt, 3);
	root = load(FIX "google_benchmark_aggregates.json");
	bs = json_object_get(root, "benchmarks");
	/* --benchmark_report_aggregates_only: a summary (mean, stddev, median, n) per benchmark */
	json_array_foreach(bs, i, b)
	{
		const char *an = json_string_value(json_object_get(b, "aggregate_name"));
		const struct regress_result *r = &run.results[i / 4];

		assert_string_equal(r->name, json_string_value(json_object_get(b, "run_name")));
		assert_int_equal(r->sample_cnt, 0);
		assert_int_equal(r->n, 4);
		if (!strcmp(an, "mean"))
			assert_close(r->value, jnum(b, "real_time"), 0, "mean aggregate");
		else if (!strcmp(an, "stddev"))
			assert_close(r->stddev, jnum(b, "real_time"), 0, "stddev aggregate");
		else if (!strcmp(an, "median"))
			assert_close(r->median, jnum(b, "real_time"), 0, "median aggregate");
	}
	json_decref(root);
	regress_run__free(&run);
}

static void check_hyperfine(const char *path, const char *const *names, size_t cnt, size_t runs)
{
	struct regress_run run;
	struct errtext err;
	json_t *root, *rs;

	assert_int_equal(results__read_file(path, &run, &err), 0);
	assert_string_equal(run.format, "hyperfine");
	assert_int_equal(run.result_cnt, cnt);
	root = load(path);
	rs = json_object_get(root, "results");
	for (size_t i = 0; i < cnt; i++) {
		const struct regress_result *r = &run.results[i];
		json_t *o = json_array_get(rs, i), *times = json_object_get(o, "times");

		assert_string_equal(r->name, names[i]);
		assert_string_equal(r->unit, "s");
		/* every timed run is a sample; the value is their mean, as hyperfine's own */
		assert_int_equal(r->sample_cnt, runs);
		for (size_t k = 0; k < runs; k++)
			assert_close(r->samples[k], json_number_value(json_array_get(times, k)), 0,
				     "time");
		assert_close(r->value, jnum(o, "mean"), 1e-12, "mean of the times");
		assert_close(r->median, jnum(o, "median"), 1e-12, "median of the times");
	}
	json_decref(root);
	regress_run__free(&run);
}

static void test_hyperfine(void **state)
{
	const char *two[] = { "sleep 0.01", "true" };
	const char *params[] = { "sleep 0.001", "sleep 0.002" };
	const char *named[] = { "sleep" };

	(void)state;
	check_hyperfine(FIX "hyperfine.json", two, 2, 10);
	check_hyperfine(FIX "hyperfine_params.json", params, 2, 5);
	check_hyperfine(FIX "hyperfine_base.json", named, 1, 10);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void test_detected_by_content(void **state)
{
	const char *files[] = { "pytest_benchmark.json", "google_benchmark.json", "hyperfine.json",
				"perfan_results.json" };
	const char *formats[] = { "pytest-benchmark", "google-benchmark", "hyperfine", "perfan" };
	struct regress_run run;
	struct errtext err;
	char path[256];

	(void)state;
	/* the name given says nothing: the content decides */
	for (size_t i = 0; i < 4; i++) {
		size_t len;
		char *data;

		snprintf(path, sizeof(path), FIX "%s", files[i]);
		data = slurp(path, &len);
		assert_int_equal(results__read_buf(data, len, "results.txt", &run, &err), 0);
		assert_string_equal(run.format, formats[i]);
		assert_string_equal(run.source, "results.txt");
		regress_run__free(&run);
		free(data);
	}
}

static int read_str(const char *json, struct regress_run *run, struct errtext *err)
{
	return results__read_buf(json, strlen(json), "mem.json", run, err);
}

static void test_perfan_results_fields(void **state)
{
	const char *doc =
		"{\"schema_version\": 1, \"kind\": \"perfan-results\", \"results\": ["
		"{\"name\": \"rps\", \"unit\": \"req/s\", \"value\": 5000, \"higher_is_better\": true,"
		" \"stddev\": 50, \"n\": 7, \"metadata\": {\"host\": \"ci-3\", \"cores\": 8}},"
		"{\"name\": \"hist\", \"unit\": \"us\", \"histogram\": ["
		" {\"lower\": 0, \"upper\": 2, \"count\": 1}, {\"lower\": 2, \"upper\": 4, \"count\": "
		"2},"
		" {\"lower\": 4, \"upper\": 6, \"count\": 1}], \"overhead\": 0.4}]}";
	struct regress_run run;
	struct errtext err;

	(void)state;
	assert_int_equal(read_str(doc, &run, &err), 0);
	assert_int_equal(run.result_cnt, 2);
	assert_true(run.results[0].higher_is_better);
	assert_string_equal(run.results[0].unit, "req/s");
	assert_int_equal(run.results[0].n, 7);
	assert_string_equal(meta(&run.results[0], "host"), "ci-3");
	assert_string_equal(meta(&run.results[0], "cores"), "8");
	/* [hand] a histogram without a value: midpoints 1, 3, 5 with counts 1, 2, 1 give mean 3,
	 * stddev sqrt((4 + 0 + 4) / 3), n 4; the median (half = 2 of 4) lies in bucket [2, 4)
	 * after 1 count: 2 + 2 * (2 - 1) / 2 = 3 */
	assert_close(run.results[1].value, 3, 1e-15, "histogram mean");
	assert_close(run.results[1].stddev, sqrt(8.0 / 3), 1e-15, "histogram stddev");
	assert_close(run.results[1].median, 3, 1e-15, "histogram median");
	assert_int_equal(run.results[1].n, 4);
	assert_int_equal(run.results[1].bucket_cnt, 3);
	assert_close(run.results[1].overhead, 0.4, 0, "overhead");
	regress_run__free(&run);
}

/* not inlined: gcc 12 then takes buf, which open_memstream updates, for a dangling pointer */
__attribute__((noinline)) static char *write_mem(int (*writer)(FILE *, const void *),
						 const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(writer(f, arg), 0);
	fclose(f);
	return buf;
}

static int wr_results(FILE *f, const void *a)
{
	return results__write(f, a);
}

static int wr_baseline(FILE *f, const void *a)
{
	return baseline__write(f, a);
}

static void test_round_trip(void **state)
{
	struct regress_run run, again;
	struct regress_baseline_set set = {}, set2;
	struct errtext err;
	char *a, *b;

	(void)state;
	/* an import written in perfan-bpf's format reads back the same, byte for byte */
	assert_int_equal(results__read_file(FIX "hyperfine.json", &run, &err), 0);
	a = write_mem(wr_results, &run);
	assert_int_equal(read_str(a, &again, &err), 0);
	assert_string_equal(again.format, "perfan");
	assert_int_equal(again.result_cnt, run.result_cnt);
	for (size_t i = 0; i < run.result_cnt; i++) {
		assert_string_equal(again.results[i].name, run.results[i].name);
		assert_int_equal(again.results[i].sample_cnt, run.results[i].sample_cnt);
		assert_close(again.results[i].value, run.results[i].value, 1e-14, "value");
		assert_close(again.results[i].samples[3], run.results[i].samples[3], 1e-14,
			     "sample");
	}
	b = write_mem(wr_results, &again);
	assert_string_equal(a, b);
	free(a);
	free(b);
	regress_run__free(&again);

	/* a baseline with history and a label */
	assert_int_equal(regress_baseline_set__update(&set, &run, "v1.2", 10, &err), 0);
	assert_int_equal(regress_baseline_set__update(&set, &run, NULL, 10, &err), 0);
	set.items[0].abs_floor = 0.0005;
	a = write_mem(wr_baseline, &set);
	assert_int_equal(baseline__read_buf(a, strlen(a), "b.json", &set2, &err), 0);
	assert_int_equal(set2.cnt, 2);
	assert_string_equal(set2.items[0].name, "sleep 0.01");
	assert_int_equal(set2.items[0].history_cnt, 2);
	assert_string_equal(set2.items[0].history[0].label, "v1.2");
	assert_null(set2.items[0].history[1].label);
	assert_int_equal(set2.items[0].history[1].run, 2);
	assert_int_equal(set2.items[0].sample_cnt, 10);
	assert_close(set2.items[0].abs_floor, 0.0005, 1e-15, "abs floor");
	assert_close(set2.items[0].warning_threshold, 0.10, 0, "warning");
	b = write_mem(wr_baseline, &set2);
	assert_string_equal(a, b);
	free(a);
	free(b);
	regress_baseline_set__free(&set2);
	regress_baseline_set__free(&set);
	regress_run__free(&run);
}

/* A bad file gives -EINVAL and one sentence naming the file and containing `want`. */
static void bad_results(const char *path, const char *want)
{
	struct regress_run run;
	struct errtext err = {};

	assert_int_equal(results__read_file(path, &run, &err), -EINVAL);
	if (!strstr(err.msg, path) || !strstr(err.msg, want) || strchr(err.msg, '\n')) {
		print_error("%s: message '%s' lacks '%s'\n", path, err.msg, want);
		fail();
	}
	assert_int_equal(run.result_cnt, 0);
}

static void bad_baseline(const char *path, const char *want)
{
	struct regress_baseline_set set;
	struct errtext err = {};

	assert_int_equal(baseline__read_file(path, &set, &err), -EINVAL);
	if (!strstr(err.msg, path) || !strstr(err.msg, want) || strchr(err.msg, '\n')) {
		print_error("%s: message '%s' lacks '%s'\n", path, err.msg, want);
		fail();
	}
}

static void bad_buf(const char *doc, const char *want)
{
	struct regress_run run;
	struct errtext err = {};

	assert_int_equal(read_str(doc, &run, &err), -EINVAL);
	if (!strstr(err.msg, "mem.json: ") || !strstr(err.msg, want) || strchr(err.msg, '\n')) {
		print_error("'%s': message '%s' lacks '%s'\n", doc, err.msg, want);
		fail();
	}
}

static void test_bad_files(void **state)
{
	struct regress_run run;
	struct errtext err;

	(void)state;
	bad_results(FIX "bad_not_json.json", "not JSON");
	bad_results(FIX "bad_nan.json", "NaN");
	bad_results(FIX "bad_wrong_schema.json", "wrong schema");
	bad_results(FIX "bad_schema_version.json", "schema_version 2");
	bad_results(FIX "bad_zero_mean.json", "\"mean\" is 0");
	bad_results(FIX "bad_pytest_zero_mean.json", "\"mean\" is 0");
	bad_results(FIX "bad_negative_value.json", "\"value\" is -2.5");
	bad_results(FIX "bad_baseline_zero_mean.json", "baseline file, not a results file");
	bad_baseline(FIX "bad_baseline_zero_mean.json", "\"mean\" is 0");
	bad_baseline(FIX "bad_baseline_negative_mean.json", "\"mean\" is -1");
	bad_baseline(FIX "bad_negative_value.json", "results file, not a baseline file");
	bad_baseline(FIX "bad_not_json.json", "not JSON");
	bad_baseline(FIX "bad_nan.json", "NaN");
	bad_baseline(FIX "hyperfine.json", "schema_version");

	bad_buf("[1, 2]", "not a JSON object");
	/* one line even when the input puts a newline into the message (found by fuzzing: the
	 * parser quotes the input near the error) */
	bad_buf("\" \\\n results\": []", "invalid escape");
	bad_buf("{\"schema_version\": 1, \"results\": [{\"name\": \"a\\nb\"}]}", "(\"a?b\")");
	bad_buf("{}", "not a results file perfan-bpf knows");
	bad_buf("{\"results\": [{\"name\": \"a\", \"value\": 1}]}", "no \"schema_version\"");
	bad_buf("{\"schema_version\": 1, \"results\": []}", "empty");
	bad_buf("{\"schema_version\": 1, \"results\": [{\"value\": 1}]}", "no \"name\"");
	bad_buf("{\"schema_version\": 1, \"results\": [{\"name\": \"a\"}]}", "no \"value\"");
	bad_buf("{\"schema_version\": 1, \"results\": [{\"name\": \"a\", \"value\": \"fast\"}]}",
		"not a number");
	bad_buf("{\"schema_version\": 1, \"results\": [{\"name\": \"a\", \"value\": 1e999}]}",
		"not JSON");
	bad_buf("{\"schema_version\": 1, \"results\": [{\"name\": \"a\", \"value\": 1,"
		" \"samples\": [1, 0]}]}",
		"item 2 is 0");
	bad_buf("{\"schema_version\": 1, \"results\": [{\"name\": \"a\","
		" \"samples\": [1e308, 1e308]}]}",
		"too large");
	bad_buf("{\"schema_version\": 1, \"results\": [{\"name\": \"a\", \"value\": 1,"
		" \"stddev\": -1}]}",
		"must not be negative");
	bad_buf("{\"schema_version\": 1, \"results\": [{\"name\": \"a\", \"value\": 1},"
		" {\"name\": \"a\", \"value\": 2}]}",
		"appears twice");
	bad_buf("{\"schema_version\": \"1\", \"results\": []}", "not a whole number");
	bad_buf("{\"schema_version\": 1, \"results\": [{\"name\": \"a\", \"histogram\": ["
		"{\"lower\": 0, \"upper\": 1, \"count\": 0}]}]}",
		"histogram is empty");
	bad_buf("{\"results\": [{\"command\": \"x\", \"times\": [0.1, \"slow\"]}]}",
		"item 2 is not a number");
	bad_buf("{\"context\": {}, \"benchmarks\": [{\"name\": \"BM_x\", \"run_type\": "
		"\"iteration\", \"real_time\": -3, \"time_unit\": \"ns\"}]}",
		"must be positive");
	bad_buf("{\"context\": {}, \"benchmarks\": [{\"name\": \"BM_x\", \"error_occurred\": true,"
		" \"error_message\": \"boom\"}]}",
		"boom");
	bad_buf("{\"context\": {}, \"benchmarks\": [{\"name\": \"BM_x\", \"real_time\": 3,"
		" \"time_unit\": \"fortnights\"}]}",
		"time_unit");
	bad_buf("{\"machine_info\": {}, \"benchmarks\": [{\"fullname\": \"t\", \"stats\": 3}]}",
		"no \"stats\" object");

	/* a baseline whose thresholds are out of order, or whose history runs go backwards */
	{
		const char *b1 = "{\"schema_version\": 1, \"baselines\": [{\"name\": \"a\", "
				 "\"mean\": 1, \"warning_threshold\": 0.3, "
				 "\"critical_threshold\": 0.2}]}";
		const char *b2 = "{\"schema_version\": 1, \"baselines\": [{\"name\": \"a\", "
				 "\"mean\": 1, \"history\": [{\"run\": 2, \"mean\": 1}, "
				 "{\"run\": 2, \"mean\": 1}]}]}";
		struct regress_baseline_set set;

		assert_int_equal(baseline__read_buf(b1, strlen(b1), "b1", &set, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "thresholds"));
		assert_int_equal(baseline__read_buf(b2, strlen(b2), "b2", &set, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "\"run\""));
	}
	/* a file that is not there is not "bad": -ENOENT, named */
	assert_int_equal(results__read_file(FIX "no_such_file.json", &run, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "no_such_file.json"));
}

static void fx_meta_num(void)
{
	struct regress_result r = {};
	struct regress_run run = { .results = &r, .result_cnt = 1 };
	char *a;

	r.name = strdup("x");
	r.unit = strdup("ns");
	r.value = 1;
	r.stddev = r.median = r.q25 = r.q75 = r.overhead = NAN;
	assert_int_equal(regress_result__add_meta_num(&r, "calls", 100), 0);
	assert_int_equal(regress_result__add_meta_num(&r, "p50_ns", 0.1), 0);
	assert_int_equal(regress_result__add_meta_num(&r, "nothing", NAN), 0);
	assert_int_equal(regress_result__add_meta_json(&r, "near", "true"), 0);
	assert_int_equal(regress_result__add_meta(&r, "binary", "/usr/bin/x"), 0);
	assert_int_equal(r.meta_cnt, 4);
	assert_string_equal(r.meta[0].key, "binary"); /* sorted */
	a = write_mem(wr_results, &run);
	assert_non_null(strstr(a, "\"calls\": 100,"));
	assert_non_null(strstr(a, "\"p50_ns\": 0.1"));
	assert_non_null(strstr(a, "\"near\": true"));
	assert_non_null(strstr(a, "\"binary\": \"/usr/bin/x\""));
	assert_null(strstr(a, "nothing"));
	free(a);
	regress_result__free(&r);
}
/* Google Benchmark counters (gb_counters.cc, 5 repetitions): each is a result of its own,
 * "BM_Copy/<counter>", rates higher-is-better; "errors" is 0 and left out. Google Benchmark
 * wrote its cv aggregate as NaN, which only its files may hold. */
static void test_google_benchmark_counters(void **state)
{
	const char *names[] = { "BM_Copy", "BM_Copy/bytes_per_second", "BM_Copy/frames",
				"BM_Copy/items_per_second", "BM_Copy/nodes" };
	const char *units[] = { "ns", "B/s", "", "items/s", "" };
	const bool hib[] = { false, true, false, true, false };
	const char *keys[] = { "real_time", "bytes_per_second", "frames", "items_per_second",
			       "nodes" };
	struct regress_run run;
	struct errtext err;
	json_t *root, *b;
	size_t i, len, seen = 0;
	char *data;

	(void)state;
	data = slurp(FIX "gb_counters_base.json", &len);
	assert_non_null(strstr(data, "NaN")); /* the case this fixture is for */
	free(data);
	assert_int_equal(results__read_file(FIX "gb_counters_base.json", &run, &err), 0);
	assert_int_equal(run.result_cnt, 5);
	root = load_gb(FIX "gb_counters_base.json");
	for (size_t k = 0; k < 5; k++) {
		const struct regress_result *r = &run.results[k];

		assert_string_equal(r->name, names[k]);
		assert_string_equal(r->unit, units[k]);
		assert_int_equal(r->higher_is_better, hib[k]);
		assert_int_equal(r->sample_cnt, 5);
		assert_string_equal(meta(r, "tool"), "google-benchmark");
		if (k)
			assert_string_equal(meta(r, "counter"), keys[k]);
		else
			assert_string_equal(meta(r, "metric"), "real_time");
		seen = 0;
		json_array_foreach(json_object_get(root, "benchmarks"), i, b)
		{
			if (strcmp(json_string_value(json_object_get(b, "run_type")), "iteration"))
				continue;
			assert_close(r->samples[seen++], jnum(b, keys[k]), 0, keys[k]);
		}
		assert_int_equal(seen, 5);
	}
	json_decref(root);
	regress_run__free(&run);

	/* --benchmark_report_aggregates_only: the counters' mean, stddev and median */
	assert_int_equal(results__read_file(FIX "gb_counters_aggregates.json", &run, &err), 0);
	assert_int_equal(run.result_cnt, 5);
	root = load_gb(FIX "gb_counters_aggregates.json");
	json_array_foreach(json_object_get(root, "benchmarks"), i, b)
	{
		const char *an = json_string_value(json_object_get(b, "aggregate_name"));

		if (!strcmp(an, "mean"))
			assert_close(run.results[3].value, jnum(b, "items_per_second"), 0, "mean");
		else if (!strcmp(an, "stddev"))
			assert_close(run.results[3].stddev, jnum(b, "items_per_second"), 0, "sd");
	}
	assert_int_equal(run.results[3].n, 4);
	assert_int_equal(run.results[3].sample_cnt, 0);
	json_decref(root);
	regress_run__free(&run);
}

/* NaN and Infinity in Google Benchmark JSON only: a counter that is one is left out, a string
 * that spells one is left alone; anywhere else they are refused */
static void test_google_benchmark_nan(void **state)
{
	const char *doc = "{\"context\": {\"note\": \"NaN \\\" Infinity\"}, \"benchmarks\": ["
			  "{\"name\": \"BM_NaN\", \"run_type\": \"iteration\", \"real_time\": 3,"
			  " \"time_unit\": \"ns\", \"hits\": NaN, \"misses\": -Infinity,"
			  " \"items_per_second\": 7}]}";
	const char *nan_time = "{\"context\": {}, \"benchmarks\": [{\"name\": \"BM_x\","
			       " \"run_type\": \"iteration\", \"real_time\": NaN}]}";
	struct regress_run run;
	struct errtext err;

	(void)state;
	assert_int_equal(read_str(doc, &run, &err), 0);
	assert_int_equal(run.result_cnt, 2);
	assert_string_equal(run.results[0].name, "BM_NaN");
	assert_string_equal(run.results[1].name, "BM_NaN/items_per_second");
	regress_run__free(&run);
	bad_buf(nan_time, "no \"real_time\"");
	bad_buf("{\"machine_info\": {}, \"benchmarks\": [{\"fullname\": \"t\", \"stats\": "
		"{\"mean\": NaN}}]}",
		"NaN or Infinity");
}

/* --metric cpu_time: Google Benchmark's cpu_time is the measurement; the formats that only
 * have a wall-clock time refuse it */
static void test_metric(void **state)
{
	struct results_read_opts ro = { RESULTS_METRIC_CPU_TIME };
	struct regress_run run;
	struct errtext err;
	json_t *root, *b;
	size_t i, seen = 0;
	enum results_metric m;

	(void)state;
	assert_int_equal(results_metric__parse("cpu_time", &m), 0);
	assert_int_equal(m, RESULTS_METRIC_CPU_TIME);
	assert_int_equal(results_metric__parse("user_time", &m), -EINVAL);
	assert_int_equal(results__read_file_opts(FIX "gb_counters_base.json", &ro, &run, &err), 0);
	root = load_gb(FIX "gb_counters_base.json");
	json_array_foreach(json_object_get(root, "benchmarks"), i,
			   b) if (!strcmp(json_string_value(json_object_get(b, "run_type")),
					  "iteration"))
		assert_close(run.results[0].samples[seen++], jnum(b, "cpu_time"), 0, "cpu");
	assert_int_equal(seen, 5);
	assert_string_equal(meta(&run.results[0], "metric"), "cpu_time");
	json_decref(root);
	regress_run__free(&run);
	assert_int_equal(results__read_file_opts(FIX "hyperfine.json", &ro, &run, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "hyperfine.json: hyperfine JSON has no CPU time"));
	assert_non_null(strstr(err.msg, "--metric cpu_time"));
	assert_int_equal(results__read_file_opts(FIX "pytest_benchmark.json", &ro, &run, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "pytest-benchmark JSON has no CPU time"));
}

/* Numbers in metadata stay numbers: imported, written, read back (issue 14); a file that has
 * them as strings, as older perfan-bpf wrote, keeps its strings. */
static void test_metadata_numbers(void **state)
{
	const char *old = "{\"schema_version\": 1, \"results\": [{\"name\": \"f\", \"value\": 2,"
			  " \"metadata\": {\"calls\": \"100\", \"tool\": \"perfan-bpf time\"}}]}";
	struct regress_run run, again;
	struct errtext err;
	json_t *root, *m;
	char *a, *b;

	(void)state;
	assert_int_equal(results__read_file(FIX "hyperfine_params.json", &run, &err), 0);
	assert_string_equal(meta(&run.results[0], "runs"), "5");
	assert_null(regress_result__meta(&run.results[0], "runs")->value);
	assert_string_equal(meta(&run.results[0], "parameters"), "{\"n\":\"1\"}");
	a = write_mem(wr_results, &run);
	root = json_loads(a, 0, NULL);
	m = json_object_get(json_array_get(json_object_get(root, "results"), 0), "metadata");
	assert_true(json_is_integer(json_object_get(m, "runs")));
	assert_int_equal(json_integer_value(json_object_get(m, "runs")), 5);
	assert_true(json_is_real(json_object_get(m, "user_s")));
	assert_true(json_is_object(json_object_get(m, "parameters")));
	assert_true(json_is_string(json_object_get(m, "tool")));
	json_decref(root);
	assert_int_equal(read_str(a, &again, &err), 0);
	b = write_mem(wr_results, &again);
	assert_string_equal(a, b);
	free(a);
	free(b);
	regress_run__free(&again);
	regress_run__free(&run);

	/* pytest-benchmark: rounds and iterations as numbers */
	assert_int_equal(results__read_file(FIX "pytest_benchmark.json", &run, &err), 0);
	assert_null(regress_result__meta(&run.results[0], "rounds")->value);
	assert_int_equal(strtoul(meta(&run.results[0], "rounds"), NULL, 10), run.results[0].n);
	regress_run__free(&run);

	/* an older file's strings stay strings */
	assert_int_equal(read_str(old, &run, &err), 0);
	a = write_mem(wr_results, &run);
	assert_non_null(strstr(a, "\"calls\": \"100\""));
	free(a);
	regress_run__free(&run);

	/* numbers added by code: whole numbers as integers, others exact */
	fx_meta_num();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pytest_benchmark),
		cmocka_unit_test(test_google_benchmark_repetitions),
		cmocka_unit_test(test_google_benchmark_aggregates),
		cmocka_unit_test(test_hyperfine),
		cmocka_unit_test(test_detected_by_content),
		cmocka_unit_test(test_perfan_results_fields),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_google_benchmark_counters),
		cmocka_unit_test(test_google_benchmark_nan),
		cmocka_unit_test(test_metric),
		cmocka_unit_test(test_metadata_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
