// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Parser and lookup of perf JIT maps (see perfmap.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/array.h"
#include "symbols/perfmap.h"

static int sym_cmp(const void *pa, const void *pb)
{
	const struct perf_map_sym *a = pa, *b = pb;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return a->line_no < b->line_no ? -1 : a->line_no > b->line_no;
}

int perf_map__parse(FILE *f, struct perf_map *out)
{
	char *line = NULL;
	size_t cap = 0, n = 0;
	ssize_t len;
	struct perf_map m = {};

	while ((len = getline(&line, &cap, f)) > 0) {
		unsigned long long start, size;
		int name_off = 0;
		struct perf_map_sym *s;

		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (sscanf(line, "%llx %llx %n", &start, &size, &name_off) != 2 || !name_off ||
		    !line[name_off] || !size)
			continue;
		if (ARRAY_GROW(m.syms, n, m.cnt + 1, 64))
			goto nomem;
		s = &m.syms[m.cnt];
		s->start = start;
		s->size = size;
		s->line_no = m.cnt;
		s->name = strdup(line + name_off);
		if (!s->name)
			goto nomem;
		m.cnt++;
	}
	free(line);
	if (m.cnt) {
		/* a JIT reuses addresses: the later line describes the code there now */
		struct perf_map_sym *tmp = m.syms;
		size_t w = 0;

		qsort(tmp, m.cnt, sizeof(*tmp), sym_cmp);
		for (size_t i = 0; i < m.cnt; i++) {
			if (w && tmp[w - 1].start == tmp[i].start) {
				free(tmp[w - 1].name);
				tmp[w - 1] = tmp[i];
				continue;
			}
			tmp[w++] = tmp[i];
		}
		m.cnt = w;
	}
	*out = m;
	return 0;
nomem:
	free(line);
	perf_map__free(&m);
	return -ENOMEM;
}

void perf_map__free(struct perf_map *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->cnt; i++)
		free(m->syms[i].name);
	free(m->syms);
	m->syms = NULL;
	m->cnt = 0;
}

const struct perf_map_sym *perf_map__find(const struct perf_map *m, uint64_t addr, uint64_t *offset)
{
	size_t lo = 0, hi = m->cnt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->syms[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || addr - m->syms[lo - 1].start >= m->syms[lo - 1].size)
		return NULL;
	*offset = addr - m->syms[lo - 1].start;
	return &m->syms[lo - 1];
}
