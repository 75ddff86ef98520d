// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Formatters of the snapshot diff (see diff_report.h): text and JSON. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include "analysis/report.h"
#include "lib/bytes_fmt.h"
#include "lib/stack_name.h"
#include "output/diff_report.h"
#include "output/report_format.h"
#include "session/leak_json.h"

/* ---- text ---- */

static void write_header(const struct snapshot_diff *d, FILE *out)
{
	const struct snapshot *a = d->a, *b = d->b;
	char b1[BYTES_FMT_LEN], b2[BYTES_FMT_LEN], b3[BYTES_FMT_LEN], b4[BYTES_FMT_LEN];

	fprintf(out, "Diff \"%s\" (#%" PRIu32 ") → \"%s\" (#%" PRIu32 ")", a->label, a->seq,
		b->label, b->seq);
	if (d->pid)
		fprintf(out, " of pid %" PRIu32, d->pid);
	fprintf(out, ", %.1f s apart\n", b->elapsed_s - a->elapsed_s);
	fprintf(out,
		"  tracked heap: %s → %s: %s (%+" PRId64 " B), %+" PRId64 " objects (%" PRIu64
		" → %" PRIu64 ")\n",
		bytes__fmt(d->live_bytes_a, b1, sizeof(b1)),
		bytes__fmt(d->live_bytes_b, b2, sizeof(b2)),
		bytes__fmt_signed(d->byte_delta, b3, sizeof(b3)), d->byte_delta, d->object_delta,
		d->live_objects_a, d->live_objects_b);
	if (d->mem.known) {
		fprintf(out, "  RSS:          %s → %s: %s (anonymous %s)",
			bytes__fmt(d->mem.rss_bytes_a, b1, sizeof(b1)),
			bytes__fmt(d->mem.rss_bytes_b, b2, sizeof(b2)),
			bytes__fmt_signed(d->mem.rss_delta, b3, sizeof(b3)),
			bytes__fmt_signed(d->mem.anon_delta, b4, sizeof(b4)));
		if (d->mem.rss_delta > 0)
			fprintf(out, "; not explained by the tracked heap: %s",
				bytes__fmt(d->mem.unexplained_rss_bytes, b4, sizeof(b4)));
		fputc('\n', out);
	} else {
		fprintf(out, "  RSS:          unknown (not read in both snapshots)\n");
	}
	fprintf(out,
		"  leak suspected: %s: %+" PRId64 " objects is %s the threshold of %" PRIu64 "\n",
		d->leak_suspected ? "YES" : "no", d->object_delta,
		d->leak_suspected ? "above" : "not above", d->leak_threshold);
	fprintf(out, "  stacks: %zu appeared, %zu grew, %zu shrank, %zu vanished, %zu unchanged\n",
		d->status_cnt[DIFF_APPEARED], d->status_cnt[DIFF_GREW], d->status_cnt[DIFF_SHRANK],
		d->status_cnt[DIFF_VANISHED], d->status_cnt[DIFF_UNCHANGED]);
}

static void write_stack(const struct snapshot_diff *d, const struct diff_stack *s, size_t rank,
			FILE *out)
{
	char b1[BYTES_FMT_LEN], b2[BYTES_FMT_LEN], b3[BYTES_FMT_LEN], name[512];

	fprintf(out,
		"\n#%zu  %s (%+" PRId64 " B), %+" PRId64 " objects: %s → %s, %" PRIu64 " → %" PRIu64
		" objects  [%s]",
		rank, bytes__fmt_signed(s->byte_delta, b1, sizeof(b1)), s->byte_delta,
		s->object_delta, bytes__fmt(s->live_bytes_a, b2, sizeof(b2)),
		bytes__fmt(s->live_bytes_b, b3, sizeof(b3)), s->live_objects_a, s->live_objects_b,
		diff__status_name(s->status));
	if (d->by_process)
		fprintf(out, "  [pid %" PRIu32 "]", s->pid);
	fputc('\n', out);
	fprintf(out, "    %s\n",
		stack_name__text(s->frames, s->frame_cnt, d->allocator, s->stack_id, name,
				 sizeof(name)));
	for (size_t i = 0; i < s->frame_cnt; i++)
		report__write_frame(out, i, &s->frames[i]);
}

int diff_report__write_text(const struct snapshot_diff *d, const struct diff_format_opts *opts,
			    FILE *out)
{
	size_t changed = d->stack_cnt - d->status_cnt[DIFF_UNCHANGED], shown = 0;
	bool any_lost = false;

	write_header(d, out);
	for (size_t i = 0; i < d->stack_cnt; i++) {
		if (d->stacks[i].status == DIFF_UNCHANGED)
			continue;
		if (opts->top && shown >= opts->top)
			break;
		write_stack(d, &d->stacks[i], ++shown, out);
	}
	if (!changed)
		fprintf(out, "\nNo stack's live memory changed.\n");
	else if (shown < changed)
		fprintf(out, "\n(%zu more stacks changed; --top 0 shows all)\n", changed - shown);
	for (int k = 0; k < REPORT_LOST__MAX; k++) {
		if (d->lost_delta[k] <= 0 || !report_lost__applies(k, d->growth))
			continue;
		if (!any_lost)
			fprintf(out,
				"\nLost between the snapshots (the deltas above miss these):\n");
		any_lost = true;
		fprintf(out, "  %-17s %+10" PRId64 "  %s\n", report_lost__name(k), d->lost_delta[k],
			report_lost__help(k));
	}
	return ferror(out) ? -EIO : 0;
}

/* ---- JSON ---- */

/* Streamed (lib/json_out.h): the bytes jansson printed from the tree of earlier versions */

static void int_or_null(struct json_out *o, const char *key, bool known, int64_t v)
{
	json_out__key(o, key);
	if (known)
		json_out__int(o, v);
	else
		json_out__null(o);
}

static void stack_json(struct json_out *o, const struct snapshot_diff *d,
		       const struct diff_stack *s)
{
	char name[512];

	json_out__obj_begin(o);
	json_out__key_int(o, "pid", s->pid);
	json_out__key_int(o, "stack_id", (int64_t)s->stack_id);
	json_out__key_str(o, "name",
			  stack_name__text(s->frames, s->frame_cnt, d->allocator, s->stack_id, name,
					   sizeof(name)));
	json_out__key_str(o, "status", diff__status_name(s->status));
	json_out__key_int(o, "live_bytes_a", (int64_t)s->live_bytes_a);
	json_out__key_int(o, "live_bytes_b", (int64_t)s->live_bytes_b);
	json_out__key_int(o, "byte_delta", s->byte_delta);
	json_out__key_int(o, "live_objects_a", (int64_t)s->live_objects_a);
	json_out__key_int(o, "live_objects_b", (int64_t)s->live_objects_b);
	json_out__key_int(o, "object_delta", s->object_delta);
	json_out__key_int(o, "alloc_bytes_between", (int64_t)s->alloc_bytes_between);
	json_out__key_int(o, "alloc_objects_between", (int64_t)s->alloc_objects_between);
	json_out__key(o, "frames");
	leak_json__out_frames(o, s->frames, s->frame_cnt);
	json_out__obj_end(o);
}

int diff_report__write_json(const struct snapshot_diff *d, const struct diff_format_opts *opts,
			    FILE *out)
{
	const struct diff_mem *m = &d->mem;
	struct json_out *o = leak_json__doc_out(out);
	size_t shown = 0;

	if (!o)
		return -ENOMEM;
	json_out__obj_begin(o);
	json_out__key_int(o, "schema_version", DIFF_REPORT_SCHEMA_VERSION);
	json_out__key_int(o, "pid", d->pid);
	json_out__key_str(o, "label_a", d->a->label);
	json_out__key_str(o, "label_b", d->b->label);
	json_out__key_int(o, "seq_a", d->a->seq);
	json_out__key_int(o, "seq_b", d->b->seq);
	json_out__key_real(o, "elapsed_s_a", d->a->elapsed_s);
	json_out__key_real(o, "elapsed_s_b", d->b->elapsed_s);
	json_out__key_int(o, "object_delta", d->object_delta);
	json_out__key_int(o, "byte_delta", d->byte_delta);
	json_out__key_bool(o, "leak_suspected", d->leak_suspected);
	json_out__key_int(o, "leak_threshold",
			  (int64_t)(d->leak_threshold > INT64_MAX ? INT64_MAX : d->leak_threshold));
	json_out__key_int(o, "live_bytes_a", (int64_t)d->live_bytes_a);
	json_out__key_int(o, "live_bytes_b", (int64_t)d->live_bytes_b);
	json_out__key_int(o, "live_objects_a", (int64_t)d->live_objects_a);
	json_out__key_int(o, "live_objects_b", (int64_t)d->live_objects_b);
	int_or_null(o, "rss_bytes_a", m->known, (int64_t)m->rss_bytes_a);
	int_or_null(o, "rss_bytes_b", m->known, (int64_t)m->rss_bytes_b);
	int_or_null(o, "rss_delta", m->known, m->rss_delta);
	int_or_null(o, "anon_bytes_a", m->known, (int64_t)m->anon_bytes_a);
	int_or_null(o, "anon_bytes_b", m->known, (int64_t)m->anon_bytes_b);
	int_or_null(o, "anon_delta", m->known, m->anon_delta);
	int_or_null(o, "unexplained_rss_bytes", m->known, (int64_t)m->unexplained_rss_bytes);
	json_out__key(o, "lost_delta");
	json_out__obj_begin(o);
	for (int k = 0; k < REPORT_LOST__MAX; k++)
		if (report_lost__applies(k, d->growth))
			json_out__key_int(o, report_lost__name(k), d->lost_delta[k]);
	json_out__obj_end(o);
	json_out__key(o, "status_counts");
	json_out__obj_begin(o);
	for (int st = 0; st <= DIFF_UNCHANGED; st++)
		json_out__key_int(o, diff__status_name(st), (int64_t)d->status_cnt[st]);
	json_out__obj_end(o);
	json_out__key_int(o, "stack_cnt", (int64_t)d->stack_cnt);
	json_out__key(o, "stacks");
	json_out__arr_begin(o);
	for (size_t i = 0; i < d->stack_cnt && !json_out__err(o); i++) {
		if (opts->top && shown >= opts->top)
			break;
		shown++;
		stack_json(o, d, &d->stacks[i]);
	}
	json_out__arr_end(o);
	json_out__obj_end(o);
	return leak_json__doc_close(o);
}

diff_formatter diff_report__formatter(const char *name)
{
	if (!strcmp(name, "text"))
		return diff_report__write_text;
	if (!strcmp(name, "json"))
		return diff_report__write_json;
	return NULL;
}
