// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Address -> frames for live processes (see symbolize.h). Modules are opened once and never
 * closed before the symbolizer is freed; names read from perf maps are interned here, since
 * a perf map is re-read as the JIT writes it. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/safe_file.h"
#include "lib/sanitize.h"
#include "symbols/modsym.h"
#include "symbols/perfmap.h"
#include "symbols/symbolize.h"
#include "target/proc_dir.h"
#include "target/procmaps.h"

struct module {
	char *path; /* as the target sees it */
	uint64_t dev, ino;
	struct modsym *ms; /* NULL when it could not be opened */
	bool used;	   /* symbolizer__evict's mark */
	uint64_t last_use; /* the symbolizer's clock when it last resolved an address */
};

struct proc_state {
	int pid;
	char dir[PATH_MAX]; /* the /proc directory that shows its address space (proc_dir.h) */
	struct proc_maps maps;
	struct module **mods; /* parallel to maps.maps; NULL for anonymous/special mappings */
	struct perf_map jit;
	bool jit_read;
	/* the mappings of an image to come (symbolizer__refresh_next): read while an exec of the
	 * process was yet to be handled, taken in once it is */
	char next_dir[PATH_MAX];
	struct proc_maps next_maps;
	struct module **next_mods;
	uint64_t next_tag; /* 0: none */
};

struct symbolizer {
	char proc_root[PATH_MAX];
	char *debug_dir;
	bool debuginfod;
	struct module **mods;
	size_t mod_cnt;
	struct proc_state *procs;
	size_t proc_cnt;
	char **strs; /* interned strings, open addressing on their hash */
	size_t str_cap, str_cnt;
	uint64_t max_dwarf;   /* the DWARF budget, 0: none */
	uint64_t dwarf_bytes; /* what the modules' DWARF holds, summed */
	uint64_t dwarf_dropped;
	uint64_t clock; /* one tick per resolved address */
};

struct symbolizer *symbolizer__new(const struct symbolizer_opts *opts)
{
	struct symbolizer *sym = calloc(1, sizeof(*sym));

	if (!sym)
		return NULL;
	snprintf(sym->proc_root, sizeof(sym->proc_root), "%s",
		 opts && opts->proc_root ? opts->proc_root : "/proc");
	if (opts && opts->debug_dir && !(sym->debug_dir = strdup(opts->debug_dir))) {
		free(sym);
		return NULL;
	}
	sym->debuginfod = opts && opts->debuginfod;
	sym->max_dwarf = opts ? opts->max_dwarf_bytes : 0;
	return sym;
}

static void module_free(struct symbolizer *sym, struct module *m)
{
	if (!m)
		return;
	if (m->ms)
		sym->dwarf_bytes -= modsym__dwarf_bytes(m->ms);
	modsym__free(m->ms);
	free(m->path);
	free(m);
}

static void proc_state_clear(struct proc_state *ps)
{
	proc_maps__free(&ps->maps);
	free(ps->mods);
	ps->mods = NULL;
}

static void next_clear(struct proc_state *ps)
{
	proc_maps__free(&ps->next_maps);
	free(ps->next_mods);
	ps->next_mods = NULL;
	ps->next_tag = 0;
}

void symbolizer__free(struct symbolizer *sym)
{
	if (!sym)
		return;
	for (size_t i = 0; i < sym->mod_cnt; i++)
		module_free(sym, sym->mods[i]);
	for (size_t i = 0; i < sym->proc_cnt; i++) {
		proc_state_clear(&sym->procs[i]);
		next_clear(&sym->procs[i]);
		perf_map__free(&sym->procs[i].jit);
	}
	for (size_t i = 0; i < sym->str_cap; i++)
		free(sym->strs[i]);
	free(sym->strs);
	free(sym->mods);
	free(sym->procs);
	free(sym->debug_dir);
	free(sym);
}

static size_t str_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return (size_t)(h ^ h >> 29);
}

/* A copy of s that lives as long as the symbolizer, or NULL */
static const char *intern(struct symbolizer *sym, const char *s)
{
	size_t i;

	/* not ARRAY_GROW: a hash table is rehashed into new zeroed slots, not extended in place */
	if ((sym->str_cnt + 1) * 2 > sym->str_cap) {
		size_t cap = sym->str_cap ? sym->str_cap * 2 : 256;
		char **n = calloc(cap, sizeof(*n));

		if (!n)
			return NULL;
		for (size_t k = 0; k < sym->str_cap; k++) {
			if (!sym->strs[k])
				continue;
			for (i = str_hash(sym->strs[k]) & (cap - 1); n[i]; i = (i + 1) & (cap - 1))
				;
			n[i] = sym->strs[k];
		}
		free(sym->strs);
		sym->strs = n;
		sym->str_cap = cap;
	}
	for (i = str_hash(s) & (sym->str_cap - 1); sym->strs[i]; i = (i + 1) & (sym->str_cap - 1))
		if (!strcmp(sym->strs[i], s))
			return sym->strs[i];
	sym->strs[i] = strdup(s);
	if (sym->strs[i])
		sym->str_cnt++;
	return sym->strs[i];
}

/* *s as it may be shown: itself when clean, else an interned sanitized copy (sanitize.h).
 * Symbol, file and module names come from the target's files and /proc: it chose them. */
static void clean(struct symbolizer *sym, const char **s)
{
	char *copy;

	if (!*s)
		return;
	/* interned even when clean: a frame outlives the module it came from (symbolizer__evict) */
	if (sanitize__is_clean(*s)) {
		*s = intern(sym, *s) ?: "?";
		return;
	}
	copy = strdup(*s);
	if (!copy) {
		*s = "?";
		return;
	}
	sanitize__str(copy);
	*s = intern(sym, copy) ?: "?";
	free(copy);
}

/* Every name of a resolved frame, cleaned */
static void clean_frame(struct symbolizer *sym, struct frame *f)
{
	clean(sym, &f->module);
	clean(sym, &f->function);
	clean(sym, &f->raw_function);
	clean(sym, &f->file);
	if (f->build_id && *f->build_id)
		clean(sym, &f->build_id);
}

static struct proc_state *proc_get(struct symbolizer *sym, int pid, bool create)
{
	struct proc_state *n;

	for (size_t i = 0; i < sym->proc_cnt; i++)
		if (sym->procs[i].pid == pid)
			return &sym->procs[i];
	if (!create)
		return NULL;
	n = realloc(sym->procs, (sym->proc_cnt + 1) * sizeof(*n));
	if (!n)
		return NULL;
	sym->procs = n;
	n = &sym->procs[sym->proc_cnt++];
	memset(n, 0, sizeof(*n));
	n->pid = pid;
	return n;
}

bool symbolizer__holds(struct symbolizer *sym, int pid)
{
	const struct proc_state *ps = proc_get(sym, pid, false);

	return ps && ps->maps.cnt;
}

const struct proc_maps *symbolizer__maps(struct symbolizer *sym, int pid)
{
	const struct proc_state *ps = proc_get(sym, pid, false);

	return ps && ps->maps.cnt ? &ps->maps : NULL;
}

size_t symbolizer__evict(struct symbolizer *sym)
{
	size_t kept = 0, freed = 0;

	for (size_t i = 0; i < sym->mod_cnt; i++)
		sym->mods[i]->used = false;
	for (size_t p = 0; p < sym->proc_cnt; p++)
		for (size_t k = 0; sym->procs[p].mods && k < sym->procs[p].maps.cnt; k++)
			if (sym->procs[p].mods[k])
				sym->procs[p].mods[k]->used = true;
	for (size_t i = 0; i < sym->mod_cnt; i++) {
		if (sym->mods[i]->used) {
			sym->mods[kept++] = sym->mods[i];
			continue;
		}
		module_free(sym, sym->mods[i]);
		freed++;
	}
	sym->mod_cnt = kept;
	return freed;
}

void symbolizer__forget(struct symbolizer *sym, int pid)
{
	struct proc_state *ps = proc_get(sym, pid, false);

	if (!ps)
		return;
	proc_state_clear(ps);
	next_clear(ps);
	perf_map__free(&ps->jit);
	*ps = sym->procs[--sym->proc_cnt];
}

static bool is_file_path(const char *path)
{
	return path[0] == '/';
}

static uint64_t map_dev(const struct proc_map *map)
{
	return (uint64_t)map->dev_major << 32 | map->dev_minor;
}

/* The module of a file mapping of pid, opened on first sight. The key is the mapped file
 * (device and inode from the mappings) and its path: a path alone names different files in
 * different mount namespaces, and a library replaced on disk. */
/* Open m's file: host_given, else through the process's dir (its map_files, else its root) */
static void module_open(struct symbolizer *sym, struct module *m, const char *dir,
			const struct proc_map *map, const char *host_given)
{
	char host[PATH_MAX * 2], root[PATH_MAX + 32];
	struct modsym_opts mopts = {};
	size_t len = strlen(m->path);
	static const char deleted[] = " (deleted)";

	/* "[vdso]", "[heap]" and the like are named but have no file to read */
	if (!is_file_path(m->path))
		return;
	if (len > sizeof(deleted) - 1 && !strcmp(m->path + len - (sizeof(deleted) - 1), deleted))
		len -= sizeof(deleted) - 1;
	snprintf(root, sizeof(root), "%s/root", dir);
	mopts.path = m->path;
	mopts.debug.root = root;
	mopts.debug.debug_dir = sym->debug_dir;
	mopts.debug.debuginfod = sym->debuginfod;
	mopts.max_dwarf_bytes = sym->max_dwarf;
	if (host_given) {
		m->ms = modsym__open(host_given, &mopts);
		return;
	}
	/* the mapped file itself, even when deleted or replaced on disk since */
	snprintf(host, sizeof(host), "%s/map_files/%" PRIx64 "-%" PRIx64, dir, map->start,
		 map->end);
	m->ms = modsym__open(host, &mopts);
	if (!m->ms) {
		snprintf(host, sizeof(host), "%s%.*s", root, (int)len, m->path);
		m->ms = modsym__open(host, &mopts);
	}
}

/* The module of map (opened through the process's dir, or through host when given), made and
 * kept on first sight */
static struct module *module_get_at(struct symbolizer *sym, const char *dir,
				    const struct proc_map *map, const char *host_given)
{
	struct module *m, **n;

	for (size_t i = 0; i < sym->mod_cnt; i++) {
		m = sym->mods[i];
		if (m->dev != map_dev(map) || m->ino != map->inode || strcmp(m->path, map->path))
			continue;
		/* not read when first seen (its process was gone): through this one, once more */
		if (!m->ms)
			module_open(sym, m, dir, map, host_given);
		return m;
	}
	m = calloc(1, sizeof(*m));
	n = realloc(sym->mods, (sym->mod_cnt + 1) * sizeof(*n));
	if (!n) {
		free(m);
		return NULL;
	}
	sym->mods = n;
	if (!m)
		return NULL;
	m->path = strdup(map->path);
	m->dev = map_dev(map);
	m->ino = map->inode;
	if (!m->path) {
		module_free(sym, m);
		return NULL;
	}
	module_open(sym, m, dir, map, host_given);
	sym->mods[sym->mod_cnt++] = m;
	return m;
}

static struct module *module_get(struct symbolizer *sym, const char *dir,
				 const struct proc_map *map)
{
	return module_get_at(sym, dir, map, NULL);
}

/* The module of the regular file at path if it is (dev, ino) (safe_file__open_known: a path a
 * target gave, execve's, may have been replaced since by anything). NULL when it is not. */
static struct module *module_of_file(struct symbolizer *sym, const char *path, uint32_t dev,
				     uint64_t ino)
{
	struct proc_map map = { .path = (char *)path,
				.inode = ino,
				.dev_major = dev >> 20,
				.dev_minor = dev & 0xfffff };
	char host[64];
	struct module *m;
	int fd;

	if (path[0] != '/')
		return NULL; /* relative to a working directory we do not know */
	fd = safe_file__open_known(path, dev, ino);
	if (fd < 0)
		return NULL;
	snprintf(host, sizeof(host), "/proc/self/fd/%d", fd);
	m = module_get_at(sym, "/proc/self", &map, host);
	close(fd);
	return m && m->ms ? m : NULL;
}

/* The pid the process has in its own pid namespace: the one a JIT names its perf map after */
static int ns_pid(const struct symbolizer *sym, int pid)
{
	char path[PATH_MAX + 32], line[256];
	int nspid = pid;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d/status", sym->proc_root, pid);
	f = fopen(path, "re");
	if (!f)
		return pid;
	while (fgets(line, sizeof(line), f)) {
		char *p, *end;

		if (strncmp(line, "NSpid:", 6))
			continue;
		/* the last field is the innermost namespace */
		for (p = line + 6; *p; p = end) {
			long v = strtol(p, &end, 10);

			if (end == p)
				break;
			nspid = (int)v;
		}
	}
	fclose(f);
	return nspid;
}

/* The perf map at path, if it is a regular file of the process's own user (or root): /tmp is
 * anyone's, and a FIFO planted there would hang us, a symlink lead us to another file */
static FILE *open_perf_map(const char *path, const char *proc_dir)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st, owner;
	FILE *f;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || stat(proc_dir, &owner) ||
	    (st.st_uid != 0 && st.st_uid != owner.st_uid) || !(f = fdopen(fd, "re"))) {
		close(fd);
		return NULL;
	}
	return f;
}

static void read_perf_map(struct symbolizer *sym, struct proc_state *ps)
{
	char path[PATH_MAX + 64];
	struct perf_map jit = {};
	FILE *f;

	ps->jit_read = true;
	snprintf(path, sizeof(path), "%s/root/tmp/perf-%d.map", ps->dir, ns_pid(sym, ps->pid));
	f = open_perf_map(path, ps->dir);
	if (!f)
		return;
	if (!perf_map__parse(f, &jit)) {
		perf_map__free(&ps->jit);
		ps->jit = jit;
	}
	fclose(f);
}

/* pid's mappings read now into *maps, the files of its code opened (*mods beside them), dir
 * the /proc directory they were read through; then its state. 0, or -errno (-ESRCH: it exited
 * and shows none). */
static int read_maps(struct symbolizer *sym, int pid, char *dir, size_t dir_len,
		     struct proc_maps *maps, struct module ***mods, struct proc_state **ps)
{
	char path[PATH_MAX + 32];
	int err;

	/* a process whose main thread has exited is read through a live thread */
	err = proc_dir__mm(sym->proc_root, pid, dir, dir_len, NULL);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/maps", dir);
	err = proc_maps__read(path, maps);
	if (err)
		return err;
	/* a process that has exited but is not reaped shows no mappings: keep the old ones */
	if (!maps->cnt) {
		proc_maps__free(maps);
		return -ESRCH;
	}
	*mods = calloc(maps->cnt, sizeof(**mods));
	*ps = proc_get(sym, pid, true);
	if (!*mods || !*ps) {
		free(*mods);
		proc_maps__free(maps);
		return -ENOMEM;
	}
	for (size_t i = 0; i < maps->cnt; i++)
		if (maps->maps[i].exec && maps->maps[i].path[0])
			(*mods)[i] = module_get(sym, dir, &maps->maps[i]);
	return 0;
}

/* pid's mappings read now: its own (tag 0), or kept aside with tag */
static int refresh_as(struct symbolizer *sym, int pid, uint64_t tag)
{
	struct proc_maps maps = {};
	struct proc_state *ps;
	struct module **mods;
	char dir[PATH_MAX];
	int err = read_maps(sym, pid, dir, sizeof(dir), &maps, &mods, &ps);

	if (err)
		return err;
	if (tag) {
		next_clear(ps);
		snprintf(ps->next_dir, sizeof(ps->next_dir), "%s", dir);
		ps->next_maps = maps;
		ps->next_mods = mods;
		ps->next_tag = tag;
		return 0;
	}
	proc_state_clear(ps);
	snprintf(ps->dir, sizeof(ps->dir), "%s", dir);
	ps->maps = maps;
	ps->mods = mods;
	ps->jit_read = false; /* re-read on the next JIT address: the JIT appends to it */
	return 0;
}

int symbolizer__refresh(struct symbolizer *sym, int pid)
{
	return refresh_as(sym, pid, 0);
}

int symbolizer__refresh_next(struct symbolizer *sym, int pid, uint64_t tag)
{
	return tag ? refresh_as(sym, pid, tag) : -EINVAL;
}

bool symbolizer__take_next(struct symbolizer *sym, int pid, uint64_t tag)
{
	struct proc_state *ps = proc_get(sym, pid, false);

	if (!ps || !ps->next_tag)
		return false;
	if (!tag || ps->next_tag != tag) {
		next_clear(ps);
		return false;
	}
	proc_state_clear(ps);
	snprintf(ps->dir, sizeof(ps->dir), "%s", ps->next_dir);
	ps->maps = ps->next_maps;
	ps->mods = ps->next_mods;
	ps->next_maps = (struct proc_maps){};
	ps->next_mods = NULL;
	ps->next_tag = 0;
	ps->jit_read = false;
	return true;
}

/* Append a copy of map (its path duplicated) to maps/mods at *n; false when out of memory */
static bool map_push(struct proc_map *maps, struct module **mods, size_t *n,
		     const struct proc_map *map, struct module *m)
{
	maps[*n] = *map;
	maps[*n].path = strdup(map->path);
	if (!maps[*n].path)
		return false;
	mods[(*n)++] = m;
	return true;
}

/* Order maps (and mods beside them) by start: few entries, an insertion sort */
static void sort_maps(struct proc_map *maps, struct module **mods, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct proc_map x = maps[i];
		struct module *xm = mods[i];
		size_t j = i;

		for (; j > 0 && maps[j - 1].start > x.start; j--) {
			maps[j] = maps[j - 1];
			mods[j] = mods[j - 1];
		}
		maps[j] = x;
		mods[j] = xm;
	}
}

/* A module read already of the file the kernel knows as (dev: major << 20 | minor, ino), or
 * NULL */
static struct module *module_read(const struct symbolizer *sym, uint32_t dev, uint64_t ino)
{
	uint64_t mdev = (uint64_t)(dev >> 20) << 32 | (dev & 0xfffff); /* map_dev */

	for (size_t i = 0; i < sym->mod_cnt; i++)
		if (sym->mods[i]->dev == mdev && sym->mods[i]->ino == ino && sym->mods[i]->ms)
			return sym->mods[i];
	return NULL;
}

int symbolizer__add_exe(struct symbolizer *sym, int pid, const char *path, uint64_t start_code,
			uint64_t end_code, uint32_t dev, uint64_t ino)
{
	const struct module *m = module_read(sym, dev, ino);
	uint64_t vaddr, off, size;

	if (!m)
		m = module_of_file(sym, path, dev, ino);
	/* the segment is mapped from its page: its address and offset agree modulo one */
	if (!m || modsym__exec_segment(m->ms, &vaddr, &off, &size))
		return -ENOENT;
	return symbolizer__add_code(sym, pid, start_code & ~(uint64_t)4095, end_code,
				    off & ~(uint64_t)4095, dev, ino);
}

int symbolizer__adopt(struct symbolizer *sym, uint32_t dev, uint64_t ino, int fd)
{
	char host[64], path[PATH_MAX];
	struct proc_map map = {
		.path = path, .inode = ino, .dev_major = dev >> 20, .dev_minor = dev & 0xfffff
	};
	struct module *m;
	ssize_t n;

	if (module_read(sym, dev, ino))
		return 0;
	snprintf(host, sizeof(host), "/proc/self/fd/%d", fd);
	n = readlink(host, path, sizeof(path) - 1);
	if (n <= 0)
		return -ENOENT;
	path[n] = '\0';
	m = module_get_at(sym, "/proc/self", &map, host);
	return m && m->ms ? 0 : -ENOENT;
}

int symbolizer__add_loaded(struct symbolizer *sym, int pid, uint64_t bias, uint32_t dev,
			   uint64_t ino)
{
	const struct module *m = module_read(sym, dev, ino);
	uint64_t vaddr, off, size;

	if (!m || modsym__exec_segment(m->ms, &vaddr, &off, &size))
		return -ENOENT;
	return symbolizer__add_code(sym, pid, (bias + vaddr) & ~(uint64_t)4095, bias + vaddr + size,
				    off & ~(uint64_t)4095, dev, ino);
}

int symbolizer__add_code(struct symbolizer *sym, int pid, uint64_t start, uint64_t end,
			 uint64_t off, uint32_t dev, uint64_t ino)
{
	struct proc_map map = { .start = start,
				.offset = off,
				.inode = ino,
				.dev_major = dev >> 20,
				.dev_minor = dev & 0xfffff,
				.exec = true };
	struct module *m = module_read(sym, dev, ino), **mods;
	struct proc_map *maps;
	struct proc_state *ps;
	size_t n = 0;
	bool ok = true;

	/* an mmap's length need not be whole pages; its mapping is, and what it cuts too */
	end = (end + 4095) & ~(uint64_t)4095;
	map.end = end;
	if (!m || start >= end)
		return -ENOENT;
	ps = proc_get(sym, pid, true);
	if (!ps)
		return -ENOMEM;
	for (size_t i = 0; i < ps->maps.cnt; i++) /* read from the process itself already */
		if (ps->maps.maps[i].start == start && ps->maps.maps[i].end == end &&
		    ps->maps.maps[i].exec && ps->maps.maps[i].inode == ino)
			return 0;
	/* the new mapping replaces what it lies over (MAP_FIXED): the mappings around it are
	 * cut, one it lies inside of is split in two; then all in order of start */
	maps = calloc(ps->maps.cnt + 2, sizeof(*maps));
	mods = calloc(ps->maps.cnt + 2, sizeof(*mods));
	map.path = m->path;
	ok = maps && mods && map_push(maps, mods, &n, &map, m);
	for (size_t i = 0; ok && i < ps->maps.cnt; i++) {
		const struct proc_map *e = &ps->maps.maps[i];
		struct proc_map part = *e;

		if (e->end <= start || e->start >= end) {
			ok = map_push(maps, mods, &n, e, ps->mods[i]);
			continue;
		}
		if (e->start < start) { /* the part before it */
			part.end = start;
			ok = map_push(maps, mods, &n, &part, ps->mods[i]);
		}
		if (ok && e->end > end) { /* the part after it */
			part = *e;
			part.offset += end - e->start;
			part.start = end;
			ok = map_push(maps, mods, &n, &part, ps->mods[i]);
		}
	}
	if (ok)
		sort_maps(maps, mods, n);
	if (!ok || !maps || !mods) {
		for (size_t i = 0; maps && i < n; i++)
			free(maps[i].path);
		free(maps);
		free(mods);
		return -ENOMEM;
	}
	proc_state_clear(ps);
	ps->maps.maps = maps;
	ps->maps.cnt = n;
	ps->mods = mods;
	return 0;
}

/* An address in anonymous executable memory: the perf map names it */
static int resolve_jit(struct symbolizer *sym, struct proc_state *ps, struct frame *out)
{
	const struct perf_map_sym *s;
	uint64_t off;

	if (!ps->jit_read)
		read_perf_map(sym, ps);
	/* a return address: the call is the instruction before it */
	s = perf_map__find(&ps->jit, out->address - 1, &off);
	if (!s)
		return 0;
	out->function = intern(sym, s->name);
	out->raw_function = out->function;
	out->module = "[perf-map]";
	out->offset = off + 1;
	return 0;
}

/* Over the budget: let go of the least recently used modules' DWARF, never the one that was
 * just read (its size alone is within the budget: modsym reads no bigger one) */
static void trim_dwarf(struct symbolizer *sym, const struct module *keep)
{
	while (sym->dwarf_bytes > sym->max_dwarf) {
		struct module *lru = NULL;

		for (size_t i = 0; i < sym->mod_cnt; i++) {
			struct module *m = sym->mods[i];

			if (m != keep && m->ms && modsym__dwarf_bytes(m->ms) &&
			    (!lru || m->last_use < lru->last_use))
				lru = m;
		}
		if (!lru)
			return;
		sym->dwarf_bytes -= modsym__dwarf_bytes(lru->ms);
		modsym__drop_dwarf(lru->ms);
		sym->dwarf_dropped++;
	}
}

void symbolizer__stats(const struct symbolizer *sym, struct symbolizer_stats *st)
{
	*st = (struct symbolizer_stats){ .dwarf_bytes = sym->dwarf_bytes,
					 .dwarf_dropped = sym->dwarf_dropped,
					 .module_cnt = sym->mod_cnt };
	for (size_t i = 0; i < sym->mod_cnt; i++)
		if (sym->mods[i]->ms && modsym__dwarf_over(sym->mods[i]->ms))
			st->dwarf_over_cnt++;
}

int symbolizer__resolve(struct symbolizer *sym, int pid, uint64_t addr, struct frame *out,
			size_t max)
{
	struct proc_state *ps = proc_get(sym, pid, false);
	const struct proc_map *map;
	struct module *mod;
	uint64_t file_off, vaddr, before;
	size_t n;

	if (!max)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->address = addr;
	out->build_id = "";
	if (!ps)
		return -ENOENT;
	map = proc_maps__find(&ps->maps, addr);
	if (!map) {
		resolve_jit(sym, ps, out);
		clean_frame(sym, out);
		return out->function ? 1 : -ENOENT;
	}
	mod = ps->mods[map - ps->maps.maps];
	file_off = addr - map->start + map->offset;
	out->offset = file_off;
	if (!mod) {
		if (map->exec && !map->path[0])
			resolve_jit(sym, ps, out);
		clean_frame(sym, out);
		return 1; /* anonymous memory without a perf map: no module to name */
	}
	out->module = mod->path;
	if (!mod->ms || modsym__off_to_vaddr(mod->ms, file_off, &vaddr)) {
		clean_frame(sym, out);
		return 1;
	}
	/* addr is a return address: the call is the instruction before it */
	mod->last_use = ++sym->clock;
	before = modsym__dwarf_bytes(mod->ms);
	n = modsym__lookup(mod->ms, vaddr ? vaddr - 1 : 0, out, max);
	sym->dwarf_bytes += modsym__dwarf_bytes(mod->ms) - before;
	for (size_t i = 0; i < n; i++) {
		out[i].address = addr;
		out[i].module = mod->path;
		out[i].offset += 1; /* from the call back to the return address */
		out[i].at_entry = vaddr && modsym__at_entry(mod->ms, vaddr - 1);
		clean_frame(sym, &out[i]);
	}
	/* after the frames are copied out: their strings may be the DWARF let go */
	if (sym->max_dwarf && sym->dwarf_bytes > sym->max_dwarf)
		trim_dwarf(sym, mod);
	return (int)n;
}
