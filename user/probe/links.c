// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Parallel detach of probe links (see links.h). */
#include <bpf/libbpf.h>
#include <pthread.h>
#include "probe/links.h"

/* threads at most: the waits are the kernel's, not CPU work */
#define DETACH_THREADS 16

struct slice {
	struct bpf_link **links;
	size_t first, n, step;
};

static void *destroy_slice(void *arg)
{
	struct slice *s = arg;

	for (size_t i = s->first; i < s->n; i += s->step) {
		bpf_link__destroy(s->links[i]);
		s->links[i] = NULL;
	}
	return NULL;
}

void links__destroy_all(struct bpf_link **links, size_t n)
{
	pthread_t th[DETACH_THREADS];
	struct slice sl[DETACH_THREADS];
	size_t k = n < DETACH_THREADS ? n : DETACH_THREADS, started = 0;

	if (!links)
		return;
	for (size_t t = 0; t < k; t++) {
		sl[t] = (struct slice){ .links = links, .first = t, .n = n, .step = k };
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
