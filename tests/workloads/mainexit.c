// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Integration workload: a process whose main thread calls pthread_exit while another thread
 * lives on (its /proc/PID/maps then reads empty). The thread writes READY, waits for
 * SIGUSR1, then leaks exactly 25 x malloc(1000) in thread_leak (25,000 B, 25 objects),
 * writes LEAKED, and the process exits after the next SIGUSR1. No stdio. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static void *volatile sink;

static void say(const char *s, size_t n)
{
	if (write(1, s, n) < 0)
		_exit(3);
}

static NOINLINE void thread_leak(void)
{
	for (int i = 0; i < 25; i++)
		sink = malloc(1000);
}

static void *worker(void *arg)
{
	sigset_t set;
	int sig;

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	/* the main thread is gone before READY: maps of PID read empty from here on */
	usleep(100000);
	say("READY\n", 6);
	sigwait(&set, &sig);
	thread_leak();
	say("LEAKED\n", 7);
	sigwait(&set, &sig);
	exit(0);
}

int main(void)
{
	sigset_t set;
	pthread_t t;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* inherited by the thread: sigwait takes it */
	if (pthread_create(&t, NULL, worker, NULL))
		return 1;
	pthread_exit(NULL);
}
