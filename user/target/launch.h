/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Running a command under the profiler from its first allocation: the child is started
 * stopped at exec under ptrace, run syscall by syscall until the dynamic linker has mapped
 * every library (before any library code runs), handed to the caller to attach, then released
 * and no longer traced. */
#ifndef PERFAN_LAUNCH_H
#define PERFAN_LAUNCH_H

#include <sys/types.h>

/* Fork and exec argv[0] (searched in PATH) with its stdout sent to our stderr, so that our
 * stdout carries only the report, in environment envp (NULL: ours). Returns 0 with *pid
 * stopped at the point described above, or -errno: -ENOENT/-EACCES when the command cannot be
 * executed (nothing is left running). */
int launch__start(char *const argv[], char *const envp[], pid_t *pid);
/* Let the stopped child run untraced. 0 or -errno. */
int launch__release(pid_t pid);
/* Kill and reap a child that will not be released. */
void launch__abort(pid_t pid);

#endif
