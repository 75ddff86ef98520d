/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The maps every stack-capturing BPF object shares (bpf/unwind.bpf.h), seen from user space:
 * loading the unwind rows of files built without frame pointers into the mmap'ed rows map,
 * and reading a captured stack back by its id. The loaders (leak, growth) own the objects. */
#ifndef PERFAN_PROBE_STACK_MAPS_H
#define PERFAN_PROBE_STACK_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "symbols/cfi_table.h"

struct unwind_row;

struct unwind_rows {
	struct unwind_row *rows; /* the unwind_rows map, mapped */
	int mods_fd;		 /* the unwind_mods map */
	uint32_t cap;
	uint32_t used;
	bool on; /* false with --unwind fp */
};

/* Map the rows map (rows_fd, cap entries) of a loaded object; on: rows are used. 0 or -errno. */
int unwind_rows__open(struct unwind_rows *u, int rows_fd, int mods_fd, uint32_t cap, bool on);
/* Load t for the file the kernel knows as (dev, ino): 0, -ENOSPC when it does not fit,
 * -EEXIST when the file has rows already, -EINVAL when rows are off, or -errno */
int unwind_rows__add(struct unwind_rows *u, uint32_t dev, uint64_t ino, const struct cfi_table *t);
/* Rows still free (0 when rows are off) */
uint32_t unwind_rows__free_cnt(const struct unwind_rows *u);
void unwind_rows__close(struct unwind_rows *u);

/* map_walk_fn for a per-stack aggregate map keyed by struct stack_key whose values are six
 * __u64 in struct stack_counts' order (the growth gear's growth_stat: its loader asserts its
 * layout; the leak gear's stack_stat has the usable counters too, and its own): adds a row to
 * the leak_sample ctx */
int stack_maps__add_row(void *ctx, const void *key, const void *val);

/* The instruction pointers of stack stack_id in the stacks map fd: how many (0..max) or -errno;
 * *truncated when the capture stopped at its depth limit */
int stack_map__fetch(int fd, uint64_t stack_id, uint64_t *ips, size_t max, bool *truncated);

#endif
