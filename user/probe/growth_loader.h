/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The growth BPF object (bpf/growth.bpf.c): kernel probes only — page faults of first write,
 * brk/mmap/mprotect/munmap, fork/exec/exit. Open with sizes from the options, load, attach, and
 * read per-stack growth, the process table, loss counters and stacks out of its maps. The only
 * module that includes the growth skeleton. */
#ifndef PERFAN_GROWTH_LOADER_H
#define PERFAN_GROWTH_LOADER_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/stack.h"
#include "symbols/cfi_table.h"

struct growth_loader;

struct growth_loader_opts {
	int pid;		  /* 0: every process */
	bool follow_forks;	  /* with pid: the processes it forks too */
	uint32_t max_stacks;	  /* distinct (process, stack) pairs and distinct stacks */
	uint32_t max_procs;	  /* processes tracked at once */
	uint32_t max_unwind_rows; /* 0: walk frame pointers only */
	uint32_t max_pages;	  /* pages whose owning stack is kept */
	uint32_t sample_pages;	  /* 1 in N new pages has its stack walked (0, 1: every one) */
	uint32_t walk_budget;	  /* walks of new pages per second per CPU, at most (0: no cap) */
};

/* One process as the kernel side saw it */
#define GROWTH_PROC_COMM 16
struct growth_proc_info {
	uint32_t pid;
	uint32_t ppid;	      /* 0: not seen forking */
	uint64_t held_bytes;  /* of the pages it was given (first touch), those it still has */
	uint64_t touch_bytes; /* new memory it wrote to (first touch) */
	uint64_t heap_bytes;  /* address space it asked for (brk, mmap, mprotect) */
	uint64_t unmap_bytes; /* anonymous address space it gave back */
	uint64_t first_ns;    /* CLOCK_MONOTONIC when first seen */
	uint64_t exit_ns;     /* when it exited; 0 while it lives */
	uint32_t execs;
	uint32_t forks;
	char comm[GROWTH_PROC_COMM]; /* as the kernel has it: not sanitized */
};

/* Loss counters of the kernel side, in this order */
enum growth_lost {
	GROWTH_LOST_STACK_FAILURES,
	GROWTH_LOST_STACKS_MAP_FULL,
	GROWTH_LOST_STATS_MAP_FULL,
	GROWTH_LOST_PROCS_MAP_FULL,
	GROWTH_LOST_VMA_UNKNOWN,
	GROWTH_LOST_PAGES_MAP_FULL,
	GROWTH_LOST_WALK_VMA_BUSY,
	GROWTH_LOST__MAX,
};

/* Open and load. 0 or -errno; *out is NULL on error. */
int growth_loader__new(const struct growth_loader_opts *opts, struct growth_loader **out);
/* Attach every probe. 0 or -errno. */
int growth_loader__attach(struct growth_loader *ld);
/* As leak_loader__add_unwind */
int growth_loader__add_unwind(struct growth_loader *ld, uint32_t dev, uint64_t ino,
			      const struct cfi_table *t);
void growth_loader__detach(struct growth_loader *ld);
/* Fill sample (emptied first) with one row per (process, stack): counts.live_bytes/objects =
 * bytes/pages it gave the process that the process still has, alloc_bytes/objects = every
 * page it gave (first touch), freed_bytes/objects = heap asked for and the calls that asked
 * (session.h, SESSION_KIND_GROWTH). Loss counters are left alone. 0 or -errno. */
int growth_loader__read(struct growth_loader *ld, struct leak_sample *sample);
/* What the walk budget did: the largest weight (pages) a drawn page had, and the pages
 * counted by draws that weighed more than sample_pages (0 and 0: it never acted) */
void growth_loader__budget(const struct growth_loader *ld, uint64_t *weight_max,
			   uint64_t *budget_pages);
/* The kernel side's loss counters */
void growth_loader__lost(const struct growth_loader *ld, uint64_t lost[GROWTH_LOST__MAX]);
/* Every process in the table: fn is called for each; 0 or -errno or fn's result */
int growth_loader__procs(struct growth_loader *ld,
			 int (*fn)(void *ctx, const struct growth_proc_info *p), void *ctx);
/* Forget exited processes (pids sorted): their entries and the owners of their pages, in one
 * walk of the page table (O(pages tracked)); their per-stack rows stay. 0 or -errno. */
int growth_loader__forget(struct growth_loader *ld, const uint32_t *pids, size_t cnt);
/* Drop the per-stack rows of the pids (sorted) and their stacks, for good. 0 or -errno. */
int growth_loader__drop_rows(struct growth_loader *ld, const uint32_t *pids, size_t cnt);
/* New code in a traced process, as the kernel told it: an exec, or a file mapped executable
 * (told before the mapping exists) */
struct growth_code {
	uint32_t pid;
	bool exec;
	uint32_t dev; /* the file mapped (kernel dev_t), 0 and 0 when unknown or an exec */
	uint64_t ino;
	uint64_t addr, len, off; /* a MAP_FIXED mmap: [addr, addr + len) maps the file from off */
};
/* Call fn(ctx, code) for every exec and code mapping of a traced process as it happens: the
 * fd to poll, or -errno */
int growth_loader__execs_fd(struct growth_loader *ld,
			    void (*fn)(void *ctx, const struct growth_code *code), void *ctx);
/* Call fn for the events waiting; 0 or -errno */
int growth_loader__consume_execs(struct growth_loader *ld);
/* stack_fetch_fn over the stack map; ctx is the loader */
int growth_loader__fetch_stack(void *ld, uint64_t stack_id, uint64_t *ips, size_t max,
			       bool *truncated);
void growth_loader__free(struct growth_loader *ld);

#endif
