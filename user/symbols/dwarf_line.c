// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* DWARF line program decoder (see dwarf_line.h), after the DWARF 5 specification, section
 * 6.2. Every read is bounds-checked: a truncated or malformed program is -EINVAL, never a read
 * past the section. VLIW op_index is not supported (max_ops_per_inst must be 1). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/array.h"
#include "symbols/dwarf_line.h"

struct rd {
	const uint8_t *p, *end;
	bool bad;
};

static uint64_t rd_u(struct rd *r, size_t n)
{
	uint64_t v = 0;

	if ((size_t)(r->end - r->p) < n) {
		r->bad = true;
		r->p = r->end;
		return 0;
	}
	for (size_t i = 0; i < n; i++) /* little-endian: x86-64 and arm64 */
		v |= (uint64_t)r->p[i] << (8 * i);
	r->p += n;
	return v;
}

static uint64_t rd_uleb(struct rd *r)
{
	uint64_t v = 0;
	unsigned shift = 0;

	while (r->p < r->end) {
		uint8_t b = *r->p++;

		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			return v;
	}
	r->bad = true;
	return 0;
}

static int64_t rd_sleb(struct rd *r)
{
	int64_t v = 0;
	unsigned shift = 0;
	uint8_t b = 0;

	while (r->p < r->end) {
		b = *r->p++;
		if (shift < 64)
			v |= (int64_t)((uint64_t)(b & 0x7f) << shift);
		shift += 7;
		if (!(b & 0x80)) {
			if (shift < 64 && (b & 0x40))
				v |= -((int64_t)1 << shift);
			return v;
		}
	}
	r->bad = true;
	return 0;
}

static const char *rd_str(struct rd *r)
{
	const uint8_t *nul = memchr(r->p, 0, (size_t)(r->end - r->p));
	const char *s = (const char *)r->p;

	if (!nul) {
		r->bad = true;
		r->p = r->end;
		return NULL;
	}
	r->p = nul + 1;
	return s;
}

static const char *str_at(const uint8_t *sec, size_t len, uint64_t off)
{
	if (!sec || off >= len || !memchr(sec + off, 0, len - off))
		return NULL;
	return (const char *)sec + off;
}

/* Lexically, in place: "./" components go, "dir/.." pairs cancel ("./csu/../sysdeps/x.h" is
 * "sysdeps/x.h"); a leading ".." stays, as does a path that is only "." */
void dwarf_line__normalize(char *path)
{
	bool abs = *path == '/';
	char *start = path + abs, *out = start, *p = start;

	/* out never passes p: each segment written was read there, with its separator */
	while (*p) {
		char *seg = p, *last;
		size_t n;

		while (*p && *p != '/')
			p++;
		n = (size_t)(p - seg);
		if (*p)
			p++;
		if (!n || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			for (last = out; last > start && last[-1] != '/'; last--)
				;
			if (out > start && !(out - last == 2 && !strncmp(last, "..", 2))) {
				out = last > start ? last - 1 : start; /* drop the segment before */
				continue;
			}
			if (abs)
				continue; /* "/.." is "/" */
		}
		if (out > start)
			*out++ = '/';
		memmove(out, seg, n);
		out += n;
	}
	if (out == path)
		*out++ = '.';
	*out = '\0';
}

static char *join(const char *a, const char *b)
{
	size_t la = a ? strlen(a) : 0;
	char *s;

	if (!a || !*a || (b && b[0] == '/'))
		s = b ? strdup(b) : NULL;
	else if (!b)
		s = strdup(a);
	else if ((s = malloc(la + strlen(b) + 2)))
		sprintf(s, "%s%s%s", a, a[la - 1] == '/' ? "" : "/", b);
	if (s)
		dwarf_line__normalize(s);
	return s;
}

static int files_put(struct dwarf_line_files *f, size_t idx, char *path)
{
	if (!path)
		return -ENOMEM;
	/* not ARRAY_GROW: the count is the capacity (new slots NULL), grown to what idx needs */
	if (idx >= f->cnt) {
		size_t cnt = idx + 1 > f->cnt * 2 ? idx + 1 : f->cnt * 2;
		char **n = realloc(f->paths, cnt * sizeof(*n));

		if (!n) {
			free(path);
			return -ENOMEM;
		}
		memset(n + f->cnt, 0, (cnt - f->cnt) * sizeof(*n));
		f->paths = n;
		f->cnt = cnt;
	}
	free(f->paths[idx]);
	f->paths[idx] = path;
	return 0;
}

void dwarf_line__free_files(struct dwarf_line_files *f)
{
	for (size_t i = 0; i < f->cnt; i++)
		free(f->paths[i]);
	free(f->paths);
	f->paths = NULL;
	f->cnt = 0;
}

enum {
	FORM_block = 0x09,
	FORM_data1 = 0x0b,
	FORM_data2 = 0x05,
	FORM_data4 = 0x06,
	FORM_data8 = 0x07,
	FORM_data16 = 0x1e,
	FORM_string = 0x08,
	FORM_strp = 0x0e,
	FORM_udata = 0x0f,
	FORM_line_strp = 0x1f,
	LNCT_path = 1,
	LNCT_directory_index = 2,
};

/* One attribute of a version 5 directory or file entry: a string or a number */
static int read_form(struct rd *r, const struct dwarf_line_sections *sec, uint64_t form, bool off64,
		     const char **s, uint64_t *v)
{
	*s = NULL;
	*v = 0;
	switch (form) {
	case FORM_string:
		*s = rd_str(r);
		break;
	case FORM_strp:
		*s = str_at(sec->str, sec->str_len, rd_u(r, off64 ? 8 : 4));
		break;
	case FORM_line_strp:
		*s = str_at(sec->line_str, sec->line_str_len, rd_u(r, off64 ? 8 : 4));
		break;
	case FORM_udata:
		*v = rd_uleb(r);
		break;
	case FORM_data1:
		*v = rd_u(r, 1);
		break;
	case FORM_data2:
		*v = rd_u(r, 2);
		break;
	case FORM_data4:
		*v = rd_u(r, 4);
		break;
	case FORM_data8:
		*v = rd_u(r, 8);
		break;
	case FORM_data16:
		rd_u(r, 8);
		rd_u(r, 8);
		break;
	case FORM_block: {
		uint64_t n = rd_uleb(r);

		if (n > (uint64_t)(r->end - r->p))
			return -EINVAL;
		r->p += n;
		break;
	}
	default:
		return -EINVAL; /* strx forms need .debug_str_offsets: left to libdw */
	}
	return r->bad ? -EINVAL : 0;
}

/* Version 5 directory or file table: entries described by (content type, form) pairs */
static int read_v5_table(struct rd *r, const struct dwarf_line_sections *sec, bool off64, bool dirs,
			 char **dir_paths, size_t dir_cnt, const char *comp_dir,
			 struct dwarf_line_files *out, char ***dirs_out, size_t *dirs_cnt_out)
{
	uint64_t fmt[16][2], n;
	unsigned nfmt = (unsigned)rd_u(r, 1);
	char **list = NULL;

	if (nfmt > 16)
		return -EINVAL;
	for (unsigned i = 0; i < nfmt; i++) {
		fmt[i][0] = rd_uleb(r);
		fmt[i][1] = rd_uleb(r);
	}
	n = rd_uleb(r);
	if (r->bad || n > (uint64_t)(r->end - r->p))
		return -EINVAL;
	if (dirs && !(list = calloc(n ? n : 1, sizeof(*list))))
		return -ENOMEM;
	for (uint64_t e = 0; e < n; e++) {
		const char *path = NULL;
		uint64_t dir = 0;

		for (unsigned i = 0; i < nfmt; i++) {
			const char *s;
			uint64_t v;

			if (read_form(r, sec, fmt[i][1], off64, &s, &v))
				goto bad;
			if (fmt[i][0] == LNCT_path)
				path = s;
			else if (fmt[i][0] == LNCT_directory_index)
				dir = v;
		}
		if (!path)
			goto bad;
		if (dirs) {
			/* entry 0 is the compilation directory itself (DWARF 5, 6.2.4), the same as
			 * DW_AT_comp_dir: joined to it, a relative one doubled (./csu/./csu/...);
			 * the others may be relative to it */
			list[e] = e ? join(list[0], path) : join(NULL, path);
			if (!list[e])
				goto nomem;
		} else {
			int err = files_put(out, e,
					    join(dir < dir_cnt ? dir_paths[dir] : comp_dir, path));

			if (err)
				return err;
		}
	}
	if (dirs) {
		*dirs_out = list;
		*dirs_cnt_out = n;
	}
	return 0;
bad:
	if (list)
		for (uint64_t e = 0; e < n; e++)
			free(list[e]);
	free(list);
	return -EINVAL;
nomem:
	for (uint64_t e = 0; e < n; e++)
		free(list[e]);
	free(list);
	return -ENOMEM;
}

/* Versions 2-4: NUL-terminated lists */
static int read_v4_tables(struct rd *r, const char *comp_dir, struct dwarf_line_files *out)
{
	char **dirs = NULL;
	size_t dir_cnt = 1, cap = 0;
	int err = 0;

	/* directory 0 is the compilation directory */
	for (;;) {
		const char *d = rd_str(r);

		if (!d || r->bad) {
			err = -EINVAL;
			goto out;
		}
		if (!*d)
			break;
		if (ARRAY_GROW(dirs, cap, dir_cnt + 1, 16)) {
			err = -ENOMEM;
			goto out;
		}
		dirs[dir_cnt] = join(comp_dir, d);
		if (!dirs[dir_cnt]) {
			err = -ENOMEM;
			goto out;
		}
		dir_cnt++;
	}
	for (size_t idx = 1;; idx++) {
		const char *name = rd_str(r);
		uint64_t dir;

		if (!name || r->bad) {
			err = -EINVAL;
			goto out;
		}
		if (!*name)
			break;
		dir = rd_uleb(r);
		rd_uleb(r); /* mtime */
		rd_uleb(r); /* length */
		err = files_put(out, idx, join(dir && dir < dir_cnt ? dirs[dir] : comp_dir, name));
		if (err)
			goto out;
	}
out:
	for (size_t i = 1; i < dir_cnt; i++)
		free(dirs[i]);
	free(dirs);
	return err;
}

int dwarf_line__decode(const struct dwarf_line_sections *sec, uint64_t off, const char *comp_dir,
		       struct dwarf_line_files *files, dwarf_line_row_fn row, void *ctx)
{
	struct rd r = { sec->line, sec->line + sec->line_len, false };
	uint64_t unit_len, hdr_len, address = 0;
	const uint8_t *unit_end, *prog;
	uint8_t min_inst, line_range, opcode_base, lengths[256] = {};
	int8_t line_base;
	unsigned version, addr_size = 8;
	uint32_t file = 1, line = 1;
	bool off64 = false;
	int err;

	if (!sec->line || off >= sec->line_len)
		return -EINVAL;
	r.p += off;
	unit_len = rd_u(&r, 4);
	if (unit_len == 0xffffffff) {
		off64 = true;
		unit_len = rd_u(&r, 8);
	}
	if (r.bad || unit_len > (uint64_t)(r.end - r.p))
		return -EINVAL;
	unit_end = r.p + unit_len;
	r.end = unit_end;
	version = (unsigned)rd_u(&r, 2);
	if (version < 2 || version > 5)
		return -EINVAL;
	if (version >= 5) {
		addr_size = (unsigned)rd_u(&r, 1);
		rd_u(&r, 1); /* segment selector size */
	}
	hdr_len = rd_u(&r, off64 ? 8 : 4);
	if (r.bad || hdr_len > (uint64_t)(r.end - r.p))
		return -EINVAL;
	prog = r.p + hdr_len;
	min_inst = (uint8_t)rd_u(&r, 1);
	if (version >= 4 && rd_u(&r, 1) != 1)
		return -EINVAL; /* VLIW */
	rd_u(&r, 1);		/* default_is_stmt: every row is kept, as libdw does */
	line_base = (int8_t)rd_u(&r, 1);
	line_range = (uint8_t)rd_u(&r, 1);
	opcode_base = (uint8_t)rd_u(&r, 1);
	if (r.bad || !line_range || !opcode_base)
		return -EINVAL;
	for (unsigned i = 1; i < opcode_base; i++)
		lengths[i] = (uint8_t)rd_u(&r, 1);
	if (version >= 5) {
		char **dirs = NULL;
		size_t dir_cnt = 0;

		err = read_v5_table(&r, sec, off64, true, NULL, 0, comp_dir, NULL, &dirs, &dir_cnt);
		if (!err)
			err = read_v5_table(&r, sec, off64, false, dirs, dir_cnt, comp_dir, files,
					    NULL, NULL);
		for (size_t i = 0; i < dir_cnt; i++)
			free(dirs[i]);
		free(dirs);
	} else {
		err = read_v4_tables(&r, comp_dir, files);
	}
	if (err)
		return err;
	if (r.bad || prog > unit_end)
		return -EINVAL;
	r.p = prog;
	while (r.p < r.end) {
		uint8_t op = (uint8_t)rd_u(&r, 1);

		if (op >= opcode_base) {
			unsigned adj = op - opcode_base;

			address += (uint64_t)(adj / line_range) * min_inst;
			line += (uint32_t)(line_base + (int)(adj % line_range));
			if ((err = row(ctx, address, file, line, false)))
				return err;
			continue;
		}
		switch (op) {
		case 0: { /* extended */
			uint64_t len = rd_uleb(&r);
			const uint8_t *next;
			uint8_t sub;

			if (r.bad || !len || len > (uint64_t)(r.end - r.p))
				return -EINVAL;
			next = r.p + len;
			sub = (uint8_t)rd_u(&r, 1);
			if (sub == 1) { /* end_sequence */
				if ((err = row(ctx, address, file, line, true)))
					return err;
				address = 0;
				file = 1;
				line = 1;
			} else if (sub == 2) { /* set_address */
				if (len - 1 > 8)
					return -EINVAL;
				address = rd_u(&r, (size_t)(len - 1));
			}
			/* define_file (3), set_discriminator (4) and vendor ones: skipped */
			r.p = next;
			(void)addr_size;
			break;
		}
		case 1: /* copy */
			if ((err = row(ctx, address, file, line, false)))
				return err;
			break;
		case 2: /* advance_pc */
			address += rd_uleb(&r) * min_inst;
			break;
		case 3: /* advance_line */
			line += (uint32_t)rd_sleb(&r);
			break;
		case 4: /* set_file */
			file = (uint32_t)rd_uleb(&r);
			break;
		case 8: /* const_add_pc */
			address += (uint64_t)((255 - opcode_base) / line_range) * min_inst;
			break;
		case 9: /* fixed_advance_pc */
			address += rd_u(&r, 2);
			break;
		default: /* set_column, negate_stmt, ..., unknown: skip their operands */
			for (unsigned i = 0; i < lengths[op]; i++)
				rd_uleb(&r);
			break;
		}
		if (r.bad)
			return -EINVAL;
	}
	return 0;
}
