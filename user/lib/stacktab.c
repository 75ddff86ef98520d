// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Symbolized stacks keyed by (pid, stack id): open addressing with linear probing, grown at
 * half load so lookups stay O(1) with 100,000 stacks. */
#include <errno.h>
#include <stdlib.h>
#include "lib/array.h"
#include "lib/stacktab.h"

struct stacktab {
	struct stack_entry *slots; /* frames == NULL marks an empty slot */
	size_t cap;		   /* power of two */
	size_t cnt;
};

static uint64_t key_of(uint32_t pid, uint64_t id)
{
	return id ^ ((uint64_t)pid << 53 | (uint64_t)pid >> 11);
}

static size_t slot_of(uint64_t key, size_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL; /* murmur3 finalizer */
	key ^= key >> 33;
	return key & (cap - 1);
}

struct stacktab *stacktab__new(void)
{
	struct stacktab *tab = calloc(1, sizeof(*tab));

	if (!tab)
		return NULL;
	tab->cap = 1024;
	tab->slots = calloc(tab->cap, sizeof(*tab->slots));
	if (!tab->slots) {
		free(tab);
		return NULL;
	}
	return tab;
}

void stacktab__free(struct stacktab *tab)
{
	if (!tab)
		return;
	for (size_t i = 0; i < tab->cap; i++)
		free(tab->slots[i].frames);
	free(tab->slots);
	free(tab);
}

static struct stack_entry *find(const struct stacktab *tab, uint32_t pid, uint64_t id)
{
	size_t i = slot_of(key_of(pid, id), tab->cap);

	for (;; i = (i + 1) & (tab->cap - 1)) {
		struct stack_entry *e = &tab->slots[i];

		if (!e->frames || (e->pid == pid && e->stack_id == id))
			return e;
	}
}

const struct stack_entry *stacktab__get(const struct stacktab *tab, uint32_t pid, uint64_t id)
{
	const struct stack_entry *e = find(tab, pid, id);

	return e->frames ? e : NULL;
}

/* Not ARRAY_GROW: a hash table is rehashed into new zeroed slots, not extended in place */
static int grow(struct stacktab *tab)
{
	struct stacktab bigger = { .cap = tab->cap * 2 };

	bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
	if (!bigger.slots)
		return -ENOMEM;
	for (size_t i = 0; i < tab->cap; i++)
		if (tab->slots[i].frames)
			*find(&bigger, tab->slots[i].pid, tab->slots[i].stack_id) = tab->slots[i];
	free(tab->slots);
	tab->slots = bigger.slots;
	tab->cap = bigger.cap;
	return 0;
}

int stacktab__put(struct stacktab *tab, uint32_t pid, uint64_t id, struct frame *frames,
		  size_t frame_cnt)
{
	struct stack_entry *e;

	if ((tab->cnt + 1) * 2 > tab->cap && grow(tab)) {
		free(frames);
		return -ENOMEM;
	}
	e = find(tab, pid, id);
	if (e->frames) {
		free(frames);
		return -EEXIST;
	}
	/* an empty stack still needs a non-NULL marker */
	if (!frames && !(frames = malloc(1)))
		return -ENOMEM;
	*e = (struct stack_entry){ pid, id, frames, frame_cnt, false };
	tab->cnt++;
	return 0;
}

size_t stacktab__cnt(const struct stacktab *tab)
{
	return tab->cnt;
}

int stacktab__set_truncated(struct stacktab *tab, uint32_t pid, uint64_t id, bool truncated)
{
	struct stack_entry *e = find(tab, pid, id);

	if (!e->frames)
		return -ENOENT;
	e->truncated = truncated;
	return 0;
}

size_t stacktab__drop_pids(struct stacktab *tab, const uint32_t *pids, size_t cnt)
{
	struct stack_entry *old = tab->slots;
	struct stacktab fresh = { .cap = tab->cap };
	size_t dropped = 0;

	if (!cnt)
		return 0;
	/* linear probing has no cheap removal: rebuild without them */
	fresh.slots = calloc(fresh.cap, sizeof(*fresh.slots));
	if (!fresh.slots)
		return 0;
	for (size_t i = 0; i < tab->cap; i++) {
		if (!old[i].frames)
			continue;
		if (array__has_u32(pids, cnt, old[i].pid)) {
			free(old[i].frames);
			dropped++;
			continue;
		}
		*find(&fresh, old[i].pid, old[i].stack_id) = old[i];
		fresh.cnt++;
	}
	free(old);
	tab->slots = fresh.slots;
	tab->cnt = fresh.cnt;
	return dropped;
}
