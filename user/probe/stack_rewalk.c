// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The BPF stack walk again in user space (see stack_rewalk.h). Each step is walk_step of
 * bpf/unwind.bpf.h, line for line: keep them the same. */
#include <bpf/bpf.h>
#include <string.h>
#include <linux/types.h>
#include "unwind.h"
#include "probe/stack_rewalk.h"
#include "symbols/cfi_table.h"

#define FNV_BASIS 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t id_of(uint64_t hash)
{
	uint64_t id;

	hash ^= hash >> 29;
	hash *= 0xbf58476d1ce4e5b9ULL;
	hash ^= hash >> 32;
	id = hash & PERFAN_STACK_ID_MASK;
	return id ? id : 1;
}

uint64_t stack_rewalk__id(const uint64_t *ips, size_t n)
{
	uint64_t hash = FNV_BASIS;

	for (size_t i = 0; i < n; i++)
		hash = (hash ^ ips[i]) * FNV_PRIME;
	return id_of(hash);
}

static bool read_u64(const struct rewalk_mem *m, uint64_t addr, uint64_t *out)
{
	uint8_t b[sizeof(*out)];
	uint64_t off = addr - m->at;

	if (addr < m->at || off > m->len || m->len - off < sizeof(*out))
		return false;
	/* a word across two chunks (never on a stack aligned as the ABI wants) byte by byte */
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = m->chunks[(off + i) / REWALK_CHUNK][(off + i) % REWALK_CHUNK];
	memcpy(out, b, sizeof(b));
	return true;
}

static bool map_mod(void *ctx, uint32_t dev, uint64_t ino, struct unwind_mod *out)
{
	struct unwind_mod_key key = { .dev = dev, .ino = ino };

	return !bpf_map_lookup_elem(*(const int *)ctx, &key, out);
}

struct rewalk_rows stack_rewalk__rows(const struct unwind_rows *u)
{
	return (struct rewalk_rows){ .rows = u->rows,
				     .cap = u->cap,
				     .on = u->on,
				     .mod = map_mod,
				     .ctx = (void *)&u->mods_fd };
}

/* The mapping of pc, from the first of maps that has one; NULL when none does */
static const struct proc_map *map_of(const struct rewalk_maps *maps, uint64_t pc)
{
	for (size_t i = 0; i < maps->cnt; i++) {
		const struct proc_map *pm = maps->maps[i] ? proc_maps__find(maps->maps[i], pc)
							  : NULL;

		if (pm)
			return pm;
	}
	return NULL;
}

/* The row for pc, as mapping_of and find_row give it: NULL for none (walk frame pointers);
 * *unseen when pc's file has no entry in the modules map, or pc is in no mapping known */
static const struct unwind_row *row_of(const struct rewalk_rows *u, const struct rewalk_maps *maps,
				       uint64_t pc, bool *unseen)
{
	const struct proc_map *pm = map_of(maps, pc);
	struct unwind_mod mod;
	struct cfi_table t;
	uint64_t vaddr;
	long at;

	/* an address in no mapping known: the process has one there (it runs that code), read
	 * after the walk came or not at all yet (an exec, a dlopen): as an unseen file, waited
	 * for, never walked by frame pointers through code that may not keep them */
	*unseen = !pm;
	if (!pm || !pm->inode)
		return NULL;
	if (!u->mod(u->ctx, pm->dev_major << 20 | pm->dev_minor, pm->inode, &mod)) {
		*unseen = true;
		return NULL;
	}
	vaddr = pc - 1 - pm->start + pm->offset + (uint64_t)mod.vaddr_delta;
	if (!mod.cnt || vaddr > 0xffffffffULL || !u->rows ||
	    (uint64_t)mod.first + mod.cnt > u->cap ||
	    (uint64_t)mod.idx_first + mod.idx_cnt > u->cap)
		return NULL;
	/* the table is only read: cfi_table holds its rows non-const for its builder */
	t = (struct cfi_table){ .rows = (struct unwind_row *)(u->rows + mod.first),
				.cnt = mod.cnt };
	if (mod.idx_cnt >= 2) {
		at = cfi_index__find(&t, u->rows + mod.idx_first, mod.idx_cnt, mod.bucket0, vaddr);
		return at < 0 ? NULL : &t.rows[at];
	}
	return cfi_table__find(&t, vaddr);
}

void stack_rewalk__walk(const struct rewalk_rows *u, const struct rewalk_maps *maps,
			const struct rewalk_mem *mem, uint64_t ip, uint64_t sp, uint64_t bp,
			uint64_t *ips, struct rewalk_result *res)
{
	uint64_t hash = FNV_BASIS, pc = ip;
	size_t n = 1;

	*res = (struct rewalk_result){ .end = REWALK_DONE };
	ips[0] = pc;
	hash = (hash ^ pc) * FNV_PRIME;
	while (n < PERFAN_MAX_STACK_DEPTH) {
		const struct unwind_row *row = NULL;
		bool unseen = false;
		uint64_t ra, cfa;

		if (u->on)
			row = row_of(u, maps, pc, &unseen);
		if (unseen) {
			res->end = REWALK_UNSEEN;
			break;
		}
		if (row && row->kind == UNWIND_END)
			break;
		if (row && (row->kind == UNWIND_CFA_SP || row->kind == UNWIND_CFA_FP)) {
			cfa = (row->kind == UNWIND_CFA_SP ? sp : bp) + row->cfa_off8 * 8ULL;
			if (cfa <= sp || cfa - sp > PERFAN_MAX_FRAME_SPAN)
				break;
			if (!read_u64(mem, cfa - 8, &ra) ||
			    (row->rbp_slot && !read_u64(mem, cfa + row->rbp_slot * 8LL, &bp))) {
				res->end = REWALK_OUT_OF_COPY;
				break;
			}
			sp = cfa;
		} else {
			uint64_t saved_bp;

			if (bp < sp || bp - sp > PERFAN_MAX_FRAME_SPAN || (bp & 7))
				break;
			if (!read_u64(mem, bp, &saved_bp) || !read_u64(mem, bp + 8, &ra)) {
				res->end = REWALK_OUT_OF_COPY;
				break;
			}
			sp = bp + 16;
			bp = saved_bp;
		}
		if (!ra)
			break;
		ips[n++] = ra;
		hash = (hash ^ ra) * FNV_PRIME;
		pc = ra;
	}
	res->depth = n;
	res->depth_limit = n == PERFAN_MAX_STACK_DEPTH;
	res->stack_id = id_of(hash);
}
