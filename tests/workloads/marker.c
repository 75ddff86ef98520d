// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Integration workload for tests/integration/security.sh: a traced program that abuses its
 * PERFAN_MARK (include/perfan.h), the one way a target makes perfan-bpf act.
 *
 * marker evil      READY, wait for SIGUSR1, then four marks in a row:
 *                    "\033[2J\033[31mFAKE\nline\a"  terminal escapes, a newline, a bell
 *                    "bad\xff\xfeutf8"               invalid UTF-8
 *                    "c1\xc2\x9bx"                   U+009B, the C1 control CSI
 *                    "caf\xc3\xa9"                   valid UTF-8 ("café")
 *                  then "MARKED", wait for SIGUSR1, exit
 * marker flood N   READY, wait for SIGUSR1, then N marks "m0" .. "m<N-1>" as fast as it can,
 *                  then "DONE N", wait for SIGUSR1, exit
 * No stdio and no malloc: labels are built in a static buffer, lines written with write(2). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "perfan.h"

#define NOINLINE __attribute__((noinline))

static volatile sig_atomic_t go;
static char label[32];

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

static void put(const char *s)
{
	if (write(1, s, strlen(s)) < 0)
		_exit(3);
}

static void wait_usr1(void)
{
	sigset_t none;

	sigemptyset(&none);
	while (!go)
		sigsuspend(&none);
	go = 0;
}

/* buf <- prefix followed by v in decimal; returns buf */
static char *numbered(char *buf, const char *prefix, unsigned long v)
{
	char digits[24];
	size_t n = 0, p = strlen(prefix);

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	memcpy(buf, prefix, p);
	while (n)
		buf[p++] = digits[--n];
	buf[p] = '\0';
	return buf;
}

static NOINLINE void mark(const char *l)
{
	PERFAN_MARK(l);
}

int main(int argc, char **argv)
{
	static const char *const evil[] = {
		"\033[2J\033[31mFAKE\nline\a",
		"bad\xff\xfeutf8",
		"c1\xc2\x9bx",
		"caf\xc3\xa9",
	};
	struct sigaction sa;
	sigset_t block;
	char line[64];

	if (argc < 2 || (strcmp(argv[1], "evil") && (strcmp(argv[1], "flood") || argc < 3))) {
		put("usage: marker evil | marker flood N\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	/* SIGUSR1 only arrives inside sigsuspend: no race between the check and the wait */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	put("READY\n");
	wait_usr1();
	if (!strcmp(argv[1], "evil")) {
		for (size_t i = 0; i < sizeof(evil) / sizeof(evil[0]); i++)
			mark(evil[i]);
		put("MARKED\n");
	} else {
		unsigned long n = strtoul(argv[2], NULL, 10);

		for (unsigned long i = 0; i < n; i++)
			mark(numbered(label, "m", i));
		put(numbered(line, "DONE ", n));
		put("\n");
	}
	wait_usr1();
	return 0;
}
