// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Separate debug files (see debuginfo.h): path candidates in gdb's order, each checked before
 * it is used, and debuginfod through libdebuginfod when the user asked for it. */
#include <elfutils/debuginfod.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "symbols/debuginfo.h"
#include "symbols/elfsym.h"

#define DEFAULT_DEBUG_DIR "/usr/lib/debug"

int debuginfo__file_build_id(const char *path, char *out, size_t len)
{
	struct elf_file *ef = elf_file__open(path);

	if (!ef)
		return -errno;
	snprintf(out, len, "%s", elf_file__build_id(ef));
	elf_file__free(ef);
	return 0;
}

int debuginfo__file_crc(const char *path, uint32_t *crc)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;
	unsigned char buf[1 << 16];
	uLong c = crc32(0, Z_NULL, 0);
	ssize_t n;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		c = crc32(c, buf, (uInt)n);
	if (n < 0)
		err = -errno;
	close(fd);
	*crc = (uint32_t)c;
	return err;
}

/* The candidate is the debug file of the query's binary */
static bool matches(const struct debuginfo_query *q, const char *path)
{
	char id[128];
	uint32_t crc;
	struct stat st;

	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return false;
	if (q->build_id[0])
		return !debuginfo__file_build_id(path, id, sizeof(id)) && !strcmp(id, q->build_id);
	return q->debuglink && !debuginfo__file_crc(path, &crc) && crc == q->debuglink_crc;
}

static int try_path(const struct debuginfo_query *q, char *out, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int try_path(const struct debuginfo_query *q, char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return matches(q, out) ? 0 : -ENOENT;
}

static int find_local(const char *root, const char *debug_dir, const struct debuginfo_query *q,
		      char *out, size_t len)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(q->path, '/');

	if (q->build_id[0] && strlen(q->build_id) > 2 &&
	    !try_path(q, out, len, "%s%s/.build-id/%.2s/%s.debug", root, debug_dir, q->build_id,
		      q->build_id + 2))
		return 0;
	if (!q->debuglink || !slash)
		return -ENOENT;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - q->path), q->path);
	/* the debuglink names another file: never the binary itself */
	if (strcmp(q->debuglink, slash + 1) &&
	    !try_path(q, out, len, "%s%s/%s", root, dir, q->debuglink))
		return 0;
	if (!try_path(q, out, len, "%s%s/.debug/%s", root, dir, q->debuglink))
		return 0;
	if (!try_path(q, out, len, "%s%s%s/%s", root, debug_dir, dir, q->debuglink))
		return 0;
	return -ENOENT;
}

static int find_debuginfod(const struct debuginfo_query *q, char *out, size_t len)
{
	unsigned char id[64];
	size_t n = strlen(q->build_id) / 2;
	debuginfod_client *c;
	char *path = NULL;
	int fd;

	if (!n || n > sizeof(id))
		return -ENOENT;
	for (size_t i = 0; i < n; i++)
		sscanf(q->build_id + 2 * i, "%2hhx", &id[i]);
	c = debuginfod_begin();
	if (!c)
		return -ENOMEM;
	fd = debuginfod_find_debuginfo(c, id, (int)n, &path);
	debuginfod_end(c);
	if (fd < 0) {
		free(path);
		return fd;
	}
	close(fd);
	snprintf(out, len, "%s", path);
	free(path);
	return 0;
}

int debuginfo__find(const struct debuginfo_opts *opts, const struct debuginfo_query *q, char *out,
		    size_t len)
{
	const char *debug_dir = opts && opts->debug_dir ? opts->debug_dir : DEFAULT_DEBUG_DIR;
	const char *root = opts && opts->root ? opts->root : "";

	if (*root && !find_local(root, debug_dir, q, out, len))
		return 0;
	if (!find_local("", debug_dir, q, out, len))
		return 0;
	if (opts && opts->debuginfod && !find_debuginfod(q, out, len))
		return 0;
	return -ENOENT;
}
