// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Checks and helpers shared by the BPF subcommands (see cli_bpf.h). */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cli/cli_bpf.h"
#include "cli/cli_util.h"

int cli_bpf__preflight(int pid)
{
	struct stat st;
	char path[64];

	if (pid) {
		snprintf(path, sizeof(path), "/proc/%d", pid);
		if (stat(path, &st))
			return cli__error("no process with pid %d", pid);
	}
	if (geteuid() != 0)
		return cli__error("must run as root: loading BPF programs and attaching uprobes "
				  "needs CAP_BPF and CAP_PERFMON");
	if (stat("/sys/kernel/btf/vmlinux", &st))
		return cli__error("this kernel has no BTF (/sys/kernel/btf/vmlinux): build it "
				  "with CONFIG_DEBUG_INFO_BTF=y");
	if (stat("/sys/bus/event_source/devices/uprobe", &st))
		return cli__error("this kernel has no uprobe support (CONFIG_UPROBE_EVENTS)");
	return 0;
}

static int print_all(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return vfprintf(stderr, fmt, ap);
}

void cli_bpf__raise_priority(void)
{
	errno = 0;
	if (getpriority(PRIO_PROCESS, 0) > CLI_BPF_NICE && !errno)
		setpriority(PRIO_PROCESS, 0, CLI_BPF_NICE);
}

void cli_bpf__verbose(bool on)
{
	libbpf_set_print(on ? print_all : NULL);
}

double cli_bpf__now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void cli_bpf__reap(struct target *t, bool block)
{
	pid_t pid = t->child;
	int status;

	if (!pid)
		return;
	status = target__reap(t, block);
	if (status > 0 && status < 128)
		fprintf(stderr, "perfan-bpf: '%s' exited with status %d\n", t->command, status);
	else if (status < 0)
		fprintf(stderr, "perfan-bpf: '%s' (pid %d) is still running, no longer traced\n",
			t->command, (int)pid);
	t->child = 0;
}
