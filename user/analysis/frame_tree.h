/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The frame tree of a profile (profile.h): stacks merged root first, a node per distinct
 * path of frame names, each with the sums of the stacks below it (saturated, never wrapped).
 * What a flame graph draws. */
#ifndef PERFAN_FRAME_TREE_H
#define PERFAN_FRAME_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "analysis/profile.h"

#define FRAME_TREE_NONE UINT32_MAX

struct frame_tree_node {
	uint32_t name;	      /* id in frame_tree.names */
	uint32_t parent;      /* FRAME_TREE_NONE for the root */
	uint32_t first_child; /* children sorted by name (after frame_tree__build) */
	uint32_t next_sibling;
	uint32_t depth;		   /* root 0 */
	const struct frame *frame; /* the first frame merged here; NULL for the root, pids */
	bool mixed_lines;	   /* frames of several file:line were merged here */
	int64_t width;		   /* what sets the width: the value, or for a diff max(A, B) */
	int64_t bytes, objects;	   /* the value's family (a diff: in B) */
	int64_t base_bytes, base_objects;   /* a diff: in A */
	int64_t delta_bytes, delta_objects; /* a diff: B - A */
	/* frame_tree__build_drawn: the widths of the siblings left out just before this node
	 * are frame_tree.gaps[gap_first .. gap_first + gap_cnt - 1], in name order */
	uint32_t gap_first, gap_cnt;
};

struct frame_tree {
	struct frame_tree_node *nodes; /* nodes[0] is the root ("all") */
	size_t cnt, cap;
	struct strmap *names;
	uint32_t max_depth;
	bool is_diff;
	/* a sum was beyond int64_t and stopped at +-INT64_MAX (profile__saturate): only a
	 * corrupt or hand-made file gets there; children may then add up to more than their
	 * parent */
	bool saturated;
	/* the largest |delta_bytes| and |delta_objects| of a node but the root, over every node
	 * of the whole tree (those left out by frame_tree__build_drawn too) */
	int64_t max_abs_delta_bytes, max_abs_delta_objects;
	/* frame_tree__build_drawn: widths of left-out nodes (see gap_first) */
	int64_t *gaps;
	size_t gap_cnt, gap_cap;
};

/* Builds the tree of the stacks whose width is not 0. value: for a snapshot one of the LIVE
 * and ALLOC values (bytes and objects of that family are summed; width is the value); for a
 * diff PV_DELTA_BYTES or PV_DELTA_OBJECTS (width is max of A and B of that kind). 0, -EINVAL
 * (a value the profile cannot draw) or -ENOMEM. */
int frame_tree__build(struct frame_tree *t, const struct profile *p, enum profile_value value);
/* The part of that tree a picture span_px wide draws: the root, and each node whose parent is
 * kept and whose (double)width * scale >= min_px, where scale is span_px / the root's width
 * (0 for a width of 0). Each kept node lists the widths of the siblings left out just before
 * it (gap_first), so a drawing lays it out where it would be in the whole tree. max_depth,
 * saturated and max_abs_delta_* are those of the whole tree. Nodes are numbered in depth-first
 * order. Memory: the kept nodes, and one 32-bit index per stack; for a snapshot, subtrees left
 * out are not walked. 0, -EINVAL or -ENOMEM, as frame_tree__build. */
int frame_tree__build_drawn(struct frame_tree *t, const struct profile *p, enum profile_value value,
			    double span_px, double min_px);
void frame_tree__free(struct frame_tree *t);
/* The name of a node */
const char *frame_tree__name(const struct frame_tree *t, const struct frame_tree_node *n);

#endif
