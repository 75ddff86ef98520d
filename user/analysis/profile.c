// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The profile view (see profile.h): adapters from a leak report and from a diff, value names
 * and frame names for the stack formats. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/profile.h"

static const char *const value_names[PV__MAX] = {
	[PV_LIVE_BYTES] = "live_bytes",		  [PV_LIVE_OBJECTS] = "live_objects",
	[PV_ALLOC_BYTES] = "alloc_bytes",	  [PV_ALLOC_OBJECTS] = "alloc_objects",
	[PV_DELTA_BYTES] = "delta_bytes",	  [PV_DELTA_OBJECTS] = "delta_objects",
	[PV_BASE_LIVE_BYTES] = "base_live_bytes", [PV_BASE_LIVE_OBJECTS] = "base_live_objects",
};

const char *profile__value_name(enum profile_value v)
{
	return v < PV__MAX ? value_names[v] : "?";
}

int profile__value_by_name(const char *name)
{
	for (int i = 0; i < PV__MAX; i++)
		if (!strcmp(value_names[i], name))
			return i;
	return -1;
}

bool profile__has_value(const struct profile *p, enum profile_value v)
{
	return v < PV_DELTA_BYTES || (p->is_diff && v < PV__MAX);
}

/* Counts are u64 in the model; a real heap never exceeds INT64_MAX, a corrupt file might */
static int64_t clamp(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : (int64_t)v;
}

int64_t profile__saturate(__int128 sum)
{
	if (sum > INT64_MAX)
		return INT64_MAX;
	if (sum < -INT64_MAX)
		return -INT64_MAX;
	return (int64_t)sum;
}

int64_t profile__ns_sat(double seconds)
{
	double ns = seconds * 1e9;

	if (isnan(ns))
		return 0;
	/* 0x1p63 is the first double above INT64_MAX; converting it or more is undefined */
	if (ns >= 0x1p63)
		return INT64_MAX;
	if (ns <= -0x1p63)
		return -INT64_MAX;
	return (int64_t)ns;
}

static void sum(struct profile *p)
{
	__int128 acc[PV__MAX] = {};

	for (size_t i = 0; i < p->stack_cnt; i++)
		for (int v = 0; v < PV__MAX; v++)
			acc[v] += p->stacks[i].val[v];
	for (int v = 0; v < PV__MAX; v++)
		p->total[v] = profile__saturate(acc[v]);
}

/* A profile's stacks can take the memory of a report's or a diff's, in place: entry i is
 * written where entry i of the other began, over it and no later one */
_Static_assert(sizeof(struct profile_stack) <= sizeof(struct report_stack),
	       "a report's stacks hold a profile's");
_Static_assert(sizeof(struct profile_stack) <= sizeof(struct diff_stack),
	       "a diff's stacks hold a profile's");

static struct profile_stack of_report(const struct report_stack *r)
{
	struct profile_stack ps = {
		.pid = r->pid,
		.stack_id = r->stack_id,
		.frames = r->frames,
		.frame_cnt = r->frame_cnt,
	};

	ps.val[PV_LIVE_BYTES] = clamp(r->counts.live_bytes);
	ps.val[PV_LIVE_OBJECTS] = clamp(r->counts.live_objects);
	ps.val[PV_ALLOC_BYTES] = clamp(r->counts.alloc_bytes);
	ps.val[PV_ALLOC_OBJECTS] = clamp(r->counts.alloc_objects);
	return ps;
}

static struct profile_stack of_diff(const struct diff_stack *r)
{
	struct profile_stack ps = {
		.pid = r->pid,
		.stack_id = r->stack_id,
		.frames = r->frames,
		.frame_cnt = r->frame_cnt,
	};

	ps.val[PV_LIVE_BYTES] = clamp(r->live_bytes_b);
	ps.val[PV_LIVE_OBJECTS] = clamp(r->live_objects_b);
	ps.val[PV_ALLOC_BYTES] = clamp(r->alloc_bytes_between);
	ps.val[PV_ALLOC_OBJECTS] = clamp(r->alloc_objects_between);
	ps.val[PV_DELTA_BYTES] = r->byte_delta;
	ps.val[PV_DELTA_OBJECTS] = r->object_delta;
	ps.val[PV_BASE_LIVE_BYTES] = clamp(r->live_bytes_a);
	ps.val[PV_BASE_LIVE_OBJECTS] = clamp(r->live_objects_a);
	return ps;
}

static void report_head(struct profile *p, const struct session *s, const struct snapshot *snap,
			const struct leak_report *rep)
{
	memset(p, 0, sizeof(*p));
	p->kind = s->kind;
	p->pid = snap->pid;
	p->command = s->command;
	p->allocator = s->allocator;
	p->label = snap->label;
	p->time_ns = snap->wall_ns;
	p->duration_ns = profile__ns_sat(snap->elapsed_s);
	p->by_process = report__by_process(rep);
}

static void diff_head(struct profile *p, const struct snapshot_diff *d)
{
	memset(p, 0, sizeof(*p));
	p->is_diff = true;
	p->pid = d->pid;
	p->allocator = d->allocator;
	p->label = d->b->label;
	p->base_label = d->a->label;
	p->time_ns = d->a->wall_ns;
	p->duration_ns = profile__ns_sat(d->b->elapsed_s - d->a->elapsed_s);
	p->by_process = d->by_process;
}

int profile__from_report(struct profile *p, const struct session *s, const struct snapshot *snap,
			 const struct leak_report *rep)
{
	report_head(p, s, snap, rep);
	if (rep->stack_cnt) {
		p->stacks = calloc(rep->stack_cnt, sizeof(*p->stacks));
		if (!p->stacks)
			return -ENOMEM;
	}
	for (size_t i = 0; i < rep->stack_cnt; i++)
		p->stacks[i] = of_report(&rep->stacks[i]);
	p->stack_cnt = rep->stack_cnt;
	sum(p);
	return 0;
}

int profile__from_diff(struct profile *p, const struct snapshot_diff *d)
{
	diff_head(p, d);
	if (d->stack_cnt) {
		p->stacks = calloc(d->stack_cnt, sizeof(*p->stacks));
		if (!p->stacks)
			return -ENOMEM;
	}
	for (size_t i = 0; i < d->stack_cnt; i++)
		p->stacks[i] = of_diff(&d->stacks[i]);
	p->stack_cnt = d->stack_cnt;
	sum(p);
	return 0;
}

/* The profile's stacks where the n entries of size `was` at base were, each converted by its
 * turn (copied out before its place is written); the block shrunk to fit */
static struct profile_stack *in_place(void *base, size_t n, size_t was,
				      struct profile_stack (*conv)(const void *))
{
	struct profile_stack *fit;

	for (size_t i = 0; i < n; i++) {
		struct profile_stack ps = conv((const char *)base + i * was);

		memcpy((char *)base + i * sizeof(ps), &ps, sizeof(ps));
	}
	fit = n ? realloc(base, n * sizeof(*fit)) : NULL;
	return fit ? fit : base;
}

static struct profile_stack conv_report(const void *r)
{
	struct report_stack x;

	memcpy(&x, r, sizeof(x));
	return of_report(&x);
}

static struct profile_stack conv_diff(const void *r)
{
	struct diff_stack x;

	memcpy(&x, r, sizeof(x));
	return of_diff(&x);
}

void profile__from_report_taking(struct profile *p, const struct session *s,
				 const struct snapshot *snap, struct leak_report *rep)
{
	report_head(p, s, snap, rep);
	p->stack_cnt = rep->stack_cnt;
	p->stacks = in_place(rep->stacks, rep->stack_cnt, sizeof(*rep->stacks), conv_report);
	if (!p->stack_cnt) {
		free(p->stacks);
		p->stacks = NULL;
	}
	rep->stacks = NULL;
	rep->stack_cnt = rep->stack_cap = 0;
	sum(p);
}

void profile__from_diff_taking(struct profile *p, struct snapshot_diff *d)
{
	diff_head(p, d);
	p->stack_cnt = d->stack_cnt;
	p->stacks = in_place(d->stacks, d->stack_cnt, sizeof(*d->stacks), conv_diff);
	if (!p->stack_cnt) {
		free(p->stacks);
		p->stacks = NULL;
	}
	d->stacks = NULL;
	d->stack_cnt = 0;
	sum(p);
}

void profile__free(struct profile *p)
{
	if (!p)
		return;
	free(p->stacks);
	memset(p, 0, sizeof(*p));
}

const char *profile__basename(const char *path)
{
	const char *slash;

	if (!path)
		return "";
	slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

const char *profile__frame_name(const struct frame *f, char *buf, size_t len)
{
	if (f->function && f->function[0])
		snprintf(buf, len, "%s", f->function);
	else if (f->module && f->module[0])
		snprintf(buf, len, "%s+0x%" PRIx64, profile__basename(f->module), f->offset);
	else
		snprintf(buf, len, "0x%" PRIx64, f->address);
	return buf;
}

int profile__from_growth(struct profile *p, const struct growth_report *g, uint32_t pid,
			 bool *exact)
{
	const struct escalation *e = NULL;
	size_t n = 0;

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->label = "now";
	p->duration_ns = profile__ns_sat(g->duration_s);
	for (size_t i = 0; i < g->esc_cnt; i++)
		if (g->esc[i].pid == pid && g->esc[i].ok)
			e = &g->esc[i];
	*exact = e != NULL;
	p->kind = e ? SESSION_KIND_LEAK : SESSION_KIND_GROWTH;
	n = e ? e->cnt : g->rep.stack_cnt;
	if (n && !(p->stacks = calloc(n, sizeof(*p->stacks))))
		return -ENOMEM;
	for (size_t i = 0; e && i < e->cnt; i++) {
		struct profile_stack *ps = &p->stacks[p->stack_cnt++];

		ps->pid = pid;
		ps->stack_id = i + 1;
		ps->frames = e->stacks[i].frames;
		ps->frame_cnt = e->stacks[i].frame_cnt;
		ps->val[PV_LIVE_BYTES] = clamp(e->stacks[i].live_bytes);
		ps->val[PV_LIVE_OBJECTS] = clamp(e->stacks[i].live_objects);
		/* allocated in the window and still live: what the exact report kept */
		ps->val[PV_ALLOC_BYTES] = ps->val[PV_LIVE_BYTES];
		ps->val[PV_ALLOC_OBJECTS] = ps->val[PV_LIVE_OBJECTS];
	}
	for (size_t i = 0; !e && i < g->rep.stack_cnt; i++) {
		const struct report_stack *r = &g->rep.stacks[i];
		struct profile_stack *ps;

		if (r->pid != pid)
			continue;
		ps = &p->stacks[p->stack_cnt++];
		ps->pid = pid;
		ps->stack_id = r->stack_id;
		ps->frames = r->frames;
		ps->frame_cnt = r->frame_cnt;
		ps->val[PV_LIVE_BYTES] = clamp(r->counts.live_bytes);
		ps->val[PV_LIVE_OBJECTS] = clamp(r->counts.live_objects);
		ps->val[PV_ALLOC_BYTES] = clamp(r->counts.alloc_bytes);
		ps->val[PV_ALLOC_OBJECTS] = clamp(r->counts.alloc_objects);
	}
	sum(p);
	return 0;
}
