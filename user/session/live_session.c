// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Live snapshots appended to the session file (see live_session.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "session/live_session.h"
#include "session/session_file.h"

struct live_session {
	struct session sess; /* header and stack table; snapshots are written, not kept */
	struct session_writer *w;
	char proc_root[256];
	uint64_t max_file_bytes;
	unsigned count;
	unsigned dropped;
	struct proc_row *procs; /* carried by the next snapshots */
	size_t proc_cnt;
};

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int proc_status__mem(const char *proc_root, uint32_t pid, uint64_t *rss, uint64_t *anon)
{
	char path[300], line[256];
	unsigned long long kb;
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%u/status", proc_root, pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "VmRSS: %llu kB", &kb) == 1) {
			*rss = kb * 1024;
			found |= 1;
		} else if (sscanf(line, "RssAnon: %llu kB", &kb) == 1) {
			*anon = kb * 1024;
			found |= 2;
		}
	}
	fclose(f);
	/* a zombie has a status file without memory lines */
	return found == 3 ? 0 : -ESRCH;
}

int live_session__open(const struct live_session_opts *opts, struct live_session **out)
{
	struct live_session *ls = calloc(1, sizeof(*ls));
	int err;

	*out = NULL;
	if (!ls)
		return -ENOMEM;
	err = session__init(&ls->sess);
	if (err) {
		free(ls);
		return err;
	}
	snprintf(ls->proc_root, sizeof(ls->proc_root), "%s",
		 opts->proc_root ? opts->proc_root : "/proc");
	ls->sess.pid = opts->pid;
	ls->sess.kind = opts->kind;
	ls->sess.sample_pages = opts->sample_pages;
	ls->max_file_bytes = opts->max_file_bytes;
	ls->sess.start_wall_ns = clock_ns(CLOCK_REALTIME);
	if ((opts->command && !(ls->sess.command = strdup(opts->command))) ||
	    (opts->allocator && !(ls->sess.allocator = strdup(opts->allocator)))) {
		live_session__close(ls);
		return -ENOMEM;
	}
	if (opts->path) {
		err = session_writer__open(opts->path, opts->force, &ls->sess, &ls->w);
		if (err) {
			live_session__close(ls);
			return err;
		}
	}
	*out = ls;
	return 0;
}

int live_session__open_default(struct live_session_opts *opts, char *path, size_t len,
			       struct live_session **out)
{
	char prefix[96], stamp[32];
	time_t t = time(NULL);
	struct tm tm;
	int err = -EEXIST;

	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", localtime_r(&t, &tm));
	if (opts->pid)
		snprintf(prefix, sizeof(prefix), "perfan-%u-%s", opts->pid, stamp);
	else
		snprintf(prefix, sizeof(prefix), "perfan-all-%s", stamp);
	for (int i = 0; i < 10 && err == -EEXIST; i++) {
		if (i)
			snprintf(path, len, "%s-%d.session", prefix, i);
		else
			snprintf(path, len, "%s.session", prefix);
		opts->path = path;
		err = live_session__open(opts, out);
	}
	return err;
}

struct stacktab *live_session__stacks(struct live_session *ls)
{
	return ls->sess.stacks;
}

unsigned live_session__count(const struct live_session *ls)
{
	return ls->count;
}

unsigned live_session__dropped(const struct live_session *ls)
{
	return ls->dropped;
}

uint64_t live_session__bytes(const struct live_session *ls)
{
	return session_writer__bytes(ls->w);
}

int live_session__snapshot(struct live_session *ls, const struct leak_sample *sample,
			   const char *label, double elapsed_s, bool final, unsigned *seq)
{
	struct snapshot snap = {
		.label = (char *)label,
		.seq = ls->count,
		.wall_ns = clock_ns(CLOCK_REALTIME),
		.mono_ns = clock_ns(CLOCK_MONOTONIC),
		.elapsed_s = elapsed_s,
		.pid = ls->sess.pid,
	};
	int err = 0;

	/* a target that marks in a loop must not fill the disk (docs/security.md) */
	if (ls->w && ls->max_file_bytes && !final &&
	    session_writer__bytes(ls->w) >= ls->max_file_bytes) {
		ls->dropped++;
		return -EFBIG;
	}
	memcpy(snap.lost, sample->lost, sizeof(snap.lost));
	snap.lost[REPORT_LOST_SNAPSHOTS_DROPPED] = ls->dropped;
	if (ls->sess.pid && ls->sess.kind == SESSION_KIND_LEAK)
		snap.mem_known = !proc_status__mem(ls->proc_root, ls->sess.pid, &snap.rss_bytes,
						   &snap.anon_bytes);
	snap.procs = ls->procs;
	snap.proc_cnt = ls->proc_cnt;
	snap.row_cnt = sample->cnt;
	snap.rows = sample->cnt ? malloc(sample->cnt * sizeof(*snap.rows)) : NULL;
	if (sample->cnt && !snap.rows)
		return -ENOMEM;
	for (size_t i = 0; i < sample->cnt; i++) {
		snap.rows[i] = (struct stack_row){ sample->stacks[i].pid,
						   sample->stacks[i].stack_id,
						   sample->stacks[i].counts };
		stack_counts__add(&snap.totals, &snap.rows[i].counts);
	}
	if (ls->w)
		err = session_writer__append(ls->w, &ls->sess, &snap);
	free(snap.rows);
	if (err)
		return err;
	*seq = ls->count++;
	return 0;
}

int live_session__set_procs(struct live_session *ls, const struct proc_row *procs, size_t cnt)
{
	struct proc_row *copy = cnt ? malloc(cnt * sizeof(*copy)) : NULL;

	if (cnt && !copy)
		return -ENOMEM;
	if (cnt)
		memcpy(copy, procs, cnt * sizeof(*copy));
	free(ls->procs);
	ls->procs = copy;
	ls->proc_cnt = cnt;
	return 0;
}

int live_session__close(struct live_session *ls)
{
	int err;

	if (!ls)
		return 0;
	free(ls->procs);
	err = session_writer__close(ls->w);
	session__free(&ls->sess);
	free(ls);
	return err;
}
