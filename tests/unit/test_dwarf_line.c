// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of dwarf_line__normalize: how a source path is shown (glibc's "./csu/./csu/../
 * sysdeps/..." came from joining the compilation directory to itself and not resolving). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "symbols/dwarf_line.h"

static void check(const char *in, const char *want)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s", in);
	dwarf_line__normalize(buf);
	assert_string_equal(buf, want);
}

static void test_normalize(void **state)
{
	(void)state;
	check("./csu/../sysdeps/nptl/libc_start_call_main.h",
	      "sysdeps/nptl/libc_start_call_main.h");
	check("./nptl/./nptl/pthread_create.c", "nptl/nptl/pthread_create.c");
	check("/tmp/abc/cxx.cc", "/tmp/abc/cxx.cc");
	check("/tmp/./a/../b/c.c", "/tmp/b/c.c");
	check("../x/y.c", "../x/y.c");
	check("a/../../b.c", "../b.c");
	check("../../a/b.c", "../../a/b.c");
	check("a//b.c", "a/b.c");
	check("a/b/", "a/b");
	check(".", ".");
	check("./", ".");
	check("a/..", ".");
	check("/", "/");
	check("/..", "/");
	check("/../a", "/a");
	check("x.c", "x.c");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
