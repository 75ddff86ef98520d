// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Integration workload for `perfan-bpf time`: functions of known cost and known call counts.
 *   timed known N     N rounds of busy_200us (spins 200 us by clock_gettime), sleep_5ms
 *                     (nanosleep of 5 ms with 1 ns timer slack) and tiny (empty)
 *   timed recurse N D N call trees of recurse(D): D + 1 calls each
 *   timed jump N      N rounds: jumper(1) longjmps out of itself through jump_out, then
 *                     jumper(0) returns normally (both spin 20 us)
 *   timed chain N     N calls of work_fn: 100 us, or 200 us when PERFAN_SLOW=1
 *   timed threads     thread "worker-a" calls thread_fn 100 times, "worker-b" 200 times
 *   timed loop        prints READY, then busy_200us every ms until SIGINT or SIGTERM
 * Prints "done" and exits 0 when it finished its work. */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static volatile long sink;
static volatile sig_atomic_t stop;
static jmp_buf env;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* inlined: each timed function returns by itself instead of tail-jumping here */
static inline __attribute__((always_inline)) void spin_ns(long long ns)
{
	long long t0 = now_ns();

	while (now_ns() - t0 < ns)
		sink++;
}

NOINLINE void busy_200us(void)
{
	spin_ns(200000);
}

NOINLINE void sleep_5ms(void)
{
	struct timespec ts = { 0, 5000000 };

	nanosleep(&ts, NULL);
}

/* empty: a nop, so that its entry and its return are two instructions */
NOINLINE void tiny(void)
{
	__asm__ volatile("nop" ::: "memory");
}

/* not a tail call: the work after the call keeps every level a real frame */
NOINLINE int recurse(int depth)
{
	int r = 0;

	if (depth > 0)
		r = recurse(depth - 1);
	sink += r;
	return r + 1;
}

NOINLINE void jump_out(void)
{
	longjmp(env, 1);
}

NOINLINE void jumper(int jump)
{
	spin_ns(20000);
	if (jump)
		jump_out();
	sink++;
}

NOINLINE void work_fn(long long ns)
{
	spin_ns(ns);
}

NOINLINE void thread_fn(void)
{
	spin_ns(10000);
}

static void *worker(void *arg)
{
	long n = (long)arg;

	prctl(PR_SET_NAME, n == 100 ? "worker-a" : "worker-b");
	for (long i = 0; i < n; i++)
		thread_fn();
	return NULL;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "known";
	long n = argc > 2 ? atol(argv[2]) : 100;

	/* nanosleep then ends within microseconds of its 5 ms, not the default 50 us slack */
	prctl(PR_SET_TIMERSLACK, 1UL);
	if (!strcmp(mode, "known")) {
		for (long i = 0; i < n; i++) {
			busy_200us();
			sleep_5ms();
			tiny();
		}
	} else if (!strcmp(mode, "recurse")) {
		int depth = argc > 3 ? atoi(argv[3]) : 10;

		for (long i = 0; i < n; i++)
			recurse(depth);
	} else if (!strcmp(mode, "jump")) {
		for (long i = 0; i < n; i++) {
			if (!setjmp(env))
				jumper(1);
			jumper(0);
		}
	} else if (!strcmp(mode, "chain")) {
		long long ns = getenv("PERFAN_SLOW") && !strcmp(getenv("PERFAN_SLOW"), "1")
				       ? 200000
				       : 100000;

		for (long i = 0; i < n; i++)
			work_fn(ns);
	} else if (!strcmp(mode, "threads")) {
		pthread_t a, b;

		pthread_create(&a, NULL, worker, (void *)100L);
		pthread_create(&b, NULL, worker, (void *)200L);
		pthread_join(a, NULL);
		pthread_join(b, NULL);
	} else if (!strcmp(mode, "loop")) {
		struct timespec ts = { 0, 1000000 };

		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		printf("READY\n");
		fflush(stdout);
		while (!stop) {
			busy_200us();
			nanosleep(&ts, NULL);
		}
	} else {
		fprintf(stderr, "timed: unknown mode %s\n", mode);
		return 2;
	}
	printf("done\n");
	return 0;
}
