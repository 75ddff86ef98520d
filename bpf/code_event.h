/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The code event both gears send user space (leak.bpf.c, growth.bpf.c): an exec, or a file
 * mapped executable, as it happens. Only fixed-size fields with explicit padding; the loaders
 * check the size. */
#ifndef PERFAN_CODE_EVENT_H
#define PERFAN_CODE_EVENT_H

/* New code in a traced process, as it happens: an exec, or a file mapped executable (the
 * dynamic linker, dlopen). User space loads the new files' unwind rows and reads the mappings
 * at once rather than at its next tick. Until it has looked at a file, a walk that meets the
 * file stops there and marks its stack provisional (stack_trace.truncated bit 1): the walk
 * cannot know where the callers are (code without frame pointers has garbage in rbp). */
enum code_event_kind {
	/* the process exec'd: `path` is the program (bprm->filename); leak gear: (dev, ino) its
	 * file, [addr, addr + len) its code (the mm's start_code, end_code) */
	CODE_EXEC = 1,
	CODE_MMAP = 2, /* mmap(PROT_EXEC) of the file (dev, ino), before the mapping exists */
	CODE_FORK = 3, /* tgid is a new process forked by ppid (leak gear, following forks) */
	CODE_EXIT = 4, /* the followed process tgid exited (leak gear, following forks) */
	/* the dynamic linker's list of objects changed (its _dl_debug_state, leak gear): an
	 * exec's libraries are mapped, before their code runs; a dlopen maps files, or is done.
	 * No file: user space reads the process's mappings */
	CODE_LINKED = 5,
};
#define CODE_PATH_MAX 256
struct code_event {
	__u32 tgid;
	__u32 kind;  /* enum code_event_kind */
	__u64 ts_ns; /* bpf_ktime_get_ns() */
	__u64 ino;   /* CODE_MMAP: the file; 0 when unknown */
	__u32 dev;   /* kernel dev_t: major << 20 | minor */
	__u32 ppid;  /* CODE_FORK: the parent's tgid; else 0 */
	/* CODE_MMAP with MAP_FIXED (how the dynamic linker maps a library's code, over the span
	 * it reserved): where the code will be, [addr, addr + len) from file offset off, so that
	 * a process gone before its mappings are read can still be named; addr 0: unknown */
	__u64 addr;
	__u64 len;
	__u64 off;
	char comm[16]; /* CODE_EXEC: the new comm; CODE_FORK: the child's */
	/* CODE_EXEC: the program (bprm->filename); CODE_MMAP: the file's name, its last component */
	char path[CODE_PATH_MAX];
	/* CODE_EXEC (leak gear): the dynamic linker the kernel mapped, its file and load base
	 * (AT_BASE); 0: none (a static program) or unknown */
	__u64 interp_base;
	__u64 interp_ino;
	__u32 interp_dev;
	__u32 pad2;
};

#endif
