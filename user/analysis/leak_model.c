// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Sample -> report model (see leak_model.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/leak_model.h"
#include "lib/array.h"

#define MAX_FRAMES 127

/* pids whose mappings were re-read during this call: as many as the sample has processes
 * (a fixed array let every process past it be re-read once per unknown frame) */
struct refreshed {
	uint32_t *pids;
	size_t cnt;
	size_t cap;
	/* those of them whose re-read was put off: their new stacks wait for a later call */
	uint32_t *waiting;
	size_t wait_cnt, wait_cap;
	maps_reread_fn reread; /* NULL: symbolizer__refresh */
	void *ctx;
};

static bool waits(const struct refreshed *r, uint32_t pid)
{
	for (size_t i = 0; i < r->wait_cnt; i++)
		if (r->waiting[i] == pid)
			return true;
	return false;
}

/* 1 when pid's mappings were re-read now (or put off), 0 when they already were in this call,
 * -ENOMEM */
static int refresh_once(struct symbolizer *sym, struct refreshed *r, uint32_t pid)
{
	for (size_t i = 0; i < r->cnt; i++)
		if (r->pids[i] == pid)
			return 0;
	if (ARRAY_GROW(r->pids, r->cap, r->cnt + 1, 64))
		return -ENOMEM;
	r->pids[r->cnt++] = pid;
	if (!r->reread) {
		symbolizer__refresh(sym, (int)pid);
		return 1;
	}
	if (!r->reread(r->ctx, pid)) {
		if (ARRAY_GROW(r->waiting, r->wait_cap, r->wait_cnt + 1, 16))
			return -ENOMEM;
		r->waiting[r->wait_cnt++] = pid;
	}
	return 1;
}

/* Frames of one inline chain at most; more are cut (recursion through always_inline code) */
#define MAX_INLINE_FRAMES 32

static int symbolize_stack(struct symbolizer *sym, struct refreshed *r, uint32_t pid,
			   const uint64_t *ips, size_t n, struct frame **out, size_t *out_cnt)
{
	struct frame *frames = NULL;
	size_t cnt = 0, cap = 0;
	int err;

	for (size_t i = 0; i < n; i++) {
		int got;

		/* room for the longest inline chain */
		err = ARRAY_GROW(frames, cap, cnt + MAX_INLINE_FRAMES, 64);
		if (err)
			goto fail;
		got = symbolizer__resolve(sym, (int)pid, ips[i], frames + cnt, MAX_INLINE_FRAMES);
		if (got < 0) {
			err = refresh_once(sym, r, pid);
			if (err < 0)
				goto fail;
			if (err)
				got = symbolizer__resolve(sym, (int)pid, ips[i], frames + cnt,
							  MAX_INLINE_FRAMES);
		}
		cnt += got > 0 ? (size_t)got : 1; /* an unknown address is one bare frame */
	}
	/* kept for the session's life: give back the room left for inline chains (a stack of
	 * 10 frames held 64 slots, 4 KiB) */
	if (cnt && cnt < cap) {
		struct frame *fit = realloc(frames, cnt * sizeof(*frames));

		if (fit)
			frames = fit;
	}
	*out = frames;
	*out_cnt = cnt;
	return 0;
fail:
	free(frames);
	return err;
}

static bool in_c_library(const char *module)
{
	const char *base = module ? strrchr(module, '/') : NULL;

	base = base ? base + 1 : module;
	/* the dynamic linker too: it runs the constructors, from code that names no function */
	return base && (!strncmp(base, "libc.so", 7) || !strncmp(base, "libc-", 5) ||
			!strncmp(base, "ld-musl", 7) || !strncmp(base, "libc.musl", 9) ||
			!strncmp(base, "ld-linux", 8) || !strncmp(base, "ld-2.", 5));
}

bool leak_model__stack_complete(const struct frame *frames, size_t frame_cnt)
{
	static const char *const starts[] = {
		"__libc_start_call_main",
		"__libc_start_main",
		"__libc_start_main_impl",
		"__libc_start_main_alias_2",
		"_start",
		"start_thread",
		"clone",
		"clone3",
		"__clone",
		"__clone3",
		"__GI___clone",
		"__GI___clone3",
		"libc_start_main_stage2",
		"start",
		"start_c",
		"__start",
		"_dl_start_user",
		"_dl_init",
	};
	const struct frame *last;
	const char *name;

	if (!frame_cnt)
		return true; /* nothing captured: shown as an empty stack, not as a cut one */
	last = &frames[frame_cnt - 1];
	if (last->at_entry)
		return true; /* the executable's (or the dynamic linker's) entry code, named or not */
	name = last->raw_function ? last->raw_function : last->function;
	if (!name)
		return in_c_library(last->module);
	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		size_t len = strlen(starts[i]);

		/* "clone3" and versioned or cloned names: "__libc_start_main@@GLIBC_2.34" */
		if (!strncmp(name, starts[i], len) &&
		    (!name[len] || name[len] == '@' || name[len] == '.'))
			return true;
	}
	return false;
}

/* pids with stacks not in the table yet: their mappings are re-read once, up front */
static int refresh_new(struct stacktab *tab, struct symbolizer *sym, struct refreshed *r,
		       const struct leak_sample *sample)
{
	for (size_t i = 0; i < sample->cnt; i++) {
		const struct stack_row *s = &sample->stacks[i];

		if (!s->stack_id || stacktab__get(tab, s->pid, s->stack_id))
			continue;
		if (refresh_once(sym, r, s->pid) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* The stacks of the sample not in the table (of `only` alone when it is not 0), named. r: the
 * pids whose mappings are not to be re-read (again) in this call. */
static bool has_unmapped(const struct frame *frames, size_t cnt)
{
	for (size_t i = 0; i < cnt; i++)
		if (!frames[i].module && frames[i].address)
			return true;
	return false;
}

static int symbolize_new(struct stacktab *tab, struct symbolizer *sym,
			 const struct leak_sample *sample, uint32_t only, struct refreshed *r,
			 stack_fetch_fn fetch, stack_hold_fn hold, stack_hold_fn pick, void *ctx)
{
	uint64_t ips[MAX_FRAMES];
	int added = 0, err = 0;

	for (size_t i = 0; !err && i < sample->cnt; i++) {
		const struct stack_row *s = &sample->stacks[i];
		struct frame *frames = NULL;
		size_t frame_cnt = 0;
		bool truncated = false;
		int n = 0;

		if ((only && s->pid != only) || stacktab__get(tab, s->pid, s->stack_id) ||
		    (pick && !pick(ctx, s->pid, s->stack_id)) || waits(r, s->pid))
			continue;
		if (s->stack_id) {
			n = fetch(ctx, s->stack_id, ips, MAX_FRAMES, &truncated);
			if (n < 0)
				n = 0; /* stays an empty stack, shown as such */
			err = symbolize_stack(sym, r, s->pid, ips, (size_t)n, &frames, &frame_cnt);
			if (err)
				goto cleanup;
			truncated = truncated || !leak_model__stack_complete(frames, frame_cnt);
			/* put off while it was named (a re-read for an unknown address) */
			if (waits(r, s->pid) || (hold && has_unmapped(frames, frame_cnt) &&
						 hold(ctx, s->pid, s->stack_id))) {
				free(frames);
				continue;
			}
		}
		err = stacktab__put(tab, s->pid, s->stack_id, frames, frame_cnt);
		if (err)
			goto cleanup;
		if (truncated)
			stacktab__set_truncated(tab, s->pid, s->stack_id, true);
		added++;
	}
cleanup:
	return err ? err : added;
}

int leak_model__symbolize_held(struct stacktab *tab, struct symbolizer *sym,
			       const struct leak_sample *sample, stack_fetch_fn fetch,
			       stack_hold_fn hold, maps_reread_fn reread, void *ctx)
{
	struct refreshed up_front = { .reread = reread, .ctx = ctx },
			 r = { .reread = reread, .ctx = ctx };
	int err = refresh_new(tab, sym, &up_front, sample);

	/* a process put off up front is put off for the whole call */
	r.waiting = up_front.waiting;
	r.wait_cnt = up_front.wait_cnt;
	r.wait_cap = up_front.wait_cap;
	if (!err)
		err = symbolize_new(tab, sym, sample, 0, &r, fetch, hold, NULL, ctx);
	free(up_front.pids);
	free(r.pids);
	free(r.waiting);
	return err;
}

int leak_model__symbolize_new(struct stacktab *tab, struct symbolizer *sym,
			      const struct leak_sample *sample, stack_fetch_fn fetch, void *ctx)
{
	return leak_model__symbolize_held(tab, sym, sample, fetch, NULL, NULL, ctx);
}

int leak_model__symbolize_old_image(struct stacktab *tab, struct symbolizer *sym,
				    const struct leak_sample *sample, uint32_t pid,
				    stack_fetch_fn fetch, stack_hold_fn is_old, void *ctx)
{
	struct refreshed held = { .pids = &pid, .cnt = 1, .cap = 1 }; /* never re-read */

	return symbolize_new(tab, sym, sample, pid, &held, fetch, NULL, is_old, ctx);
}

int leak_model__build(const struct stacktab *tab, const struct leak_sample *sample,
		      struct leak_report *rep)
{
	return report__join(rep, tab, sample->stacks, sample->cnt, sample->lost);
}
