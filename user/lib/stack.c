// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The shared plain types (see stack.h): capped sums, loss counter names, growing a sample. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/array.h"
#include "lib/stack.h"

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
	[REPORT_LOST_PROCS_MAP_FULL] = { "procs_map_full",
					 "processes not tracked: the process table is full "
					 "(raise --max-procs)" },
	[REPORT_LOST_VMA_BUSY] = { "vma_busy",
				   "address-space calls not charged, or stack walks cut short: a "
				   "mapping could not be looked at (its lock was taken)" },
	[REPORT_LOST_PAGES_MAP_FULL] = { "pages_map_full",
					 "new pages counted but not owned by their stack: the page "
					 "table is full (raise --max-pages)" },
};

const char *report_lost__name(enum report_lost kind)
{
	return kind < REPORT_LOST__MAX ? lost_info[kind].name : "?";
}

const char *report_lost__help(enum report_lost kind)
{
	return kind < REPORT_LOST__MAX ? lost_info[kind].help : "?";
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
	t->live_usable_objects = add_capped(t->live_usable_objects, c->live_usable_objects);
	t->live_usable_bytes = add_capped(t->live_usable_bytes, c->live_usable_bytes);
}

int stack_row__cmp(const void *pa, const void *pb)
{
	const struct stack_row *a = pa, *b = pb;

	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->stack_id != b->stack_id)
		return a->stack_id < b->stack_id ? -1 : 1;
	return 0;
}

int leak_sample__add(struct leak_sample *s, const struct stack_row *st)
{
	if (ARRAY_GROW(s->stacks, s->cap, s->cnt + 1, 256))
		return -ENOMEM;
	s->stacks[s->cnt++] = *st;
	return 0;
}

void leak_sample__free(struct leak_sample *s)
{
	if (!s)
		return;
	free(s->stacks);
	memset(s, 0, sizeof(*s));
}

bool report_lost__applies(enum report_lost kind, bool growth)
{
	switch (kind) {
	case REPORT_LOST_STACK_FAILURES:
	case REPORT_LOST_STACKS_MAP_FULL:
	case REPORT_LOST_STATS_MAP_FULL:
	case REPORT_LOST_SNAPSHOTS_DROPPED:
		return true;
	case REPORT_LOST_PROCS_MAP_FULL:
	case REPORT_LOST_VMA_BUSY:
	case REPORT_LOST_PAGES_MAP_FULL:
		return growth;
	default:
		return !growth && kind >= 0 && kind < REPORT_LOST__MAX;
	}
}
