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
