/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The leak report model: per-stack counts with symbolized frames, totals and loss counters.
 * Everything the formatters print comes from here; it is built from plain data, so it is
 * unit-tested without BPF. */
#ifndef PERFAN_REPORT_H
#define PERFAN_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "lib/stack.h"
#include "lib/stacktab.h"
#include "session/session.h"

struct report_stack {
	uint32_t pid;
	uint64_t stack_id; /* 0: the stack could not be captured or stored */
	struct stack_counts counts;
	const struct frame *frames; /* owned by whoever built the report (the stack table) */
	size_t frame_cnt;
	/* the frame walk stopped early (no frame pointer, or the depth limit): callers are
	 * missing from frames */
	bool truncated;
};

/* An exec of a traced process during the session (the exact gear): its old image's live blocks
 * were dropped */
struct report_exec {
	uint32_t pid;
	double at_s;	       /* seconds after attach */
	const char *comm;      /* the new image's name (sanitized) */
	const char *path;      /* the program exec'd (sanitized) */
	const char *allocator; /* what traces its allocations since; NULL: not known */
	bool untraced;	       /* its allocator could not be probed */
};

/* New code the exact gear learned of as the session ran (execs, dlopen): all 0 when none */
struct report_code {
	const struct report_exec *execs; /* the first ones, owned by the caller */
	size_t exec_cnt;
	uint64_t execs_total;	/* execs the kernel counted */
	uint64_t early_walks;	/* allocations walked before their files' unwind rows were in */
	uint64_t rewalked;	/* of those, walked again once the rows were in */
	uint64_t rewalked_same; /* of those, to the stack they had */
	uint64_t not_rewalked;	/* not: process gone, rows not in, too deep, too many at once */
	uint64_t folded;	/* provisional stacks folded into their whole stack */
	uint64_t left;		/* provisional stacks left truncated */
	uint64_t left_objects;	/* the objects those allocated */
	uint64_t events_lost;	/* execs or code mappings not told at once (ring buffer full) */
};

/* A process of an exact session's final report: what its stacks sum to, and how its anonymous
 * memory grew beside them (a growth the live heap does not explain is said) */
struct report_proc {
	uint32_t pid;
	uint32_t ppid;			/* a process followed at its fork: its parent; else 0 */
	char comm[16];			/* sanitized; "" when gone */
	struct stack_counts counts;	/* its stacks' sums */
	bool mem_known;			/* /proc showed it at the end */
	uint64_t anon_bytes;		/* its anonymous memory then */
	bool growth_known;		/* its anonymous memory at attach is known */
	int64_t anon_growth_bytes;	/* since attach (launch mode: since the command started) */
	int64_t untracked_growth_bytes; /* anon_growth_bytes - live_bytes, 0 when below */
};

struct leak_report {
	enum session_kind kind; /* growth: live_bytes are bytes first touched (session.h) */
	int pid;		/* 0 with --all */
	double duration_s;	/* since attach */
	bool final;		/* the end-of-session report */
	const char *command;	/* launch mode: the command, else NULL */
	struct stack_counts totals;
	uint64_t lost[REPORT_LOST__MAX];
	struct report_stack *stacks; /* sorted by report__sort */
	size_t stack_cnt;
	size_t stack_cap;
	struct report_code code;	 /* the exact gear's live sessions; zero elsewhere */
	const struct report_proc *procs; /* final report of a live session; owned by the caller */
	size_t proc_cnt;
};

/* The one join of counts and frames: each row (looked up in tab for its frames) becomes a
 * stack of rep, then totals and order; lost is copied. The report points into tab.
 * 0 or -ENOMEM (rep is then freed). */
int report__join(struct leak_report *rep, const struct stacktab *tab, const struct stack_row *rows,
		 size_t cnt, const uint64_t lost[REPORT_LOST__MAX]);
/* The leak report of one snapshot of session s (report__join of its rows and frames, with its
 * pid, time and the session's command). 0 or -ENOMEM. */
int session__report(const struct session *s, const struct snapshot *snap, struct leak_report *rep);

/* A process's share of a report: its stacks' sums */
struct report_proc_sum {
	uint32_t pid;
	size_t first; /* the index of its first stack in the report */
	struct stack_counts counts;
};
/* Each process's sums over rep's stacks, in the order of its first stack in the report
 * (O(stacks log stacks)). *out is malloc'd (NULL when there are no stacks). 0 or -ENOMEM. */
int report__proc_sums(const struct leak_report *rep, struct report_proc_sum **out, size_t *cnt);

/* Whether rep is about several processes (--all, or a session that followed forks): its
 * stacks are then shown with their pid, and its processes summed first */
bool report__by_process(const struct leak_report *rep);

/* Append a stack (copied); 0 or -ENOMEM */
int report__add(struct leak_report *rep, const struct report_stack *stack);
/* Sum totals over all stacks */
void report__sum(struct leak_report *rep);
/* Order by live bytes, then live objects, then allocated bytes, then pid and stack id:
 * a total order, so output is deterministic */
void report__sort(struct leak_report *rep);
void report__free(struct leak_report *rep);
/* A copy of rep with its stacks up to the top-th one that holds live memory, in order: what a
 * table of the top live stacks shows (report__free it). 0 or -ENOMEM. */
int report__copy_top(const struct leak_report *rep, size_t top, struct leak_report *out);

struct report_format_opts {
	size_t top;	 /* stacks to print; 0 = all */
	bool show_freed; /* include stacks with nothing live */
};

/* Which stacks a report shows, for every formatter: of the stacks it is about (those with live
 * objects, or all with show_freed), the first opts->top in report order (0 = all). */
struct report_cursor {
	size_t pos;   /* index into rep->stacks to look at next */
	size_t shown; /* stacks returned so far: the last one's 1-based rank */
};
/* The next stack shown, or NULL when no more are; start with a zeroed cursor */
const struct report_stack *report__next_shown(const struct leak_report *rep,
					      const struct report_format_opts *opts,
					      struct report_cursor *c);
/* Stacks with live objects */
size_t report__live_stack_cnt(const struct leak_report *rep);
/* Stacks the report is about (live ones, or all with show_freed; --top is ignored) that are
 * truncated; *of (when not NULL) is how many it is about */
size_t report__truncated_cnt(const struct leak_report *rep, const struct report_format_opts *opts,
			     size_t *of);
/* One line on why stacks are truncated and what to do, for the text output */
const char *report__truncated_help(void);

#endif
