// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Walking a BPF hash map (see map_walk.h). */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "probe/map_walk.h"

/* one by one: a kernel without batch operations on hash maps */
static int walk_keys(int fd, size_t key_size, void *prev, void *cur, void *val, map_walk_fn fn,
		     void *ctx)
{
	int err;

	for (int r = bpf_map_get_next_key(fd, NULL, cur); !r;
	     r = bpf_map_get_next_key(fd, prev, cur)) {
		if (!bpf_map_lookup_elem(fd, cur, val) && (err = fn(ctx, cur, val)))
			return err;
		memcpy(prev, cur, key_size);
	}
	return 0;
}

int map_walk(int fd, size_t key_size, size_t val_size, void *keys, void *vals, uint32_t batch,
	     map_walk_fn fn, void *ctx)
{
	char *prev = malloc(key_size * 2), *cur = prev + key_size;
	bool first = true;
	__u32 count;
	int err;

	if (!prev)
		return -ENOMEM;
	for (;;) {
		count = batch;
		err = bpf_map_lookup_batch(fd, first ? NULL : prev, cur, keys, vals, &count, NULL);
		if (err && errno != ENOENT) {
			err = -errno;
			if (first && (err == -EINVAL || err == -ENOTSUP || err == -EOPNOTSUPP))
				err = walk_keys(fd, key_size, prev, cur, vals, fn, ctx);
			break;
		}
		for (__u32 i = 0; i < count; i++) {
			int rc = fn(ctx, (char *)keys + i * key_size, (char *)vals + i * val_size);

			if (rc) {
				free(prev);
				return rc;
			}
		}
		if (err) { /* ENOENT: that was the last batch */
			err = 0;
			break;
		}
		memcpy(prev, cur, key_size);
		first = false;
	}
	free(prev);
	return err;
}
