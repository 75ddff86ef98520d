/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The session model: labelled snapshots of a traced process's per-stack counts, with the
 * symbolized frames of every stack seen. Built live by `leak`, or read back from a session
 * file (session_file.h) by the offline commands. Plain data: no BPF, no /proc. */
#ifndef PERFAN_SESSION_H
#define PERFAN_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/stack.h"
#include "lib/stacktab.h"

struct strmap;

#define SESSION_SCHEMA_VERSION 2

/* What a session's rows count: live allocations (the exact gear, `leak`) or growth (the
 * growth gear: live_bytes/objects = bytes/pages of new memory the stack first touched that the
 * process still has, "held"; alloc_bytes/objects = every page it first touched; freed_bytes/
 * objects = address space it asked the kernel for (brk, mmap, mprotect) and those calls) */
enum session_kind {
	SESSION_KIND_LEAK,
	SESSION_KIND_GROWTH,
};

/* One process of a growth snapshot */
#define PROC_ROW_COMM 16
struct proc_row {
	uint32_t pid;
	uint32_t ppid;		   /* 0: not seen forking */
	char comm[PROC_ROW_COMM];  /* sanitized */
	bool mem_known;		   /* rss/anon were read at least once (an exited process keeps
				      its last figures) */
	bool exited;		   /* it exited during the session */
	uint64_t rss_bytes;	   /* VmRSS now (or when last seen) */
	uint64_t anon_bytes;	   /* RssAnon */
	int64_t growth_bytes;	   /* VmRSS now - VmRSS when the session first saw it */
	int64_t anon_growth_bytes; /* the same for RssAnon */
	double window_s;	   /* since the session first saw it */
	uint64_t held_bytes;	   /* of the new pages it wrote to (first touch), those it has */
	uint64_t touched_bytes;	   /* new memory it wrote to (page faults), per the kernel side */
	uint64_t heap_bytes;	   /* address space it asked for (brk, mmap, mprotect) */
	uint32_t execs;
	uint32_t forks;
};

struct snapshot {
	char *label;
	uint32_t seq;	     /* 0, 1, 2... in the order taken */
	int64_t wall_ns;     /* CLOCK_REALTIME when taken */
	int64_t mono_ns;     /* CLOCK_MONOTONIC when taken */
	double elapsed_s;    /* since the session attached */
	uint32_t pid;	     /* 0 with --all */
	bool mem_known;	     /* rss/anon were read (false once the process is gone) */
	uint64_t rss_bytes;  /* VmRSS */
	uint64_t anon_bytes; /* RssAnon */
	uint64_t lost[REPORT_LOST__MAX];
	struct stack_counts totals; /* sum over rows */
	struct stack_row *rows;
	size_t row_cnt;
	struct proc_row *procs; /* growth sessions: every process seen, fastest growing first
				   (growth_table__rows; readers sort again: proc_row__cmp_growth) */
	size_t proc_cnt;
};

struct session {
	int schema_version;
	enum session_kind kind;
	uint32_t pid;	       /* 0 with --all */
	char *command;	       /* launch mode: the command line; NULL otherwise */
	char *allocator;       /* the module whose allocator was probed */
	uint32_t sample_pages; /* growth: 1 in N new pages had its stack walked; 0: not said */
	int64_t start_wall_ns;
	struct stacktab *stacks; /* frames of every stack, keyed (pid, stack id) */
	struct snapshot *snaps;
	size_t snap_cnt;
	size_t snap_cap;
	/* strings the frames point to when read from a file (owned here) */
	char **strings;
	size_t string_cnt;
	size_t string_cap;
	struct strmap *string_ids; /* string -> index in strings: each is stored once */
	/* while a file is read: whose rows a leak session keeps (session_file__read_keeping) */
	struct session_rows_keep {
		bool on;	       /* false: every snapshot's */
		bool first;	       /* the first snapshot's */
		const char *labels[2]; /* those labelled so (NULL: none) */
	} keep_rows;		       /* and the newest's, always */
};

/* An empty session (stack table allocated); 0 or -ENOMEM */
int session__init(struct session *s);
void session__free(struct session *s);

/* "leak" or "growth" */
const char *session_kind__name(enum session_kind kind);

/* Appends a copy of snap (label, rows and processes copied; seq is set to its index; totals are
 * recomputed from the rows). Returns the stored snapshot, or NULL on -ENOMEM. */
struct snapshot *session__add_snapshot(struct session *s, const struct snapshot *snap);
/* Free a snapshot's rows (its totals and the rest stay) */
void snapshot__drop_rows(struct snapshot *snap);
/* Free the rows of every snapshot but keep and keep2 (either may be NULL; their totals and the
 * rest stay): a command that reads one or two snapshots of a big session holds no more */
void session__keep_rows_of(struct session *s, const struct snapshot *keep,
			   const struct snapshot *keep2);
/* The same, its rows (malloc'd, row_cnt of them) taken as they are, not copied: freed on
 * failure too (a reader's, which holds no second copy of a big snapshot) */
struct snapshot *session__take_snapshot(struct session *s, const struct snapshot *snap);

/* The snapshot with this label (the last one when several share it), or NULL */
const struct snapshot *session__find(const struct session *s, const char *label);

/* The row of (pid, stack_id) in a snapshot, or NULL. Rows are kept sorted by
 * (pid, stack_id) by session__add_snapshot, so this is a binary search. */
const struct stack_row *snapshot__row(const struct snapshot *snap, uint32_t pid, uint64_t stack_id);

/* A string owned by the session (a copy of str, one per distinct string: a session of many
 * stacks repeats the same module, function and file names; NULL stays NULL); NULL on
 * -ENOMEM */
const char *session__intern(struct session *s, const char *str);

#endif
