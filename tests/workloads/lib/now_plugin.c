// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A plugin built the compilers' default way, without frame pointers (-O2
 * -fomit-frame-pointer), that allocates as soon as it is called (tests/workloads/dlopen_now.c):
 * its callers can only be found by its .eh_frame rows. 1000 blocks of 48 bytes per call of
 * plugin_run, all from one call site (@NOW_INNER), kept. */
#include <stdlib.h>

void *volatile now_sink[4096];
static volatile int now_at;

__attribute__((noinline)) void *now_inner(void)
{
	void *p = malloc(48); /* @NOW_INNER */

	now_at++; /* after the call: never a tail call */
	return p;
}

__attribute__((noinline)) void now_outer(void)
{
	for (int i = 0; i < 1000; i++)
		now_sink[(now_at + i) % 4096] = now_inner(); /* @NOW_OUTER */
	now_at++;
}

void plugin_run(void)
{
	now_outer(); /* @NOW_RUN */
	now_at++;
}
