// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The agent's read-only HTTP endpoint (see http.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "session/http.h"

#define HEADER_MAX 8192
#define READ_MS 2000

int http__parse_listen(const char *spec, char *host, size_t host_len, uint16_t *port)
{
	const char *colon = strrchr(spec, ':');
	const char *h = spec;
	size_t hl;
	char *end;
	unsigned long p;

	if (!colon)
		return -EINVAL;
	hl = (size_t)(colon - spec);
	if (hl >= 2 && spec[0] == '[' && spec[hl - 1] == ']') {
		h = spec + 1;
		hl -= 2;
	}
	if (hl >= host_len)
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	p = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || p == 0 || p > 65535)
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}

bool http__is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (!strcmp(host, "localhost"))
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}

int http__listen(const char *host, uint16_t port)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res, *ai;
	char sport[8];
	int fd = -EADDRNOTAVAIL, one = 1;

	snprintf(sport, sizeof(sport), "%u", port);
	if (getaddrinfo(*host ? host : NULL, sport, &hints, &res))
		return -EADDRNOTAVAIL;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			fd = -errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (!bind(fd, ai->ai_addr, ai->ai_addrlen) && !listen(fd, 16))
			break;
		close(fd);
		fd = -errno;
	}
	freeaddrinfo(res);
	return fd;
}

static const char *status_text(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 414:
		return "URI Too Long";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Error";
	}
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pfd = { .fd = fd, .events = POLLOUT };

				/* a client that does not read gets READ_MS, not more */
				if (poll(&pfd, 1, READ_MS) <= 0)
					return -ETIMEDOUT;
				continue;
			}
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int http__reply(const struct http_request *req, int status, const char *type, const void *body,
		size_t len, const char *extra_headers)
{
	char head[512];
	int n, err;

	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		     "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n%s"
		     "Connection: close\r\n\r\n",
		     status, status_text(status), type, len, extra_headers ? extra_headers : "");
	err = n < 0 || (size_t)n >= sizeof(head) ? -EINVAL : write_all(req->fd, head, (size_t)n);
	if (!err && !req->head && len)
		err = write_all(req->fd, body, len);
	close(req->fd);
	return err;
}

static int reply_error(struct http_request *req, int status, const char *text)
{
	http__reply(req, status, "text/plain; charset=utf-8", text, strlen(text), NULL);
	return -EINVAL;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The request head, up to its blank line, within READ_MS and HEADER_MAX */
static int read_head(int fd, char *buf, size_t cap, size_t *len)
{
	double deadline = now_ms() + READ_MS;

	*len = 0;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		double left = deadline - now_ms();
		ssize_t n;

		buf[*len] = '\0';
		if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
			return 0;
		if (*len + 1 >= cap)
			return -E2BIG;
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return -ETIMEDOUT;
		n = recv(fd, buf + *len, cap - 1 - *len, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ECONNRESET;
		*len += (size_t)n;
	}
}

int http__accept(int lfd, struct http_request *req)
{
	char buf[HEADER_MAX], method[16], target[1024], version[16];
	size_t len;
	char *q;
	int fd, err;

	memset(req, 0, sizeof(*req));
	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
	req->fd = fd;
	err = read_head(fd, buf, sizeof(buf), &len);
	if (err == -E2BIG)
		return reply_error(req, 400, "request header too large\n");
	if (err) {
		close(fd);
		return -EINVAL;
	}
	if (sscanf(buf, "%15s %1023s %15s", method, target, version) != 3 ||
	    strncmp(version, "HTTP/1.", 7))
		return reply_error(req, 400, "bad request line\n");
	req->head = !strcmp(method, "HEAD");
	if (strcmp(method, "GET") && !req->head)
		return reply_error(req, 405, "read-only: GET and HEAD only\n");
	q = strchr(target, '?');
	if (q)
		*q++ = '\0';
	if (strlen(target) >= sizeof(req->path) || (q && strlen(q) >= sizeof(req->query)))
		return reply_error(req, 414, "URI too long\n");
	snprintf(req->path, sizeof(req->path), "%s", target);
	snprintf(req->query, sizeof(req->query), "%s", q ? q : "");
	return 0;
}

bool http__query_get(const char *query, const char *key, char *buf, size_t len)
{
	size_t kl = strlen(key);
	const char *p = query;

	while (p && *p) {
		const char *amp = strchr(p, '&');
		size_t part = amp ? (size_t)(amp - p) : strlen(p);

		if (part > kl && !strncmp(p, key, kl) && p[kl] == '=') {
			size_t vl = part - kl - 1;

			if (vl >= len)
				return false;
			for (size_t i = 0; i < vl; i++) {
				char c = p[kl + 1 + i];

				if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
					return false;
			}
			memcpy(buf, p + kl + 1, vl);
			buf[vl] = '\0';
			return true;
		}
		p = amp ? amp + 1 : NULL;
	}
	return false;
}
