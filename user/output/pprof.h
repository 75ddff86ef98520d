/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* pprof output: a profile (profile.h) as a gzip-compressed profile.proto message
 * (github.com/google/pprof/proto/profile.proto), encoded here by hand and compressed with
 * zlib, for `go tool pprof` and the tools that read it. */
#ifndef PERFAN_PPROF_H
#define PERFAN_PPROF_H

#include <stdio.h>
#include "analysis/profile.h"

/* Sample types inuse_space/bytes, inuse_objects/count, alloc_space/bytes,
 * alloc_objects/count (default inuse_space): a snapshot's live and allocated counts, or for a
 * diff the change in live bytes and objects from A to B (negative when they shrank) and what
 * was allocated between A and B. One sample per stack with a non-zero value, its locations
 * leaf first; an inline chain is one location with several lines (innermost first). Labels:
 * pid (a number) and snapshot (a diff also base_snapshot). Mappings carry the module path and
 * build id. 0, -ENOMEM or -EIO. */
int pprof__write(const struct profile *p, FILE *out);

/* The uncompressed message, for tests: *buf (malloc'ed) and *len. 0 or -ENOMEM. */
int pprof__encode(const struct profile *p, unsigned char **buf, size_t *len);

#endif
