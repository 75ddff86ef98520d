// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Folded stacks (see folded.h): build every stack's line, sort, merge equal stacks, print. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "lib/stack_name.h"
#include "output/folded.h"

struct line {
	const char *stack; /* in the arena */
	int64_t value;
};

/* The lines' text, kept until they are sorted and printed: in blocks of ARENA_BLOCK bytes (a
 * longer line has a block of its own), no allocation or slack per line */
#define ARENA_BLOCK (1u << 20)
struct arena {
	char **blocks;
	size_t cnt, cap;
	size_t used; /* in the last block */
	size_t size; /* of the last block */
};

/* A copy of the n bytes at src (and a NUL) in the arena, or NULL */
static const char *arena_copy(struct arena *a, const char *src, size_t n)
{
	char *at;

	if (!a->cnt || a->size - a->used < n + 1) {
		size_t size = n + 1 > ARENA_BLOCK ? n + 1 : ARENA_BLOCK;
		char *b = malloc(size);

		if (!b)
			return NULL;
		if (a->cnt == a->cap) {
			size_t cap = a->cap ? a->cap * 2 : 16;
			char **nb = realloc(a->blocks, cap * sizeof(*nb));

			if (!nb) {
				free(b);
				return NULL;
			}
			a->blocks = nb;
			a->cap = cap;
		}
		a->blocks[a->cnt++] = b;
		a->used = 0;
		a->size = size;
	}
	at = a->blocks[a->cnt - 1] + a->used;
	memcpy(at, src, n);
	at[n] = '\0';
	a->used += n + 1;
	return at;
}

static void arena_free(struct arena *a)
{
	for (size_t i = 0; i < a->cnt; i++)
		free(a->blocks[i]);
	free(a->blocks);
}

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

/* The stack's line into *buf (grown as needed, kept for the next): its length, or -ENOMEM */
static long stack_line(const struct profile *p, const struct profile_stack *s, char **buf,
		       size_t *cap)
{
	char name[512];
	size_t len = 0;
	bool first = true;

	if (p->by_process) {
		snprintf(name, sizeof(name), "pid %" PRIu32, s->pid);
		if (append(buf, &len, cap, name, false))
			return -ENOMEM;
		first = false;
	}
	if (!s->frame_cnt) {
		stack_name__text(NULL, 0, NULL, s->stack_id, name, sizeof(name));
		if ((!first && append(buf, &len, cap, ";", true)) ||
		    append(buf, &len, cap, name, false))
			return -ENOMEM;
	}
	for (size_t i = s->frame_cnt; i-- > 0;) {
		profile__frame_name(&s->frames[i], name, sizeof(name));
		if ((!first && append(buf, &len, cap, ";", true)) ||
		    append(buf, &len, cap, name, false))
			return -ENOMEM;
		first = false;
	}
	return (long)len;
}

static int line_cmp(const void *pa, const void *pb)
{
	const struct line *a = pa, *b = pb;

	return strcmp(a->stack, b->stack);
}

int folded__write(const struct profile *p, const struct folded_opts *opts, FILE *out)
{
	struct line *lines = p->stack_cnt ? calloc(p->stack_cnt, sizeof(*lines)) : NULL;
	struct arena text = {};
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int err = 0;

	if (p->stack_cnt && !lines)
		return -ENOMEM;
	for (size_t i = 0; i < p->stack_cnt; i++) {
		int64_t v = p->stacks[i].val[opts->value];
		long len;

		if (!v)
			continue;
		len = stack_line(p, &p->stacks[i], &buf, &cap);
		lines[n].stack = len < 0 ? NULL : arena_copy(&text, buf ? buf : "", (size_t)len);
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
	arena_free(&text);
	free(buf);
	free(lines);
	return err;
}
