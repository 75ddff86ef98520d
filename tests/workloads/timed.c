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
 *   timed stepped N   N rounds of stepped_50us and moved_50us (assembly; 50 us each): the
 *                     first begins with `sub $8,%rsp` (the kernel single-steps it and no probe
 *                     may go past it), the second with `mov %rdi,%rax; xor %edx,%edx` before
 *                     its `push %rbp` (the entry probe can go to the push, at +5, emulated)
 *   timed nested N M  N calls of outer (20 us of its own), each calling inner (empty) M times
 *   timed recipe N F  N rounds of bench_parse (100 us), bench_route (200 us) and bench_render
 *                     (50 us); the one named F (optional) takes 25% longer
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

/* called from the assembly below: keep it and its name */
NOINLINE __attribute__((used)) void spin_50us(void)
{
	spin_ns(50000);
}

/* Functions whose first instruction is fixed: a compiler may begin either way at -O2 */
__asm__(".text\n"
	".p2align 4\n"
	".globl stepped_50us\n"
	".type stepped_50us, @function\n"
	"stepped_50us:\n"
	"	sub $8, %rsp\n" /* single-stepped; moves %rsp: the probe stays on it */
	"	call spin_50us\n"
	"	add $8, %rsp\n"
	"	ret\n"
	".size stepped_50us, .-stepped_50us\n"
	".p2align 4\n"
	".globl moved_50us\n"
	".type moved_50us, @function\n"
	"moved_50us:\n"
	"	mov %rdi, %rax\n" /* +0: single-stepped, writes a register only */
	"	xor %edx, %edx\n" /* +3: the same */
	"	push %rbp\n"	  /* +5: emulated: the entry probe goes here */
	"	mov %rsp, %rbp\n"
	"	call spin_50us\n"
	"	pop %rbp\n"
	"	ret\n"
	".size moved_50us, .-moved_50us\n");
void stepped_50us(void);
void moved_50us(void);

NOINLINE void inner(void)
{
	__asm__ volatile("nop" ::: "memory");
}

NOINLINE void outer(long calls)
{
	spin_ns(20000);
	for (long i = 0; i < calls; i++)
		inner();
}

NOINLINE void bench_parse(long long ns)
{
	spin_ns(ns);
}

NOINLINE void bench_route(long long ns)
{
	spin_ns(ns);
}

NOINLINE void bench_render(long long ns)
{
	spin_ns(ns);
}

/* ns, or 25% more when this function is the slow one */
static long long slowed(const char *slow, const char *name, long long ns)
{
	return slow && !strcmp(slow, name) ? ns + ns / 4 : ns;
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
	} else if (!strcmp(mode, "stepped")) {
		for (long i = 0; i < n; i++) {
			stepped_50us();
			moved_50us();
		}
	} else if (!strcmp(mode, "nested")) {
		long m = argc > 3 ? atol(argv[3]) : 10;

		for (long i = 0; i < n; i++)
			outer(m);
	} else if (!strcmp(mode, "recipe")) {
		const char *slow = argc > 3 ? argv[3] : NULL;

		for (long i = 0; i < n; i++) {
			bench_parse(slowed(slow, "bench_parse", 100000));
			bench_route(slowed(slow, "bench_route", 200000));
			bench_render(slowed(slow, "bench_render", 50000));
		}
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
