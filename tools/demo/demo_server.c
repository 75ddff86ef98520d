// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The bundled demo: a pretend request server that runs for -t SEC seconds (default 60),
 * handling a request every millisecond. Per request it allocates and frees a parse buffer,
 * keeps a session it never frees (the leak), appends an audit line it never trims (a smaller
 * leak), and refreshes a bounded cache of 64 entries (freed on eviction: not a leak). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))
#define CACHE_SLOTS 64

struct session {
	unsigned long id;
	char user[120];
	struct session *next;
};

static struct session *sessions;
static char **audit;
static size_t audit_len, audit_cap;
static void *cache[CACHE_SLOTS];

NOINLINE static struct session *open_session(unsigned long id)
{
	struct session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->id = id;
	snprintf(s->user, sizeof(s->user), "user-%lu", id % 1000);
	s->next = sessions; /* never closed: the leak */
	sessions = s;
	return s;
}

NOINLINE static void audit_log(unsigned long id)
{
	char line[64];

	if (audit_len == audit_cap) {
		size_t cap = audit_cap ? audit_cap * 2 : 256;
		char **n = realloc(audit, cap * sizeof(*n));

		if (!n)
			return;
		audit = n;
		audit_cap = cap;
	}
	snprintf(line, sizeof(line), "request %lu served", id);
	audit[audit_len++] = strdup(line);
}

NOINLINE static void cache_put(unsigned long id)
{
	size_t slot = id % CACHE_SLOTS;

	free(cache[slot]); /* bounded: the old entry goes */
	cache[slot] = malloc(256);
}

NOINLINE static int parse_request(unsigned long id)
{
	char *buf = malloc(4096);
	int ok;

	if (!buf)
		return -1;
	snprintf(buf, 4096, "GET /item/%lu HTTP/1.1", id);
	ok = strlen(buf) > 0;
	free(buf);
	return ok;
}

NOINLINE static void handle_request(unsigned long id)
{
	if (parse_request(id) <= 0)
		return;
	open_session(id);
	audit_log(id);
	cache_put(id);
}

int main(int argc, char **argv)
{
	int seconds = 60;
	time_t end;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-t") && i + 1 < argc)
			seconds = atoi(argv[++i]);
	printf("demo_server: pid %d serving for %d s\n", getpid(), seconds);
	fflush(stdout);
	end = time(NULL) + seconds;
	for (unsigned long id = 0; time(NULL) < end; id++) {
		struct timespec ms = { 0, 1000000 };

		handle_request(id);
		nanosleep(&ms, NULL);
	}
	return 0;
}
