/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Every process of the host, cheaply: the pids under /proc, and per pid its memory from
 * /proc/PID/statm (one small read) and its name from /proc/PID/comm. Kernel threads (no
 * memory) are left out. */
#ifndef PERFAN_TARGET_PROC_SCAN_H
#define PERFAN_TARGET_PROC_SCAN_H

#include <stddef.h>
#include <stdint.h>

/* Calls fn(ctx, pid) for every numeric entry of PROC_ROOT; 0, -errno, or fn's result */
int proc_scan__pids(const char *proc_root, int (*fn)(void *ctx, uint32_t pid), void *ctx);
/* Resident and anonymous resident bytes of pid (statm: resident, and resident minus shared
 * file-backed and shmem pages). 0, -ESRCH for a process gone or without memory (a kernel
 * thread, a zombie), or -errno. */
int proc_scan__mem(const char *proc_root, uint32_t pid, uint64_t *rss, uint64_t *anon);
/* The name of pid (not sanitized) into buf; 0 or -errno */
int proc_scan__comm(const char *proc_root, uint32_t pid, char *buf, size_t len);
/* The value of environment variable `name` pid started with (/proc/PID/environ, read up to
 * 1 MiB; not sanitized, cut to len - 1) into buf: 0, -ENOENT when it is not set, or -errno */
int proc_scan__env(const char *proc_root, uint32_t pid, const char *name, char *buf, size_t len);

#endif
