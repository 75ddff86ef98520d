/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The timing BPF object (bpf/timing.bpf.c): load, attach entry and return probes to the
 * functions of a timing_target, read the per-CPU histograms summed over CPUs, and measure
 * the probes' own overhead on an empty function inside perfan-bpf. The only module that
 * includes the timing skeleton. */
#ifndef PERFAN_TIMING_LOADER_H
#define PERFAN_TIMING_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/hist.h"
#include "probe/timing_target.h"

struct timing_loader;

enum timing_breakdown {
	TIMING_PER_FUNC,
	TIMING_PER_THREAD,
	TIMING_PER_PID,
};

/* Calls that could not be timed, per function (bpf/timing.h enum timing_lost) */
enum timing_loss {
	TIMING_LOSS_STALE,	 /* entries dropped by the stack-pointer check */
	TIMING_LOSS_DEPTH_LIMIT, /* beyond the kernel's 64 nested return probes */
	TIMING_LOSS_STACK_FULL,	 /* our per-thread stack of 128 entries was full */
	TIMING_LOSS_UNMATCHED,	 /* returns without an entry */
	TIMING_LOSS_STATE,	 /* per-thread state could not be created */
	TIMING_LOSS_HIST_FULL,	 /* the histogram map was full */
	TIMING_LOSS__MAX,
};

#define TIMING_FUNCS_MAX 256 /* = TIMING_MAX_FUNCS, checked in timing_loader.c */

struct timing_loader_opts {
	int pid; /* 0: every process that runs the binary */
	enum timing_breakdown by;
	uint32_t max_hists;   /* histograms (functions x threads or processes) */
	bool subtract_nested; /* durations less the calibrated cost of the probed calls inside */
};

/* The timed calls of other timed functions that ran inside a function's calls: their probes'
 * traps are part of its durations */
struct timing_nested {
	uint64_t calls;	  /* entry probes hit inside, summed over the function's calls */
	uint64_t cost_ns; /* their calibrated cost (timing_loader__set_cost), summed */
};

struct timing_row {
	uint32_t func; /* index into the target's functions */
	uint32_t id;   /* thread or process id; 0 without a breakdown */
	struct hist h;
	struct timing_nested nested;
};

struct timing_rows {
	struct timing_row *rows;
	size_t cnt, cap;
};

/* Open and load. 0 or -errno; *out is NULL on error. */
int timing_loader__new(const struct timing_loader_opts *opts, struct timing_loader **out);
/* The process the probes count (-1: all), e.g. the next run's; set before attaching */
void timing_loader__set_pid(struct timing_loader *ld, int pid);
/* Attach to every function of t in the file path (as we open it) for pid (0: all). Function
 * i gets cookie i. 0 or -errno, with one sentence in why; nothing stays attached on error. */
int timing_loader__attach(struct timing_loader *ld, const char *path, int pid,
			  const struct timing_target *t, struct errtext *why);
size_t timing_loader__probe_cnt(const struct timing_loader *ld);
/* What one call of function func costs in probe traps (its calibration's per_call_ns): added
 * to the nested cost of every timed call it runs inside. Set before attaching. */
void timing_loader__set_cost(struct timing_loader *ld, uint32_t func, double cost_ns);
void timing_loader__detach(struct timing_loader *ld);
/* Every histogram, summed over CPUs, sorted by (func, id). 0 or -errno. */
int timing_loader__read(struct timing_loader *ld, struct timing_rows *rows);
/* The loss counters of function func */
void timing_loader__losses(const struct timing_loader *ld, uint32_t func,
			   uint64_t out[TIMING_LOSS__MAX]);
/* Empty the histograms and loss counters (between runs; nothing attached). 0 or -errno. */
int timing_loader__clear(struct timing_loader *ld);
void timing_loader__free(struct timing_loader *ld);

void timing_rows__free(struct timing_rows *rows);

/* The probes' own cost, measured on an empty noinline function of perfan-bpf probed the way
 * a target's function is: a uretprobe or probes on its return instruction, and an entry probe
 * on an instruction the kernel emulates or on one it single-steps (a few us more) */
struct timing_calibration {
	bool ret_insn;
	bool entry_stepped;
	struct hist h;	    /* the empty function's durations as the probes report them */
	double p50_ns;	    /* median of h: what the probes add inside a timed call */
	double per_call_ns; /* wall time a call gains from the probes (entry + return) */
};
/* The four kinds of probe, as an index: timing_calibration__index(ret_insn, entry_stepped) */
#define TIMING_CAL_KINDS 4
static inline int timing_calibration__index(bool ret_insn, bool entry_stepped)
{
	return (ret_insn ? 2 : 0) + (entry_stepped ? 1 : 0);
}
int timing_loader__calibrate(bool ret_insn, bool entry_stepped, unsigned calls,
			     struct timing_calibration *out);

#endif
