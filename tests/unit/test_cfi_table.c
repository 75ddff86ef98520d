// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of user/cfi_table.c: the rows built from this test's own .eh_frame for fixture
 * functions whose CFI is written out below (rsp- and rbp-based CFA, a DWARF-expression CFA,
 * an undefined return address, rules the BPF walk cannot follow), checked at every byte
 * offset; frameless detection on this executable and a small library built at test time (frame
 * pointers) and on the system libc (none); errors; and vaddr_delta against the PT_LOAD segment
 * and the mapping of /proc/self/maps. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
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
#include "symbols/cfi_table.h"
#include "symbols/elfsym.h"

#define SELF "/proc/self/exe"
#define LIBC "/lib/x86_64-linux-gnu/libc.so.6"

/* Fixture functions, never called. Four int3 bytes before and after each keep it apart from
 * its neighbours: they belong to no FDE, so the table has an UNWIND_UNKNOWN gap row on both
 * sides and each fixture's first row starts exactly at its first byte. */
__asm__("	.text\n"
	"	.p2align 4\n"
	"	.byte 0xcc, 0xcc, 0xcc, 0xcc\n"

	/* rsp-based CFA throughout, rbp and rbx saved, restored in the epilogue */
	"	.globl cfi_fixture_sp\n"
	"	.type cfi_fixture_sp, @function\n"
	"cfi_fixture_sp:\n"
	"	.cfi_startproc\n"
	"	push %rbp\n"
	"	.cfi_def_cfa_offset 16\n"
	"	.cfi_offset %rbp, -16\n"
	"	push %rbx\n"
	"	.cfi_def_cfa_offset 24\n"
	"	.cfi_offset %rbx, -24\n"
	"	sub $40, %rsp\n"
	"	.cfi_def_cfa_offset 64\n"
	"	nop\n"
	"	add $40, %rsp\n"
	"	.cfi_def_cfa_offset 24\n"
	"	pop %rbx\n"
	"	.cfi_restore %rbx\n"
	"	.cfi_def_cfa_offset 16\n"
	"	pop %rbp\n"
	"	.cfi_restore %rbp\n"
	"	.cfi_def_cfa_offset 8\n"
	"	ret\n"
	"	.cfi_endproc\n"
	"	.size cfi_fixture_sp, .-cfi_fixture_sp\n"
	"	.byte 0xcc, 0xcc, 0xcc, 0xcc\n"

	/* rbp-based CFA, gcc's style: leave switches back to rsp without restoring rbp's rule,
	 * so the CFI still says rbp is saved at CFA - 16 (true: the slot still holds it) */
	"	.globl cfi_fixture_fp\n"
	"	.type cfi_fixture_fp, @function\n"
	"cfi_fixture_fp:\n"
	"	.cfi_startproc\n"
	"	push %rbp\n"
	"	.cfi_def_cfa_offset 16\n"
	"	.cfi_offset %rbp, -16\n"
	"	mov %rsp, %rbp\n"
	"	.cfi_def_cfa_register %rbp\n"
	"	sub $32, %rsp\n"
	"	nop\n"
	"	leave\n"
	"	.cfi_def_cfa %rsp, 8\n"
	"	ret\n"
	"	.cfi_endproc\n"
	"	.size cfi_fixture_fp, .-cfi_fixture_fp\n"
	"	.byte 0xcc, 0xcc, 0xcc, 0xcc\n"

	/* CFA = *(rsp + 8) (DW_CFA_def_cfa_expression: DW_OP_breg7 8; DW_OP_deref) for one
	 * instruction, then back to rsp + 8 */
	"	.globl cfi_fixture_expr\n"
	"	.type cfi_fixture_expr, @function\n"
	"cfi_fixture_expr:\n"
	"	.cfi_startproc\n"
	"	nop\n"
	"	.cfi_escape 0x0f, 0x03, 0x77, 0x08, 0x06\n"
	"	nop\n"
	"	.cfi_def_cfa %rsp, 8\n"
	"	ret\n"
	"	.cfi_endproc\n"
	"	.size cfi_fixture_expr, .-cfi_fixture_expr\n"
	"	.byte 0xcc, 0xcc, 0xcc, 0xcc\n"

	/* the return address becomes undefined after the first instruction: outermost frame */
	"	.globl cfi_fixture_end\n"
	"	.type cfi_fixture_end, @function\n"
	"cfi_fixture_end:\n"
	"	.cfi_startproc\n"
	"	nop\n"
	"	.cfi_undefined %rip\n"
	"	nop\n"
	"	ud2\n"
	"	.cfi_endproc\n"
	"	.size cfi_fixture_end, .-cfi_fixture_end\n"
	"	.byte 0xcc, 0xcc, 0xcc, 0xcc\n"

	/* rules a row cannot express, one instruction each: rbp saved by a DW_CFA_expression
	 * ([rsp + 0]), the return address at CFA - 16, a CFA offset that is no multiple of 8,
	 * a CFA based on rbx; then a plain rsp + 8 again */
	"	.globl cfi_fixture_odd\n"
	"	.type cfi_fixture_odd, @function\n"
	"cfi_fixture_odd:\n"
	"	.cfi_startproc\n"
	"	nop\n"
	"	.cfi_escape 0x10, 0x06, 0x02, 0x77, 0x00\n"
	"	nop\n"
	"	.cfi_restore %rbp\n"
	"	.cfi_offset %rip, -16\n"
	"	nop\n"
	"	.cfi_offset %rip, -8\n"
	"	.cfi_def_cfa_offset 12\n"
	"	nop\n"
	"	.cfi_def_cfa %rbx, 8\n"
	"	nop\n"
	"	.cfi_def_cfa %rsp, 8\n"
	"	ret\n"
	"	.cfi_endproc\n"
	"	.size cfi_fixture_odd, .-cfi_fixture_odd\n"
	"	.byte 0xcc, 0xcc, 0xcc, 0xcc\n");

extern const uint8_t cfi_fixture_sp[], cfi_fixture_fp[], cfi_fixture_expr[], cfi_fixture_end[],
	cfi_fixture_odd[];

/* One instruction of a fixture: its encoding and the rule that holds at its first byte (and
 * on to the next instruction) */
struct insn_rule {
	const char *what;
	uint8_t bytes[4];
	size_t len;
	enum unwind_kind kind;
	unsigned int cfa_off; /* bytes */
	int rbp_slot;
};

#define RULE_SP(off, slot) UNWIND_CFA_SP, off, slot
#define RULE_FP(off, slot) UNWIND_CFA_FP, off, slot
#define RULE_UNKNOWN UNWIND_UNKNOWN, 0, 0
#define RULE_END UNWIND_END, 0, 0

static const struct insn_rule sp_rules[] = {
	{ "push %rbp", { 0x55 }, 1, RULE_SP(8, 0) },
	{ "push %rbx", { 0x53 }, 1, RULE_SP(16, -2) },
	{ "sub $40,%rsp", { 0x48, 0x83, 0xec, 0x28 }, 4, RULE_SP(24, -2) },
	{ "nop", { 0x90 }, 1, RULE_SP(64, -2) },
	{ "add $40,%rsp", { 0x48, 0x83, 0xc4, 0x28 }, 4, RULE_SP(64, -2) },
	{ "pop %rbx", { 0x5b }, 1, RULE_SP(24, -2) },
	{ "pop %rbp", { 0x5d }, 1, RULE_SP(16, -2) },
	{ "ret", { 0xc3 }, 1, RULE_SP(8, 0) },
};

static const struct insn_rule fp_rules[] = {
	{ "push %rbp", { 0x55 }, 1, RULE_SP(8, 0) },
	{ "mov %rsp,%rbp", { 0x48, 0x89, 0xe5 }, 3, RULE_SP(16, -2) },
	{ "sub $32,%rsp", { 0x48, 0x83, 0xec, 0x20 }, 4, RULE_FP(16, -2) },
	{ "nop", { 0x90 }, 1, RULE_FP(16, -2) },
	{ "leave", { 0xc9 }, 1, RULE_FP(16, -2) },
	{ "ret", { 0xc3 }, 1, RULE_SP(8, -2) },
};

static const struct insn_rule expr_rules[] = {
	{ "nop", { 0x90 }, 1, RULE_SP(8, 0) },
	{ "nop (CFA = *(rsp + 8))", { 0x90 }, 1, RULE_UNKNOWN },
	{ "ret", { 0xc3 }, 1, RULE_SP(8, 0) },
};

static const struct insn_rule end_rules[] = {
	{ "nop", { 0x90 }, 1, RULE_SP(8, 0) },
	{ "nop (return address undefined)", { 0x90 }, 1, RULE_END },
	{ "ud2", { 0x0f, 0x0b }, 2, RULE_END },
};

static const struct insn_rule odd_rules[] = {
	{ "nop", { 0x90 }, 1, RULE_SP(8, 0) },
	{ "nop (rbp by an expression)", { 0x90 }, 1, RULE_UNKNOWN },
	{ "nop (return address at CFA - 16)", { 0x90 }, 1, RULE_UNKNOWN },
	{ "nop (CFA = rsp + 12)", { 0x90 }, 1, RULE_UNKNOWN },
	{ "nop (CFA = rbx + 8)", { 0x90 }, 1, RULE_UNKNOWN },
	{ "ret", { 0xc3 }, 1, RULE_SP(8, 0) },
};

static bool same_expected(const struct insn_rule *a, const struct insn_rule *b)
{
	return a->kind == b->kind && a->cfa_off == b->cfa_off && a->rbp_slot == b->rbp_slot;
}

/* Check the fixture `name` (code at `code` in memory) instruction by instruction: its encoding
 * (so that the offsets are the ones the rules are written for), then at every byte offset the
 * row cfi_table__find gives: its start (consecutive instructions with the same rule share one
 * row, the first one starts at the function), kind, CFA offset and rbp slot; and the gap row
 * right after the function. */
static void check_fixture(const struct cfi_table *t, const struct elf_file *ef, const char *name,
			  const uint8_t *code, const struct insn_rule *rules, size_t n)
{
	uint64_t vaddr, size, off = 0, row_start = 0;
	const struct unwind_row *r;

	assert_int_equal(elf_file__find_func(ef, name, &vaddr, &size), 0);
	for (size_t i = 0; i < n; i++) {
		if (!i || !same_expected(&rules[i - 1], &rules[i]))
			row_start = off;
		assert_memory_equal(code + off, rules[i].bytes, rules[i].len);
		for (size_t b = 0; b < rules[i].len; b++) {
			r = cfi_table__find(t, vaddr + off + b);
			if (!r)
				fail_msg("%s+%" PRIu64 " (%s): no row", name, off + b,
					 rules[i].what);
			if (r->pc != vaddr + row_start || r->kind != rules[i].kind ||
			    r->cfa_off8 * 8u != rules[i].cfa_off ||
			    r->rbp_slot != rules[i].rbp_slot)
				fail_msg("%s+%" PRIu64 " (%s): row at +%" PRId64
					 " kind %u CFA +%u rbp_slot %d, expected row at +%" PRIu64
					 " kind %u CFA +%u rbp_slot %d",
					 name, off + b, rules[i].what,
					 (int64_t)r->pc - (int64_t)vaddr, r->kind, r->cfa_off8 * 8u,
					 r->rbp_slot, row_start, rules[i].kind, rules[i].cfa_off,
					 rules[i].rbp_slot);
		}
		off += rules[i].len;
	}
	assert_int_equal(size, off);
	/* the int3 padding around the function: no FDE, so an UNKNOWN gap row */
	r = cfi_table__find(t, vaddr + size);
	assert_non_null(r);
	assert_int_equal(r->pc, vaddr + size);
	assert_int_equal(r->kind, UNWIND_UNKNOWN);
	r = cfi_table__find(t, vaddr - 1);
	assert_non_null(r);
	assert_true(r->pc < vaddr);
	assert_int_equal(r->kind, UNWIND_UNKNOWN);
}

static void fixtures(void **state)
{
	struct cfi_table t;
	struct elf_file *ef;

	(void)state;
	assert_int_equal(cfi_table__build(SELF, &t), 0);
	ef = elf_file__open(SELF);
	assert_non_null(ef);
	check_fixture(&t, ef, "cfi_fixture_sp", cfi_fixture_sp, sp_rules,
		      sizeof(sp_rules) / sizeof(sp_rules[0]));
	check_fixture(&t, ef, "cfi_fixture_fp", cfi_fixture_fp, fp_rules,
		      sizeof(fp_rules) / sizeof(fp_rules[0]));
	check_fixture(&t, ef, "cfi_fixture_expr", cfi_fixture_expr, expr_rules,
		      sizeof(expr_rules) / sizeof(expr_rules[0]));
	check_fixture(&t, ef, "cfi_fixture_end", cfi_fixture_end, end_rules,
		      sizeof(end_rules) / sizeof(end_rules[0]));
	check_fixture(&t, ef, "cfi_fixture_odd", cfi_fixture_odd, odd_rules,
		      sizeof(odd_rules) / sizeof(odd_rules[0]));
	elf_file__free(ef);
	cfi_table__free(&t);
	assert_null(t.rows);
	assert_int_equal(t.cnt, 0);
}

static void check_sorted(const struct cfi_table *t)
{
	assert_true(t->cnt > 0);
	for (size_t i = 0; i < t->cnt; i++) {
		if (i && t->rows[i].pc <= t->rows[i - 1].pc)
			fail_msg("row %zu at %#x after row at %#x", i, t->rows[i].pc,
				 t->rows[i - 1].pc);
		if (t->rows[i].kind > UNWIND_END)
			fail_msg("row %zu at %#x: kind %u", i, t->rows[i].pc, t->rows[i].kind);
	}
}

/* The number of FDEs .eh_frame_hdr lists (its fde_count), read with gelf: the oracle for fdes */
static uint64_t hdr_fde_count(const char *path)
{
	uint64_t cnt = UINT64_MAX;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	Elf *elf;
	int fd;

	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	assert_int_equal(elf_getshdrstrndx(elf, &shstrndx), 0);
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		const uint8_t *p;
		uint32_t n;

		assert_non_null(gelf_getshdr(scn, &sh));
		if (strcmp(elf_strptr(elf, shstrndx, sh.sh_name), ".eh_frame_hdr"))
			continue;
		d = elf_getdata(scn, NULL);
		assert_non_null(d);
		assert_true(d->d_size >= 12);
		p = d->d_buf;
		/* version 1, eh_frame_ptr pcrel|sdata4, fde_count udata4, table datarel|sdata4 */
		assert_int_equal(p[0], 1);
		assert_int_equal(p[1], 0x1b);
		assert_int_equal(p[2], 0x03);
		assert_int_equal(p[3], 0x3b);
		memcpy(&n, p + 8, 4);
		cnt = n;
	}
	elf_end(elf);
	close(fd);
	assert_int_not_equal(cnt, UINT64_MAX);
	return cnt;
}

/* This executable is built with -fno-omit-frame-pointer (Makefile CFLAGS), so a frame-pointer
 * walk through it works: it must not be called frameless. */
static void frameless_self(void **state)
{
	struct cfi_table self;

	(void)state;
	assert_int_equal(cfi_table__build(SELF, &self), 0);
	check_sorted(&self);
	assert_int_equal(self.fdes, hdr_fde_count(SELF));
	assert_true(self.fdes_fp > 0);
	if (cfi_table__frameless(&self))
		fail_msg("%s built with frame pointers is called frameless: %zu FDEs, %zu with an "
			 "rbp-based CFA",
			 SELF, self.fdes, self.fdes_fp);
	cfi_table__free(&self);
}

/* A shared library built with frame pointers whose one function calls malloc through the PLT
 * (as tests/workloads/lib/sym_plugin.c): its FDEs are the C function (rbp-based CFA) and the
 * linker's .plt / .plt.got stubs. Every function of it keeps a frame pointer, so it is not
 * frameless. */
static void frameless_fp_library(void **state)
{
	static const char src[] = "#include <stdlib.h>\n"
				  "void *volatile sink[8];\n"
				  "__attribute__((noinline)) void lib_leak(void)\n"
				  "{\n"
				  "	for (int i = 0; i < 5; i++)\n"
				  "		sink[i] = malloc(3333);\n"
				  "}\n";
	char dir[] = "/tmp/test_cfi_table.XXXXXX", c_path[64], so_path[64], cmd[256];
	struct cfi_table t;
	uint64_t hdr_fdes;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(c_path, sizeof(c_path), "%s/lib.c", dir);
	snprintf(so_path, sizeof(so_path), "%s/lib.so", dir);
	f = fopen(c_path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(src, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	snprintf(cmd, sizeof(cmd), "cc -g -O2 -fno-omit-frame-pointer -shared -fPIC %s -o %s",
		 c_path, so_path);
	assert_int_equal(system(cmd), 0);

	assert_int_equal(cfi_table__build(so_path, &t), 0);
	hdr_fdes = hdr_fde_count(so_path);
	unlink(so_path);
	unlink(c_path);
	rmdir(dir);
	check_sorted(&t);
	assert_int_equal(t.fdes, hdr_fdes);
	assert_int_equal(t.fdes_fp, 1);
	if (cfi_table__frameless(&t))
		fail_msg("a library built with -fno-omit-frame-pointer is called frameless: "
			 "%zu FDEs (its PLT stubs counted as functions), %zu with an rbp-based CFA",
			 t.fdes, t.fdes_fp);
	cfi_table__free(&t);
}

/* The distribution's libc is built without frame pointers */
/* The bucket index the BPF walk searches finds the row cfi_table__find finds, at every row's
 * start, the bytes around it, each bucket's edges, before the first row and past the last */
static void check_index(const struct cfi_table *t)
{
	size_t n = cfi_index__cnt(t);
	struct unwind_row *idx = calloc(n, sizeof(*idx));
	uint32_t bucket0;

	assert_non_null(idx);
	assert_true(n >= 2);
	bucket0 = cfi_index__build(t, idx, n);
	assert_int_equal(bucket0, t->rows[0].pc >> PERFAN_UNWIND_BUCKET_SHIFT);
	assert_int_equal(idx[n - 1].pc, t->cnt);
	for (size_t i = 0; i < t->cnt; i++) {
		uint64_t pcs[] = { t->rows[i].pc - 1, t->rows[i].pc, t->rows[i].pc + 1 };

		for (size_t k = 0; k < 3; k++) {
			const struct unwind_row *want = cfi_table__find(t, pcs[k]);
			long got = cfi_index__find(t, idx, n, bucket0, pcs[k]);

			assert_int_equal(got, want ? want - t->rows : -1);
		}
	}
	for (size_t b = 0; b < n + 2; b++) {
		uint64_t start = (uint64_t)(bucket0 + b) << PERFAN_UNWIND_BUCKET_SHIFT;
		uint64_t pcs[] = { start - 1, start, start + 1 };

		for (size_t k = 0; k < 3; k++) {
			const struct unwind_row *want = cfi_table__find(t, pcs[k]);

			assert_int_equal(cfi_index__find(t, idx, n, bucket0, pcs[k]),
					 want ? want - t->rows : -1);
		}
	}
	assert_int_equal(cfi_index__find(t, idx, n, bucket0, 0), -1);
	assert_int_equal(cfi_index__find(t, idx, n, bucket0, UINT32_MAX), (long)t->cnt - 1);
	free(idx);
}

static void frameless_libc(void **state)
{
	struct cfi_table libc;

	(void)state;
	assert_int_equal(cfi_table__build(LIBC, &libc), 0);
	check_sorted(&libc);
	assert_true(libc.fdes > 1000);
	assert_int_equal(libc.fdes, hdr_fde_count(LIBC));
	assert_true(libc.fdes_fp * 2 < libc.fdes);
	assert_true(cfi_table__frameless(&libc));
	/* every row is found at its own start */
	for (size_t i = 0; i < libc.cnt; i++)
		assert_ptr_equal(cfi_table__find(&libc, libc.rows[i].pc), &libc.rows[i]);
	check_index(&libc);
	cfi_table__free(&libc);
	/* an empty table (as left by free) is not frameless */
	assert_false(cfi_table__frameless(&libc));
}

static void errors(void **state)
{
	static const char text[] = "not an ELF file, just some text\n";
	char path[] = "/tmp/test_cfi_table.XXXXXX";
	struct cfi_table t;
	int fd, err;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	memset(&t, 0xa5, sizeof(t));
	err = cfi_table__build(path, &t);
	unlink(path);
	assert_int_equal(err, -ENOEXEC);
	assert_null(t.rows);
	assert_int_equal(t.cnt, 0);

	memset(&t, 0xa5, sizeof(t));
	assert_int_equal(cfi_table__build("/nonexistent/dir/libnothing.so", &t), -ENOENT);
	assert_null(t.rows);
	assert_int_equal(t.cnt, 0);

	/* below the first row: NULL; at and after it: that row */
	assert_int_equal(cfi_table__build(SELF, &t), 0);
	assert_true(t.rows[0].pc > 0);
	assert_null(cfi_table__find(&t, 0));
	assert_null(cfi_table__find(&t, t.rows[0].pc - 1));
	assert_ptr_equal(cfi_table__find(&t, t.rows[0].pc), &t.rows[0]);
	assert_ptr_equal(cfi_table__find(&t, UINT64_MAX), &t.rows[t.cnt - 1]);
	check_index(&t);
	cfi_table__free(&t);
}

/* vaddr_delta of this executable, computed two independent ways: p_vaddr - p_offset of the
 * PT_LOAD segment holding a fixture's code (gelf), and the r-x mapping of /proc/self/maps
 * holding the same code (start - file offset - load bias, the bias being the fixture's runtime
 * address minus its ELF address). */
static void vaddr_delta(void **state)
{
	uint64_t vaddr, size, bias;
	int64_t want = 0, mapped = 0;
	bool found = false;
	struct cfi_table t;
	struct elf_file *ef;
	char line[512];
	size_t n;
	FILE *f;
	Elf *elf;
	int fd;

	(void)state;
	ef = elf_file__open(SELF);
	assert_non_null(ef);
	assert_int_equal(elf_file__find_func(ef, "cfi_fixture_sp", &vaddr, &size), 0);
	elf_file__free(ef);

	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	fd = open(SELF, O_RDONLY);
	assert_true(fd >= 0);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	assert_int_equal(elf_getphdrnum(elf, &n), 0);
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		assert_non_null(gelf_getphdr(elf, (int)i, &ph));
		if (ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr &&
		    vaddr < ph.p_vaddr + ph.p_filesz) {
			assert_true(ph.p_flags & PF_X);
			assert_false(found);
			want = (int64_t)ph.p_vaddr - (int64_t)ph.p_offset;
			found = true;
		}
	}
	elf_end(elf);
	close(fd);
	assert_true(found);

	bias = (uint64_t)(uintptr_t)cfi_fixture_sp - vaddr;
	f = fopen("/proc/self/maps", "r");
	assert_non_null(f);
	found = false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end, off;

		if (sscanf(line, "%lx-%lx %*s %lx", &start, &end, &off) == 3 &&
		    (uintptr_t)cfi_fixture_sp >= start && (uintptr_t)cfi_fixture_sp < end) {
			mapped = (int64_t)(start - off - bias);
			found = true;
		}
	}
	fclose(f);
	assert_true(found);
	assert_int_equal(mapped, want);

	assert_int_equal(cfi_table__build(SELF, &t), 0);
	assert_int_equal(t.vaddr_delta, want);
	cfi_table__free(&t);
}

/* Build src (C) in dir with `flags` into dir/name; the output's path in out */
static void build_c(const char *dir, const char *name, const char *src, const char *flags,
		    char *out, size_t out_len)
{
	char c_path[PATH_MAX], cmd[3 * PATH_MAX];
	FILE *f;

	snprintf(c_path, sizeof(c_path), "%s/%s.c", dir, name);
	snprintf(out, out_len, "%s/%s", dir, name);
	f = fopen(c_path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(src, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	snprintf(cmd, sizeof(cmd), "cc -g -O2 %s %s -o %s", flags, c_path, out);
	assert_int_equal(system(cmd), 0);
	unlink(c_path);
}

/* A static binary has no .eh_frame_hdr (GCC's -static leaves it out): the function starts come
 * from .eh_frame itself, and give the very rows the same program linked with the header has */
static void static_without_hdr(void **state)
{
	static const char src[] = "#include <stdlib.h>\n#include <string.h>\n"
				  "__attribute__((noinline)) char *dup(const char *s)\n"
				  "{ return strdup(s); }\n"
				  "int main(int c, char **v) { free(dup(v[0])); return c > 5; }\n";
	char dir[] = "/tmp/test_cfi_static.XXXXXX", plain[PATH_MAX], with_hdr[PATH_MAX];
	struct cfi_table a, b;
	struct elf_file *ef;
	struct cfi_fde *fdes;
	size_t n;
	uint64_t va, size;

	(void)state;
	assert_non_null(mkdtemp(dir));
	build_c(dir, "plain", src, "-static", plain, sizeof(plain));
	build_c(dir, "hdr", src, "-static -Wl,--eh-frame-hdr", with_hdr, sizeof(with_hdr));

	ef = elf_file__open(plain);
	assert_non_null(ef);
	assert_false(elf_file__has_section(ef, ".eh_frame_hdr"));
	assert_true(elf_file__has_section(ef, ".eh_frame"));
	/* every FDE, read from .eh_frame: as many as the other build's header lists, sorted and
	 * apart, one of them exactly the bounds of dup() */
	assert_int_equal(cfi_fdes__read(ef, &fdes, &n), 0);
	assert_int_equal(n, hdr_fde_count(with_hdr));
	assert_true(n > 1000); /* glibc's functions are in it */
	for (size_t i = 1; i < n; i++)
		assert_true(fdes[i - 1].hi <= fdes[i].lo);
	assert_int_equal(elf_file__find_func(ef, "dup", &va, &size), 0);
	assert_non_null(cfi_fdes__find(fdes, n, va + size - 1));
	assert_int_equal(cfi_fdes__find(fdes, n, va)->lo, va);
	assert_int_equal(cfi_fdes__find(fdes, n, va)->hi, va + size);
	free(fdes);
	elf_file__free(ef);

	assert_int_equal(cfi_table__build(plain, &a), 0);
	assert_int_equal(cfi_table__build(with_hdr, &b), 0);
	unlink(plain);
	unlink(with_hdr);
	rmdir(dir);
	check_sorted(&a);
	assert_int_equal(a.fdes, b.fdes);
	assert_int_equal(a.fdes_framed, b.fdes_framed);
	assert_int_equal(a.fdes_fp, b.fdes_fp);
	assert_int_equal(a.vaddr_delta, b.vaddr_delta);
	assert_int_equal(a.cnt, b.cnt);
	assert_memory_equal(a.rows, b.rows, a.cnt * sizeof(*a.rows));
	cfi_table__free(&a);
	cfi_table__free(&b);
}

/* The FDEs of this executable, read from .eh_frame, match its .eh_frame_hdr and the fixtures'
 * symbol bounds; an address in the int3 gap between fixtures is in none */
static void fdes_self(void **state)
{
	static const char *const names[] = { "cfi_fixture_sp", "cfi_fixture_fp" };
	struct elf_file *ef = elf_file__open(SELF);
	struct cfi_fde *fdes;
	size_t n;

	(void)state;
	assert_non_null(ef);
	assert_int_equal(cfi_fdes__read(ef, &fdes, &n), 0);
	assert_int_equal(n, hdr_fde_count(SELF));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct cfi_fde *f;
		uint64_t va, size;

		assert_int_equal(elf_file__find_func(ef, names[i], &va, &size), 0);
		f = cfi_fdes__find(fdes, n, va);
		assert_non_null(f);
		assert_int_equal(f->lo, va);
		assert_int_equal(f->hi, va + size);
		assert_null(cfi_fdes__find(fdes, n, va - 1));
		assert_null(cfi_fdes__find(fdes, n, va + size));
	}
	assert_null(cfi_fdes__find(fdes, 0, 0));
	free(fdes);
	elf_file__free(ef);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fixtures),
		cmocka_unit_test(frameless_self),
		cmocka_unit_test(frameless_libc),
		cmocka_unit_test(frameless_fp_library),
		cmocka_unit_test(errors),
		cmocka_unit_test(vaddr_delta),
		cmocka_unit_test(static_without_hdr),
		cmocka_unit_test(fdes_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
