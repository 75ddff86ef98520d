/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The diff of two snapshots of a session: per stack (pid, stack id) the change in live bytes
 * and live objects, sorted by byte growth; the totals, the leak verdict against an object
 * threshold, and the change in RSS beside the change in tracked heap. Pure: plain data in,
 * a model out; diff_report.h prints it. */
#ifndef PERFAN_DIFF_H
#define PERFAN_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "session/session.h"

/* The default of --leak-threshold: more new live objects than this is a suspected leak (the
 * memory-profiler contract this tool grew from) */
#define DIFF_DEFAULT_LEAK_THRESHOLD 1000

/* What happened to a stack's live memory between A and B. "Live" means live objects or live
 * bytes are non-zero (malloc(0) makes objects of 0 bytes). */
enum diff_status {
	DIFF_APPEARED,	/* nothing live in A (or no row), something live in B */
	DIFF_VANISHED,	/* something live in A, nothing live in B */
	DIFF_GREW,	/* live in both; more bytes in B (or equal bytes, more objects) */
	DIFF_SHRANK,	/* live in both; fewer bytes in B (or equal bytes, fewer objects) */
	DIFF_UNCHANGED, /* live in both; same bytes and objects */
};

struct diff_stack {
	uint32_t pid;
	uint64_t stack_id;
	uint64_t live_bytes_a, live_bytes_b;
	uint64_t live_objects_a, live_objects_b;
	int64_t byte_delta;   /* b - a */
	int64_t object_delta; /* b - a */
	/* allocated between A and B (cumulative counters; 0 when they went backwards) */
	uint64_t alloc_bytes_between, alloc_objects_between;
	enum diff_status status;
	const struct frame *frames; /* the session's stack table; NULL when not symbolized */
	size_t frame_cnt;
};

struct diff_mem {
	bool known; /* both snapshots read RSS and anonymous memory */
	uint64_t rss_bytes_a, rss_bytes_b;
	uint64_t anon_bytes_a, anon_bytes_b;
	int64_t rss_delta;  /* b - a */
	int64_t anon_delta; /* b - a */
	/* RSS growth the tracked heap growth does not account for:
	 * max(0, rss_delta - max(0, byte_delta)); 0 when RSS did not grow */
	uint64_t unexplained_rss_bytes;
};

struct diff_opts {
	uint64_t leak_threshold; /* objects; leak_suspected = object_delta > this */
};

struct snapshot_diff {
	const struct snapshot *a, *b; /* point into the session */
	uint32_t pid;		      /* the session's pid (0 with --all) */
	bool by_process;	      /* stacks of several processes (--all, forks followed) */
	bool growth;		      /* a growth session's (session.h) */
	const char *allocator;	      /* the session's allocator module, for naming stacks */
	/* every stack with something live in A or in B; sorted by byte_delta
	 * (largest growth first), then object_delta, live bytes in B, live bytes in A (all
	 * descending), then pid and stack id (ascending): a total order */
	struct diff_stack *stacks;
	size_t stack_cnt;
	size_t status_cnt[DIFF_UNCHANGED + 1];
	uint64_t live_bytes_a, live_bytes_b, live_objects_a, live_objects_b;
	int64_t byte_delta;   /* sum of the stacks' deltas (= live_bytes_b - live_bytes_a) */
	int64_t object_delta; /* likewise for objects */
	uint64_t leak_threshold;
	bool leak_suspected;		      /* object_delta > leak_threshold */
	int64_t lost_delta[REPORT_LOST__MAX]; /* loss counters: b - a */
	struct diff_mem mem;
};

/* Computes the diff from snapshot a to snapshot b of session s (a and b must belong to s;
 * they may be the same, or b may precede a). Counts above INT64_MAX (only in corrupt files)
 * are clamped to it so every delta fits. out points into s: free s after it. 0 or -ENOMEM. */
int diff__compute(const struct session *s, const struct snapshot *a, const struct snapshot *b,
		  const struct diff_opts *opts, struct snapshot_diff *out);
void diff__free(struct snapshot_diff *d);

/* "appeared", "vanished", "grew", "shrank", "unchanged" */
const char *diff__status_name(enum diff_status st);

#endif
