// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Integration workload of tests/integration/allocators.sh for C++'s operator new and delete,
 * linked with alloc_leaks.c (the C API, run first) once per allocator (the Makefile's
 * alloc_leaks_* rules): libstdc++ on glibc, whose operators call malloc and free, and jemalloc,
 * tcmalloc, mimalloc and a static binary, whose operators are the allocator's own. Each
 * allocation must count once, with the size asked for. Exactly known leaks, one function each:
 *   leak_new            4 x new Obj (48 B)                         192 B  4 objects
 *   leak_new_array      2 x new char[300]                          600 B  2 objects
 *   leak_new_nothrow    2 x new (std::nothrow) char[70]            140 B  2 objects
 *   leak_new_aligned    3 x operator new(100, align_val_t(64))     300 B  3 objects
 *   leak_new_aligned_array 1 x operator new[](200, align_val_t(128)) 200 B 1 object
 *   leak_malloc         1 x malloc(555)                            555 B  1 object
 * (libstdc++'s aligned new asks aligned_alloc for 128 and 256 B there: the size rounded up.)
 * churn() makes CHURN rounds of: new/sized delete, new[]/delete[], aligned new/aligned
 * delete, aligned new/sized aligned delete, nothrow new/nothrow delete, aligned new[]/sized
 * aligned delete[]: none live. No iostream: the only allocations are ours, libstdc++'s
 * start-up pool and the allocator's own start-up.
 * With the argument "oom", oom() asks for 2^62 bytes through new, nothrow aligned new and
 * aligned new: each fails and must fail as without perfan-bpf (bad_alloc caught, NULL). Then
 * oom_same_site() runs one new-expression 6 times, every other one asking 2^62 bytes: 3 throw
 * (each handler leaks malloc(24): 72 B, 3 objects, allocated at the position the exception
 * left) and 3 leak 40 B (120 B, 3 objects, made at the very call site and stack position the
 * exception left). It writes "oom: caught 6" when all six failures were seen as such. Under
 * jemalloc and tcmalloc those operators are probed: an exception must unwind through them as
 * without perfan-bpf. */
#include <cstdlib>
#include <cstring>
#include <new>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))
#define CHURN 200

struct Obj {
	char data[48];
};

static void *volatile sink;

/* alloc_leaks.c's leaks, when it is linked in */
extern "C" void alloc_leaks_c(void) __attribute__((weak));

NOINLINE void leak_new()
{
	for (int i = 0; i < 4; i++)
		sink = new Obj;
}

NOINLINE void leak_new_array()
{
	for (int i = 0; i < 2; i++)
		sink = new char[300];
}

NOINLINE void leak_new_nothrow()
{
	for (int i = 0; i < 2; i++)
		sink = new (std::nothrow) char[70];
}

NOINLINE void leak_new_aligned()
{
	for (int i = 0; i < 3; i++)
		sink = ::operator new(100, std::align_val_t(64));
}

NOINLINE void leak_new_aligned_array()
{
	sink = ::operator new[](200, std::align_val_t(128));
}

NOINLINE void leak_malloc()
{
	sink = malloc(555);
}

NOINLINE void churn()
{
	for (int i = 0; i < CHURN; i++) {
		Obj *o = new Obj;
		char *a = new char[64];
		void *p = ::operator new(100, std::align_val_t(64));
		void *q = ::operator new(32, std::align_val_t(32));
		char *n = new (std::nothrow) char[10];
		void *r = ::operator new[](200, std::align_val_t(128));

		/* each block escapes: a compiler may drop a new-expression whose block is unused */
		sink = o;
		sink = a;
		sink = p;
		sink = q;
		sink = n;
		sink = r;
		delete o; /* sized: operator delete(void *, unsigned long) */
		delete[] a;
		::operator delete(p, std::align_val_t(64));
		::operator delete(q, 32, std::align_val_t(32));
		::operator delete[](n, std::nothrow);
		::operator delete[](r, 200, std::align_val_t(128));
	}
}

static const size_t huge = (size_t)1 << 62;

NOINLINE int oom_same_site()
{
	int caught = 0;

	for (int i = 0; i < 6; i++) {
		try {
			sink = new char[i % 2 ? 40 : huge];
		} catch (const std::bad_alloc &) {
			caught++;
			sink = malloc(24);
		}
	}
	return caught;
}

/* an exception thrown through a frame with a return probe would call std::terminate */
NOINLINE void oom()
{
	int caught = 0;

	try {
		sink = new char[huge];
	} catch (const std::bad_alloc &) {
		caught++;
	}
	sink = new (std::align_val_t(64), std::nothrow) char[huge];
	caught += !sink;
	try {
		sink = ::operator new(huge, std::align_val_t(64));
	} catch (const std::bad_alloc &) {
		caught++;
	}
	caught += oom_same_site();
	if (caught == 6 && write(STDOUT_FILENO, "oom: caught 6\n", 14) < 0)
		abort();
}

int main(int argc, char **argv)
{
	/* exec'd by tests/integration/exec.sh: a profiler following the exec attaches first */
	if (argc > 1 && !strcmp(argv[1], "wait"))
		sleep(1);
	if (argc > 1 && !strcmp(argv[1], "oom"))
		oom();
	if (alloc_leaks_c)
		alloc_leaks_c();
	leak_new();
	leak_new_array();
	leak_new_nothrow();
	leak_new_aligned();
	leak_new_aligned_array();
	leak_malloc();
	churn();
	return 0;
}
