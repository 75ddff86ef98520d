// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Exec workload (tests/integration/exec.sh): leaks 1,000,000 bytes in 1000 blocks of 1000
 * (@EXEC_BEFORE), then execs the program its arguments name (tests/workloads/leaky, whose
 * leaks are known exactly). The first image's blocks go with the exec: a report must not show
 * them live. Usage: exec_then PROGRAM [ARGS...] */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void *volatile kept[1000];

__attribute__((noinline)) static void leak_before_exec(void)
{
	for (int i = 0; i < 1000; i++)
		kept[i] = malloc(1000); /* @EXEC_BEFORE */
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: exec_then PROGRAM [ARGS...]\n", stderr);
		return 2;
	}
	leak_before_exec();
	execv(argv[1], argv + 1);
	perror("exec_then: execv");
	return 1;
}
