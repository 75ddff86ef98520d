// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The diff of two snapshots (see diff.h): a merge join of their rows, which are sorted by
 * (pid, stack id), then a total-order sort by growth. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/diff.h"
#include "lib/array.h"

/* Live counts are at most INT64_MAX in any file the writer makes; clamping sums there keeps
 * every difference of two of them inside int64_t. */
static uint64_t add_clamped(uint64_t a, uint64_t b)
{
	if (a > INT64_MAX || b > INT64_MAX - a)
		return INT64_MAX;
	return a + b;
}

static int64_t sub(uint64_t b, uint64_t a) /* both <= INT64_MAX */
{
	return (int64_t)b - (int64_t)a;
}

/* The counts of the run of rows with the key of rows[*i] (one row, unless a corrupt file
 * listed a stack twice), summed; advances *i past the run */
static void take_run(const struct snapshot *snap, size_t *i, struct stack_counts *c)
{
	const struct stack_row *first = &snap->rows[*i];

	memset(c, 0, sizeof(*c));
	for (; *i < snap->row_cnt && snap->rows[*i].pid == first->pid &&
	       snap->rows[*i].stack_id == first->stack_id;
	     (*i)++) {
		const struct stack_counts *r = &snap->rows[*i].counts;

		c->live_bytes = add_clamped(c->live_bytes, r->live_bytes);
		c->live_objects = add_clamped(c->live_objects, r->live_objects);
		c->alloc_bytes = add_clamped(c->alloc_bytes, r->alloc_bytes);
		c->alloc_objects = add_clamped(c->alloc_objects, r->alloc_objects);
	}
}

static bool is_live(const struct stack_counts *c)
{
	return c->live_bytes || c->live_objects;
}

static enum diff_status status_of(const struct stack_counts *a, const struct stack_counts *b)
{
	if (!is_live(a))
		return DIFF_APPEARED; /* only called when one side is live */
	if (!is_live(b))
		return DIFF_VANISHED;
	if (a->live_bytes != b->live_bytes)
		return b->live_bytes > a->live_bytes ? DIFF_GREW : DIFF_SHRANK;
	if (a->live_objects != b->live_objects)
		return b->live_objects > a->live_objects ? DIFF_GREW : DIFF_SHRANK;
	return DIFF_UNCHANGED;
}

static uint64_t between(uint64_t b, uint64_t a)
{
	return b > a ? b - a : 0;
}

static int add_stack(const struct session *s, struct snapshot_diff *d, size_t *cap, uint32_t pid,
		     uint64_t stack_id, const struct stack_counts *a, const struct stack_counts *b)
{
	const struct stack_entry *e;
	struct diff_stack *ds;

	d->live_bytes_a = add_clamped(d->live_bytes_a, a->live_bytes);
	d->live_bytes_b = add_clamped(d->live_bytes_b, b->live_bytes);
	d->live_objects_a = add_clamped(d->live_objects_a, a->live_objects);
	d->live_objects_b = add_clamped(d->live_objects_b, b->live_objects);
	if (!is_live(a) && !is_live(b))
		return 0;
	if (ARRAY_GROW(d->stacks, *cap, d->stack_cnt + 1, 64))
		return -ENOMEM;
	e = stacktab__get(s->stacks, pid, stack_id);
	ds = &d->stacks[d->stack_cnt++];
	*ds = (struct diff_stack){
		.pid = pid,
		.stack_id = stack_id,
		.live_bytes_a = a->live_bytes,
		.live_bytes_b = b->live_bytes,
		.live_objects_a = a->live_objects,
		.live_objects_b = b->live_objects,
		.byte_delta = sub(b->live_bytes, a->live_bytes),
		.object_delta = sub(b->live_objects, a->live_objects),
		.alloc_bytes_between = between(b->alloc_bytes, a->alloc_bytes),
		.alloc_objects_between = between(b->alloc_objects, a->alloc_objects),
		.status = status_of(a, b),
		.frames = e ? e->frames : NULL,
		.frame_cnt = e ? e->frame_cnt : 0,
	};
	d->status_cnt[ds->status]++;
	return 0;
}

#define CMP_DESC(x, y)                                                                             \
	do {                                                                                       \
		if ((x) != (y))                                                                    \
			return (x) > (y) ? -1 : 1;                                                 \
	} while (0)
#define CMP_ASC(x, y) CMP_DESC(y, x)

static int stack_cmp(const void *pa, const void *pb)
{
	const struct diff_stack *a = pa, *b = pb;

	CMP_DESC(a->byte_delta, b->byte_delta);
	CMP_DESC(a->object_delta, b->object_delta);
	CMP_DESC(a->live_bytes_b, b->live_bytes_b);
	CMP_DESC(a->live_bytes_a, b->live_bytes_a);
	CMP_ASC(a->pid, b->pid);
	CMP_ASC(a->stack_id, b->stack_id);
	return 0;
}

static int row_key_cmp(const struct stack_row *a, const struct stack_row *b)
{
	CMP_ASC(a->pid, b->pid);
	CMP_ASC(a->stack_id, b->stack_id);
	return 0;
}

static void diff_mem(struct snapshot_diff *d)
{
	const struct snapshot *a = d->a, *b = d->b;
	struct diff_mem *m = &d->mem;

	if (!a->mem_known || !b->mem_known)
		return;
	m->known = true;
	m->rss_bytes_a = a->rss_bytes > INT64_MAX ? INT64_MAX : a->rss_bytes;
	m->rss_bytes_b = b->rss_bytes > INT64_MAX ? INT64_MAX : b->rss_bytes;
	m->anon_bytes_a = a->anon_bytes > INT64_MAX ? INT64_MAX : a->anon_bytes;
	m->anon_bytes_b = b->anon_bytes > INT64_MAX ? INT64_MAX : b->anon_bytes;
	m->rss_delta = sub(m->rss_bytes_b, m->rss_bytes_a);
	m->anon_delta = sub(m->anon_bytes_b, m->anon_bytes_a);
	/* heap that shrank explains none of the growth; both deltas are within int64_t, and
	 * the difference of a positive and a non-negative one cannot overflow */
	if (m->rss_delta > 0) {
		int64_t heap = d->byte_delta > 0 ? d->byte_delta : 0;

		if (m->rss_delta > heap)
			m->unexplained_rss_bytes = (uint64_t)(m->rss_delta - heap);
	}
}

int diff__compute(const struct session *s, const struct snapshot *a, const struct snapshot *b,
		  const struct diff_opts *opts, struct snapshot_diff *out)
{
	static const struct stack_counts none;
	size_t i = 0, j = 0, cap = 0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	out->a = a;
	out->b = b;
	out->pid = s->pid;
	out->growth = s->kind == SESSION_KIND_GROWTH;
	out->allocator = s->allocator;
	out->leak_threshold = opts->leak_threshold;
	while (!err && (i < a->row_cnt || j < b->row_cnt)) {
		const struct stack_row *ra = i < a->row_cnt ? &a->rows[i] : NULL;
		const struct stack_row *rb = j < b->row_cnt ? &b->rows[j] : NULL;
		int c = !ra ? 1 : !rb ? -1 : row_key_cmp(ra, rb);
		struct stack_counts ca = none, cb = none;
		const struct stack_row *key = c <= 0 ? ra : rb;

		if (c <= 0)
			take_run(a, &i, &ca);
		if (c >= 0)
			take_run(b, &j, &cb);
		err = add_stack(s, out, &cap, key->pid, key->stack_id, &ca, &cb);
	}
	if (err) {
		diff__free(out);
		return err;
	}
	if (out->stack_cnt)
		qsort(out->stacks, out->stack_cnt, sizeof(*out->stacks), stack_cmp);
	out->by_process = !out->pid;
	for (size_t i = 0; i < out->stack_cnt && !out->by_process; i++)
		out->by_process = out->stacks[i].pid != out->pid;
	out->byte_delta = sub(out->live_bytes_b, out->live_bytes_a);
	out->object_delta = sub(out->live_objects_b, out->live_objects_a);
	out->leak_suspected = out->object_delta > 0 &&
			      (uint64_t)out->object_delta > opts->leak_threshold;
	for (int k = 0; k < REPORT_LOST__MAX; k++) {
		uint64_t la = a->lost[k] > INT64_MAX ? INT64_MAX : a->lost[k];
		uint64_t lb = b->lost[k] > INT64_MAX ? INT64_MAX : b->lost[k];

		out->lost_delta[k] = sub(lb, la);
	}
	diff_mem(out);
	return 0;
}

void diff__free(struct snapshot_diff *d)
{
	if (!d)
		return;
	free(d->stacks);
	d->stacks = NULL;
	d->stack_cnt = 0;
}

const char *diff__status_name(enum diff_status st)
{
	static const char *const names[] = {
		[DIFF_APPEARED] = "appeared", [DIFF_VANISHED] = "vanished",   [DIFF_GREW] = "grew",
		[DIFF_SHRANK] = "shrank",     [DIFF_UNCHANGED] = "unchanged",
	};

	return (unsigned)st <= DIFF_UNCHANGED ? names[st] : "?";
}
