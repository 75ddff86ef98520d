// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Importers of other tools' benchmark JSON as results (results_import.h): pytest-benchmark,
 * Google Benchmark and hyperfine. Each maps its tool's fields to a regress_result, in seconds or
 * the tool's time unit, with the tool's name in the result's metadata. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "regress/results_doc.h"
#include "regress/results_import.h"

/* obj's member key into r's metadata as name, keeping its JSON type (a number stays a
 * number); absent or null: nothing. */
static int meta_copy(struct regress_result *r, json_t *obj, const char *key, const char *name)
{
	json_t *v = results__member(obj, key);
	char *text;
	int err;

	if (!v)
		return 0;
	if (json_is_string(v))
		return regress_result__add_meta(r, name, json_string_value(v));
	text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		return -ENOMEM;
	err = regress_result__add_meta_json(r, name, text);
	free(text);
	return err;
}

int results_doc__import_pytest_benchmark(struct results_doc *c, json_t *root,
					 struct regress_run *run)
{
	json_t *arr = results__member(root, "benchmarks");
	char where[RESULTS_WHERE_LEN];
	size_t cap = 0, i;
	int err;

	run->format = "pytest-benchmark";
	for (i = 0; i < json_array_size(arr); i++) {
		json_t *o = json_array_get(arr, i), *st;
		struct regress_result *r = results__add_result(run, &cap);

		if (!r)
			return -ENOMEM;
		results__where_item(where, "benchmark", i, NULL);
		if (!json_is_object(o))
			return results_doc__fail(c, "%s is not an object", where);
		/* fullname (module::test[param]) is unique across a suite; name is not */
		err = results_doc__name(c, o, results__member(o, "fullname") ? "fullname" : "name",
					where, &r->name);
		if (err)
			return err;
		results__where_item(where, "benchmark", i, r->name);
		st = results__member(o, "stats");
		if (!json_is_object(st))
			return results_doc__fail(c, "%s has no \"stats\" object", where);
		r->unit = strdup("s");
		if (!r->unit)
			return -ENOMEM;
		err = results_doc__pos(c, st, "mean", where, true, &r->value);
		if (!err)
			err = results_doc__nonneg(c, st, "stddev", where, NAN, &r->stddev);
		if (!err)
			err = results_doc__count(c, st, "rounds", where, &r->n);
		if (!err)
			err = results_doc__pos(c, st, "median", where, false, &r->median);
		if (!err)
			err = results_doc__pos(c, st, "q1", where, false, &r->q25);
		if (!err)
			err = results_doc__pos(c, st, "q3", where, false, &r->q75);
		if (!err)
			err = results_doc__samples(c, results__member(st, "data"), "data", where,
						   &r->samples, &r->sample_cnt);
		if (!err)
			err = results_doc__fill_from_samples(c, where, r);
		/* one pytest session is one run: its rounds follow each other in one process,
		 * and a drift between sessions dwarfs their spread (issue 14) */
		r->samples_within_run = r->sample_cnt > 0;
		if (!err)
			err = results__add_meta(r, "tool", "pytest-benchmark");
		if (!err)
			err = meta_copy(r, st, "rounds", "rounds");
		if (!err)
			err = meta_copy(r, st, "iterations", "iterations");
		if (!err)
			err = meta_copy(r, o, "params", "params");
		if (err)
			return err;
	}
	if (!run->result_cnt)
		return results_doc__fail(c, "\"benchmarks\" is empty");
	return results_doc__check_unique(c, run);
}

/* Google Benchmark: repetitions of one run_name become its samples; when only aggregates were
 * reported (--benchmark_report_aggregates_only), the mean/stddev/median aggregates are used.
 * The time is real_time or cpu_time (--metric); each counter (items_per_second,
 * bytes_per_second, a user counter) is a result of its own, "<run_name>/<counter>". */
struct gb_group {
	double agg_mean, agg_stddev, agg_median;
	size_t repetitions;
	bool bad; /* a counter that is not positive somewhere: no relative change to compare */
};

/* The members of a benchmark entry that are not counters (Google Benchmark 1.7) */
static bool gb_known_key(const char *key)
{
	static const char *const known[] = {
		"name",
		"family_index",
		"per_family_instance_index",
		"run_name",
		"run_type",
		"repetitions",
		"repetition_index",
		"threads",
		"iterations",
		"real_time",
		"cpu_time",
		"time_unit",
		"aggregate_name",
		"aggregate_unit",
		"error_occurred",
		"error_message",
		"label",
		"big_o",
		"rms",
		"complexity_n",
		"cpu_coefficient",
		"real_coefficient",
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(key, known[i]))
			return true;
	return false;
}

/* A counter's unit and direction: rates ("..._per_second", as items_per_second and
 * bytes_per_second) are higher-is-better; other user counters lower-is-better unless
 * --higher-is-better says otherwise (the JSON does not keep a counter's flags). */
static void gb_counter_kind(const char *key, const char **unit, bool *higher_is_better)
{
	size_t len = strlen(key), sfx = strlen("per_second");

	*higher_is_better = len >= sfx && !strcmp(key + len - sfx, "per_second");
	if (!strcmp(key, "items_per_second"))
		*unit = "items/s";
	else if (!strcmp(key, "bytes_per_second"))
		*unit = "B/s";
	else
		*unit = *higher_is_better ? "/s" : "";
}

struct gb_import {
	struct results_doc *c;
	struct regress_run *run;
	size_t cap;		 /* of run->results */
	struct gb_group *groups; /* one per result */
	size_t group_cap;
};

/* The result named name (unit: its unit), added when new; *at its index. */
static int gb_target(struct gb_import *im, const char *name, const char *unit, bool hib,
		     const char *where, size_t *at)
{
	struct regress_run *run = im->run;
	struct regress_result *r;
	size_t j;

	for (j = 0; j < run->result_cnt && strcmp(run->results[j].name, name); j++)
		;
	*at = j;
	if (j < run->result_cnt) {
		if (strcmp(run->results[j].unit, unit))
			return results_doc__fail(im->c,
						 "%s: \"time_unit\" differs between its repetitions",
						 where);
		return 0;
	}
	if (ARRAY_GROW(im->groups, im->group_cap, j + 1, 8))
		return -ENOMEM;
	r = results__add_result(run, &im->cap);
	if (!r)
		return -ENOMEM;
	im->groups[j] = (struct gb_group){ NAN, NAN, NAN, 0, false };
	r->name = strdup(name);
	r->unit = strdup(unit);
	r->higher_is_better = hib;
	return r->name && r->unit ? 0 : -ENOMEM;
}

/* One value of an entry into result at: a sample of an iteration entry, or the aggregate
 * (*dst of the group) of an aggregate entry. */
static int gb_put(struct gb_import *im, size_t at, const char *agg, size_t repetitions, double v)
{
	struct regress_result *r = &im->run->results[at];
	struct gb_group *g = &im->groups[at];
	double *s;

	if (agg) {
		double *dst = !strcmp(agg, "mean")     ? &g->agg_mean
			      : !strcmp(agg, "stddev") ? &g->agg_stddev
						       : &g->agg_median;

		*dst = v;
		g->repetitions = repetitions;
		return 0;
	}
	s = realloc(r->samples, (r->sample_cnt + 1) * sizeof(*s));
	if (!s)
		return -ENOMEM;
	r->samples = s;
	s[r->sample_cnt++] = v;
	return 0;
}

/* The counters of entry o (name: its run_name). A counter that is 0, negative or not finite is
 * marked bad: a relative change of it means nothing, so it is left out. */
static int gb_counters(struct gb_import *im, json_t *o, const char *name, const char *agg,
		       size_t repetitions, const char *where)
{
	const char *key, *unit;
	char cname[512];
	json_t *v;
	bool hib;
	size_t at;
	int err;

	json_object_foreach(o, key, v)
	{
		double x;

		/* null: a NaN or Infinity in the file (results_read.c) */
		if ((!json_is_number(v) && !json_is_null(v)) || gb_known_key(key))
			continue;
		x = json_is_null(v) ? NAN : json_number_value(v);
		gb_counter_kind(key, &unit, &hib);
		snprintf(cname, sizeof(cname), "%s/%s", name, key);
		err = gb_target(im, cname, unit, hib, where, &at);
		if (err)
			return err;
		if (!(x > 0) && !(agg && !strcmp(agg, "stddev") && x == 0)) {
			im->groups[at].bad = true;
			continue;
		}
		err = gb_put(im, at, agg, repetitions, x);
		if (err)
			return err;
	}
	return 0;
}

/* One entry of "benchmarks" */
static int gb_entry(struct gb_import *im, json_t *o, size_t i)
{
	struct results_doc *c = im->c;
	const char *metric = results_metric__name(c->metric), *agg = NULL;
	char where[RESULTS_WHERE_LEN], *name = NULL, *unit = NULL;
	json_t *rt, *ag;
	bool errored = false;
	size_t repetitions = 0, at;
	double t;
	int err;

	results__where_item(where, "benchmark", i, NULL);
	if (!json_is_object(o))
		return results_doc__fail(c, "%s is not an object", where);
	err = results_doc__name(c, o, results__member(o, "run_name") ? "run_name" : "name", where,
				&name);
	if (!err) {
		results__where_item(where, "benchmark", i, name);
		err = results_doc__bool(c, o, "error_occurred", where, &errored);
	}
	if (!err && errored) {
		json_t *msg = results__member(o, "error_message");

		err = results_doc__fail(c, "%s reported an error: %.80s", where,
					json_is_string(msg) ? json_string_value(msg)
							    : "no message");
	}
	if (!err)
		err = results_doc__str(c, o, "time_unit", where, "ns", &unit);
	if (!err && isnan(regress__unit_seconds(unit)))
		err = results_doc__fail(c, "%s: \"time_unit\" \"%.16s\" is not s, ms, us or ns",
					where, unit);
	if (err)
		goto cleanup;
	rt = results__member(o, "run_type");
	ag = results__member(o, "aggregate_name");
	if (json_is_string(rt) && !strcmp(json_string_value(rt), "aggregate")) {
		agg = json_is_string(ag) ? json_string_value(ag) : "";
		if (strcmp(agg, "mean") && strcmp(agg, "stddev") && strcmp(agg, "median"))
			goto cleanup; /* cv, BigO, RMS: not times */
		err = results_doc__count(c, o, "repetitions", where, &repetitions);
		if (err)
			goto cleanup;
	}
	err = gb_target(im, name, unit, false, where, &at);
	if (!err && agg)
		err = results_doc__num(c, o, metric, where, true, NAN, &t);
	else if (!err)
		err = results_doc__pos(c, o, metric, where, true, &t);
	if (!err)
		err = gb_put(im, at, agg, repetitions, t);
	if (!err)
		err = gb_counters(im, o, name, agg, repetitions, where);
cleanup:
	free(name);
	free(unit);
	return err;
}

/* A group into its result's summaries; false when it is no benchmark (only non-time aggregates,
 * or a counter that is not positive). */
static int gb_finish(struct gb_import *im, size_t i, bool *keep)
{
	struct regress_result *r = &im->run->results[i];
	struct gb_group *g = &im->groups[i];
	char where[RESULTS_WHERE_LEN];
	bool counter = isnan(regress__unit_seconds(r->unit)); /* times have a time unit */
	int err;

	*keep = false;
	results__where_item(where, "benchmark", i, r->name);
	if (g->bad)
		return 0;
	if (!r->sample_cnt) {
		if (isnan(g->agg_mean))
			return 0;
		if (!(g->agg_mean > 0))
			return results_doc__fail(im->c,
						 "%s: the mean is %g, but it must be positive",
						 where, g->agg_mean);
		r->value = g->agg_mean;
		r->stddev = g->agg_stddev >= 0 ? g->agg_stddev : NAN;
		r->median = g->agg_median > 0 ? g->agg_median : NAN;
		r->n = g->repetitions;
	}
	err = results_doc__fill_from_samples(im->c, where, r);
	if (!err)
		err = results__add_meta(r, "tool", "google-benchmark");
	if (!err && counter)
		err = results__add_meta(r, "counter", strrchr(r->name, '/') + 1);
	else if (!err)
		err = results__add_meta(r, "metric", results_metric__name(im->c->metric));
	*keep = !err;
	return err;
}

int results_doc__import_google_benchmark(struct results_doc *c, json_t *root,
					 struct regress_run *run)
{
	json_t *arr = results__member(root, "benchmarks");
	struct gb_import im = { .c = c, .run = run };
	size_t i, n = json_array_size(arr), kept;
	int err = 0;

	run->format = "google-benchmark";
	for (i = 0; i < n && !err; i++)
		err = gb_entry(&im, json_array_get(arr, i), i);
	/* turn groups into results; drop those that are no benchmark */
	for (i = 0, kept = 0; !err && i < run->result_cnt; i++) {
		struct regress_result *r = &run->results[i];
		bool keep;

		err = gb_finish(&im, i, &keep);
		if (err)
			break;
		if (!keep) {
			regress_result__free(r);
			continue;
		}
		if (kept != i) {
			run->results[kept] = *r;
			results__init_result(r);
		}
		kept++;
	}
	if (!err)
		run->result_cnt = kept;
	if (!err && !run->result_cnt)
		err = results_doc__fail(c, "\"benchmarks\" has no timed benchmark");
	free(im.groups);
	return err;
}

/* hyperfine's "exit_codes", one per run (null: killed by a signal): the non-zero ones into r,
 * so that a command that now fails is not timed as a faster one (issue 14). */
static int hyperfine_exit_codes(struct results_doc *c, json_t *arr, const char *where,
				struct regress_result *r)
{
	size_t i, n = json_array_size(arr);

	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return results_doc__fail(c, "%s: \"exit_codes\" is not an array", where);
	r->exit_codes = malloc((n ? n : 1) * sizeof(*r->exit_codes));
	if (!r->exit_codes)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(arr, i);
		json_int_t code;

		if (json_is_null(e)) {
			r->exit_codes[r->exit_code_cnt++] = REGRESS_EXIT_SIGNAL;
			continue;
		}
		if (!json_is_integer(e) || json_integer_value(e) <= INT_MIN ||
		    json_integer_value(e) > INT_MAX)
			return results_doc__fail(c,
						 "%s: \"exit_codes\" entry %zu is not an exit code",
						 where, i + 1);
		code = json_integer_value(e);
		if (code)
			r->exit_codes[r->exit_code_cnt++] = (int)code;
	}
	return 0;
}

int results_doc__import_hyperfine(struct results_doc *c, json_t *root, struct regress_run *run)
{
	json_t *arr = results__member(root, "results");
	char where[RESULTS_WHERE_LEN];
	size_t cap = 0, i;
	int err;

	run->format = "hyperfine";
	for (i = 0; i < json_array_size(arr); i++) {
		json_t *o = json_array_get(arr, i);
		struct regress_result *r = results__add_result(run, &cap);

		if (!r)
			return -ENOMEM;
		results__where_item(where, "command", i, NULL);
		if (!json_is_object(o))
			return results_doc__fail(c, "%s is not an object", where);
		err = results_doc__name(c, o, "command", where, &r->name);
		if (err)
			return err;
		results__where_item(where, "command", i, r->name);
		r->unit = strdup("s");
		if (!r->unit)
			return -ENOMEM;
		err = results_doc__samples(c, results__member(o, "times"), "times", where,
					   &r->samples, &r->sample_cnt);
		if (err)
			return err;
		/* the times are the measurement; mean/stddev/median only stand in without them */
		if (!r->sample_cnt) {
			err = results_doc__pos(c, o, "mean", where, true, &r->value);
			if (!err)
				err = results_doc__nonneg(c, o, "stddev", where, NAN, &r->stddev);
			if (!err)
				err = results_doc__pos(c, o, "median", where, false, &r->median);
			if (err)
				return err;
		}
		err = results_doc__fill_from_samples(c, where, r);
		if (!err)
			err = hyperfine_exit_codes(c, results__member(o, "exit_codes"), where, r);
		if (!err)
			err = results__add_meta(r, "tool", "hyperfine");
		if (!err && r->sample_cnt)
			err = regress_result__add_meta_num(r, "runs", (double)r->sample_cnt);
		if (!err)
			err = meta_copy(r, o, "user", "user_s");
		if (!err)
			err = meta_copy(r, o, "system", "system_s");
		if (!err)
			err = meta_copy(r, o, "parameters", "parameters");
		if (err)
			return err;
	}
	if (!run->result_cnt)
		return results_doc__fail(c, "\"results\" is empty");
	return results_doc__check_unique(c, run);
}
