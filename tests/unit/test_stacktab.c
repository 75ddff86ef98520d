// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of stacktab.h: put and get, no replacement of a stored stack (-EEXIST), growth
 * to 110,000 entries, (pid, stack id) as the key (one id in many processes, keys built to
 * collide in the table's hash, PERFAN_STACK_NONE), and ownership of the frames: taken on
 * success, freed on -EEXIST and -ENOMEM, freed by stacktab__free. The test binary replaces
 * malloc and friends with wrappers around glibc's own, to see which pointers are freed, count
 * live allocations and make large requests fail. */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/types.h>
#include "leak.h"
#include "lib/stacktab.h"

/* glibc's allocator under its exported internal names: the wrappers below forward to it */
void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t size);
void __libc_free(void *p);

#define WATCH_MAX 16

static struct {
	size_t fail_from; /* requests of this many bytes or more fail; 0: none do */
	long live;	  /* allocations made and not freed */
	const void *watched[WATCH_MAX];
	int frees[WATCH_MAX];
	size_t watch_cnt;
} mem;

void *malloc(size_t size)
{
	void *p;

	if (mem.fail_from && size >= mem.fail_from) {
		errno = ENOMEM;
		return NULL;
	}
	p = __libc_malloc(size);
	mem.live += p != NULL;
	return p;
}

void *calloc(size_t n, size_t size)
{
	size_t total;
	void *p;

	if (mem.fail_from && (__builtin_mul_overflow(n, size, &total) || total >= mem.fail_from)) {
		errno = ENOMEM;
		return NULL;
	}
	p = __libc_calloc(n, size);
	mem.live += p != NULL;
	return p;
}

void *realloc(void *old, size_t size)
{
	void *p;

	if (mem.fail_from && size >= mem.fail_from) {
		errno = ENOMEM;
		return NULL;
	}
	p = __libc_realloc(old, size);
	if (!old)
		mem.live += p != NULL;
	return p;
}

void free(void *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < mem.watch_cnt; i++)
		mem.frees[i] += mem.watched[i] == p;
	mem.live--;
	__libc_free(p);
}

/* Start counting the frees of p; returns its index for freed() */
static size_t watch(const void *p)
{
	assert_true(mem.watch_cnt < WATCH_MAX);
	mem.watched[mem.watch_cnt] = p;
	mem.frees[mem.watch_cnt] = 0;
	return mem.watch_cnt++;
}

static int freed(size_t idx)
{
	return mem.frees[idx];
}

static void unwatch_all(void)
{
	mem.watch_cnt = 0;
}

static struct frame *make_frames(size_t n, uint64_t first_address)
{
	struct frame *f = calloc(n, sizeof(*f));

	assert_non_null(f);
	for (size_t i = 0; i < n; i++) {
		f[i].address = first_address + i;
		f[i].module = "/usr/bin/app";
		f[i].build_id = "";
	}
	return f;
}

static const struct stack_entry *get_ok(const struct stacktab *tab, uint32_t pid, uint64_t id)
{
	const struct stack_entry *e = stacktab__get(tab, pid, id);

	if (!e)
		fail_msg("no entry for pid %u stack %" PRIu64, pid, id);
	if (e->pid != pid || e->stack_id != id)
		fail_msg("get(%u, %" PRIu64 ") returned the entry of pid %u stack %" PRIu64, pid,
			 id, e->pid, e->stack_id);
	return e;
}

static void test_put_get(void **state)
{
	struct stacktab *tab = stacktab__new();
	struct frame *frames = make_frames(3, 0x401000);
	const struct stack_entry *e;
	(void)state;

	assert_non_null(tab);
	assert_int_equal(stacktab__cnt(tab), 0);
	assert_null(stacktab__get(tab, 10, 0x1234));
	assert_null(stacktab__get(tab, 10, PERFAN_STACK_NONE));

	assert_int_equal(stacktab__put(tab, 10, 0x1234, frames, 3), 0);
	assert_int_equal(stacktab__cnt(tab), 1);
	e = get_ok(tab, 10, 0x1234);
	/* the table keeps the very array it was given, not a copy */
	assert_ptr_equal(e->frames, frames);
	assert_int_equal(e->frame_cnt, 3);
	assert_int_equal(e->frames[0].address, 0x401000);
	assert_int_equal(e->frames[2].address, 0x401002);
	assert_string_equal(e->frames[1].module, "/usr/bin/app");
	/* the same id in another process, another id in the same process */
	assert_null(stacktab__get(tab, 11, 0x1234));
	assert_null(stacktab__get(tab, 9, 0x1234));
	assert_null(stacktab__get(tab, 10, 0x1235));
	assert_null(stacktab__get(tab, 10, 0x1234 | 1ULL << 40));
	/* an empty stack (a fetch that failed) is still an entry */
	assert_int_equal(stacktab__put(tab, 10, 0x99, NULL, 0), 0);
	assert_int_equal(stacktab__cnt(tab), 2);
	e = get_ok(tab, 10, 0x99);
	assert_int_equal(e->frame_cnt, 0);
	/* and the first one did not move */
	assert_ptr_equal(get_ok(tab, 10, 0x1234)->frames, frames);
	stacktab__free(tab);
	stacktab__free(NULL);
}

/* A stored stack is never replaced: the second put fails and frees what it was given */
static void test_put_existing_keeps_first(void **state)
{
	struct stacktab *tab = stacktab__new();
	struct frame *first = make_frames(2, 0x1000), *second;
	const struct stack_entry *e;
	size_t w_first, w_second;
	long live;
	(void)state;

	assert_non_null(tab);
	w_first = watch(first);
	assert_int_equal(stacktab__put(tab, 7, 0xabc, first, 2), 0);
	second = make_frames(5, 0x2000);
	w_second = watch(second);
	live = mem.live;
	assert_int_equal(stacktab__put(tab, 7, 0xabc, second, 5), -EEXIST);
	assert_int_equal(freed(w_second), 1);
	assert_int_equal(freed(w_first), 0);
	assert_int_equal(mem.live, live - 1);
	assert_int_equal(stacktab__cnt(tab), 1);
	e = get_ok(tab, 7, 0xabc);
	assert_ptr_equal(e->frames, first);
	assert_int_equal(e->frame_cnt, 2);
	assert_int_equal(e->frames[1].address, 0x1001);
	/* an empty replacement is refused too, and allocates nothing that stays */
	live = mem.live;
	assert_int_equal(stacktab__put(tab, 7, 0xabc, NULL, 0), -EEXIST);
	assert_int_equal(mem.live, live);
	assert_int_equal(get_ok(tab, 7, 0xabc)->frame_cnt, 2);
	/* so is replacing an empty stack with frames */
	assert_int_equal(stacktab__put(tab, 7, 0xdef, NULL, 0), 0);
	unwatch_all();
	second = make_frames(1, 0x3000);
	w_second = watch(second);
	assert_int_equal(stacktab__put(tab, 7, 0xdef, second, 1), -EEXIST);
	assert_int_equal(freed(w_second), 1);
	assert_int_equal(get_ok(tab, 7, 0xdef)->frame_cnt, 0);
	assert_int_equal(stacktab__cnt(tab), 2);
	w_first = watch(first);
	stacktab__free(tab);
	assert_int_equal(freed(w_first), 1);
	unwatch_all();
}

/* PERFAN_STACK_NONE (0) is an ordinary key: one entry per process */
static void test_stack_none(void **state)
{
	struct stacktab *tab = stacktab__new();
	struct frame *f = make_frames(2, 0x5000);
	const struct stack_entry *e;
	(void)state;

	assert_non_null(tab);
	assert_int_equal(stacktab__put(tab, 5, PERFAN_STACK_NONE, NULL, 0), 0);
	assert_int_equal(stacktab__put(tab, 6, PERFAN_STACK_NONE, f, 2), 0);
	assert_int_equal(stacktab__cnt(tab), 2);
	e = get_ok(tab, 5, PERFAN_STACK_NONE);
	assert_int_equal(e->frame_cnt, 0);
	e = get_ok(tab, 6, PERFAN_STACK_NONE);
	assert_ptr_equal(e->frames, f);
	assert_int_equal(e->frame_cnt, 2);
	assert_null(stacktab__get(tab, 7, PERFAN_STACK_NONE));
	assert_null(stacktab__get(tab, 5, 1));
	assert_int_equal(stacktab__put(tab, 5, PERFAN_STACK_NONE, make_frames(1, 0), 1), -EEXIST);
	assert_int_equal(get_ok(tab, 5, PERFAN_STACK_NONE)->frame_cnt, 0);
	assert_int_equal(stacktab__cnt(tab), 2);
	stacktab__free(tab);
}

/* Keys that agree in pid or id or both halves of a mixed key: each finds only itself */
static void test_keys_apart(void **state)
{
	static const struct {
		uint32_t pid;
		uint64_t id;
	} keys[] = {
		{ 0, 1 },
		{ 2048, 0 }, /* pid bit 11 folded onto id bit 0 by a shift would meet { 0, 1 } */
		{ 1, 0 },
		{ 0, 1ULL << 53 }, /* pid bit 0 shifted to bit 53 would meet { 1, 0 } */
		{ 0, 0 },
		{ 1, 1 },
		{ UINT32_MAX, PERFAN_STACK_ID_MASK },
		{ UINT32_MAX, 0 },
		{ 0, PERFAN_STACK_ID_MASK },
		{ 0, UINT64_MAX },
	};
	const size_t n = sizeof(keys) / sizeof(keys[0]);
	struct stacktab *tab = stacktab__new();
	(void)state;

	assert_non_null(tab);
	for (size_t i = 0; i < n; i++) {
		assert_null(stacktab__get(tab, keys[i].pid, keys[i].id));
		assert_int_equal(stacktab__put(tab, keys[i].pid, keys[i].id,
					       make_frames(i + 1, 0x1000 * (i + 1)), i + 1),
				 0);
	}
	assert_int_equal(stacktab__cnt(tab), n);
	for (size_t i = 0; i < n; i++) {
		const struct stack_entry *e = get_ok(tab, keys[i].pid, keys[i].id);

		assert_int_equal(e->frame_cnt, i + 1);
		assert_int_equal(e->frames[i].address, 0x1000 * (i + 1) + i);
	}
	assert_null(stacktab__get(tab, 2, 0));
	assert_null(stacktab__get(tab, 2048, 1));
	assert_null(stacktab__get(tab, 1, 1ULL << 53));
	stacktab__free(tab);

	/* ids of one process that agree in their low 32 bits are distinct keys */
	tab = stacktab__new();
	assert_non_null(tab);
	for (uint64_t i = 1; i <= 3000; i++)
		for (uint64_t hi = 0; hi < 3; hi++)
			assert_int_equal(stacktab__put(tab, 42, i | hi << (32 + 10 * hi),
						       make_frames(1, i * 3 + hi), 1),
					 0);
	assert_int_equal(stacktab__cnt(tab), 9000);
	for (uint64_t i = 1; i <= 3000; i++)
		for (uint64_t hi = 0; hi < 3; hi++)
			assert_int_equal(get_ok(tab, 42, i | hi << (32 + 10 * hi))
						 ->frames[0]
						 .address,
					 i * 3 + hi);
	stacktab__free(tab);
}

/* Distinct non-zero 53-bit ids: multiplying by an odd constant is a bijection modulo 2^53 */
static uint64_t id_of(uint64_t i)
{
	return (i * 0x9e3779b97f4a7c15ULL) & PERFAN_STACK_ID_MASK;
}

static uint64_t addr_of(uint32_t pid, uint64_t id)
{
	return id ^ (uint64_t)pid << 40;
}

/* 100,000 stacks over 7 processes, and every tenth id seen in a second process too */
static void test_many_entries(void **state)
{
	const uint64_t n = 100000;
	struct stacktab *tab = stacktab__new();
	size_t cnt = 0;
	(void)state;

	assert_non_null(tab);
	for (uint64_t i = 1; i <= n; i++) {
		uint32_t pid = 1000 + i % 7;
		uint64_t id = id_of(i);
		size_t fc = 1 + i % 3;

		assert_int_equal(stacktab__put(tab, pid, id, make_frames(fc, addr_of(pid, id)), fc),
				 0);
		cnt++;
		if (i % 10 == 0) {
			assert_int_equal(stacktab__put(tab, pid + 100, id,
						       make_frames(1, addr_of(pid + 100, id)), 1),
					 0);
			cnt++;
		}
		if (i % 997 == 0)
			assert_int_equal(stacktab__cnt(tab), cnt);
	}
	assert_int_equal(cnt, 110000);
	assert_int_equal(stacktab__cnt(tab), 110000);
	for (uint64_t i = 1; i <= n; i++) {
		uint32_t pid = 1000 + i % 7;
		uint64_t id = id_of(i);
		const struct stack_entry *e = get_ok(tab, pid, id);

		if (e->frame_cnt != 1 + i % 3 || e->frames[0].address != addr_of(pid, id) ||
		    e->frames[e->frame_cnt - 1].address != addr_of(pid, id) + e->frame_cnt - 1)
			fail_msg("stack %" PRIu64 " of pid %u: wrong frames", id, pid);
		if (i % 10 == 0) {
			e = get_ok(tab, pid + 100, id);
			assert_int_equal(e->frame_cnt, 1);
			assert_int_equal(e->frames[0].address, addr_of(pid + 100, id));
		} else {
			assert_null(stacktab__get(tab, pid + 100, id));
		}
		assert_null(stacktab__get(tab, 999, id));
	}
	/* every id is taken now: putting any of them again fails */
	assert_int_equal(stacktab__put(tab, 1000 + 5 % 7, id_of(5), make_frames(1, 0), 1), -EEXIST);
	assert_int_equal(stacktab__cnt(tab), 110000);
	stacktab__free(tab);
}

/* stacktab__free releases the table and every frames array it took, each once */
static void test_free_releases_frames(void **state)
{
	long live = mem.live;
	struct stacktab *tab = stacktab__new();
	size_t w[8], nw = 0;
	(void)state;

	assert_non_null(tab);
	/* 4,000 entries, one in five empty: past a few growths of the table */
	for (uint32_t i = 0; i < 4000; i++) {
		struct frame *f = i % 5 ? make_frames(i % 5, i) : NULL;

		if (f && i % 500 == 1)
			w[nw++] = watch(f);
		assert_int_equal(stacktab__put(tab, i % 3, id_of(i + 1), f, i % 5), 0);
	}
	assert_int_equal(nw, 8);
	assert_int_equal(stacktab__cnt(tab), 4000);
	for (size_t i = 0; i < nw; i++)
		assert_int_equal(freed(w[i]), 0);
	assert_true(mem.live >= live + 4000);
	stacktab__free(tab);
	for (size_t i = 0; i < nw; i++)
		assert_int_equal(freed(w[i]), 1);
	assert_int_equal(mem.live, live);
	unwatch_all();
}

/* When the table cannot grow, put fails with -ENOMEM, frees the frames it was given and leaves
 * the table as it was; once memory is back, the same put succeeds. */
static void test_put_enomem(void **state)
{
	struct stacktab *tab = stacktab__new();
	struct frame *frames = make_frames(1, 0x6000);
	size_t w, cnt, filled = 0;
	int err = 0, err_frames;
	long live;
	(void)state;

	assert_non_null(tab);
	assert_int_equal(stacktab__put(tab, 1, 1, make_frames(2, 0x5000), 2), 0);
	w = watch(frames);
	/* small requests (frames, the marker of an empty stack) succeed, a table's growth fails */
	mem.fail_from = 4096;
	while (filled < (1 << 20) && !(err = stacktab__put(tab, 2, filled + 1, NULL, 0)))
		filled++;
	cnt = stacktab__cnt(tab);
	live = mem.live;
	/* at the growth point: the next put must grow the table too */
	err_frames = stacktab__put(tab, 3, 42, frames, 1);
	mem.fail_from = 0;

	assert_int_equal(err, -ENOMEM);
	assert_true(filled > 0);
	assert_int_equal(cnt, 1 + filled);
	assert_int_equal(err_frames, -ENOMEM);
	assert_int_equal(freed(w), 1);
	assert_int_equal(mem.live, live - 1);
	assert_int_equal(stacktab__cnt(tab), cnt);
	assert_null(stacktab__get(tab, 3, 42));
	assert_null(stacktab__get(tab, 2, filled + 1));
	assert_int_equal(get_ok(tab, 1, 1)->frame_cnt, 2);
	assert_int_equal(get_ok(tab, 1, 1)->frames[1].address, 0x5001);
	for (size_t i = 1; i <= filled; i++)
		assert_int_equal(get_ok(tab, 2, i)->frame_cnt, 0);
	unwatch_all();
	/* with memory back, the table grows */
	frames = make_frames(2, 0x7000);
	assert_int_equal(stacktab__put(tab, 3, 42, frames, 2), 0);
	assert_ptr_equal(get_ok(tab, 3, 42)->frames, frames);
	assert_int_equal(stacktab__put(tab, 2, filled + 1, NULL, 0), 0);
	assert_int_equal(stacktab__cnt(tab), cnt + 2);
	for (size_t i = 1; i <= filled + 1; i++)
		assert_non_null(stacktab__get(tab, 2, i));
	stacktab__free(tab);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get),
		cmocka_unit_test(test_put_existing_keeps_first),
		cmocka_unit_test(test_stack_none),
		cmocka_unit_test(test_keys_apart),
		cmocka_unit_test(test_many_entries),
		cmocka_unit_test(test_free_releases_frames),
		cmocka_unit_test(test_put_enomem),
	};

	return cmocka_run_group_tests_name("stacktab", tests, NULL, NULL);
}
