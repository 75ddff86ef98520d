// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `perfan-bpf mark LABEL [--pid PID] [--timeout SEC]`: a labelled snapshot in the running
 * leak session for PID, through its control socket (control.h). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "cli_util.h"
#include "cmd_mark.h"
#include "control.h"

static const char usage_text[] =
	"usage: perfan-bpf mark LABEL [--pid PID] [--timeout SEC]\n"
	"\n"
	"Ask the running 'perfan-bpf leak' session that traces PID to take a snapshot labelled\n"
	"LABEL, and wait until it is stored in the session file. Without --pid, the only session\n"
	"running is asked. Exit 0 when stored; 2 when no session runs for PID or on bad usage.\n"
	"\n"
	"  -p, --pid PID        the traced process (as given to 'perfan-bpf leak --pid')\n"
	"      --timeout SEC    how long to wait for the snapshot (default 30)\n"
	"  -h, --help           this text\n";

int cmd_mark(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *label = NULL, *bad;
	double timeout_s = 30;
	char reply[512];
	uint64_t v;
	int pid = 0, c, err;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "p:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_u64(optarg, 1, INT_MAX, &v))
				return usage_error("--pid needs a process id, got '%s'", optarg);
			pid = (int)v;
			break;
		case 'T':
			if (parse_seconds(optarg, 3600, &timeout_s))
				return usage_error("--timeout needs seconds > 0, got '%s'", optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			return usage_error("unknown or incomplete option '%s'; see 'perfan-bpf mark "
					   "--help'",
					   argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return usage_error("mark needs exactly one LABEL; see 'perfan-bpf mark --help'");
	label = argv[optind];
	bad = control__bad_label(label);
	if (bad)
		return usage_error("bad label: %s", bad);
	err = control__mark(pid, label, (int)(timeout_s * 1000), reply, sizeof(reply));
	switch (err) {
	case 0:
		return 0;
	case -ENOENT:
		if (pid)
			return usage_error("no perfan-bpf leak session is running for pid %d", pid);
		return usage_error("no perfan-bpf leak session is running");
	case -EEXIST:
		return usage_error("several sessions are running (%s); say which with --pid", reply);
	case -ETIMEDOUT:
		return usage_error("the session for pid %d did not store the snapshot within %g s",
				   pid, timeout_s);
	case -EPROTO:
		return usage_error("the session refused the mark: %s", reply);
	default:
		return usage_error("cannot reach the session: %s", strerror(-err));
	}
}
