// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The HTML report (see html_report.h): sections written in order into one page, the chart an
 * inline SVG drawn here, the flame graphs from flamegraph.h embedded as inline SVG. Every
 * string from the session goes through xml_escape. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "lib/bytes_fmt.h"
#include "lib/stack_name.h"
#include "output/flamegraph.h"
#include "output/html_report.h"

#define CHART_W 1000
#define CHART_H 320
#define CHART_L 90 /* room for the y axis labels */
#define CHART_R 30
#define CHART_T 30
#define CHART_B 80 /* room for the snapshot labels */

static const char style[] =
	"body{font-family:sans-serif;margin:24px;color:#222;max-width:1260px}"
	"h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ccc}"
	"table{border-collapse:collapse;font-size:13px}"
	"td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
	"th{background:#f0f0f0}.frames{font-family:monospace;font-size:12px;margin:0}"
	".leak{color:#b00;font-weight:bold}.plateau{color:#a60}.muted{color:#777}"
	".chart text{font-size:12px;font-family:sans-serif}";

static void esc(FILE *out, const char *s)
{
	xml__escape(out, s);
}

/* The words of a leak session, and of a growth session (session.h: its live counts are the
 * pages first touched that the process still has) */
enum word { W_REPORT, W_LIVE, W_OBJECTS, W_ALLOC, W_LIVE_COL, W_OBJ_COL, W_ALLOC_COL, W__CNT };
static const char *const words[2][W__CNT] = {
	{ "heap report", "tracked live heap", "live objects", "allocated since attach", "live",
	  "objects", "allocated" },
	{ "memory growth report", "held growth", "held pages", "first touched since attach", "held",
	  "pages", "touched" },
};

static const char *word(const struct session *s, enum word w)
{
	return words[s->kind == SESSION_KIND_GROWTH][w];
}

static void write_header(const struct html_report_input *in, FILE *out)
{
	const struct session *s = in->s;

	fputs("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\"/>\n<title>perfan-bpf ",
	      out);
	fputs(word(s, W_REPORT), out);
	if (s->pid)
		fprintf(out, " of pid %" PRIu32, s->pid);
	fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1 id=\"title\">%s of ", style,
		s->kind == SESSION_KIND_GROWTH ? "Memory growth report" : "Heap report");
	if (s->pid)
		fprintf(out, "pid %" PRIu32, s->pid);
	else
		fputs("every process", out);
	if (s->command) {
		fputs(" (", out);
		esc(out, s->command);
		fputc(')', out);
	}
	fputs("</h1>\n<p class=\"muted\">Session file <code>", out);
	esc(out, in->source);
	fprintf(out, "</code>, %zu snapshot%s; allocator <code>", s->snap_cnt,
		s->snap_cnt == 1 ? "" : "s");
	esc(out, s->allocator ? s->allocator : "unknown");
	fputs("</code>. Written by perfan-bpf.</p>\n", out);
}

static void bytes_cell(FILE *out, const char *id, uint64_t v)
{
	char b[BYTES_FMT_LEN];

	fprintf(out, "<td class=\"n\"%s%s%s>%s (%" PRIu64 " B)</td>", id ? " id=\"" : "",
		id ? id : "", id ? "\"" : "", bytes__fmt(v, b, sizeof(b)), v);
}

static void write_totals(const struct html_report_input *in, FILE *out)
{
	const struct leak_report *rep = in->rep;
	const struct snapshot *snap = in->snap;
	uint64_t lost = 0;
	size_t live_stacks = 0;

	for (int i = 0; i < REPORT_LOST__MAX; i++) /* saturated: a corrupt file must not wrap */
		lost = rep->lost[i] > UINT64_MAX - lost ? UINT64_MAX : lost + rep->lost[i];
	for (size_t i = 0; i < rep->stack_cnt; i++)
		live_stacks += rep->stacks[i].counts.live_bytes ||
			       rep->stacks[i].counts.live_objects;
	fputs("<h2>Totals</h2>\n<table id=\"totals\">\n<tr><th>snapshot</th><td id=\"snapshot\">",
	      out);
	esc(out, snap->label);
	fprintf(out,
		"</td></tr>\n<tr><th>taken</th><td>#%" PRIu32 " of %zu, %.1f s after attach"
		"</td></tr>\n<tr><th>%s</th>",
		snap->seq, in->s->snap_cnt, snap->elapsed_s, word(in->s, W_LIVE));
	bytes_cell(out, "live-bytes", rep->totals.live_bytes);
	fprintf(out,
		"</tr>\n<tr><th>%s</th><td class=\"n\" id=\"live-objects\">%" PRIu64
		"</td></tr>\n<tr><th>stacks holding memory</th><td class=\"n\" "
		"id=\"live-stacks\">%zu</td></tr>\n<tr><th>%s</th>",
		word(in->s, W_OBJECTS), rep->totals.live_objects, live_stacks,
		word(in->s, W_ALLOC));
	bytes_cell(out, NULL, rep->totals.alloc_bytes);
	fputs("</tr>\n<tr><th>freed since attach</th>", out);
	bytes_cell(out, NULL, rep->totals.freed_bytes);
	fputs("</tr>\n<tr><th>RSS</th>", out);
	if (snap->mem_known)
		bytes_cell(out, "rss", snap->rss_bytes);
	else
		fputs("<td id=\"rss\">unknown (the process had exited)</td>", out);
	fprintf(out,
		"</tr>\n<tr><th>lost events</th><td class=\"n\">%" PRIu64 "</td></tr>\n"
		"</table>\n",
		lost);
}

/* y pixel of v on a scale whose top is max */
static double chart_y(uint64_t v, uint64_t max)
{
	return CHART_T +
	       (CHART_H - CHART_T - CHART_B) * (1.0 - (max ? (double)v / (double)max : 0));
}

static void write_chart(const struct html_report_input *in, FILE *out)
{
	const struct session *s = in->s;
	uint64_t max = 0;
	double t0 = s->snaps[0].elapsed_s, span = s->snaps[s->snap_cnt - 1].elapsed_s - t0;
	/* elapsed_s is any number in a corrupt file: a span of inf would put points at NaN */
	bool by_time = s->snap_cnt > 1 && span > 0 && isfinite(span);
	double plot_w = CHART_W - CHART_L - CHART_R;
	char b[BYTES_FMT_LEN];
	double *x = calloc(s->snap_cnt, sizeof(*x));

	if (!x)
		return;
	for (size_t i = 0; i < s->snap_cnt; i++) {
		const struct snapshot *sn = &s->snaps[i];

		if (sn->totals.live_bytes > max)
			max = sn->totals.live_bytes;
		if (sn->mem_known && sn->rss_bytes > max)
			max = sn->rss_bytes;
		x[i] = CHART_L + (s->snap_cnt == 1 ? plot_w / 2
				  : by_time	   ? plot_w * (sn->elapsed_s - t0) / span
					    : plot_w * (double)i / (double)(s->snap_cnt - 1));
		/* a snapshot out of time order (a corrupt file) stays on the chart */
		if (!(x[i] >= CHART_L))
			x[i] = CHART_L;
		else if (x[i] > CHART_L + plot_w)
			x[i] = CHART_L + plot_w;
	}
	fputs("<h2>Heap over time</h2>\n", out);
	fprintf(out,
		"<svg class=\"chart\" id=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
		"width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n"
		"<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n",
		CHART_W, CHART_H, CHART_W, CHART_H, CHART_W, CHART_H);
	for (int k = 0; k <= 4; k++) {
		uint64_t v = max / 4 * (uint64_t)k;
		double y = chart_y(v, max);

		fprintf(out,
			"<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>"
			"<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
			CHART_L, CHART_W - CHART_R, y, y, CHART_L - 6, y + 4,
			bytes__fmt(v, b, sizeof(b)));
	}
	for (int line = 0; line < 2; line++) {
		const char *colour = line ? "#4a90c2" : "#d9480f";
		bool open = false;

		for (size_t i = 0; i < s->snap_cnt; i++) {
			const struct snapshot *sn = &s->snaps[i];
			uint64_t v = line ? sn->rss_bytes : sn->totals.live_bytes;

			if (line && !sn->mem_known)
				continue;
			if (!open)
				fprintf(out,
					"<polyline class=\"%s\" fill=\"none\" stroke=\"%s\" "
					"stroke-width=\"2\" points=\"",
					line ? "rss" : "heap", colour);
			fprintf(out, "%s%.1f,%.1f", open ? " " : "", x[i], chart_y(v, max));
			open = true;
		}
		if (open)
			fputs("\"/>\n", out);
		for (size_t i = 0; i < s->snap_cnt; i++) {
			const struct snapshot *sn = &s->snaps[i];
			uint64_t v = line ? sn->rss_bytes : sn->totals.live_bytes;

			if (line && !sn->mem_known)
				continue;
			fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"><title>",
				x[i], chart_y(v, max), colour);
			esc(out, sn->label);
			fprintf(out, ": %s %s (%" PRIu64 " B)</title></circle>\n",
				line ? "RSS" : word(s, W_LIVE), bytes__fmt(v, b, sizeof(b)), v);
		}
	}
	for (size_t i = 0; i < s->snap_cnt; i++) {
		double y = CHART_H - CHART_B + 14;

		fprintf(out,
			"<text class=\"snap-label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" "
			"transform=\"rotate(-35 %.1f %.1f)\">",
			x[i], y, x[i], y);
		esc(out, s->snaps[i].label);
		fprintf(out,
			"</text>\n<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" "
			"stroke=\"#999\"/>\n",
			x[i], x[i], CHART_H - CHART_B, CHART_H - CHART_B + 4);
	}
	fprintf(out,
		"<rect x=\"%d\" y=\"8\" width=\"12\" height=\"4\" fill=\"#d9480f\"/>"
		"<text x=\"%d\" y=\"14\">%s</text>"
		"<rect x=\"%d\" y=\"8\" width=\"12\" height=\"4\" fill=\"#4a90c2\"/>"
		"<text x=\"%d\" y=\"14\">RSS</text>\n</svg>\n",
		CHART_L, CHART_L + 16, word(s, W_LIVE), CHART_L + 150, CHART_L + 166);
	fprintf(out,
		"<table id=\"snapshots\">\n<tr><th>#</th><th>label</th><th class=\"n\">seconds"
		"</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
		"<th class=\"n\">RSS</th></tr>\n",
		word(s, W_LIVE), word(s, W_OBJECTS));
	for (size_t i = 0; i < s->snap_cnt; i++) {
		const struct snapshot *sn = &s->snaps[i];

		fprintf(out, "<tr><td class=\"n\">%" PRIu32 "</td><td>", sn->seq);
		esc(out, sn->label);
		fprintf(out, "</td><td class=\"n\">%.1f</td>", sn->elapsed_s);
		bytes_cell(out, NULL, sn->totals.live_bytes);
		fprintf(out, "<td class=\"n\">%" PRIu64 "</td>", sn->totals.live_objects);
		if (sn->mem_known)
			bytes_cell(out, NULL, sn->rss_bytes);
		else
			fputs("<td class=\"n\">unknown</td>", out);
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
	free(x);
}

static void write_trend(const struct html_report_input *in, size_t top, FILE *out)
{
	const struct session_trend *t = in->trend;
	char name[512], b1[BYTES_FMT_LEN], b2[BYTES_FMT_LEN], b3[BYTES_FMT_LEN], b4[BYTES_FMT_LEN];

	fputs("<h2>Trends</h2>\n", out);
	if (!t) {
		fprintf(out,
			"<p id=\"trends\">A trend needs at least %d snapshots; this session has "
			"%zu.</p>\n",
			TREND_MIN_SNAPSHOTS, in->s->snap_cnt);
		return;
	}
	fprintf(out,
		"<p>Over %zu snapshots: %zu leak, %zu plateau, %zu transient, %zu irregular, "
		"%zu shrinking, %zu flat (rules in docs/snapshots.md).</p>\n",
		t->snap_cnt, t->class_cnt[TREND_LEAK], t->class_cnt[TREND_PLATEAU],
		t->class_cnt[TREND_TRANSIENT], t->class_cnt[TREND_IRREGULAR],
		t->class_cnt[TREND_SHRINKING], t->class_cnt[TREND_FLAT]);
	fputs("<table id=\"trends\">\n<tr><th>stack</th><th>class</th><th class=\"n\">first</th>"
	      "<th class=\"n\">last</th><th class=\"n\">peak</th><th class=\"n\">per snapshot"
	      "</th></tr>\n",
	      out);
	for (size_t i = 0; i < t->stack_cnt && i < top; i++) {
		const struct trend_stack *ts = &t->stacks[i];
		const char *cls = trend__class_name(ts->cls);

		stack_name__text(ts->frames, ts->frame_cnt, in->s->allocator, ts->stack_id, name,
				 sizeof(name));
		fputs("<tr><td>", out);
		esc(out, name);
		fprintf(out,
			"</td><td class=\"%s\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s"
			"</td><td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n",
			cls, cls, bytes__fmt(ts->st.first, b1, sizeof(b1)),
			bytes__fmt(ts->st.last, b2, sizeof(b2)),
			bytes__fmt(ts->st.peak, b3, sizeof(b3)),
			bytes__fmt_real(ts->st.slope_per_snapshot, b4, sizeof(b4)));
	}
	fputs("</table>\n", out);
}

static void write_stacks(const struct html_report_input *in, size_t top, FILE *out)
{
	const struct leak_report *rep = in->rep;
	char b[BYTES_FMT_LEN], fname[512];
	size_t shown = 0;

	fprintf(out,
		"<h2>Top stacks</h2>\n<table id=\"stacks\">\n<tr><th class=\"n\">#</th>"
		"<th class=\"n\">%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
		"<th>frames (%s call first)</th></tr>\n",
		word(in->s, W_LIVE_COL), word(in->s, W_OBJ_COL), word(in->s, W_ALLOC_COL),
		in->s->kind == SESSION_KIND_GROWTH ? "faulting" : "allocating");
	for (size_t i = 0; i < rep->stack_cnt && shown < top; i++) {
		const struct report_stack *rs = &rep->stacks[i];

		if (!rs->counts.live_bytes && !rs->counts.live_objects)
			continue;
		fprintf(out, "<tr><td class=\"n\">%zu</td>", ++shown);
		bytes_cell(out, NULL, rs->counts.live_bytes);
		fprintf(out,
			"<td class=\"n\">%" PRIu64 "</td><td class=\"n\">%s</td><td><pre "
			"class=\"frames\">",
			rs->counts.live_objects, bytes__fmt(rs->counts.alloc_bytes, b, sizeof(b)));
		if (!rs->frame_cnt) {
			stack_name__text(NULL, 0, NULL, rs->stack_id, fname, sizeof(fname));
			esc(out, fname);
		}
		for (size_t f = 0; f < rs->frame_cnt; f++) {
			const struct frame *fr = &rs->frames[f];

			esc(out, profile__frame_name(fr, fname, sizeof(fname)));
			if (fr->file) {
				fputs("  ", out);
				esc(out, fr->file);
				fprintf(out, ":%" PRIu32, fr->line);
			}
			if (fr->inlined)
				fputs(" [inlined]", out);
			if (fr->module) {
				fputs("  <span class=\"muted\">", out);
				esc(out, profile__basename(fr->module));
				fputs("</span>", out);
			}
			fputc('\n', out);
		}
		fputs("</pre></td></tr>\n", out);
	}
	fputs("</table>\n", out);
	if (!shown)
		fputs("<p>No stack holds live memory in this snapshot.</p>\n", out);
}

static size_t top_of(const struct html_report_input *in)
{
	return in->top ? in->top : 20;
}

int html_report__head(const struct html_report_input *in, FILE *out)
{
	write_header(in, out);
	write_totals(in, out);
	write_chart(in, out);
	return ferror(out) ? -EIO : 0;
}

int html_report__trend(const struct html_report_input *in, FILE *out)
{
	write_trend(in, top_of(in), out);
	return ferror(out) ? -EIO : 0;
}

int html_report__stacks(const struct html_report_input *in, FILE *out)
{
	write_stacks(in, top_of(in), out);
	return ferror(out) ? -EIO : 0;
}

/* The flame graph of p's value v in a div of that id, after its heading */
static int flame_div(FILE *out, const char *id, const struct profile *p, enum profile_value v)
{
	int err;

	fprintf(out, "<div id=\"%s\">\n", id);
	err = flamegraph__write(p, &(struct flamegraph_opts){ .value = v, .embedded = true }, out);
	if (err)
		return err;
	fputs("</div>\n", out);
	return ferror(out) ? -EIO : 0;
}

int html_report__flame(const struct html_report_input *in, FILE *out)
{
	fprintf(out, "<h2>Flame graph of the %s in \u201c",
		in->s->kind == SESSION_KIND_GROWTH ? "held growth" : "live heap");
	esc(out, in->snap->label);
	fputs("\u201d</h2>\n", out);
	return flame_div(out, "flame-snapshot", in->snap_profile, PV_LIVE_BYTES);
}

int html_report__diff_flame(const struct html_report_input *in, FILE *out)
{
	if (!in->diff_profile)
		return 0;
	fputs("<h2>Flame graph of the change from \u201c", out);
	esc(out, in->diff_profile->base_label);
	fputs("\u201d to \u201c", out);
	esc(out, in->diff_profile->label);
	fputs("\u201d (red grew, blue shrank)</h2>\n", out);
	return flame_div(out, "flame-diff", in->diff_profile, PV_DELTA_BYTES);
}

int html_report__end(FILE *out)
{
	fputs("</body>\n</html>\n", out);
	return ferror(out) ? -EIO : 0;
}

int html_report__write(const struct html_report_input *in, FILE *out)
{
	return html_report__head(in, out) ?: html_report__trend(in, out)
		?: html_report__stacks(in, out) ?: html_report__flame(in, out)
		?: html_report__diff_flame(in, out) ?: html_report__end(out);
}
