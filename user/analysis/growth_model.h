/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The growth gear's process table: what /proc says of each process over time (RSS and
 * anonymous memory now and when first seen) joined with what the kernel side saw (bytes first
 * touched, heap asked for, fork/exec/exit). Turns them into the rows of a growth snapshot,
 * fastest growing first. Plain data: /proc and BPF are read by the caller. */
#ifndef PERFAN_GROWTH_MODEL_H
#define PERFAN_GROWTH_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "session/session.h"

struct growth_entry {
	struct proc_row row;
	double first_s;	     /* when the session first saw it */
	double last_s;	     /* when /proc last showed it */
	uint64_t rss_first;  /* VmRSS then */
	uint64_t anon_first; /* RssAnon then */
	bool from_proc;	     /* /proc showed it at least once */
	bool in_scan;	     /* /proc showed it in the current scan */
	bool seen_exited;    /* the caller's: a scan saw it exited */
	bool forgotten;	     /* the caller's: its kernel-side state was dropped */
};

struct growth_table {
	struct growth_entry *e; /* sorted by pid */
	size_t cnt, cap;
	double now_s; /* the time of the current scan */
};

/* Start a scan of /proc at now_s: processes not observed before growth_table__end_scan are
 * taken to have exited */
void growth_table__begin_scan(struct growth_table *t, double now_s);
/* A process /proc shows now; comm is sanitized here. 0 or -ENOMEM. */
int growth_table__observe(struct growth_table *t, uint32_t pid, const char *comm, uint64_t rss,
			  uint64_t anon);
/* Mark the processes the scan did not show as exited (their figures stay as last seen) */
void growth_table__end_scan(struct growth_table *t);
/* What the kernel side saw of a process (held, touched, heap, ppid, execs, forks, exited): a process
 * /proc never showed (it lived between two scans) is added with it. comm is sanitized here.
 * 0 or -ENOMEM. */
int growth_table__kernel(struct growth_table *t, uint32_t pid, uint32_t ppid, const char *comm,
			 uint64_t held, uint64_t touched, uint64_t heap, uint32_t execs,
			 uint32_t forks, bool exited);
/* The entry of pid, or NULL */
struct growth_entry *growth_table__get(struct growth_table *t, uint32_t pid);
/* The rows of every process (a new array in *rows, to free), fastest growing first (by
 * growth_bytes, then touched bytes, then pid). 0 or -ENOMEM. */
int growth_table__rows(const struct growth_table *t, struct proc_row **rows, size_t *cnt);
/* Forget processes that exited before `before_s` (their rows were stored) */
void growth_table__prune(struct growth_table *t, double before_s);
void growth_table__free(struct growth_table *t);

/* qsort order of rows: fastest growing first */
int proc_row__cmp_growth(const void *a, const void *b);

#endif
