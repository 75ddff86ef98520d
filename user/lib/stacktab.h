/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The table of symbolized stacks of a session, keyed by (pid, stack id): a stack is
 * symbolized once, when first seen, and its frames are kept for every later report. */
#ifndef PERFAN_STACKTAB_H
#define PERFAN_STACKTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/stack.h"

struct stacktab;

struct stack_entry {
	uint32_t pid;
	uint64_t stack_id;
	struct frame *frames;
	size_t frame_cnt;
	bool truncated; /* callers are missing: the frame walk stopped early */
};

struct stacktab *stacktab__new(void);
void stacktab__free(struct stacktab *tab);
/* NULL when absent */
const struct stack_entry *stacktab__get(const struct stacktab *tab, uint32_t pid, uint64_t id);
/* Takes ownership of frames (malloc'ed). 0, -EEXIST or -ENOMEM (frames freed on error). */
int stacktab__put(struct stacktab *tab, uint32_t pid, uint64_t id, struct frame *frames,
		  size_t frame_cnt);
size_t stacktab__cnt(const struct stacktab *tab);
/* Drop every stack of the pids (sorted) with their frames: O(table). How many were dropped. */
size_t stacktab__drop_pids(struct stacktab *tab, const uint32_t *pids, size_t cnt);
/* Mark a stored stack as truncated; 0 or -ENOENT */
int stacktab__set_truncated(struct stacktab *tab, uint32_t pid, uint64_t id, bool truncated);

#endif
