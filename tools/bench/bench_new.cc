// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Benchmark workload of tools/bench/retprobe.sh: N new+delete pairs of 64 bytes, through the
 * allocator the binary is linked with (the Makefile links it with jemalloc: its operator new
 * is probed directly). -n N (default 200000); -w: write READY and wait for SIGUSR1 first (so a
 * tracer can attach). Prints "ns_per_pair X" and "cpu_ns_per_pair X" (CLOCK_PROCESS_CPUTIME_ID). */
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static char *volatile sink;
static volatile sig_atomic_t go;

static void on_usr1(int) { go = 1; }

NOINLINE static void pair()
{
	char *p = new char[64];

	sink = p;
	delete[] p;
}

int main(int argc, char **argv)
{
	size_t n = 200000;
	struct timespec a, b, ca, cb;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			n = strtoull(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "-w")) {
			struct sigaction sa;

			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = on_usr1;
			sigaction(SIGUSR1, &sa, NULL);
			printf("READY\n");
			fflush(stdout);
			while (!go)
				pause();
		}
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ca);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (size_t i = 0; i < n; i++)
		pair();
	clock_gettime(CLOCK_MONOTONIC, &b);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cb);
	printf("ns_per_pair %.1f\ncpu_ns_per_pair %.1f\n",
	       ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / (double)n,
	       ((cb.tv_sec - ca.tv_sec) * 1e9 + (cb.tv_nsec - ca.tv_nsec)) / (double)n);
	return 0;
}
