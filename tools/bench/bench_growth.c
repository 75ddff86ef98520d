// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Workloads of tools/bench/growth.sh, each timed around its loop only, in wall time
 * (CLOCK_MONOTONIC) and in the process's CPU time (CLOCK_PROCESS_CPUTIME_ID: other load on the
 * machine does not inflate it; the growth gear's BPF programs run in the process's context, so
 * it includes them):
 *   bench_growth grow BYTES SIZE   grow the heap by BYTES in SIZE-byte mallocs, each written
 *                                  whole and never freed; prints "ns_total X", "cpu_ns_total X"
 *                                  and "rss_bytes Y"
 *   bench_growth getppid N         N getppid() system calls; prints "ns_per_call X" and
 *                                  "cpu_ns_per_call X"
 *   bench_growth read N            N read()s of 64 bytes from /dev/zero; the same
 * The system call loops measure what every system call of the host pays while the growth
 * gear's sys_enter tracepoint is attached. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* the blocks are stored here, so the compiler keeps every allocation and every write */
void *volatile leaked;

static double now_ns(clockid_t clock)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
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

__attribute__((noinline)) static void *grow_one(size_t size)
{
	return memset(malloc(size), 0x5a, size);
}

static int grow(unsigned long long bytes, size_t size)
{
	unsigned long long n = bytes / size;
	double t0, t1, c0, c1;

	c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	t0 = now_ns(CLOCK_MONOTONIC);
	for (unsigned long long i = 0; i < n; i++) {
		void *p = grow_one(size);

		if (!p)
			return 1;
		leaked = p;
	}
	t1 = now_ns(CLOCK_MONOTONIC);
	c1 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	printf("ns_total %.0f\ncpu_ns_total %.0f\nrss_bytes %lu\n", t1 - t0, c1 - c0, rss_bytes());
	return 0;
}

static int calls(const char *what, unsigned long long n)
{
	char buf[64];
	double t0, t1, c0, c1;
	int fd = -1;

	if (!strcmp(what, "read")) {
		fd = open("/dev/zero", O_RDONLY);
		if (fd < 0)
			return 1;
	}
	c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	t0 = now_ns(CLOCK_MONOTONIC);
	for (unsigned long long i = 0; i < n; i++) {
		if (fd < 0)
			syscall(SYS_getppid); /* never cached by libc */
		else if (read(fd, buf, sizeof(buf)) != sizeof(buf))
			return 1;
	}
	t1 = now_ns(CLOCK_MONOTONIC);
	c1 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	printf("ns_per_call %.1f\ncpu_ns_per_call %.1f\n", (t1 - t0) / (double)n,
	       (c1 - c0) / (double)n);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "grow"))
		return grow(strtoull(argv[2], NULL, 10), strtoul(argv[3], NULL, 10));
	if (argc == 3 && (!strcmp(argv[1], "getppid") || !strcmp(argv[1], "read")))
		return calls(argv[1], strtoull(argv[2], NULL, 10));
	fprintf(stderr, "usage: bench_growth grow BYTES SIZE | getppid N | read N\n");
	return 2;
}
