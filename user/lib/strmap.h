/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* An interning map from byte strings to dense ids 0, 1, 2... in the order first seen: the
 * string, function and location tables of pprof.c and the child lookup of frame_tree.c.
 * Open addressing with FNV-1a; keys are copied into one arena. */
#ifndef PERFAN_STRMAP_H
#define PERFAN_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strmap;

/* NULL (errno ENOMEM) on failure */
struct strmap *strmap__new(void);
/* NULL is fine */
void strmap__free(struct strmap *m);
/* The id of key (len bytes), added when new (*added says so when not NULL). The id, or
 * -ENOMEM. */
int64_t strmap__intern(struct strmap *m, const void *key, size_t len, bool *added);
/* The id of key, or -1 when absent */
int64_t strmap__find(const struct strmap *m, const void *key, size_t len);
/* The key of id (id < strmap__cnt), NUL-terminated; its length in *len when not NULL */
const char *strmap__key(const struct strmap *m, uint32_t id, size_t *len);
size_t strmap__cnt(const struct strmap *m);

#endif
