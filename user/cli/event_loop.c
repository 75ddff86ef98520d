// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The live commands' event loop (see event_loop.h). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "cli/cli_bpf.h"
#include "cli/event_loop.h"

int event_loop__init(struct event_loop *l, bool usr1)
{
	sigset_t mask;

	memset(l, 0, sizeof(*l));
	l->pidfd = -1;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (usr1)
		sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	l->sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	return l->sigfd < 0 ? -errno : 0;
}

int event_loop__watch(struct event_loop *l, pid_t pid)
{
	event_loop__unwatch(l);
	l->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	return l->pidfd < 0 ? -errno : 0;
}

void event_loop__unwatch(struct event_loop *l)
{
	if (l->pidfd >= 0)
		close(l->pidfd);
	l->pidfd = -1;
}

int event_loop__add_fd(struct event_loop *l, int fd)
{
	if (fd < 0 || l->fd_cnt == EVENT_LOOP_MAX_FDS)
		return 0;
	l->fds[l->fd_cnt] = fd;
	return EV_FD0 << l->fd_cnt++;
}

int event_loop__wait(struct event_loop *l, int timeout_ms)
{
	struct pollfd pfd[2 + EVENT_LOOP_MAX_FDS] = {
		{ .fd = l->sigfd, .events = POLLIN },
		{ .fd = l->pidfd, .events = POLLIN },
	};
	struct signalfd_siginfo si;
	int ev = 0;

	for (int i = 0; i < l->fd_cnt; i++)
		pfd[2 + i] = (struct pollfd){ .fd = l->fds[i], .events = POLLIN };
	if (poll(pfd, 2 + l->fd_cnt, timeout_ms) <= 0)
		return 0;
	if ((pfd[0].revents & POLLIN) && read(l->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGUSR1) {
			ev |= EV_USR1;
		} else {
			ev |= EV_STOP;
			l->stopped = true;
			if (l->child)
				kill(l->child, (int)si.ssi_signo); /* our child: pass it on */
		}
	}
	if (pfd[1].revents)
		ev |= EV_EXITED;
	for (int i = 0; i < l->fd_cnt; i++)
		if (pfd[2 + i].revents & POLLIN)
			ev |= EV_FD0 << i;
	return ev;
}

int event_loop__ms_until(double at_s)
{
	double now = cli_bpf__now_s();

	return at_s > now ? (int)((at_s - now) * 1000) + 1 : 0;
}

void event_loop__close(struct event_loop *l)
{
	event_loop__unwatch(l);
	if (l->sigfd >= 0)
		close(l->sigfd);
	l->sigfd = -1;
}
