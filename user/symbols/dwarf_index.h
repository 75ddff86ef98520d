/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The DWARF of one module indexed once for address lookups: every compile unit's line table
 * merged into one table sorted by address, every function's address ranges sorted, and the
 * ranges of the calls inlined into each function with their call sites. A lookup is two binary
 * searches and a scan of one function's inlined calls, never a DIE walk (libdw's per-address
 * scope walk is quadratic in the size of a compile unit: see DESIGN.md, Symbolization). */
#ifndef PERFAN_DWARF_INDEX_H
#define PERFAN_DWARF_INDEX_H

#include <elfutils/libdw.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dwarf_index;

/* One source-level frame of an address. Strings point into the Dwarf's sections: valid while
 * the Dwarf the index was built from is open. */
struct dwarf_loc {
	const char *name;    /* DW_AT_name, NULL when no function covers the address */
	const char *linkage; /* DW_AT_linkage_name (mangled), or NULL */
	const char *file;    /* NULL when no line covers the address */
	uint32_t line;
	bool inlined; /* an inlined call: the next location is its caller */
};

/* Walk every compile unit of dw once. NULL with errno set (ENOMEM). A Dwarf without units or
 * line tables gives an empty index, not an error. */
struct dwarf_index *dwarf_index__new(Dwarf *dw);
void dwarf_index__free(struct dwarf_index *di);

/* The source frames of the instruction at addr (a link-time address of the module; pass a
 * return address minus one), innermost first: out[0] is the innermost inlined function with
 * the line of addr, each next one is the caller with the line of the inlined call, the last
 * is the out-of-line function. Returns how many were written (at most max), 0 when neither
 * a function nor a line covers addr. */
size_t dwarf_index__lookup(const struct dwarf_index *di, uint64_t addr, struct dwarf_loc *out,
			   size_t max);

/* The memory the index itself holds (its tables), in bytes */
size_t dwarf_index__bytes(const struct dwarf_index *di);
size_t dwarf_index__func_cnt(const struct dwarf_index *di);
size_t dwarf_index__line_cnt(const struct dwarf_index *di);
size_t dwarf_index__inline_cnt(const struct dwarf_index *di);

#endif
