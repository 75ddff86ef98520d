// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Symbolization workload (tests/integration/symbols.sh): leaks whose exact source lines the
 * report must name. Each leaking call carries a marker comment the test finds with grep:
 *   @SYM_DIRECT   4 x malloc(1111) in leak_direct
 *   @SYM_INLINE   3 x malloc(2222) in inl_alloc, always inlined into leak_via_inline, whose
 *                 call of it is @SYM_CALLSITE
 *   @SYM_MAIN_*   the calls in main
 * -w: write READY and wait for SIGUSR1 before leaking (attach mode)
 * -d LIB: after the signal, dlopen LIB and call its plugin_leak() (a library loaded after
 *         attach)
 * -h SEC: hold SEC seconds after LEAKED before exiting (default 0) */
#include <dlfcn.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static void *volatile sink[16];
static volatile int sink_at;
static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

/* stored after the call, so the call is never a tail call */
static void keep(void *p)
{
	sink[sink_at++ % 16] = p;
}

NOINLINE void leak_direct(void)
{
	for (int i = 0; i < 4; i++)
		keep(malloc(1111)); /* @SYM_DIRECT */
}

static inline __attribute__((always_inline)) void inl_alloc(int n)
{
	for (int i = 0; i < n; i++)
		keep(malloc(2222)); /* @SYM_INLINE */
}

NOINLINE void leak_via_inline(void)
{
	inl_alloc(3); /* @SYM_CALLSITE */
	sink_at++;
}

static void put(const char *s)
{
	if (write(1, s, strlen(s)) < 0)
		_exit(3);
}

int main(int argc, char **argv)
{
	const char *lib = NULL;
	int hold = 0, wait_sig = 0, c;

	while ((c = getopt(argc, argv, "wd:h:")) != -1) {
		if (c == 'w')
			wait_sig = 1;
		else if (c == 'd')
			lib = optarg;
		else if (c == 'h')
			hold = atoi(optarg);
		else
			return 2;
	}
	if (wait_sig) {
		signal(SIGUSR1, on_usr1);
		put("READY\n");
		while (!go)
			pause();
	}
	leak_direct();	   /* @SYM_MAIN_DIRECT */
	leak_via_inline(); /* @SYM_MAIN_INLINE */
	if (lib) {
		void *h = dlopen(lib, RTLD_NOW);
		void (*fn)(void) = h ? (void (*)(void))dlsym(h, "plugin_leak") : NULL;

		if (!fn) {
			put("NOPLUGIN\n");
			return 1;
		}
		fn(); /* @SYM_MAIN_PLUGIN */
	}
	put("LEAKED\n");
	sleep((unsigned)hold);
	return 0;
}
