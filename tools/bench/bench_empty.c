// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The benchmark floor: empty BPF programs attached to a process's allocator on exactly the
 * probe set perfan-bpf uses (attach.h), at the same offsets (--probe-at best) or all at the
 * function entries (--probe-at entry). Stays attached until the process exits.
 * --only FUNC attaches one function's probes; --no-return leaves out the return probes (for a
 * breakdown of the cost).
 * usage: bench_empty --pid PID [--probe-at best|entry] [--only FUNC] [--no-return] */
#include <bpf/libbpf.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "empty.skel.h"
#include "probe/attach.h"

int main(int argc, char **argv)
{
	struct probe_links links = {};
	struct probe_progs progs = {};
	struct probe_plan plan;
	struct allocator alloc;
	struct proc_maps maps = {};
	struct empty_bpf *skel = NULL;
	char path[64], exe[4096] = "";
	bool at_entry = false, no_return = false;
	const char *only = NULL;
	int pid = 0, err = 1, pidfd;
	ssize_t n;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pid") && i + 1 < argc)
			pid = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--probe-at") && i + 1 < argc)
			at_entry = !strcmp(argv[++i], "entry");
		else if (!strcmp(argv[i], "--only") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "--no-return"))
			no_return = true;
	}
	if (pid <= 0) {
		fprintf(stderr, "usage: bench_empty --pid PID [--probe-at best|entry]\n");
		return 2;
	}
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	if (proc_maps__read(path, &maps))
		goto cleanup;
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/root", pid);
	if (allocator__find(&maps, path, exe, &alloc) || allocator__plan(&alloc, at_entry, &plan))
		goto cleanup;
	/* the same kind of link as perfan-bpf's (uprobe_multi where the kernel has it), so that
	 * the floor is measured the way the probes are attached */
	skel = empty_bpf__open();
	if (!skel)
		goto cleanup;
	progs.multi = probes__multi_supported();
	if (progs.multi && (bpf_program__set_expected_attach_type(skel->progs.empty_enter,
								  probes__multi_attach_type()) ||
			    bpf_program__set_expected_attach_type(skel->progs.empty_return,
								  probes__multi_attach_type())))
		goto cleanup;
	if (empty_bpf__load(skel))
		goto cleanup;
	for (int r = 0; r < ROLE__MAX; r++)
		if (!only || !strcmp(only, probe_role__name(r)))
			progs.enter[r] = skel->progs.empty_enter;
	if (!no_return && (!only || strcmp(only, "free")))
		progs.ret = skel->progs.empty_return;
	if (probes__attach(&plan, &alloc, pid, &progs, &links))
		goto cleanup;
	fprintf(stderr, "bench_empty: tracing pid %d (%d %s)\n", pid,
		progs.multi ? links.fd_cnt : links.cnt,
		progs.multi ? "uprobe_multi links" : "probes");
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd >= 0) {
		struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

		poll(&pfd, 1, -1);
		close(pidfd);
	}
	err = 0;
cleanup:
	if (err)
		fprintf(stderr, "bench_empty: failed to attach to pid %d\n", pid);
	probes__detach(&links);
	empty_bpf__destroy(skel);
	proc_maps__free(&maps);
	return err;
}
