/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The leak report's formatters (text, json) behind one lookup by name, and the frame line the
 * text formats share. They read the model (analysis/report.h) and never reach back. */
#ifndef PERFAN_OUTPUT_REPORT_FORMAT_H
#define PERFAN_OUTPUT_REPORT_FORMAT_H

#include <stdio.h>
#include "analysis/report.h"

typedef int (*report_formatter)(const struct leak_report *rep,
				const struct report_format_opts *opts, FILE *out);

/* One frame line of the text formats:
 * "    #3  0x00005555555551a9 leak_one (leaky.c:42) [inlined]  /path/to/module" */
void report__write_frame(FILE *out, size_t idx, const struct frame *f);
int report__write_text(const struct leak_report *rep, const struct report_format_opts *opts,
		       FILE *out);
int report__write_json(const struct leak_report *rep, const struct report_format_opts *opts,
		       FILE *out);
/* The formatter called `name` ("text", "json"), or NULL */
report_formatter report__formatter(const char *name);

#endif
