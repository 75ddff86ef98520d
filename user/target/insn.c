// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Probe placement on x86-64 (see insn.h). The emulated set follows the kernel's
 * arch/x86/kernel/uprobes.c: branch_setup_xol_ops (jmp rel8/rel32, call rel32, jcc rel8/rel32,
 * nop 0x90) and push_setup_xol_ops (push %reg, with REX.B). Everything else is single-stepped. */
#include <stdbool.h>
#include <string.h>
#include "target/insn.h"

#define MAX_SKIPPED 4

static bool is_rex(uint8_t b)
{
	return b >= 0x40 && b <= 0x4f;
}

/* Length of the emulated instruction at code, or 0 */
static size_t emulated_len(const uint8_t *c, size_t len)
{
	if (len >= 1 && (c[0] == 0x90 || (c[0] >= 0x50 && c[0] <= 0x57)))
		return 1; /* nop, push %reg */
	if (len >= 2 && c[0] == 0x41 && c[1] >= 0x50 && c[1] <= 0x57)
		return 2; /* push %r8..%r15 */
	if (len >= 2 && (c[0] == 0xeb || (c[0] >= 0x70 && c[0] <= 0x7f)))
		return 2; /* jmp rel8, jcc rel8 */
	if (len >= 5 && (c[0] == 0xe9 || c[0] == 0xe8))
		return 5; /* jmp rel32, call rel32 */
	if (len >= 6 && c[0] == 0x0f && c[1] >= 0x80 && c[1] <= 0x8f)
		return 6; /* jcc rel32 */
	return 0;
}

int insn__is_emulated(const uint8_t *code, size_t len)
{
	return emulated_len(code, len) != 0;
}

/* Length of an instruction that writes nothing but the flags, or 0 */
static size_t flags_only_len(const uint8_t *c, size_t len)
{
	size_t p = 0;
	uint8_t op, modrm;

	if (len >= 4 && c[0] == 0xf3 && c[1] == 0x0f && c[2] == 0x1e && c[3] == 0xfa)
		return 4; /* endbr64 */
	if (p < len && is_rex(c[p]))
		p++;
	if (p + 1 >= len)
		return 0;
	op = c[p];
	modrm = c[p + 1];
	switch (op) {
	case 0x84:				      /* test r/m8, r8 */
	case 0x85:				      /* test r/m, r */
	case 0x38:				      /* cmp r/m8, r8 */
	case 0x39:				      /* cmp r/m, r */
	case 0x3a:				      /* cmp r8, r/m8 */
	case 0x3b:				      /* cmp r, r/m */
		return (modrm >> 6) == 3 ? p + 2 : 0; /* register operands only */
	case 0x80:				      /* cmp r/m8, imm8 */
	case 0x83:				      /* cmp r/m, imm8 */
	case 0x81: {				      /* cmp r/m, imm32 */
		size_t imm = op == 0x81 ? 4 : 1;

		if (((modrm >> 3) & 7) != 7)
			return 0; /* only /7 (cmp) writes nothing but flags */
		if ((modrm >> 6) == 3)
			return p + 2 + imm <= len ? p + 2 + imm : 0;
		if ((modrm & 0xc7) == 0x05) /* disp32(%rip) */
			return p + 6 + imm <= len ? p + 6 + imm : 0;
		return 0;
	}
	default:
		return 0;
	}
}

/* Whether some rel8/rel32 branch whose opcode byte appears anywhere in the function could
 * target an offset in (0, last]: read as a byte scan, not a decode, so it over-approximates */
static bool branch_may_target(const uint8_t *c, size_t len, size_t last)
{
	for (size_t i = 0; i < len; i++) {
		long long target = -1;

		if ((c[i] == 0xeb || (c[i] >= 0x70 && c[i] <= 0x7f)) && i + 2 <= len)
			target = (long long)i + 2 + (int8_t)c[i + 1];
		else if ((c[i] == 0xe9 || c[i] == 0xe8) && i + 5 <= len) {
			int32_t rel;

			memcpy(&rel, c + i + 1, 4);
			target = (long long)i + 5 + rel;
		} else if (c[i] == 0x0f && i + 6 <= len && c[i + 1] >= 0x80 && c[i + 1] <= 0x8f) {
			int32_t rel;

			memcpy(&rel, c + i + 2, 4);
			target = (long long)i + 6 + rel;
		}
		if (target > 0 && (size_t)target <= last)
			return true;
	}
	return false;
}

size_t insn__probe_offset(const uint8_t *code, size_t code_len, size_t func_size)
{
	size_t off = 0, scan_len;

	for (int n = 0; n <= MAX_SKIPPED && off < code_len; n++) {
		size_t skip;

		if (emulated_len(code + off, code_len - off)) {
			if (!off)
				return 0;
			scan_len = func_size && func_size < code_len ? func_size : code_len;
			/* without the whole function we cannot rule out a branch back into it */
			if (!func_size || func_size > code_len)
				return 0;
			return branch_may_target(code, scan_len, off) ? 0 : off;
		}
		skip = flags_only_len(code + off, code_len - off);
		if (!skip)
			return 0;
		off += skip;
	}
	return 0;
}
