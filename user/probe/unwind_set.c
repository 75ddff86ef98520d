// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Files given unwind rows (see unwind_set.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "lib/array.h"
#include "lib/sanitize.h"
#include "probe/unwind_set.h"
#include "target/procmaps.h"

bool unwind_set__has(const struct unwind_set *u, uint32_t dev, uint64_t ino)
{
	for (size_t i = 0; i < u->seen_cnt; i++)
		if (u->seen[i].dev == dev && u->seen[i].ino == ino)
			return true;
	return false;
}

/* Mark (dev, ino) seen; false when it was already */
static bool first_sight(struct unwind_set *u, uint32_t dev, uint64_t ino)
{
	for (size_t i = 0; i < u->seen_cnt; i++)
		if (u->seen[i].dev == dev && u->seen[i].ino == ino)
			return false;
	if (ARRAY_GROW(u->seen, u->seen_cap, u->seen_cnt + 1, 32))
		return false; /* out of memory: treat as seen, never loaded */
	u->seen[u->seen_cnt++] = (struct unwind_file){ .dev = dev, .ino = ino };
	return true;
}

/* Unmark (dev, ino): it could not be read (its process exited first), another may read it */
static void unsee(struct unwind_set *u, uint32_t dev, uint64_t ino)
{
	for (size_t i = 0; i < u->seen_cnt; i++)
		if (u->seen[i].dev == dev && u->seen[i].ino == ino) {
			u->seen[i] = u->seen[--u->seen_cnt];
			return;
		}
}

/* Build and hand over the rows of one file first seen; 1 loaded, 0 not */
static int load_file(struct unwind_set *u, const char *open_path, const char *name, uint32_t dev,
		     uint64_t ino, unwind_add_fn add, void *ctx)
{
	struct cfi_table t;
	int err, fd = open(open_path, O_RDONLY | O_CLOEXEC);

	/* gone before it was read (a short-lived process's map_files): not seen yet, so that
	 * the next process mapping it gets its rows */
	if (fd < 0) {
		unsee(u, dev, ino);
		return 0;
	}
	close(fd);
	if (cfi_table__build(open_path, &t)) {
		if (u->seen_fn) /* no .eh_frame, not x86-64: frame pointers it is */
			u->seen_fn(u->seen_ctx, dev, ino);
		return 0;
	}
	if (!cfi_table__frameless(&t)) {
		cfi_table__free(&t); /* frame pointers serve it as well, for no memory */
		if (u->seen_fn)
			u->seen_fn(u->seen_ctx, dev, ino);
		return 0;
	}
	err = add(ctx, dev, ino, &t);
	if (!err) {
		u->loaded++;
		u->rows += t.cnt;
	} else if (err == -ENOSPC) {
		char **n = realloc(u->no_room_paths, (u->no_room + 1) * sizeof(*n));

		if (n) {
			u->no_room_paths = n;
			n[u->no_room] = strdup(name);
			if (n[u->no_room]) /* a path from /proc, shown to the operator */
				sanitize__str(n[u->no_room++]);
		}
	}
	if (err && u->seen_fn)
		u->seen_fn(u->seen_ctx, dev, ino);
	cfi_table__free(&t);
	return !err;
}

static int by_code_size(const void *a, const void *b)
{
	const struct proc_map *x = *(const struct proc_map *const *)a;
	const struct proc_map *y = *(const struct proc_map *const *)b;
	uint64_t sx = x->end - x->start, sy = y->end - y->start;

	return sx < sy ? -1 : sx > sy;
}

int unwind_set__scan(struct unwind_set *u, const char *proc_dir, unwind_add_fn add, void *ctx)
{
	char path[PATH_MAX];
	struct proc_maps maps = {};
	const struct proc_map **todo;
	size_t cnt = 0;
	int err, n = 0;

	snprintf(path, sizeof(path), "%s/maps", proc_dir);
	err = proc_maps__read(path, &maps);
	if (err)
		return err;
	todo = calloc(maps.cnt ? maps.cnt : 1, sizeof(*todo));
	if (!todo) {
		proc_maps__free(&maps);
		return -ENOMEM;
	}
	for (size_t i = 0; i < maps.cnt; i++) {
		const struct proc_map *m = &maps.maps[i];

		if (m->exec && m->path[0] == '/' && m->inode &&
		    !unwind_set__has(u, m->dev_major << 20 | m->dev_minor, m->inode))
			todo[cnt++] = m;
	}
	/* the smallest code first: a dlopen'ed module (Python's _ssl) runs at once, and its walks
	 * stop at it until its rows are in, while a large library it maps (libcrypto) takes
	 * tens of ms */
	qsort(todo, cnt, sizeof(*todo), by_code_size);
	for (size_t i = 0; i < cnt; i++) {
		const struct proc_map *m = todo[i];
		uint32_t dev = m->dev_major << 20 | m->dev_minor;

		if (!first_sight(u, dev, m->inode))
			continue;
		/* map_files reaches the mapped file even when deleted or in another mount ns */
		snprintf(path, sizeof(path), "%s/map_files/%" PRIx64 "-%" PRIx64, proc_dir,
			 m->start, m->end);
		n += load_file(u, path, m->path, dev, m->inode, add, ctx);
	}
	free(todo);
	proc_maps__free(&maps);
	return n;
}

int unwind_set__scan_file(struct unwind_set *u, const char *proc_dir, uint32_t dev, uint64_t ino,
			  unwind_add_fn add, void *ctx)
{
	char path[PATH_MAX];
	struct proc_maps maps = {};
	int err, n = -ENOENT;

	if (unwind_set__has(u, dev, ino))
		return 0;
	snprintf(path, sizeof(path), "%s/maps", proc_dir);
	err = proc_maps__read(path, &maps);
	if (err)
		return err;
	for (size_t i = 0; i < maps.cnt; i++) {
		const struct proc_map *m = &maps.maps[i];

		if ((m->dev_major << 20 | m->dev_minor) != dev || m->inode != ino ||
		    m->path[0] != '/' || !first_sight(u, dev, ino))
			continue;
		snprintf(path, sizeof(path), "%s/map_files/%" PRIx64 "-%" PRIx64, proc_dir,
			 m->start, m->end);
		n = load_file(u, path, m->path, dev, ino, add, ctx);
		break;
	}
	proc_maps__free(&maps);
	return n;
}

int unwind_set__add_path(struct unwind_set *u, const char *path, unwind_add_fn add, void *ctx)
{
	struct stat st;
	uint32_t dev;

	if (stat(path, &st))
		return -errno;
	dev = major(st.st_dev) << 20 | minor(st.st_dev);
	if (!first_sight(u, dev, st.st_ino))
		return 0;
	return load_file(u, path, path, dev, st.st_ino, add, ctx);
}

int unwind_set__add_file(struct unwind_set *u, const char *open_path, const char *name,
			 uint32_t dev, uint64_t ino, unwind_add_fn add, void *ctx)
{
	if (!first_sight(u, dev, ino))
		return 0;
	return load_file(u, open_path, name, dev, ino, add, ctx);
}

void unwind_set__free(struct unwind_set *u)
{
	for (size_t i = 0; i < u->no_room; i++)
		free(u->no_room_paths[i]);
	free(u->no_room_paths);
	free(u->seen);
	memset(u, 0, sizeof(*u));
}
