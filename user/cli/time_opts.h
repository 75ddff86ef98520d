/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The options of `perfan-bpf time`: one table row per knob (cli/options.h), their defaults and
 * the checks between them (what to time, --runs against a command, --output against --force,
 * a --name that results can carry). */
#ifndef PERFAN_CLI_TIME_OPTS_H
#define PERFAN_CLI_TIME_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "output/timing_report.h"
#include "probe/timing_loader.h"

#define TIME_MAX_GLOBS 64

struct time_opts {
	int pid;
	char *globs[TIME_MAX_GLOBS];
	size_t glob_cnt;
	const char *binary;
	double duration_s; /* 0: until stopped */
	double interval_s; /* 0: only at the end */
	enum timing_breakdown by;
	const char *output;
	bool force; /* replace an existing --output */
	enum timing_stat stat;
	unsigned runs; /* 0: one session */
	char **command;
	bool force_insn;
	unsigned rows_per_octave;
	uint32_t max_hists;
	bool verbose;
	const char *name;     /* --name: the results' names are NAME:FUNCTION */
	bool subtract_nested; /* --subtract-nested */
};

/* Parse argv (after "time") into o; the globs and strings point into argv. 0, or a non-zero
 * result for opts__status: a usage error already printed on stderr, or --help. */
int time_opts__parse(int argc, char **argv, struct time_opts *o);

#endif
