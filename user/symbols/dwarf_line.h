/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A decoder of one DWARF line program (.debug_line, versions 2 to 5): its file names as
 * paths and its rows. libdw's dwarf_getsrclines does the same but allocates a list node per
 * row and sorts them: measured 0.49 s of a 0.6 s cold index build on a binary with 930,000
 * rows. This one hands rows to a callback and allocates only the file table. */
#ifndef PERFAN_DWARF_LINE_H
#define PERFAN_DWARF_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dwarf_line_sections {
	const uint8_t *line; /* .debug_line */
	size_t line_len;
	const uint8_t *str; /* .debug_str (DW_FORM_strp), may be NULL */
	size_t str_len;
	const uint8_t *line_str; /* .debug_line_str (DW_FORM_line_strp), may be NULL */
	size_t line_str_len;
};

struct dwarf_line_files {
	char **paths; /* by DWARF file number (from 1 before version 5, from 0 since); NULL gaps */
	size_t cnt;
};

/* Called per row; end: the row ends a sequence (its address is one past the last one) */
typedef int (*dwarf_line_row_fn)(void *ctx, uint64_t addr, uint32_t file, uint32_t line, bool end);

/* Decode the program at offset off. comp_dir resolves relative directories (may be NULL).
 * files receives malloc'ed full paths (free with dwarf_line__free_files). 0, -EINVAL for a
 * malformed or unsupported program (the caller can fall back to libdw), -ENOMEM, or what the
 * callback returned. */
int dwarf_line__decode(const struct dwarf_line_sections *sec, uint64_t off, const char *comp_dir,
		       struct dwarf_line_files *files, dwarf_line_row_fn row, void *ctx);
void dwarf_line__free_files(struct dwarf_line_files *files);

/* A source path as shown, lexically, in place: "./" components dropped and "dir/.." pairs
 * cancelled ("./csu/../sysdeps/x.h" is "sysdeps/x.h", as glibc's sources are laid out), a
 * leading ".." kept; never longer than it was */
void dwarf_line__normalize(char *path);

#endif
