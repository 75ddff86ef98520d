/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Builders of session models for the unit tests of the offline analyses and the session file
 * (test_diff.c, test_trend.c, test_session_file.c, test_growth_report.c): snapshots from rows
 * (and a growth snapshot's processes) or from per-stack live-bytes series, stacks with one named
 * frame. Each test includes it after cmocka.h. */
#ifndef PERFAN_TEST_SESSION_FIXTURE_H
#define PERFAN_TEST_SESSION_FIXTURE_H

#include <stdlib.h>
#include <string.h>
#include "session/session.h"

struct fx_row {
	uint32_t pid;
	uint64_t stack_id;
	uint64_t live_bytes, live_objects, alloc_bytes, alloc_objects;
};

static inline void fx_init(struct session *s, uint32_t pid, const char *allocator)
{
	assert_int_equal(session__init(s), 0);
	s->pid = pid;
	if (allocator)
		assert_non_null(s->allocator = strdup(allocator));
}

/* Adds a snapshot at mono_ns = seq seconds, elapsed = seq seconds, with the given rows
 * (any order: the session sorts them) and the processes of a growth snapshot (copied, in the
 * order given, as session__add_snapshot stores them); freed counts are alloc - live */
static inline struct snapshot *fx_snap_procs(struct session *s, const char *label,
					     const struct fx_row *rows, size_t n,
					     const struct proc_row *procs, size_t proc_cnt)
{
	struct stack_row *r = n ? calloc(n, sizeof(*r)) : NULL;
	struct snapshot snap = {
		.label = (char *)label,
		.wall_ns = 1700000000000000000LL + (int64_t)s->snap_cnt * 1000000000LL,
		.mono_ns = 5000000000LL + (int64_t)s->snap_cnt * 1000000000LL,
		.elapsed_s = (double)s->snap_cnt,
		.pid = s->pid,
		.rows = r,
		.row_cnt = n,
		.procs = (struct proc_row *)procs,
		.proc_cnt = proc_cnt,
	};
	struct snapshot *out;

	for (size_t i = 0; i < n; i++) {
		r[i].pid = rows[i].pid;
		r[i].stack_id = rows[i].stack_id;
		r[i].counts.live_bytes = rows[i].live_bytes;
		r[i].counts.live_objects = rows[i].live_objects;
		r[i].counts.alloc_bytes = rows[i].alloc_bytes;
		r[i].counts.alloc_objects = rows[i].alloc_objects;
		r[i].counts.freed_bytes = rows[i].alloc_bytes - rows[i].live_bytes;
		r[i].counts.freed_objects = rows[i].alloc_objects - rows[i].live_objects;
	}
	out = session__add_snapshot(s, &snap);
	assert_non_null(out);
	free(r);
	return out;
}

/* fx_snap_procs without processes: a leak snapshot */
static inline struct snapshot *fx_snap(struct session *s, const char *label,
				       const struct fx_row *rows, size_t n)
{
	return fx_snap_procs(s, label, rows, n, NULL, 0);
}

/* A stack of one frame in `module`: function name, and file:line when file is not NULL */
static inline void fx_stack(struct session *s, uint32_t pid, uint64_t id, const char *module,
			    const char *function, const char *file, uint32_t line)
{
	struct frame *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->address = 0x401000 + id;
	f->module = session__intern(s, module);
	f->build_id = "";
	f->function = session__intern(s, function);
	f->offset = 0x10;
	f->file = session__intern(s, file);
	f->line = line;
	assert_int_equal(stacktab__put(s->stacks, pid, id, f, 1), 0);
}

/* A session of n snapshots "s0".."s<n-1>" where stack k (pid 1, id k + 1) has live bytes
 * series[k][i] in snapshot i (no row where the value is 0), one object per 100 bytes */
static inline void fx_series_session(struct session *s, size_t n, size_t stack_cnt,
				     const uint64_t *series /* [stack_cnt][n] */)
{
	struct fx_row *rows = calloc(stack_cnt ? stack_cnt : 1, sizeof(*rows));
	char label[16];

	assert_non_null(rows);
	for (size_t i = 0; i < n; i++) {
		size_t cnt = 0;

		for (size_t k = 0; k < stack_cnt; k++) {
			uint64_t v = series[k * n + i];

			if (!v)
				continue;
			rows[cnt++] =
				(struct fx_row){ 1, k + 1, v, (v + 99) / 100, v, (v + 99) / 100 };
		}
		snprintf(label, sizeof(label), "s%zu", i);
		fx_snap(s, label, rows, cnt);
	}
	free(rows);
}

#endif
