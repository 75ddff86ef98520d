/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The live side of a session: turns the current sample of the kernel maps into a labelled
 * snapshot (with the process's RSS and anonymous memory from /proc/PID/status) and appends
 * it to the session file. Costs O(stacks): it reads the per-stack aggregates, never the live
 * allocations. Owns the session's table of symbolized stacks. */
#ifndef PERFAN_LIVE_SESSION_H
#define PERFAN_LIVE_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/stack.h"
#include "session/session.h"

struct live_session;

struct live_session_opts {
	const char *path;	 /* session file; NULL: keep no file */
	bool force;		 /* replace an existing path (else -EEXIST) */
	uint64_t max_file_bytes; /* stop writing snapshots past this size; 0: no limit */
	uint32_t pid;		 /* 0 with --all */
	const char *command;	 /* launch mode, else NULL */
	const char *allocator;	 /* the probed module */
	const char *proc_root;	 /* "/proc"; tests may point elsewhere */
	enum session_kind kind;	 /* what the rows count */
	uint32_t sample_pages;	 /* growth: 1 in N new pages walked (0: not said) */
};

/* 0 or -errno (the file could not be created: -errno of open, -EEXIST for a name taken) */
int live_session__open(const struct live_session_opts *opts, struct live_session **out);
/* The same with the session file in the current directory under the default name, the
 * first free of perfan-PID-YYYYMMDD-HHMMSS.session (perfan-all-... for every process), then
 * ...-1.session to ...-9.session: a name someone else took (a planted symlink, a file made in
 * advance) is skipped, never written through. opts->path is ignored; the name used goes to
 * path. 0 or -errno (-EEXIST: every name was taken). */
int live_session__open_default(struct live_session_opts *opts, char *path, size_t len,
			       struct live_session **out);
/* The table of symbolized stacks; leak_model__symbolize_new fills it */
struct stacktab *live_session__stacks(struct live_session *ls);
/* Snapshot the sample under label; elapsed_s since attach. *seq gets the snapshot's number
 * (0, 1, ...). 0, -EFBIG when the file has reached max_file_bytes (the snapshot is counted as
 * dropped, not written; a final one is written all the same, so the file keeps its end), or
 * -errno (writing the file failed). */
int live_session__snapshot(struct live_session *ls, const struct leak_sample *sample,
			   const char *label, double elapsed_s, bool final, unsigned *seq);
/* The processes the next snapshots carry (growth sessions), copied; 0 or -ENOMEM */
int live_session__set_procs(struct live_session *ls, const struct proc_row *procs, size_t cnt);
/* Snapshots taken (written) so far, and dropped by max_file_bytes */
unsigned live_session__count(const struct live_session *ls);
unsigned live_session__dropped(const struct live_session *ls);
/* Bytes of the session file so far, before compression */
uint64_t live_session__bytes(const struct live_session *ls);
/* Closes the file; 0 or -errno. NULL is fine. */
int live_session__close(struct live_session *ls);

/* VmRSS and RssAnon of pid in bytes from PROC_ROOT/PID/status; 0 or -errno */
int proc_status__mem(const char *proc_root, uint32_t pid, uint64_t *rss, uint64_t *anon);

#endif
