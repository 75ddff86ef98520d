// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Growable arrays (see array.h): the capacity policy and the overflow checks, so that no
 * caller multiplies a count by a size itself. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "lib/array.h"

int array__grow(void **items, size_t *cap, size_t need, size_t item_size, size_t min_cap)
{
	size_t n = *cap, bytes;
	void *p;

	if (need <= n)
		return 0;
	while (n < need) {
		if (!n)
			n = min_cap ? min_cap : 1;
		else if (__builtin_mul_overflow(n, 2, &n))
			return -ENOMEM;
	}
	if (__builtin_mul_overflow(n, item_size, &bytes))
		return -ENOMEM;
	p = realloc(*items, bytes ? bytes : 1);
	if (!p)
		return -ENOMEM;
	*items = p;
	*cap = n;
	return 0;
}

bool array__has_u32(const uint32_t *v, size_t n, uint32_t x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo] == x;
}
