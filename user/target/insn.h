/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Probe placement on x86-64: find an instruction near a function's entry where a uprobe is
 * emulated by the kernel (~0.9 us) instead of single-stepped (~4 us), while the argument
 * registers, the stack pointer and the return address at (%rsp) are still those of the entry.
 * Pure: it reads only the bytes it is given. */
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

/* Whether the kernel emulates (rather than single-steps) a uprobe on the instruction at code;
 * exposed for tests and for the benchmark's description of each probe. */
int insn__is_emulated(const uint8_t *code, size_t len);

#endif
