/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What to probe in one binary for timing: the functions whose names match globs (a symbol
 * iterator over .symtab and .dynsym through libelf), where each one's entry probe goes (the
 * first instruction the kernel emulates when the ones before it change neither %rsp nor
 * memory and no jump of the function or of its .cold part lands among them), and,
 * for code a C++ exception can unwind, its return instructions (decoded with x86_len.h).
 * Also tells binaries apart: C++ (references __gxx_personality_v0) and Go (refused). */
#ifndef PERFAN_TIMING_TARGET_H
#define PERFAN_TIMING_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/errtext.h"
#include "target/procmaps.h"

struct timed_func {
	char *name;
	uint64_t vaddr, size;
	uint64_t entry_off;  /* file offset of the entry */
	uint64_t probe_off;  /* file offset of the entry probe (insn__place, INSN_KEEP_FRAME) */
	bool entry_emulated; /* the kernel emulates the instruction at probe_off (else it is
				single-stepped: a few us more per call) */
	bool has_fde;	     /* .eh_frame describes it: an exception can unwind through it */
	bool ret_insn;	     /* timed by probes on its return instructions, not a uretprobe */
	uint64_t *ret_offs;  /* file offsets of the returns (its .cold part's included) */
	size_t ret_cnt;
	size_t tail_exits; /* jumps out of the function: calls that leave that way go untimed */
};

struct timing_target {
	char *path;		  /* the file opened */
	bool cxx;		  /* references __gxx_personality_v0: its code can throw */
	bool stripped;		  /* no .symtab: only exported functions can match */
	struct timed_func *funcs; /* sorted by name */
	size_t cnt;
};

/* Open path (shown as `display` in messages) and collect the functions matching any of the
 * fnmatch(3) globs; aliases at one address count once. 0, or with one sentence in why:
 * -ENOENT nothing matches (why names the binary searched), -EPROTONOSUPPORT a Go binary,
 * -E2BIG more than max_funcs match, -ENOEXEC not an ELF file, -errno. */
int timing_target__load(const char *path, const char *display, char *const *globs, size_t glob_cnt,
			size_t max_funcs, struct timing_target *t, struct errtext *why);

/* Choose how each function's returns are caught: by probes on its return instructions when
 * force_insn, when the binary is C++, or when the process runs a C++ runtime (process_cxx)
 * and the function has unwind information; else by a uretprobe. 0, or -EINVAL with why when
 * the returns of a function that needs them cannot be decoded (it is not timed unsafely). */
int timing_target__plan(struct timing_target *t, bool process_cxx, bool force_insn,
			struct errtext *why);

/* Whether a process maps a C++ runtime (libstdc++, libc++): its exceptions may unwind through
 * frames of any binary with unwind tables */
bool timing_target__maps_cxx(const struct proc_maps *maps);

void timing_target__free(struct timing_target *t);

#endif
