// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A process with no allocator at all: static, no libc. Writes READY, sleeps ~10 s, exits.
 * perfan-bpf must refuse it with one clear line. Built with -nostdlib -static. */
static long sys(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

__attribute__((force_align_arg_pointer)) void _start(void)
{
	struct {
		long sec, nsec;
	} ts = { 10, 0 };

	sys(1, 1, (long)"READY\n", 6); /* write */
	sys(35, (long)&ts, 0, 0);      /* nanosleep */
	sys(60, 0, 0, 0);	       /* exit */
	for (;;)
		;
}
