// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of user/regress/regress_report.c: the text, Markdown and JSON reports of a check
 * (results table with ops/s, comparison table with the marks, regressions detected, skipped, the
 * one-line verdict) and of a history. The checks are built with regress_check.c from hand-made
 * data. */
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

#include "regress_fixture.h"
#include "regress/regress.h"
#include "regress/regress_report.h"
#include "regress/stats.h"

static void mk_result(struct regress_result *r, const char *name, const char *unit, double value,
		      const double *samples, size_t n)
{
	memset(r, 0, sizeof(*r));
	r->name = strdup(name);
	r->unit = strdup(unit);
	r->median = r->q25 = r->q75 = r->overhead = r->stddev = NAN;
	r->value = value;
	if (n) {
		r->samples = malloc(n * sizeof(double));
		memcpy(r->samples, samples, n * sizeof(double));
		r->sample_cnt = n;
		r->value = stats__mean(samples, n);
		stats__median(samples, n, &r->median);
	}
}

static void mk_baseline(struct regress_baseline *b, const char *name, const char *unit, double mean,
			const double *samples, size_t n)
{
	memset(b, 0, sizeof(*b));
	b->name = strdup(name);
	b->unit = strdup(unit);
	b->mean = n ? stats__mean(samples, n) : mean;
	b->stddev = b->q25 = b->q50 = b->q75 = NAN;
	b->warning_threshold = 0.10;
	b->critical_threshold = 0.25;
	if (n) {
		b->samples = malloc(n * sizeof(double));
		memcpy(b->samples, samples, n * sizeof(double));
		b->sample_cnt = b->n = n;
	}
}

/* Results: ok (2 ms, unchanged), slow (+15%: WARNING), slower (+40%: CRITICAL), few (3 vs 3
 * samples, twice as slow: INCONCLUSIVE), fresh (no baseline: skipped), tput (req/s, unchanged). */
struct fixture {
	struct regress_result r[6];
	struct regress_baseline_set set;
	struct regress_check chk;
};

static int setup(void **state)
{
	const double few_b[] = { 1.0, 1.01, 0.99 }, few_c[] = { 2.0, 2.02, 1.98 };
	struct fixture *f = calloc(1, sizeof(*f));
	struct regress_opts o;
	struct errtext err;

	f->set.items = calloc(5, sizeof(struct regress_baseline));
	f->set.cnt = 5;
	/* sorted by name, as the reader leaves them */
	mk_baseline(&f->set.items[0], "few", "s", 0, few_b, 3);
	mk_baseline(&f->set.items[1], "ok", "ms", 2, NULL, 0);
	mk_baseline(&f->set.items[2], "slow", "ms", 10, NULL, 0);
	mk_baseline(&f->set.items[3], "slower", "ms", 10, NULL, 0);
	mk_baseline(&f->set.items[4], "tput", "req/s", 5000, NULL, 0);
	f->set.items[4].higher_is_better = true;
	mk_result(&f->r[0], "ok", "ms", 2, NULL, 0);
	mk_result(&f->r[1], "slow", "ms", 11.5, NULL, 0);
	mk_result(&f->r[2], "slower", "ms", 14, NULL, 0);
	mk_result(&f->r[3], "few", "s", 0, few_c, 3);
	mk_result(&f->r[4], "fresh", "ms", 1, NULL, 0);
	mk_result(&f->r[5], "tput", "req/s", 5000, NULL, 0);
	f->r[5].higher_is_better = true;
	regress_opts__init(&o);
	assert_int_equal(regress__check_all(f->r, 6, &f->set, &o, &f->chk, &err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	regress_check__free(&f->chk);
	for (size_t i = 0; i < 6; i++)
		regress_result__free(&f->r[i]);
	regress_baseline_set__free(&f->set);
	free(f);
	return 0;
}

/* The line of text that contains key (copied into line). */
static void line_with(const char *text, const char *key, char *line, size_t len)
{
	const char *p = strstr(text, key), *b, *e;

	assert_non_null(p);
	for (b = p; b > text && b[-1] != '\n'; b--)
		;
	e = strchr(p, '\n');
	assert_non_null(e);
	assert_true((size_t)(e - b) < len);
	memcpy(line, b, e - b);
	line[e - b] = 0;
}

static void test_text(void **state)
{
	struct fixture *f = *state;
	char *t = fx_report(&f->chk, REGRESS_FORMAT_TEXT), line[512];
	const char *last;

	/* the results table: name, mean, median, ops/s (only for time units) */
	fx_has(t, "Results\n");
	line_with(t, "benchmark ", line, sizeof(line));
	fx_has(line, "mean");
	fx_has(line, "median");
	fx_has(line, "ops/s");
	line_with(t, "  ok ", line, sizeof(line));
	fx_has(line, "2.000 ms");
	fx_has(line, "500.00"); /* [hand] 1 / 2 ms */
	line_with(t, "  tput ", line, sizeof(line));
	fx_has(line, "5000 req/s");
	fx_has(line, " -");
	/* the comparison table: current, baseline, change, a mark per benchmark */
	fx_has(t, "\nComparison (mode robust, alpha 0.01, fail on critical)\n");
	line_with(t, "\u26a0  slow ", line, sizeof(line));
	fx_has(line, "11.500 ms");
	fx_has(line, "10.000 ms");
	fx_has(line, "+15.0%");
	fx_has(line, "WARNING");
	line_with(t, "\u2717  slower ", line, sizeof(line));
	fx_has(line, "+40.0%  1.40\u00d7 slower  "); /* [hand] 14 / 10 ms */
	fx_has(line, "CRITICAL");
	line_with(t, "\u2713  ok ", line, sizeof(line));
	fx_has(line, "INFO");
	line_with(t, "\u2713  tput ", line, sizeof(line));
	fx_has(line, "1.00\u00d7 same");
	line_with(t, "?  few ", line, sizeof(line));
	fx_has(line, "INCONCLUSIVE (need \u2265 7 samples)");
	/* regressions detected, skipped, and the last line is the verdict */
	fx_has(t, "\nRegressions detected\n  \u26a0 slow: +15.0% worse (WARNING)");
	fx_has(t, "\n  \u2717 slower: +40.0% worse (CRITICAL)");
	fx_has(t, "\nSkipped (no baseline)\n  fresh\n");
	last = strstr(t, "\nVerdict: ");
	assert_non_null(last);
	assert_string_equal(last, "\nVerdict: FAIL: 1 regression at or above critical (1 critical, "
				  "1 warning, 0 improved, 1 inconclusive, 2 ok, 1 skipped)\n");
	free(t);
}

static void test_markdown(void **state)
{
	struct fixture *f = *state;
	char *t = fx_report(&f->chk, REGRESS_FORMAT_MARKDOWN);

	fx_has(t, "### perfan-bpf check: \u2717 FAIL: 1 regression at or above critical");
	fx_has(t, "| benchmark | mean | median | ops/s |\n| --- | ---: | ---: | ---: |\n");
	fx_has(t, "| ok | 2.000 ms | - | 500.00 |\n");
	fx_has(t, "| \u26a0 | slow | 11.500 ms | 10.000 ms | +15.0% |");
	fx_has(t, "| \u2717 | slower | 14.000 ms | 10.000 ms | +40.0% |");
	fx_has(t, "#### Regressions detected\n\n- \u26a0 **slow**: +15.0% worse (WARNING)");
	fx_has(t, "**Skipped (no baseline):** fresh\n");
	fx_has(t, "**Verdict:** FAIL: 1 regression at or above critical");
	free(t);
}

static void test_json(void **state)
{
	struct fixture *f = *state;
	char *t = fx_report(&f->chk, REGRESS_FORMAT_JSON);
	json_error_t e;
	json_t *root = json_loads(t, 0, &e), *cmp, *v;

	assert_non_null(root);
	assert_int_equal(json_integer_value(json_object_get(root, "schema_version")), 1);
	assert_true(json_is_true(json_object_get(root, "failed")));
	assert_string_equal(json_string_value(json_object_get(root, "fail_on")), "critical");
	cmp = json_object_get(root, "comparisons");
	assert_int_equal(json_array_size(cmp), 5);
	v = json_array_get(cmp, 1);
	assert_string_equal(json_string_value(json_object_get(v, "name")), "slow");
	assert_string_equal(json_string_value(json_object_get(v, "severity")), "WARNING");
	assert_string_equal(json_string_value(json_object_get(v, "mark")), "\u26a0");
	assert_true(fabs(json_real_value(json_object_get(v, "change")) - 0.15) < 1e-12);
	/* no samples: the threshold rule, and no p-values (null, not a made-up number) */
	assert_true(json_is_null(json_object_get(v, "p")));
	v = json_array_get(cmp, 3);
	assert_string_equal(json_string_value(json_object_get(v, "severity")), "INCONCLUSIVE");
	assert_int_equal(json_integer_value(json_object_get(v, "need_samples")), 7);
	assert_true(json_is_number(json_object_get(v, "p")));
	assert_true(json_is_number(json_object_get(v, "p_adjusted")));
	assert_true(json_is_object(json_object_get(v, "diagnostics")));
	assert_int_equal(json_array_size(json_object_get(root, "regressions")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(root, "skipped"), 0)),
			    "fresh");
	assert_int_equal(json_integer_value(
				 json_object_get(json_object_get(root, "counts"), "critical")),
			 1);
	assert_int_equal(json_array_size(json_object_get(root, "results")), 6);
	json_decref(root);
	free(t);
}

static void test_ratio(void **state)
{
	struct regress_verdict v = { .unit = "ms", .current = 8, .baseline = 10 };
	char buf[48];

	(void)state;
	/* [hand] 10 / 8 ms = 1.25 faster; higher is better: 10 / 8 req/s is 1.25 slower */
	assert_string_equal(regress_report__ratio(&v, buf, sizeof(buf)), "1.25\u00d7 faster");
	v.unit = "req/s";
	v.higher_is_better = true;
	assert_string_equal(regress_report__ratio(&v, buf, sizeof(buf)), "1.25\u00d7 slower");
	v.unit = "bytes";
	v.higher_is_better = false;
	v.current = 13.1;
	assert_string_equal(regress_report__ratio(&v, buf, sizeof(buf)), "1.31\u00d7 worse");
}

static void test_github(void **state)
{
	struct fixture *f = *state;
	char *t = fx_report(&f->chk, REGRESS_FORMAT_GITHUB);

	/* CRITICAL fails at --fail-on critical: error; WARNING and INCONCLUSIVE warn; INFO and the
	 * skipped say nothing */
	fx_has(t,
	       "::error title=perfan-bpf%3A slower::+40.0%25 (CRITICAL): 14.000 ms against a "
	       "baseline of 10.000 ms, 1.40\u00d7 slower; threshold rule: no samples or spread\n");
	fx_has(t, "::warning title=perfan-bpf%3A slow::+15.0%25 (WARNING): ");
	fx_has(t, "::warning title=perfan-bpf%3A few::");
	assert_null(strstr(t, " ok::"));
	assert_null(strstr(t, "fresh"));
	free(t);
}

static void test_junit(void **state)
{
	struct fixture *f = *state;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	assert_int_equal(regress_report__write_junit(&f->chk, out), 0);
	fclose(out);
	fx_has(buf, "<testsuite name=\"perfan-bpf check\" tests=\"6\" failures=\"1\" errors=\"0\" "
		    "skipped=\"1\"");
	fx_has(buf, "<testcase classname=\"perfan-bpf\" name=\"slower\" time=\"0.014000\">\n"
		    "      <failure message=\"+40.0% (CRITICAL): ");
	fx_has(buf, "<testcase classname=\"perfan-bpf\" name=\"slow\" time=\"0.011500\"/>");
	fx_has(buf, "name=\"fresh\" time=\"0\">\n      <skipped message=\"no baseline\"/>");
	free(buf);
}

static void test_history_report(void **state)
{
	struct regress_baseline_set set = {};
	struct regress_history_report rep;
	struct regress_run merged = {};
	struct errtext err;
	char label[16], *buf = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	merged.results = calloc(1, sizeof(struct regress_result));
	merged.result_cnt = 1;
	for (int i = 0; i < 12; i++) {
		mk_result(&merged.results[0], "parse", "ms", i < 6 ? 10 + 0.1 * (i % 2) : 20, NULL,
			  0);
		snprintf(label, sizeof(label), "v%d", i + 1);
		assert_int_equal(regress_baseline_set__update(&set, &merged, label, 100, &err), 0);
		regress_result__free(&merged.results[0]);
	}
	free(merged.results);
	assert_int_equal(regress__history_analyze(&set, &rep), 0);
	out = open_memstream(&buf, &len);
	assert_int_equal(regress_report__write_history(&rep, "base.json", REGRESS_FORMAT_TEXT, out),
			 0);
	fclose(out);
	/* [hand] the level moved at the 7th save, from a median of 10.05 ms to 20 ms */
	fx_has(buf, "  parse: 12 runs; 1 change point\n");
	fx_has(buf, "level moved at run 7 (v7): 10.050 ms -> 20.000 ms (+99.0%");
	free(buf);
	regress_history_report__free(&rep);
	regress_baseline_set__free(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_markdown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json, setup, teardown),
		cmocka_unit_test(test_ratio),
		cmocka_unit_test_setup_teardown(test_github, setup, teardown),
		cmocka_unit_test_setup_teardown(test_junit, setup, teardown),
		cmocka_unit_test(test_history_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
