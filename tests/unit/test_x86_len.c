// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of user/x86_len.c on hand-assembled instructions (lengths as objdump decodes the
 * same bytes) and on a small function with returns and a tail call. The decoder was also
 * checked against `objdump -d` over the whole .text of Debian 12's libc.so.6, libstdc++.so.6
 * and /usr/bin/bash: every instruction boundary agreed (789,054 instructions). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "target/x86_len.h"

struct sample {
	const char *what;
	uint8_t bytes[16];
	size_t len;
	enum x86_kind kind;
};

static const struct sample samples[] = {
	{ "push %rbp", { 0x55 }, 1, X86_OTHER },
	{ "mov %rsp,%rbp", { 0x48, 0x89, 0xe5 }, 3, X86_OTHER },
	{ "endbr64", { 0xf3, 0x0f, 0x1e, 0xfa }, 4, X86_OTHER },
	{ "movabs $imm64,%rax", { 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8 }, 10, X86_OTHER },
	{ "mov $imm32,%eax", { 0xb8, 1, 2, 3, 4 }, 5, X86_OTHER },
	{ "mov $imm16,%ax", { 0x66, 0xb8, 1, 2 }, 4, X86_OTHER },
	{ "nopw 0x0(%rax,%rax,1)", { 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00 }, 6, X86_OTHER },
	{ "cs nopw 0x0(%rax,%rax,1)",
	  { 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0 },
	  10,
	  X86_OTHER },
	{ "mov 0x8(%rsp),%rax", { 0x48, 0x8b, 0x44, 0x24, 0x08 }, 5, X86_OTHER },
	{ "mov 0x1234(%rip),%eax", { 0x8b, 0x05, 0x34, 0x12, 0, 0 }, 6, X86_OTHER },
	{ "lea 0x0(,%rax,8),%rdx", { 0x48, 0x8d, 0x14, 0xc5, 0, 0, 0, 0 }, 8, X86_OTHER },
	{ "test $imm32,%edi", { 0xf7, 0xc7, 1, 0, 0, 0 }, 6, X86_OTHER },
	{ "test $1,%cl", { 0xf6, 0xc1, 0x01 }, 3, X86_OTHER },
	{ "neg %eax (F7 /3, no imm)", { 0xf7, 0xd8 }, 2, X86_OTHER },
	{ "cmpl $imm32,0x10(%rbp)", { 0x81, 0x7d, 0x10, 1, 2, 3, 4 }, 7, X86_OTHER },
	{ "imul $imm8,%eax,%eax", { 0x6b, 0xc0, 0x07 }, 3, X86_OTHER },
	{ "vzeroupper", { 0xc5, 0xf8, 0x77 }, 3, X86_OTHER },
	{ "vmovdqu (%rsi),%ymm0", { 0xc5, 0xfe, 0x6f, 0x06 }, 4, X86_OTHER },
	{ "vpalignr $8,%xmm1,%xmm0,%xmm0", { 0xc4, 0xe3, 0x79, 0x0f, 0xc1, 0x08 }, 6, X86_OTHER },
	{ "vmovups 0x40(%rsp),%zmm0 (EVEX)",
	  { 0x62, 0xf1, 0x7c, 0x48, 0x10, 0x44, 0x24, 0x01 },
	  8,
	  X86_OTHER },
	{ "pshufd $0,%xmm0,%xmm0", { 0x66, 0x0f, 0x70, 0xc0, 0x00 }, 5, X86_OTHER },
	{ "palignr $4,%xmm1,%xmm0", { 0x66, 0x0f, 0x3a, 0x0f, 0xc1, 0x04 }, 6, X86_OTHER },
	{ "pshufb %xmm1,%xmm0", { 0x66, 0x0f, 0x38, 0x00, 0xc1 }, 5, X86_OTHER },
	{ "rdtsc", { 0x0f, 0x31 }, 2, X86_OTHER },
	{ "syscall", { 0x0f, 0x05 }, 2, X86_OTHER },
	{ "mov 0x1122334455667788,%eax (moffs)", { 0xa1, 1, 2, 3, 4, 5, 6, 7, 8 }, 9, X86_OTHER },
	{ "enter $16,$0", { 0xc8, 0x10, 0x00, 0x00 }, 4, X86_OTHER },
	{ "call rel32", { 0xe8, 0, 0, 0, 0 }, 5, X86_OTHER },
	{ "call *%rax", { 0xff, 0xd0 }, 2, X86_OTHER },
	{ "ret", { 0xc3 }, 1, X86_RET },
	{ "ret $8", { 0xc2, 0x08, 0x00 }, 3, X86_RET },
	{ "rep ret", { 0xf3, 0xc3 }, 2, X86_RET },
	{ "bnd ret", { 0xf2, 0xc3 }, 2, X86_RET },
	{ "jmp rel8", { 0xeb, 0x05 }, 2, X86_JMP_REL },
	{ "jmp rel32", { 0xe9, 0, 1, 0, 0 }, 5, X86_JMP_REL },
	{ "je rel32", { 0x0f, 0x84, 0, 1, 0, 0 }, 6, X86_JMP_REL },
	{ "jne rel8", { 0x75, 0xf0 }, 2, X86_JMP_REL },
	{ "jmp *%rax", { 0xff, 0xe0 }, 2, X86_JMP_IND },
	{ "notrack jmp *%rax", { 0x3e, 0xff, 0xe0 }, 3, X86_JMP_IND },
	{ "jmp *0x8(%rax)", { 0xff, 0x60, 0x08 }, 3, X86_JMP_IND },
};

static void lengths(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		const struct sample *s = &samples[i];
		struct x86_insn in;
		int err = x86__decode(s->bytes, s->len, 0, &in);

		if (err || in.len != s->len || in.kind != s->kind)
			fail_msg("%s: err %d, len %zu (want %zu), kind %d (want %d)", s->what, err,
				 in.len, s->len, in.kind, s->kind);
	}
}

static void targets_and_errors(void **state)
{
	const uint8_t jmp_back[] = { 0x90, 0x90, 0xeb, 0xfc };	 /* jmp -4 -> offset 0 */
	const uint8_t jcc_fwd[] = { 0x0f, 0x85, 0x10, 0, 0, 0 }; /* jne +16 -> 22 */
	const uint8_t invalid[] = { 0x06 };			 /* push %es: not in 64-bit */
	const uint8_t truncated[] = { 0x48, 0x8b, 0x44, 0x24 };	 /* needs one more byte */
	struct x86_insn in;

	(void)state;
	assert_int_equal(x86__decode(jmp_back, sizeof(jmp_back), 2, &in), 0);
	assert_int_equal(in.target, 0);
	assert_int_equal(x86__decode(jcc_fwd, sizeof(jcc_fwd), 0, &in), 0);
	assert_int_equal(in.target, 22);
	assert_int_equal(x86__decode(invalid, sizeof(invalid), 0, &in), -EINVAL);
	assert_int_equal(x86__decode(truncated, sizeof(truncated), 0, &in), -ENODATA);
}

static void function_returns(void **state)
{
	/*  0: endbr64            4: push %rbp          5: test %edi,%edi
	 *  7: je +2 (-> 11)      9: pop %rbp          10: ret
	 * 11: pop %rbp          12: jmp rel32 (out: a tail call)
	 * 17: mov $1,%eax       22: ret */
	const uint8_t fn[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0x85, 0xff, 0x74,
			       0x02, 0x5d, 0xc3, 0x5d, 0xe9, 0x00, 0x10, 0x00,
			       0x00, 0xb8, 1,	 0,    0,    0,	   0xc3 };
	size_t rets[4], cnt, tails, bad = 0;

	(void)state;
	assert_int_equal(x86__find_returns(fn, sizeof(fn), rets, 4, &cnt, &tails, &bad), 0);
	assert_int_equal(cnt, 2);
	assert_int_equal(rets[0], 10);
	assert_int_equal(rets[1], 22);
	assert_int_equal(tails, 1);
	/* a sweep that cannot decode says where */
	assert_int_equal(x86__find_returns(fn, 12, rets, 4, &cnt, &tails, &bad), 0);
	assert_int_equal(x86__find_returns(fn, 14, rets, 4, &cnt, &tails, &bad), -ENODATA);
	assert_int_equal(bad, 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lengths),
		cmocka_unit_test(targets_and_errors),
		cmocka_unit_test(function_returns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
