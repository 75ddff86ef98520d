// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The table of output formats and the report renderer (see formats.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/diff.h"
#include "analysis/report.h"
#include "analysis/trend.h"
#include "output/flamegraph.h"
#include "output/folded.h"
#include "output/formats.h"
#include "output/growth_format.h"
#include "output/html_report.h"
#include "output/pprof.h"
#include "output/report_format.h"

static const char *const format_names[FMT__CNT] = {
	"text", "json", "folded", "pprof", "svg", "html",
};

int formats__by_name(const char *name)
{
	for (int i = 0; i < FMT__CNT; i++)
		if (!strcmp(format_names[i], name))
			return i;
	return -1;
}

int formats__profile(enum out_format fmt, const struct profile *p, int value, FILE *out)
{
	switch (fmt) {
	case FMT_FOLDED:
		return folded__write(p, &(struct folded_opts){ .value = value }, out);
	case FMT_PPROF:
		return pprof__write(p, out);
	case FMT_SVG:
		return flamegraph__write(p, &(struct flamegraph_opts){ .value = value }, out);
	default:
		return -EINVAL;
	}
}

/* The snapshot's flame graph drawn into *svg (a few KiB: narrow frames are left out), so that
 * its profile can go before the trend is computed */
static int draw_flame(const struct html_report_input *in, char **svg, size_t *len)
{
	FILE *mem = open_memstream(svg, len);
	int err;

	if (!mem)
		return -ENOMEM;
	err = html_report__flame(in, mem);
	if (fclose(mem) && !err)
		err = -ENOMEM;
	return err;
}

/* The diff from the first snapshot to the last, as a profile (in the diff's memory) */
static int diff_profile(const struct session *s, const struct formats_report_opts *o,
			struct profile *dprof)
{
	struct snapshot_diff d = {};
	int err = diff__compute(s, &s->snaps[0], &s->snaps[s->snap_cnt - 1],
				&(struct diff_opts){ .leak_threshold = o->leak_threshold }, &d);

	if (!err)
		profile__from_diff_taking(dprof, &d);
	dprof->kind = s->kind;
	diff__free(&d);
	return err;
}

/* The html report: the trend and the first -> last diff beside the snapshot's report. Written
 * part by part, each model built for its part and freed after it, the profiles in the memory
 * of the report and of the diff they are made of: a big session's models are held one at a
 * time (100,000 stacks: 195 MiB when all were held at once) */
static int write_html(const struct session *s, const struct snapshot *snap, struct leak_report *rep,
		      const struct formats_report_opts *o, FILE *out)
{
	struct html_report_input in = {
		.s = s,
		.source = o->source,
		.snap = snap,
		.rep = rep,
		.top = o->top_set ? (o->top ? o->top : SIZE_MAX) : FORMATS_HTML_TOP,
	};
	struct leak_report shown = {};
	struct session_trend t = {};
	struct profile prof = {}, dprof = {};
	size_t svg_len = 0;
	char *svg = NULL;
	/* what the top table shows is all that is kept of the report past its totals */
	int err = html_report__head(&in, out) ?: report__copy_top(rep, in.top, &shown);

	if (!err) {
		profile__from_report_taking(&prof, s, snap, rep);
		in.snap_profile = &prof;
		err = draw_flame(&in, &svg, &svg_len);
	}
	profile__free(&prof);
	in.snap_profile = NULL;
	in.rep = &shown;
	/* (SIZE_MAX: --top 0, every stack) */
	if (!err && s->snap_cnt >= TREND_MIN_SNAPSHOTS &&
	    !(err = trend__compute_top(s, in.top == SIZE_MAX ? 0 : in.top, &t)))
		in.trend = &t;
	if (!err)
		err = html_report__trend(&in, out);
	trend__free(&t);
	in.trend = NULL;
	if (!err)
		err = html_report__stacks(&in, out);
	report__free(&shown);
	if (!err && svg_len && fwrite(svg, 1, svg_len, out) != svg_len)
		err = -EIO;
	free(svg);
	if (!err && s->snap_cnt >= 2 && !(err = diff_profile(s, o, &dprof))) {
		in.diff_profile = &dprof;
		err = html_report__diff_flame(&in, out);
	}
	profile__free(&dprof);
	return err ?: html_report__end(out);
}

/* text and json of a growth session: processes, then stacks (growth_format.h) */
static int write_growth(const struct session *s, const struct snapshot *snap,
			const struct formats_report_opts *o, FILE *out)
{
	struct growth_report g;
	size_t top = o->top_set ? o->top : o->format == FMT_TEXT ? FORMATS_TEXT_TOP : 0;
	int err = growth_report__build(s, snap, &g);

	g.final = snap == &s->snaps[s->snap_cnt - 1] && !strcmp(snap->label, "end");
	if (!err && o->format == FMT_TEXT)
		fprintf(out, "Snapshot \"%s\" (#%" PRIu32 " of %zu) of %s\n", snap->label,
			snap->seq, s->snap_cnt, o->source);
	if (!err)
		err = o->format == FMT_TEXT ? growth_format__text(&g, top, out)
					    : growth_format__json(&g, top, out);
	growth_report__free(&g);
	return err;
}

int formats__report(const struct session *s, const struct snapshot *snap,
		    const struct formats_report_opts *o, FILE *out)
{
	struct leak_report rep = {};
	struct profile prof = {};
	size_t top;
	int err;

	if (s->kind == SESSION_KIND_GROWTH && (o->format == FMT_TEXT || o->format == FMT_JSON))
		return write_growth(s, snap, o, out);
	if (session__report(s, snap, &rep)) {
		err = -ENOMEM;
		goto out;
	}
	rep.final = snap == &s->snaps[s->snap_cnt - 1] && !strcmp(snap->label, "end");
	if (o->format == FMT_TEXT)
		fprintf(out, "Snapshot \"%s\" (#%" PRIu32 " of %zu) of %s\n", snap->label,
			snap->seq, s->snap_cnt, o->source);
	top = o->top_set ? o->top : o->format == FMT_TEXT ? FORMATS_TEXT_TOP : 0;
	if (o->format == FMT_TEXT || o->format == FMT_JSON)
		err = report__formatter(
			format_names[o->format])(&rep, &(struct report_format_opts){ .top = top },
						 out);
	else if (o->format == FMT_HTML)
		err = write_html(s, snap, &rep, o, out);
	else {
		/* in the report's memory: a big session holds one of them, not both */
		profile__from_report_taking(&prof, s, snap, &rep);
		err = formats__profile(o->format, &prof, o->value, out);
	}
out:
	profile__free(&prof);
	report__free(&rep);
	return err;
}
