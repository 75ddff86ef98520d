/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Types shared by timing.bpf.c and its loader: the key and value of the per-CPU latency
 * histograms, and the loss counters. Only fixed-size fields; the loader checks the sizes and
 * that the bucket layout equals user/hist.h's. */
#ifndef PERFAN_TIMING_H
#define PERFAN_TIMING_H

/* Entries a thread can have open at once in our LIFO */
#define TIMING_MAX_DEPTH 128
/* The kernel installs at most this many nested return probes per thread (MAX_URETPROBE_DEPTH
 * in include/linux/uprobes.h); a deeper call's uretprobe never fires */
#define TIMING_URETPROBE_DEPTH 64
/* Functions timed at once (the attach cookie is the function's index) */
#define TIMING_MAX_FUNCS 256

/* Log-linear buckets: values below 2^SUB_BITS each have a bucket; above, each power of two is
 * split into 2^SUB_BITS buckets (log2 bucket + 4 bits of mantissa), up to 2^(MAX_EXP+1); the last
 * bucket is open, from 31 * 2^43 ns (76 hours) up. */
#define TIMING_SUB_BITS 4
#define TIMING_SUB (1 << TIMING_SUB_BITS)
#define TIMING_MAX_EXP 47
#define TIMING_BUCKETS (TIMING_SUB + (TIMING_MAX_EXP - TIMING_SUB_BITS + 1) * TIMING_SUB)

/* What the histograms are broken down by */
enum timing_by {
	TIMING_BY_FUNC,	  /* id is 0 */
	TIMING_BY_THREAD, /* id is the thread id */
	TIMING_BY_PID,	  /* id is the process id */
};

struct timing_key {
	__u32 func; /* index of the timed function */
	__u32 id;   /* see enum timing_by */
};

/* One function's calls on one CPU. The sum of durations is 128 bits (sum_hi carries), so it
 * cannot overflow; the variance comes from the buckets, never from a sum of squares.
 * nested_calls counts the entries of timed functions inside these calls (their probes' traps
 * are part of the durations), nested_cost_ns the calibrated cost of those probes. */
struct timing_hist {
	__u64 count;
	__u64 sum_lo;
	__u64 sum_hi;
	__u64 min_ns;
	__u64 max_ns;
	__u64 nested_calls;
	__u64 nested_cost_ns;
	__u64 buckets[TIMING_BUCKETS];
};

/* Every call that could not be timed, per function: indexes of func_lost[func][] */
enum timing_lost {
	TLOST_STALE,	   /* entry dropped by the stack-pointer check (longjmp, exception, a
			      return that never came) */
	TLOST_DEPTH_LIMIT, /* nested beyond the kernel's TIMING_URETPROBE_DEPTH return probes */
	TLOST_STACK_FULL,  /* our LIFO was full */
	TLOST_UNMATCHED,   /* a return without its entry (call in flight at attach, or lost) */
	TLOST_STATE,	   /* per-thread state could not be created */
	TLOST_HIST_FULL,   /* the histogram map was full */
	TLOST__MAX,
};

#endif
