// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Workload of the growth tests (tests/integration/growth.sh) and benchmarks: known growth from
 * known stacks. Every mode but `child` waits for GO_FILE to exist before it starts, so the
 * profiler is attached first ("-" : start at once).
 *   grower grow MB GO HOLD_S       leak MB MiB in 1000-byte blocks, 60% from leak_a and 40%
 *                                  from leak_b (each block written whole), print
 *                                  "grown RSS_BEFORE RSS_AFTER", then hold; every SIGUSR1 leaks
 *                                  1000 more blocks from leak_a and prints "dripped N"
 *   grower steady GO HOLD_S        malloc/free churn whose heap stays the same size
 *   grower mixed MB GO HOLD_S      grow as `grow` with a churn interleaved in the same thread
 *   grower threaded MB GO HOLD_S   grow as `grow` with the churn in a thread of its own
 *   grower forker GO               fork a child that execs `grower child 4` and wait for it
 *   grower child MB                leak MB MiB from leak_a and exit
 * Built twice: with frame pointers (grower) and without (grower_nofp). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BLOCK 1000

static volatile sig_atomic_t drips, stop;
static void *sink[64];
/* the leaked blocks are stored here, so the compiler keeps every allocation */
void *volatile leaked;

static void on_usr1(int sig)
{
	(void)sig;
	drips++;
}

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static unsigned long rss_bytes(void)
{
	unsigned long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%lu %lu", &size, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * (unsigned long)sysconf(_SC_PAGESIZE);
}

/* Until the GO file exists; SIGTERM ends the program here too */
static void wait_go(const char *go)
{
	while (strcmp(go, "-") && access(go, F_OK)) {
		if (stop)
			exit(0);
		usleep(10000);
	}
}

/* The two leaking call sites: each block is written whole where it is allocated */
__attribute__((noinline)) static void *leak_a(size_t n)
{
	return memset(malloc(n), 0xa, n);
}

__attribute__((noinline)) static void *leak_b(size_t n)
{
	return memset(malloc(n), 0xb, n);
}

/* Blocks that come and go: the heap stays the same size */
__attribute__((noinline)) static void churn_once(unsigned i)
{
	unsigned slot = i % 64;

	free(sink[slot]);
	sink[slot] = malloc(64 + (i * 37) % 4000);
	memset(sink[slot], 1, 64);
}

static void churn_for(double seconds)
{
	struct timespec t0, t;
	unsigned i = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int k = 0; k < 1000; k++)
			churn_once(i++);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (!stop && (t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 < seconds);
}

static void grow(unsigned long mb, int churn_every)
{
	unsigned long blocks = mb * 1024 * 1024 / BLOCK;

	for (unsigned long i = 0; i < blocks; i++) {
		if (i % 5 < 3)
			leaked = leak_a(BLOCK);
		else
			leaked = leak_b(BLOCK);
		if (churn_every && i % churn_every == 0)
			for (int k = 0; k < 4; k++)
				churn_once((unsigned)(i + k));
	}
}

static void *churn_thread(void *arg)
{
	(void)arg;
	while (!stop)
		churn_for(0.1);
	return NULL;
}

static void hold(double seconds)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		while (drips > 0) {
			drips--;
			for (int i = 0; i < 1000; i++)
				leaked = leak_a(BLOCK);
			printf("dripped 1000\n");
			fflush(stdout);
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (stop || (t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 >= seconds)
			return;
		usleep(10000);
	}
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	struct sigaction sa = { .sa_handler = on_usr1 };

	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "child") && argc == 3) {
		grow(strtoul(argv[2], NULL, 10), 0);
		printf("child grown\n");
		return 0;
	}
	if (!strcmp(mode, "forker") && argc == 3) {
		pid_t pid;
		int status;

		wait_go(argv[2]);
		char self[4096];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

		if (n <= 0)
			return 1;
		self[n] = '\0';
		pid = fork();
		if (pid == 0) {
			/* by its path, so its name after exec is the program's */
			execl(self, "grower", "child", "4", (char *)NULL);
			_exit(127);
		}
		waitpid(pid, &status, 0);
		printf("forker done %d\n", (int)pid);
		return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	}
	if (!strcmp(mode, "steady") && argc == 4) {
		wait_go(argv[2]);
		churn_for(strtod(argv[3], NULL));
		return 0;
	}
	if ((!strcmp(mode, "grow") || !strcmp(mode, "mixed") || !strcmp(mode, "threaded")) &&
	    argc == 5) {
		unsigned long before;
		pthread_t th;

		wait_go(argv[3]);
		if (!strcmp(mode, "threaded"))
			pthread_create(&th, NULL, churn_thread, NULL);
		before = rss_bytes();
		grow(strtoul(argv[2], NULL, 10), !strcmp(mode, "mixed") ? 1 : 0);
		printf("grown %lu %lu\n", before, rss_bytes());
		hold(strtod(argv[4], NULL));
		stop = 1;
		if (!strcmp(mode, "threaded"))
			pthread_join(th, NULL);
		return 0;
	}
	fprintf(stderr, "usage: grower grow|mixed|threaded MB GO HOLD_S | steady GO HOLD_S | "
			"forker GO | child MB\n");
	return 2;
}
