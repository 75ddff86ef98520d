/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Private to the regression detector's model and rules (regress.c, regress_check.c,
 * regress_baseline.c): their error messages, quartiles of samples, and the name index that
 * groups and finds results and baselines by name. */
#ifndef PERFAN_REGRESS_INTERNAL_H
#define PERFAN_REGRESS_INTERNAL_H

#include <stddef.h>

#include "lib/errtext.h"

/* A message into why (may be NULL), cut to REGRESS_ERRLEN - 1 bytes and made one line;
 * returns err. */
int regress__fail(struct errtext *why, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The quartiles of x[0..n); NAN each when n is 0 or memory runs out. */
void regress__quartiles(const double *x, size_t n, double *q25, double *q50, double *q75);

/* A name and the position where it was seen. Sorted by name, then position, the names that
 * are equal form a run whose first entry is where the name was seen first: grouping by name is
 * a sort, O(n log n), where comparing every pair was O(n^2) (20,000 results took seconds). */
struct regress_name_ref {
	const char *name;
	size_t pos;
};

/* qsort comparator: by name, then by position */
int regress_name_ref__cmp(const void *pa, const void *pb);
/* The end of the run of refs[from] (equal names) in refs[0..cnt) */
size_t regress_name_ref__run_end(const struct regress_name_ref *refs, size_t cnt, size_t from);
/* The position of the first (lowest position) entry named name in refs[0..cnt), sorted by
 * regress_name_ref__cmp, or SIZE_MAX */
size_t regress_name_ref__find(const struct regress_name_ref *refs, size_t cnt, const char *name);
/* The baselines of set by name, sorted for regress_name_ref__find (NULL set: none): an array
 * of at least one element, or NULL when out of memory. Free with free(). */
struct regress_name_ref *regress_name_ref__index(const struct regress_baseline_set *set);

#endif
