// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Benchmark workload: N malloc+free pairs from four call sites, timed with CLOCK_MONOTONIC.
 * -n N pairs (default 200000); -w: write READY and wait for SIGUSR1 first (so a tracer can
 * attach). Prints "ns_per_pair X" on stdout, and "cpu_ns_per_pair X": the process's CPU time
 * (CLOCK_PROCESS_CPUTIME_ID), which other load on the machine does not inflate. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static void *volatile sink;
static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

NOINLINE static void site_a(size_t i)
{
	void *p = malloc(32 + i % 64);

	sink = p;
	free(p);
}

NOINLINE static void site_b(size_t i)
{
	void *p = malloc(256 + i % 256);

	sink = p;
	free(p);
}

NOINLINE static void site_c(size_t i)
{
	void *p = malloc(1024 + i % 1024);

	sink = p;
	free(p);
}

NOINLINE static void site_d(size_t i)
{
	void *p = malloc(16);

	sink = p;
	free(p);
}

int main(int argc, char **argv)
{
	size_t n = 200000;
	struct timespec a, b, ca, cb;
	double ns, cpu_ns;

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
	for (size_t i = 0; i < n; i += 4) {
		site_a(i);
		site_b(i);
		site_c(i);
		site_d(i);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cb);
	ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	cpu_ns = (cb.tv_sec - ca.tv_sec) * 1e9 + (cb.tv_nsec - ca.tv_nsec);
	printf("ns_per_pair %.1f\ncpu_ns_per_pair %.1f\n", ns / (double)n, cpu_ns / (double)n);
	return 0;
}
