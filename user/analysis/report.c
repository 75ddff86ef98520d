// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The leak report model (see report.h): building, totals, ordering, which stacks a report
 * shows, formatter lookup. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/report.h"
#include "lib/array.h"

int report__add(struct leak_report *rep, const struct report_stack *stack)
{
	if (ARRAY_GROW(rep->stacks, rep->stack_cap, rep->stack_cnt + 1, 64))
		return -ENOMEM;
	rep->stacks[rep->stack_cnt++] = *stack;
	return 0;
}

int report__join(struct leak_report *rep, const struct stacktab *tab, const struct stack_row *rows,
		 size_t cnt, const uint64_t lost[REPORT_LOST__MAX])
{
	memcpy(rep->lost, lost, sizeof(rep->lost));
	for (size_t i = 0; i < cnt; i++) {
		const struct stack_row *r = &rows[i];
		const struct stack_entry *e = stacktab__get(tab, r->pid, r->stack_id);
		struct report_stack rs = {
			.pid = r->pid,
			.stack_id = r->stack_id,
			.counts = r->counts,
			.frames = e ? e->frames : NULL,
			.frame_cnt = e ? e->frame_cnt : 0,
			.truncated = e && e->truncated,
		};

		if (report__add(rep, &rs)) {
			report__free(rep);
			return -ENOMEM;
		}
	}
	report__sum(rep);
	report__sort(rep);
	return 0;
}

int session__report(const struct session *s, const struct snapshot *snap, struct leak_report *rep)
{
	rep->kind = s->kind;
	rep->pid = (int)snap->pid;
	rep->duration_s = snap->elapsed_s;
	rep->command = s->command;
	return report__join(rep, s->stacks, snap->rows, snap->row_cnt, snap->lost);
}

void report__sum(struct leak_report *rep)
{
	memset(&rep->totals, 0, sizeof(rep->totals));
	for (size_t i = 0; i < rep->stack_cnt; i++)
		stack_counts__add(&rep->totals, &rep->stacks[i].counts);
}

#define CMP_DESC(a, b)                                                                             \
	do {                                                                                       \
		if ((a) != (b))                                                                    \
			return (a) > (b) ? -1 : 1;                                                 \
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

int report__copy_top(const struct leak_report *rep, size_t top, struct leak_report *out)
{
	size_t n = 0, shown = 0;

	for (; n < rep->stack_cnt && shown < top; n++)
		shown += rep->stacks[n].counts.live_bytes || rep->stacks[n].counts.live_objects;
	*out = *rep;
	out->stacks = n ? malloc(n * sizeof(*out->stacks)) : NULL;
	out->stack_cnt = out->stack_cap = n;
	if (n && !out->stacks) {
		out->stack_cnt = out->stack_cap = 0;
		return -ENOMEM;
	}
	if (n)
		memcpy(out->stacks, rep->stacks, n * sizeof(*out->stacks));
	return 0;
}

/* The one rule of what a report is about, --top aside */
static bool is_about(const struct report_format_opts *opts, const struct report_stack *s)
{
	return s->counts.live_objects || opts->show_freed;
}

const struct report_stack *report__next_shown(const struct leak_report *rep,
					      const struct report_format_opts *opts,
					      struct report_cursor *c)
{
	if (opts->top && c->shown >= opts->top)
		return NULL;
	while (c->pos < rep->stack_cnt) {
		const struct report_stack *s = &rep->stacks[c->pos++];

		if (is_about(opts, s)) {
			c->shown++;
			return s;
		}
	}
	return NULL;
}

size_t report__live_stack_cnt(const struct leak_report *rep)
{
	size_t cnt = 0;

	for (size_t i = 0; i < rep->stack_cnt; i++)
		cnt += rep->stacks[i].counts.live_objects != 0;
	return cnt;
}

size_t report__truncated_cnt(const struct leak_report *rep, const struct report_format_opts *opts,
			     size_t *of)
{
	size_t cnt = 0, all = 0;

	for (size_t i = 0; i < rep->stack_cnt; i++) {
		const struct report_stack *s = &rep->stacks[i];

		if (!is_about(opts, s))
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

static int sum_by_pid(const void *a, const void *b)
{
	const struct report_proc_sum *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->first > y->first) - (x->first < y->first);
}

static int sum_by_first(const void *a, const void *b)
{
	const struct report_proc_sum *x = a, *y = b;

	return (x->first > y->first) - (x->first < y->first);
}

bool report__by_process(const struct leak_report *rep)
{
	if (!rep->pid)
		return true;
	for (size_t i = 0; i < rep->stack_cnt; i++)
		if (rep->stacks[i].pid != (uint32_t)rep->pid)
			return true;
	return false;
}

int report__proc_sums(const struct leak_report *rep, struct report_proc_sum **out, size_t *cnt)
{
	struct report_proc_sum *p;
	size_t n = 0;

	*out = NULL;
	*cnt = 0;
	if (!rep->stack_cnt)
		return 0;
	p = calloc(rep->stack_cnt, sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < rep->stack_cnt; i++)
		p[i] = (struct report_proc_sum){ rep->stacks[i].pid, i, rep->stacks[i].counts };
	qsort(p, rep->stack_cnt, sizeof(*p), sum_by_pid);
	for (size_t i = 0; i < rep->stack_cnt; i++) {
		if (n && p[n - 1].pid == p[i].pid)
			stack_counts__add(&p[n - 1].counts, &p[i].counts);
		else
			p[n++] = p[i];
	}
	qsort(p, n, sizeof(*p), sum_by_first);
	*out = p;
	*cnt = n;
	return 0;
}
