// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The allocation-tracking BPF object (see leak_loader.h). */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "leak.h"
#include "leak.skel.h"
#include "lib/sanitize.h"
#include "probe/leak_loader.h"
#include "probe/links.h"
#include "probe/map_walk.h"
#include "probe/stack_maps.h"
#include "target/procmaps.h"

_Static_assert(sizeof(struct alloc_key) == 16, "alloc_key layout");
_Static_assert(sizeof(struct alloc_info) == 40, "alloc_info layout");
_Static_assert(sizeof(struct stack_stat) == 64, "stack_stat layout");
_Static_assert(LEAK_MARK_LABEL_MAX == PERFAN_MARK_LABEL_MAX, "mark label size");
_Static_assert(sizeof(struct code_event) == 56 + 16 + CODE_PATH_MAX + 24, "code_event layout");
_Static_assert(LEAK_CODE_PATH_MAX == CODE_PATH_MAX, "code event path size");
_Static_assert(LEAK_STACK_UNSEEN_FLAG == LEAK_STACK_UNSEEN, "unseen bit");
_Static_assert(LEAK_STACK_UNSEEN_DEPTH_SHIFT == LEAK_STACK_UNSEEN_SHIFT, "unseen depth");
_Static_assert((int)LOST__MAX == (int)REPORT_LOST__KERNEL, "loss counters match the report's");
_Static_assert((int)LOST_UNMATCHED_FREES == (int)REPORT_LOST_UNMATCHED_FREES, "loss order");
_Static_assert((int)LOST_STATE_FAILURES == (int)REPORT_LOST_STATE_FAILURES, "loss order");

#define MAX_MARK_LINKS 16

struct leak_loader {
	struct leak_bpf *skel;
	bool multi;		    /* the probes are uprobe_multi links (attach.h) */
	int attach_tid;		    /* 0: the target pid */
	struct bpf_link *exec_link; /* the exec tracepoint: drops an old image's blocks */
	struct bpf_link *mmap_link; /* sys_enter: code mapped (code_events), with --all */
	struct bpf_link *fork_link; /* following forks: new processes */
	struct bpf_link *exit_link; /* following forks: their exits */
	struct ring_buffer *code;
	code_fn on_code;
	void *code_ctx;
	struct probe_links links;
	struct bpf_link *mark_links[MAX_MARK_LINKS];
	int mark_link_cnt;
	struct ring_buffer *marks;
	mark_fn on_mark;
	struct ring_buffer *early;
	early_fn on_early;
	void *early_ctx;
	void *mark_ctx;
	struct unwind_rows rows;
};

static struct probe_progs progs_of(struct leak_loader *ld);

int leak_loader__new(const struct leak_loader_opts *opts, struct leak_loader **out)
{
	struct leak_loader *ld;
	uint32_t rows_cap;
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
	/* our own allocations are not the target's, and tracing them would feed on itself */
	ld->skel->rodata->self_tgid = (__u32)getpid();
	ld->skel->rodata->follow_forks = opts->pid > 0 && opts->follow_forks;
	ld->attach_tid = opts->pid > 0 ? opts->attach_tid : 0;
	ld->skel->rodata->unwind_cfi = opts->max_unwind_rows > 0;
	rows_cap = opts->max_unwind_rows ? opts->max_unwind_rows : 1;
	if ((err = bpf_map__set_max_entries(ld->skel->maps.unwind_rows, rows_cap)))
		goto cleanup;
	/* every file looked at is entered (those without rows too): room for many with --all */
	if ((err = bpf_map__set_max_entries(ld->skel->maps.unwind_mods, LEAK_UNWIND_FILES_MAX)))
		goto cleanup;
	if (opts->max_allocs &&
	    (err = bpf_map__set_max_entries(ld->skel->maps.allocs, opts->max_allocs)))
		goto cleanup;
	/* stack_stats is keyed by (process, stack): with --all one stack can appear per process */
	if (opts->max_stacks &&
	    ((err = bpf_map__set_max_entries(ld->skel->maps.stacks, opts->max_stacks)) ||
	     (err = bpf_map__set_max_entries(ld->skel->maps.stack_stats, opts->max_stacks))))
		goto cleanup;
	/* uprobe_multi links where the kernel has them: a process's probes then detach in one
	 * grace period, not one per probe (17 of them took 1.4 s), and without holding up the
	 * attaching of others. Their filter is the process's thread group leader: not when the
	 * uprobes must be opened through another thread (the leader has exited). */
	ld->multi = probes__multi_supported() &&
		    !(opts->pid > 0 && opts->attach_tid && opts->attach_tid != opts->pid);
	if (ld->multi) {
		struct probe_progs progs = progs_of(ld);

		for (int r = 0; r < ROLE__MAX && !err; r++)
			if (progs.enter[r])
				err = bpf_program__set_expected_attach_type(
					progs.enter[r], probes__multi_attach_type());
		err = err ?: bpf_program__set_expected_attach_type(progs.ret,
							     probes__multi_attach_type())
			?: bpf_program__set_expected_attach_type(progs.ret_insn,
							       probes__multi_attach_type());
		if (err)
			goto cleanup;
	}
	err = leak_bpf__load(ld->skel);
	if (err)
		goto cleanup;
	err = unwind_rows__open(&ld->rows, bpf_map__fd(ld->skel->maps.unwind_rows),
				bpf_map__fd(ld->skel->maps.unwind_mods), rows_cap,
				opts->max_unwind_rows > 0);
	if (err)
		goto cleanup;
	/* walks stop at files not looked at yet, from the start (--unwind fp: never) */
	ld->skel->bss->unseen_on = opts->max_unwind_rows > 0;
	*out = ld;
	return 0;
cleanup:
	leak_loader__free(ld);
	return err;
}

int leak_loader__add_unwind(struct leak_loader *ld, uint32_t dev, uint64_t ino,
			    const struct cfi_table *t)
{
	return unwind_rows__add(&ld->rows, dev, ino, t);
}

int leak_loader__unwind_seen(struct leak_loader *ld, uint32_t dev, uint64_t ino)
{
	struct unwind_mod_key key = { .dev = dev, .ino = ino };
	struct unwind_mod mod = {}; /* cnt 0: walked by frame pointers */
	int err = 0;

	if (bpf_map_update_elem(bpf_map__fd(ld->skel->maps.unwind_mods), &key, &mod, BPF_NOEXIST)) {
		err = -errno;
		if (err == -EEXIST)
			return 0;
		/* the registry is no longer whole: a missing file no longer means "not looked at" */
		ld->skel->bss->unseen_on = 0;
	}
	return err;
}

bool leak_loader__unwind_registry_whole(const struct leak_loader *ld)
{
	return ld->skel->bss->unseen_on;
}

uint32_t leak_loader__unwind_rows_free(const struct leak_loader *ld)
{
	return unwind_rows__free_cnt(&ld->rows);
}

/* The program of each allocator role */
static struct probe_progs progs_of(struct leak_loader *ld)
{
	struct leak_bpf *s = ld->skel;

	return (struct probe_progs){
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
			[ROLE_SIZE_HINT] = s->progs.size_hint_enter,
			/* --all learns of new code from sys_enter, for every process */
			[ROLE_LINKER] = s->rodata->target_tgid ? s->progs.linker_state : NULL,
		},
		.ret = s->progs.alloc_return,
		.ret_insn = s->progs.alloc_ret_insn,
		.multi = ld->multi,
	};
}

int leak_loader__attach(struct leak_loader *ld, const struct allocator *alloc,
			const struct probe_plan *plan)
{
	struct leak_bpf *s = ld->skel;
	struct probe_progs progs = progs_of(ld);
	int pid = ld->attach_tid ? ld->attach_tid : (int)s->rodata->target_tgid; /* 0: all */

	int err;

	/* at exec the old image's blocks are gone: drop them (the tracepoint costs nothing per
	 * allocation) */
	if (!ld->exec_link) {
		ld->exec_link = bpf_program__attach(s->progs.on_exec);
		if (!ld->exec_link)
			return -errno;
	}
	/* --all: code mapped, from the system calls of every process (each pays the tracepoint);
	 * a traced process tells by its dynamic linker's _dl_debug_state (ROLE_LINKER) */
	if (!ld->mmap_link && !s->rodata->target_tgid) {
		ld->mmap_link = bpf_program__attach(s->progs.sys_enter);
		if (!ld->mmap_link) {
			err = -errno;
			bpf_link__destroy(ld->exec_link);
			ld->exec_link = NULL;
			return err;
		}
	}
	/* following forks: the tracepoints that enter and remove the children (they cost a map
	 * lookup per fork and per process exit on the host) */
	if (s->rodata->follow_forks && !ld->fork_link) {
		ld->fork_link = bpf_program__attach(s->progs.on_fork);
		ld->exit_link = ld->fork_link ? bpf_program__attach(s->progs.on_exit) : NULL;
		if (!ld->exit_link) {
			err = -errno;
			bpf_link__destroy(ld->fork_link);
			ld->fork_link = NULL;
			return err;
		}
	}
	/* a throwing operator new whose returns could not all be found keeps a uretprobe: the
	 * program would die if it threw one while traced; say so */
	for (int i = 0; i < plan->cnt; i++) {
		const struct probe_site *site = &plan->sites[i];
		char line[sizeof(site->ret_why) + sizeof(site->func) + PATH_MAX + 200];

		if (!site->throws || site->ret_insn || site->dup)
			continue;
		snprintf(line, sizeof(line),
			 "%s of %s: its returns could not be found (%s); probed by a uretprobe, so "
			 "an exception thrown out of it ends the program (std::terminate)",
			 site->func, alloc->mods[site->mod].module, site->ret_why);
		sanitize__str(line);
		fprintf(stderr, "perfan-bpf: warning: %s\n", line);
	}
	/* a perf event opened on any thread of the process sees all of them: the kernel's uprobe
	 * filter compares address spaces, and the BPF side checks the tgid */
	err = probes__attach(plan, alloc, pid, &progs, &ld->links);
	if (err) {
		bpf_link__destroy(ld->exec_link);
		ld->exec_link = NULL;
		bpf_link__destroy(ld->mmap_link);
		ld->mmap_link = NULL;
	}
	return err;
}

int leak_loader__attach_more(struct leak_loader *ld, const struct allocator *alloc,
			     const struct probe_plan *plan, int pid, struct probe_links *links)
{
	struct probe_progs progs = progs_of(ld);

	return probes__attach(plan, alloc, pid, &progs, links);
}

void leak_loader__detach(struct leak_loader *ld)
{
	if (!ld)
		return;
	links__destroy_all(ld->mark_links, (size_t)ld->mark_link_cnt);
	ld->mark_link_cnt = 0;
	probes__detach(&ld->links);
	bpf_link__destroy(ld->exec_link);
	ld->exec_link = NULL;
	bpf_link__destroy(ld->mmap_link);
	ld->mmap_link = NULL;
	bpf_link__destroy(ld->fork_link);
	ld->fork_link = NULL;
	bpf_link__destroy(ld->exit_link);
	ld->exit_link = NULL;
}

_Static_assert(offsetof(struct stack_stat, live_bytes) ==
			       offsetof(struct stack_counts, live_bytes) &&
		       offsetof(struct stack_stat, freed_objects) ==
			       offsetof(struct stack_counts, freed_objects) &&
		       offsetof(struct stack_stat, live_usable_bytes) ==
			       offsetof(struct stack_counts, live_usable_bytes) &&
		       sizeof(struct stack_stat) == sizeof(struct stack_counts),
	       "stack_stat in stack_counts order");

/* A stack_stats row: its value is a stack_counts as it is */
static int add_row(void *ctx, const void *key, const void *val)
{
	const struct stack_key *k = key;
	struct stack_row st = { .pid = k->tgid, .stack_id = k->stack_id };

	memcpy(&st.counts, val, sizeof(st.counts));
	return leak_sample__add(ctx, &st) ? -ENOMEM : 0;
}

int leak_loader__read(struct leak_loader *ld, struct leak_sample *sample)
{
	sample->cnt = 0;
	/* the kernel's counters; the session's own (marks, snapshots) are its caller's */
	memcpy(sample->lost, (const void *)ld->skel->bss->lost,
	       LOST__MAX * sizeof(sample->lost[0]));
	enum { BATCH = 1024 };
	struct stack_key keys[BATCH];
	struct stack_stat vals[BATCH];

	return map_walk(bpf_map__fd(ld->skel->maps.stack_stats), sizeof(keys[0]), sizeof(vals[0]),
			keys, vals, BATCH, add_row, sample);
}

struct aged {
	struct leak_sample *sample;
	__u64 cutoff;
};

/* Count one live allocation old enough into its stack's row */
static int add_aged(void *ctx, const void *key, const void *val)
{
	const struct alloc_info *info = val;
	struct aged *a = ctx;
	struct stack_row k = { .pid = info->stack.tgid, .stack_id = info->stack.stack_id };
	struct stack_row *row;

	(void)key;
	if (info->ts_ns > a->cutoff)
		return 0;
	row = bsearch(&k, a->sample->stacks, a->sample->cnt, sizeof(k), stack_row__cmp);
	if (row) {
		row->counts.live_bytes += info->size;
		row->counts.live_objects++;
		if (info->usable) {
			row->counts.live_usable_bytes += info->usable;
			row->counts.live_usable_objects++;
		}
	}
	return 0;
}

int leak_loader__age_filter(struct leak_loader *ld, uint64_t min_age_ns, struct leak_sample *sample)
{
	enum { BATCH = 4096 };
	static struct alloc_key keys[BATCH];
	static struct alloc_info vals[BATCH];
	struct aged a = { .sample = sample };
	struct timespec now;

	/* bpf_ktime_get_ns() is CLOCK_MONOTONIC */
	clock_gettime(CLOCK_MONOTONIC, &now);
	a.cutoff = (__u64)now.tv_sec * 1000000000 + (__u64)now.tv_nsec;
	a.cutoff = a.cutoff > min_age_ns ? a.cutoff - min_age_ns : 0;
	if (sample->cnt)
		qsort(sample->stacks, sample->cnt, sizeof(*sample->stacks), stack_row__cmp);
	for (size_t i = 0; i < sample->cnt; i++) {
		sample->stacks[i].counts.live_bytes = 0;
		sample->stacks[i].counts.live_objects = 0;
		sample->stacks[i].counts.live_usable_objects = 0;
		sample->stacks[i].counts.live_usable_bytes = 0;
	}
	return map_walk(bpf_map__fd(ld->skel->maps.allocs), sizeof(keys[0]), sizeof(vals[0]), keys,
			vals, BATCH, add_aged, &a);
}

int leak_loader__fetch_stack(void *ctx, uint64_t stack_id, uint64_t *ips, size_t max,
			     bool *truncated)
{
	struct leak_loader *ld = ctx;

	return stack_map__fetch(bpf_map__fd(ld->skel->maps.stacks), stack_id, ips, max, truncated);
}

int leak_loader__fetch_stack_flags(struct leak_loader *ld, uint64_t stack_id, uint32_t *flags)
{
	struct stack_trace st;
	__u64 id = stack_id;

	if (bpf_map_lookup_elem(bpf_map__fd(ld->skel->maps.stacks), &id, &st))
		return -errno;
	*flags = st.truncated;
	return 0;
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

int leak_loader__attach_all_marks(struct leak_loader *ld, int pid, const char *proc_dir)
{
	char path[PATH_MAX + 16], bin[PATH_MAX * 2 + 32];
	struct proc_maps maps = {};
	const char *last = "";
	int n = 0;

	snprintf(path, sizeof(path), "%s/maps", proc_dir);
	if (proc_maps__read(path, &maps))
		return 0;
	for (size_t i = 0; i < maps.cnt; i++) {
		const struct proc_map *m = &maps.maps[i];

		if (!m->exec || m->path[0] != '/' || !strcmp(m->path, last))
			continue;
		last = m->path;
		snprintf(bin, sizeof(bin), "%s/root%s", proc_dir, m->path);
		if (!leak_loader__attach_marks(ld, pid, bin))
			n++;
	}
	proc_maps__free(&maps);
	return n;
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

/* The ring buffer of map read through sample, made on first use: its fd to poll, or -errno */
static int ring_fd(struct leak_loader *ld, struct ring_buffer **rb, const struct bpf_map *map,
		   ring_buffer_sample_fn sample)
{
	if (!*rb) {
		*rb = ring_buffer__new(bpf_map__fd(map), sample, ld, NULL);
		if (!*rb)
			return -errno;
	}
	return ring_buffer__epoll_fd(*rb);
}

/* Every record waiting in rb (none when it was never made), waiting up to timeout_ms for one
 * when timeout_ms > 0; 0 or -errno */
static int ring_take(struct ring_buffer *rb, int timeout_ms)
{
	int n = !rb		 ? 0
		: timeout_ms > 0 ? ring_buffer__poll(rb, timeout_ms)
				 : ring_buffer__consume(rb);

	return n < 0 ? n : 0;
}

int leak_loader__marks_fd(struct leak_loader *ld, mark_fn fn, void *ctx)
{
	ld->on_mark = fn;
	ld->mark_ctx = ctx;
	return ring_fd(ld, &ld->marks, ld->skel->maps.marks, mark_event);
}

int leak_loader__consume_marks(struct leak_loader *ld)
{
	return ring_take(ld->marks, 0);
}

static int early_event(void *ctx, void *data, size_t len)
{
	struct leak_loader *ld = ctx;

	if (len >= offsetof(struct early_walk, stack) && ld->on_early)
		ld->on_early(ld->early_ctx, data, len);
	return 0;
}

int leak_loader__early_fd(struct leak_loader *ld, early_fn fn, void *ctx)
{
	ld->on_early = fn;
	ld->early_ctx = ctx;
	return ring_fd(ld, &ld->early, ld->skel->maps.early_walks, early_event);
}

int leak_loader__consume_early(struct leak_loader *ld)
{
	return ring_take(ld->early, 0);
}

uint64_t leak_loader__early_uncopied(const struct leak_loader *ld)
{
	return ld->skel->bss->lost[LOST_EARLY_UNCOPIED];
}

bool leak_loader__block_live(struct leak_loader *ld, uint32_t tgid, uint64_t addr, uint64_t ts_ns,
			     uint64_t stack_id, uint64_t *usable)
{
	struct alloc_key key = { .tgid = tgid, .addr = addr };
	struct alloc_info info;

	*usable = 0;
	if (bpf_map_lookup_elem(bpf_map__fd(ld->skel->maps.allocs), &key, &info) ||
	    info.ts_ns != ts_ns || info.stack.stack_id != stack_id)
		return false;
	*usable = info.usable;
	return true;
}

const struct unwind_rows *leak_loader__rows(const struct leak_loader *ld)
{
	return &ld->rows;
}

uint64_t leak_loader__execs(const struct leak_loader *ld)
{
	return ld->skel->bss->exec_cnt;
}

uint64_t leak_loader__exec_ns(const struct leak_loader *ld, uint32_t pid)
{
	__u64 ns;

	return bpf_map_lookup_elem(bpf_map__fd(ld->skel->maps.exec_at), &pid, &ns) ? 0 : ns;
}

bool leak_loader__old_image_stack(const struct leak_loader *ld, uint32_t pid, uint64_t stack_id)
{
	struct stack_key key = { .tgid = pid, .stack_id = stack_id };
	__u8 v;

	return !bpf_map_lookup_elem(bpf_map__fd(ld->skel->maps.old_image), &key, &v);
}

static int code_event(void *ctx, void *data, size_t size)
{
	struct leak_loader *ld = ctx;
	struct code_event e;
	struct leak_code_event out = {};

	if (size < sizeof(e))
		return 0;
	memcpy(&e, data, sizeof(e));
	out.pid = e.tgid;
	out.exec = e.kind == CODE_EXEC;
	out.kind = e.kind == CODE_EXEC	 ? LEAK_CODE_EXEC
		   : e.kind == CODE_FORK ? LEAK_CODE_FORK
		   : e.kind == CODE_EXIT ? LEAK_CODE_EXIT
					 : LEAK_CODE_MMAP;
	out.ppid = e.ppid;
	out.ts_ns = e.ts_ns;
	out.dev = e.dev;
	out.ino = e.ino;
	out.addr = e.addr;
	out.len = e.len;
	out.off = e.off;
	out.interp_base = e.interp_base;
	out.interp_ino = e.interp_ino;
	out.interp_dev = e.interp_dev;
	out.fd = -1;
	/* the target chose these bytes (its argv[0], its path) */
	memcpy(out.comm, e.comm, sizeof(e.comm));
	out.comm[sizeof(out.comm) - 1] = '\0';
	sanitize__str(out.comm);
	memcpy(out.path, e.path, sizeof(e.path));
	out.path[sizeof(out.path) - 1] = '\0';
	sanitize__str(out.path);
	if (ld->on_code)
		ld->on_code(ld->code_ctx, &out);
	return 0;
}

int leak_loader__code_fd(struct leak_loader *ld, code_fn fn, void *ctx)
{
	ld->on_code = fn;
	ld->code_ctx = ctx;
	return ring_fd(ld, &ld->code, ld->skel->maps.code_events, code_event);
}

int leak_loader__consume_code(struct leak_loader *ld)
{
	return ring_take(ld->code, 0);
}

uint64_t leak_loader__code_events_lost(const struct leak_loader *ld)
{
	return ld->skel->bss->lost[LOST_CODE_EVENTS];
}

uint64_t leak_loader__early_walks(const struct leak_loader *ld)
{
	return ld->skel->bss->lost[LOST_EARLY_WALKS]; /* the walks stopped at a busy mapping too */
}

int leak_loader__followed(struct leak_loader *ld, uint32_t *pids, uint32_t *ppids,
			  uint64_t *fork_ns, size_t max)
{
	int fd = bpf_map__fd(ld->skel->maps.followed);
	struct follow_info fi;
	uint32_t key, next;
	size_t n = 0;
	int err;

	if (!ld->skel->rodata->follow_forks)
		return 0;
	for (err = bpf_map_get_next_key(fd, NULL, &next); !err && n < max;
	     err = bpf_map_get_next_key(fd, &key, &next)) {
		key = next;
		if (bpf_map_lookup_elem(fd, &key, &fi))
			continue; /* removed meanwhile */
		pids[n] = key;
		if (ppids)
			ppids[n] = fi.ppid;
		if (fork_ns)
			fork_ns[n] = fi.fork_ns;
		n++;
	}
	return err && errno != ENOENT ? -errno : (int)n;
}

void leak_loader__unfollow(struct leak_loader *ld, uint32_t pid)
{
	bpf_map_delete_elem(bpf_map__fd(ld->skel->maps.followed), &pid);
}

uint64_t leak_loader__forks_unfollowed(const struct leak_loader *ld)
{
	return ld->skel->bss->lost[LOST_FORKS_UNFOLLOWED];
}

uint64_t leak_loader__marks_lost(const struct leak_loader *ld)
{
	return ld->skel->bss->lost[LOST_MARKS];
}

void leak_loader__free(struct leak_loader *ld)
{
	if (!ld)
		return;
	links__destroy_all(ld->mark_links, (size_t)ld->mark_link_cnt);
	ring_buffer__free(ld->marks);
	ring_buffer__free(ld->code);
	ring_buffer__free(ld->early);
	probes__detach(&ld->links);
	bpf_link__destroy(ld->exec_link);
	bpf_link__destroy(ld->mmap_link);
	bpf_link__destroy(ld->fork_link);
	bpf_link__destroy(ld->exit_link);
	unwind_rows__close(&ld->rows);
	leak_bpf__destroy(ld->skel);
	free(ld);
}
