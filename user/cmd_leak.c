// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `perfan-bpf leak`: attach to a process (or launch a command), keep symbolizing new stacks
 * while the process is alive, print the top stacks every --interval, and print the final
 * report when the duration ends, on Ctrl-C or SIGTERM, or when the target exits. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
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
#include "attach.h"
#include "cli_util.h"
#include "cmd_leak.h"
#include "launch.h"
#include "leak_loader.h"
#include "leak_model.h"
#include "report.h"
#include "stacktab.h"
#include "symbolize.h"

/* how often new stacks are symbolized: short, so a process that exits leaves few unnamed */
#define TICK_MS 200

struct leak_opts {
	int pid;
	bool all;
	char **command; /* argv after "--" */
	double interval_s;
	double duration_s; /* 0: until stopped */
	uint64_t top;
	bool top_set;
	const char *format;
	uint32_t max_allocs;
	uint32_t max_stacks;
	bool at_entry;
	bool verbose;
};

static const char usage_text[] =
	"usage: perfan-bpf [leak] (--pid PID | --all | -- COMMAND [ARGS...]) [options]\n"
	"\n"
	"Trace malloc/free of a live process and report the stacks holding live memory.\n"
	"\n"
	"  -p, --pid PID          attach to a running process\n"
	"  -a, --all              every process using the system allocator\n"
	"  -- COMMAND ARGS...     run COMMAND and trace it from its first allocation\n"
	"                         (its stdout goes to stderr; stdout carries the report)\n"
	"  -i, --interval SEC     print the top stacks every SEC seconds (default 5; text only)\n"
	"  -d, --duration SEC     stop after SEC seconds (default: Ctrl-C, SIGTERM or exit)\n"
	"  -t, --top N            stacks to print (default 10 in text, all in json; 0: all)\n"
	"  -f, --format FMT       text (default) or json: the final report as one document\n"
	"      --max-allocs N     live allocations tracked at once (default 1048576)\n"
	"      --max-stacks N     distinct stacks (default 32768)\n"
	"      --probe-at WHERE   best (default): cheapest equivalent instruction; entry: all\n"
	"                         probes at function entries (for comparison)\n"
	"  -v, --verbose          libbpf's messages on stderr\n"
	"  -h, --help             this text\n";

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return vfprintf(stderr, fmt, ap);
}

static int parse_opts(int argc, char **argv, struct leak_opts *o)
{
	enum { OPT_MAX_ALLOCS = 256, OPT_MAX_STACKS, OPT_PROBE_AT };
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "all", no_argument, NULL, 'a' },
		{ "interval", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "top", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ "max-allocs", required_argument, NULL, OPT_MAX_ALLOCS },
		{ "max-stacks", required_argument, NULL, OPT_MAX_STACKS },
		{ "probe-at", required_argument, NULL, OPT_PROBE_AT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	uint64_t v;
	int c;

	*o = (struct leak_opts){ .interval_s = 5, .top = 10, .format = "text",
				 .max_allocs = 1 << 20, .max_stacks = 1 << 15 };
	optind = 0;
	opterr = 0;
	/* '+': stop at the first non-option, so the command's own options are left alone */
	while ((c = getopt_long(argc, argv, "+p:ai:d:t:f:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_u64(optarg, 1, INT_MAX, &v))
				return usage_error("--pid needs a process id, got '%s'", optarg);
			o->pid = (int)v;
			break;
		case 'a':
			o->all = true;
			break;
		case 'i':
			if (parse_seconds(optarg, 86400, &o->interval_s))
				return usage_error("--interval needs seconds > 0, got '%s'", optarg);
			break;
		case 'd':
			if (parse_seconds(optarg, 365 * 86400.0, &o->duration_s))
				return usage_error("--duration needs seconds > 0, got '%s'", optarg);
			break;
		case 't':
			if (parse_u64(optarg, 0, 1000000, &o->top))
				return usage_error("--top needs a count, got '%s'", optarg);
			o->top_set = true;
			break;
		case 'f':
			if (!report__formatter(optarg))
				return usage_error("--format must be text or json, got '%s'", optarg);
			o->format = optarg;
			break;
		case OPT_MAX_ALLOCS:
			if (parse_u64(optarg, 1024, 1 << 28, &v))
				return usage_error("--max-allocs needs 1024..268435456, got '%s'",
						   optarg);
			o->max_allocs = (uint32_t)v;
			break;
		case OPT_MAX_STACKS:
			if (parse_u64(optarg, 1024, 1 << 22, &v))
				return usage_error("--max-stacks needs 1024..4194304, got '%s'",
						   optarg);
			o->max_stacks = (uint32_t)v;
			break;
		case OPT_PROBE_AT:
			if (strcmp(optarg, "best") && strcmp(optarg, "entry"))
				return usage_error("--probe-at must be best or entry, got '%s'",
						   optarg);
			o->at_entry = !strcmp(optarg, "entry");
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 1;
		case '?':
		default:
			if (optopt)
				return usage_error("unknown or incomplete option '-%c'; see "
						   "'perfan-bpf leak --help'",
						   optopt);
			return usage_error("unknown or incomplete option '%s'; see "
					   "'perfan-bpf leak --help'",
					   argv[optind - 1]);
		}
	}
	if (optind < argc) {
		/* getopt leaves "--" consumed; anything left is the command */
		if (strcmp(argv[optind - 1], "--"))
			return usage_error("unexpected argument '%s'; a command to run goes after "
					   "'--'",
					   argv[optind]);
		o->command = argv + optind;
	}
	if (!!o->pid + o->all + !!o->command != 1)
		return usage_error("say what to trace: --pid PID, --all, or -- COMMAND; see "
				   "'perfan-bpf leak --help'");
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Errors the user can cause or fix, checked before anything is loaded */
static int preflight(const struct leak_opts *o)
{
	struct stat st;
	char path[64];

	if (o->pid) {
		snprintf(path, sizeof(path), "/proc/%d", o->pid);
		if (stat(path, &st))
			return usage_error("no process with pid %d", o->pid);
	}
	if (geteuid() != 0)
		return usage_error("must run as root: loading BPF programs and attaching uprobes "
				   "needs CAP_BPF and CAP_PERFMON");
	if (stat("/sys/kernel/btf/vmlinux", &st))
		return usage_error("this kernel has no BTF (/sys/kernel/btf/vmlinux): build it "
				   "with CONFIG_DEBUG_INFO_BTF=y");
	if (stat("/sys/bus/event_source/devices/uprobe", &st))
		return usage_error("this kernel has no uprobe support (CONFIG_UPROBE_EVENTS)");
	return 0;
}

struct session {
	struct leak_opts *opts;
	struct leak_loader *loader;
	struct symbolizer *sym;
	struct stacktab *tab;
	struct leak_sample sample;
	struct allocator alloc;
	struct probe_plan plan;
	report_formatter fmt;
	char command[1024];
	pid_t child; /* launch mode */
	int pidfd;
	int sigfd;
	double start_s;
};

static int find_allocator(struct session *s, int pid)
{
	char path[64], exe[PATH_MAX] = "";
	struct proc_maps maps = {};
	ssize_t n;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	err = proc_maps__read(path, &maps);
	if (err)
		return usage_error("cannot read the mappings of pid %d: %s", pid, strerror(-err));
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/root", pid);
	err = allocator__find(&maps, path, exe, &s->alloc);
	proc_maps__free(&maps);
	if (err)
		return usage_error("pid %d has no allocator to probe: no mapped module defines "
				   "malloc and free (a Go program, or one built without malloc?)",
				   pid);
	err = allocator__plan(&s->alloc, s->opts->at_entry, &s->plan);
	if (err)
		return usage_error("cannot read allocator functions in %s: %s", s->alloc.module,
				   strerror(-err));
	return 0;
}

static int load_and_attach(struct session *s, int pid)
{
	struct leak_loader_opts lo = {
		.pid = pid > 0 ? pid : -1,
		.max_allocs = s->opts->max_allocs,
		.max_stacks = s->opts->max_stacks,
	};
	int err;

	err = leak_loader__new(&lo, &s->loader);
	if (err)
		return usage_error("cannot load the BPF programs: %s (try --verbose)",
				   strerror(-err));
	err = leak_loader__attach(s->loader, &s->alloc, &s->plan);
	if (err)
		return usage_error("cannot attach uprobes to %s: %s (try --verbose)",
				   s->alloc.module, strerror(-err));
	s->start_s = now_s();
	/* Read the mappings and open the modules now, while the target surely lives: one that
	 * exits before the first tick still gets a named report. */
	if (pid > 0)
		symbolizer__refresh(s->sym, pid);
	/* one line an operator (and a test) can wait for: from here on nothing is missed */
	if (pid > 0)
		fprintf(stderr, "perfan-bpf: tracing pid %d through %s; Ctrl-C for the report\n", pid,
			s->alloc.module);
	else
		fprintf(stderr, "perfan-bpf: tracing every process using %s; Ctrl-C for the report\n",
			s->alloc.module);
	if (s->opts->verbose)
		for (int i = 0; i < s->plan.cnt; i++)
			fprintf(stderr, "perfan-bpf: %s at %s+0x%" PRIx64 " (%s)\n",
				s->plan.sites[i].func, s->alloc.module,
				s->plan.sites[i].probe_off - s->plan.sites[i].entry_off,
				s->plan.sites[i].emulated ? "emulated" : "single-stepped");
	return 0;
}

static int start_target(struct session *s)
{
	struct leak_opts *o = s->opts;
	int err;

	if (o->all) {
		/* --all: the system's libc, as this process maps it */
		return find_allocator(s, getpid()) ?: load_and_attach(s, -1);
	}
	if (o->pid) {
		err = find_allocator(s, o->pid) ?: load_and_attach(s, o->pid);
		if (err)
			return err;
		s->pidfd = (int)syscall(SYS_pidfd_open, o->pid, 0);
		return 0;
	}
	for (char **a = o->command; *a; a++) {
		size_t len = strlen(s->command);

		snprintf(s->command + len, sizeof(s->command) - len, "%s%s", len ? " " : "", *a);
	}
	err = launch__start(o->command, &s->child);
	if (err)
		return usage_error("cannot run '%s': %s", o->command[0], strerror(-err));
	err = find_allocator(s, s->child) ?: load_and_attach(s, s->child);
	if (err) {
		launch__abort(s->child);
		s->child = 0;
		return err;
	}
	s->pidfd = (int)syscall(SYS_pidfd_open, s->child, 0);
	err = launch__release(s->child);
	if (err)
		return usage_error("cannot release '%s' after attaching: %s", o->command[0],
				   strerror(-err));
	return 0;
}

/* Read the maps and name the stacks not seen before */
static int refresh(struct session *s)
{
	int err = leak_loader__read(s->loader, &s->sample);

	if (err)
		return err;
	err = leak_model__symbolize_new(s->tab, s->sym, &s->sample, leak_loader__fetch_stack,
					s->loader);
	return err < 0 ? err : 0;
}

static int print_report(struct session *s, bool final, double at_s)
{
	struct leak_report rep = {
		.pid = s->opts->all ? 0 : s->opts->pid ? s->opts->pid : s->child,
		.duration_s = at_s - s->start_s,
		.final = final,
		.command = s->child ? s->command : NULL,
	};
	bool text = !strcmp(s->opts->format, "text");
	struct report_format_opts fo = {
		.top = s->opts->top_set || text ? s->opts->top : 0,
		.show_freed = !text,
	};
	int err;

	err = leak_model__build(s->tab, &s->sample, &rep);
	if (!err)
		err = s->fmt(&rep, &fo, stdout);
	if (!err && text && !final)
		fputs("\n", stdout);
	fflush(stdout);
	report__free(&rep);
	return err;
}

/* Wait for the next tick; returns true when the session must end */
static bool wait_tick(struct session *s, int timeout_ms)
{
	struct pollfd pfd[2] = { { .fd = s->sigfd, .events = POLLIN },
				 { .fd = s->pidfd, .events = POLLIN } };
	struct signalfd_siginfo si;

	if (poll(pfd, s->pidfd >= 0 ? 2 : 1, timeout_ms) <= 0)
		return false;
	if (pfd[0].revents & POLLIN) {
		if (read(s->sigfd, &si, sizeof(si)) == sizeof(si) && s->child)
			kill(s->child, (int)si.ssi_signo); /* our child: pass the stop request on */
		return true;
	}
	return pfd[1].revents != 0; /* the target exited */
}

static int run(struct session *s)
{
	double next_print = s->start_s + s->opts->interval_s;
	bool text = !strcmp(s->opts->format, "text");
	double stop_s;
	int err;

	for (;;) {
		double now = now_s();
		bool done;

		if (s->opts->duration_s && now >= s->start_s + s->opts->duration_s)
			break;
		done = wait_tick(s, TICK_MS);
		err = refresh(s);
		if (err)
			return usage_error("cannot read the BPF maps: %s", strerror(-err));
		if (done)
			break;
		if (text && now_s() >= next_print) {
			print_report(s, false, now_s());
			next_print += s->opts->interval_s;
		}
	}
	/* Read and print before detaching: unregistering each uprobe waits for an RCU grace
	 * period (~80 ms here), and the report should not wait for that. */
	stop_s = now_s();
	err = refresh(s);
	if (err)
		return usage_error("cannot read the BPF maps: %s", strerror(-err));
	return print_report(s, true, stop_s) ? usage_error("cannot write the report") : 0;
}

int cmd_leak(int argc, char **argv)
{
	struct leak_opts opts;
	struct session s = { .opts = &opts, .pidfd = -1, .sigfd = -1 };
	sigset_t mask;
	int err, status;

	err = parse_opts(argc, argv, &opts);
	if (err)
		return err == 1 ? 0 : err;
	err = preflight(&opts);
	if (err)
		return err;
	libbpf_set_print(opts.verbose ? libbpf_print : NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	s.fmt = report__formatter(opts.format);

	/* Ctrl-C and SIGTERM end the session through the poll loop, never mid-write */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	s.sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	s.sym = symbolizer__new(NULL);
	s.tab = stacktab__new();
	if (s.sigfd < 0 || !s.sym || !s.tab) {
		err = usage_error("cannot set up the session: %s", strerror(errno));
		goto cleanup;
	}
	err = start_target(&s);
	if (err)
		goto cleanup;
	err = run(&s);
cleanup:
	leak_loader__free(s.loader);
	if (s.child && waitpid(s.child, &status, WNOHANG) == s.child && WIFEXITED(status) &&
	    WEXITSTATUS(status))
		fprintf(stderr, "perfan-bpf: '%s' exited with status %d\n", s.command,
			WEXITSTATUS(status));
	if (s.pidfd >= 0)
		close(s.pidfd);
	if (s.sigfd >= 0)
		close(s.sigfd);
	stacktab__free(s.tab);
	symbolizer__free(s.sym);
	leak_sample__free(&s.sample);
	return err;
}
