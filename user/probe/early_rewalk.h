/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Allocations walked before their files' rows were in, walked again: the kernel sends each
 * with a copy of its stack (struct early_walk, bpf/leak.h); once the files' rows are loaded,
 * it is walked again here (stack_rewalk.h), and its counts move from the provisional stack it
 * was counted in to the whole stack the kernel gives the same call site since: a library's
 * first allocations after a dlopen or an exec get whole stacks, whatever the race with the
 * rows. What cannot be walked again (the process gone, its rows never in, the stack deeper
 * than the copy) stays provisional, counted (early_stacks.h folds it when it can). */
#ifndef PERFAN_PROBE_EARLY_REWALK_H
#define PERFAN_PROBE_EARLY_REWALK_H

#include <stddef.h>
#include <stdint.h>
#include "lib/stack.h"
#include "probe/stack_maps.h"
#include "probe/stack_rewalk.h"
#include "target/procmaps.h"

struct early_walk;
struct early_rewalk;

struct early_rewalk_stats {
	uint64_t received; /* allocations sent by the kernel with their stacks */
	uint64_t walked;   /* walked again: moved to the stack the walk gave */
	uint64_t same;	   /* of those, the stack they had (the kernel's walk was right, or
			      the file has no rows: its walk goes by frame pointers alike) */
	/* not, because: */
	uint64_t no_maps; /* the process's mappings were never read (it exited first) */
	uint64_t no_rows; /* a file's rows were not in within the wait */
	uint64_t deep;	  /* the stack went on past the copy */
	uint64_t execed;  /* the process exec'd before it was walked (the old image's) */
	uint64_t dropped; /* too many waiting at once (WAIT_BYTES_MAX), or no memory */
};

/* Is live: the allocation at (tgid, addr) made at ts_ns is still live in the allocs map and
 * counted in stack stack_id; *usable its usable size (0: unknown) */
typedef bool (*early_live_fn)(void *ctx, uint32_t tgid, uint64_t addr, uint64_t ts_ns,
			      uint64_t stack_id, uint64_t *usable);

/* The mappings of process tgid now (NULL: not known) */
typedef const struct proc_maps *(*early_maps_fn)(void *ctx, uint32_t tgid);

struct early_rewalk *early_rewalk__new(void);
void early_rewalk__free(struct early_rewalk *r);
/* One record from the kernel (len bytes of it), received at now (seconds): kept to be walked.
 * May be called from another thread than the others (it takes the object's lock). */
void early_rewalk__add(struct early_rewalk *r, const struct early_walk *e, size_t len, double now);
/* Process tgid exec'd at ts_ns (bpf_ktime_get_ns): its records from before (kept, or still
 * to come) are of the old image and are dropped, never walked with the new one's mappings */
void early_rewalk__exec(struct early_rewalk *r, uint32_t tgid, uint64_t ts_ns);
/* Whether tgid's mappings were kept (early_rewalk__maps_seen) less than max_age s before now */
bool early_rewalk__maps_fresh(struct early_rewalk *r, uint32_t tgid, double now, double max_age);
/* tgid's mappings read at now (taken over, emptied; none when it could not be read): the
 * walk of its records uses them for the addresses they hold, the process gone or not (the
 * mappings early_maps_fn gives may predate a library just mapped). Thread-safe. */
void early_rewalk__maps_seen(struct early_rewalk *r, uint32_t tgid, struct proc_maps *maps,
			     double now);
/* The counts are about to be read: the records kept until now are the ones the next
 * early_rewalk__walk walks (those added later may not be in the counts read) */
void early_rewalk__cut(struct early_rewalk *r);
/* Walk the records kept before the last cut whose files have rows now (u), with their
 * process's mappings (maps);
 * those still waiting after wait_s seconds, or whose mappings are not known, are given up
 * (counted as failed) */
void early_rewalk__walk(struct early_rewalk *r, const struct rewalk_rows *u, early_maps_fn maps,
			void *ctx, double now, double wait_s);
/* Move the counts of the allocations walked again from their provisional stack's row of
 * sample to their whole stack's (added when missing; a row left with nothing is removed);
 * live: which are live still. Records received after sample was read must not have been
 * walked yet (walk after reading). 0 or -ENOMEM. */
int early_rewalk__apply(struct early_rewalk *r, struct leak_sample *sample, early_live_fn live,
			void *ctx);
/* The frames of a whole stack found by a walk here: how many (0..max), or -ENOENT */
int early_rewalk__fetch(const struct early_rewalk *r, uint64_t stack_id, uint64_t *ips, size_t max);
struct early_rewalk_stats early_rewalk__stats(struct early_rewalk *r);

#endif
