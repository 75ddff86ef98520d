// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Function timing: an entry probe pushes {function, stack pointer, timestamp} on a per-thread
 * LIFO; the return probe (a uretprobe, or a uprobe on each return instruction for code a C++
 * exception can unwind) pops the matching entry and adds the duration to the function's
 * per-CPU log-linear histogram. The stack pointer pairs entries with returns, so recursion
 * and nesting time every call, and frames skipped by longjmp or an exception are dropped and
 * counted instead of being paired with a later return. Each thread also counts the entries of
 * timed functions and sums their probes' calibrated cost, so a return knows how many probed
 * calls (and how much of their trap time) ran inside its call. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "timing.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* 0: every process that runs the probed file. Writable: `--runs` times one process after
 * another with the same loaded object. */
volatile __u32 target_tgid = 0;
const volatile __u32 by = TIMING_BY_FUNC;
/* subtract the nested probes' calibrated cost from each duration (--subtract-nested) */
const volatile __u32 subtract_nested = 0;

__u64 func_lost[TIMING_MAX_FUNCS][TLOST__MAX] = {};
/* what one call of function i costs in probe traps (entry and return), set by the loader */
__u64 func_cost_ns[TIMING_MAX_FUNCS] = {};

struct frame {
	__u64 sp; /* stack pointer at entry: it points at the return address */
	__u64 ts;
	__u64 calls0; /* the thread's probe_calls and probe_cost_ns after this entry */
	__u64 cost0;
	__u32 func;
	__u32 uret; /* a uretprobe was armed for this call */
};

struct tstack {
	__u32 depth;
	__u32 uret_depth;    /* open entries with a uretprobe armed: the kernel's nesting count */
	__u64 probe_calls;   /* entry probes of timed functions this thread has hit */
	__u64 probe_cost_ns; /* their calibrated cost, summed */
	struct frame f[TIMING_MAX_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tstack);
} threads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 4096); /* resized by the loader */
	__type(key, struct timing_key);
	__type(value, struct timing_hist);
} hists SEC(".maps");

/* the value a new histogram starts from (too big for the BPF stack) */
const struct timing_hist zero_hist = {};

static __always_inline void count_lost(__u32 func, enum timing_lost kind)
{
	__sync_fetch_and_add(&func_lost[func & (TIMING_MAX_FUNCS - 1)][kind], 1);
}

static __always_inline bool traced(void)
{
	return !target_tgid || (bpf_get_current_pid_tgid() >> 32) == target_tgid;
}

static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0;

	for (__u32 shift = 32; shift; shift >>= 1) {
		if (v >> shift) {
			v >>= shift;
			r += shift;
		}
	}
	return r;
}

/* Same layout as hist__bucket() in user/lib/hist.c */
static __always_inline __u32 bucket_of(__u64 v)
{
	__u32 e;

	if (v < TIMING_SUB)
		return (__u32)v;
	e = log2_u64(v);
	if (e > TIMING_MAX_EXP)
		return TIMING_BUCKETS - 1;
	return TIMING_SUB + (e - TIMING_SUB_BITS) * TIMING_SUB +
	       (__u32)((v >> (e - TIMING_SUB_BITS)) & (TIMING_SUB - 1));
}

/* Raise *p to v; a few tries are enough: losing all of them needs others raising it */
static __always_inline void raise_to(__u64 *p, __u64 v)
{
	for (int i = 0; i < 4; i++) {
		__u64 cur = *p;

		if (v <= cur || __sync_val_compare_and_swap(p, cur, v) == cur)
			break;
	}
}

static __always_inline void record(__u32 func, __u64 ns, __u64 nested, __u64 nested_ns)
{
	struct timing_key key = { .func = func };
	struct timing_hist *h;
	__u32 b;
	__u64 old;

	if (by == TIMING_BY_THREAD)
		key.id = (__u32)bpf_get_current_pid_tgid();
	else if (by == TIMING_BY_PID)
		key.id = bpf_get_current_pid_tgid() >> 32;
	h = bpf_map_lookup_elem(&hists, &key);
	if (!h) {
		/* -EEXIST: inserted meanwhile, fine */
		bpf_map_update_elem(&hists, &key, &zero_hist, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&hists, &key);
		if (!h) {
			count_lost(func, TLOST_HIST_FULL);
			return;
		}
	}
	b = bucket_of(ns);
	if (b >= TIMING_BUCKETS)
		b = TIMING_BUCKETS - 1;
	/* atomics even per CPU: uprobe programs run preemptibly, two threads can interleave */
	old = __sync_fetch_and_add(&h->sum_lo, ns);
	if (old + ns < old)
		__sync_fetch_and_add(&h->sum_hi, 1);
	raise_to(&h->max_ns, ns);
	raise_to(&h->min_ns, ~ns); /* min kept inverted, so that 0 means none */
	if (nested) {
		__sync_fetch_and_add(&h->nested_calls, nested);
		__sync_fetch_and_add(&h->nested_cost_ns, nested_ns);
	}
	__sync_fetch_and_add(&h->buckets[b], 1);
	__sync_fetch_and_add(&h->count, 1);
}

static __always_inline void drop_top(struct tstack *s, struct frame *top, bool stale)
{
	if (stale)
		count_lost(top->func, TLOST_STALE);
	if (top->uret && s->uret_depth)
		s->uret_depth--;
	s->depth--;
}

static __always_inline int enter(struct pt_regs *ctx, __u32 uret)
{
	__u64 sp = PT_REGS_SP(ctx);
	__u32 func = (__u32)bpf_get_attach_cookie(ctx);
	struct tstack *s;
	struct frame *f;

	if (!traced() || func >= TIMING_MAX_FUNCS)
		return 0;
	s = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!s) {
		count_lost(func, TLOST_STATE);
		return 0;
	}
	/* Entries at or below this call's frame belong to calls that are gone. An outer call
	 * is at least 16 bytes above (the ABI keeps the stack 16-byte aligned at calls), except
	 * a function that tail-jumped here: same stack pointer, another function. */
	for (int i = 0; i < TIMING_MAX_DEPTH; i++) {
		__u32 d = s->depth;

		if (!d || d > TIMING_MAX_DEPTH)
			break;
		f = &s->f[(d - 1) & (TIMING_MAX_DEPTH - 1)];
		if (f->sp > sp + 8 || (f->sp == sp && f->func != func))
			break;
		drop_top(s, f, true);
	}
	/* this entry's trap is inside every open call, timed or not from here on */
	s->probe_calls++;
	s->probe_cost_ns += func_cost_ns[func & (TIMING_MAX_FUNCS - 1)];
	if (uret && s->uret_depth >= TIMING_URETPROBE_DEPTH) {
		count_lost(func, TLOST_DEPTH_LIMIT);
		return 0;
	}
	if (s->depth >= TIMING_MAX_DEPTH) {
		count_lost(func, TLOST_STACK_FULL);
		return 0;
	}
	f = &s->f[s->depth & (TIMING_MAX_DEPTH - 1)];
	f->sp = sp;
	f->func = func;
	f->uret = uret;
	f->calls0 = s->probe_calls;
	f->cost0 = s->probe_cost_ns;
	s->depth++;
	if (uret)
		s->uret_depth++;
	f->ts = bpf_ktime_get_ns(); /* last: the probe's own work stays out of the duration */
	return 0;
}

/* entry_sp: the stack pointer the matching entry saw */
static __always_inline int leave(struct pt_regs *ctx, __u64 entry_sp, __u64 now)
{
	__u32 func = (__u32)bpf_get_attach_cookie(ctx);
	struct tstack *s;

	if (!traced() || func >= TIMING_MAX_FUNCS)
		return 0;
	s = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0, 0);
	if (!s) {
		count_lost(func, TLOST_UNMATCHED);
		return 0;
	}
	for (int i = 0; i < TIMING_MAX_DEPTH; i++) {
		__u32 d = s->depth;
		struct frame *f;

		if (!d || d > TIMING_MAX_DEPTH)
			break;
		f = &s->f[(d - 1) & (TIMING_MAX_DEPTH - 1)];
		if (f->sp > entry_sp)
			break; /* an outer call: ours was never recorded */
		if (f->sp == entry_sp && f->func == func) {
			__u64 ns = now - f->ts, nested = s->probe_calls - f->calls0;
			__u64 nested_ns = s->probe_cost_ns - f->cost0;

			drop_top(s, f, false);
			if (subtract_nested)
				ns = ns > nested_ns ? ns - nested_ns : 0;
			record(func, ns, nested, nested_ns);
			return 0;
		}
		drop_top(s, f, true); /* a deeper frame that is gone */
	}
	count_lost(func, TLOST_UNMATCHED);
	return 0;
}

SEC("uprobe")
int timing_enter_uret(struct pt_regs *ctx)
{
	return enter(ctx, 1);
}

/* the entry of a function timed by probes on its return instructions */
SEC("uprobe")
int timing_enter_insn(struct pt_regs *ctx)
{
	return enter(ctx, 0);
}

/* After the return popped the return address: the entry saw sp - 8 */
SEC("uretprobe")
int timing_uret(struct pt_regs *ctx)
{
	__u64 now = bpf_ktime_get_ns();

	return leave(ctx, PT_REGS_SP(ctx) - 8, now);
}

/* On a `ret` instruction, before it runs: the stack pointer is the entry's */
SEC("uprobe")
int timing_ret_insn(struct pt_regs *ctx)
{
	__u64 now = bpf_ktime_get_ns();

	return leave(ctx, PT_REGS_SP(ctx), now);
}
