// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* perfan-bpf's entry point: the subcommand table. `perfan-bpf --pid PID` is `leak`. */
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include "cli/cli_util.h"
#include "cli/cmd_growth.h"
#include "cli/cmd_leak.h"
#include "cli/cmd_mark.h"
#include "cli/cmd_regress.h"
#include "cli/cmd_serve.h"
#include "cli/cmd_session.h"
#include "cli/cmd_time.h"

#define PERFAN_VERSION "0.1.0"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "growth", cmd__growth,
	  "which processes and stacks make memory grow, host-wide, cheaply" },
	{ "leak", cmd__leak, "trace malloc/free of a process; report stacks holding live memory" },
	{ "mark", cmd__mark, "take a labelled snapshot in the running leak session of a process" },
	{ "time", cmd__time, "latency histograms of functions in a process; results for check" },
	{ "diff", cmd__diff, "what changed between two snapshots of a session file" },
	{ "trend", cmd__trend, "classify each stack's growth over a session's snapshots" },
	{ "report", cmd__report, "the top stacks of one snapshot of a session file" },
	{ "serve", cmd__serve, "an agent: /metrics for Prometheus, /debug/pprof/heap for pprof" },
	{ "check", cmd__check, "compare results with a baseline; exit 1 on a regression" },
	{ "baseline", cmd__baseline, "baseline save RESULTS.json... --output BASELINE.json" },
	{ "history", cmd__history, "change points in a baseline's history" },
};

static int usage(FILE *out)
{
	fprintf(out,
		"usage: perfan-bpf COMMAND [ARGS]   (perfan-bpf --pid PID is 'leak --pid PID')\n\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\n'perfan-bpf COMMAND --help' tells more. See docs/ and README.md.\n");
	return 0;
}

int main(int argc, char **argv)
{
	/* big arrays (a large session's report, diff, trend, profiles: megabytes each, built and
	 * freed in turn) are mapped and given back when freed. glibc raises its threshold to the
	 * size of the first big block freed, and the next ones came from the heap, where what was
	 * freed stays resident: 100,000 stacks' html report took 5 MiB more. */
	mallopt(M_MMAP_THRESHOLD, 256 << 10);
	if (argc < 2)
		return usage(stderr), 2;
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))
		return usage(stdout);
	if (!strcmp(argv[1], "--version")) {
		printf("perfan-bpf %s\n", PERFAN_VERSION);
		return 0;
	}
	if (argv[1][0] == '-')
		return cmd__leak(argc, argv);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	return cli__error("unknown command '%s'; see 'perfan-bpf --help'", argv[1]);
}
