// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Demangling (see demangle.h). C++ goes to libstdc++'s __cxa_demangle, looked up with dlopen so
 * that the C build needs no C++ runtime; Rust's two manglings are decoded here because no
 * Debian library exports a Rust demangler for C. */
#include <ctype.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "symbols/demangle.h"

typedef char *(*cxa_demangle_fn)(const char *, char *, size_t *, int *);

static cxa_demangle_fn cxa_demangle;
static pthread_once_t cxa_once = PTHREAD_ONCE_INIT;

static void cxa_load(void)
{
	void *h = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);

	if (h)
		cxa_demangle = (cxa_demangle_fn)dlsym(h, "__cxa_demangle");
}

/* A growing output string; `err` once anything failed, and the result is dropped */
struct out {
	char *buf;
	size_t len, cap;
	bool err;
};

#define OUT_MAX 8192 /* v0 back-references can expand exponentially: bound the output */

static void put(struct out *o, const char *s, size_t n)
{
	if (o->err)
		return;
	if (o->len + n + 1 > OUT_MAX) {
		o->err = true;
		return;
	}
	/* not ARRAY_GROW: twice what is needed now, not a doubling of the capacity */
	if (o->len + n + 1 > o->cap) {
		size_t cap = (o->len + n + 1) * 2;
		char *b = realloc(o->buf, cap);

		if (!b) {
			o->err = true;
			return;
		}
		o->buf = b;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static char *out_take(struct out *o)
{
	if (o->err || !o->buf) {
		free(o->buf);
		return NULL;
	}
	return o->buf;
}

/* --- Rust legacy: _ZN <len><ident>... 17h<16 hex digits> E --- */

static bool is_rust_hash(const char *s, size_t n)
{
	if (n != 17 || s[0] != 'h')
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* One legacy identifier: "$LT$" escapes, ".." for "::", a leading "_$" */
static void legacy_ident(struct out *o, const char *s, size_t n)
{
	static const struct {
		const char *esc, *ch;
	} esc[] = { { "$SP$", "@" }, { "$BP$", "*" }, { "$RF$", "&" }, { "$LT$", "<" },
		    { "$GT$", ">" }, { "$LP$", "(" }, { "$RP$", ")" }, { "$C$", "," } };
	size_t i = 0;

	if (n >= 2 && s[0] == '_' && s[1] == '$')
		i = 1;
	while (i < n) {
		bool done = false;

		if (s[i] == '.' && i + 1 < n && s[i + 1] == '.') {
			puts_(o, "::");
			i += 2;
			continue;
		}
		if (s[i] != '$') {
			put(o, s + i, 1);
			i++;
			continue;
		}
		for (size_t k = 0; k < sizeof(esc) / sizeof(esc[0]); k++) {
			size_t el = strlen(esc[k].esc);

			if (i + el <= n && !memcmp(s + i, esc[k].esc, el)) {
				puts_(o, esc[k].ch);
				i += el;
				done = true;
				break;
			}
		}
		if (done)
			continue;
		/* $uXX$: a character by its hex code */
		if (i + 1 < n && s[i + 1] == 'u') {
			const char *end = memchr(s + i + 2, '$', n - i - 2);
			char *stop;
			unsigned long c;

			if (end) {
				c = strtoul(s + i + 2, &stop, 16);
				if (stop == end && c > 0 && c < 0x80) {
					char ch = (char)c;

					put(o, &ch, 1);
					i = (size_t)(end - s) + 1;
					continue;
				}
			}
		}
		o->err = true;
		return;
	}
}

static char *rust_legacy(const char *raw)
{
	const char *p = raw + 3, *segs[64];
	size_t lens[64], n = 0;
	struct out o = {};

	while (*p && *p != 'E') {
		char *end;
		unsigned long len = strtoul(p, &end, 10);

		if (end == p || !len || strnlen(end, len) < len || n == 64)
			return NULL;
		segs[n] = end;
		lens[n++] = len;
		p = end + len;
	}
	if (*p != 'E' || p[1] || n < 2 || !is_rust_hash(segs[n - 1], lens[n - 1]))
		return NULL;
	for (size_t i = 0; i + 1 < n; i++) {
		if (i)
			puts_(&o, "::");
		legacy_ident(&o, segs[i], lens[i]);
	}
	return out_take(&o);
}

/* --- Rust v0: _R [version] path [instantiating-crate] --- */

struct v0 {
	const char *s; /* after "_R" */
	size_t len, pos;
	int depth;
	struct out *o;
};

static bool v0_fail(struct v0 *p)
{
	p->o->err = true;
	return false;
}

static char v0_peek(const struct v0 *p)
{
	return p->pos < p->len ? p->s[p->pos] : '\0';
}

static bool v0_eat(struct v0 *p, char c)
{
	if (v0_peek(p) != c)
		return false;
	p->pos++;
	return true;
}

/* base-62 number terminated by '_' ("_" alone is 0, otherwise value + 1) */
static bool v0_b62(struct v0 *p, uint64_t *v)
{
	uint64_t x = 0;

	if (v0_eat(p, '_')) {
		*v = 0;
		return true;
	}
	for (;;) {
		char c = v0_peek(p);
		int d;

		if (c == '_')
			break;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'z')
			d = 10 + c - 'a';
		else if (c >= 'A' && c <= 'Z')
			d = 36 + c - 'A';
		else
			return v0_fail(p);
		if (x > UINT64_MAX / 62 - 1)
			return v0_fail(p);
		x = x * 62 + (uint64_t)d;
		p->pos++;
	}
	p->pos++;
	*v = x + 1;
	return true;
}

static bool v0_opt_b62(struct v0 *p, char tag, uint64_t *v)
{
	*v = 0;
	if (!v0_eat(p, tag))
		return true;
	if (!v0_b62(p, v))
		return false;
	*v += 1;
	return true;
}

static bool v0_ident(struct v0 *p, bool print)
{
	uint64_t dis;
	bool puny;
	size_t len = 0;

	if (!v0_opt_b62(p, 's', &dis))
		return false;
	puny = v0_eat(p, 'u');
	if (!isdigit((unsigned char)v0_peek(p)))
		return v0_fail(p);
	if (v0_peek(p) == '0') {
		p->pos++;
	} else {
		while (isdigit((unsigned char)v0_peek(p))) {
			len = len * 10 + (size_t)(v0_peek(p) - '0');
			if (len > p->len)
				return v0_fail(p);
			p->pos++;
		}
	}
	v0_eat(p, '_');
	if (p->pos + len > p->len)
		return v0_fail(p);
	if (print) {
		if (puny)
			puts_(p->o, "punycode{");
		put(p->o, p->s + p->pos, len);
		if (puny)
			puts_(p->o, "}");
	}
	p->pos += len;
	return true;
}

static bool v0_path(struct v0 *p, bool in_value);
static bool v0_type(struct v0 *p);

static bool v0_backref(struct v0 *p, bool (*fn)(struct v0 *, bool), bool arg)
{
	uint64_t target;
	size_t saved;
	bool ok;

	if (!v0_b62(p, &target) || target >= p->pos - 1)
		return v0_fail(p);
	saved = p->pos;
	p->pos = (size_t)target;
	ok = fn(p, arg);
	p->pos = saved;
	return ok;
}

static bool v0_type_arg(struct v0 *p, bool unused)
{
	(void)unused;
	return v0_type(p);
}

static bool v0_const(struct v0 *p, bool unused)
{
	(void)unused;
	if (v0_eat(p, 'B'))
		return v0_backref(p, v0_const, false);
	if (v0_eat(p, 'p')) {
		puts_(p->o, "_");
		return true;
	}
	if (!v0_type(p)) /* the const's type: printed values only, so drop what it wrote */
		return false;
	return v0_fail(p);
}

static bool v0_generic_args(struct v0 *p)
{
	for (int i = 0; !v0_eat(p, 'E'); i++) {
		uint64_t lt;

		if (p->pos >= p->len)
			return v0_fail(p);
		if (i)
			puts_(p->o, ", ");
		if (v0_eat(p, 'L')) {
			if (!v0_b62(p, &lt))
				return false;
			puts_(p->o, "'_");
		} else if (v0_eat(p, 'K')) {
			size_t mark = p->o->len;
			const char *s = p->s + p->pos;

			/* const generic: a type letter then hex digits */
			if (*s && islower((unsigned char)*s) && *s != 'p') {
				p->pos++;
				v0_eat(p, 'n');
				while (isxdigit((unsigned char)v0_peek(p)))
					p->pos++;
				if (!v0_eat(p, '_'))
					return v0_fail(p);
				p->o->len = mark;
				puts_(p->o, "{const}");
			} else if (!v0_const(p, false)) {
				return false;
			}
		} else if (!v0_type(p)) {
			return false;
		}
	}
	return true;
}

static const char *v0_basic(char c)
{
	switch (c) {
	case 'a':
		return "i8";
	case 'b':
		return "bool";
	case 'c':
		return "char";
	case 'd':
		return "f64";
	case 'e':
		return "str";
	case 'f':
		return "f32";
	case 'h':
		return "u8";
	case 'i':
		return "isize";
	case 'j':
		return "usize";
	case 'l':
		return "i32";
	case 'm':
		return "u32";
	case 'n':
		return "i128";
	case 'o':
		return "u128";
	case 'p':
		return "_";
	case 's':
		return "i16";
	case 't':
		return "u16";
	case 'u':
		return "()";
	case 'v':
		return "...";
	case 'x':
		return "i64";
	case 'y':
		return "u64";
	case 'z':
		return "!";
	default:
		return NULL;
	}
}

static bool v0_type(struct v0 *p)
{
	char c = v0_peek(p);
	const char *basic = v0_basic(c);
	uint64_t lt;
	bool ok = true;

	if (++p->depth > 64)
		return v0_fail(p);
	if (basic) {
		p->pos++;
		puts_(p->o, basic);
	} else if (v0_eat(p, 'R') || v0_eat(p, 'Q')) {
		puts_(p->o, c == 'R' ? "&" : "&mut ");
		if (v0_eat(p, 'L') && !v0_b62(p, &lt))
			ok = false;
		ok = ok && v0_type(p);
	} else if (v0_eat(p, 'P') || v0_eat(p, 'O')) {
		puts_(p->o, c == 'P' ? "*const " : "*mut ");
		ok = v0_type(p);
	} else if (v0_eat(p, 'A')) {
		puts_(p->o, "[");
		ok = v0_type(p);
		puts_(p->o, "; ");
		ok = ok && v0_const(p, false);
		puts_(p->o, "]");
	} else if (v0_eat(p, 'S')) {
		puts_(p->o, "[");
		ok = v0_type(p);
		puts_(p->o, "]");
	} else if (v0_eat(p, 'T')) {
		puts_(p->o, "(");
		for (int i = 0; ok && !v0_eat(p, 'E'); i++) {
			if (p->pos >= p->len)
				return v0_fail(p);
			if (i)
				puts_(p->o, ", ");
			ok = v0_type(p);
		}
		puts_(p->o, ")");
	} else if (v0_eat(p, 'B')) {
		ok = v0_backref(p, v0_type_arg, false);
	} else if (c == 'F' || c == 'D') {
		return v0_fail(p); /* fn pointers and dyn types: keep the raw name */
	} else {
		ok = v0_path(p, false);
	}
	p->depth--;
	return ok;
}

/* Parse a path without printing it (the impl-path of an impl block: `<Type>` is shown) */
static bool v0_path_skip(struct v0 *p)
{
	size_t mark = p->o->len;
	bool ok = v0_path(p, false);

	p->o->len = mark;
	if (p->o->buf)
		p->o->buf[mark] = '\0';
	return ok;
}

static bool v0_path(struct v0 *p, bool in_value)
{
	char c = v0_peek(p);
	uint64_t dis;
	bool ok = true;

	if (++p->depth > 64 || !c)
		return v0_fail(p);
	p->pos++;
	switch (c) {
	case 'C':
		ok = v0_ident(p, true);
		break;
	case 'N': {
		char ns = v0_peek(p);

		if (!isalpha((unsigned char)ns))
			return v0_fail(p);
		p->pos++;
		ok = v0_path(p, in_value);
		if (!ok)
			break;
		puts_(p->o, "::");
		if (isupper((unsigned char)ns)) {
			if (!v0_opt_b62(p, 's', &dis))
				return false;
			puts_(p->o, ns == 'C' ? "{closure" : ns == 'S' ? "{shim" : "{");
			if (isdigit((unsigned char)v0_peek(p)) && v0_peek(p) != '0') {
				size_t before = p->o->len;

				puts_(p->o, ":");
				if (!v0_ident(p, true))
					return false;
				if (p->o->len == before + 1)
					p->o->len = before;
			} else if (!v0_ident(p, false)) {
				return false;
			}
			{
				char num[32];
				int n = snprintf(num, sizeof(num), "#%llu}",
						 (unsigned long long)dis);

				put(p->o, num, (size_t)n);
			}
		} else {
			ok = v0_ident(p, true);
		}
		break;
	}
	case 'M':
	case 'X':
		if (!v0_opt_b62(p, 's', &dis) || !v0_path_skip(p))
			return false;
		puts_(p->o, "<");
		ok = v0_type(p);
		if (ok && c == 'X') {
			puts_(p->o, " as ");
			ok = v0_path(p, false);
		}
		puts_(p->o, ">");
		break;
	case 'Y':
		puts_(p->o, "<");
		ok = v0_type(p);
		puts_(p->o, " as ");
		ok = ok && v0_path(p, false);
		puts_(p->o, ">");
		break;
	case 'I':
		ok = v0_path(p, in_value);
		puts_(p->o, in_value ? "::<" : "<");
		ok = ok && v0_generic_args(p);
		puts_(p->o, ">");
		break;
	case 'B':
		ok = v0_backref(p, v0_path, in_value);
		break;
	default:
		return v0_fail(p);
	}
	p->depth--;
	return ok;
}

static char *rust_v0(const char *raw)
{
	struct out o = {};
	struct v0 p = { .s = raw + 2, .len = strlen(raw + 2), .o = &o };

	if (isdigit((unsigned char)v0_peek(&p)))
		return NULL; /* a version other than the first */
	if (!v0_path(&p, true))
		return out_take(&o);
	/* an instantiating crate may follow: not printed; a vendor suffix ".llvm.123" too */
	return out_take(&o);
}

char *demangle__name(const char *raw)
{
	size_t n;

	if (!raw)
		return NULL;
	n = strlen(raw);
	if (n > 4 && !strncmp(raw, "_ZN", 3) && raw[n - 1] == 'E' && n > 20 &&
	    is_rust_hash(raw + n - 18, 17)) {
		char *r = rust_legacy(raw);

		if (r)
			return r;
	}
	if (n > 2 && !strncmp(raw, "_R", 2) &&
	    (isupper((unsigned char)raw[2]) || isdigit((unsigned char)raw[2])))
		return rust_v0(raw);
	if (n > 2 && !strncmp(raw, "_Z", 2)) {
		int status = -1;
		char *r;

		pthread_once(&cxa_once, cxa_load);
		if (!cxa_demangle)
			return NULL;
		r = cxa_demangle(raw, NULL, NULL, &status);
		if (status) {
			free(r);
			return NULL;
		}
		return r;
	}
	return NULL;
}
