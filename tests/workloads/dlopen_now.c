// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* dlopen workload (tests/integration/exec.sh, issue 12 item 4): loads the library its argument
 * names (libnow_plugin.so, built -O2 -fomit-frame-pointer) and calls its plugin_run() at once,
 * which allocates from its first microsecond: every one of those allocations must be walked
 * whole (to main, by the plugin's .eh_frame rows), and one call site must give one stack.
 * -n N: calls of plugin_run (default 1); each makes 1000 blocks of 48 bytes, kept.
 * -s MS: milliseconds between calls (default 0). */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	void (*run)(void);
	int rounds = 1, pause_ms = 0, c;
	void *h;

	while ((c = getopt(argc, argv, "n:s:")) != -1) {
		if (c == 'n')
			rounds = atoi(optarg);
		else if (c == 's')
			pause_ms = atoi(optarg);
		else
			return 2;
	}
	if (optind >= argc)
		return 2;
	h = dlopen(argv[optind], RTLD_NOW);
	if (!h) {
		fprintf(stderr, "dlopen_now: %s\n", dlerror());
		return 1;
	}
	run = (void (*)(void))dlsym(h, "plugin_run");
	if (!run)
		return 1;
	for (int i = 0; i < rounds; i++) {
		if (i && pause_ms)
			usleep((useconds_t)pause_ms * 1000);
		run(); /* @NOW_MAIN */
	}
	puts("LEAKED");
	return 0;
}
