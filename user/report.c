// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The leak report model (see report.h): building, totals, ordering, formatter lookup. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

static const struct {
	const char *name;
	const char *help;
} lost_info[REPORT_LOST__MAX] = {
	[REPORT_LOST_ALLOCS_MAP_FULL] = { "allocs_map_full",
					  "live allocations not tracked: allocation map full "
					  "(raise --max-allocs)" },
	[REPORT_LOST_STACK_FAILURES] = { "stack_failures",
					 "allocations whose stack could not be read (counted "
					 "under [stack unavailable])" },
	[REPORT_LOST_STACKS_MAP_FULL] = { "stacks_map_full",
					  "allocations whose new stack could not be stored "
					  "(counted under [stack unavailable]; raise --max-stacks)" },
	[REPORT_LOST_UNMATCHED_FREES] = { "unmatched_frees",
					  "frees of blocks allocated before attach (ignored)" },
	[REPORT_LOST_PENDING_RETURNS] = { "pending_returns",
					  "allocator calls whose return was never seen" },
	[REPORT_LOST_STATS_MAP_FULL] = { "stats_map_full",
					 "allocations not aggregated: stack statistics map full "
					 "(raise --max-stacks)" },
	[REPORT_LOST_STATE_FAILURES] = { "state_failures",
					 "allocator calls missed: no per-thread state" },
	[REPORT_LOST_MARKS_DROPPED] = { "marks_dropped",
					"perfan:mark probes of the target not snapshotted: over "
					"--max-mark-rate, or the ring buffer was full" },
	[REPORT_LOST_SNAPSHOTS_DROPPED] = { "snapshots_dropped",
					    "snapshots not written: the session file reached "
					    "--max-session-size" },
};

const char *report__lost_name(enum report_lost kind)
{
	return kind < REPORT_LOST__MAX ? lost_info[kind].name : "?";
}

const char *report__lost_help(enum report_lost kind)
{
	return kind < REPORT_LOST__MAX ? lost_info[kind].help : "?";
}

int report__add(struct leak_report *rep, const struct report_stack *stack)
{
	struct report_stack *n;

	if (rep->stack_cnt == rep->stack_cap) {
		size_t cap = rep->stack_cap ? rep->stack_cap * 2 : 64;

		n = realloc(rep->stacks, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		rep->stacks = n;
		rep->stack_cap = cap;
	}
	rep->stacks[rep->stack_cnt++] = *stack;
	return 0;
}

/* a + b, capped at INT64_MAX: the largest count the JSON formats carry (a hand-made session
 * file may hold anything) */
static uint64_t add_capped(uint64_t a, uint64_t b)
{
	uint64_t sum;

	if (__builtin_add_overflow(a, b, &sum) || sum > INT64_MAX)
		return INT64_MAX;
	return sum;
}

void stack_counts__add(struct stack_counts *t, const struct stack_counts *c)
{
	t->live_bytes = add_capped(t->live_bytes, c->live_bytes);
	t->live_objects = add_capped(t->live_objects, c->live_objects);
	t->alloc_bytes = add_capped(t->alloc_bytes, c->alloc_bytes);
	t->alloc_objects = add_capped(t->alloc_objects, c->alloc_objects);
	t->freed_bytes = add_capped(t->freed_bytes, c->freed_bytes);
	t->freed_objects = add_capped(t->freed_objects, c->freed_objects);
}

void report__sum(struct leak_report *rep)
{
	memset(&rep->totals, 0, sizeof(rep->totals));
	for (size_t i = 0; i < rep->stack_cnt; i++)
		stack_counts__add(&rep->totals, &rep->stacks[i].counts);
}

#define CMP_DESC(a, b)                                                                            \
	do {                                                                                      \
		if ((a) != (b))                                                                   \
			return (a) > (b) ? -1 : 1;                                                \
	} while (0)

static int stack_cmp(const void *pa, const void *pb)
{
	const struct report_stack *a = pa, *b = pb;

	CMP_DESC(a->counts.live_bytes, b->counts.live_bytes);
	CMP_DESC(a->counts.live_objects, b->counts.live_objects);
	CMP_DESC(a->counts.alloc_bytes, b->counts.alloc_bytes);
	CMP_DESC(a->counts.alloc_objects, b->counts.alloc_objects);
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->stack_id != b->stack_id)
		return a->stack_id < b->stack_id ? -1 : 1;
	return 0;
}

void report__sort(struct leak_report *rep)
{
	if (rep->stack_cnt)
		qsort(rep->stacks, rep->stack_cnt, sizeof(*rep->stacks), stack_cmp);
}

void report__free(struct leak_report *rep)
{
	if (!rep)
		return;
	free(rep->stacks);
	rep->stacks = NULL;
	rep->stack_cnt = 0;
	rep->stack_cap = 0;
}

size_t report__truncated_cnt(const struct leak_report *rep, const struct report_format_opts *opts,
			     size_t *of)
{
	size_t cnt = 0, all = 0;

	for (size_t i = 0; i < rep->stack_cnt; i++) {
		const struct report_stack *s = &rep->stacks[i];

		if (!s->counts.live_objects && !opts->show_freed)
			continue;
		all++;
		cnt += s->truncated;
	}
	if (of)
		*of = all;
	return cnt;
}

const char *report__truncated_help(void)
{
	return "their walk stopped early (at code with neither frame pointers nor .eh_frame "
	       "unwind rows, or at 127 frames), so callers are missing: keep .eh_frame in the "
	       "build (no -fno-asynchronous-unwind-tables) or build with -fno-omit-frame-pointer, "
	       "and leave --unwind at auto (docs/symbols.md)";
}

report_formatter report__formatter(const char *name)
{
	static const struct {
		const char *name;
		report_formatter fn;
	} formats[] = {
		{ "text", report__write_text },
		{ "json", report__write_json },
	};

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strcmp(name, formats[i].name))
			return formats[i].fn;
	return NULL;
}
