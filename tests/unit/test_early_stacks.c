// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of early_stacks.h: a provisional stack (walked before a file's rows were in) is
 * folded into the one whole stack of its process that begins with its frames, all six counts
 * added; left alone when no whole stack or several begin with it, when the match is in another
 * process, or when its stack is not in the table; the other rows keep their order. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "analysis/early_stacks.h"

/* ids >= 100 are provisional, walked 1 frame before the file not looked at yet; ids >= 200,
 * 2 frames */
static size_t unseen(void *ctx, uint32_t pid, uint64_t id)
{
	(void)ctx;
	(void)pid;
	return id >= 200 ? 2 : id >= 100 ? 1 : 0;
}

static void put(struct stacktab *tab, uint32_t pid, uint64_t id, const uint64_t *addrs, size_t n)
{
	struct frame *f = calloc(n, sizeof(*f));

	assert_non_null(f);
	for (size_t i = 0; i < n; i++)
		f[i].address = addrs[i];
	assert_int_equal(stacktab__put(tab, pid, id, f, n), 0);
	/* a provisional walk that did not reach the start (the tests' provisional ids) */
	if (id >= 100)
		stacktab__set_truncated(tab, pid, id, true);
}

static void row(struct leak_sample *s, uint32_t pid, uint64_t id, uint64_t objs)
{
	struct stack_row r = { .pid = pid,
			       .stack_id = id,
			       .counts = { .live_bytes = 10 * objs,
					   .live_objects = objs,
					   .alloc_bytes = 20 * objs,
					   .alloc_objects = 2 * objs,
					   .freed_bytes = 10 * objs,
					   .freed_objects = objs } };

	assert_int_equal(leak_sample__add(s, &r), 0);
}

static void folds_into_the_one_whole_stack(void **state)
{
	struct stacktab *tab = stacktab__new();
	struct leak_sample s = {};
	struct early_fold f;
	const uint64_t whole[] = { 0x10, 0x20, 0x30 }, other[] = { 0x11, 0x20 }, early[] = { 0x10 };

	(void)state;
	put(tab, 1, 1, whole, 3);
	put(tab, 1, 2, other, 2);
	put(tab, 1, 100, early, 1);
	row(&s, 1, 1, 999);
	row(&s, 1, 100, 1);
	row(&s, 1, 2, 5);
	assert_int_equal(early_stacks__fold(&s, tab, unseen, NULL, &f), 0);
	assert_int_equal(f.folded, 1);
	assert_int_equal(f.left, 0);
	assert_int_equal(s.cnt, 2);
	assert_int_equal(s.stacks[0].stack_id, 1);
	assert_int_equal(s.stacks[0].counts.live_objects, 1000);
	assert_int_equal(s.stacks[0].counts.live_bytes, 10000);
	assert_int_equal(s.stacks[0].counts.alloc_bytes, 20000);
	assert_int_equal(s.stacks[0].counts.alloc_objects, 2000);
	assert_int_equal(s.stacks[0].counts.freed_bytes, 10000);
	assert_int_equal(s.stacks[0].counts.freed_objects, 1000);
	assert_int_equal(s.stacks[1].stack_id, 2);
	assert_int_equal(s.stacks[1].counts.live_objects, 5);
	leak_sample__free(&s);
	stacktab__free(tab);
}

static void left_when_ambiguous_absent_or_elsewhere(void **state)
{
	struct stacktab *tab = stacktab__new();
	struct leak_sample s = {};
	struct early_fold f;
	const uint64_t a[] = { 0x10, 0x20 }, b[] = { 0x10, 0x30 }, early[] = { 0x10 },
		       lone[] = { 0x50 }, c[] = { 0x60, 0x70 }, early_c[] = { 0x60 };

	(void)state;
	put(tab, 1, 1, a, 2);
	put(tab, 1, 2, b, 2);
	put(tab, 1, 100, early, 1); /* two whole stacks begin with it: ambiguous */
	put(tab, 1, 101, lone, 1);  /* none does */
	put(tab, 2, 3, c, 2);
	put(tab, 1, 102, early_c, 1); /* the match is in process 2 */
	row(&s, 1, 1, 1);
	row(&s, 1, 2, 1);
	row(&s, 1, 100, 3);
	row(&s, 1, 101, 4);
	row(&s, 2, 3, 1);
	row(&s, 1, 102, 5);
	row(&s, 1, 103, 6); /* not in the table */
	assert_int_equal(early_stacks__fold(&s, tab, unseen, NULL, &f), 0);
	assert_int_equal(f.folded, 0);
	assert_int_equal(f.left, 3);
	assert_int_equal(f.left_objects, 2 * (3 + 4 + 5));
	assert_int_equal(s.cnt, 7);
	leak_sample__free(&s);
	stacktab__free(tab);
}

/* A provisional walk goes on by frame pointers past the file not looked at: a garbage tail (code
 * built without them) does not keep it from its whole stack, compared over the frames walked
 * before; one that reached the start (code built with them) is whole, kept, and not counted */
static void fp_continued_walks(void **state)
{
	struct stacktab *tab = stacktab__new();
	struct leak_sample s = {};
	struct early_fold f;
	const uint64_t whole[] = { 0x10, 0x20, 0x30, 0x40 }, garbage[] = { 0x10, 0x20, 0x99 },
		       fp_whole[] = { 0x50, 0x60, 0x70 };
	struct frame *fw = calloc(3, sizeof(*fw));

	(void)state;
	put(tab, 1, 1, whole, 4);
	put(tab, 1, 200, garbage, 3); /* 2 frames walked before, then a wrong guess */
	/* provisional, but whole: not truncated */
	assert_non_null(fw);
	for (size_t i = 0; i < 3; i++)
		fw[i].address = fp_whole[i];
	assert_int_equal(stacktab__put(tab, 1, 150, fw, 3), 0);
	row(&s, 1, 1, 10);
	row(&s, 1, 200, 2);
	row(&s, 1, 150, 7);
	assert_int_equal(early_stacks__fold(&s, tab, unseen, NULL, &f), 0);
	assert_int_equal(f.folded, 1);
	assert_int_equal(f.left, 0);
	assert_int_equal(s.cnt, 2);
	assert_int_equal(s.stacks[0].stack_id, 1);
	assert_int_equal(s.stacks[0].counts.live_objects, 12);
	assert_int_equal(s.stacks[1].stack_id, 150);
	assert_int_equal(s.stacks[1].counts.live_objects, 7);
	leak_sample__free(&s);
	stacktab__free(tab);
}

static void empty_sample(void **state)
{
	struct stacktab *tab = stacktab__new();
	struct leak_sample s = {};
	struct early_fold f;

	(void)state;
	assert_int_equal(early_stacks__fold(&s, tab, unseen, NULL, &f), 0);
	assert_int_equal(f.folded + f.left, 0);
	stacktab__free(tab);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(folds_into_the_one_whole_stack),
		cmocka_unit_test(fp_continued_walks),
		cmocka_unit_test(left_when_ambiguous_absent_or_elsewhere),
		cmocka_unit_test(empty_sample),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
