// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Exact tracing of a growing process for a bounded window (see escalation_run.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cli/escalation_run.h"
#include "lib/array.h"
#include "lib/sanitize.h"

/* the exact gear's report of a busy process can be large, but not without end */
#define MAX_REPORT (256u << 20)

int esc_run__start(struct esc_run *r, uint32_t pid, double window_s)
{
	char spid[16], sdur[32];
	int out[2], err[2];
	pid_t child;

	memset(r, 0, sizeof(*r));
	r->e.pid = pid;
	r->e.window_s = window_s;
	snprintf(spid, sizeof(spid), "%u", pid);
	snprintf(sdur, sizeof(sdur), "%g", window_s);
	snprintf(r->e.command, sizeof(r->e.command),
		 "perfan-bpf leak --pid %u --duration %s --format json --no-output --top 0", pid,
		 sdur);
	if (pipe2(out, O_CLOEXEC))
		return -errno;
	if (pipe2(err, O_CLOEXEC)) {
		close(out[0]);
		close(out[1]);
		return -errno;
	}
	child = fork();
	if (child < 0) {
		int e = -errno;

		close(out[0]);
		close(out[1]);
		close(err[0]);
		close(err[1]);
		return e;
	}
	if (!child) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		execl("/proc/self/exe", "perfan-bpf", "leak", "--pid", spid, "--duration", sdur,
		      "--format", "json", "--no-output", "--top", "0", (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(err[0], F_SETFL, O_NONBLOCK);
	r->child = child;
	r->out_fd = out[0];
	r->err_fd = err[0];
	return 0;
}

static void drain(struct esc_run *r)
{
	char buf[65536];
	ssize_t n;

	while (r->out_fd >= 0 && (n = read(r->out_fd, buf, sizeof(buf))) > 0) {
		if (r->out_len + (size_t)n + 1 > MAX_REPORT)
			continue; /* counted as a bad report below */
		if (ARRAY_GROW(r->out, r->out_cap, r->out_len + (size_t)n + 1, 65536))
			continue;
		memcpy(r->out + r->out_len, buf, (size_t)n);
		r->out_len += (size_t)n;
		r->out[r->out_len] = '\0';
	}
	while (r->err_fd >= 0 && (n = read(r->err_fd, buf, sizeof(buf) - 1)) > 0) {
		/* keep the end: the error line comes last */
		size_t keep = (size_t)n < sizeof(r->err) - 1 ? (size_t)n : sizeof(r->err) - 1;

		memcpy(r->err, buf + n - keep, keep);
		r->err[keep] = '\0';
		r->err_len = keep;
	}
}

/* The last non-empty line of what it wrote on stderr */
static void last_line(const char *text, char *out, size_t len)
{
	char copy[512];
	char *line = NULL, *save = NULL, *tok;

	snprintf(copy, sizeof(copy), "%s", text);
	for (tok = strtok_r(copy, "\n\r", &save); tok; tok = strtok_r(NULL, "\n\r", &save))
		line = tok;
	snprintf(out, len, "%s", line ? line : "no message");
	sanitize__str(out);
}

/* The exact gear prints its report before it detaches its probes, which can take seconds
 * (each uprobe waits for an RCU grace period): a whole report is the end of the window */
static bool try_report(struct esc_run *r)
{
	struct errtext why;
	size_t n = r->out_len;

	while (n && (r->out[n - 1] == '\n' || r->out[n - 1] == ' '))
		n--;
	if (r->done || !n || r->out[n - 1] != '}')
		return r->done;
	escalation__free(&r->e);
	if (escalation__parse(&r->e, r->out, &why))
		return false; /* not whole yet */
	r->e.ok = true;
	r->done = true;
	return true;
}

static void complete(struct esc_run *r, int status)
{
	struct errtext why;

	drain(r);
	r->child = 0;
	if (try_report(r))
		return;
	r->done = true;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		last_line(r->err, r->e.error, sizeof(r->e.error));
		return;
	}
	if (escalation__parse(&r->e, r->out ? r->out : "", &why)) {
		snprintf(r->e.error, sizeof(r->e.error), "%s", why.msg);
		return;
	}
	r->e.ok = true;
}

void esc_run__poll(struct esc_run *r)
{
	int status;

	if (!r->child)
		return;
	drain(r);
	if (waitpid(r->child, &status, WNOHANG) == r->child)
		complete(r, status);
	else
		try_report(r);
}

void esc_run__finish(struct esc_run *r)
{
	struct pollfd p[2];
	int status;

	esc_run__poll(r);
	if (!r->child || r->done)
		return;
	kill(r->child, SIGINT);
	/* its report comes once its probes are read: wait for it, but never for ever */
	for (int waited_ms = 0; waited_ms < 15000; waited_ms += 50) {
		if (waitpid(r->child, &status, WNOHANG) == r->child) {
			complete(r, status);
			return;
		}
		p[0] = (struct pollfd){ .fd = r->out_fd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = r->err_fd, .events = POLLIN };
		poll(p, 2, 50);
		drain(r);
		if (try_report(r))
			return;
	}
	kill(r->child, SIGKILL);
	waitpid(r->child, &status, 0);
	r->child = 0;
	r->done = true;
	snprintf(r->e.error, sizeof(r->e.error), "it did not finish in 15 s");
}

void esc_run__free(struct esc_run *r)
{
	if (r->child) {
		int status;

		/* it may still be detaching its probes: the kernel finishes that when it dies */
		if (waitpid(r->child, &status, WNOHANG) != r->child)
			kill(r->child, SIGKILL);
	}
	if (r->out_fd > 0)
		close(r->out_fd);
	if (r->err_fd > 0)
		close(r->err_fd);
	free(r->out);
	escalation__free(&r->e);
	memset(r, 0, sizeof(*r));
}
