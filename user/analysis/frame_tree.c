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
	enum profile_value vb, vo;
	struct build b = { .t = t };
	char name[512];
	int err = 0;

	memset(t, 0, sizeof(*t));
	t->is_diff = p->is_diff;
	if (p->is_diff ? value != PV_DELTA_BYTES && value != PV_DELTA_OBJECTS
		       : value > PV_ALLOC_OBJECTS)
		return -EINVAL;
	vb = value == PV_ALLOC_BYTES || value == PV_ALLOC_OBJECTS ? PV_ALLOC_BYTES : PV_LIVE_BYTES;
	vo = vb + 1;
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
		int64_t v[SUM_CNT] = { 0, s->val[vb], s->val[vo] }, node = 0, nm;

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
		if (v[0] <= 0)
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
	strmap__free(t->names);
	memset(t, 0, sizeof(*t));
}

const char *frame_tree__name(const struct frame_tree *t, const struct frame_tree_node *n)
{
	return strmap__key(t->names, n->name, NULL);
}
