// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The options of `perfan-bpf time` (see time_opts.h). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli_util.h"
#include "cli/options.h"
#include "cli/time_opts.h"
#include "lib/safe_file.h"
#include "lib/sanitize.h"

static int add_globs(struct time_opts *o, char *list)
{
	char *save = NULL;

	for (char *g = strtok_r(list, ",", &save); g; g = strtok_r(NULL, ",", &save)) {
		if (o->glob_cnt == TIME_MAX_GLOBS)
			return cli__error("--func takes at most %d names", TIME_MAX_GLOBS);
		o->globs[o->glob_cnt++] = g;
	}
	return 0;
}

static int add_func(const char *cmd, const struct opt *opt, const char *value)
{
	(void)cmd;
	return add_globs(opt->dest, (char *)value);
}

static int set_breakdown(const char *cmd, const struct opt *opt, const char *value)
{
	struct time_opts *o = opt->dest;
	enum timing_breakdown by = !strcmp(opt->name, "per-pid") ? TIMING_PER_PID
								 : TIMING_PER_THREAD;

	(void)cmd;
	(void)value;
	if (o->by && o->by != by)
		return cli__error("--per-thread and --per-pid exclude each other");
	o->by = by;
	return 0;
}

static const char *const stats[] = { "p50", "mean", "p90", "p99", NULL };
static const char *const return_ways[] = { "auto", "insn", NULL };

int time_opts__parse(int argc, char **argv, struct time_opts *o)
{
	uint64_t pid = 0, runs = 0, max_hists = 1 << 14;
	int stat = 0, returns = 0, first, rc;
	bool fine = false;
	/* one row per option, laid out by hand */
	/* clang-format off */
	const struct opt rows[] = {
		{ .name = "pid", .letter = 'p', .kind = OPT_U64, .arg = "PID",
		  .help = "time functions of a running process", .dest = &pid, .min = 1,
		  .max = INT_MAX, .wants = "a process id" },
		{ .name = "func", .letter = 'f', .kind = OPT_CUSTOM, .arg = "NAME[,...]",
		  .help = "functions to time; NAME may be a glob (quote it: 'parse_*')", .dest = o,
		  .parse = add_func },
		{ .name = "binary", .letter = 'b', .kind = OPT_STRING, .arg = "PATH",
		  .help = "the file defining them (default: the program); a library\n"
			  "name such as libfoo.so is looked up in the process's mappings.\n"
			  "Without --pid or a command: every process running PATH",
		  .dest = &o->binary },
		{ .name = "duration", .letter = 'd', .kind = OPT_SECONDS, .arg = "SEC",
		  .help = "stop after SEC seconds (default: Ctrl-C, SIGTERM or exit)",
		  .dest = &o->duration_s, .max_s = 365 * 86400.0 },
		{ .name = "interval", .letter = 'i', .kind = OPT_SECONDS, .arg = "SEC",
		  .help = "also print the last SEC seconds' numbers every SEC seconds",
		  .dest = &o->interval_s, .max_s = 86400 },
		{ .name = "per-thread", .kind = OPT_CUSTOM, .help = "break each function down by thread",
		  .dest = o, .parse = set_breakdown },
		{ .name = "per-pid", .kind = OPT_CUSTOM, .help = "break each function down by process",
		  .dest = o, .parse = set_breakdown },
		{ .name = "output", .letter = 'o', .kind = OPT_STRING, .arg = "FILE",
		  .help = "write results for `perfan-bpf check` / `baseline save`", .dest = &o->output },
		{ .name = "force", .kind = OPT_FLAG,
		  .help = "replace --output FILE if it exists (else exit 2)", .dest = &o->force },
		{ .name = "stat", .kind = OPT_CHOICE, .arg = "STAT",
		  .help = "the result's value: p50 (default), mean, p90 or p99", .dest = &stat,
		  .choices = stats },
		{ .name = "runs", .kind = OPT_U64, .arg = "R",
		  .help = "run COMMAND R times; each run's statistic is one sample", .dest = &runs,
		  .min = 1, .max = 1000, .wants = "a count" },
		{ .name = "returns", .kind = OPT_CHOICE, .arg = "HOW",
		  .help = "auto (default): probes on return instructions for code a C++\n"
			  "exception can unwind, a uretprobe elsewhere; insn: always\n"
			  "probes on return instructions",
		  .dest = &returns, .choices = return_ways },
		{ .name = "fine", .kind = OPT_FLAG, .help = "16 histogram rows per power of two "
							    "(default 4)",
		  .dest = &fine },
		{ .name = "max-hists", .kind = OPT_U64, .arg = "N",
		  .help = "histograms kept (functions x threads; default 16384)", .dest = &max_hists,
		  .min = 16, .max = 1 << 20 },
		{ .name = "name", .kind = OPT_STRING, .arg = "NAME",
		  .help = "results are named NAME:FUNCTION (default FUNCTION)", .dest = &o->name },
		{ .name = "subtract-nested", .kind = OPT_FLAG,
		  .help = "durations less the calibrated cost of the timed calls\n"
			  "inside them (their probes' traps)",
		  .dest = &o->subtract_nested },
		{ .name = "verbose", .letter = 'v', .kind = OPT_FLAG,
		  .help = "probe placement and libbpf's messages on stderr", .dest = &o->verbose },
		{},
	};
	/* clang-format on */
	const struct cmd_spec spec = {
		.name = "time",
		.usage =
			"--func NAME[,NAME...] (--pid PID | --binary PATH | -- COMMAND [ARGS...])\n"
			"[options]",
		.about =
			"Latency of functions in a live process: count, mean, stddev, min, max, "
			"p50, p90,\n"
			"p99.9 and a histogram per function, from uprobes paired by a per-thread "
			"stack.\n"
			"  -- COMMAND ARGS...  run COMMAND and time it from its start (its stdout\n"
			"                      goes to stderr; stdout carries the report)",
		.opts = rows,
		.stop_at_nonopt = true,
	};

	*o = (struct time_opts){ 0 };
	rc = opts__parse(&spec, argc, argv, &first);
	if (rc)
		return rc;
	o->pid = (int)pid;
	o->runs = (unsigned)runs;
	o->max_hists = (uint32_t)max_hists;
	o->rows_per_octave = fine ? 16 : 4;
	o->force_insn = returns == 1;
	if (timing_stat__parse(stats[stat], &o->stat))
		return cli__error("--stat must be mean, p50, p90 or p99");
	rc = opts__command(argc, argv, first, &o->command);
	if (rc)
		return rc;
	if (!o->glob_cnt)
		return cli__error("say which functions to time: --func NAME[,NAME...]; see "
				  "'perfan-bpf time --help'");
	if (o->pid && o->command)
		return cli__error("--pid and a command exclude each other");
	if (!o->pid && !o->command && !o->binary)
		return cli__error("say what to time: --pid PID, -- COMMAND, or --binary PATH for "
				  "every process running it");
	if (!o->pid && !o->command && !strchr(o->binary, '/'))
		return cli__error("--binary without --pid or a command needs a path, got '%s'",
				  o->binary);
	/* a name is matched against baselines as it is: printable, one line, no ':' of its own
	 * so that NAME:FUNCTION splits one way */
	if (o->name &&
	    (!sanitize__is_clean(o->name) || strchr(o->name, ':') || strlen(o->name) > 128))
		return cli__error("--name must be printable text of at most 128 characters without "
				  "':', got '%s'",
				  o->name);
	if (o->runs && !o->command)
		return cli__error("--runs needs a command to run: --runs R -- COMMAND ARGS...");
	/* say it now, not after the run */
	if (o->output && safe_file__check(o->output, o->force) == -EEXIST)
		return cli__error("cannot write %s: " SAFE_FILE_EXISTS_HINT, o->output);
	return 0;
}
