/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The allocation-tracking BPF object: open with sizes from the options, load, attach to an
 * allocator, read per-stack counts, loss counters and stacks out of its maps. The only module
 * that includes the leak skeleton. */
#ifndef PERFAN_LEAK_LOADER_H
#define PERFAN_LEAK_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/stack.h"
#include "probe/attach.h"
#include "symbols/cfi_table.h"

struct leak_loader;

struct leak_loader_opts {
	int pid;		  /* 0: every process using the allocator (--all) */
	int attach_tid;		  /* the live thread of pid the uprobes are opened through (its main
				thread may have exited: proc_dir.h); 0: pid */
	uint32_t max_allocs;	  /* live allocations tracked at once */
	uint32_t max_stacks;	  /* distinct stacks */
	uint32_t max_unwind_rows; /* unwind rows of files without frame pointers; 0: walk frame
				     pointers only (--unwind fp) */
	bool follow_forks;	  /* with pid: the processes it forks are traced too, and theirs
				     (the caller attaches each one's probes, told by a code event) */
};

/* Open and load. 0 or -errno; *out is NULL on error. */
int leak_loader__new(const struct leak_loader_opts *opts, struct leak_loader **out);
/* Attach to the allocator following plan. 0 or -errno. */
int leak_loader__attach(struct leak_loader *ld, const struct allocator *alloc,
			const struct probe_plan *plan);
/* Load the unwind rows of the file the kernel knows as (dev, ino) (kernel dev_t encoding:
 * major << 20 | minor): the stack walk leaves its frames by them from now on. 0, -ENOSPC when
 * they do not fit in the rows left, -EEXIST when the file has rows already, -EINVAL with
 * --unwind fp, or -errno. */
int leak_loader__add_unwind(struct leak_loader *ld, uint32_t dev, uint64_t ino,
			    const struct cfi_table *t);
/* Files entered in the kernel's registry of files looked at (with rows or not) */
#define LEAK_UNWIND_FILES_MAX 16384
/* Enter (dev, ino) as looked at, without rows (walked by frame pointers): until a file of a
 * process is entered, a walk that meets it stops there and its stack is marked
 * LEAK_STACK_UNSEEN_FLAG. 0, or -errno (the registry is full: from then on walks no longer
 * stop at files not looked at) */
int leak_loader__unwind_seen(struct leak_loader *ld, uint32_t dev, uint64_t ino);
/* false once an entry did not fit in the registry */
bool leak_loader__unwind_registry_whole(const struct leak_loader *ld);
#define LEAK_STACK_UNSEEN_FLAG 2
/* with it, flags >> this: the frames walked before the file not looked at yet */
#define LEAK_STACK_UNSEEN_DEPTH_SHIFT 8
/* The raw flags of a stored stack (LEAK_STACK_UNSEEN_FLAG: walked before user space had looked
 * at one of its files; bit 0: depth limit). 0 or -errno. */
int leak_loader__fetch_stack_flags(struct leak_loader *ld, uint64_t stack_id, uint32_t *flags);
/* Unwind rows still free */
uint32_t leak_loader__unwind_rows_free(const struct leak_loader *ld);
/* Attach the same programs to another allocator (one a process mapped after an exec) for pid;
 * the links go to *links (the caller detaches them). 0 or -errno. */
int leak_loader__attach_more(struct leak_loader *ld, const struct allocator *alloc,
			     const struct probe_plan *plan, int pid, struct probe_links *links);
/* Detach every probe; the maps stay readable. */
void leak_loader__detach(struct leak_loader *ld);
/* Fill sample (emptied first) from the maps. 0 or -errno. */
int leak_loader__read(struct leak_loader *ld, struct leak_sample *sample);
/* --min-age: set every stack's live bytes and objects in sample (read just before) to those
 * of its live allocations at least min_age_ns old. Reads every live allocation: O(live
 * allocations), unlike leak_loader__read. 0 or -errno. */
int leak_loader__age_filter(struct leak_loader *ld, uint64_t min_age_ns,
			    struct leak_sample *sample);
/* stack_fetch_fn over the stack map; ctx is the loader. *truncated: the kernel's walk stopped
 * at its depth limit. */
int leak_loader__fetch_stack(void *ld, uint64_t stack_id, uint64_t *ips, size_t max,
			     bool *truncated);

/* A label from a `perfan:mark` USDT probe in the target */
#define LEAK_MARK_LABEL_MAX 128 /* = PERFAN_MARK_LABEL_MAX, checked in leak_loader.c */
typedef void (*mark_fn)(void *ctx, uint32_t tgid, const char *label);
/* Attach the mark program to the perfan:mark probes of one binary. 0, -ENOENT when the
 * binary has none, or -errno. */
int leak_loader__attach_marks(struct leak_loader *ld, int pid, const char *binary);
/* The same for every file-backed executable module of pid that PROC_DIR shows (proc_dir.h),
 * each file once: how many have perfan:mark probes */
int leak_loader__attach_all_marks(struct leak_loader *ld, int pid, const char *proc_dir);
/* Set the handler of mark events; the fd to poll for them, or -errno */
int leak_loader__marks_fd(struct leak_loader *ld, mark_fn fn, void *ctx);
/* Call the handler for every mark waiting; 0 or -errno */
int leak_loader__consume_marks(struct leak_loader *ld);
/* Execs of traced processes since attach: each dropped the old image's live blocks */
uint64_t leak_loader__execs(const struct leak_loader *ld);
/* When pid last exec'd, as the kernel saw it (CLOCK_MONOTONIC ns, the ts_ns of its exec
 * event), 0 when it did not since attach (or is forgotten: the 16384 most recent are kept) */
uint64_t leak_loader__exec_ns(const struct leak_loader *ld, uint32_t pid);
/* Whether the stack (pid, stack_id) was there when pid last exec'd: the old image's (forgotten
 * after the 16384 most recent) */
bool leak_loader__old_image_stack(const struct leak_loader *ld, uint32_t pid, uint64_t stack_id);
/* New code in a traced process, told by the kernel as it happens: an exec (path: the program,
 * comm: its new name), or a file mapped executable (dev, ino: the file; 0 when unknown), told
 * before the mapping is in place */
#define LEAK_CODE_PATH_MAX 256
enum leak_code_kind {
	LEAK_CODE_MMAP,
	LEAK_CODE_EXEC,
	LEAK_CODE_FORK, /* pid was forked by ppid: followed from now on */
	LEAK_CODE_EXIT, /* the followed process pid exited */
};
struct leak_code_event {
	uint32_t pid;
	bool exec; /* kind == LEAK_CODE_EXEC */
	enum leak_code_kind kind;
	uint32_t ppid;	/* LEAK_CODE_FORK */
	uint64_t ts_ns; /* CLOCK_MONOTONIC */
	uint32_t dev;	/* kernel dev_t */
	uint64_t ino;
	/* an mmap at a fixed address: [addr, addr + len) maps the file from offset off; 0: unknown */
	uint64_t addr, len, off;
	char comm[16];		       /* sanitized */
	char path[LEAK_CODE_PATH_MAX]; /* sanitized */
	/* an exec's dynamic linker: its load base and file; 0 when none or unknown */
	uint64_t interp_base, interp_ino;
	uint32_t interp_dev;
	int fd; /* the caller's: a descriptor of the file it opened for it, else -1 */
};
typedef void (*code_fn)(void *ctx, const struct leak_code_event *e);
/* Set the handler of code events; the fd to poll for them, or -errno */
int leak_loader__code_fd(struct leak_loader *ld, code_fn fn, void *ctx);
/* Call the handler for every code event waiting; 0 or -errno */
int leak_loader__consume_code(struct leak_loader *ld);
/* Code events dropped because their ring buffer was full (the next tick finds the code) */
uint64_t leak_loader__code_events_lost(const struct leak_loader *ld);
/* Allocations whose walk stopped at a file user space had not looked at yet, or at a mapping
 * whose lock was taken */
uint64_t leak_loader__early_walks(const struct leak_loader *ld);
/* Early walks whose stack could not be sent to be walked again (their ring buffer was full) */
uint64_t leak_loader__early_uncopied(const struct leak_loader *ld);
struct early_walk;
/* Called for each early walk sent by the kernel (struct early_walk, len bytes of it) */
typedef void (*early_fn)(void *ctx, const struct early_walk *e, size_t len);
/* Set the handler of early walks; the fd to poll for them, or -errno */
int leak_loader__early_fd(struct leak_loader *ld, early_fn fn, void *ctx);
/* Call the handler for every early walk waiting; 0 or -errno */
int leak_loader__consume_early(struct leak_loader *ld);
/* Whether the block at (tgid, addr) allocated at ts_ns is live and counted in stack_id; its
 * usable size into *usable (0: unknown) */
bool leak_loader__block_live(struct leak_loader *ld, uint32_t tgid, uint64_t addr, uint64_t ts_ns,
			     uint64_t stack_id, uint64_t *usable);
struct unwind_rows;
/* The unwind rows the walks use (the mapped rows map, its modules) */
const struct unwind_rows *leak_loader__rows(const struct leak_loader *ld);
/* Following forks: the processes followed now besides the target, into pids (at most max),
 * with their parents into ppids and their fork times (CLOCK_MONOTONIC ns) into fork_ns when
 * not NULL. How many, or -errno. */
int leak_loader__followed(struct leak_loader *ld, uint32_t *pids, uint32_t *ppids,
			  uint64_t *fork_ns, size_t max);
/* Forget a followed process (it is gone, or cannot be traced) */
void leak_loader__unfollow(struct leak_loader *ld, uint32_t pid);
/* Processes forked by followed ones that could not be followed (the table was full) */
uint64_t leak_loader__forks_unfollowed(const struct leak_loader *ld);
/* Marks dropped because the ring buffer was full */
uint64_t leak_loader__marks_lost(const struct leak_loader *ld);
void leak_loader__free(struct leak_loader *ld);

#endif
