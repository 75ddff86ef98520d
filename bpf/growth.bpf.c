// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The growth gear: kernel probes only, nothing per allocation. A process's memory grows when it
 * writes to pages it never wrote before (a page fault) and when it asks the kernel for more
 * address space (brk, anonymous mmap, mprotect of a reserved region). Each such event is
 * charged to the user stack that caused it, per process; fork, exec and exit keep the process
 * table. Churn that reuses freed memory makes none of these events, so it costs nothing. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "code_event.bpf.h"
#include "growth.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* 0: every process; else this one and (with follow_forks) the processes it forks */
const volatile __u32 target_tgid = 0;
const volatile __u32 follow_forks = 1;
/* perfan-bpf itself: never traced */
const volatile __u32 self_tgid = 0;
/* 1 in sample_pages new pages (at random) has its stack walked and is charged for
 * sample_pages pages: the walk is most of a page's cost. 1: every page, exactly. */
const volatile __u32 sample_pages = 1;
/* 2^32 / sample_pages: a page is sampled when a random 32-bit number falls below it */
const volatile __u64 sample_below = 1ULL << 32;
/* The walk budget: at most about walk_budget walks of new pages per CPU per WALK_WINDOW_NS
 * (0: no cap; never with sample_pages 1). A CPU that walked more in a window draws its faults
 * with a smaller probability in the next, chosen from the rate it saw, and each page drawn then
 * weighs more (weight pages; the weight is fixed when the fault is drawn, before it is known
 * whether it adds a page, so the figures stay unbiased). A process growing 1 GiB/s gives 262,144
 * new pages a second: walking 1 in 16 of them was ~10% of its time on these VMs. */
const volatile __u32 walk_budget = 0;
#define WALK_WINDOW_NS 100000000ULL
#define WALK_BURST 10	  /* windows of walks a burst may take at once: a second's */
#define WALK_MIN_WALKS 16 /* the fewest walks a window ends early on */
#define WEIGHT_MAX (1ULL << 20)

/* The largest weight a drawn page had, and the pages counted by draws that weighed more than
 * sample_pages (the budget raised their weight) */
__u64 weight_max = 0;
__u64 budget_pages = 0;
/* Heap asked for (brk, mmap, mprotect) is sampled by size: a call of heap_sample_bytes or more
 * is always walked; a smaller one with probability bytes / heap_sample_bytes, and then counts
 * for heap_sample_bytes and heap_sample_bytes / bytes calls. One page with sample_pages 1:
 * every call (all are whole pages) is walked, exactly. At most 2^32 (the draw's arithmetic). */
const volatile __u64 heap_sample_bytes = 4096;

__u64 lost[GLOST__MAX] = {};

#define LOST_STACK_FAILURES GLOST_STACK_FAILURES
#define LOST_STACKS_MAP_FULL GLOST_STACKS_MAP_FULL

static __always_inline void count_lost(int kind)
{
	__sync_fetch_and_add(&lost[kind], 1);
}

#define UNWIND_VMA_BUSY() count_lost(GLOST_WALK_VMA_BUSY)
#include "unwind.bpf.h"

#define PAGE_SIZE_ 4096ULL
#define EBUSY_ 16
#define PF_USER 0x4 /* ... from user mode */
#define USER_TOP 0x00007ffffffff000ULL

/* vm_flags bits (include/linux/mm.h) */
#define VM_READ_ 0x1
#define VM_WRITE_ 0x2
#define VM_EXEC_ 0x4
#define VM_SHARED_ 0x8

/* mmap/mprotect arguments (uapi) */
#define PROT_WRITE_ 0x2
#define PROT_EXEC_ 0x4
#define MAP_TYPE_ 0x0f
#define MAP_PRIVATE_ 0x02
#define MAP_ANONYMOUS_ 0x20
#define MAP_STACK_ 0x20000

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1 << 16); /* resized by the loader (--max-stacks) */
	__type(key, struct stack_key);
	__type(value, struct growth_stat);
} growth_stats SEC(".maps");

/* Execs and code mapped by traced processes, as they happen (struct code_event): user space
 * gives the new files unwind rows and reads the mappings at once, not at its next tick, and
 * names the code of a process gone before it read them where a MAP_FIXED mmap put it */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} execs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192); /* resized by the loader (--max-procs) */
	__type(key, __u32);
	__type(value, struct growth_proc);
} procs SEC(".maps");

/* A drawn page fault in progress on this CPU: which thread, where it faulted, from its user
 * registers. The fault tracepoints run with interrupts off, where the stack walk cannot look up
 * mappings; the walk runs at the fault's rss_stat event, when the kernel counts the new
 * anonymous page. Per CPU, so that a fault not drawn costs one inlined lookup at rss_stat; a
 * fault whose thread moves to another CPU before its page is counted loses its draw.
 * The CPU's walk budget lives here too. */
struct pending_fault {
	__u64 pc, sp, bp;
	__u64 addr;   /* the faulting address */
	__u32 tid;    /* the faulting thread; 0: none pending */
	__u32 pages;  /* what the pending draw weighs */
	__u64 below;  /* the draw's threshold now; 0: sample_below */
	__u64 weight; /* the pages a draw weighs now; 0: sample_pages */
	__u64 win_start;
	__u64 win_walks; /* pages walked since win_start */
	__s64 tokens;	 /* the walk budget's bucket, in walks x WALK_WINDOW_NS */
	__u64 tok_time;	 /* when it was last refilled; 0: never (full) */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pending_fault);
} faults SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1 << 20); /* resized by the loader (--max-pages) */
	__type(key, struct page_key);
	__type(value, struct page_owner);
} pages SEC(".maps");

/* A code event for user space, or NULL when the ring buffer is full (the next tick finds the
 * code all the same, only later) */
static __always_inline struct code_event *code_event_new(__u32 tgid, __u32 kind)
{
	struct code_event *e = bpf_ringbuf_reserve(&execs, sizeof(*e), 0);

	if (e)
		code_event_init(e, tgid, kind);
	return e;
}

static __always_inline struct growth_proc *proc_new(__u32 tgid, __u32 ppid)
{
	struct growth_proc p = {}, *found;

	p.first_ns = bpf_ktime_get_ns();
	p.ppid = ppid;
	bpf_get_current_comm(p.comm, sizeof(p.comm));
	bpf_map_update_elem(&procs, &tgid, &p, BPF_NOEXIST);
	found = bpf_map_lookup_elem(&procs, &tgid);
	if (!found)
		count_lost(GLOST_PROCS_MAP_FULL);
	return found;
}

/* The process's entry when it is traced, else NULL. With --pid only the target and the
 * processes it forked (they get their entry at fork) are. */
static __always_inline struct growth_proc *traced(__u32 *tgid)
{
	struct growth_proc *p;

	*tgid = bpf_get_current_pid_tgid() >> 32;
	if (*tgid == self_tgid)
		return NULL;
	p = bpf_map_lookup_elem(&procs, tgid);
	if (p)
		return p;
	if (target_tgid && *tgid != target_tgid)
		return NULL;
	return proc_new(*tgid, 0);
}

static __always_inline struct growth_stat *stat_get(const struct stack_key *key)
{
	static const struct growth_stat zero = {};
	struct growth_stat *st;

	st = bpf_map_lookup_elem(&growth_stats, key);
	if (st)
		return st;
	bpf_map_update_elem(&growth_stats, key, &zero, BPF_NOEXIST);
	st = bpf_map_lookup_elem(&growth_stats, key);
	if (!st)
		count_lost(GLOST_STATS_MAP_FULL);
	return st;
}

/* The user registers of the current task: where its user stack walk starts */
static __always_inline void user_regs(__u64 *pc, __u64 *sp, __u64 *bp)
{
	struct pt_regs *r = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	*pc = BPF_CORE_READ(r, ip);
	*sp = BPF_CORE_READ(r, sp);
	*bp = BPF_CORE_READ(r, bp);
}

/* The heap the stack at (pc, sp, bp) asked for: bytes in calls (estimates when sampled) */
static __always_inline void charge_heap(__u32 tgid, __u64 pc, __u64 sp, __u64 bp, __u64 bytes,
					__u64 calls)
{
	struct stack_key key = { .tgid = tgid };
	struct growth_stat *st;

	key.stack_id = capture_stack(pc, sp, bp);
	st = stat_get(&key);
	if (!st)
		return;
	__sync_fetch_and_add(&st->heap_bytes, bytes);
	__sync_fetch_and_add(&st->heap_calls, calls);
}

static const __u32 zero_key = 0;

/* A page the process no longer has: its stack holds it no more. The bytes it stood for (a
 * sampled page stands for the pages its draw weighed), or 0 when it was not held. */
static __always_inline __u64 drop_page(struct page_key *k)
{
	struct stack_key sk = { .tgid = k->tgid };
	struct page_owner *owner = bpf_map_lookup_elem(&pages, k);
	struct growth_stat *st;
	__u64 n;

	if (!owner)
		return 0;
	sk.stack_id = owner->stack_id;
	n = owner->pages;
	/* only the deleter accounts, so a race cannot take the page off twice */
	if (bpf_map_delete_elem(&pages, k))
		return 0;
	st = bpf_map_lookup_elem(&growth_stats, &sk);
	if (st) {
		__sync_fetch_and_add(&st->held_bytes, -(n * PAGE_SIZE_));
		__sync_fetch_and_add(&st->held_pages, -n);
	}
	return n * PAGE_SIZE_;
}

/* A new page the stack at (pc, sp, bp) gave the process at addr, sampled: it stands for n
 * pages */
static __always_inline void charge_page(struct growth_proc *p, __u32 tgid, __u64 pc, __u64 sp,
					__u64 bp, __u64 addr, __u64 n)
{
	struct stack_key key = { .tgid = tgid };
	struct page_key pk = { .tgid = tgid, .addr = addr & ~(PAGE_SIZE_ - 1) };
	struct page_owner owner = { .pages = n };
	struct growth_stat *st;
	__u64 dropped;

	key.stack_id = capture_stack(pc, sp, bp);
	st = stat_get(&key);
	if (!st)
		return;
	__sync_fetch_and_add(&st->touch_bytes, n * PAGE_SIZE_);
	__sync_fetch_and_add(&st->touch_pages, n);
	/* a page we missed giving back (a path we do not see) changes hands here */
	dropped = drop_page(&pk);
	if (dropped)
		__sync_fetch_and_add(&p->held_bytes, -dropped);
	owner.stack_id = key.stack_id;
	if (bpf_map_update_elem(&pages, &pk, &owner, BPF_ANY)) {
		count_lost(GLOST_PAGES_MAP_FULL);
		return;
	}
	__sync_fetch_and_add(&st->held_bytes, n * PAGE_SIZE_);
	__sync_fetch_and_add(&st->held_pages, n);
	__sync_fetch_and_add(&p->held_bytes, n * PAGE_SIZE_);
}

struct release {
	__u32 tgid;
	__u64 start;
	__u64 dropped; /* bytes */
};

static long release_one(__u64 i, struct release *r)
{
	struct page_key k = { .tgid = r->tgid, .addr = r->start + i * PAGE_SIZE_ };

	r->dropped += drop_page(&k);
	return 0;
}

/* The process gave back [start, start + len): its stacks no longer hold those pages.
 * O(pages in the range), only for a process holding pages; at most 2^22 pages (16 GiB). */
static __always_inline void release_range(struct growth_proc *p, __u32 tgid, __u64 start, __u64 len)
{
	struct release r = { .tgid = tgid, .start = start & ~(PAGE_SIZE_ - 1) };
	__u64 n = len / PAGE_SIZE_;

	if (!p->held_bytes || !n)
		return;
	if (n > (1 << 22))
		n = 1 << 22;
	bpf_loop((__u32)n, release_one, &r, 0);
	__sync_fetch_and_add(&p->held_bytes, -r.dropped);
}

struct vma_look {
	__u64 flags;
	__u64 anon; /* no file behind it */
};

static long vma_flags_cb(struct task_struct *task, struct vm_area_struct *vma, struct vma_look *l)
{
	l->flags = BPF_CORE_READ(vma, vm_flags);
	l->anon = !BPF_CORE_READ(vma, vm_file);
	return 0;
}

/* The mapping at addr: 0, or -1 when it cannot be looked at (counted) or there is none */
static __always_inline int look_vma(__u64 addr, struct vma_look *l)
{
	long err = bpf_find_vma(bpf_get_current_task_btf(), addr, vma_flags_cb, l, 0);

	if (err == -EBUSY_)
		count_lost(GLOST_VMA_UNKNOWN);
	return err ? -1 : 0;
}

/* Sampled by fault, before it is known whether the fault adds an anonymous page: whether it
 * does is independent of the draw, so the pages charged stay an unbiased estimate, and a fault
 * not drawn costs one random number here and one lookup at its rss_stat. The CPU's pending
 * state, or NULL when the fault is not drawn. */
static __always_inline struct pending_fault *drawn(void)
{
	struct pending_fault *f = bpf_map_lookup_elem(&faults, &zero_key);

	if (!f || sample_pages <= 1)
		return f;
	return bpf_get_prandom_u32() < (f->below ? f->below : sample_below) ? f : NULL;
}

/* A drawn page is about to be walked: count it against the CPU's walk budget, a bucket of
 * WALK_BURST windows' walks refilled at walk_budget a window, so that a burst (a process
 * growing 24 MiB at once) is walked at the full rate and only sustained fast growth pays with
 * precision. A window ends after WALK_WINDOW_NS, or sooner after a quarter of its budget of
 * walks (a burst is reined in within milliseconds once the bucket is empty); its walks x their
 * weight over its length are the rate of new pages. The next draws weigh sample_pages while
 * that rate at sample_pages stays within the budget or the bucket holds the walks of a short
 * window, else what brings the walks back to the budget. */
static __always_inline void budget_walk(struct pending_fault *f)
{
	/* signed throughout: the bucket goes below zero */
	__s64 window = (__s64)WALK_WINDOW_NS, cap = (__s64)walk_budget * WALK_BURST * window;
	__u64 now, elapsed, rate, w;

	if (!walk_budget || sample_pages <= 1)
		return;
	now = bpf_ktime_get_ns();
	/* tokens in walks x WALK_WINDOW_NS: refilled walk_budget a window (an idle time longer
	 * than the bucket's fills it, and cannot overflow the product) */
	elapsed = now - f->tok_time;
	if (elapsed > WALK_BURST * WALK_WINDOW_NS)
		elapsed = WALK_BURST * WALK_WINDOW_NS;
	f->tokens = f->tok_time ? f->tokens + (__s64)(elapsed * walk_budget) : cap;
	if (f->tokens > cap)
		f->tokens = cap;
	f->tok_time = now;
	f->tokens -= window;
	elapsed = now - f->win_start;
	if (elapsed >= WALK_WINDOW_NS ||
	    (f->win_walks * 4 >= walk_budget && f->win_walks >= WALK_MIN_WALKS)) {
		__u64 was = f->weight ? f->weight : sample_pages;

		/* new pages per window: walks x weight x WALK_WINDOW_NS / elapsed (walks < 2^16,
		 * w <= 2^20, the window < 2^27: no overflow); elapsed >= 1 */
		rate = f->win_walks * was * WALK_WINDOW_NS / (elapsed | 1);
		if (rate / sample_pages <= walk_budget ||
		    f->tokens >= (__s64)walk_budget * window / 4)
			w = sample_pages;
		else
			w = (rate + walk_budget - 1) / walk_budget;
		/* a few walks close together by chance are no rate: the weight rises at most
		 * fourfold a window, so that one draw cannot stand for most of a burst */
		if (w > was * 4)
			w = was * 4;
		if (w < sample_pages)
			w = sample_pages;
		if (w > WEIGHT_MAX)
			w = WEIGHT_MAX;
		f->weight = w;
		f->below = (1ULL << 32) / w;
		f->win_start = now;
		f->win_walks = 0;
	}
	f->win_walks++;
}

static __always_inline void on_fault(struct pending_fault *f, __u64 address, __u64 pc, __u64 sp,
				     __u64 bp)
{
	__u32 tgid;

	if (address >= USER_TOP || !traced(&tgid))
		return;
	f->pages = sample_pages <= 1 ? 1 : f->weight ? f->weight : sample_pages;
	f->pc = pc;
	f->sp = sp;
	f->bp = bp;
	f->addr = address;
	f->tid = (__u32)bpf_get_current_pid_tgid();
}

SEC("tp_btf/page_fault_user")
int BPF_PROG(fault_user, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	struct pending_fault *f = drawn();

	if (!f)
		return 0;
	/* the first frame is the faulting instruction itself: + 1, see capture_stack */
	on_fault(f, address, BPF_CORE_READ(regs, ip) + 1, BPF_CORE_READ(regs, sp),
		 BPF_CORE_READ(regs, bp));
	return 0;
}

/* The kernel writing to user memory for the process (read() into a fresh buffer): charged to
 * the system call's user stack */
SEC("tp_btf/page_fault_kernel")
int BPF_PROG(fault_kernel, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	struct pending_fault *f;
	__u64 pc, sp, bp;

	if ((error_code & PF_USER) || !BPF_CORE_READ(bpf_get_current_task_btf(), mm))
		return 0;
	f = drawn();
	if (!f)
		return 0;
	user_regs(&pc, &sp, &bp);
	on_fault(f, address, pc, sp, bp);
	return 0;
}

#define MM_ANONPAGES_ 1

/* The kernel counts a page in a process's anonymous memory. Inside a fault of that process's
 * own thread, that is the new page the fault gave it: never touched before, a copy of the zero
 * page after a read, or of a file page (.data). A copy of a page shared since fork changes no
 * count, and nor does a fault that only maps a file or the zero page. */
SEC("tp_btf/rss_stat")
int BPF_PROG(on_rss, struct mm_struct *mm, int member)
{
	struct pending_fault *f;
	struct growth_proc *p;
	__u64 n;
	__u32 tgid;

	if (member != MM_ANONPAGES_)
		return 0;
	f = bpf_map_lookup_elem(&faults, &zero_key);
	if (!f || !f->tid || f->tid != (__u32)bpf_get_current_pid_tgid())
		return 0;
	f->tid = 0;
	if (mm != bpf_get_current_task_btf()->mm)
		return 0;
	p = traced(&tgid);
	if (!p)
		return 0;
	n = f->pages;
	__sync_fetch_and_add(&p->touch_bytes, n * PAGE_SIZE_);
	__sync_fetch_and_add(&p->touch_pages, n);
	if (n > sample_pages) {
		__sync_fetch_and_add(&budget_pages, n);
		if (n > weight_max)
			weight_max = n; /* a race may keep the smaller: it is a report's maximum */
	}
	budget_walk(f);
	charge_page(p, tgid, f->pc, f->sp, f->bp, f->addr, n);
	return 0;
}

/* Heap growth asked for: charged to the calling stack, as address space (not yet touched).
 * While the walk budget makes this CPU's pages weigh more than sample_pages, the heap's
 * sampling interval grows in the same proportion: the process growing fast asks for heap fast
 * too, and its walks are what the budget bounds. */
static __always_inline void on_heap(struct growth_proc *p, __u32 tgid, struct pt_regs *regs,
				    __u64 bytes)
{
	struct pending_fault *f = bpf_map_lookup_elem(&faults, &zero_key);
	__u64 hs = heap_sample_bytes, calls = 1;

	if (!bytes)
		return;
	__sync_fetch_and_add(&p->heap_bytes, bytes);
	if (f && f->weight > sample_pages && sample_pages > 1) {
		hs = hs * f->weight / sample_pages; /* <= 2^32 x 2^20 */
		if (hs > 1ULL << 32)
			hs = 1ULL << 32;
	}
	if (bytes < hs) {
		/* drawn with probability bytes / hs (bytes < hs <= 2^32: no overflow) */
		if ((__u64)bpf_get_prandom_u32() * hs >= bytes << 32)
			return;
		calls = (hs + bytes / 2) / bytes;
		bytes = hs;
	}
	charge_heap(tgid, BPF_CORE_READ(regs, ip), BPF_CORE_READ(regs, sp), BPF_CORE_READ(regs, bp),
		    bytes, calls);
}

/* Address space given back */
static __always_inline void on_unmap(struct growth_proc *p, __u32 tgid, __u64 start, __u64 len)
{
	if (!len)
		return;
	__sync_fetch_and_add(&p->unmap_bytes, len);
	release_range(p, tgid, start, len);
}

#define PAGE_UP(x) (((x) + PAGE_SIZE_ - 1) & ~(PAGE_SIZE_ - 1))

/* A fault that added no anonymous page leaves its pending state behind: the calls that
 * change the address space forget it, so that a page they count is not taken for a fault's */
static __always_inline void forget_fault(void)
{
	struct pending_fault *f = bpf_map_lookup_elem(&faults, &zero_key);

	if (f && f->tid == (__u32)bpf_get_current_pid_tgid())
		f->tid = 0;
}

#define MADV_DONTNEED_ 4
#define MADV_REMOVE_ 9
#define MADV_DONTNEED_LOCKED_ 24

static __always_inline bool is_dontneed(__u64 advice)
{
	return advice == MADV_DONTNEED_ || advice == MADV_REMOVE_ ||
	       advice == MADV_DONTNEED_LOCKED_;
}

/* x86-64 system call numbers */
#define NR_MMAP 9
#define NR_MPROTECT 10
#define NR_MUNMAP 11
#define NR_BRK 12
#define NR_MREMAP 25
#define NR_MADVISE 28
#define NR_EXIT 60
#define NR_EXIT_GROUP 231

static __always_inline void on_brk(struct growth_proc *p, __u32 tgid, struct pt_regs *regs)
{
	struct mm_struct *mm = BPF_CORE_READ(bpf_get_current_task_btf(), mm);
	__u64 req = BPF_CORE_READ(regs, di), old;

	if (!mm || req < BPF_CORE_READ(mm, start_brk)) /* brk(0): a query */
		return;
	old = PAGE_UP(BPF_CORE_READ(mm, brk));
	req = PAGE_UP(req);
	if (req > old)
		on_heap(p, tgid, regs, req - old);
	else
		on_unmap(p, tgid, req, old - req);
}

/* The system calls that change a process's address space, at entry: the one tracepoint the
 * kernel has for them (this kernel has no kprobes or fentry). Every other call returns at
 * the first test. */
SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	struct growth_proc *p;
	struct vma_look l = {};
	__u64 start, len, prot, flags;
	__u32 tgid;

	if (id == NR_MREMAP || id == NR_MADVISE || id == NR_EXIT || id == NR_EXIT_GROUP) {
		forget_fault();
		/* pages dropped (glibc trims a thread arena's heap so): held no more */
		if (id == NR_MADVISE && is_dontneed(BPF_CORE_READ(regs, dx)) && (p = traced(&tgid)))
			release_range(p, tgid, BPF_CORE_READ(regs, di),
				      PAGE_UP(BPF_CORE_READ(regs, si)));
		return 0;
	}
	if (id < NR_MMAP || id > NR_BRK)
		return 0;
	forget_fault();
	p = traced(&tgid);
	if (!p)
		return 0;
	if (id == NR_BRK) {
		on_brk(p, tgid, regs);
		return 0;
	}
	start = BPF_CORE_READ(regs, di);
	len = PAGE_UP(BPF_CORE_READ(regs, si));
	prot = BPF_CORE_READ(regs, dx);
	if (id == NR_MMAP) {
		flags = BPF_CORE_READ(regs, r10);
		/* code mapped (the dynamic linker, dlopen): its unwind rows are wanted now */
		if ((prot & PROT_EXEC_) && !(flags & MAP_ANONYMOUS_)) {
			struct code_event *e = code_event_new(tgid, CODE_MMAP);

			if (e) {
				code_event_mmap(e, regs);
				bpf_ringbuf_submit(e, 0);
			}
		}
		/* private anonymous writable memory; a thread's stack is not the heap */
		if ((flags & MAP_TYPE_) == MAP_PRIVATE_ && (flags & MAP_ANONYMOUS_) &&
		    !(flags & MAP_STACK_) && (prot & PROT_WRITE_))
			on_heap(p, tgid, regs, len);
		return 0;
	}
	if (id == NR_MPROTECT && !(prot & PROT_WRITE_))
		return 0;
	if (look_vma(start, &l) || !l.anon || (l.flags & VM_SHARED_))
		return 0;
	if (id == NR_MUNMAP)
		on_unmap(p, tgid, start, len);
	/* a reserved region (PROT_NONE) made writable: how glibc grows a thread arena's heap */
	else if (!(l.flags & (VM_READ_ | VM_WRITE_ | VM_EXEC_)))
		on_heap(p, tgid, regs, len);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid), ctgid = BPF_CORE_READ(child, tgid);
	struct growth_proc *p, c = {};

	if (ctgid == ptgid || ptgid == self_tgid) /* a thread */
		return 0;
	p = bpf_map_lookup_elem(&procs, &ptgid);
	if (!p) {
		if (target_tgid && ptgid != target_tgid)
			return 0;
		p = proc_new(ptgid, 0);
		if (!p)
			return 0;
	}
	if (target_tgid && !follow_forks)
		return 0;
	__sync_fetch_and_add(&p->forks, 1);
	c.first_ns = bpf_ktime_get_ns();
	c.ppid = ptgid;
	BPF_CORE_READ_STR_INTO(&c.comm, child, comm);
	if (bpf_map_update_elem(&procs, &ctgid, &c, BPF_ANY))
		count_lost(GLOST_PROCS_MAP_FULL);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *t, pid_t old_pid, struct linux_binprm *bprm)
{
	struct growth_proc *p;
	struct code_event *e;
	__u32 tgid;

	p = traced(&tgid);
	if (!p)
		return 0;

	__sync_fetch_and_add(&p->execs, 1);
	bpf_get_current_comm(p->comm, sizeof(p->comm));
	e = code_event_new(tgid, CODE_EXEC);
	if (e) {
		code_event_exec(e, bprm);
		bpf_ringbuf_submit(e, 0);
	}
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *t, bool group_dead)
{
	struct growth_proc *p;
	__u32 tgid = BPF_CORE_READ(t, tgid);

	if (!group_dead)
		return 0;
	p = bpf_map_lookup_elem(&procs, &tgid);
	if (p)
		p->exit_ns = bpf_ktime_get_ns();
	return 0;
}
