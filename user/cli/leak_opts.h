/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The options of `perfan-bpf leak`: one table row per knob (cli/options.h), their defaults,
 * and the checks between them (what to trace, --output against --no-output and --force). */
#ifndef PERFAN_CLI_LEAK_OPTS_H
#define PERFAN_CLI_LEAK_OPTS_H

#include <stdbool.h>
#include <stdint.h>

struct leak_opts {
	int pid;
	bool all;
	bool follow_forks;  /* the processes the target forks too (launch mode: unless told not) */
	bool keep_pymalloc; /* launch mode: do not set PYTHONMALLOC=malloc for the command */
	char **command;	    /* argv after "--" */
	double interval_s;
	bool interval_set;
	double duration_s; /* 0: until stopped */
	uint64_t top;
	bool top_set;
	const char *format;
	uint64_t max_allocs;
	uint64_t max_stacks;
	uint64_t max_unwind_rows; /* 0: --unwind fp */
	bool at_entry;
	bool verbose;
	const char *output; /* session file; NULL: the default name */
	bool no_output;
	double snapshot_every_s;    /* 0: never */
	double min_age_s;	    /* reports count only allocations this old; 0: all */
	bool debuginfod;	    /* fetch missing debug files from $DEBUGINFOD_URLS */
	bool force;		    /* replace an existing --output */
	uint64_t max_session_bytes; /* --max-session-size; 0: no limit */
	uint64_t max_mark_rate;	    /* target marks (USDT) per second */
};

/* Fills o from the command line: 0, or the result of opts__parse (OPTS_HELP, or 2 after one
 * line on stderr); opts__status turns it into the exit status */
int leak_opts__parse(int argc, char **argv, struct leak_opts *o);

#endif
