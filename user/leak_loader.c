// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The allocation-tracking BPF object (see leak_loader.h). */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include "leak.h"
#include "leak.skel.h"
#include "leak_loader.h"
#include "sanitize.h"

_Static_assert(sizeof(struct alloc_key) == 16, "alloc_key layout");
_Static_assert(sizeof(struct stack_key) == 16, "stack_key layout");
_Static_assert(sizeof(struct alloc_info) == 32, "alloc_info layout");
_Static_assert(sizeof(struct stack_trace) == 8 + 8 * PERFAN_MAX_STACK_DEPTH, "stack_trace layout");
_Static_assert(sizeof(struct stack_stat) == 48, "stack_stat layout");
_Static_assert(sizeof(struct unwind_row) == 8, "unwind_row layout");
_Static_assert(sizeof(struct unwind_mod) == 16, "unwind_mod layout");
_Static_assert(LEAK_MARK_LABEL_MAX == PERFAN_MARK_LABEL_MAX, "mark label size");
_Static_assert((int)LOST__MAX == (int)REPORT_LOST__KERNEL, "loss counters match the report's");
_Static_assert((int)LOST_UNMATCHED_FREES == (int)REPORT_LOST_UNMATCHED_FREES, "loss order");
_Static_assert((int)LOST_STATE_FAILURES == (int)REPORT_LOST_STATE_FAILURES, "loss order");

#define MAX_MARK_LINKS 16

struct leak_loader {
	struct leak_bpf *skel;
	int attach_tid; /* 0: the target pid */
	struct probe_links links;
	struct bpf_link *mark_links[MAX_MARK_LINKS];
	int mark_link_cnt;
	struct ring_buffer *marks;
	mark_fn on_mark;
	void *mark_ctx;
	struct unwind_row *rows; /* the unwind_rows map, mapped */
	uint32_t rows_cap;
	uint32_t rows_used;
};

int leak_loader__new(const struct leak_loader_opts *opts, struct leak_loader **out)
{
	struct leak_loader *ld;
	int err;

	*out = NULL;
	ld = calloc(1, sizeof(*ld));
	if (!ld)
		return -ENOMEM;
	ld->skel = leak_bpf__open();
	if (!ld->skel) {
		err = -errno;
		goto cleanup;
	}
	ld->skel->rodata->target_tgid = opts->pid > 0 ? (__u32)opts->pid : 0;
	ld->attach_tid = opts->pid > 0 ? opts->attach_tid : 0;
	ld->skel->rodata->unwind_cfi = opts->max_unwind_rows > 0;
	ld->rows_cap = opts->max_unwind_rows ? opts->max_unwind_rows : 1;
	if ((err = bpf_map__set_max_entries(ld->skel->maps.unwind_rows, ld->rows_cap)))
		goto cleanup;
	if (opts->max_allocs &&
	    (err = bpf_map__set_max_entries(ld->skel->maps.allocs, opts->max_allocs)))
		goto cleanup;
	/* stack_stats is keyed by (process, stack): with --all one stack can appear per process */
	if (opts->max_stacks &&
	    ((err = bpf_map__set_max_entries(ld->skel->maps.stacks, opts->max_stacks)) ||
	     (err = bpf_map__set_max_entries(ld->skel->maps.stack_stats, opts->max_stacks))))
		goto cleanup;
	err = leak_bpf__load(ld->skel);
	if (err)
		goto cleanup;
	ld->rows = mmap(NULL, (size_t)ld->rows_cap * sizeof(*ld->rows), PROT_READ | PROT_WRITE,
			MAP_SHARED, bpf_map__fd(ld->skel->maps.unwind_rows), 0);
	if (ld->rows == MAP_FAILED) {
		err = -errno;
		ld->rows = NULL;
		goto cleanup;
	}
	*out = ld;
	return 0;
cleanup:
	leak_loader__free(ld);
	return err;
}

int leak_loader__add_unwind(struct leak_loader *ld, uint32_t dev, uint64_t ino,
			    const struct cfi_table *t)
{
	struct unwind_mod_key key = { .dev = dev, .ino = ino };
	struct unwind_mod mod = { .first = ld->rows_used, .cnt = (__u32)t->cnt,
				  .vaddr_delta = t->vaddr_delta };
	int err;

	if (!ld->skel->rodata->unwind_cfi || !t->cnt)
		return -EINVAL;
	if (t->cnt > ld->rows_cap - ld->rows_used)
		return -ENOSPC;
	/* the rows first: a walk that finds the module finds its rows complete */
	memcpy(ld->rows + ld->rows_used, t->rows, t->cnt * sizeof(*t->rows));
	err = bpf_map_update_elem(bpf_map__fd(ld->skel->maps.unwind_mods), &key, &mod, BPF_NOEXIST);
	if (err)
		return err; /* libbpf returns -errno */
	ld->rows_used += (uint32_t)t->cnt;
	return 0;
}

uint32_t leak_loader__unwind_rows_free(const struct leak_loader *ld)
{
	return ld->skel->rodata->unwind_cfi ? ld->rows_cap - ld->rows_used : 0;
}

int leak_loader__attach(struct leak_loader *ld, const struct allocator *alloc,
			const struct probe_plan *plan)
{
	struct leak_bpf *s = ld->skel;
	struct probe_progs progs = {
		.enter = {
			[ROLE_MALLOC] = s->progs.malloc_enter,
			[ROLE_CALLOC] = s->progs.calloc_enter,
			[ROLE_REALLOC] = s->progs.realloc_enter,
			[ROLE_REALLOCARRAY] = s->progs.reallocarray_enter,
			[ROLE_POSIX_MEMALIGN] = s->progs.posix_memalign_enter,
			[ROLE_ALIGNED_ALLOC] = s->progs.memalign_enter,
			[ROLE_MEMALIGN] = s->progs.memalign_enter,
			[ROLE_VALLOC] = s->progs.valloc_enter,
			[ROLE_PVALLOC] = s->progs.valloc_enter,
			[ROLE_FREE] = s->progs.free_enter,
		},
		.ret = s->progs.alloc_return,
	};
	int pid = ld->attach_tid ? ld->attach_tid : s->rodata->target_tgid ?
			(int)s->rodata->target_tgid : -1;

	/* a perf event opened on any thread of the process sees all of them: the kernel's uprobe
	 * filter compares address spaces, and the BPF side checks the tgid */
	return probes__attach(plan, alloc->path, pid, &progs, &ld->links);
}

void leak_loader__detach(struct leak_loader *ld)
{
	if (!ld)
		return;
	for (int i = 0; i < ld->mark_link_cnt; i++)
		bpf_link__destroy(ld->mark_links[i]);
	ld->mark_link_cnt = 0;
	probes__detach(&ld->links);
}

static int add_stat(struct leak_sample *sample, const struct stack_key *k,
		    const struct stack_stat *v)
{
	struct sample_stack st = {
		.pid = k->tgid,
		.stack_id = k->stack_id,
		.counts = {
			.live_bytes = v->live_bytes,
			.live_objects = v->live_objects,
			.alloc_bytes = v->alloc_bytes,
			.alloc_objects = v->alloc_objects,
			.freed_bytes = v->freed_bytes,
			.freed_objects = v->freed_objects,
		},
	};

	return leak_sample__add(sample, &st);
}

/* One syscall per batch of entries; kernels without batch ops on hash maps fall back to
 * get_next_key + lookup (as bcc's map_helpers do). */
static int read_stats(int fd, struct leak_sample *sample)
{
	enum { BATCH = 1024 };
	struct stack_key keys[BATCH], prev, cur;
	struct stack_stat vals[BATCH];
	__u32 count;
	bool first = true;
	int err;

	for (;;) {
		count = BATCH;
		err = bpf_map_lookup_batch(fd, first ? NULL : &prev, &cur, keys, vals, &count,
					   NULL);
		if (err && errno != ENOENT) {
			if (!first || (errno != EINVAL && errno != ENOTSUP && errno != EOPNOTSUPP))
				return -errno;
			goto iterate;
		}
		for (__u32 i = 0; i < count; i++)
			if (add_stat(sample, &keys[i], &vals[i]))
				return -ENOMEM;
		if (err) /* ENOENT: that was the last batch */
			return 0;
		prev = cur;
		first = false;
	}
iterate:
	for (int r = bpf_map_get_next_key(fd, NULL, &cur); !r;
	     r = bpf_map_get_next_key(fd, &prev, &cur)) {
		struct stack_stat v;

		if (!bpf_map_lookup_elem(fd, &cur, &v) && add_stat(sample, &cur, &v))
			return -ENOMEM;
		prev = cur;
	}
	return 0;
}

int leak_loader__read(struct leak_loader *ld, struct leak_sample *sample)
{
	sample->cnt = 0;
	/* the kernel's counters; the session's own (marks, snapshots) are its caller's */
	memcpy(sample->lost, (const void *)ld->skel->bss->lost, LOST__MAX * sizeof(sample->lost[0]));
	return read_stats(bpf_map__fd(ld->skel->maps.stack_stats), sample);
}

static int sample_cmp(const void *pa, const void *pb)
{
	const struct sample_stack *a = pa, *b = pb;

	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->stack_id != b->stack_id)
		return a->stack_id < b->stack_id ? -1 : 1;
	return 0;
}

/* Count one live allocation old enough into its stack's row */
static void add_aged(struct leak_sample *sample, const struct alloc_info *info, __u64 cutoff)
{
	struct sample_stack key = { .pid = info->stack.tgid, .stack_id = info->stack.stack_id };
	struct sample_stack *row;

	if (info->ts_ns > cutoff)
		return;
	row = bsearch(&key, sample->stacks, sample->cnt, sizeof(key), sample_cmp);
	if (row) {
		row->counts.live_bytes += info->size;
		row->counts.live_objects++;
	}
}

int leak_loader__age_filter(struct leak_loader *ld, uint64_t min_age_ns,
			    struct leak_sample *sample)
{
	enum { BATCH = 4096 };
	static struct alloc_key keys[BATCH];
	static struct alloc_info vals[BATCH];
	int fd = bpf_map__fd(ld->skel->maps.allocs);
	struct alloc_key prev, cur;
	struct timespec now;
	bool first = true;
	__u64 cutoff;
	__u32 count;
	int err;

	/* bpf_ktime_get_ns() is CLOCK_MONOTONIC */
	clock_gettime(CLOCK_MONOTONIC, &now);
	cutoff = (__u64)now.tv_sec * 1000000000 + (__u64)now.tv_nsec;
	cutoff = cutoff > min_age_ns ? cutoff - min_age_ns : 0;
	if (sample->cnt)
		qsort(sample->stacks, sample->cnt, sizeof(*sample->stacks), sample_cmp);
	for (size_t i = 0; i < sample->cnt; i++) {
		sample->stacks[i].counts.live_bytes = 0;
		sample->stacks[i].counts.live_objects = 0;
	}
	for (;;) {
		count = BATCH;
		err = bpf_map_lookup_batch(fd, first ? NULL : &prev, &cur, keys, vals, &count, NULL);
		if (err && errno != ENOENT) {
			if (!first || (errno != EINVAL && errno != ENOTSUP && errno != EOPNOTSUPP))
				return -errno;
			break; /* no batch operations: one by one below */
		}
		for (__u32 i = 0; i < count; i++)
			add_aged(sample, &vals[i], cutoff);
		if (err) /* ENOENT: that was the last batch */
			return 0;
		prev = cur;
		first = false;
	}
	for (int r = bpf_map_get_next_key(fd, NULL, &cur); !r;
	     r = bpf_map_get_next_key(fd, &prev, &cur)) {
		if (!bpf_map_lookup_elem(fd, &cur, &vals[0]))
			add_aged(sample, &vals[0], cutoff);
		prev = cur;
	}
	return 0;
}

int leak_loader__fetch_stack(void *ctx, uint64_t stack_id, uint64_t *ips, size_t max,
			     bool *truncated)
{
	struct leak_loader *ld = ctx;
	struct stack_trace st;
	__u64 id = stack_id;
	size_t n = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(ld->skel->maps.stacks), &id, &st))
		return -errno;
	while (n < max && n < st.depth && n < PERFAN_MAX_STACK_DEPTH) {
		ips[n] = st.ips[n];
		n++;
	}
	*truncated = st.truncated || n < st.depth;
	return (int)n;
}

int leak_loader__attach_marks(struct leak_loader *ld, int pid, const char *binary)
{
	struct bpf_link *link;

	if (ld->mark_link_cnt == MAX_MARK_LINKS)
		return -E2BIG;
	link = bpf_program__attach_usdt(ld->skel->progs.usdt_mark, pid, binary, "perfan", "mark",
					NULL);
	if (!link)
		return -errno;
	ld->mark_links[ld->mark_link_cnt++] = link;
	return 0;
}

static int mark_event(void *ctx, void *data, size_t size)
{
	struct leak_loader *ld = ctx;
	struct mark_event e;

	if (size < sizeof(e))
		return 0;
	memcpy(&e, data, sizeof(e));
	e.label[sizeof(e.label) - 1] = '\0';
	/* the target chose these bytes: no terminal controls past this point */
	sanitize__str(e.label);
	if (ld->on_mark)
		ld->on_mark(ld->mark_ctx, e.tgid, e.label);
	return 0;
}

int leak_loader__marks_fd(struct leak_loader *ld, mark_fn fn, void *ctx)
{
	ld->on_mark = fn;
	ld->mark_ctx = ctx;
	if (!ld->marks) {
		ld->marks = ring_buffer__new(bpf_map__fd(ld->skel->maps.marks), mark_event, ld, NULL);
		if (!ld->marks)
			return -errno;
	}
	return ring_buffer__epoll_fd(ld->marks);
}

int leak_loader__consume_marks(struct leak_loader *ld)
{
	int n = ld->marks ? ring_buffer__consume(ld->marks) : 0;

	return n < 0 ? n : 0;
}

uint64_t leak_loader__marks_lost(const struct leak_loader *ld)
{
	return ld->skel->bss->lost[LOST_MARKS];
}

void leak_loader__free(struct leak_loader *ld)
{
	if (!ld)
		return;
	for (int i = 0; i < ld->mark_link_cnt; i++)
		bpf_link__destroy(ld->mark_links[i]);
	ring_buffer__free(ld->marks);
	probes__detach(&ld->links);
	if (ld->rows)
		munmap(ld->rows, (size_t)ld->rows_cap * sizeof(*ld->rows));
	leak_bpf__destroy(ld->skel);
	free(ld);
}
