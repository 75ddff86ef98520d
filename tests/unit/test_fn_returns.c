// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of user/probe/fn_returns.c on a small library assembled at test time and
 * stripped (its local function has no symbol: the FDE bounds it): returns of a function and of
 * the local function it tail-jumps to by a jcc, of a function tail-jumping through the PLT to
 * an exported function of the same file, and the refusals: a tail call through a GOT pointer,
 * through the PLT to another module, a function without bounds. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "probe/fn_returns.h"
#include "symbols/cfi_table.h"
#include "symbols/elfsym.h"

static const char src[] =
	"	.text\n"
	"	.globl f_tail\n"
	"	.type f_tail, @function\n"
	"f_tail:\n"
	"	.cfi_startproc\n"
	"	test %edi, %edi\n"
	"	jne helper\n" /* a conditional tail call to a local function */
	"	mov $1, %eax\n"
	"	ret\n"
	"	.cfi_endproc\n"
	"	.size f_tail, .-f_tail\n"
	"	.type helper, @function\n"
	"helper:\n"
	"	.cfi_startproc\n"
	"	lea 1(%rdi), %eax\n"
	"	cmp $5, %eax\n"
	"	ja 1f\n"
	"	ret\n"
	"1:	rep ret\n"
	"	.cfi_endproc\n"
	"	.size helper, .-helper\n"
	"	.globl f_plt\n"
	"	.type f_plt, @function\n"
	"f_plt:\n"
	"	.cfi_startproc\n"
	"	jmp exported@PLT\n" /* the file's own exported function, through its PLT */
	"	.cfi_endproc\n"
	"	.size f_plt, .-f_plt\n"
	"	.globl exported\n"
	"	.type exported, @function\n"
	"exported:\n"
	"	.cfi_startproc\n"
	"	mov %edi, %eax\n"
	"	ret $0\n"
	"	.cfi_endproc\n"
	"	.size exported, .-exported\n"
	"	.globl f_ptr\n"
	"	.type f_ptr, @function\n"
	"f_ptr:\n"
	"	.cfi_startproc\n"
	"	jmp *exported@GOTPCREL(%rip)\n" /* through a pointer: not followed */
	"	.cfi_endproc\n"
	"	.size f_ptr, .-f_ptr\n"
	"	.globl f_ext\n"
	"	.type f_ext, @function\n"
	"f_ext:\n"
	"	.cfi_startproc\n"
	"	jmp malloc@PLT\n" /* another module's function */
	"	.cfi_endproc\n"
	"	.size f_ext, .-f_ext\n"
	"	.section .note.GNU-stack,\"\",@progbits\n";

static char lib[PATH_MAX];
static struct elf_file *ef;
static struct cfi_fde *fdes;
static size_t fde_cnt;

static int setup(void **state)
{
	char dir[] = "/tmp/test_fn_returns.XXXXXX", s_path[PATH_MAX], cmd[4 * PATH_MAX];
	FILE *f;

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(s_path, sizeof(s_path), "%s/lib.s", dir);
	snprintf(lib, sizeof(lib), "%s/lib.so", dir);
	f = fopen(s_path, "w");
	if (!f || fputs(src, f) < 0 || fclose(f))
		return -1;
	snprintf(cmd, sizeof(cmd), "cc -shared -nostdlib %s -o %s && strip %s", s_path, lib, lib);
	if (system(cmd))
		return -1;
	unlink(s_path);
	ef = elf_file__open(lib);
	if (!ef || cfi_fdes__read(ef, &fdes, &fde_cnt))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char dir[PATH_MAX];

	(void)state;
	free(fdes);
	elf_file__free(ef);
	unlink(lib);
	snprintf(dir, sizeof(dir), "%s", lib);
	*strrchr(dir, '/') = '\0';
	rmdir(dir);
	return 0;
}

/* The bytes at a vaddr of the library */
static void read_at(uint64_t vaddr, uint8_t *buf, size_t len)
{
	uint64_t off;

	assert_int_equal(elf_file__vaddr_to_off(ef, vaddr, &off), 0);
	assert_int_equal(elf_file__read(ef, off, buf, len), 0);
}

static void find(const char *name, struct fn_returns *r, int want_err)
{
	uint64_t va, size;

	assert_int_equal(elf_file__find_func(ef, name, &va, &size), 0);
	assert_int_equal(fn_returns__find(ef, fdes, fde_cnt, va, size, r), want_err);
}

static void tail_jcc_to_local(void **state)
{
	struct fn_returns r;
	uint64_t va, size;
	uint8_t b[2];

	(void)state;
	assert_false(elf_file__has_symtab(ef)); /* helper is known by its FDE only */
	find("f_tail", &r, 0);
	assert_int_equal(elf_file__find_func(ef, "f_tail", &va, &size), 0);
	assert_int_equal(r.regions, 2);
	assert_int_equal(r.cnt, 3);
	/* f_tail's own ret: its last byte */
	assert_int_equal(r.vaddrs[0], va + size - 1);
	read_at(r.vaddrs[0], b, 1);
	assert_int_equal(b[0], 0xc3);
	/* helper's ret and rep ret, after f_tail */
	assert_true(r.vaddrs[1] >= va + size && r.vaddrs[2] == r.vaddrs[1] + 1);
	read_at(r.vaddrs[1], b, 2);
	assert_int_equal(b[0], 0xc3);
	assert_int_equal(b[1], 0xf3);
}

static void tail_through_own_plt(void **state)
{
	struct fn_returns r;
	uint64_t va, size;
	uint8_t b[3];

	(void)state;
	find("f_plt", &r, 0);
	assert_int_equal(elf_file__find_func(ef, "exported", &va, &size), 0);
	assert_int_equal(r.regions, 2);
	assert_int_equal(r.cnt, 1);
	assert_int_equal(r.vaddrs[0], va + 2); /* mov(2), then ret $0 */
	read_at(r.vaddrs[0], b, 3);
	assert_int_equal(b[0], 0xc2);
}

static void refused(void **state)
{
	struct fn_returns r;

	(void)state;
	find("f_ptr", &r, -ENOENT);
	assert_non_null(strstr(r.why, "through a pointer"));
	find("f_ext", &r, -ENOENT);
	assert_non_null(strstr(r.why, "another module"));
	/* no symbol size and no FDE starting there: no bounds */
	assert_int_equal(fn_returns__find(ef, NULL, 0, 0x10, 0, &r), -ENOENT);
	assert_non_null(strstr(r.why, "no bounds"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tail_jcc_to_local),
		cmocka_unit_test(tail_through_own_plt),
		cmocka_unit_test(refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
