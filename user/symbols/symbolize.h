/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Address -> frames for live processes: each process's mappings (re-read on demand), the ELF
 * files behind them opened once through the process (its /proc/PID/map_files entry, else its
 * root, so processes in containers work) and kept open, so frames still resolve after the
 * process has exited. Modules are keyed by the mapped file's identity (device, inode) and
 * path, never by path alone: two containers with different files at one path get their own.
 * Anonymous executable memory is named from the process's perf map (/tmp/perf-PID.map). */
#ifndef PERFAN_SYMBOLIZE_H
#define PERFAN_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/stack.h"

struct symbolizer;

struct symbolizer_opts {
	const char *proc_root; /* "/proc"; tests may point elsewhere */
	const char *debug_dir; /* separate debug files; NULL: /usr/lib/debug */
	bool debuginfod;       /* ask debuginfod ($DEBUGINFOD_URLS) for missing debug files */
	/* DWARF (file:line) kept in memory across modules, roughly; past it the least recently
	 * used module's is let go (read again when wanted), and a module whose DWARF alone is
	 * bigger is named by its symbols only. 0: no limit. */
	uint64_t max_dwarf_bytes;
};

struct symbolizer_stats {
	uint64_t dwarf_bytes;	 /* DWARF held now */
	uint64_t dwarf_dropped;	 /* times a module's DWARF was let go for the budget */
	uint64_t dwarf_over_cnt; /* modules open whose DWARF is over the budget: no file:line */
	size_t module_cnt;	 /* files open */
};

/* NULL with errno set on failure */
struct symbolizer *symbolizer__new(const struct symbolizer_opts *opts);
void symbolizer__free(struct symbolizer *sym);

/* Re-read pid's mappings (and its perf map, when it has one) and open the files not seen
 * before. 0, or -errno (-ENOENT/-ESRCH when the process is gone: the mappings read last stay
 * in use). */
int symbolizer__refresh(struct symbolizer *sym, int pid);

/* symbolizer__refresh for an image of pid to come: pid exec'd and the exec is yet to be
 * handled (the stacks named until then may be the old image's), so what is read now is kept
 * aside, tagged (not 0), the files of its code opened while the process lives. The last one
 * read replaces the one before. 0, or -errno. */
int symbolizer__refresh_next(struct symbolizer *sym, int pid, uint64_t tag);

/* The exec tagged tag is handled: the mappings kept aside with that tag become pid's (true);
 * with another tag, or 0, they are dropped (false) */
bool symbolizer__take_next(struct symbolizer *sym, int pid, uint64_t tag);

/* pid maps code of the file the kernel knows as (dev: major << 20 | minor, ino) at
 * [start, end) (end rounded up to a page, as mmap does) from file offset off (told by the kernel as it maps it, so that a process gone
 * before its mappings are read is still named). Used until the next symbolizer__refresh reads
 * the mappings themselves; only a file already open for some process can be named so.
 * 0, -ENOENT when no open file is (dev, ino), or -ENOMEM. */
int symbolizer__add_code(struct symbolizer *sym, int pid, uint64_t start, uint64_t end,
			 uint64_t off, uint32_t dev, uint64_t ino);

/* pid exec'd the file (dev, ino) at path (as given to execve), whose code the kernel put at
 * [start_code, end_code) (its mm's start_code and end_code): as symbolizer__add_code for the
 * mapping of its first executable segment, the offset read from the file. The file is one
 * some process has open already, else the one at path when path is absolute and is still
 * (dev, ino). 0, -ENOENT (no such file), -ENOMEM. */
int symbolizer__add_exe(struct symbolizer *sym, int pid, const char *path, uint64_t start_code,
			uint64_t end_code, uint32_t dev, uint64_t ino);

/* pid exec'd and the kernel mapped the file (dev, ino) (its dynamic linker) with load bias
 * `bias`: as symbolizer__add_code for its first executable segment. Only a file some process
 * has open already. 0, -ENOENT, -ENOMEM. */
int symbolizer__add_loaded(struct symbolizer *sym, int pid, uint64_t bias, uint32_t dev,
			   uint64_t ino);

/* The file (dev, ino), open at fd (a descriptor the caller keeps), as a module, when none is
 * open: so that symbolizer__add_code can name a process's code in it after the process is
 * gone. 0, or -ENOENT when it cannot be read. */
int symbolizer__adopt(struct symbolizer *sym, uint32_t dev, uint64_t ino, int fd);

/* Whether the symbolizer holds mappings of pid (read from the process or told) */
bool symbolizer__holds(struct symbolizer *sym, int pid);

struct proc_maps;
/* The mappings of pid the symbolizer holds (read from the process or told), or NULL; valid
 * until its next call */
const struct proc_maps *symbolizer__maps(struct symbolizer *sym, int pid);

/* Forget pid's mappings (it exited and its stacks are named): the files stay open for the
 * other processes that map them */
void symbolizer__forget(struct symbolizer *sym, int pid);

/* Close the files no process known to the symbolizer maps any more (after symbolizer__forget):
 * frames resolved before stay valid (their strings are the symbolizer's). How many. */
size_t symbolizer__evict(struct symbolizer *sym);

/* Resolve a captured (return) address of pid into at most max frames, innermost inlined call
 * first; every frame has address = addr. The function and line are those of address - 1, the
 * call instruction, not the instruction after it. Fields it cannot fill are NULL; strings stay
 * owned by the symbolizer for its lifetime. Returns the number of frames (>= 1), or -ENOENT
 * when the address is in no known mapping (one frame with only the address is written). */
void symbolizer__stats(const struct symbolizer *sym, struct symbolizer_stats *st);

int symbolizer__resolve(struct symbolizer *sym, int pid, uint64_t addr, struct frame *out,
			size_t max);

#endif
