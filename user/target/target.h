/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What a live command traces: a running process (--pid), a command it launches (-- COMMAND),
 * or every process (pid 0). One object for leak and time: the launched child's life
 * (started held, released once the probes are in, reaped), the command line for reports,
 * and where /proc shows the process (proc_dir.h). */
#ifndef PERFAN_TARGET_TARGET_H
#define PERFAN_TARGET_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "target/procmaps.h"

struct target {
	int pid;	    /* the traced process; 0: every process */
	pid_t child;	    /* the launched command while it is ours to reap, else 0 */
	char command[1024]; /* the launched command line, "" for --pid and every process */
};

/* A running process, or every process with pid 0 */
void target__init_pid(struct target *t, int pid);
/* Start argv held before its first allocation (launch.h); t->pid is the child.
 * 0 or -errno (nothing left running). */
int target__launch(struct target *t, char *const argv[], char *const envp[]);
/* Let a launched command run; 0 or -errno. No-op for a running process. */
int target__release(struct target *t);
/* Kill and reap a launched command that will not be released */
void target__abort(struct target *t);
/* Reap a launched command that has exited (or wait for it with block): its exit status, or
 * -1 when it still runs (it is left running) or was not ours */
int target__reap(struct target *t, bool block);
/* The /proc directory that shows the process's address space (its main thread's, or a live
 * thread's after pthread_exit) and that thread's id; 0 or -ESRCH */
int target__proc_dir(const struct target *t, char *buf, size_t len, int *tid);
/* The process's mappings, read from its /proc directory (target__proc_dir, written to dir:
 * its root is DIR/root), and its program (the DIR/exe link, "" when unreadable).
 * 0 or -errno. */
int target__maps(const struct target *t, struct proc_maps *maps, char *dir, size_t dir_len,
		 char *exe, size_t exe_len);

/* The name (comm) of thread tid of the process (of its own process when the target is every
 * process), sanitized; "" when it is gone */
void target__thread_name(const struct target *t, uint32_t tid, char *buf, size_t len);

#endif
