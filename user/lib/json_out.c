// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The streaming JSON writer (see json_out.h). Layout follows jansson's dump.c, so that the
 * bytes are the same: a container's first item is preceded by the indent of its level, each
 * other one by "," and that indent (or ", " on one line, "," when compact); a non-empty
 * container closes on the indent of its parent's level; an empty one prints "[]" or "{}".
 * A container begun "on one line" (json_out__obj_begin_line) is laid out, with all it holds,
 * as without indent. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/json_out.h"

#define DEFAULT_BUF_SIZE (1u << 20)

enum level_kind { LEVEL_TOP, LEVEL_OBJ, LEVEL_ARR };

struct json_out {
	char *buf;
	size_t len, cap;
	json_out_sink sink;
	void *ctx;
	int fd; /* json_out__new_fd's: ctx points here */
	int indent, precision;
	bool compact;
	bool want_value; /* a key was written: its value comes next */
	int err;
	uint64_t flushed; /* bytes handed on */
	int depth;
	int line_depth; /* the level of the container begun on one line, 0 when none is open */
	unsigned char kind[JSON_OUT_MAX_DEPTH + 1];
	bool has_items[JSON_OUT_MAX_DEPTH + 1];
};

static int file_sink(void *ctx, const void *buf, size_t len)
{
	return fwrite(buf, 1, len, ctx) == len ? 0 : -EIO;
}

static int fd_sink(void *ctx, const void *buf, size_t len)
{
	int fd = *(int *)ctx;

	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf = (const char *)buf + n;
		len -= (size_t)n;
	}
	return 0;
}

struct json_out *json_out__new_sink(json_out_sink sink, void *ctx, const struct json_out_opts *opts)
{
	struct json_out *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->cap = opts && opts->buf_size ? opts->buf_size : DEFAULT_BUF_SIZE;
	if (o->cap < 64)
		o->cap = 64; /* room for any one number or escape */
	o->buf = malloc(o->cap);
	if (!o->buf) {
		free(o);
		errno = ENOMEM;
		return NULL;
	}
	o->sink = sink;
	o->ctx = ctx;
	o->indent = opts && opts->indent > 0 ? opts->indent : 0;
	o->compact = opts && opts->compact;
	o->precision = opts && opts->real_precision > 0 ? opts->real_precision : 17;
	if (o->precision > 30)
		o->precision = 30;
	return o;
}

struct json_out *json_out__new_file(FILE *f, const struct json_out_opts *opts)
{
	return json_out__new_sink(file_sink, f, opts);
}

struct json_out *json_out__new_fd(int fd, const struct json_out_opts *opts)
{
	struct json_out *o = json_out__new_sink(fd_sink, NULL, opts);

	if (o) {
		o->fd = fd;
		o->ctx = &o->fd;
	}
	return o;
}

int json_out__flush(struct json_out *o)
{
	if (!o->err && o->len) {
		o->err = o->sink(o->ctx, o->buf, o->len);
		o->flushed += o->len;
	}
	o->len = 0;
	return o->err;
}

int json_out__err(const struct json_out *o)
{
	return o->err;
}

uint64_t json_out__bytes(const struct json_out *o)
{
	return o->flushed + o->len;
}

int json_out__close(struct json_out *o)
{
	int err;

	if (!o)
		return 0;
	err = json_out__flush(o);
	if (!err && (o->depth || o->want_value))
		err = -EINVAL;
	json_out__free(o);
	return err;
}

void json_out__free(struct json_out *o)
{
	if (!o)
		return;
	free(o->buf);
	free(o);
}

/* ---- bytes into the buffer ---- */

static void put(struct json_out *o, const void *p, size_t n)
{
	if (o->cap - o->len < n) {
		json_out__flush(o);
		if (n >= o->cap) { /* larger than the buffer: straight through */
			if (!o->err) {
				o->err = o->sink(o->ctx, p, n);
				o->flushed += n;
			}
			return;
		}
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

/* Room for n more bytes (n < 64 <= cap), written in place by the caller */
static char *reserve(struct json_out *o, size_t n)
{
	if (o->cap - o->len < n)
		json_out__flush(o);
	return o->buf + o->len;
}

static void put_ch(struct json_out *o, char c)
{
	if (o->len == o->cap)
		json_out__flush(o);
	o->buf[o->len++] = c;
}

/* jansson's dump_indent: a newline and depth levels of spaces when indenting; else a space
 * after a comma unless compact */
static void put_indent(struct json_out *o, int depth, bool after_comma)
{
	if (o->indent && !o->line_depth) {
		size_t n = (size_t)depth * (size_t)o->indent;

		put_ch(o, '\n');
		while (n) {
			static const char spaces[] = "                                ";
			size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;

			put(o, spaces, k);
			n -= k;
		}
	} else if (after_comma && !o->compact) {
		put_ch(o, ' ');
	}
}

/* What comes before an item (a member's key, or an array's element) of the open container */
static void put_item_sep(struct json_out *o)
{
	if (o->has_items[o->depth]) {
		put_ch(o, ',');
		put_indent(o, o->depth, true);
	} else {
		put_indent(o, o->depth, false);
		o->has_items[o->depth] = true;
	}
}

/* Before any value: false (and the error kept) when the writer failed or the value is out of
 * place */
static bool begin_value(struct json_out *o)
{
	if (o->err)
		return false;
	switch (o->kind[o->depth]) {
	case LEVEL_OBJ:
		if (!o->want_value) {
			o->err = -EINVAL; /* a value without its key */
			return false;
		}
		o->want_value = false;
		break;
	case LEVEL_ARR:
		put_item_sep(o);
		break;
	default:
		break;
	}
	return true;
}

/* ---- strings ---- */

size_t json_out__utf8_len(const unsigned char *s)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	/* in order: a NUL is not a continuation byte, so the string's end stops the walk */
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* Bytes that go out as they are: printable ASCII but '"' (0x22) and '\\' (0x5c) */
static const bool plain[256] = {
	[0x20 ... 0x21] = true,
	[0x23 ... 0x5b] = true,
	[0x5d ... 0x7f] = true,
};

static void put_string(struct json_out *o, const char *str)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)str;

	put_ch(o, '"');
	for (;;) {
		const unsigned char *run = p;
		unsigned char c;
		char *w;

		while (plain[*p])
			p++;
		while (*p >= 0x80) { /* UTF-8: well-formed sequences are plain too */
			size_t n = json_out__utf8_len(p);

			if (!n)
				break;
			p += n;
			while (plain[*p])
				p++;
		}
		if (p > run)
			put(o, run, (size_t)(p - run));
		c = *p;
		if (!c)
			break;
		if (c >= 0x80) {
			put(o, "\xef\xbf\xbd", 3); /* U+FFFD for a byte that starts no sequence */
			p++;
			continue;
		}
		w = reserve(o, 6);
		w[0] = '\\';
		switch (c) {
		case '"':
		case '\\':
			w[1] = (char)c;
			break;
		case '\b':
			w[1] = 'b';
			break;
		case '\f':
			w[1] = 'f';
			break;
		case '\n':
			w[1] = 'n';
			break;
		case '\r':
			w[1] = 'r';
			break;
		case '\t':
			w[1] = 't';
			break;
		default:
			memcpy(w + 1, "u00", 3);
			w[4] = hex[c >> 4];
			w[5] = hex[c & 15];
			o->len += 4;
			break;
		}
		o->len += 2;
		p++;
	}
	put_ch(o, '"');
}

void json_out__str(struct json_out *o, const char *s)
{
	if (!s) {
		json_out__null(o);
		return;
	}
	if (begin_value(o))
		put_string(o, s);
}

void json_out__key(struct json_out *o, const char *key)
{
	if (o->err)
		return;
	if (o->kind[o->depth] != LEVEL_OBJ || o->want_value || !key) {
		o->err = -EINVAL;
		return;
	}
	put_item_sep(o);
	put_string(o, key);
	if (o->compact)
		put_ch(o, ':');
	else
		put(o, ": ", 2);
	o->want_value = true;
}

/* ---- containers ---- */

static void open_level(struct json_out *o, enum level_kind kind, char c)
{
	if (!begin_value(o))
		return;
	if (o->depth == JSON_OUT_MAX_DEPTH) {
		o->err = -EINVAL;
		return;
	}
	put_ch(o, c);
	o->depth++;
	o->kind[o->depth] = (unsigned char)kind;
	o->has_items[o->depth] = false;
}

static void close_level(struct json_out *o, enum level_kind kind, char c)
{
	if (o->err)
		return;
	if (!o->depth || o->kind[o->depth] != kind || o->want_value) {
		o->err = -EINVAL;
		return;
	}
	if (o->has_items[o->depth])
		put_indent(o, o->depth - 1, false);
	put_ch(o, c);
	if (o->depth == o->line_depth)
		o->line_depth = 0;
	o->depth--;
}

void json_out__obj_begin(struct json_out *o)
{
	open_level(o, LEVEL_OBJ, '{');
}

void json_out__obj_begin_line(struct json_out *o)
{
	int depth = o->depth;

	open_level(o, LEVEL_OBJ, '{');
	if (!o->err && !o->line_depth && o->depth == depth + 1)
		o->line_depth = o->depth;
}

void json_out__obj_end(struct json_out *o)
{
	close_level(o, LEVEL_OBJ, '}');
}

void json_out__arr_begin(struct json_out *o)
{
	open_level(o, LEVEL_ARR, '[');
}

void json_out__arr_end(struct json_out *o)
{
	close_level(o, LEVEL_ARR, ']');
}

/* ---- scalars ---- */

static void put_u64(struct json_out *o, uint64_t v, bool neg)
{
	char tmp[24], *e = tmp + sizeof(tmp), *b = e;

	do {
		*--b = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (neg)
		*--b = '-';
	put(o, b, (size_t)(e - b));
}

void json_out__int(struct json_out *o, int64_t v)
{
	if (begin_value(o))
		put_u64(o, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0);
}

void json_out__uint(struct json_out *o, uint64_t v)
{
	if (begin_value(o))
		put_u64(o, v, false);
}

/* jansson's jsonp_dtostr: "%.*g"; the locale's decimal point becomes '.'; ".0" when there is
 * neither a point nor an exponent (else a reader takes it for an integer); the exponent loses
 * its '+' and leading zeros */
void json_out__real(struct json_out *o, double v)
{
	char tmp[64], *e;
	int n;

	if (!isfinite(v)) {
		json_out__null(o);
		return;
	}
	if (!begin_value(o))
		return;
	n = snprintf(tmp, sizeof(tmp), "%.*g", o->precision, v);
	if (n < 0 || (size_t)n >= sizeof(tmp) - 3) {
		o->err = -EINVAL;
		return;
	}
	for (char *c = tmp; *c; c++)
		if (!(*c >= '0' && *c <= '9') && *c != '-' && *c != '+' && *c != 'e')
			*c = '.';
	e = strchr(tmp, 'e');
	if (!e && !strchr(tmp, '.')) {
		memcpy(tmp + n, ".0", 3);
		n += 2;
	}
	if (e) {
		char *start = e + 1, *end;

		if (*start == '-')
			start++;
		end = start;
		if (*end == '+')
			end++;
		while (*end == '0' && end[1])
			end++;
		memmove(start, end, strlen(end) + 1);
		n = (int)strlen(tmp);
	}
	put(o, tmp, (size_t)n);
}

void json_out__bool(struct json_out *o, bool v)
{
	if (begin_value(o))
		put(o, v ? "true" : "false", v ? 4 : 5);
}

void json_out__null(struct json_out *o)
{
	if (begin_value(o))
		put(o, "null", 4);
}

void json_out__raw(struct json_out *o, const char *s, size_t len)
{
	if (!o->err)
		put(o, s, len);
}
