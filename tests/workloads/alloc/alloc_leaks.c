// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Integration workload of tests/integration/allocators.sh, the C half: built into one program
 * with alloc_leaks_cxx.cc per allocator (the Makefile's alloc_leaks_* rules: glibc, jemalloc,
 * tcmalloc, mimalloc, a static binary), where alloc_leaks_c() runs first; and alone (its own
 * main) into an executable with jemalloc linked in, and one with jemalloc linked in under the
 * je_ prefix beside glibc's malloc (as redis bundles it). Exactly known leaks, one function each:
 *   leak_malloc          4 x malloc(100)                  400 B  4 objects
 *   leak_calloc          3 x calloc(5, 20)                300 B  3 objects
 *   leak_realloc         2 x realloc(malloc(10), 1000)   2000 B  2 objects
 *   leak_reallocarray    2 x reallocarray(NULL, 3, 50)    300 B  2 objects (not with JE_PREFIX)
 *   leak_posix_memalign  2 x posix_memalign(64, 200)      400 B  2 objects
 *   leak_aligned_alloc   1 x aligned_alloc(128, 256)      256 B  1 object
 *   leak_memalign        1 x memalign(32, 96)              96 B  1 object
 *   leak_valloc          1 x valloc(5000)                5000 B  1 object
 *   leak_strdup          3 x strdup(15 characters)         48 B  3 objects (libc's malloc)
 * With JEMALLOC_API, jemalloc's own functions too:
 *   leak_mallocx         2 x mallocx(700, 0)             1400 B  2 objects
 *   leak_rallocx         1 x rallocx(mallocx(10, 0), 900)  900 B  1 object
 * With JE_PREFIX every call above but strdup goes to je_malloc..., and
 *   leak_libc            2 x malloc(333) (glibc's)        666 B  2 objects
 * churn() makes CHURN rounds of one call of each function above, freed at once: none live.
 * No stdio: the only allocations are ours. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#define NOINLINE __attribute__((noinline))
#define CHURN 200

#ifdef JE_PREFIX
/* jemalloc's public API renamed with objcopy (Makefile): what --with-jemalloc-prefix=je_ makes */
#define JEMALLOC_API
#define A(f) je_##f
void *je_malloc(size_t size);
void *je_calloc(size_t nmemb, size_t size);
void *je_realloc(void *ptr, size_t size);
int je_posix_memalign(void **memptr, size_t align, size_t size);
void *je_aligned_alloc(size_t align, size_t size);
void *je_memalign(size_t align, size_t size);
void *je_valloc(size_t size);
void je_free(void *ptr);
#else
#define A(f) f
#endif

#ifdef JEMALLOC_API
void *A(mallocx)(size_t size, int flags);
void *A(rallocx)(void *ptr, size_t size, int flags);
void A(dallocx)(void *ptr, int flags);
void A(sdallocx)(void *ptr, size_t size, int flags);
#endif

static void *volatile sink;

void alloc_leaks_c(void);

NOINLINE void leak_malloc(void)
{
	for (int i = 0; i < 4; i++)
		sink = A(malloc)(100);
}

NOINLINE void leak_calloc(void)
{
	for (int i = 0; i < 3; i++)
		sink = A(calloc)(5, 20);
}

NOINLINE void leak_realloc(void)
{
	for (int i = 0; i < 2; i++)
		sink = A(realloc)(A(malloc)(10), 1000);
}

#ifndef JE_PREFIX
NOINLINE void leak_reallocarray(void)
{
	for (int i = 0; i < 2; i++)
		sink = reallocarray(NULL, 3, 50);
}
#endif

NOINLINE void leak_posix_memalign(void)
{
	void *p;

	for (int i = 0; i < 2; i++)
		if (!A(posix_memalign)(&p, 64, 200))
			sink = p;
}

NOINLINE void leak_aligned_alloc(void)
{
	sink = A(aligned_alloc)(128, 256);
}

NOINLINE void leak_memalign(void)
{
	sink = A(memalign)(32, 96);
}

NOINLINE void leak_valloc(void)
{
	sink = A(valloc)(5000);
}

NOINLINE void leak_strdup(void)
{
	for (int i = 0; i < 3; i++)
		sink = strdup("fifteen chars!!");
}

#ifdef JEMALLOC_API
NOINLINE void leak_mallocx(void)
{
	for (int i = 0; i < 2; i++)
		sink = A(mallocx)(700, 0);
}

NOINLINE void leak_rallocx(void)
{
	sink = A(rallocx)(A(mallocx)(10, 0), 900, 0);
}
#endif

#ifdef JE_PREFIX
NOINLINE void leak_libc(void)
{
	for (int i = 0; i < 2; i++)
		sink = malloc(333);
}
#endif

/* every block escapes through sink: a compiler may drop free(malloc(n)) */
#define KEEP(p) (sink = (p))

NOINLINE void churn(void)
{
	for (int i = 0; i < CHURN; i++) {
		void *p;

		A(free)(KEEP(A(malloc)(64)));
		A(free)(KEEP(A(calloc)(8, 8)));
		A(free)(KEEP(A(realloc)(KEEP(A(malloc)(10)), 2000)));
#ifndef JE_PREFIX
		free(KEEP(reallocarray(NULL, 4, 16)));
#endif
		if (!A(posix_memalign)(&p, 64, 64))
			A(free)(KEEP(p));
		A(free)(KEEP(A(aligned_alloc)(64, 128)));
		A(free)(KEEP(A(memalign)(64, 32)));
		A(free)(KEEP(A(valloc)(100)));
		free(KEEP(strdup("freed")));
#ifdef JEMALLOC_API
		A(dallocx)(KEEP(A(mallocx)(48, 0)), 0);
		A(sdallocx)(KEEP(A(mallocx)(48, 0)), 48, 0);
		A(dallocx)(KEEP(A(rallocx)(KEEP(A(mallocx)(8, 0)), 4000, 0)), 0);
#endif
#ifdef JE_PREFIX
		free(KEEP(malloc(20)));
#endif
	}
}

void alloc_leaks_c(void)
{
	leak_malloc();
	leak_calloc();
	leak_realloc();
#ifndef JE_PREFIX
	leak_reallocarray();
#endif
	leak_posix_memalign();
	leak_aligned_alloc();
	leak_memalign();
	leak_valloc();
	leak_strdup();
#ifdef JEMALLOC_API
	leak_mallocx();
	leak_rallocx();
#endif
#ifdef JE_PREFIX
	leak_libc();
#endif
	churn();
}

#ifndef ALLOC_LEAKS_NO_MAIN
int main(void)
{
	alloc_leaks_c();
	return 0;
}
#endif
