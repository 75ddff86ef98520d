// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Formatters of the snapshot diff (see diff_report.h): text and JSON. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <string.h>
#include "analysis/report.h"
#include "lib/bytes_fmt.h"
#include "lib/json_put.h"
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
	if (!d->pid)
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

/* JSON has no NaN or infinity (jansson refuses them): those become null */
static json_t *real_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *int_or_null(bool known, int64_t v)
{
	return known ? json_integer(v) : json_null();
}

static json_t *stack_json(const struct snapshot_diff *d, const struct diff_stack *s)
{
	json_t *obj = json_object();
	char name[512];
	int err = obj ? 0 : -ENOMEM;

	if (!err) {
		json__put(obj, "pid", json_integer(s->pid), &err);
		json__put(obj, "stack_id", json_integer((json_int_t)s->stack_id), &err);
		json__put(obj, "name",
			  json_string(stack_name__text(s->frames, s->frame_cnt, d->allocator,
						       s->stack_id, name, sizeof(name))),
			  &err);
		json__put(obj, "status", json_string(diff__status_name(s->status)), &err);
		json__put(obj, "live_bytes_a", json_integer((json_int_t)s->live_bytes_a), &err);
		json__put(obj, "live_bytes_b", json_integer((json_int_t)s->live_bytes_b), &err);
		json__put(obj, "byte_delta", json_integer(s->byte_delta), &err);
		json__put(obj, "live_objects_a", json_integer((json_int_t)s->live_objects_a), &err);
		json__put(obj, "live_objects_b", json_integer((json_int_t)s->live_objects_b), &err);
		json__put(obj, "object_delta", json_integer(s->object_delta), &err);
		json__put(obj, "alloc_bytes_between",
			  json_integer((json_int_t)s->alloc_bytes_between), &err);
		json__put(obj, "alloc_objects_between",
			  json_integer((json_int_t)s->alloc_objects_between), &err);
	}
	if (!err)
		json__put(obj, "frames", leak_json__frames(s->frames, s->frame_cnt), &err);
	if (err) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

static json_t *doc_json(const struct snapshot_diff *d, const struct diff_format_opts *opts)
{
	const struct diff_mem *m = &d->mem;
	json_t *doc = json_object(), *stacks = json_array(), *lost = json_object(),
	       *status = json_object();
	int err = doc && stacks && lost && status ? 0 : -ENOMEM;
	size_t shown = 0;

	for (int k = 0; !err && k < REPORT_LOST__MAX; k++)
		if (report_lost__applies(k, d->growth))
			json__put(lost, report_lost__name(k), json_integer(d->lost_delta[k]), &err);
	for (int st = 0; !err && st <= DIFF_UNCHANGED; st++)
		json__put(status, diff__status_name(st),
			  json_integer((json_int_t)d->status_cnt[st]), &err);
	for (size_t i = 0; !err && i < d->stack_cnt; i++) {
		if (opts->top && shown >= opts->top)
			break;
		shown++;
		if (json_array_append_new(stacks, stack_json(d, &d->stacks[i])))
			err = -ENOMEM;
	}
	if (!err) {
		json__put(doc, "schema_version", json_integer(DIFF_REPORT_SCHEMA_VERSION), &err);
		json__put(doc, "pid", json_integer(d->pid), &err);
		json__put(doc, "label_a", leak_json__str(d->a->label), &err);
		json__put(doc, "label_b", leak_json__str(d->b->label), &err);
		json__put(doc, "seq_a", json_integer(d->a->seq), &err);
		json__put(doc, "seq_b", json_integer(d->b->seq), &err);
		json__put(doc, "elapsed_s_a", real_or_null(d->a->elapsed_s), &err);
		json__put(doc, "elapsed_s_b", real_or_null(d->b->elapsed_s), &err);
		json__put(doc, "object_delta", json_integer(d->object_delta), &err);
		json__put(doc, "byte_delta", json_integer(d->byte_delta), &err);
		json__put(doc, "leak_suspected", json_boolean(d->leak_suspected), &err);
		json__put(doc, "leak_threshold",
			  json_integer((json_int_t)(d->leak_threshold > INT64_MAX
							    ? INT64_MAX
							    : d->leak_threshold)),
			  &err);
		json__put(doc, "live_bytes_a", json_integer((json_int_t)d->live_bytes_a), &err);
		json__put(doc, "live_bytes_b", json_integer((json_int_t)d->live_bytes_b), &err);
		json__put(doc, "live_objects_a", json_integer((json_int_t)d->live_objects_a), &err);
		json__put(doc, "live_objects_b", json_integer((json_int_t)d->live_objects_b), &err);
		json__put(doc, "rss_bytes_a", int_or_null(m->known, (int64_t)m->rss_bytes_a), &err);
		json__put(doc, "rss_bytes_b", int_or_null(m->known, (int64_t)m->rss_bytes_b), &err);
		json__put(doc, "rss_delta", int_or_null(m->known, m->rss_delta), &err);
		json__put(doc, "anon_bytes_a", int_or_null(m->known, (int64_t)m->anon_bytes_a),
			  &err);
		json__put(doc, "anon_bytes_b", int_or_null(m->known, (int64_t)m->anon_bytes_b),
			  &err);
		json__put(doc, "anon_delta", int_or_null(m->known, m->anon_delta), &err);
		json__put(doc, "unexplained_rss_bytes",
			  int_or_null(m->known, (int64_t)m->unexplained_rss_bytes), &err);
		json__put(doc, "lost_delta", json_incref(lost), &err);
		json__put(doc, "status_counts", json_incref(status), &err);
		json__put(doc, "stack_cnt", json_integer((json_int_t)d->stack_cnt), &err);
		json__put(doc, "stacks", json_incref(stacks), &err);
	}
	json_decref(stacks);
	json_decref(lost);
	json_decref(status);
	if (err) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

int diff_report__write_json(const struct snapshot_diff *d, const struct diff_format_opts *opts,
			    FILE *out)
{
	return leak_json__write_doc(doc_json(d, opts), out);
}

diff_formatter diff_report__formatter(const char *name)
{
	if (!strcmp(name, "text"))
		return diff_report__write_text;
	if (!strcmp(name, "json"))
		return diff_report__write_json;
	return NULL;
}
