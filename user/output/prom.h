/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The Prometheus text exposition (format 0.0.4) of the agent: per process memory and growth
 * (and exact live bytes where a window traced it), the top stacks' bytes, event and loss
 * counters, and the agent's own CPU and memory. Label cardinality is bounded: at most
 * top_procs processes and top_stacks stacks, labels pid, comm, stack_id, function, kind. */
#ifndef PERFAN_OUTPUT_PROM_H
#define PERFAN_OUTPUT_PROM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "analysis/growth_report.h"

struct prom_agent {
	double cpu_s;		/* user + system CPU of the agent since it started */
	uint64_t rss_bytes;	/* its resident memory */
	double uptime_s;	/* since it attached */
	uint64_t scrapes;	/* requests served */
	uint64_t refused;	/* requests refused by the rate limit */
	uint64_t procs_seen;	/* processes in its table */
	uint64_t anon_bytes;	/* its anonymous memory (the heap; RSS adds the files it maps) */
	uint64_t debug_bytes;	/* DWARF it holds to name file:line (bounded) */
	uint64_t debug_dropped; /* times a file's DWARF was let go for that bound */
	uint64_t debug_over;	/* files named without file:line: DWARF over the bound */
	uint64_t files_open;	/* ELF files it has open to name frames */
	uint64_t windows;	/* heap profile windows (?seconds=N) under way */
};

/* 0 or -EIO */
int prom__write(const struct growth_report *g, const struct prom_agent *a, size_t top_procs,
		size_t top_stacks, FILE *out);
/* The function a stack is labelled with: its first frame outside the C library's allocator
 * and loader (the call site), else its first frame; "[unknown]" without frames */
const char *prom__stack_function(const struct frame *frames, size_t cnt, char *buf, size_t len);

#endif
