// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The records of schema 1 session files (docs/session-format.md, "Schema 1"): one JSON object
 * per line, each read into a jansson tree, checked and turned into the session model. Files of
 * this schema are no longer written; they are still read. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "session/leak_json.h"
#include "session/session_read.h"

/* A "pid" member: a non-negative integer that fits a pid (32 bits). 0 or -EINVAL with the
 * reason in why, which is always set on failure (the range check has its own reason). */
static int get_pid(const json_t *obj, uint64_t *pid, struct errtext *why)
{
	if (leak_json__get_u64(obj, "pid", pid, why))
		return -EINVAL;
	if (*pid > UINT32_MAX) {
		errtext__set(why, "\"pid\" %" PRIu64 " is above 4294967295", *pid);
		return -EINVAL;
	}
	return 0;
}

static const char *intern_cb(void *ctx, const char *s)
{
	return session__intern(ctx, s);
}

static int read_stacks(struct reader *r, json_t *rec)
{
	const json_t *arr = json_object_get(rec, "stacks"), *st;
	struct errtext why;
	size_t i;

	if (!json_is_array(arr))
		return session_read__fail(r, "a stacks record without a \"stacks\" array", NULL);
	json_array_foreach(arr, i, st)
	{
		const json_t *frames = json_object_get(st, "frames");
		uint64_t pid, id;
		struct frame *fr;
		size_t n = json_array_size(frames);
		int rc;

		if (!json_is_array(frames))
			return session_read__fail(r, "a stack without a \"frames\" array", NULL);
		if (get_pid(st, &pid, &why) || leak_json__get_u64(st, "stack_id", &id, &why))
			return session_read__fail(r, "bad stack", why.msg);
		fr = n ? calloc(n, sizeof(*fr)) : NULL;
		if (n && !fr)
			return -ENOMEM;
		for (size_t f = 0; f < n; f++) {
			rc = leak_json__parse_frame(json_array_get(frames, f), &fr[f], intern_cb,
						    r->s, &why);
			if (rc) {
				free(fr);
				return rc == -ENOMEM ? rc
						     : session_read__fail(r, "bad frame", why.msg);
			}
		}
		rc = stacktab__put(r->s->stacks, (uint32_t)pid, id, fr, n);
		if (rc && rc != -EEXIST) /* a repeated stack keeps its first frames */
			return rc;
		if (!rc && json_is_true(json_object_get(st, "truncated")))
			stacktab__set_truncated(r->s->stacks, (uint32_t)pid, id, true);
	}
	return 0;
}

static int get_i64(const json_t *obj, const char *key, int64_t *v)
{
	const json_t *j = json_object_get(obj, key);

	if (!json_is_integer(j))
		return -EINVAL;
	*v = json_integer_value(j);
	return 0;
}

static int read_snapshot(struct reader *r, json_t *rec)
{
	const json_t *rows = json_object_get(rec, "stacks"), *row, *procs;
	const json_t *label = json_object_get(rec, "label"), *elapsed;
	const json_t *rss = json_object_get(rec, "rss_bytes"),
		     *anon = json_object_get(rec, "anon_bytes");
	struct snapshot snap = {};
	uint64_t pid;
	struct errtext why;
	size_t i;
	int rc = 0;

	if (!json_is_string(label))
		return session_read__fail(r, "a snapshot without a label", NULL);
	if (!json_is_array(rows))
		return session_read__fail(r, "a snapshot without a \"stacks\" array", NULL);
	elapsed = json_object_get(rec, "elapsed_s");
	if (get_i64(rec, "wall_ns", &snap.wall_ns) || get_i64(rec, "mono_ns", &snap.mono_ns) ||
	    !json_is_number(elapsed))
		return session_read__fail(r, "a snapshot without wall_ns, mono_ns or elapsed_s",
					  NULL);
	if (get_pid(rec, &pid, &why))
		return session_read__fail(r, "bad snapshot", why.msg);
	if (leak_json__parse_lost(json_object_get(rec, "lost"), snap.lost, &why))
		return session_read__fail(r, "bad snapshot", why.msg);
	snap.label = (char *)json_string_value(label);
	snap.pid = (uint32_t)pid;
	snap.elapsed_s = json_number_value(elapsed);
	if (json_is_integer(rss) && json_is_integer(anon) && json_integer_value(rss) >= 0 &&
	    json_integer_value(anon) >= 0) {
		snap.mem_known = true;
		snap.rss_bytes = (uint64_t)json_integer_value(rss);
		snap.anon_bytes = (uint64_t)json_integer_value(anon);
	}
	snap.row_cnt = json_array_size(rows);
	snap.rows = snap.row_cnt ? calloc(snap.row_cnt, sizeof(*snap.rows)) : NULL;
	if (snap.row_cnt && !snap.rows)
		return -ENOMEM;
	json_array_foreach(rows, i, row)
	{
		struct stack_row *sr = &snap.rows[i];
		uint64_t rpid;

		if (leak_json__parse_counts(row, &sr->counts, &why) || get_pid(row, &rpid, &why) ||
		    leak_json__get_u64(row, "stack_id", &sr->stack_id, &why)) {
			rc = session_read__fail(r, "bad snapshot row", why.msg);
			break;
		}
		sr->pid = (uint32_t)rpid;
	}
	procs = json_object_get(rec, "processes");
	if (!rc && procs && !json_is_array(procs))
		rc = session_read__fail(r, "bad snapshot", "\"processes\" is not an array");
	snap.proc_cnt = rc ? 0 : json_array_size(procs);
	snap.procs = snap.proc_cnt ? calloc(snap.proc_cnt, sizeof(*snap.procs)) : NULL;
	if (snap.proc_cnt && !snap.procs)
		rc = -ENOMEM;
	for (i = 0; !rc && i < snap.proc_cnt; i++)
		if (leak_json__parse_proc(json_array_get(procs, i), &snap.procs[i], &why))
			rc = session_read__fail(r, "bad snapshot process", why.msg);
	if (!rc && !session__add_snapshot(r->s, &snap))
		rc = -ENOMEM;
	free(snap.rows);
	free(snap.procs);
	return rc;
}

int session_read_v1__record(struct reader *r, const char *text, size_t len)
{
	json_error_t jerr;
	json_t *rec = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	const char *type;
	int rc;

	if (!rec)
		return session_read__fail(r, "corrupt record", jerr.text);
	if (!json_is_object(rec)) {
		json_decref(rec);
		return session_read__fail(r, "corrupt record", "not a JSON object");
	}
	type = json_string_value(json_object_get(rec, "type"));
	if (!type)
		rc = session_read__fail(r, "corrupt record", "no \"type\"");
	else if (!strcmp(type, "stacks"))
		rc = read_stacks(r, rec);
	else if (!strcmp(type, "snapshot"))
		rc = read_snapshot(r, rec);
	else
		rc = 0; /* a record type from a newer writer: skipped */
	json_decref(rec);
	return rc;
}
