// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The traced process (see target.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lib/sanitize.h"
#include "target/launch.h"
#include "target/proc_dir.h"
#include "target/target.h"

void target__init_pid(struct target *t, int pid)
{
	memset(t, 0, sizeof(*t));
	t->pid = pid;
}

int target__launch(struct target *t, char *const argv[], char *const envp[])
{
	int err;

	memset(t, 0, sizeof(*t));
	for (char *const *a = argv; *a; a++) {
		size_t len = strlen(t->command);

		snprintf(t->command + len, sizeof(t->command) - len, "%s%s", len ? " " : "", *a);
	}
	err = launch__start(argv, envp, &t->child);
	if (err) {
		t->child = 0;
		return err;
	}
	t->pid = t->child;
	return 0;
}

int target__release(struct target *t)
{
	return t->child ? launch__release(t->child) : 0;
}

void target__abort(struct target *t)
{
	if (t->child)
		launch__abort(t->child);
	t->child = 0;
}

int target__reap(struct target *t, bool block)
{
	int status;

	if (!t->child)
		return -1;
	if (waitpid(t->child, &status, block ? 0 : WNOHANG) != t->child)
		return -1;
	t->child = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int target__proc_dir(const struct target *t, char *buf, size_t len, int *tid)
{
	if (t->pid <= 0)
		return -ESRCH;
	return proc_dir__mm("/proc", t->pid, buf, len, tid);
}

int target__maps(const struct target *t, struct proc_maps *maps, char *dir, size_t dir_len,
		 char *exe, size_t exe_len)
{
	char path[PATH_MAX + 16];
	ssize_t n;
	int err;

	err = target__proc_dir(t, dir, dir_len, NULL);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/maps", dir);
	err = proc_maps__read(path, maps);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/exe", dir);
	n = readlink(path, exe, exe_len - 1);
	exe[n > 0 ? n : 0] = '\0';
	return 0;
}

void target__thread_name(const struct target *t, uint32_t tid, char *buf, size_t len)
{
	char path[96];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/task/%u/comm", t->pid > 0 ? t->pid : (int)tid, tid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
	/* a thread names itself: what reaches a report is sanitized (sanitize.h) */
	sanitize__str(buf);
}
