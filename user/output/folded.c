// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Folded stacks (see folded.h): build every stack's line, sort, merge equal stacks, print. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "lib/stack_name.h"
#include "output/folded.h"

struct line {
	char *stack;
	int64_t value;
};

/* Appends src to the growing string *buf, with the characters that would break a line made
 * harmless */
static int append(char **buf, size_t *len, size_t *cap, const char *src, bool sep)
{
	size_t n = strlen(src);

	/* not ARRAY_GROW, which doubles until the need fits: this grows to twice the cap plus n */
	if (*len + n + 2 > *cap) {
		size_t cap2 = (*cap ? *cap * 2 : 256) + n;
		char *b = realloc(*buf, cap2);

		if (!b)
			return -ENOMEM;
		*buf = b;
		*cap = cap2;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];

		(*buf)[(*len)++] = sep			   ? (char)c
				   : c == ';'		   ? ':'
				   : c < 0x20 || c == 0x7f ? '?'
							   : (char)c;
	}
	(*buf)[*len] = '\0';
	return 0;
}

static char *stack_line(const struct profile *p, const struct profile_stack *s)
{
	char name[512], *buf = NULL;
	size_t len = 0, cap = 0;
	bool first = true;

	if (p->by_process) {
		snprintf(name, sizeof(name), "pid %" PRIu32, s->pid);
		if (append(&buf, &len, &cap, name, false))
			goto fail;
		first = false;
	}
	if (!s->frame_cnt) {
		stack_name__text(NULL, 0, NULL, s->stack_id, name, sizeof(name));
		if ((!first && append(&buf, &len, &cap, ";", true)) ||
		    append(&buf, &len, &cap, name, false))
			goto fail;
	}
	for (size_t i = s->frame_cnt; i-- > 0;) {
		profile__frame_name(&s->frames[i], name, sizeof(name));
		if ((!first && append(&buf, &len, &cap, ";", true)) ||
		    append(&buf, &len, &cap, name, false))
			goto fail;
		first = false;
	}
	return buf;
fail:
	free(buf);
	return NULL;
}

static int line_cmp(const void *pa, const void *pb)
{
	const struct line *a = pa, *b = pb;

	return strcmp(a->stack, b->stack);
}

int folded__write(const struct profile *p, const struct folded_opts *opts, FILE *out)
{
	struct line *lines = p->stack_cnt ? calloc(p->stack_cnt, sizeof(*lines)) : NULL;
	size_t n = 0;
	int err = 0;

	if (p->stack_cnt && !lines)
		return -ENOMEM;
	for (size_t i = 0; i < p->stack_cnt; i++) {
		int64_t v = p->stacks[i].val[opts->value];

		if (!v)
			continue;
		lines[n].stack = stack_line(p, &p->stacks[i]);
		if (!lines[n].stack) {
			err = -ENOMEM;
			goto out;
		}
		lines[n++].value = v;
	}
	if (n)
		qsort(lines, n, sizeof(*lines), line_cmp);
	for (size_t i = 0; i < n;) {
		__int128 sum = 0; /* equal names: exact, then saturated (profile.h) */
		int64_t v;
		size_t j = i;

		for (; j < n && !strcmp(lines[j].stack, lines[i].stack); j++)
			sum += lines[j].value;
		v = profile__saturate(sum);
		if (v && fprintf(out, "%s %" PRId64 "\n", lines[i].stack, v) < 0) {
			err = -EIO;
			goto out;
		}
		i = j;
	}
	if (ferror(out))
		err = -EIO;
out:
	for (size_t i = 0; i < n; i++)
		free(lines[i].stack);
	free(lines);
	return err;
}
