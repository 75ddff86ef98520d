/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* From what the kernel maps hold (a sample: per-stack counts and loss counters) to the report
 * model: symbolize stacks the first time they are seen, then join counts with frames. */
#ifndef PERFAN_LEAK_MODEL_H
#define PERFAN_LEAK_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "analysis/report.h"
#include "lib/stacktab.h"
#include "symbols/symbolize.h"

/* Reads the instruction pointers of a stack id; returns how many (0..max) or -errno, and sets
 * *truncated when the capture itself stopped at its depth limit */
typedef int (*stack_fetch_fn)(void *ctx, uint64_t stack_id, uint64_t *ips, size_t max,
			      bool *truncated);

/* Symbolize every stack of the sample that the table does not hold yet: each address becomes
 * one frame per function (inlined calls expanded, innermost first). The mappings of a process
 * with new stacks are re-read once per call before they are symbolized, so a library loaded
 * since (dlopen), or unloaded and replaced by another at the same address, is named from what
 * is mapped now; and once more when an address is in none of them. A stack is marked truncated
 * when the capture hit its depth limit or when its outermost frame is not where a thread
 * starts (see leak_model__stack_complete). Returns the number of stacks added, or -errno. */
int leak_model__symbolize_new(struct stacktab *tab, struct symbolizer *sym,
			      const struct leak_sample *sample, stack_fetch_fn fetch, void *ctx);

/* Whether to leave a new stack out of the table for now: it has an address in no mapping the
 * symbolizer holds for pid (a process gone before its mappings were read, whose code the
 * kernel's events may not have told yet) */
typedef bool (*stack_hold_fn)(void *ctx, uint32_t pid, uint64_t stack_id);

/* Re-read pid's mappings into the symbolizer (in place of symbolizer__refresh); false when not
 * now: pid exec'd and the exec is yet to be handled, so what could be read is the new image's
 * while the stacks to name may be the old one's */
typedef bool (*maps_reread_fn)(void *ctx, uint32_t pid);

/* leak_model__symbolize_new, where a new stack with an address in no known mapping is left out
 * of the table (to be named by a later call, when the code is told) when hold says so, and the
 * mappings are re-read by reread when not NULL: the new stacks of a process it puts off are
 * left out too */
int leak_model__symbolize_held(struct stacktab *tab, struct symbolizer *sym,
			       const struct leak_sample *sample, stack_fetch_fn fetch,
			       stack_hold_fn hold, maps_reread_fn reread, void *ctx);

/* pid just exec'd: its stacks of the sample not in the table yet that is_old says were there
 * at the exec (the old image's; with is_old NULL, all of them) are named with the mappings the
 * symbolizer holds for it (read before the exec), never re-read here (the process's are the
 * new image's now). Returns the number of stacks added, or -errno. */
int leak_model__symbolize_old_image(struct stacktab *tab, struct symbolizer *sym,
				    const struct leak_sample *sample, uint32_t pid,
				    stack_fetch_fn fetch, stack_hold_fn is_old, void *ctx);

/* The outermost frame of a fully walked stack is where a thread starts: the C library's
 * __libc_start_call_main/__libc_start_main, start_thread, clone/clone3, or _start; a frame in
 * the C library without a name (stripped, no debug file) is given the benefit of the doubt.
 * Any other outermost frame means the walk stopped at a function without a frame pointer. */
bool leak_model__stack_complete(const struct frame *frames, size_t frame_cnt);

/* Build a sorted report with totals from the sample and the table. Stacks missing from the
 * table get no frames. The report points into the table: keep it alive. 0 or -ENOMEM. */
int leak_model__build(const struct stacktab *tab, const struct leak_sample *sample,
		      struct leak_report *rep);

#endif
