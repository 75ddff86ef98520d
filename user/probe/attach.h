/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Finding the allocator a process uses and attaching probes to it: which module (jemalloc,
 * tcmalloc, mimalloc, an allocator linked into the executable, or libc), where each entry
 * point is (file offsets, with the cheaper probe placement of insn.h), and the libbpf attach.
 * Knows nothing of a particular BPF object: the caller passes the programs. */
#ifndef PERFAN_ATTACH_H
#define PERFAN_ATTACH_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include "target/procmaps.h"

struct bpf_program;
struct bpf_link;

enum probe_role {
	ROLE_MALLOC,
	ROLE_CALLOC,
	ROLE_REALLOC,
	ROLE_REALLOCARRAY,
	ROLE_POSIX_MEMALIGN,
	ROLE_ALIGNED_ALLOC,
	ROLE_MEMALIGN,
	ROLE_VALLOC,
	ROLE_PVALLOC,
	ROLE_FREE,
	ROLE__MAX,
};

struct allocator {
	char module[PATH_MAX]; /* path as the target sees it */
	char path[PATH_MAX];   /* path we open it by (through the target's root) */
};

struct probe_site {
	enum probe_role role;
	const char *func;
	uint64_t entry_off; /* file offset of the function's entry */
	uint64_t probe_off; /* file offset the probe is placed at */
	bool emulated;	    /* the instruction at probe_off is emulated by the kernel */
	bool dup;	    /* same entry as an earlier site (aliases: aligned_alloc = memalign) */
};

struct probe_plan {
	struct probe_site sites[ROLE__MAX];
	int cnt;
};

/* Pick the allocator from a process's mappings. `root` is prepended to paths we open
 * ("/proc/PID/root", or "" for tests); `exe` is the executable's path as the target sees it.
 * 0, or -ENOENT when no mapped module defines both malloc and free. */
int allocator__find(const struct proc_maps *maps, const char *root, const char *exe,
		    struct allocator *out);

/* Where to probe each entry point present in the allocator. With `at_entry` every probe is at
 * the function entry (the naive placement, for comparison). 0 or -errno. */
int allocator__plan(const struct allocator *alloc, bool at_entry, struct probe_plan *plan);

/* Programs to attach per role: `enter[role]` at each site, `ret` as a return probe on every
 * allocating role (not free). NULL programs are skipped. */
struct probe_progs {
	struct bpf_program *enter[ROLE__MAX];
	struct bpf_program *ret;
};

struct probe_links {
	struct bpf_link **links;
	int cnt;
};

/* Attach for pid (0: every process). 0 or -errno; on failure nothing stays attached. */
int probes__attach(const struct probe_plan *plan, const char *path, int pid,
		   const struct probe_progs *progs, struct probe_links *out);
void probes__detach(struct probe_links *links);

const char *probe_role__name(enum probe_role role);

#endif
