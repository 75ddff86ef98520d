// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Allocator discovery, probe placement and uprobe attach (see attach.h).
 * Which entry points: every name a program can call that is not an alias of another probed one.
 * Layers nest (jemalloc's operator new -> aligned_alloc, posix_memalign -> mi_posix_memalign,
 * operator delete -> free): the BPF side counts a call made inside a pending one once, at the
 * outer call, and a free passed on by a delete once, so probing every layer is safe; aliases at
 * one address share one probe.
 * C++'s operators: an allocator's own (jemalloc, tcmalloc, mimalloc) never reach malloc and are
 * probed. The C++ runtime's (libstdc++, shared or linked into a static executable) call malloc
 * and free with the caller's size: they stay unprobed, one trap less per new, and the stack of
 * such an allocation starts at operator new. Its aligned operator new asks aligned_alloc for the
 * size rounded up to a multiple of the alignment: it gets an entry probe that hands the size
 * asked for to that call (ROLE_SIZE_HINT; its nothrow and array forms call it). */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "leak.h" /* LEAK_COOKIE_*, enum leak_usable */
#include "lib/sanitize.h"
#include "probe/attach.h"
#include "probe/fn_returns.h"
#include "probe/links.h"
#include "symbols/cfi_table.h"
#include "symbols/elfsym.h"
#include "target/insn.h"
#include "target/x86_len.h"

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
	[ROLE_SIZE_HINT] = "size_hint",
	[ROLE_LINKER] = "linker",
};

const char *probe_role__name(enum probe_role role)
{
	return role < ROLE__MAX ? role_names[role] : "?";
}

enum {
	EP_C = 1,	 /* a C name: takes the module's prefix (je_malloc) */
	EP_CXX = 2,	 /* a C++ operator: the C++ runtime's are not probed */
	EP_CXX_HINT = 4, /* the C++ runtime's aligned operator new: a size hint */
	EP_THROWS = 8,	 /* may throw (bad_alloc, or what a new_handler throws) */
	EP_LINKER = 16,	 /* the dynamic linker's (ALLOC_MOD_LINKER) */
};

struct entry_point {
	const char *name;
	enum probe_role role;
	unsigned flags;
};

static const struct entry_point entry_points[] = {
	/* the C API (glibc, musl, jemalloc, tcmalloc, mimalloc; an executable's copy of one) */
	/* the dynamic linker's hook for debuggers: its list of objects changed */
	{ "_dl_debug_state", ROLE_LINKER, EP_LINKER },
	{ "malloc", ROLE_MALLOC, EP_C },
	{ "calloc", ROLE_CALLOC, EP_C },
	{ "realloc", ROLE_REALLOC, EP_C },
	{ "reallocarray", ROLE_REALLOCARRAY, EP_C },
	{ "posix_memalign", ROLE_POSIX_MEMALIGN, EP_C },
	{ "aligned_alloc", ROLE_ALIGNED_ALLOC, EP_C },
	{ "memalign", ROLE_MEMALIGN, EP_C },
	{ "valloc", ROLE_VALLOC, EP_C },
	{ "pvalloc", ROLE_PVALLOC, EP_C },
	{ "free", ROLE_FREE, EP_C },
	{ "cfree", ROLE_FREE, EP_C },
	/* jemalloc's own API (xallocx resizes in place: not probed, the block keeps its size) */
	{ "mallocx", ROLE_MALLOC, EP_C },
	{ "rallocx", ROLE_REALLOC, EP_C },
	{ "dallocx", ROLE_FREE, EP_C },
	{ "sdallocx", ROLE_FREE, EP_C },
	/* C++: every operator new and delete (Itanium names, size_t = unsigned long) */
	{ "_Znwm", ROLE_MALLOC, EP_CXX | EP_THROWS },
	{ "_Znam", ROLE_MALLOC, EP_CXX | EP_THROWS },
	{ "_ZnwmRKSt9nothrow_t", ROLE_MALLOC, EP_CXX },
	{ "_ZnamRKSt9nothrow_t", ROLE_MALLOC, EP_CXX },
	{ "_ZnwmSt11align_val_t", ROLE_MALLOC, EP_CXX | EP_CXX_HINT | EP_THROWS },
	{ "_ZnamSt11align_val_t", ROLE_MALLOC, EP_CXX | EP_THROWS },
	{ "_ZnwmSt11align_val_tRKSt9nothrow_t", ROLE_MALLOC, EP_CXX },
	{ "_ZnamSt11align_val_tRKSt9nothrow_t", ROLE_MALLOC, EP_CXX },
	{ "_ZdlPv", ROLE_FREE, EP_CXX },
	{ "_ZdaPv", ROLE_FREE, EP_CXX },
	{ "_ZdlPvm", ROLE_FREE, EP_CXX },
	{ "_ZdaPvm", ROLE_FREE, EP_CXX },
	{ "_ZdlPvRKSt9nothrow_t", ROLE_FREE, EP_CXX },
	{ "_ZdaPvRKSt9nothrow_t", ROLE_FREE, EP_CXX },
	{ "_ZdlPvSt11align_val_t", ROLE_FREE, EP_CXX },
	{ "_ZdaPvSt11align_val_t", ROLE_FREE, EP_CXX },
	{ "_ZdlPvmSt11align_val_t", ROLE_FREE, EP_CXX },
	{ "_ZdaPvmSt11align_val_t", ROLE_FREE, EP_CXX },
	{ "_ZdlPvSt11align_val_tRKSt9nothrow_t", ROLE_FREE, EP_CXX },
	{ "_ZdaPvSt11align_val_tRKSt9nothrow_t", ROLE_FREE, EP_CXX },
	/* tcmalloc's names: aliases of the above in libtcmalloc, functions of their own where an
	 * executable links tcmalloc without overriding malloc */
	{ "tc_malloc_skip_new_handler", ROLE_MALLOC, 0 },
	{ "tc_new", ROLE_MALLOC, EP_THROWS },
	{ "tc_newarray", ROLE_MALLOC, EP_THROWS },
	{ "tc_new_nothrow", ROLE_MALLOC, 0 },
	{ "tc_newarray_nothrow", ROLE_MALLOC, 0 },
	{ "tc_new_aligned", ROLE_MALLOC, EP_THROWS },
	{ "tc_newarray_aligned", ROLE_MALLOC, EP_THROWS },
	{ "tc_new_aligned_nothrow", ROLE_MALLOC, 0 },
	{ "tc_newarray_aligned_nothrow", ROLE_MALLOC, 0 },
	{ "tc_delete", ROLE_FREE, 0 },
	{ "tc_deletearray", ROLE_FREE, 0 },
	{ "tc_delete_sized", ROLE_FREE, 0 },
	{ "tc_deletearray_sized", ROLE_FREE, 0 },
	{ "tc_delete_nothrow", ROLE_FREE, 0 },
	{ "tc_deletearray_nothrow", ROLE_FREE, 0 },
	{ "tc_delete_aligned", ROLE_FREE, 0 },
	{ "tc_deletearray_aligned", ROLE_FREE, 0 },
	{ "tc_delete_sized_aligned", ROLE_FREE, 0 },
	{ "tc_deletearray_sized_aligned", ROLE_FREE, 0 },
	{ "tc_delete_aligned_nothrow", ROLE_FREE, 0 },
	{ "tc_deletearray_aligned_nothrow", ROLE_FREE, 0 },
	{ "tc_free_sized", ROLE_FREE, 0 },
	/* mimalloc's API beyond the aliases of the standard names (mi_malloc = malloc): the
	 * functions whose arguments are those of a standard one. Not the mi_heap_* family (a heap
	 * first) nor mi_strdup, mi_strndup, mi_realpath (no size among the arguments) */
	{ "mi_malloc_small", ROLE_MALLOC, 0 },
	{ "mi_zalloc", ROLE_MALLOC, 0 },
	{ "mi_zalloc_small", ROLE_MALLOC, 0 },
	{ "mi_mallocn", ROLE_CALLOC, 0 },
	{ "mi_reallocn", ROLE_REALLOCARRAY, 0 },
	{ "mi_rezalloc", ROLE_REALLOC, 0 },
	{ "mi_recalloc", ROLE_REALLOCARRAY, 0 },
	{ "mi_malloc_aligned", ROLE_MALLOC, 0 },
	{ "mi_malloc_aligned_at", ROLE_MALLOC, 0 },
	{ "mi_zalloc_aligned", ROLE_MALLOC, 0 },
	{ "mi_zalloc_aligned_at", ROLE_MALLOC, 0 },
	{ "mi_calloc_aligned", ROLE_CALLOC, 0 },
	{ "mi_calloc_aligned_at", ROLE_CALLOC, 0 },
	{ "mi_realloc_aligned", ROLE_REALLOC, 0 },
	{ "mi_realloc_aligned_at", ROLE_REALLOC, 0 },
	{ "mi_rezalloc_aligned", ROLE_REALLOC, 0 },
	{ "mi_rezalloc_aligned_at", ROLE_REALLOC, 0 },
	{ "mi_recalloc_aligned", ROLE_REALLOCARRAY, 0 },
	{ "mi_recalloc_aligned_at", ROLE_REALLOCARRAY, 0 },
	{ "mi_posix_memalign", ROLE_POSIX_MEMALIGN, 0 },
	{ "mi_memalign", ROLE_MEMALIGN, 0 },
	{ "mi_aligned_alloc", ROLE_ALIGNED_ALLOC, 0 },
	{ "mi_valloc", ROLE_VALLOC, 0 },
	{ "mi_pvalloc", ROLE_PVALLOC, 0 },
	{ "mi_reallocarray", ROLE_REALLOCARRAY, 0 },
	{ "mi_new", ROLE_MALLOC, EP_THROWS },
	{ "mi_new_n", ROLE_CALLOC, EP_THROWS },
	{ "mi_new_nothrow", ROLE_MALLOC, 0 },
	{ "mi_new_aligned", ROLE_MALLOC, EP_THROWS },
	{ "mi_new_aligned_nothrow", ROLE_MALLOC, 0 },
	{ "mi_new_realloc", ROLE_REALLOC, EP_THROWS },
	{ "mi_new_reallocn", ROLE_REALLOCARRAY, EP_THROWS },
	{ "mi_free_size", ROLE_FREE, 0 },
	{ "mi_free_aligned", ROLE_FREE, 0 },
	{ "mi_free_size_aligned", ROLE_FREE, 0 },
	{ "mi_cfree", ROLE_FREE, 0 },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Prefixes under which an executable may bundle an allocator beside the one its libraries use
 * (redis builds jemalloc with je_; mimalloc and tcmalloc linked without overriding malloc) */
static const char *const bundled_prefixes[] = { "je_", "mi_", "tc_" };

static bool defines(const struct elf_file *ef, const char *prefix, const char *name)
{
	char sym[64];
	uint64_t va, size;

	snprintf(sym, sizeof(sym), "%s%s", prefix, name);
	return !elf_file__find_func(ef, sym, &va, &size);
}

static bool defines_allocator(const struct elf_file *ef, const char *prefix)
{
	return ef && defines(ef, prefix, "malloc") && defines(ef, prefix, "free");
}

/* PREFIXmalloc is malloc under another name (mimalloc linked in with its override: mi_malloc) */
static bool aliases_malloc(const struct elf_file *ef, const char *prefix)
{
	uint64_t va, pva, size;
	char sym[64];

	snprintf(sym, sizeof(sym), "%smalloc", prefix);
	return !elf_file__find_func(ef, "malloc", &va, &size) &&
	       !elf_file__find_func(ef, sym, &pva, &size) && va == pva;
}

static int set_paths(struct alloc_module *m, const char *root, const char *module)
{
	if (snprintf(m->module, sizeof(m->module), "%s", module) >= (int)sizeof(m->module) ||
	    snprintf(m->path, sizeof(m->path), "%s%s", root, module) >= (int)sizeof(m->path))
		return -ENAMETOOLONG;
	return 0;
}

/* Whether path, in our root, is a file the process maps */
static bool maps_file(const struct proc_maps *maps, const char *path)
{
	struct stat st;

	return !stat(path, &st) &&
	       proc_maps__find_file(maps, major(st.st_dev) << 20 | minor(st.st_dev), st.st_ino);
}

/* Open module (as the target sees it) through root; NULL when it cannot be. A process
 * chroot'ed in our mount namespace (a container's root on an overlay) has its mappings named
 * from our root, where root + module is nothing: module itself is then the file, when it is
 * the one the process maps. */
static struct elf_file *open_module(const struct proc_maps *maps, const char *root,
				    const char *module, struct alloc_module *m)
{
	struct elf_file *ef;

	memset(m, 0, sizeof(*m));
	if (set_paths(m, root, module))
		return NULL;
	ef = elf_file__open(m->path);
	if (ef || !*root || module[0] != '/' || !maps_file(maps, module))
		return ef;
	snprintf(m->path, sizeof(m->path), "%s", module);
	return elf_file__open(m->path);
}

static void add_module(struct allocator *out, const struct alloc_module *m, const char *prefix,
		       enum alloc_module_kind kind)
{
	struct alloc_module *n;

	if (out->mod_cnt == ALLOC_MODULES_MAX)
		return;
	n = &out->mods[out->mod_cnt++];
	*n = *m;
	snprintf(n->prefix, sizeof(n->prefix), "%s", prefix);
	n->kind = kind;
}

/* module as the allocator malloc binds to, when it defines malloc and free */
static bool try_main(const struct proc_maps *maps, struct allocator *out, const char *root,
		     const char *module, struct alloc_module *m)
{
	struct elf_file *ef;
	bool ok;

	if (!module || !*module)
		return false;
	ef = open_module(maps, root, module, m);
	ok = defines_allocator(ef, "");
	elf_file__free(ef);
	if (ok)
		add_module(out, m, "", ALLOC_MOD_ALLOCATOR);
	return ok;
}

/* The allocator malloc binds to: a dedicated allocator library wins over an allocator in the
 * executable, which wins over libc */
static bool find_main(const struct proc_maps *maps, const char *root, const char *exe,
		      struct allocator *out, struct alloc_module *m)
{
	static const char *const libs[] = { "libjemalloc.so", "libtcmalloc.so",
					    "libtcmalloc_minimal.so", "libmimalloc.so" };
	static const char *const libcs[] = { "libc.so", "libc-", "ld-musl-x86_64.so" };
	const struct proc_map *pm;

	for (size_t i = 0; i < COUNT(libs); i++)
		if ((pm = proc_maps__find_lib(maps, libs[i])) &&
		    try_main(maps, out, root, pm->path, m))
			return true;
	if (try_main(maps, out, root, exe, m))
		return true;
	for (size_t i = 0; i < COUNT(libcs); i++)
		if ((pm = proc_maps__find_lib(maps, libcs[i])) &&
		    try_main(maps, out, root, pm->path, m))
			return true;
	return false;
}

/* Whether an allocator module defines C++'s aligned operator new (its own, or the runtime's
 * linked in: either is planned for) */
static bool allocators_define_aligned_new(const struct allocator *a)
{
	bool found = false;

	for (int i = 0; i < a->mod_cnt && !found; i++) {
		struct elf_file *ef = elf_file__open(a->mods[i].path);

		found = ef && defines(ef, "", "_ZnwmSt11align_val_t");
		elf_file__free(ef);
	}
	return found;
}

/* The dynamic linker among the mappings, added as a module of its own for its
 * _dl_debug_state: a mapped ld-*.so (glibc's ld-linux-x86-64.so.2), else the main allocator's
 * file (musl's libc.so is its dynamic linker too). None for a static program. */
static void add_linker(const struct proc_maps *maps, const char *root, struct allocator *out)
{
	const char *cand = NULL;
	struct alloc_module m;
	struct elf_file *ef;

	for (size_t i = 0; i < maps->cnt && !cand; i++) {
		const char *slash = strrchr(maps->maps[i].path, '/');

		if (maps->maps[i].exec && slash && !strncmp(slash + 1, "ld-", 3))
			cand = maps->maps[i].path;
	}
	if (!cand)
		cand = out->mods[0].module;
	ef = open_module(maps, root, cand, &m);
	if (ef && defines(ef, "", "_dl_debug_state"))
		add_module(out, &m, "", ALLOC_MOD_LINKER);
	elf_file__free(ef);
}

/* A mapped libpython*.so (CPython built --enable-shared) that defines PyObject_Malloc */
static bool maps_libpython(const struct proc_maps *maps, const char *root)
{
	for (size_t i = 0; i < maps->cnt; i++) {
		const char *slash = strrchr(maps->maps[i].path, '/');
		struct alloc_module m;
		struct elf_file *ef;
		bool py;

		if (!maps->maps[i].exec || !slash || strncmp(slash + 1, "libpython", 9))
			continue;
		ef = open_module(maps, root, maps->maps[i].path, &m);
		py = ef && defines(ef, "", "PyObject_Malloc");
		elf_file__free(ef);
		return py;
	}
	return false;
}

int allocator__find(const struct proc_maps *maps, const char *root, const char *exe,
		    struct allocator *out)
{
	struct alloc_module m;
	const struct proc_map *pm;
	struct elf_file *ef;

	memset(out, 0, sizeof(*out));
	if (!find_main(maps, root, exe, out, &m))
		return -ENOENT;
	/* an allocator bundled under a prefix serves the executable's own calls beside the one
	 * its libraries (libc's strdup, fopen) use */
	ef = exe && *exe ? open_module(maps, root, exe, &m) : NULL;
	out->cpython = (ef && defines(ef, "", "PyObject_Malloc")) || maps_libpython(maps, root);
	for (size_t i = 0; ef && i < COUNT(bundled_prefixes); i++)
		if (defines_allocator(ef, bundled_prefixes[i]) &&
		    !(!strcmp(out->mods[0].path, m.path) &&
		      aliases_malloc(ef, bundled_prefixes[i])))
			add_module(out, &m, bundled_prefixes[i], ALLOC_MOD_ALLOCATOR);
	/* the C++ runtime whose aligned operator new the process calls, for its size: the
	 * executable's copy (libstdc++ linked statically) wins over libstdc++.so */
	if (!allocators_define_aligned_new(out)) {
		if (!(ef && defines(ef, "", "_ZnwmSt11align_val_t"))) {
			elf_file__free(ef);
			pm = proc_maps__find_lib(maps, "libstdc++.so");
			ef = pm ? open_module(maps, root, pm->path, &m) : NULL;
		}
		if (ef && defines(ef, "", "_ZnwmSt11align_val_t"))
			add_module(out, &m, "", ALLOC_MOD_CXX_RUNTIME);
	}
	elf_file__free(ef);
	add_linker(maps, root, out);
	return 0;
}

const char *allocator__text(const struct allocator *alloc, char *buf, size_t len)
{
	size_t n = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	for (int i = 0; i < alloc->mod_cnt && n < len; i++) {
		const struct alloc_module *m = &alloc->mods[i];
		int w;

		if (m->kind == ALLOC_MOD_LINKER)
			continue; /* not an allocator: what tells of new code */
		w = snprintf(buf + n, len - n, "%s%s", n ? ", " : "", m->module);
		if (w > 0 && m->kind == ALLOC_MOD_CXX_RUNTIME && (size_t)w < len - n)
			w += snprintf(buf + n + w, len - n - w, " (aligned operator new)");
		else if (w > 0 && m->prefix[0] && (size_t)w < len - n)
			w += snprintf(buf + n + w, len - n - w, " (%smalloc)", m->prefix);
		if (w < 0)
			break;
		n += (size_t)w;
	}
	sanitize__str(buf);
	return buf;
}

/* The attach cookie's module bounds for a probe at vaddr (bpf/leak.h, LEAK_COOKIE_*): its
 * offset into the executable segment holding it and that segment's size; 0 when unknown */
static uint64_t segment_cookie(const struct elf_file *ef, uint64_t vaddr)
{
	Elf *elf = elf_file__elf(ef);
	size_t n;

	if (elf_getphdrnum(elf, &n))
		return 0;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD ||
		    !(ph.p_flags & PF_X) || vaddr < ph.p_vaddr || vaddr >= ph.p_vaddr + ph.p_memsz)
			continue;
		if (vaddr - ph.p_vaddr >= 1ULL << 31 || ph.p_memsz >= 1ULL << 30)
			return 0;
		return ph.p_memsz << 32 | (vaddr - ph.p_vaddr) << 1;
	}
	return 0;
}

/* How the usable size of what module m's func returns is known (bpf/leak.h, enum
 * leak_usable): glibc's chunk header for every call; jemalloc's size classes for the calls
 * that take no alignment or flags (not mallocx, rallocx, aligned new, posix_memalign...) */
static uint64_t usable_how(enum leak_usable family, const char *func, enum probe_role role)
{
	if (family == LEAK_USABLE_JEMALLOC &&
	    (strstr(func, "allocx") || strstr(func, "align_val_t") ||
	     (role != ROLE_MALLOC && role != ROLE_CALLOC && role != ROLE_REALLOC &&
	      role != ROLE_REALLOCARRAY)))
		return LEAK_USABLE_UNKNOWN;
	return family;
}

/* The allocator family of a module, for the usable size of its blocks */
static enum leak_usable usable_family(const struct elf_file *ef, const struct alloc_module *mod)
{
	if (mod->kind != ALLOC_MOD_ALLOCATOR)
		return LEAK_USABLE_UNKNOWN;
	if (defines(ef, mod->prefix, "mallocx") && defines(ef, mod->prefix, "sdallocx"))
		return LEAK_USABLE_JEMALLOC;
	/* glibc's malloc, in libc.so.6 or linked in: functions of its own (tcmalloc and mimalloc
	 * define __libc_malloc and the like, not these) */
	if (!mod->prefix[0] && defines(ef, "", "malloc_trim") && defines(ef, "", "malloc_info"))
		return LEAK_USABLE_GLIBC;
	return LEAK_USABLE_UNKNOWN;
}

static int add_site(struct probe_plan *plan, const struct allocator *alloc, int mod,
		    struct elf_file *ef, const char *func, enum probe_role role, bool at_entry,
		    bool throws, enum leak_usable family)
{
	struct probe_site *site = &plan->sites[plan->cnt];
	uint8_t code[4096];
	uint64_t va, size, off;
	size_t len;

	if (elf_file__find_func(ef, func, &va, &size) || elf_file__vaddr_to_off(ef, va, &off))
		return 0;
	if (plan->cnt == PROBE_SITES_MAX)
		return -E2BIG;
	len = size && size < sizeof(code) ? size : sizeof(code);
	/* a function at the end of the file may be shorter than our buffer */
	while (len && elf_file__read(ef, off, code, len))
		len /= 2;
	if (!len)
		return -EIO;
	memset(site, 0, sizeof(*site));
	site->role = role;
	site->mod = mod;
	snprintf(site->func, sizeof(site->func), "%s", func);
	site->entry_off = off;
	site->probe_off = off;
	if (!at_entry)
		site->probe_off += insn__probe_offset(code, len, size);
	site->emulated =
		insn__is_emulated(code + (site->probe_off - off), len - (site->probe_off - off));
	/* the hint's taker checks that its caller lies in this function */
	if (role == ROLE_SIZE_HINT)
		site->cookie = (size ? size : len) << 32 | (site->probe_off - off);
	site->throws = throws;
	if (role != ROLE_FREE && role != ROLE_SIZE_HINT && role != ROLE_LINKER)
		site->cookie = segment_cookie(ef, va + (site->probe_off - off)) |
			       usable_how(family, func, role) << LEAK_COOKIE_USABLE_SHIFT;
	for (int i = 0; i < plan->cnt && !site->dup; i++) {
		site->dup = plan->sites[i].entry_off == off &&
			    !strcmp(alloc->mods[plan->sites[i].mod].path, alloc->mods[mod].path);
		/* one name of an address that may throw: the probe there is of a throwing one */
		if (site->dup && throws)
			plan->sites[i].throws = true;
	}
	plan->cnt++;
	return 0;
}

static int add_ret(struct probe_plan *plan, int mod, uint64_t off)
{
	for (int i = 0; i < plan->ret_cnt; i++)
		if (plan->rets[i].mod == mod && plan->rets[i].off == off)
			return 0;
	if (plan->ret_cnt == RET_PROBES_MAX)
		return -E2BIG;
	plan->rets[plan->ret_cnt++] = (struct ret_probe){ .mod = mod, .off = off };
	return 0;
}

/* The return instructions of the throwing sites of module mod (sites from `first` on); a site
 * whose returns cannot all be found keeps a uretprobe and says why */
static int plan_returns(struct probe_plan *plan, int first, int mod, const struct elf_file *ef)
{
	struct cfi_fde *fdes = NULL;
	size_t fde_cnt = 0;
	int err = 0;
	bool read = false;

	for (int i = first; i < plan->cnt && !err; i++) {
		struct probe_site *s = &plan->sites[i];
		struct fn_returns r;
		uint64_t va, size, off;
		int ret_first = plan->ret_cnt;

		r.why[0] = '\0';
		if (!s->throws || s->dup)
			continue;
		if (!read) { /* the bounds of code without symbols; none is fine */
			cfi_fdes__read(ef, &fdes, &fde_cnt);
			read = true;
		}
		if (elf_file__find_func(ef, s->func, &va, &size) ||
		    fn_returns__find(ef, fdes, fde_cnt, va, size, &r)) {
			snprintf(s->ret_why, sizeof(s->ret_why), "%s",
				 r.why[0] ? r.why : "no symbol");
			continue;
		}
		for (int k = 0; k < r.cnt && !err; k++) {
			if (elf_file__vaddr_to_off(ef, r.vaddrs[k], &off))
				err = -ENOENT;
			else
				err = add_ret(plan, mod, off);
		}
		if (err == -E2BIG || err == -ENOENT) {
			plan->ret_cnt = ret_first; /* earlier sites' returns stay */
			snprintf(s->ret_why, sizeof(s->ret_why), "%s",
				 err == -E2BIG ? "too many return probes"
					       : "a return in no segment");
			err = 0;
			continue;
		}
		s->ret_insn = !err;
	}
	free(fdes);
	return err;
}

/* Whether the module's operator new is the C++ runtime's (libstdc++ linked into a static
 * executable): it calls, or jumps to, the module's own malloc */
static bool runtime_operator_new(const struct elf_file *ef)
{
	uint64_t va, size, malloc_va, off;
	uint8_t code[512];
	size_t len;

	if (elf_file__find_func(ef, "_Znwm", &va, &size) ||
	    elf_file__find_func(ef, "malloc", &malloc_va, &off) ||
	    elf_file__vaddr_to_off(ef, va, &off))
		return false;
	len = size && size < sizeof(code) ? size : sizeof(code);
	while (len && elf_file__read(ef, off, code, len))
		len /= 2;
	for (size_t i = 0; i + 5 <= len;) {
		struct x86_insn insn;
		int32_t rel;

		if (x86__decode(code, len, i, &insn) || !insn.len)
			break;
		memcpy(&rel, code + i + 1, sizeof(rel));
		if ((code[i] == 0xe8 || code[i] == 0xe9) && insn.len == 5 &&
		    va + i + 5 + (int64_t)rel == malloc_va)
			return true;
		i += insn.len;
	}
	return false;
}

/* The role an entry point gets in a module; ROLE__MAX: not probed there */
static enum probe_role role_in(const struct entry_point *e, const struct alloc_module *mod,
			       bool runtime_new)
{
	if ((mod->kind == ALLOC_MOD_LINKER) != !!(e->flags & EP_LINKER))
		return ROLE__MAX;
	if (mod->kind == ALLOC_MOD_CXX_RUNTIME || (e->flags & EP_CXX && runtime_new))
		return e->flags & EP_CXX_HINT ? ROLE_SIZE_HINT : ROLE__MAX;
	return e->role;
}

int allocator__plan(const struct allocator *alloc, bool at_entry, struct probe_plan *plan)
{
	int err = 0;

	plan->cnt = 0;
	plan->ret_cnt = 0;
	for (int m = 0; m < alloc->mod_cnt && !err; m++) {
		const struct alloc_module *mod = &alloc->mods[m];
		struct elf_file *ef = elf_file__open(mod->path);
		enum leak_usable family;
		bool runtime_new;
		int first;

		if (!ef)
			return -errno;
		runtime_new = runtime_operator_new(ef);
		family = usable_family(ef, mod);
		first = plan->cnt;
		for (size_t i = 0; i < COUNT(entry_points) && !err; i++) {
			const struct entry_point *e = &entry_points[i];
			enum probe_role role = role_in(e, mod, runtime_new);
			bool prefixed = e->flags & EP_C && mod->kind == ALLOC_MOD_ALLOCATOR;
			char func[sizeof(plan->sites[0].func)];

			if (role == ROLE__MAX)
				continue;
			snprintf(func, sizeof(func), "%s%s", prefixed ? mod->prefix : "", e->name);
			err = add_site(plan, alloc, m, ef, func, role, at_entry,
				       e->flags & EP_THROWS && role != ROLE_SIZE_HINT, family);
		}
		if (!err)
			err = plan_returns(plan, first, m, ef);
		elf_file__free(ef);
	}
	if (!err && !plan->cnt)
		err = -ENOENT;
	return err;
}

const char *probe_site__text(const struct probe_plan *plan, int i, const struct allocator *alloc,
			     char *buf, size_t len)
{
	const struct probe_site *s = &plan->sites[i];
	const char *alias = NULL;

	for (int j = 0; s->dup && j < i && !alias; j++)
		if (plan->sites[j].entry_off == s->entry_off &&
		    !strcmp(alloc->mods[plan->sites[j].mod].path, alloc->mods[s->mod].path))
			alias = plan->sites[j].func;
	if (alias) {
		snprintf(buf, len, "%s = %s", s->func, alias);
	} else {
		int n = snprintf(buf, len, "%s at %s+0x%" PRIx64 " (%s)", s->func,
				 alloc->mods[s->mod].module, s->probe_off - s->entry_off,
				 s->emulated ? "emulated" : "single-stepped");

		if (n > 0 && (size_t)n < len && s->ret_insn)
			snprintf(buf + n, len - n, ", returns probed by instruction");
		else if (n > 0 && (size_t)n < len && s->throws)
			snprintf(buf + n, len - n, ", uretprobe: %s", s->ret_why);
	}
	sanitize__str(buf);
	return buf;
}

static int attach_one(struct bpf_program *prog, bool ret, int pid, const char *path, uint64_t off,
		      uint64_t cookie, struct probe_links *out)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = ret, .bpf_cookie = cookie);
	struct bpf_link *link, **n;
	int err;

	/* libbpf's "every process" is -1; ours is 0 */
	link = bpf_program__attach_uprobe_opts(prog, pid > 0 ? pid : -1, path, off, &opts);
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

/* uprobe_multi links (Linux 6.6): libbpf 1.1 has no call for them, so the link is created with
 * the system call itself. The attribute is link_create's in union bpf_attr
 * (include/uapi/linux/bpf.h), laid out here because the installed header may be older. */
#define UPROBE_MULTI_ATTACH_TYPE 48 /* BPF_TRACE_UPROBE_MULTI */
#define UPROBE_MULTI_RETURN 1u	    /* BPF_F_UPROBE_MULTI_RETURN */
union link_create_attr {
	struct {
		uint32_t prog_fd;
		uint32_t target_fd;
		uint32_t attach_type;
		uint32_t flags;
		uint64_t path;
		uint64_t offsets;
		uint64_t ref_ctr_offsets;
		uint64_t cookies;
		uint32_t cnt;
		uint32_t multi_flags;
		uint32_t pid;
	} um;
	char size[128]; /* the kernel reads this much; what it does not know must be zero */
};

int probes__multi_attach_type(void)
{
	return UPROBE_MULTI_ATTACH_TYPE;
}

bool probes__multi_supported(void)
{
	static int known = -1;
	const char *env = getenv("PERFAN_UPROBE_MULTI");
	struct btf *vm;

	if (env && !strcmp(env, "0"))
		return false;
	if (known < 0) {
		vm = btf__load_vmlinux_btf();
		known = vm &&
			btf__find_by_name_kind(vm, "bpf_uprobe_multi_link", BTF_KIND_STRUCT) > 0;
		btf__free(vm);
	}
	return known;
}

/* One uprobe_multi link: prog at offs[0..n) of path, with cookies */
static int attach_multi(struct bpf_program *prog, bool ret, int pid, const char *path,
			const uint64_t *offs, const uint64_t *cookies, size_t n,
			struct probe_links *out)
{
	union link_create_attr attr;
	int fd, *fds;

	memset(&attr, 0, sizeof(attr));
	attr.um.prog_fd = (uint32_t)bpf_program__fd(prog);
	attr.um.attach_type = UPROBE_MULTI_ATTACH_TYPE;
	attr.um.path = (uint64_t)(uintptr_t)path;
	attr.um.offsets = (uint64_t)(uintptr_t)offs;
	attr.um.cookies = (uint64_t)(uintptr_t)cookies;
	attr.um.cnt = (uint32_t)n;
	attr.um.multi_flags = ret ? UPROBE_MULTI_RETURN : 0;
	attr.um.pid = pid > 0 ? (uint32_t)pid : 0;
	fds = realloc(out->fds, (out->fd_cnt + 1) * sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	out->fds = fds;
	fd = (int)syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	if (fd < 0)
		return -errno;
	out->fds[out->fd_cnt++] = fd;
	return 0;
}

/* The probes of one program in one file, gathered for one uprobe_multi link */
struct multi_group {
	struct bpf_program *prog;
	bool ret;
	const char *path;
	uint64_t *offs, *cookies;
	size_t n, cap;
};

static int group_add(struct multi_group **gs, size_t *cnt, struct bpf_program *prog, bool ret,
		     const char *path, uint64_t off, uint64_t cookie)
{
	struct multi_group *g = NULL, *ng;

	for (size_t i = 0; i < *cnt && !g; i++)
		if ((*gs)[i].prog == prog && (*gs)[i].ret == ret && !strcmp((*gs)[i].path, path))
			g = &(*gs)[i];
	if (!g) {
		ng = realloc(*gs, (*cnt + 1) * sizeof(*ng));
		if (!ng)
			return -ENOMEM;
		*gs = ng;
		g = &ng[(*cnt)++];
		*g = (struct multi_group){ .prog = prog, .ret = ret, .path = path };
	}
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 8;
		uint64_t *o = realloc(g->offs, cap * sizeof(*o)), *c;

		if (!o)
			return -ENOMEM;
		g->offs = o;
		c = realloc(g->cookies, cap * sizeof(*c));
		if (!c)
			return -ENOMEM;
		g->cookies = c;
		g->cap = cap;
	}
	g->offs[g->n] = off;
	g->cookies[g->n++] = cookie;
	return 0;
}

/* Each probe as probes__attach places it: fn(ctx, prog, ret, path, off, cookie) */
static int for_each_probe(const struct probe_plan *plan, const struct allocator *alloc,
			  const struct probe_progs *progs,
			  int (*fn)(void *ctx, struct bpf_program *prog, bool ret, const char *path,
				    uint64_t off, uint64_t cookie),
			  void *ctx)
{
	int err;

	for (int i = 0; i < plan->cnt; i++) {
		const struct probe_site *s = &plan->sites[i];
		struct bpf_program *enter = progs->enter[s->role];
		const char *path = alloc->mods[s->mod].path;
		bool by_insn = s->ret_insn && progs->ret_insn;

		if (s->dup)
			continue;
		if (enter) {
			err = fn(ctx, enter, false, path, s->probe_off,
				 s->cookie | (by_insn ? PROBE_COOKIE_RET_INSN : 0));
			if (err)
				return err;
		}
		if (s->role != ROLE_FREE && s->role != ROLE_SIZE_HINT && s->role != ROLE_LINKER &&
		    enter && progs->ret && !by_insn) {
			err = fn(ctx, progs->ret, true, path, s->probe_off, 0);
			if (err)
				return err;
		}
	}
	for (int i = 0; progs->ret_insn && i < plan->ret_cnt; i++) {
		err = fn(ctx, progs->ret_insn, false, alloc->mods[plan->rets[i].mod].path,
			 plan->rets[i].off, 0);
		if (err)
			return err;
	}
	return 0;
}

struct one_ctx {
	int pid;
	struct probe_links *out;
};

static int attach_each(void *ctx, struct bpf_program *prog, bool ret, const char *path,
		       uint64_t off, uint64_t cookie)
{
	struct one_ctx *c = ctx;

	return attach_one(prog, ret, c->pid, path, off, cookie, c->out);
}

struct group_ctx {
	struct multi_group *gs;
	size_t cnt;
};

static int gather(void *ctx, struct bpf_program *prog, bool ret, const char *path, uint64_t off,
		  uint64_t cookie)
{
	struct group_ctx *c = ctx;

	return group_add(&c->gs, &c->cnt, prog, ret, path, off, cookie);
}

int probes__attach(const struct probe_plan *plan, const struct allocator *alloc, int pid,
		   const struct probe_progs *progs, struct probe_links *out)
{
	struct group_ctx g = {};
	int err;

	memset(out, 0, sizeof(*out));
	if (!progs->multi) {
		err = for_each_probe(plan, alloc, progs, attach_each,
				     &(struct one_ctx){ .pid = pid, .out = out });
		goto done;
	}
	err = for_each_probe(plan, alloc, progs, gather, &g);
	for (size_t i = 0; i < g.cnt && !err; i++)
		err = attach_multi(g.gs[i].prog, g.gs[i].ret, pid, g.gs[i].path, g.gs[i].offs,
				   g.gs[i].cookies, g.gs[i].n, out);
	for (size_t i = 0; i < g.cnt; i++) {
		free(g.gs[i].offs);
		free(g.gs[i].cookies);
	}
	free(g.gs);
done:
	if (err)
		probes__detach(out);
	return err;
}

void probes__detach(struct probe_links *links)
{
	if (!links)
		return;
	links__destroy_all(links->links, (size_t)links->cnt);
	links__close_all(links->fds, (size_t)links->fd_cnt);
	free(links->links);
	free(links->fds);
	memset(links, 0, sizeof(*links));
}
