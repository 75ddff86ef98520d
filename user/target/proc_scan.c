// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Every process of the host (see proc_scan.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "target/proc_scan.h"

int proc_scan__pids(const char *proc_root, int (*fn)(void *ctx, uint32_t pid), void *ctx)
{
	DIR *d = opendir(proc_root);
	struct dirent *de;
	int rc = 0;

	if (!d)
		return -errno;
	while (!rc && (de = readdir(d))) {
		char *end;
		unsigned long pid;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pid = strtoul(de->d_name, &end, 10);
		if (*end || pid > UINT32_MAX)
			continue;
		rc = fn(ctx, (uint32_t)pid);
	}
	closedir(d);
	return rc;
}

/* Reads a small /proc file of pid into buf (NUL-terminated); its length or -errno */
static int read_small(const char *proc_root, uint32_t pid, const char *name, char *buf, size_t len)
{
	char path[300];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%u/%s", proc_root, pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return errno == ESRCH ? -ESRCH : -errno;
	buf[n] = '\0';
	return (int)n;
}

int proc_scan__mem(const char *proc_root, uint32_t pid, uint64_t *rss, uint64_t *anon)
{
	unsigned long long size, resident, shared;
	long page = sysconf(_SC_PAGESIZE);
	char buf[256];
	int n = read_small(proc_root, pid, "statm", buf, sizeof(buf));

	if (n < 0)
		return n;
	if (sscanf(buf, "%llu %llu %llu", &size, &resident, &shared) != 3)
		return -EINVAL;
	if (!size)
		return -ESRCH; /* a kernel thread or a zombie: no memory */
	*rss = resident * (uint64_t)page;
	*anon = resident > shared ? (resident - shared) * (uint64_t)page : 0;
	return 0;
}

#define ENVIRON_MAX (1u << 20)

int proc_scan__env(const char *proc_root, uint32_t pid, const char *name, char *buf, size_t len)
{
	size_t nlen = strlen(name), have = 0;
	char path[300], *env;
	int fd, err = -ENOENT;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%u/environ", proc_root, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	env = malloc(ENVIRON_MAX + 1);
	if (!env) {
		close(fd);
		return -ENOMEM;
	}
	while (have < ENVIRON_MAX && (n = read(fd, env + have, ENVIRON_MAX - have)) > 0)
		have += (size_t)n;
	close(fd);
	env[have] = '\0';
	/* NUL-separated NAME=VALUE entries; the last may be cut at ENVIRON_MAX */
	for (size_t at = 0; at < have; at += strlen(env + at) + 1) {
		if (strncmp(env + at, name, nlen) || env[at + nlen] != '=')
			continue;
		if (len)
			snprintf(buf, len, "%s", env + at + nlen + 1);
		err = 0;
		break;
	}
	free(env);
	return err;
}

int proc_scan__comm(const char *proc_root, uint32_t pid, char *buf, size_t len)
{
	int n = read_small(proc_root, pid, "comm", buf, len);

	if (n < 0)
		return n;
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}
