/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Types of the user stack walk shared by every BPF program that captures stacks (leak, growth)
 * and their loaders: captured stacks, per-process stack keys, and the unwind rows of code built
 * without frame pointers. Only fixed-size fields; user space checks the sizes. */
#ifndef PERFAN_UNWIND_H
#define PERFAN_UNWIND_H

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

/* A per-stack aggregate is keyed by process and stack id */
struct stack_key {
	__u32 tgid;
	__u32 pad;
	__u64 stack_id;
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
	/* An index of the rows by PERFAN_UNWIND_BUCKET-byte bucket of code, stored in the slots
	 * unwind_rows[idx_first, idx_first + idx_cnt) just before the rows (in their pc field):
	 * slot b counts the rows at or before the start of bucket bucket0 + b, so the row of an
	 * address in that bucket is found among a few rows (a binary search over all of a big
	 * library's rows missed the cache at most of its ~16 steps: ~3-5 us a walk when walks are
	 * rare, as in the growth gear). idx_cnt 0: no index, search all rows. */
	__u32 idx_first;
	__u32 idx_cnt;
	__u32 bucket0; /* the first row's pc >> PERFAN_UNWIND_BUCKET_SHIFT */
	__u32 pad;
};

#define PERFAN_UNWIND_BUCKET_SHIFT 10

#define PERFAN_UNWIND_MODS 512
/* Binary-search steps over one module's rows: at most 2^22 rows */
#define PERFAN_UNWIND_SEARCH 22

#endif
