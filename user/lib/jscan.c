// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The pull scanner of JSON text (see jscan.h): every read is bounded by the end of the text,
 * every value checked against the grammar, the first error kept. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/array.h"
#include "lib/jscan.h"

void jscan__init(struct jscan *j, const char *text, size_t len)
{
	memset(j, 0, sizeof(*j));
	jscan__reset(j, text, len);
}

void jscan__reset(struct jscan *j, const char *text, size_t len)
{
	j->start = j->p = text;
	j->end = text + len;
	j->err = 0;
	j->why[0] = '\0';
}

void jscan__fini(struct jscan *j)
{
	free(j->buf);
	j->buf = NULL;
	j->cap = 0;
}

void jscan__fail(struct jscan *j, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (j->err)
		return;
	j->err = -EINVAL;
	va_start(ap, fmt);
	n = vsnprintf(j->why, sizeof(j->why), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(j->why))
		snprintf(j->why + n, sizeof(j->why) - (size_t)n, " at byte %zu",
			 (size_t)(j->p - j->start));
}

static void nomem(struct jscan *j)
{
	if (j->err)
		return;
	j->err = -ENOMEM;
	snprintf(j->why, sizeof(j->why), "out of memory");
}

static void blanks(struct jscan *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r'))
		j->p++;
}

int jscan__peek(struct jscan *j)
{
	if (j->err)
		return -1;
	blanks(j);
	return j->p < j->end ? (unsigned char)*j->p : -1;
}

bool jscan__eat(struct jscan *j, char c)
{
	if (jscan__peek(j) != (unsigned char)c)
		return false;
	j->p++;
	return true;
}

bool jscan__expect(struct jscan *j, char c)
{
	if (jscan__eat(j, c))
		return true;
	if (j->p >= j->end)
		jscan__fail(j, "the text ends where '%c' should come", c);
	else
		jscan__fail(j, "expected '%c'", c);
	return false;
}

bool jscan__more(struct jscan *j, char close, bool *first)
{
	if (j->err)
		return false;
	if (jscan__eat(j, close))
		return false;
	if (!*first && !jscan__expect(j, ','))
		return false;
	*first = false;
	return true;
}

/* The length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF) that ends before end, or 0 */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t n;
	unsigned lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

static bool put(struct jscan *j, size_t *n, const char *s, size_t len)
{
	if (j->cap - *n < len + 1 && ARRAY_GROW(j->buf, j->cap, *n + len + 1, 256)) {
		nomem(j);
		return false;
	}
	memcpy(j->buf + *n, s, len);
	*n += len;
	return true;
}

static int hex4(const char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* A \u escape at j->p (after the backslash and the u): the code point, or -1 */
static long unicode_escape(struct jscan *j)
{
	long cp, lo;

	if (j->end - j->p < 4 || (cp = hex4(j->p)) < 0) {
		jscan__fail(j, "a \\u escape without four hex digits");
		return -1;
	}
	j->p += 4;
	if (cp >= 0xdc00 && cp <= 0xdfff) {
		jscan__fail(j, "a lone low surrogate \\u%04lx", cp);
		return -1;
	}
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u' ||
		    (lo = hex4(j->p + 2)) < 0xdc00 || lo > 0xdfff) {
			jscan__fail(j, "a high surrogate \\u%04lx without its low half", cp);
			return -1;
		}
		j->p += 6;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (!cp) {
		jscan__fail(j, "a string holding \\u0000");
		return -1;
	}
	return cp;
}

static bool put_cp(struct jscan *j, size_t *n, long cp)
{
	char u[4];
	size_t len;

	if (cp < 0x80) {
		u[0] = (char)cp;
		len = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		len = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		len = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		len = 4;
	}
	return put(j, n, u, len);
}

const char *jscan__str(struct jscan *j, size_t *len)
{
	size_t n = 0;

	if (!jscan__expect(j, '"'))
		return NULL;
	for (;;) {
		const char *run = j->p;

		/* a run of plain ASCII is copied at once */
		while (j->p < j->end && (unsigned char)*j->p >= 0x20 && *j->p != '"' &&
		       *j->p != '\\' && (unsigned char)*j->p < 0x80)
			j->p++;
		if (j->p > run && !put(j, &n, run, (size_t)(j->p - run)))
			return NULL;
		if (j->p >= j->end) {
			jscan__fail(j, "the text ends inside a string");
			return NULL;
		}
		unsigned char c = (unsigned char)*j->p;

		if (c == '"') {
			j->p++;
			break;
		}
		if (c < 0x20) {
			jscan__fail(j, "a control character in a string");
			return NULL;
		}
		if (c >= 0x80) {
			size_t u = utf8_len((const unsigned char *)j->p,
					    (const unsigned char *)j->end);

			if (!u) {
				jscan__fail(j, "a string that is not UTF-8");
				return NULL;
			}
			if (!put(j, &n, j->p, u))
				return NULL;
			j->p += u;
			continue;
		}
		/* a backslash */
		if (++j->p >= j->end) {
			jscan__fail(j, "the text ends inside a string");
			return NULL;
		}
		c = (unsigned char)*j->p++;
		const char *esc = NULL;

		switch (c) {
		case '"':
			esc = "\"";
			break;
		case '\\':
			esc = "\\";
			break;
		case '/':
			esc = "/";
			break;
		case 'b':
			esc = "\b";
			break;
		case 'f':
			esc = "\f";
			break;
		case 'n':
			esc = "\n";
			break;
		case 'r':
			esc = "\r";
			break;
		case 't':
			esc = "\t";
			break;
		case 'u': {
			long cp = unicode_escape(j);

			if (cp < 0 || !put_cp(j, &n, cp))
				return NULL;
			continue;
		}
		default:
			j->p--;
			jscan__fail(j, "an invalid escape '\\%c'", c >= 0x20 && c < 0x7f ? c : '?');
			return NULL;
		}
		if (!put(j, &n, esc, 1))
			return NULL;
	}
	if (!put(j, &n, "", 0))
		return NULL;
	j->buf[n] = '\0';
	if (len)
		*len = n;
	return j->buf;
}

const char *jscan__key(struct jscan *j, size_t *len)
{
	const char *k = jscan__str(j, len);

	return k && jscan__expect(j, ':') ? k : NULL;
}

/* The extent of a number of the JSON grammar at j->p: its end, whether it has a fraction or
 * an exponent; NULL (error set) when there is none */
static const char *number_end(struct jscan *j, bool *integer)
{
	const char *p = j->p, *e = j->end;

	*integer = true;
	if (p < e && *p == '-')
		p++;
	if (p >= e || *p < '0' || *p > '9') {
		jscan__fail(j, "expected a number");
		return NULL;
	}
	if (*p == '0')
		p++;
	else
		while (p < e && *p >= '0' && *p <= '9')
			p++;
	if (p < e && *p == '.') {
		*integer = false;
		if (++p >= e || *p < '0' || *p > '9') {
			jscan__fail(j, "a number without digits after its point");
			return NULL;
		}
		while (p < e && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		*integer = false;
		if (++p < e && (*p == '+' || *p == '-'))
			p++;
		if (p >= e || *p < '0' || *p > '9') {
			jscan__fail(j, "a number without digits in its exponent");
			return NULL;
		}
		while (p < e && *p >= '0' && *p <= '9')
			p++;
	}
	return p;
}

/* An integer's magnitude and sign; false (error set) when it is none or above UINT64_MAX.
 * One pass over the digits: integers are most of a session file. */
static bool integer(struct jscan *j, uint64_t *mag, bool *neg)
{
	const char *p, *e = j->end;
	uint64_t v = 0;

	if (jscan__peek(j) < 0) {
		jscan__fail(j, "expected an integer");
		return false;
	}
	p = j->p;
	*neg = *p == '-';
	p += *neg;
	if (p >= e || *p < '0' || *p > '9') {
		jscan__fail(j, "expected an integer");
		return false;
	}
	if (*p == '0') {
		p++;
	} else {
		for (; p < e && *p >= '0' && *p <= '9'; p++) {
			if (__builtin_mul_overflow(v, 10, &v) ||
			    __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v)) {
				jscan__fail(j, "an integer out of range");
				return false;
			}
		}
	}
	if (p < e && (*p == '.' || *p == 'e' || *p == 'E')) {
		jscan__fail(j, "expected an integer, not a real number");
		return false;
	}
	j->p = p;
	*mag = v;
	return true;
}

uint64_t jscan__u64(struct jscan *j)
{
	const char *at;
	uint64_t v;
	bool neg;

	if (!integer(j, &v, &neg))
		return 0;
	if (neg && v) {
		for (at = j->p; *at != '-'; at--)
			;
		j->p = at; /* the error names the number's first byte */
		jscan__fail(j, "a negative number where a count should be");
		return 0;
	}
	return v;
}

int64_t jscan__i64(struct jscan *j)
{
	const char *end;
	uint64_t v;
	bool neg;

	if (!integer(j, &v, &neg))
		return 0;
	if (v > (uint64_t)INT64_MAX + neg) {
		for (end = j->p;
		     end > j->start && (end[-1] == '-' || (end[-1] >= '0' && end[-1] <= '9'));
		     end--)
			;
		j->p = end; /* the error names the number's first byte */
		jscan__fail(j, "an integer out of range");
		return 0;
	}
	return neg ? (int64_t)(0 - v) : (int64_t)v;
}

double jscan__num(struct jscan *j)
{
	char tmp[64];
	const char *end;
	bool is_int;
	double v;

	if (jscan__peek(j) < 0) {
		jscan__fail(j, "expected a number");
		return 0;
	}
	end = number_end(j, &is_int);
	if (!end)
		return 0;
	if ((size_t)(end - j->p) >= sizeof(tmp)) {
		jscan__fail(j, "a number longer than %zu bytes", sizeof(tmp) - 1);
		return 0;
	}
	memcpy(tmp, j->p, (size_t)(end - j->p));
	tmp[end - j->p] = '\0';
	v = strtod(tmp, NULL);
	if (!isfinite(v)) {
		jscan__fail(j, "a number out of range");
		return 0;
	}
	j->p = end;
	return v;
}

static bool word(struct jscan *j, const char *w, size_t n)
{
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n))
		return false;
	j->p += n;
	return true;
}

int jscan__bool(struct jscan *j)
{
	if (jscan__peek(j) < 0) {
		jscan__fail(j, "expected true or false");
		return -1;
	}
	if (word(j, "true", 4))
		return 1;
	if (word(j, "false", 5))
		return 0;
	jscan__fail(j, "expected true or false");
	return -1;
}

bool jscan__null(struct jscan *j)
{
	return jscan__peek(j) == 'n' && word(j, "null", 4);
}

static void skip(struct jscan *j, int depth)
{
	int c = jscan__peek(j);
	bool first = true, is_int;
	const char *end;

	if (depth > JSCAN_MAX_DEPTH) {
		jscan__fail(j, "nested deeper than %d levels", JSCAN_MAX_DEPTH);
		return;
	}
	switch (c) {
	case '{':
		j->p++;
		while (jscan__more(j, '}', &first)) {
			jscan__key(j, NULL);
			skip(j, depth + 1);
		}
		return;
	case '[':
		j->p++;
		while (jscan__more(j, ']', &first))
			skip(j, depth + 1);
		return;
	case '"':
		jscan__str(j, NULL);
		return;
	case 't':
	case 'f':
		jscan__bool(j);
		return;
	case 'n':
		if (!jscan__null(j))
			jscan__fail(j, "expected a value");
		return;
	case -1:
		jscan__fail(j, "expected a value");
		return;
	default:
		if (c != '-' && (c < '0' || c > '9')) {
			jscan__fail(j, "expected a value");
			return;
		}
		end = number_end(j, &is_int);
		if (end)
			j->p = end;
	}
}

void jscan__skip(struct jscan *j)
{
	skip(j, 1);
}

void jscan__end(struct jscan *j)
{
	if (jscan__peek(j) >= 0)
		jscan__fail(j, "text after the end of the record");
}
