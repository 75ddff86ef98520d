/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Address -> frame for live processes: each process's mappings (re-read on demand), the ELF
 * files behind them opened once through the process's root (so processes in containers
 * work) and kept open, so frames still resolve after the process has exited. */
#ifndef PERFAN_SYMBOLIZE_H
#define PERFAN_SYMBOLIZE_H

#include <stdint.h>
#include "report.h"

struct symbolizer;

struct symbolizer_opts {
	const char *proc_root; /* "/proc"; tests may point elsewhere */
};

/* NULL with errno set on failure */
struct symbolizer *symbolizer__new(const struct symbolizer_opts *opts);
void symbolizer__free(struct symbolizer *sym);

/* Re-read pid's mappings and open the files not seen before. 0, or -errno (-ENOENT/-ESRCH
 * when the process is gone: the mappings read last stay in use). */
int symbolizer__refresh(struct symbolizer *sym, int pid);

/* Resolve a captured (return) address of pid. The function is looked up at address - 1, the
 * call instruction, not the instruction after it. Fields it cannot fill are NULL; strings
 * stay owned by the symbolizer for its lifetime. Returns 0 when the address was in a known
 * mapping, -ENOENT otherwise. */
int symbolizer__resolve(struct symbolizer *sym, int pid, uint64_t addr, struct frame *out);

#endif
