// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `perfan-bpf growth`: the growth gear. Kernel probes charge new memory (page faults of first
 * write, heap asked for) to user stacks per process; /proc gives each process's RSS over time.
 * A top-like view on a terminal, snapshots in a session file, and at the end the report:
 * processes fastest growing first, the stacks that hold the memory of an escalated process
 * (exact tracing for a bounded window), the first-touch stacks. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "analysis/growth_model.h"
#include "analysis/growth_report.h"
#include "analysis/leak_model.h"
#include "cli/cli_bpf.h"
#include "cli/cli_util.h"
#include "cli/cmd_growth.h"
#include "cli/escalation_run.h"
#include "cli/event_loop.h"
#include "cli/growth_opts.h"
#include "cli/options.h"
#include "cli/render.h"
#include "lib/array.h"
#include "lib/safe_file.h"
#include "output/growth_format.h"
#include "probe/growth_loader.h"
#include "probe/unwind_set.h"
#include "session/live_session.h"
#include "symbols/symbolize.h"
#include "target/proc_scan.h"

/* how often new stacks are named and new processes' files get unwind rows */
#define TICK_MS 200
/* at most this many exact windows in one session */
#define MAX_ESCALATIONS 4

struct growth_run {
	struct growth_opts *opts;
	struct event_loop loop;
	struct growth_loader *loader;
	struct symbolizer *sym;
	struct leak_sample sample;
	struct live_session *live;
	struct unwind_set unwind;
	struct growth_table procs;
	uint32_t *scanned; /* pids whose files were looked at for unwind rows */
	size_t scanned_cnt, scanned_cap;
	struct esc_run esc[MAX_ESCALATIONS];
	size_t esc_cnt;
	char output[PATH_MAX];
	double start_s;
	unsigned usr1_count;
	bool live_view;
};

static int add_unwind(void *ctx, uint32_t dev, uint64_t ino, const struct cfi_table *t)
{
	return growth_loader__add_unwind(ctx, dev, ino, t);
}

/* Give the walk the .eh_frame rows of pid's files (each file once), the first time pid is met */
static void load_unwind(struct growth_run *g, uint32_t pid)
{
	char dir[64];
	size_t no_room = g->unwind.no_room;

	if (!g->opts->max_unwind_rows || pid == (uint32_t)getpid())
		return;
	for (size_t i = 0; i < g->scanned_cnt; i++)
		if (g->scanned[i] == pid)
			return;
	if (ARRAY_GROW(g->scanned, g->scanned_cap, g->scanned_cnt + 1, 256))
		return;
	g->scanned[g->scanned_cnt++] = pid;
	snprintf(dir, sizeof(dir), "/proc/%u", pid);
	unwind_set__scan(&g->unwind, dir, add_unwind, g->loader);
	for (size_t i = no_room; i < g->unwind.no_room; i++)
		fprintf(stderr,
			"perfan-bpf: no room for the unwind rows of %s: its callers are found by "
			"frame pointers only (raise --max-unwind-rows)\n",
			g->unwind.no_room_paths[i]);
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

/* /proc and the kernel side's process table into the model */
static int scan_procs(struct growth_run *g)
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
	return err;
}

/* Read the kernel maps and name new stacks */
static int refresh(struct growth_run *g)
{
	uint64_t lost[GROWTH_LOST__MAX];
	int err = growth_loader__read(g->loader, &g->sample);

	if (err)
		return err;
	growth_loader__lost(g->loader, lost);
	memset(g->sample.lost, 0, sizeof(g->sample.lost));
	g->sample.lost[REPORT_LOST_STACK_FAILURES] = lost[GROWTH_LOST_STACK_FAILURES];
	g->sample.lost[REPORT_LOST_STACKS_MAP_FULL] = lost[GROWTH_LOST_STACKS_MAP_FULL];
	g->sample.lost[REPORT_LOST_STATS_MAP_FULL] = lost[GROWTH_LOST_STATS_MAP_FULL];
	g->sample.lost[REPORT_LOST_PROCS_MAP_FULL] = lost[GROWTH_LOST_PROCS_MAP_FULL];
	g->sample.lost[REPORT_LOST_VMA_BUSY] = lost[GROWTH_LOST_VMA_UNKNOWN];
	g->sample.lost[REPORT_LOST_PAGES_MAP_FULL] = lost[GROWTH_LOST_PAGES_MAP_FULL];
	g->sample.lost[REPORT_LOST_SNAPSHOTS_DROPPED] = live_session__dropped(g->live);
	/* a process met for the first time gets its files' rows before its next faults */
	for (size_t i = 0; i < g->sample.cnt; i++)
		load_unwind(g, g->sample.stacks[i].pid);
	err = leak_model__symbolize_new(live_session__stacks(g->live), g->sym, &g->sample,
					growth_loader__fetch_stack, g->loader);
	return err < 0 ? err : 0;
}

static int snapshot(struct growth_run *g, const char *label, bool final)
{
	struct proc_row *rows;
	size_t cnt;
	unsigned seq;
	int err = scan_procs(g) ?: refresh(g) ?: growth_table__rows(&g->procs, &rows, &cnt);

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
static int build_report(struct growth_run *g, bool final, struct growth_report *r,
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
	r->procs = *rows;
	r->proc_cnt = cnt;
	memcpy(r->lost, g->sample.lost, sizeof(r->lost));
	for (size_t i = 0; i < g->esc_cnt; i++)
		if (g->esc[i].done)
			esc[r->esc_cnt++] = g->esc[i].e;
	r->esc = esc;
	err = leak_model__build(live_session__stacks(g->live), &g->sample, &r->rep);
	r->rep.kind = SESSION_KIND_GROWTH;
	return err;
}

static void draw_live(struct growth_run *g)
{
	struct escalation esc[MAX_ESCALATIONS];
	struct growth_report r;
	struct proc_row *rows = NULL;

	if (!build_report(g, false, &r, &rows, esc))
		growth_format__live(&r, g->opts->top_set && g->opts->top ? g->opts->top : 20,
				    stdout);
	growth_report__free(&r);
	free(rows);
}

/* Escalate a growing process to exact tracing for a bounded window: with --pid the target (or
 * a child) once it grew --escalate-min; host-wide (--escalate on) the fastest growing one */
static void maybe_escalate(struct growth_run *g)
{
	const struct growth_opts *o = g->opts;
	bool on = o->escalate == ESCALATE_ON || (o->escalate == ESCALATE_AUTO && o->pid);
	const struct growth_entry *best = NULL;

	for (size_t i = 0; i < g->esc_cnt; i++) {
		esc_run__poll(&g->esc[i]);
		if (!g->esc[i].done)
			return; /* one window at a time */
	}
	if (!on || g->esc_cnt == MAX_ESCALATIONS)
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
	if (esc_run__start(&g->esc[g->esc_cnt], best->row.pid, o->escalate_window_s)) {
		fprintf(stderr, "perfan-bpf: cannot start exact tracing of pid %u: %s\n",
			best->row.pid, strerror(errno));
		return;
	}
	fprintf(stderr,
		"perfan-bpf: pid %u (%s) grew %" PRId64 " B: exact tracing for %g s (%s; it runs "
		"slower meanwhile: ~3 uprobe traps per malloc+free)\n",
		best->row.pid, best->row.comm, best->row.growth_bytes, o->escalate_window_s,
		g->esc[g->esc_cnt].e.command);
	g->esc_cnt++;
}

static int open_session(struct growth_run *g)
{
	struct live_session_opts lo = {
		.pid = (uint32_t)g->opts->pid,
		.force = g->opts->force,
		.max_file_bytes = g->opts->max_session_bytes,
		.kind = SESSION_KIND_GROWTH,
	};
	int err;

	if (g->opts->no_output)
		return live_session__open(&lo, &g->live)
			       ? cli__error("cannot set up the session: out of memory")
			       : 0;
	if (g->opts->output) {
		snprintf(g->output, sizeof(g->output), "%s", g->opts->output);
		lo.path = g->output;
		err = live_session__open(&lo, &g->live);
		return err ? cli__error("cannot create the session file '%s': %s", g->output,
					err == -EEXIST ? SAFE_FILE_EXISTS_HINT : strerror(-err))
			   : 0;
	}
	err = live_session__open_default(&lo, g->output, sizeof(g->output), &g->live);
	if (err) {
		fprintf(stderr, "perfan-bpf: warning: no session file: cannot create '%s': %s\n",
			g->output, strerror(-err));
		g->output[0] = '\0';
		lo.path = NULL;
		if (live_session__open(&lo, &g->live))
			return cli__error("cannot set up the session: out of memory");
	}
	return 0;
}

static int start(struct growth_run *g)
{
	const struct growth_opts *o = g->opts;
	struct growth_loader_opts lo = {
		.pid = o->pid,
		.follow_forks = !o->no_follow_forks,
		.max_stacks = (uint32_t)o->max_stacks,
		.max_procs = (uint32_t)o->max_procs,
		.max_unwind_rows = (uint32_t)o->max_unwind_rows,
		.max_pages = (uint32_t)o->max_pages,
	};
	int err;

	if (o->pid)
		event_loop__watch(&g->loop, o->pid);
	err = open_session(g);
	if (err)
		return err;
	err = growth_loader__new(&lo, &g->loader);
	if (err)
		return cli__error("cannot load the BPF programs: %s (try --verbose)",
				  strerror(-err));
	g->start_s = cli_bpf__now_s();
	/* the processes there now: their RSS is the base of their growth, their files' rows
	 * are loaded before the probes so the first stacks are walked whole */
	err = scan_procs(g);
	for (size_t i = 0; !err && i < g->procs.cnt; i++)
		load_unwind(g, g->procs.e[i].row.pid);
	if (err)
		return cli__error("cannot read /proc: %s", strerror(-err));
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

static int run(struct growth_run *g)
{
	const struct growth_opts *o = g->opts;
	double next_scan = g->start_s + o->interval_s, next_snap = g->start_s + o->snapshot_every_s;
	char label[64];
	int err = 0, ev;

	for (;;) {
		double now = cli_bpf__now_s(), wake = now + TICK_MS / 1000.0;

		if (o->duration_s && now >= g->start_s + o->duration_s)
			break;
		ev = event_loop__wait(&g->loop, event_loop__ms_until(wake));
		if (ev & EV_USR1) {
			snprintf(label, sizeof(label), "sigusr1-%u", ++g->usr1_count);
			err = snapshot(g, label, false);
		}
		if (!err && o->snapshot_every_s && cli_bpf__now_s() >= next_snap) {
			snprintf(label, sizeof(label), "t+%g", next_snap - g->start_s);
			err = snapshot(g, label, false);
			next_snap += o->snapshot_every_s;
		}
		if (!err)
			err = refresh(g);
		if (!err && cli_bpf__now_s() >= next_scan) {
			err = scan_procs(g);
			maybe_escalate(g);
			if (g->live_view)
				draw_live(g);
			next_scan += o->interval_s;
		}
		if (err)
			return cli__error("cannot read the growth maps: %s", strerror(-err));
		if (ev & (EV_STOP | EV_EXITED))
			break;
	}
	for (size_t i = 0; i < g->esc_cnt; i++)
		esc_run__finish(&g->esc[i]);
	err = snapshot(g, "end", true);
	if (err)
		return cli__error("cannot take the final snapshot: %s", strerror(-err));
	return 0;
}

static int final_report(struct growth_run *g)
{
	struct escalation esc[MAX_ESCALATIONS];
	struct growth_report r;
	struct proc_row *rows = NULL;
	size_t top = g->opts->top_set ? g->opts->top : !strcmp(g->opts->format, "json") ? 0 : 10;
	int err = build_report(g, true, &r, &rows, esc);

	if (g->live_view)
		fputs("\n", stdout);
	if (!err)
		err = !strcmp(g->opts->format, "json") ? growth_format__json(&r, top, stdout)
						       : growth_format__text(&r, top, stdout);
	growth_report__free(&r);
	free(rows);
	return err ? cli__error("cannot write the report: %s", strerror(-err)) : 0;
}

int cmd__growth(int argc, char **argv)
{
	struct growth_opts opts;
	struct growth_run g = { .opts = &opts };
	bool picture;
	unsigned n;
	int err;

	err = growth_opts__parse(argc, argv, &opts);
	if (err)
		return opts__status(err);
	err = cli_bpf__preflight(opts.pid);
	if (err)
		return err;
	cli_bpf__verbose(opts.verbose);
	setvbuf(stdout, NULL, _IOLBF, 0);
	picture = strcmp(opts.format, "text") && strcmp(opts.format, "json");
	g.live_view = !strcmp(opts.format, "text") && isatty(STDOUT_FILENO);
	err = event_loop__init(&g.loop, true);
	g.sym = symbolizer__new(&(struct symbolizer_opts){ 0 });
	if (err || !g.sym) {
		err = cli__error("cannot set up the session: %s", strerror(err ? -err : ENOMEM));
		goto cleanup;
	}
	err = start(&g) ?: run(&g);
	growth_loader__detach(g.loader);
	if (!err && !picture)
		err = final_report(&g);
cleanup:
	for (size_t i = 0; i < g.esc_cnt; i++)
		esc_run__free(&g.esc[i]);
	n = live_session__count(g.live);
	if (g.live && live_session__close(g.live) && !err)
		err = cli__error("cannot finish the session file '%s'", g.output);
	if (!err && g.output[0] && n)
		fprintf(stderr, "perfan-bpf: %u snapshot%s in %s\n", n, n == 1 ? "" : "s",
			g.output);
	if (!err && picture)
		err = g.output[0] && n
			      ? render__session_file("growth", g.output, "end", opts.format, stdout)
			      : cli__error("no session file to draw the %s report from",
					   opts.format);
	growth_loader__free(g.loader);
	unwind_set__free(&g.unwind);
	growth_table__free(&g.procs);
	free(g.scanned);
	event_loop__close(&g.loop);
	symbolizer__free(g.sym);
	leak_sample__free(&g.sample);
	return err;
}
