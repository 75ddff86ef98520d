// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Sample -> report model (see leak_model.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "leak_model.h"

#define MAX_FRAMES 127

int leak_sample__add(struct leak_sample *s, const struct sample_stack *st)
{
	if (s->cnt == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct sample_stack *n = realloc(s->stacks, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		s->stacks = n;
		s->cap = cap;
	}
	s->stacks[s->cnt++] = *st;
	return 0;
}

void leak_sample__free(struct leak_sample *s)
{
	if (!s)
		return;
	free(s->stacks);
	memset(s, 0, sizeof(*s));
}

/* pids whose mappings were re-read during this call: as many as the sample has processes
 * (a fixed array let every process past it be re-read once per unknown frame) */
struct refreshed {
	uint32_t *pids;
	size_t cnt;
	size_t cap;
};

/* 1 when pid's mappings were re-read now, 0 when they already were in this call, -ENOMEM */
static int refresh_once(struct symbolizer *sym, struct refreshed *r, uint32_t pid)
{
	for (size_t i = 0; i < r->cnt; i++)
		if (r->pids[i] == pid)
			return 0;
	if (r->cnt == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		uint32_t *n = realloc(r->pids, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		r->pids = n;
		r->cap = cap;
	}
	r->pids[r->cnt++] = pid;
	symbolizer__refresh(sym, (int)pid);
	return 1;
}

static int symbolize_stack(struct symbolizer *sym, struct refreshed *r, uint32_t pid,
			   const uint64_t *ips, size_t n, struct frame **out)
{
	struct frame *frames = calloc(n ? n : 1, sizeof(*frames));

	if (!frames)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int err;

		if (!symbolizer__resolve(sym, (int)pid, ips[i], &frames[i]))
			continue;
		err = refresh_once(sym, r, pid);
		if (err < 0) {
			free(frames);
			return err;
		}
		if (err)
			symbolizer__resolve(sym, (int)pid, ips[i], &frames[i]);
	}
	*out = frames;
	return 0;
}

int leak_model__symbolize_new(struct stacktab *tab, struct symbolizer *sym,
			      const struct leak_sample *sample, stack_fetch_fn fetch, void *ctx)
{
	struct refreshed r = {};
	uint64_t ips[MAX_FRAMES];
	int added = 0, err = 0;

	for (size_t i = 0; i < sample->cnt; i++) {
		const struct sample_stack *s = &sample->stacks[i];
		struct frame *frames = NULL;
		int n = 0;

		if (stacktab__get(tab, s->pid, s->stack_id))
			continue;
		if (s->stack_id) {
			n = fetch(ctx, s->stack_id, ips, MAX_FRAMES);
			if (n < 0)
				n = 0; /* stays an empty stack, shown as such */
			err = symbolize_stack(sym, &r, s->pid, ips, (size_t)n, &frames);
			if (err)
				goto cleanup;
		}
		err = stacktab__put(tab, s->pid, s->stack_id, frames, (size_t)n);
		if (err)
			goto cleanup;
		added++;
	}
cleanup:
	free(r.pids);
	return err ? err : added;
}

int leak_model__build(const struct stacktab *tab, const struct leak_sample *sample,
		      struct leak_report *rep)
{
	memcpy(rep->lost, sample->lost, sizeof(rep->lost));
	for (size_t i = 0; i < sample->cnt; i++) {
		const struct sample_stack *s = &sample->stacks[i];
		const struct stack_entry *e = stacktab__get(tab, s->pid, s->stack_id);
		struct report_stack rs = {
			.pid = s->pid,
			.stack_id = s->stack_id,
			.counts = s->counts,
			.frames = e ? e->frames : NULL,
			.frame_cnt = e ? e->frame_cnt : 0,
		};

		if (report__add(rep, &rs))
			return -ENOMEM;
	}
	report__sum(rep);
	report__sort(rep);
	return 0;
}
