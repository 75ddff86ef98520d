// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Allocations walked before their files' rows were in, walked again (see early_rewalk.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "leak.h"
#include "lib/array.h"
#include "probe/early_rewalk.h"
#include "probe/stack_rewalk.h"

/* records kept to be walked at once: each holds a copy of up to 8 KiB of stack */
#define WAIT_MAX 2048

struct waiting {
	struct early_walk *e; /* malloc'd, its len bytes of stack */
	double since;
};

/* An allocation walked again, live when last looked: its counts move while it is */
struct moved_block {
	uint32_t tgid;
	uint64_t addr, size, ts_ns;
	uint64_t from, to; /* provisional and whole stack ids */
	uint64_t usable;   /* its usable size when last looked (0: unknown) */
};

/* What the freed ones moved for good, by (tgid, from, to) */
struct moved_sum {
	uint32_t tgid;
	uint64_t from, to;
	uint64_t bytes, objects;
};

struct whole_stack {
	uint64_t id;
	size_t n;
	uint64_t *ips;
};

/* The last exec of a process */
struct exec_at {
	uint32_t tgid;
	uint64_t ts_ns;
};

/* execs remembered at once (the oldest forgotten first) */
#define EXECS_MAX 256

struct early_rewalk {
	struct exec_at execs[EXECS_MAX];
	size_t exec_cnt, exec_next;
	struct waiting *wait;
	size_t wait_cnt, wait_cap;
	struct moved_block *blocks;
	size_t block_cnt, block_cap;
	struct moved_sum *sums;
	size_t sum_cnt, sum_cap;
	struct whole_stack *whole; /* sorted by id */
	size_t whole_cnt, whole_cap;
	struct early_rewalk_stats st;
};

struct early_rewalk *early_rewalk__new(void)
{
	return calloc(1, sizeof(struct early_rewalk));
}

/* Whether e was made before its process's last exec */
static bool before_exec(const struct early_rewalk *r, const struct early_walk *e)
{
	for (size_t i = 0; i < r->exec_cnt; i++)
		if (r->execs[i].tgid == e->tgid && e->ts_ns < r->execs[i].ts_ns)
			return true;
	return false;
}

void early_rewalk__exec(struct early_rewalk *r, uint32_t tgid, uint64_t ts_ns)
{
	size_t kept = 0, i;

	for (i = 0; i < r->exec_cnt && r->execs[i].tgid != tgid; i++)
		;
	if (i == r->exec_cnt) {
		i = r->exec_cnt < EXECS_MAX ? r->exec_cnt++ : r->exec_next++ % EXECS_MAX;
		r->execs[i].tgid = tgid;
	}
	r->execs[i].ts_ns = ts_ns;
	for (size_t k = 0; k < r->wait_cnt; k++) {
		if (before_exec(r, r->wait[k].e)) {
			free(r->wait[k].e);
			r->st.failed++;
		} else {
			r->wait[kept++] = r->wait[k];
		}
	}
	r->wait_cnt = kept;
}

void early_rewalk__free(struct early_rewalk *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->wait_cnt; i++)
		free(r->wait[i].e);
	for (size_t i = 0; i < r->whole_cnt; i++)
		free(r->whole[i].ips);
	free(r->wait);
	free(r->blocks);
	free(r->sums);
	free(r->whole);
	free(r);
}

void early_rewalk__add(struct early_rewalk *r, const struct early_walk *e, size_t len, double now)
{
	size_t head = offsetof(struct early_walk, stack);
	struct early_walk *copy;

	r->st.received++;
	if (before_exec(r, e)) {
		r->st.failed++;
		return;
	}
	if (len < head || e->len > len - head || r->wait_cnt >= WAIT_MAX ||
	    ARRAY_GROW(r->wait, r->wait_cap, r->wait_cnt + 1, 64) ||
	    !(copy = malloc(head + e->len))) {
		r->st.dropped++;
		return;
	}
	memcpy(copy, e, head + e->len);
	r->wait[r->wait_cnt++] = (struct waiting){ .e = copy, .since = now };
}

static struct whole_stack *whole_find(const struct early_rewalk *r, uint64_t id, size_t *at)
{
	size_t lo = 0, hi = r->whole_cnt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->whole[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return lo < r->whole_cnt && r->whole[lo].id == id ? &r->whole[lo] : NULL;
}

/* Keep the frames of whole stack id; false when out of memory */
static bool whole_keep(struct early_rewalk *r, uint64_t id, const uint64_t *ips, size_t n)
{
	size_t at;
	uint64_t *copy;

	if (whole_find(r, id, &at))
		return true;
	if (ARRAY_GROW(r->whole, r->whole_cap, r->whole_cnt + 1, 16) ||
	    !(copy = malloc(n * sizeof(*ips))))
		return false;
	memcpy(copy, ips, n * sizeof(*ips));
	memmove(&r->whole[at + 1], &r->whole[at], (r->whole_cnt - at) * sizeof(*r->whole));
	r->whole[at] = (struct whole_stack){ .id = id, .n = n, .ips = copy };
	r->whole_cnt++;
	return true;
}

static int by_tgid(const void *a, const void *b)
{
	uint32_t x = ((const struct waiting *)a)->e->tgid, y = ((const struct waiting *)b)->e->tgid;

	return (x > y) - (x < y);
}

/* Walk one record with its process's mappings: true when it is done with (walked or given up) */
static bool walk_one(struct early_rewalk *r, const struct rewalk_rows *u,
		     const struct proc_maps *maps, const struct waiting *w, double now,
		     double wait_s)
{
	const struct early_walk *e = w->e;
	struct rewalk_mem mem = { .at = e->at, .bytes = e->stack, .len = e->len };
	uint64_t ips[PERFAN_MAX_STACK_DEPTH];
	struct rewalk_result res;

	stack_rewalk__walk(u, maps, &mem, e->ip, e->sp, e->bp, ips, &res);
	if (res.end == REWALK_UNSEEN) {
		if (now - w->since < wait_s)
			return false;
		r->st.failed++;
		return true;
	}
	/* beyond a copy that ended before the stack's mapping did: the kernel's walk goes on */
	if (res.end == REWALK_OUT_OF_COPY && e->len == LEAK_EARLY_STACK_BYTES) {
		r->st.failed++;
		return true;
	}
	r->st.walked++;
	if (res.stack_id == e->stack_id)
		return true; /* walked whole by frame pointers already: nothing moves */
	if (!whole_keep(r, res.stack_id, ips, res.depth) ||
	    ARRAY_GROW(r->blocks, r->block_cap, r->block_cnt + 1, 64)) {
		r->st.walked--;
		r->st.failed++;
		return true;
	}
	r->blocks[r->block_cnt++] = (struct moved_block){
		.tgid = e->tgid,
		.addr = e->addr,
		.size = e->size,
		.ts_ns = e->ts_ns,
		.from = e->stack_id,
		.to = res.stack_id,
	};
	return true;
}

void early_rewalk__walk(struct early_rewalk *r, const struct rewalk_rows *u, early_maps_fn maps_of,
			void *ctx, double now, double wait_s)
{
	size_t kept = 0;

	if (!r->wait_cnt)
		return;
	qsort(r->wait, r->wait_cnt, sizeof(*r->wait), by_tgid);
	for (size_t i = 0; i < r->wait_cnt;) {
		uint32_t tgid = r->wait[i].e->tgid;
		const struct proc_maps *maps = maps_of(ctx, tgid);
		size_t j = i;

		for (; j < r->wait_cnt && r->wait[j].e->tgid == tgid; j++) {
			if (maps ? walk_one(r, u, maps, &r->wait[j], now, wait_s)
				 : (r->st.failed++, true))
				free(r->wait[j].e);
			else
				r->wait[kept++] = r->wait[j];
		}
		i = j;
	}
	r->wait_cnt = kept;
}

static int row_cmp(const void *a, const void *b, void *ctx)
{
	const struct stack_row *rows = ctx;

	return stack_row__cmp(&rows[*(const size_t *)a], &rows[*(const size_t *)b]);
}

struct rows_index {
	struct leak_sample *sample;
	size_t *at; /* positions of sample's rows, sorted by (pid, stack id) */
	size_t cnt;
};

static struct stack_row *row_find(struct rows_index *x, uint32_t pid, uint64_t id)
{
	struct stack_row key = { .pid = pid, .stack_id = id };
	size_t lo = 0, hi = x->cnt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = stack_row__cmp(&x->sample->stacks[x->at[mid]], &key);

		if (!c)
			return &x->sample->stacks[x->at[mid]];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Take up to n from *from into *to: what the provisional row holds moves, never more */
static void take(uint64_t *from, uint64_t *to, uint64_t n)
{
	if (n > *from)
		n = *from;
	*from -= n;
	*to += n;
}

/* Rows for the whole stacks missing from sample, so that every move has a row to go to */
static int add_missing(struct early_rewalk *r, struct rows_index *x)
{
	size_t base = x->sample->cnt;

	for (size_t i = 0; i < r->block_cnt + r->sum_cnt; i++) {
		uint32_t pid = i < r->block_cnt ? r->blocks[i].tgid
						: r->sums[i - r->block_cnt].tgid;
		uint64_t to = i < r->block_cnt ? r->blocks[i].to : r->sums[i - r->block_cnt].to;
		struct stack_row row = { .pid = pid, .stack_id = to };
		bool found = row_find(x, pid, to) != NULL;

		for (size_t k = base; !found && k < x->sample->cnt; k++)
			found = !stack_row__cmp(&x->sample->stacks[k], &row);
		if (!found && leak_sample__add(x->sample, &row))
			return -ENOMEM;
	}
	return 0;
}

static int index_rows(struct rows_index *x)
{
	free(x->at);
	x->cnt = x->sample->cnt;
	x->at = malloc((x->cnt ? x->cnt : 1) * sizeof(*x->at));
	if (!x->at)
		return -ENOMEM;
	for (size_t i = 0; i < x->cnt; i++)
		x->at[i] = i;
	qsort_r(x->at, x->cnt, sizeof(*x->at), row_cmp, x->sample->stacks);
	return 0;
}

static int sum_add(struct early_rewalk *r, const struct moved_block *b)
{
	for (size_t i = 0; i < r->sum_cnt; i++) {
		struct moved_sum *s = &r->sums[i];

		if (s->tgid == b->tgid && s->from == b->from && s->to == b->to) {
			s->bytes += b->size;
			s->objects++;
			return 0;
		}
	}
	if (ARRAY_GROW(r->sums, r->sum_cap, r->sum_cnt + 1, 16))
		return -ENOMEM;
	r->sums[r->sum_cnt++] = (struct moved_sum){
		.tgid = b->tgid, .from = b->from, .to = b->to, .bytes = b->size, .objects = 1
	};
	return 0;
}

int early_rewalk__apply(struct early_rewalk *r, struct leak_sample *sample, early_live_fn live,
			void *ctx)
{
	struct rows_index x = { .sample = sample };
	size_t kept = 0;
	int err;

	if (!r->block_cnt && !r->sum_cnt)
		return 0;
	/* the blocks freed since they were walked move for good, as sums */
	for (size_t i = 0; i < r->block_cnt; i++) {
		struct moved_block *b = &r->blocks[i];

		b->usable = 0;
		if (live(ctx, b->tgid, b->addr, b->ts_ns, b->from, &b->usable))
			r->blocks[kept++] = *b;
		else if ((err = sum_add(r, b)))
			return err;
	}
	r->block_cnt = kept;
	if ((err = index_rows(&x)) || (err = add_missing(r, &x)) || (err = index_rows(&x)))
		goto out;
	for (size_t i = 0; i < r->sum_cnt; i++) {
		const struct moved_sum *s = &r->sums[i];
		struct stack_row *from = row_find(&x, s->tgid, s->from);
		struct stack_row *to = row_find(&x, s->tgid, s->to);

		if (!from || !to)
			continue;
		take(&from->counts.alloc_bytes, &to->counts.alloc_bytes, s->bytes);
		take(&from->counts.alloc_objects, &to->counts.alloc_objects, s->objects);
		take(&from->counts.freed_bytes, &to->counts.freed_bytes, s->bytes);
		take(&from->counts.freed_objects, &to->counts.freed_objects, s->objects);
	}
	for (size_t i = 0; i < r->block_cnt; i++) {
		const struct moved_block *b = &r->blocks[i];
		struct stack_row *from = row_find(&x, b->tgid, b->from);
		struct stack_row *to = row_find(&x, b->tgid, b->to);

		if (!from || !to)
			continue;
		take(&from->counts.alloc_bytes, &to->counts.alloc_bytes, b->size);
		take(&from->counts.alloc_objects, &to->counts.alloc_objects, 1);
		take(&from->counts.live_bytes, &to->counts.live_bytes, b->size);
		take(&from->counts.live_objects, &to->counts.live_objects, 1);
		if (b->usable) {
			take(&from->counts.live_usable_bytes, &to->counts.live_usable_bytes,
			     b->usable);
			take(&from->counts.live_usable_objects, &to->counts.live_usable_objects, 1);
		}
	}
	/* a row left with nothing (every allocation moved; or a whole stack nothing reached) */
	kept = 0;
	for (size_t i = 0; i < sample->cnt; i++) {
		const struct stack_counts *c = &sample->stacks[i].counts;

		if (c->alloc_objects || c->live_objects || c->freed_objects)
			sample->stacks[kept++] = sample->stacks[i];
	}
	sample->cnt = kept;
out:
	free(x.at);
	return err;
}

int early_rewalk__fetch(const struct early_rewalk *r, uint64_t stack_id, uint64_t *ips, size_t max)
{
	size_t at, n;
	const struct whole_stack *w = whole_find(r, stack_id, &at);

	if (!w)
		return -ENOENT;
	n = w->n < max ? w->n : max;
	memcpy(ips, w->ips, n * sizeof(*ips));
	return (int)n;
}

struct early_rewalk_stats early_rewalk__stats(const struct early_rewalk *r)
{
	return r->st;
}
