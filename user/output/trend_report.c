// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Formatters of the growth trend (see trend_report.h): diagnosis text and JSON. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <string.h>
#include "lib/bytes_fmt.h"
#include "lib/json_put.h"
#include "lib/stack_name.h"
#include "output/report_format.h"
#include "output/trend_report.h"
#include "session/leak_json.h"

#define NAME_LEN 1024

static const char *time_axis_name(enum trend_time_axis axis)
{
	switch (axis) {
	case TREND_TIME_MONO:
		return "mono";
	case TREND_TIME_ELAPSED:
		return "elapsed";
	default:
		return "none";
	}
}

/* ---- text ---- */

static void write_rate(const struct session_trend *t, const struct trend_stack *s, FILE *out)
{
	char b1[BYTES_FMT_LEN], b2[BYTES_FMT_LEN];

	fprintf(out, ", %s per snapshot",
		bytes__fmt_real(s->st.slope_per_snapshot, b1, sizeof(b1)));
	if (t->time_axis != TREND_TIME_NONE)
		fprintf(out, " (%s per hour)", bytes__fmt_real(s->bytes_per_hour, b2, sizeof(b2)));
}

static void write_line(const struct session_trend *t, const struct trend_stack *s, FILE *out)
{
	const struct trend_series_stats *st = &s->st;
	const struct snapshot *snaps = t->s->snaps;
	char first[BYTES_FMT_LEN], last[BYTES_FMT_LEN], b[BYTES_FMT_LEN], b2[BYTES_FMT_LEN];
	char name[NAME_LEN];
	size_t m = st->n - 1;

	bytes__fmt(st->first, first, sizeof(first));
	bytes__fmt(st->last, last, sizeof(last));
	fprintf(out, "  ");
	if (!t->s->pid)
		fprintf(out, "[pid %" PRIu32 "] ", s->pid);
	fprintf(out, "%s: ",
		stack_name__text(s->frames, s->frame_cnt, t->s->allocator, s->stack_id, name,
				 sizeof(name)));
	switch (s->cls) {
	case TREND_LEAK:
		fprintf(out, "%s → %s over %zu snapshots", first, last, st->n);
		write_rate(t, s, out);
		fprintf(out, ", grew in %zu/%zu intervals — leak\n", st->grew, m);
		break;
	case TREND_PLATEAU:
		fprintf(out,
			"%s → %s over %zu snapshots, at that level since snapshot %zu (\"%s\"), "
			"held for %zu/%zu intervals — plateau (cache or pool)\n",
			first, last, st->n, st->tail_start, snaps[st->tail_start].label,
			st->tail_intervals, m);
		break;
	case TREND_TRANSIENT:
		fprintf(out,
			"%s → peak %s at snapshot %zu (\"%s\") → %s, returned %zu time%s — "
			"transient\n",
			first, bytes__fmt(st->peak, b, sizeof(b)), st->peak_idx,
			snaps[st->peak_idx].label, last, st->returns, st->returns == 1 ? "" : "s");
		break;
	case TREND_SHRINKING:
		fprintf(out, "%s → %s over %zu snapshots", first, last, st->n);
		write_rate(t, s, out);
		fprintf(out, ", shrank in %zu/%zu intervals — shrinking\n", st->shrank, m);
		break;
	case TREND_IRREGULAR:
		fprintf(out,
			"%s → %s over %zu snapshots (min %s, peak %s), grew in %zu/%zu and "
			"shrank in %zu/%zu intervals — irregular\n",
			first, last, st->n, bytes__fmt(st->base, b, sizeof(b)),
			bytes__fmt(st->peak, b2, sizeof(b2)), st->grew, m, st->shrank, m);
		break;
	default:
		fprintf(out, "%s → %s over %zu snapshots — flat\n", first, last, st->n);
		break;
	}
}

int trend_report__write_text(const struct session_trend *t, FILE *out)
{
	const struct snapshot *snaps = t->s->snaps;
	static const enum trend_class order[] = { TREND_LEAK,	   TREND_PLATEAU,   TREND_TRANSIENT,
						  TREND_IRREGULAR, TREND_SHRINKING, TREND_FLAT };
	char name[NAME_LEN], b[BYTES_FMT_LEN];
	const struct trend_stack *worst = NULL;

	fprintf(out, "Trend over %zu snapshots", t->snap_cnt);
	if (t->s->pid)
		fprintf(out, " of pid %" PRIu32, t->s->pid);
	fprintf(out, ", \"%s\" → \"%s\"", snaps[0].label, snaps[t->snap_cnt - 1].label);
	if (t->time_axis != TREND_TIME_NONE)
		fprintf(out, " in %.1f s", t->span_s);
	fprintf(out, ":");
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		fprintf(out, "%s %zu %s", i ? "," : "", t->class_cnt[order[i]],
			trend__class_name(order[i]));
	fprintf(out, "\n\n");
	for (size_t i = 0; i < t->stack_cnt; i++) {
		if (t->stacks[i].cls == TREND_FLAT)
			continue;
		if (t->stacks[i].cls == TREND_LEAK && !worst)
			worst = &t->stacks[i];
		write_line(t, &t->stacks[i], out);
	}
	if (t->class_cnt[TREND_FLAT])
		fprintf(out, "  (%zu flat stack%s not listed; --format json lists every stack)\n",
			t->class_cnt[TREND_FLAT], t->class_cnt[TREND_FLAT] == 1 ? "" : "s");
	if (!t->stack_cnt)
		fprintf(out, "  No stack held live memory in any snapshot.\n");
	if (worst)
		fprintf(out,
			"\nVerdict: %zu stack%s leak%s; the one that grew most: %s, %s per "
			"snapshot.\n",
			t->class_cnt[TREND_LEAK], t->class_cnt[TREND_LEAK] == 1 ? "" : "s",
			t->class_cnt[TREND_LEAK] == 1 ? "s" : "",
			stack_name__text(worst->frames, worst->frame_cnt, t->s->allocator,
					 worst->stack_id, name, sizeof(name)),
			bytes__fmt_real(worst->st.slope_per_snapshot, b, sizeof(b)));
	else
		fprintf(out, "\nVerdict: no leak: no stack grew steadily over these snapshots.\n");
	return ferror(out) ? -EIO : 0;
}

/* ---- JSON ---- */

/* JSON has no NaN or infinity (jansson refuses them): those become null */
static json_t *real_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *stack_json(const struct session_trend *t, const struct trend_stack *s)
{
	const struct trend_series_stats *st = &s->st;
	json_t *obj = json_object(), *series = json_array();
	char name[NAME_LEN];
	int err = obj && series ? 0 : -ENOMEM;

	for (size_t i = 0; !err && i < st->n; i++)
		if (json_array_append_new(series, json_integer((json_int_t)s->live_bytes[i])))
			err = -ENOMEM;
	if (!err) {
		json__put(obj, "pid", json_integer(s->pid), &err);
		json__put(obj, "stack_id", json_integer((json_int_t)s->stack_id), &err);
		json__put(obj, "name",
			  json_string(stack_name__text(s->frames, s->frame_cnt, t->s->allocator,
						       s->stack_id, name, sizeof(name))),
			  &err);
		json__put(obj, "class", json_string(trend__class_name(s->cls)), &err);
		json__put(obj, "live_bytes", json_incref(series), &err);
		json__put(obj, "first_bytes", json_integer((json_int_t)st->first), &err);
		json__put(obj, "last_bytes", json_integer((json_int_t)st->last), &err);
		json__put(obj, "min_bytes", json_integer((json_int_t)st->base), &err);
		json__put(obj, "peak_bytes", json_integer((json_int_t)st->peak), &err);
		json__put(obj, "peak_index", json_integer((json_int_t)st->peak_idx), &err);
		json__put(obj, "noise_band_bytes", json_integer((json_int_t)st->band), &err);
		json__put(obj, "bytes_per_snapshot", real_or_null(st->slope_per_snapshot), &err);
		json__put(obj, "bytes_per_hour", real_or_null(s->bytes_per_hour), &err);
		json__put(obj, "interval_cnt", json_integer((json_int_t)(st->n - 1)), &err);
		json__put(obj, "grew_intervals", json_integer((json_int_t)st->grew), &err);
		json__put(obj, "shrank_intervals", json_integer((json_int_t)st->shrank), &err);
		json__put(obj, "unchanged_intervals", json_integer((json_int_t)st->unchanged),
			  &err);
		json__put(obj, "tail_held", json_boolean(st->tail_held), &err);
		json__put(obj, "tail_start", json_integer((json_int_t)st->tail_start), &err);
		json__put(obj, "returns", json_integer((json_int_t)st->returns), &err);
		json__put(obj, "frames", leak_json__frames(s->frames, s->frame_cnt), &err);
	}
	json_decref(series);
	if (err) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

static json_t *doc_json(const struct session_trend *t)
{
	json_t *doc = json_object(), *labels = json_array(), *counts = json_object(),
	       *stacks = json_array();
	int err = doc && labels && counts && stacks ? 0 : -ENOMEM;

	for (size_t i = 0; !err && i < t->snap_cnt; i++)
		if (json_array_append_new(labels, leak_json__str(t->s->snaps[i].label)))
			err = -ENOMEM;
	for (int c = 0; !err && c < TREND_CLASS__MAX; c++)
		json__put(counts, trend__class_name(c), json_integer((json_int_t)t->class_cnt[c]),
			  &err);
	for (size_t i = 0; !err && i < t->stack_cnt; i++)
		if (json_array_append_new(stacks, stack_json(t, &t->stacks[i])))
			err = -ENOMEM;
	if (!err) {
		json__put(doc, "schema_version", json_integer(TREND_REPORT_SCHEMA_VERSION), &err);
		json__put(doc, "pid", json_integer(t->s->pid), &err);
		json__put(doc, "snapshot_cnt", json_integer((json_int_t)t->snap_cnt), &err);
		json__put(doc, "labels", json_incref(labels), &err);
		json__put(doc, "time_axis", json_string(time_axis_name(t->time_axis)), &err);
		json__put(doc, "span_s",
			  t->time_axis != TREND_TIME_NONE ? real_or_null(t->span_s) : json_null(),
			  &err);
		json__put(doc, "leak_suspected", json_boolean(t->class_cnt[TREND_LEAK] > 0), &err);
		json__put(doc, "class_counts", json_incref(counts), &err);
		json__put(doc, "stacks", json_incref(stacks), &err);
	}
	json_decref(labels);
	json_decref(counts);
	json_decref(stacks);
	if (err) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

int trend_report__write_json(const struct session_trend *t, FILE *out)
{
	return leak_json__write_doc(doc_json(t), out);
}

trend_formatter trend_report__formatter(const char *name)
{
	if (!strcmp(name, "text"))
		return trend_report__write_text;
	if (!strcmp(name, "json"))
		return trend_report__write_json;
	return NULL;
}
