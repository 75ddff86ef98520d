/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The one way a module below the CLI explains a failure: one sentence in a struct errtext that
 * the caller owns (usually on its stack) and the CLI prints. Functions that fill one say when
 * in their contract; the message is always NUL-terminated and cut to fit. */
#ifndef PERFAN_ERRTEXT_H
#define PERFAN_ERRTEXT_H

#include <stdarg.h>
#include <stddef.h>

#define ERRTEXT_LEN 512

struct errtext {
	char msg[ERRTEXT_LEN];
};

/* The empty message. e may be NULL (nothing to do), here and below. */
void errtext__clear(struct errtext *e);
/* The message printf would print, cut to ERRTEXT_LEN - 1 bytes. */
void errtext__set(struct errtext *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void errtext__vset(struct errtext *e, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Cuts the message to at most max_len bytes: for a module whose messages have always been
 * shorter than ERRTEXT_LEN (regress.h) */
void errtext__cut(struct errtext *e, size_t max_len);

#endif
