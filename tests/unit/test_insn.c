// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of insn.h: probe offsets for x86-64 function prologues built byte by byte from
 * their encodings (each with its assembly), the back-branch guard, the unknown-size fallback,
 * which single instructions the kernel emulates, and the timing placement (INSN_KEEP_FRAME),
 * which also skips register writes other than %rsp's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "target/insn.h"

/* int3 as filler: not an opcode the branch scan can mistake for a jump */
#define FILL 0xcc

struct func {
	uint8_t code[256];
	size_t size;
};

static void func_init(struct func *f, size_t size, const uint8_t *head, size_t head_len)
{
	assert_true(size <= sizeof(f->code));
	memset(f->code, FILL, sizeof(f->code));
	memcpy(f->code, head, head_len);
	f->size = size;
}

static void func_put(struct func *f, size_t at, const uint8_t *insn, size_t len)
{
	assert_true(at + len <= sizeof(f->code));
	memcpy(f->code + at, insn, len);
}

static size_t probe(const struct func *f)
{
	return insn__probe_offset(f->code, f->size, f->size);
}

/* glibc 2.36 __libc_free, shortened to 0xc9 bytes:
 *    0: 48 85 ff           test   %rdi,%rdi
 *    3: 0f 84 bf 00 00 00  je     0xc8
 *    9: 55                 push   %rbp
 *    a: 53                 push   %rbx
 *    b: int3 ...
 *   c8: c3                 ret */
static const uint8_t free_head[] = { 0x48, 0x85, 0xff, 0x0f, 0x84, 0xbf,
				     0x00, 0x00, 0x00, 0x55, 0x53 };

static void free_func(struct func *f)
{
	static const uint8_t ret[] = { 0xc3 };

	func_init(f, 0xc9, free_head, sizeof(free_head));
	func_put(f, 0xc8, ret, sizeof(ret));
}

static void test_free_prologue(void **state)
{
	struct func f;
	(void)state;

	free_func(&f);
	/* the je after the flags-only test: %rdi, %rsp and (%rsp) are still the entry's */
	assert_int_equal(probe(&f), 3);
	assert_true(insn__is_emulated(f.code + 3, f.size - 3));
}

static void test_free_branch_to_probe(void **state)
{
	/*   20: eb e1              jmp    0x3 */
	static const uint8_t jmp_to_3[] = { 0xeb, 0xe1 };
	/*   20: eb e0              jmp    0x2   (into the middle of the test) */
	static const uint8_t jmp_to_2[] = { 0xeb, 0xe0 };
	/*   20: eb df              jmp    0x1 */
	static const uint8_t jmp_to_1[] = { 0xeb, 0xdf };
	/*   30: 75 d1              jne    0x3 */
	static const uint8_t jne8_to_3[] = { 0x75, 0xd1 };
	/*   40: 0f 85 bd ff ff ff  jne    0x3 */
	static const uint8_t jne32_to_3[] = { 0x0f, 0x85, 0xbd, 0xff, 0xff, 0xff };
	/*   60: e9 9e ff ff ff     jmp    0x3 */
	static const uint8_t jmp32_to_3[] = { 0xe9, 0x9e, 0xff, 0xff, 0xff };
	/*   60: e8 9d ff ff ff     call   0x2 */
	static const uint8_t call_to_2[] = { 0xe8, 0x9d, 0xff, 0xff, 0xff };
	static const struct {
		size_t at;
		const uint8_t *insn;
		size_t len;
	} cases[] = {
		{ 0x20, jmp_to_3, sizeof(jmp_to_3) },	  { 0x20, jmp_to_2, sizeof(jmp_to_2) },
		{ 0x20, jmp_to_1, sizeof(jmp_to_1) },	  { 0x30, jne8_to_3, sizeof(jne8_to_3) },
		{ 0x40, jne32_to_3, sizeof(jne32_to_3) }, { 0x60, jmp32_to_3, sizeof(jmp32_to_3) },
		{ 0x60, call_to_2, sizeof(call_to_2) },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct func f;

		free_func(&f);
		func_put(&f, cases[i].at, cases[i].insn, cases[i].len);
		if (probe(&f) != 0)
			fail_msg("case %zu: a branch lands on a skipped byte, probe must be at 0",
				 i);
	}
}

static void test_free_branch_elsewhere(void **state)
{
	/*   20: eb e7              jmp    0x9   (after the probed je: harmless) */
	static const uint8_t jmp_to_9[] = { 0xeb, 0xe7 };
	/*   d0: e9 2e ff ff ff     jmp    0x3   (past the end of the function: not its code) */
	static const uint8_t jmp_to_3_outside[] = { 0xe9, 0x2e, 0xff, 0xff, 0xff };
	struct func f;
	(void)state;

	free_func(&f);
	func_put(&f, 0x20, jmp_to_9, sizeof(jmp_to_9));
	assert_int_equal(probe(&f), 3);

	free_func(&f);
	func_put(&f, 0xd0, jmp_to_3_outside, sizeof(jmp_to_3_outside));
	/* only the function's 0xc9 bytes are scanned, though 0xd5 are given */
	assert_int_equal(insn__probe_offset(f.code, 0xd5, 0xc9), 3);
	assert_int_equal(insn__probe_offset(f.code, 0xd5, 0xd5), 0);
}

static void test_malloc_prologue(void **state)
{
	/*    0: 41 54              push   %r12
	 *    2: 55                 push   %rbp
	 *    3: 53                 push   %rbx */
	static const uint8_t head[] = { 0x41, 0x54, 0x55, 0x53 };
	struct func f;
	(void)state;

	func_init(&f, 0x40, head, sizeof(head));
	assert_int_equal(probe(&f), 0);
	assert_int_equal(insn__probe_offset(f.code, f.size, 0), 0);
}

static void test_cmpb_rip_then_push(void **state)
{
	/*    0: 80 3d 92 a4 13 00 00  cmpb   $0x0,0x13a492(%rip)
	 *    7: 41 54                 push   %r12 */
	static const uint8_t head[] = { 0x80, 0x3d, 0x92, 0xa4, 0x13, 0x00, 0x00, 0x41, 0x54 };
	struct func f;
	(void)state;

	func_init(&f, 0x40, head, sizeof(head));
	assert_int_equal(probe(&f), 7);
}

static void test_flags_only_forms(void **state)
{
	/*    0: 48 39 f7              cmp    %rsi,%rdi
	 *    3: 7e 10                 jle    0x15 */
	static const uint8_t cmp_rr[] = { 0x48, 0x39, 0xf7, 0x7e, 0x10 };
	/*    0: 48 83 ff 00           cmp    $0x0,%rdi
	 *    4: 74 20                 je     0x26 */
	static const uint8_t cmp_imm8[] = { 0x48, 0x83, 0xff, 0x00, 0x74, 0x20 };
	/*    0: 48 81 fe 00 10 00 00  cmp    $0x1000,%rsi
	 *    7: 0f 87 20 00 00 00     ja     0x2d */
	static const uint8_t cmp_imm32[] = { 0x48, 0x81, 0xfe, 0x00, 0x10, 0x00, 0x00,
					     0x0f, 0x87, 0x20, 0x00, 0x00, 0x00 };
	/*    0: 84 d2                 test   %dl,%dl
	 *    2: 90                    nop */
	static const uint8_t test8[] = { 0x84, 0xd2, 0x90 };
	/*    0: 45 85 c0              test   %r8d,%r8d
	 *    3: e8 20 00 00 00        call   0x28 */
	static const uint8_t test_r8[] = { 0x45, 0x85, 0xc0, 0xe8, 0x20, 0x00, 0x00, 0x00 };
	static const struct {
		const uint8_t *head;
		size_t len;
		size_t expect;
	} cases[] = {
		{ cmp_rr, sizeof(cmp_rr), 3 },	     { cmp_imm8, sizeof(cmp_imm8), 4 },
		{ cmp_imm32, sizeof(cmp_imm32), 7 }, { test8, sizeof(test8), 2 },
		{ test_r8, sizeof(test_r8), 3 },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct func f;
		size_t got;

		func_init(&f, 0x40, cases[i].head, cases[i].len);
		got = probe(&f);
		if (got != cases[i].expect)
			fail_msg("case %zu: probe at %zu, expected %zu", i, got, cases[i].expect);
	}
}

static void test_endbr64(void **state)
{
	/*    0: f3 0f 1e fa           endbr64
	 *    4: 55                    push   %rbp */
	static const uint8_t endbr_push[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x55 };
	/*    0: f3 0f 1e fa           endbr64
	 *    4: 48 85 ff              test   %rdi,%rdi
	 *    7: 74 10                 je     0x19 */
	static const uint8_t endbr_test_je[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x48,
						 0x85, 0xff, 0x74, 0x10 };
	struct func f;
	(void)state;

	func_init(&f, 0x40, endbr_push, sizeof(endbr_push));
	assert_int_equal(probe(&f), 4);
	func_init(&f, 0x40, endbr_test_je, sizeof(endbr_test_je));
	assert_int_equal(probe(&f), 7);
}

static void test_not_skipped(void **state)
{
	/*    0: 48 89 f8              mov    %rdi,%rax
	 *    3: 55                    push   %rbp */
	static const uint8_t mov_first[] = { 0x48, 0x89, 0xf8, 0x55 };
	/*    0: 48 89 c7              mov    %rax,%rdi   (writes the first argument) */
	static const uint8_t mov_to_rdi[] = { 0x48, 0x89, 0xc7, 0x55 };
	/*    0: 48 85 ff              test   %rdi,%rdi
	 *    3: 48 89 fe              mov    %rdi,%rsi   (writes the second argument)
	 *    6: 55                    push   %rbp */
	static const uint8_t test_then_mov[] = { 0x48, 0x85, 0xff, 0x48, 0x89, 0xfe, 0x55 };
	/*    0: 31 f6                 xor    %esi,%esi
	 *    2: 55                    push   %rbp */
	static const uint8_t xor_esi[] = { 0x31, 0xf6, 0x55 };
	/*    0: 83 c7 01              add    $0x1,%edi   (the cmp opcode group, /0 = add)
	 *    3: 55                    push   %rbp */
	static const uint8_t add_edi[] = { 0x83, 0xc7, 0x01, 0x55 };
	/*    0: 80 7f 08 00           cmpb   $0x0,0x8(%rdi)   (may fault: not only flags)
	 *    4: 55                    push   %rbp */
	static const uint8_t cmpb_mem[] = { 0x80, 0x7f, 0x08, 0x00, 0x55 };
	/*    0: 48 39 07              cmp    %rax,(%rdi)
	 *    3: 55                    push   %rbp */
	static const uint8_t cmp_mem[] = { 0x48, 0x39, 0x07, 0x55 };
	/*    0: 48 85 ff              test   %rdi,%rdi
	 *    3: c3                    ret   (not emulated) */
	static const uint8_t test_ret[] = { 0x48, 0x85, 0xff, 0xc3 };
	static const struct {
		const uint8_t *head;
		size_t len;
	} cases[] = {
		{ mov_first, sizeof(mov_first) },
		{ mov_to_rdi, sizeof(mov_to_rdi) },
		{ test_then_mov, sizeof(test_then_mov) },
		{ xor_esi, sizeof(xor_esi) },
		{ add_edi, sizeof(add_edi) },
		{ cmpb_mem, sizeof(cmpb_mem) },
		{ cmp_mem, sizeof(cmp_mem) },
		{ test_ret, sizeof(test_ret) },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct func f;
		size_t got;

		func_init(&f, 0x40, cases[i].head, cases[i].len);
		got = probe(&f);
		if (got != 0)
			fail_msg("case %zu: probe at %zu, expected the entry", i, got);
	}
}

static void test_unknown_size(void **state)
{
	/*    0: f3 0f 1e fa           endbr64
	 *    4: 55                    push   %rbp */
	static const uint8_t endbr_push[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x55 };
	static const uint8_t cmpb_push[] = { 0x80, 0x3d, 0x92, 0xa4, 0x13, 0x00, 0x00, 0x41, 0x54 };
	struct func f;
	(void)state;

	/* size 0: a back branch cannot be ruled out, so no skip */
	free_func(&f);
	assert_int_equal(insn__probe_offset(f.code, f.size, 0), 0);
	func_init(&f, 0x40, endbr_push, sizeof(endbr_push));
	assert_int_equal(insn__probe_offset(f.code, f.size, 0), 0);
	func_init(&f, 0x40, cmpb_push, sizeof(cmpb_push));
	assert_int_equal(insn__probe_offset(f.code, f.size, 0), 0);
	/* fewer bytes than the function holds: the same */
	free_func(&f);
	assert_int_equal(insn__probe_offset(f.code, 0x10, f.size), 0);
	assert_int_equal(insn__probe_offset(f.code, f.size, f.size), 3);
}

static void test_is_emulated(void **state)
{
	static const struct {
		uint8_t code[8];
		size_t len;
		int emulated;
		const char *what;
	} cases[] = {
		{ { 0x55 }, 1, 1, "push %rbp" },
		{ { 0x50 }, 1, 1, "push %rax" },
		{ { 0x57 }, 1, 1, "push %rdi" },
		{ { 0x41, 0x54 }, 2, 1, "push %r12" },
		{ { 0x41, 0x57 }, 2, 1, "push %r15" },
		{ { 0x74, 0x05 }, 2, 1, "je rel8" },
		{ { 0x7f, 0xf0 }, 2, 1, "jg rel8" },
		{ { 0x0f, 0x84, 0xbf, 0x00, 0x00, 0x00 }, 6, 1, "je rel32" },
		{ { 0xeb, 0x05 }, 2, 1, "jmp rel8" },
		{ { 0xe9, 0x00, 0x01, 0x00, 0x00 }, 5, 1, "jmp rel32" },
		{ { 0xe8, 0x00, 0x01, 0x00, 0x00 }, 5, 1, "call rel32" },
		{ { 0x90 }, 1, 1, "nop" },
		{ { 0x48, 0x85, 0xff }, 3, 0, "test %rdi,%rdi" },
		{ { 0x48, 0x39, 0xf7 }, 3, 0, "cmp %rsi,%rdi" },
		{ { 0x48, 0x89, 0xe5 }, 3, 0, "mov %rsp,%rbp" },
		{ { 0x48, 0x8d, 0x77, 0xf0 }, 4, 0, "lea -0x10(%rdi),%rsi" },
		{ { 0xf3, 0x0f, 0x1e, 0xfa }, 4, 0, "endbr64" },
		{ { 0xc3 }, 1, 0, "ret" },
		{ { 0x5d }, 1, 0, "pop %rbp" },
		{ { 0xff, 0x25, 0x00, 0x10, 0x00, 0x00 }, 6, 0, "jmp *0x1000(%rip)" },
		/* the kernel takes only 0x41 as a push's REX prefix (push_setup_xol_ops) */
		{ { 0x40, 0x55 }, 2, 0, "rex push %rbp" },
		/* cut short: not decodable */
		{ { 0xe8, 0x00, 0x01 }, 3, 0, "call rel32, 3 of 5 bytes" },
		{ { 0x0f, 0x84, 0xbf, 0x00 }, 4, 0, "je rel32, 4 of 6 bytes" },
		{ { 0x41 }, 1, 0, "push %r12, 1 of 2 bytes" },
		{ { 0x55 }, 0, 0, "nothing" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = insn__is_emulated(cases[i].code, cases[i].len) != 0;

		if (got != cases[i].emulated)
			fail_msg("%s: emulated %d, expected %d", cases[i].what, got,
				 cases[i].emulated);
	}
}

static size_t place_frame(const struct func *f)
{
	return insn__place(f->code, f->size, f->size, INSN_KEEP_FRAME);
}

/* A function of `size` bytes: head, int3 filler, a ret at the end (so that it decodes) */
static void frame_func(struct func *f, size_t size, const uint8_t *head, size_t head_len)
{
	static const uint8_t ret[] = { 0xc3 };

	func_init(f, size, head, head_len);
	func_put(f, size - 1, ret, sizeof(ret));
}

static void test_frame_skips_register_writes(void **state)
{
	/*    0: 48 89 f8              mov    %rdi,%rax
	 *    3: 55                    push   %rbp */
	static const uint8_t mov_push[] = { 0x48, 0x89, 0xf8, 0x55 };
	/*    0: 41 89 fc              mov    %edi,%r12d
	 *    3: b8 01 00 00 00        mov    $0x1,%eax
	 *    8: 31 f6                 xor    %esi,%esi
	 *    a: 48 8d 57 10           lea    0x10(%rdi),%rdx
	 *    e: 41 55                 push   %r13 */
	static const uint8_t several[] = { 0x41, 0x89, 0xfc, 0xb8, 0x01, 0x00, 0x00, 0x00,
					   0x31, 0xf6, 0x48, 0x8d, 0x57, 0x10, 0x41, 0x55 };
	/*    0: 64 48 8b 04 25 28 00 00 00  mov %fs:0x28,%rax   (the stack protector's load)
	 *    9: 48 8b 17              mov    (%rdi),%rdx
	 *    c: 0f b6 4e 01           movzbl 0x1(%rsi),%ecx
	 *   10: 85 d2                 test   %edx,%edx
	 *   12: 74 20                 je     0x34 */
	static const uint8_t loads_je[] = { 0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0x00,
					    0x00, 0x00, 0x48, 0x8b, 0x17, 0x0f, 0xb6,
					    0x4e, 0x01, 0x85, 0xd2, 0x74, 0x20 };
	/*    0: f3 0f 1e fa           endbr64
	 *    4: 66 0f 6f 07           movdqa (%rdi),%xmm0
	 *    8: 48 c1 e6 04           shl    $0x4,%rsi
	 *    c: 0f 1f 40 00           nopl   0x0(%rax)
	 *   10: e9 00 01 00 00        jmp    0x115   (a tail call) */
	static const uint8_t sse_jmp[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x66, 0x0f, 0x6f,
					   0x07, 0x48, 0xc1, 0xe6, 0x04, 0x0f, 0x1f,
					   0x40, 0x00, 0xe9, 0x00, 0x01, 0x00, 0x00 };
	static const struct {
		const uint8_t *head;
		size_t len;
		size_t expect;
	} cases[] = {
		{ mov_push, sizeof(mov_push), 3 },
		{ several, sizeof(several), 0xe },
		{ loads_je, sizeof(loads_je), 0x12 },
		{ sse_jmp, sizeof(sse_jmp), 0x10 },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct func f;
		size_t got;

		frame_func(&f, 0x40, cases[i].head, cases[i].len);
		got = place_frame(&f);
		if (got != cases[i].expect)
			fail_msg("case %zu: probe at %zu, expected %zu", i, got, cases[i].expect);
		assert_true(insn__is_emulated(f.code + got, f.size - got));
		/* the argument-keeping rule still refuses a register write before the probe */
		if (insn__place(f.code, f.size, f.size, INSN_KEEP_ARGS) !=
		    insn__probe_offset(f.code, f.size, f.size))
			fail_msg("case %zu: INSN_KEEP_ARGS differs from insn__probe_offset", i);
	}
}

static void test_frame_keeps_the_frame(void **state)
{
	/*    0: 48 83 ec 18           sub    $0x18,%rsp
	 *    4: e8 00 00 00 00        call   ... */
	static const uint8_t sub_rsp[] = { 0x48, 0x83, 0xec, 0x18, 0xe8, 0x00, 0x00, 0x00, 0x00 };
	/*    0: 48 89 7c 24 f8        mov    %rdi,-0x8(%rsp)   (a store) */
	static const uint8_t store[] = { 0x48, 0x89, 0x7c, 0x24, 0xf8, 0x55 };
	/*    0: 48 89 fc              mov    %rdi,%rsp */
	static const uint8_t mov_to_rsp[] = { 0x48, 0x89, 0xfc, 0x55 };
	/*    0: 48 8d 64 24 f8        lea    -0x8(%rsp),%rsp */
	static const uint8_t lea_rsp[] = { 0x48, 0x8d, 0x64, 0x24, 0xf8, 0x55 };
	/*    0: 48 83 e4 f0           and    $0xfffffffffffffff0,%rsp */
	static const uint8_t and_rsp[] = { 0x48, 0x83, 0xe4, 0xf0, 0x55 };
	/*    0: 40 b4 01              mov    $0x1,%spl */
	static const uint8_t mov_spl[] = { 0x40, 0xb4, 0x01, 0x55 };
	/*    0: 5d                    pop    %rbp */
	static const uint8_t pop[] = { 0x5d, 0x55 };
	/*    0: f0 48 01 3e           lock add %rdi,(%rsi) */
	static const uint8_t lock_add[] = { 0xf0, 0x48, 0x01, 0x3e, 0x55 };
	/*    0: 48 89 f8              mov    %rdi,%rax
	 *    3: c3                    ret    (nothing emulated before it) */
	static const uint8_t mov_ret[] = { 0x48, 0x89, 0xf8, 0xc3 };
	/*    0: 0f 29 07              movaps %xmm0,(%rdi)   (a vector store) */
	static const uint8_t movaps_store[] = { 0x0f, 0x29, 0x07, 0x55 };
	/*    0: c5 f9 6f 07           vmovdqa (%rdi),%xmm0   (VEX: not judged) */
	static const uint8_t vex[] = { 0xc5, 0xf9, 0x6f, 0x07, 0x55 };
	/*    0: f3 48 ab              rep stos %rax,(%rdi) */
	static const uint8_t rep_stos[] = { 0xf3, 0x48, 0xab, 0x55 };
	static const struct {
		const uint8_t *head;
		size_t len;
		const char *what;
	} cases[] = {
		{ sub_rsp, sizeof(sub_rsp), "sub $0x18,%rsp" },
		{ store, sizeof(store), "a store" },
		{ mov_to_rsp, sizeof(mov_to_rsp), "mov to %rsp" },
		{ lea_rsp, sizeof(lea_rsp), "lea to %rsp" },
		{ and_rsp, sizeof(and_rsp), "and to %rsp" },
		{ mov_spl, sizeof(mov_spl), "mov to %spl" },
		{ pop, sizeof(pop), "pop" },
		{ lock_add, sizeof(lock_add), "lock add" },
		{ mov_ret, sizeof(mov_ret), "mov; ret" },
		{ movaps_store, sizeof(movaps_store), "movaps store" },
		{ vex, sizeof(vex), "VEX load" },
		{ rep_stos, sizeof(rep_stos), "rep stos" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct func f;
		size_t got;

		frame_func(&f, 0x40, cases[i].head, cases[i].len);
		got = place_frame(&f);
		if (got != 0)
			fail_msg("%s: probe at %zu, expected the entry", cases[i].what, got);
	}
}

static void test_frame_branch_guard(void **state)
{
	/*    0: 48 89 f8              mov    %rdi,%rax
	 *    3: 31 d2                 xor    %edx,%edx
	 *    5: 55                    push   %rbp */
	static const uint8_t head[] = { 0x48, 0x89, 0xf8, 0x31, 0xd2, 0x55 };
	/*   20: eb e1                 jmp    0x3   (onto a skipped instruction) */
	static const uint8_t jmp_to_3[] = { 0xeb, 0xe1 };
	/*   20: 75 e3                 jne    0x5   (onto the probed push) */
	static const uint8_t jne_to_5[] = { 0x75, 0xe3 };
	/*   20: e8 de ff ff ff        call   0x3 */
	static const uint8_t call_to_3[] = { 0xe8, 0xde, 0xff, 0xff, 0xff };
	/*   20: eb de                 jmp    0x0   (back to the entry: as good as a new call) */
	static const uint8_t jmp_to_0[] = { 0xeb, 0xde };
	/*   20: b8 eb e1 00 00        mov    $0xe1eb,%eax   (a "jmp 0x3" inside an immediate:
	 *                             the decode knows better than the byte scan) */
	static const uint8_t imm_jmp[] = { 0xb8, 0xeb, 0xe1, 0x00, 0x00 };
	struct func f;
	(void)state;

	frame_func(&f, 0x40, head, sizeof(head));
	assert_int_equal(place_frame(&f), 5);
	frame_func(&f, 0x40, head, sizeof(head));
	func_put(&f, 0x20, jmp_to_3, sizeof(jmp_to_3));
	assert_int_equal(place_frame(&f), 0);
	frame_func(&f, 0x40, head, sizeof(head));
	func_put(&f, 0x20, jne_to_5, sizeof(jne_to_5));
	assert_int_equal(place_frame(&f), 0);
	frame_func(&f, 0x40, head, sizeof(head));
	func_put(&f, 0x20, call_to_3, sizeof(call_to_3));
	assert_int_equal(place_frame(&f), 0);
	frame_func(&f, 0x40, head, sizeof(head));
	func_put(&f, 0x20, jmp_to_0, sizeof(jmp_to_0));
	assert_int_equal(place_frame(&f), 5);
	frame_func(&f, 0x40, head, sizeof(head));
	func_put(&f, 0x20, imm_jmp, sizeof(imm_jmp));
	assert_int_equal(place_frame(&f), 5);
	/* a byte that does not decode: the byte scan decides, and sees the "jmp 0x3" */
	f.code[0x30] = 0x06; /* push %es: invalid in 64-bit mode */
	assert_int_equal(place_frame(&f), 0);
	/* unknown size or fewer bytes than the function: the entry */
	frame_func(&f, 0x40, head, sizeof(head));
	assert_int_equal(insn__place(f.code, f.size, 0, INSN_KEEP_FRAME), 0);
	assert_int_equal(insn__place(f.code, 0x10, f.size, INSN_KEEP_FRAME), 0);
}

static void test_frame_skip_limit(void **state)
{
	/* nine "mov %rdi,%rax" then push %rbp: one more than INSN_FRAME_MAX_SKIPPED */
	uint8_t head[3 * (INSN_FRAME_MAX_SKIPPED + 1) + 1];
	struct func f;
	(void)state;

	for (size_t i = 0; i < INSN_FRAME_MAX_SKIPPED + 1; i++)
		memcpy(head + 3 * i, (const uint8_t[]){ 0x48, 0x89, 0xf8 }, 3);
	head[sizeof(head) - 1] = 0x55;
	frame_func(&f, 0x40, head, sizeof(head));
	assert_int_equal(place_frame(&f), 0);
	frame_func(&f, 0x40, head + 3, sizeof(head) - 3);
	assert_int_equal(place_frame(&f), 3 * INSN_FRAME_MAX_SKIPPED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_free_prologue),
		cmocka_unit_test(test_free_branch_to_probe),
		cmocka_unit_test(test_free_branch_elsewhere),
		cmocka_unit_test(test_malloc_prologue),
		cmocka_unit_test(test_cmpb_rip_then_push),
		cmocka_unit_test(test_flags_only_forms),
		cmocka_unit_test(test_endbr64),
		cmocka_unit_test(test_not_skipped),
		cmocka_unit_test(test_unknown_size),
		cmocka_unit_test(test_is_emulated),
		cmocka_unit_test(test_frame_skips_register_writes),
		cmocka_unit_test(test_frame_keeps_the_frame),
		cmocka_unit_test(test_frame_branch_guard),
		cmocka_unit_test(test_frame_skip_limit),
	};

	return cmocka_run_group_tests_name("insn", tests, NULL, NULL);
}
