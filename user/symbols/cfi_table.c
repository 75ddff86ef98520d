// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unwind rows from .eh_frame (see cfi_table.h). The function starts come from .eh_frame_hdr's
 * sorted table, or from the FDEs of .eh_frame read here when there is no header (a static
 * binary); libdw evaluates the call-frame instructions at each address (dwarf_cfi_addrframe
 * gives the range a rule holds for), and each rule becomes a row when it is one the BPF walk can
 * follow: CFA = rsp|rbp + constant, return address at CFA - 8, rbp unchanged or saved at
 * CFA + constant. Anything else (DWARF expressions, as in PLT entries) becomes UNWIND_UNKNOWN,
 * where the walk falls back to the frame pointer. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include "lib/array.h"
#include "symbols/cfi_table.h"
#include "symbols/elfsym.h"

#define X86_RBP 6
#define X86_RSP 7
#define X86_RA 16

/* Read one pointer encoded as `enc` at *p (inside [*p, end)), whose own virtual address is
 * at_vaddr; datarel is relative to base. 0 or -EINVAL. */
static int read_encoded(const uint8_t **p, const uint8_t *end, uint8_t enc, uint64_t at_vaddr,
			uint64_t base, uint64_t *out)
{
	int64_t v;
	size_t n;

	switch (enc & 0x0f) {
	case DW_EH_PE_udata4:
	case DW_EH_PE_sdata4:
		n = 4;
		break;
	case DW_EH_PE_absptr:
	case DW_EH_PE_udata8:
	case DW_EH_PE_sdata8:
		n = 8;
		break;
	default:
		return -EINVAL;
	}
	if ((size_t)(end - *p) < n)
		return -EINVAL;
	if (n == 4) {
		uint32_t u;

		memcpy(&u, *p, 4);
		v = (enc & 0x0f) == DW_EH_PE_sdata4 ? (int64_t)(int32_t)u : (int64_t)u;
	} else {
		memcpy(&v, *p, 8);
	}
	*p += n;
	switch (enc & 0x70) {
	case DW_EH_PE_absptr:
		break;
	case DW_EH_PE_pcrel:
		v += (int64_t)at_vaddr;
		break;
	case DW_EH_PE_datarel:
		v += (int64_t)base;
		break;
	default:
		return -EINVAL;
	}
	*out = (uint64_t)v;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The sorted function starts of .eh_frame_hdr. 0, -ENOENT or -EINVAL. */
static int hdr_starts(Elf *elf, uint64_t **starts, size_t *cnt)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return -ENOENT;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *d;
		const uint8_t *p, *end;
		uint64_t ignored, n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS)
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name || strcmp(name, ".eh_frame_hdr"))
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf || d->d_size < 4)
			return -EINVAL;
		p = d->d_buf;
		end = p + d->d_size;
		if (p[0] != 1 || p[3] == DW_EH_PE_omit)
			return -EINVAL;
		{
			uint8_t ptr_enc = p[1], cnt_enc = p[2], tab_enc = p[3];

			p += 4;
			if (read_encoded(&p, end, ptr_enc, sh.sh_addr + 4, sh.sh_addr, &ignored) ||
			    read_encoded(&p, end, cnt_enc, sh.sh_addr + (p - (uint8_t *)d->d_buf),
					 sh.sh_addr, &n) ||
			    n > (uint64_t)(end - p) / 8)
				return -EINVAL;
			*starts = malloc((n ? n : 1) * sizeof(**starts));
			if (!*starts)
				return -ENOMEM;
			for (uint64_t i = 0; i < n; i++) {
				uint64_t at = sh.sh_addr + (p - (uint8_t *)d->d_buf);

				if (read_encoded(&p, end, tab_enc, at, sh.sh_addr, &(*starts)[i]) ||
				    read_encoded(&p, end, tab_enc, at, sh.sh_addr, &ignored)) {
					free(*starts);
					*starts = NULL;
					return -EINVAL;
				}
			}
			qsort(*starts, n, sizeof(**starts), cmp_u64);
			*cnt = n;
			return 0;
		}
	}
	return -ENOENT;
}

/* Skip an unsigned or signed LEB128 at *p. 0 or -EINVAL. */
static int skip_leb(const uint8_t **p, const uint8_t *end)
{
	while (*p < end)
		if (!(*(*p)++ & 0x80))
			return 0;
	return -EINVAL;
}

/* The pointer encoding of a CIE's FDEs: its augmentation 'R', else an absolute pointer.
 * cie..end is the CIE after its id field. 0 or -EINVAL (an augmentation we cannot skip). */
static int cie_fde_enc(const uint8_t *cie, const uint8_t *end, uint8_t *enc)
{
	const uint8_t *p = cie, *aug;
	uint8_t version;

	*enc = DW_EH_PE_absptr;
	if (p >= end)
		return -EINVAL;
	version = *p++;
	aug = p;
	while (p < end && *p)
		p++;
	if (p++ >= end)
		return -EINVAL;
	if (aug[0] != 'z')
		return aug[0] ? -EINVAL : 0; /* no augmentation data: absolute pointers */
	if (strstr((const char *)aug, "eh"))
		return -EINVAL; /* GCC 2's "eh" augmentation: not seen on x86-64 */
	if (skip_leb(&p, end) || skip_leb(&p, end)) /* code and data alignment factors */
		return -EINVAL;
	if (version == 1)
		p++;
	else if (skip_leb(&p, end))
		return -EINVAL;
	if (skip_leb(&p, end)) /* augmentation data length */
		return -EINVAL;
	for (const uint8_t *a = aug + 1; *a; a++) {
		uint64_t ignored;

		if (p >= end)
			return -EINVAL;
		switch (*a) {
		case 'R':
			*enc = *p;
			return 0;
		case 'L':
			p++;
			break;
		case 'P': {
			uint8_t penc = *p++;

			/* skipped: only its size matters */
			if (read_encoded(&p, end, penc & 0x0f, 0, 0, &ignored))
				return -EINVAL;
			break;
		}
		case 'S':
		case 'B':
		case 'G':
			break;
		default:
			return -EINVAL;
		}
	}
	return 0;
}

static int cmp_fde(const void *a, const void *b)
{
	const struct cfi_fde *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

/* The CIEs and FDEs of .eh_frame (sh_addr: its virtual address), walked entry by entry */
static int parse_eh_frame(const uint8_t *buf, size_t size, uint64_t sh_addr, struct cfi_fde **out,
			  size_t *cnt)
{
	const uint8_t *p = buf, *end = buf + size;
	size_t cap = 0, last_cie = SIZE_MAX;
	uint8_t enc = DW_EH_PE_absptr;

	*out = NULL;
	*cnt = 0;
	while ((size_t)(end - p) >= 4) {
		const uint8_t *entry_end, *id_at;
		uint64_t len, lo, range;
		uint32_t len32, id;

		memcpy(&len32, p, 4);
		p += 4;
		if (!len32)
			break; /* the terminator */
		len = len32;
		if (len32 == 0xffffffff) {
			if ((size_t)(end - p) < 8)
				goto bad;
			memcpy(&len, p, 8);
			p += 8;
		}
		if (len < 4 || len > (uint64_t)(end - p))
			goto bad;
		entry_end = p + len;
		id_at = p;
		memcpy(&id, p, 4);
		p += 4;
		if (id) { /* an FDE: id is the distance back to its CIE */
			size_t cie = (size_t)(id_at - buf);
			uint64_t at = sh_addr + (uint64_t)(p - buf);

			if (id > cie)
				goto bad;
			cie -= id;
			if (cie != last_cie) {
				const uint8_t *c = buf + cie;
				uint32_t clen;

				if ((size_t)(end - c) < 8)
					goto bad;
				memcpy(&clen, c, 4);
				if (clen == 0xffffffff || clen < 4 ||
				    clen > (size_t)(end - c - 4) ||
				    cie_fde_enc(c + 8, c + 4 + clen, &enc))
					goto bad;
				last_cie = cie;
			}
			if (read_encoded(&p, entry_end, enc, at, 0, &lo) ||
			    read_encoded(&p, entry_end, enc & 0x0f, 0, 0, &range))
				goto bad;
			if (range && lo + range > lo) {
				if (ARRAY_GROW(*out, cap, *cnt + 1, 1024)) {
					free(*out);
					*out = NULL;
					*cnt = 0;
					return -ENOMEM;
				}
				(*out)[(*cnt)++] = (struct cfi_fde){ .lo = lo, .hi = lo + range };
			}
		}
		p = entry_end;
	}
	if (*cnt)
		qsort(*out, *cnt, sizeof(**out), cmp_fde);
	return 0;
bad:
	free(*out);
	*out = NULL;
	*cnt = 0;
	return -EINVAL;
}

/* The section called name, with its data; NULL when there is none */
static Elf_Scn *find_section(Elf *elf, const char *name, GElf_Shdr *sh, Elf_Data **d)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, sh) || sh->sh_type == SHT_NOBITS)
			continue;
		n = elf_strptr(elf, shstrndx, sh->sh_name);
		if (n && !strcmp(n, name)) {
			*d = elf_getdata(scn, NULL);
			return *d && (*d)->d_buf ? scn : NULL;
		}
	}
	return NULL;
}

int cfi_fdes__read(const struct elf_file *ef, struct cfi_fde **out, size_t *cnt)
{
	GElf_Shdr sh;
	Elf_Data *d;

	*out = NULL;
	*cnt = 0;
	if (!find_section(elf_file__elf(ef), ".eh_frame", &sh, &d))
		return -ENOENT;
	return parse_eh_frame(d->d_buf, d->d_size, sh.sh_addr, out, cnt);
}

const struct cfi_fde *cfi_fdes__find(const struct cfi_fde *fdes, size_t cnt, uint64_t vaddr)
{
	size_t lo = 0, hi = cnt;

	while (lo < hi) { /* the first FDE starting after vaddr */
		size_t mid = lo + (hi - lo) / 2;

		if (fdes[mid].lo <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* FDEs do not overlap in code a compiler emits; the last one starting at or before */
	return lo && vaddr < fdes[lo - 1].hi ? &fdes[lo - 1] : NULL;
}

/* The sorted function starts: from .eh_frame_hdr's table, else (a static binary: GCC's -static
 * leaves the header out; a header without a table) from the FDEs of .eh_frame itself. 0,
 * -ENOENT or -EINVAL. */
static int fde_starts(const struct elf_file *ef, uint64_t **starts, size_t *cnt)
{
	struct cfi_fde *fdes;
	size_t n;
	int err = hdr_starts(elf_file__elf(ef), starts, cnt);

	/* no header, or one without its table (DW_EH_PE_omit): the FDEs themselves */
	if (err != -ENOENT && err != -EINVAL)
		return err;
	err = cfi_fdes__read(ef, &fdes, &n);
	if (err)
		return err;
	*starts = malloc((n ? n : 1) * sizeof(**starts));
	if (!*starts) {
		free(fdes);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		(*starts)[i] = fdes[i].lo;
	*cnt = n;
	free(fdes);
	return 0;
}

/* A register rule "saved at CFA + off" in libdw's form: call_frame_cfa, then nothing, a
 * plus_uconst or a consts + plus. true with *off when it is one. */
static bool saved_at_cfa(const Dwarf_Op *ops, size_t nops, int64_t *off)
{
	if (!nops || ops[0].atom != DW_OP_call_frame_cfa)
		return false;
	if (nops == 1) {
		*off = 0;
		return true;
	}
	if (nops == 2 && ops[1].atom == DW_OP_plus_uconst) {
		*off = (int64_t)ops[1].number;
		return true;
	}
	if (nops == 3 && (ops[1].atom == DW_OP_consts || ops[1].atom == DW_OP_constu) &&
	    ops[2].atom == DW_OP_plus) {
		*off = (int64_t)ops[1].number;
		return true;
	}
	return false;
}

/* The row of one frame state; *fp: its CFA is rbp-based */
static struct unwind_row frame_row(Dwarf_Frame *frame, uint64_t pc, bool *fp)
{
	struct unwind_row row = { .pc = (uint32_t)pc, .kind = UNWIND_UNKNOWN };
	Dwarf_Op mem[3], *ops;
	size_t nops;
	int64_t off;
	unsigned int reg;
	int64_t cfa_off;

	*fp = false;
	if (dwarf_frame_register(frame, X86_RA, mem, &ops, &nops))
		return row;
	if (!nops && ops == mem) { /* the return address is undefined: outermost frame */
		row.kind = UNWIND_END;
		return row;
	}
	if (!saved_at_cfa(ops, nops, &off) || off != -8)
		return row;
	if (dwarf_frame_cfa(frame, &ops, &nops) || nops != 1)
		return row;
	if (ops[0].atom == DW_OP_bregx) {
		reg = (unsigned int)ops[0].number;
		cfa_off = (int64_t)ops[0].number2;
	} else if (ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg31) {
		reg = ops[0].atom - DW_OP_breg0;
		cfa_off = (int64_t)ops[0].number;
	} else {
		return row;
	}
	if ((reg != X86_RSP && reg != X86_RBP) || cfa_off <= 0 || cfa_off % 8 ||
	    cfa_off / 8 > UINT16_MAX)
		return row;
	*fp = reg == X86_RBP;
	if (dwarf_frame_register(frame, X86_RBP, mem, &ops, &nops))
		return row;
	if (!nops) { /* same value, or undefined: rbp stays what it is */
		row.rbp_slot = 0;
	} else if (saved_at_cfa(ops, nops, &off) && off < 0 && !(off % 8) && off / 8 >= INT8_MIN) {
		row.rbp_slot = (int8_t)(off / 8);
	} else {
		return row;
	}
	row.kind = reg == X86_RSP ? UNWIND_CFA_SP : UNWIND_CFA_FP;
	row.cfa_off8 = (uint16_t)(cfa_off / 8);
	return row;
}

static bool same_rule(const struct unwind_row *a, const struct unwind_row *b)
{
	return a->kind == b->kind && a->cfa_off8 == b->cfa_off8 && a->rbp_slot == b->rbp_slot;
}

static int push_row(struct cfi_table *t, size_t *cap, struct unwind_row row)
{
	if (t->cnt && same_rule(&t->rows[t->cnt - 1], &row))
		return 0;
	if (t->cnt && t->rows[t->cnt - 1].pc == row.pc) { /* an empty range: the later wins */
		t->rows[t->cnt - 1] = row;
		return 0;
	}
	if (ARRAY_GROW(t->rows, *cap, t->cnt + 1, 1024))
		return -ENOMEM;
	t->rows[t->cnt++] = row;
	return 0;
}

/* ELF virtual address - file offset of the executable PT_LOAD segment. 0 or -ENOEXEC. */
static int exec_delta(Elf *elf, int64_t *delta)
{
	size_t n;

	if (elf_getphdrnum(elf, &n))
		return -ENOEXEC;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD && (ph.p_flags & PF_X)) {
			*delta = (int64_t)ph.p_vaddr - (int64_t)ph.p_offset;
			return 0;
		}
	}
	return -ENOEXEC;
}

int cfi_table__build(const char *path, struct cfi_table *out)
{
	struct elf_file *ef;
	Dwarf_CFI *cfi = NULL;
	uint64_t *starts = NULL;
	size_t nstarts = 0, cap = 0;
	GElf_Ehdr eh;
	Elf *elf;
	int err;

	memset(out, 0, sizeof(*out));
	ef = elf_file__open(path);
	if (!ef)
		return -errno;
	elf = elf_file__elf(ef);
	if (!gelf_getehdr(elf, &eh) || eh.e_machine != EM_X86_64) {
		err = -ENOEXEC;
		goto out;
	}
	err = exec_delta(elf, &out->vaddr_delta) ?: fde_starts(ef, &starts, &nstarts);
	if (err)
		goto out;
	cfi = dwarf_getcfi_elf(elf);
	if (!cfi) {
		err = -ENOENT;
		goto out;
	}
	for (size_t i = 0; i < nstarts && !err; i++) {
		uint64_t addr = starts[i], limit = i + 1 < nstarts ? starts[i + 1] : UINT64_MAX;
		bool any_fp = false, framed = false, described = false;

		if (addr > UINT32_MAX || (i && starts[i - 1] == addr))
			continue;
		while (addr < limit && !err) {
			struct unwind_row row;
			Dwarf_Frame *frame;
			Dwarf_Addr s, e;
			bool sig, fp;

			if (dwarf_cfi_addrframe(cfi, addr, &frame))
				break;
			if (dwarf_frame_info(frame, &s, &e, &sig) < 0 || e <= addr) {
				free(frame);
				break;
			}
			row = frame_row(frame, addr, &fp);
			err = push_row(out, &cap, row);
			free(frame);
			any_fp |= fp;
			framed |= fp || (row.kind == UNWIND_CFA_SP && row.cfa_off8 > 1);
			described = true;
			addr = e;
		}
		if (described) {
			out->fdes++;
			out->fdes_framed += framed;
			out->fdes_fp += any_fp;
		}
		/* the gap up to the next function has no rule */
		if (!err && addr < limit && addr <= UINT32_MAX)
			err = push_row(out, &cap,
				       (struct unwind_row){ .pc = (uint32_t)addr,
							    .kind = UNWIND_UNKNOWN });
	}
	if (!err && !out->cnt)
		err = -ENOENT;
out:
	free(starts);
	/* the CFI from dwarf_getcfi_elf is freed with dwarf_cfi_end */
	if (cfi)
		dwarf_cfi_end(cfi);
	elf_file__free(ef);
	if (err)
		cfi_table__free(out);
	return err;
}

bool cfi_table__frameless(const struct cfi_table *t)
{
	return t->fdes_framed && t->fdes_fp * 2 < t->fdes_framed;
}

const struct unwind_row *cfi_table__find(const struct cfi_table *t, uint64_t vaddr)
{
	size_t lo = 0, hi = t->cnt;

	while (lo < hi) { /* the first row starting after vaddr */
		size_t mid = lo + (hi - lo) / 2;

		if (t->rows[mid].pc <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &t->rows[lo - 1] : NULL;
}

size_t cfi_index__cnt(const struct cfi_table *t)
{
	if (!t->cnt)
		return 0;
	return (t->rows[t->cnt - 1].pc >> PERFAN_UNWIND_BUCKET_SHIFT) -
	       (t->rows[0].pc >> PERFAN_UNWIND_BUCKET_SHIFT) + 2;
}

uint32_t cfi_index__build(const struct cfi_table *t, struct unwind_row *idx, size_t n)
{
	uint32_t bucket0 = t->cnt ? t->rows[0].pc >> PERFAN_UNWIND_BUCKET_SHIFT : 0;
	size_t r = 0;

	for (size_t b = 0; b < n; b++) {
		uint64_t start = (uint64_t)(bucket0 + b) << PERFAN_UNWIND_BUCKET_SHIFT;

		while (r < t->cnt && t->rows[r].pc <= start)
			r++;
		idx[b] = (struct unwind_row){ .pc = (__u32)r };
	}
	return bucket0;
}

long cfi_index__find(const struct cfi_table *t, const struct unwind_row *idx, size_t n,
		     uint32_t bucket0, uint64_t vaddr)
{
	uint64_t b = vaddr >> PERFAN_UNWIND_BUCKET_SHIFT;
	size_t lo, hi;

	if (n < 2 || b < bucket0)
		return -1;
	b -= bucket0;
	if (b >= n - 1) {
		lo = hi = t->cnt; /* past the last bucket: every row is at or before vaddr */
	} else {
		lo = idx[b].pc;
		hi = idx[b + 1].pc;
		if (lo > hi || hi > t->cnt)
			return -1;
	}
	while (lo < hi) { /* the first row starting after vaddr, within the bucket's rows */
		size_t mid = lo + (hi - lo) / 2;

		if (t->rows[mid].pc <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? (long)lo - 1 : -1;
}

void cfi_table__free(struct cfi_table *t)
{
	free(t->rows);
	memset(t, 0, sizeof(*t));
}
