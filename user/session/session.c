// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The session model (see session.h): snapshots with rows sorted by (pid, stack id), the stack
 * table, and the strings frames point to when a session is read back from a file. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/array.h"
#include "lib/sanitize.h"
#include "lib/strmap.h"
#include "session/session.h"

int session__init(struct session *s)
{
	memset(s, 0, sizeof(*s));
	s->schema_version = SESSION_SCHEMA_VERSION;
	s->stacks = stacktab__new();
	return s->stacks ? 0 : -ENOMEM;
}

void session__free(struct session *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->snap_cnt; i++) {
		free(s->snaps[i].label);
		free(s->snaps[i].rows);
		free(s->snaps[i].procs);
	}
	free(s->snaps);
	for (size_t i = 0; i < s->string_cnt; i++)
		free(s->strings[i]);
	free(s->strings);
	strmap__free(s->string_ids);
	stacktab__free(s->stacks);
	free(s->command);
	free(s->allocator);
	memset(s, 0, sizeof(*s));
}

const char *session_kind__name(enum session_kind kind)
{
	return kind == SESSION_KIND_GROWTH ? "growth" : "leak";
}

void snapshot__drop_rows(struct snapshot *snap)
{
	free(snap->rows);
	snap->rows = NULL;
	snap->row_cnt = 0;
}

/* The snapshot before the newest, superseded by it: its rows go unless s->keep_rows wants
 * them (a leak session read for one or two of its snapshots: a third of the memory of three) */
static void drop_superseded(struct session *s)
{
	const struct session_rows_keep *k = &s->keep_rows;
	struct snapshot *prev;

	if (!k->on || s->kind == SESSION_KIND_GROWTH || s->snap_cnt < 2)
		return;
	prev = &s->snaps[s->snap_cnt - 2];
	if ((k->first && s->snap_cnt == 2) ||
	    (k->labels[0] && !strcmp(prev->label, k->labels[0])) ||
	    (k->labels[1] && !strcmp(prev->label, k->labels[1])))
		return;
	snapshot__drop_rows(prev);
}

/* take_rows: snap->rows (malloc'd) become the stored snapshot's, freed on failure too */
static struct snapshot *add_snapshot(struct session *s, const struct snapshot *snap, bool take_rows)
{
	struct snapshot *n;

	if (ARRAY_GROW(s->snaps, s->snap_cap, s->snap_cnt + 1, 8)) {
		if (take_rows)
			free(snap->rows);
		return NULL;
	}
	n = &s->snaps[s->snap_cnt];
	*n = *snap;
	n->seq = (uint32_t)s->snap_cnt;
	n->label = strdup(snap->label ? snap->label : "");
	if (take_rows)
		n->rows = snap->rows;
	else
		n->rows = snap->row_cnt ? malloc(snap->row_cnt * sizeof(*n->rows)) : NULL;
	n->procs = snap->proc_cnt ? malloc(snap->proc_cnt * sizeof(*n->procs)) : NULL;
	if (n->label)
		sanitize__str(n->label);
	if (!n->label || (snap->row_cnt && !n->rows) || (snap->proc_cnt && !n->procs)) {
		free(n->label);
		free(n->rows);
		free(n->procs);
		return NULL;
	}
	for (size_t i = 0; i < snap->proc_cnt; i++) {
		n->procs[i] = snap->procs[i];
		n->procs[i].comm[PROC_ROW_COMM - 1] = '\0';
		sanitize__str(n->procs[i].comm);
	}
	if (snap->row_cnt && !take_rows)
		memcpy(n->rows, snap->rows, snap->row_cnt * sizeof(*n->rows));
	if (n->row_cnt) /* qsort's base must not be NULL, even for no rows (UBSan) */
		qsort(n->rows, n->row_cnt, sizeof(*n->rows), stack_row__cmp);
	memset(&n->totals, 0, sizeof(n->totals));
	for (size_t i = 0; i < n->row_cnt; i++)
		stack_counts__add(&n->totals, &n->rows[i].counts);
	s->snap_cnt++;
	drop_superseded(s);
	return &s->snaps[s->snap_cnt - 1];
}

struct snapshot *session__add_snapshot(struct session *s, const struct snapshot *snap)
{
	return add_snapshot(s, snap, false);
}

void session__keep_rows_of(struct session *s, const struct snapshot *keep,
			   const struct snapshot *keep2)
{
	for (size_t i = 0; i < s->snap_cnt; i++) {
		if (&s->snaps[i] == keep || &s->snaps[i] == keep2)
			continue;
		snapshot__drop_rows(&s->snaps[i]);
	}
}

struct snapshot *session__take_snapshot(struct session *s, const struct snapshot *snap)
{
	return add_snapshot(s, snap, true);
}

const struct snapshot *session__find(const struct session *s, const char *label)
{
	for (size_t i = s->snap_cnt; i-- > 0;)
		if (!strcmp(s->snaps[i].label, label))
			return &s->snaps[i];
	return NULL;
}

const struct stack_row *snapshot__row(const struct snapshot *snap, uint32_t pid, uint64_t stack_id)
{
	struct stack_row key = { .pid = pid, .stack_id = stack_id };

	if (!snap->row_cnt)
		return NULL;
	return bsearch(&key, snap->rows, snap->row_cnt, sizeof(key), stack_row__cmp);
}

const char *session__intern(struct session *s, const char *str)
{
	char *copy;
	size_t len;
	bool added;
	int64_t id;

	if (!str)
		return NULL;
	/* names from a file a user hands us: sanitized where they enter (sanitize.h) */
	if (!sanitize__is_clean(str)) {
		const char *clean;

		copy = strdup(str);
		if (!copy)
			return NULL;
		sanitize__str(copy);
		clean = session__intern(s, copy);
		free(copy);
		return clean;
	}
	if (!s->string_ids && !(s->string_ids = strmap__new()))
		return NULL;
	len = strlen(str);
	id = strmap__find(s->string_ids, str, len);
	if (id >= 0)
		return s->strings[id];
	if (ARRAY_GROW(s->strings, s->string_cap, s->string_cnt + 1, 64))
		return NULL;
	copy = strdup(str);
	if (!copy)
		return NULL;
	id = strmap__intern(s->string_ids, copy, len, &added);
	if (id < 0 || (size_t)id != s->string_cnt) {
		free(copy);
		return NULL;
	}
	s->strings[s->string_cnt++] = copy;
	return copy;
}
