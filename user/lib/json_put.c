// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* json__put (see json_put.h): json_object_set_new, which releases value even when it fails,
 * with the failure kept for the caller's one check. */
#include <errno.h>
#include "lib/json_put.h"

void json__put(json_t *obj, const char *key, json_t *value, int *err)
{
	if ((!value || json_object_set_new(obj, key, value)) && !*err)
		*err = -ENOMEM;
}
