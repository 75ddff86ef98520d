// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Parallel detach of probe links (see links.h). */
#include <bpf/libbpf.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>
#include "probe/links.h"

/* threads at most: the waits are the kernel's, not CPU work */
#define DETACH_THREADS 16

struct slice {
	struct bpf_link **links; /* or */
	int *fds;
	size_t first, n, step;
};

static void *destroy_slice(void *arg)
{
	struct slice *s = arg;

	for (size_t i = s->first; i < s->n; i += s->step) {
		if (s->links) {
			bpf_link__destroy(s->links[i]);
			s->links[i] = NULL;
		} else if (s->fds[i] >= 0) {
			close(s->fds[i]);
			s->fds[i] = -1;
		}
	}
	return NULL;
}

static void destroy_all(struct bpf_link **links, int *fds, size_t n)
{
	pthread_t th[DETACH_THREADS];
	struct slice sl[DETACH_THREADS];
	size_t k = n < DETACH_THREADS ? n : DETACH_THREADS, started = 0;

	for (size_t t = 0; t < k; t++) {
		sl[t] = (struct slice){ .links = links, .fds = fds, .first = t, .n = n, .step = k };
		/* the first slice is ours; a thread that cannot start leaves its slice to us */
		if (t && !pthread_create(&th[t], NULL, destroy_slice, &sl[t]))
			started |= (size_t)1 << t;
	}
	for (size_t t = 0; t < k; t++)
		if (!(started & ((size_t)1 << t)))
			destroy_slice(&sl[t]);
	for (size_t t = 1; t < k; t++)
		if (started & ((size_t)1 << t))
			pthread_join(th[t], NULL);
}

void links__destroy_all(struct bpf_link **links, size_t n)
{
	if (links)
		destroy_all(links, NULL, n);
}

void links__close_all(int *fds, size_t n)
{
	if (fds)
		destroy_all(NULL, fds, n);
}

struct reap_batch {
	struct reap_batch *next;
	struct bpf_link **links;
	size_t n;
	int *fds;
	size_t fd_n;
	pthread_t th;
	bool started;
};

static void *reap_batch(void *arg)
{
	struct reap_batch *b = arg;

	links__destroy_all(b->links, b->n);
	links__close_all(b->fds, b->fd_n);
	return NULL;
}

void links__reap(struct links_reaper *r, struct bpf_link **links, size_t n, int *fds, size_t fd_n)
{
	struct reap_batch *b = calloc(1, sizeof(*b));

	if (!b) {
		links__destroy_all(links, n);
		links__close_all(fds, fd_n);
		free(links);
		free(fds);
		return;
	}
	b->links = links;
	b->n = n;
	b->fds = fds;
	b->fd_n = fd_n;
	b->started = !pthread_create(&b->th, NULL, reap_batch, b);
	if (!b->started)
		reap_batch(b);
	b->next = r->batches;
	r->batches = b;
}

void links__reap_wait(struct links_reaper *r)
{
	while (r->batches) {
		struct reap_batch *b = r->batches;

		r->batches = b->next;
		if (b->started)
			pthread_join(b->th, NULL);
		free(b->links);
		free(b->fds);
		free(b);
	}
}
