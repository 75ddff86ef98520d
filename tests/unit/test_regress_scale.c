// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the regression detector with thousands of benchmarks: merging runs, updating a
 * baseline and checking find names by sorting rather than by comparing every pair, and must
 * give what the pairwise definitions give. Each test computes that answer here, the slow way
 * (first appearance order, the first entry of a name), on shuffled names repeated across runs
 * and, where the API allows it, within one; and the results reader's duplicate check names the
 * same benchmark as a pairwise check would. */
#include <errno.h>
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

#define NAMES 3000 /* distinct names; O(n^2) of this is still fast enough to be the reference */

static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void mk(struct regress_result *r, const char *name, double value)
{
	memset(r, 0, sizeof(*r));
	r->name = strdup(name);
	r->unit = strdup("s");
	assert_non_null(r->name);
	assert_non_null(r->unit);
	r->value = value;
	r->stddev = r->median = r->q25 = r->q75 = r->overhead = NAN;
}

static void name_of(char *buf, size_t len, uint64_t k)
{
	snprintf(buf, len, "bench/%05llu", (unsigned long long)k);
}

/* run_cnt runs, each of cnt results drawn from NAMES names (a name may repeat in a run when
 * dups) */
static void mk_runs(struct regress_run *runs, size_t run_cnt, size_t cnt, bool dups, uint64_t seed)
{
	char name[32];

	for (size_t r = 0; r < run_cnt; r++) {
		bool *used = calloc(NAMES, sizeof(*used));

		assert_non_null(used);
		runs[r].source = strdup("mem.json");
		runs[r].format = "perfan";
		runs[r].results = calloc(cnt, sizeof(*runs[r].results));
		assert_non_null(runs[r].results);
		for (size_t i = 0; i < cnt; i++) {
			uint64_t k = rng(&seed) % NAMES;

			while (!dups && used[k])
				k = (k + 1) % NAMES;
			used[k] = true;
			name_of(name, sizeof(name), k);
			mk(&runs[r].results[i], name, 1 + (double)(rng(&seed) % 1000) / 100);
		}
		runs[r].result_cnt = cnt;
		free(used);
	}
}

static void test_merge_matches_pairwise(void **state)
{
	struct regress_run runs[3] = {}, merged;
	struct errtext err;
	size_t want = 0;

	(void)state;
	mk_runs(runs, 3, 2000, true, 0x9e3779b97f4a7c15ULL);
	assert_int_equal(regress__merge_runs(runs, 3, &merged, &err), 0);
	/* the pairwise definition: each name once, in the order first seen; its value the mean of
	 * every result of that name, in run order */
	for (size_t r = 0; r < 3; r++) {
		for (size_t i = 0; i < runs[r].result_cnt; i++) {
			const char *name = runs[r].results[i].name;
			bool seen = false;
			double sum = 0;
			size_t k = 0;

			for (size_t j = 0; j < want && !seen; j++)
				seen = !strcmp(merged.results[j].name, name);
			if (seen)
				continue;
			for (size_t s = r; s < 3; s++)
				for (size_t j = 0; j < runs[s].result_cnt; j++)
					if (!strcmp(runs[s].results[j].name, name)) {
						sum += runs[s].results[j].value;
						k++;
					}
			assert_true(want < merged.result_cnt);
			assert_string_equal(merged.results[want].name, name);
			assert_true(fabs(merged.results[want].value - sum / (double)k) <=
				    1e-12 * sum);
			assert_int_equal(merged.results[want].n, k > 1 ? k : 0);
			want++;
		}
	}
	assert_int_equal(merged.result_cnt, want);
	regress_run__free(&merged);
	for (size_t r = 0; r < 3; r++)
		regress_run__free(&runs[r]);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct regress_baseline *)a)->name,
		      ((const struct regress_baseline *)b)->name);
}

static void test_update_and_check_match_pairwise(void **state)
{
	struct regress_run runs[2] = {}, merged, twice = {};
	struct regress_baseline_set set = {};
	struct regress_check chk;
	struct regress_opts opts;
	struct errtext err;
	size_t skipped = 0, checked = 0;

	(void)state;
	/* a baseline of run 0's names, then run 1 (half of them new) saved on top */
	mk_runs(runs, 2, 1500, false, 0x1234567ULL);
	assert_int_equal(regress__merge_runs(&runs[0], 1, &merged, &err), 0);
	assert_int_equal(regress_baseline_set__update(&set, &merged, "first", 10, &err), 0);
	regress_run__free(&merged);
	assert_int_equal(set.cnt, 1500);
	assert_int_equal(regress__merge_runs(&runs[1], 1, &merged, &err), 0);
	assert_int_equal(regress_baseline_set__update(&set, &merged, "second", 10, &err), 0);
	/* sorted, unique, each name of either run, with one history entry per save holding it */
	for (size_t i = 1; i < set.cnt; i++)
		assert_true(strcmp(set.items[i - 1].name, set.items[i].name) < 0);
	for (size_t i = 0; i < set.cnt; i++) {
		double newest = NAN;
		size_t saves = 0;

		for (size_t r = 0; r < 2; r++)
			for (size_t j = 0; j < runs[r].result_cnt; j++)
				if (!strcmp(runs[r].results[j].name, set.items[i].name)) {
					saves++;
					newest = runs[r].results[j].value;
				}
		assert_true(saves >= 1);
		assert_int_equal(set.items[i].history_cnt, saves);
		assert_true(set.items[i].mean == newest); /* the newest save sets the mean */
	}
	regress_run__free(&merged);

	/* check: verdicts in result order, the names without a baseline skipped in order */
	regress_opts__init(&opts);
	mk_runs(&twice, 1, 2500, false, 0xfeedULL);
	assert_int_equal(regress__check_all(twice.results, twice.result_cnt, &set, &opts, &chk,
					    &err),
			 0);
	for (size_t i = 0; i < twice.result_cnt; i++) {
		const struct regress_baseline *b =
			regress_baseline_set__find(&set, twice.results[i].name);

		if (!b) {
			assert_true(skipped < chk.skipped_cnt);
			assert_string_equal(chk.skipped[skipped++], twice.results[i].name);
			continue;
		}
		assert_true(checked < chk.verdict_cnt);
		checked++;
	}
	assert_int_equal(chk.skipped_cnt, skipped);
	assert_int_equal(chk.verdict_cnt, checked);
	regress_check__free(&chk);
	regress_run__free(&twice);
	regress_baseline_set__free(&set);
	for (size_t r = 0; r < 2; r++)
		regress_run__free(&runs[r]);
}

/* A merged run that names a benchmark twice (the API allows it): both update one entry, in
 * order, as a search of the entries added so far would */
static void test_update_repeated_name(void **state)
{
	struct regress_run merged = {};
	struct regress_baseline_set set = {};
	struct errtext err;

	(void)state;
	merged.results = calloc(4, sizeof(*merged.results));
	assert_non_null(merged.results);
	merged.result_cnt = 4;
	mk(&merged.results[0], "new", 1);
	mk(&merged.results[1], "old", 2);
	mk(&merged.results[2], "new", 3);
	mk(&merged.results[3], "old", 4);
	set.items = calloc(1, sizeof(*set.items));
	assert_non_null(set.items);
	set.cnt = 1;
	assert_non_null(set.items[0].name = strdup("old"));
	set.items[0].warning_threshold = 0.5; /* kept */
	assert_int_equal(regress_baseline_set__update(&set, &merged, NULL, 10, &err), 0);
	qsort(set.items, set.cnt, sizeof(*set.items), cmp_name);
	assert_int_equal(set.cnt, 2);
	assert_string_equal(set.items[0].name, "new");
	assert_int_equal(set.items[0].history_cnt, 2);
	assert_true(set.items[0].mean == 3);
	assert_true(set.items[0].history[0].mean == 1);
	assert_string_equal(set.items[1].name, "old");
	assert_int_equal(set.items[1].history_cnt, 2);
	assert_true(set.items[1].mean == 4);
	assert_true(set.items[1].warning_threshold == 0.5);
	regress_baseline_set__free(&set);
	regress_run__free(&merged);
}

/* The results reader: 5000 results; a name repeated is named, and of several, the one seen
 * first */
static void test_reader_duplicates(void **state)
{
	size_t n = 5000, len = 0, cap = n * 48 + 256;
	char *json = malloc(cap);
	struct errtext err;
	struct regress_run run = {};

	(void)state;
	assert_non_null(json);
	len += (size_t)snprintf(json + len, cap - len, "{\"schema_version\": 1, \"results\": [");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(json + len, cap - len,
					"%s{\"name\": \"b%zu\", \"value\": 1}", i ? ", " : "",
					(n - i) * 7 % 10007);
	strcpy(json + len, "]}");
	assert_int_equal(results__read_buf(json, strlen(json), "big.json", &run, &err), 0);
	assert_int_equal(run.result_cnt, n);
	regress_run__free(&run);
	/* "z" repeats at the end, "a" and "b" later repeat too: "z" is seen first */
	strcpy(json, "{\"schema_version\": 1, \"results\": [{\"name\": \"z\", \"value\": 1}, "
		     "{\"name\": \"b\", \"value\": 1}, {\"name\": \"a\", \"value\": 1}, "
		     "{\"name\": \"a\", \"value\": 1}, {\"name\": \"b\", \"value\": 1}, "
		     "{\"name\": \"z\", \"value\": 1}]}");
	assert_int_equal(results__read_buf(json, strlen(json), "dup.json", &run, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "benchmark \"z\" appears twice"));
	strcpy(json, "{\"schema_version\": 1, \"results\": [{\"name\": \"y\", \"value\": 1}, "
		     "{\"name\": \"b\", \"value\": 1}, {\"name\": \"a\", \"value\": 1}, "
		     "{\"name\": \"a\", \"value\": 1}, {\"name\": \"b\", \"value\": 1}]}");
	assert_int_equal(results__read_buf(json, strlen(json), "dup.json", &run, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "benchmark \"b\" appears twice"));
	free(json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_matches_pairwise),
		cmocka_unit_test(test_update_and_check_match_pairwise),
		cmocka_unit_test(test_update_repeated_name),
		cmocka_unit_test(test_reader_duplicates),
	};

	return cmocka_run_group_tests_name("regress_scale", tests, NULL, NULL);
}
