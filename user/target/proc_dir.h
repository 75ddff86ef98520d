/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Which /proc directory shows a process's address space, and what kind of process a pid is.
 * A process whose main thread called pthread_exit lives on in its other threads, but
 * PROC/PID/maps reads empty and PROC/PID/exe and root cannot be read: its address space is
 * seen through PROC/PID/task/TID of a live thread. Takes the proc root as a path, so tests
 * can point it at a fixture tree. */
#ifndef PERFAN_PROC_DIR_H
#define PERFAN_PROC_DIR_H

#include <stddef.h>

enum proc_kind {
	PROC_KIND_USER,	   /* a user process with an address space */
	PROC_KIND_KTHREAD, /* a kernel thread: no user address space */
	PROC_KIND_ZOMBIE,  /* exited, not reaped by its parent yet */
	PROC_KIND_GONE,	   /* no such process (or it cannot be read) */
};

/* The kind of process pid is, from PROC_ROOT/PID/stat (and its threads') */
enum proc_kind proc_dir__kind(const char *proc_root, int pid);
/* Writes PROC_ROOT/PID, or PROC_ROOT/PID/task/TID of a live thread when the main thread has
 * exited, to buf, and that thread's id to *tid (pid itself in the first case; tid may be
 * NULL). 0, -ESRCH when no thread of pid has an address space, -ENAMETOOLONG. */
int proc_dir__mm(const char *proc_root, int pid, char *buf, size_t len, int *tid);
/* A short phrase saying why a pid without an address space cannot be traced */
const char *proc_dir__kind_text(enum proc_kind kind);

#endif
