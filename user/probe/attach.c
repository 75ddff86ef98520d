// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Allocator discovery, probe placement and uprobe attach (see attach.h). */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "probe/attach.h"
#include "symbols/elfsym.h"
#include "target/insn.h"

static const char *const role_names[ROLE__MAX] = {
	[ROLE_MALLOC] = "malloc",
	[ROLE_CALLOC] = "calloc",
	[ROLE_REALLOC] = "realloc",
	[ROLE_REALLOCARRAY] = "reallocarray",
	[ROLE_POSIX_MEMALIGN] = "posix_memalign",
	[ROLE_ALIGNED_ALLOC] = "aligned_alloc",
	[ROLE_MEMALIGN] = "memalign",
	[ROLE_VALLOC] = "valloc",
	[ROLE_PVALLOC] = "pvalloc",
	[ROLE_FREE] = "free",
};

const char *probe_role__name(enum probe_role role)
{
	return role < ROLE__MAX ? role_names[role] : "?";
}

static bool defines_allocator(const char *path)
{
	struct elf_file *ef = elf_file__open(path);
	uint64_t va, size;
	bool ok;

	if (!ef)
		return false;
	ok = !elf_file__find_func(ef, "malloc", &va, &size) &&
	     !elf_file__find_func(ef, "free", &va, &size);
	elf_file__free(ef);
	return ok;
}

static int set_paths(struct allocator *out, const char *root, const char *module)
{
	if (snprintf(out->module, sizeof(out->module), "%s", module) >= (int)sizeof(out->module) ||
	    snprintf(out->path, sizeof(out->path), "%s%s", root, module) >= (int)sizeof(out->path))
		return -ENAMETOOLONG;
	return 0;
}

int allocator__find(const struct proc_maps *maps, const char *root, const char *exe,
		    struct allocator *out)
{
	/* a dedicated allocator library wins over an allocator in the executable, which wins
	 * over libc: that is the order in which the dynamic linker binds malloc */
	static const char *const libs[] = { "libjemalloc.so", "libtcmalloc.so",
					    "libtcmalloc_minimal.so", "libmimalloc.so" };
	static const char *const libcs[] = { "libc.so", "libc-", "ld-musl-x86_64.so" };
	const struct proc_map *m;

	for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]); i++) {
		m = proc_maps__find_lib(maps, libs[i]);
		if (m && !set_paths(out, root, m->path) && defines_allocator(out->path))
			return 0;
	}
	if (exe && *exe && !set_paths(out, root, exe) && defines_allocator(out->path))
		return 0;
	for (size_t i = 0; i < sizeof(libcs) / sizeof(libcs[0]); i++) {
		m = proc_maps__find_lib(maps, libcs[i]);
		if (m && !set_paths(out, root, m->path) && defines_allocator(out->path))
			return 0;
	}
	return -ENOENT;
}

int allocator__plan(const struct allocator *alloc, bool at_entry, struct probe_plan *plan)
{
	struct elf_file *ef = elf_file__open(alloc->path);
	int err = 0;

	if (!ef)
		return -errno;
	memset(plan, 0, sizeof(*plan));
	for (int role = 0; role < ROLE__MAX; role++) {
		struct probe_site *site = &plan->sites[plan->cnt];
		uint8_t code[4096];
		uint64_t va, size, off;
		size_t len;

		if (elf_file__find_func(ef, role_names[role], &va, &size))
			continue;
		if (elf_file__vaddr_to_off(ef, va, &off))
			continue;
		len = size && size < sizeof(code) ? size : sizeof(code);
		/* a function at the end of the file may be shorter than our buffer */
		while (len && elf_file__read(ef, off, code, len))
			len /= 2;
		if (!len) {
			err = -EIO;
			goto cleanup;
		}
		site->role = role;
		site->func = role_names[role];
		site->entry_off = off;
		site->probe_off = off;
		if (!at_entry)
			site->probe_off += insn__probe_offset(code, len, size);
		site->emulated = insn__is_emulated(code + (site->probe_off - off),
						   len - (site->probe_off - off));
		for (int i = 0; i < plan->cnt; i++)
			if (plan->sites[i].entry_off == off)
				site->dup = true;
		plan->cnt++;
	}
	if (!plan->cnt)
		err = -ENOENT;
cleanup:
	elf_file__free(ef);
	return err;
}

static int attach_one(struct bpf_program *prog, bool ret, int pid, const char *path, uint64_t off,
		      struct probe_links *out)
{
	struct bpf_link *link, **n;
	int err;

	/* libbpf's "every process" is -1; ours is 0 */
	link = bpf_program__attach_uprobe(prog, ret, pid > 0 ? pid : -1, path, off);
	if (!link)
		return -errno;
	n = realloc(out->links, (out->cnt + 1) * sizeof(*n));
	if (!n) {
		err = -ENOMEM;
		bpf_link__destroy(link);
		return err;
	}
	out->links = n;
	out->links[out->cnt++] = link;
	return 0;
}

int probes__attach(const struct probe_plan *plan, const char *path, int pid,
		   const struct probe_progs *progs, struct probe_links *out)
{
	int err = 0;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < plan->cnt; i++) {
		const struct probe_site *s = &plan->sites[i];
		struct bpf_program *enter = progs->enter[s->role];

		if (s->dup)
			continue;
		if (enter) {
			err = attach_one(enter, false, pid, path, s->probe_off, out);
			if (err)
				goto cleanup;
		}
		if (s->role != ROLE_FREE && enter && progs->ret) {
			err = attach_one(progs->ret, true, pid, path, s->probe_off, out);
			if (err)
				goto cleanup;
		}
	}
	return 0;
cleanup:
	probes__detach(out);
	return err;
}

void probes__detach(struct probe_links *links)
{
	if (!links)
		return;
	for (int i = 0; i < links->cnt; i++)
		bpf_link__destroy(links->links[i]);
	free(links->links);
	links->links = NULL;
	links->cnt = 0;
}
