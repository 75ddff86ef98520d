/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Where the separate debug information of a binary is, searched the way gdb searches:
 * DEBUG_DIR/.build-id/xx/rest.debug, then the .gnu_debuglink name next to the binary, in its
 * .debug/ subdirectory and under DEBUG_DIR/<binary's directory>; each in the target's root
 * first (a container's own -dbgsym packages), then on the host. debuginfod only when asked.
 * Candidates are checked: same build-id, or the debuglink's CRC-32 when there is no id. */
#ifndef PERFAN_DEBUGINFO_H
#define PERFAN_DEBUGINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct debuginfo_opts {
	const char *root;      /* the target's root as a host path ("/proc/PID/root"), NULL: host */
	const char *debug_dir; /* NULL: "/usr/lib/debug" */
	bool debuginfod;       /* ask the servers in $DEBUGINFOD_URLS when nothing local is found */
};

/* What is known of the binary */
struct debuginfo_query {
	const char *path;      /* as the target sees it: "/usr/bin/foo" */
	const char *build_id;  /* lowercase hex, "" when none */
	const char *debuglink; /* .gnu_debuglink name or NULL */
	uint32_t debuglink_crc;
};

/* Write the host path of a matching debug file to out. 0, or -ENOENT when none was found. */
int debuginfo__find(const struct debuginfo_opts *opts, const struct debuginfo_query *q, char *out,
		    size_t len);

/* The build-id of the ELF file at path, lowercase hex, into out[len] ("" when none); used to
 * check candidates. 0 or -errno. */
int debuginfo__file_build_id(const char *path, char *out, size_t len);

/* CRC-32 (the .gnu_debuglink one, zlib's) of the file at path. 0 or -errno. */
int debuginfo__file_crc(const char *path, uint32_t *crc);

#endif
