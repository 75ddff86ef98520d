// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The growth BPF object (see growth_loader.h). */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "growth.h"
#include "growth.skel.h"
#include "lib/array.h"
#include "probe/growth_loader.h"
#include "probe/map_walk.h"
#include "probe/stack_maps.h"

_Static_assert(sizeof(struct growth_stat) == 48, "growth_stat layout");
_Static_assert(sizeof(struct page_key) == 16, "page_key layout");
_Static_assert(sizeof(struct page_owner) == 16, "page_owner layout");
_Static_assert(sizeof(struct code_event) == 56 + 16 + CODE_PATH_MAX + 24, "code_event layout");
_Static_assert(sizeof(struct growth_proc) == 88, "growth_proc layout");
_Static_assert((int)GLOST__MAX == (int)GROWTH_LOST__MAX, "loss counters");
_Static_assert(GROWTH_PROC_COMM == GROWTH_COMM_LEN, "comm size");

struct growth_loader {
	struct growth_bpf *skel;
	struct unwind_rows rows;
	struct ring_buffer *execs;
	void (*on_exec)(void *ctx, const struct growth_code *code);
	void *exec_ctx;
};

int growth_loader__new(const struct growth_loader_opts *opts, struct growth_loader **out)
{
	struct growth_loader *ld;
	uint32_t rows_cap = opts->max_unwind_rows ? opts->max_unwind_rows : 1;
	uint64_t heap_interval;
	int err;

	*out = NULL;
	ld = calloc(1, sizeof(*ld));
	if (!ld)
		return -ENOMEM;
	ld->skel = growth_bpf__open();
	if (!ld->skel) {
		err = -errno;
		goto cleanup;
	}
	ld->skel->rodata->target_tgid = opts->pid > 0 ? (__u32)opts->pid : 0;
	ld->skel->rodata->follow_forks = opts->follow_forks;
	ld->skel->rodata->self_tgid = (__u32)getpid();
	ld->skel->rodata->sample_pages = opts->sample_pages > 1 ? opts->sample_pages : 1;
	ld->skel->rodata->sample_below = (1ULL << 32) / ld->skel->rodata->sample_pages;
	/* heap asked for: every call at --sample-pages 1, else one walk per N * 64 KiB asked
	 * for on average (1 MiB at the default 16; glibc asks 132 KiB at a time) */
	heap_interval = 65536ULL * ld->skel->rodata->sample_pages; /* <= 2^36 */
	ld->skel->rodata->heap_sample_bytes = ld->skel->rodata->sample_pages == 1 ? 4096
					      : heap_interval < (1ULL << 32)	  ? heap_interval
										  : 1ULL << 32;
	/* per CPU per window of 100 ms, rounded up */
	ld->skel->rodata->walk_budget = (opts->walk_budget + 9) / 10;
	ld->skel->rodata->unwind_cfi = opts->max_unwind_rows > 0;
	if ((err = bpf_map__set_max_entries(ld->skel->maps.unwind_rows, rows_cap)))
		goto cleanup;
	if (opts->max_stacks &&
	    ((err = bpf_map__set_max_entries(ld->skel->maps.stacks, opts->max_stacks)) ||
	     (err = bpf_map__set_max_entries(ld->skel->maps.growth_stats, opts->max_stacks))))
		goto cleanup;
	if (opts->max_pages &&
	    (err = bpf_map__set_max_entries(ld->skel->maps.pages, opts->max_pages)))
		goto cleanup;
	if (opts->max_procs &&
	    (err = bpf_map__set_max_entries(ld->skel->maps.procs, opts->max_procs)))
		goto cleanup;
	err = growth_bpf__load(ld->skel);
	if (err)
		goto cleanup;
	err = unwind_rows__open(&ld->rows, bpf_map__fd(ld->skel->maps.unwind_rows),
				bpf_map__fd(ld->skel->maps.unwind_mods), rows_cap,
				opts->max_unwind_rows > 0);
	if (err)
		goto cleanup;
	*out = ld;
	return 0;
cleanup:
	growth_loader__free(ld);
	return err;
}

int growth_loader__attach(struct growth_loader *ld)
{
	int err = growth_bpf__attach(ld->skel);

	return err < 0 ? err : 0;
}

int growth_loader__add_unwind(struct growth_loader *ld, uint32_t dev, uint64_t ino,
			      const struct cfi_table *t)
{
	return unwind_rows__add(&ld->rows, dev, ino, t);
}

void growth_loader__detach(struct growth_loader *ld)
{
	if (ld)
		growth_bpf__detach(ld->skel);
}

/* a row's counts are its value as it is (stack_maps__add_row): held, touched, heap asked for */
_Static_assert(offsetof(struct growth_stat, held_bytes) ==
			       offsetof(struct stack_counts, live_bytes) &&
		       offsetof(struct growth_stat, touch_bytes) ==
			       offsetof(struct stack_counts, alloc_bytes) &&
		       offsetof(struct growth_stat, heap_calls) ==
			       offsetof(struct stack_counts, freed_objects),
	       "growth_stat in stack_counts order");

int growth_loader__read(struct growth_loader *ld, struct leak_sample *sample)
{
	enum { BATCH = 1024 };
	struct stack_key keys[BATCH];
	struct growth_stat vals[BATCH];

	sample->cnt = 0;
	return map_walk(bpf_map__fd(ld->skel->maps.growth_stats), sizeof(keys[0]), sizeof(vals[0]),
			keys, vals, BATCH, stack_maps__add_row, sample);
}

void growth_loader__budget(const struct growth_loader *ld, uint64_t *weight_max,
			   uint64_t *budget_pages)
{
	*weight_max = ld->skel->bss->weight_max;
	*budget_pages = ld->skel->bss->budget_pages;
}

void growth_loader__lost(const struct growth_loader *ld, uint64_t lost[GROWTH_LOST__MAX])
{
	memcpy(lost, (const void *)ld->skel->bss->lost, GROWTH_LOST__MAX * sizeof(lost[0]));
}

struct procs_walk {
	int (*fn)(void *ctx, const struct growth_proc_info *p);
	void *ctx;
};

static int add_proc(void *ctx, const void *key, const void *val)
{
	const struct growth_proc *v = val;
	struct procs_walk *w = ctx;
	struct growth_proc_info p = {
		.pid = *(const __u32 *)key,
		.ppid = v->ppid,
		.held_bytes = v->held_bytes,
		.touch_bytes = v->touch_bytes,
		.heap_bytes = v->heap_bytes,
		.unmap_bytes = v->unmap_bytes,
		.first_ns = v->first_ns,
		.exit_ns = v->exit_ns,
		.execs = v->execs,
		.forks = v->forks,
	};

	memcpy(p.comm, v->comm, sizeof(p.comm));
	p.comm[sizeof(p.comm) - 1] = '\0';
	return w->fn(w->ctx, &p);
}

int growth_loader__procs(struct growth_loader *ld,
			 int (*fn)(void *ctx, const struct growth_proc_info *p), void *ctx)
{
	enum { BATCH = 256 };
	__u32 keys[BATCH];
	struct growth_proc vals[BATCH];
	struct procs_walk w = { .fn = fn, .ctx = ctx };

	return map_walk(bpf_map__fd(ld->skel->maps.procs), sizeof(keys[0]), sizeof(vals[0]), keys,
			vals, BATCH, add_proc, &w);
}

struct forget {
	int fd;
	int stacks_fd;	      /* drop_rows: the stacks of the rows dropped go too */
	const uint32_t *pids; /* sorted */
	size_t cnt;
};

static int forget_page(void *ctx, const void *key, const void *val)
{
	const struct page_key *k = key;
	struct forget *f = ctx;

	(void)val;
	if (array__has_u32(f->pids, f->cnt, k->tgid))
		bpf_map_delete_elem(f->fd, k);
	return 0;
}

static int forget_row(void *ctx, const void *key, const void *val)
{
	const struct stack_key *k = key;
	struct forget *f = ctx;

	(void)val;
	if (array__has_u32(f->pids, f->cnt, k->tgid)) {
		__u64 id = k->stack_id;

		bpf_map_delete_elem(f->fd, k);
		/* a stack id is a hash of addresses, in practice one process's own */
		bpf_map_delete_elem(f->stacks_fd, &id);
	}
	return 0;
}

int growth_loader__drop_rows(struct growth_loader *ld, const uint32_t *pids, size_t cnt)
{
	enum { BATCH = 1024 };
	struct stack_key keys[BATCH];
	struct growth_stat vals[BATCH];
	struct forget f = { .fd = bpf_map__fd(ld->skel->maps.growth_stats),
			    .stacks_fd = bpf_map__fd(ld->skel->maps.stacks),
			    .pids = pids,
			    .cnt = cnt };

	return cnt ? map_walk(f.fd, sizeof(keys[0]), sizeof(vals[0]), keys, vals, BATCH, forget_row,
			      &f)
		   : 0;
}

int growth_loader__forget(struct growth_loader *ld, const uint32_t *pids, size_t cnt)
{
	enum { BATCH = 1024 };
	struct page_key keys[BATCH];
	struct page_owner vals[BATCH];
	struct forget f = { .fd = bpf_map__fd(ld->skel->maps.pages), .pids = pids, .cnt = cnt };

	for (size_t i = 0; i < cnt; i++) {
		__u32 key = pids[i];

		if (bpf_map_delete_elem(bpf_map__fd(ld->skel->maps.procs), &key) && errno != ENOENT)
			return -errno;
	}
	return cnt ? map_walk(f.fd, sizeof(keys[0]), sizeof(vals[0]), keys, vals, BATCH,
			      forget_page, &f)
		   : 0;
}

int growth_loader__fetch_stack(void *ctx, uint64_t stack_id, uint64_t *ips, size_t max,
			       bool *truncated)
{
	struct growth_loader *ld = ctx;

	return stack_map__fetch(bpf_map__fd(ld->skel->maps.stacks), stack_id, ips, max, truncated);
}

static int exec_event(void *ctx, void *data, size_t size)
{
	struct growth_loader *ld = ctx;
	struct code_event e;
	struct growth_code c;

	if (size < sizeof(e))
		return 0;
	memcpy(&e, data, sizeof(e));
	c = (struct growth_code){ .pid = e.tgid, .exec = e.kind == CODE_EXEC };
	if (e.kind == CODE_MMAP) {
		c.dev = e.dev;
		c.ino = e.ino;
		c.addr = e.addr;
		c.len = e.len;
		c.off = e.off;
	}
	if (ld->on_exec)
		ld->on_exec(ld->exec_ctx, &c);
	return 0;
}

int growth_loader__execs_fd(struct growth_loader *ld,
			    void (*fn)(void *ctx, const struct growth_code *code), void *ctx)
{
	ld->on_exec = fn;
	ld->exec_ctx = ctx;
	if (!ld->execs) {
		ld->execs =
			ring_buffer__new(bpf_map__fd(ld->skel->maps.execs), exec_event, ld, NULL);
		if (!ld->execs)
			return -errno;
	}
	return ring_buffer__epoll_fd(ld->execs);
}

int growth_loader__consume_execs(struct growth_loader *ld)
{
	int n = ld->execs ? ring_buffer__consume(ld->execs) : 0;

	return n < 0 ? n : 0;
}

void growth_loader__free(struct growth_loader *ld)
{
	if (!ld)
		return;
	ring_buffer__free(ld->execs);
	unwind_rows__close(&ld->rows);
	growth_bpf__destroy(ld->skel);
	free(ld);
}
