// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Text, JSON and Markdown presentation of a history report (`perfan-bpf history`): the runs
 * where each benchmark's level moved. The change points were found in regress_baseline.c. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lib/json_put.h"
#include "regress/regress_fmt.h"
#include "regress/regress_report.h"

static double rel_change(double before, double after)
{
	return (after - before) / before;
}

static json_t *history_json(const struct regress_history_report *h, const char *source)
{
	json_t *root = json_object(), *arr = json_array();
	size_t i, j;
	int err = 0;

	json__put(root, "schema_version", json_integer(REGRESS_REPORT_SCHEMA_VERSION), &err);
	json__put(root, "kind", json_string("perfan-history"), &err);
	json__put(root, "baseline", json_string(source), &err);
	json__put(root, "method", json_string("e-divisive-means"), &err);
	json__put(root, "permutations", json_integer(h->permutations), &err);
	json__put(root, "sig_level", json_real(h->sig_level), &err);
	json__put(root, "min_runs", json_integer((json_int_t)h->min_runs), &err);
	json__put(root, "benchmarks", arr, &err);
	for (i = 0; arr && !err && i < h->item_cnt; i++) {
		const struct regress_history_item *it = &h->items[i];
		json_t *o = json_object(), *cps = json_array();

		if (!o || json_array_append_new(arr, o)) {
			json_decref(cps);
			err = -ENOMEM;
			break;
		}
		json__put(o, "name", json_string(it->name), &err);
		json__put(o, "unit", json_string(it->unit), &err);
		json__put(o, "runs", json_integer((json_int_t)it->run_cnt), &err);
		json__put(o, "too_short", json_boolean(it->too_short), &err);
		json__put(o, "change_points", cps, &err);
		for (j = 0; cps && !err && j < it->cp_cnt; j++) {
			const struct regress_history_cp *cp = &it->cps[j];
			json_t *e = json_object();

			if (!e || json_array_append_new(cps, e)) {
				err = -ENOMEM;
				break;
			}
			json__put(e, "run", json_integer((json_int_t)cp->run), &err);
			json__put(e, "index", json_integer((json_int_t)cp->index), &err);
			json__put(e, "label", cp->label ? json_string(cp->label) : json_null(),
				  &err);
			json__put(e, "before", regress_fmt__num(cp->before), &err);
			json__put(e, "after", regress_fmt__num(cp->after), &err);
			json__put(e, "change", regress_fmt__num(rel_change(cp->before, cp->after)),
				  &err);
			json__put(e, "p", regress_fmt__num(cp->p), &err);
		}
	}
	if (err || !root) {
		json_decref(root);
		return NULL;
	}
	return root;
}

static void history_cp_text(const struct regress_history_item *it,
			    const struct regress_history_cp *cp, bool md, FILE *out)
{
	char a[48], b[48], d[32];

	fprintf(out, "%slevel moved at run %llu", md ? "- " : "    ", (unsigned long long)cp->run);
	if (cp->label) {
		fputs(" (", out);
		if (md)
			regress_fmt__md_text(out, cp->label);
		else
			fputs(cp->label, out);
		fputc(')', out);
	}
	fprintf(out, ": %s -> %s (%s, p %.3f)\n",
		regress_report__value(a, sizeof(a), cp->before, it->unit),
		regress_report__value(b, sizeof(b), cp->after, it->unit),
		regress_fmt__pct(d, sizeof(d), rel_change(cp->before, cp->after)), cp->p);
}

static void write_history_text(const struct regress_history_report *h, const char *source, bool md,
			       FILE *out)
{
	size_t i, j;

	fprintf(out,
		"%sHistory of %s: change points by E-divisive means (%u permutations, "
		"p <= %g, segments of >= %zu runs)\n",
		md ? "### " : "", source, h->permutations, h->sig_level, h->min_runs / 2);
	if (md)
		fputc('\n', out);
	for (i = 0; i < h->item_cnt; i++) {
		const struct regress_history_item *it = &h->items[i];

		if (md) {
			fputs("**", out);
			regress_fmt__md_text(out, it->name);
			fputs("**", out);
		} else {
			fprintf(out, "  %s", it->name);
		}
		fprintf(out, ": %zu run%s; ", it->run_cnt, it->run_cnt == 1 ? "" : "s");
		if (it->too_short)
			fprintf(out, "too short (need >= %zu runs)\n", h->min_runs);
		else if (!it->cp_cnt)
			fprintf(out, "no change point\n");
		else
			fprintf(out, "%zu change point%s\n", it->cp_cnt,
				it->cp_cnt == 1 ? "" : "s");
		if (md && it->cp_cnt)
			fputc('\n', out);
		for (j = 0; j < it->cp_cnt; j++)
			history_cp_text(it, &it->cps[j], md, out);
		if (md)
			fputc('\n', out);
	}
}

int regress_report__write_history(const struct regress_history_report *h, const char *source,
				  enum regress_format fmt, FILE *out)
{
	switch (fmt) {
	case REGRESS_FORMAT_JSON:
		return regress_fmt__dump_json(history_json(h, source), out);
	case REGRESS_FORMAT_MARKDOWN:
		write_history_text(h, source, true, out);
		break;
	default:
		write_history_text(h, source, false, out);
		break;
	}
	return ferror(out) ? -EIO : 0;
}
