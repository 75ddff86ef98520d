/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Finding the allocators a process uses and attaching probes to them: which modules (jemalloc,
 * tcmalloc, mimalloc, an allocator linked into the executable, or libc; beside it an allocator
 * the executable bundles under a prefix, and the C++ runtime's aligned operator new), which of
 * their entry points to probe so that each allocation counts once, where each is (file offsets,
 * with the cheaper probe placement of insn.h), and the libbpf attach. Knows nothing of a
 * particular BPF object: the caller passes the programs. */
#ifndef PERFAN_ATTACH_H
#define PERFAN_ATTACH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "target/procmaps.h"

struct bpf_program;
struct bpf_link;

/* What a probed function does, by its arguments: the BPF program that reads them. C++'s
 * operator new (size first) is a ROLE_MALLOC, operator delete (pointer first) a ROLE_FREE;
 * jemalloc's mallocx, rallocx, sdallocx and mimalloc's mi_* functions likewise.
 * ROLE_SIZE_HINT: an entry probe only, on a layer that passes another size on to a probed
 * allocator call it makes itself (libstdc++'s aligned operator new); the cookie of its probe
 * tells the function's bounds. */
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
	ROLE_SIZE_HINT,
	/* the dynamic linker's _dl_debug_state: its list of objects changed (entry only) */
	ROLE_LINKER,
	ROLE__MAX,
};

enum alloc_module_kind {
	ALLOC_MOD_ALLOCATOR,   /* an allocator: every entry point it defines */
	ALLOC_MOD_CXX_RUNTIME, /* the C++ runtime (libstdc++): its aligned operator new's size */
	ALLOC_MOD_LINKER,      /* the dynamic linker: _dl_debug_state (ROLE_LINKER) */
};

struct alloc_module {
	char module[PATH_MAX]; /* path as the target sees it */
	char path[PATH_MAX];   /* path we open it by (through the target's root) */
	char prefix[8];	       /* of the C names: "" or an executable's "je_" (je_malloc) */
	enum alloc_module_kind kind;
};

#define ALLOC_MODULES_MAX 5

/* mods[0] is the allocator the process's malloc binds to; the others are probed beside it */
struct allocator {
	struct alloc_module mods[ALLOC_MODULES_MAX];
	int mod_cnt;
	/* the executable or a mapped libpython defines PyObject_Malloc: CPython, whose object
	 * allocator (pymalloc) serves objects of up to 512 B from its own arenas, unseen by
	 * these probes unless the process runs with PYTHONMALLOC=malloc */
	bool cpython;
};

struct probe_site {
	enum probe_role role;
	int mod;	    /* index into allocator.mods */
	char func[48];	    /* the symbol */
	uint64_t entry_off; /* file offset of the function's entry */
	uint64_t probe_off; /* file offset the probe is placed at */
	uint64_t cookie;    /* ROLE_SIZE_HINT: function size << 32 | probe_off - entry_off;
			       allocating roles: the module's bounds (bpf/leak.h, LEAK_COOKIE_*) */
	bool emulated;	    /* the instruction at probe_off is emulated by the kernel */
	bool dup;	    /* same entry as an earlier site (aliases: aligned_alloc = memalign) */
	/* C++'s throwing operator new (under any of its names): an exception may leave it, and
	 * cannot unwind through a uretprobe's trampoline (std::terminate). Its returns are then
	 * probed by instruction (ret_insn), or, when they cannot all be found, by a uretprobe
	 * (ret_why says why: printed as a warning) */
	bool throws;
	bool ret_insn;
	char ret_why[96];
};

#define PROBE_SITES_MAX 160
#define RET_PROBES_MAX 512

/* A probe on a return instruction: of a throwing function, or of the code it tail-jumps to */
struct ret_probe {
	int mod;      /* index into allocator.mods */
	uint64_t off; /* file offset of the ret */
};

struct probe_plan {
	struct probe_site sites[PROBE_SITES_MAX];
	int cnt;
	struct ret_probe rets[RET_PROBES_MAX]; /* each (module, offset) once */
	int ret_cnt;
};

/* Attach cookie of an allocating entry probe whose returns are probed by instruction (the
 * BPF side matches the return by %rsp and the return address at it) */
#define PROBE_COOKIE_RET_INSN 1

/* Pick the allocators from a process's mappings. `root` is prepended to paths we open
 * ("/proc/PID/root", or "" for tests); `exe` is the executable's path as the target sees it.
 * 0, or -ENOENT when no mapped module defines both malloc and free. */
int allocator__find(const struct proc_maps *maps, const char *root, const char *exe,
		    struct allocator *out);

/* The modules as one line: "/lib/libc.so.6, /srv/app (je_malloc)" (sanitized). Returns buf. */
const char *allocator__text(const struct allocator *alloc, char *buf, size_t len);

/* Where to probe each entry point present in the allocator's modules. With `at_entry` every
 * probe is at the function entry (the naive placement, for comparison). 0 or -errno. */
int allocator__plan(const struct allocator *alloc, bool at_entry, struct probe_plan *plan);

/* One site as a line for --verbose: "malloc at /lib/libc.so.6+0x4 (emulated)" (sanitized, an
 * alias "... = malloc"), with ", returns at 3 instructions" for a site whose returns are probed
 * by instruction, ", uretprobe: WHY" for a throwing one that falls back. Returns buf. */
const char *probe_site__text(const struct probe_plan *plan, int i, const struct allocator *alloc,
			     char *buf, size_t len);

/* Programs to attach per role: `enter[role]` at each site, `ret` as a return probe on every
 * allocating role (not free, not a size hint) except those whose returns are probed by
 * instruction: `ret_insn` on each of plan->rets. NULL programs are skipped. */
struct probe_progs {
	struct bpf_program *enter[ROLE__MAX];
	struct bpf_program *ret;
	struct bpf_program *ret_insn;
	/* the programs were loaded for uprobe_multi links (probes__multi_supported): one link
	 * per program and file, each detached with one grace period, in parallel; else one perf
	 * event per probe, detached one grace period after another */
	bool multi;
};

struct probe_links {
	struct bpf_link **links; /* perf events */
	int cnt;
	int *fds; /* uprobe_multi links */
	int fd_cnt;
};

/* Whether this kernel has uprobe_multi links (Linux 6.6 and later): its BTF has their type.
 * PERFAN_UPROBE_MULTI=0 in the environment says no (to test the other way). */
bool probes__multi_supported(void);
/* The expected attach type a program must be loaded with for probes__attach with multi */
int probes__multi_attach_type(void);

/* Attach for pid (0: every process). 0 or -errno; on failure nothing stays attached. */
int probes__attach(const struct probe_plan *plan, const struct allocator *alloc, int pid,
		   const struct probe_progs *progs, struct probe_links *out);
void probes__detach(struct probe_links *links);

const char *probe_role__name(enum probe_role role);

#endif
