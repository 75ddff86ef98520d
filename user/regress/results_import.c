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

#include "regress/results_doc.h"
#include "regress/results_import.h"

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
		if (!err)
			err = results__add_meta(r, "tool", "pytest-benchmark");
		if (err)
			return err;
	}
	if (!run->result_cnt)
		return results_doc__fail(c, "\"benchmarks\" is empty");
	return results_doc__check_unique(c, run);
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

int results_doc__import_google_benchmark(struct results_doc *c, json_t *root,
					 struct regress_run *run)
{
	json_t *arr = results__member(root, "benchmarks");
	struct gb_group *groups = NULL;
	size_t cap = 0, i, j, n = json_array_size(arr), kept;
	char where[RESULTS_WHERE_LEN];
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

		results__where_item(where, "benchmark", i, NULL);
		if (!json_is_object(o)) {
			err = results_doc__fail(c, "%s is not an object", where);
			goto cleanup;
		}
		err = results_doc__name(c, o, results__member(o, "run_name") ? "run_name" : "name",
					where, &name);
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
			err = results_doc__fail(c,
						"%s: \"time_unit\" \"%.16s\" is not s, ms, us or ns",
						where, unit);
		if (err) {
			free(name);
			free(unit);
			goto cleanup;
		}
		for (j = 0; j < run->result_cnt && strcmp(run->results[j].name, name); j++)
			;
		if (j == run->result_cnt) {
			r = results__add_result(run, &cap);
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
				err = results_doc__fail(
					c, "%s: \"time_unit\" differs between its repetitions",
					where);
				free(unit);
				goto cleanup;
			}
			free(unit);
		}
		g = &groups[j];
		rt = results__member(o, "run_type");
		ag = results__member(o, "aggregate_name");
		aggregate = json_is_string(rt) && !strcmp(json_string_value(rt), "aggregate");
		if (aggregate) {
			const char *an = json_is_string(ag) ? json_string_value(ag) : "";
			double *dst = !strcmp(an, "mean")     ? &g->agg_mean
				      : !strcmp(an, "stddev") ? &g->agg_stddev
				      : !strcmp(an, "median") ? &g->agg_median
							      : NULL;

			if (!dst) /* cv, BigO, RMS: not times */
				continue;
			err = results_doc__num(c, o, "real_time", where, true, NAN, dst);
			if (!err)
				err = results_doc__count(c, o, "repetitions", where,
							 &g->repetitions);
			if (err)
				goto cleanup;
			continue;
		}
		err = results_doc__pos(c, o, "real_time", where, true, &t);
		if (!err)
			err = gb_add_sample(r, t);
		if (err)
			goto cleanup;
	}
	/* turn groups into results; a group with only non-time aggregates is no benchmark */
	for (i = 0, kept = 0; i < run->result_cnt; i++) {
		struct regress_result *r = &run->results[i];
		struct gb_group *g = &groups[i];

		results__where_item(where, "benchmark", i, r->name);
		if (!r->sample_cnt) {
			if (isnan(g->agg_mean)) {
				regress_result__free(r);
				continue;
			}
			if (!(g->agg_mean > 0)) {
				err = results_doc__fail(c,
							"%s: the mean is %g, but it must be positive",
							where, g->agg_mean);
				goto cleanup;
			}
			r->value = g->agg_mean;
			r->stddev = g->agg_stddev >= 0 ? g->agg_stddev : NAN;
			r->median = g->agg_median > 0 ? g->agg_median : NAN;
			r->n = g->repetitions;
		}
		err = results_doc__fill_from_samples(c, where, r);
		if (!err)
			err = results__add_meta(r, "tool", "google-benchmark");
		if (err)
			goto cleanup;
		if (kept != i) {
			run->results[kept] = *r;
			results__init_result(r);
		}
		kept++;
	}
	run->result_cnt = kept;
	if (!run->result_cnt)
		err = results_doc__fail(c, "\"benchmarks\" has no timed benchmark");
cleanup:
	for (i = 0; groups && i < n; i++)
		free(groups[i].unit);
	free(groups);
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
		if (err)
			return err;
	}
	if (!run->result_cnt)
		return results_doc__fail(c, "\"results\" is empty");
	return results_doc__check_unique(c, run);
}
