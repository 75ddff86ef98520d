// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Formatters of the growth trend (see trend_report.h): diagnosis text and JSON. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <string.h>
#include "bytes_fmt.h"
#include "leak_json.h"
#include "stack_name.h"
#include "trend_report.h"

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
		bytes_fmt_real(s->st.slope_per_snapshot, b1, sizeof(b1)));
	if (t->time_axis != TREND_TIME_NONE)
		fprintf(out, " (%s per hour)", bytes_fmt_real(s->bytes_per_hour, b2, sizeof(b2)));
}

static void write_line(const struct session_trend *t, const struct trend_stack *s, FILE *out)
{
	const struct trend_series_stats *st = &s->st;
	const struct snapshot *snaps = t->s->snaps;
	char first[BYTES_FMT_LEN], last[BYTES_FMT_LEN], b[BYTES_FMT_LEN], b2[BYTES_FMT_LEN];
	char name[NAME_LEN];
	size_t m = st->n - 1;

	bytes_fmt(st->first, first, sizeof(first));
	bytes_fmt(st->last, last, sizeof(last));
	fprintf(out, "  ");
	if (!t->s->pid)
		fprintf(out, "[pid %" PRIu32 "] ", s->pid);
	fprintf(out, "%s: ",
		stack_name(s->frames, s->frame_cnt, t->s->allocator, s->stack_id, name,
			   sizeof(name)));
	switch (s->cls) {
	case TREND_LEAK:
		fprintf(out, "%s → %s over %zu snapshots", first, last, st->n);
		write_rate(t, s, out);
		fprintf(out, ", grew in %zu/%zu intervals — leak\n", st->grew, m);
		break;
	case TREND_PLATEAU:
		fprintf(out, "%s → %s over %zu snapshots, at that level since snapshot %zu (\"%s\"), "
			     "held for %zu/%zu intervals — plateau (cache or pool)\n",
			first, last, st->n, st->tail_start, snaps[st->tail_start].label,
			st->tail_intervals, m);
		break;
	case TREND_TRANSIENT:
		fprintf(out, "%s → peak %s at snapshot %zu (\"%s\") → %s, returned %zu time%s — "
			     "transient\n",
			first, bytes_fmt(st->peak, b, sizeof(b)), st->peak_idx,
			snaps[st->peak_idx].label, last, st->returns, st->returns == 1 ? "" : "s");
		break;
	case TREND_SHRINKING:
		fprintf(out, "%s → %s over %zu snapshots", first, last, st->n);
		write_rate(t, s, out);
		fprintf(out, ", shrank in %zu/%zu intervals — shrinking\n", st->shrank, m);
		break;
	case TREND_IRREGULAR:
		fprintf(out, "%s → %s over %zu snapshots (min %s, peak %s), grew in %zu/%zu and "
			     "shrank in %zu/%zu intervals — irregular\n",
			first, last, st->n, bytes_fmt(st->base, b, sizeof(b)),
			bytes_fmt(st->peak, b2, sizeof(b2)), st->grew, m, st->shrank, m);
		break;
	default:
		fprintf(out, "%s → %s over %zu snapshots — flat\n", first, last, st->n);
		break;
	}
}

int trend_report__write_text(const struct session_trend *t, FILE *out)
{
	const struct snapshot *snaps = t->s->snaps;
	static const enum trend_class order[] = { TREND_LEAK, TREND_PLATEAU, TREND_TRANSIENT,
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
		fprintf(out, "\nVerdict: %zu stack%s leak%s; the one that grew most: %s, %s per "
			     "snapshot.\n",
			t->class_cnt[TREND_LEAK], t->class_cnt[TREND_LEAK] == 1 ? "" : "s",
			t->class_cnt[TREND_LEAK] == 1 ? "s" : "",
			stack_name(worst->frames, worst->frame_cnt, t->s->allocator,
				   worst->stack_id, name, sizeof(name)),
			bytes_fmt_real(worst->st.slope_per_snapshot, b, sizeof(b)));
	else
		fprintf(out, "\nVerdict: no leak: no stack grew steadily over these snapshots.\n");
	return ferror(out) ? -EIO : 0;
}

/* ---- JSON ---- */

static void set(json_t *obj, const char *key, json_t *value, bool *ok)
{
	if (!value || json_object_set_new(obj, key, value))
		*ok = false;
}

/* JSON has no NaN or infinity (jansson refuses them): those become null */
static json_t *real_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *stack_json(const struct session_trend *t, const struct trend_stack *s)
{
	const struct trend_series_stats *st = &s->st;
	json_t *obj = json_object(), *series = json_array(), *frames = json_array();
	char name[NAME_LEN];
	bool ok = obj && series && frames;

	for (size_t i = 0; ok && i < st->n; i++)
		if (json_array_append_new(series, json_integer((json_int_t)s->live_bytes[i])))
			ok = false;
	for (size_t i = 0; ok && i < s->frame_cnt; i++)
		if (json_array_append_new(frames, leak_json__frame(&s->frames[i])))
			ok = false;
	if (ok) {
		set(obj, "pid", json_integer(s->pid), &ok);
		set(obj, "stack_id", json_integer((json_int_t)s->stack_id), &ok);
		set(obj, "name",
		    json_string(stack_name(s->frames, s->frame_cnt, t->s->allocator, s->stack_id,
					   name, sizeof(name))),
		    &ok);
		set(obj, "class", json_string(trend__class_name(s->cls)), &ok);
		set(obj, "live_bytes", json_incref(series), &ok);
		set(obj, "first_bytes", json_integer((json_int_t)st->first), &ok);
		set(obj, "last_bytes", json_integer((json_int_t)st->last), &ok);
		set(obj, "min_bytes", json_integer((json_int_t)st->base), &ok);
		set(obj, "peak_bytes", json_integer((json_int_t)st->peak), &ok);
		set(obj, "peak_index", json_integer((json_int_t)st->peak_idx), &ok);
		set(obj, "noise_band_bytes", json_integer((json_int_t)st->band), &ok);
		set(obj, "bytes_per_snapshot", real_or_null(st->slope_per_snapshot), &ok);
		set(obj, "bytes_per_hour", real_or_null(s->bytes_per_hour), &ok);
		set(obj, "interval_cnt", json_integer((json_int_t)(st->n - 1)), &ok);
		set(obj, "grew_intervals", json_integer((json_int_t)st->grew), &ok);
		set(obj, "shrank_intervals", json_integer((json_int_t)st->shrank), &ok);
		set(obj, "unchanged_intervals", json_integer((json_int_t)st->unchanged), &ok);
		set(obj, "tail_held", json_boolean(st->tail_held), &ok);
		set(obj, "tail_start", json_integer((json_int_t)st->tail_start), &ok);
		set(obj, "returns", json_integer((json_int_t)st->returns), &ok);
		set(obj, "frames", json_incref(frames), &ok);
	}
	json_decref(series);
	json_decref(frames);
	if (!ok) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

static json_t *doc_json(const struct session_trend *t)
{
	json_t *doc = json_object(), *labels = json_array(), *counts = json_object(),
	       *stacks = json_array();
	bool ok = doc && labels && counts && stacks;

	for (size_t i = 0; ok && i < t->snap_cnt; i++)
		if (json_array_append_new(labels, leak_json__str(t->s->snaps[i].label)))
			ok = false;
	for (int c = 0; ok && c < TREND_CLASS__MAX; c++)
		set(counts, trend__class_name(c), json_integer((json_int_t)t->class_cnt[c]), &ok);
	for (size_t i = 0; ok && i < t->stack_cnt; i++)
		if (json_array_append_new(stacks, stack_json(t, &t->stacks[i])))
			ok = false;
	if (ok) {
		set(doc, "schema_version", json_integer(TREND_REPORT_SCHEMA_VERSION), &ok);
		set(doc, "pid", json_integer(t->s->pid), &ok);
		set(doc, "snapshot_cnt", json_integer((json_int_t)t->snap_cnt), &ok);
		set(doc, "labels", json_incref(labels), &ok);
		set(doc, "time_axis", json_string(time_axis_name(t->time_axis)), &ok);
		set(doc, "span_s",
		    t->time_axis != TREND_TIME_NONE ? real_or_null(t->span_s) : json_null(), &ok);
		set(doc, "leak_suspected", json_boolean(t->class_cnt[TREND_LEAK] > 0), &ok);
		set(doc, "class_counts", json_incref(counts), &ok);
		set(doc, "stacks", json_incref(stacks), &ok);
	}
	json_decref(labels);
	json_decref(counts);
	json_decref(stacks);
	if (!ok) {
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
