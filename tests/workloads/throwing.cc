// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Integration workload for `perfan-bpf time` on C++: may_throw throws on every 4th call, and
 * the exception unwinds through middle to main's catch. A uretprobe on either frame would make
 * the program call std::terminate; timed by probes on return instructions it runs to the end.
 *   throwing N    N calls of middle(i) -> may_throw(i) (20 us each); 3N/4 return normally.
 * Prints "done N caught M" and exits 0 when M is exactly N/4 (rounded up). */
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <stdexcept>

static volatile long sink;

static long long now_ns()
{
	timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

__attribute__((noinline)) int may_throw(int i)
{
	long long t0 = now_ns();

	while (now_ns() - t0 < 20000)
		sink++;
	if (i % 4 == 0)
		throw std::runtime_error("every fourth call fails");
	return i;
}

__attribute__((noinline)) int middle(int i)
{
	int r = may_throw(i);

	sink += r;
	return r;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100, caught = 0;

	for (long i = 0; i < n; i++) {
		try {
			middle((int)i);
		} catch (const std::exception &) {
			caught++;
		}
	}
	std::printf("done %ld caught %ld\n", n, caught);
	return caught == (n + 3) / 4 ? 0 : 1;
}
