/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* JIT symbol maps in the perf format (/tmp/perf-PID.map, written by V8, the JVM with an agent,
 * LuaJIT, ...): one "START SIZE name" line per generated function, addresses in hex. Takes a
 * FILE *; symbolize.c decides where the file is. */
#ifndef PERFAN_PERFMAP_H
#define PERFAN_PERFMAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct perf_map_sym {
	uint64_t start;
	uint64_t size;
	char *name;
	size_t line_no; /* order in the file: at one start the later line wins */
};

struct perf_map {
	struct perf_map_sym *syms; /* sorted by start; a later line wins at one start */
	size_t cnt;
};

/* 0 or -errno (-ENOMEM). Malformed lines are skipped: the writer is another program, often
 * mid-write. */
int perf_map__parse(FILE *f, struct perf_map *out);
void perf_map__free(struct perf_map *m);
/* The symbol covering addr and addr's offset into it, or NULL */
const struct perf_map_sym *perf_map__find(const struct perf_map *m, uint64_t addr,
					  uint64_t *offset);

#endif
