// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A library that leaky_sym loads with dlopen after perfan-bpf has attached: its leak must be
 * named (tests/integration/symbols.sh). */
#include <stdlib.h>

void *volatile plugin_sink[8];

__attribute__((noinline)) void plugin_leak(void)
{
	for (int i = 0; i < 5; i++)
		plugin_sink[i] = malloc(3333); /* @SYM_PLUGIN */
}
