/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A pull scanner of one JSON text held in memory: the caller walks the document token by
 * token (objects, arrays, strings, numbers) and keeps what it needs, so reading a record of
 * 100,000 values builds no tree. It checks the grammar of RFC 8259 as jansson does (strings
 * of valid UTF-8 without control characters or \u0000, numbers of the JSON grammar, nesting
 * bounded), and never reads past the end of the text.
 *
 * Errors are sticky: the first one (a grammar error or one the caller raises with
 * jscan__fail) is kept with the byte offset where it happened; later calls return zeros and
 * false, so a parser can check once per record. */
#ifndef PERFAN_LIB_JSCAN_H
#define PERFAN_LIB_JSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSCAN_MAX_DEPTH 64

struct jscan {
	const char *start; /* the text */
	const char *p;	   /* the next byte */
	const char *end;   /* one past the last byte */
	char *buf;	   /* the last string read, unescaped and NUL-terminated */
	size_t cap;
	int err;       /* 0, -EINVAL (the text is wrong) or -ENOMEM */
	char why[160]; /* what is wrong and at which byte, when err */
};

/* Scans len bytes of text (not necessarily NUL-terminated); jscan__fini frees the string
 * buffer, which may be kept for the next text by calling jscan__reset instead */
void jscan__init(struct jscan *j, const char *text, size_t len);
void jscan__reset(struct jscan *j, const char *text, size_t len);
void jscan__fini(struct jscan *j);

/* Records the first error: "<what> at byte N" (-EINVAL); later ones are ignored */
void jscan__fail(struct jscan *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The next non-blank byte, not consumed; -1 at the end of the text or after an error */
int jscan__peek(struct jscan *j);
/* Consumes c when it comes next (after blanks): true; false otherwise (no error) */
bool jscan__eat(struct jscan *j, char c);
/* Consumes c, or fails with "expected 'c'" */
bool jscan__expect(struct jscan *j, char c);
/* The loop of a container whose opening bracket was consumed: true when another item follows
 * (its separating comma consumed), false at the closing bracket (consumed) or on an error.
 * *first starts true. */
bool jscan__more(struct jscan *j, char close, bool *first);

/* A string: a pointer to its bytes, unescaped and NUL-terminated, valid until the next string
 * is read; its length in *len when not NULL. NULL on an error (or when the next value is not a
 * string). */
const char *jscan__str(struct jscan *j, size_t *len);
/* An object key and its colon: as jscan__str */
const char *jscan__key(struct jscan *j, size_t *len);
/* Integers of the JSON grammar in range (no fraction or exponent): 0 on an error */
uint64_t jscan__u64(struct jscan *j);
int64_t jscan__i64(struct jscan *j);
/* Any JSON number, finite: 0 on an error */
double jscan__num(struct jscan *j);
/* true/false: 0 or 1; -1 on an error */
int jscan__bool(struct jscan *j);
/* Consumes null when it comes next: true; false otherwise (no error) */
bool jscan__null(struct jscan *j);
/* Any value, skipped */
void jscan__skip(struct jscan *j);
/* After the last value: only blanks may remain */
void jscan__end(struct jscan *j);

#endif
