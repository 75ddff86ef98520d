/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Growable arrays: the one "double the capacity when it runs out" of every array that is built
 * one item (or a few) at a time. The caller keeps the pointer, the count and the capacity. */
#ifndef PERFAN_LIB_ARRAY_H
#define PERFAN_LIB_ARRAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Make *items (*cap items of item_size bytes allocated) hold at least need items: from *cap,
 * or min_cap when *cap is 0 (1 when both are), the capacity doubles until it does. 0, also
 * when it already did (nothing is reallocated), or -ENOMEM, also when the size would not fit
 * a size_t; on failure *items and *cap are unchanged and *items still the caller's. */
int array__grow(void **items, size_t *cap, size_t need, size_t item_size, size_t min_cap);

/* array__grow of a typed array: items is the pointer (an lvalue, evaluated twice), cap a
 * size_t lvalue (another type does not compile); the item size is sizeof(*items), so it
 * cannot disagree with the array's type. 0 or -ENOMEM. */
#define ARRAY_GROW(items, cap, need, min_cap)                                                      \
	({                                                                                         \
		void *__ag_p = (items);                                                            \
		int __ag_e = array__grow(&__ag_p, &(cap), (need), sizeof(*(items)), (min_cap));    \
		if (!__ag_e)                                                                       \
			(items) = __ag_p;                                                          \
		__ag_e;                                                                            \
	})

/* Whether x is in v[0..n), sorted ascending (a binary search) */
bool array__has_u32(const uint32_t *v, size_t n, uint32_t x);

#endif
