// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of stack_name.h: which frame names a stack (the first outside the allocator
 * module), each form of the name, stacks without frames, and a name cut to the buffer without
 * leaving half a UTF-8 character. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "lib/stack_name.h"

#define LIBC "/usr/lib/x86_64-linux-gnu/libc.so.6"

static const struct frame frames[] = {
	{ .address = 0x7f0010, .module = LIBC, .function = "malloc", .offset = 0x20 },
	{ .address = 0x7f0020, .module = LIBC, .function = "strdup", .offset = 0x11 },
	{ .address = 0x401234,
	  .module = "/srv/bin/server",
	  .function = "keep_sessions",
	  .offset = 0x1f,
	  .file = "/src/net/server.c",
	  .line = 212 },
	{ .address = 0x401300, .module = "/srv/bin/server", .function = "main", .offset = 0x40 },
};

static const char *name(const struct frame *f, size_t n, const char *alloc, uint64_t id)
{
	static char buf[256];

	return stack_name__text(f, n, alloc, id, buf, sizeof(buf));
}

static void test_first_frame_outside_the_allocator(void **state)
{
	(void)state;
	assert_ptr_equal(stack_name__frame(frames, 4, LIBC), &frames[2]);
	assert_string_equal(name(frames, 4, LIBC, 9), "keep_sessions (server.c:212)");
	/* no allocator known: the first frame */
	assert_ptr_equal(stack_name__frame(frames, 4, NULL), &frames[0]);
	assert_string_equal(name(frames, 4, NULL, 9), "malloc+0x20");
	/* every frame in the allocator (it allocates for itself): the first */
	assert_ptr_equal(stack_name__frame(frames, 2, LIBC), &frames[0]);
	/* another allocator: the first frame is already outside it */
	assert_ptr_equal(stack_name__frame(frames, 4, "/usr/lib/libjemalloc.so.2"), &frames[0]);
	assert_null(stack_name__frame(frames, 0, LIBC));
}

static void test_forms(void **state)
{
	const struct frame no_func[] = {
		{ .address = 0x401234, .module = "/srv/bin/server", .offset = 0x1234 }
	};
	const struct frame file_only[] = { { .address = 0x401234,
					     .module = "/srv/bin/server",
					     .offset = 0x1234,
					     .file = "gen.c",
					     .line = 7 } };
	const struct frame nothing[] = { { .address = 0x7ffd1234 } };
	const struct frame anon_fn[] = {
		{ .address = 0x7ffd1234, .function = "jit_stub", .offset = 0x8 }
	};
	const struct frame no_slash[] = { { .address = 0x1, .module = "server", .offset = 0x10 } };
	(void)state;

	assert_string_equal(name(&frames[3], 1, LIBC, 1), "main+0x40");
	assert_string_equal(name(no_func, 1, LIBC, 1), "server+0x1234");
	assert_string_equal(name(file_only, 1, LIBC, 1), "gen.c:7");
	assert_string_equal(name(nothing, 1, LIBC, 1), "0x7ffd1234");
	assert_string_equal(name(anon_fn, 1, LIBC, 1), "jit_stub+0x8");
	assert_string_equal(name(no_slash, 1, LIBC, 1), "server+0x10");
	assert_string_equal(name(NULL, 0, LIBC, 0), "[stack unavailable]");
	assert_string_equal(name(NULL, 0, LIBC, 0x1234abcd), "[stack 0x1234abcd]");
}

static void test_cut_to_buffer(void **state)
{
	/* "fé" is f, 0xc3 0xa9: cut after 0xc3 the é must go entirely */
	const struct frame utf[] = {
		{ .address = 0x1, .module = "/m", .function = "f\xc3\xa9\xc3\xa9", .offset = 0x1 }
	};
	const struct frame emoji[] = {
		{ .address = 0x1, .module = "/m", .function = "ab\xf0\x9f\x99\x82", .offset = 0x1 }
	};
	char buf[8];
	(void)state;

	/* "fé" fits in 3 bytes + NUL; with 3 bytes of room only "f" and 0xc3 would fit */
	assert_string_equal(stack_name__text(utf, 1, NULL, 1, buf, 3), "f");
	assert_string_equal(stack_name__text(utf, 1, NULL, 1, buf, 4), "f\xc3\xa9");
	assert_string_equal(stack_name__text(utf, 1, NULL, 1, buf, 5), "f\xc3\xa9");
	assert_string_equal(stack_name__text(utf, 1, NULL, 1, buf, 6), "f\xc3\xa9\xc3\xa9");
	for (size_t len = 3; len <= 6; len++)
		assert_string_equal(stack_name__text(emoji, 1, NULL, 1, buf, len), "ab");
	assert_string_equal(stack_name__text(emoji, 1, NULL, 1, buf, 7), "ab\xf0\x9f\x99\x82");
	assert_string_equal(stack_name__text(emoji, 1, NULL, 1, buf, 8), "ab\xf0\x9f\x99\x82+");
	/* no room at all: untouched */
	buf[0] = 'x';
	stack_name__text(emoji, 1, NULL, 1, buf, 0);
	assert_int_equal(buf[0], 'x');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_frame_outside_the_allocator),
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_cut_to_buffer),
	};

	return cmocka_run_group_tests_name("stack_name", tests, NULL, NULL);
}
