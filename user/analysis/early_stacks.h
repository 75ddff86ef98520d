/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Stacks walked before their rows were in: a stack the kernel walked while one of the process's
 * files had not been looked at yet (a library just mapped by dlopen or an exec, whose unwind rows
 * user space was still loading) is walked on from that file by frame pointers. Built with them,
 * the walk reaches the start and the stack is whole: kept as it is. Built without, it ends
 * early: its frames up to that file are a prefix of the whole stack later allocations from the
 * same call site get. One call site must give one stack: such a provisional stack is folded
 * into the one whole stack of its process that begins with the same frames, when there is
 * exactly one; otherwise it stays as it is, shown truncated. */
#ifndef PERFAN_EARLY_STACKS_H
#define PERFAN_EARLY_STACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/stack.h"
#include "lib/stacktab.h"

/* 0 when (pid, stack_id) is a whole walk; for a provisional one, how many of its captured
 * addresses were walked before it met the file not looked at yet (the walk went on past it by
 * frame pointers: right for code built with them, a guess for code without) */
typedef size_t (*stack_unseen_fn)(void *ctx, uint32_t pid, uint64_t stack_id);

struct early_fold {
	size_t folded; /* provisional stacks folded into a whole one */
	size_t left;   /* provisional stacks left: no whole stack begins with them, or several */
	uint64_t left_objects; /* the objects those allocated */
};

/* Fold the rows of provisional stacks of sample into their whole stack (frames from tab:
 * every row's stack must be in it; a row whose stack is not is left alone). Rows folded away
 * are removed; the order of the others is kept. 0 or -errno. */
int early_stacks__fold(struct leak_sample *sample, const struct stacktab *tab,
		       stack_unseen_fn unseen, void *ctx, struct early_fold *out);

#endif
