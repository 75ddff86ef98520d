/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* x86-64 instruction lengths, for finding a function's return instructions: a linear decode
 * of legacy prefixes, REX, VEX and EVEX, the one-, two- and three-byte opcode maps, ModRM,
 * SIB, displacements and immediates. Pure: it reads only the bytes it is given. */
#ifndef PERFAN_X86_LEN_H
#define PERFAN_X86_LEN_H

#include <stddef.h>
#include <stdint.h>

enum x86_kind {
	X86_OTHER,
	X86_RET,     /* near return: ret, ret imm16, rep ret, bnd ret */
	X86_JMP_REL, /* jmp or jcc, rel8/rel32: `target` is set */
	X86_JMP_IND, /* jmp through a register or memory */
};

struct x86_insn {
	size_t len;
	enum x86_kind kind;
	long long target; /* X86_JMP_REL: the target's offset from code[0] (may be outside) */
};

/* Decode the instruction at code[off]. 0 with *out filled, -EINVAL for an opcode we do not
 * know or one invalid in 64-bit mode, -ENODATA when it runs past len. */
int x86__decode(const uint8_t *code, size_t len, size_t off, struct x86_insn *out);

/* The returns of a function whose code is code[0, len): a linear sweep that must end exactly
 * at len. Offsets of the return instructions go to rets (up to max; *ret_cnt is the number
 * found, which may exceed max), *tail_exits counts direct jumps out of the function (tail
 * calls; indirect jumps are mostly jump tables and are not counted). 0, or -EINVAL/-ENODATA with *bad_off at the instruction
 * that could not be decoded. */
int x86__find_returns(const uint8_t *code, size_t len, size_t *rets, size_t max, size_t *ret_cnt,
		      size_t *tail_exits, size_t *bad_off);

#endif
