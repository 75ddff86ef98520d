/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The plain types every layer shares: a symbolized frame, a stack's counts, one row of
 * per-stack counts (a sample of the kernel maps, a snapshot's row), the loss counters and
 * their names. No behaviour beyond sums and names: each layer builds on these. */
#ifndef PERFAN_LIB_STACK_H
#define PERFAN_LIB_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct frame {
	uint64_t address;	  /* as captured: a return address */
	const char *module;	  /* path as the target sees it; NULL when unmapped */
	const char *build_id;	  /* hex, "" when unknown */
	const char *function;	  /* demangled; NULL when no symbol covers the address */
	const char *raw_function; /* the symbol as stored (mangled), NULL when none */
	uint64_t offset;	  /* from the function's start, or from the module's base */
	const char *file;	  /* NULL when no DWARF line covers the address */
	uint32_t line;
	/* a call inlined into the next frame, which shows the line of that call; all frames
	 * of one inline chain share the captured address */
	bool inlined;
	/* the return address lies in the module's ELF entry code (_start), named or not: a
	 * walk that ends here is whole. Known while symbolizing, not kept in files. */
	bool at_entry;
};

struct stack_counts {
	uint64_t live_bytes;
	uint64_t live_objects;
	uint64_t alloc_bytes;
	uint64_t alloc_objects;
	uint64_t freed_bytes;
	uint64_t freed_objects;
	/* the live objects whose usable size the allocator tells (glibc, jemalloc), and its sum;
	 * live sessions only (not kept in session files): 0 0 elsewhere */
	uint64_t live_usable_objects;
	uint64_t live_usable_bytes;
};

/* Whether c's live bytes have a usable size: every live object's is known (none live: 0) */
static inline bool stack_counts__usable_known(const struct stack_counts *c)
{
	return c->live_usable_objects == c->live_objects;
}

/* t += c, field by field, each capped at INT64_MAX (no wrap on hand-made files) */
void stack_counts__add(struct stack_counts *t, const struct stack_counts *c);

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
	/* the growth gear's own (bpf/growth.h) */
	REPORT_LOST_PROCS_MAP_FULL,
	REPORT_LOST_VMA_BUSY,
	REPORT_LOST_PAGES_MAP_FULL,
	REPORT_LOST__MAX,
};

/* The counter is one the exact gear (growth false) or the growth gear (true) keeps: each
 * report names only its own */
bool report_lost__applies(enum report_lost kind, bool growth);
/* The JSON and text name of a loss counter, e.g. "allocs_map_full" */
const char *report_lost__name(enum report_lost kind);
/* One line per counter explaining it and what to do, for the text output */
const char *report_lost__help(enum report_lost kind);

/* One stack's counts: a row of a sample of the kernel maps, or of a snapshot */
struct stack_row {
	uint32_t pid;
	uint64_t stack_id;
	struct stack_counts counts;
};

struct leak_sample {
	struct stack_row *stacks;
	size_t cnt;
	size_t cap;
	uint64_t lost[REPORT_LOST__MAX];
};

/* qsort/bsearch order of rows: by pid, then stack id */
int stack_row__cmp(const void *a, const void *b);

/* 0 or -ENOMEM */
int leak_sample__add(struct leak_sample *s, const struct stack_row *st);
void leak_sample__free(struct leak_sample *s);

#endif
