// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The options of `perfan-bpf leak` (see leak_opts.h). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli_util.h"
#include "cli/leak_opts.h"
#include "cli/options.h"
#include "lib/safe_file.h"
#include "output/report_format.h"

static const char *const formats[] = { "text", "json", "folded", "pprof", "svg", "html", NULL };
static const char *const unwind_ways[] = { "auto", "fp", NULL };
static const char *const probe_places[] = { "best", "entry", NULL };

static int check_debuginfod(const char *cmd, const struct opt *opt, const char *value)
{
	const char *urls = getenv("DEBUGINFOD_URLS");

	(void)cmd;
	(void)value;
	if (!urls || !*urls)
		return cli__error("--debuginfod needs the servers in DEBUGINFOD_URLS, "
				  "e.g. DEBUGINFOD_URLS=https://debuginfod.debian.net");
	*(bool *)opt->dest = true;
	return 0;
}

/* Formats rendered from the session file at the end (formats.md), not from the live model */
static bool is_picture_format(const char *f)
{
	return !report__formatter(f);
}

int leak_opts__parse(int argc, char **argv, struct leak_opts *o)
{
	uint64_t pid = 0;
	int format = 0, unwind = 0, probe_at = 0, first, rc;
	bool follow = false, no_follow = false;
	/* one row per option, laid out by hand */
	/* clang-format off */
	const struct opt rows[] = {
		{ .name = "pid", .letter = 'p', .kind = OPT_U64, .arg = "PID",
		  .help = "attach to a running process", .dest = &pid, .min = 1, .max = INT_MAX,
		  .wants = "a process id" },
		{ .name = "all", .letter = 'a', .kind = OPT_FLAG,
		  .help = "every process using the system allocator", .dest = &o->all },
		{ .name = "follow-forks", .kind = OPT_FLAG,
		  .help = "with --pid: the processes it forks from now on too, and\n"
			  "theirs, each with its own live set (default with a COMMAND)",
		  .dest = &follow },
		{ .name = "no-follow-forks", .kind = OPT_FLAG,
		  .help = "with a COMMAND: trace the command's process only",
		  .dest = &no_follow },
		{ .name = "keep-pymalloc", .kind = OPT_FLAG,
		  .help = "with a COMMAND: leave PYTHONMALLOC unset (CPython's small\n"
			  "objects are then not seen; set by default: docs/leak.md)",
		  .dest = &o->keep_pymalloc },
		{ .name = "interval", .letter = 'i', .kind = OPT_SECONDS, .arg = "SEC",
		  .help = "print the top stacks every SEC seconds (default 5; text only;\n"
			  "on a terminal the view redraws in place, every 1 s by default)",
		  .dest = &o->interval_s, .max_s = 86400, .given = &o->interval_set },
		{ .name = "duration", .letter = 'd', .kind = OPT_SECONDS, .arg = "SEC",
		  .help = "stop after SEC seconds (default: Ctrl-C, SIGTERM or exit)",
		  .dest = &o->duration_s, .max_s = 365 * 86400.0 },
		{ .name = "top", .letter = 't', .kind = OPT_U64, .arg = "N",
		  .help = "stacks to print (default 10 in text, all in json; 0: all)",
		  .dest = &o->top, .max = 1000000, .wants = "a count", .given = &o->top_set },
		{ .name = "format", .letter = 'f', .kind = OPT_CHOICE, .arg = "FMT",
		  .help = "text (default) or json: the final report as one document;\n"
			  "folded, pprof, svg or html: drawn from the session file\n"
			  "at the end (docs/formats.md)",
		  .dest = &format, .choices = formats },
		{ .name = "output", .letter = 'o', .kind = OPT_STRING, .arg = "FILE",
		  .help = "the session file: every snapshot, appended as it is taken\n"
			  "(default perfan-PID-YYYYMMDD-HHMMSS.session in the current\n"
			  "directory; FILE.gz is gzip-compressed); a new file, mode 0600",
		  .dest = &o->output },
		{ .name = "no-output", .kind = OPT_FLAG, .help = "keep no session file",
		  .dest = &o->no_output },
		{ .name = "force", .kind = OPT_FLAG,
		  .help = "replace --output FILE if it exists (else exit 2)", .dest = &o->force },
		{ .name = "max-session-size", .kind = OPT_SIZE, .arg = "SIZE",
		  .help = "stop writing snapshots to the session file once it\n"
			  "holds SIZE bytes (K, M, G: KiB, MiB, GiB; default 1G); the\n"
			  "'end' snapshot is always written",
		  .dest = &o->max_session_bytes, .min = 4096, .max = 1ull << 50 },
		{ .name = "max-mark-rate", .kind = OPT_U64, .arg = "N",
		  .help = "snapshots the target may ask for per second with\n"
			  "PERFAN_MARK (default 10); the rest are counted as dropped",
		  .dest = &o->max_mark_rate, .min = 1, .max = 100000 },
		{ .name = "snapshot-every", .kind = OPT_SECONDS, .arg = "SEC",
		  .help = "a snapshot labelled t+SEC every SEC seconds\n"
			  "(also: 'perfan-bpf mark LABEL --pid PID', SIGUSR1, the\n"
			  "target's PERFAN_MARK(\"label\"), and 'end' at the end)",
		  .dest = &o->snapshot_every_s, .max_s = 86400 },
		{ .name = "min-age", .kind = OPT_SECONDS, .arg = "SEC",
		  .help = "reports count as live only allocations at least SEC old\n"
			  "(reads every live allocation per report; snapshots keep all)",
		  .dest = &o->min_age_s, .max_s = 365 * 86400.0 },
		{ .name = "max-allocs", .kind = OPT_U64, .arg = "N",
		  .help = "live allocations tracked at once (default 1048576)",
		  .dest = &o->max_allocs, .min = 1024, .max = 1 << 28 },
		{ .name = "max-stacks", .kind = OPT_U64, .arg = "N",
		  .help = "distinct stacks (default 32768)", .dest = &o->max_stacks, .min = 1024,
		  .max = 1 << 22 },
		{ .name = "unwind", .kind = OPT_CHOICE, .arg = "HOW",
		  .help = "auto (default): leave frames of code built without frame\n"
			  "pointers (glibc, libstdc++, -O2 programs) by its .eh_frame,\n"
			  "the others by frame pointers; fp: frame pointers only",
		  .dest = &unwind, .choices = unwind_ways },
		{ .name = "max-unwind-rows", .kind = OPT_U64, .arg = "N",
		  .help = ".eh_frame rows kept in the kernel, 8 bytes each\n(default 524288)",
		  .dest = &o->max_unwind_rows, .min = 1024, .max = 1 << 24 },
		{ .name = "probe-at", .kind = OPT_CHOICE, .arg = "WHERE",
		  .help = "best (default): cheapest equivalent instruction; entry: all\n"
			  "probes at function entries (for comparison)",
		  .dest = &probe_at, .choices = probe_places },
		{ .name = "debuginfod", .kind = OPT_CUSTOM,
		  .help = "fetch debug files that are not installed from the servers in\n"
			  "$DEBUGINFOD_URLS (file:line for stripped binaries)",
		  .dest = &o->debuginfod, .parse = check_debuginfod },
		{ .name = "verbose", .letter = 'v', .kind = OPT_FLAG,
		  .help = "libbpf's messages on stderr", .dest = &o->verbose },
		{},
	};
	/* clang-format on */
	const struct cmd_spec spec = {
		.name = "leak",
		.usage = "(--pid PID | --all | -- COMMAND [ARGS...]) [options]",
		.about =
			"Trace malloc/free of a live process and report the stacks holding live "
			"memory.\n"
			"  -- COMMAND ARGS...  run COMMAND and trace it from its first allocation\n"
			"                      (its stdout goes to stderr; stdout carries the report)",
		.opts = rows,
		.stop_at_nonopt = true,
	};

	*o = (struct leak_opts){ .interval_s = 5,
				 .top = 10,
				 .max_allocs = 1 << 20,
				 .max_stacks = 1 << 15,
				 .max_unwind_rows = 1 << 19,
				 .max_session_bytes = 1ull << 30,
				 .max_mark_rate = 10 };
	rc = opts__parse(&spec, argc, argv, &first);
	if (rc)
		return rc;
	o->pid = (int)pid;
	o->format = formats[format];
	o->at_entry = probe_at == 1;
	if (unwind == 1)
		o->max_unwind_rows = 0;
	rc = opts__command(argc, argv, first, &o->command);
	if (rc)
		return rc;
	if (o->output && o->no_output)
		return cli__error("--output and --no-output contradict each other");
	if (o->output && safe_file__check(o->output, o->force) == -EEXIST)
		return cli__error("cannot create the session file '%s': " SAFE_FILE_EXISTS_HINT,
				  o->output);
	if (is_picture_format(o->format) && o->no_output)
		return cli__error("--format %s is drawn from the session file: drop --no-output",
				  o->format);
	if (!!o->pid + o->all + !!o->command != 1)
		return cli__error("say what to trace: --pid PID, --all, or -- COMMAND; see "
				  "'perfan-bpf leak --help'");
	if (follow && no_follow)
		return cli__error("--follow-forks and --no-follow-forks contradict each other");
	if (o->all && (follow || no_follow))
		return cli__error("--all traces every process already: drop --%sfollow-forks",
				  follow ? "" : "no-");
	o->follow_forks = follow || (o->command && !no_follow);
	if (o->keep_pymalloc && !o->command)
		return cli__error("--keep-pymalloc is for a launched COMMAND (-- COMMAND)");
	return 0;
}
