// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Integration workload with exactly known leaks, one function per allocator entry point:
 *   leak_malloc        7 x malloc(1000)                   7000 B   7 objects
 *   leak_calloc        3 x calloc(4, 250)                 3000 B   3 objects
 *   leak_realloc       5 x realloc(malloc(100), 600)      3000 B   5 objects
 *   leak_reallocarray  2 x reallocarray(NULL, 10, 30)      600 B   2 objects
 *   leak_posix_memalign 4 x posix_memalign(64, 512)       2048 B   4 objects
 *   leak_aligned_alloc 2 x aligned_alloc(256, 1024)       2048 B   2 objects
 *   leak_memalign      1 x memalign(32, 100)               100 B   1 object
 *   leak_valloc        1 x valloc(5000)                   5000 B   1 object
 * churn() allocates 20,000 blocks through every entry point and frees them all; failed calls
 * (calloc overflow, a huge malloc) allocate nothing. No stdio: the only allocations are ours.
 * Built here, the leaks come from 8 stacks, one per function (its loop is not unrolled).
 * -w: write READY and wait for SIGUSR1 before the allocations (attach mode)
 * -p: with -w, allocate 50 x 4096 B before READY and free them after the signal
 * -c: churn only (everything freed)   -h SEC: hold SEC seconds before exiting
 * -s SEC: sleep SEC seconds before the allocations (an exec'd image the session attaches to)
 * -u: print "USABLE N" at the end, N the sum of malloc_usable_size over the blocks leaked */
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static void *volatile sink;
static volatile sig_atomic_t go;
static size_t usable; /* malloc_usable_size of the blocks leaked, for -u */

/* a leaked block: kept in sink, its usable size summed */
static void keep(void *p)
{
	sink = p;
	if (p)
		usable += malloc_usable_size(p);
}

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

NOINLINE void leak_malloc(void)
{
	for (int i = 0; i < 7; i++)
		keep(malloc(1000));
}

NOINLINE void leak_calloc(void)
{
	for (int i = 0; i < 3; i++)
		keep(calloc(4, 250));
}

NOINLINE void leak_realloc(void)
{
	for (int i = 0; i < 5; i++)
		keep(realloc(malloc(100), 600));
}

NOINLINE void leak_reallocarray(void)
{
	for (int i = 0; i < 2; i++)
		keep(reallocarray(NULL, 10, 30));
}

NOINLINE void leak_posix_memalign(void)
{
	for (int i = 0; i < 4; i++) {
		void *p = NULL;

		if (!posix_memalign(&p, 64, 512))
			keep(p);
	}
}

NOINLINE void leak_aligned_alloc(void)
{
	for (int i = 0; i < 2; i++)
		keep(aligned_alloc(256, 1024));
}

NOINLINE void leak_memalign(void)
{
	keep(memalign(32, 100));
}

NOINLINE void leak_valloc(void)
{
	keep(valloc(5000));
}

NOINLINE void churn(void)
{
	volatile size_t huge = SIZE_MAX / 2, big = SIZE_MAX / 4;

	for (int i = 0; i < 4000; i++) {
		void *p = malloc(16 + i % 512), *q;

		free(p);
		p = calloc(1 + i % 7, 24);
		free(p);
		p = realloc(NULL, 40);
		q = realloc(p, 4000 + i % 100);
		free(q ? q : p);
		p = reallocarray(NULL, 3, 8 + i % 16);
		free(p);
		if (!posix_memalign(&p, 128, 64))
			free(p);
	}
	/* calls that fail allocate nothing */
	sink = calloc(huge, big);
	sink = malloc(huge);
	free(NULL);
}

static void put(const char *s)
{
	if (write(1, s, strlen(s)) < 0)
		_exit(3);
}

int main(int argc, char **argv)
{
	int wait_gate = 0, pre = 0, churn_only = 0, hold = 0, nap = 0, say_usable = 0;
	void *before[50] = {};

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-w"))
			wait_gate = 1;
		else if (!strcmp(argv[i], "-p"))
			pre = 1;
		else if (!strcmp(argv[i], "-c"))
			churn_only = 1;
		else if (!strcmp(argv[i], "-h") && i + 1 < argc)
			hold = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-u"))
			say_usable = 1;
		else if (!strcmp(argv[i], "-s") && i + 1 < argc)
			nap = atoi(argv[++i]);
	}
	if (nap)
		sleep((unsigned)nap);
	if (wait_gate) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_usr1;
		sigaction(SIGUSR1, &sa, NULL);
		if (pre)
			for (int i = 0; i < 50; i++)
				before[i] = malloc(4096);
		put("READY\n");
		while (!go)
			pause();
		for (int i = 0; i < 50; i++)
			free(before[i]);
	}
	churn();
	if (!churn_only) {
		leak_malloc();
		leak_calloc();
		leak_realloc();
		leak_reallocarray();
		leak_posix_memalign();
		leak_aligned_alloc();
		leak_memalign();
		leak_valloc();
	}
	churn();
	put("LEAKED\n");
	if (say_usable) {
		char line[40], digits[24];
		size_t n = 0, v = usable;

		do
			digits[n++] = (char)('0' + v % 10);
		while ((v /= 10) && n < sizeof(digits));
		strcpy(line, "USABLE ");
		for (size_t k = 0; k < n; k++)
			line[7 + k] = digits[n - 1 - k];
		strcpy(line + 7 + n, "\n");
		put(line);
	}
	if (hold)
		sleep(hold);
	return 0;
}
