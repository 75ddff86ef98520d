// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of lib/array.h: the first capacity (min_cap, 1 when 0), doubling until need fits,
 * no reallocation when it already does, contents kept, and on failure (realloc refused, or a
 * size past SIZE_MAX) -ENOMEM with the array and its capacity untouched. The test binary
 * replaces realloc with a wrapper around glibc's own that can be told to fail. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "lib/array.h"

void *__libc_realloc(void *p, size_t size);

static struct {
	bool fail;    /* refuse every request */
	size_t calls; /* requests seen */
	size_t last;  /* bytes of the last request */
} mem;

void *realloc(void *old, size_t size)
{
	mem.calls++;
	mem.last = size;
	if (mem.fail) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_realloc(old, size);
}

struct item {
	uint64_t a;
	uint32_t b;
};

static void test_first_capacity(void **state)
{
	struct item *items = NULL;
	size_t cap = 0;

	(void)state;
	mem = (typeof(mem)){};
	assert_int_equal(ARRAY_GROW(items, cap, 1, 64), 0);
	assert_non_null(items);
	assert_int_equal(cap, 64);
	assert_int_equal(mem.last, 64 * sizeof(struct item));
	free(items);

	/* a need past min_cap: min_cap doubled until it fits */
	items = NULL;
	cap = 0;
	assert_int_equal(ARRAY_GROW(items, cap, 100, 16), 0);
	assert_int_equal(cap, 128);
	free(items);

	/* no min_cap: 1, then doubling */
	items = NULL;
	cap = 0;
	assert_int_equal(ARRAY_GROW(items, cap, 3, 0), 0);
	assert_int_equal(cap, 4);
	free(items);
}

static void test_doubles_until_need_fits(void **state)
{
	uint32_t *v = NULL;
	size_t cap = 0, cnt = 0;

	(void)state;
	mem = (typeof(mem)){};
	/* one at a time, as "if (cnt == cap) double" did: 8, 16, 32, 64 */
	for (; cnt < 50; cnt++) {
		assert_int_equal(ARRAY_GROW(v, cap, cnt + 1, 8), 0);
		v[cnt] = (uint32_t)cnt * 7;
	}
	assert_int_equal(cap, 64);
	assert_int_equal(mem.calls, 4);
	for (size_t i = 0; i < cnt; i++)
		assert_int_equal(v[i], i * 7);
	/* a jump: 64 doubles to 512 in one call */
	assert_int_equal(ARRAY_GROW(v, cap, 300, 8), 0);
	assert_int_equal(cap, 512);
	assert_int_equal(mem.calls, 5);
	for (size_t i = 0; i < cnt; i++)
		assert_int_equal(v[i], i * 7);
	free(v);
}

static void test_room_enough_is_a_no_op(void **state)
{
	char *buf = NULL, *was;
	size_t cap = 0;

	(void)state;
	mem = (typeof(mem)){};
	assert_int_equal(ARRAY_GROW(buf, cap, 10, 256), 0);
	was = buf;
	mem.fail = true; /* a request now would fail the test */
	assert_int_equal(ARRAY_GROW(buf, cap, 256, 256), 0);
	assert_int_equal(ARRAY_GROW(buf, cap, 0, 256), 0);
	assert_ptr_equal(buf, was);
	assert_int_equal(cap, 256);
	assert_int_equal(mem.calls, 1);
	mem.fail = false;
	free(buf);

	/* nothing needed, nothing allocated */
	buf = NULL;
	cap = 0;
	assert_int_equal(ARRAY_GROW(buf, cap, 0, 256), 0);
	assert_null(buf);
	assert_int_equal(cap, 0);
}

static void test_enomem_leaves_array(void **state)
{
	struct item *items = NULL, *was;
	size_t cap = 0;

	(void)state;
	mem = (typeof(mem)){};
	assert_int_equal(ARRAY_GROW(items, cap, 4, 4), 0);
	for (int i = 0; i < 4; i++)
		items[i] = (struct item){ .a = (uint64_t)i << 40, .b = (uint32_t)i };
	was = items;

	mem.fail = true;
	assert_int_equal(ARRAY_GROW(items, cap, 5, 4), -ENOMEM);
	mem.fail = false;
	assert_ptr_equal(items, was);
	assert_int_equal(cap, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(items[i].a, (uint64_t)i << 40);
		assert_int_equal(items[i].b, i);
	}
	/* and the array still grows once memory is back */
	assert_int_equal(ARRAY_GROW(items, cap, 5, 4), 0);
	assert_int_equal(cap, 8);
	assert_int_equal(items[3].b, 3);
	free(items);
}

static void test_overflow_is_enomem(void **state)
{
	struct item *items = NULL;
	void *p;
	size_t cap = 0, bytes_cap;

	(void)state;
	mem = (typeof(mem)){};
	/* count * size past SIZE_MAX: refused before realloc sees a wrapped size */
	assert_int_equal(ARRAY_GROW(items, cap, SIZE_MAX / sizeof(*items) + 1, 1), -ENOMEM);
	assert_null(items);
	assert_int_equal(cap, 0);
	/* doubling past SIZE_MAX */
	p = malloc(16);
	assert_non_null(p);
	bytes_cap = SIZE_MAX / 2 + 1;
	assert_int_equal(array__grow(&p, &bytes_cap, SIZE_MAX, 1, 16), -ENOMEM);
	assert_int_equal(bytes_cap, SIZE_MAX / 2 + 1);
	assert_int_equal(mem.calls, 0);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_capacity),
		cmocka_unit_test(test_doubles_until_need_fits),
		cmocka_unit_test(test_room_enough_is_a_no_op),
		cmocka_unit_test(test_enomem_leaves_array),
		cmocka_unit_test(test_overflow_is_enomem),
	};

	return cmocka_run_group_tests_name("array", tests, NULL, NULL);
}
