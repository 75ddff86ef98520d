// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Allocations walked before their files' rows were in, walked again (see early_rewalk.h). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "leak.h"
#include "lib/array.h"
#include "probe/early_rewalk.h"
#include "probe/stack_rewalk.h"

/* the stack copies kept to be walked at once, in bytes of distinct chunks: a burst of early
 * walks (a program's start, its imports) is a few thousand, and the allocations of one thread
 * share most of their stack's chunks (the same bytes at the same addresses), kept once */
#define WAIT_BYTES_MAX (32u << 20)
#define CHUNKS_MAX (LEAK_EARLY_STACK_BYTES / REWALK_CHUNK)
#define CHUNK_BUCKETS 16384

_Static_assert(LEAK_EARLY_CHUNK == REWALK_CHUNK, "the copy's chunks are the walk's");

/* REWALK_CHUNK bytes of a stack at addr, shared by the records that copied the same */
struct chunk {
	struct chunk *next; /* in its bucket */
	uint64_t addr, hash;
	uint32_t refs;
	uint8_t bytes[REWALK_CHUNK];
};

/* A record of the kernel's (struct early_walk) without its stack */
struct early_head {
	uint32_t tgid;
	uint32_t len;
	uint64_t addr, size, ts_ns, stack_id;
	uint64_t ip, sp, bp, at;
};

struct waiting {
	struct early_head h;
	struct chunk *chunks[CHUNKS_MAX];
	size_t chunk_cnt;
	double since;
	uint64_t seq; /* in the order added */
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

/* A process's mappings read when its early walks came */
struct maps_snap {
	uint32_t tgid;
	double at;
	struct proc_maps maps;
};

/* processes whose mappings are kept at once (the oldest replaced first) */
#define SNAPS_MAX 64

struct early_rewalk {
	pthread_mutex_t lock; /* wait, execs and st against early_rewalk__add */
	uint64_t next_seq, cut_seq;
	size_t wait_bytes; /* of the chunks kept */
	struct chunk *buckets[CHUNK_BUCKETS];
	struct exec_at execs[EXECS_MAX];
	size_t exec_cnt, exec_next;
	struct maps_snap snaps[SNAPS_MAX];
	size_t snap_cnt, snap_next;
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
	struct early_rewalk *r = calloc(1, sizeof(*r));

	if (r && pthread_mutex_init(&r->lock, NULL)) {
		free(r);
		return NULL;
	}
	return r;
}

static struct maps_snap *snap_of(struct early_rewalk *r, uint32_t tgid)
{
	for (size_t i = 0; i < r->snap_cnt; i++)
		if (r->snaps[i].tgid == tgid)
			return &r->snaps[i];
	return NULL;
}

bool early_rewalk__maps_fresh(struct early_rewalk *r, uint32_t tgid, double now, double max_age)
{
	const struct maps_snap *m;
	bool fresh;

	pthread_mutex_lock(&r->lock);
	m = snap_of(r, tgid);
	fresh = m && now - m->at < max_age;
	pthread_mutex_unlock(&r->lock);
	return fresh;
}

void early_rewalk__maps_seen(struct early_rewalk *r, uint32_t tgid, struct proc_maps *maps,
			     double now)
{
	struct maps_snap *m;

	pthread_mutex_lock(&r->lock);
	m = snap_of(r, tgid);
	if (!m) {
		m = &r->snaps[r->snap_cnt < SNAPS_MAX ? r->snap_cnt++ : r->snap_next++ % SNAPS_MAX];
		proc_maps__free(&m->maps);
		m->tgid = tgid;
	}
	m->at = now;
	/* none read (the process gone): the ones before stay */
	if (maps->cnt) {
		proc_maps__free(&m->maps);
		m->maps = *maps;
		*maps = (struct proc_maps){};
	}
	pthread_mutex_unlock(&r->lock);
}

void early_rewalk__cut(struct early_rewalk *r)
{
	pthread_mutex_lock(&r->lock);
	r->cut_seq = r->next_seq;
	pthread_mutex_unlock(&r->lock);
}

static uint64_t chunk_hash(uint64_t addr, const uint8_t *bytes)
{
	uint64_t h = addr * 0x9e3779b97f4a7c15ULL, w;

	for (size_t i = 0; i < REWALK_CHUNK; i += sizeof(w)) {
		memcpy(&w, bytes + i, sizeof(w));
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	return h;
}

/* The chunk of these bytes at addr, kept once; NULL when over the budget or out of memory */
static struct chunk *chunk_get(struct early_rewalk *r, uint64_t addr, const uint8_t *bytes)
{
	uint64_t h = chunk_hash(addr, bytes);
	struct chunk **b = &r->buckets[h % CHUNK_BUCKETS], *c;

	for (c = *b; c; c = c->next)
		if (c->hash == h && c->addr == addr && !memcmp(c->bytes, bytes, REWALK_CHUNK)) {
			c->refs++;
			return c;
		}
	if (REWALK_CHUNK > WAIT_BYTES_MAX - r->wait_bytes || !(c = malloc(sizeof(*c))))
		return NULL;
	*c = (struct chunk){ .next = *b, .addr = addr, .hash = h, .refs = 1 };
	memcpy(c->bytes, bytes, REWALK_CHUNK);
	*b = c;
	r->wait_bytes += REWALK_CHUNK;
	return c;
}

static void chunk_put(struct early_rewalk *r, struct chunk *c)
{
	struct chunk **p;

	if (--c->refs)
		return;
	for (p = &r->buckets[c->hash % CHUNK_BUCKETS]; *p != c; p = &(*p)->next)
		;
	*p = c->next;
	r->wait_bytes -= REWALK_CHUNK;
	free(c);
}

/* One record kept no more */
static void wait_drop(struct early_rewalk *r, struct waiting *w)
{
	for (size_t i = 0; i < w->chunk_cnt; i++)
		chunk_put(r, w->chunks[i]);
	w->chunk_cnt = 0;
}

/* Whether e was made before its process's last exec */
static bool before_exec(const struct early_rewalk *r, const struct early_head *e)
{
	for (size_t i = 0; i < r->exec_cnt; i++)
		if (r->execs[i].tgid == e->tgid && e->ts_ns < r->execs[i].ts_ns)
			return true;
	return false;
}

void early_rewalk__exec(struct early_rewalk *r, uint32_t tgid, uint64_t ts_ns)
{
	size_t kept = 0, i;

	pthread_mutex_lock(&r->lock);
	for (i = 0; i < r->exec_cnt && r->execs[i].tgid != tgid; i++)
		;
	if (i == r->exec_cnt) {
		i = r->exec_cnt < EXECS_MAX ? r->exec_cnt++ : r->exec_next++ % EXECS_MAX;
		r->execs[i].tgid = tgid;
	}
	r->execs[i].ts_ns = ts_ns;
	for (size_t k = 0; k < r->wait_cnt; k++) {
		if (before_exec(r, &r->wait[k].h)) {
			wait_drop(r, &r->wait[k]);
			r->st.execed++;
		} else {
			r->wait[kept++] = r->wait[k];
		}
	}
	r->wait_cnt = kept;
	pthread_mutex_unlock(&r->lock);
}

void early_rewalk__free(struct early_rewalk *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->wait_cnt; i++)
		wait_drop(r, &r->wait[i]);
	for (size_t i = 0; i < r->whole_cnt; i++)
		free(r->whole[i].ips);
	for (size_t i = 0; i < r->snap_cnt; i++)
		proc_maps__free(&r->snaps[i].maps);
	pthread_mutex_destroy(&r->lock);
	free(r->wait);
	free(r->blocks);
	free(r->sums);
	free(r->whole);
	free(r);
}

void early_rewalk__add(struct early_rewalk *r, const struct early_walk *e, size_t len, double now)
{
	size_t head = offsetof(struct early_walk, stack);
	struct waiting w = { .since = now };

	if (len < head || e->len > len - head || e->len > LEAK_EARLY_STACK_BYTES ||
	    e->len % REWALK_CHUNK)
		return; /* not the kernel's record */
	w.h = (struct early_head){ .tgid = e->tgid,
				   .len = e->len,
				   .addr = e->addr,
				   .size = e->size,
				   .ts_ns = e->ts_ns,
				   .stack_id = e->stack_id,
				   .ip = e->ip,
				   .sp = e->sp,
				   .bp = e->bp,
				   .at = e->at };
	pthread_mutex_lock(&r->lock);
	r->st.received++;
	if (before_exec(r, &w.h)) {
		r->st.execed++;
		goto out;
	}
	for (; w.chunk_cnt < e->len / REWALK_CHUNK; w.chunk_cnt++) {
		w.chunks[w.chunk_cnt] = chunk_get(r, e->at + w.chunk_cnt * REWALK_CHUNK,
						  e->stack + w.chunk_cnt * REWALK_CHUNK);
		if (!w.chunks[w.chunk_cnt])
			break;
	}
	if (w.chunk_cnt < e->len / REWALK_CHUNK ||
	    ARRAY_GROW(r->wait, r->wait_cap, r->wait_cnt + 1, 64)) {
		wait_drop(r, &w);
		r->st.dropped++;
		goto out;
	}
	w.seq = r->next_seq++;
	r->wait[r->wait_cnt++] = w;
out:
	pthread_mutex_unlock(&r->lock);
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

/* by process, then in the order added */
static int by_tgid(const void *a, const void *b)
{
	const struct waiting *x = a, *y = b;

	if (x->h.tgid != y->h.tgid)
		return x->h.tgid < y->h.tgid ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Walk one record with its process's mappings: true when it is done with (walked or given up) */
static bool walk_one(struct early_rewalk *r, const struct rewalk_rows *u,
		     const struct rewalk_maps *maps, const struct waiting *w, double now,
		     double wait_s)
{
	const struct early_head *e = &w->h;
	const uint8_t *bytes[CHUNKS_MAX];
	struct rewalk_mem mem = { .at = e->at, .chunks = bytes, .len = e->len };
	uint64_t ips[PERFAN_MAX_STACK_DEPTH];
	struct rewalk_result res;

	for (size_t i = 0; i < w->chunk_cnt; i++)
		bytes[i] = w->chunks[i]->bytes;
	stack_rewalk__walk(u, maps, &mem, e->ip, e->sp, e->bp, ips, &res);
	if (res.end == REWALK_UNSEEN) {
		if (now - w->since < wait_s)
			return false;
		r->st.no_rows++;
		return true;
	}
	/* beyond a copy that ended before the stack's mapping did: the kernel's walk goes on */
	if (res.end == REWALK_OUT_OF_COPY && e->len == LEAK_EARLY_STACK_BYTES) {
		r->st.deep++;
		return true;
	}
	r->st.walked++;
	if (res.stack_id == e->stack_id) {
		r->st.same++; /* the kernel's walk gave this stack already: nothing moves */
		return true;
	}
	if (!whole_keep(r, res.stack_id, ips, res.depth) ||
	    ARRAY_GROW(r->blocks, r->block_cap, r->block_cnt + 1, 64)) {
		r->st.walked--;
		r->st.dropped++;
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
	struct waiting *mine = NULL;
	size_t n = 0, kept = 0, left = 0;

	/* the records before the cut are taken out to be walked without the lock: naming a
	 * process's mappings may open files, and early_rewalk__add must not wait for it */
	pthread_mutex_lock(&r->lock);
	if (r->wait_cnt && (mine = malloc(r->wait_cnt * sizeof(*mine)))) {
		for (size_t i = 0; i < r->wait_cnt; i++) {
			if (r->wait[i].seq < r->cut_seq)
				mine[n++] = r->wait[i];
			else
				r->wait[kept++] = r->wait[i];
		}
		r->wait_cnt = kept;
	}
	pthread_mutex_unlock(&r->lock);
	if (!n) {
		free(mine);
		return;
	}
	qsort(mine, n, sizeof(*mine), by_tgid);
	for (size_t i = 0; i < n;) {
		uint32_t tgid = mine[i].h.tgid;
		const struct proc_maps *maps = maps_of(ctx, tgid);
		size_t j = i;

		for (; j < n && mine[j].h.tgid == tgid; j++) {
			bool done;

			const struct maps_snap *snap;
			struct rewalk_maps use = { .maps = { maps }, .cnt = 2 };

			pthread_mutex_lock(&r->lock);
			/* the mappings known now, then those read when the early walks came (a
			 * library of a process gone before the others were read) */
			snap = snap_of(r, tgid);
			if (snap && snap->maps.cnt)
				use.maps[1] = &snap->maps;
			done = before_exec(r, &mine[j].h) ? (r->st.execed++, true)
			       : use.maps[0] || use.maps[1]
				       ? walk_one(r, u, &use, &mine[j], now, wait_s)
				       : (r->st.no_maps++, true);
			if (done)
				wait_drop(r, &mine[j]);
			pthread_mutex_unlock(&r->lock);
			if (!done)
				mine[left++] = mine[j];
		}
		i = j;
	}
	/* those still waiting for their rows go back, before the ones added meanwhile */
	pthread_mutex_lock(&r->lock);
	if (left && !ARRAY_GROW(r->wait, r->wait_cap, r->wait_cnt + left, 64)) {
		memmove(&r->wait[left], r->wait, r->wait_cnt * sizeof(*r->wait));
		memcpy(r->wait, mine, left * sizeof(*mine));
		r->wait_cnt += left;
	} else {
		for (size_t k = 0; k < left; k++) {
			wait_drop(r, &mine[k]);
			r->st.dropped++;
		}
	}
	pthread_mutex_unlock(&r->lock);
	free(mine);
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

/* Move the counts d from one row to the other, each no more than the first holds */
static void take_counts(struct stack_counts *from, struct stack_counts *to,
			const struct stack_counts *d)
{
	take(&from->live_bytes, &to->live_bytes, d->live_bytes);
	take(&from->live_objects, &to->live_objects, d->live_objects);
	take(&from->alloc_bytes, &to->alloc_bytes, d->alloc_bytes);
	take(&from->alloc_objects, &to->alloc_objects, d->alloc_objects);
	take(&from->freed_bytes, &to->freed_bytes, d->freed_bytes);
	take(&from->freed_objects, &to->freed_objects, d->freed_objects);
	take(&from->live_usable_objects, &to->live_usable_objects, d->live_usable_objects);
	take(&from->live_usable_bytes, &to->live_usable_bytes, d->live_usable_bytes);
}

/* Move the counts d of process tgid from stack `from`'s row to stack to's, when both are in */
static void move(struct rows_index *x, uint32_t tgid, uint64_t from, uint64_t to,
		 const struct stack_counts *d)
{
	struct stack_row *f = row_find(x, tgid, from), *t = row_find(x, tgid, to);

	if (f && t)
		take_counts(&f->counts, &t->counts, d);
}

/* Rows for the whole stacks missing from sample, so that every move has a row to go to:
 * the targets sorted and made unique, each looked up once */
static int add_missing(struct early_rewalk *r, struct rows_index *x)
{
	size_t n = r->block_cnt + r->sum_cnt, u = 0;
	struct stack_row *want = malloc((n ? n : 1) * sizeof(*want));
	int err = 0;

	if (!want)
		return -ENOMEM;
	for (size_t i = 0; i < r->block_cnt; i++)
		want[i] =
			(struct stack_row){ .pid = r->blocks[i].tgid, .stack_id = r->blocks[i].to };
	for (size_t i = 0; i < r->sum_cnt; i++)
		want[r->block_cnt + i] =
			(struct stack_row){ .pid = r->sums[i].tgid, .stack_id = r->sums[i].to };
	if (n)
		qsort(want, n, sizeof(*want), stack_row__cmp);
	for (size_t i = 0; i < n; i++)
		if (!u || stack_row__cmp(&want[u - 1], &want[i]))
			want[u++] = want[i];
	for (size_t i = 0; i < u && !err; i++)
		if (!row_find(x, want[i].pid, want[i].stack_id) &&
		    leak_sample__add(x->sample, &want[i]))
			err = -ENOMEM;
	free(want);
	return err;
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

/* A freed block's move, for good: appended (merged by sums_merge) */
static int sum_add(struct early_rewalk *r, const struct moved_block *b)
{
	if (ARRAY_GROW(r->sums, r->sum_cap, r->sum_cnt + 1, 16))
		return -ENOMEM;
	r->sums[r->sum_cnt++] = (struct moved_sum){
		.tgid = b->tgid, .from = b->from, .to = b->to, .bytes = b->size, .objects = 1
	};
	return 0;
}

static int sum_cmp(const void *pa, const void *pb)
{
	const struct moved_sum *a = pa, *b = pb;

	if (a->tgid != b->tgid)
		return a->tgid < b->tgid ? -1 : 1;
	if (a->from != b->from)
		return a->from < b->from ? -1 : 1;
	return (a->to > b->to) - (a->to < b->to);
}

/* One sum per (tgid, from, to) */
static void sums_merge(struct early_rewalk *r)
{
	size_t u = 0;

	qsort(r->sums, r->sum_cnt, sizeof(*r->sums), sum_cmp);
	for (size_t i = 0; i < r->sum_cnt; i++) {
		if (u && !sum_cmp(&r->sums[u - 1], &r->sums[i])) {
			r->sums[u - 1].bytes += r->sums[i].bytes;
			r->sums[u - 1].objects += r->sums[i].objects;
		} else {
			r->sums[u++] = r->sums[i];
		}
	}
	r->sum_cnt = u;
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
	if (kept < r->block_cnt)
		sums_merge(r);
	r->block_cnt = kept;
	if ((err = index_rows(&x)) || (err = add_missing(r, &x)) || (err = index_rows(&x)))
		goto out;
	for (size_t i = 0; i < r->sum_cnt; i++) { /* freed: allocated and freed */
		const struct moved_sum *m = &r->sums[i];

		move(&x, m->tgid, m->from, m->to,
		     &(struct stack_counts){ .alloc_bytes = m->bytes,
					     .alloc_objects = m->objects,
					     .freed_bytes = m->bytes,
					     .freed_objects = m->objects });
	}
	for (size_t i = 0; i < r->block_cnt; i++) { /* live: allocated and live, usable too */
		const struct moved_block *b = &r->blocks[i];

		move(&x, b->tgid, b->from, b->to,
		     &(struct stack_counts){ .alloc_bytes = b->size,
					     .alloc_objects = 1,
					     .live_bytes = b->size,
					     .live_objects = 1,
					     .live_usable_bytes = b->usable,
					     .live_usable_objects = b->usable ? 1 : 0 });
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

struct early_rewalk_stats early_rewalk__stats(struct early_rewalk *r)
{
	struct early_rewalk_stats st;

	pthread_mutex_lock(&r->lock);
	st = r->st;
	pthread_mutex_unlock(&r->lock);
	return st;
}
