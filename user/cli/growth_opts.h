/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The options of `perfan-bpf growth`: one table row per knob (cli/options.h), their defaults,
 * and the checks between them. */
#ifndef PERFAN_CLI_GROWTH_OPTS_H
#define PERFAN_CLI_GROWTH_OPTS_H

#include <stdbool.h>
#include <stdint.h>

enum escalate_mode { ESCALATE_AUTO, ESCALATE_ON, ESCALATE_OFF };

struct growth_opts {
	int pid; /* 0: every process */
	bool no_follow_forks;
	double interval_s;
	bool interval_set;
	double duration_s; /* 0: until stopped */
	uint64_t top;
	bool top_set;
	const char *format;
	const char *output; /* session file; NULL: the default name */
	bool no_output;
	bool force;
	uint64_t max_session_bytes;
	double snapshot_every_s;
	uint64_t max_stacks;
	uint64_t max_procs;
	uint64_t max_unwind_rows; /* 0: --unwind fp */
	uint64_t max_pages;
	uint64_t sample_pages;	 /* 1 in N new pages has its stack walked; 1: every one */
	uint64_t walk_budget;	 /* walks of new pages per second per CPU, at most; 0: no cap */
	uint64_t max_debug_info; /* DWARF kept to name file:line, bytes */
	enum escalate_mode escalate;
	double escalate_window_s;
	uint64_t escalate_min_bytes; /* growth that starts an exact window */
	double retire_exited_s;	     /* forget a process this long after it exited; 0: never */
	bool verbose;
};

/* Fills o from the command line: 0, or opts__parse's result (see leak_opts.h) */
int growth_opts__parse(int argc, char **argv, struct growth_opts *o);

#endif
