// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `perfan-bpf time`: time functions of a running process (or of a command, once or --runs
 * times) with entry and return probes; print each function's statistics and histogram per
 * --interval and at the end (duration, Ctrl-C, SIGTERM or the target's exit), and write them
 * as regression-detector results with --output. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cli_bpf.h"
#include "cli_util.h"
#include "cmd_time.h"
#include "hist.h"
#include "launch.h"
#include "procmaps.h"
#include "results_io.h"
#include "safe_file.h"
#include "timing_loader.h"
#include "timing_report.h"
#include "timing_target.h"

#define MAX_GLOBS 64
#define CALIBRATION_CALLS 5000

struct time_opts {
	int pid;
	char *globs[MAX_GLOBS];
	size_t glob_cnt;
	const char *binary;
	double duration_s; /* 0: until stopped */
	double interval_s; /* 0: only at the end */
	enum timing_breakdown by;
	const char *output;
	bool force; /* replace an existing --output */
	enum timing_stat stat;
	unsigned runs; /* 0: one session */
	char **command;
	bool force_insn;
	unsigned rows_per_octave;
	uint32_t max_hists;
	bool verbose;
};

static const char usage_text[] =
	"usage: perfan-bpf time --func NAME[,NAME...] (--pid PID | --binary PATH | -- COMMAND "
	"[ARGS...]) [options]\n"
	"\n"
	"Latency of functions in a live process: count, mean, stddev, min, max, p50, p90, p99,\n"
	"p99.9 and a histogram per function, from uprobes paired by a per-thread stack.\n"
	"\n"
	"  -p, --pid PID          time functions of a running process\n"
	"  -- COMMAND ARGS...     run COMMAND and time it from its start (its stdout goes to\n"
	"                         stderr; stdout carries the report)\n"
	"  -f, --func NAME[,...]  functions to time; NAME may be a glob (quote it: 'parse_*')\n"
	"  -b, --binary PATH      the file defining them (default: the program); a library\n"
	"                         name such as libfoo.so is looked up in the process's mappings.\n"
	"                         Without --pid or a command: every process running PATH\n"
	"  -d, --duration SEC     stop after SEC seconds (default: Ctrl-C, SIGTERM or exit)\n"
	"  -i, --interval SEC     also print the last SEC seconds' numbers every SEC seconds\n"
	"      --per-thread       break each function down by thread\n"
	"      --per-pid          break each function down by process\n"
	"  -o, --output FILE      write results for `perfan-bpf check` / `baseline save`\n"
	"      --force            replace --output FILE if it exists (else exit 2)\n"
	"      --stat STAT        the result's value: p50 (default), mean, p90 or p99\n"
	"      --runs R           run COMMAND R times; each run's statistic is one sample\n"
	"      --returns HOW      auto (default): probes on return instructions for code a C++\n"
	"                         exception can unwind, a uretprobe elsewhere; insn: always\n"
	"                         probes on return instructions\n"
	"      --fine             16 histogram rows per power of two (default 4)\n"
	"      --max-hists N      histograms kept (functions x threads; default 16384)\n"
	"  -v, --verbose          probe placement and libbpf's messages on stderr\n"
	"  -h, --help             this text\n";

static int add_globs(struct time_opts *o, char *list)
{
	char *save = NULL;

	for (char *g = strtok_r(list, ",", &save); g; g = strtok_r(NULL, ",", &save)) {
		if (o->glob_cnt == MAX_GLOBS)
			return usage_error("--func takes at most %d names", MAX_GLOBS);
		o->globs[o->glob_cnt++] = g;
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct time_opts *o)
{
	enum { OPT_PER_THREAD = 256, OPT_PER_PID, OPT_STAT, OPT_RUNS, OPT_RETURNS, OPT_FINE,
	       OPT_MAX_HISTS, OPT_FORCE };
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "func", required_argument, NULL, 'f' },
		{ "binary", required_argument, NULL, 'b' },
		{ "duration", required_argument, NULL, 'd' },
		{ "interval", required_argument, NULL, 'i' },
		{ "per-thread", no_argument, NULL, OPT_PER_THREAD },
		{ "per-pid", no_argument, NULL, OPT_PER_PID },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "stat", required_argument, NULL, OPT_STAT },
		{ "runs", required_argument, NULL, OPT_RUNS },
		{ "returns", required_argument, NULL, OPT_RETURNS },
		{ "fine", no_argument, NULL, OPT_FINE },
		{ "max-hists", required_argument, NULL, OPT_MAX_HISTS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	uint64_t v;
	int c, err;

	*o = (struct time_opts){ .rows_per_octave = 4, .max_hists = 1 << 14 };
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+p:f:b:d:i:o:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_u64(optarg, 1, INT_MAX, &v))
				return usage_error("--pid needs a process id, got '%s'", optarg);
			o->pid = (int)v;
			break;
		case 'f':
			err = add_globs(o, optarg);
			if (err)
				return err;
			break;
		case 'b':
			if (!*optarg)
				return usage_error("--binary needs a path");
			o->binary = optarg;
			break;
		case 'd':
			if (parse_seconds(optarg, 365 * 86400.0, &o->duration_s))
				return usage_error("--duration needs seconds > 0, got '%s'", optarg);
			break;
		case 'i':
			if (parse_seconds(optarg, 86400, &o->interval_s))
				return usage_error("--interval needs seconds > 0, got '%s'", optarg);
			break;
		case OPT_PER_THREAD:
		case OPT_PER_PID: {
			enum timing_breakdown by = c == OPT_PER_PID ? TIMING_PER_PID
								    : TIMING_PER_THREAD;

			if (o->by && o->by != by)
				return usage_error("--per-thread and --per-pid exclude each other");
			o->by = by;
			break;
		}
		case 'o':
			if (!*optarg)
				return usage_error("--output needs a file name");
			o->output = optarg;
			break;
		case OPT_FORCE:
			o->force = true;
			break;
		case OPT_STAT:
			if (timing_stat_parse(optarg, &o->stat))
				return usage_error("--stat must be mean, p50, p90 or p99, got '%s'",
						   optarg);
			break;
		case OPT_RUNS:
			if (parse_u64(optarg, 1, 1000, &v))
				return usage_error("--runs needs a count 1..1000, got '%s'", optarg);
			o->runs = (unsigned)v;
			break;
		case OPT_RETURNS:
			if (strcmp(optarg, "auto") && strcmp(optarg, "insn"))
				return usage_error("--returns must be auto or insn, got '%s'", optarg);
			o->force_insn = !strcmp(optarg, "insn");
			break;
		case OPT_FINE:
			o->rows_per_octave = 16;
			break;
		case OPT_MAX_HISTS:
			if (parse_u64(optarg, 16, 1 << 20, &v))
				return usage_error("--max-hists needs 16..1048576, got '%s'", optarg);
			o->max_hists = (uint32_t)v;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 1;
		default:
			if (optopt)
				return usage_error("unknown or incomplete option '-%c'; see "
						   "'perfan-bpf time --help'", optopt);
			return usage_error("unknown or incomplete option '%s'; see "
					   "'perfan-bpf time --help'", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--"))
			return usage_error("unexpected argument '%s'; a command to run goes after "
					   "'--'", argv[optind]);
		o->command = argv + optind;
	}
	if (!o->glob_cnt)
		return usage_error("say which functions to time: --func NAME[,NAME...]; see "
				   "'perfan-bpf time --help'");
	if (o->pid && o->command)
		return usage_error("--pid and a command exclude each other");
	if (!o->pid && !o->command && !o->binary)
		return usage_error("say what to time: --pid PID, -- COMMAND, or --binary PATH for "
				   "every process running it");
	if (!o->pid && !o->command && !strchr(o->binary, '/'))
		return usage_error("--binary without --pid or a command needs a path, got '%s'",
				   o->binary);
	if (o->runs && !o->command)
		return usage_error("--runs needs a command to run: --runs R -- COMMAND ARGS...");
	/* say it now, not after the run */
	if (o->output && safe_file__check(o->output, o->force) == -EEXIST)
		return usage_error("cannot write %s: " SAFE_FILE_EXISTS_HINT, o->output);
	return 0;
}

static int preflight(const struct time_opts *o)
{
	struct stat st;

	if (!o->pid && !o->command && stat(o->binary, &st))
		return usage_error("cannot find %s: %s", o->binary, strerror(errno));
	return cli_bpf__preflight(o->pid);
}

struct time_run {
	struct time_opts *opts;
	char display[PATH_MAX]; /* the binary as the target sees it */
	char path[PATH_MAX + 64]; /* the binary as we open and attach it */
	struct timing_target target;
	struct timing_loader *loader;
	struct timing_calibration cal[2];
	bool cal_used[2];
	int pid;       /* the process timed now; -1: all */
	pid_t child;   /* launch mode: the running command */
	int pidfd;
	int sigfd;
	double start_s;
	bool stopped; /* Ctrl-C or SIGTERM */
	/* totals over runs, per function */
	struct hist *total;
	uint64_t (*losses)[TIMING_LOSS__MAX];
	double **run_stats;
	size_t *run_cnt;
	struct hist *prev; /* per function, at the last interval */
	struct timing_rows rows;
	char command[1024];
};

/* Where the binary is: as the target sees it (display) and as we open it */
static int resolve_binary(struct time_run *s, int pid)
{
	const char *b = s->opts->binary;
	char link[64];
	ssize_t n;

	if (pid <= 0) {
		snprintf(s->display, sizeof(s->display), "%s", b);
		snprintf(s->path, sizeof(s->path), "%s", b);
		return 0;
	}
	if (!b) {
		snprintf(link, sizeof(link), "/proc/%d/exe", pid);
		n = readlink(link, s->display, sizeof(s->display) - 1);
		if (n <= 0)
			return usage_error("cannot read the program of pid %d: %s", pid,
					   strerror(errno));
		s->display[n] = '\0';
		/* through the link: works for a deleted file and inside a container */
		snprintf(s->path, sizeof(s->path), "%s", link);
		return 0;
	}
	if (strchr(b, '/')) {
		struct stat st;

		snprintf(s->display, sizeof(s->display), "%s", b);
		snprintf(s->path, sizeof(s->path), "/proc/%d/root%s%s", pid, b[0] == '/' ? "" : "/",
			 b);
		if (stat(s->path, &st))
			return usage_error("cannot find %s in the file system of pid %d: %s", b, pid,
					   strerror(errno));
		return 0;
	} else {
		struct proc_maps maps = {};
		const struct proc_map *m;
		int err;

		snprintf(link, sizeof(link), "/proc/%d/maps", pid);
		err = proc_maps__read(link, &maps);
		if (err)
			return usage_error("cannot read the mappings of pid %d: %s", pid,
					   strerror(-err));
		m = proc_maps__find_lib(&maps, b);
		if (m) {
			snprintf(s->display, sizeof(s->display), "%s", m->path);
			snprintf(s->path, sizeof(s->path), "/proc/%d/root%s", pid, m->path);
		}
		proc_maps__free(&maps);
		if (!m)
			return usage_error("pid %d maps no library named %s; give its path with "
					   "--binary /path/to/%s", pid, b, b);
	}
	return 0;
}

/* Whether the process runs a C++ runtime; every process might when we time them all */
static bool process_cxx(int pid)
{
	struct proc_maps maps = {};
	char path[64];
	bool cxx;

	if (pid <= 0)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	if (proc_maps__read(path, &maps))
		return true;
	cxx = timing_target__maps_cxx(&maps);
	proc_maps__free(&maps);
	return cxx;
}

static int prepare_target(struct time_run *s, int pid)
{
	char err[TIMING_TARGET_ERRLEN];
	int rc;

	rc = resolve_binary(s, pid);
	if (rc)
		return rc;
	rc = timing_target__load(s->path, s->display, s->opts->globs, s->opts->glob_cnt,
				 TIMING_FUNCS_MAX, &s->target, err, sizeof(err));
	if (rc)
		return usage_error("%s", err);
	rc = timing_target__plan(&s->target, process_cxx(pid), s->opts->force_insn, err,
				 sizeof(err));
	if (rc)
		return usage_error("%s", err);
	s->total = calloc(s->target.cnt, sizeof(*s->total));
	s->prev = calloc(s->target.cnt, sizeof(*s->prev));
	s->losses = calloc(s->target.cnt, sizeof(*s->losses));
	s->run_stats = calloc(s->target.cnt, sizeof(*s->run_stats));
	s->run_cnt = calloc(s->target.cnt, sizeof(*s->run_cnt));
	if (!s->total || !s->prev || !s->losses || !s->run_stats || !s->run_cnt)
		return usage_error("out of memory");
	for (size_t i = 0; i < s->target.cnt; i++) {
		const struct timed_func *f = &s->target.funcs[i];

		s->cal_used[f->ret_insn] = true;
		if (s->opts->runs) {
			s->run_stats[i] = calloc(s->opts->runs, sizeof(double));
			if (!s->run_stats[i])
				return usage_error("out of memory");
		}
		if (!s->opts->verbose)
			continue;
		fprintf(stderr, "perfan-bpf: %s at %s+%#llx: entry probe +%#llx, ", f->name,
			s->display, (unsigned long long)f->entry_off,
			(unsigned long long)(f->probe_off - f->entry_off));
		if (!f->ret_insn) {
			fprintf(stderr, "uretprobe\n");
			continue;
		}
		fprintf(stderr, "%zu return instruction probe%s (%s)\n", f->ret_cnt,
			f->ret_cnt == 1 ? "" : "s",
			s->opts->force_insn ? "--returns insn" : s->target.cxx ? "C++ binary" :
			"unwind tables in a process with a C++ runtime");
	}
	return 0;
}

static int calibrate(struct time_run *s)
{
	for (int k = 0; k < 2; k++) {
		int err;

		if (!s->cal_used[k])
			continue;
		err = timing_calibrate(k == 1, CALIBRATION_CALLS, &s->cal[k]);
		if (err)
			return usage_error("cannot measure the probe overhead on perfan-bpf's own "
					   "calibration function: %s (try --verbose)",
					   strerror(-err));
		if (s->opts->verbose)
			fprintf(stderr, "perfan-bpf: probe overhead (%s): %.0f ns inside a timed "
				"call (p50), %.0f ns added per call\n",
				k ? "return instructions" : "uretprobe", s->cal[k].p50_ns,
				s->cal[k].per_call_ns);
	}
	return 0;
}

static int load(struct time_run *s)
{
	struct timing_loader_opts lo = {
		.pid = s->pid,
		.by = s->opts->by,
		.max_hists = s->opts->max_hists,
	};
	int err = timing_loader__new(&lo, &s->loader);

	if (err)
		return usage_error("cannot load the BPF programs: %s (try --verbose)",
				   strerror(-err));
	return 0;
}

static int attach(struct time_run *s, int pid)
{
	char err[512];
	int rc;

	timing_loader__set_pid(s->loader, pid);
	rc = timing_loader__attach(s->loader, s->path, pid, &s->target, err, sizeof(err));
	return rc ? usage_error("%s", err) : 0;
}

/* Read the maps into per-function totals (all parts merged) */
static int read_totals(struct time_run *s, struct hist *out)
{
	int err = timing_loader__read(s->loader, &s->rows);

	if (err)
		return err;
	memset(out, 0, s->target.cnt * sizeof(*out));
	for (size_t i = 0; i < s->rows.cnt; i++)
		if (s->rows.rows[i].func < s->target.cnt)
			hist_merge(&out[s->rows.rows[i].func], &s->rows.rows[i].h);
	return 0;
}

static const char *thread_name(void *ctx, uint32_t tid, char *buf, size_t len)
{
	struct time_run *s = ctx;
	char path[96];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/task/%u/comm", s->pid > 0 ? s->pid : (int)tid,
		 tid);
	f = fopen(path, "r");
	if (!f)
		return buf;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
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
static int report(struct time_run *s, const struct hist *hists, bool final, bool interval,
		  double at_s, struct regress_run *results)
{
	struct timing_func_report *funcs = calloc(s->target.cnt, sizeof(*funcs));
	struct timing_part *parts = calloc(s->rows.cnt + 1, sizeof(*parts));
	struct timing_report r = {
		.binary = s->display,
		.pid = s->pid > 0 ? s->pid : 0,
		.duration_s = at_s - s->start_s,
		.final = final,
		.interval = interval,
		.by = s->opts->by,
		.cal = { s->cal_used[0] ? &s->cal[0] : NULL, s->cal_used[1] ? &s->cal[1] : NULL },
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
	for (size_t i = 0; i < s->target.cnt; i++) {
		struct timing_func_report *f = &funcs[i];

		f->name = s->target.funcs[i].name;
		f->ret_insn = s->target.funcs[i].ret_insn;
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

enum { EV_STOP = 1, EV_EXITED = 2 };

static int wait_events(struct time_run *s, int timeout_ms)
{
	struct pollfd pfd[2] = {
		{ .fd = s->sigfd, .events = POLLIN },
		{ .fd = s->pidfd, .events = POLLIN },
	};
	struct signalfd_siginfo si;
	int ev = 0;

	if (poll(pfd, 2, timeout_ms) <= 0)
		return 0;
	if ((pfd[0].revents & POLLIN) && read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
		ev |= EV_STOP;
		s->stopped = true;
		if (s->child)
			kill(s->child, (int)si.ssi_signo); /* our child: pass it on */
	}
	if (pfd[1].revents)
		ev |= EV_EXITED;
	return ev;
}

/* Poll until the duration ends, a signal, or the target exits; print intervals */
static int session_loop(struct time_run *s)
{
	double next_print = s->start_s + s->opts->interval_s;
	struct hist *cur = calloc(s->target.cnt, sizeof(*cur));
	struct hist *delta = calloc(s->target.cnt, sizeof(*delta));
	int err = 0;

	if (!cur || !delta) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		double now = cli_bpf__now_s(), wake = now + 1;
		int ev;

		if (s->opts->duration_s && now >= s->start_s + s->opts->duration_s)
			break;
		if (s->opts->duration_s && s->start_s + s->opts->duration_s < wake)
			wake = s->start_s + s->opts->duration_s;
		if (s->opts->interval_s && next_print < wake)
			wake = next_print;
		ev = wait_events(s, wake > now ? (int)((wake - now) * 1000) + 1 : 0);
		if (ev)
			break;
		if (s->opts->interval_s && cli_bpf__now_s() >= next_print) {
			err = read_totals(s, cur);
			if (err)
				goto out;
			for (size_t i = 0; i < s->target.cnt; i++)
				hist_sub(&delta[i], &cur[i], &s->prev[i]);
			memcpy(s->prev, cur, s->target.cnt * sizeof(*cur));
			err = report(s, delta, false, true, cli_bpf__now_s(), NULL);
			if (err)
				goto out;
			next_print += s->opts->interval_s;
		}
	}
out:
	free(cur);
	free(delta);
	return err;
}

static int launch(struct time_run *s)
{
	int err = launch__start(s->opts->command, &s->child);

	if (err) {
		s->child = 0;
		return usage_error("cannot run '%s': %s", s->opts->command[0], strerror(-err));
	}
	s->pidfd = (int)syscall(SYS_pidfd_open, s->child, 0);
	return 0;
}

/* Collect the command's exit status; without `block`, only when it has already exited (a
 * command still running when the session ends is left running, as a --pid target is) */
static void reap(struct time_run *s, bool block)
{
	int status;

	if (!s->child)
		return;
	if (waitpid(s->child, &status, block ? 0 : WNOHANG) == s->child && WIFEXITED(status) &&
	    WEXITSTATUS(status))
		fprintf(stderr, "perfan-bpf: '%s' exited with status %d\n", s->command,
			WEXITSTATUS(status));
	s->child = 0;
	if (s->pidfd >= 0)
		close(s->pidfd);
	s->pidfd = -1;
}

static void announce(struct time_run *s)
{
	char a[32];
	const char *sep = "";

	fprintf(stderr, "perfan-bpf: timing %zu function%s (%zu probes) in ", s->target.cnt,
		s->target.cnt == 1 ? "" : "s", timing_loader__probe_cnt(s->loader));
	if (s->pid > 0)
		fprintf(stderr, "pid %d (%s); probe overhead ", s->pid, s->display);
	else
		fprintf(stderr, "every process running %s; probe overhead ", s->display);
	for (int k = 0; k < 2; k++) {
		if (!s->cal_used[k])
			continue;
		fprintf(stderr, "%s%s (%s)", sep, hist_fmt_ns(s->cal[k].p50_ns, a, sizeof(a)),
			k ? "return instructions" : "uretprobe");
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
		s->pid = s->child;
	} else {
		s->pid = s->opts->pid ? s->opts->pid : -1;
		if (s->pid > 0)
			s->pidfd = (int)syscall(SYS_pidfd_open, s->pid, 0);
	}
	err = prepare_target(s, s->pid) ?: calibrate(s) ?: load(s) ?: attach(s, s->pid);
	if (err)
		return err;
	s->start_s = cli_bpf__now_s();
	if (s->child) {
		err = launch__release(s->child);
		if (err)
			return usage_error("cannot release '%s' after attaching: %s",
					   s->opts->command[0], strerror(-err));
	}
	announce(s);
	err = session_loop(s);
	if (err)
		return usage_error("cannot read the histograms: %s", strerror(-err));
	/* read before detaching: each uprobe's unregistration waits for an RCU grace period */
	err = read_totals(s, s->total);
	if (err)
		return usage_error("cannot read the histograms: %s", strerror(-err));
	collect_losses(s);
	return 0;
}

/* --runs R -- COMMAND: R runs, each one's statistic a sample */
static int runs(struct time_run *s)
{
	struct hist *one = NULL;
	char a[32];
	int err, ev;

	for (unsigned r = 0; r < s->opts->runs && !s->stopped; r++) {
		err = launch(s);
		if (err)
			return err;
		s->pid = s->child;
		if (!r) {
			err = prepare_target(s, s->pid) ?: calibrate(s) ?: load(s);
			if (err)
				return err;
			one = calloc(s->target.cnt, sizeof(*one));
			if (!one)
				return usage_error("out of memory");
			s->start_s = cli_bpf__now_s();
		}
		/* the file is the same, but it is reached through this run's process */
		err = (r ? resolve_binary(s, s->pid) : 0) ?: attach(s, s->pid);
		if (err) {
			free(one);
			return err;
		}
		err = launch__release(s->child);
		if (err) {
			free(one);
			return usage_error("cannot release '%s' after attaching: %s",
					   s->opts->command[0], strerror(-err));
		}
		if (!r)
			announce(s);
		do
			ev = wait_events(s, 1000);
		while (!(ev & (EV_EXITED | EV_STOP)));
		err = read_totals(s, one);
		if (err) {
			free(one);
			return usage_error("cannot read the histograms: %s", strerror(-err));
		}
		collect_losses(s);
		timing_loader__detach(s->loader);
		timing_loader__clear(s->loader);
		reap(s, ev & EV_EXITED);
		for (size_t i = 0; i < s->target.cnt; i++) {
			double v = timing_stat_of(&one[i], s->opts->stat);

			hist_merge(&s->total[i], &one[i]);
			if (one[i].count && v > 0)
				s->run_stats[i][s->run_cnt[i]++] = v;
			fprintf(stderr, "perfan-bpf: run %u/%u: %s %s %s (%llu calls)\n", r + 1,
				s->opts->runs, s->target.funcs[i].name,
				timing_stat_name(s->opts->stat), hist_fmt_ns(v, a, sizeof(a)),
				(unsigned long long)one[i].count);
		}
	}
	free(one);
	return 0;
}

static int write_results(struct time_run *s)
{
	struct regress_run run;
	char errbuf[RESULTS_ERRLEN];
	int err;

	err = report(s, s->total, true, false, cli_bpf__now_s(), &run);
	if (err)
		return usage_error("cannot build the results: %s", strerror(-err));
	for (size_t i = 0; i < s->target.cnt; i++)
		if (!s->total[i].count)
			fprintf(stderr, "perfan-bpf: warning: %s was not called; it is not in %s\n",
				s->target.funcs[i].name, s->opts->output);
	if (!run.result_cnt) {
		regress_run_free(&run);
		return usage_error("no timed calls to write to %s", s->opts->output);
	}
	err = results_write_file(s->opts->output, s->opts->force, &run, errbuf);
	regress_run_free(&run);
	if (err)
		return usage_error("%s", errbuf);
	return 0;
}

int cmd_time(int argc, char **argv)
{
	struct time_opts opts;
	struct time_run s = { .opts = &opts, .pidfd = -1, .sigfd = -1 };
	sigset_t mask;
	int err;

	err = parse_opts(argc, argv, &opts);
	if (err)
		return err == 1 ? 0 : err;
	err = preflight(&opts);
	if (err)
		return err;
	cli_bpf__verbose(opts.verbose);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (char **a = opts.command; a && *a; a++) {
		size_t len = strlen(s.command);

		snprintf(s.command + len, sizeof(s.command) - len, "%s%s", len ? " " : "", *a);
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	s.sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (s.sigfd < 0) {
		err = usage_error("cannot set up signal handling: %s", strerror(errno));
		goto cleanup;
	}
	err = opts.runs ? runs(&s) : session(&s);
	if (err)
		goto cleanup;
	err = report(&s, s.total, true, false, cli_bpf__now_s(), NULL);
	if (err) {
		err = usage_error("cannot write the report");
		goto cleanup;
	}
	if (opts.output)
		err = write_results(&s);
cleanup:
	if (s.child && err) {
		launch__abort(s.child);
		s.child = 0;
	}
	timing_loader__free(s.loader);
	reap(&s, false);
	if (s.pidfd >= 0)
		close(s.pidfd);
	if (s.sigfd >= 0)
		close(s.sigfd);
	for (size_t i = 0; s.run_stats && i < s.target.cnt; i++)
		free(s.run_stats[i]);
	free(s.run_stats);
	free(s.run_cnt);
	free(s.total);
	free(s.prev);
	free(s.losses);
	timing_rows__free(&s.rows);
	timing_target__free(&s.target);
	return err;
}
