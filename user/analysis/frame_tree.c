// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The frame tree (see frame_tree.h): children found through one interning map keyed by
 * (parent, name), then every child list sorted by name so the layout is deterministic. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/frame_tree.h"
#include "lib/array.h"
#include "lib/stack_name.h"
#include "lib/strmap.h"

/* a node's sums: width, bytes, objects, base_bytes, base_objects, delta_bytes, delta_objects */
#define SUM_CNT 7

struct build {
	struct frame_tree *t;
	struct strmap *children; /* key: parent id, name id -> index into child_node */
	uint32_t *child_node;
	size_t child_cap;
	/* per node, the exact sums (nodes[i] gets them saturated at the end): counts of a
	 * corrupt file reach INT64_MAX, and a delta's sign varies, so no int64_t order is safe */
	__int128 (*sum)[SUM_CNT];
};

/* The sums a stack adds to each node of its path (width first); false when its width is not
 * above 0 (the stack is left out) */
static bool stack_values(const struct profile *p, const struct profile_stack *s,
			 enum profile_value value, int64_t v[SUM_CNT])
{
	enum profile_value vb = value == PV_ALLOC_BYTES || value == PV_ALLOC_OBJECTS
					? PV_ALLOC_BYTES
					: PV_LIVE_BYTES;

	memset(v, 0, SUM_CNT * sizeof(v[0]));
	v[1] = s->val[vb];
	v[2] = s->val[vb + 1];
	if (p->is_diff) {
		bool objs = value == PV_DELTA_OBJECTS;
		int64_t a = s->val[objs ? PV_BASE_LIVE_OBJECTS : PV_BASE_LIVE_BYTES];
		int64_t bb = s->val[objs ? PV_LIVE_OBJECTS : PV_LIVE_BYTES];

		v[0] = a > bb ? a : bb;
		v[3] = s->val[PV_BASE_LIVE_BYTES];
		v[4] = s->val[PV_BASE_LIVE_OBJECTS];
		v[5] = s->val[PV_DELTA_BYTES];
		v[6] = s->val[PV_DELTA_OBJECTS];
	} else {
		v[0] = s->val[value];
	}
	return v[0] > 0;
}

static int64_t name_id(struct frame_tree *t, const char *name)
{
	return strmap__intern(t->names, name, strlen(name), NULL);
}

/* The child of parent called name (created when new); its index, or -ENOMEM */
static int64_t child(struct build *b, uint32_t parent, uint32_t name, const struct frame *f)
{
	struct frame_tree *t = b->t;
	uint32_t key[2] = { parent, name };
	bool added;
	int64_t k = strmap__intern(b->children, key, sizeof(key), &added);
	struct frame_tree_node *n;
	size_t sum_cap;

	if (k < 0)
		return -ENOMEM;
	if (!added) {
		n = &t->nodes[b->child_node[k]];
		if (f && n->frame &&
		    (n->frame->line != f->line ||
		     (n->frame->file != f->file &&
		      (!n->frame->file || !f->file || strcmp(n->frame->file, f->file)))))
			n->mixed_lines = true;
		return b->child_node[k];
	}
	if (ARRAY_GROW(b->child_node, b->child_cap, (size_t)k + 1, 1024))
		return -ENOMEM;
	/* t->cap counts the sums too: grow them first, so that t->cap never exceeds them */
	sum_cap = t->cap;
	if (ARRAY_GROW(b->sum, sum_cap, t->cnt + 1, 1024) ||
	    ARRAY_GROW(t->nodes, t->cap, t->cnt + 1, 1024))
		return -ENOMEM;
	memset(b->sum[t->cnt], 0, sizeof(b->sum[t->cnt]));
	n = &t->nodes[t->cnt];
	*n = (struct frame_tree_node){ .name = name,
				       .parent = parent,
				       .first_child = FRAME_TREE_NONE,
				       .next_sibling = FRAME_TREE_NONE,
				       .depth = t->nodes[parent].depth + 1,
				       .frame = f };
	if (n->depth > t->max_depth)
		t->max_depth = n->depth;
	b->child_node[k] = (uint32_t)t->cnt;
	return (int64_t)t->cnt++;
}

static void add_to(struct build *b, int64_t node, const int64_t v[SUM_CNT])
{
	for (int k = 0; k < SUM_CNT; k++)
		b->sum[node][k] += v[k];
}

/* The sums into the nodes, saturated (profile__saturate) */
static void store_sums(struct build *b)
{
	struct frame_tree *t = b->t;

	for (size_t i = 0; i < t->cnt; i++) {
		struct frame_tree_node *n = &t->nodes[i];
		int64_t *dst[SUM_CNT] = { &n->width,	    &n->bytes,	      &n->objects,
					  &n->base_bytes,   &n->base_objects, &n->delta_bytes,
					  &n->delta_objects };

		for (int k = 0; k < SUM_CNT; k++) {
			*dst[k] = profile__saturate(b->sum[i][k]);
			if (*dst[k] != b->sum[i][k])
				t->saturated = true;
		}
		if (i) {
			int64_t db = n->delta_bytes < 0 ? -n->delta_bytes : n->delta_bytes;
			int64_t dob = n->delta_objects < 0 ? -n->delta_objects : n->delta_objects;

			if (db > t->max_abs_delta_bytes)
				t->max_abs_delta_bytes = db;
			if (dob > t->max_abs_delta_objects)
				t->max_abs_delta_objects = dob;
		}
	}
}

static struct frame_tree *sort_tree; /* qsort has no context argument */

static int by_name(const void *pa, const void *pb)
{
	const struct frame_tree_node *a = &sort_tree->nodes[*(const uint32_t *)pa];
	const struct frame_tree_node *b = &sort_tree->nodes[*(const uint32_t *)pb];
	int c = strcmp(frame_tree__name(sort_tree, a), frame_tree__name(sort_tree, b));

	if (c)
		return c;
	return *(const uint32_t *)pa < *(const uint32_t *)pb ? -1 : 1;
}

/* Links every node's children in name order */
static int link_children(struct frame_tree *t)
{
	uint32_t *order = malloc(t->cnt * sizeof(*order));

	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < t->cnt; i++)
		order[i] = (uint32_t)i;
	sort_tree = t;
	/* by name, then by parent (stable on id): walking backwards prepends in name order */
	qsort(order + 1, t->cnt - 1, sizeof(*order), by_name);
	sort_tree = NULL;
	for (size_t i = t->cnt; i-- > 1;) {
		struct frame_tree_node *n = &t->nodes[order[i]], *p = &t->nodes[n->parent];

		n->next_sibling = p->first_child;
		p->first_child = order[i];
	}
	free(order);
	return 0;
}

int frame_tree__build(struct frame_tree *t, const struct profile *p, enum profile_value value)
{
	struct build b = { .t = t };
	char name[512];
	int err = 0;

	memset(t, 0, sizeof(*t));
	t->is_diff = p->is_diff;
	if (p->is_diff ? value != PV_DELTA_BYTES && value != PV_DELTA_OBJECTS
		       : value > PV_ALLOC_OBJECTS)
		return -EINVAL;
	t->names = strmap__new();
	b.children = strmap__new();
	t->cap = 1024;
	t->nodes = malloc(t->cap * sizeof(*t->nodes));
	b.sum = calloc(t->cap, sizeof(*b.sum));
	if (!t->names || !b.children || !t->nodes || !b.sum || name_id(t, "all") < 0) {
		err = -ENOMEM;
		goto out;
	}
	t->nodes[0] = (struct frame_tree_node){ .parent = FRAME_TREE_NONE,
						.first_child = FRAME_TREE_NONE,
						.next_sibling = FRAME_TREE_NONE };
	t->cnt = 1;
	for (size_t i = 0; i < p->stack_cnt; i++) {
		const struct profile_stack *s = &p->stacks[i];
		int64_t v[SUM_CNT], node = 0, nm;

		if (!stack_values(p, s, value, v))
			continue;
		add_to(&b, 0, v);
		if (!p->pid) {
			snprintf(name, sizeof(name), "pid %" PRIu32, s->pid);
			if ((nm = name_id(t, name)) < 0 ||
			    (node = child(&b, 0, (uint32_t)nm, NULL)) < 0)
				goto oom;
			add_to(&b, node, v);
		}
		if (!s->frame_cnt) {
			stack_name__text(NULL, 0, NULL, s->stack_id, name, sizeof(name));
			if ((nm = name_id(t, name)) < 0 ||
			    (node = child(&b, (uint32_t)node, (uint32_t)nm, NULL)) < 0)
				goto oom;
			add_to(&b, node, v);
		}
		for (size_t f = s->frame_cnt; f-- > 0;) {
			profile__frame_name(&s->frames[f], name, sizeof(name));
			if ((nm = name_id(t, name)) < 0 ||
			    (node = child(&b, (uint32_t)node, (uint32_t)nm, &s->frames[f])) < 0)
				goto oom;
			add_to(&b, node, v);
		}
	}
	store_sums(&b);
	err = link_children(t);
	goto out;
oom:
	err = -ENOMEM;
out:
	strmap__free(b.children);
	free(b.child_node);
	free(b.sum);
	if (err)
		frame_tree__free(t);
	return err;
}

void frame_tree__free(struct frame_tree *t)
{
	if (!t)
		return;
	free(t->nodes);
	free(t->gaps);
	strmap__free(t->names);
	memset(t, 0, sizeof(*t));
}

const char *frame_tree__name(const struct frame_tree *t, const struct frame_tree_node *n)
{
	return strmap__key(t->names, n->name, NULL);
}

/* ---- the drawn part only (frame_tree__build_drawn) ----
 * The stacks are sorted by their path of names, root first (a path before the longer ones it
 * starts), so each node of the whole tree is a run of them and its children are the runs
 * below it in name order: the tree is walked depth first without being built, and only the
 * nodes kept are stored. A name is compared where it lies (the function's own string) when it
 * can be. */

#define NAME_LEN 512 /* profile__frame_name's buffer in frame_tree__build */

struct dpath {
	const struct profile *p;
	const uint32_t *items; /* stack indices */
};

static const struct profile *sort_profile; /* qsort has no context argument */

/* Names on the path of a stack: "pid N" when the profile has every process, then the
 * unavailable stack's name or the frames from the root */
static size_t path_len(const struct profile *p, const struct profile_stack *s)
{
	return (p->pid ? 0 : 1) + (s->frame_cnt ? s->frame_cnt : 1);
}

/* The name at level (< path_len) and its frame (NULL for a pid or an unavailable stack): buf
 * (NAME_LEN bytes) or a string of the profile, as profile__frame_name truncates it */
static const char *path_name(const struct profile *p, const struct profile_stack *s, size_t level,
			     char *buf, const struct frame **frame)
{
	const struct frame *f;

	*frame = NULL;
	if (!p->pid) {
		if (!level) {
			snprintf(buf, NAME_LEN, "pid %" PRIu32, s->pid);
			return buf;
		}
		level--;
	}
	if (!s->frame_cnt) {
		stack_name__text(NULL, 0, NULL, s->stack_id, buf, NAME_LEN);
		return buf;
	}
	f = &s->frames[s->frame_cnt - 1 - level];
	*frame = f;
	if (f->function && f->function[0] && strnlen(f->function, NAME_LEN) < NAME_LEN)
		return f->function;
	return profile__frame_name(f, buf, NAME_LEN);
}

/* Whether stacks a and b have the same name at level (both have one) */
static bool same_name(const struct profile *p, uint32_t a, uint32_t b, size_t level)
{
	char ba[NAME_LEN], bb[NAME_LEN];
	const struct frame *fa, *fb;
	const char *na = path_name(p, &p->stacks[a], level, ba, &fa);
	const char *nb = path_name(p, &p->stacks[b], level, bb, &fb);

	return na == nb || !strcmp(na, nb);
}

static int by_path(const void *pa, const void *pb)
{
	const struct profile *p = sort_profile;
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	size_t la = path_len(p, &p->stacks[a]), lb = path_len(p, &p->stacks[b]);

	for (size_t i = 0; i < la && i < lb; i++) {
		char ba[NAME_LEN], bb[NAME_LEN];
		const struct frame *fa, *fb;
		const char *na = path_name(p, &p->stacks[a], i, ba, &fa);
		const char *nb = path_name(p, &p->stacks[b], i, bb, &fb);
		int c = na == nb ? 0 : strcmp(na, nb);

		if (c)
			return c;
	}
	if (la != lb)
		return la < lb ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* A run of stacks being walked: the node they make, and where its children are */
struct run {
	uint32_t lo, hi;  /* items */
	uint32_t cur;	  /* the next child's first item */
	uint32_t depth;	  /* of the node; its children are named at path level depth */
	int64_t id;	  /* the kept node, or -1 */
	uint32_t last;	  /* its last kept child, FRAME_TREE_NONE when none yet */
	size_t gap_start; /* gaps since its last kept child start here */
};

/* Sums of the run's stacks, saturated into out[]; t->saturated set when one was cut */
static void run_sums(struct frame_tree *t, const struct profile *p, const uint32_t *items,
		     uint32_t lo, uint32_t hi, enum profile_value value, int64_t out[SUM_CNT])
{
	__int128 sum[SUM_CNT] = { 0 };
	int64_t v[SUM_CNT];

	for (uint32_t i = lo; i < hi; i++) {
		stack_values(p, &p->stacks[items[i]], value, v);
		for (int k = 0; k < SUM_CNT; k++)
			sum[k] += v[k];
	}
	for (int k = 0; k < SUM_CNT; k++) {
		out[k] = profile__saturate(sum[k]);
		if (out[k] != sum[k])
			t->saturated = true;
	}
}

static int64_t new_node(struct frame_tree *t, const int64_t sums[SUM_CNT])
{
	struct frame_tree_node *n;

	if (ARRAY_GROW(t->nodes, t->cap, t->cnt + 1, 64))
		return -ENOMEM;
	n = &t->nodes[t->cnt];
	*n = (struct frame_tree_node){ .parent = FRAME_TREE_NONE,
				       .first_child = FRAME_TREE_NONE,
				       .next_sibling = FRAME_TREE_NONE,
				       .width = sums[0],
				       .bytes = sums[1],
				       .objects = sums[2],
				       .base_bytes = sums[3],
				       .base_objects = sums[4],
				       .delta_bytes = sums[5],
				       .delta_objects = sums[6] };
	return (int64_t)t->cnt++;
}

/* Names node id (the run [lo, hi) at path level) after the frame of its first stack in the
 * profile's order, as frame_tree__build does, and tells whether lines were mixed there */
static int name_node(struct frame_tree *t, const struct profile *p, const uint32_t *items,
		     uint32_t lo, uint32_t hi, size_t level, int64_t id)
{
	struct frame_tree_node *n = &t->nodes[id];
	uint32_t first = items[lo];
	char buf[NAME_LEN], buf2[NAME_LEN];
	const struct frame *f0, *f;
	const char *name;
	int64_t nm;

	for (uint32_t i = lo + 1; i < hi; i++)
		if (items[i] < first)
			first = items[i];
	name = path_name(p, &p->stacks[first], level, buf, &f0);
	nm = name_id(t, name);
	if (nm < 0)
		return -ENOMEM;
	n->name = (uint32_t)nm;
	n->frame = f0;
	for (uint32_t i = lo; f0 && i < hi && !n->mixed_lines; i++) {
		path_name(p, &p->stacks[items[i]], level, buf2, &f);
		if (f &&
		    (f->line != f0->line ||
		     (f->file != f0->file && (!f->file || !f0->file || strcmp(f->file, f0->file)))))
			n->mixed_lines = true;
	}
	return 0;
}

int frame_tree__build_drawn(struct frame_tree *t, const struct profile *p, enum profile_value value,
			    double span_px, double min_px)
{
	uint32_t *items = NULL;
	struct run *st = NULL;
	size_t n = 0, sp = 0, st_cap = 0;
	int64_t sums[SUM_CNT], v[SUM_CNT];
	bool walk_all;
	double scale;
	int err = 0;

	memset(t, 0, sizeof(*t));
	t->is_diff = p->is_diff;
	if (p->is_diff ? value != PV_DELTA_BYTES && value != PV_DELTA_OBJECTS
		       : value > PV_ALLOC_OBJECTS)
		return -EINVAL;
	if (p->stack_cnt > UINT32_MAX - 1)
		return -ENOMEM;
	/* a node's sums bound its descendants' only when no value is negative: else (a diff)
	 * every node is walked for saturated and max_abs_delta_* */
	walk_all = p->is_diff;
	t->names = strmap__new();
	items = p->stack_cnt ? malloc(p->stack_cnt * sizeof(*items)) : NULL;
	if (!t->names || (p->stack_cnt && !items) || name_id(t, "all") < 0)
		goto oom;
	for (size_t i = 0; i < p->stack_cnt; i++) {
		if (!stack_values(p, &p->stacks[i], value, v))
			continue;
		for (int k = 1; k < SUM_CNT; k++)
			walk_all |= v[k] < 0;
		if (path_len(p, &p->stacks[i]) > t->max_depth)
			t->max_depth = (uint32_t)path_len(p, &p->stacks[i]);
		items[n++] = (uint32_t)i;
	}
	sort_profile = p;
	if (n)
		qsort(items, n, sizeof(*items), by_path);
	sort_profile = NULL;
	run_sums(t, p, items, 0, (uint32_t)n, value, sums);
	if (new_node(t, sums) < 0)
		goto oom;
	scale = sums[0] ? span_px / (double)sums[0] : 0;
	if (ARRAY_GROW(st, st_cap, 1, 64))
		goto oom;
	st[sp++] = (struct run){ .hi = (uint32_t)n, .id = 0, .last = FRAME_TREE_NONE };
	while (sp) {
		struct run *r = &st[sp - 1];
		uint32_t lo, hi;
		int64_t id = -1, ad;
		bool keep;

		while (r->cur < r->hi && path_len(p, &p->stacks[items[r->cur]]) <= r->depth)
			r->cur++;
		if (r->cur == r->hi) {
			if (r->id >= 0) {
				t->gap_cnt = r->gap_start; /* none after its last kept child */
				if (sp > 1)
					st[sp - 2].gap_start = t->gap_cnt;
			}
			sp--;
			continue;
		}
		lo = r->cur;
		for (hi = lo + 1; hi < r->hi && same_name(p, items[lo], items[hi], r->depth); hi++)
			;
		r->cur = hi;
		run_sums(t, p, items, lo, hi, value, sums);
		ad = sums[5] < 0 ? -sums[5] : sums[5];
		if (ad > t->max_abs_delta_bytes)
			t->max_abs_delta_bytes = ad;
		ad = sums[6] < 0 ? -sums[6] : sums[6];
		if (ad > t->max_abs_delta_objects)
			t->max_abs_delta_objects = ad;
		keep = r->id >= 0 && (double)sums[0] * scale >= min_px;
		if (keep) {
			struct frame_tree_node *c;

			if ((id = new_node(t, sums)) < 0 ||
			    name_node(t, p, items, lo, hi, r->depth, id) < 0)
				goto oom;
			c = &t->nodes[id];
			c->parent = (uint32_t)r->id;
			c->depth = r->depth + 1;
			c->gap_first = (uint32_t)r->gap_start;
			c->gap_cnt = (uint32_t)(t->gap_cnt - r->gap_start);
			r->gap_start = t->gap_cnt;
			if (r->last == FRAME_TREE_NONE)
				t->nodes[r->id].first_child = (uint32_t)id;
			else
				t->nodes[r->last].next_sibling = (uint32_t)id;
			r->last = (uint32_t)id;
		} else if (r->id >= 0) {
			if (ARRAY_GROW(t->gaps, t->gap_cap, t->gap_cnt + 1, 64))
				goto oom;
			t->gaps[t->gap_cnt++] = sums[0];
		}
		if (!keep && !walk_all)
			continue;
		if (ARRAY_GROW(st, st_cap, sp + 1, 64))
			goto oom;
		r = &st[sp - 1];
		st[sp++] = (struct run){ .lo = lo,
					 .hi = hi,
					 .cur = lo,
					 .depth = r->depth + 1,
					 .id = id,
					 .last = FRAME_TREE_NONE,
					 .gap_start = t->gap_cnt };
	}
	goto out;
oom:
	err = -ENOMEM;
out:
	free(items);
	free(st);
	if (err)
		frame_tree__free(t);
	return err;
}
