// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The control socket of a leak session, both ends (see control.h). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include "lib/sanitize.h"
#include "session/control.h"

static const char *runtime_dir(void)
{
	const char *d = getenv("PERFAN_RUNTIME_DIR");

	return d && *d ? d : "/run/perfan-bpf";
}

int control__path(int pid, char *buf, size_t len)
{
	int n = pid == CONTROL_AGENT ? snprintf(buf, len, "%s/agent.sock", runtime_dir())
		: pid		     ? snprintf(buf, len, "%s/%d.sock", runtime_dir(), pid)
				     : snprintf(buf, len, "%s/all.sock", runtime_dir());

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int make_addr(int pid, struct sockaddr_un *addr)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	return control__path(pid, addr->sun_path, sizeof(addr->sun_path));
}

/* The runtime directory exists, is a directory, belongs to us and is closed to others */
static int runtime_dir_ready(void)
{
	const char *dir = runtime_dir();
	struct stat st;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	if (lstat(dir, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077))
		return -EPERM;
	return 0;
}

/* A connect to a socket nobody listens on any more fails with ECONNREFUSED (left in errno) */
static bool socket_alive(const struct sockaddr_un *addr)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), saved;
	bool alive;

	if (fd < 0)
		return false;
	alive = !connect(fd, (const struct sockaddr *)addr, sizeof(*addr));
	saved = errno;
	close(fd);
	errno = saved;
	return alive;
}

int control__listen(int pid)
{
	struct sockaddr_un addr;
	int fd, err;

	err = make_addr(pid, &addr) ?: runtime_dir_ready();
	if (err)
		return err;
	if (!access(addr.sun_path, F_OK)) {
		if (socket_alive(&addr))
			return -EADDRINUSE;
		unlink(addr.sun_path); /* left by a session that was killed */
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || listen(fd, 8)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

void control__close(int fd, int pid)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];

	if (fd < 0)
		return;
	if (!control__path(pid, path, sizeof(path)))
		unlink(path);
	close(fd);
}

const char *control__bad_label(const char *label)
{
	size_t n = strlen(label);

	if (!n)
		return "a label cannot be empty";
	if (n > CONTROL_LABEL_MAX)
		return "a label is at most 200 bytes";
	if (!sanitize__is_clean(label))
		return "a label must be UTF-8 text without control characters or newlines";
	return NULL;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One line (newline stripped) within the socket's receive timeout; 0 or -errno */
static int read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;

	while (n + 1 < len) {
		ssize_t r = recv(fd, buf + n, 1, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r ? -errno : -EPIPE;
		if (buf[n] == '\n') {
			buf[n] = '\0';
			return 0;
		}
		n++;
	}
	return -EMSGSIZE;
}

void control__reply(int fd, int err, unsigned seq, const char *text)
{
	char line[512];

	if (!err)
		snprintf(line, sizeof(line), "ok %u\n", seq);
	else
		snprintf(line, sizeof(line), "error %s\n", text ? text : strerror(-err));
	write_all(fd, line, strlen(line));
	close(fd);
}

int control__accept(int lfd, char *label, size_t len)
{
	return control__accept_req(lfd, "mark", label, len);
}

int control__accept_req(int lfd, const char *verb, char *label, size_t len)
{
	size_t vl = strlen(verb);
	struct timeval tv = { .tv_sec = 2 }; /* a client that sends nothing cannot hold us up */
	char line[CONTROL_LABEL_MAX + 16];
	const char *bad;
	int fd, err;

	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	err = read_line(fd, line, sizeof(line));
	if (err) {
		control__reply(fd, -EINVAL, 0, "no request line");
		return -EINVAL;
	}
	if (strncmp(line, verb, vl) || line[vl] != ' ') {
		control__reply(fd, -EINVAL, 0, "unknown request");
		return -EINVAL;
	}
	bad = control__bad_label(line + vl + 1);
	if (bad) {
		control__reply(fd, -EINVAL, 0, bad);
		return -EINVAL;
	}
	snprintf(label, len, "%s", line + vl + 1);
	return fd;
}

/* With no pid: the one session running, if exactly one. A socket nobody listens on is left
 * by a session that was killed: it is removed, not counted. */
static int only_session(int *pid, char *reply, size_t len)
{
	DIR *d;
	struct dirent *e;
	struct sockaddr_un addr;
	int found = 0, first = 0;
	size_t used = 0;

	/* only a directory that is ours and closed to others is read, and cleaned */
	if (runtime_dir_ready() || !(d = opendir(runtime_dir())))
		return -ENOENT;
	reply[0] = '\0';
	while ((e = readdir(d))) {
		char *end;
		long p;

		if (!strcmp(e->d_name, "all.sock"))
			p = 0;
		else if ((p = strtol(e->d_name, &end, 10)) <= 0 || p > INT_MAX ||
			 strcmp(end, ".sock"))
			continue;
		if (make_addr((int)p, &addr))
			continue;
		if (!socket_alive(&addr)) {
			if (errno == ECONNREFUSED)
				unlink(addr.sun_path);
			continue;
		}
		if (!found++)
			first = (int)p;
		if (used < len) {
			int n = snprintf(reply + used, len - used, "%s%s", used ? ", " : "",
					 p ? e->d_name : "all");

			used += n > 0 ? (size_t)n : 0;
		}
	}
	closedir(d);
	if (!found)
		return -ENOENT;
	if (found > 1)
		return -EEXIST;
	*pid = first;
	return 0;
}

int control__mark(int pid, const char *label, int timeout_ms, char *reply, size_t len)
{
	return control__request(pid, "mark", label, timeout_ms, reply, len);
}

int control__request(int pid, const char *verb, const char *label, int timeout_ms, char *reply,
		     size_t len)
{
	struct sockaddr_un addr;
	struct pollfd pfd;
	char line[CONTROL_LABEL_MAX + 16];
	int fd, err;

	reply[0] = '\0';
	if ((pid < 0 && pid != CONTROL_AGENT) || (!pid && (err = only_session(&pid, reply, len))))
		return pid < 0 && pid != CONTROL_AGENT ? -EINVAL : err;
	err = make_addr(pid, &addr);
	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		err = errno == ECONNREFUSED || errno == ENOENT ? -ENOENT : -errno;
		close(fd);
		return err;
	}
	snprintf(line, sizeof(line), "%s %s\n", verb, label);
	err = write_all(fd, line, strlen(line));
	if (!err) {
		pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
		err = poll(&pfd, 1, timeout_ms);
		err = err > 0 ? read_line(fd, reply, len) : err ? -errno : -ETIMEDOUT;
	}
	close(fd);
	if (err)
		return err;
	if (!strncmp(reply, "ok ", 3))
		return 0;
	if (!strncmp(reply, "error ", 6))
		memmove(reply, reply + 6, strlen(reply + 6) + 1);
	return -EPROTO;
}
