// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Safe creation of output files (see safe_file.h). Why not O_TRUNC: root opening a name in a
 * world-writable directory follows a symlink planted there (to /etc/shadow, say) or writes
 * into a file another user pre-created and can read. O_EXCL|O_NOFOLLOW refuses both. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "lib/safe_file.h"

int safe_file__check(const char *path, bool force)
{
	struct stat st;

	if (force)
		return 0;
	if (!lstat(path, &st))
		return -EEXIST;
	return errno == ENOENT ? 0 : -errno;
}

/* Removes the name path (a symlink itself, never its target) so that it can be created anew */
static int remove_name(const char *path)
{
	struct stat st;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	return unlink(path) && errno != ENOENT ? -errno : 0;
}

int safe_file__create(const char *path, bool force)
{
	int fd, err;

	if (force) {
		err = remove_name(path);
		if (err)
			return err;
	}
	/* O_EXCL with O_CREAT fails on any existing name, a symlink included (open(2));
	 * O_NOFOLLOW says the same twice, for readers of this line */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	/* the umask can only take bits away: 0600 stays 0600, or less, which we do not want */
	if (fchmod(fd, 0600)) {
		err = -errno;
		close(fd);
		unlink(path);
		return err;
	}
	return fd;
}

FILE *safe_file__fopen(const char *path, bool force)
{
	int fd = safe_file__create(path, force), err;
	FILE *f;

	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	f = fdopen(fd, "w");
	if (!f) {
		err = errno;
		close(fd);
		unlink(path);
		errno = err;
	}
	return f;
}

/* Gives tmp the name path: replacing whatever is there with force, else only a free name */
static int take_name(const char *tmp, const char *path, bool force)
{
	struct stat st;

	if (force) {
		/* rename replaces the name itself: a symlink at path is replaced, not followed */
		if (!lstat(path, &st) && S_ISDIR(st.st_mode))
			return -EISDIR;
		return rename(tmp, path) ? -errno : 0;
	}
	if (!renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE))
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	/* a file system without RENAME_NOREPLACE: link fails on an existing name too */
	if (link(tmp, path))
		return -errno;
	unlink(tmp);
	return 0;
}

int safe_file__write_atomic(const char *path, bool force, int (*writer)(FILE *f, const void *arg),
			    const void *arg)
{
	char *tmp = NULL;
	FILE *f = NULL;
	int fd = -1, err;

	err = safe_file__check(path, force);
	if (err)
		return err;
	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0)
		return -ENOMEM;
	/* mkstemp: O_CREAT|O_EXCL, mode 0600, a name nobody could guess */
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		goto cleanup;
	}
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		goto cleanup;
	}
	err = writer(f, arg);
	if (!err && fflush(f))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	if (!err)
		err = take_name(tmp, path, force);
cleanup:
	if (err && fd >= 0)
		unlink(tmp);
	free(tmp);
	return err;
}

int safe_file__open_known(const char *path, uint32_t dev, uint64_t ino)
{
	struct stat st;
	int fd = open(path, O_PATH | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_ino != ino ||
	    (uint32_t)(major(st.st_dev) << 20 | minor(st.st_dev)) != dev) {
		close(fd);
		return -1;
	}
	return fd;
}

int safe_file__open_named(const char *name, uint32_t dev, uint64_t ino)
{
	static const char *const dirs[] = {
		"/usr/lib/x86_64-linux-gnu",
		"/lib/x86_64-linux-gnu",
		"/usr/lib64",
		"/lib64",
		"/usr/lib",
		"/lib",
		"/usr/local/lib",
	};
	char path[PATH_MAX];
	int fd = -1;

	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return -1;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && fd < 0; i++)
		if (snprintf(path, sizeof(path), "%s/%s", dirs[i], name) < (int)sizeof(path))
			fd = safe_file__open_known(path, dev, ino);
	return fd;
}
