// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The table of output formats and the report renderer (see formats.h). */
#include <errno.h>
#include <inttypes.h>
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

/* The html report: the trend and the first -> last diff beside the snapshot's report */
static int write_html(const struct session *s, const struct snapshot *snap,
		      const struct leak_report *rep, const struct profile *snap_prof,
		      const struct formats_report_opts *o, FILE *out)
{
	struct session_trend t = {};
	struct snapshot_diff d = {};
	struct profile dprof = {};
	bool has_trend = s->snap_cnt >= TREND_MIN_SNAPSHOTS, has_diff = s->snap_cnt >= 2;
	int err = 0;

	if (has_trend)
		err = trend__compute(s, &t);
	if (!err && has_diff)
		err = diff__compute(s, &s->snaps[0], &s->snaps[s->snap_cnt - 1],
				    &(struct diff_opts){ .leak_threshold = o->leak_threshold }, &d);
	if (!err && has_diff)
		err = profile__from_diff(&dprof, &d);
	dprof.kind = s->kind;
	if (!err)
		err = html_report__write(
			&(struct html_report_input){
				.s = s,
				.source = o->source,
				.snap = snap,
				.rep = rep,
				.snap_profile = snap_prof,
				.trend = has_trend ? &t : NULL,
				.diff_profile = has_diff ? &dprof : NULL,
				.diff = has_diff ? &d : NULL,
				.top = o->top_set ? (o->top ? o->top : SIZE_MAX) : FORMATS_HTML_TOP,
			},
			out);
	profile__free(&dprof);
	diff__free(&d);
	trend__free(&t);
	return err;
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
	if (session__report(s, snap, &rep) ||
	    (o->format >= FMT_FOLDED && profile__from_report(&prof, s, snap, &rep))) {
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
		err = write_html(s, snap, &rep, &prof, o, out);
	else {
		report__free(&rep); /* the profile holds what it draws: 13 MB a 100,000 stacks */
		err = formats__profile(o->format, &prof, o->value, out);
	}
out:
	profile__free(&prof);
	report__free(&rep);
	return err;
}
