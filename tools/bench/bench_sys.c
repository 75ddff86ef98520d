// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Benchmark workload (tools/bench/bystander.sh): N cheap system calls (getppid), timed with
 * CLOCK_MONOTONIC, in a static program: it maps no libc.so, so no session's uprobes are in it
 * (not even --all's) and what it pays is the kernel-side hooks every process meets (the exact
 * gear's sys_enter tracepoint, the fork and exit tracepoints). -n N calls (default 2000000).
 * Prints "ns_per_call X" and "cpu_ns_per_call X" (CLOCK_PROCESS_CPUTIME_ID). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = 2000000;
	double t0, c0, t1, c1;
	int opt;

	while ((opt = getopt(argc, argv, "n:")) != -1)
		if (opt == 'n')
			n = atol(optarg);
	t0 = now(CLOCK_MONOTONIC);
	c0 = now(CLOCK_PROCESS_CPUTIME_ID);
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid); /* not cached by libc */
	t1 = now(CLOCK_MONOTONIC);
	c1 = now(CLOCK_PROCESS_CPUTIME_ID);
	printf("ns_per_call %.1f\ncpu_ns_per_call %.1f\n", (t1 - t0) / n, (c1 - c0) / n);
	return 0;
}
