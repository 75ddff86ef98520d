/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Detaching many probes at once. Each uprobe's detach waits for the kernel's grace period
 * (~0.2 s on these VMs, measured with strace -T on close()), one after the other: 17 probes
 * took 4.5 s at the end of every `leak` run. Detached from several threads, the waits overlap. */
#ifndef PERFAN_PROBE_LINKS_H
#define PERFAN_PROBE_LINKS_H

#include <stddef.h>

struct bpf_link;

/* bpf_link__destroy each of links[0..n) (NULL entries skipped), several at a time; the array
 * entries are set to NULL. Returns when all are detached. */
void links__destroy_all(struct bpf_link **links, size_t n);

/* close each of fds[0..n) (-1 entries skipped), several at a time, as links__destroy_all;
 * the entries are set to -1 */
void links__close_all(int *fds, size_t n);

/* Detaching in the background: links whose process is gone are detached by a thread of their
 * own while the session goes on (a process's probes take ~1 s to detach here) */
struct links_reaper {
	struct reap_batch *batches; /* handed over, newest first */
};
/* Hand over links[0..n) and link descriptors fds[0..fd_n) (malloc'd arrays, either may be
 * NULL, owned from now on): detached by a thread started now, or here and now when none can
 * start. */
void links__reap(struct links_reaper *r, struct bpf_link **links, size_t n, int *fds, size_t fd_n);
/* Wait until every batch handed over is detached; frees them */
void links__reap_wait(struct links_reaper *r);

#endif
