// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Probe placement on x86-64 (see insn.h). The emulated set follows the kernel's
 * arch/x86/kernel/uprobes.c: branch_setup_xol_ops (jmp rel8/rel32, call rel32, jcc rel8/rel32,
 * nop 0x90) and push_setup_xol_ops (push %reg, with REX.B). Everything else is single-stepped. */
#include <stdbool.h>
#include <string.h>
#include "target/insn.h"
#include "target/x86_len.h"

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

/* ---- INSN_KEEP_FRAME: a probe that reads only %rsp (and may arm a uretprobe at (%rsp)) ---- */

/* One instruction's prefixes, opcode and ModRM, as far as frame_safe_len judges them */
struct fields {
	bool p66, pf2, pf3, lock;
	uint8_t rex;
	int map; /* 0: one-byte opcode, 1: 0F xx, 2: anything else (0F38, 0F3A, VEX, EVEX) */
	uint8_t op;
	uint8_t mod, digit; /* ModRM.mod and the raw reg field (the /digit of a group) */
	uint8_t reg, rm;    /* with REX.R and REX.B: 4 is %rsp (or %spl, %ah) */
};

static bool parse_fields(const uint8_t *c, size_t len, struct fields *f)
{
	size_t p = 0;

	memset(f, 0, sizeof(*f));
	for (; p < len; p++) {
		if (c[p] == 0x66)
			f->p66 = true;
		else if (c[p] == 0xf2)
			f->pf2 = true;
		else if (c[p] == 0xf3)
			f->pf3 = true;
		else if (c[p] == 0xf0)
			f->lock = true;
		else if (c[p] != 0x64 && c[p] != 0x65 && c[p] != 0x2e && c[p] != 0x3e &&
			 c[p] != 0x26 && c[p] != 0x36 && c[p] != 0x67)
			break;
	}
	if (p < len && is_rex(c[p]))
		f->rex = c[p++];
	if (p >= len)
		return false;
	f->op = c[p++];
	if (f->op == 0x0f) {
		if (p >= len)
			return false;
		f->op = c[p++];
		f->map = f->op == 0x38 || f->op == 0x3a ? 2 : 1;
	} else if (f->op == 0xc4 || f->op == 0xc5 || f->op == 0x62) {
		f->map = 2;
	}
	if (p < len) { /* read as ModRM; only opcodes that have one look at it */
		f->mod = c[p] >> 6;
		f->digit = (c[p] >> 3) & 7;
		f->reg = (uint8_t)(f->digit | ((f->rex & 4) << 1));
		f->rm = (uint8_t)((c[p] & 7) | ((f->rex & 1) << 3));
	}
	return true;
}

/* A destination in ModRM.rm: a register other than %rsp, never memory */
static bool rm_reg_not_sp(const struct fields *f)
{
	return f->mod == 3 && f->rm != 4;
}

static bool one_byte_safe(const struct fields *f)
{
	uint8_t op = f->op;

	if (f->pf2 || f->pf3)
		return false;
	if (op < 0x40 && (op & 7) < 6) {
		if ((op >> 3) == 7 || (op & 7) >= 4)
			return true; /* cmp (writes only flags); op %al/%eax, imm */
		return op & 2 ? f->reg != 4 : rm_reg_not_sp(f);
	}
	if (op >= 0xb0 && op <= 0xbf) /* mov $imm, reg (in the opcode, extended by REX.B) */
		return ((op & 7) | ((f->rex & 1) << 3)) != 4;
	switch (op) {
	case 0x84: /* test */
	case 0x85:
	case 0xa8:
	case 0xa9:
	case 0x98: /* cltq, cwtl */
	case 0x99: /* cqto, cltd */
		return true;
	case 0x63: /* movslq */
	case 0x69: /* imul $imm, r/m, reg */
	case 0x6b:
	case 0x8a: /* mov r/m, reg: a load or a register copy */
	case 0x8b:
		return f->reg != 4;
	case 0x8d: /* lea */
		return f->mod != 3 && f->reg != 4;
	case 0x88: /* mov reg, r/m: only to a register */
	case 0x89:
	case 0xc0: /* shifts and rotates */
	case 0xc1:
	case 0xd0:
	case 0xd1:
	case 0xd2:
	case 0xd3:
		return rm_reg_not_sp(f);
	case 0x80: /* the immediate group: /7 is cmp */
	case 0x81:
	case 0x83:
		return f->digit == 7 || rm_reg_not_sp(f);
	case 0xc6: /* mov $imm, r/m */
	case 0xc7:
		return f->digit == 0 && rm_reg_not_sp(f);
	case 0xf6: /* /0 /1 test, /2 not, /3 neg */
	case 0xf7:
		return f->digit < 2 || (f->digit < 4 && rm_reg_not_sp(f));
	default:
		return false;
	}
}

static bool two_byte_safe(const struct fields *f)
{
	uint8_t op = f->op;

	/* SSE and MMX forms whose destination is the vector register in ModRM.reg: loads,
	 * conversions, arithmetic, logic, unpacks */
	if (op == 0x10 || op == 0x14 || op == 0x15 || op == 0x28 || op == 0x2a ||
	    (op >= 0x51 && op <= 0x6f) || op == 0xd4 || op == 0xdb || op == 0xeb || op == 0xef ||
	    op == 0xfa || op == 0xfb || op == 0xfe)
		return true;
	if (op == 0x7e) /* f3: movq xmm/m64 -> xmm; otherwise a store to r/m */
		return f->pf3 && !f->p66 && !f->pf2;
	if (f->pf2)
		return false;
	if (op == 0x1f) /* nopl, nopw */
		return f->digit == 0 && !f->pf3;
	if (op >= 0x90 && op <= 0x9f) /* setcc */
		return !f->pf3 && rm_reg_not_sp(f);
	if ((op >= 0x40 && op <= 0x4f) || op == 0xaf || op == 0xb6 || op == 0xb7 || op == 0xbe ||
	    op == 0xbf || op == 0xbc || op == 0xbd || (op == 0xb8 && f->pf3))
		return (!f->pf3 || op == 0xb8 || op == 0xbc || op == 0xbd) && f->reg != 4;
	return false;
}

/* Length of an instruction that leaves %rsp and memory alone and does not branch, or 0 */
static size_t frame_safe_len(const uint8_t *c, size_t len)
{
	struct x86_insn in;
	struct fields f;

	if (x86__decode(c, len, 0, &in) || in.kind != X86_OTHER || !parse_fields(c, in.len, &f) ||
	    f.lock)
		return 0;
	if (f.map == 0 && one_byte_safe(&f))
		return in.len;
	if (f.map == 1 && two_byte_safe(&f))
		return in.len;
	return 0;
}

/* Target of a call rel32 (prefixes allowed) at c, or -1 */
static long long call_target(const uint8_t *c, size_t len, size_t at)
{
	size_t p = 0;
	int32_t rel;

	while (p < len && (c[p] == 0x66 || c[p] == 0xf2 || c[p] == 0x2e || c[p] == 0x3e))
		p++;
	if (p + 5 != len || c[p] != 0xe8)
		return -1;
	memcpy(&rel, c + p + 1, 4);
	return (long long)(at + len) + rel;
}

/* Whether a direct jump, jcc or call of the function lands in (0, last]: 1 yes, 0 no, -1 the
 * function does not decode from end to end */
static int decoded_branch_into(const uint8_t *c, size_t size, size_t last)
{
	size_t off = 0;

	while (off < size) {
		struct x86_insn in;
		long long target;

		if (x86__decode(c, size, off, &in))
			return -1;
		target = in.kind == X86_JMP_REL ? in.target : call_target(c + off, in.len, off);
		if (target > 0 && (size_t)target <= last)
			return 1;
		off += in.len;
	}
	return off == size ? 0 : -1;
}

size_t insn__place(const uint8_t *code, size_t code_len, size_t func_size, enum insn_keep keep)
{
	size_t off = 0;

	if (keep == INSN_KEEP_ARGS)
		return insn__probe_offset(code, code_len, func_size);
	/* without the whole function we cannot rule out a branch back into it */
	if (!func_size || func_size > code_len)
		return 0;
	for (int n = 0; n <= INSN_FRAME_MAX_SKIPPED && off < func_size; n++) {
		size_t skip;
		int into;

		if (emulated_len(code + off, func_size - off)) {
			if (!off)
				return 0;
			into = decoded_branch_into(code, func_size, off);
			if (into < 0)
				into = branch_may_target(code, func_size, off);
			return into ? 0 : off;
		}
		skip = flags_only_len(code + off, func_size - off);
		if (!skip)
			skip = frame_safe_len(code + off, func_size - off);
		if (!skip)
			return 0;
		off += skip;
	}
	return 0;
}
