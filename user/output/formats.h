/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Every output format of a snapshot's report behind one table: text and json (the leak
 * report's formatters, report_format.h), folded, pprof, svg (from its profile) and html (the
 * whole session on one page). The one render path: snapshot -> report model (and profile) ->
 * formatter, for `report` and for the end of a live `leak` session alike. */
#ifndef PERFAN_OUTPUT_FORMATS_H
#define PERFAN_OUTPUT_FORMATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "analysis/profile.h"
#include "session/session.h"

enum out_format { FMT_TEXT, FMT_JSON, FMT_FOLDED, FMT_PPROF, FMT_SVG, FMT_HTML, FMT__CNT };

/* the text formats print this many stacks unless told otherwise (JSON: all) */
#define FORMATS_TEXT_TOP 10
/* and the html report this many */
#define FORMATS_HTML_TOP 20

/* The format called name, or -1 */
int formats__by_name(const char *name);
/* folded, pprof or svg of a profile; value picks the sample (profile.h) */
int formats__profile(enum out_format fmt, const struct profile *p, int value, FILE *out);

struct formats_report_opts {
	enum out_format format;
	int value;		 /* folded and svg: the sample shown */
	size_t top;		 /* stacks shown; 0: all */
	bool top_set;		 /* top was given (else each format's default) */
	uint64_t leak_threshold; /* html: the first -> last diff's threshold */
	const char *source;	 /* the session file's name, for the headers */
};

/* Writes snapshot snap of session s in o->format to out. 0 or -errno (-ENOMEM). */
int formats__report(const struct session *s, const struct snapshot *snap,
		    const struct formats_report_opts *o, FILE *out);

#endif
