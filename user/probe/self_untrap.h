/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Our own copy of probed code, its breakpoints taken out. A uprobe not filtered by process
 * (--all: every process's libc) is a breakpoint in every process that maps the file, ours too:
 * the BPF side ignores our calls, but only after each has trapped (~1-4 us a trap; loading a
 * library's unwind rows took 170 ms instead of 10 with every malloc trapping twice, and the
 * code thread fell behind the programs it reads). The kernel wrote the breakpoint into our
 * private copy of the page; writing the file's byte back there (through /proc/self/mem, as a
 * debugger does) leaves every other process probed and ours not. */
#ifndef PERFAN_SELF_UNTRAP_H
#define PERFAN_SELF_UNTRAP_H

#include <stddef.h>
#include <stdint.h>

/* For each file offset in offs[0..cnt) of the file at path that our process maps executable:
 * where our copy holds the breakpoint instruction (int3) and the file does not, the file's
 * byte goes back. Returns how many bytes were written back (0: none held a breakpoint, or we
 * do not map the file), or -errno when the file, our mappings or our memory cannot be read or
 * written. */
int self_untrap__file(const char *path, const uint64_t *offs, size_t cnt);

struct allocator;
struct probe_plan;

/* The same for every site and return instruction of plan in alloc's modules: the total
 * written back, or the first -errno */
int self_untrap__plan(const struct allocator *alloc, const struct probe_plan *plan);

#endif
