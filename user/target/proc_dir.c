// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Finding a process's address space under /proc (see proc_dir.h). */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "target/proc_dir.h"

#define PF_KTHREAD 0x00200000 /* include/linux/sched.h */

/* dir/maps holds at least one mapping */
static bool has_maps(const char *dir)
{
	char path[512];
	FILE *f;
	int c;

	if (snprintf(path, sizeof(path), "%s/maps", dir) >= (int)sizeof(path))
		return false;
	f = fopen(path, "re");
	if (!f)
		return false;
	c = fgetc(f);
	fclose(f);
	return c != EOF;
}

/* State letter and flags from dir/stat; false when unreadable */
static bool read_stat(const char *dir, char *state, unsigned long *flags)
{
	char path[512], buf[1024], *p;
	size_t n;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/stat", dir) >= (int)sizeof(path))
		return false;
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* the command name may hold spaces and parentheses: the fields follow the last ')' */
	p = strrchr(buf, ')');
	/* ") S ppid pgrp session tty_nr tpgid flags" */
	return p && sscanf(p + 1, " %c %*d %*d %*d %*d %*d %lu", state, flags) == 2;
}

int proc_dir__mm(const char *proc_root, int pid, char *buf, size_t len, int *tid_out)
{
	char task[512];
	struct dirent *e;
	int found = -ESRCH;
	DIR *d;

	if (snprintf(buf, len, "%s/%d", proc_root, pid) >= (int)len)
		return -ENAMETOOLONG;
	if (tid_out)
		*tid_out = pid;
	if (has_maps(buf))
		return 0;
	snprintf(task, sizeof(task), "%s/%d/task", proc_root, pid);
	d = opendir(task);
	if (!d)
		return -ESRCH;
	while (found && (e = readdir(d))) {
		char *end;
		long tid = strtol(e->d_name, &end, 10);

		if (tid <= 0 || *end || tid == pid)
			continue;
		if (snprintf(buf, len, "%s/%ld", task, tid) >= (int)len) {
			found = -ENAMETOOLONG;
			break;
		}
		if (has_maps(buf)) {
			found = 0;
			if (tid_out)
				*tid_out = (int)tid;
		}
	}
	closedir(d);
	return found;
}

enum proc_kind proc_dir__kind(const char *proc_root, int pid)
{
	char dir[512], state;
	unsigned long flags;

	snprintf(dir, sizeof(dir), "%s/%d", proc_root, pid);
	if (!read_stat(dir, &state, &flags))
		return PROC_KIND_GONE;
	if (flags & PF_KTHREAD)
		return PROC_KIND_KTHREAD;
	if (state == 'Z' || state == 'X')
		return proc_dir__mm(proc_root, pid, dir, sizeof(dir), NULL) ? PROC_KIND_ZOMBIE
									    : PROC_KIND_USER;
	return PROC_KIND_USER;
}

const char *proc_dir__kind_text(enum proc_kind kind)
{
	switch (kind) {
	case PROC_KIND_KTHREAD:
		return "a kernel thread: it has no user memory to trace";
	case PROC_KIND_ZOMBIE:
		return "a zombie: it has exited and waits for its parent to reap it";
	case PROC_KIND_GONE:
		return "gone";
	default:
		return "a user process";
	}
}
