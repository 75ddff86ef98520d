// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* symbolizer__add_code: code the kernel told about (an mmap at a fixed address) names the
 * frames of a process whose mappings were never read. The "process" here is a pid that does not
 * exist, given this test's own libc mapping; the file is open because the symbolizer read this
 * process's mappings first. Needs no root. */
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
#include "symbols/symbolize.h"
#include "target/procmaps.h"

#define NO_PID 0x7ffffff0 /* above any pid_max: never a process */

/* This process's executable mapping of libc, and (kernel dev_t) its device */
static struct proc_map libc_code(struct proc_maps *maps, uint32_t *dev)
{
	assert_int_equal(proc_maps__read("/proc/self/maps", maps), 0);
	for (size_t i = 0; i < maps->cnt; i++)
		if (maps->maps[i].exec && strstr(maps->maps[i].path, "/libc.so.6")) {
			*dev = maps->maps[i].dev_major << 20 | maps->maps[i].dev_minor;
			return maps->maps[i];
		}
	fail_msg("no libc.so.6 in /proc/self/maps");
	return (struct proc_map){ 0 };
}

static void names_a_process_never_read(void **state)
{
	struct symbolizer_opts o = { .proc_root = "/proc" };
	struct symbolizer *sym = symbolizer__new(&o);
	struct proc_maps maps = {};
	struct proc_map libc;
	struct frame f[8];
	uint64_t addr = (uint64_t)(uintptr_t)&strdup + 1; /* as a return address: + 1 */
	uint32_t dev;
	int n;

	(void)state;
	assert_non_null(sym);
	libc = libc_code(&maps, &dev);
	assert_true(addr > libc.start && addr < libc.end);
	/* nothing known of NO_PID yet */
	assert_int_equal(symbolizer__resolve(sym, NO_PID, addr, f, 8), -ENOENT);
	/* a file no process has open cannot be named so */
	assert_int_equal(symbolizer__add_code(sym, NO_PID, libc.start, libc.end, libc.offset, dev,
					      libc.inode),
			 -ENOENT);
	/* once some process maps it (this one), it can */
	assert_int_equal(symbolizer__refresh(sym, getpid()), 0);
	assert_int_equal(symbolizer__add_code(sym, NO_PID, libc.start, libc.end, libc.offset, dev,
					      libc.inode),
			 0);
	n = symbolizer__resolve(sym, NO_PID, addr, f, 8);
	assert_true(n >= 1);
	assert_non_null(f[n - 1].function);
	assert_non_null(strstr(f[n - 1].function, "strdup"));
	assert_non_null(strstr(f[0].module, "libc.so.6"));
	/* told twice: no second mapping, the same name */
	assert_int_equal(symbolizer__add_code(sym, NO_PID, libc.start, libc.end, libc.offset, dev,
					      libc.inode),
			 0);
	assert_int_equal(symbolizer__resolve(sym, NO_PID, addr, f, 8), n);
	/* an address outside it is in no mapping */
	assert_int_equal(symbolizer__resolve(sym, NO_PID, libc.end + 4096, f, 8), -ENOENT);
	proc_maps__free(&maps);
	symbolizer__free(sym);
}

/* The mapping lies over part of one the process had (the dynamic linker reserves a library's
 * span with its first segment, then maps the code over it): the old one is cut around it, and
 * addresses on either side stay in the old mapping */
static void cuts_what_it_lies_over(void **state)
{
	struct symbolizer_opts o = { .proc_root = "/proc" };
	struct symbolizer *sym = symbolizer__new(&o);
	struct proc_maps maps = {};
	struct proc_map libc;
	struct frame f[8];
	uint64_t addr = (uint64_t)(uintptr_t)&strdup + 1, mid;
	uint32_t dev;
	int n;

	(void)state;
	assert_non_null(sym);
	libc = libc_code(&maps, &dev);
	assert_int_equal(symbolizer__refresh(sym, getpid()), 0);
	/* first the whole code, then a page of it again over the middle: it names as before */
	assert_int_equal(symbolizer__add_code(sym, NO_PID, libc.start, libc.end, libc.offset, dev,
					      libc.inode),
			 0);
	mid = libc.start + ((libc.end - libc.start) / 2 & ~4095ULL);
	assert_int_equal(symbolizer__add_code(sym, NO_PID, mid, mid + 4096,
					      libc.offset + (mid - libc.start), dev, libc.inode),
			 0);
	n = symbolizer__resolve(sym, NO_PID, addr, f, 8);
	assert_true(n >= 1);
	assert_non_null(f[n - 1].function);
	assert_non_null(strstr(f[n - 1].function, "strdup"));
	assert_true(symbolizer__resolve(sym, NO_PID, mid + 16, f, 8) >= 1);
	assert_true(symbolizer__resolve(sym, NO_PID, mid + 4096 + 16, f, 8) >= 1);
	assert_true(symbolizer__resolve(sym, NO_PID, mid - 16, f, 8) >= 1);
	assert_int_equal(symbolizer__resolve(sym, NO_PID, libc.start - 1, f, 8), -ENOENT);
	proc_maps__free(&maps);
	symbolizer__free(sym);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_a_process_never_read),
		cmocka_unit_test(cuts_what_it_lies_over),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
