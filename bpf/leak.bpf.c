// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Allocation tracking: uprobes on the allocator's entry points record each live allocation
 * keyed by (tgid, address) and keep a per-stack aggregate up to date on every alloc and free,
 * so reading a report costs O(stacks). Every event that cannot be recorded is counted in `lost`. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/usdt.bpf.h>
#include "leak.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* 0 traces every process that maps the probed file (--all) */
const volatile __u32 target_tgid = 0;

__u64 lost[LOST__SLOTS] = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1 << 20); /* resized by the loader (--max-allocs) */
	__type(key, struct alloc_key);
	__type(value, struct alloc_info);
} allocs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1 << 16); /* resized by the loader (--max-stacks) */
	__type(key, struct stack_key);
	__type(value, struct stack_stat);
} stack_stats SEC(".maps");

/* Stacks by id. Our own hash map rather than BPF_MAP_TYPE_STACK_TRACE: no bucket collisions,
 * memory used as stacks appear, and our own frame walk (see capture_stack). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1 << 16); /* resized by the loader (--max-stacks) */
	__type(key, __u64);
	__type(value, struct stack_trace);
} stacks SEC(".maps");

/* USDT marks on their way to user space */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} marks SEC(".maps");

/* The stack being captured: too big for the 512-byte BPF stack */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stack_trace);
} scratch SEC(".maps");

/* The allocator call a thread is inside: set at entry, consumed by the matching return.
 * `sp` is the stack pointer at entry; the matching return sees sp + 8 (the return address was
 * popped). A call made while another is pending at the same or a deeper stack position is the
 * allocator calling itself (realloc -> malloc, reallocarray tail-jumping to realloc) and is
 * ignored so an allocation is counted once. */
struct pending {
	__u64 sp;
	__u64 size;
	__u64 old_addr; /* realloc's old block */
	__u64 memptr;	/* posix_memalign's out-parameter */
	__u32 fn;
	__u32 active;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct pending);
} pending SEC(".maps");

static __always_inline void count_lost(enum lost_kind kind)
{
	__sync_fetch_and_add(&lost[kind], 1);
}

static __always_inline bool traced(__u32 *tgid)
{
	*tgid = bpf_get_current_pid_tgid() >> 32;
	return !target_tgid || *tgid == target_tgid;
}

static __always_inline struct stack_stat *stat_get(const struct stack_key *key)
{
	static const struct stack_stat zero = {};
	struct stack_stat *st;

	st = bpf_map_lookup_elem(&stack_stats, key);
	if (st)
		return st;
	/* -EEXIST here means another CPU inserted it first: fine, look it up again */
	bpf_map_update_elem(&stack_stats, key, &zero, BPF_NOEXIST);
	st = bpf_map_lookup_elem(&stack_stats, key);
	if (!st)
		count_lost(LOST_STATS_MAP_FULL);
	return st;
}

/* Account a live allocation that went away (freed, or replaced by a new one at its address) */
static __always_inline void account_free(const struct alloc_info *info)
{
	struct stack_stat *st = bpf_map_lookup_elem(&stack_stats, &info->stack);

	if (!st)
		return;
	__sync_fetch_and_add(&st->live_bytes, -info->size);
	__sync_fetch_and_add(&st->live_objects, -1);
	__sync_fetch_and_add(&st->freed_bytes, info->size);
	__sync_fetch_and_add(&st->freed_objects, 1);
}

static __always_inline void release(__u32 tgid, __u64 addr)
{
	struct alloc_key key = { .tgid = tgid, .addr = addr };
	struct alloc_info *found, info;

	found = bpf_map_lookup_elem(&allocs, &key);
	if (!found) {
		count_lost(LOST_UNMATCHED_FREES);
		return;
	}
	info = *found;
	/* only the deleter accounts, so a racing free cannot decrement twice */
	if (bpf_map_delete_elem(&allocs, &key))
		return;
	account_free(&info);
}

/* Walk the frame-pointer chain of the user stack and return its id (storing it when new), or
 * PERFAN_STACK_NONE.
 * Why not bpf_get_stackid: the kernel's walk follows the chain until a read fails, and a chain
 * always ends in code built without frame pointers (glibc's __libc_start_call_main), whose rbp
 * is garbage; reading it faults, and a fault costs ~5 us on the VMs we measured (bench: 5.2 us
 * of 5.6 us per allocation). Here a frame pointer is only followed when it points above the
 * previous one by less than PERFAN_MAX_FRAME_SPAN, so the walk ends without a fault.
 * Called at the return probe: regs->ip is the caller's return address and rbp the caller's
 * frame, so the first frame is the real caller of the allocator (at the entry probe the walk
 * would skip it: malloc begins with push %r12, not push %rbp). */
static __always_inline __u64 capture_stack(struct pt_regs *ctx)
{
	struct stack_trace *st;
	__u64 fp = PT_REGS_FP(ctx), low = PT_REGS_SP(ctx), hash = 0xcbf29ce484222325ULL, id;
	__u32 zero = 0, n = 1;

	st = bpf_map_lookup_elem(&scratch, &zero);
	if (!st) {
		count_lost(LOST_STACK_FAILURES);
		return PERFAN_STACK_NONE;
	}
	st->ips[0] = PT_REGS_IP(ctx);
	hash = (hash ^ st->ips[0]) * 0x100000001b3ULL;
	st->truncated = 0;
	for (int i = 1; i < PERFAN_MAX_STACK_DEPTH; i++) {
		__u64 frame[2]; /* saved rbp, return address */

		if (fp < low || fp - low > PERFAN_MAX_FRAME_SPAN || (fp & 7))
			break;
		if (bpf_probe_read_user(frame, sizeof(frame), (void *)fp) || !frame[1])
			break;
		st->ips[i] = frame[1];
		hash = (hash ^ frame[1]) * 0x100000001b3ULL;
		n = i + 1;
		low = fp + sizeof(frame);
		fp = frame[0];
		if (i == PERFAN_MAX_STACK_DEPTH - 1)
			st->truncated = 1;
	}
	st->depth = n;
	hash ^= hash >> 29; /* the low bits of an FNV product mix poorly */
	hash *= 0xbf58476d1ce4e5b9ULL;
	hash ^= hash >> 32;
	id = hash & PERFAN_STACK_ID_MASK;
	if (!id)
		id = 1;
	if (bpf_map_lookup_elem(&stacks, &id))
		return id;
	/* -EEXIST: another CPU stored the same stack first, fine */
	if (bpf_map_update_elem(&stacks, &id, st, BPF_NOEXIST) && !bpf_map_lookup_elem(&stacks, &id)) {
		count_lost(LOST_STACKS_MAP_FULL);
		return PERFAN_STACK_NONE;
	}
	return id;
}

static __always_inline void record(struct pt_regs *ctx, __u32 tgid, __u64 addr, __u64 size)
{
	struct alloc_key key = { .tgid = tgid, .addr = addr };
	struct alloc_info info = { .size = size, .stack.tgid = tgid };
	struct alloc_info *prev;
	struct stack_stat *st;

	info.stack.stack_id = capture_stack(ctx);
	info.ts_ns = bpf_ktime_get_ns();

	st = stat_get(&info.stack);
	if (st) {
		__sync_fetch_and_add(&st->alloc_bytes, size);
		__sync_fetch_and_add(&st->alloc_objects, 1);
	}
	/* an address still live here lost its free (e.g. freed through a path we do not probe) */
	prev = bpf_map_lookup_elem(&allocs, &key);
	if (prev) {
		struct alloc_info old = *prev;

		account_free(&old);
	}
	if (bpf_map_update_elem(&allocs, &key, &info, BPF_ANY)) {
		count_lost(LOST_ALLOCS_MAP_FULL);
		return;
	}
	if (st) {
		__sync_fetch_and_add(&st->live_bytes, size);
		__sync_fetch_and_add(&st->live_objects, 1);
	}
}

static __always_inline int enter(struct pt_regs *ctx, __u32 fn, __u64 size, __u64 old_addr,
				 __u64 memptr)
{
	struct pending *p;
	__u64 sp = PT_REGS_SP(ctx);
	__u32 tgid;

	if (!traced(&tgid))
		return 0;
	p = bpf_task_storage_get(&pending, bpf_get_current_task_btf(), 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!p) {
		count_lost(LOST_STATE_FAILURES);
		return 0;
	}
	if (p->active) {
		if (sp <= p->sp)
			return 0; /* nested in an outer allocator call */
		count_lost(LOST_PENDING_RETURNS);
	}
	p->sp = sp;
	p->size = size;
	p->old_addr = old_addr;
	p->memptr = memptr;
	p->fn = fn;
	p->active = 1;
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(malloc_enter, __u64 size)
{
	return enter(ctx, FN_MALLOC, size, 0, 0);
}

SEC("uprobe")
int BPF_KPROBE(calloc_enter, __u64 nmemb, __u64 size)
{
	/* an overflowing product makes calloc fail; the return then sees NULL and records nothing */
	return enter(ctx, FN_CALLOC, nmemb * size, 0, 0);
}

SEC("uprobe")
int BPF_KPROBE(realloc_enter, __u64 ptr, __u64 size)
{
	return enter(ctx, FN_REALLOC, size, ptr, 0);
}

SEC("uprobe")
int BPF_KPROBE(reallocarray_enter, __u64 ptr, __u64 nmemb, __u64 size)
{
	return enter(ctx, FN_REALLOCARRAY, nmemb * size, ptr, 0);
}

SEC("uprobe")
int BPF_KPROBE(posix_memalign_enter, __u64 memptr, __u64 align, __u64 size)
{
	return enter(ctx, FN_POSIX_MEMALIGN, size, 0, memptr);
}

/* aligned_alloc, memalign: (alignment, size) */
SEC("uprobe")
int BPF_KPROBE(memalign_enter, __u64 align, __u64 size)
{
	return enter(ctx, FN_MEMALIGN, size, 0, 0);
}

/* valloc, pvalloc: (size) */
SEC("uprobe")
int BPF_KPROBE(valloc_enter, __u64 size)
{
	return enter(ctx, FN_VALLOC, size, 0, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(alloc_return, __u64 ret)
{
	struct pending *p, call;
	__u64 sp = PT_REGS_SP(ctx);
	__u32 tgid;

	if (!traced(&tgid))
		return 0;
	p = bpf_task_storage_get(&pending, bpf_get_current_task_btf(), 0, 0);
	if (!p || !p->active)
		return 0;
	if (sp != p->sp + 8) {
		if (sp > p->sp + 8) { /* we returned past the pending call: its return was lost */
			count_lost(LOST_PENDING_RETURNS);
			p->active = 0;
		}
		return 0; /* a nested call's return */
	}
	call = *p;
	p->active = 0;

	switch (call.fn) {
	case FN_POSIX_MEMALIGN: {
		__u64 addr = 0;

		if ((int)ret != 0)
			return 0;
		if (bpf_probe_read_user(&addr, sizeof(addr), (void *)call.memptr) || !addr)
			return 0;
		record(ctx, tgid, addr, call.size);
		return 0;
	}
	case FN_REALLOC:
	case FN_REALLOCARRAY:
		if (!ret) {
			/* glibc's realloc(p, 0) frees p and returns NULL; a failed realloc keeps p */
			if (call.fn == FN_REALLOC && call.size == 0 && call.old_addr)
				release(tgid, call.old_addr);
			return 0;
		}
		if (call.old_addr)
			release(tgid, call.old_addr);
		record(ctx, tgid, ret, call.size);
		return 0;
	default:
		if (ret)
			record(ctx, tgid, ret, call.size);
		return 0;
	}
}

SEC("uprobe")
int BPF_KPROBE(free_enter, __u64 ptr)
{
	struct pending *p;
	__u32 tgid;

	if (!ptr || !traced(&tgid))
		return 0;
	/* a free made by the allocator inside an allocation call belongs to that call */
	p = bpf_task_storage_get(&pending, bpf_get_current_task_btf(), 0, 0);
	if (p && p->active && PT_REGS_SP(ctx) <= p->sp)
		return 0;
	release(tgid, ptr);
	return 0;
}

/* PERFAN_MARK("label") in the target: hand the label to user space for a snapshot */
SEC("usdt")
int BPF_USDT(usdt_mark, void *label)
{
	struct mark_event *e;
	__u32 tgid;

	if (!traced(&tgid))
		return 0;
	e = bpf_ringbuf_reserve(&marks, sizeof(*e), 0);
	if (!e) {
		count_lost(LOST_MARKS);
		return 0;
	}
	e->tgid = tgid;
	e->pad = 0;
	e->ts_ns = bpf_ktime_get_ns();
	if (bpf_probe_read_user_str(e->label, sizeof(e->label), label) < 0)
		e->label[0] = '\0';
	bpf_ringbuf_submit(e, 0);
	return 0;
}
