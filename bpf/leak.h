/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Types shared by leak.bpf.c and the user-space loader: live allocations, per-stack aggregates
 * and loss counters. Only fixed-size fields with explicit padding; user space checks the sizes. */
#ifndef PERFAN_LEAK_H
#define PERFAN_LEAK_H

#include "code_event.h"
#include "unwind.h"

/* A live allocation: (tgid, address) -> allocation */
struct alloc_key {
	__u32 tgid;
	__u32 pad;
	__u64 addr;
};

struct alloc_info {
	__u64 size;
	__u64 ts_ns; /* bpf_ktime_get_ns() at allocation, for --min-age */
	struct stack_key stack;
	__u64 usable; /* the allocator's usable size of the block; 0: unknown */
};

struct stack_stat {
	__u64 live_bytes;
	__u64 live_objects;
	__u64 alloc_bytes;
	__u64 alloc_objects;
	__u64 freed_bytes;
	__u64 freed_objects;
	/* the live blocks whose usable size is known (LEAK_USABLE_*): their count and sum */
	__u64 live_usable_objects;
	__u64 live_usable_bytes;
};

/* Every count the kernel side can lose, indexes into the `lost` array in .bss */
enum lost_kind {
	LOST_ALLOCS_MAP_FULL, /* live allocation not recorded: allocs map full */
	LOST_STACK_FAILURES,  /* user stack not captured (no scratch buffer) */
	LOST_STACKS_MAP_FULL, /* a new stack not stored: stacks map full */
	LOST_UNMATCHED_FREES, /* free of an address never seen (allocated before attach) */
	LOST_PENDING_RETURNS, /* an allocator entry whose return never came */
	LOST_STATS_MAP_FULL,  /* per-stack aggregate not recorded: stack_stats map full */
	LOST_STATE_FAILURES,  /* per-thread state could not be created */
	LOST__MAX,
	LOST_MARKS = LOST__MAX, /* a USDT mark dropped: ring buffer full (not a lost allocation) */
	LOST_CODE_EVENTS,	/* an exec or code mapping not told at once: ring buffer full (the
				   next tick finds it; not a lost allocation) */
	LOST_EARLY_WALKS,	/* allocations whose stack walk met a file of the process that user
				   space had not looked at yet: the walk stopped there (the stack
				   is provisional, see code_event) */
	LOST_WALK_VMA_BUSY,	/* walks that could not look up a mapping (its lock was taken, by
				   an mmap in progress): stopped there, the stack is provisional */
	LOST_FORKS_UNFOLLOWED,	/* processes forked by followed ones that could not be followed:
				   the followed table was full */
	LOST_EARLY_UNCOPIED,	/* early walks whose stack could not be sent to user space to be
				   walked again (the early_walks ring buffer was full): they stay
				   provisional */
	LOST__SLOTS,
};

/* A process followed (the followed map's value): its parent, and when it forked
 * (CLOCK_MONOTONIC ns): user space finding it in the map rather than by its event still says
 * how late its probes came */
struct follow_info {
	__u32 ppid;
	__u32 pad;
	__u64 fork_ns;
};

/* Processes followed at once besides the target (--follow-forks) */
#define FOLLOW_MAX 1024

/* A `perfan:mark` USDT probe reached by the target (include/perfan.h): sent to user space,
 * which takes a snapshot with this label */
#define PERFAN_MARK_LABEL_MAX 128
struct mark_event {
	__u32 tgid;
	__u32 pad;
	__u64 ts_ns; /* bpf_ktime_get_ns() */
	char label[PERFAN_MARK_LABEL_MAX];
};

/* stack_trace.truncated bit set by a walk that met a file user space had not looked at
 * (STACK_UNSEEN_BIT of unwind.bpf.h) */
#define LEAK_STACK_UNSEEN 2
/* with it, truncated >> this: the frames walked before that file (STACK_UNSEEN_DEPTH_SHIFT) */
#define LEAK_STACK_UNSEEN_SHIFT 8

/* An allocation whose walk met a file user space had not looked at yet (LEAK_STACK_UNSEEN): its
 * provisional stack, where it was made, and a copy of the user stack from there, sent to user
 * space, which walks it again once the file's rows are in and moves the allocation to its whole
 * stack (user/probe/early_rewalk.h). The copy starts at sp rounded down to LEAK_EARLY_CHUNK and
 * ends where the stack's mapping ends or after LEAK_EARLY_STACK_BYTES. */
#define LEAK_EARLY_STACK_BYTES 16384
#define LEAK_EARLY_CHUNK 512
struct early_walk {
	__u32 tgid;
	__u32 len; /* bytes of stack[] copied */
	__u64 addr;
	__u64 size;
	__u64 ts_ns;	  /* the allocation's alloc_info.ts_ns: which block at addr it was */
	__u64 stack_id;	  /* the provisional stack it was counted in */
	__u64 ip, sp, bp; /* the first frame's return address, and the registers there */
	__u64 at;	  /* the address of stack[0] */
	__u8 stack[LEAK_EARLY_STACK_BYTES];
};

/* Attach cookie of an allocating entry probe. Bit 0: its returns are probed on their return
 * instructions (an exception may leave the function: no uretprobe). Bits 1-31: the probe's
 * offset from the start of its module's executable segment, bits 32-61: that segment's size
 * (0: unknown), from which a nested call tells the allocator's own code from the program's.
 * Bits 62-63: how the usable size of the blocks it returns is known (LEAK_USABLE_*). */
#define LEAK_COOKIE_RET_INSN 1
#define LEAK_COOKIE_SEG_OFF(c) (((c)&0xffffffffULL) >> 1)
#define LEAK_COOKIE_SEG_SIZE(c) (((c) >> 32) & 0x3fffffffULL)
#define LEAK_COOKIE_USABLE(c) ((c) >> 62)
#define LEAK_COOKIE_USABLE_SHIFT 62

/* How an allocator tells the usable size of a block it returned */
enum leak_usable {
	LEAK_USABLE_UNKNOWN,
	LEAK_USABLE_GLIBC,    /* the chunk header before the block: its size, less the header */
	LEAK_USABLE_JEMALLOC, /* the size class of the size asked for (unaligned calls only) */
};

/* Which allocator entry point a pending call came through */
enum alloc_fn {
	FN_MALLOC,
	FN_CALLOC,
	FN_REALLOC,
	FN_REALLOCARRAY,
	FN_POSIX_MEMALIGN,
	FN_ALIGNED_ALLOC,
	FN_MEMALIGN,
	FN_VALLOC,
	FN_PVALLOC,
	FN__MAX,
};

#endif
