// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of self_untrap.h without a uprobe: a file of our own mapped executable and
 * private, a breakpoint byte written into our copy as the kernel writes a uprobe's, and the
 * file's byte put back there; a byte that is int3 in the file too, an offset we do not map,
 * and a file we do not map are left alone. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>
#include "probe/self_untrap.h"

#define PAGE 4096

static char path[] = "/tmp/perfan-self-untrap.XXXXXX";

static void test_untrap(void **state)
{
	uint8_t content[2 * PAGE];
	volatile uint8_t *code;
	uint64_t offs[4];
	int fd;

	(void)state;
	for (size_t i = 0; i < sizeof(content); i++)
		content[i] = (uint8_t)(0x90 + i % 7); /* never 0xcc */
	content[PAGE + 5] = 0xcc;		      /* an int3 of the file's own */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, sizeof(content)), sizeof(content));
	/* the second page only, as the dynamic linker maps a library's code at its offset */
	code = mmap(NULL, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE, fd, PAGE);
	assert_true(code != MAP_FAILED);
	/* what a uprobe leaves in our copy: the kernel writes int3 over an instruction's start */
	code[16] = 0xcc;
	code[100] = 0xcc;
	assert_int_equal(mprotect((void *)code, PAGE, PROT_READ | PROT_EXEC), 0);

	offs[0] = PAGE + 16;  /* a breakpoint: goes */
	offs[1] = PAGE + 5;   /* the file's own int3: stays */
	offs[2] = PAGE + 200; /* no breakpoint: nothing to do */
	offs[3] = 16;	      /* the first page: we do not map it */
	assert_int_equal(self_untrap__file(path, offs, 4), 1);
	assert_int_equal(code[16], content[PAGE + 16]);
	assert_int_equal(code[5], 0xcc);
	assert_int_equal(code[200], content[PAGE + 200]);
	assert_int_equal(code[100], 0xcc); /* not asked for: stays */
	/* again: nothing left to do */
	assert_int_equal(self_untrap__file(path, offs, 4), 0);
	offs[0] = PAGE + 100;
	assert_int_equal(self_untrap__file(path, offs, 1), 1);
	assert_int_equal(code[100], content[PAGE + 100]);

	munmap((void *)code, PAGE);
	/* not mapped at all: nothing; no such file: its errno */
	assert_int_equal(self_untrap__file(path, offs, 1), 0);
	close(fd);
	unlink(path);
	assert_int_equal(self_untrap__file(path, offs, 1), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_untrap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
