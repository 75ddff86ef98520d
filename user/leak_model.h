/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* From what the kernel maps hold (a sample: per-stack counts and loss counters) to the report
 * model: symbolize stacks the first time they are seen, then join counts with frames. */
#ifndef PERFAN_LEAK_MODEL_H
#define PERFAN_LEAK_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "report.h"
#include "stacktab.h"
#include "symbolize.h"

struct sample_stack {
	uint32_t pid;
	uint64_t stack_id;
	struct stack_counts counts;
};

struct leak_sample {
	struct sample_stack *stacks;
	size_t cnt;
	size_t cap;
	uint64_t lost[REPORT_LOST__MAX];
};

/* 0 or -ENOMEM */
int leak_sample__add(struct leak_sample *s, const struct sample_stack *st);
void leak_sample__free(struct leak_sample *s);

/* Reads the instruction pointers of a stack id; returns how many (0..max) or -errno */
typedef int (*stack_fetch_fn)(void *ctx, uint64_t stack_id, uint64_t *ips, size_t max);

/* Symbolize every stack of the sample that the table does not hold yet. A process's mappings
 * are re-read at most once per call, when an address is not in the mappings known so far.
 * Returns the number of stacks added, or -errno. */
int leak_model__symbolize_new(struct stacktab *tab, struct symbolizer *sym,
			      const struct leak_sample *sample, stack_fetch_fn fetch, void *ctx);

/* Build a sorted report with totals from the sample and the table. Stacks missing from the
 * table get no frames. The report points into the table: keep it alive. 0 or -ENOMEM. */
int leak_model__build(const struct stacktab *tab, const struct leak_sample *sample,
		      struct leak_report *rep);

#endif
