/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* One ELF file opened with libelf: function symbols (.symtab and .dynsym) sorted by address,
 * lookup by address and by name, file offset <-> virtual address through PT_LOAD, build-id,
 * and raw reads of its bytes (code to decode before placing a probe). */
#ifndef PERFAN_ELFSYM_H
#define PERFAN_ELFSYM_H

#include <libelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elf_file;

/* NULL with errno set on failure (ENOENT, ENOEXEC for a file that is not ELF, ...) */
struct elf_file *elf_file__open(const char *path);
void elf_file__free(struct elf_file *ef);

const char *elf_file__path(const struct elf_file *ef);
/* lowercase hex build-id, "" when the file has none */
const char *elf_file__build_id(const struct elf_file *ef);
size_t elf_file__sym_cnt(const struct elf_file *ef);
/* The libelf handle, owned by ef (for libdw) */
Elf *elf_file__elf(const struct elf_file *ef);
/* The file has a .symtab (not stripped), a section called `name` */
bool elf_file__has_symtab(const struct elf_file *ef);
/* The entry point's address (e_entry): where _start is, named or not; 0 when none */
uint64_t elf_file__entry(const struct elf_file *ef);
bool elf_file__has_section(const struct elf_file *ef, const char *name);
/* The bytes of its DWARF sections (.debug_*, .zdebug_*) once uncompressed: what reading its
 * DWARF costs in memory, roughly */
uint64_t elf_file__debug_bytes(const struct elf_file *ef);
/* The .gnu_debuglink file name (owned by ef) and its CRC-32, or NULL when there is none */
const char *elf_file__debuglink(const struct elf_file *ef, uint32_t *crc);

/* 0 or -ENOENT when no PT_LOAD segment covers it */
int elf_file__off_to_vaddr(const struct elf_file *ef, uint64_t off, uint64_t *vaddr);
int elf_file__vaddr_to_off(const struct elf_file *ef, uint64_t vaddr, uint64_t *off);
/* The lowest executable PT_LOAD segment: its address, file offset and size in the file; 0 or
 * -ENOENT */
int elf_file__exec_segment(const struct elf_file *ef, uint64_t *vaddr, uint64_t *off,
			   uint64_t *size);

/* The function named `name` (a symbol version suffix "@..." is ignored). 0 or -ENOENT. */
int elf_file__find_func(const struct elf_file *ef, const char *name, uint64_t *vaddr,
			uint64_t *size);
/* The function containing vaddr: its name (owned by ef) and vaddr's offset into it; NULL when
 * no function symbol covers it. */
const char *elf_file__lookup(const struct elf_file *ef, uint64_t vaddr, uint64_t *offset);
/* Read len bytes at file offset off. 0 or -errno (-EIO on a short read). */
int elf_file__read(const struct elf_file *ef, uint64_t off, void *buf, size_t len);

#endif
