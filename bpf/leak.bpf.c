// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Allocation tracking: uprobes on the allocator's entry points record each live allocation
 * keyed by (tgid, address) and keep a per-stack aggregate up to date on every alloc and free,
 * so reading a report costs O(stacks). Every event that cannot be recorded is counted in `lost`. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>
#include "leak.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* 0 traces every process that maps the probed file (--all) */
const volatile __u32 target_tgid = 0;
/* perfan-bpf itself: never traced (with --all it maps the same libc) */
const volatile __u32 self_tgid = 0;

__u64 lost[LOST__SLOTS] = {};
/* execs of traced processes: each dropped the old image's live blocks */
__u64 exec_cnt = 0;

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

/* USDT marks on their way to user space */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} marks SEC(".maps");

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
	/* The last block this thread freed and the stack pointer of that free: a layer that passes
	 * its free on to another probed one (operator delete -> free, mi_free_aligned -> mi_free,
	 * by a call or a tail jump) frees the same block again at the same or a deeper position,
	 * which is the same free, not an unmatched one. */
	__u64 freed_addr;
	__u64 freed_sp;
	/* The size asked of an outer layer that is not probed as an allocation and passes another
	 * size on: libstdc++'s aligned operator new asks aligned_alloc for the size rounded up to a
	 * multiple of the alignment (C11's rule). Set at its entry, with the bounds of its code;
	 * the next allocator call of the thread takes this size when it is made from that code
	 * (its return address lies there), and clears it in any case. No return probe on such a
	 * layer: an exception thrown through a uretprobe'd frame calls std::terminate. */
	__u64 hint_size;
	__u64 hint_sp; /* 0: no hint */
	__u64 hint_lo;
	__u64 hint_hi;
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

#include "unwind.bpf.h"

static __always_inline bool traced(__u32 *tgid)
{
	*tgid = bpf_get_current_pid_tgid() >> 32;
	return *tgid != self_tgid && (!target_tgid || *tgid == target_tgid);
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

/* false when addr is not a live block */
static __always_inline bool release(__u32 tgid, __u64 addr)
{
	struct alloc_key key = { .tgid = tgid, .addr = addr };
	struct alloc_info *found, info;

	found = bpf_map_lookup_elem(&allocs, &key);
	if (!found)
		return false;
	info = *found;
	/* only the deleter accounts, so a racing free cannot decrement twice */
	if (bpf_map_delete_elem(&allocs, &key))
		return true;
	account_free(&info);
	return true;
}

static __always_inline void record(struct pt_regs *ctx, __u32 tgid, __u64 addr, __u64 size)
{
	struct alloc_key key = { .tgid = tgid, .addr = addr };
	struct alloc_info info = { .size = size, .stack.tgid = tgid };
	struct alloc_info *prev;
	struct stack_stat *st;

	info.stack.stack_id = capture_stack(PT_REGS_IP(ctx), PT_REGS_SP(ctx), PT_REGS_FP(ctx));
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
	if (p->hint_sp) {
		__u64 ret = 0;

		if (sp < p->hint_sp && !bpf_probe_read_user(&ret, sizeof(ret), (void *)sp) &&
		    ret >= p->hint_lo && ret < p->hint_hi)
			size = p->hint_size;
		p->hint_sp = 0;
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

/* An outer layer's size (see struct pending). The attach cookie holds the probe's offset into
 * the function (low 32 bits) and the function's size (high 32 bits). */
SEC("uprobe")
int BPF_KPROBE(size_hint_enter, __u64 size)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);
	struct pending *p;
	__u32 tgid;

	if (!traced(&tgid))
		return 0;
	p = bpf_task_storage_get(&pending, bpf_get_current_task_btf(), 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!p) {
		count_lost(LOST_STATE_FAILURES);
		return 0;
	}
	p->hint_size = size;
	p->hint_sp = PT_REGS_SP(ctx);
	p->hint_lo = PT_REGS_IP(ctx) - (cookie & 0xffffffff);
	p->hint_hi = p->hint_lo + (cookie >> 32);
	return 0;
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
			if (call.fn == FN_REALLOC && call.size == 0 && call.old_addr &&
			    !release(tgid, call.old_addr))
				count_lost(LOST_UNMATCHED_FREES);
			return 0;
		}
		if (call.old_addr && !release(tgid, call.old_addr))
			count_lost(LOST_UNMATCHED_FREES);
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
	__u64 sp = PT_REGS_SP(ctx);
	struct pending *p;
	__u32 tgid;

	if (!ptr || !traced(&tgid))
		return 0;
	p = bpf_task_storage_get(&pending, bpf_get_current_task_btf(), 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	/* a free made by the allocator inside an allocation call belongs to that call */
	if (p && p->active && sp <= p->sp)
		return 0;
	if (!release(tgid, ptr) && !(p && p->freed_addr == ptr && sp <= p->freed_sp))
		count_lost(LOST_UNMATCHED_FREES);
	if (p) {
		p->freed_addr = ptr;
		p->freed_sp = sp;
	}
	return 0;
}

/* exec: the old image's memory went with it. Its live blocks are dropped (their frees can
 * never come) and its stacks hold nothing live any more; what they allocated stays counted.
 * O(live blocks) per exec of a traced process: execs are rare. */
static long drop_block(struct bpf_map *map, struct alloc_key *k, struct alloc_info *v, __u32 *tgid)
{
	if (k->tgid == *tgid)
		bpf_map_delete_elem(map, k);
	return 0;
}

static long clear_live(struct bpf_map *map, struct stack_key *k, struct stack_stat *v, __u32 *tgid)
{
	if (k->tgid == *tgid) {
		v->live_bytes = 0;
		v->live_objects = 0;
	}
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid;

	if (!traced(&tgid))
		return 0;
	bpf_for_each_map_elem(&allocs, drop_block, &tgid, 0);
	bpf_for_each_map_elem(&stack_stats, clear_live, &tgid, 0);
	__sync_fetch_and_add(&exec_cnt, 1);
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
