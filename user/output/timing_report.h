/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What `perfan-bpf time` shows and stores: the per-function statistics and histogram as text,
 * and the same as regression-detector results (docs/results-format.md). Pure: it takes the
 * histograms already read, never the BPF maps. */
#ifndef PERFAN_TIMING_REPORT_H
#define PERFAN_TIMING_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "lib/hist.h"
#include "probe/timing_loader.h"
#include "regress/regress.h"

/* A function is flagged when its median is under this many times the probe overhead */
#define TIMING_NEAR_OVERHEAD_FACTOR 10.0
/* ... and when the traps of the timed calls inside it are this share of its mean or more */
#define TIMING_NESTED_SHARE 0.10

enum timing_stat {
	TIMING_STAT_P50,
	TIMING_STAT_MEAN,
	TIMING_STAT_P90,
	TIMING_STAT_P99,
};

struct timing_part {
	uint32_t id; /* thread or process id */
	const struct hist *h;
};

struct timing_func_report {
	const char *name;
	bool ret_insn;	     /* timed by probes on its return instructions */
	bool entry_stepped;  /* the kernel single-steps its entry probe (else emulates it) */
	uint64_t entry_skip; /* bytes from the entry to the entry probe */
	struct timing_nested nested; /* timed calls inside its calls, summed */
	size_t tail_exits; /* (ret_insn) jumps out of it: calls leaving that way are not timed */
	bool no_returns;   /* (ret_insn) it has no return instruction: no call can be timed */
	const struct hist *h;
	uint64_t losses[TIMING_LOSS__MAX];
	const struct timing_part *parts; /* per thread or process, busiest first */
	size_t part_cnt;
	const double *run_stats; /* --runs: the statistic of each run that called it */
	size_t run_cnt;
};

struct timing_report {
	const char *binary;  /* as the target sees it */
	const char *program; /* the process's program when binary is a library in it, else NULL */
	int pid;	     /* 0: every process running the binary */
	double duration_s;
	bool final;
	bool interval; /* the numbers are of one interval (min and max unknown) */
	enum timing_breakdown by;
	/* by timing_calibration__index; NULL when that kind of probe is unused */
	const struct timing_calibration *cal[TIMING_CAL_KINDS];
	const char *name;     /* --name: results are NAME:FUNCTION; NULL: FUNCTION */
	bool subtract_nested; /* the durations are less the nested probes' cost */
	const struct timing_func_report *funcs;
	size_t cnt;
	unsigned rows_per_octave;
	/* names of threads for the per-thread breakdown; NULL: ids only */
	const char *(*thread_name)(void *ctx, uint32_t id, char *buf, size_t len);
	void *thread_name_ctx;
};

int timing_stat__parse(const char *s, enum timing_stat *out); /* 0 or -EINVAL */
const char *timing_stat__name(enum timing_stat stat);
double timing_stat__of(const struct hist *h, enum timing_stat stat);

/* The kind of probe, as the reports name it: "uretprobe, entry emulated" and so on */
const char *timing_report__kind(bool ret_insn, bool entry_stepped);
/* The probe overhead for a function (the p50 of the calibration of its kind of probe), NAN
 * when unknown */
double timing_report__overhead(const struct timing_report *r, const struct timing_func_report *f);
bool timing_report__near_overhead(const struct timing_report *r,
				  const struct timing_func_report *f);
/* The share of a function's mean (before any subtraction) that its nested probes' traps
 * took: 0 without nested calls */
double timing_report__nested_share(const struct timing_report *r,
				   const struct timing_func_report *f);

/* The text report. 0 or -EIO. */
int timing_report__text(const struct timing_report *r, FILE *out);

/* One result per function with calls, named FUNCTION (NAME:FUNCTION with r->name), so that a
 * renamed or moved binary still matches its baseline; the binary goes in the metadata. The
 * value is the chosen statistic (with runs: the mean of the per-run statistics, which become
 * the samples). Functions without calls are left out. 0 or -ENOMEM; run is emptied first. */
int timing_report__results(const struct timing_report *r, enum timing_stat stat,
			   struct regress_run *run);

#endif
