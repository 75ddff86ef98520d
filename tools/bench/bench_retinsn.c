// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The floor of tools/bench/retprobe.sh: empty BPF programs (bpf/empty.bpf.c) on one function of
 * a library mapped by a process, as perfan-bpf leak places them on a throwing operator new: an
 * entry uprobe, and its return seen either by a uretprobe (--ret uretprobe) or by uprobes on
 * its return instructions and those of the code it tail-jumps to (--ret insn, user/probe/
 * fn_returns.h). Stays attached until the process exits.
 * usage: bench_retinsn --pid PID --lib PATH --func NAME --ret uretprobe|insn */
#include <bpf/libbpf.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "empty.skel.h"
#include "probe/fn_returns.h"
#include "symbols/cfi_table.h"
#include "symbols/elfsym.h"

#define LINKS_MAX (FN_RETURNS_MAX + 2)

int main(int argc, char **argv)
{
	struct bpf_link *links[LINKS_MAX] = {};
	const char *lib = NULL, *func = NULL, *ret = NULL;
	struct empty_bpf *skel = NULL;
	struct elf_file *ef = NULL;
	struct cfi_fde *fdes = NULL;
	struct fn_returns r;
	uint64_t va, size, off;
	size_t fde_cnt = 0;
	int pid = 0, rc = 1, n = 0, pidfd;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--pid"))
			pid = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--lib"))
			lib = argv[i + 1];
		else if (!strcmp(argv[i], "--func"))
			func = argv[i + 1];
		else if (!strcmp(argv[i], "--ret"))
			ret = argv[i + 1];
	}
	if (pid <= 0 || !lib || !func || !ret ||
	    (strcmp(ret, "uretprobe") && strcmp(ret, "insn"))) {
		fprintf(stderr, "usage: bench_retinsn --pid PID --lib PATH --func NAME "
				"--ret uretprobe|insn\n");
		return 2;
	}
	ef = elf_file__open(lib);
	if (!ef || elf_file__find_func(ef, func, &va, &size) ||
	    elf_file__vaddr_to_off(ef, va, &off)) {
		fprintf(stderr, "bench_retinsn: no function %s in %s\n", func, lib);
		goto cleanup;
	}
	cfi_fdes__read(ef, &fdes, &fde_cnt);
	if (fn_returns__find(ef, fdes, fde_cnt, va, size, &r)) {
		fprintf(stderr, "bench_retinsn: returns of %s: %s\n", func, r.why);
		goto cleanup;
	}
	skel = empty_bpf__open_and_load();
	if (!skel)
		goto cleanup;
	links[n++] = bpf_program__attach_uprobe(skel->progs.empty_enter, false, pid, lib, off);
	if (!strcmp(ret, "uretprobe")) {
		links[n++] =
			bpf_program__attach_uprobe(skel->progs.empty_return, true, pid, lib, off);
	} else {
		for (int i = 0; i < r.cnt; i++) {
			uint64_t roff;

			if (elf_file__vaddr_to_off(ef, r.vaddrs[i], &roff))
				goto cleanup;
			links[n++] = bpf_program__attach_uprobe(skel->progs.empty_enter, false, pid,
								lib, roff);
		}
	}
	for (int i = 0; i < n; i++)
		if (!links[i])
			goto cleanup;
	fprintf(stderr, "bench_retinsn: attached %s: entry + %d %s probe(s)\n", func, n - 1, ret);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd >= 0)
		poll(&(struct pollfd){ .fd = pidfd, .events = POLLIN }, 1, -1);
	rc = 0;
cleanup:
	for (int i = 0; i < n; i++)
		bpf_link__destroy(links[i]);
	empty_bpf__destroy(skel);
	free(fdes);
	elf_file__free(ef);
	return rc;
}
