// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of stack_rewalk.h and early_rewalk.h on a made-up process: one file mapped at
 * 0x400000 whose rows say a frame at [0x1000, 0x2000) keeps its CFA at rsp + 16 (no frame
 * pointer), one at [0x2000, 0x3000) at rbp + 16 with the caller's rbp saved at CFA - 16, and
 * 0x3000 is the outermost frame (UNWIND_END); a stack copy that holds the three frames.
 * The walk gives those frames and the id capture_stack gives them; a file with no module is
 * "unseen"; memory past the copy ends the walk as out of the copy. An early allocation walked
 * again moves its counts from its provisional stack's row to its whole stack's, live while
 * live and as allocated-and-freed once freed; one made before its process's exec is dropped. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/types.h>
#include "leak.h"
#include "probe/early_rewalk.h"
#include "probe/stack_rewalk.h"

#define BASE 0x400000ULL
#define SP0 0x7ffff000ULL /* the copy's start */

static struct unwind_row rows[] = {
	{ .pc = 0x1000, .cfa_off8 = 2, .kind = UNWIND_CFA_SP },
	{ .pc = 0x2000, .cfa_off8 = 2, .kind = UNWIND_CFA_FP, .rbp_slot = -2 },
	{ .pc = 0x3000, .kind = UNWIND_END },
	{ .pc = 0x4000, .kind = UNWIND_UNKNOWN },
};

static bool known = true; /* whether the file has a module (rows looked at) */

static bool mod_of(void *ctx, uint32_t dev, uint64_t ino, struct unwind_mod *out)
{
	(void)ctx;
	if (!known || dev != (8u << 20 | 1) || ino != 42)
		return false;
	*out = (struct unwind_mod){ .first = 0, .cnt = 4 }; /* no index: every row searched */
	return true;
}

static struct proc_map one_map = { .start = BASE,
				   .end = BASE + 0x10000,
				   .inode = 42,
				   .dev_major = 8,
				   .dev_minor = 1,
				   .exec = true,
				   .path = "/x" };
static struct proc_maps maps = { .maps = &one_map, .cnt = 1 };
static const struct rewalk_maps the_maps = { .maps = { &maps }, .cnt = 1 };

static struct rewalk_rows the_rows(void)
{
	return (struct rewalk_rows){ .rows = rows, .cap = 4, .on = true, .mod = mod_of };
}

/* The stack: the allocation returned to 0x401234 (in the rsp-framed function) with sp = SP0;
 * its CFA is SP0 + 16, the return address 0x402345 at SP0 + 8; that function keeps rbp:
 * CFA = rbp + 16 with rbp = SP0 + 0x40, so the return address 0x403001 is at SP0 + 0x48
 * and the saved rbp at SP0 + 0x40; 0x403001 - 1 is in the outermost frame. */
static uint64_t stack_words[REWALK_CHUNK / 8]; /* one chunk */
static const uint8_t *const chunks[] = { (const uint8_t *)stack_words };

static void build_stack(void)
{
	memset(stack_words, 0, sizeof(stack_words));
	stack_words[1] = BASE + 0x2345; /* SP0 + 8 */
	stack_words[8] = 0x1234;	/* SP0 + 0x40: the caller's saved rbp */
	stack_words[9] = BASE + 0x3001; /* SP0 + 0x48 */
}

static void walk_gives_frames_and_id(void **state)
{
	struct rewalk_mem mem = { .at = SP0, .chunks = chunks, .len = sizeof(stack_words) };
	struct rewalk_rows u = the_rows();
	uint64_t ips[PERFAN_MAX_STACK_DEPTH];
	uint64_t want[] = { BASE + 0x1234, BASE + 0x2345, BASE + 0x3001 };
	struct rewalk_result res;

	(void)state;
	known = true;
	build_stack();
	stack_rewalk__walk(&u, &the_maps, &mem, BASE + 0x1234, SP0, SP0 + 0x40, ips, &res);
	assert_int_equal(res.end, REWALK_DONE);
	assert_int_equal(res.depth, 3);
	assert_memory_equal(ips, want, sizeof(want));
	assert_false(res.depth_limit);
	assert_true(res.stack_id == stack_rewalk__id(want, 3));
	assert_true(res.stack_id != stack_rewalk__id(want, 2));
	assert_true(res.stack_id > 0 && res.stack_id <= PERFAN_STACK_ID_MASK);
}

static void walk_stops_at_unseen_file_and_copy_end(void **state)
{
	struct rewalk_mem mem = { .at = SP0, .chunks = chunks, .len = sizeof(stack_words) };
	struct rewalk_rows u = the_rows();
	uint64_t ips[PERFAN_MAX_STACK_DEPTH];
	struct rewalk_result res;

	(void)state;
	build_stack();
	known = false;
	stack_rewalk__walk(&u, &the_maps, &mem, BASE + 0x1234, SP0, SP0 + 0x40, ips, &res);
	assert_int_equal(res.end, REWALK_UNSEEN);
	assert_int_equal(res.depth, 1);
	known = true;
	mem.len = 0x40; /* the second frame's return address is past the copy */
	stack_rewalk__walk(&u, &the_maps, &mem, BASE + 0x1234, SP0, SP0 + 0x40, ips, &res);
	assert_int_equal(res.end, REWALK_OUT_OF_COPY);
	assert_int_equal(res.depth, 2);
}

static const struct proc_maps *maps_fn(void *ctx, uint32_t tgid)
{
	(void)ctx;
	return tgid == 7 ? &maps : NULL;
}

static bool is_live = true;

static bool live_fn(void *ctx, uint32_t tgid, uint64_t addr, uint64_t ts, uint64_t id,
		    uint64_t *usable)
{
	(void)ctx;
	*usable = 112;
	return is_live && tgid == 7 && addr == 0x5000 && ts == 99 && id == 555;
}

static struct early_walk *record(uint64_t ts)
{
	struct early_walk *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	*e = (struct early_walk){ .tgid = 7,
				  .len = sizeof(stack_words),
				  .addr = 0x5000,
				  .size = 100,
				  .ts_ns = ts,
				  .stack_id = 555,
				  .ip = BASE + 0x1234,
				  .sp = SP0,
				  .bp = SP0 + 0x40,
				  .at = SP0 };
	memcpy(e->stack, stack_words, sizeof(stack_words));
	return e;
}

static const struct stack_row *find(const struct leak_sample *s, uint64_t id)
{
	for (size_t i = 0; i < s->cnt; i++)
		if (s->stacks[i].stack_id == id)
			return &s->stacks[i];
	return NULL;
}

static void rewalk_moves_counts(void **state)
{
	uint64_t want[] = { BASE + 0x1234, BASE + 0x2345, BASE + 0x3001 };
	uint64_t whole = stack_rewalk__id(want, 3), ips[8];
	struct early_rewalk *r = early_rewalk__new();
	struct rewalk_rows u = the_rows();
	struct early_walk *e = record(99);
	struct leak_sample s = {};
	struct stack_row p = { .pid = 7,
			       .stack_id = 555,
			       .counts = { .live_bytes = 300,
					   .live_objects = 3,
					   .alloc_bytes = 300,
					   .alloc_objects = 3,
					   .live_usable_bytes = 336,
					   .live_usable_objects = 3 } };
	const struct stack_row *w, *prov;

	(void)state;
	known = false;
	build_stack();
	assert_non_null(r);
	early_rewalk__add(r, e, offsetof(struct early_walk, stack) + e->len, 1.0);
	/* the rows are not in: it waits, then is given up after the wait */
	early_rewalk__cut(r);
	early_rewalk__walk(r, &u, maps_fn, NULL, 1.5, 2.0);
	assert_int_equal(early_rewalk__stats(r).walked, 0);
	assert_int_equal(early_rewalk__stats(r).no_rows, 0);
	known = true;
	early_rewalk__cut(r);
	early_rewalk__walk(r, &u, maps_fn, NULL, 1.6, 2.0);
	assert_int_equal(early_rewalk__stats(r).walked, 1);
	assert_int_equal(early_rewalk__fetch(r, whole, ips, 8), 3);
	assert_memory_equal(ips, want, sizeof(want));
	assert_int_equal(early_rewalk__fetch(r, 555, ips, 8), -ENOENT);

	/* live: alloc and live move, usable too; the whole stack's row is added */
	assert_int_equal(leak_sample__add(&s, &p), 0);
	assert_int_equal(early_rewalk__apply(r, &s, live_fn, NULL), 0);
	assert_int_equal(s.cnt, 2);
	w = find(&s, whole);
	prov = find(&s, 555);
	assert_non_null(w);
	assert_non_null(prov);
	assert_int_equal(w->counts.live_bytes, 100);
	assert_int_equal(w->counts.live_objects, 1);
	assert_int_equal(w->counts.alloc_objects, 1);
	assert_int_equal(w->counts.live_usable_bytes, 112);
	assert_int_equal(prov->counts.live_bytes, 200);
	assert_int_equal(prov->counts.alloc_bytes, 200);
	assert_int_equal(prov->counts.live_usable_bytes, 224);

	/* freed since: it moves as allocated and freed, for good */
	is_live = false;
	p.counts.live_bytes = 200;
	p.counts.live_objects = 2;
	p.counts.freed_bytes = 100;
	p.counts.freed_objects = 1;
	s.cnt = 0;
	assert_int_equal(leak_sample__add(&s, &p), 0);
	assert_int_equal(early_rewalk__apply(r, &s, live_fn, NULL), 0);
	w = find(&s, whole);
	assert_non_null(w);
	assert_int_equal(w->counts.live_objects, 0);
	assert_int_equal(w->counts.alloc_bytes, 100);
	assert_int_equal(w->counts.freed_bytes, 100);
	assert_int_equal(find(&s, 555)->counts.freed_objects, 0);
	assert_int_equal(find(&s, 555)->counts.alloc_objects, 2);

	/* every allocation of the provisional row moved: the row goes */
	p.counts = (struct stack_counts){
		.alloc_bytes = 100, .alloc_objects = 1, .freed_bytes = 100, .freed_objects = 1
	};
	s.cnt = 0;
	assert_int_equal(leak_sample__add(&s, &p), 0);
	assert_int_equal(early_rewalk__apply(r, &s, live_fn, NULL), 0);
	assert_int_equal(s.cnt, 1);
	assert_true(s.stacks[0].stack_id == whole);

	/* a record made before its process's exec is dropped, not walked */
	early_rewalk__exec(r, 7, 1000);
	free(e);
	e = record(500);
	early_rewalk__add(r, e, offsetof(struct early_walk, stack) + e->len, 3.0);
	early_rewalk__cut(r);
	early_rewalk__walk(r, &u, maps_fn, NULL, 3.0, 2.0);
	assert_int_equal(early_rewalk__stats(r).walked, 1);
	assert_int_equal(early_rewalk__stats(r).execed, 1);
	/* and one whose process's mappings are not known is given up */
	e->tgid = 8;
	e->ts_ns = 2000;
	early_rewalk__add(r, e, offsetof(struct early_walk, stack) + e->len, 3.0);
	early_rewalk__cut(r);
	early_rewalk__walk(r, &u, maps_fn, NULL, 3.0, 2.0);
	assert_int_equal(early_rewalk__stats(r).no_maps, 1);
	/* and one whose rows are not in within the wait */
	e->tgid = 7;
	e->ts_ns = 3000;
	known = false;
	early_rewalk__add(r, e, offsetof(struct early_walk, stack) + e->len, 4.0);
	early_rewalk__cut(r);
	early_rewalk__walk(r, &u, maps_fn, NULL, 5.9, 2.0);
	assert_int_equal(early_rewalk__stats(r).no_rows, 0);
	early_rewalk__cut(r);
	early_rewalk__walk(r, &u, maps_fn, NULL, 6.1, 2.0);
	assert_int_equal(early_rewalk__stats(r).no_rows, 1);
	assert_int_equal(early_rewalk__stats(r).walked, 1);
	assert_int_equal(early_rewalk__stats(r).received, 4);
	/* a process the mappings callback does not know, whose mappings were read as its early
	 * walks came: walked with those */
	{
		struct proc_maps snap = { .maps = calloc(1, sizeof(struct proc_map)), .cnt = 1 };

		assert_non_null(snap.maps);
		snap.maps[0] = one_map;
		snap.maps[0].path = strdup("/x");
		assert_false(early_rewalk__maps_fresh(r, 9, 7.0, 0.05));
		early_rewalk__maps_seen(r, 9, &snap, 7.0);
		assert_int_equal(snap.cnt, 0); /* taken over */
		assert_true(early_rewalk__maps_fresh(r, 9, 7.01, 0.05));
		assert_false(early_rewalk__maps_fresh(r, 9, 7.1, 0.05));
	}
	known = true;
	e->tgid = 9;
	e->ts_ns = 4000;
	early_rewalk__add(r, e, offsetof(struct early_walk, stack) + e->len, 7.0);
	early_rewalk__cut(r);
	early_rewalk__walk(r, &u, maps_fn, NULL, 7.0, 2.0);
	assert_int_equal(early_rewalk__stats(r).walked, 2);
	assert_int_equal(early_rewalk__stats(r).no_maps, 1);
	assert_int_equal(early_rewalk__stats(r).same, 0);
	/* one the kernel counted in the stack the walk gives: walked, the same, nothing moves */
	e->ts_ns = 5000;
	e->stack_id = whole;
	early_rewalk__add(r, e, offsetof(struct early_walk, stack) + e->len, 7.5);
	early_rewalk__cut(r);
	early_rewalk__walk(r, &u, maps_fn, NULL, 7.5, 2.0);
	assert_int_equal(early_rewalk__stats(r).walked, 3);
	assert_int_equal(early_rewalk__stats(r).same, 1);
	free(e);
	leak_sample__free(&s);
	early_rewalk__free(r);
}

static bool never_live(void *ctx, uint32_t tgid, uint64_t addr, uint64_t ts, uint64_t id,
		       uint64_t *usable)
{
	(void)ctx, (void)tgid, (void)addr, (void)ts, (void)id;
	*usable = 0;
	return false;
}

/* Two blocks of one call site, both freed: one sum, moved once at every read of the counts */
static void freed_blocks_merge(void **state)
{
	uint64_t want[] = { BASE + 0x1234, BASE + 0x2345, BASE + 0x3001 };
	uint64_t whole = stack_rewalk__id(want, 3);
	struct early_rewalk *r = early_rewalk__new();
	struct rewalk_rows u = the_rows();
	struct early_walk *e = record(99);
	struct stack_row p = { .pid = 7,
			       .stack_id = 555,
			       .counts = { .alloc_bytes = 300,
					   .alloc_objects = 3,
					   .freed_bytes = 300,
					   .freed_objects = 3 } };
	struct leak_sample s = {};
	(void)state;

	known = true;
	build_stack();
	assert_non_null(r);
	early_rewalk__add(r, e, offsetof(struct early_walk, stack) + e->len, 1.0);
	e->addr = 0x6000;
	e->ts_ns = 100;
	early_rewalk__add(r, e, offsetof(struct early_walk, stack) + e->len, 1.0);
	early_rewalk__cut(r);
	early_rewalk__walk(r, &u, maps_fn, NULL, 1.0, 2.0);
	assert_int_equal(early_rewalk__stats(r).walked, 2);
	for (int round = 0; round < 2; round++) {
		const struct stack_row *w, *prov;

		s.cnt = 0;
		assert_int_equal(leak_sample__add(&s, &p), 0);
		assert_int_equal(early_rewalk__apply(r, &s, never_live, NULL), 0);
		w = find(&s, whole);
		prov = find(&s, 555);
		assert_non_null(w);
		assert_non_null(prov);
		assert_int_equal(w->counts.alloc_bytes, 200);
		assert_int_equal(w->counts.alloc_objects, 2);
		assert_int_equal(w->counts.freed_bytes, 200);
		assert_int_equal(w->counts.freed_objects, 2);
		assert_int_equal(prov->counts.alloc_objects, 1);
		assert_int_equal(prov->counts.freed_bytes, 100);
	}
	free(e);
	leak_sample__free(&s);
	early_rewalk__free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(walk_gives_frames_and_id),
		cmocka_unit_test(walk_stops_at_unseen_file_and_copy_end),
		cmocka_unit_test(rewalk_moves_counts),
		cmocka_unit_test(freed_blocks_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
