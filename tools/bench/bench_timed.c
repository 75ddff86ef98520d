// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Workload of `make bench-timing`: three identical empty functions, so that in one run one
 * can carry perfan-bpf's timing probes, one an empty probe pair, and one nothing.
 * usage: bench_timed CALLS   prints READY, waits for SIGUSR1, then calls each function CALLS
 * times in interleaved blocks and prints "none NS timed NS empty NS" (ns per call). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define BLOCK 1000

static volatile sig_atomic_t go;

__attribute__((noinline)) void f_none(void)
{
	__asm__ volatile("nop" ::: "memory");
}
__attribute__((noinline)) void f_timed(void)
{
	__asm__ volatile("nop" ::: "memory");
}
__attribute__((noinline)) void f_empty(void)
{
	__asm__ volatile("nop" ::: "memory");
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

int main(int argc, char **argv)
{
	void (*volatile fns[3])(void) = { f_none, f_timed, f_empty };
	long calls = argc > 1 ? atol(argv[1]) : 100000;
	double total[3] = { 0 };

	signal(SIGUSR1, on_usr1);
	printf("READY\n");
	fflush(stdout);
	while (!go)
		pause();
	/* interleaved blocks: drift in the machine's speed hits the three alike */
	for (long done = 0; done < calls; done += BLOCK) {
		for (int f = 0; f < 3; f++) {
			double t0 = now_ns();

			for (int i = 0; i < BLOCK; i++)
				fns[f]();
			total[f] += now_ns() - t0;
		}
	}
	printf("none %.1f timed %.1f empty %.1f\n", total[0] / calls, total[1] / calls,
	       total[2] / calls);
	return 0;
}
