// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The interning map (see strmap.h): a power-of-two slot array of ids, resized at 1/2 load;
 * the keys, each followed by a NUL, in one arena addressed by offset. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/array.h"
#include "lib/strmap.h"

struct strmap {
	uint32_t *slots; /* id + 1; 0 = empty */
	size_t slot_cnt;
	size_t *off; /* per id: offset of its key in arena */
	size_t *len; /* per id: key length */
	uint64_t *hash;
	size_t cnt, cap;
	char *arena;
	size_t arena_len, arena_cap;
};

static uint64_t fnv1a(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

struct strmap *strmap__new(void)
{
	struct strmap *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->slot_cnt = 64;
	m->slots = calloc(m->slot_cnt, sizeof(*m->slots));
	if (!m->slots) {
		free(m);
		errno = ENOMEM;
		return NULL;
	}
	return m;
}

void strmap__free(struct strmap *m)
{
	if (!m)
		return;
	free(m->slots);
	free(m->off);
	free(m->len);
	free(m->hash);
	free(m->arena);
	free(m);
}

static int64_t lookup(const struct strmap *m, const void *key, size_t len, uint64_t h, size_t *slot)
{
	size_t mask = m->slot_cnt - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		uint32_t v = m->slots[i];

		if (!v) {
			*slot = i;
			return -1;
		}
		v--;
		if (m->hash[v] == h && m->len[v] == len && !memcmp(m->arena + m->off[v], key, len))
			return v;
	}
}

static int grow_slots(struct strmap *m)
{
	size_t n = m->slot_cnt * 2, mask = n - 1;
	uint32_t *s = calloc(n, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (size_t id = 0; id < m->cnt; id++) {
		size_t i = m->hash[id] & mask;

		while (s[i])
			i = (i + 1) & mask;
		s[i] = (uint32_t)id + 1;
	}
	free(m->slots);
	m->slots = s;
	m->slot_cnt = n;
	return 0;
}

int64_t strmap__intern(struct strmap *m, const void *key, size_t len, bool *added)
{
	uint64_t h = fnv1a(key, len);
	size_t slot, cap;
	int64_t id = lookup(m, key, len, h, &slot);

	if (added)
		*added = id < 0;
	if (id >= 0)
		return id;
	if (m->cnt >= UINT32_MAX - 1)
		return -ENOMEM;
	if ((m->cnt + 1) * 2 > m->slot_cnt) {
		if (grow_slots(m))
			return -ENOMEM;
		lookup(m, key, len, h, &slot);
	}
	/* off, len and hash share m->cap: each grows from it, which is set once all three did */
	cap = m->cap;
	if (ARRAY_GROW(m->off, cap, m->cnt + 1, 64))
		return -ENOMEM;
	cap = m->cap;
	if (ARRAY_GROW(m->len, cap, m->cnt + 1, 64))
		return -ENOMEM;
	cap = m->cap;
	if (ARRAY_GROW(m->hash, cap, m->cnt + 1, 64))
		return -ENOMEM;
	m->cap = cap;
	if (ARRAY_GROW(m->arena, m->arena_cap, m->arena_len + len + 1, 64))
		return -ENOMEM;
	memcpy(m->arena + m->arena_len, key, len);
	m->arena[m->arena_len + len] = '\0';
	m->off[m->cnt] = m->arena_len;
	m->len[m->cnt] = len;
	m->hash[m->cnt] = h;
	m->arena_len += len + 1;
	m->slots[slot] = (uint32_t)m->cnt + 1;
	return (int64_t)m->cnt++;
}

int64_t strmap__find(const struct strmap *m, const void *key, size_t len)
{
	size_t slot;

	return lookup(m, key, len, fnv1a(key, len), &slot);
}

const char *strmap__key(const struct strmap *m, uint32_t id, size_t *len)
{
	if (len)
		*len = m->len[id];
	return m->arena + m->off[id];
}

size_t strmap__cnt(const struct strmap *m)
{
	return m->cnt;
}
