/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Building a JSON object (jansson) key by key with one error check at the end: json__put
 * sets a key and remembers the first failure, so a writer lists its keys without a test on
 * each line. */
#ifndef PERFAN_LIB_JSON_PUT_H
#define PERFAN_LIB_JSON_PUT_H

#include <jansson.h>

/* Set key of obj to value, a new reference that json__put takes: it is released when it
 * cannot be set. A NULL value (a constructor that failed) or a failed set leaves -ENOMEM in
 * *err unless *err already holds an error (the first one is kept); the key is set even when
 * *err does. */
void json__put(json_t *obj, const char *key, json_t *value, int *err);

#endif
