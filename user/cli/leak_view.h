/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What `perfan-bpf leak` shows while it runs and at its end: the report of this moment
 * (with --min-age applied to a copy of the sample: snapshots keep every block), printed by the
 * chosen formatter, or redrawn in place like top on a terminal (live_view.h). */
#ifndef PERFAN_CLI_LEAK_VIEW_H
#define PERFAN_CLI_LEAK_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include "analysis/report.h"
#include "lib/stack.h"
#include "lib/stacktab.h"
#include "output/report_format.h"
#include "target/target.h"

struct leak_loader;

/* An exec of a traced process: its old image's live blocks were dropped */
struct leak_exec_note {
	uint32_t pid;
	double at_s;		/* seconds after attach */
	char comm[16];		/* the new image's name (sanitized) */
	char path[256];		/* the program exec'd, as given to execve (sanitized) */
	char allocator[1024];	/* what its allocations are traced through; "" when not known */
	bool untraced;		/* its allocator could not be probed (said on stderr) */
	double resolve_until_s; /* the session looks for its allocator until then; 0: done */
	double exec_s;		/* when it exec'd, CLOCK_MONOTONIC (the kernel's time) */
};

/* A process traced by its own probes: the target (ppid 0) or one it forked (followed) */
struct leak_proc_note {
	uint32_t pid, ppid;
	char comm[16]; /* at the fork, or after its exec (sanitized) */
};

struct leak_view {
	const char *format;    /* text, json, or a picture drawn at the end */
	report_formatter fmt;  /* NULL for a picture */
	uint64_t top;	       /* stacks printed; 0: all */
	bool top_set;	       /* --top given */
	double min_age_s;      /* count only blocks this old; 0: all */
	const char *allocator; /* the probed module, as shown */
	const struct target *tgt;
	double start_s;			       /* when the probes were in */
	const struct leak_proc_note *followed; /* the target and the processes followed: listed
						* in the reports' processes */
	size_t followed_cnt;
	const struct leak_exec_note *execs; /* the text report's "Execs" section */
	size_t exec_cnt;
	uint64_t execs_total; /* execs counted by the kernel (notes are kept for the first ones) */
	/* walks made before their files' rows were in, and what became of them; code events lost */
	uint64_t early_walks, early_folded, early_left, early_left_objects, code_events_lost;
	uint64_t early_rewalked, early_not_rewalked; /* walked again, or not */
	uint64_t early_rewalked_same;		     /* walked again to the stack they had */
	/* the target's anonymous memory at attach (launch mode: 0, the command's whole life);
	 * not known with --all */
	bool anon_base_known;
	uint64_t anon_base;
	/* the target's anonymous memory at the last tick: the figure of a target gone at the end */
	bool anon_last_known;
	uint64_t anon_last;
	/* the live view's rate: allocations + frees at the last draw */
	uint64_t last_events;
	double last_draw_s;
};

/* The report of this moment from sample and the stacks of tab; 0 or -errno */
int leak_view__build(const struct leak_view *v, struct leak_loader *ld, const struct stacktab *tab,
		     const struct leak_sample *sample, struct leak_report *rep);
/* Print the report (final: the end-of-session one) on stdout; 0 or -errno */
int leak_view__print(struct leak_view *v, struct leak_loader *ld, const struct stacktab *tab,
		     const struct leak_sample *sample, bool final, double at_s);
/* Redraw the live view on the terminal; snapshots: taken so far. 0 or -errno */
int leak_view__draw(struct leak_view *v, struct leak_loader *ld, const struct stacktab *tab,
		    const struct leak_sample *sample, unsigned snapshots, double at_s);

/* The session's end on stderr: the target's marks dropped (over max_mark_rate a second, or
 * by the ring buffer), the snapshots not written (over max_session_bytes), and the execs
 * whose old image's live blocks were dropped */
void leak_view__drops(const struct leak_sample *sample, unsigned snapshots_dropped,
		      uint64_t max_mark_rate, uint64_t max_session_bytes, uint64_t execs);

#endif
