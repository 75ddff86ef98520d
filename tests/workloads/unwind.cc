// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Integration workload for stacks through code built without frame pointers: this program is
 * built with -fomit-frame-pointer (the compilers' default at -O2), and allocates through C++'s
 * operator new and glibc's strdup, whose libraries keep no frame pointers either. A walk of the
 * frame-pointer chain loses the callers here; perfan-bpf's .eh_frame rows must not.
 * Exactly known leaks, each from one call chain:
 *   main -> leak_new -> operator new[] -> operator new    6 x 100 B    600 B  6 objects
 *   main -> leak_strdup -> strdup                        4 x 32 B     128 B  4 objects
 *   main -> outer -> middle -> inner -> malloc           1 x 777 B    777 B  1 object
 * churn() allocates 1000 blocks through new and strdup and frees them all. No stdio, no
 * iostream: the only allocations are ours (and libstdc++'s start-up pool). */
#include <cstdlib>
#include <cstring>

#define NOINLINE __attribute__((noinline))

static void *volatile sink;
static void *kept[16];
static int nkept;

NOINLINE void leak_new()
{
	for (int i = 0; i < 6; i++)
		kept[nkept++] = new char[100];
}

NOINLINE void leak_strdup()
{
	/* 31 characters and the terminator: 32 bytes each */
	for (int i = 0; i < 4; i++)
		kept[nkept++] = strdup("thirty-one characters, exactly.");
}

NOINLINE void *inner()
{
	void *p = malloc(777);

	sink = p; /* work after the call: no tail call */
	return p;
}

NOINLINE void *middle()
{
	void *p = inner();

	sink = p;
	return p;
}

NOINLINE void outer()
{
	kept[nkept++] = middle();
	sink = kept[0];
}

NOINLINE void churn()
{
	for (int i = 0; i < 500; i++) {
		char *a = new char[64];
		char *b = strdup("freed");

		sink = a;
		delete[] a;
		free(b);
	}
}

int main()
{
	leak_new();
	leak_strdup();
	outer();
	churn();
	return nkept == 11 ? 0 : 1;
}
