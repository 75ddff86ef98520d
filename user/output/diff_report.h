/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Formatters of the snapshot diff (diff.h): text for a reader, JSON (jansson) for scripts.
 * The JSON fields are documented in docs/snapshots.md; object_delta, byte_delta,
 * leak_suspected and stacks[] are the contract of DESIGN.md. */
#ifndef PERFAN_DIFF_REPORT_H
#define PERFAN_DIFF_REPORT_H

#include <stddef.h>
#include <stdio.h>
#include "analysis/diff.h"
#include "output/report_format.h"

#define DIFF_REPORT_SCHEMA_VERSION 1

struct diff_format_opts {
	size_t top; /* stacks to print; 0 = all */
};

typedef int (*diff_formatter)(const struct snapshot_diff *d, const struct diff_format_opts *opts,
			      FILE *out);

/* The header, the heap and RSS changes, the verdict, then the stacks that changed (top N),
 * largest growth first, each with its frames. 0 or -EIO. */
int diff_report__write_text(const struct snapshot_diff *d, const struct diff_format_opts *opts,
			    FILE *out);
/* One JSON document: every stack in order (the first N with top). 0, -ENOMEM or -EIO. */
int diff_report__write_json(const struct snapshot_diff *d, const struct diff_format_opts *opts,
			    FILE *out);
/* "text" or "json"; NULL for another name */
diff_formatter diff_report__formatter(const char *name);

#endif
