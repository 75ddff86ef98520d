// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The per-module DWARF index (see dwarf_index.h): built by one walk over each compile unit's
 * DIE tree (functions, inlined calls, lexical blocks, namespaces; types are skipped) through
 * libdw, and one decode of its line program by dwarf_line.c (libdw's dwarf_getsrclines when
 * that cannot decode it). */
#include <dwarf.h>
#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include "lib/array.h"
#include "symbols/dwarf_index.h"
#include "symbols/dwarf_line.h"

struct dfunc {
	const char *name;
	const char *linkage;
	uint32_t inl_first; /* its inlined calls: inls[inl_first .. inl_first + inl_cnt) */
	uint32_t inl_cnt;
};

struct drange {
	uint64_t lo, hi;
	uint32_t func;
};

/* One address range of an inlined call, depth 1 for a call inlined into the function itself */
struct dinl {
	uint64_t lo, hi;
	const char *name;
	const char *linkage;
	const char *call_file;
	uint32_t call_line;
	uint32_t depth;
	uint32_t func;
	uint32_t ord; /* walk order, so that sorting by function keeps it */
};

struct dline {
	uint64_t addr;
	const char *file;
	uint32_t line;
	uint32_t ord_end; /* row order << 1 | end_sequence */
};

struct dwarf_index {
	struct dfunc *funcs;
	size_t func_cnt, func_cap;
	struct drange *ranges;
	size_t range_cnt, range_cap;
	struct dinl *inls;
	size_t inl_cnt, inl_cap;
	struct dline *lines;
	size_t line_cnt, line_cap;
	struct dwarf_line_files *cu_files; /* file tables our decoder read, one per unit */
	size_t cu_file_cnt, cu_file_cap;
	struct dwarf_line_sections sec;
	size_t cu_row_first; /* the current unit's first row */
};

/* A file table for walk(): ours, or libdw's */
struct files_ref {
	const struct dwarf_line_files *ours;
	Dwarf_Files *dw;
};

static const char *file_name(const struct files_ref *f, Dwarf_Word idx)
{
	if (f->ours)
		return idx < f->ours->cnt ? f->ours->paths[idx] : NULL;
	return f->dw ? dwarf_filesrc(f->dw, idx, NULL, NULL) : NULL;
}

/* Room for one more in the array di->names (count di->name_cnt); 0 or -ENOMEM */
#define PUSH(di, name) ARRAY_GROW((di)->name##s, (di)->name##_cap, (di)->name##_cnt + 1, 256)

static const char *die_str(Dwarf_Die *die, int at)
{
	Dwarf_Attribute mem;

	return dwarf_formstring(dwarf_attr_integrate(die, at, &mem));
}

static const char *die_linkage(Dwarf_Die *die)
{
	const char *s = die_str(die, DW_AT_linkage_name);

	return s ? s : die_str(die, DW_AT_MIPS_linkage_name);
}

/* A function with code: one dfunc, one drange per address range. -ENOMEM, else 0 */
static int add_func(struct dwarf_index *di, Dwarf_Die *die, int64_t *fid)
{
	Dwarf_Addr base, lo, hi;
	ptrdiff_t off = 0;
	bool any = false;

	*fid = -1;
	while ((off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0) {
		if (!lo || hi <= lo) /* 0: code discarded by the linker */
			continue;
		if (!any) {
			if (PUSH(di, func))
				return -ENOMEM;
			di->funcs[di->func_cnt] = (struct dfunc){
				.name = die_str(die, DW_AT_name),
				.linkage = die_linkage(die),
			};
			*fid = (int64_t)di->func_cnt++;
			any = true;
		}
		if (PUSH(di, range))
			return -ENOMEM;
		di->ranges[di->range_cnt++] = (struct drange){ lo, hi, (uint32_t)*fid };
	}
	return 0;
}

static int add_inline(struct dwarf_index *di, Dwarf_Die *die, const struct files_ref *files,
		      int64_t fid, uint32_t depth)
{
	Dwarf_Attribute mem;
	Dwarf_Word file_idx, call_line = 0;
	const char *call_file = NULL, *name = die_str(die, DW_AT_name), *linkage = die_linkage(die);
	Dwarf_Addr base, lo, hi;
	ptrdiff_t off = 0;

	if (!dwarf_formudata(dwarf_attr(die, DW_AT_call_file, &mem), &file_idx))
		call_file = file_name(files, file_idx);
	if (dwarf_formudata(dwarf_attr(die, DW_AT_call_line, &mem), &call_line))
		call_line = 0;
	while ((off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0) {
		if (!lo || hi <= lo)
			continue;
		if (PUSH(di, inl))
			return -ENOMEM;
		di->inls[di->inl_cnt] = (struct dinl){
			.lo = lo,
			.hi = hi,
			.name = name,
			.linkage = linkage,
			.call_file = call_file,
			.call_line = (uint32_t)call_line,
			.depth = depth,
			.func = (uint32_t)fid,
			.ord = (uint32_t)di->inl_cnt,
		};
		di->inl_cnt++;
	}
	return 0;
}

/* Children of parent inside function fid (-1 outside any) at inline depth `depth` */
static int walk(struct dwarf_index *di, Dwarf_Die *parent, const struct files_ref *files,
		int64_t fid, uint32_t depth, int level)
{
	Dwarf_Die child;
	int err = 0;

	if (level > 256 || dwarf_child(parent, &child))
		return 0;
	do {
		int64_t sub;

		switch (dwarf_tag(&child)) {
		case DW_TAG_subprogram:
			err = add_func(di, &child, &sub);
			if (!err && sub >= 0)
				err = walk(di, &child, files, sub, 0, level + 1);
			break;
		case DW_TAG_inlined_subroutine:
			if (fid < 0)
				break;
			err = add_inline(di, &child, files, fid, depth + 1);
			if (!err)
				err = walk(di, &child, files, fid, depth + 1, level + 1);
			break;
		case DW_TAG_lexical_block:
		case DW_TAG_try_block:
		case DW_TAG_catch_block:
		case DW_TAG_namespace:
		case DW_TAG_module:
			err = walk(di, &child, files, fid, depth, level + 1);
			break;
		default:
			break;
		}
	} while (!err && !dwarf_siblingof(&child, &child));
	return err;
}

static int push_row(void *ctx, uint64_t addr, uint32_t file, uint32_t line, bool end)
{
	struct dwarf_index *di = ctx;
	const struct dwarf_line_files *f = &di->cu_files[di->cu_file_cnt - 1];

	/* a row at the address where its sequence ends covers nothing: drop it, so that rows
	 * stay in the order line_cmp wants (an end before a row at the same address) */
	if (end && di->line_cnt > di->cu_row_first && di->lines[di->line_cnt - 1].addr == addr &&
	    !(di->lines[di->line_cnt - 1].ord_end & 1))
		di->line_cnt--;
	if (PUSH(di, line))
		return -ENOMEM;
	di->lines[di->line_cnt] = (struct dline){
		.addr = addr,
		.file = end || file >= f->cnt ? NULL : f->paths[file],
		.line = line,
		.ord_end = (uint32_t)(di->line_cnt << 1) | (end ? 1 : 0),
	};
	di->line_cnt++;
	return 0;
}

/* The unit's line program through dwarf_line.c: 0, -EINVAL when it cannot (then libdw
 * reads it), -ENOMEM */
static int decode_lines(struct dwarf_index *di, Dwarf_Die *cudie, struct files_ref *ref)
{
	Dwarf_Attribute mem;
	Dwarf_Word off;
	size_t rows = di->line_cnt;
	struct dwarf_line_files *f;
	int err;

	if (dwarf_formudata(dwarf_attr(cudie, DW_AT_stmt_list, &mem), &off))
		return -EINVAL;
	if (PUSH(di, cu_file))
		return -ENOMEM;
	f = &di->cu_files[di->cu_file_cnt++];
	*f = (struct dwarf_line_files){};
	di->cu_row_first = di->line_cnt;
	/* about one row per 2.5 bytes of line program (gcc -O2): reserve once, not by doubling
	 * a 20 MB array */
	if (!di->line_cap && di->sec.line_len) {
		di->lines = malloc((di->sec.line_len / 2 + 256) * sizeof(*di->lines));
		if (!di->lines)
			return -ENOMEM;
		di->line_cap = di->sec.line_len / 2 + 256;
	}
	err = dwarf_line__decode(&di->sec, off, die_str(cudie, DW_AT_comp_dir), f, push_row, di);
	if (err) {
		di->line_cnt = rows; /* drop a partial program */
		dwarf_line__free_files(f);
		di->cu_file_cnt--;
		return err;
	}
	ref->ours = f;
	return 0;
}

static int add_lines(struct dwarf_index *di, Dwarf_Die *cudie)
{
	Dwarf_Lines *lines;
	size_t n;

	if (dwarf_getsrclines(cudie, &lines, &n))
		return 0; /* a unit without a line table */
	for (size_t i = 0; i < n; i++) {
		Dwarf_Line *l = dwarf_onesrcline(lines, i);
		Dwarf_Addr addr;
		int lineno = 0;
		bool end = false;

		if (!l || dwarf_lineaddr(l, &addr) || dwarf_lineendsequence(l, &end))
			continue;
		dwarf_lineno(l, &lineno);
		if (PUSH(di, line))
			return -ENOMEM;
		di->lines[di->line_cnt] = (struct dline){
			.addr = addr,
			.file = end ? NULL : dwarf_linesrc(l, NULL, NULL),
			.line = lineno > 0 ? (uint32_t)lineno : 0,
			.ord_end = (uint32_t)(di->line_cnt << 1) | (end ? 1 : 0),
		};
		di->line_cnt++;
	}
	return 0;
}

static int range_cmp(const void *pa, const void *pb)
{
	const struct drange *a = pa, *b = pb;

	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	return a->func < b->func ? -1 : a->func > b->func;
}

static int inl_cmp(const void *pa, const void *pb)
{
	const struct dinl *a = pa, *b = pb;

	if (a->func != b->func)
		return a->func < b->func ? -1 : 1;
	return a->ord < b->ord ? -1 : a->ord > b->ord;
}

/* By address; at one address an end of sequence before the rows of the next sequence, and
 * rows in the order of their line program */
static int line_cmp(const void *pa, const void *pb)
{
	const struct dline *a = pa, *b = pb;

	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	if ((a->ord_end & 1) != (b->ord_end & 1))
		return (a->ord_end & 1) ? -1 : 1;
	return a->ord_end < b->ord_end ? -1 : a->ord_end > b->ord_end;
}

static bool sorted(const void *arr, size_t cnt, size_t sz, int (*cmp)(const void *, const void *))
{
	for (size_t i = 1; i < cnt; i++)
		if (cmp((const char *)arr + (i - 1) * sz, (const char *)arr + i * sz) > 0)
			return false;
	return true;
}

static void sort(void *arr, size_t cnt, size_t sz, int (*cmp)(const void *, const void *))
{
	if (cnt > 1 && !sorted(arr, cnt, sz, cmp))
		qsort(arr, cnt, sz, cmp);
}

/* The sections our line decoder reads, decompressed (libdw decompressed them in place when
 * it opened them; a section it did not need is decompressed here) */
static void load_sections(struct dwarf_index *di, Dwarf *dw)
{
	Elf *elf = dwarf_getelf(dw);
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (!elf || elf_getshdrstrndx(elf, &shstrndx))
		return;
	while ((scn = elf_nextscn(elf, scn))) {
		const uint8_t **data;
		size_t *len;
		GElf_Shdr sh;
		const char *name;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS ||
		    !(name = elf_strptr(elf, shstrndx, sh.sh_name)))
			continue;
		if (!strcmp(name, ".debug_line"))
			data = &di->sec.line, len = &di->sec.line_len;
		else if (!strcmp(name, ".debug_str"))
			data = &di->sec.str, len = &di->sec.str_len;
		else if (!strcmp(name, ".debug_line_str"))
			data = &di->sec.line_str, len = &di->sec.line_str_len;
		else
			continue;
		if ((sh.sh_flags & SHF_COMPRESSED) && elf_compress(scn, 0, 0) < 0)
			continue;
		d = elf_getdata(scn, NULL);
		if (d && d->d_buf) {
			*data = d->d_buf;
			*len = d->d_size;
		}
	}
}

/* Rows come in sequences, each sorted by address; sequences are sorted by their first
 * address (a few thousand, not a million rows) and then the rows are in order unless two
 * sequences overlap, when the rows themselves are sorted */
static int sort_lines(struct dwarf_index *di)
{
	struct seq {
		uint64_t addr;
		size_t first, cnt;
	} *seqs = NULL;
	size_t seq_cnt = 0, seq_cap = 0, start = 0;
	struct dline *out;

	if (sorted(di->lines, di->line_cnt, sizeof(*di->lines), line_cmp))
		return 0;
	for (size_t i = 0; i < di->line_cnt; i++) {
		if (!(di->lines[i].ord_end & 1) && i + 1 < di->line_cnt)
			continue;
		if (ARRAY_GROW(seqs, seq_cap, seq_cnt + 1, 256)) {
			free(seqs);
			return -ENOMEM;
		}
		seqs[seq_cnt++] = (struct seq){ di->lines[start].addr, start, i + 1 - start };
		start = i + 1;
	}
	for (size_t i = 1; i < seq_cnt; i++) { /* insertion sort: usually nearly in order */
		struct seq t = seqs[i];
		size_t j = i;

		for (; j > 0 && (seqs[j - 1].addr > t.addr ||
				 (seqs[j - 1].addr == t.addr && seqs[j - 1].first > t.first));
		     j--)
			seqs[j] = seqs[j - 1];
		seqs[j] = t;
	}
	out = malloc((di->line_cnt ? di->line_cnt : 1) * sizeof(*out));
	if (!out) {
		free(seqs);
		return -ENOMEM;
	}
	for (size_t i = 0, w = 0; i < seq_cnt; i++) {
		memcpy(out + w, di->lines + seqs[i].first, seqs[i].cnt * sizeof(*out));
		w += seqs[i].cnt;
	}
	free(seqs);
	free(di->lines);
	di->lines = out;
	di->line_cap = di->line_cnt;
	/* order within one address (ord_end) is global, so a full sort keeps the rule */
	sort(di->lines, di->line_cnt, sizeof(*di->lines), line_cmp);
	return 0;
}

struct dwarf_index *dwarf_index__new(Dwarf *dw)
{
	struct dwarf_index *di = calloc(1, sizeof(*di));
	Dwarf_CU *cu = NULL, *next;
	Dwarf_Die cudie;
	Dwarf_Half version;
	uint8_t unit_type;
	int err = 0;

	if (!di)
		return NULL;
	load_sections(di, dw);
	while (!err && !dwarf_get_units(dw, cu, &next, &version, &unit_type, &cudie, NULL)) {
		struct files_ref files = {};
		size_t nfiles;

		cu = next;
		if (unit_type != DW_UT_compile && unit_type != DW_UT_partial)
			continue; /* type units hold no code; split units are not supported */
		err = decode_lines(di, &cudie, &files);
		if (err == -EINVAL) {
			if (dwarf_getsrcfiles(&cudie, &files.dw, &nfiles))
				files.dw = NULL;
			err = add_lines(di, &cudie);
		}
		if (!err)
			err = walk(di, &cudie, &files, -1, 0, 0);
	}
	if (err) {
		dwarf_index__free(di);
		errno = -err;
		return NULL;
	}
	sort(di->ranges, di->range_cnt, sizeof(*di->ranges), range_cmp);
	sort(di->inls, di->inl_cnt, sizeof(*di->inls), inl_cmp);
	err = sort_lines(di);
	if (err) {
		dwarf_index__free(di);
		errno = -err;
		return NULL;
	}
	for (size_t i = 0; i < di->inl_cnt; i++) {
		struct dfunc *f = &di->funcs[di->inls[i].func];

		if (!f->inl_cnt)
			f->inl_first = (uint32_t)i;
		f->inl_cnt++;
	}
	return di;
}

void dwarf_index__free(struct dwarf_index *di)
{
	if (!di)
		return;
	for (size_t i = 0; i < di->cu_file_cnt; i++)
		dwarf_line__free_files(&di->cu_files[i]);
	free(di->cu_files);
	free(di->funcs);
	free(di->ranges);
	free(di->inls);
	free(di->lines);
	free(di);
}

/* The line row of addr, or NULL */
static const struct dline *find_line(const struct dwarf_index *di, uint64_t addr)
{
	size_t lo = 0, hi = di->line_cnt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (di->lines[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || (di->lines[lo - 1].ord_end & 1))
		return NULL;
	return &di->lines[lo - 1];
}

/* The function whose ranges contain addr, or NULL */
static const struct dfunc *find_func(const struct dwarf_index *di, uint64_t addr)
{
	size_t lo = 0, hi = di->range_cnt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (di->ranges[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* ranges rarely overlap (a nested function inside its parent's range): look a few
	 * back for the innermost that contains addr */
	for (size_t i = lo, seen = 0; i > 0 && seen < 16; i--, seen++)
		if (addr < di->ranges[i - 1].hi)
			return &di->funcs[di->ranges[i - 1].func];
	return NULL;
}

#define MAX_INLINE_DEPTH 64

size_t dwarf_index__lookup(const struct dwarf_index *di, uint64_t addr, struct dwarf_loc *out,
			   size_t max)
{
	const struct dline *row = find_line(di, addr);
	const struct dfunc *f = find_func(di, addr);
	const struct dinl *chain[MAX_INLINE_DEPTH];
	size_t depth = 0, n = 0;

	if (!max || (!row && !f))
		return 0;
	if (!f) {
		out[0] = (struct dwarf_loc){ .file = row->file, .line = row->line };
		return 1;
	}
	/* in walk order a call's ranges come before those of calls inlined into it, and
	 * sibling calls do not overlap: the containing ranges form the chain outermost first */
	for (uint32_t i = f->inl_first; i < f->inl_first + f->inl_cnt; i++) {
		const struct dinl *in = &di->inls[i];

		if (addr < in->lo || addr >= in->hi || in->depth != depth + 1)
			continue;
		if (depth == MAX_INLINE_DEPTH)
			break;
		chain[depth++] = in;
	}
	/* innermost first: the line table's line, then each call site outwards */
	for (size_t k = depth; k > 0 && n < max; k--) {
		const struct dinl *in = chain[k - 1];

		out[n++] = (struct dwarf_loc){
			.name = in->name,
			.linkage = in->linkage,
			.file = k == depth ? (row ? row->file : NULL) : chain[k]->call_file,
			.line = k == depth ? (row ? row->line : 0) : chain[k]->call_line,
			.inlined = true,
		};
	}
	if (n < max) {
		out[n] = (struct dwarf_loc){ .name = f->name, .linkage = f->linkage };
		if (depth) {
			out[n].file = chain[0]->call_file;
			out[n].line = chain[0]->call_line;
		} else if (row) {
			out[n].file = row->file;
			out[n].line = row->line;
		}
		n++;
	}
	return n;
}

size_t dwarf_index__bytes(const struct dwarf_index *di)
{
	if (!di)
		return 0;
	return sizeof(*di) + di->func_cap * sizeof(*di->funcs) +
	       di->range_cap * sizeof(*di->ranges) + di->inl_cap * sizeof(*di->inls) +
	       di->line_cap * sizeof(*di->lines) + di->cu_file_cap * sizeof(*di->cu_files);
}

size_t dwarf_index__func_cnt(const struct dwarf_index *di)
{
	return di->func_cnt;
}

size_t dwarf_index__line_cnt(const struct dwarf_index *di)
{
	return di->line_cnt;
}

size_t dwarf_index__inline_cnt(const struct dwarf_index *di)
{
	return di->inl_cnt;
}
