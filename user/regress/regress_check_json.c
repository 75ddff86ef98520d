// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The JSON document of a regression check (`check --format json`, docs/results-format.md):
 * the options in effect, the counts, the results table and one object per verdict with every
 * number behind it (null when unknown). Like regress_report.c it prints the model only. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lib/json_put.h"
#include "regress/regress_fmt.h"
#include "regress/regress_report.h"

/* Numbers that may be unknown or infinite become null. */
json_t *regress_fmt__num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *jstr_array(char *const *s, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n; i++) {
		if (json_array_append_new(a, json_string(s[i]))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *exit_codes_json(const struct regress_verdict *v)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < v->exit_code_cnt; i++) {
		int code = v->exit_codes[i];

		if (json_array_append_new(a, code == REGRESS_EXIT_SIGNAL ? json_null()
									 : json_integer(code))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *verdict_json(const struct regress_verdict *v)
{
	json_t *o = json_object(), *d = json_object();
	char r[160];
	int err = 0;

	if (!o || !d) {
		json_decref(o);
		json_decref(d);
		return NULL;
	}
	json__put(o, "name", json_string(v->name), &err);
	json__put(o, "unit", json_string(v->unit), &err);
	json__put(o, "severity", json_string(regress_severity__name(v->severity)), &err);
	json__put(o, "mark", json_string(regress_report__mark(v->severity)), &err);
	json__put(o, "method", json_string(regress_method__name(v->method)), &err);
	json__put(o, "rule", json_string(regress_verdict__rule(v)), &err);
	json__put(o, "reason", json_string(regress_report__reason(v, r, sizeof(r))), &err);
	json__put(o, "higher_is_better", json_boolean(v->higher_is_better), &err);
	json__put(o, "current", regress_fmt__num(v->current), &err);
	json__put(o, "baseline", regress_fmt__num(v->baseline), &err);
	json__put(o, "current_median", regress_fmt__num(v->current_median), &err);
	json__put(o, "baseline_median", regress_fmt__num(v->baseline_median), &err);
	json__put(o, "change", regress_fmt__num(v->change), &err);
	json__put(o, "deviation", regress_fmt__num(v->deviation), &err);
	json__put(o, "estimate", regress_fmt__num(v->estimate), &err);
	json__put(o, "ci_low", regress_fmt__num(v->ci_lo), &err);
	json__put(o, "ci_high", regress_fmt__num(v->ci_hi), &err);
	json__put(o, "p", regress_fmt__num(v->p_worse), &err);
	json__put(o, "p_adjusted", regress_fmt__num(v->p_worse_adj), &err);
	json__put(o, "p_improved", regress_fmt__num(v->p_better), &err);
	json__put(o, "p_improved_adjusted", regress_fmt__num(v->p_better_adj), &err);
	json__put(o, "noise_floor", regress_fmt__num(v->floor), &err);
	json__put(o, "warning_threshold", regress_fmt__num(v->warning_threshold), &err);
	json__put(o, "critical_threshold", regress_fmt__num(v->critical_threshold), &err);
	json__put(o, "n_current", json_integer((json_int_t)v->n_current), &err);
	json__put(o, "n_baseline", json_integer((json_int_t)v->n_baseline), &err);
	if ((v->severity == REGRESS_INCONCLUSIVE && v->reason == REGRESS_REASON_FEW_SAMPLES) ||
	    v->reason == REGRESS_REASON_LOW_N)
		json__put(o, "need_samples", json_integer((json_int_t)v->need_samples), &err);
	if (v->reason == REGRESS_REASON_LOW_N) {
		json__put(o, "min_p", regress_fmt__num(v->min_p), &err);
		json__put(o, "family", json_integer((json_int_t)v->family_cnt), &err);
	}
	json__put(o, "failed_runs", json_integer((json_int_t)v->failed_runs), &err);
	json__put(o, "exit_codes", exit_codes_json(v), &err);
	json__put(d, "cv_current", regress_fmt__num(v->cv_current), &err);
	json__put(d, "cv_baseline", regress_fmt__num(v->cv_baseline), &err);
	json__put(d, "outliers_current", json_integer((json_int_t)v->outliers_current), &err);
	json__put(d, "outliers_baseline", json_integer((json_int_t)v->outliers_baseline), &err);
	json__put(d, "min_detectable_effect", regress_fmt__num(v->mde), &err);
	json__put(d, "noisy", json_boolean(v->noisy), &err);
	json__put(d, "probe_overhead", regress_fmt__num(v->overhead), &err);
	json__put(d, "near_probe_overhead", json_boolean(v->near_overhead), &err);
	json__put(o, "diagnostics", d, &err);
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *regress_fmt__check_json(const struct regress_check *c)
{
	json_t *root = json_object(), *counts = json_object(), *res = json_array();
	json_t *cmp = json_array(), *reg = json_array(), *inc = json_array(), *errs = json_array();
	char line[256];
	size_t i;
	int err = 0;

	regress_fmt__verdict_line(c, line, sizeof(line));
	json__put(root, "schema_version", json_integer(REGRESS_REPORT_SCHEMA_VERSION), &err);
	json__put(root, "kind", json_string("perfan-check"), &err);
	json__put(root, "mode", json_string(regress_mode__name(c->opts.mode)), &err);
	json__put(root, "alpha", json_real(c->opts.alpha), &err);
	json__put(root, "fail_on", json_string(regress_level__name(c->opts.fail_on)), &err);
	json__put(root, "allow_exit_codes", json_boolean(c->opts.allow_exit_codes), &err);
	json__put(root, "failed", json_boolean(c->failed), &err);
	json__put(root, "verdict", json_string(line), &err);
	json__put(root, "counts", counts, &err);
	for (i = 0; i < REGRESS_SEVERITY_CNT && counts; i++) {
		char key[32];
		size_t k;

		snprintf(key, sizeof(key), "%s", regress_severity__name(i));
		for (k = 0; key[k]; k++)
			key[k] = (char)(key[k] - 'A' + 'a');
		json__put(counts, key, json_integer((json_int_t)c->counts[i]), &err);
	}
	if (counts)
		json__put(counts, "skipped", json_integer((json_int_t)c->skipped_cnt), &err);
	json__put(root, "results", res, &err);
	for (i = 0; res && !err && i < c->result_cnt; i++) {
		const struct regress_result *r = &c->results[i];
		json_t *o = json_object();

		if (!o || json_array_append_new(res, o)) {
			err = -ENOMEM;
			break;
		}
		json__put(o, "name", json_string(r->name), &err);
		json__put(o, "unit", json_string(r->unit), &err);
		json__put(o, "mean", regress_fmt__num(r->value), &err);
		json__put(o, "median", regress_fmt__num(r->median), &err);
		json__put(o, "ops_per_sec",
			  regress_fmt__num(regress_fmt__ops_per_sec(r->value, r->unit)), &err);
		json__put(o, "n", json_integer((json_int_t)(r->sample_cnt ? r->sample_cnt : r->n)),
			  &err);
	}
	json__put(root, "comparisons", cmp, &err);
	for (i = 0; cmp && reg && inc && errs && !err && i < c->verdict_cnt; i++) {
		const struct regress_verdict *v = &c->verdicts[i];
		json_t *o = verdict_json(v), *list = NULL;

		if (!o || json_array_append_new(cmp, o))
			err = -ENOMEM;
		if (v->severity == REGRESS_WARNING || v->severity == REGRESS_CRITICAL)
			list = reg;
		else if (v->severity == REGRESS_INCONCLUSIVE)
			list = inc;
		else if (v->severity == REGRESS_ERROR)
			list = errs;
		if (!err && list && json_array_append_new(list, json_string(v->name)))
			err = -ENOMEM;
	}
	json__put(root, "regressions", reg, &err);
	json__put(root, "inconclusive", inc, &err);
	json__put(root, "errors", errs, &err);
	json__put(root, "skipped", jstr_array(c->skipped, c->skipped_cnt), &err);
	json__put(root, "filtered", jstr_array(c->filtered, c->filtered_cnt), &err);
	if (err || !root) {
		json_decref(root);
		return NULL;
	}
	return root;
}
