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
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "attach.h"
#include "cli_bpf.h"
#include "cli_util.h"
#include "cmd_leak.h"
#include "cmd_session.h"
#include "control.h"
#include "launch.h"
#include "leak_loader.h"
#include "leak_model.h"
#include "live_session.h"
#include "live_view.h"
#include "proc_dir.h"
#include "procmaps.h"
#include "safe_file.h"
#include "sanitize.h"
#include "report.h"
#include "stacktab.h"
#include "symbolize.h"
#include "unwind_set.h"

/* how often new stacks are symbolized: short, so a process that exits leaves few unnamed */
#define TICK_MS 200
/* symbolizing this many new stacks at once shows progress on a terminal */
#define PROGRESS_STACKS 2000

struct leak_opts {
	int pid;
	bool all;
	char **command; /* argv after "--" */
	double interval_s;
	bool interval_set;
	double duration_s; /* 0: until stopped */
	uint64_t top;
	bool top_set;
	const char *format;
	uint32_t max_allocs;
	uint32_t max_stacks;
	uint32_t max_unwind_rows; /* 0: --unwind fp */
	bool at_entry;
	bool verbose;
	const char *output;	 /* session file; NULL: the default name */
	bool no_output;
	double snapshot_every_s; /* 0: never */
	double min_age_s;	 /* reports count only allocations this old; 0: all */
	bool debuginfod;	 /* fetch missing debug files from $DEBUGINFOD_URLS */
	bool force;		 /* replace an existing --output */
	uint64_t max_session_bytes; /* --max-session-size; 0: no limit */
	uint64_t max_mark_rate;	 /* target marks (USDT) per second */
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
	"  -i, --interval SEC     print the top stacks every SEC seconds (default 5; text only;\n"
	"                         on a terminal the view redraws in place, every 1 s by default)\n"
	"  -d, --duration SEC     stop after SEC seconds (default: Ctrl-C, SIGTERM or exit)\n"
	"  -t, --top N            stacks to print (default 10 in text, all in json; 0: all)\n"
	"  -f, --format FMT       text (default) or json: the final report as one document;\n"
	"                         folded, pprof, svg or html: drawn from the session file\n"
	"                         at the end (docs/formats.md)\n"
	"  -o, --output FILE      the session file: every snapshot, appended as it is taken\n"
	"                         (default perfan-PID-YYYYMMDD-HHMMSS.session in the current\n"
	"                         directory; FILE.gz is gzip-compressed)\n"
	"      --no-output        keep no session file\n"
	"      --force            replace --output FILE if it exists (else exit 2)\n"
	"      --max-session-size SIZE  stop writing snapshots to the session file once it\n"
	"                         holds SIZE bytes (K, M, G: KiB, MiB, GiB; default 1G); the\n"
	"                         'end' snapshot is always written\n"
	"      --max-mark-rate N  snapshots the target may ask for per second with\n"
	"                         PERFAN_MARK (default 10); the rest are counted as dropped\n"
	"      --snapshot-every SEC  a snapshot labelled t+SEC every SEC seconds\n"
	"      --min-age SEC      reports count as live only allocations at least SEC old\n"
	"                         (reads every live allocation per report; snapshots keep all)\n"
	"                         (also: 'perfan-bpf mark LABEL --pid PID', SIGUSR1, the\n"
	"                         target's PERFAN_MARK(\"label\"), and 'end' at the end)\n"
	"      --max-allocs N     live allocations tracked at once (default 1048576)\n"
	"      --max-stacks N     distinct stacks (default 32768)\n"
	"      --unwind HOW       auto (default): leave frames of code built without frame\n"
	"                         pointers (glibc, libstdc++, -O2 programs) by its .eh_frame,\n"
	"                         the others by frame pointers; fp: frame pointers only\n"
	"      --max-unwind-rows N  .eh_frame rows kept in the kernel, 8 bytes each\n"
	"                         (default 524288)\n"
	"      --probe-at WHERE   best (default): cheapest equivalent instruction; entry: all\n"
	"                         probes at function entries (for comparison)\n"
	"      --debuginfod       fetch debug files that are not installed from the servers in\n"
	"                         $DEBUGINFOD_URLS (file:line for stripped binaries)\n"
	"  -v, --verbose          libbpf's messages on stderr\n"
	"  -h, --help             this text\n";

/* Formats rendered from the session file at the end (formats.md), not from the live model */
static bool is_picture_format(const char *f)
{
	return !strcmp(f, "folded") || !strcmp(f, "pprof") || !strcmp(f, "svg") ||
	       !strcmp(f, "html");
}

/* A size in bytes: decimal digits, optionally followed by K, M or G (KiB, MiB, GiB) */
static int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char digits[32];
	size_t n = strlen(s);
	unsigned shift = 0;
	uint64_t v;

	if (n && strchr("KMG", s[n - 1])) {
		shift = s[n - 1] == 'K' ? 10 : s[n - 1] == 'M' ? 20 : 30;
		n--;
	}
	if (!n || n >= sizeof(digits))
		return -EINVAL;
	memcpy(digits, s, n);
	digits[n] = '\0';
	if (parse_u64(digits, 0, max >> shift, &v) || v << shift < min)
		return -EINVAL;
	*out = v << shift;
	return 0;
}

static int parse_opts(int argc, char **argv, struct leak_opts *o)
{
	enum { OPT_MAX_ALLOCS = 256, OPT_MAX_STACKS, OPT_PROBE_AT, OPT_NO_OUTPUT, OPT_SNAP_EVERY,
	       OPT_DEBUGINFOD, OPT_MIN_AGE, OPT_UNWIND, OPT_MAX_UNWIND_ROWS, OPT_FORCE,
	       OPT_MAX_SESSION_SIZE, OPT_MAX_MARK_RATE };
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
		{ "unwind", required_argument, NULL, OPT_UNWIND },
		{ "max-unwind-rows", required_argument, NULL, OPT_MAX_UNWIND_ROWS },
		{ "output", required_argument, NULL, 'o' },
		{ "no-output", no_argument, NULL, OPT_NO_OUTPUT },
		{ "snapshot-every", required_argument, NULL, OPT_SNAP_EVERY },
		{ "debuginfod", no_argument, NULL, OPT_DEBUGINFOD },
		{ "min-age", required_argument, NULL, OPT_MIN_AGE },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "max-session-size", required_argument, NULL, OPT_MAX_SESSION_SIZE },
		{ "max-mark-rate", required_argument, NULL, OPT_MAX_MARK_RATE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	uint64_t v;
	int c;

	*o = (struct leak_opts){ .interval_s = 5, .top = 10, .format = "text",
				 .max_allocs = 1 << 20, .max_stacks = 1 << 15,
				 .max_unwind_rows = 1 << 19, .max_session_bytes = 1ull << 30,
				 .max_mark_rate = 10 };
	bool unwind_fp = false;
	optind = 0;
	opterr = 0;
	/* '+': stop at the first non-option, so the command's own options are left alone */
	while ((c = getopt_long(argc, argv, "+p:ai:d:t:f:o:vh", longopts, NULL)) != -1) {
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
			o->interval_set = true;
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
			if (!report__formatter(optarg) && !is_picture_format(optarg))
				return usage_error("--format must be text, json, folded, pprof, svg or "
						   "html, got '%s'",
						   optarg);
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
		case OPT_UNWIND:
			if (strcmp(optarg, "auto") && strcmp(optarg, "fp"))
				return usage_error("--unwind must be auto or fp, got '%s'", optarg);
			unwind_fp = !strcmp(optarg, "fp");
			break;
		case OPT_MAX_UNWIND_ROWS:
			if (parse_u64(optarg, 1024, 1 << 24, &v))
				return usage_error("--max-unwind-rows needs 1024..16777216, got '%s'",
						   optarg);
			o->max_unwind_rows = (uint32_t)v;
			break;
		case OPT_PROBE_AT:
			if (strcmp(optarg, "best") && strcmp(optarg, "entry"))
				return usage_error("--probe-at must be best or entry, got '%s'",
						   optarg);
			o->at_entry = !strcmp(optarg, "entry");
			break;
		case 'o':
			if (!*optarg)
				return usage_error("--output needs a file name");
			o->output = optarg;
			break;
		case OPT_NO_OUTPUT:
			o->no_output = true;
			break;
		case OPT_SNAP_EVERY:
			if (parse_seconds(optarg, 86400, &o->snapshot_every_s))
				return usage_error("--snapshot-every needs seconds > 0, got '%s'",
						   optarg);
			break;
		case OPT_DEBUGINFOD: {
			const char *urls = getenv("DEBUGINFOD_URLS");

			if (!urls || !*urls)
				return usage_error("--debuginfod needs the servers in DEBUGINFOD_URLS, "
						   "e.g. DEBUGINFOD_URLS=https://debuginfod.debian.net");
			o->debuginfod = true;
			break;
		}
		case OPT_MIN_AGE:
			if (parse_seconds(optarg, 365 * 86400.0, &o->min_age_s))
				return usage_error("--min-age needs seconds > 0, got '%s'", optarg);
			break;
		case OPT_FORCE:
			o->force = true;
			break;
		case OPT_MAX_SESSION_SIZE:
			if (parse_size(optarg, 4096, 1ull << 50, &o->max_session_bytes))
				return usage_error("--max-session-size needs a size of at least 4K "
						   "(bytes, or with K, M or G), got '%s'",
						   optarg);
			break;
		case OPT_MAX_MARK_RATE:
			if (parse_u64(optarg, 1, 100000, &o->max_mark_rate))
				return usage_error("--max-mark-rate needs 1..100000 a second, got '%s'",
						   optarg);
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
	if (unwind_fp)
		o->max_unwind_rows = 0;
	if (o->output && o->no_output)
		return usage_error("--output and --no-output contradict each other");
	if (o->output && safe_file__check(o->output, o->force) == -EEXIST)
		return usage_error("cannot create the session file '%s': " SAFE_FILE_EXISTS_HINT,
				   o->output);
	if (is_picture_format(o->format) && o->no_output)
		return usage_error("--format %s is drawn from the session file: drop --no-output",
				   o->format);
	if (!!o->pid + o->all + !!o->command != 1)
		return usage_error("say what to trace: --pid PID, --all, or -- COMMAND; see "
				   "'perfan-bpf leak --help'");
	return 0;
}

struct leak_run {
	struct leak_opts *opts;
	struct leak_loader *loader;
	struct symbolizer *sym;
	struct stacktab *tab;
	struct leak_sample sample;
	struct allocator alloc;
	char alloc_name[PATH_MAX]; /* alloc.module as shown: a path from /proc, sanitized */
	struct probe_plan plan;
	report_formatter fmt;
	char command[1024];
	pid_t child; /* launch mode */
	int pidfd;
	int sigfd;
	int ctlfd;   /* control socket for `perfan-bpf mark`, -1 when none */
	int ctl_pid; /* the pid the control socket is named after */
	int marksfd; /* USDT mark events, -1 when none */
	double start_s;
	struct live_session *live;
	struct unwind_set unwind; /* files whose frames are left by .eh_frame rows */
	char output[PATH_MAX];
	unsigned usr1_count;
	bool live_view;		/* text on a terminal: redraw in place */
	bool stderr_tty;	/* progress lines for long steps */
	uint64_t last_events;	/* allocations + frees at the last draw */
	double last_draw_s;
	/* labels from USDT marks, waiting for their snapshot */
	char marks[16][LEAK_MARK_LABEL_MAX];
	unsigned mark_cnt;
	uint64_t marks_dropped;
	/* the target's marks are rate-limited by a token bucket of --max-mark-rate tokens */
	double mark_tokens;
	double mark_refill_s;
};

/* The USDT mark handler: queue the label (sanitized by the loader); the loop takes the
 * snapshot. The target decides how often this runs: at most --max-mark-rate a second
 * get through, the rest are counted. */
static void on_mark(void *ctx, uint32_t tgid, const char *label)
{
	struct leak_run *s = ctx;
	double now = cli_bpf__now_s(), rate = (double)s->opts->max_mark_rate;

	(void)tgid;
	s->mark_tokens += (now - s->mark_refill_s) * rate;
	if (s->mark_tokens > rate)
		s->mark_tokens = rate;
	s->mark_refill_s = now;
	if (s->mark_tokens < 1 || s->mark_cnt == sizeof(s->marks) / sizeof(s->marks[0])) {
		s->marks_dropped++;
		return;
	}
	s->mark_tokens -= 1;
	snprintf(s->marks[s->mark_cnt++], sizeof(s->marks[0]), "%s", *label ? label : "usdt");
}

/* Attach the mark program to every file-backed executable module of pid that has
 * perfan:mark probes (usually the program itself) */
static void attach_usdt_marks(struct leak_run *s, int pid)
{
	char dir[PATH_MAX], path[PATH_MAX + 16], bin[PATH_MAX * 2 + 32];
	struct proc_maps maps = {};
	const char *last = "";
	int fd, n = 0;

	if (proc_dir__mm("/proc", pid, dir, sizeof(dir), NULL))
		return;
	snprintf(path, sizeof(path), "%s/maps", dir);
	if (proc_maps__read(path, &maps))
		return;
	for (size_t i = 0; i < maps.cnt; i++) {
		const struct proc_map *m = &maps.maps[i];

		if (!m->exec || m->path[0] != '/' || !strcmp(m->path, last))
			continue;
		last = m->path;
		snprintf(bin, sizeof(bin), "%s/root%s", dir, m->path);
		if (!leak_loader__attach_marks(s->loader, pid, bin))
			n++;
	}
	proc_maps__free(&maps);
	if (!n)
		return;
	fd = leak_loader__marks_fd(s->loader, on_mark, s);
	if (fd >= 0)
		s->marksfd = fd;
	if (s->opts->verbose)
		fprintf(stderr, "perfan-bpf: listening to perfan:mark probes in %d module(s)\n", n);
}

/* The default session file name for pid in the current directory: the first free one of
 * perfan-PID-STAMP.session, perfan-PID-STAMP-1.session ... -9 (a name someone else took, a
 * planted symlink say, is skipped, never written through). 0 or -errno. */
static int open_default_session(struct leak_run *s, struct live_session_opts *lo, int pid)
{
	char stamp[32], who[32];
	time_t t = time(NULL);
	struct tm tm;
	int err = -EEXIST;

	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", localtime_r(&t, &tm));
	if (pid > 0)
		snprintf(who, sizeof(who), "%d", pid);
	else
		snprintf(who, sizeof(who), "all");
	for (int i = 0; i < 10 && err == -EEXIST; i++) {
		if (i)
			snprintf(s->output, sizeof(s->output), "perfan-%s-%s-%d.session", who, stamp,
				 i);
		else
			snprintf(s->output, sizeof(s->output), "perfan-%s-%s.session", who, stamp);
		lo->path = s->output;
		err = live_session__open(lo, &s->live);
	}
	return err;
}

/* The control socket and the session file, before any probe is attached: a second session
 * on the same pid is refused before it touches the target. 0 or the exit status. */
static int open_session(struct leak_run *s, int pid)
{
	struct live_session_opts lo = {
		.pid = pid > 0 ? (uint32_t)pid : 0,
		.command = s->child ? s->command : NULL,
		.allocator = s->alloc_name,
		.force = s->opts->force,
		.max_file_bytes = s->opts->max_session_bytes,
	};
	int err;

	s->ctl_pid = pid > 0 ? pid : 0;
	s->ctlfd = control__listen(s->ctl_pid);
	if (s->ctlfd == -EADDRINUSE)
		return pid > 0 ? usage_error("another perfan-bpf session already traces pid %d", pid)
			       : usage_error("another perfan-bpf session already traces --all");
	if (s->ctlfd < 0)
		fprintf(stderr, "perfan-bpf: warning: 'perfan-bpf mark' will not reach this "
			"session: cannot listen on its control socket: %s\n", strerror(-s->ctlfd));
	if (s->opts->no_output)
		err = live_session__open(&lo, &s->live);
	else if (s->opts->output) {
		snprintf(s->output, sizeof(s->output), "%s", s->opts->output);
		lo.path = s->output;
		err = live_session__open(&lo, &s->live);
		if (err == -EEXIST)
			return usage_error("cannot create the session file '%s': "
					   SAFE_FILE_EXISTS_HINT, s->output);
		if (err)
			return usage_error("cannot create the session file '%s': %s", s->output,
					   strerror(-err));
	} else {
		err = open_default_session(s, &lo, pid);
		if (err) {
			fprintf(stderr, "perfan-bpf: warning: no session file: cannot create '%s': "
				"%s (use --output FILE)\n", s->output, strerror(-err));
			s->output[0] = '\0';
			lo.path = NULL;
			err = live_session__open(&lo, &s->live);
		}
	}
	if (err)
		return usage_error("cannot set up the session: %s", strerror(-err));
	return 0;
}

static int find_allocator(struct leak_run *s, int pid)
{
	char dir[PATH_MAX], path[PATH_MAX + 16], exe[PATH_MAX] = "";
	struct proc_maps maps = {};
	enum proc_kind kind;
	ssize_t n;
	int err;

	/* a process whose main thread called pthread_exit is read through a live thread */
	err = proc_dir__mm("/proc", pid, dir, sizeof(dir), NULL);
	if (err && (kind = proc_dir__kind("/proc", pid)) != PROC_KIND_USER)
		return usage_error("pid %d cannot be traced: it is %s", pid,
				   proc_dir__kind_text(kind));
	if (err)
		return usage_error("cannot find the address space of pid %d: %s", pid,
				   strerror(-err));
	snprintf(path, sizeof(path), "%s/maps", dir);
	err = proc_maps__read(path, &maps);
	if (err)
		return usage_error("cannot read the mappings of pid %d: %s", pid, strerror(-err));
	snprintf(path, sizeof(path), "%s/exe", dir);
	n = readlink(path, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	snprintf(path, sizeof(path), "%s/root", dir);
	err = allocator__find(&maps, path, exe, &s->alloc);
	proc_maps__free(&maps);
	if (err)
		return usage_error("pid %d has no allocator to probe: no mapped module defines "
				   "malloc and free (a Go program, or one built without malloc?)",
				   pid);
	snprintf(s->alloc_name, sizeof(s->alloc_name), "%s", s->alloc.module);
	sanitize__str(s->alloc_name);
	err = allocator__plan(&s->alloc, s->opts->at_entry, &s->plan);
	if (err)
		return usage_error("cannot read allocator functions in %s: %s", s->alloc_name,
				   strerror(-err));
	return 0;
}

static int add_unwind(void *ctx, uint32_t dev, uint64_t ino, const struct cfi_table *t)
{
	return leak_loader__add_unwind(ctx, dev, ino, t);
}

/* Give the stack walk the .eh_frame rows of the target's files built without frame pointers
 * (--all: of the allocator's library); on every tick too, for libraries loaded since. */
static void load_unwind_rows(struct leak_run *s, int pid)
{
	size_t no_room = s->unwind.no_room, loaded = s->unwind.loaded;

	if (!s->opts->max_unwind_rows)
		return;
	char dir[PATH_MAX];

	if (pid > 0) {
		if (!proc_dir__mm("/proc", pid, dir, sizeof(dir), NULL))
			unwind_set__scan(&s->unwind, dir, add_unwind, s->loader);
	} else
		unwind_set__add_path(&s->unwind, s->alloc.path, add_unwind, s->loader);
	for (size_t i = no_room; i < s->unwind.no_room; i++)
		fprintf(stderr,
			"perfan-bpf: no room for the unwind rows of %s: its callers are found by "
			"frame pointers only (raise --max-unwind-rows, now %" PRIu32 ")\n",
			s->unwind.no_room_paths[i], s->opts->max_unwind_rows);
	if (s->opts->verbose && s->unwind.loaded > loaded)
		fprintf(stderr, "perfan-bpf: unwind rows of %zu file(s), %zu rows\n",
			s->unwind.loaded, s->unwind.rows);
}

static int load_and_attach(struct leak_run *s, int pid)
{
	char dir[PATH_MAX];
	struct leak_loader_opts lo = {
		.pid = pid > 0 ? pid : -1,
		.max_allocs = s->opts->max_allocs,
		.max_stacks = s->opts->max_stacks,
		.max_unwind_rows = s->opts->max_unwind_rows,
	};
	int err;

	if (pid > 0)
		proc_dir__mm("/proc", pid, dir, sizeof(dir), &lo.attach_tid);
	err = leak_loader__new(&lo, &s->loader);
	if (err)
		return usage_error("cannot load the BPF programs: %s (try --verbose)",
				   strerror(-err));
	/* the rows before the probes: the first stacks are walked as well as the later ones */
	load_unwind_rows(s, pid);
	err = leak_loader__attach(s->loader, &s->alloc, &s->plan);
	if (err)
		return usage_error("cannot attach uprobes to %s: %s (try --verbose)",
				   s->alloc_name, strerror(-err));
	if (pid > 0)
		attach_usdt_marks(s, pid);
	s->start_s = cli_bpf__now_s();
	s->mark_tokens = (double)s->opts->max_mark_rate;
	s->mark_refill_s = s->start_s;
	/* Read the mappings and open the modules now, while the target surely lives: one that
	 * exits before the first tick still gets a named report. */
	if (pid > 0)
		symbolizer__refresh(s->sym, pid);
	/* one line an operator (and a test) can wait for: from here on nothing is missed */
	if (pid > 0)
		fprintf(stderr, "perfan-bpf: tracing pid %d through %s; Ctrl-C for the report\n", pid,
			s->alloc_name);
	else
		fprintf(stderr, "perfan-bpf: tracing every process using %s; Ctrl-C for the report\n",
			s->alloc_name);
	if (s->opts->verbose)
		for (int i = 0; i < s->plan.cnt; i++)
			fprintf(stderr, "perfan-bpf: %s at %s+0x%" PRIx64 " (%s)\n",
				s->plan.sites[i].func, s->alloc_name,
				s->plan.sites[i].probe_off - s->plan.sites[i].entry_off,
				s->plan.sites[i].emulated ? "emulated" : "single-stepped");
	return 0;
}

static int start_target(struct leak_run *s)
{
	struct leak_opts *o = s->opts;
	int err;

	if (o->all) {
		/* --all: the system's libc, as this process maps it */
		return find_allocator(s, getpid()) ?: open_session(s, -1) ?: load_and_attach(s, -1);
	}
	if (o->pid) {
		err = find_allocator(s, o->pid) ?: open_session(s, o->pid) ?:
		      load_and_attach(s, o->pid);
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
	err = find_allocator(s, s->child) ?: open_session(s, s->child) ?:
	      load_and_attach(s, s->child);
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

/* The traced process: the --pid, the launched child, or 0 with --all */
static int target_pid(const struct leak_run *s)
{
	return s->opts->all ? 0 : s->opts->pid ? s->opts->pid : s->child;
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
		s->marks_dropped + leak_loader__marks_lost(s->loader);
	s->sample.lost[REPORT_LOST_SNAPSHOTS_DROPPED] = live_session__dropped(s->live);
	/* libraries loaded since the last tick (dlopen) get their unwind rows */
	if (target_pid(s) > 0)
		load_unwind_rows(s, target_pid(s));
	/* a long step says so on a terminal: many new stacks take a while to name */
	if (s->stderr_tty)
		for (size_t i = 0; i < s->sample.cnt; i++)
			fresh += !stacktab__get(tab, s->sample.stacks[i].pid,
						s->sample.stacks[i].stack_id);
	if (fresh >= PROGRESS_STACKS)
		fprintf(stderr, "perfan-bpf: symbolizing %zu new stacks...\r", fresh);
	err = leak_model__symbolize_new(tab, s->sym, &s->sample, leak_loader__fetch_stack,
					s->loader);
	if (fresh >= PROGRESS_STACKS)
		fputs("\033[K", stderr); /* erase the progress line */
	return err < 0 ? err : 0;
}

/* The report of this moment from the sample, with --min-age applied to a copy: snapshots
 * keep every live allocation */
static int build_report(struct leak_run *s, struct leak_report *rep)
{
	struct leak_sample aged = {};
	int err;

	if (!s->opts->min_age_s)
		return leak_model__build(live_session__stacks(s->live), &s->sample, rep);
	for (size_t i = 0; i < s->sample.cnt; i++)
		if (leak_sample__add(&aged, &s->sample.stacks[i])) {
			leak_sample__free(&aged);
			return -ENOMEM;
		}
	memcpy(aged.lost, s->sample.lost, sizeof(aged.lost));
	err = leak_loader__age_filter(s->loader, (uint64_t)(s->opts->min_age_s * 1e9), &aged) ?:
	      leak_model__build(live_session__stacks(s->live), &aged, rep);
	leak_sample__free(&aged);
	return err;
}

/* The live view: the report of this moment, redrawn in place */
static int draw_live(struct leak_run *s, double at_s)
{
	struct leak_report rep = {};
	struct live_view v = {
		.allocator = s->alloc_name,
		.elapsed_s = at_s - s->start_s,
		.snapshots = live_session__count(s->live),
	};
	int pid = target_pid(s);
	char target[PATH_MAX + 1100];
	struct winsize ws;
	uint64_t events;
	int err;

	if (pid && s->child)
		snprintf(target, sizeof(target), "pid %d (%s)", pid, s->command);
	else if (pid)
		snprintf(target, sizeof(target), "pid %d", pid);
	else
		snprintf(target, sizeof(target), "every process using %s", s->alloc_name);
	v.target = target;
	if (pid)
		v.mem_known = !proc_status__mem("/proc", (uint32_t)pid, &v.rss_bytes, &v.anon_bytes);
	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws)) {
		v.rows = ws.ws_row;
		v.cols = ws.ws_col;
	}
	err = build_report(s, &rep);
	if (err)
		return err;
	events = rep.totals.alloc_objects + rep.totals.freed_objects;
	if (at_s > s->last_draw_s)
		v.events_per_s = (double)(events - s->last_events) / (at_s - s->last_draw_s);
	s->last_events = events;
	s->last_draw_s = at_s;
	live_view__draw(stdout, &rep, &v);
	report__free(&rep);
	return 0;
}

static int print_report(struct leak_run *s, bool final, double at_s)
{
	struct leak_report rep = {
		.pid = target_pid(s),
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

	err = build_report(s, &rep);
	if (!err)
		err = s->fmt(&rep, &fo, stdout);
	if (!err && text && !final)
		fputs("\n", stdout);
	fflush(stdout);
	report__free(&rep);
	return err;
}

/* Read the maps, name new stacks, and store a snapshot labelled label. -EFBIG: not stored,
 * the session file is full (counted as dropped). */
static int take_snapshot(struct leak_run *s, const char *label, bool final, unsigned *seq)
{
	double t0 = cli_bpf__now_s();
	int err = refresh(s);

	if (err)
		return err;
	err = live_session__snapshot(s->live, &s->sample, label, cli_bpf__now_s() - s->start_s,
				     final, seq);
	if (err)
		return err;
	/* tools/bench/snapshot.sh reads the time from this line */
	if (s->opts->verbose)
		fprintf(stderr, "perfan-bpf: snapshot %u '%s' stored (%zu stacks) in %.3f ms\n",
			*seq, label, s->sample.cnt, (cli_bpf__now_s() - t0) * 1e3);
	return 0;
}

/* What woke the loop */
enum {
	EV_STOP = 1,	 /* Ctrl-C, SIGTERM */
	EV_EXITED = 2,	 /* the target exited */
	EV_USR1 = 4,	 /* SIGUSR1: a snapshot */
	EV_CONTROL = 8,	 /* a `perfan-bpf mark` is waiting */
	EV_MARKS = 16,	 /* USDT marks are waiting */
};

static int wait_events(struct leak_run *s, int timeout_ms)
{
	struct pollfd pfd[4] = {
		{ .fd = s->sigfd, .events = POLLIN },
		{ .fd = s->pidfd, .events = POLLIN },
		{ .fd = s->ctlfd, .events = POLLIN },
		{ .fd = s->marksfd, .events = POLLIN },
	};
	struct signalfd_siginfo si;
	int ev = 0;

	if (poll(pfd, 4, timeout_ms) <= 0)
		return 0;
	if ((pfd[0].revents & POLLIN) && read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGUSR1) {
			ev |= EV_USR1;
		} else {
			ev |= EV_STOP;
			if (s->child)
				kill(s->child, (int)si.ssi_signo); /* our child: pass it on */
		}
	}
	if (pfd[1].revents)
		ev |= EV_EXITED;
	if (pfd[2].revents & POLLIN)
		ev |= EV_CONTROL;
	if (pfd[3].revents & POLLIN)
		ev |= EV_MARKS;
	return ev;
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

	if (ev & EV_MARKS) {
		leak_loader__consume_marks(s->loader);
		for (unsigned i = 0; i < s->mark_cnt && (!err || err == -EFBIG); i++)
			err = take_snapshot(s, s->marks[i], false, &seq);
		s->mark_cnt = 0;
	}
	if (!err && (ev & EV_CONTROL))
		err = serve_marks(s);
	if (!err && (ev & EV_USR1)) {
		snprintf(label, sizeof(label), "sigusr1-%u", ++s->usr1_count);
		err = take_snapshot(s, label, false, &seq);
	}
	if (!err && s->opts->snapshot_every_s && cli_bpf__now_s() >= *next_snap) {
		snprintf(label, sizeof(label), "t+%g", *next_snap - s->start_s);
		err = take_snapshot(s, label, false, &seq);
		*next_snap += s->opts->snapshot_every_s;
	}
	return err == -EFBIG ? 0 : err; /* a full session file: counted, the session goes on */
}

static int run(struct leak_run *s)
{
	/* On a terminal the text view redraws in place, every second unless told otherwise */
	double interval = s->live_view && !s->opts->interval_set ? 1 : s->opts->interval_s;
	double next_print = s->start_s + interval;
	double next_snap = s->start_s + s->opts->snapshot_every_s;
	bool text = !strcmp(s->opts->format, "text");
	double stop_s;
	unsigned seq;
	int err, ev;

	for (;;) {
		double now = cli_bpf__now_s(), wake = now + TICK_MS / 1000.0;

		if (s->opts->duration_s && now >= s->start_s + s->opts->duration_s)
			break;
		if (s->opts->snapshot_every_s && next_snap < wake)
			wake = next_snap;
		ev = wait_events(s, wake > now ? (int)((wake - now) * 1000) + 1 : 0);
		/* marks first: a USDT mark reached just before the target exits keeps its label */
		err = handle_events(s, ev, &next_snap) ?: refresh(s);
		if (err)
			return usage_error("cannot take a snapshot: %s", strerror(-err));
		if (ev & (EV_STOP | EV_EXITED))
			break;
		if (text && cli_bpf__now_s() >= next_print) {
			if (s->live_view)
				draw_live(s, cli_bpf__now_s());
			else
				print_report(s, false, cli_bpf__now_s());
			next_print += interval;
		}
	}
	/* Read and print before detaching: unregistering each uprobe waits for an RCU grace
	 * period (~80 ms here), and the report should not wait for that. */
	stop_s = cli_bpf__now_s();
	if (s->marksfd >= 0)
		handle_events(s, EV_MARKS, &next_snap);
	err = take_snapshot(s, "end", true, &seq);
	if (err)
		return usage_error("cannot take the final snapshot: %s", strerror(-err));
	if (s->sample.lost[REPORT_LOST_MARKS_DROPPED])
		fprintf(stderr, "perfan-bpf: %" PRIu64 " perfan:mark probes of the target were "
			"dropped: more than --max-mark-rate %" PRIu64 " a second, or faster than "
			"the ring buffer\n",
			s->sample.lost[REPORT_LOST_MARKS_DROPPED], s->opts->max_mark_rate);
	if (live_session__dropped(s->live))
		fprintf(stderr, "perfan-bpf: the session file reached --max-session-size (%" PRIu64
			" bytes): %u snapshot%s not written\n",
			s->opts->max_session_bytes, live_session__dropped(s->live),
			live_session__dropped(s->live) == 1 ? "" : "s");
	if (s->live_view)
		fputs("\n", stdout); /* the final report goes below the last view */
	if (!s->fmt)
		return 0; /* a picture: drawn from the session file once it is closed */
	return print_report(s, true, stop_s) ? usage_error("cannot write the report") : 0;
}

int cmd_leak(int argc, char **argv)
{
	struct leak_opts opts;
	struct leak_run s = { .opts = &opts, .pidfd = -1, .sigfd = -1, .ctlfd = -1,
			      .marksfd = -1 };
	sigset_t mask;
	int err, status;

	err = parse_opts(argc, argv, &opts);
	if (err)
		return err == 1 ? 0 : err;
	err = cli_bpf__preflight(opts.pid);
	if (err)
		return err;
	cli_bpf__verbose(opts.verbose);
	setvbuf(stdout, NULL, _IOLBF, 0);
	s.fmt = report__formatter(opts.format);
	s.live_view = !strcmp(opts.format, "text") && isatty(STDOUT_FILENO);
	s.stderr_tty = isatty(STDERR_FILENO);

	/* Ctrl-C, SIGTERM and SIGUSR1 reach the poll loop, never interrupt a write */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	s.sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	s.sym = symbolizer__new(&(struct symbolizer_opts){ .debuginfod = opts.debuginfod });
	if (s.sigfd < 0 || !s.sym) {
		err = usage_error("cannot set up the session: %s", strerror(errno));
		goto cleanup;
	}
	err = start_target(&s);
	if (err)
		goto cleanup;
	err = run(&s);
cleanup:
	control__close(s.ctlfd, s.ctl_pid);
	leak_loader__free(s.loader);
	unwind_set__free(&s.unwind);
	if (s.live) {
		unsigned n = live_session__count(s.live);

		if (live_session__close(s.live) && !err)
			err = usage_error("cannot finish the session file '%s'", s.output);
		else if (s.output[0] && n)
			fprintf(stderr, "perfan-bpf: %u snapshot%s in %s\n", n, n == 1 ? "" : "s",
				s.output);
		/* a picture of the end, drawn from the session file as `report` draws it */
		if (!err && !s.fmt && s.output[0] && n) {
			char *argv_report[] = { "report", s.output, "--label", "end", "--format",
						(char *)opts.format, NULL };

			err = cmd_report(6, argv_report);
		} else if (!err && !s.fmt) {
			err = usage_error("no session file to draw the %s report from", opts.format);
		}
	}
	if (s.child && waitpid(s.child, &status, WNOHANG) == s.child && WIFEXITED(status) &&
	    WEXITSTATUS(status))
		fprintf(stderr, "perfan-bpf: '%s' exited with status %d\n", s.command,
			WEXITSTATUS(status));
	if (s.pidfd >= 0)
		close(s.pidfd);
	if (s.sigfd >= 0)
		close(s.sigfd);
	symbolizer__free(s.sym);
	leak_sample__free(&s.sample);
	return err;
}
