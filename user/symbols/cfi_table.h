/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Unwind rows of one ELF file from its .eh_frame: for every address range, where the caller's
 * frame (CFA), return address and rbp are, in the compact form the BPF frame walk reads
 * (struct unwind_row in bpf/leak.h). x86-64 only. Pure: no BPF, tested on fixtures. */
#ifndef PERFAN_CFI_TABLE_H
#define PERFAN_CFI_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "leak.h"

struct cfi_table {
	struct unwind_row *rows; /* sorted by pc; a row lasts until the next one starts */
	size_t cnt;
	int64_t vaddr_delta; /* ELF virtual address - file offset in the executable segment */
	size_t fdes;	     /* functions described */
	size_t fdes_framed;  /* of those, the ones with a frame: CFA ever rbp-based or above
				   rsp + 8 (not PLT stubs, not leaves that touch no stack) */
	size_t fdes_fp;	     /* of those, the ones whose CFA is ever rbp-based (frame pointers) */
};

/* Build the rows of the file at path (function starts from .eh_frame_hdr, or from .eh_frame
 * itself when the header is missing, as in static binaries). 0, -ENOENT when it has no .eh_frame,
 * -ENOEXEC when it is no x86-64 ELF, or -errno. */
int cfi_table__build(const char *path, struct cfi_table *out);
/* Most of the file's functions with a frame keep no frame pointer, so a frame-pointer walk
 * through it loses callers: worth loading its rows */
bool cfi_table__frameless(const struct cfi_table *t);
/* The row covering vaddr, or NULL (before the first row) */
const struct unwind_row *cfi_table__find(const struct cfi_table *t, uint64_t vaddr);
void cfi_table__free(struct cfi_table *t);

/* The bucket index of the rows the BPF walk searches (struct unwind_mod in bpf/unwind.h):
 * slots for buckets of 2^PERFAN_UNWIND_BUCKET_SHIFT bytes from the first row's to one past
 * the last row's; slot b (its pc field) counts the rows at or before the start of bucket
 * bucket0 + b. cfi_index__cnt: how many slots (0 for no rows); cfi_index__build fills n of
 * them and returns bucket0. */
size_t cfi_index__cnt(const struct cfi_table *t);
uint32_t cfi_index__build(const struct cfi_table *t, struct unwind_row *idx, size_t n);
/* The row covering vaddr found through the index, as find_row in bpf/unwind.bpf.h does it:
 * its position in t->rows, or -1 (the same row as cfi_table__find: tested) */
long cfi_index__find(const struct cfi_table *t, const struct unwind_row *idx, size_t n,
		     uint32_t bucket0, uint64_t vaddr);

/* One function .eh_frame describes: its code is [lo, hi) (ELF virtual addresses) */
struct cfi_fde {
	uint64_t lo, hi;
};

struct elf_file;
/* Every FDE of the file's .eh_frame, parsed from the section itself (CIE augmentations, the
 * FDE pointer encoding), sorted by lo; empty ranges dropped. *out is malloc'd (NULL when
 * *cnt is 0). 0, -ENOENT when there is no .eh_frame, -EINVAL when it is malformed, -ENOMEM. */
int cfi_fdes__read(const struct elf_file *ef, struct cfi_fde **out, size_t *cnt);
/* The FDE whose range holds vaddr, or NULL */
const struct cfi_fde *cfi_fdes__find(const struct cfi_fde *fdes, size_t cnt, uint64_t vaddr);

#endif
