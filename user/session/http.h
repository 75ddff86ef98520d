/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The agent's HTTP endpoint: a small read-only HTTP/1.1 server (GET and HEAD only, one request
 * per connection, bounded header size and read time), enough for Prometheus scrapes and pprof
 * pulls. Non-blocking listener; each request is read and answered by the caller's loop. No
 * request can change anything: the server only hands the caller a method, a path and a query. */
#ifndef PERFAN_SESSION_HTTP_H
#define PERFAN_SESSION_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_PATH_MAX 256
#define HTTP_QUERY_MAX 256

struct http_request {
	int fd;	   /* the connection; answer it with http__reply */
	bool head; /* HEAD: headers only */
	char path[HTTP_PATH_MAX];
	char query[HTTP_QUERY_MAX]; /* after '?', "" when none; not decoded */
};

/* Parse "ADDR:PORT" ("127.0.0.1:9464", "[::1]:9464", ":9464" = every address) into its parts:
 * 0 or -EINVAL */
int http__parse_listen(const char *spec, char *host, size_t host_len, uint16_t *port);
/* Whether a host as given to http__listen reaches only this machine (127.0.0.0/8, ::1,
 * "localhost") */
bool http__is_loopback(const char *host);
/* Listen on host:port (non-blocking, close-on-exec, SO_REUSEADDR). The fd or -errno. */
int http__listen(const char *host, uint16_t port);

/* Accept one connection and read its request (at most 2 s, 8 KiB of headers). 0 with req
 * filled; -EAGAIN when nobody is waiting; -EINVAL after answering a bad or unsupported request
 * itself (400, 405, 414) and closing it; or -errno. */
int http__accept(int lfd, struct http_request *req);
/* Answer and close: status (200, 404, ...), a content type, the body (not sent for HEAD);
 * extra_headers ("Name: value\r\n"...) or NULL. 0 or -errno. */
int http__reply(const struct http_request *req, int status, const char *type, const void *body,
		size_t len, const char *extra_headers);
/* The value of key in a query string ("pid=12&seconds=5"), copied to buf; false when absent.
 * Only [A-Za-z0-9._-] values are taken (the agent's keys are numbers). */
bool http__query_get(const char *query, const char *key, char *buf, size_t len);

#endif
