// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `perfan-bpf mark LABEL [--pid PID] [--timeout SEC]`: a labelled snapshot in the running
 * leak session for PID, through its control socket (control.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "cli/cli_util.h"
#include "cli/cmd_mark.h"
#include "cli/options.h"
#include "session/control.h"

int cmd__mark(int argc, char **argv)
{
	const char *label, *bad;
	double timeout_s = 30;
	char reply[512];
	uint64_t pid_arg = 0;
	/* one row per option, laid out by hand */
	/* clang-format off */
	const struct opt rows[] = {
		{ .name = "pid", .letter = 'p', .kind = OPT_U64, .arg = "PID",
		  .help = "the traced process (as given to 'perfan-bpf leak --pid')",
		  .dest = &pid_arg, .min = 1, .max = INT_MAX, .wants = "a process id" },
		{ .name = "timeout", .kind = OPT_SECONDS, .arg = "SEC",
		  .help = "how long to wait for the snapshot (default 30)", .dest = &timeout_s,
		  .max_s = 3600 },
		{},
	};
	/* clang-format on */
	const struct cmd_spec spec = {
		.name = "mark",
		.usage = "LABEL [--pid PID] [--timeout SEC]",
		.about = "Ask the running 'perfan-bpf leak' session that traces PID to take a\n"
			 "snapshot labelled LABEL, and wait until it is stored in the session\n"
			 "file. Without --pid, the only session running is asked.",
		.opts = rows,
		.footer = "Exit status: 0 stored; 2 no session runs for PID, or bad usage.",
	};
	int pid, err, first;

	err = opts__parse(&spec, argc, argv, &first);
	if (err)
		return opts__status(err);
	pid = (int)pid_arg;
	if (first + 1 != argc)
		return cli__error("mark needs exactly one LABEL; see 'perfan-bpf mark --help'");
	label = argv[first];
	bad = control__bad_label(label);
	if (bad)
		return cli__error("bad label: %s", bad);
	err = control__mark(pid, label, (int)(timeout_s * 1000), reply, sizeof(reply));
	switch (err) {
	case 0:
		return 0;
	case -ENOENT:
		if (pid)
			return cli__error("no perfan-bpf leak session is running for pid %d", pid);
		return cli__error("no perfan-bpf leak session is running");
	case -EEXIST:
		return cli__error("several sessions are running (%s); say which with --pid", reply);
	case -ETIMEDOUT:
		return cli__error("the session for pid %d did not store the snapshot within %g s",
				  pid, timeout_s);
	case -EPROTO:
		return cli__error("the session refused the mark: %s", reply);
	default:
		return cli__error("cannot reach the session: %s", strerror(-err));
	}
}
