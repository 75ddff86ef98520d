/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The HTML report of a session: one self-contained page (no script, font or image from
 * outside) with the totals, a chart of tracked live heap and RSS over the snapshots with their
 * labels, the trend table, the top stacks with file:line, and the flame graphs of the last
 * snapshot and of the diff from the first to the last. Formats models built by the caller. */
#ifndef PERFAN_HTML_REPORT_H
#define PERFAN_HTML_REPORT_H

#include <stddef.h>
#include <stdio.h>
#include "analysis/diff.h"
#include "analysis/profile.h"
#include "analysis/trend.h"
#include "session/session.h"

struct html_report_input {
	const struct session *s;
	const char *source;		    /* the session file's name, shown in the header */
	const struct snapshot *snap;	    /* the snapshot reported (usually the last) */
	const struct leak_report *rep;	    /* its report (session__report) */
	const struct profile *snap_profile; /* profile__from_report of rep */
	const struct session_trend *trend;  /* NULL: fewer than TREND_MIN_SNAPSHOTS snapshots */
	const struct profile *diff_profile; /* first -> last; NULL with one snapshot */
	const struct snapshot_diff *diff;   /* the diff of diff_profile, or NULL */
	size_t top;			    /* stacks in the top table; 0: 20 */
};

/* 0, -ENOMEM or -EIO */
int html_report__write(const struct html_report_input *in, FILE *out);

/* The same page in parts, written in this order, for a caller that builds each part's model
 * only for it (a big session's report, trend, diff and profiles are not all held at once);
 * each uses the fields of in named beside it. 0, -ENOMEM or -EIO. */
int html_report__head(const struct html_report_input *in, FILE *out);	/* s, source, snap, rep */
int html_report__trend(const struct html_report_input *in, FILE *out);	/* s, trend */
int html_report__stacks(const struct html_report_input *in, FILE *out); /* s, rep */
int html_report__flame(const struct html_report_input *in, FILE *out);	/* s, snap, snap_profile */
int html_report__diff_flame(const struct html_report_input *in, FILE *out); /* diff_profile */
int html_report__end(FILE *out);

#endif
