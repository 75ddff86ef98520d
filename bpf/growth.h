/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Types shared by growth.bpf.c and its loader: per-stack growth (the bytes of new memory a
 * user stack first touched, and the heap growth it asked the kernel for), per-process growth
 * and the loss counters. Only fixed-size fields with explicit padding; user space checks the
 * sizes. */
#ifndef PERFAN_GROWTH_H
#define PERFAN_GROWTH_H

#include "unwind.h"

/* Per (process, stack): keyed by struct stack_key */
struct growth_stat {
	__u64 held_bytes; /* pages this stack gave the process that it still has */
	__u64 held_pages;
	__u64 touch_bytes; /* every new page this stack gave the process (page faults) */
	__u64 touch_pages;
	__u64 heap_bytes; /* address space it asked for: brk up, anonymous writable mmap,
			     mprotect of a reserved region to writable */
	__u64 heap_calls;
};

/* Which stack gave a process one of its pages: (tgid, page address) -> struct page_owner */
struct page_key {
	__u32 tgid;
	__u32 pad;
	__u64 addr;
};

/* A sampled page stands for the pages its draw weighed (growth.bpf.c, "walk budget") */
struct page_owner {
	__u64 stack_id;
	__u64 pages;
};

/* Per process, keyed by tgid */
#define GROWTH_COMM_LEN 16
struct growth_proc {
	__u64 held_bytes; /* as in growth_stat, summed */
	__u64 touch_bytes;
	__u64 touch_pages;
	__u64 heap_bytes;  /* as in growth_stat */
	__u64 unmap_bytes; /* anonymous memory given back: brk down, munmap, madvise(DONTNEED) */
	__u64 first_ns;	   /* bpf_ktime_get_ns() when first seen */
	__u64 exit_ns;	   /* when the process exited; 0 while it lives */
	__u32 ppid;	   /* the parent that forked it, 0 when it was not seen forking */
	__u32 execs;	   /* execs seen */
	__u32 forks;	   /* children it forked (new processes, not threads) */
	__u32 pad;
	char comm[GROWTH_COMM_LEN];
};

enum growth_lost_kind {
	GLOST_STACK_FAILURES,  /* user stack not captured (no scratch buffer) */
	GLOST_STACKS_MAP_FULL, /* a new stack not stored: stacks map full */
	GLOST_STATS_MAP_FULL,  /* a (process, stack) aggregate not recorded */
	GLOST_PROCS_MAP_FULL,  /* a process not recorded: procs map full */
	GLOST_VMA_UNKNOWN,     /* a call whose mapping could not be looked at (lock busy) */
	GLOST_PAGES_MAP_FULL,  /* a new page not owned by its stack: pages map full */
	GLOST_WALK_VMA_BUSY,   /* a stack walk cut short: a mapping's lock was taken */
	GLOST__MAX,
};

#endif
