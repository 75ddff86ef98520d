// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Formatters of the growth trend (see trend_report.h): diagnosis text and JSON. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include "lib/bytes_fmt.h"
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
	if (t->by_process)
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

/* Streamed (lib/json_out.h): the bytes jansson printed from the tree of earlier versions */

static void stack_json(struct json_out *o, const struct session_trend *t,
		       const struct trend_stack *s)
{
	const struct trend_series_stats *st = &s->st;
	char name[NAME_LEN];

	json_out__obj_begin(o);
	json_out__key_int(o, "pid", s->pid);
	json_out__key_int(o, "stack_id", (int64_t)s->stack_id);
	json_out__key_str(o, "name",
			  stack_name__text(s->frames, s->frame_cnt, t->s->allocator, s->stack_id,
					   name, sizeof(name)));
	json_out__key_str(o, "class", trend__class_name(s->cls));
	json_out__key(o, "live_bytes");
	json_out__arr_begin(o);
	for (size_t i = 0; i < st->n; i++)
		json_out__int(o, (int64_t)s->live_bytes[i]);
	json_out__arr_end(o);
	json_out__key_int(o, "first_bytes", (int64_t)st->first);
	json_out__key_int(o, "last_bytes", (int64_t)st->last);
	json_out__key_int(o, "min_bytes", (int64_t)st->base);
	json_out__key_int(o, "peak_bytes", (int64_t)st->peak);
	json_out__key_int(o, "peak_index", (int64_t)st->peak_idx);
	json_out__key_int(o, "noise_band_bytes", (int64_t)st->band);
	json_out__key_real(o, "bytes_per_snapshot", st->slope_per_snapshot);
	json_out__key_real(o, "bytes_per_hour", s->bytes_per_hour);
	json_out__key_int(o, "interval_cnt", (int64_t)(st->n - 1));
	json_out__key_int(o, "grew_intervals", (int64_t)st->grew);
	json_out__key_int(o, "shrank_intervals", (int64_t)st->shrank);
	json_out__key_int(o, "unchanged_intervals", (int64_t)st->unchanged);
	json_out__key_bool(o, "tail_held", st->tail_held);
	json_out__key_int(o, "tail_start", (int64_t)st->tail_start);
	json_out__key_int(o, "returns", (int64_t)st->returns);
	json_out__key(o, "frames");
	leak_json__out_frames(o, s->frames, s->frame_cnt);
	json_out__obj_end(o);
}

int trend_report__write_json(const struct session_trend *t, FILE *out)
{
	struct json_out *o = leak_json__doc_out(out);

	if (!o)
		return -ENOMEM;
	json_out__obj_begin(o);
	json_out__key_int(o, "schema_version", TREND_REPORT_SCHEMA_VERSION);
	json_out__key_int(o, "pid", t->s->pid);
	json_out__key_int(o, "snapshot_cnt", (int64_t)t->snap_cnt);
	json_out__key(o, "labels");
	json_out__arr_begin(o);
	for (size_t i = 0; i < t->snap_cnt; i++)
		json_out__str(o, t->s->snaps[i].label);
	json_out__arr_end(o);
	json_out__key_str(o, "time_axis", time_axis_name(t->time_axis));
	json_out__key(o, "span_s");
	if (t->time_axis != TREND_TIME_NONE)
		json_out__real(o, t->span_s);
	else
		json_out__null(o);
	json_out__key_bool(o, "leak_suspected", t->class_cnt[TREND_LEAK] > 0);
	json_out__key(o, "class_counts");
	json_out__obj_begin(o);
	for (int c = 0; c < TREND_CLASS__MAX; c++)
		json_out__key_int(o, trend__class_name(c), (int64_t)t->class_cnt[c]);
	json_out__obj_end(o);
	json_out__key(o, "stacks");
	json_out__arr_begin(o);
	for (size_t i = 0; i < t->stack_cnt && !json_out__err(o); i++)
		stack_json(o, t, &t->stacks[i]);
	json_out__arr_end(o);
	json_out__obj_end(o);
	return leak_json__doc_close(o);
}

trend_formatter trend_report__formatter(const char *name)
{
	if (!strcmp(name, "text"))
		return trend_report__write_text;
	if (!strcmp(name, "json"))
		return trend_report__write_json;
	return NULL;
}
