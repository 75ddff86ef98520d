/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The live leak view on a terminal, redrawn in place like top: elapsed time, tracked live
 * heap, RSS, allocator events per second, losses, and one line per top stack (its name and
 * the callers above it), cut to the terminal's size. Pure: a report and numbers in, text out. */
#ifndef PERFAN_LIVE_VIEW_H
#define PERFAN_LIVE_VIEW_H

#include <stdbool.h>
#include <stdio.h>
#include "analysis/report.h"

struct live_view {
	const char *target;    /* "pid 4242 (./server)" */
	const char *allocator; /* module path, to name stacks by their first frame outside it */
	double elapsed_s;
	bool mem_known;
	uint64_t rss_bytes, anon_bytes;
	double events_per_s; /* allocations + frees per second over the last interval */
	unsigned snapshots;  /* taken so far */
	int rows, cols;	     /* terminal size; 0: 24 x 80 */
};

/* Clears the screen and draws the view of rep (sorted) */
void live_view__draw(FILE *out, const struct leak_report *rep, const struct live_view *v);

#endif
