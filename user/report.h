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

struct frame {
	uint64_t address;     /* as captured: a return address */
	const char *module;   /* path as the target sees it; NULL when unmapped */
	const char *build_id; /* hex, "" when unknown */
	const char *function; /* demangled; NULL when no symbol covers the address */
	const char *raw_function; /* the symbol as stored (mangled), NULL when none */
	uint64_t offset;      /* from the function's start, or from the module's base */
	const char *file;     /* NULL when no DWARF line covers the address */
	uint32_t line;
	/* a call inlined into the next frame, which shows the line of that call; all frames
	 * of one inline chain share the captured address */
	bool inlined;
};

struct stack_counts {
	uint64_t live_bytes;
	uint64_t live_objects;
	uint64_t alloc_bytes;
	uint64_t alloc_objects;
	uint64_t freed_bytes;
	uint64_t freed_objects;
};

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

/* Loss counters: first the kernel's, in the order of enum lost_kind (bpf/leak.h), then the
 * session's own (what the target asked for that was not done) */
enum report_lost {
	REPORT_LOST_ALLOCS_MAP_FULL,
	REPORT_LOST_STACK_FAILURES,
	REPORT_LOST_STACKS_MAP_FULL,
	REPORT_LOST_UNMATCHED_FREES,
	REPORT_LOST_PENDING_RETURNS,
	REPORT_LOST_STATS_MAP_FULL,
	REPORT_LOST_STATE_FAILURES,
	REPORT_LOST__KERNEL,
	REPORT_LOST_MARKS_DROPPED = REPORT_LOST__KERNEL,
	REPORT_LOST_SNAPSHOTS_DROPPED,
	REPORT_LOST__MAX,
};

struct leak_report {
	int pid;	     /* 0 with --all */
	double duration_s;   /* since attach */
	bool final;	     /* the end-of-session report */
	const char *command; /* launch mode: the command, else NULL */
	struct stack_counts totals;
	uint64_t lost[REPORT_LOST__MAX];
	struct report_stack *stacks; /* sorted by report__sort */
	size_t stack_cnt;
	size_t stack_cap;
};

/* The JSON and text name of a loss counter, e.g. "allocs_map_full" */
const char *report__lost_name(enum report_lost kind);
/* One line per counter explaining it and what to do, for the text output */
const char *report__lost_help(enum report_lost kind);

/* Append a stack (copied); 0 or -ENOMEM */
int report__add(struct leak_report *rep, const struct report_stack *stack);
/* t += c, field by field, each capped at INT64_MAX (no wrap on hand-made files) */
void stack_counts__add(struct stack_counts *t, const struct stack_counts *c);
/* Sum totals over all stacks */
void report__sum(struct leak_report *rep);
/* Order by live bytes, then live objects, then allocated bytes, then pid and stack id:
 * a total order, so output is deterministic */
void report__sort(struct leak_report *rep);
void report__free(struct leak_report *rep);

struct report_format_opts {
	size_t top;	  /* stacks to print; 0 = all */
	bool show_freed;  /* include stacks with nothing live */
};

typedef int (*report_formatter)(const struct leak_report *rep,
				const struct report_format_opts *opts, FILE *out);

/* One frame line of the text formats:
 * "    #3  0x00005555555551a9 leak_one (leaky.c:42) [inlined]  /path/to/module" */
void report__write_frame(FILE *out, size_t idx, const struct frame *f);
int report__write_text(const struct leak_report *rep, const struct report_format_opts *opts,
		       FILE *out);
int report__write_json(const struct leak_report *rep, const struct report_format_opts *opts,
		       FILE *out);
/* Stacks the report is about (live ones, or all with show_freed; --top is ignored) that are
 * truncated; *of (when not NULL) is how many it is about */
size_t report__truncated_cnt(const struct leak_report *rep, const struct report_format_opts *opts,
			     size_t *of);
/* One line on why stacks are truncated and what to do, for the text output */
const char *report__truncated_help(void);

/* The formatter called `name` ("text", "json"), or NULL */
report_formatter report__formatter(const char *name);

#endif
