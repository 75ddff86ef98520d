// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The growth report model (see growth_report.h). */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/growth_model.h"
#include "analysis/growth_report.h"
#include "session/leak_json.h"

int growth_report__build(const struct session *s, const struct snapshot *snap,
			 struct growth_report *g)
{
	memset(g, 0, sizeof(*g));
	g->pid = snap->pid;
	g->duration_s = snap->elapsed_s;
	g->sample_pages = s->sample_pages;
	g->procs = snap->procs;
	g->proc_cnt = snap->proc_cnt;
	/* written fastest growing first; a hand-made file is put in that order */
	if (snap->proc_cnt)
		qsort(snap->procs, snap->proc_cnt, sizeof(*snap->procs), proc_row__cmp_growth);
	memcpy(g->lost, snap->lost, sizeof(g->lost));
	/* procs are stored fastest growing first (growth_table__rows) */
	return session__report(s, snap, &g->rep) ?: growth_report__merge_leaves(&g->rep);
}

/* Same call site: one process, the same callers, the leaf in the same named function */
static int site_cmp(const struct report_stack *x, const struct report_stack *y)
{
	const struct frame *a = x->frames, *b = y->frames;
	int c;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->frame_cnt != y->frame_cnt)
		return x->frame_cnt < y->frame_cnt ? -1 : 1;
	if (x->truncated != y->truncated)
		return x->truncated < y->truncated ? -1 : 1;
	for (size_t i = 1; i < x->frame_cnt; i++)
		if (a[i].address != b[i].address)
			return a[i].address < b[i].address ? -1 : 1;
	if (!x->frame_cnt)
		return 0;
	if ((c = strcmp(a[0].module ? a[0].module : "", b[0].module ? b[0].module : "")))
		return c;
	return strcmp(a[0].function, b[0].function);
}

static bool mergeable(const struct report_stack *s)
{
	return s->stack_id && s->frame_cnt && s->frames[0].function && !s->frames[0].inlined;
}

static const struct leak_report *sort_rep; /* qsort has no context */

static int idx_cmp(const void *a, const void *b)
{
	const struct report_stack *x = &sort_rep->stacks[*(const size_t *)a];
	const struct report_stack *y = &sort_rep->stacks[*(const size_t *)b];
	int c = site_cmp(x, y);

	/* within a site, the biggest first: it takes the others in */
	if (c)
		return c;
	if (x->counts.live_bytes != y->counts.live_bytes)
		return x->counts.live_bytes > y->counts.live_bytes ? -1 : 1;
	if (x->counts.alloc_bytes != y->counts.alloc_bytes)
		return x->counts.alloc_bytes > y->counts.alloc_bytes ? -1 : 1;
	return x->stack_id < y->stack_id ? -1 : x->stack_id > y->stack_id;
}

int growth_report__merge_leaves(struct leak_report *rep)
{
	size_t *idx, n = 0, kept = 0;
	struct report_stack *out;

	if (rep->stack_cnt < 2)
		return 0;
	idx = malloc(rep->stack_cnt * sizeof(*idx));
	out = malloc(rep->stack_cnt * sizeof(*out));
	if (!idx || !out) {
		free(idx);
		free(out);
		return -ENOMEM;
	}
	for (size_t i = 0; i < rep->stack_cnt; i++)
		if (mergeable(&rep->stacks[i]))
			idx[n++] = i;
		else
			out[kept++] = rep->stacks[i];
	sort_rep = rep;
	qsort(idx, n, sizeof(*idx), idx_cmp);
	for (size_t i = 0; i < n; i++) {
		const struct report_stack *s = &rep->stacks[idx[i]];

		if (i && !site_cmp(&out[kept - 1], s) && mergeable(&out[kept - 1]))
			stack_counts__add(&out[kept - 1].counts, &s->counts);
		else
			out[kept++] = *s;
	}
	free(idx);
	memcpy(rep->stacks, out, kept * sizeof(*out));
	free(out);
	rep->stack_cnt = kept;
	report__sort(rep);
	return 0;
}

void growth_report__free(struct growth_report *g)
{
	report__free(&g->rep);
	memset(g, 0, sizeof(*g));
}

static const char *intern_cb(void *ctx, const char *s)
{
	return session__intern(ctx, s);
}

static int held_cmp(const void *a, const void *b)
{
	const struct held_stack *x = a, *y = b;

	if (x->live_bytes != y->live_bytes)
		return x->live_bytes > y->live_bytes ? -1 : 1;
	if (x->live_objects != y->live_objects)
		return x->live_objects > y->live_objects ? -1 : 1;
	/* a total order: then by the frames' addresses, then their number */
	for (size_t i = 0; i < x->frame_cnt && i < y->frame_cnt; i++)
		if (x->frames[i].address != y->frames[i].address)
			return x->frames[i].address < y->frames[i].address ? -1 : 1;
	return x->frame_cnt < y->frame_cnt ? -1 : x->frame_cnt > y->frame_cnt;
}

static int parse_stack(struct escalation *e, const json_t *st, struct held_stack *h,
		       struct errtext *why)
{
	const json_t *frames = json_object_get(st, "frames");
	size_t n = json_array_size(frames);
	int rc;

	if (leak_json__get_u64(st, "live_bytes", &h->live_bytes, why) ||
	    leak_json__get_u64(st, "live_objects", &h->live_objects, why))
		return -EINVAL;
	if (!json_is_array(frames)) {
		errtext__set(why, "a stack without frames");
		return -EINVAL;
	}
	h->truncated = json_is_true(json_object_get(st, "truncated"));
	h->frames = n ? calloc(n, sizeof(*h->frames)) : NULL;
	if (n && !h->frames)
		return -ENOMEM;
	for (size_t f = 0; f < n; f++) {
		rc = leak_json__parse_frame(json_array_get(frames, f), &h->frames[f], intern_cb,
					    &e->strings, why);
		if (rc)
			return rc;
		h->frame_cnt = f + 1;
	}
	return 0;
}

int escalation__parse(struct escalation *e, const char *json_text, struct errtext *why)
{
	json_error_t jerr;
	json_t *doc = json_loads(json_text, 0, &jerr);
	const json_t *stacks, *totals, *lost, *st;
	size_t i;
	int rc = 0;

	if (!doc) {
		errtext__set(why, "the exact report is not JSON: %s", jerr.text);
		return -EINVAL;
	}
	if (!e->strings.stacks && session__init(&e->strings)) {
		json_decref(doc);
		return -ENOMEM;
	}
	stacks = json_object_get(doc, "stacks");
	totals = json_object_get(doc, "totals");
	lost = json_object_get(doc, "lost");
	if (!json_is_array(stacks) || !json_is_object(totals) ||
	    leak_json__get_u64(totals, "live_bytes", &e->live_bytes, why) ||
	    leak_json__get_u64(totals, "live_objects", &e->live_objects, why)) {
		if (!json_is_array(stacks) || !json_is_object(totals))
			errtext__set(why, "the exact report has no stacks or totals");
		json_decref(doc);
		return -EINVAL;
	}
	if (json_is_object(lost) && json_object_get(lost, "unmatched_frees"))
		leak_json__get_u64(lost, "unmatched_frees", &e->unmatched_frees, why);
	e->stacks = json_array_size(stacks) ? calloc(json_array_size(stacks), sizeof(*e->stacks))
					    : NULL;
	if (json_array_size(stacks) && !e->stacks)
		rc = -ENOMEM;
	json_array_foreach(stacks, i, st)
	{
		if (rc)
			break;
		rc = parse_stack(e, st, &e->stacks[i], why);
		e->cnt = i + 1;
	}
	json_decref(doc);
	if (!rc && e->cnt)
		qsort(e->stacks, e->cnt, sizeof(*e->stacks), held_cmp);
	return rc;
}

void escalation__free(struct escalation *e)
{
	for (size_t i = 0; i < e->cnt; i++)
		free(e->stacks[i].frames);
	free(e->stacks);
	if (e->strings.stacks)
		session__free(&e->strings);
	e->stacks = NULL;
	e->cnt = 0;
}
