// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of proc_dir.h on a fixture /proc tree: a live process, one whose main thread
 * called pthread_exit (read through a live thread), a zombie, a kernel thread, a pid that is
 * not there, and a command name with spaces and parentheses. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "target/proc_dir.h"

static char root[] = "/tmp/perfan-proc-dir.XXXXXX";

static void put(const char *rel, const char *text)
{
	char p[512], d[600];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	snprintf(d, sizeof(d), "mkdir -p \"$(dirname '%s')\"", p);
	assert_int_equal(system(d), 0);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

#define MAPS "00400000-00401000 r-xp 00000000 08:01 42 /usr/bin/x\n"

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(root))
		return -1;
	/* 100: alive */
	put("100/stat", "100 (srv) S 1 100 100 0 -1 4194560 0 0\n");
	put("100/maps", MAPS);
	/* 200: main thread exited (a zombie leader, empty maps), thread 202 alive */
	put("200/stat", "200 (pe (x) y) Z 1 200 200 0 -1 4227084 0 0\n");
	put("200/maps", "");
	put("200/task/200/maps", "");
	put("200/task/202/maps", MAPS);
	/* 300: a zombie, no thread left */
	put("300/stat", "300 (dead) Z 1 300 300 0 -1 4227084 0 0\n");
	put("300/maps", "");
	put("300/task/300/maps", "");
	/* 2: a kernel thread (PF_KTHREAD) */
	put("2/stat", "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0\n");
	put("2/maps", "");
	return 0;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

static void test_mm_dir(void **state)
{
	char dir[512], want[512];
	int tid = -1;

	(void)state;
	assert_int_equal(proc_dir__mm(root, 100, dir, sizeof(dir), &tid), 0);
	snprintf(want, sizeof(want), "%s/100", root);
	assert_string_equal(dir, want);
	assert_int_equal(tid, 100);
	assert_int_equal(proc_dir__mm(root, 200, dir, sizeof(dir), &tid), 0);
	snprintf(want, sizeof(want), "%s/200/task/202", root);
	assert_string_equal(dir, want);
	assert_int_equal(tid, 202);
	assert_int_equal(proc_dir__mm(root, 300, dir, sizeof(dir), NULL), -ESRCH);
	assert_int_equal(proc_dir__mm(root, 2, dir, sizeof(dir), NULL), -ESRCH);
	assert_int_equal(proc_dir__mm(root, 999, dir, sizeof(dir), NULL), -ESRCH);
	assert_int_equal(proc_dir__mm(root, 100, dir, 8, NULL), -ENAMETOOLONG);
}

static void test_kind(void **state)
{
	(void)state;
	assert_int_equal(proc_dir__kind(root, 100), PROC_KIND_USER);
	/* a zombie main thread whose other threads live is a user process */
	assert_int_equal(proc_dir__kind(root, 200), PROC_KIND_USER);
	assert_int_equal(proc_dir__kind(root, 300), PROC_KIND_ZOMBIE);
	assert_int_equal(proc_dir__kind(root, 2), PROC_KIND_KTHREAD);
	assert_int_equal(proc_dir__kind(root, 999), PROC_KIND_GONE);
	assert_non_null(strstr(proc_dir__kind_text(PROC_KIND_KTHREAD), "kernel thread"));
	assert_non_null(strstr(proc_dir__kind_text(PROC_KIND_ZOMBIE), "zombie"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mm_dir),
		cmocka_unit_test(test_kind),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
