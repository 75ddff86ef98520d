/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Reading every entry of a BPF hash map: one syscall per batch of entries, or one by one
 * (get_next_key + lookup, as bcc's map_helpers do) on kernels without batch operations. */
#ifndef PERFAN_PROBE_MAP_WALK_H
#define PERFAN_PROBE_MAP_WALK_H

#include <stddef.h>
#include <stdint.h>

/* Called per entry; a non-zero return stops the walk and is returned */
typedef int (*map_walk_fn)(void *ctx, const void *key, const void *val);

/* Calls fn for every entry of the map fd, whose keys and values have the given sizes; keys
 * and vals are scratch space for `batch` entries each. 0, -errno, or fn's result. */
int map_walk(int fd, size_t key_size, size_t val_size, void *keys, void *vals, uint32_t batch,
	     map_walk_fn fn, void *ctx);

#endif
