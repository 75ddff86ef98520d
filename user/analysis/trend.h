/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Growth trends over a session's snapshots: each stack's live-bytes series (0 in a snapshot
 * without its row) is classified as a leak, a plateau, a transient, shrinking, irregular or
 * flat, with its least-squares slope per snapshot and per hour. Pure: plain data in, a model
 * out; trend_report.h prints it.
 *
 * The rules (docs/snapshots.md says the same). For a series y[0..n-1], n >= 3, m = n - 1
 * intervals, d[i] = y[i+1] - y[i]:
 *   peak = max y, base = min y, first = y[0], last = y[n-1], range = peak - base
 *   band = peak / 10 (integer bytes): changes within the band are noise
 *   grew = #{d > 0}, shrank = #{d < 0}, unchanged = #{d == 0}  (exact bytes)
 *   drops = #{d < -band}                                         (drops beyond the noise)
 *   tail = the longest run of last snapshots all within the band of `last`; ts = the index
 *          of its first snapshot, tail_intervals = n - 1 - ts
 *   hold_min = ceil(m / 3)   (at least 1)
 *   tail_held = the series stopped growing and held its level: ts > 0, y[ts] > first,
 *          tail_intervals >= hold_min, and growth in the tail slowed to at most a quarter
 *          of the rate before it: 4 * (last - y[ts]) / tail_intervals <= (y[ts] - first) / ts
 *   returns = completed spikes: scanning in order, a spike starts when y rises more than
 *          the band above the lowest value since the previous spike ended (or the start), and
 *          returns when y comes back within the band of that low
 * evaluated in this order, the first that matches wins:
 *   1 flat       range <= band (also: all zero)
 *   2 leak       last - first > band, last >= peak - band (still at its top), grew >= 2,
 *                4 * grew >= 3 * (grew + drops) (growth in at least 3 of 4 intervals that
 *                grew or dropped beyond the noise; unchanged intervals count for neither),
 *                and not tail_held
 *   3 plateau    last - first > band and tail_held: grew, then held its level for at least the
 *                last third of the intervals (a cache, a pool)
 *   4 transient  returns >= 1: rose and came back (spikes, a load phase that was freed)
 *   5 shrinking  first - last > band
 *   6 irregular  none of these (a single late jump, a noisy walk)
 * Growth smaller than a tenth of the stack's own peak is flat by rule 1: a slow leak on top
 * of a large steady stack shows as a leak only once it has grown by more than that. */
#ifndef PERFAN_TREND_H
#define PERFAN_TREND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "session/session.h"

#define TREND_MIN_SNAPSHOTS 3

/* In the order of the rules above */
enum trend_class {
	TREND_FLAT,
	TREND_LEAK,
	TREND_PLATEAU,
	TREND_TRANSIENT,
	TREND_SHRINKING,
	TREND_IRREGULAR,
	TREND_CLASS__MAX,
};

/* The numbers the rules use, computed from a series alone */
struct trend_series_stats {
	size_t n;
	uint64_t first, last, peak, base, band;
	size_t peak_idx;		/* first snapshot at the peak */
	size_t grew, shrank, unchanged; /* intervals, exact bytes */
	size_t drops;			/* intervals that fell by more than the band */
	size_t tail_start;		/* first snapshot of the tail (within band of last) */
	size_t tail_intervals;		/* n - 1 - tail_start */
	bool tail_held;			/* growth stopped in the tail (see the rules) */
	size_t returns;			/* completed spikes */
	double slope_per_snapshot;	/* least squares over the snapshot index, bytes */
};

struct trend_stack {
	uint32_t pid;
	uint64_t stack_id;
	uint64_t *live_bytes; /* the series: one value per snapshot (in the trend's series) */
	struct trend_series_stats st;
	enum trend_class cls;
	/* least squares over the time axis, bytes per hour; valid when the trend has_time */
	double bytes_per_hour;
	const struct frame *frames; /* the session's stack table; NULL when not symbolized */
	size_t frame_cnt;
};

enum trend_time_axis {
	TREND_TIME_NONE,    /* neither clock increases over the snapshots */
	TREND_TIME_MONO,    /* the snapshots' CLOCK_MONOTONIC times */
	TREND_TIME_ELAPSED, /* seconds since attach (when mono_ns does not increase) */
};

struct session_trend {
	const struct session *s;
	size_t snap_cnt;
	enum trend_time_axis time_axis;
	double span_s; /* first to last snapshot on the time axis (0 with NONE) */
	/* every stack live in at least one snapshot, sorted: by class (leak, plateau,
	 * transient, irregular, shrinking, flat), then growth last - first (descending), peak
	 * (descending), pid, stack id: a total order */
	struct trend_stack *stacks;
	size_t stack_cnt;
	size_t class_cnt[TREND_CLASS__MAX];
	bool by_process;  /* stacks of several processes (--all, forks followed) */
	uint64_t *series; /* every stack's series, one block (theirs point into it) */
};

/* Computes the statistics of one series of n >= 1 values (exposed for tests and tools) */
void trend__series_stats(const uint64_t *y, size_t n, struct trend_series_stats *st);
/* Classifies a series by the rules above; n must be >= TREND_MIN_SNAPSHOTS */
enum trend_class trend__classify(const struct trend_series_stats *st);

/* Trend over all snapshots of s in order. -EINVAL when s has fewer than
 * TREND_MIN_SNAPSHOTS snapshots, -ENOMEM. out points into s: free s after it. */
int trend__compute(const struct session *s, struct session_trend *out);
/* The same, freeing each snapshot's rows once they are read (their totals stay): a trend of a
 * big session holds its rows and its series one at a time, not both */
int trend__compute_dropping(struct session *s, struct session_trend *out);
/* trend__compute keeping the first keep stacks of the order alone (0: all): class_cnt and
 * by_process are over every stack, stack_cnt is how many were kept. A page that shows the
 * first twenty holds twenty, not one per stack of the session. */
int trend__compute_top(const struct session *s, size_t keep, struct session_trend *out);
void trend__free(struct session_trend *t);

/* "flat", "leak", "plateau", "transient", "shrinking", "irregular" */
const char *trend__class_name(enum trend_class cls);

#endif
