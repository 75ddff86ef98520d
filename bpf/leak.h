/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Types shared by leak.bpf.c and the user-space loader: live allocations, per-stack aggregates
 * and loss counters. Only fixed-size fields with explicit padding; user space checks the sizes. */
#ifndef PERFAN_LEAK_H
#define PERFAN_LEAK_H

#define PERFAN_MAX_STACK_DEPTH 127

/* stack_id of allocations whose user stack could not be captured or stored. Real ids are
 * 53-bit hashes of the frames (exact in a JSON number), never 0. */
#define PERFAN_STACK_NONE 0
#define PERFAN_STACK_ID_MASK ((1ULL << 53) - 1)

/* A frame pointer more than this above the previous one is taken for garbage, not a frame */
#define PERFAN_MAX_FRAME_SPAN (1ULL << 20)

/* A captured user stack: the value of the stacks map, keyed by its stack id */
struct stack_trace {
	__u32 depth;
	__u32 truncated; /* the walk stopped at PERFAN_MAX_STACK_DEPTH frames */
	__u64 ips[PERFAN_MAX_STACK_DEPTH];
};

/* A live allocation: (tgid, address) -> allocation */
struct alloc_key {
	__u32 tgid;
	__u32 pad;
	__u64 addr;
};

/* A per-stack aggregate is keyed by process and stack id */
struct stack_key {
	__u32 tgid;
	__u32 pad;
	__u64 stack_id;
};

struct alloc_info {
	__u64 size;
	__u64 ts_ns; /* bpf_ktime_get_ns() at allocation, for --min-age */
	struct stack_key stack;
};

struct stack_stat {
	__u64 live_bytes;
	__u64 live_objects;
	__u64 alloc_bytes;
	__u64 alloc_objects;
	__u64 freed_bytes;
	__u64 freed_objects;
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
	LOST__SLOTS,
};

/* A `perfan:mark` USDT probe reached by the target (include/perfan.h): sent to user space,
 * which takes a snapshot with this label */
#define PERFAN_MARK_LABEL_MAX 128
struct mark_event {
	__u32 tgid;
	__u32 pad;
	__u64 ts_ns; /* bpf_ktime_get_ns() */
	char label[PERFAN_MARK_LABEL_MAX];
};

/* Unwinding code built without frame pointers (glibc, libstdc++, programs built with the
 * default -fomit-frame-pointer) by its .eh_frame, which user space turns into rows (cfi_table.c):
 * one row per address range, sorted by pc, saying where the caller's frame is. */
enum unwind_kind {
	UNWIND_UNKNOWN, /* no usable rule here (a gap, a DWARF expression): walk frame pointers */
	UNWIND_CFA_SP,	/* CFA = rsp + cfa_off8 * 8 */
	UNWIND_CFA_FP,	/* CFA = rbp + cfa_off8 * 8 */
	UNWIND_END,	/* the outermost frame (_start, a thread's start): the stack ends here */
};

struct unwind_row {
	__u32 pc;	/* ELF virtual address where the row starts */
	__u16 cfa_off8; /* CFA offset from its register, in 8-byte words */
	__u8 kind;	/* enum unwind_kind */
	__s8 rbp_slot;	/* the caller's rbp is saved at CFA + 8 * rbp_slot; 0: rbp unchanged */
};

/* A file whose rows are loaded, keyed as the kernel knows its inode */
struct unwind_mod_key {
	__u32 dev; /* kernel dev_t: major << 20 | minor */
	__u32 pad;
	__u64 ino;
};

struct unwind_mod {
	__u32 first; /* its rows are unwind_rows[first, first + cnt) */
	__u32 cnt;
	__s64 vaddr_delta; /* ELF virtual address = file offset + vaddr_delta (executable segment) */
};

#define PERFAN_UNWIND_MODS 512
/* Binary-search steps over one module's rows: at most 2^22 rows */
#define PERFAN_UNWIND_SEARCH 22

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
