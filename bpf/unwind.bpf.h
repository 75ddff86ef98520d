/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The user stack walk shared by the BPF programs that capture stacks (leak.bpf.c, growth.bpf.c):
 * the stacks map, the unwind rows user space loads for code built without frame pointers, and
 * capture_stack. Included once by a program, after it defines count_lost() and the loss slots
 * LOST_STACK_FAILURES and LOST_STACKS_MAP_FULL. */
#ifndef PERFAN_UNWIND_BPF_H
#define PERFAN_UNWIND_BPF_H

#include "unwind.h"

/* A walk that could not look up a mapping because its lock was taken: the includer may count it */
#ifndef UNWIND_VMA_BUSY
#define UNWIND_VMA_BUSY()
#endif

/* An includer whose user space enters every file it has looked at in unwind_mods (those
 * without rows with cnt 0) may define UNWIND_UNSEEN_ON() (true while that registry is whole)
 * and UNWIND_UNSEEN() (called once per walk that meets a file not looked at yet): the walk
 * stops at such a file and sets STACK_UNSEEN_BIT in the stack's `truncated`, since without
 * the file's rows it cannot know where the callers are (leak.bpf.c). Off by default. */
#ifndef UNWIND_UNSEEN_ON
#define UNWIND_UNSEEN_ON() 0
#define UNWIND_UNSEEN()
#endif
#define STACK_UNSEEN_BIT 2
/* with STACK_UNSEEN_BIT, `truncated` >> this is how many frames were walked before */
#define STACK_UNSEEN_DEPTH_SHIFT 8

/* Stacks by id. Our own hash map rather than BPF_MAP_TYPE_STACK_TRACE: no bucket collisions,
 * memory used as stacks appear, and our own frame walk (see capture_stack). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1 << 16); /* resized by the loader (--max-stacks) */
	__type(key, __u64);
	__type(value, struct stack_trace);
} stacks SEC(".maps");

/* The stack being captured: too big for the 512-byte BPF stack */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stack_trace);
} scratch SEC(".maps");

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
	__u32 cnt;	 /* 0: no rows, walk frame pointers */
	__u32 unseen;	 /* a file user space has not looked at yet (UNWIND_UNSEEN_ON) */
	__u32 idx_first; /* the rows' bucket index (struct unwind_mod) */
	__u32 idx_cnt;
	__u32 bucket0;
};

#define WALK_CACHE 4

struct walk {
	__u64 pc; /* the current frame's return address */
	__u64 sp; /* its stack pointer */
	__u64 bp; /* its rbp */
	__u64 hash;
	__u32 busy; /* a mapping could not be looked up: its lock was taken */
	__u32 pad;
	/* a stack's frames lie in a few mappings: a direct-mapped cache by pc's 2 MiB region */
	struct vma_hit cache[WALK_CACHE];
};

struct vma_query {
	__u64 start;
	__u64 end;
	__u64 pgoff;
	__u64 ino;
	__u32 dev;
	__u32 user_dev; /* the file as its process sees it (below); 0: the same */
	__u64 user_ino;
};

/* FMODE_BACKING: bit 25 up to Linux 6.13, bit 24 since */
#define FMODE_BACKING_BITS ((1u << 24) | (1u << 25))

/* A file mapped from overlayfs (a container's) is a "backing file": the mapping holds the
 * lower file system's file, while /proc/PID/maps and an exec or mmap name the overlay's, whose
 * identity user space keys the rows by. That one is the backing file's user_path. The flag
 * moved between kernels, and either bit set on another file (bit 24 meant something else
 * before) reads memory past it, safely, into a key that finds nothing: it is only looked up
 * when the file's own identity found no rows. */
static __always_inline void user_file(struct file *f, struct vma_query *q)
{
	struct backing_file *bf = (void *)f;

	if (!bpf_core_type_exists(struct backing_file) ||
	    !(BPF_CORE_READ(f, f_mode) & FMODE_BACKING_BITS))
		return;
	q->user_ino = BPF_CORE_READ(bf, user_path.dentry, d_inode, i_ino);
	q->user_dev = BPF_CORE_READ(bf, user_path.dentry, d_inode, i_sb, s_dev);
}

static long vma_cb(struct task_struct *task, struct vm_area_struct *vma, struct vma_query *q)
{
	struct file *f = BPF_CORE_READ(vma, vm_file);

	q->start = BPF_CORE_READ(vma, vm_start);
	q->end = BPF_CORE_READ(vma, vm_end);
	q->pgoff = BPF_CORE_READ(vma, vm_pgoff);
	if (f) {
		q->ino = BPF_CORE_READ(f, f_inode, i_ino);
		q->dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
		user_file(f, q);
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
	{
		long err = bpf_find_vma(bpf_get_current_task_btf(), pc, vma_cb, &q, 0);

		if (err == -16 /* EBUSY: the mapping lock is taken */) {
			UNWIND_VMA_BUSY();
			w->busy = 1;
		}
		if (err || !q.ino)
			return NULL;
	}
	h = &w->cache[(pc >> 21) & (WALK_CACHE - 1)];
	h->start = q.start;
	h->end = q.end;
	h->cnt = 0;
	key.dev = q.dev;
	key.ino = q.ino;
	m = bpf_map_lookup_elem(&unwind_mods, &key);
	if (!m && q.user_ino && (q.user_ino != q.ino || q.user_dev != q.dev)) {
		key.dev = q.user_dev;
		key.ino = q.user_ino;
		m = bpf_map_lookup_elem(&unwind_mods, &key);
	}
	h->unseen = !m && UNWIND_UNSEEN_ON();
	if (m) {
		h->first = m->first;
		h->cnt = m->cnt;
		h->idx_first = m->idx_first;
		h->idx_cnt = m->idx_cnt;
		h->bucket0 = m->bucket0;
		h->base = q.pgoff * 4096 + m->vaddr_delta;
	}
	return h;
}

/* The index of the row covering vaddr among rows [first, first + cnt), or -1, searching only
 * the rows of vaddr's bucket when the rows have an index (idx_cnt > 0, struct unwind_mod);
 * cfi_index__find (user/symbols/cfi_table.c) is its tested twin.
 * A global function: the verifier checks it once, not at every step of every walk. */
__noinline int find_row(__u32 first, __u32 cnt, __u64 index, __u32 bucket0, __u64 vaddr)
{
	/* at most five arguments: index is idx_first << 32 | idx_cnt */
	__u32 idx_first = index >> 32, idx_cnt = (__u32)index;
	__u32 lo = 0, hi = cnt, idx;

	if (idx_cnt >= 2) {
		__u64 b = vaddr >> PERFAN_UNWIND_BUCKET_SHIFT;
		struct unwind_row *c;

		if (b < bucket0)
			return -1; /* before the first row */
		b -= bucket0;
		if (b >= idx_cnt - 1) {
			lo = cnt; /* past the last bucket: every row is at or before vaddr */
		} else {
			idx = idx_first + (__u32)b;
			c = bpf_map_lookup_elem(&unwind_rows, &idx);
			if (!c)
				return -1;
			lo = c->pc;
			idx++;
			c = bpf_map_lookup_elem(&unwind_rows, &idx);
			if (!c)
				return -1;
			hi = c->pc;
			if (lo > hi || hi > cnt)
				return -1;
		}
	}

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

		/* with the registry on, a mapping that could not be looked up is as unknown as a
		 * file not looked at: the stack is marked provisional, with how many frames were
		 * walked before, and the walk goes on by frame pointers (right for code built with
		 * them: the stack is then whole; user space folds the others, early_stacks.h) */
		if (((h && h->unseen) || (w->busy && UNWIND_UNSEEN_ON())) &&
		    !(st->truncated & STACK_UNSEEN_BIT)) {
			st->truncated |= STACK_UNSEEN_BIT | (st->depth << STACK_UNSEEN_DEPTH_SHIFT);
			UNWIND_UNSEEN();
		}
		/* pc is a return address: the call before it is what the rows describe */
		if (h && h->cnt && w->pc - 1 - h->start + h->base <= 0xffffffffULL) {
			__u32 idx = (__u32)find_row(h->first, h->cnt,
						    (__u64)h->idx_first << 32 | h->idx_cnt,
						    h->bucket0, w->pc - 1 - h->start + h->base);

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
 * pc is the first frame's return address (the leak mode calls this at the allocator's return
 * probe: the caller's return address, sp and rbp, so the first frame is the allocator's real
 * caller); a caller whose first frame is the faulting instruction itself passes its address
 * + 1, so the row lookup and the symbolizer, which look at pc - 1, land on that instruction.
 * A global function, verified once rather than at each of its callers. */
__noinline __u64 capture_stack(__u64 pc, __u64 sp, __u64 bp)
{
	struct stack_trace *st;
	struct walk w = {
		.pc = pc,
		.sp = sp,
		.bp = bp,
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

#endif
