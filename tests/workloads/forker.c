// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Fork workload (tests/integration/fork.sh): each process leaks a known amount from its own
 * function, so that a session following forks can be checked per process, exactly.
 *   parent:      one block of 500 B shared with its children (they inherit it), and
 *                one of 100 B it leaks after forking (leak_in_parent): 600 B in 2 live
 *   child i=1-3: waits a second (the session attaches its probes meanwhile), frees the
 *                inherited block (an unmatched free in the child: it never allocated it),
 *                and leaks i+1 blocks of 1000*i B (leak_in_child): 2000/2, 6000/3, 12000/4
 *   grandchild:  forked by child 3 before it waits; waits a second and leaks one block of
 *                4444 B (leak_in_grandchild)
 * The children leave with _exit (no atexit handler frees anything). The parent waits for its
 * children; child 3 for the grandchild. With the argument "wait" the parent sleeps a second
 * before it forks (a session attaching by --pid meanwhile); with "first", before it allocates
 * anything (a process forked by a traced one: its probes are attached meanwhile). */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile kept[16];

__attribute__((noinline)) static void leak_in_grandchild(void)
{
	kept[0] = malloc(4444); /* @FORK_GRANDCHILD */
}

__attribute__((noinline)) static void leak_in_child(int i)
{
	for (int k = 0; k <= i; k++)
		kept[k] = malloc(1000 * (size_t)i); /* @FORK_CHILD */
}

__attribute__((noinline)) static void leak_in_parent(void)
{
	kept[15] = malloc(100); /* @FORK_PARENT */
}

__attribute__((noinline)) static void *share(void)
{
	return malloc(500); /* @FORK_SHARED */
}

static void child(int i, void *shared)
{
	pid_t g = -1;

	if (i == 3 && (g = fork()) == 0) {
		sleep(1);
		leak_in_grandchild();
		_exit(0);
	}
	sleep(1);
	free(shared);
	leak_in_child(i);
	if (g > 0)
		waitpid(g, NULL, 0);
	_exit(0);
}

int main(int argc, char **argv)
{
	void *shared;
	pid_t kids[3];

	if (argc > 1 && !strcmp(argv[1], "first"))
		sleep(1);
	shared = share();
	if (argc > 1 && !strcmp(argv[1], "wait"))
		sleep(1);
	for (int i = 1; i <= 3; i++) {
		kids[i - 1] = fork();
		if (kids[i - 1] == 0)
			child(i, shared);
	}
	leak_in_parent();
	for (int i = 0; i < 3; i++)
		if (kids[i] > 0)
			waitpid(kids[i], NULL, 0);
	kept[14] = shared;
	return 0;
}
