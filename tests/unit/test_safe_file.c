// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of safe_file.h in a temporary directory: new files are 0600 whatever the umask;
 * an existing name (file, symlink, dangling symlink) is refused without force; with force
 * the name is replaced and a symlink's target is never written; an atomic write that fails
 * leaves nothing behind. A file the kernel named is opened only if it is that file. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>
#include "lib/safe_file.h"

static char dir[] = "/tmp/perfan-safe-file.XXXXXX";
static char path[512], victim[512], link_path[512];

static void put(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char *get(const char *p)
{
	static char buf[256];
	FILE *f = fopen(p, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/out", dir);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	snprintf(link_path, sizeof(link_path), "%s/link", dir);
	return 0;
}

static int each(void **state)
{
	(void)state;
	unlink(path);
	unlink(link_path);
	put(victim, "secret");
	chmod(victim, 0600);
	return 0;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static mode_t mode_of(const char *p)
{
	struct stat st;

	assert_int_equal(lstat(p, &st), 0);
	return st.st_mode;
}

static void test_new_file_is_0600(void **state)
{
	mode_t old = umask(0);
	int fd;

	(void)state;
	fd = safe_file__create(path, false);
	umask(old);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	assert_true(S_ISREG(mode_of(path)));
	assert_int_equal(mode_of(path) & 07777, 0600);
}

static void test_existing_refused(void **state)
{
	(void)state;
	put(path, "old");
	assert_int_equal(safe_file__check(path, false), -EEXIST);
	assert_int_equal(safe_file__check(path, true), 0);
	assert_int_equal(safe_file__create(path, false), -EEXIST);
	assert_null(safe_file__fopen(path, false));
	assert_int_equal(errno, EEXIST);
	assert_string_equal(get(path), "old");
}

static void test_symlink_never_followed(void **state)
{
	int fd;

	(void)state;
	assert_int_equal(symlink(victim, link_path), 0);
	assert_int_equal(safe_file__create(link_path, false), -EEXIST);
	fd = safe_file__create(link_path, true);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "new", 3), 3);
	close(fd);
	assert_string_equal(get(victim), "secret");
	assert_true(S_ISREG(mode_of(link_path)));
	assert_string_equal(get(link_path), "new");
	/* a dangling symlink is a taken name as well */
	unlink(link_path);
	assert_int_equal(symlink("/nonexistent/perfan", link_path), 0);
	assert_int_equal(safe_file__check(link_path, false), -EEXIST);
	assert_int_equal(safe_file__create(link_path, false), -EEXIST);
}

static void test_directory_not_replaced(void **state)
{
	(void)state;
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(safe_file__create(path, true), -EISDIR);
	assert_int_equal(rmdir(path), 0);
}

static int write_text(FILE *f, const void *arg)
{
	return fputs(arg, f) < 0 ? -EIO : 0;
}

static int write_fails(FILE *f, const void *arg)
{
	(void)arg;
	fputs("half", f);
	return -ENOSPC;
}

/* no file beside path is left: only the names the test made */
static int entries(void)
{
	char cmd[600];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

static void test_atomic(void **state)
{
	(void)state;
	assert_int_equal(safe_file__write_atomic(path, false, write_text, "one"), 0);
	assert_string_equal(get(path), "one");
	assert_int_equal(mode_of(path) & 07777, 0600);
	/* taken: refused without force, replaced with it */
	assert_int_equal(safe_file__write_atomic(path, false, write_text, "two"), -EEXIST);
	assert_string_equal(get(path), "one");
	assert_int_equal(safe_file__write_atomic(path, true, write_text, "two"), 0);
	assert_string_equal(get(path), "two");
	/* a failing writer leaves the old file and no temporary file */
	assert_int_equal(safe_file__write_atomic(path, true, write_fails, NULL), -ENOSPC);
	assert_string_equal(get(path), "two");
	assert_int_equal(entries(), 2); /* out, victim */
	/* through a symlink: the link is replaced, its target untouched */
	assert_int_equal(symlink(victim, link_path), 0);
	assert_int_equal(safe_file__write_atomic(link_path, false, write_text, "x"), -EEXIST);
	assert_int_equal(safe_file__write_atomic(link_path, true, write_text, "x"), 0);
	assert_string_equal(get(victim), "secret");
	assert_true(S_ISREG(mode_of(link_path)));
}

/* A library found by its name and identity: the file the kernel named, never another */
static void test_open_named(void **state)
{
	const char *libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";
	struct stat st, got;
	uint32_t dev;
	int fd;

	(void)state;
	assert_int_equal(stat(libc, &st), 0);
	dev = (uint32_t)(major(st.st_dev) << 20 | minor(st.st_dev));
	fd = safe_file__open_named("libc.so.6", dev, st.st_ino);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &got), 0);
	assert_int_equal(got.st_ino, st.st_ino);
	close(fd);
	/* another file's identity, or a name that is a path: nothing */
	assert_int_equal(safe_file__open_named("libc.so.6", dev, st.st_ino + 1), -1);
	assert_int_equal(safe_file__open_named("libm.so.6", dev, st.st_ino), -1);
	assert_int_equal(safe_file__open_named("../lib/x86_64-linux-gnu/libc.so.6", dev, st.st_ino),
			 -1);
	assert_int_equal(safe_file__open_named("..", dev, st.st_ino), -1);
	assert_int_equal(safe_file__open_named("", dev, st.st_ino), -1);
	/* open_known: the same path, the same answer; a directory never */
	fd = safe_file__open_known(libc, dev, st.st_ino);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(stat("/usr/lib", &got), 0);
	assert_int_equal(safe_file__open_known("/usr/lib",
					       (uint32_t)(major(got.st_dev) << 20 |
							  minor(got.st_dev)),
					       got.st_ino),
			 -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_new_file_is_0600, each),
		cmocka_unit_test_setup(test_existing_refused, each),
		cmocka_unit_test_setup(test_symlink_never_followed, each),
		cmocka_unit_test_setup(test_directory_not_replaced, each),
		cmocka_unit_test_setup(test_atomic, each),
		cmocka_unit_test(test_open_named),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
