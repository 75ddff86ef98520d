// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Allocation tracking: uprobes on the allocator's entry points record each live allocation
 * keyed by (tgid, address) and keep a per-stack aggregate up to date on every alloc and free,
 * so reading a report costs O(stacks). Every event that cannot be recorded is counted in `lost`. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>
#include "code_event.bpf.h"
#include "leak.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* 0 traces every process that maps the probed file (--all) */
const volatile __u32 target_tgid = 0;
/* perfan-bpf itself: never traced (with --all it maps the same libc) */
const volatile __u32 self_tgid = 0;
/* with target_tgid: the processes it forks are traced too, and theirs (--follow-forks) */
const volatile __u32 follow_forks = 0;

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

/* The stacks an exec found (their live counts cleared there): the old image's, which user
 * space names with the old mappings, and only those (an exec it reads late finds the new
 * image's stacks in the maps too). LRU: never full, the oldest forgotten first. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1 << 14);
	__type(key, struct stack_key);
	__type(value, __u8);
} old_image SEC(".maps");

/* When each traced process last exec'd (CLOCK_MONOTONIC ns, the ts_ns of its exec event):
 * user space handles an exec in order with the process's other events, maybe late, and until
 * it has, the mappings it could read are the new image's while the stacks it has to name may
 * be the old one's. LRU: never full, the oldest forgotten first. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1 << 14);
	__type(key, __u32);
	__type(value, __u64);
} exec_at SEC(".maps");

/* The processes followed besides the target: tgid -> its parent and fork time. Entered at fork,
 * removed at exit; user space attaches each one's uprobes (they filter by address space). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FOLLOW_MAX);
	__type(key, __u32);
	__type(value, struct follow_info);
} followed SEC(".maps");

/* Execs and code mappings of traced processes, as they happen (struct code_event) */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} code_events SEC(".maps");

/* 1 while unwind_mods holds every file user space has looked at (set by user space): a walk
 * then stops at a file it has not looked at yet (unwind.bpf.h, UNWIND_UNSEEN_ON) */
__u32 unseen_on = 0;

/* Allocations walked before their files' rows were in, with their stacks (struct early_walk) */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 * 1024 * 1024);
} early_walks SEC(".maps");

/* An early_walk being filled: too big for the BPF stack */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct early_walk);
} early_buf SEC(".maps");

/* USDT marks on their way to user space */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} marks SEC(".maps");

/* An allocator call a thread is inside: set at entry, consumed by the matching return.
 * `sp` is the stack pointer at entry, pointing at the caller's return address `ret_addr`. A
 * uretprobe sees sp + 8 at the return (the return address was popped); a probe on a return
 * instruction (the way a function an exception may leave is probed: no uretprobe trampoline
 * for the unwinder to meet) sees sp itself, with ret_addr still there. A call made while
 * another is pending at the same or a deeper stack position is the allocator calling itself
 * (realloc -> malloc, reallocarray tail-jumping to realloc) and is ignored so an allocation
 * is counted once, unless it is made from code outside the pending call's module (the
 * `inner` call below).
 * A pending call whose return never comes (an exception thrown out of operator new, a longjmp)
 * is stale: found at the thread's next allocator event when that event is above it (sp >
 * the pending sp), or, for a call whose returns are probed by instruction, when the return
 * address is no longer at sp (the frame is gone: a call from the catching frame wrote its own
 * return address there), or when the same function is entered again at the same sp. A stale
 * call is counted (pending_returns) and dropped; it holds no map entry (task storage, one per
 * thread, freed with the thread). */
struct call {
	__u64 sp;
	__u64 size;
	__u64 old_addr; /* realloc's old block */
	__u64 memptr;	/* posix_memalign's out-parameter */
	__u64 ret_addr; /* the caller's return address at sp (ret_insn) */
	__u64 ip;	/* where the entry probe is: the function entered */
	__u64 mod_lo;	/* the executable segment of the function's module; 0: unknown */
	__u64 mod_hi;
	__u32 fn;
	__u32 active;
	__u32 ret_insn; /* returns probed by instruction; 0: by a uretprobe, which replaces the
			   return address at sp by its trampoline's */
	__u32 usable;	/* enum leak_usable of the entry point */
};

struct pending {
	struct call outer;
	/* An allocator call made inside `outer` from code outside outer's module: not the
	 * allocator calling itself but a program's own allocation made while the allocator runs
	 * (libstdc++'s __cxa_allocate_exception allocating the bad_alloc operator new throws, a
	 * new_handler's malloc). Counted as a call of its own. */
	struct call inner;
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

#define UNWIND_UNSEEN_ON() (unseen_on)
#define UNWIND_UNSEEN() count_lost(LOST_EARLY_WALKS)
#define UNWIND_VMA_BUSY() count_lost(LOST_WALK_VMA_BUSY)
#include "unwind.bpf.h"
_Static_assert(STACK_UNSEEN_DEPTH_SHIFT == LEAK_STACK_UNSEEN_SHIFT, "unseen depth");
_Static_assert(STACK_UNSEEN_BIT == LEAK_STACK_UNSEEN, "unseen bit");

/* Whether the active call c is stale at an event of its thread at sp (see struct call).
 * `entry_ip`: the probe address of an entry event, 0 for others. */
static __always_inline bool stale(const struct call *c, __u64 sp, __u64 entry_ip)
{
	__u64 ra = 0;

	if (sp > c->sp)
		return true;
	if (!c->ret_insn)
		return false;
	if (bpf_probe_read_user(&ra, sizeof(ra), (void *)c->sp) || ra != c->ret_addr)
		return true;
	/* the same function at the same position: called again, not jumped to */
	return sp == c->sp && entry_ip == c->ip;
}

/* Whether an event at sp, inside the live call c, comes from code outside c's module: the
 * return address at sp lies outside it */
static __always_inline bool foreign(const struct call *c, __u64 sp)
{
	__u64 ra = 0;

	if (!c->mod_hi || sp >= c->sp || bpf_probe_read_user(&ra, sizeof(ra), (void *)sp))
		return false;
	return ra < c->mod_lo || ra >= c->mod_hi;
}

/* Drop the calls of p stale at an event at sp; whether any is left */
static __always_inline void drop_stale(struct pending *p, __u64 sp, __u64 entry_ip)
{
	if (p->inner.active && stale(&p->inner, sp, entry_ip)) {
		count_lost(LOST_PENDING_RETURNS);
		p->inner.active = 0;
	}
	if (p->outer.active && stale(&p->outer, sp, entry_ip)) {
		count_lost(LOST_PENDING_RETURNS);
		p->outer.active = 0;
		if (p->inner.active) { /* inside a call that is gone: gone too */
			count_lost(LOST_PENDING_RETURNS);
			p->inner.active = 0;
		}
	}
}

static __always_inline bool traced_tgid(__u32 tgid)
{
	if (tgid == self_tgid)
		return false;
	if (!target_tgid || tgid == target_tgid)
		return true;
	return follow_forks && bpf_map_lookup_elem(&followed, &tgid);
}

static __always_inline bool traced(__u32 *tgid)
{
	*tgid = bpf_get_current_pid_tgid() >> 32;
	return traced_tgid(*tgid);
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
	if (info->usable) {
		__sync_fetch_and_add(&st->live_usable_bytes, -info->usable);
		__sync_fetch_and_add(&st->live_usable_objects, -1);
	}
}

/* floor(log2(v)) for v > 0 (the BPF target has no count-leading-zeros) */
static __always_inline int log2_floor(__u64 v)
{
	int r = 0;

	if (v >> 32) {
		v >>= 32;
		r += 32;
	}
	if (v >> 16) {
		v >>= 16;
		r += 16;
	}
	if (v >> 8) {
		v >>= 8;
		r += 8;
	}
	if (v >> 4) {
		v >>= 4;
		r += 4;
	}
	if (v >> 2) {
		v >>= 2;
		r += 2;
	}
	return r + (int)(v >> 1);
}

/* The usable size of the block at addr the allocator returned for size; 0: unknown */
static __always_inline __u64 usable_of(__u32 how, __u64 addr, __u64 size)
{
	__u64 hdr = 0, u, delta;

	switch (how) {
	case LEAK_USABLE_GLIBC:
		/* the chunk's size field, before the block: bit 1 marks an mmapped chunk, whose
		 * header is two words; an arena chunk lends its next chunk's first word */
		if (bpf_probe_read_user(&hdr, sizeof(hdr), (void *)(addr - 8)))
			return 0;
		u = (hdr & ~7ULL) - (hdr & 2 ? 16 : 8);
		return u >= size && u - size < (1ULL << 32) ? u : 0;
	case LEAK_USABLE_JEMALLOC:
		/* jemalloc 5's size classes (16 B quantum, four classes a doubling above 128 B) */
		if (size <= 8)
			return 8;
		if (size <= 128)
			return (size + 15) & ~15ULL;
		if (size > (1ULL << 62))
			return 0;
		delta = 1ULL << (log2_floor(size - 1) - 2);
		return (size + delta - 1) & ~(delta - 1);
	default:
		return 0;
	}
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

/* The caller's registers as after the return: ip its return address, sp above it */
struct after_ret {
	__u64 ip, sp, fp;
};

/* When the allocation just recorded was walked before one of its files' rows were in, send it
 * with a copy of its stack to user space, which walks it again (struct early_walk) */
static __always_inline void send_early(const struct after_ret *r, const struct alloc_info *info,
				       __u64 addr)
{
	__u64 base = r->sp & ~(__u64)(LEAK_EARLY_CHUNK - 1);
	struct stack_trace *stk;
	struct early_walk *e;
	__u32 zero = 0, n = 0;

	stk = bpf_map_lookup_elem(&scratch, &zero);
	if (!stk || !(stk->truncated & STACK_UNSEEN_BIT) ||
	    info->stack.stack_id == PERFAN_STACK_NONE)
		return;
	e = bpf_map_lookup_elem(&early_buf, &zero);
	if (!e)
		return;
	e->tgid = info->stack.tgid;
	e->addr = addr;
	e->size = info->size;
	e->ts_ns = info->ts_ns;
	e->stack_id = info->stack.stack_id;
	e->ip = r->ip;
	e->sp = r->sp;
	e->bp = r->fp;
	e->at = base;
	/* chunk by chunk, aligned: the last one readable ends at the stack's end, or a page's */
	for (int i = 0; i < LEAK_EARLY_STACK_BYTES / LEAK_EARLY_CHUNK; i++) {
		if (bpf_probe_read_user(&e->stack[i * LEAK_EARLY_CHUNK], LEAK_EARLY_CHUNK,
					(void *)(base + i * LEAK_EARLY_CHUNK)))
			break;
		n += LEAK_EARLY_CHUNK;
	}
	e->len = n;
	if (n > LEAK_EARLY_STACK_BYTES)
		return;
	if (bpf_ringbuf_output(&early_walks, e, offsetof(struct early_walk, stack) + n, 0))
		count_lost(LOST_EARLY_UNCOPIED);
}

static __always_inline void record(const struct after_ret *r, __u32 tgid, __u64 addr, __u64 size,
				   __u32 how)
{
	struct alloc_key key = { .tgid = tgid, .addr = addr };
	struct alloc_info info = { .size = size, .stack.tgid = tgid };
	struct alloc_info *prev;
	struct stack_stat *st;

	info.stack.stack_id = capture_stack(r->ip, r->sp, r->fp);
	info.ts_ns = bpf_ktime_get_ns();
	info.usable = usable_of(how, addr, size);

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
		if (info.usable) {
			__sync_fetch_and_add(&st->live_usable_bytes, info.usable);
			__sync_fetch_and_add(&st->live_usable_objects, 1);
		}
	}
	send_early(r, &info, addr);
}

/* The thread's allocator-call state, made on first use; NULL (counted) when it cannot be */
static __always_inline struct pending *pending_of(void)
{
	struct pending *p = bpf_task_storage_get(&pending, bpf_get_current_task_btf(), 0,
						 BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (!p)
		count_lost(LOST_STATE_FAILURES);
	return p;
}

static __always_inline int enter(struct pt_regs *ctx, __u32 fn, __u64 size, __u64 old_addr,
				 __u64 memptr)
{
	__u64 sp = PT_REGS_SP(ctx), ip = PT_REGS_IP(ctx), cookie = bpf_get_attach_cookie(ctx);
	struct call *c = NULL;
	struct pending *p;
	__u32 tgid;

	if (!traced(&tgid))
		return 0;
	p = pending_of();
	if (!p)
		return 0;
	if (p->hint_sp) {
		__u64 ret = 0;

		if (sp < p->hint_sp && !bpf_probe_read_user(&ret, sizeof(ret), (void *)sp) &&
		    ret >= p->hint_lo && ret < p->hint_hi)
			size = p->hint_size;
		p->hint_sp = 0;
	}
	drop_stale(p, sp, ip);
	if (p->inner.active)
		c = &p->inner;
	else if (p->outer.active && foreign(&p->outer, sp))
		c = &p->inner; /* a program's own call made while the allocator runs */
	else if (p->outer.active)
		c = &p->outer;
	if (c && c->active) { /* nested in a pending call: part of it */
		/* a tail jump to a function with a uretprobe: the kernel puts its trampoline's
		 * address at sp now, and that uretprobe sees the return */
		if (sp == c->sp && !(cookie & LEAK_COOKIE_RET_INSN))
			c->ret_insn = 0;
		return 0;
	}
	if (!c)
		c = &p->outer;
	c->ret_addr = 0;
	c->ret_insn = cookie & LEAK_COOKIE_RET_INSN;
	if (c->ret_insn && bpf_probe_read_user(&c->ret_addr, sizeof(c->ret_addr), (void *)sp))
		return 0; /* cannot happen: the call just wrote it */
	c->mod_lo = 0;
	c->mod_hi = 0;
	if (LEAK_COOKIE_SEG_SIZE(cookie)) {
		c->mod_lo = ip - LEAK_COOKIE_SEG_OFF(cookie);
		c->mod_hi = c->mod_lo + LEAK_COOKIE_SEG_SIZE(cookie);
	}
	c->usable = LEAK_COOKIE_USABLE(cookie);
	c->sp = sp;
	c->ip = ip;
	c->size = size;
	c->old_addr = old_addr;
	c->memptr = memptr;
	c->fn = fn;
	c->active = 1;
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
	p = pending_of();
	if (!p)
		return 0;
	p->hint_size = size;
	p->hint_sp = PT_REGS_SP(ctx);
	p->hint_lo = PT_REGS_IP(ctx) - (cookie & 0xffffffff);
	p->hint_hi = p->hint_lo + (cookie >> 32);
	return 0;
}

/* The return of an allocator call: r as after it, entry_sp the stack pointer an entry of
 * this frame had (r->sp - 8) */
static __always_inline int leave(const struct after_ret *r, __u64 ret, __u64 entry_sp, bool by_insn)
{
	struct pending *p;
	struct call call, *c;
	__u32 tgid;

	if (!traced(&tgid))
		return 0;
	p = bpf_task_storage_get(&pending, bpf_get_current_task_btf(), 0, 0);
	if (!p)
		return 0;
	/* returned past a pending call: its return was lost */
	drop_stale(p, entry_sp, 0);
	c = p->inner.active ? &p->inner : &p->outer;
	if (!c->active || entry_sp != c->sp)
		return 0; /* a nested call's return */
	/* a call with a uretprobe returns through it, even when the code it tail-jumped to has
	 * probed return instructions (allocators share code): the trampoline's address is at sp */
	if (by_insn && !c->ret_insn)
		return 0;
	/* a return instruction at the pending position returns to the pending call's caller
	 * only while its return address is there (else the call is stale: an exception left it,
	 * and this is another call's return at the same depth) */
	if (by_insn && r->ip != c->ret_addr) {
		count_lost(LOST_PENDING_RETURNS);
		c->active = 0;
		return 0;
	}
	call = *c;
	c->active = 0;

	switch (call.fn) {
	case FN_POSIX_MEMALIGN: {
		__u64 addr = 0;

		if ((int)ret != 0)
			return 0;
		if (bpf_probe_read_user(&addr, sizeof(addr), (void *)call.memptr) || !addr)
			return 0;
		record(r, tgid, addr, call.size, call.usable);
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
		record(r, tgid, ret, call.size, call.usable);
		return 0;
	default:
		if (ret)
			record(r, tgid, ret, call.size, call.usable);
		return 0;
	}
}

SEC("uretprobe")
int BPF_KRETPROBE(alloc_return, __u64 ret)
{
	struct after_ret r = { .ip = PT_REGS_IP(ctx),
			       .sp = PT_REGS_SP(ctx),
			       .fp = PT_REGS_FP(ctx) };

	return leave(&r, ret, r.sp - 8, false);
}

/* A return instruction of a function whose returns are probed so (LEAK_COOKIE_RET_INSN): %rsp
 * points at the return address, %rax holds the result, the caller's %rbp is restored */
SEC("uprobe")
int BPF_KPROBE(alloc_ret_insn)
{
	struct after_ret r = { .sp = PT_REGS_SP(ctx) + 8, .fp = PT_REGS_FP(ctx) };

	if (bpf_probe_read_user(&r.ip, sizeof(r.ip), (void *)PT_REGS_SP(ctx)))
		return 0;
	return leave(&r, PT_REGS_RC(ctx), PT_REGS_SP(ctx), true);
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
	/* a free made by the allocator inside an allocation call belongs to that call; one the
	 * program makes while the allocator runs (from a new_handler) is its own */
	if (p) {
		drop_stale(p, sp, 0);
		if (p->inner.active)
			return 0;
		if (p->outer.active && !foreign(&p->outer, sp))
			return 0;
	}
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
	__u8 one = 1;

	if (k->tgid == *tgid) {
		v->live_bytes = 0;
		v->live_objects = 0;
		v->live_usable_objects = 0;
		v->live_usable_bytes = 0;
		bpf_map_update_elem(&old_image, k, &one, BPF_ANY);
	}
	return 0;
}

static __always_inline struct code_event *code_event_new(__u32 tgid, __u32 kind)
{
	struct code_event *e = bpf_ringbuf_reserve(&code_events, sizeof(*e), 0);

	if (!e) {
		count_lost(LOST_CODE_EVENTS);
		return NULL;
	}
	code_event_init(e, tgid, kind);
	return e;
}

#define AT_BASE_ 7

/* The dynamic linker an exec mapped: its load base from the auxiliary vector, its file from
 * the mapping there (the kernel maps it: no mmap tells of it) */
static __always_inline void exec_interp(struct code_event *e, struct mm_struct *mm)
{
	struct vma_query q = {};
	__u64 type, val, base = 0;

	for (int i = 0; i < 54; i += 2) {
		if (bpf_probe_read_kernel(&type, sizeof(type), &mm->saved_auxv[i]) || !type)
			break;
		if (type == AT_BASE_) {
			if (!bpf_probe_read_kernel(&val, sizeof(val), &mm->saved_auxv[i + 1]))
				base = val;
			break;
		}
	}
	if (!base || bpf_find_vma(bpf_get_current_task_btf(), base, vma_cb, &q, 0) || !q.ino)
		return;
	e->interp_base = base;
	e->interp_ino = q.ino;
	e->interp_dev = q.dev;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u64 now = bpf_ktime_get_ns();
	struct code_event *e;
	__u32 tgid;

	if (!traced(&tgid))
		return 0;
	bpf_for_each_map_elem(&allocs, drop_block, &tgid, 0);
	bpf_for_each_map_elem(&stack_stats, clear_live, &tgid, 0);
	__sync_fetch_and_add(&exec_cnt, 1);
	bpf_map_update_elem(&exec_at, &tgid, &now, BPF_ANY);
	e = code_event_new(tgid, CODE_EXEC);
	if (!e)
		return 0;
	e->ts_ns = now;
	code_event_exec(e, bprm);
	/* the program's file and where its code is, so that a process that exits before its
	 * mappings are read still has its frames named (the kernel maps it: no mmap to tell) */
	e->ino = BPF_CORE_READ(bprm, file, f_inode, i_ino);
	e->dev = BPF_CORE_READ(bprm, file, f_inode, i_sb, s_dev);
	e->addr = BPF_CORE_READ(p, mm, start_code);
	e->len = BPF_CORE_READ(p, mm, end_code) - e->addr;
	exec_interp(e, BPF_CORE_READ(p, mm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* A traced process forked (fork, vfork, clone of a new process; not a thread): with
 * follow_forks the child is followed from here on, and user space told to attach its probes.
 * Attached only when following. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid), ctgid = BPF_CORE_READ(child, tgid);
	struct follow_info fi = { .ppid = ptgid };
	struct code_event *e;

	if (ctgid == ptgid || !target_tgid || !traced_tgid(ptgid))
		return 0;
	fi.fork_ns = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&followed, &ctgid, &fi, BPF_ANY)) {
		count_lost(LOST_FORKS_UNFOLLOWED);
		return 0;
	}
	e = code_event_new(ctgid, CODE_FORK);
	if (!e)
		return 0; /* user space finds it in `followed` at its next tick */
	e->ts_ns = fi.fork_ns;
	e->ppid = ptgid;
	BPF_CORE_READ_STR_INTO(&e->comm, child, comm);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* A followed process exited: its entry goes (its pid may be reused), and user space is told */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *t, bool group_dead)
{
	__u32 tgid = BPF_CORE_READ(t, tgid);
	struct code_event *e;

	if (!group_dead || bpf_map_delete_elem(&followed, &tgid))
		return 0;
	e = code_event_new(tgid, CODE_EXIT);
	if (e)
		bpf_ringbuf_submit(e, 0);
	return 0;
}

#define NR_MMAP 9 /* x86-64 */
#define PROT_EXEC_ 0x4
#define MAP_ANONYMOUS_ 0x20

/* mmap of a file with PROT_EXEC (the dynamic linker mapping a library, dlopen): told before
 * the mapping exists, with the file's identity, so that user space finds it (by an earlier
 * mapping of the same file, or once this one is in place). The one tracepoint this kernel has
 * for it (no kprobes or fentry); every other system call returns at the first test, but every
 * system call of the host pays for the tracepoint: attached with --all only (processes traced
 * by pid have linker_state below). */
SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	struct code_event *e;
	__u32 tgid;

	if (id != NR_MMAP)
		return 0;
	if (!(BPF_CORE_READ(regs, dx) & PROT_EXEC_) || (BPF_CORE_READ(regs, r10) & MAP_ANONYMOUS_))
		return 0;
	if (!traced(&tgid))
		return 0;
	e = code_event_new(tgid, CODE_MMAP);
	if (!e)
		return 0;
	code_event_mmap(e, regs);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* The dynamic linker's _dl_debug_state, called when its list of objects changes: after an
 * exec's libraries are mapped (before any of their code runs), around each dlopen and
 * dlclose. A uprobe on each traced process's dynamic linker, so only they meet it; sys_enter
 * above (every system call of the host takes the slow path) is --all's alone. */
SEC("uprobe")
int BPF_KPROBE(linker_state)
{
	struct code_event *e;
	__u32 tgid;

	if (!traced(&tgid))
		return 0;
	e = code_event_new(tgid, CODE_LINKED);
	if (e)
		bpf_ringbuf_submit(e, 0);
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
