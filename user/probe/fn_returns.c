// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A function's return instructions, tail targets included (see fn_returns.h). Each piece of
 * code is decoded from end to end (a linear sweep: GCC and Clang put no data in x86-64 code);
 * a direct jump or jcc that leaves the piece is a tail call or a jump to a cold part, whose
 * piece is queued. A ret reached only by jumps from the entry returns from the entry's frame,
 * with %rsp where it was at the entry. Pieces are bounded by the symbol, else the FDE. */
#include <errno.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "probe/fn_returns.h"
#include "target/x86_len.h"

#define PIECE_MAX (256 * 1024) /* bytes of one piece of code decoded at most */

struct piece {
	uint64_t lo, hi;
};

struct walk {
	const struct elf_file *ef;
	const struct cfi_fde *fdes;
	size_t fde_cnt;
	struct piece pieces[FN_REGIONS_MAX];
	int cnt;
	struct fn_returns *out;
};

static int fail(struct walk *w, int err, const char *fmt, uint64_t at)
{
	snprintf(w->out->why, sizeof(w->out->why), fmt, at);
	return err;
}

/* The name of the section holding vaddr, or NULL */
static const char *section_of(Elf *elf, uint64_t vaddr)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && (sh.sh_flags & SHF_ALLOC) && vaddr >= sh.sh_addr &&
		    vaddr < sh.sh_addr + sh.sh_size)
			return elf_strptr(elf, shstrndx, sh.sh_name);
	}
	return NULL;
}

/* The function of this file a PLT entry at vaddr jumps to: the stub is `jmp *GOT(%rip)`
 * (after an endbr64, with a bnd prefix or not); the relocation of that GOT slot names a symbol
 * this file defines (a call through the PLT to the file's own exported function). 0 or -ENOENT
 * (the symbol is another module's). */
static int plt_target(const struct elf_file *ef, uint64_t vaddr, uint64_t *target)
{
	Elf *elf = elf_file__elf(ef);
	Elf_Scn *scn = NULL;
	uint8_t c[16];
	uint64_t off, got;
	size_t p = 0;
	int32_t disp;

	if (elf_file__vaddr_to_off(ef, vaddr, &off) || elf_file__read(ef, off, c, sizeof(c)))
		return -ENOENT;
	if (c[0] == 0xf3 && c[1] == 0x0f && c[2] == 0x1e && c[3] == 0xfa)
		p = 4;
	if (c[p] == 0xf2)
		p++;
	if (c[p] != 0xff || c[p + 1] != 0x25)
		return -ENOENT;
	memcpy(&disp, c + p + 2, 4);
	got = vaddr + p + 6 + (int64_t)disp;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d, *symd;
		Elf_Scn *syms;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA || !sh.sh_entsize ||
		    !(d = elf_getdata(scn, NULL)) || !(syms = elf_getscn(elf, sh.sh_link)) ||
		    !(symd = elf_getdata(syms, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Rela r;
			GElf_Sym s;

			if (!gelf_getrela(d, (int)i, &r) || r.r_offset != got)
				continue;
			if ((GELF_R_TYPE(r.r_info) != R_X86_64_JUMP_SLOT &&
			     GELF_R_TYPE(r.r_info) != R_X86_64_GLOB_DAT) ||
			    !gelf_getsym(symd, (int)GELF_R_SYM(r.r_info), &s) ||
			    s.st_shndx == SHN_UNDEF || !s.st_value ||
			    GELF_ST_TYPE(s.st_info) != STT_FUNC)
				return -ENOENT;
			*target = s.st_value;
			return 0;
		}
	}
	return -ENOENT;
}

/* Queue the piece of code starting at (or holding) vaddr, unless it is queued already */
static int add_piece(struct walk *w, uint64_t vaddr, uint64_t size)
{
	const struct cfi_fde *f;
	const char *sec, *name;
	uint64_t lo = vaddr, hi = size ? vaddr + size : 0, target, sym_off;

	for (int i = 0; i < w->cnt; i++)
		if (vaddr >= w->pieces[i].lo && vaddr < w->pieces[i].hi)
			return 0;
	sec = section_of(elf_file__elf(w->ef), vaddr);
	if (sec && !strncmp(sec, ".plt", 4)) {
		if (plt_target(w->ef, vaddr, &target))
			return fail(w, -ENOENT,
				    "tail call through the PLT to another module at 0x%" PRIx64,
				    vaddr);
		return add_piece(w, target, 0);
	}
	if (!hi && (name = elf_file__lookup(w->ef, vaddr, &sym_off)) && !sym_off &&
	    !elf_file__find_func(w->ef, name, &lo, &size) && lo == vaddr && size)
		hi = vaddr + size;
	if (!hi && (f = cfi_fdes__find(w->fdes, w->fde_cnt, vaddr))) {
		lo = f->lo;
		hi = f->hi;
	}
	if (!hi)
		return fail(w, -ENOENT, "no bounds for the code at 0x%" PRIx64, vaddr);
	if (hi - lo > PIECE_MAX)
		return fail(w, -E2BIG, "code too long at 0x%" PRIx64, lo);
	if (w->cnt == FN_REGIONS_MAX)
		return fail(w, -E2BIG, "tail calls lead to too many functions (at 0x%" PRIx64 ")",
			    vaddr);
	w->pieces[w->cnt++] = (struct piece){ lo, hi };
	return 0;
}

static int decode_piece(struct walk *w, const struct piece *pc)
{
	size_t len = (size_t)(pc->hi - pc->lo), off = 0;
	uint8_t *code;
	uint64_t foff;
	int err = 0;

	if (elf_file__vaddr_to_off(w->ef, pc->lo, &foff))
		return fail(w, -ENOENT, "code at 0x%" PRIx64 " is in no segment", pc->lo);
	code = malloc(len);
	if (!code)
		return -ENOMEM;
	if (elf_file__read(w->ef, foff, code, len)) {
		free(code);
		return fail(w, -EIO, "cannot read the code at 0x%" PRIx64, pc->lo);
	}
	while (off < len && !err) {
		struct x86_insn in;

		if (x86__decode(code, len, off, &in)) {
			err = fail(w, -EINVAL, "undecodable instruction at 0x%" PRIx64,
				   pc->lo + off);
			break;
		}
		if (in.kind == X86_RET) {
			if (w->out->cnt == FN_RETURNS_MAX)
				err = fail(w, -E2BIG, "too many returns (at 0x%" PRIx64 ")",
					   pc->lo + off);
			else
				w->out->vaddrs[w->out->cnt++] = pc->lo + off;
		} else if (in.kind == X86_JMP_REL &&
			   (in.target < 0 || in.target >= (long long)len)) {
			err = add_piece(w, pc->lo + (uint64_t)in.target, 0);
		} else if (in.kind == X86_JMP_IND) {
			/* ff /4 with ModRM 00 100 101: jmp *disp32(%rip), a tail call through a
			 * pointer (a GOT slot); through a register or a table: a switch */
			size_t p = 0;

			while (p < in.len && code[off + p] != 0xff)
				p++;
			if (p + 1 < in.len && (code[off + p + 1] & 0xc7) == 0x05)
				err = fail(w, -ENOENT, "tail call through a pointer at 0x%" PRIx64,
					   pc->lo + off);
		}
		off += in.len;
	}
	free(code);
	return err;
}

int fn_returns__find(const struct elf_file *ef, const struct cfi_fde *fdes, size_t fde_cnt,
		     uint64_t vaddr, uint64_t size, struct fn_returns *out)
{
	struct walk w = { .ef = ef, .fdes = fdes, .fde_cnt = fde_cnt, .out = out };
	int err;

	memset(out, 0, sizeof(*out));
	err = add_piece(&w, vaddr, size);
	for (int i = 0; !err && i < w.cnt; i++)
		err = decode_piece(&w, &w.pieces[i]);
	out->regions = w.cnt;
	if (!err && !out->cnt)
		err = fail(&w, -ENOENT, "no return found from 0x%" PRIx64, vaddr);
	return err;
}
