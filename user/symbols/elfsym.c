// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ELF function symbols, segments and build-id through libelf (see elfsym.h). Symbols are
 * indexed once at open (sorted by address) and every lookup is a binary search. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/array.h"
#include "symbols/elfsym.h"

struct elf_sym {
	uint64_t addr;
	uint64_t size;
	const char *name; /* points into the ELF string table, valid while the Elf is open */
	int rank;	  /* lower is preferred among aliases at one address */
};

struct elf_seg {
	uint64_t vaddr;
	uint64_t off;
	uint64_t filesz;
	bool exec; /* PF_X */
};

struct elf_file {
	char *path;
	int fd;
	Elf *elf;
	struct elf_sym *syms;
	size_t sym_cnt;
	struct elf_seg *segs;
	size_t seg_cnt;
	char build_id[41 * 2];
	bool has_symtab;
	uint64_t entry;	       /* e_entry, 0 when none */
	const char *debuglink; /* in the section data, valid while the Elf is open */
	uint32_t debuglink_crc;
};

static int sym_cmp(const void *a, const void *b)
{
	const struct elf_sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (strlen(x->name) != strlen(y->name))
		return strlen(x->name) < strlen(y->name) ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Among aliases at one address the name a programmer calls wins: names starting with '_'
 * lose to plain ones (glibc's `calloc` is a weak alias of the global `__libc_calloc`), then
 * global beats weak beats local, then the shorter name (`free` over `cfree`). */
static int sym_rank(const GElf_Sym *sym, const char *name)
{
	int bind = GELF_ST_BIND(sym->st_info);

	return (name[0] == '_' ? 4 : 0) + (bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2);
}

static int load_symtab(struct elf_file *ef, Elf_Scn *scn, GElf_Shdr *sh, size_t *cap)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t n;

	if (!data || !sh->sh_entsize)
		return 0;
	n = sh->sh_size / sh->sh_entsize;
	for (size_t i = 0; i < n; i++) {
		GElf_Sym sym;
		const char *name;
		int type;

		if (!gelf_getsym(data, i, &sym))
			continue;
		type = GELF_ST_TYPE(sym.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF ||
		    !sym.st_value)
			continue;
		name = elf_strptr(ef->elf, sh->sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		if (ARRAY_GROW(ef->syms, *cap, ef->sym_cnt + 1, 1024))
			return -ENOMEM;
		ef->syms[ef->sym_cnt++] = (struct elf_sym){
			.addr = sym.st_value,
			.size = sym.st_size,
			.name = name,
			.rank = sym_rank(&sym, name),
		};
	}
	return 0;
}

static void load_build_id(struct elf_file *ef, Elf_Scn *scn, GElf_Shdr *sh)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;

	if (!data || sh->sh_type != SHT_NOTE)
		return;
	while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		const unsigned char *desc = (const unsigned char *)data->d_buf + desc_off;

		if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
		    memcmp((const char *)data->d_buf + name_off, "GNU", 4) || nh.n_descsz > 40)
			continue;
		for (size_t i = 0; i < nh.n_descsz; i++)
			snprintf(ef->build_id + 2 * i, 3, "%02x", desc[i]);
		return;
	}
}

static const char *section_name(const struct elf_file *ef, const GElf_Shdr *sh)
{
	size_t shstrndx;

	if (elf_getshdrstrndx(ef->elf, &shstrndx))
		return NULL;
	return elf_strptr(ef->elf, shstrndx, sh->sh_name);
}

/* .gnu_debuglink: a NUL-terminated file name, padding to 4 bytes, a CRC-32 of that file */
static void load_debuglink(struct elf_file *ef, Elf_Scn *scn, GElf_Shdr *sh)
{
	const char *name = section_name(ef, sh);
	Elf_Data *data;
	size_t len;

	if (!name || strcmp(name, ".gnu_debuglink") || !(data = elf_getdata(scn, NULL)) ||
	    !data->d_buf || data->d_size < 8)
		return;
	len = strnlen(data->d_buf, data->d_size);
	if (!len || ((len + 4) & ~(size_t)3) + 4 > data->d_size)
		return;
	memcpy(&ef->debuglink_crc, (const char *)data->d_buf + ((len + 4) & ~(size_t)3), 4);
	ef->debuglink = data->d_buf;
}

static int load_segments(struct elf_file *ef)
{
	size_t phnum;

	if (elf_getphdrnum(ef->elf, &phnum))
		return -ENOEXEC;
	ef->segs = calloc(phnum ? phnum : 1, sizeof(*ef->segs));
	if (!ef->segs)
		return -ENOMEM;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(ef->elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		ef->segs[ef->seg_cnt++] =
			(struct elf_seg){ ph.p_vaddr, ph.p_offset, ph.p_filesz, ph.p_flags & PF_X };
	}
	return 0;
}

struct elf_file *elf_file__open(const char *path)
{
	struct elf_file *ef;
	Elf_Scn *scn = NULL;
	size_t cap = 0;
	int err;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		errno = EINVAL;
		return NULL;
	}
	ef = calloc(1, sizeof(*ef));
	if (!ef)
		return NULL;
	ef->fd = -1;
	ef->path = strdup(path);
	if (!ef->path) {
		err = -ENOMEM;
		goto cleanup;
	}
	ef->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ef->fd < 0) {
		err = -errno;
		goto cleanup;
	}
	ef->elf = elf_begin(ef->fd, ELF_C_READ_MMAP, NULL);
	if (!ef->elf || elf_kind(ef->elf) != ELF_K_ELF) {
		err = -ENOEXEC;
		goto cleanup;
	}
	err = load_segments(ef);
	if (err)
		goto cleanup;
	{
		GElf_Ehdr eh;

		if (gelf_getehdr(ef->elf, &eh))
			ef->entry = eh.e_entry;
	}
	while ((scn = elf_nextscn(ef->elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM)
			err = load_symtab(ef, scn, &sh, &cap);
		if (sh.sh_type == SHT_SYMTAB)
			ef->has_symtab = true;
		else if (sh.sh_type == SHT_PROGBITS)
			load_debuglink(ef, scn, &sh);
		else if (sh.sh_type == SHT_NOTE && !ef->build_id[0])
			load_build_id(ef, scn, &sh);
		if (err)
			goto cleanup;
	}
	if (ef->sym_cnt)
		qsort(ef->syms, ef->sym_cnt, sizeof(*ef->syms), sym_cmp);
	return ef;
cleanup:
	elf_file__free(ef);
	errno = -err;
	return NULL;
}

void elf_file__free(struct elf_file *ef)
{
	if (!ef)
		return;
	if (ef->elf)
		elf_end(ef->elf);
	if (ef->fd >= 0)
		close(ef->fd);
	free(ef->syms);
	free(ef->segs);
	free(ef->path);
	free(ef);
}

const char *elf_file__path(const struct elf_file *ef)
{
	return ef->path;
}

const char *elf_file__build_id(const struct elf_file *ef)
{
	return ef->build_id;
}

size_t elf_file__sym_cnt(const struct elf_file *ef)
{
	return ef->sym_cnt;
}

Elf *elf_file__elf(const struct elf_file *ef)
{
	return ef->elf;
}

uint64_t elf_file__entry(const struct elf_file *ef)
{
	return ef->entry;
}

bool elf_file__has_symtab(const struct elf_file *ef)
{
	return ef->has_symtab;
}

bool elf_file__has_section(const struct elf_file *ef, const char *name)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(ef->elf, scn))) {
		GElf_Shdr sh;
		const char *n;

		if (gelf_getshdr(scn, &sh) && sh.sh_type != SHT_NOBITS &&
		    (n = section_name(ef, &sh)) && !strcmp(n, name))
			return true;
	}
	return false;
}

uint64_t elf_file__debug_bytes(const struct elf_file *ef)
{
	Elf_Scn *scn = NULL;
	uint64_t total = 0;

	while ((scn = elf_nextscn(ef->elf, scn))) {
		GElf_Shdr sh;
		GElf_Chdr ch;
		const char *n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS ||
		    !(n = section_name(ef, &sh)) ||
		    (strncmp(n, ".debug_", 7) && strncmp(n, ".zdebug_", 8)))
			continue;
		/* compressed: the size it has once libelf inflates it for libdw */
		if ((sh.sh_flags & SHF_COMPRESSED) && gelf_getchdr(scn, &ch))
			total += ch.ch_size;
		else if (!strncmp(n, ".zdebug_", 8))
			total += sh.sh_size * 4; /* the old GNU format: no header to ask, guess */
		else
			total += sh.sh_size;
	}
	return total;
}

const char *elf_file__debuglink(const struct elf_file *ef, uint32_t *crc)
{
	*crc = ef->debuglink_crc;
	return ef->debuglink;
}

int elf_file__off_to_vaddr(const struct elf_file *ef, uint64_t off, uint64_t *vaddr)
{
	for (size_t i = 0; i < ef->seg_cnt; i++) {
		const struct elf_seg *s = &ef->segs[i];

		if (off >= s->off && off < s->off + s->filesz) {
			*vaddr = s->vaddr + (off - s->off);
			return 0;
		}
	}
	return -ENOENT;
}

int elf_file__exec_segment(const struct elf_file *ef, uint64_t *vaddr, uint64_t *off,
			   uint64_t *size)
{
	const struct elf_seg *low = NULL;

	for (size_t i = 0; i < ef->seg_cnt; i++)
		if (ef->segs[i].exec && (!low || ef->segs[i].vaddr < low->vaddr))
			low = &ef->segs[i];
	if (!low)
		return -ENOENT;
	*vaddr = low->vaddr;
	*off = low->off;
	*size = low->filesz;
	return 0;
}

int elf_file__vaddr_to_off(const struct elf_file *ef, uint64_t vaddr, uint64_t *off)
{
	for (size_t i = 0; i < ef->seg_cnt; i++) {
		const struct elf_seg *s = &ef->segs[i];

		if (vaddr >= s->vaddr && vaddr < s->vaddr + s->filesz) {
			*off = s->off + (vaddr - s->vaddr);
			return 0;
		}
	}
	return -ENOENT;
}

static bool name_eq(const char *sym, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(sym, name, n) && (sym[n] == '\0' || sym[n] == '@');
}

int elf_file__find_func(const struct elf_file *ef, const char *name, uint64_t *vaddr,
			uint64_t *size)
{
	for (size_t i = 0; i < ef->sym_cnt; i++) {
		if (!name_eq(ef->syms[i].name, name))
			continue;
		*vaddr = ef->syms[i].addr;
		*size = ef->syms[i].size;
		return 0;
	}
	return -ENOENT;
}

const char *elf_file__lookup(const struct elf_file *ef, uint64_t vaddr, uint64_t *offset)
{
	size_t lo = 0, hi = ef->sym_cnt;
	const struct elf_sym *s;

	/* last symbol with addr <= vaddr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ef->syms[mid].addr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	s = &ef->syms[lo - 1];
	/* the preferred alias sorts first among symbols at one address */
	while (s > ef->syms && s[-1].addr == s->addr)
		s--;
	if (s->size && vaddr >= s->addr + s->size) {
		/* maybe an alias with a larger size covers it */
		const struct elf_sym *t = s;
		bool covered = false;

		for (; t < ef->syms + ef->sym_cnt && t->addr == s->addr; t++)
			if (vaddr < t->addr + t->size)
				covered = true;
		if (!covered)
			return NULL;
	}
	*offset = vaddr - s->addr;
	return s->name;
}

int elf_file__read(const struct elf_file *ef, uint64_t off, void *buf, size_t len)
{
	ssize_t n = pread(ef->fd, buf, len, (off_t)off);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}
