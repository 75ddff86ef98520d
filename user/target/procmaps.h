/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Parser for the /proc/PID/maps format: address ranges, file offsets and the file behind each
 * mapping. Takes a FILE *, never a /proc path, so it is tested on fixtures. */
#ifndef PERFAN_PROCMAPS_H
#define PERFAN_PROCMAPS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct proc_map {
	uint64_t start;
	uint64_t end;
	uint64_t offset; /* file offset of `start` */
	uint64_t inode;
	unsigned int dev_major;
	unsigned int dev_minor;
	bool exec;
	char *path; /* "" for anonymous mappings; "[heap]", "[vdso]" ... kept verbatim */
};

struct proc_maps {
	struct proc_map *maps; /* sorted by start, as the kernel prints them */
	size_t cnt;
};

/* 0 or -errno (-EINVAL on a malformed line). On success the caller owns *out. */
int proc_maps__parse(FILE *f, struct proc_maps *out);
/* Open and parse ROOT/proc/PID/maps style path given by the caller. 0 or -errno. */
int proc_maps__read(const char *path, struct proc_maps *out);
void proc_maps__free(struct proc_maps *m);
/* The mapping containing addr, or NULL */
const struct proc_map *proc_maps__find(const struct proc_maps *m, uint64_t addr);
/* The first executable mapping of a file whose basename matches `base` exactly or starts with
 * `base` followed by '.' or '-'; a base ending in ".so" also matches STEM-VERSION.so with a
 * version starting with a digit (so "libc.so" matches libc.so.6 and libc-2.31.so, not
 * libc-client.so), or NULL */
const struct proc_map *proc_maps__find_lib(const struct proc_maps *m, const char *base);
/* The first mapping of the file the kernel knows as (dev: major << 20 | minor, ino), or NULL */
const struct proc_map *proc_maps__find_file(const struct proc_maps *m, uint32_t dev, uint64_t ino);

#endif
