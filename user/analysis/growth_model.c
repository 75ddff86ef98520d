// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The growth gear's process table (see growth_model.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/growth_model.h"
#include "lib/array.h"
#include "lib/sanitize.h"

static size_t find(const struct growth_table *t, uint32_t pid, bool *found)
{
	size_t lo = 0, hi = t->cnt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->e[mid].row.pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < t->cnt && t->e[lo].row.pid == pid;
	return lo;
}

struct growth_entry *growth_table__get(struct growth_table *t, uint32_t pid)
{
	bool found;
	size_t i = find(t, pid, &found);

	return found ? &t->e[i] : NULL;
}

static struct growth_entry *get_or_add(struct growth_table *t, uint32_t pid)
{
	bool found;
	size_t i = find(t, pid, &found);

	if (found)
		return &t->e[i];
	if (ARRAY_GROW(t->e, t->cap, t->cnt + 1, 64))
		return NULL;
	memmove(&t->e[i + 1], &t->e[i], (t->cnt - i) * sizeof(*t->e));
	t->cnt++;
	memset(&t->e[i], 0, sizeof(t->e[i]));
	t->e[i].row.pid = pid;
	t->e[i].first_s = t->now_s;
	return &t->e[i];
}

static void set_comm(struct proc_row *r, const char *comm)
{
	snprintf(r->comm, sizeof(r->comm), "%s", comm ? comm : "");
	sanitize__str(r->comm);
}

void growth_table__begin_scan(struct growth_table *t, double now_s)
{
	t->now_s = now_s;
	for (size_t i = 0; i < t->cnt; i++)
		t->e[i].in_scan = false;
}

int growth_table__observe(struct growth_table *t, uint32_t pid, const char *comm, uint64_t rss,
			  uint64_t anon)
{
	struct growth_entry *e = get_or_add(t, pid);

	if (!e)
		return -ENOMEM;
	if (!e->from_proc || e->row.exited) {
		/* first sight (or a pid reused after an exit): growth counts from here; for a
		 * process the kernel saw forked during the session, from before the new memory
		 * it wrote to until now (its RSS at birth is not known: a fork shares its parent's
		 * pages, which are no growth) */
		uint64_t before = !e->from_proc && e->row.ppid ? e->row.touched_bytes : 0;

		e->from_proc = true;
		e->row.exited = false;
		e->seen_exited = false;
		e->forgotten = false;
		e->rss_first = rss - (before < rss ? before : rss);
		e->anon_first = anon - (before < anon ? before : anon);
		e->first_s = t->now_s;
	}
	if (comm && *comm)
		set_comm(&e->row, comm);
	e->in_scan = true;
	e->last_s = t->now_s;
	e->row.mem_known = true;
	e->row.rss_bytes = rss;
	e->row.anon_bytes = anon;
	e->row.growth_bytes = (int64_t)rss - (int64_t)e->rss_first;
	e->row.anon_growth_bytes = (int64_t)anon - (int64_t)e->anon_first;
	e->row.window_s = t->now_s - e->first_s;
	return 0;
}

void growth_table__end_scan(struct growth_table *t)
{
	for (size_t i = 0; i < t->cnt; i++)
		if (t->e[i].from_proc && !t->e[i].in_scan)
			t->e[i].row.exited = true;
}

int growth_table__kernel(struct growth_table *t, uint32_t pid, uint32_t ppid, const char *comm,
			 uint64_t held, uint64_t touched, uint64_t heap, uint32_t execs,
			 uint32_t forks, bool exited)
{
	struct growth_entry *e = get_or_add(t, pid);

	if (!e)
		return -ENOMEM;
	if (e->row.exited && !exited &&
	    (e->forgotten || (ppid && ppid != e->row.ppid) || execs < e->row.execs)) {
		/* a pid reused (the kernel's entry of the old one was dropped, or its parent or
		 * exec count differ): another process, counted from here */
		uint32_t pid_ = e->row.pid;

		memset(e, 0, sizeof(*e));
		e->row.pid = pid_;
		e->first_s = t->now_s;
	}
	if (ppid)
		e->row.ppid = ppid;
	/* the kernel's name follows exec; /proc's is read once per scan */
	if (comm && *comm && (!e->row.comm[0] || execs > e->row.execs))
		set_comm(&e->row, comm);
	e->row.touched_bytes = touched;
	e->row.held_bytes = held; /* an exited process: as at its exit */
	e->row.heap_bytes = heap;
	e->row.execs = execs;
	e->row.forks = forks;
	if (exited)
		e->row.exited = true;
	if (!e->from_proc) {
		/* it lived between two scans: what it touched is all we know of its growth */
		e->row.growth_bytes = (int64_t)touched;
		e->row.anon_growth_bytes = (int64_t)touched;
		e->row.window_s = 0;
	}
	return 0;
}

int proc_row__cmp_growth(const void *a, const void *b)
{
	const struct proc_row *x = a, *y = b;

	if (x->growth_bytes != y->growth_bytes)
		return x->growth_bytes > y->growth_bytes ? -1 : 1;
	if (x->touched_bytes != y->touched_bytes)
		return x->touched_bytes > y->touched_bytes ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

int growth_table__rows(const struct growth_table *t, struct proc_row **rows, size_t *cnt)
{
	*cnt = 0;
	*rows = t->cnt ? malloc(t->cnt * sizeof(**rows)) : NULL;
	if (t->cnt && !*rows)
		return -ENOMEM;
	for (size_t i = 0; i < t->cnt; i++)
		(*rows)[i] = t->e[i].row;
	*cnt = t->cnt;
	if (*cnt)
		qsort(*rows, *cnt, sizeof(**rows), proc_row__cmp_growth);
	return 0;
}

void growth_table__prune(struct growth_table *t, double before_s)
{
	size_t n = 0;

	for (size_t i = 0; i < t->cnt; i++)
		if (!(t->e[i].row.exited && t->e[i].last_s < before_s &&
		      t->e[i].first_s < before_s))
			t->e[n++] = t->e[i];
	t->cnt = n;
}

void growth_table__free(struct growth_table *t)
{
	free(t->e);
	memset(t, 0, sizeof(*t));
}
