// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `perfan-bpf time`: time functions of a running process (or of a command, once or --runs
 * times) with entry and return probes; print each function's statistics and histogram per
 * --interval and at the end (duration, Ctrl-C, SIGTERM or the target's exit), and write them
 * as regression-detector results with --output. Its options are parsed in time_opts.c. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cli/cli_bpf.h"
#include "cli/cli_util.h"
#include "cli/cmd_time.h"
#include "cli/event_loop.h"
#include "cli/options.h"
#include "cli/time_opts.h"
#include "lib/hist.h"
#include "lib/safe_file.h"
#include "lib/sanitize.h"
#include "output/timing_report.h"
#include "probe/timing_loader.h"
#include "probe/timing_target.h"
#include "regress/results_io.h"
#include "target/procmaps.h"
#include "target/target.h"

#define CALIBRATION_CALLS 5000

static int preflight(const struct time_opts *o)
{
	struct stat st;

	if (!o->pid && !o->command && stat(o->binary, &st))
		return cli__error("cannot find %s: %s", o->binary, strerror(errno));
	return cli_bpf__preflight(o->pid);
}

struct time_run {
	struct time_opts *opts;
	char display[PATH_MAX];	  /* the binary as the target sees it */
	char program[PATH_MAX];	  /* the process's program when the binary is not it, else "" */
	char path[PATH_MAX + 64]; /* the binary as we open and attach it */
	struct timing_target target;
	struct timing_loader *loader;
	struct timing_calibration cal[TIMING_CAL_KINDS]; /* timing_calibration__index */
	bool cal_used[TIMING_CAL_KINDS];
	struct target tgt; /* the process timed now; pid 0: every process running the binary */
	struct event_loop loop;
	double start_s;
	/* totals over runs, per function */
	struct hist *total;
	struct timing_nested *nested; /* totals, per function */
	uint64_t (*losses)[TIMING_LOSS__MAX];
	double **run_stats;
	size_t *run_cnt;
	struct hist *prev; /* per function, at the last interval */
	struct timing_nested *prev_nested;
	struct timing_rows rows;
};

/* Where the binary is: as the target sees it (display) and as we open it (through the
 * target's /proc directory: works for a deleted file and inside a container) */
static int find_binary(struct time_run *s)
{
	char dir[PATH_MAX], root[PATH_MAX + 16], exe[PATH_MAX];
	const char *b = s->opts->binary;
	int pid = s->tgt.pid, err;
	struct proc_maps maps = {};
	const struct proc_map *m;

	if (pid <= 0) {
		snprintf(s->display, sizeof(s->display), "%s", b);
		snprintf(s->path, sizeof(s->path), "%s", b);
		return 0;
	}
	err = target__maps(&s->tgt, &maps, dir, sizeof(dir), exe, sizeof(exe));
	if (err)
		return cli__error("cannot read the mappings of pid %d: %s", pid, strerror(-err));
	snprintf(root, sizeof(root), "%s/root", dir);
	/* a library (or another file) given with --binary: reports name the process too */
	snprintf(s->program, sizeof(s->program), "%s", b && strcmp(exe, b) ? exe : "");
	if (!b) {
		proc_maps__free(&maps);
		if (!exe[0])
			return cli__error("cannot read the program of pid %d", pid);
		snprintf(s->display, sizeof(s->display), "%s", exe);
		snprintf(s->path, sizeof(s->path), "%s/exe", dir);
		return 0;
	}
	if (strchr(b, '/')) {
		struct stat st;

		snprintf(s->display, sizeof(s->display), "%s", b);
		snprintf(s->path, sizeof(s->path), "%s%s%s", root, b[0] == '/' ? "" : "/", b);
		err = stat(s->path, &st) ? errno : 0;
		/* a process chroot'ed in our mount namespace names its files from our root:
		 * the path itself, when it is a file the process maps */
		if (err && b[0] == '/' && !stat(b, &st) &&
		    proc_maps__find_file(&maps, major(st.st_dev) << 20 | minor(st.st_dev),
					 st.st_ino)) {
			snprintf(s->path, sizeof(s->path), "%s", b);
			err = 0;
		}
		proc_maps__free(&maps);
		if (err)
			return cli__error("cannot find %s in the file system of pid %d: %s", b, pid,
					  strerror(err));
		return 0;
	}
	m = proc_maps__find_lib(&maps, b);
	if (m) {
		/* through the mapping itself: the file it maps, in a container or chroot'ed */
		snprintf(s->display, sizeof(s->display), "%s", m->path);
		snprintf(s->path, sizeof(s->path), "%s/map_files/%" PRIx64 "-%" PRIx64, dir,
			 m->start, m->end);
	}
	proc_maps__free(&maps);
	if (!m)
		return cli__error("pid %d maps no library named %s; give its path with "
				  "--binary /path/to/%s",
				  pid, b, b);
	return 0;
}

static int resolve_binary(struct time_run *s)
{
	int rc = find_binary(s);

	/* paths from /proc (the exe link, the maps) are the target's: shown sanitized */
	sanitize__str(s->display);
	sanitize__str(s->program);
	return rc;
}

/* Whether the process runs a C++ runtime; every process might when we time them all */
static bool process_cxx(const struct target *t)
{
	char dir[PATH_MAX], exe[PATH_MAX];
	struct proc_maps maps = {};
	bool cxx;

	if (t->pid <= 0 || target__maps(t, &maps, dir, sizeof(dir), exe, sizeof(exe)))
		return true;
	cxx = timing_target__maps_cxx(&maps);
	proc_maps__free(&maps);
	return cxx;
}

static int prepare_target(struct time_run *s)
{
	struct errtext why;
	int rc;

	rc = resolve_binary(s);
	if (rc)
		return rc;
	rc = timing_target__load(s->path, s->display, s->opts->globs, s->opts->glob_cnt,
				 TIMING_FUNCS_MAX, &s->target, &why);
	if (rc)
		return cli__error("%s", why.msg);
	rc = timing_target__plan(&s->target, process_cxx(&s->tgt), s->opts->force_insn, &why);
	if (rc)
		return cli__error("%s", why.msg);
	s->total = calloc(s->target.cnt, sizeof(*s->total));
	s->nested = calloc(s->target.cnt, sizeof(*s->nested));
	s->prev = calloc(s->target.cnt, sizeof(*s->prev));
	s->prev_nested = calloc(s->target.cnt, sizeof(*s->prev_nested));
	s->losses = calloc(s->target.cnt, sizeof(*s->losses));
	s->run_stats = calloc(s->target.cnt, sizeof(*s->run_stats));
	s->run_cnt = calloc(s->target.cnt, sizeof(*s->run_cnt));
	if (!s->total || !s->nested || !s->prev || !s->prev_nested || !s->losses || !s->run_stats ||
	    !s->run_cnt)
		return cli__error("out of memory");
	for (size_t i = 0; i < s->target.cnt; i++) {
		const struct timed_func *f = &s->target.funcs[i];

		s->cal_used[timing_calibration__index(f->ret_insn, !f->entry_emulated)] = true;
		if (s->opts->runs) {
			s->run_stats[i] = calloc(s->opts->runs, sizeof(double));
			if (!s->run_stats[i])
				return cli__error("out of memory");
		}
		if (!s->opts->verbose)
			continue;
		fprintf(stderr, "perfan-bpf: %s at %s+%#llx: entry probe +%#llx (%s), ", f->name,
			s->display, (unsigned long long)f->entry_off,
			(unsigned long long)(f->probe_off - f->entry_off),
			f->entry_emulated ? "emulated" : "single-stepped");
		if (!f->ret_insn) {
			fprintf(stderr, "uretprobe\n");
			continue;
		}
		fprintf(stderr, "%zu return instruction probe%s (%s)\n", f->ret_cnt,
			f->ret_cnt == 1 ? "" : "s",
			s->opts->force_insn ? "--returns insn"
			: s->target.cxx	    ? "C++ binary"
					    : "unwind tables in a process with a C++ runtime");
	}
	return 0;
}

/* One calibration per kind of probe in use: the overhead printed beside a function is the
 * one of the probes it carries */
static int calibrate(struct time_run *s)
{
	for (int k = 0; k < TIMING_CAL_KINDS; k++) {
		bool ret_insn = k >= 2, stepped = k & 1;
		int err;

		if (!s->cal_used[k])
			continue;
		err = timing_loader__calibrate(ret_insn, stepped, CALIBRATION_CALLS, &s->cal[k]);
		if (err)
			return cli__error("cannot measure the probe overhead on perfan-bpf's own "
					  "calibration function: %s (try --verbose)",
					  strerror(-err));
		if (s->opts->verbose)
			fprintf(stderr,
				"perfan-bpf: probe overhead (%s): %.0f ns inside a timed "
				"call (p50), %.0f ns added per call\n",
				timing_report__kind(ret_insn, stepped), s->cal[k].p50_ns,
				s->cal[k].per_call_ns);
	}
	return 0;
}

static int load(struct time_run *s)
{
	struct timing_loader_opts lo = {
		.pid = s->tgt.pid,
		.by = s->opts->by,
		.max_hists = s->opts->max_hists,
		.subtract_nested = s->opts->subtract_nested,
	};
	int err = timing_loader__new(&lo, &s->loader);

	if (err)
		return cli__error("cannot load the BPF programs: %s (try --verbose)",
				  strerror(-err));
	/* a timed call costs its callers this much of their time */
	for (size_t i = 0; i < s->target.cnt; i++) {
		const struct timed_func *f = &s->target.funcs[i];

		timing_loader__set_cost(s->loader, (uint32_t)i,
					s->cal[timing_calibration__index(f->ret_insn,
									 !f->entry_emulated)]
						.per_call_ns);
	}
	return 0;
}

static int attach(struct time_run *s, int pid)
{
	struct errtext why;
	int rc;

	timing_loader__set_pid(s->loader, pid);
	rc = timing_loader__attach(s->loader, s->path, pid, &s->target, &why);
	return rc ? cli__error("%s", why.msg) : 0;
}

/* Read the maps into per-function totals (all parts merged) */
static int read_totals(struct time_run *s, struct hist *out, struct timing_nested *nested)
{
	int err = timing_loader__read(s->loader, &s->rows);

	if (err)
		return err;
	memset(out, 0, s->target.cnt * sizeof(*out));
	memset(nested, 0, s->target.cnt * sizeof(*nested));
	for (size_t i = 0; i < s->rows.cnt; i++) {
		const struct timing_row *row = &s->rows.rows[i];

		if (row->func >= s->target.cnt)
			continue;
		hist__merge(&out[row->func], &row->h);
		nested[row->func].calls += row->nested.calls;
		nested[row->func].cost_ns += row->nested.cost_ns;
	}
	return 0;
}

static const char *thread_name(void *ctx, uint32_t tid, char *buf, size_t len)
{
	struct time_run *s = ctx;

	target__thread_name(&s->tgt, tid, buf, len);
	return buf;
}

static int part_cmp(const void *a, const void *b)
{
	const struct timing_part *x = a, *y = b;

	if (x->h->count != y->h->count)
		return x->h->count > y->h->count ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The report over `hists` (per function); parts from s->rows when final and broken down */
static int report(struct time_run *s, const struct hist *hists, const struct timing_nested *nested,
		  bool final, bool interval, double at_s, struct regress_run *results)
{
	struct timing_func_report *funcs = calloc(s->target.cnt, sizeof(*funcs));
	struct timing_part *parts = calloc(s->rows.cnt + 1, sizeof(*parts));
	struct timing_report r = {
		.binary = s->display,
		.program = s->program[0] ? s->program : NULL,
		.pid = s->tgt.pid,
		.duration_s = at_s - s->start_s,
		.final = final,
		.interval = interval,
		.by = s->opts->by,
		.name = s->opts->name,
		.subtract_nested = s->opts->subtract_nested,
		.funcs = funcs,
		.cnt = s->target.cnt,
		.rows_per_octave = s->opts->rows_per_octave,
		.thread_name = thread_name,
		.thread_name_ctx = s,
	};
	size_t np = 0;
	int err = 0;

	if (!funcs || !parts) {
		err = -ENOMEM;
		goto out;
	}
	for (int k = 0; k < TIMING_CAL_KINDS; k++)
		r.cal[k] = s->cal_used[k] ? &s->cal[k] : NULL;
	for (size_t i = 0; i < s->target.cnt; i++) {
		struct timing_func_report *f = &funcs[i];

		f->name = s->target.funcs[i].name;
		f->ret_insn = s->target.funcs[i].ret_insn;
		f->entry_stepped = !s->target.funcs[i].entry_emulated;
		f->entry_skip = s->target.funcs[i].probe_off - s->target.funcs[i].entry_off;
		f->nested = nested[i];
		f->tail_exits = s->target.funcs[i].tail_exits;
		f->no_returns = f->ret_insn && !s->target.funcs[i].ret_cnt;
		f->h = &hists[i];
		memcpy(f->losses, s->losses[i], sizeof(f->losses));
		if (s->opts->runs && final) {
			f->run_stats = s->run_stats[i];
			f->run_cnt = s->run_cnt[i];
		}
		if (!final || interval || s->opts->by == TIMING_PER_FUNC || s->opts->runs)
			continue;
		f->parts = parts + np;
		for (size_t j = 0; j < s->rows.cnt; j++)
			if (s->rows.rows[j].func == i)
				parts[np++] = (struct timing_part){ s->rows.rows[j].id,
								    &s->rows.rows[j].h };
		f->part_cnt = (size_t)(parts + np - f->parts);
		qsort((void *)f->parts, f->part_cnt, sizeof(*parts), part_cmp);
	}
	if (results)
		err = timing_report__results(&r, s->opts->stat, results);
	else
		err = timing_report__text(&r, stdout);
out:
	free(funcs);
	free(parts);
	return err;
}

static void collect_losses(struct time_run *s)
{
	for (size_t i = 0; i < s->target.cnt; i++) {
		uint64_t l[TIMING_LOSS__MAX];

		timing_loader__losses(s->loader, (uint32_t)i, l);
		for (int k = 0; k < TIMING_LOSS__MAX; k++)
			s->losses[i][k] += l[k];
	}
}

/* Poll until the duration ends, a signal, or the target exits; print intervals */
static int session_loop(struct time_run *s)
{
	double next_print = s->start_s + s->opts->interval_s;
	struct hist *cur = calloc(s->target.cnt, sizeof(*cur));
	struct hist *delta = calloc(s->target.cnt, sizeof(*delta));
	struct timing_nested *cur_n = calloc(s->target.cnt, sizeof(*cur_n));
	struct timing_nested *delta_n = calloc(s->target.cnt, sizeof(*delta_n));
	int err = 0;

	if (!cur || !delta || !cur_n || !delta_n) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		double now = cli_bpf__now_s(), wake = now + 1;

		if (s->opts->duration_s && now >= s->start_s + s->opts->duration_s)
			break;
		if (s->opts->duration_s && s->start_s + s->opts->duration_s < wake)
			wake = s->start_s + s->opts->duration_s;
		if (s->opts->interval_s && next_print < wake)
			wake = next_print;
		if (event_loop__wait(&s->loop, event_loop__ms_until(wake)))
			break;
		if (s->opts->interval_s && cli_bpf__now_s() >= next_print) {
			err = read_totals(s, cur, cur_n);
			if (err)
				goto out;
			for (size_t i = 0; i < s->target.cnt; i++) {
				hist__sub(&delta[i], &cur[i], &s->prev[i]);
				delta_n[i].calls = cur_n[i].calls - s->prev_nested[i].calls;
				delta_n[i].cost_ns = cur_n[i].cost_ns - s->prev_nested[i].cost_ns;
			}
			memcpy(s->prev, cur, s->target.cnt * sizeof(*cur));
			memcpy(s->prev_nested, cur_n, s->target.cnt * sizeof(*cur_n));
			err = report(s, delta, delta_n, false, true, cli_bpf__now_s(), NULL);
			if (err)
				goto out;
			next_print += s->opts->interval_s;
		}
	}
out:
	free(cur);
	free(delta);
	free(cur_n);
	free(delta_n);
	return err;
}

static int launch(struct time_run *s)
{
	int err = target__launch(&s->tgt, s->opts->command, NULL);

	if (err)
		return cli__error("cannot run '%s': %s", s->opts->command[0], strerror(-err));
	s->loop.child = s->tgt.child;
	event_loop__watch(&s->loop, s->tgt.pid);
	return 0;
}

/* Collect the command's exit status; without `block`, only when it has already exited (a
 * command still running when the session ends is left running, as a --pid target is) */
static void reap(struct time_run *s, bool block)
{
	cli_bpf__reap(&s->tgt, block);
	s->loop.child = 0;
	event_loop__unwatch(&s->loop);
}

static void announce(struct time_run *s)
{
	char a[32];
	const char *sep = "";

	fprintf(stderr, "perfan-bpf: timing %zu function%s (%zu probes) in ", s->target.cnt,
		s->target.cnt == 1 ? "" : "s", timing_loader__probe_cnt(s->loader));
	if (s->tgt.pid > 0)
		fprintf(stderr, "pid %d (%s); probe overhead ", s->tgt.pid, s->display);
	else
		fprintf(stderr, "every process running %s; probe overhead ", s->display);
	for (int k = 0; k < TIMING_CAL_KINDS; k++) {
		if (!s->cal_used[k])
			continue;
		fprintf(stderr, "%s%s (%s)", sep, hist__fmt_ns(s->cal[k].p50_ns, a, sizeof(a)),
			timing_report__kind(k >= 2, k & 1));
		sep = ", ";
	}
	fprintf(stderr, "; Ctrl-C to stop\n");
}

/* One session: attach, loop, and leave the totals in s->total */
static int session(struct time_run *s)
{
	int err;

	if (s->opts->command) {
		err = launch(s);
		if (err)
			return err;
	} else {
		target__init_pid(&s->tgt, s->opts->pid);
		if (s->tgt.pid > 0)
			event_loop__watch(&s->loop, s->tgt.pid);
	}
	err = prepare_target(s) ?: calibrate(s) ?: load(s) ?: attach(s, s->tgt.pid);
	if (err)
		return err;
	s->start_s = cli_bpf__now_s();
	err = target__release(&s->tgt);
	if (err)
		return cli__error("cannot release '%s' after attaching: %s", s->opts->command[0],
				  strerror(-err));
	announce(s);
	err = session_loop(s);
	if (err)
		return cli__error("cannot read the histograms: %s", strerror(-err));
	/* read before detaching: each uprobe's unregistration waits for an RCU grace period */
	err = read_totals(s, s->total, s->nested);
	if (err)
		return cli__error("cannot read the histograms: %s", strerror(-err));
	collect_losses(s);
	return 0;
}

/* --runs R -- COMMAND: R runs, each one's statistic a sample */
static int runs(struct time_run *s)
{
	struct hist *one = NULL;
	struct timing_nested *one_n = NULL;
	char a[32];
	int err, ev;

	for (unsigned r = 0; r < s->opts->runs && !s->loop.stopped; r++) {
		err = launch(s);
		if (err)
			return err;
		if (!r) {
			err = prepare_target(s) ?: calibrate(s) ?: load(s);
			if (err)
				return err;
			one = calloc(s->target.cnt, sizeof(*one));
			one_n = calloc(s->target.cnt, sizeof(*one_n));
			if (!one || !one_n) {
				free(one);
				free(one_n);
				return cli__error("out of memory");
			}
			s->start_s = cli_bpf__now_s();
		}
		/* the file is the same, but it is reached through this run's process */
		err = (r ? resolve_binary(s) : 0) ?: attach(s, s->tgt.pid);
		if (err) {
			free(one);
			free(one_n);
			return err;
		}
		err = target__release(&s->tgt);
		if (err) {
			free(one);
			free(one_n);
			return cli__error("cannot release '%s' after attaching: %s",
					  s->opts->command[0], strerror(-err));
		}
		if (!r)
			announce(s);
		do
			ev = event_loop__wait(&s->loop, 1000);
		while (!(ev & (EV_EXITED | EV_STOP)));
		err = read_totals(s, one, one_n);
		if (err) {
			free(one);
			free(one_n);
			return cli__error("cannot read the histograms: %s", strerror(-err));
		}
		collect_losses(s);
		timing_loader__detach(s->loader);
		timing_loader__clear(s->loader);
		reap(s, ev & EV_EXITED);
		for (size_t i = 0; i < s->target.cnt; i++) {
			double v = timing_stat__of(&one[i], s->opts->stat);

			hist__merge(&s->total[i], &one[i]);
			s->nested[i].calls += one_n[i].calls;
			s->nested[i].cost_ns += one_n[i].cost_ns;
			if (one[i].count && v > 0)
				s->run_stats[i][s->run_cnt[i]++] = v;
			fprintf(stderr, "perfan-bpf: run %u/%u: %s %s %s (%llu calls)\n", r + 1,
				s->opts->runs, s->target.funcs[i].name,
				timing_stat__name(s->opts->stat), hist__fmt_ns(v, a, sizeof(a)),
				(unsigned long long)one[i].count);
		}
	}
	free(one);
	free(one_n);
	return 0;
}

static int write_results(struct time_run *s)
{
	struct regress_run run;
	struct errtext why;
	int err;

	err = report(s, s->total, s->nested, true, false, cli_bpf__now_s(), &run);
	if (err)
		return cli__error("cannot build the results: %s", strerror(-err));
	for (size_t i = 0; i < s->target.cnt; i++)
		if (!s->total[i].count)
			fprintf(stderr, "perfan-bpf: warning: %s was not called; it is not in %s\n",
				s->target.funcs[i].name, s->opts->output);
		else if (!(s->opts->runs && s->run_cnt[i]) &&
			 !(timing_stat__of(&s->total[i], s->opts->stat) > 0))
			/* a result must be positive (timing_report__results): the traps
			 * subtracted took it all */
			fprintf(stderr,
				"perfan-bpf: warning: %s: nothing is left of its %s once the "
				"traps of its nested probes are subtracted; it is not in %s (time "
				"it without --subtract-nested, or its callees apart)\n",
				s->target.funcs[i].name, timing_stat__name(s->opts->stat),
				s->opts->output);
	if (!run.result_cnt) {
		regress_run__free(&run);
		return cli__error("no timed calls to write to %s", s->opts->output);
	}
	err = results__write_file(s->opts->output, s->opts->force, &run, &why);
	regress_run__free(&run);
	if (err)
		return cli__error("%s", why.msg);
	return 0;
}

int cmd__time(int argc, char **argv)
{
	struct time_opts opts;
	struct time_run s = { .opts = &opts };
	int err;

	err = time_opts__parse(argc, argv, &opts);
	if (err)
		return opts__status(err);
	err = preflight(&opts);
	if (err)
		return err;
	cli_bpf__verbose(opts.verbose);
	setvbuf(stdout, NULL, _IOLBF, 0);
	err = event_loop__init(&s.loop, false);
	if (err) {
		err = cli__error("cannot set up signal handling: %s", strerror(-err));
		goto cleanup;
	}
	err = opts.runs ? runs(&s) : session(&s);
	if (err)
		goto cleanup;
	err = report(&s, s.total, s.nested, true, false, cli_bpf__now_s(), NULL);
	if (err) {
		err = cli__error("cannot write the report");
		goto cleanup;
	}
	if (opts.output)
		err = write_results(&s);
cleanup:
	if (err)
		target__abort(&s.tgt);
	timing_loader__free(s.loader);
	reap(&s, false);
	event_loop__close(&s.loop);
	for (size_t i = 0; s.run_stats && i < s.target.cnt; i++)
		free(s.run_stats[i]);
	free(s.run_stats);
	free(s.run_cnt);
	free(s.total);
	free(s.nested);
	free(s.prev);
	free(s.prev_nested);
	free(s.losses);
	timing_rows__free(&s.rows);
	timing_target__free(&s.target);
	return err;
}
