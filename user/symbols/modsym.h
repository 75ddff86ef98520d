/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The symbols of one module (an executable or a shared library): its ELF symbol tables, its
 * DWARF (in the file or a separate debug file, see debuginfo.h) indexed once on the first
 * lookup, and demangled names. Turns a link-time address into frames: inlined calls expanded,
 * innermost first. Knows nothing of processes: symbolize.h maps process addresses here. */
#ifndef PERFAN_MODSYM_H
#define PERFAN_MODSYM_H

#include <stddef.h>
#include <stdint.h>
#include "lib/stack.h"
#include "symbols/debuginfo.h"

struct modsym;

struct modsym_opts {
	const char *path;	     /* the module as the target sees it (for debuglink dirs) */
	struct debuginfo_opts debug; /* where separate debug files are searched */
	uint64_t max_dwarf_bytes;    /* DWARF bigger than this is not read (0: no limit) */
};

/* Open the ELF file at host_path (the file itself, e.g. /proc/PID/map_files/...). NULL with
 * errno set on failure. Debug information is looked for on the first lookup. */
struct modsym *modsym__open(const char *host_path, const struct modsym_opts *opts);
void modsym__free(struct modsym *m);

/* lowercase hex, "" when the module has none */
const char *modsym__build_id(const struct modsym *m);
/* file offset -> link-time address; 0 or -ENOENT */
int modsym__off_to_vaddr(const struct modsym *m, uint64_t off, uint64_t *vaddr);
/* Its first executable segment (elf_file__exec_segment); 0 or -ENOENT */
int modsym__exec_segment(const struct modsym *m, uint64_t *vaddr, uint64_t *off, uint64_t *size);

/* Frames of the instruction at pc (a link-time address; for a return address pass it minus
 * one), innermost first, at most max. Fills build_id, function, raw_function, file, line,
 * inlined and offset (from the start of the ELF symbol, else of the DWARF function, else pc
 * itself); not address or module. Strings stay owned by m. Returns the count, >= 1 when
 * max >= 1 (a frame with function NULL when nothing names pc). */
size_t modsym__lookup(struct modsym *m, uint64_t pc, struct frame *out, size_t max);

/* What its DWARF holds in memory now (sections and index), roughly; 0 when not read */
uint64_t modsym__dwarf_bytes(const struct modsym *m);
/* Its DWARF was bigger than max_dwarf_bytes and is not read: frames without file:line */
bool modsym__dwarf_over(const struct modsym *m);
/* Let go of its DWARF (frames looked up before keep what the caller copied); the next lookup
 * reads it again */
void modsym__drop_dwarf(struct modsym *m);

/* Where DWARF was read from after the first lookup: the host path of the debug file, the
 * module's own path when it carries its DWARF, "" when there is none */
const char *modsym__dwarf_path(const struct modsym *m);
/* Whether vaddr lies in the code at the module's ELF entry point (_start: it calls the C
 * library's start and never returns), so that a stack walk ending there is whole even
 * when the module is stripped */
bool modsym__at_entry(const struct modsym *m, uint64_t vaddr);

#endif
