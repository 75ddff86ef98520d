// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The short name of an allocating stack (see stack_name.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "lib/stack_name.h"

const struct frame *stack_name__frame(const struct frame *frames, size_t frame_cnt,
				      const char *allocator)
{
	if (!frame_cnt)
		return NULL;
	for (size_t i = 0; allocator && i < frame_cnt; i++)
		if (!frames[i].module || strcmp(frames[i].module, allocator))
			return &frames[i];
	return &frames[0];
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash && slash[1] ? slash + 1 : path;
}

/* snprintf cuts at a byte count, possibly inside a UTF-8 sequence, which JSON rejects: drop
 * the incomplete sequence at the end */
static void trim_partial_utf8(char *buf)
{
	size_t n = strlen(buf), lead = n, need;
	unsigned char c;

	while (lead > 0 && ((unsigned char)buf[lead - 1] & 0xc0) == 0x80 && n - lead < 3)
		lead--;
	if (!lead)
		return;
	c = (unsigned char)buf[lead - 1];
	need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
	if (need > 1 && n - (lead - 1) < need)
		buf[lead - 1] = '\0';
}

const char *stack_name__text(const struct frame *frames, size_t frame_cnt, const char *allocator,
			     uint64_t stack_id, char *buf, size_t len)
{
	const struct frame *f = stack_name__frame(frames, frame_cnt, allocator);
	int n;

	if (!len)
		return buf;
	if (!f && !stack_id)
		n = snprintf(buf, len, "[stack unavailable]");
	else if (!f)
		n = snprintf(buf, len, "[stack 0x%" PRIx64 "]", stack_id);
	else if (f->file && f->function)
		n = snprintf(buf, len, "%s (%s:%u)", f->function, base_name(f->file), f->line);
	else if (f->file)
		n = snprintf(buf, len, "%s:%u", base_name(f->file), f->line);
	else if (f->function)
		n = snprintf(buf, len, "%s+0x%" PRIx64, f->function, f->offset);
	else if (f->module)
		n = snprintf(buf, len, "%s+0x%" PRIx64, base_name(f->module), f->offset);
	else
		n = snprintf(buf, len, "0x%" PRIx64, f->address);
	if (n >= 0 && (size_t)n >= len)
		trim_partial_utf8(buf);
	return buf;
}
