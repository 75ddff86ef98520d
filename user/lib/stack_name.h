/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The short name of an allocating stack in a diagnosis line: its first frame outside the
 * allocator module, as "function (file:line)", "function+0xoff", "module+0xoff" or the
 * address, so a reader sees the code that allocated rather than malloc's own frames. */
#ifndef PERFAN_STACK_NAME_H
#define PERFAN_STACK_NAME_H

#include <stddef.h>
#include <stdint.h>
#include "lib/stack.h"

/* The frame that names the stack: the first whose module differs from allocator (NULL
 * allocator: the first frame); the first frame when all are in the allocator; NULL when
 * there are no frames. */
const struct frame *stack_name__frame(const struct frame *frames, size_t frame_cnt,
				      const char *allocator);

/* Writes the name into buf and returns buf. With a source position: "function (file:line)",
 * or "file:line" without a function; else "function+0x1f"; else "libfoo.so+0x1234" (the
 * module's file name); else "0x7f001234". File and module paths are cut to their last
 * component. No frames: "[stack unavailable]" for stack id 0, "[stack 0x<id>]" otherwise. */
const char *stack_name__text(const struct frame *frames, size_t frame_cnt, const char *allocator,
			     uint64_t stack_id, char *buf, size_t len);

#endif
