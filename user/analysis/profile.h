/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The profile view shared by the picture and profile formatters (folded.h, pprof.h,
 * flamegraph.h): one snapshot's stacks, or a diff of two, as stacks of frames with a fixed set
 * of signed values and the names that describe them (process, labels, totals). Built from the
 * session model (session__report, diff__compute); points into it. */
#ifndef PERFAN_PROFILE_H
#define PERFAN_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "analysis/diff.h"
#include "analysis/growth_report.h"
#include "analysis/report.h"
#include "session/session.h"

/* The values of a stack. A snapshot has the LIVE and ALLOC ones; a diff has all of them, where
 * LIVE are the counts in B, ALLOC what was allocated between A and B, BASE_LIVE the counts in
 * A and DELTA = LIVE - BASE_LIVE. */
enum profile_value {
	PV_LIVE_BYTES,
	PV_LIVE_OBJECTS,
	PV_ALLOC_BYTES,
	PV_ALLOC_OBJECTS,
	PV_DELTA_BYTES,
	PV_DELTA_OBJECTS,
	PV_BASE_LIVE_BYTES,
	PV_BASE_LIVE_OBJECTS,
	PV__MAX,
};

struct profile_stack {
	uint32_t pid;
	uint64_t stack_id;
	const struct frame *frames; /* leaf first (frames[0] called the allocator) */
	size_t frame_cnt;
	int64_t val[PV__MAX];
};

struct profile {
	bool is_diff;
	enum session_kind kind;	      /* growth: LIVE is memory held, ALLOC first touched */
	uint32_t pid;		      /* 0 with --all */
	bool by_process;	      /* stacks of several processes (--all, forks followed) */
	const char *command;	      /* launch mode: the command, else NULL */
	const char *allocator;	      /* the probed allocator module, or NULL */
	const char *label;	      /* the snapshot (a diff: B) */
	const char *base_label;	      /* a diff: A; else NULL */
	int64_t time_ns;	      /* wall clock of the snapshot (a diff: of A) */
	int64_t duration_ns;	      /* since attach (a diff: from A to B) */
	int64_t total[PV__MAX];	      /* sums over the stacks */
	struct profile_stack *stacks; /* in the order of the model (report__sort, diff order) */
	size_t stack_cnt;
};

/* From one snapshot's leak report (session__report) of session s: every stack of the
 * report. 0 or -ENOMEM. */
int profile__from_report(struct profile *p, const struct session *s, const struct snapshot *snap,
			 const struct leak_report *rep);
/* The heap profile of one process of a growth report, for the agent's /debug/pprof/heap: the
 * live stacks of its latest exact window when one succeeded (kind leak: inuse_space is exact
 * live bytes), else its growth stacks (kind growth). *exact says which. 0 or -ENOMEM. */
int profile__from_growth(struct profile *p, const struct growth_report *g, uint32_t pid,
			 bool *exact);
/* From a diff (diff__compute). 0 or -ENOMEM. */
int profile__from_diff(struct profile *p, const struct snapshot_diff *d);
/* The same, taking the memory of rep's (d's) stacks for the profile's, converted in place:
 * rep (d) is left without stacks; a big session does not hold both. Cannot fail. */
void profile__from_report_taking(struct profile *p, const struct session *s,
				 const struct snapshot *snap, struct leak_report *rep);
void profile__from_diff_taking(struct profile *p, struct snapshot_diff *d);
void profile__free(struct profile *p);

/* "live_bytes", "live_objects", "alloc_bytes", "alloc_objects", "delta_bytes",
 * "delta_objects", "base_live_bytes", "base_live_objects" */
const char *profile__value_name(enum profile_value v);
/* The value called name, or -1 */
int profile__value_by_name(const char *name);
/* Whether the profile has this value (the DELTA and BASE ones only in a diff) */
bool profile__has_value(const struct profile *p, enum profile_value v);

/* Sums of profile values: formed exactly in 128 bits (no order of the stacks can wrap or
 * change them), then saturated into int64_t. Counts reach INT64_MAX only in a corrupt or
 * hand-made file; the bounds are [-INT64_MAX, INT64_MAX], symmetric so that the magnitude of
 * any result fits in int64_t. */
int64_t profile__saturate(__int128 sum);
/* seconds * 1e9 as int64_t nanoseconds, saturated to [-INT64_MAX, INT64_MAX]; 0 for NaN
 * (elapsed_s of a session file is any JSON number) */
int64_t profile__ns_sat(double seconds);

/* The name of a frame in a stack picture: the function; else "module+0xoffset" with the
 * module's file name; else "0xaddress". Writes into buf (always terminated), returns buf. */
const char *profile__frame_name(const struct frame *f, char *buf, size_t len);
/* The last component of a path ("" for NULL) */
const char *profile__basename(const char *path);

#endif
