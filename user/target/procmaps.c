// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Parser for the /proc/PID/maps format (see procmaps.h). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "lib/array.h"
#include "target/procmaps.h"

static int parse_line(char *line, struct proc_map *m)
{
	char perms[8];
	int path_at = 0;
	size_t len;

	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 " %n", &m->start,
		   &m->end, perms, &m->offset, &m->dev_major, &m->dev_minor, &m->inode,
		   &path_at) < 7 ||
	    !path_at || m->end < m->start || strlen(perms) != 4)
		return -EINVAL;
	m->exec = perms[2] == 'x';
	len = strlen(line + path_at);
	while (len && line[path_at + len - 1] == '\n')
		len--;
	m->path = strndup(line + path_at, len);
	return m->path ? 0 : -ENOMEM;
}

int proc_maps__parse(FILE *f, struct proc_maps *out)
{
	struct proc_maps res = {};
	size_t cap = 0, linecap = 0;
	char *line = NULL;
	int err = 0;

	while (getline(&line, &linecap, f) > 0) {
		if (ARRAY_GROW(res.maps, cap, res.cnt + 1, 64)) {
			err = -ENOMEM;
			goto cleanup;
		}
		memset(&res.maps[res.cnt], 0, sizeof(res.maps[0]));
		err = parse_line(line, &res.maps[res.cnt]);
		if (err)
			goto cleanup;
		res.cnt++;
	}
	if (ferror(f))
		err = -EIO;
cleanup:
	free(line);
	if (err)
		proc_maps__free(&res);
	else
		*out = res;
	return err;
}

int proc_maps__read(const char *path, struct proc_maps *out)
{
	FILE *f = fopen(path, "re");
	int err;

	if (!f)
		return -errno;
	err = proc_maps__parse(f, out);
	fclose(f);
	return err;
}

void proc_maps__free(struct proc_maps *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->cnt; i++)
		free(m->maps[i].path);
	free(m->maps);
	m->maps = NULL;
	m->cnt = 0;
}

const struct proc_map *proc_maps__find(const struct proc_maps *m, uint64_t addr)
{
	size_t lo = 0, hi = m->cnt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < m->maps[mid].start)
			hi = mid;
		else if (addr >= m->maps[mid].end)
			lo = mid + 1;
		else
			return &m->maps[mid];
	}
	return NULL;
}

const struct proc_map *proc_maps__find_lib(const struct proc_maps *m, const char *base)
{
	size_t blen = strlen(base);

	for (size_t i = 0; i < m->cnt; i++) {
		const char *slash = strrchr(m->maps[i].path, '/');
		const char *name = slash ? slash + 1 : NULL;

		if (!name || !m->maps[i].exec)
			continue;
		if (!strncmp(name, base, blen) &&
		    (name[blen] == '\0' || name[blen] == '.' || name[blen] == '-'))
			return &m->maps[i];
		/* "libc.so" also names glibc < 2.34's libc-2.31.so: stem, '-', version, ".so" */
		if (blen > 3 && !strcmp(base + blen - 3, ".so") && !strncmp(name, base, blen - 3) &&
		    name[blen - 3] == '-' && isdigit((unsigned char)name[blen - 2]) &&
		    strstr(name + blen - 2, ".so"))
			return &m->maps[i];
	}
	return NULL;
}

const struct proc_map *proc_maps__find_file(const struct proc_maps *m, uint32_t dev, uint64_t ino)
{
	for (size_t i = 0; i < m->cnt; i++)
		if (m->maps[i].inode == ino &&
		    (m->maps[i].dev_major << 20 | m->maps[i].dev_minor) == dev)
			return &m->maps[i];
	return NULL;
}
