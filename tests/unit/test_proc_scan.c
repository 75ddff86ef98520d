// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of proc_scan__env and proc_scan__comm (target/proc_scan.h) on a fixture /proc
 * tree: a variable among others, one whose name is the prefix of another's, a value cut to
 * the buffer, an empty value in a last entry without its NUL, an unset variable, and a pid
 * that is not there. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "target/proc_scan.h"

static char root[] = "/tmp/perfan-proc-scan.XXXXXX";

static void put(const char *rel, const char *data, size_t len)
{
	char p[512], d[600];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	snprintf(d, sizeof(d), "mkdir -p \"$(dirname '%s')\"", p);
	assert_int_equal(system(d), 0);
	f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

#define PUT(rel, lit) put(rel, lit, sizeof(lit) - 1)

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(root))
		return -1;
	PUT("100/environ", "HOME=/root\0PYTHONMALLOCX=no\0PYTHONMALLOC=malloc\0PATH=/bin\0");
	PUT("101/environ", "HOME=/root\0PYTHONMALLOCX=no\0");
	PUT("102/environ", "A=1\0PYTHONMALLOC=");
	PUT("103/environ", "PYTHONMALLOC=malloc_debug\0");
	PUT("100/comm", "python3\n");
	return 0;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

static void test_env(void **state)
{
	char v[32];

	(void)state;
	assert_int_equal(proc_scan__env(root, 100, "PYTHONMALLOC", v, sizeof(v)), 0);
	assert_string_equal(v, "malloc");
	assert_int_equal(proc_scan__env(root, 100, "PATH", v, sizeof(v)), 0);
	assert_string_equal(v, "/bin");
	/* a name that is only the prefix of another's is not it */
	assert_int_equal(proc_scan__env(root, 101, "PYTHONMALLOC", v, sizeof(v)), -ENOENT);
	assert_int_equal(proc_scan__env(root, 100, "PYTHON", v, sizeof(v)), -ENOENT);
	/* empty, in a last entry without its NUL */
	strcpy(v, "x");
	assert_int_equal(proc_scan__env(root, 102, "PYTHONMALLOC", v, sizeof(v)), 0);
	assert_string_equal(v, "");
	/* cut to the buffer */
	assert_int_equal(proc_scan__env(root, 103, "PYTHONMALLOC", v, 7), 0);
	assert_string_equal(v, "malloc");
	/* gone */
	assert_int_equal(proc_scan__env(root, 999, "PYTHONMALLOC", v, sizeof(v)), -ESRCH);
}

static void test_comm(void **state)
{
	char c[16];

	(void)state;
	assert_int_equal(proc_scan__comm(root, 100, c, sizeof(c)), 0);
	assert_string_equal(c, "python3");
	assert_int_equal(proc_scan__comm(root, 999, c, sizeof(c)), -ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_comm),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
