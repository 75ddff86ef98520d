/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The BPF stack walk (bpf/unwind.bpf.h: capture_stack, walk_step) again in user space, over a
 * copy of a user stack the kernel sent (struct early_walk), with the same unwind rows (the
 * mapped rows map and its modules) and the process's mappings: the same frames, and the same
 * stack id, as the kernel's walk gives once the files' rows are in. Its tested twin. */
#ifndef PERFAN_PROBE_STACK_REWALK_H
#define PERFAN_PROBE_STACK_REWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "probe/stack_maps.h"
#include "target/procmaps.h"

struct unwind_mod;

/* The rows a walk uses: rows[0, cap) (the rows map, mapped), and the modules map's lookup */
struct rewalk_rows {
	const struct unwind_row *rows;
	uint32_t cap;
	bool on; /* false with --unwind fp: frame pointers only */
	/* the module of the file (dev, ino); false when it has no entry (not looked at yet) */
	bool (*mod)(void *ctx, uint32_t dev, uint64_t ino, struct unwind_mod *out);
	void *ctx;
};

/* The rows of a loaded object (its modules map looked up through u->mods_fd) */
struct rewalk_rows stack_rewalk__rows(const struct unwind_rows *u);

/* A copy of user memory: len bytes from address at, in chunks of REWALK_CHUNK bytes (chunk i
 * holds [at + i * REWALK_CHUNK, at + (i + 1) * REWALK_CHUNK); the last may be cut short by len) */
#define REWALK_CHUNK 512
struct rewalk_mem {
	uint64_t at;
	const uint8_t *const *chunks;
	size_t len;
};

enum rewalk_end {
	REWALK_DONE,	   /* the walk ended as the kernel's would (a rule, a frame, the depth) */
	REWALK_UNSEEN,	   /* it met a file with no entry in the modules map: rows not in yet */
	REWALK_OUT_OF_COPY /* it needed memory beyond the copy: the kernel's walk would go on */
};

struct rewalk_result {
	size_t depth;
	bool depth_limit; /* stopped at PERFAN_MAX_STACK_DEPTH frames */
	enum rewalk_end end;
	uint64_t stack_id; /* the id capture_stack gives these frames */
};

/* The id capture_stack gives the frames ips[0, n) */
uint64_t stack_rewalk__id(const uint64_t *ips, size_t n);

/* The mappings of the process a walk looks an address up in: the first of maps[0, cnt) (NULLs
 * skipped) that holds it */
struct rewalk_maps {
	const struct proc_maps *maps[2];
	size_t cnt;
};

/* Walk from the return address ip with the registers sp and bp, as capture_stack does, over
 * mem, with rows u and the mappings maps of the process: ips[0, result->depth) (at most
 * PERFAN_MAX_STACK_DEPTH; ips has room for that many) */
void stack_rewalk__walk(const struct rewalk_rows *u, const struct rewalk_maps *maps,
			const struct rewalk_mem *mem, uint64_t ip, uint64_t sp, uint64_t bp,
			uint64_t *ips, struct rewalk_result *result);

#endif
