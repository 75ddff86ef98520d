/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Probe placement on x86-64: find an instruction near a function's entry where a uprobe is
 * emulated by the kernel (~0.9 us) instead of single-stepped (~4 us), while what the probe
 * reads is still as it was at the entry: the argument registers, the stack pointer and the
 * return address at (%rsp) for a probe that reads arguments (the allocator's), only the stack
 * pointer and the return address for one that does not (timing). Pure: it reads only the bytes
 * it is given. */
#ifndef PERFAN_INSN_H
#define PERFAN_INSN_H

#include <stddef.h>
#include <stdint.h>

/* Instructions of `code` (the function's first bytes; `func_size` is the symbol size, 0 if
 * unknown) are decoded from offset 0. While an instruction is known to change nothing but
 * the flags (test/cmp of registers, cmp of an immediate with memory, endbr64) it is skipped;
 * the first instruction the kernel emulates (push reg, jmp, jcc, call, nop) is the result.
 * Falls back to 0 (the entry) on anything else, or when any branch inside the function could
 * land on a skipped instruction or on the result (a conservative byte scan: a false match
 * only costs the cheaper placement, never correctness). Returns the chosen offset. */
size_t insn__probe_offset(const uint8_t *code, size_t code_len, size_t func_size);

/* What the instructions before a probe may not change */
enum insn_keep {
	INSN_KEEP_ARGS,	 /* arguments, %rsp, (%rsp): insn__probe_offset's rule */
	INSN_KEEP_FRAME, /* %rsp and the return address at (%rsp) only */
};

/* The placement for a probe that keeps `keep`. INSN_KEEP_ARGS is insn__probe_offset.
 * INSN_KEEP_FRAME also skips (up to INSN_FRAME_MAX_SKIPPED) instructions that write only
 * general registers other than %rsp, vector registers and the flags, or write nothing (mov,
 * movzx, lea, ALU ops and shifts on registers, loads including %fs:-relative ones, SSE loads,
 * multi-byte nops), never a store, a push or pop, an %rsp update or a branch. A skipped
 * instruction may fault (a load): the process would have faulted at it anyway. The function
 * must be whole (func_size <= code_len) and is decoded from end to end with x86_len.h; no
 * direct jump, jcc or call in it may land in (0, result]. When it cannot be decoded the
 * conservative byte scan of insn__probe_offset decides instead. Returns the offset. */
size_t insn__place(const uint8_t *code, size_t code_len, size_t func_size, enum insn_keep keep);
#define INSN_FRAME_MAX_SKIPPED 8

/* Whether the kernel emulates (rather than single-steps) a uprobe on the instruction at code;
 * exposed for tests and for the benchmark's description of each probe. */
int insn__is_emulated(const uint8_t *code, size_t len);

#endif
