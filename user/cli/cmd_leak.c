// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `perfan-bpf leak`: attach to a process (or launch a command), keep symbolizing new stacks
 * while the process is alive, print the top stacks every --interval, and print the final
 * report when the duration ends, on Ctrl-C or SIGTERM, or when the target exits. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "analysis/leak_model.h"
#include "cli/cli_bpf.h"
#include "cli/cli_util.h"
#include "cli/cmd_leak.h"
#include "cli/event_loop.h"
#include "cli/leak_opts.h"
#include "cli/leak_view.h"
#include "cli/options.h"
#include "cli/render.h"
#include "cli/session_open.h"
#include "lib/rate_limit.h"
#include "lib/sanitize.h"
#include "output/report_format.h"
#include "probe/attach.h"
#include "probe/leak_loader.h"
#include "probe/unwind_set.h"
#include "session/control.h"
#include "session/live_session.h"
#include "symbols/symbolize.h"
#include "target/proc_dir.h"
#include "target/target.h"

/* how often new stacks are symbolized: short, so a process that exits leaves few unnamed */
#define TICK_MS 200
/* symbolizing this many new stacks at once shows progress on a terminal */
#define PROGRESS_STACKS 2000

struct leak_run {
	struct leak_opts *opts;
	struct target tgt;
	struct event_loop loop;
	struct leak_view view;
	struct leak_loader *loader;
	struct symbolizer *sym;
	struct leak_sample sample;
	struct allocator alloc;
	char alloc_name[PATH_MAX]; /* the main allocator module as shown: sanitized */
	struct probe_plan plan;
	int ctlfd;    /* control socket for `perfan-bpf mark`, -1 when none */
	int ev_ctl;   /* its event bit */
	int ev_marks; /* the USDT marks' event bit, 0 when none */
	struct live_session *live;
	struct unwind_set unwind; /* files whose frames are left by .eh_frame rows */
	char output[PATH_MAX];
	unsigned usr1_count;
	bool live_view;	 /* text on a terminal: redraw in place */
	bool stderr_tty; /* progress lines for long steps */
	/* labels from USDT marks, waiting for their snapshot */
	char marks[16][LEAK_MARK_LABEL_MAX];
	unsigned mark_cnt;
	uint64_t marks_dropped;	     /* the queue was full */
	struct rate_limit mark_rate; /* the target's marks: --max-mark-rate a second */
};

/* The USDT mark handler: queue the label (sanitized by the loader); the loop takes the
 * snapshot. The target decides how often this runs: at most --max-mark-rate a second
 * get through, the rest are counted. */
static void on_mark(void *ctx, uint32_t tgid, const char *label)
{
	struct leak_run *s = ctx;

	(void)tgid;
	if (!rate_limit__take(&s->mark_rate, cli_bpf__now_s()))
		return;
	if (s->mark_cnt == sizeof(s->marks) / sizeof(s->marks[0])) {
		s->marks_dropped++;
		return;
	}
	snprintf(s->marks[s->mark_cnt++], sizeof(s->marks[0]), "%s", *label ? label : "usdt");
}

/* Listen to the target's perfan:mark probes (usually in the program itself) */
static void attach_usdt_marks(struct leak_run *s)
{
	char dir[PATH_MAX];
	int n, fd;

	if (target__proc_dir(&s->tgt, dir, sizeof(dir), NULL))
		return;
	n = leak_loader__attach_all_marks(s->loader, s->tgt.pid, dir);
	fd = n ? leak_loader__marks_fd(s->loader, on_mark, s) : -1;
	if (fd >= 0)
		s->ev_marks = event_loop__add_fd(&s->loop, fd);
	if (n && s->opts->verbose)
		fprintf(stderr, "perfan-bpf: listening to perfan:mark probes in %d module(s)\n", n);
}

/* The control socket and the session file, before any probe is attached: a second session
 * on the same pid is refused before it touches the target. 0 or the exit status. */
static int open_session(struct leak_run *s)
{
	int pid = s->tgt.pid;
	struct live_session_opts lo = {
		.pid = (uint32_t)pid,
		.command = s->tgt.command[0] ? s->tgt.command : NULL,
		.allocator = s->alloc.mods[0].module,
		.force = s->opts->force,
		.max_file_bytes = s->opts->max_session_bytes,
	};

	s->ctlfd = control__listen(pid);
	if (s->ctlfd == -EADDRINUSE)
		return pid ? cli__error("another perfan-bpf session already traces pid %d", pid)
			   : cli__error("another perfan-bpf session already traces --all");
	if (s->ctlfd < 0)
		fprintf(stderr,
			"perfan-bpf: warning: 'perfan-bpf mark' will not reach this "
			"session: cannot listen on its control socket: %s\n",
			strerror(-s->ctlfd));
	s->ev_ctl = event_loop__add_fd(&s->loop, s->ctlfd);
	return session_open(&lo, s->opts->output, s->opts->no_output, s->output, sizeof(s->output),
			    &s->live);
}

/* The allocator the target maps (--all: the one we map) and where to probe it */
static int find_allocator(struct leak_run *s)
{
	struct target self, *t = &s->tgt;
	char dir[PATH_MAX], root[PATH_MAX + 16], exe[PATH_MAX];
	struct proc_maps maps = {};
	enum proc_kind kind;
	int err;

	if (!t->pid) {
		target__init_pid(&self, getpid());
		t = &self;
	}
	err = target__maps(t, &maps, dir, sizeof(dir), exe, sizeof(exe));
	if (err == -ESRCH && (kind = proc_dir__kind("/proc", t->pid)) != PROC_KIND_USER)
		return cli__error("pid %d cannot be traced: it is %s", t->pid,
				  proc_dir__kind_text(kind));
	if (err)
		return cli__error("cannot read the mappings of pid %d: %s", t->pid, strerror(-err));
	snprintf(root, sizeof(root), "%s/root", dir);
	err = allocator__find(&maps, root, exe, &s->alloc);
	proc_maps__free(&maps);
	if (err)
		return cli__error("pid %d has no allocator to probe: no mapped module defines "
				  "malloc and free (a Go program, or one built without malloc?)",
				  t->pid);
	snprintf(s->alloc_name, sizeof(s->alloc_name), "%s", s->alloc.mods[0].module);
	sanitize__str(s->alloc_name);
	err = allocator__plan(&s->alloc, s->opts->at_entry, &s->plan);
	if (err)
		return cli__error("cannot read allocator functions in %s: %s", s->alloc_name,
				  strerror(-err));
	return 0;
}

static int add_unwind(void *ctx, uint32_t dev, uint64_t ino, const struct cfi_table *t)
{
	return leak_loader__add_unwind(ctx, dev, ino, t);
}

/* Give the stack walk the .eh_frame rows of the target's files built without frame pointers
 * (--all: of the allocator's library); on every tick too, for libraries loaded since. */
static void load_unwind_rows(struct leak_run *s)
{
	size_t no_room = s->unwind.no_room, loaded = s->unwind.loaded;
	char dir[PATH_MAX];

	if (!s->opts->max_unwind_rows)
		return;
	if (!s->tgt.pid)
		unwind_set__add_path(&s->unwind, s->alloc.mods[0].path, add_unwind, s->loader);
	else if (!target__proc_dir(&s->tgt, dir, sizeof(dir), NULL))
		unwind_set__scan(&s->unwind, dir, add_unwind, s->loader);
	for (size_t i = no_room; i < s->unwind.no_room; i++)
		fprintf(stderr,
			"perfan-bpf: no room for the unwind rows of %s: its callers are found by "
			"frame pointers only (raise --max-unwind-rows, now %" PRIu64 ")\n",
			s->unwind.no_room_paths[i], s->opts->max_unwind_rows);
	if (s->opts->verbose && s->unwind.loaded > loaded)
		fprintf(stderr, "perfan-bpf: unwind rows of %zu file(s), %zu rows\n",
			s->unwind.loaded, s->unwind.rows);
}

static int load_and_attach(struct leak_run *s)
{
	int pid = s->tgt.pid;
	char dir[PATH_MAX], text[PATH_MAX * 2];
	struct leak_loader_opts lo = {
		.pid = pid,
		.max_allocs = (uint32_t)s->opts->max_allocs,
		.max_stacks = (uint32_t)s->opts->max_stacks,
		.max_unwind_rows = (uint32_t)s->opts->max_unwind_rows,
	};
	int err;

	if (pid)
		target__proc_dir(&s->tgt, dir, sizeof(dir), &lo.attach_tid);
	err = leak_loader__new(&lo, &s->loader);
	if (err)
		return cli__error("cannot load the BPF programs: %s (try --verbose)",
				  strerror(-err));
	/* the rows before the probes: the first stacks are walked as well as the later ones */
	load_unwind_rows(s);
	err = leak_loader__attach(s->loader, &s->alloc, &s->plan);
	if (err)
		return cli__error("cannot attach uprobes to %s: %s (try --verbose)", s->alloc_name,
				  strerror(-err));
	if (pid)
		attach_usdt_marks(s);
	s->view.start_s = cli_bpf__now_s();
	rate_limit__init(&s->mark_rate, (double)s->opts->max_mark_rate, s->view.start_s);
	/* Read the mappings and open the modules now, while the target surely lives: one that
	 * exits before the first tick still gets a named report. */
	if (pid)
		symbolizer__refresh(s->sym, pid);
	/* one line an operator (and a test) can wait for: from here on nothing is missed */
	snprintf(dir, sizeof(dir), pid ? "pid %d through" : "every process using", pid);
	fprintf(stderr, "perfan-bpf: tracing %s %s; Ctrl-C for the report\n", dir,
		allocator__text(&s->alloc, text, sizeof(text)));
	for (int i = 0; s->opts->verbose && i < s->plan.cnt; i++)
		fprintf(stderr, "perfan-bpf: %s\n",
			probe_site__text(&s->plan, i, &s->alloc, text, sizeof(text)));
	return 0;
}

static int start_target(struct leak_run *s)
{
	struct leak_opts *o = s->opts;
	int err;

	if (!o->command) {
		target__init_pid(&s->tgt, o->all ? 0 : o->pid);
		if (s->tgt.pid)
			event_loop__watch(&s->loop, s->tgt.pid);
		return find_allocator(s) ?: open_session(s) ?: load_and_attach(s);
	}
	err = target__launch(&s->tgt, o->command);
	if (err)
		return cli__error("cannot run '%s': %s", o->command[0], strerror(-err));
	s->loop.child = s->tgt.child;
	event_loop__watch(&s->loop, s->tgt.pid);
	err = find_allocator(s) ?: open_session(s) ?: load_and_attach(s);
	if (err) {
		target__abort(&s->tgt);
		s->loop.child = 0;
		return err;
	}
	err = target__release(&s->tgt);
	if (err)
		return cli__error("cannot release '%s' after attaching: %s", o->command[0],
				  strerror(-err));
	return 0;
}

/* Read the maps and name the stacks not seen before */
static int refresh(struct leak_run *s)
{
	struct stacktab *tab = live_session__stacks(s->live);
	int err = leak_loader__read(s->loader, &s->sample);
	size_t fresh = 0;

	if (err)
		return err;
	/* the session's own losses beside the kernel's */
	s->sample.lost[REPORT_LOST_MARKS_DROPPED] =
		s->mark_rate.refused + s->marks_dropped + leak_loader__marks_lost(s->loader);
	s->sample.lost[REPORT_LOST_SNAPSHOTS_DROPPED] = live_session__dropped(s->live);
	/* libraries loaded since the last tick (dlopen) get their unwind rows */
	if (s->tgt.pid)
		load_unwind_rows(s);
	/* a long step says so on a terminal: many new stacks take a while to name */
	for (size_t i = 0; s->stderr_tty && i < s->sample.cnt; i++)
		fresh += !stacktab__get(tab, s->sample.stacks[i].pid, s->sample.stacks[i].stack_id);
	if (fresh >= PROGRESS_STACKS)
		fprintf(stderr, "perfan-bpf: symbolizing %zu new stacks...\r", fresh);
	err = leak_model__symbolize_new(tab, s->sym, &s->sample, leak_loader__fetch_stack,
					s->loader);
	if (fresh >= PROGRESS_STACKS)
		fputs("\033[K", stderr); /* erase the progress line */
	return err < 0 ? err : 0;
}

/* Read the maps, name new stacks, and store a snapshot labelled label. -EFBIG: not stored,
 * the session file is full (counted as dropped). */
static int take_snapshot(struct leak_run *s, const char *label, bool final, unsigned *seq)
{
	double t0 = cli_bpf__now_s();
	int err = refresh(s);

	if (err)
		return err;
	err = live_session__snapshot(s->live, &s->sample, label, cli_bpf__now_s() - s->view.start_s,
				     final, seq);
	if (err)
		return err;
	/* tools/bench/snapshot.sh reads the time from this line */
	if (s->opts->verbose)
		fprintf(stderr, "perfan-bpf: snapshot %u '%s' stored (%zu stacks) in %.3f ms\n",
			*seq, label, s->sample.cnt, (cli_bpf__now_s() - t0) * 1e3);
	return 0;
}

/* Serve every `perfan-bpf mark` waiting on the control socket */
static int serve_marks(struct leak_run *s)
{
	char label[CONTROL_LABEL_MAX + 1];
	unsigned seq;
	int fd, err;

	while ((fd = control__accept(s->ctlfd, label, sizeof(label))) != -EAGAIN) {
		if (fd < 0) {
			if (fd == -EINVAL)
				continue; /* a bad request, already answered */
			return 0;
		}
		err = take_snapshot(s, label, false, &seq);
		control__reply(fd, err, seq,
			       err == -EFBIG ? "not stored: the session file has reached "
					       "--max-session-size"
			       : err	     ? strerror(-err)
					     : NULL);
		if (err && err != -EFBIG)
			return err;
	}
	return 0;
}

static int handle_events(struct leak_run *s, int ev, double *next_snap)
{
	char label[64];
	unsigned seq;
	int err = 0;

	if (s->ev_marks && (ev & s->ev_marks)) {
		leak_loader__consume_marks(s->loader);
		for (unsigned i = 0; i < s->mark_cnt && (!err || err == -EFBIG); i++)
			err = take_snapshot(s, s->marks[i], false, &seq);
		s->mark_cnt = 0;
	}
	if ((!err || err == -EFBIG) && s->ev_ctl && (ev & s->ev_ctl))
		err = serve_marks(s);
	if ((!err || err == -EFBIG) && (ev & EV_USR1)) {
		snprintf(label, sizeof(label), "sigusr1-%u", ++s->usr1_count);
		err = take_snapshot(s, label, false, &seq);
	}
	if ((!err || err == -EFBIG) && s->opts->snapshot_every_s &&
	    cli_bpf__now_s() >= *next_snap) {
		snprintf(label, sizeof(label), "t+%g", *next_snap - s->view.start_s);
		err = take_snapshot(s, label, false, &seq);
		*next_snap += s->opts->snapshot_every_s;
	}
	return err == -EFBIG ? 0 : err; /* a full session file: counted, the session goes on */
}

static int run(struct leak_run *s)
{
	/* On a terminal the text view redraws in place, every second unless told otherwise */
	double interval = s->live_view && !s->opts->interval_set ? 1 : s->opts->interval_s;
	double next_print = s->view.start_s + interval;
	double next_snap = s->view.start_s + s->opts->snapshot_every_s;
	struct stacktab *tab = live_session__stacks(s->live);
	bool text = !strcmp(s->opts->format, "text");
	double stop_s;
	unsigned seq;
	int err, ev;

	for (;;) {
		double now = cli_bpf__now_s(), wake = now + TICK_MS / 1000.0;

		if (s->opts->duration_s && now >= s->view.start_s + s->opts->duration_s)
			break;
		if (s->opts->snapshot_every_s && next_snap < wake)
			wake = next_snap;
		ev = event_loop__wait(&s->loop, event_loop__ms_until(wake));
		/* marks first: a USDT mark reached just before the target exits keeps its label */
		err = handle_events(s, ev, &next_snap) ?: refresh(s);
		if (err)
			return cli__error("cannot take a snapshot: %s", strerror(-err));
		if (ev & (EV_STOP | EV_EXITED))
			break;
		if (text && cli_bpf__now_s() >= next_print) {
			if (s->live_view)
				leak_view__draw(&s->view, s->loader, tab, &s->sample,
						live_session__count(s->live), cli_bpf__now_s());
			else
				leak_view__print(&s->view, s->loader, tab, &s->sample, false,
						 cli_bpf__now_s());
			next_print += interval;
		}
	}
	/* Read and print before detaching: unregistering each uprobe waits for an RCU grace
	 * period (~80 ms here), and the report should not wait for that. */
	stop_s = cli_bpf__now_s();
	if (s->ev_marks)
		handle_events(s, s->ev_marks, &next_snap);
	err = take_snapshot(s, "end", true, &seq);
	if (err)
		return cli__error("cannot take the final snapshot: %s", strerror(-err));
	leak_view__drops(&s->sample, live_session__dropped(s->live), s->opts->max_mark_rate,
			 s->opts->max_session_bytes, leak_loader__execs(s->loader));
	if (s->live_view)
		fputs("\n", stdout); /* the final report goes below the last view */
	if (!s->view.fmt)
		return 0; /* a picture: drawn from the session file once it is closed */
	return leak_view__print(&s->view, s->loader, tab, &s->sample, true, stop_s)
		       ? cli__error("cannot write the report")
		       : 0;
}

/* Closes the session file and draws a picture format of its end from it */
static int finish_session(struct leak_run *s, int err)
{
	unsigned n = live_session__count(s->live);

	if (live_session__close(s->live) && !err)
		return cli__error("cannot finish the session file '%s'", s->output);
	if (s->output[0] && n)
		fprintf(stderr, "perfan-bpf: %u snapshot%s in %s\n", n, n == 1 ? "" : "s",
			s->output);
	if (err || s->view.fmt)
		return err;
	if (!s->output[0] || !n)
		return cli__error("no session file to draw the %s report from", s->view.format);
	return render__session_file("leak", s->output, "end", s->view.format, stdout);
}

int cmd__leak(int argc, char **argv)
{
	struct leak_opts opts;
	struct leak_run s = { .opts = &opts, .ctlfd = -1 };
	int err;

	err = leak_opts__parse(argc, argv, &opts);
	if (err)
		return opts__status(err);
	err = cli_bpf__preflight(opts.pid);
	if (err)
		return err;
	cli_bpf__verbose(opts.verbose);
	setvbuf(stdout, NULL, _IOLBF, 0);
	s.view = (struct leak_view){
		.format = opts.format,
		.fmt = report__formatter(opts.format),
		.top = opts.top,
		.top_set = opts.top_set,
		.min_age_s = opts.min_age_s,
		.allocator = s.alloc_name,
		.tgt = &s.tgt,
	};
	s.live_view = !strcmp(opts.format, "text") && isatty(STDOUT_FILENO);
	s.stderr_tty = isatty(STDERR_FILENO);
	/* Ctrl-C, SIGTERM and SIGUSR1 reach the poll loop, never interrupt a write */
	err = event_loop__init(&s.loop, true);
	s.sym = symbolizer__new(&(struct symbolizer_opts){ .debuginfod = opts.debuginfod });
	if (err || !s.sym) {
		err = cli__error("cannot set up the session: %s", strerror(err ? -err : ENOMEM));
		goto cleanup;
	}
	err = start_target(&s) ?: run(&s);
cleanup:
	control__close(s.ctlfd, s.tgt.pid);
	leak_loader__free(s.loader);
	unwind_set__free(&s.unwind);
	if (s.live)
		err = finish_session(&s, err);
	cli_bpf__reap(&s.tgt, false);
	event_loop__close(&s.loop);
	symbolizer__free(s.sym);
	leak_sample__free(&s.sample);
	return err;
}
