// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The shared stack maps of the BPF objects (see stack_maps.h). */
#include <bpf/bpf.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/types.h>
#include "unwind.h"
#include "lib/stack.h"
#include "probe/stack_maps.h"

_Static_assert(sizeof(struct stack_key) == 16, "stack_key layout");
_Static_assert(sizeof(struct stack_trace) == 8 + 8 * PERFAN_MAX_STACK_DEPTH, "stack_trace layout");
_Static_assert(sizeof(struct unwind_row) == 8, "unwind_row layout");
_Static_assert(sizeof(struct unwind_mod) == 32, "unwind_mod layout");

int unwind_rows__open(struct unwind_rows *u, int rows_fd, int mods_fd, uint32_t cap, bool on)
{
	*u = (struct unwind_rows){ .mods_fd = mods_fd, .cap = cap, .on = on };
	u->rows = mmap(NULL, (size_t)cap * sizeof(*u->rows), PROT_READ | PROT_WRITE, MAP_SHARED,
		       rows_fd, 0);
	if (u->rows == MAP_FAILED) {
		u->rows = NULL;
		return -errno;
	}
	return 0;
}

int unwind_rows__add(struct unwind_rows *u, uint32_t dev, uint64_t ino, const struct cfi_table *t)
{
	struct unwind_mod_key key = { .dev = dev, .ino = ino };
	struct unwind_mod mod = { .cnt = (__u32)t->cnt, .vaddr_delta = t->vaddr_delta };
	size_t nidx;

	if (!u->on || !u->rows || !t->cnt)
		return -EINVAL;
	nidx = cfi_index__cnt(t);
	if (t->cnt > u->cap - u->used || nidx > u->cap - u->used - t->cnt)
		return -ENOSPC;
	mod.idx_first = u->used;
	mod.idx_cnt = (__u32)nidx;
	mod.first = u->used + (uint32_t)nidx;
	/* the index and rows first: a walk that finds the module finds them complete */
	mod.bucket0 = cfi_index__build(t, u->rows + mod.idx_first, nidx);
	memcpy(u->rows + mod.first, t->rows, t->cnt * sizeof(*t->rows));
	if (bpf_map_update_elem(u->mods_fd, &key, &mod, BPF_NOEXIST))
		return -errno;
	u->used += (uint32_t)(nidx + t->cnt);
	return 0;
}

uint32_t unwind_rows__free_cnt(const struct unwind_rows *u)
{
	return u->on ? u->cap - u->used : 0;
}

void unwind_rows__close(struct unwind_rows *u)
{
	if (u->rows)
		munmap(u->rows, (size_t)u->cap * sizeof(*u->rows));
	u->rows = NULL;
}

int stack_map__fetch(int fd, uint64_t stack_id, uint64_t *ips, size_t max, bool *truncated)
{
	struct stack_trace st;
	__u64 id = stack_id;
	size_t n = 0;

	if (bpf_map_lookup_elem(fd, &id, &st))
		return -errno;
	while (n < max && n < st.depth && n < PERFAN_MAX_STACK_DEPTH) {
		ips[n] = st.ips[n];
		n++;
	}
	/* bit 0: the depth limit; the others are flags of the walk (unwind.bpf.h) */
	*truncated = (st.truncated & 1) || n < st.depth;
	return (int)n;
}

int stack_maps__add_row(void *ctx, const void *key, const void *val)
{
	const struct stack_key *k = key;
	struct stack_row st = { .pid = k->tgid, .stack_id = k->stack_id };

	/* a growth_stat's six counters: the first six of stack_counts */
	_Static_assert(offsetof(struct stack_counts, live_usable_objects) == 6 * sizeof(__u64),
		       "stack_counts begins with six counters");
	memcpy(&st.counts, val, 6 * sizeof(__u64));
	return leak_sample__add(ctx, &st) ? -ENOMEM : 0;
}
