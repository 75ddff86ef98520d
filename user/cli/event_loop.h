/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The one event loop of the live commands (leak, time): Ctrl-C, SIGTERM and (when asked)
 * SIGUSR1 arrive through a signalfd, never interrupting a write; the target's exit through
 * its pidfd; a command's own descriptors (a control socket, a ring buffer) beside them; and
 * a timeout for ticks and deadlines. A launched child gets the stop signals passed on. */
#ifndef PERFAN_CLI_EVENT_LOOP_H
#define PERFAN_CLI_EVENT_LOOP_H

#include <stdbool.h>
#include <sys/types.h>

#define EVENT_LOOP_MAX_FDS 4

/* What woke the loop (a mask) */
enum {
	EV_STOP = 1,   /* Ctrl-C or SIGTERM */
	EV_EXITED = 2, /* the watched process exited */
	EV_USR1 = 4,   /* SIGUSR1 */
	EV_FD0 = 8,    /* the first added descriptor is readable; EV_FD0 << i for the i-th */
};

struct event_loop {
	int sigfd;
	int pidfd;   /* -1: no process watched */
	pid_t child; /* a launched command: stop signals are passed on to it; 0: none */
	int fds[EVENT_LOOP_MAX_FDS];
	int fd_cnt;
	bool stopped; /* a stop signal has come */
};

/* Blocks SIGINT, SIGTERM (and SIGUSR1 with usr1) and reads them from a signalfd. 0 or -errno. */
int event_loop__init(struct event_loop *l, bool usr1);
/* Watch pid's exit (a pidfd); 0 or -errno. Replaces a process watched before. */
int event_loop__watch(struct event_loop *l, pid_t pid);
/* Stop watching (the descriptor is closed) */
void event_loop__unwatch(struct event_loop *l);
/* Wake for fd too; returns its event bit (EV_FD0 << i), or 0 when there is no room */
int event_loop__add_fd(struct event_loop *l, int fd);
/* Waits at most timeout_ms (0: just look) and returns the events that came, 0 on timeout */
int event_loop__wait(struct event_loop *l, int timeout_ms);
/* Milliseconds until the monotonic time `at_s`, at least 0, for event_loop__wait */
int event_loop__ms_until(double at_s);
/* Closes the descriptors. The signals stay blocked: the session ends by itself. */
void event_loop__close(struct event_loop *l);

#endif
