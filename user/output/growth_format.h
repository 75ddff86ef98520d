/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The growth report's formatters: text (processes, held stacks of exact windows, first-touch
 * stacks, the exact-mode command for the fastest growing, losses), JSON (docs/growth.md), and
 * the top-like live view. They read the model (analysis/growth_report.h) only. */
#ifndef PERFAN_OUTPUT_GROWTH_FORMAT_H
#define PERFAN_OUTPUT_GROWTH_FORMAT_H

#include <stddef.h>
#include <stdio.h>
#include "analysis/growth_report.h"

/* top: processes and stacks shown per section; 0: all. 0 or -errno. */
int growth_format__text(const struct growth_report *g, size_t top, FILE *out);
int growth_format__json(const struct growth_report *g, size_t top, FILE *out);
/* Clear the terminal and draw the processes, fastest growing first (at most rows) */
void growth_format__live(const struct growth_report *g, size_t rows, FILE *out);
/* The process row of pid, or NULL */
const struct proc_row *growth_format__proc(const struct growth_report *g, uint32_t pid);
/* The exact gear's command for pid, as printed in the report */
void growth_format__exact_command(uint32_t pid, char *buf, size_t len);

#endif
