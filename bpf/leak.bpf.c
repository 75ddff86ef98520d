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

/* Unwind rows of the files built without frame pointers (struct unwind_row), loaded by user
 * space, and the files they belong to */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1 << 19); /* resized by the loader (--max-unwind-rows) */
	__type(key, __u32);
	__type(value, struct unwind_row);
} unwind_rows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PERFAN_UNWIND_MODS);
	__type(key, struct unwind_mod_key);
	__type(value, struct unwind_mod);
} unwind_mods SEC(".maps");

/* 0: walk frame pointers only (--unwind fp) */
const volatile __u32 unwind_cfi = 1;

/* A mapping met during one walk: [start, end), and where its rows are when it has some */
struct vma_hit {
	__u64 start;
	__u64 end;
	__u64 base; /* ELF virtual address = pc - start + base */
	__u32 first;
	__u32 cnt; /* 0: no rows, walk frame pointers */
};

#define WALK_CACHE 4

struct walk {
	__u64 pc; /* the current frame's return address */
	__u64 sp; /* its stack pointer */
	__u64 bp; /* its rbp */
	__u64 hash;
	/* a stack's frames lie in a few mappings: a direct-mapped cache by pc's 2 MiB region */
	struct vma_hit cache[WALK_CACHE];
};

struct vma_query {
	__u64 start;
	__u64 end;
	__u64 pgoff;
	__u64 ino;
	__u32 dev;
	__u32 pad;
};

static long vma_cb(struct task_struct *task, struct vm_area_struct *vma, struct vma_query *q)
{
	struct file *f = BPF_CORE_READ(vma, vm_file);

	q->start = BPF_CORE_READ(vma, vm_start);
	q->end = BPF_CORE_READ(vma, vm_end);
	q->pgoff = BPF_CORE_READ(vma, vm_pgoff);
	if (f) {
		q->ino = BPF_CORE_READ(f, f_inode, i_ino);
		q->dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
	}
	return 0;
}

/* The mapping of pc, from the walk's cache or the kernel's vma tree; NULL when unknown */
static __always_inline struct vma_hit *mapping_of(struct walk *w, __u64 pc)
{
	struct vma_query q = {};
	struct unwind_mod_key key = {};
	struct unwind_mod *m;
	struct vma_hit *h;

	for (int i = 0; i < WALK_CACHE; i++)
		if (pc >= w->cache[i].start && pc < w->cache[i].end)
			return &w->cache[i];
	if (bpf_find_vma(bpf_get_current_task_btf(), pc, vma_cb, &q, 0) || !q.ino)
		return NULL;
	h = &w->cache[(pc >> 21) & (WALK_CACHE - 1)];
	h->start = q.start;
	h->end = q.end;
	h->cnt = 0;
	key.dev = q.dev;
	key.ino = q.ino;
	m = bpf_map_lookup_elem(&unwind_mods, &key);
	if (m) {
		h->first = m->first;
		h->cnt = m->cnt;
		h->base = q.pgoff * 4096 + m->vaddr_delta;
	}
	return h;
}

/* The index of the row covering vaddr among rows [first, first + cnt), or -1.
 * A global function: the verifier checks it once, not at every step of every walk. */
__noinline int find_row(__u32 first, __u32 cnt, __u64 vaddr)
{
	__u32 lo = 0, hi = cnt, idx;

	for (int k = 0; k < PERFAN_UNWIND_SEARCH && lo < hi; k++) {
		__u32 mid = lo + (hi - lo) / 2;
		struct unwind_row *r;

		idx = first + mid;
		r = bpf_map_lookup_elem(&unwind_rows, &idx);
		if (!r)
			return -1;
		if (r->pc <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || lo < hi)
		return -1;
	return (int)(first + lo - 1);
}

/* One step of the walk: from the frame of w->pc to its caller's. 0 to go on, 1 to stop. */
static long walk_step(__u64 i, struct walk *w)
{
	struct unwind_row *row = NULL;
	struct stack_trace *st;
	__u64 ra, bp = w->bp;
	__u32 zero = 0, n;

	/* The depth so far lives in the map value, not in w: a constant the verifier could track
	 * would make it check every step of the loop apart. */
	st = bpf_map_lookup_elem(&scratch, &zero);
	if (!st)
		return 1;
	if (unwind_cfi) {
		struct vma_hit *h = mapping_of(w, w->pc);

		/* pc is a return address: the call before it is what the rows describe */
		if (h && h->cnt && w->pc - 1 - h->start + h->base <= 0xffffffffULL) {
			__u32 idx =
				(__u32)find_row(h->first, h->cnt, w->pc - 1 - h->start + h->base);

			row = bpf_map_lookup_elem(&unwind_rows, &idx); /* NULL for -1 */
		}
	}
	if (row && row->kind == UNWIND_END)
		return 1;
	if (row && (row->kind == UNWIND_CFA_SP || row->kind == UNWIND_CFA_FP)) {
		__u64 cfa = (row->kind == UNWIND_CFA_SP ? w->sp : w->bp) + row->cfa_off8 * 8ULL;

		if (cfa <= w->sp || cfa - w->sp > PERFAN_MAX_FRAME_SPAN)
			return 1;
		if (bpf_probe_read_user(&ra, sizeof(ra), (void *)(cfa - 8)))
			return 1;
		if (row->rbp_slot &&
		    bpf_probe_read_user(&bp, sizeof(bp), (void *)(cfa + row->rbp_slot * 8LL)))
			return 1;
		w->sp = cfa;
	} else {
		__u64 frame[2]; /* saved rbp, return address */

		if (bp < w->sp || bp - w->sp > PERFAN_MAX_FRAME_SPAN || (bp & 7))
			return 1;
		if (bpf_probe_read_user(frame, sizeof(frame), (void *)bp))
			return 1;
		ra = frame[1];
		w->sp = bp + sizeof(frame);
		bp = frame[0];
	}
	n = st->depth;
	if (!ra || n >= PERFAN_MAX_STACK_DEPTH)
		return 1;
	st->ips[n] = ra;
	w->hash = (w->hash ^ ra) * 0x100000001b3ULL;
	w->pc = ra;
	w->bp = bp;
	st->depth = n + 1;
	if (n + 1 == PERFAN_MAX_STACK_DEPTH) {
		st->truncated = 1;
		return 1;
	}
	return 0;
}

/* Walk the user stack and return its id (storing it when new), or PERFAN_STACK_NONE.
 * Each frame is left by its file's unwind rows when user space loaded some (code built without
 * frame pointers: glibc, libstdc++, programs built with the default -fomit-frame-pointer), else
 * by the frame-pointer chain.
 * Why not bpf_get_stackid: the kernel's walk follows the chain until a read fails, and a chain
 * always ends in code built without frame pointers (glibc's __libc_start_call_main), whose rbp
 * is garbage; reading it faults, and a fault costs ~5 us on the VMs we measured (bench: 5.2 us
 * of 5.6 us per allocation). Here a frame pointer is only followed when it points above the
 * stack pointer by less than PERFAN_MAX_FRAME_SPAN, so the walk ends without a fault.
 * Called at the return probe: regs->ip is the caller's return address, sp and rbp the
 * caller's, so the first frame is the real caller of the allocator.
 * A global function, verified once rather than at each of its callers. */
__noinline __u64 capture_stack(struct pt_regs *ctx)
{
	struct stack_trace *st;
	struct walk w = {
		.pc = PT_REGS_IP(ctx),
		.sp = PT_REGS_SP(ctx),
		.bp = PT_REGS_FP(ctx),
		.hash = 0xcbf29ce484222325ULL,
	};
	__u64 hash, id;
	__u32 zero = 0;

	st = bpf_map_lookup_elem(&scratch, &zero);
	if (!st) {
		count_lost(LOST_STACK_FAILURES);
		return PERFAN_STACK_NONE;
	}
	st->ips[0] = w.pc;
	w.hash = (w.hash ^ w.pc) * 0x100000001b3ULL;
	st->truncated = 0;
	st->depth = 1;
	bpf_loop(PERFAN_MAX_STACK_DEPTH - 1, walk_step, &w, 0);
	hash = w.hash;
	hash ^= hash >> 29; /* the low bits of an FNV product mix poorly */
	hash *= 0xbf58476d1ce4e5b9ULL;
	hash ^= hash >> 32;
	id = hash & PERFAN_STACK_ID_MASK;
	if (!id)
		id = 1;
	if (bpf_map_lookup_elem(&stacks, &id))
		return id;
	/* -EEXIST: another CPU stored the same stack first, fine */
	if (bpf_map_update_elem(&stacks, &id, st, BPF_NOEXIST) &&
	    !bpf_map_lookup_elem(&stacks, &id)) {
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
