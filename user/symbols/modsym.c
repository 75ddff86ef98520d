// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* One module's symbols (see modsym.h): ELF symbols from the binary, or from its debug file
 * when the binary is stripped; DWARF from the binary or the debug file, indexed on first use;
 * demangled names cached by the address of the raw name (symbol and DWARF strings are stable
 * for the module's lifetime). */
#include <elfutils/libdw.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "symbols/demangle.h"
#include "symbols/dwarf_index.h"
#include "symbols/elfsym.h"
#include "symbols/modsym.h"

struct name_slot {
	const char *raw;
	char *demangled; /* NULL: raw is shown as it is */
};

struct modsym {
	struct elf_file *ef;
	struct elf_file *debug_ef; /* separate debug file, NULL when none */
	Dwarf *dw;
	struct dwarf_index *di;
	bool dwarf_tried;
	bool dwarf_over; /* bigger than max_dwarf: not read */
	uint64_t max_dwarf;
	uint64_t dwarf_bytes;
	char *path;
	char *root;
	char *debug_dir;
	bool debuginfod;
	char dwarf_path[PATH_MAX];
	struct name_slot *names; /* open addressing on the raw pointer */
	size_t name_cap, name_cnt;
};

static char *strdup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

struct modsym *modsym__open(const char *host_path, const struct modsym_opts *opts)
{
	struct modsym *m = calloc(1, sizeof(*m));
	int err;

	if (!m)
		return NULL;
	m->ef = elf_file__open(host_path);
	if (!m->ef) {
		err = errno;
		free(m);
		errno = err;
		return NULL;
	}
	m->path = strdup(opts && opts->path ? opts->path : host_path);
	m->root = strdup_or_null(opts ? opts->debug.root : NULL);
	m->debug_dir = strdup_or_null(opts ? opts->debug.debug_dir : NULL);
	m->debuginfod = opts && opts->debug.debuginfod;
	m->max_dwarf = opts ? opts->max_dwarf_bytes : 0;
	if (!m->path || (opts && opts->debug.root && !m->root) ||
	    (opts && opts->debug.debug_dir && !m->debug_dir)) {
		modsym__free(m);
		errno = ENOMEM;
		return NULL;
	}
	return m;
}

void modsym__drop_dwarf(struct modsym *m)
{
	/* the demangled names are keyed by the address of their raw name, which may be in the
	 * DWARF or the debug file's symbols let go here: they go too */
	for (size_t i = 0; i < m->name_cap; i++)
		free(m->names[i].demangled);
	free(m->names);
	m->names = NULL;
	m->name_cap = m->name_cnt = 0;
	dwarf_index__free(m->di);
	m->di = NULL;
	if (m->dw)
		dwarf_end(m->dw);
	m->dw = NULL;
	elf_file__free(m->debug_ef);
	m->debug_ef = NULL;
	m->dwarf_tried = false;
	m->dwarf_bytes = 0;
	m->dwarf_path[0] = '\0';
}

uint64_t modsym__dwarf_bytes(const struct modsym *m)
{
	return m->dwarf_bytes;
}

bool modsym__dwarf_over(const struct modsym *m)
{
	return m->dwarf_over;
}

void modsym__free(struct modsym *m)
{
	if (!m)
		return;
	modsym__drop_dwarf(m);
	elf_file__free(m->ef);
	free(m->path);
	free(m->root);
	free(m->debug_dir);
	free(m);
}

const char *modsym__build_id(const struct modsym *m)
{
	return elf_file__build_id(m->ef);
}

int modsym__off_to_vaddr(const struct modsym *m, uint64_t off, uint64_t *vaddr)
{
	return elf_file__off_to_vaddr(m->ef, off, vaddr);
}

int modsym__exec_segment(const struct modsym *m, uint64_t *vaddr, uint64_t *off, uint64_t *size)
{
	return elf_file__exec_segment(m->ef, vaddr, off, size);
}

const char *modsym__dwarf_path(const struct modsym *m)
{
	return m->dwarf_path;
}

/* Open DWARF from ef into m; true when it has units */
static bool try_dwarf(struct modsym *m, struct elf_file *ef)
{
	uint64_t bytes;

	if (!elf_file__has_section(ef, ".debug_info"))
		return false;
	bytes = elf_file__debug_bytes(ef);
	if (m->max_dwarf && bytes > m->max_dwarf) {
		m->dwarf_over = true;
		return false;
	}
	m->dw = dwarf_begin_elf(elf_file__elf(ef), DWARF_C_READ, NULL);
	if (!m->dw)
		return false;
	m->di = dwarf_index__new(m->dw);
	if (!m->di) {
		dwarf_end(m->dw);
		m->dw = NULL;
		return false;
	}
	bytes += dwarf_index__bytes(m->di);
	if (m->max_dwarf && bytes > m->max_dwarf) {
		/* the sections fitted, not with the index built over them */
		dwarf_index__free(m->di);
		m->di = NULL;
		dwarf_end(m->dw);
		m->dw = NULL;
		m->dwarf_over = true;
		return false;
	}
	snprintf(m->dwarf_path, sizeof(m->dwarf_path), "%s", elf_file__path(ef));
	m->dwarf_bytes = bytes;
	return true;
}

/* On the first lookup: the DWARF in the binary, else in a separate debug file */
static void load_dwarf(struct modsym *m)
{
	struct debuginfo_opts dopts = {
		.root = m->root,
		.debug_dir = m->debug_dir,
		.debuginfod = m->debuginfod,
	};
	struct debuginfo_query q = { .path = m->path, .build_id = elf_file__build_id(m->ef) };
	char path[PATH_MAX];

	m->dwarf_tried = true;
	if (try_dwarf(m, m->ef) || m->dwarf_over)
		return;
	q.debuglink = elf_file__debuglink(m->ef, &q.debuglink_crc);
	if (debuginfo__find(&dopts, &q, path, sizeof(path)))
		return;
	m->debug_ef = elf_file__open(path);
	/* found through the process's root (/proc/PID/root), which went with the process before
	 * the file was opened: the host's, where debuginfo__find looks next (a busy host named a
	 * libc from its .dynsym alone so, one run in twenty) */
	if (!m->debug_ef && dopts.root) {
		dopts.root = NULL;
		if (!debuginfo__find(&dopts, &q, path, sizeof(path)))
			m->debug_ef = elf_file__open(path);
	}
	if (m->debug_ef)
		try_dwarf(m, m->debug_ef);
}

static size_t hash_ptr(const void *p, size_t cap)
{
	uint64_t k = (uint64_t)(uintptr_t)p;

	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)k & (cap - 1);
}

/* Not ARRAY_GROW: a hash table is rehashed into new zeroed slots, not extended in place */
static bool names_grow(struct modsym *m)
{
	size_t cap = m->name_cap ? m->name_cap * 2 : 256;
	struct name_slot *n = calloc(cap, sizeof(*n));

	if (!n)
		return false;
	for (size_t i = 0; i < m->name_cap; i++) {
		size_t j;

		if (!m->names[i].raw)
			continue;
		for (j = hash_ptr(m->names[i].raw, cap); n[j].raw; j = (j + 1) & (cap - 1))
			;
		n[j] = m->names[i];
	}
	free(m->names);
	m->names = n;
	m->name_cap = cap;
	return true;
}

/* The name to show for raw: its demangled form, cached, or raw itself */
static const char *display_name(struct modsym *m, const char *raw)
{
	size_t i;

	if (!raw || raw[0] != '_')
		return raw; /* neither C++ (_Z) nor Rust (_ZN, _R) */
	if ((m->name_cnt + 1) * 2 > m->name_cap && !names_grow(m))
		return raw;
	for (i = hash_ptr(raw, m->name_cap); m->names[i].raw; i = (i + 1) & (m->name_cap - 1))
		if (m->names[i].raw == raw)
			return m->names[i].demangled ? m->names[i].demangled : raw;
	m->names[i].raw = raw;
	m->names[i].demangled = demangle__name(raw);
	m->name_cnt++;
	return m->names[i].demangled ? m->names[i].demangled : raw;
}

#define MAX_LOCS 64

size_t modsym__lookup(struct modsym *m, uint64_t pc, struct frame *out, size_t max)
{
	const struct elf_file *sym_ef = m->ef;
	struct dwarf_loc locs[MAX_LOCS];
	const char *sym;
	uint64_t sym_off = 0;
	size_t n = 0;

	if (!max)
		return 0;
	if (!m->dwarf_tried)
		load_dwarf(m);
	/* a stripped binary keeps only .dynsym; its debug file has the full .symtab */
	if (m->debug_ef && !elf_file__has_symtab(m->ef) && elf_file__has_symtab(m->debug_ef))
		sym_ef = m->debug_ef;
	sym = elf_file__lookup(sym_ef, pc, &sym_off);
	if (!sym && sym_ef != m->ef)
		sym = elf_file__lookup(m->ef, pc, &sym_off);
	if (m->di)
		n = dwarf_index__lookup(m->di, pc, locs, max < MAX_LOCS ? max : MAX_LOCS);
	if (!n) {
		out[0] = (struct frame){
			.build_id = modsym__build_id(m),
			.function = display_name(m, sym),
			.raw_function = sym,
			.offset = sym ? sym_off : pc,
		};
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct dwarf_loc *l = &locs[i];
		bool outer = i == n - 1;
		/* the out-of-line function is the ELF symbol; DWARF names the inlined ones. A
		 * C++ name is the demangled linkage name (DW_AT_name lacks the class) */
		const char *raw = l->linkage ? l->linkage : outer && sym ? sym : l->name;
		const char *shown = l->linkage ? display_name(m, l->linkage)
				    : l->name  ? l->name
					       : display_name(m, sym);

		if (outer && !l->name && !l->linkage)
			raw = sym;
		out[i] = (struct frame){
			.build_id = modsym__build_id(m),
			.function = shown,
			.raw_function = raw,
			.offset = sym ? sym_off : pc,
			.file = l->file,
			.line = l->line,
			.inlined = l->inlined,
		};
	}
	return n;
}

/* _start is a few instructions (x86-64 glibc: 0x26 bytes; its call returns at +0x25) */
#define ENTRY_CODE_BYTES 64

bool modsym__at_entry(const struct modsym *m, uint64_t vaddr)
{
	uint64_t entry = elf_file__entry(m->ef);

	return entry && vaddr >= entry && vaddr < entry + ENTRY_CODE_BYTES;
}
