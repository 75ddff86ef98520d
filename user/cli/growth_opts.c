// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The options of `perfan-bpf growth` (see growth_opts.h). */
#include <errno.h>
#include <limits.h>
#include "cli/cli_util.h"
#include "cli/growth_opts.h"
#include "cli/options.h"
#include "lib/safe_file.h"

static const char *const formats[] = { "text", "json", "folded", "pprof", "svg", "html", NULL };
static const char *const unwind_ways[] = { "auto", "fp", NULL };
static const char *const escalate_modes[] = { "auto", "on", "off", NULL };

int growth_opts__parse(int argc, char **argv, struct growth_opts *o)
{
	uint64_t pid = 0;
	int format = 0, unwind = 0, escalate = 0, first, rc;
	/* one row per option, laid out by hand */
	/* clang-format off */
	const struct opt rows[] = {
		{ .name = "pid", .letter = 'p', .kind = OPT_U64, .arg = "PID",
		  .help = "one process and the processes it forks (default: every\nprocess)",
		  .dest = &pid, .min = 1, .max = INT_MAX, .wants = "a process id" },
		{ .name = "no-follow-forks", .kind = OPT_FLAG,
		  .help = "with --pid: not the processes it forks", .dest = &o->no_follow_forks },
		{ .name = "interval", .letter = 'i', .kind = OPT_SECONDS, .arg = "SEC",
		  .help = "redraw the live view every SEC seconds (default 1; text on a\nterminal)",
		  .dest = &o->interval_s, .max_s = 86400, .given = &o->interval_set },
		{ .name = "duration", .letter = 'd', .kind = OPT_SECONDS, .arg = "SEC",
		  .help = "stop after SEC seconds (default: Ctrl-C, SIGTERM, or the\n--pid process's exit)",
		  .dest = &o->duration_s, .max_s = 365 * 86400.0 },
		{ .name = "top", .letter = 't', .kind = OPT_U64, .arg = "N",
		  .help = "processes and stacks to print (default 10 in text, all in\njson; 0: all)",
		  .dest = &o->top, .max = 1000000, .wants = "a count", .given = &o->top_set },
		{ .name = "format", .letter = 'f', .kind = OPT_CHOICE, .arg = "FMT",
		  .help = "text (default) or json; folded, pprof, svg or html: drawn from\nthe session file at the end",
		  .dest = &format, .choices = formats },
		{ .name = "output", .letter = 'o', .kind = OPT_STRING, .arg = "FILE",
		  .help = "the session file (default perfan-growth-...session in the\ncurrent directory); a new file, mode 0600",
		  .dest = &o->output },
		{ .name = "no-output", .kind = OPT_FLAG, .help = "keep no session file",
		  .dest = &o->no_output },
		{ .name = "force", .kind = OPT_FLAG,
		  .help = "replace --output FILE if it exists (else exit 2)", .dest = &o->force },
		{ .name = "max-session-size", .kind = OPT_SIZE, .arg = "SIZE",
		  .help = "stop writing snapshots past SIZE bytes (default 1G)",
		  .dest = &o->max_session_bytes, .min = 4096, .max = 1ull << 50 },
		{ .name = "snapshot-every", .kind = OPT_SECONDS, .arg = "SEC",
		  .help = "a snapshot labelled t+SEC every SEC seconds (also SIGUSR1,\nand 'end')",
		  .dest = &o->snapshot_every_s, .max_s = 86400 },
		{ .name = "escalate", .kind = OPT_CHOICE, .arg = "WHEN",
		  .help = "exact tracing of a growing process for a bounded window:\n"
			  "auto (default: on with --pid, off for every process), on\n"
			  "(every process: the fastest growing one), off",
		  .dest = &escalate, .choices = escalate_modes },
		{ .name = "escalate-window", .kind = OPT_SECONDS, .arg = "SEC",
		  .help = "how long exact tracing lasts (default 5)",
		  .dest = &o->escalate_window_s, .max_s = 3600 },
		{ .name = "escalate-min", .kind = OPT_SIZE, .arg = "SIZE",
		  .help = "growth (RSS) that starts it (default 1M)",
		  .dest = &o->escalate_min_bytes, .min = 4096, .max = 1ull << 50 },
		{ .name = "max-pages", .kind = OPT_U64, .arg = "N",
		  .help = "pages whose first-touching stack is kept, ~80 bytes of\n"
			  "kernel memory each as they are used (default 1048576: 4 GiB)",
		  .dest = &o->max_pages, .min = 1024, .max = 1 << 26 },
		{ .name = "sample-pages", .kind = OPT_U64, .arg = "N",
		  .help = "walk the stack of 1 in N new pages, at random, and charge it\n"
			  "N pages (default 16; 1: every page, exact)",
		  .dest = &o->sample_pages, .min = 1, .max = 1 << 20, .wants = "a count" },
		{ .name = "walk-budget", .kind = OPT_U64, .arg = "N",
		  .help = "stack walks of new pages per second per CPU, at most\n"
			  "(default 1000, ~0.5% of a CPU); past it 1 in more than\n"
			  "--sample-pages is walked, weighed more (0: no cap)",
		  .dest = &o->walk_budget, .max = 1 << 20 },
		{ .name = "max-dwarf", .kind = OPT_SIZE, .arg = "SIZE",
		  .help = "DWARF kept to name file:line, all files together (default\n"
			  "64M); past it the least recently used file's is let go",
		  .dest = &o->max_debug_info, .min = 1 << 20, .max = 1ull << 40 },
		{ .name = "max-stacks", .kind = OPT_U64, .arg = "N",
		  .help = "distinct (process, stack) pairs (default 65536)",
		  .dest = &o->max_stacks, .min = 1024, .max = 1 << 22 },
		{ .name = "max-procs", .kind = OPT_U64, .arg = "N",
		  .help = "processes tracked at once (default 8192)", .dest = &o->max_procs,
		  .min = 64, .max = 1 << 22 },
		{ .name = "unwind", .kind = OPT_CHOICE, .arg = "HOW",
		  .help = "auto (default): .eh_frame rows for code built without frame\npointers; fp: frame pointers only",
		  .dest = &unwind, .choices = unwind_ways },
		{ .name = "max-unwind-rows", .kind = OPT_U64, .arg = "N",
		  .help = ".eh_frame rows kept in the kernel, 8 bytes each\n(default 4194304: 32 MiB; every process's files share them)",
		  .dest = &o->max_unwind_rows, .min = 1024, .max = 1 << 24 },
		{ .name = "verbose", .letter = 'v', .kind = OPT_FLAG,
		  .help = "libbpf's messages on stderr", .dest = &o->verbose },
		{},
	};
	/* clang-format on */
	const struct cmd_spec spec = {
		.name = "growth",
		.usage = "[--pid PID] [options]",
		.about =
			"Which processes and which stacks make memory grow, host-wide, with kernel "
			"probes only:\npage faults of first write, brk/mmap/mprotect, fork/exec/exit "
			"(docs/growth.md).\nNothing runs per allocation. A growing --pid process is "
			"traced exactly for a\nbounded window (--escalate) so the stacks that hold "
			"the memory come first.",
		.opts = rows,
	};

	*o = (struct growth_opts){ .interval_s = 1,
				   .top = 10,
				   .max_stacks = 1 << 16,
				   .max_procs = 8192,
				   .max_pages = 1 << 20,
				   .sample_pages = 16,
				   .walk_budget = 1000,
				   .max_debug_info = 64 << 20,
				   .max_unwind_rows = 1 << 22,
				   .max_session_bytes = 1ull << 30,
				   .escalate_window_s = 5,
				   .escalate_min_bytes = 1 << 20 };
	rc = opts__parse(&spec, argc, argv, &first);
	if (rc)
		return rc;
	if (first < argc)
		return cli__error("growth takes no arguments ('%s'); see 'perfan-bpf growth --help'",
				  argv[first]);
	o->pid = (int)pid;
	o->format = formats[format];
	o->escalate = (enum escalate_mode)escalate;
	if (unwind == 1)
		o->max_unwind_rows = 0;
	if (o->output && o->no_output)
		return cli__error("--output and --no-output contradict each other");
	if (o->output && safe_file__check(o->output, o->force) == -EEXIST)
		return cli__error("cannot create the session file '%s': " SAFE_FILE_EXISTS_HINT,
				  o->output);
	if (format >= 2 && o->no_output)
		return cli__error("--format %s is drawn from the session file: drop --no-output",
				  o->format);
	return 0;
}
