// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The floor of `make bench-timing`: empty BPF programs (bpf/empty.bpf.c) as an entry uprobe
 * and a uretprobe on one function of a process, at the offset perfan-bpf time would use.
 * Stays attached until the process exits. usage: bench_pair --pid PID --func NAME */
#include <bpf/libbpf.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "empty.skel.h"
#include "probe/timing_target.h"

int main(int argc, char **argv)
{
	struct bpf_link *enter = NULL, *ret = NULL;
	struct empty_bpf *skel = NULL;
	struct timing_target t;
	struct errtext why;
	char path[64];
	char *func = NULL;
	int pid = 0, rc = 1, pidfd;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--pid"))
			pid = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--func"))
			func = argv[i + 1];
	}
	if (pid <= 0 || !func) {
		fprintf(stderr, "usage: bench_pair --pid PID --func NAME\n");
		return 2;
	}
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	if (timing_target__load(path, path, &func, 1, 1, &t, &why)) {
		fprintf(stderr, "bench_pair: %s\n", why.msg);
		return 1;
	}
	skel = empty_bpf__open_and_load();
	if (!skel)
		goto cleanup;
	enter = bpf_program__attach_uprobe(skel->progs.empty_enter, false, pid, path,
					   t.funcs[0].probe_off);
	ret = bpf_program__attach_uprobe(skel->progs.empty_return, true, pid, path,
					 t.funcs[0].probe_off);
	if (!enter || !ret)
		goto cleanup;
	fprintf(stderr, "bench_pair: attached\n");
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd >= 0)
		poll(&(struct pollfd){ .fd = pidfd, .events = POLLIN }, 1, -1);
	rc = 0;
cleanup:
	bpf_link__destroy(enter);
	bpf_link__destroy(ret);
	empty_bpf__destroy(skel);
	timing_target__free(&t);
	return rc;
}
