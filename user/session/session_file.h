/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Session files (docs/session-format.md): JSON lines, a header then records appended and
 * flushed as each snapshot is taken, never rewritten, so a killed session keeps every snapshot
 * it had; gzip-compressed (zlib) when the name ends in ".gz". Written in schema 2 (strings,
 * modules, frames and stacks defined once; snapshots as the rows that changed); files of
 * schema 1 are still read. The reader rejects corrupt, foreign or newer files with a one-line
 * reason, and never crashes on any input. */
#ifndef PERFAN_SESSION_FILE_H
#define PERFAN_SESSION_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/errtext.h"
#include "session/session.h"

struct session_writer;

/* Creates path as a new 0600 file (safe_file.h: -EEXIST when the name is taken, unless force)
 * and writes the header from s (pid, command, allocator, start time). 0 or -errno. */
int session_writer__open(const char *path, bool force, const struct session *s,
			 struct session_writer **out);
/* Appends the definitions of what the snapshot's stacks bring that is new (strings, modules,
 * frames, stacks; frames looked up in s->stacks), then the snapshot as the rows that changed
 * since the last append, and flushes them to the kernel. 0 or -errno; after a failure the file
 * ends there (perhaps with a record cut short, which readers ignore) and every later append
 * returns the same error. */
int session_writer__append(struct session_writer *w, const struct session *s,
			   const struct snapshot *snap);
/* Bytes written so far, before compression; 0 for NULL */
uint64_t session_writer__bytes(const struct session_writer *w);
/* Flushes and closes; 0 or -errno. NULL is fine. */
int session_writer__close(struct session_writer *w);

struct session_read_info {
	struct errtext error; /* set when the read fails: one line, what is wrong and where */
	bool truncated_tail;  /* the last record was cut mid-write and was ignored */
	size_t records;	      /* records read */
};

/* Reads a whole session file into out (initialized here; free with session__free, also
 * after a failure). 0, or -EINVAL (not a session / corrupt / newer schema: info->error says
 * which) or -errno from opening/reading. */
int session_file__read(const char *path, struct session *out, struct session_read_info *info);
/* The same, keeping the rows of a leak session's snapshots keep says (and the last one's) only:
 * the others' are dropped as the file is read, their totals kept */
int session_file__read_keeping(const char *path, struct session *out,
			       struct session_read_info *info,
			       const struct session_rows_keep *keep);

#endif
