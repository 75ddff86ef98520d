// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Address -> frame for live processes (see symbolize.h). Modules are keyed by the path the
 * process sees plus its root, opened once and never closed before the symbolizer is freed. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "elfsym.h"
#include "procmaps.h"
#include "symbolize.h"

struct module {
	char *path;	    /* as the target sees it */
	char *host_path;    /* what we opened */
	struct elf_file *ef; /* NULL when it could not be opened */
};

struct proc_state {
	int pid;
	struct proc_maps maps;
	struct module **mods; /* parallel to maps.maps; NULL for anonymous/special mappings */
};

struct symbolizer {
	char proc_root[PATH_MAX];
	struct module **mods;
	size_t mod_cnt;
	struct proc_state *procs;
	size_t proc_cnt;
};

struct symbolizer *symbolizer__new(const struct symbolizer_opts *opts)
{
	struct symbolizer *sym = calloc(1, sizeof(*sym));

	if (!sym)
		return NULL;
	snprintf(sym->proc_root, sizeof(sym->proc_root), "%s",
		 opts && opts->proc_root ? opts->proc_root : "/proc");
	return sym;
}

static void module_free(struct module *m)
{
	if (!m)
		return;
	elf_file__free(m->ef);
	free(m->path);
	free(m->host_path);
	free(m);
}

static void proc_state_clear(struct proc_state *ps)
{
	proc_maps__free(&ps->maps);
	free(ps->mods);
	ps->mods = NULL;
}

void symbolizer__free(struct symbolizer *sym)
{
	if (!sym)
		return;
	for (size_t i = 0; i < sym->mod_cnt; i++)
		module_free(sym->mods[i]);
	for (size_t i = 0; i < sym->proc_cnt; i++)
		proc_state_clear(&sym->procs[i]);
	free(sym->mods);
	free(sym->procs);
	free(sym);
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

static bool is_file_path(const char *path)
{
	return path[0] == '/';
}

/* The module for a path as seen by pid, opened on first sight */
static struct module *module_get(struct symbolizer *sym, int pid, const char *path)
{
	char host[PATH_MAX * 2];
	struct module *m, **n;
	size_t len = strlen(path);
	static const char deleted[] = " (deleted)";

	for (size_t i = 0; i < sym->mod_cnt; i++)
		if (!strcmp(sym->mods[i]->path, path))
			return sym->mods[i];
	m = calloc(1, sizeof(*m));
	n = realloc(sym->mods, (sym->mod_cnt + 1) * sizeof(*n));
	if (!m || !n) {
		free(m);
		return NULL;
	}
	sym->mods = n;
	m->path = strdup(path);
	if (len > sizeof(deleted) - 1 && !strcmp(path + len - (sizeof(deleted) - 1), deleted))
		len -= sizeof(deleted) - 1;
	snprintf(host, sizeof(host), "%s/%d/root%.*s", sym->proc_root, pid, (int)len, path);
	m->host_path = strdup(host);
	if (!m->path || !m->host_path) {
		module_free(m);
		return NULL;
	}
	/* "[vdso]", "[heap]" and the like are named but have no file to read */
	if (is_file_path(path))
		m->ef = elf_file__open(host);
	sym->mods[sym->mod_cnt++] = m;
	return m;
}

int symbolizer__refresh(struct symbolizer *sym, int pid)
{
	char path[PATH_MAX + 32];
	struct proc_maps maps = {};
	struct proc_state *ps;
	struct module **mods;
	int err;

	snprintf(path, sizeof(path), "%s/%d/maps", sym->proc_root, pid);
	err = proc_maps__read(path, &maps);
	if (err)
		return err;
	/* a process that has exited but is not reaped shows no mappings: keep the old ones */
	if (!maps.cnt) {
		proc_maps__free(&maps);
		return -ESRCH;
	}
	mods = calloc(maps.cnt, sizeof(*mods));
	ps = proc_get(sym, pid, true);
	if (!mods || !ps) {
		free(mods);
		proc_maps__free(&maps);
		return -ENOMEM;
	}
	for (size_t i = 0; i < maps.cnt; i++)
		if (maps.maps[i].exec && maps.maps[i].path[0])
			mods[i] = module_get(sym, pid, maps.maps[i].path);
	proc_state_clear(ps);
	ps->maps = maps;
	ps->mods = mods;
	return 0;
}

int symbolizer__resolve(struct symbolizer *sym, int pid, uint64_t addr, struct frame *out)
{
	struct proc_state *ps = proc_get(sym, pid, false);
	const struct proc_map *map;
	struct module *mod;
	uint64_t file_off, vaddr, off;

	memset(out, 0, sizeof(*out));
	out->address = addr;
	out->build_id = "";
	if (!ps || !(map = proc_maps__find(&ps->maps, addr)))
		return -ENOENT;
	mod = ps->mods[map - ps->maps.maps];
	file_off = addr - map->start + map->offset;
	out->offset = file_off;
	if (!mod)
		return 0; /* anonymous memory (JIT code): no module to name */
	out->module = mod->path;
	if (!mod->ef || elf_file__off_to_vaddr(mod->ef, file_off, &vaddr))
		return 0;
	out->build_id = elf_file__build_id(mod->ef);
	out->offset = vaddr;
	/* addr is a return address: the call is the instruction before it */
	out->function = elf_file__lookup(mod->ef, vaddr ? vaddr - 1 : 0, &off);
	if (out->function)
		out->offset = off + 1;
	return 0;
}
