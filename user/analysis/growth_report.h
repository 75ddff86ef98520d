/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The growth report model: the processes of a growth snapshot, fastest growing first; its
 * first-touch stacks (the leak report model over growth rows: live_bytes = bytes first
 * touched); and, for the processes that were escalated to exact tracing, the stacks holding
 * the memory allocated in that window, parsed from the exact gear's JSON report. What the
 * growth formatters print comes from here. */
#ifndef PERFAN_GROWTH_REPORT_H
#define PERFAN_GROWTH_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "analysis/report.h"
#include "lib/errtext.h"
#include "session/session.h"

/* A stack holding live memory at the end of an exact window */
struct held_stack {
	uint64_t live_bytes;
	uint64_t live_objects;
	struct frame *frames; /* strings owned by the escalation's session */
	size_t frame_cnt;
	bool truncated;
};

/* One process traced exactly for a bounded window */
struct escalation {
	uint32_t pid;
	double window_s;
	char command[256]; /* the exact gear's command line, as the user would type it */
	bool ok;
	char error[512]; /* why it failed, when !ok */
	uint64_t live_bytes, live_objects;
	uint64_t unmatched_frees;
	struct held_stack *stacks; /* by live bytes, largest first */
	size_t cnt;
	struct session strings; /* owns the frames' strings */
};

struct growth_report {
	uint32_t pid; /* 0: host-wide */
	double duration_s;
	bool final;
	struct leak_report rep;	      /* first-touch stacks, by bytes touched */
	const struct proc_row *procs; /* fastest growing first (points into the snapshot) */
	size_t proc_cnt;
	const struct escalation *esc; /* owned by the caller */
	size_t esc_cnt;
	uint64_t lost[REPORT_LOST__MAX];
	uint32_t sample_pages; /* 1 in N new pages had its stack walked; 0: not known (a file) */
	/* live sessions: the walk budget (walks per second per CPU; 0: none), the largest weight
	 * a drawn page had and the pages counted by draws the budget made weigh more */
	uint32_t walk_budget;
	uint64_t weight_max, budget_pages;
};

/* The growth report of snapshot snap of session s (a growth session). The report points into
 * s. 0 or -ENOMEM. */
int growth_report__build(const struct session *s, const struct snapshot *snap,
			 struct growth_report *g);
void growth_report__free(struct growth_report *g);
/* First-touch stacks that differ only in the faulting instruction, inside one named function
 * (memset, memcpy writing a new page at another offset), are one call site: merged into the
 * biggest of them (its stack id and leaf address stay), counts summed, order restored.
 * 0 or -ENOMEM (rep unchanged). */
int growth_report__merge_leaves(struct leak_report *rep);

/* Fill e from the exact gear's JSON report (perfan-bpf leak --format json). 0, -ENOMEM, or
 * -EINVAL with a reason in why. */
int escalation__parse(struct escalation *e, const char *json_text, struct errtext *why);
void escalation__free(struct escalation *e);

#endif
