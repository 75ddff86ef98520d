// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of procmaps.h: parsing /proc/PID/maps text (fixtures read through fmemopen),
 * rejection of malformed lines, lookup by address at range boundaries, and library lookup by
 * basename. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "target/procmaps.h"

/* A process as the kernel prints it: padded path column, a trailing space after an anonymous
 * mapping's inode on some kernels and none on others, a path with spaces, a deleted file. */
static const char fixture[] =
	"55d5c0a00000-55d5c0a01000 r--p 00000000 08:01 1048602                    /usr/bin/app\n"
	"55d5c0a01000-55d5c0a05000 r-xp 00001000 08:01 1048602                    /usr/bin/app\n"
	"55d5c1e8c000-55d5c1ead000 rw-p 00000000 00:00 0                          [heap]\n"
	"7f3a2c000000-7f3a2c021000 rw-p 00000000 00:00 0 \n"
	"7f3a2c021000-7f3a2c022000 ---p 00000000 00:00 0\n"
	"7f3a2c200000-7f3a2c228000 r--p 00000000 fd:01 2360904                    "
	"/usr/lib/x86_64-linux-gnu/libc.so.6\n"
	"7f3a2c228000-7f3a2c3bd000 r-xp 00028000 fd:01 2360904                    "
	"/usr/lib/x86_64-linux-gnu/libc.so.6\n"
	"7f3a2c500000-7f3a2c501000 r-xp 00000000 08:01 77 /opt/my app/lib with spaces.so\n"
	"7f3a2c600000-7f3a2c601000 r-xs 00002000 103:02 78 /tmp/jit-1234.so (deleted)\n"
	"7ffd6b9f0000-7ffd6b9f2000 r-xp 00000000 00:00 0                          [vdso]\n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]";

static int parse_text(const char *text, struct proc_maps *out)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int err;

	assert_non_null(f);
	err = proc_maps__parse(f, out);
	fclose(f);
	return err;
}

static void assert_map(const struct proc_map *m, uint64_t start, uint64_t end, uint64_t offset,
		       unsigned int major, unsigned int minor, uint64_t inode, bool exec,
		       const char *path)
{
	assert_non_null(m);
	assert_int_equal(m->start, start);
	assert_int_equal(m->end, end);
	assert_int_equal(m->offset, offset);
	assert_int_equal(m->dev_major, major);
	assert_int_equal(m->dev_minor, minor);
	assert_int_equal(m->inode, inode);
	assert_int_equal(m->exec, exec);
	assert_string_equal(m->path, path);
}

static void test_parse_fixture(void **state)
{
	struct proc_maps m = {};
	(void)state;

	assert_int_equal(parse_text(fixture, &m), 0);
	assert_int_equal(m.cnt, 11);
	assert_map(&m.maps[0], 0x55d5c0a00000, 0x55d5c0a01000, 0, 8, 1, 1048602, false,
		   "/usr/bin/app");
	assert_map(&m.maps[1], 0x55d5c0a01000, 0x55d5c0a05000, 0x1000, 8, 1, 1048602, true,
		   "/usr/bin/app");
	assert_map(&m.maps[2], 0x55d5c1e8c000, 0x55d5c1ead000, 0, 0, 0, 0, false, "[heap]");
	/* anonymous, with and without the trailing space */
	assert_map(&m.maps[3], 0x7f3a2c000000, 0x7f3a2c021000, 0, 0, 0, 0, false, "");
	assert_map(&m.maps[4], 0x7f3a2c021000, 0x7f3a2c022000, 0, 0, 0, 0, false, "");
	assert_map(&m.maps[5], 0x7f3a2c200000, 0x7f3a2c228000, 0, 0xfd, 1, 2360904, false,
		   "/usr/lib/x86_64-linux-gnu/libc.so.6");
	assert_map(&m.maps[6], 0x7f3a2c228000, 0x7f3a2c3bd000, 0x28000, 0xfd, 1, 2360904, true,
		   "/usr/lib/x86_64-linux-gnu/libc.so.6");
	assert_map(&m.maps[7], 0x7f3a2c500000, 0x7f3a2c501000, 0, 8, 1, 77, true,
		   "/opt/my app/lib with spaces.so");
	/* major 103 is printed in hex by the kernel (0x103); the suffix is kept verbatim */
	assert_map(&m.maps[8], 0x7f3a2c600000, 0x7f3a2c601000, 0x2000, 0x103, 2, 78, true,
		   "/tmp/jit-1234.so (deleted)");
	assert_map(&m.maps[9], 0x7ffd6b9f0000, 0x7ffd6b9f2000, 0, 0, 0, 0, true, "[vdso]");
	/* the last line has no newline */
	assert_map(&m.maps[10], 0xffffffffff600000, 0xffffffffff601000, 0, 0, 0, 0, true,
		   "[vsyscall]");
	proc_maps__free(&m);
	assert_null(m.maps);
	assert_int_equal(m.cnt, 0);
}

static void test_parse_long_path(void **state)
{
	char path[400], line[512];
	struct proc_maps m = {};
	size_t n = 0;
	(void)state;

	/* 300 characters: longer than any fixed 256-byte buffer */
	while (n < 296) {
		memcpy(path + n, "/dir", 4);
		n += 4;
	}
	memcpy(path + n, "/x.so", 6);
	assert_int_equal(strlen(path), 301);
	snprintf(line, sizeof(line), "7f0000000000-7f0000001000 r-xp 00003000 08:01 99 %s\n", path);
	assert_int_equal(parse_text(line, &m), 0);
	assert_int_equal(m.cnt, 1);
	assert_map(&m.maps[0], 0x7f0000000000, 0x7f0000001000, 0x3000, 8, 1, 99, true, path);
	proc_maps__free(&m);
}

static void test_parse_empty(void **state)
{
	struct proc_maps m = { .cnt = 5 };
	FILE *f = tmpfile();
	(void)state;

	assert_non_null(f);
	assert_int_equal(proc_maps__parse(f, &m), 0);
	assert_int_equal(m.cnt, 0);
	fclose(f);
	proc_maps__free(&m);
}

static void test_parse_malformed(void **state)
{
	static const char *const bad[] = {
		"garbage\n",
		/* no inode */
		"7f00-7f01 r-xp 00000000 08:01\n",
		/* end before start */
		"7f01000-7f00000 r-xp 00000000 08:01 5 /x\n",
		/* three and five permission characters */
		"7f00-7f01 r-x 00000000 08:01 5 /x\n",
		"7f00-7f01 r-xpx 00000000 08:01 5 /x\n",
		/* no end address */
		"7f00 r-xp 00000000 08:01 5 /x\n",
		/* offset not hex */
		"7f00-7f01 r-xp zz 08:01 5 /x\n",
		/* device without the colon */
		"7f00-7f01 r-xp 00000000 08-01 5 /x\n",
		/* a good line, then a bad one: the whole parse fails */
		"7f00-7f01 r-xp 00000000 08:01 5 /x\nnot a mapping\n",
	};
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct proc_maps m = {};

		if (parse_text(bad[i], &m) != -EINVAL)
			fail_msg("line %zu '%s' not rejected with -EINVAL", i, bad[i]);
	}
}

static void test_read_file(void **state)
{
	char path[] = "/tmp/perfan-procmaps-XXXXXX";
	struct proc_maps m = {};
	int fd = mkstemp(path);
	(void)state;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, fixture, strlen(fixture)), (ssize_t)strlen(fixture));
	close(fd);
	assert_int_equal(proc_maps__read(path, &m), 0);
	assert_int_equal(m.cnt, 11);
	assert_string_equal(m.maps[6].path, "/usr/lib/x86_64-linux-gnu/libc.so.6");
	proc_maps__free(&m);
	unlink(path);
	assert_int_equal(proc_maps__read(path, &m), -ENOENT);
	proc_maps__free(NULL);
}

static void test_find_boundaries(void **state)
{
	struct proc_maps m = {};
	(void)state;

	assert_int_equal(parse_text(fixture, &m), 0);
	/* before the first mapping */
	assert_null(proc_maps__find(&m, 0));
	assert_null(proc_maps__find(&m, 0x55d5c09fffff));
	/* start is inclusive, end exclusive; adjacent mappings hand over at the boundary */
	assert_ptr_equal(proc_maps__find(&m, 0x55d5c0a00000), &m.maps[0]);
	assert_ptr_equal(proc_maps__find(&m, 0x55d5c0a00fff), &m.maps[0]);
	assert_ptr_equal(proc_maps__find(&m, 0x55d5c0a01000), &m.maps[1]);
	assert_ptr_equal(proc_maps__find(&m, 0x55d5c0a04fff), &m.maps[1]);
	/* the gap between the executable and the heap */
	assert_null(proc_maps__find(&m, 0x55d5c0a05000));
	assert_null(proc_maps__find(&m, 0x55d5c1e8bfff));
	assert_ptr_equal(proc_maps__find(&m, 0x55d5c1e8c000), &m.maps[2]);
	assert_ptr_equal(proc_maps__find(&m, 0x7f3a2c021000), &m.maps[4]);
	assert_null(proc_maps__find(&m, 0x7f3a2c022000));
	assert_ptr_equal(proc_maps__find(&m, 0x7f3a2c3bcfff), &m.maps[6]);
	assert_null(proc_maps__find(&m, 0x7f3a2c3bd000));
	/* the last mapping and past it */
	assert_ptr_equal(proc_maps__find(&m, 0xffffffffff600000), &m.maps[10]);
	assert_ptr_equal(proc_maps__find(&m, 0xffffffffff600fff), &m.maps[10]);
	assert_null(proc_maps__find(&m, 0xffffffffff601000));
	assert_null(proc_maps__find(&m, UINT64_MAX));
	proc_maps__free(&m);

	/* no mappings at all */
	assert_null(proc_maps__find(&m, 0x1000));
}

/* The binary search at every table size from 1 to 40: each mapping [0x1000*(2i+1),
 * 0x1000*(2i+2)) is found at its first and last byte, every gap and the ends are not. */
static void test_find_all_sizes(void **state)
{
	(void)state;

	for (size_t n = 1; n <= 40; n++) {
		struct proc_maps m = { .cnt = n };
		struct proc_map maps[40] = {};

		m.maps = maps;
		for (size_t i = 0; i < n; i++) {
			maps[i].start = 0x1000 * (2 * i + 1);
			maps[i].end = 0x1000 * (2 * i + 2);
			maps[i].path = "";
		}
		assert_null(proc_maps__find(&m, 0));
		assert_null(proc_maps__find(&m, 0xfff));
		for (size_t i = 0; i < n; i++) {
			assert_ptr_equal(proc_maps__find(&m, maps[i].start), &maps[i]);
			assert_ptr_equal(proc_maps__find(&m, maps[i].end - 1), &maps[i]);
			assert_null(proc_maps__find(&m, maps[i].end));
			assert_null(proc_maps__find(&m, maps[i].end + 0xfff));
		}
	}
}

static const char libs_fixture[] =
	"7f0000000000-7f0000001000 r-xp 00000000 08:01 1 /usr/lib/x86_64-linux-gnu/libcrypto.so.3\n"
	"7f0000100000-7f0000101000 r--p 00000000 08:01 2 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
	"7f0000101000-7f0000102000 r-xp 00001000 08:01 2 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
	"7f0000200000-7f0000201000 r-xp 00000000 08:01 3 /opt/libc.so/plugin.so\n"
	"7f0000300000-7f0000301000 r-xp 00000000 08:01 4 /usr/lib/libjemalloc.so.2\n"
	"7f0000400000-7f0000401000 r-xp 00000000 08:01 5 /usr/lib/libjemalloc.so\n"
	"7f0000500000-7f0000501000 r-xp 00000000 00:00 0 [vdso]\n";

static void test_find_lib(void **state)
{
	struct proc_maps m = {};
	(void)state;

	assert_int_equal(parse_text(libs_fixture, &m), 0);
	assert_int_equal(m.cnt, 7);
	/* the executable mapping, not the read-only one before it, and not libcrypto */
	assert_ptr_equal(proc_maps__find_lib(&m, "libc.so"), &m.maps[2]);
	assert_ptr_equal(proc_maps__find_lib(&m, "libc.so.6"), &m.maps[2]);
	/* the first match in address order */
	assert_ptr_equal(proc_maps__find_lib(&m, "libjemalloc.so"), &m.maps[4]);
	assert_ptr_equal(proc_maps__find_lib(&m, "libcrypto.so"), &m.maps[0]);
	/* a directory named like the library is not the library */
	assert_ptr_equal(proc_maps__find_lib(&m, "plugin.so"), &m.maps[3]);
	/* a prefix must end where the name does or at a '.' or '-' of the name */
	assert_ptr_equal(proc_maps__find_lib(&m, "libc"), &m.maps[2]);
	assert_ptr_equal(proc_maps__find_lib(&m, "libjemalloc"), &m.maps[4]);
	assert_null(proc_maps__find_lib(&m, "libcryp"));
	assert_null(proc_maps__find_lib(&m, "libc.so.6.1"));
	assert_null(proc_maps__find_lib(&m, "libc.s"));
	/* named mappings without a file */
	assert_null(proc_maps__find_lib(&m, "[vdso]"));
	proc_maps__free(&m);
}

static void test_find_lib_not_libcrypto_nor_readonly(void **state)
{
	static const char text[] =
		"7f0000000000-7f0000001000 r-xp 00000000 08:01 1 /usr/lib/libcrypto.so.3\n"
		"7f0000100000-7f0000101000 r--p 00000000 08:01 2 /usr/lib/libc.so.6\n"
		"7f0000101000-7f0000102000 rw-p 00001000 08:01 2 /usr/lib/libc.so.6\n";
	struct proc_maps m = {};
	(void)state;

	assert_int_equal(parse_text(text, &m), 0);
	assert_null(proc_maps__find_lib(&m, "libc.so"));
	proc_maps__free(&m);
}

/* glibc before 2.34 maps itself as libc-2.31.so; procmaps.h promises "libc.so" finds it */
static void test_find_lib_versioned_dash(void **state)
{
	static const char text[] =
		"7f0000000000-7f0000001000 r-xp 00000000 08:01 1 /usr/lib/libcrypto.so.3\n"
		"7f0000100000-7f0000101000 r-xp 00000000 08:01 2 "
		"/lib/x86_64-linux-gnu/libc-2.31.so\n";
	struct proc_maps m = {};
	(void)state;

	assert_int_equal(parse_text(text, &m), 0);
	assert_ptr_equal(proc_maps__find_lib(&m, "libc.so"), &m.maps[1]);
	proc_maps__free(&m);
}

/* "libc.so" must not find another library whose name merely starts with "libc-" */
static void test_find_lib_dash_needs_version(void **state)
{
	static const char text[] =
		"7f0000000000-7f0000001000 r-xp 00000000 08:01 1 /usr/lib/libc-client.so.2007e\n"
		"7f0000100000-7f0000101000 r-xp 00000000 08:01 2 /usr/lib/libc.so.6\n";
	struct proc_maps m = {};
	(void)state;

	assert_int_equal(parse_text(text, &m), 0);
	assert_ptr_equal(proc_maps__find_lib(&m, "libc.so"), &m.maps[1]);
	proc_maps__free(&m);
}

/* A file by its identity: the first of its mappings, whatever its path; another device with
 * the same inode is another file (major 0x103 is 0x103 << 20 in the kernel's encoding) */
static void test_find_file(void **state)
{
	struct proc_maps m = {};
	(void)state;

	assert_int_equal(parse_text(fixture, &m), 0);
	assert_ptr_equal(proc_maps__find_file(&m, 8 << 20 | 1, 1048602), &m.maps[0]);
	assert_ptr_equal(proc_maps__find_file(&m, 0xfd << 20 | 1, 2360904), &m.maps[5]);
	assert_ptr_equal(proc_maps__find_file(&m, 0x103 << 20 | 2, 78), &m.maps[8]);
	assert_null(proc_maps__find_file(&m, 8 << 20 | 2, 1048602));
	assert_null(proc_maps__find_file(&m, 8 << 20 | 1, 1048603));
	assert_null(proc_maps__find_file(&m, 0x103 << 20 | 2, 77));
	proc_maps__free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_fixture),
		cmocka_unit_test(test_find_file),
		cmocka_unit_test(test_parse_long_path),
		cmocka_unit_test(test_parse_empty),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_find_boundaries),
		cmocka_unit_test(test_find_all_sizes),
		cmocka_unit_test(test_find_lib),
		cmocka_unit_test(test_find_lib_not_libcrypto_nor_readonly),
		cmocka_unit_test(test_find_lib_versioned_dash),
		cmocka_unit_test(test_find_lib_dash_needs_version),
	};

	return cmocka_run_group_tests_name("procmaps", tests, NULL, NULL);
}
