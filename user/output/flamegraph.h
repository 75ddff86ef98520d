/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* SVG flame graphs of a profile (profile.h), drawn here: self-contained (no script, no font
 * or style from outside), root at the bottom, children in name order, frames coloured by
 * module, a <title> tooltip per frame. A diff draws a differential flame graph: width is the
 * larger of A and B, colour the change (growth red, shrinkage blue). */
#ifndef PERFAN_FLAMEGRAPH_H
#define PERFAN_FLAMEGRAPH_H

#include <stdbool.h>
#include <stdio.h>
#include "analysis/profile.h"

struct flamegraph_opts {
	enum profile_value value; /* a snapshot: LIVE or ALLOC bytes or objects; a diff: DELTA */
	unsigned width_px;	  /* 0: 1200 */
	bool embedded;		  /* for an HTML page: no XML declaration */
};

/* 0, -EINVAL (a value the profile cannot draw), -ENOMEM or -EIO */
int flamegraph__write(const struct profile *p, const struct flamegraph_opts *opts, FILE *out);

/* Writes s with the five XML special characters escaped, control characters and bytes that
 * are not UTF-8 made '?' (so the document stays well-formed whatever a symbol holds). Also
 * used by html_report.c. */
void xml__escape(FILE *out, const char *s);

#endif
