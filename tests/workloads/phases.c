// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Integration workload for labelled snapshots: phases with exactly known allocations, each
 * ended by a PERFAN_MARK (include/perfan.h) and a line "MARKED label" on stdout, then a wait
 * for SIGUSR1 before the next phase, so the test can mark from outside between phases.
 *
 * default (phases):  READY, wait
 *   phase1: phase1_leak   30 x malloc(100)                       +3000 B  +30 objects
 *           PERFAN_MARK("after-phase1"), wait
 *   phase2: phase2_leak   20 x malloc(200)                       +4000 B  +20 objects
 *           phase1_leak's first 10 blocks freed                  -1000 B  -10 objects
 *           PERFAN_MARK("after-phase2"), wait, exit
 * -t (trend): READY, wait, then 8 rounds, each ending with PERFAN_MARK("round-N") and a wait:
 *   steady_leak   every round 10 x malloc(1000) kept              (grows 10,000 B a round)
 *   cache_fill    rounds 1-3: 20 x malloc(512) kept; then none    (grows, then flat)
 *   spike_alloc   round 4: 100 x malloc(4096), all freed in round 5 (up, then back)
 * No stdio: the only allocations are ours. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "perfan.h"

#define NOINLINE __attribute__((noinline))

static volatile sig_atomic_t go;
static void *phase1_blocks[30];
static void *volatile sink;
static void *spike[100];

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

static void say(const char *what, const char *label)
{
	char line[160];
	int n = snprintf(line, sizeof(line), "%s %s\n", what, label);

	if (write(1, line, (size_t)n) < 0)
		_exit(3);
}

static void wait_usr1(void)
{
	sigset_t none;

	sigemptyset(&none);
	while (!go)
		sigsuspend(&none);
	go = 0;
}

/* A mark: the USDT probe, a line for the test, and a wait for its go-ahead */
static NOINLINE void mark(const char *label)
{
	PERFAN_MARK(label);
	say("MARKED", label);
	wait_usr1();
}

NOINLINE void phase1_leak(void)
{
	for (int i = 0; i < 30; i++)
		phase1_blocks[i] = malloc(100);
}

NOINLINE void phase2_leak(void)
{
	for (int i = 0; i < 20; i++)
		sink = malloc(200);
}

NOINLINE void phase2_release(void)
{
	for (int i = 0; i < 10; i++)
		free(phase1_blocks[i]);
}

NOINLINE void steady_leak(void)
{
	for (int i = 0; i < 10; i++)
		sink = malloc(1000);
}

NOINLINE void cache_fill(void)
{
	for (int i = 0; i < 20; i++)
		sink = malloc(512);
}

NOINLINE void spike_alloc(void)
{
	for (int i = 0; i < 100; i++)
		spike[i] = malloc(4096);
}

NOINLINE void spike_release(void)
{
	for (int i = 0; i < 100; i++)
		free(spike[i]);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	sigset_t block;
	char label[32];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	/* SIGUSR1 only arrives inside sigsuspend: no race between the check and the wait */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	say("READY", "0");
	wait_usr1();
	if (argc > 1 && !strcmp(argv[1], "-t")) {
		for (int round = 1; round <= 8; round++) {
			steady_leak();
			if (round <= 3)
				cache_fill();
			if (round == 4)
				spike_alloc();
			if (round == 5)
				spike_release();
			snprintf(label, sizeof(label), "round-%d", round);
			mark(label);
		}
		return 0;
	}
	phase1_leak();
	mark("after-phase1");
	phase2_leak();
	phase2_release();
	mark("after-phase2");
	return 0;
}
