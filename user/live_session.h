/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The live side of a session: turns the current sample of the kernel maps into a labelled
 * snapshot (with the process's RSS and anonymous memory from /proc/PID/status) and appends
 * it to the session file. Costs O(stacks): it reads the per-stack aggregates, never the live
 * allocations. Owns the session's table of symbolized stacks. */
#ifndef PERFAN_LIVE_SESSION_H
#define PERFAN_LIVE_SESSION_H

#include <stdint.h>
#include "leak_model.h"
#include "session.h"

struct live_session;

struct live_session_opts {
	const char *path;      /* session file; NULL: keep no file */
	uint32_t pid;	       /* 0 with --all */
	const char *command;   /* launch mode, else NULL */
	const char *allocator; /* the probed module */
	const char *proc_root; /* "/proc"; tests may point elsewhere */
};

/* 0 or -errno (the file could not be created: -errno of open) */
int live_session__open(const struct live_session_opts *opts, struct live_session **out);
/* The table of symbolized stacks; leak_model__symbolize_new fills it */
struct stacktab *live_session__stacks(struct live_session *ls);
/* Snapshot the sample under label; elapsed_s since attach. *seq gets the snapshot's number
 * (0, 1, ...). 0 or -errno (writing the file failed). */
int live_session__snapshot(struct live_session *ls, const struct leak_sample *sample,
			   const char *label, double elapsed_s, unsigned *seq);
/* Snapshots taken so far */
unsigned live_session__count(const struct live_session *ls);
/* Closes the file; 0 or -errno. NULL is fine. */
int live_session__close(struct live_session *ls);

/* VmRSS and RssAnon of pid in bytes from PROC_ROOT/PID/status; 0 or -errno */
int proc_status__mem(const char *proc_root, uint32_t pid, uint64_t *rss, uint64_t *anon);

#endif
