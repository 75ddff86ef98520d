// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Workload for tools/bench/snapshot.sh: after READY and SIGUSR1, keeps N live allocations
 * spread over S distinct stacks, writes LEAKED; each further SIGUSR1 adds one allocation per
 * stack (every stack's counts change) and writes LEAKED again; ends on SIGTERM.
 * usage: bench_snap -s STACKS -n LIVE [-w]
 * The stacks are 32 leaf functions x S/32 recursion depths, or with -w ("wide") 32 leaf
 * functions x S/32 paths through two functions, a few frames deep: many thousands of
 * distinct stacks that the kernel's stack walk (127 frames at most) still tells apart. */
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))
static void *volatile sink;
static volatile sig_atomic_t go;
static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

#define LEAF(i)                                                                                    \
	NOINLINE static void leaf##i(void)                                                         \
	{                                                                                          \
		sink = malloc(16 + i);                                                             \
		__asm__ volatile("");                                                              \
	}
LEAF(0)
LEAF(1)
LEAF(2)
LEAF(3)
LEAF(4)
LEAF(5)
LEAF(6)
LEAF(7)
LEAF(8)
LEAF(9)
LEAF(10)
LEAF(11)
LEAF(12)
LEAF(13)
LEAF(14)
LEAF(15)
LEAF(16)
LEAF(17)
LEAF(18)
LEAF(19)
LEAF(20)
LEAF(21)
LEAF(22)
LEAF(23)
LEAF(24)
LEAF(25)
LEAF(26)
LEAF(27)
LEAF(28)
LEAF(29)
LEAF(30)
LEAF(31)
static void (*const leaves[32])(void) = {
	leaf0,	leaf1,	leaf2,	leaf3,	leaf4,	leaf5,	leaf6,	leaf7,	leaf8,	leaf9,	leaf10,
	leaf11, leaf12, leaf13, leaf14, leaf15, leaf16, leaf17, leaf18, leaf19, leaf20, leaf21,
	leaf22, leaf23, leaf24, leaf25, leaf26, leaf27, leaf28, leaf29, leaf30, leaf31,
};

/* depth frames of rec() above the leaf make the stacks distinct */
NOINLINE static void rec(int depth, int leaf)
{
	if (depth > 0)
		rec(depth - 1, leaf);
	else
		leaves[leaf]();
	__asm__ volatile("" ::: "memory"); /* not a tail call: the frame stays */
}

/* wide stacks: `bits` calls through ra or rb, as the bits of path say, then the leaf */
NOINLINE static void ra(unsigned path, int bits, int leaf);
NOINLINE static void rb(unsigned path, int bits, int leaf);
static inline void step(unsigned path, int bits, int leaf)
{
	if (bits == 0)
		leaves[leaf]();
	else if (path & 1)
		ra(path >> 1, bits - 1, leaf);
	else
		rb(path >> 1, bits - 1, leaf);
}
NOINLINE static void ra(unsigned path, int bits, int leaf)
{
	step(path, bits, leaf);
	__asm__ volatile("" ::: "memory");
}
NOINLINE static void rb(unsigned path, int bits, int leaf)
{
	step(path, bits, leaf);
	__asm__ volatile("" ::: "memory");
}

static void alloc_one(long i, long stacks, int bits)
{
	if (bits)
		step((unsigned)((i % stacks) / 32), bits, (int)(i % 32));
	else
		rec((int)((i % stacks) / 32), (int)(i % 32));
}

NOINLINE static void alloc_round(long n, long stacks, int bits)
{
	for (long i = 0; i < n; i++)
		alloc_one(i, stacks, bits);
	__asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv)
{
	long stacks = 32, live = 10000;
	struct sigaction sa;
	sigset_t usr1, waiting;
	bool wide = false;
	int bits = 0;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "-s"))
			stacks = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "-n"))
			live = atol(argv[i + 1]);
	}
	for (int i = 1; i < argc; i++)
		wide |= !strcmp(argv[i], "-w");
	while (wide && (32L << bits) < stacks)
		bits++;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	write(1, "READY\n", 6);
	/* SIGUSR1 stays blocked but inside sigsuspend: none is lost between a check and the wait */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &waiting);
	sigdelset(&waiting, SIGUSR1);
	/* one call site for every round: a stack is the same stack in each */
	for (long n = live;; n = stacks) {
		while (!go)
			sigsuspend(&waiting);
		go = 0;
		alloc_round(n, stacks, bits);
		write(1, "LEAKED\n", 7);
	}
}
