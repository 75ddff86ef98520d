/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Creating every file perfan-bpf writes, safely for a root process among users it must not
 * trust (docs/security.md): the name is created with O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600
 * whatever the umask, so a planted symlink or a file someone else made is never written
 * through; an existing name is replaced only when the caller says so (--force), by removing
 * the name (never what a symlink points to) and creating a new file. */
#ifndef PERFAN_SAFE_FILE_H
#define PERFAN_SAFE_FILE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* 0 when path names nothing yet (or force is set), -EEXIST when it names anything (a file, a
 * symlink, dangling or not, a directory), -errno when it cannot be looked at. For commands
 * that check before a long run that their --output can be written at the end. */
int safe_file__check(const char *path, bool force);

/* A new file at path, open for writing: the descriptor, or -EEXIST (the name is taken and
 * force is not set), -EISDIR, or another -errno. O_CLOEXEC, mode 0600. */
int safe_file__create(const char *path, bool force);

/* The same as a stdio stream; NULL with errno set */
FILE *safe_file__fopen(const char *path, bool force);

/* Writes a whole file atomically: writer(f, arg) fills a new 0600 file beside path (a unique
 * O_EXCL name in the same directory), which then takes the name path, only if path is free
 * (or force is set). A failure leaves nothing behind and path untouched. 0 or -errno, the
 * writer's own errors included. */
int safe_file__write_atomic(const char *path, bool force, int (*writer)(FILE *f, const void *arg),
			    const void *arg);

/* The line an operator reads when path exists and --force was not given */
#define SAFE_FILE_EXISTS_HINT "it exists; add --force to replace it"

/* An O_PATH descriptor of the regular file at path if it is the file the kernel knows as
 * (dev: major << 20 | minor, ino), else -1: opening it so has no side effects (a device, a
 * FIFO), and a path a target gave that was replaced since is refused. Read the file through
 * "/proc/self/fd/N"; close the descriptor after. */
int safe_file__open_known(const char *path, uint32_t dev, uint64_t ino);

/* The same for a library the kernel named by its file name alone (a mapping whose process is
 * gone): looked for in the system's library directories (/usr/lib/x86_64-linux-gnu, /usr/lib,
 * /usr/local/lib and their /lib, /lib64 forms), the first that is (dev, ino). -1 when none
 * is, or name is not a plain file name. */
int safe_file__open_named(const char *name, uint32_t dev, uint64_t ino);

#endif
