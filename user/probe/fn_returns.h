/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Where a function returns to its caller: its own return instructions and those of the code it
 * tail-jumps to (another function, its cold part, a function of the same file reached through
 * the PLT), found by decoding the code (x86_len.h). A probe on each of them sees every return
 * with %rsp pointing at the caller's return address, as at the entry: what a return probe
 * needs without a uretprobe, whose trampoline an exception cannot unwind through. */
#ifndef PERFAN_FN_RETURNS_H
#define PERFAN_FN_RETURNS_H

#include <stddef.h>
#include <stdint.h>
#include "symbols/cfi_table.h"
#include "symbols/elfsym.h"

#define FN_RETURNS_MAX 64 /* return instructions of one function, tail targets included */
#define FN_REGIONS_MAX 12 /* pieces of code decoded for one function */

struct fn_returns {
	uint64_t vaddrs[FN_RETURNS_MAX]; /* ELF virtual addresses of the return instructions */
	int cnt;
	int regions;  /* pieces of code decoded: the function, tail targets, cold parts */
	char why[96]; /* on failure: what could not be followed */
};

/* The returns of the function at vaddr in ef. size: from its symbol (0: the FDE starting at
 * vaddr gives it). fdes: the file's FDEs (cfi_fdes__read), for the bounds of code without a
 * symbol (a stripped library's internal functions, cold parts). A direct jump out of a piece
 * of code is a tail call: the code there is decoded too, up to FN_REGIONS_MAX pieces; a jump
 * to a PLT entry is followed to the function of this file the PLT slot names. Indirect jumps
 * through a register or a table stay inside the function (switch tables). 0, or -errno with
 * out->why saying what: -ENOENT (code without known bounds, a tail call to another module or
 * through a pointer), -E2BIG (too many pieces or returns), -EINVAL (undecodable code). */
int fn_returns__find(const struct elf_file *ef, const struct cfi_fde *fdes, size_t fde_cnt,
		     uint64_t vaddr, uint64_t size, struct fn_returns *out);

#endif
