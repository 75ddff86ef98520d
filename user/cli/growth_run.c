// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The growth gear's engine (see growth_run.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "analysis/leak_model.h"
#include "cli/cli_bpf.h"
#include "cli/cli_util.h"
#include "cli/growth_run.h"
#include "cli/session_open.h"
#include "lib/array.h"
#include "target/proc_scan.h"

static int add_unwind(void *ctx, uint32_t dev, uint64_t ino, const struct cfi_table *t)
{
	return growth_loader__add_unwind(ctx, dev, ino, t);
}

/* The entry of pid among the processes whose files were looked at (sorted by pid), or where
 * it goes */
static size_t scanned_find(const struct growth_run *g, uint32_t pid, bool *found)
{
	size_t lo = 0, hi = g->scanned_cnt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (g->scanned[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < g->scanned_cnt && g->scanned[lo].pid == pid;
	return lo;
}

/* Give the walk the .eh_frame rows of pid's files (each file once, across processes): when
 * pid is met, and again at most once a tick while it has new stacks (a library it loaded
 * since); force: now (an exec, or code it mapped) */
static void load_unwind(struct growth_run *g, uint32_t pid, bool force)
{
	double now = cli_bpf__now_s();
	size_t no_room = g->unwind.no_room, i;
	char dir[64];
	bool found;

	if (!g->opts->max_unwind_rows || pid == (uint32_t)getpid())
		return;
	i = scanned_find(g, pid, &found);
	if (found && !force && now - g->scanned[i].at_s < GROWTH_TICK_MS / 1000.0)
		return;
	if (!found) {
		if (ARRAY_GROW(g->scanned, g->scanned_cap, g->scanned_cnt + 1, 256))
			return;
		memmove(&g->scanned[i + 1], &g->scanned[i],
			(g->scanned_cnt - i) * sizeof(*g->scanned));
		g->scanned_cnt++;
		g->scanned[i].pid = pid;
	}
	g->scanned[i].at_s = now;
	snprintf(dir, sizeof(dir), "/proc/%u", pid);
	unwind_set__scan(&g->unwind, dir, add_unwind, g->loader);
	for (size_t k = no_room; k < g->unwind.no_room; k++)
		fprintf(stderr,
			"perfan-bpf: no room for the unwind rows of %s: its callers are found by "
			"frame pointers only (raise --max-unwind-rows)\n",
			g->unwind.no_room_paths[k]);
}

/* A traced process exec'd or mapped code: its new files get unwind rows and its mappings are
 * read now, so its first stacks are walked whole and named even if it exits before the next
 * tick. An mmap is told before it is done: where a MAP_FIXED one puts the code of a file some
 * process has open already (libc, most often) names it for a process gone before the next
 * read of its mappings. */
static void on_exec(void *ctx, const struct growth_code *c)
{
	struct growth_run *g = ctx;

	load_unwind(g, c->pid, true);
	symbolizer__refresh(g->sym, (int)c->pid);
	if (!c->exec && c->ino && c->addr && c->len)
		symbolizer__add_code(g->sym, (int)c->pid, c->addr, c->addr + c->len, c->off, c->dev,
				     c->ino);
}

void growth_run__execs(struct growth_run *g)
{
	growth_loader__consume_execs(g->loader);
}

static int observe(void *ctx, uint32_t pid)
{
	struct growth_run *g = ctx;
	uint64_t rss, anon;
	char comm[32] = "";
	struct growth_entry *e;

	if (pid == (uint32_t)getpid())
		return 0;
	if (g->opts->pid && pid != (uint32_t)g->opts->pid &&
	    !((e = growth_table__get(&g->procs, pid)) && e->row.ppid))
		return 0; /* --pid: the target and the processes it forked */
	if (proc_scan__mem("/proc", pid, &rss, &anon))
		return 0;
	e = growth_table__get(&g->procs, pid);
	if (!e || !e->from_proc)
		proc_scan__comm("/proc", pid, comm, sizeof(comm));
	return growth_table__observe(&g->procs, pid, comm, rss, anon) ? -ENOMEM : 0;
}

static int from_kernel(void *ctx, const struct growth_proc_info *p)
{
	struct growth_run *g = ctx;

	return growth_table__kernel(&g->procs, p->pid, p->ppid, p->comm, p->held_bytes,
				    p->touch_bytes, p->heap_bytes, p->execs, p->forks,
				    p->exit_ns != 0)
		       ? -ENOMEM
		       : 0;
}

/* Processes that exited before the previous scan leave the kernel's tables (their figures
 * and rows stay in the model): the process and page tables stay bounded on a busy host */
static void forget_exited(struct growth_run *g)
{
	uint32_t *pids = NULL;
	size_t cnt = 0, cap = 0;

	for (size_t i = 0; i < g->procs.cnt; i++) {
		struct growth_entry *e = &g->procs.e[i];

		if (!e->row.exited || e->forgotten)
			continue;
		if (!e->seen_exited) {
			e->seen_exited = true; /* one more scan: its last rows are read first */
			continue;
		}
		if (ARRAY_GROW(pids, cap, cnt + 1, 64))
			break;
		pids[cnt++] = e->row.pid;
		e->forgotten = true;
	}
	/* the table is sorted by pid, and so are pids */
	if (cnt)
		growth_loader__forget(g->loader, pids, cnt);
	free(pids);
}

/* The agent forgets processes retire_exited_s after they exited: their rows, stacks, names
 * and mappings. Its memory then follows the processes alive, not all that ever ran. */
static void retire(struct growth_run *g)
{
	double cut = g->procs.now_s - g->opts->retire_exited_s;
	uint32_t *pids = NULL;
	size_t cnt = 0, cap = 0, n = 0;

	if (!g->opts->retire_exited_s)
		return;
	for (size_t i = 0; i < g->procs.cnt; i++) {
		const struct growth_entry *e = &g->procs.e[i];

		if (!e->row.exited || !e->forgotten ||
		    (e->from_proc ? e->last_s : e->first_s) >= cut)
			continue;
		if (ARRAY_GROW(pids, cap, cnt + 1, 64))
			break;
		pids[cnt++] = e->row.pid; /* sorted: the table is */
	}
	if (cnt) {
		growth_loader__drop_rows(g->loader, pids, cnt);
		stacktab__drop_pids(live_session__stacks(g->live), pids, cnt);
		for (size_t i = 0; i < cnt; i++)
			symbolizer__forget(g->sym, (int)pids[i]);
		symbolizer__evict(g->sym);
		for (size_t i = 0; i < g->scanned_cnt; i++)
			if (!array__has_u32(pids, cnt, g->scanned[i].pid))
				g->scanned[n++] = g->scanned[i];
		g->scanned_cnt = n;
		growth_table__prune(&g->procs, cut);
	}
	free(pids);
}

/* /proc and the kernel side's process table into the model */
int growth_run__scan(struct growth_run *g)
{
	int err;

	/* the kernel's table first: with --pid it says which processes are the target's */
	err = growth_loader__procs(g->loader, from_kernel, g);
	growth_table__begin_scan(&g->procs, cli_bpf__now_s() - g->start_s);
	if (!err && g->opts->pid)
		err = observe(g, (uint32_t)g->opts->pid);
	if (!err && g->opts->pid) {
		for (size_t i = 0; !err && i < g->procs.cnt; i++)
			if (g->procs.e[i].row.pid != (uint32_t)g->opts->pid)
				err = observe(g, g->procs.e[i].row.pid);
	} else if (!err) {
		err = proc_scan__pids("/proc", observe, g);
	}
	growth_table__end_scan(&g->procs);
	if (!err)
		forget_exited(g);
	if (!err)
		retire(g);
	return err;
}

int growth_run__read(struct growth_run *g)
{
	uint64_t lost[GROWTH_LOST__MAX];
	int err = growth_loader__read(g->loader, &g->sample);

	if (err)
		return err;
	g->refreshed_s = cli_bpf__now_s();
	growth_loader__lost(g->loader, lost);
	memset(g->sample.lost, 0, sizeof(g->sample.lost));
	g->sample.lost[REPORT_LOST_STACK_FAILURES] = lost[GROWTH_LOST_STACK_FAILURES];
	g->sample.lost[REPORT_LOST_STACKS_MAP_FULL] = lost[GROWTH_LOST_STACKS_MAP_FULL];
	g->sample.lost[REPORT_LOST_STATS_MAP_FULL] = lost[GROWTH_LOST_STATS_MAP_FULL];
	g->sample.lost[REPORT_LOST_PROCS_MAP_FULL] = lost[GROWTH_LOST_PROCS_MAP_FULL];
	g->sample.lost[REPORT_LOST_VMA_BUSY] =
		lost[GROWTH_LOST_VMA_UNKNOWN] + lost[GROWTH_LOST_WALK_VMA_BUSY];
	g->sample.lost[REPORT_LOST_PAGES_MAP_FULL] = lost[GROWTH_LOST_PAGES_MAP_FULL];
	g->sample.lost[REPORT_LOST_SNAPSHOTS_DROPPED] = live_session__dropped(g->live);
	return 0;
}

/* Read the kernel maps and name new stacks */
int growth_run__refresh(struct growth_run *g)
{
	int err = growth_run__read(g);

	if (err)
		return err;
	/* a process with new stacks gets its files' rows before its next faults */
	for (size_t i = 0; i < g->sample.cnt; i++)
		if (!stacktab__get(live_session__stacks(g->live), g->sample.stacks[i].pid,
				   g->sample.stacks[i].stack_id))
			load_unwind(g, g->sample.stacks[i].pid, false);
	err = leak_model__symbolize_new(live_session__stacks(g->live), g->sym, &g->sample,
					growth_loader__fetch_stack, g->loader);
	return err < 0 ? err : 0;
}

int growth_run__snapshot(struct growth_run *g, const char *label, bool final)
{
	struct proc_row *rows;
	size_t cnt;
	unsigned seq;
	int err = growth_run__scan(g) ?: growth_run__refresh(g) ?: growth_table__rows(&g->procs, &rows, &cnt);

	if (err)
		return err;
	err = live_session__set_procs(g->live, rows, cnt);
	free(rows);
	if (!err)
		err = live_session__snapshot(g->live, &g->sample, label,
					     cli_bpf__now_s() - g->start_s, final, &seq);
	return err == -EFBIG ? 0 : err;
}

/* The report of what the model holds now */
int growth_run__report(struct growth_run *g, bool final, struct growth_report *r,
		       struct proc_row **rows, struct escalation *esc)
{
	size_t cnt;
	int err = growth_table__rows(&g->procs, rows, &cnt);

	memset(r, 0, sizeof(*r));
	if (err)
		return err;
	r->pid = (uint32_t)g->opts->pid;
	r->duration_s = cli_bpf__now_s() - g->start_s;
	r->final = final;
	r->sample_pages = (uint32_t)(g->opts->sample_pages ? g->opts->sample_pages : 1);
	r->walk_budget = r->sample_pages > 1 ? (uint32_t)g->opts->walk_budget : 0;
	growth_loader__budget(g->loader, &r->weight_max, &r->budget_pages);
	r->procs = *rows;
	r->proc_cnt = cnt;
	memcpy(r->lost, g->sample.lost, sizeof(r->lost));
	for (size_t i = 0; i < g->esc_cnt; i++)
		if (g->esc[i].done)
			esc[r->esc_cnt++] = g->esc[i].e;
	r->esc = esc;
	err = leak_model__build(live_session__stacks(g->live), &g->sample, &r->rep)
		      ?: growth_report__merge_leaves(&r->rep);
	r->rep.kind = SESSION_KIND_GROWTH;
	return err;
}

/* Escalate a growing process to exact tracing for a bounded window: with --pid the target (or
 * a child) once it grew --escalate-min; host-wide (--escalate on) the fastest growing one */
void growth_run__escalate(struct growth_run *g)
{
	const struct growth_opts *o = g->opts;
	bool on = o->escalate == ESCALATE_ON || (o->escalate == ESCALATE_AUTO && o->pid);
	const struct growth_entry *best = NULL;

	for (size_t i = 0; i < g->esc_cnt; i++) {
		esc_run__poll(&g->esc[i]);
		if (!g->esc[i].done)
			return; /* one window at a time */
	}
	if (!on || g->auto_windows == GROWTH_MAX_WINDOWS)
		return;
	for (size_t i = 0; i < g->procs.cnt; i++) {
		const struct growth_entry *e = &g->procs.e[i];
		bool done = false;

		if (e->row.exited || e->row.growth_bytes < (int64_t)o->escalate_min_bytes)
			continue;
		for (size_t j = 0; j < g->esc_cnt; j++)
			done |= g->esc[j].e.pid == e->row.pid;
		if (!done && (!best || e->row.growth_bytes > best->row.growth_bytes))
			best = e;
	}
	if (!best)
		return;
	fprintf(stderr, "perfan-bpf: pid %u (%s) grew %" PRId64 " B since the session saw it\n",
		best->row.pid, best->row.comm, best->row.growth_bytes);
	if (!growth_run__trace(g, best->row.pid, o->escalate_window_s))
		g->auto_windows++;
}

int growth_run__trace(struct growth_run *g, uint32_t pid, double window_s)
{
	struct esc_run *r;
	int err;

	for (size_t i = 0; i < g->esc_cnt; i++) {
		esc_run__poll(&g->esc[i]);
		if (!g->esc[i].done)
			return -EBUSY;
	}
	if (g->esc_cnt == GROWTH_MAX_WINDOWS) {
		/* the oldest window makes room */
		esc_run__free(&g->esc[0]);
		memmove(&g->esc[0], &g->esc[1], (GROWTH_MAX_WINDOWS - 1) * sizeof(g->esc[0]));
		g->esc_cnt--;
	}
	r = &g->esc[g->esc_cnt];
	err = esc_run__start(r, pid, window_s);
	if (err) {
		fprintf(stderr, "perfan-bpf: cannot start exact tracing of pid %u: %s\n", pid,
			strerror(-err));
		return err;
	}
	fprintf(stderr,
		"perfan-bpf: exact tracing for %g s of pid %u (%s; it runs slower meanwhile: ~3 "
		"uprobe traps per malloc+free)\n",
		window_s, pid, r->e.command);
	g->esc_cnt++;
	return 0;
}

static int open_session(struct growth_run *g)
{
	struct live_session_opts lo = {
		.pid = (uint32_t)g->opts->pid,
		.force = g->opts->force,
		.max_file_bytes = g->opts->max_session_bytes,
		.kind = SESSION_KIND_GROWTH,
		.sample_pages = (uint32_t)(g->opts->sample_pages ? g->opts->sample_pages : 1),
	};

	return session_open(&lo, g->opts->output, g->opts->no_output, g->output, sizeof(g->output),
			    &g->live);
}

int growth_run__start(struct growth_run *g)
{
	const struct growth_opts *o = g->opts;
	struct growth_loader_opts lo = {
		.pid = o->pid,
		.follow_forks = !o->no_follow_forks,
		.max_stacks = (uint32_t)o->max_stacks,
		.max_procs = (uint32_t)o->max_procs,
		.max_unwind_rows = (uint32_t)o->max_unwind_rows,
		.max_pages = (uint32_t)o->max_pages,
		.sample_pages = (uint32_t)o->sample_pages,
		.walk_budget = (uint32_t)o->walk_budget,
	};
	int err, fd;

	if (o->pid)
		event_loop__watch(&g->loop, o->pid);
	err = open_session(g);
	if (err)
		return err;
	/* A process's mappings must be read before it exits, and its files' unwind rows loaded
	 * before its first faults: on a busy host the session's reads of a short-lived process
	 * (a compiler run, a CLI) came too late at the default priority and its stacks went
	 * unnamed. It sleeps nearly always, so a higher priority costs others little. Without
	 * CAP_SYS_NICE (the agent's unit sets Nice= itself) it stays where it is. */
	cli_bpf__raise_priority();
	err = growth_loader__new(&lo, &g->loader);
	if (err)
		return cli__error("cannot load the BPF programs: %s (try --verbose)",
				  strerror(-err));
	g->start_s = cli_bpf__now_s();
	/* the processes there now: their RSS is the base of their growth, their files' rows
	 * are loaded before the probes so the first stacks are walked whole */
	err = growth_run__scan(g);
	for (size_t i = 0; !err && i < g->procs.cnt; i++)
		load_unwind(g, g->procs.e[i].row.pid, true);
	if (err)
		return cli__error("cannot read /proc: %s", strerror(-err));
	fd = growth_loader__execs_fd(g->loader, on_exec, g);
	g->ev_execs = fd >= 0 ? event_loop__add_fd(&g->loop, fd) : 0;
	err = growth_loader__attach(g->loader);
	if (err)
		return cli__error("cannot attach the kernel probes: %s (try --verbose)",
				  strerror(-err));
	if (o->pid)
		fprintf(stderr,
			"perfan-bpf: growth of pid %d%s (kernel probes only); Ctrl-C for the "
			"report\n",
			o->pid, o->no_follow_forks ? "" : " and its children");
	else
		fprintf(stderr, "perfan-bpf: growth of every process (kernel probes only); Ctrl-C "
				"for the report\n");
	if (o->verbose)
		fprintf(stderr, "perfan-bpf: unwind rows of %zu file(s), %zu rows\n",
			g->unwind.loaded, g->unwind.rows);
	return 0;
}

void growth_run__finish(struct growth_run *g)
{
	for (size_t i = 0; i < g->esc_cnt; i++)
		esc_run__finish(&g->esc[i]);
}

int growth_run__close(struct growth_run *g)
{
	int err = 0;

	growth_loader__detach(g->loader);
	for (size_t i = 0; i < g->esc_cnt; i++)
		esc_run__free(&g->esc[i]);
	g->esc_cnt = 0;
	if (g->live)
		err = live_session__close(g->live);
	g->live = NULL;
	growth_loader__free(g->loader);
	g->loader = NULL;
	unwind_set__free(&g->unwind);
	growth_table__free(&g->procs);
	free(g->scanned);
	g->scanned = NULL;
	leak_sample__free(&g->sample);
	return err;
}
