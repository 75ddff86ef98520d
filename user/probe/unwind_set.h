/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Which files of a process get unwind rows: every executable file mapping is looked at once
 * (by device and inode); a file mostly built without frame pointers has its .eh_frame turned
 * into rows (cfi_table) and handed to a loader. Counts what it loaded and what did not fit. */
#ifndef PERFAN_UNWIND_SET_H
#define PERFAN_UNWIND_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "symbols/cfi_table.h"

/* Load t for the file (dev, ino); 0, -ENOSPC when it does not fit, or -errno */
typedef int (*unwind_add_fn)(void *ctx, uint32_t dev, uint64_t ino, const struct cfi_table *t);

struct unwind_file {
	uint32_t dev; /* kernel dev_t: major << 20 | minor */
	uint64_t ino;
};

/* Told of a file looked at that got no rows (built with frame pointers, no .eh_frame, no room) */
typedef void (*unwind_seen_fn)(void *ctx, uint32_t dev, uint64_t ino);

struct unwind_set {
	unwind_seen_fn seen_fn; /* optional */
	void *seen_ctx;
	struct unwind_file *seen;
	size_t seen_cnt, seen_cap;
	size_t loaded;	      /* files with rows loaded */
	size_t rows;	      /* rows loaded */
	size_t no_room;	      /* files whose rows did not fit (--max-unwind-rows) */
	char **no_room_paths; /* their paths, in the order met */
};

/* Look at the executable file mappings not seen before of the process that PROC_DIR shows
 * (PROC_DIR/maps, files opened through PROC_DIR/map_files; proc_dir.h finds PROC_DIR).
 * Returns how many files were newly loaded, or -errno when the mappings cannot be read. */
int unwind_set__scan(struct unwind_set *u, const char *proc_dir, unwind_add_fn add, void *ctx);
/* Look at the file (dev, ino) when not seen before, through any mapping of it the process
 * has (executable or not: the dynamic linker maps a library read-only before it maps its code).
 * 1 loaded, 0 not (seen before, or no rows wanted), -ENOENT when the process maps no part of
 * it (yet), or -errno when the mappings cannot be read. */
int unwind_set__scan_file(struct unwind_set *u, const char *proc_dir, uint32_t dev, uint64_t ino,
			  unwind_add_fn add, void *ctx);
/* Whether (dev, ino) has been looked at */
bool unwind_set__has(const struct unwind_set *u, uint32_t dev, uint64_t ino);
/* Look at one file by path (--all: the allocator's library). 1 loaded, 0 not, or -errno. */
int unwind_set__add_path(struct unwind_set *u, const char *path, unwind_add_fn add, void *ctx);
/* The file (dev, ino), read at open_path, named name in messages, when first seen; as
 * unwind_set__add_path */
int unwind_set__add_file(struct unwind_set *u, const char *open_path, const char *name,
			 uint32_t dev, uint64_t ino, unwind_add_fn add, void *ctx);
void unwind_set__free(struct unwind_set *u);

#endif
