/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Streaming JSON writer: a document is written token by token into a large buffer that goes to
 * a FILE *, a descriptor or a callback when full, so an output of 100,000 stacks costs no tree
 * in memory and few write() calls. Its text is the one jansson's json_dumps prints for the same
 * document with JSON_PRESERVE_ORDER (and JSON_INDENT(n), JSON_COMPACT, JSON_REAL_PRECISION(p)
 * as set in the options), byte for byte, so outputs built before with jansson do not change;
 * strings that are not UTF-8 are repaired instead of refused (json_out__str).
 *
 * Errors are sticky: every writer call is void, the first failure (-EIO or -errno from the
 * sink, -ENOMEM, -EINVAL for a misuse such as a value without its key) is kept, later calls do
 * nothing, and json_out__flush or json_out__close return it: one check per document. */
#ifndef PERFAN_LIB_JSON_OUT_H
#define PERFAN_LIB_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json_out;

/* Where full buffers go: 0, or -errno (the writer keeps it) */
typedef int (*json_out_sink)(void *ctx, const void *buf, size_t len);

struct json_out_opts {
	int indent;	    /* spaces per level, as JSON_INDENT(n); 0: all on one line */
	bool compact;	    /* ":" without a space, and "," too without indent (JSON_COMPACT) */
	int real_precision; /* significant digits of reals (JSON_REAL_PRECISION); 0: 17 */
	size_t buf_size;    /* bytes buffered before a write; 0: 1 MiB */
};

/* Constructors: the writer, or NULL with errno set. opts may be NULL (one line, ", " and ": "
 * between items, 17 digits). The FILE * and the descriptor stay the caller's: json_out__close
 * does not close them, and a FILE * is not fflush()ed (its own buffer is the caller's). */
struct json_out *json_out__new_file(FILE *f, const struct json_out_opts *opts);
struct json_out *json_out__new_fd(int fd, const struct json_out_opts *opts);
struct json_out *json_out__new_sink(json_out_sink sink, void *ctx,
				    const struct json_out_opts *opts);

/* Containers. A value inside an object follows its json_out__key; at the top level, values
 * follow each other with nothing between them (json_out__raw can put a newline there). An
 * empty container is printed "[]" or "{}", as jansson does. Nesting is limited to
 * JSON_OUT_MAX_DEPTH levels (-EINVAL past it). */
#define JSON_OUT_MAX_DEPTH 64
void json_out__obj_begin(struct json_out *o);
/* An object laid out on one line, with everything in it, however the writer indents (a frame
 * of a stack: a line each, where an indented frame took ten) */
void json_out__obj_begin_line(struct json_out *o);
void json_out__obj_end(struct json_out *o);
void json_out__arr_begin(struct json_out *o);
void json_out__arr_end(struct json_out *o);
void json_out__key(struct json_out *o, const char *key);

/* Values. A string is bytes: each byte that does not start a well-formed UTF-8 sequence
 * (RFC 3629, as jansson checks) becomes U+FFFD; '"', '\\' and control characters are escaped
 * as jansson escapes them. NULL is null. */
void json_out__str(struct json_out *o, const char *s);
void json_out__int(struct json_out *o, int64_t v);
void json_out__uint(struct json_out *o, uint64_t v);
/* "%.*g" with the writer's precision, ".0" added to a whole number; JSON has no NaN or
 * infinity: those are null */
void json_out__real(struct json_out *o, double v);
void json_out__bool(struct json_out *o, bool v);
void json_out__null(struct json_out *o);
/* len bytes as they are, e.g. the newline after a top-level document */
void json_out__raw(struct json_out *o, const char *s, size_t len);

/* A member of the current object: the key, then the value */
static inline void json_out__key_str(struct json_out *o, const char *key, const char *s)
{
	json_out__key(o, key);
	json_out__str(o, s);
}
static inline void json_out__key_int(struct json_out *o, const char *key, int64_t v)
{
	json_out__key(o, key);
	json_out__int(o, v);
}
static inline void json_out__key_uint(struct json_out *o, const char *key, uint64_t v)
{
	json_out__key(o, key);
	json_out__uint(o, v);
}
static inline void json_out__key_real(struct json_out *o, const char *key, double v)
{
	json_out__key(o, key);
	json_out__real(o, v);
}
static inline void json_out__key_bool(struct json_out *o, const char *key, bool v)
{
	json_out__key(o, key);
	json_out__bool(o, v);
}
static inline void json_out__key_null(struct json_out *o, const char *key)
{
	json_out__key(o, key);
	json_out__null(o);
}

/* Hands what is buffered to the FILE *, descriptor or sink. 0 or the first error. */
int json_out__flush(struct json_out *o);
/* The first error so far, 0 when none */
int json_out__err(const struct json_out *o);
/* Bytes written so far (buffered ones included) */
uint64_t json_out__bytes(const struct json_out *o);
/* Flushes and frees: 0 or the first error; -EINVAL when a container is still open and nothing
 * else failed. NULL is fine. */
int json_out__close(struct json_out *o);
/* Frees without handing on what is buffered: a document abandoned half way. NULL is fine. */
void json_out__free(struct json_out *o);

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF), or 0 for a byte that starts none. Reads no further than the first
 * byte that does not continue the sequence, so never past a NUL. */
size_t json_out__utf8_len(const unsigned char *s);

#endif
