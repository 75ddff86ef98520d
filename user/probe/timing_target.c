// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Functions to time in one binary (see timing_target.h). */
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/array.h"
#include "probe/timing_target.h"
#include "target/insn.h"
#include "target/x86_len.h"

#define MAX_RETS 256 /* return instructions (and jumps out) of one function */
#define MAX_CODE (1 << 20)

struct sym {
	const char *name;
	uint64_t vaddr, size;
	int rank;
};

struct elf_ctx {
	int fd;
	Elf *elf;
	struct sym *syms; /* every function symbol */
	size_t sym_cnt;
};

static int rank_of(const GElf_Sym *s, const char *name)
{
	int bind = GELF_ST_BIND(s->st_info);

	return (name[0] == '_' ? 4 : 0) + (bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2);
}

static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	if (x->vaddr != y->vaddr)
		return x->vaddr < y->vaddr ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int func_cmp(const void *a, const void *b)
{
	return strcmp(((const struct timed_func *)a)->name, ((const struct timed_func *)b)->name);
}

static bool is_go(struct elf_ctx *c)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(c->elf, &shstrndx))
		return false;
	while ((scn = elf_nextscn(c->elf, scn))) {
		GElf_Shdr sh;
		const char *n;

		if (!gelf_getshdr(scn, &sh) || !(n = elf_strptr(c->elf, shstrndx, sh.sh_name)))
			continue;
		if (!strcmp(n, ".go.buildinfo") || !strcmp(n, ".gopclntab") ||
		    !strcmp(n, ".note.go.buildid"))
			return true;
	}
	return false;
}

/* Every defined function symbol, and whether __gxx_personality_v0 appears at all */
static int read_syms(struct elf_ctx *c, struct timing_target *t)
{
	Elf_Scn *scn = NULL;
	size_t cap = 0;

	t->stripped = true;
	while ((scn = elf_nextscn(c->elf, scn))) {
		Elf_Data *data;
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) ||
		    (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		if (sh.sh_type == SHT_SYMTAB)
			t->stripped = false;
		data = elf_getdata(scn, NULL);
		if (!data || !sh.sh_entsize)
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;
			const char *name;

			if (!gelf_getsym(data, (int)i, &s) ||
			    !(name = elf_strptr(c->elf, sh.sh_link, s.st_name)) || !*name)
				continue;
			if (!strcmp(name, "__gxx_personality_v0"))
				t->cxx = true;
			if (GELF_ST_TYPE(s.st_info) != STT_FUNC || s.st_shndx == SHN_UNDEF ||
			    !s.st_value)
				continue;
			if (ARRAY_GROW(c->syms, cap, c->sym_cnt + 1, 1024))
				return -ENOMEM;
			c->syms[c->sym_cnt++] =
				(struct sym){ name, s.st_value, s.st_size, rank_of(&s, name) };
		}
	}
	if (c->sym_cnt)
		qsort(c->syms, c->sym_cnt, sizeof(*c->syms), sym_cmp);
	return 0;
}

static int vaddr_to_off(struct elf_ctx *c, uint64_t vaddr, uint64_t *off)
{
	size_t n;

	if (elf_getphdrnum(c->elf, &n))
		return -ENOEXEC;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(c->elf, (int)i, &ph) && ph.p_type == PT_LOAD &&
		    vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz) {
			*off = ph.p_offset + (vaddr - ph.p_vaddr);
			return 0;
		}
	}
	return -ENOENT;
}

static bool matches(const char *name, char *const *globs, size_t glob_cnt)
{
	if (strstr(name, ".cold"))
		return false; /* the split-off unlikely part of a function, never called */
	for (size_t i = 0; i < glob_cnt; i++)
		if (!fnmatch(globs[i], name, 0))
			return true;
	return false;
}

static void glob_list(char *buf, size_t len, char *const *globs, size_t glob_cnt)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < glob_cnt && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s'%s'", i ? ", " : "", globs[i]);
}

static bool has_fde(Dwarf_CFI *cfi, uint64_t vaddr)
{
	Dwarf_Frame *frame = NULL;

	if (!cfi || dwarf_cfi_addrframe(cfi, vaddr, &frame))
		return false;
	free(frame);
	return true;
}

static int read_code(struct elf_ctx *c, uint64_t off, uint64_t size, uint8_t **out)
{
	uint8_t *buf;
	ssize_t n;

	if (!size || size > MAX_CODE)
		return -EFBIG;
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	n = pread(c->fd, buf, size, (off_t)off);
	if (n != (ssize_t)size) {
		free(buf);
		return n < 0 ? -errno : -EIO;
	}
	*out = buf;
	return 0;
}

struct part {
	uint64_t vaddr, size;
	const char *name;
};

/* The split-off parts of function `name` (NAME.cold, NAME.cold.N) that gcc moves unlikely
 * paths to: up to max, their count */
static size_t cold_parts(const struct elf_ctx *c, const char *name, struct part *parts, size_t max)
{
	size_t nlen = strlen(name), cnt = 0;

	for (size_t i = 0; i < c->sym_cnt && cnt < max; i++) {
		const char *n = c->syms[i].name;

		if (strncmp(n, name, nlen) || strncmp(n + nlen, ".cold", 5) ||
		    (n[nlen + 5] && n[nlen + 5] != '.'))
			continue;
		parts[cnt++] = (struct part){ c->syms[i].vaddr, c->syms[i].size, n };
	}
	return cnt;
}

/* Whether a jump of a .cold part of f may land in (f->vaddr, f->vaddr + last]: it would run
 * the probed instruction a second time in one call. Undecodable code counts as a yes. */
static bool cold_jumps_into(struct elf_ctx *c, const struct timed_func *f, uint64_t last)
{
	struct part parts[8];
	size_t n = cold_parts(c, f->name, parts, 8);

	for (size_t p = 0; p < n; p++) {
		uint8_t *code = NULL;
		uint64_t off;
		size_t pos = 0;

		if (vaddr_to_off(c, parts[p].vaddr, &off) ||
		    read_code(c, off, parts[p].size, &code))
			return true;
		while (pos < parts[p].size) {
			struct x86_insn in;
			uint64_t to;

			if (x86__decode(code, parts[p].size, pos, &in)) {
				free(code);
				return true;
			}
			to = parts[p].vaddr + (uint64_t)in.target;
			if (in.kind == X86_JMP_REL && to > f->vaddr && to <= f->vaddr + last) {
				free(code);
				return true;
			}
			pos += in.len;
		}
		free(code);
	}
	return false;
}

/* The entry probe of f: insn__place with INSN_KEEP_FRAME (timing reads only the stack
 * pointer, and a uretprobe the return address at it), and whether the kernel emulates it */
static void place_entry(struct elf_ctx *c, struct timed_func *f)
{
	uint8_t head[16], *code = NULL;
	size_t at = 0;
	ssize_t n;

	f->probe_off = f->entry_off;
	if (!read_code(c, f->entry_off, f->size, &code)) {
		at = insn__place(code, f->size, f->size, INSN_KEEP_FRAME);
		if (at && cold_jumps_into(c, f, at))
			at = 0;
		f->probe_off += at;
		f->entry_emulated = insn__is_emulated(code + at, f->size - at);
		free(code);
		return;
	}
	/* no symbol size: the entry, judged by its first bytes */
	n = pread(c->fd, head, sizeof(head), (off_t)f->entry_off);
	f->entry_emulated = n > 0 && insn__is_emulated(head, (size_t)n);
}

static int collect(struct elf_ctx *c, struct timing_target *t, char *const *globs, size_t glob_cnt,
		   size_t max_funcs)
{
	Dwarf_CFI *cfi = dwarf_getcfi_elf(c->elf);
	int err = 0;

	for (size_t i = 0; i < c->sym_cnt; i++) {
		const struct sym *s = &c->syms[i];
		struct timed_func *f;

		if (i && c->syms[i - 1].vaddr == s->vaddr)
			continue; /* an alias: the preferred name sorts first */
		if (!matches(s->name, globs, glob_cnt)) {
			/* an alias may match where the preferred name does not */
			size_t j = i + 1;

			while (j < c->sym_cnt && c->syms[j].vaddr == s->vaddr &&
			       !matches(c->syms[j].name, globs, glob_cnt))
				j++;
			if (j == c->sym_cnt || c->syms[j].vaddr != s->vaddr)
				continue;
			s = &c->syms[j];
		}
		if (t->cnt == max_funcs) {
			err = -E2BIG;
			break;
		}
		f = &t->funcs[t->cnt];
		memset(f, 0, sizeof(*f));
		f->name = strdup(s->name);
		if (!f->name) {
			err = -ENOMEM;
			break;
		}
		t->cnt++;
		f->vaddr = s->vaddr;
		f->size = s->size;
		f->has_fde = has_fde(cfi, s->vaddr);
		err = vaddr_to_off(c, s->vaddr, &f->entry_off);
		if (err)
			break;
		place_entry(c, f);
	}
	if (cfi)
		dwarf_cfi_end(cfi);
	return err;
}

int timing_target__load(const char *path, const char *display, char *const *globs, size_t glob_cnt,
			size_t max_funcs, struct timing_target *t, struct errtext *why)
{
	struct elf_ctx c = { .fd = -1 };
	char list[256];
	int rc;

	memset(t, 0, sizeof(*t));
	glob_list(list, sizeof(list), globs, glob_cnt);
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	t->path = strdup(path);
	t->funcs = calloc(max_funcs ? max_funcs : 1, sizeof(*t->funcs));
	if (!t->path || !t->funcs) {
		rc = -ENOMEM;
		goto cleanup;
	}
	c.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c.fd < 0) {
		rc = -errno;
		errtext__set(why, "cannot open %s: %s", display, strerror(errno));
		goto cleanup;
	}
	c.elf = elf_begin(c.fd, ELF_C_READ_MMAP, NULL);
	if (!c.elf || elf_kind(c.elf) != ELF_K_ELF) {
		rc = -ENOEXEC;
		errtext__set(why,
			     "%s is not an ELF file; pass the program or library that "
			     "defines the functions with --binary",
			     display);
		goto cleanup;
	}
	if (is_go(&c)) {
		rc = -EPROTONOSUPPORT;
		errtext__set(why,
			     "%s is a Go program: Go moves goroutine stacks and switches "
			     "goroutines between threads, so uprobe timing would corrupt it or pair "
			     "calls wrongly; use Go's own pprof tracing instead",
			     display);
		goto cleanup;
	}
	rc = read_syms(&c, t);
	if (!rc)
		rc = collect(&c, t, globs, glob_cnt, max_funcs);
	if (rc == -E2BIG) {
		errtext__set(why, "%s matches more than %zu functions in %s; narrow the glob", list,
			     max_funcs, display);
	} else if (!rc && !t->cnt) {
		rc = -ENOENT;
		errtext__set(why,
			     "no function matches %s in %s (searched %zu function "
			     "symbols%s); check the name or pass --binary PATH",
			     list, display, c.sym_cnt,
			     t->stripped ? " of its .dynsym: the file is stripped" : "");
	} else if (rc) {
		errtext__set(why, "cannot read the symbols of %s: %s", display, strerror(-rc));
	}
	if (!rc)
		qsort(t->funcs, t->cnt, sizeof(*t->funcs), func_cmp);
cleanup:
	if (c.elf)
		elf_end(c.elf);
	if (c.fd >= 0)
		close(c.fd);
	free(c.syms);
	if (rc)
		timing_target__free(t);
	return rc;
}

/* Append the returns of the code at vaddr (size bytes) to f; the targets of its jumps that
 * leave [vaddr, vaddr + size) go to exits (up to MAX_RETS) */
static int add_returns(struct elf_ctx *c, struct timed_func *f, const char *part, uint64_t vaddr,
		       uint64_t size, uint64_t *exits, size_t *exit_cnt, struct errtext *why)
{
	uint8_t *code = NULL;
	uint64_t off, *n;
	size_t pos = 0;
	int rc;

	rc = vaddr_to_off(c, vaddr, &off);
	if (!rc)
		rc = read_code(c, off, size, &code);
	if (rc) {
		errtext__set(why, "cannot read the code of %s (%s): %s", f->name, part,
			     rc == -EFBIG ? "no symbol size" : strerror(-rc));
		return -EINVAL;
	}
	while (pos < size) {
		struct x86_insn in;

		rc = x86__decode(code, size, pos, &in);
		if (rc || f->ret_cnt >= MAX_RETS) {
			errtext__set(why,
				     "cannot find the return instructions of %s (%s: %s "
				     "at +%#zx); it can be unwound by a C++ exception, so it is not timed "
				     "with a return probe",
				     f->name, part,
				     rc ? "undecodable instruction" : "more than 256 returns", pos);
			free(code);
			return -EINVAL;
		}
		if (in.kind == X86_RET) {
			n = realloc(f->ret_offs, (f->ret_cnt + 1) * sizeof(*n));
			if (!n) {
				free(code);
				return -ENOMEM;
			}
			f->ret_offs = n;
			f->ret_offs[f->ret_cnt++] = off + pos;
		} else if (in.kind == X86_JMP_REL &&
			   (in.target < 0 || in.target >= (long long)size) &&
			   *exit_cnt < MAX_RETS) {
			exits[(*exit_cnt)++] = vaddr + (uint64_t)in.target;
		}
		pos += in.len;
	}
	free(code);
	return 0;
}

static int plan_returns(struct elf_ctx *c, struct timed_func *f, struct errtext *why)
{
	uint64_t exits[MAX_RETS];
	struct part parts[8] = { { f->vaddr, f->size, "body" } };
	size_t exit_cnt = 0, part_cnt;
	int rc = 0;

	/* the .cold parts may return too */
	part_cnt = 1 + cold_parts(c, f->name, parts + 1, 7);
	for (size_t i = 0; !rc && i < part_cnt; i++)
		rc = add_returns(c, f, parts[i].name, parts[i].vaddr, parts[i].size, exits,
				 &exit_cnt, why);
	if (rc)
		return rc;
	/* a jump between the body and its cold part stays inside the function */
	for (size_t i = 0; i < exit_cnt; i++) {
		bool inside = false;

		for (size_t p = 0; p < part_cnt; p++)
			inside |= exits[i] >= parts[p].vaddr &&
				  exits[i] < parts[p].vaddr + parts[p].size;
		f->tail_exits += !inside;
	}
	/* no return at all (noreturn, or tail jumps only): its entries are dropped as stale */
	for (size_t i = 0; i < f->ret_cnt; i++) {
		if (f->ret_offs[i] == f->probe_off) {
			errtext__set(why, "%s is a bare return: there is nothing to time", f->name);
			return -EINVAL;
		}
	}
	return 0;
}

int timing_target__plan(struct timing_target *t, bool process_cxx, bool force_insn,
			struct errtext *why)
{
	struct elf_ctx c = { .fd = -1 };
	bool need = false;
	int rc = 0;

	for (size_t i = 0; i < t->cnt; i++) {
		struct timed_func *f = &t->funcs[i];

		f->ret_insn = force_insn || t->cxx || (process_cxx && f->has_fde);
		need |= f->ret_insn;
	}
	if (!need)
		return 0;
	c.fd = open(t->path, O_RDONLY | O_CLOEXEC);
	if (c.fd < 0) {
		errtext__set(why, "cannot open %s: %s", t->path, strerror(errno));
		return -errno;
	}
	c.elf = elf_begin(c.fd, ELF_C_READ_MMAP, NULL);
	rc = c.elf ? read_syms(&c, &(struct timing_target){ 0 }) : -ENOEXEC;
	for (size_t i = 0; !rc && i < t->cnt; i++)
		if (t->funcs[i].ret_insn)
			rc = plan_returns(&c, &t->funcs[i], why);
	if (rc == -ENOEXEC || rc == -ENOMEM)
		errtext__set(why, "cannot read %s: %s", t->path, strerror(-rc));
	if (c.elf)
		elf_end(c.elf);
	close(c.fd);
	free(c.syms);
	return rc;
}

bool timing_target__maps_cxx(const struct proc_maps *maps)
{
	for (size_t i = 0; i < maps->cnt; i++) {
		const char *base = strrchr(maps->maps[i].path, '/');

		base = base ? base + 1 : maps->maps[i].path;
		if (!strncmp(base, "libstdc++.so", 12) || !strncmp(base, "libc++.so", 9))
			return true;
	}
	return false;
}

void timing_target__free(struct timing_target *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->cnt; i++) {
		free(t->funcs[i].name);
		free(t->funcs[i].ret_offs);
	}
	free(t->funcs);
	free(t->path);
	memset(t, 0, sizeof(*t));
}
