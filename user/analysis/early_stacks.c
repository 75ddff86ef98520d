// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Folding stacks walked before their rows were in (see early_stacks.h). */
#include <errno.h>
#include <stdlib.h>
#include "analysis/early_stacks.h"

/* Whether the frames of a's first `addrs` captured addresses (inlined frames share one) are the
 * first frames of b */
static bool prefix_of(const struct stack_entry *a, size_t addrs, const struct stack_entry *b)
{
	size_t seen = 0;

	if (!a->frame_cnt)
		return false;
	for (size_t k = 0; k < a->frame_cnt; k++) {
		if (!k || a->frames[k].address != a->frames[k - 1].address)
			seen++;
		if (seen > addrs)
			break;
		if (k >= b->frame_cnt || a->frames[k].address != b->frames[k].address)
			return false;
	}
	return true;
}

int early_stacks__fold(struct leak_sample *sample, const struct stacktab *tab,
		       stack_unseen_fn unseen, void *ctx, struct early_fold *out)
{
	size_t n = sample->cnt, kept = 0;
	bool *gone;

	*out = (struct early_fold){};
	if (!n)
		return 0;
	gone = calloc(n, sizeof(*gone));
	if (!gone)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct stack_row *r = &sample->stacks[i];
		const struct stack_entry *a, *b;
		size_t into = n, matches = 0, addrs;

		if (!r->stack_id || !(addrs = unseen(ctx, r->pid, r->stack_id)))
			continue;
		a = stacktab__get(tab, r->pid, r->stack_id);
		if (!a || !a->truncated)
			continue; /* not there, or walked whole by frame pointers */
		for (size_t j = 0; j < n && matches < 2; j++) {
			const struct stack_row *w = &sample->stacks[j];

			if (j == i || w->pid != r->pid || !w->stack_id ||
			    unseen(ctx, w->pid, w->stack_id))
				continue;
			b = stacktab__get(tab, w->pid, w->stack_id);
			if (b && prefix_of(a, addrs, b)) {
				/* the same whole stack cannot appear twice in a sample */
				into = j;
				matches++;
			}
		}
		if (matches != 1) {
			out->left++;
			out->left_objects += r->counts.alloc_objects;
			continue;
		}
		stack_counts__add(&sample->stacks[into].counts, &r->counts);
		gone[i] = true;
		out->folded++;
	}
	for (size_t i = 0; i < n; i++)
		if (!gone[i])
			sample->stacks[kept++] = sample->stacks[i];
	sample->cnt = kept;
	free(gone);
	return 0;
}
