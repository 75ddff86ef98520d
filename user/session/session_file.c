// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Session files (see session_file.h, docs/session-format.md): one JSON document per line,
 * streamed (lib/json_out.h: no tree, the bytes jansson's JSON_COMPACT printed before) through
 * zlib (transparently, or gzip-compressed for *.gz) and flushed per record; read with jansson,
 * one record's tree at a time. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "lib/array.h"
#include "lib/safe_file.h"
#include "lib/sanitize.h"
#include "session/leak_json.h"
#include "session/session_file.h"

#define SESSION_FILE_TYPE "perfan-session"
/* A record longer than this is taken for garbage rather than read into memory */
#define MAX_RECORD (512u << 20)

struct session_writer {
	gzFile gz;
	struct json_out *o;	  /* records are streamed into gz, one flushed at a time */
	struct stacktab *written; /* stacks whose frames are in the file: a set */
	int err;		  /* an append failed: the file ends there */
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* json_out's sink: gzwrite takes an unsigned length, so a long run goes in pieces */
static int gz_sink(void *ctx, const void *buf, size_t len)
{
	while (len) {
		unsigned n = len > (1u << 30) ? 1u << 30 : (unsigned)len;

		errno = 0;
		if (gzwrite(ctx, buf, n) != (int)n)
			return errno ? -errno : -EIO;
		buf = (const char *)buf + n;
		len -= n;
	}
	return 0;
}

/* Ends the record being written: its newline, then everything to the kernel */
static int end_record(struct session_writer *w)
{
	int err;

	json_out__raw(w->o, "\n", 1);
	err = json_out__flush(w->o);
	errno = 0;
	if (!err && gzflush(w->gz, Z_SYNC_FLUSH) != Z_OK)
		err = errno ? -errno : -EIO;
	return err;
}

int session_writer__open(const char *path, bool force, const struct session *s,
			 struct session_writer **out)
{
	struct session_writer *w = calloc(1, sizeof(*w));
	struct json_out *o;
	int err, fd;

	if (!w)
		return -ENOMEM;
	w->written = stacktab__new();
	/* a new 0600 file, never one someone planted or pre-created (safe_file.h) */
	fd = w->written ? safe_file__create(path, force) : -ENOMEM;
	if (fd < 0) {
		stacktab__free(w->written);
		free(w);
		return fd;
	}
	errno = 0;
	w->gz = gzdopen(fd, ends_with(path, ".gz") ? "wb6" : "wT");
	/* compact JSON, reals to 17 digits: the bytes jansson's JSON_COMPACT printed before */
	w->o = w->gz ? json_out__new_sink(gz_sink, w->gz,
					  &(struct json_out_opts){ .compact = true })
		     : NULL;
	if (!w->o) {
		err = errno ? -errno : -ENOMEM;
		if (w->gz)
			gzclose(w->gz);
		else
			close(fd);
		unlink(path);
		stacktab__free(w->written);
		free(w);
		return err;
	}
	o = w->o;
	json_out__obj_begin(o);
	json_out__key_str(o, "type", SESSION_FILE_TYPE);
	json_out__key_int(o, "schema_version", SESSION_SCHEMA_VERSION);
	json_out__key_str(o, "tool", "perfan-bpf");
	json_out__key_int(o, "pid", s->pid);
	json_out__key_str(o, "command", s->command);
	json_out__key_str(o, "allocator", s->allocator);
	json_out__key_int(o, "start_wall_ns", s->start_wall_ns);
	/* old readers ignore the key; a leak session has none, as before */
	if (s->kind != SESSION_KIND_LEAK)
		json_out__key_str(o, "kind", session_kind__name(s->kind));
	json_out__obj_end(o);
	err = end_record(w);
	if (err) {
		session_writer__close(w);
		return err;
	}
	*out = w;
	return 0;
}

/* Stacks per "stacks" record: a reader holds one record's JSON tree at a time, so a snapshot
 * with 100,000 new stacks is read as many small trees rather than one of gigabytes */
#define STACKS_PER_RECORD 1000

/* The "stacks" records of the stacks of snap not written yet, each ended (flushed) when it
 * holds STACKS_PER_RECORD of them; none when every stack is in the file already */
static int stacks_records(struct session_writer *w, const struct session *s,
			  const struct snapshot *snap)
{
	struct json_out *o = w->o;
	size_t in_record = 0;
	int err = 0;

	for (size_t i = 0; i < snap->row_cnt && !err; i++) {
		const struct stack_row *r = &snap->rows[i];
		const struct stack_entry *e = stacktab__get(s->stacks, r->pid, r->stack_id);

		if (!e || stacktab__get(w->written, r->pid, r->stack_id))
			continue;
		if (!in_record) {
			json_out__obj_begin(o);
			json_out__key_str(o, "type", "stacks");
			json_out__key(o, "stacks");
			json_out__arr_begin(o);
		}
		json_out__obj_begin(o);
		json_out__key_int(o, "pid", r->pid);
		json_out__key_int(o, "stack_id", (int64_t)r->stack_id);
		json_out__key_bool(o, "truncated", e->truncated);
		json_out__key(o, "frames");
		leak_json__out_frames(o, e->frames, e->frame_cnt);
		json_out__obj_end(o);
		err = stacktab__put(w->written, r->pid, r->stack_id, NULL, 0) ?: json_out__err(o);
		if (!err && ++in_record == STACKS_PER_RECORD) {
			json_out__arr_end(o);
			json_out__obj_end(o);
			err = end_record(w);
			in_record = 0;
		}
	}
	if (!err && in_record) {
		json_out__arr_end(o);
		json_out__obj_end(o);
		err = end_record(w);
	}
	return err;
}

static int snapshot_record(struct session_writer *w, const struct session *s,
			   const struct snapshot *snap)
{
	struct json_out *o = w->o;

	json_out__obj_begin(o);
	json_out__key_str(o, "type", "snapshot");
	/* labels are bytes (a USDT label is whatever the target passed): json_out keeps them
	 * valid UTF-8 */
	json_out__key_str(o, "label", snap->label);
	json_out__key_int(o, "seq", snap->seq);
	json_out__key_int(o, "wall_ns", snap->wall_ns);
	json_out__key_int(o, "mono_ns", snap->mono_ns);
	json_out__key_real(o, "elapsed_s", snap->elapsed_s);
	json_out__key_int(o, "pid", snap->pid);
	json_out__key(o, "rss_bytes");
	if (snap->mem_known)
		json_out__int(o, (int64_t)snap->rss_bytes);
	else
		json_out__null(o);
	json_out__key(o, "anon_bytes");
	if (snap->mem_known)
		json_out__int(o, (int64_t)snap->anon_bytes);
	else
		json_out__null(o);
	json_out__key(o, "lost");
	leak_json__out_lost(o, snap->lost, s->kind == SESSION_KIND_GROWTH);
	json_out__key(o, "totals");
	json_out__obj_begin(o);
	leak_json__out_counts_members(o, &snap->totals);
	json_out__obj_end(o);
	json_out__key(o, "stacks");
	json_out__arr_begin(o);
	for (size_t i = 0; i < snap->row_cnt; i++) {
		const struct stack_row *r = &snap->rows[i];

		json_out__obj_begin(o);
		leak_json__out_counts_members(o, &r->counts);
		json_out__key_int(o, "pid", r->pid);
		json_out__key_int(o, "stack_id", (int64_t)r->stack_id);
		json_out__obj_end(o);
	}
	json_out__arr_end(o);
	if (snap->proc_cnt) {
		json_out__key(o, "processes");
		json_out__arr_begin(o);
		for (size_t i = 0; i < snap->proc_cnt; i++) {
			json_out__obj_begin(o);
			leak_json__out_proc_members(o, &snap->procs[i]);
			json_out__obj_end(o);
		}
		json_out__arr_end(o);
	}
	json_out__obj_end(o);
	return end_record(w);
}

int session_writer__append(struct session_writer *w, const struct session *s,
			   const struct snapshot *snap)
{
	/* a record may have been cut by the failure (its start already handed to zlib): the
	 * file must end there, where a reader takes it for a killed session's file, rather than
	 * go on after half a record */
	if (!w->err)
		w->err = stacks_records(w, s, snap) ?: snapshot_record(w, s, snap);
	return w->err;
}

uint64_t session_writer__bytes(const struct session_writer *w)
{
	return w ? json_out__bytes(w->o) : 0;
}

int session_writer__close(struct session_writer *w)
{
	int err = 0;

	if (!w)
		return 0;
	/* what a failed append left in the buffer is half a record: dropped */
	json_out__free(w->o);
	if (gzclose(w->gz) != Z_OK)
		err = -EIO;
	stacktab__free(w->written);
	free(w);
	return err;
}

/* ---- reading ---- */

struct reader {
	gzFile gz;
	char *buf;
	size_t cap;
	struct session *s;
	struct session_read_info *info;
	size_t line; /* 1-based number of the record being read */
	bool gz_cut; /* the gzip stream ended early (Z_BUF_ERROR) */
};

static int fail(struct reader *r, const char *what, const char *detail)
{
	errtext__set(&r->info->error, "record %zu: %s%s%s", r->line, what,
		     detail && *detail ? ": " : "", detail ? detail : "");
	return -EINVAL;
}

/* zlib's message is "PATH: reason"; the caller names the file, so keep the reason */
static const char *zlib_reason(const char *msg)
{
	const char *reason = msg;

	for (const char *p = msg; (p = strstr(p, ": ")); p += 2)
		reason = p + 2;
	return reason;
}

/* Why gzgets returned NULL: 0 for the end of the data, including a gzip stream cut short
 * (Z_BUF_ERROR: a session killed before it wrote the gzip trailer keeps its complete
 * records); otherwise the error. gzgets returns NULL on corrupt compressed data too, which
 * must not pass for the end of the file: later snapshots would vanish without a word. */
static int read_error(struct reader *r)
{
	int zerr, err = errno;
	const char *msg = gzerror(r->gz, &zerr);

	switch (zerr) {
	case Z_OK:
		return 0;
	case Z_BUF_ERROR:
		r->gz_cut = true;
		return 0;
	case Z_ERRNO:
		err = err ? err : EIO;
		errtext__set(&r->info->error, "record %zu: %s", r->line, strerror(err));
		return -err;
	case Z_MEM_ERROR:
		return -ENOMEM;
	default:
		return fail(r, "corrupt gzip data", zlib_reason(msg));
	}
}

/* The next line without its newline: 1 a whole line, 2 a last line without newline, 0 end,
 * negative an error */
static int next_line(struct reader *r, size_t *len)
{
	size_t n = 0;

	for (;;) {
		if (r->cap - n < 2) {
			/* the buffer doubles: past MAX_RECORD / 2, it would outgrow MAX_RECORD */
			if (r->cap > MAX_RECORD / 2)
				return fail(r, "a record longer than 512 MiB",
					    "not a session file");
			if (ARRAY_GROW(r->buf, r->cap, n + 2, 1 << 16))
				return -ENOMEM;
		}
		if (!gzgets(r->gz, r->buf + n, (int)(r->cap - n))) {
			int rc = read_error(r);

			if (rc)
				return rc;
			*len = n;
			return n ? 2 : 0;
		}
		n += strlen(r->buf + n);
		if (n && r->buf[n - 1] == '\n') {
			r->buf[--n] = '\0';
			*len = n;
			return 1;
		}
		if (gzeof(r->gz)) {
			*len = n;
			return n ? 2 : 0;
		}
		/* a NUL inside the line stops gzgets early: it is not text, so not ours */
		if (n < r->cap - 1)
			return fail(r, "binary data where a JSON record should be",
				    "not a session file");
	}
}

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

static int read_header(struct reader *r, json_t *rec)
{
	const char *type = json_string_value(json_object_get(rec, "type"));
	const json_t *ver = json_object_get(rec, "schema_version");
	const json_t *cmd = json_object_get(rec, "command");
	const json_t *alloc = json_object_get(rec, "allocator");
	const json_t *start = json_object_get(rec, "start_wall_ns"), *kind;
	uint64_t pid;
	struct errtext why;

	if (!type || strcmp(type, SESSION_FILE_TYPE))
		return fail(r, "not a perfan-bpf session file",
			    "the first record is not its header");
	if (!json_is_integer(ver) || json_integer_value(ver) < 1)
		return fail(r, "the header has no valid schema_version", NULL);
	if (json_integer_value(ver) > SESSION_SCHEMA_VERSION) {
		errtext__set(&why,
			     "schema_version %" JSON_INTEGER_FORMAT
			     " is newer than this perfan-bpf reads (%d); upgrade perfan-bpf",
			     json_integer_value(ver), SESSION_SCHEMA_VERSION);
		return fail(r, "written by a newer perfan-bpf", why.msg);
	}
	if (get_pid(rec, &pid, &why))
		return fail(r, "bad header", why.msg);
	if ((cmd && !json_is_null(cmd) && !json_is_string(cmd)) ||
	    (alloc && !json_is_null(alloc) && !json_is_string(alloc)) ||
	    (start && !json_is_integer(start)))
		return fail(r, "bad header",
			    "command, allocator or start_wall_ns of the wrong type");
	kind = json_object_get(rec, "kind");
	if (kind && !(json_is_string(kind) && (!strcmp(json_string_value(kind), "leak") ||
					       !strcmp(json_string_value(kind), "growth"))))
		return fail(r, "bad header", "kind is neither \"leak\" nor \"growth\"");
	r->s->kind = kind && !strcmp(json_string_value(kind), "growth") ? SESSION_KIND_GROWTH
									: SESSION_KIND_LEAK;
	r->s->schema_version = (int)json_integer_value(ver);
	r->s->pid = (uint32_t)pid;
	if (json_is_string(cmd) && !(r->s->command = strdup(json_string_value(cmd))))
		return -ENOMEM;
	if (json_is_string(alloc) && !(r->s->allocator = strdup(json_string_value(alloc))))
		return -ENOMEM;
	if (r->s->command)
		sanitize__str(r->s->command);
	if (r->s->allocator)
		sanitize__str(r->s->allocator);
	r->s->start_wall_ns = start ? json_integer_value(start) : 0;
	return 0;
}

static int read_stacks(struct reader *r, json_t *rec)
{
	const json_t *arr = json_object_get(rec, "stacks"), *st;
	struct errtext why;
	size_t i;

	if (!json_is_array(arr))
		return fail(r, "a stacks record without a \"stacks\" array", NULL);
	json_array_foreach(arr, i, st)
	{
		const json_t *frames = json_object_get(st, "frames");
		uint64_t pid, id;
		struct frame *fr;
		size_t n = json_array_size(frames);
		int rc;

		if (!json_is_array(frames))
			return fail(r, "a stack without a \"frames\" array", NULL);
		if (get_pid(st, &pid, &why) || leak_json__get_u64(st, "stack_id", &id, &why))
			return fail(r, "bad stack", why.msg);
		fr = n ? calloc(n, sizeof(*fr)) : NULL;
		if (n && !fr)
			return -ENOMEM;
		for (size_t f = 0; f < n; f++) {
			rc = leak_json__parse_frame(json_array_get(frames, f), &fr[f], intern_cb,
						    r->s, &why);
			if (rc) {
				free(fr);
				return rc == -ENOMEM ? rc : fail(r, "bad frame", why.msg);
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
		return fail(r, "a snapshot without a label", NULL);
	if (!json_is_array(rows))
		return fail(r, "a snapshot without a \"stacks\" array", NULL);
	elapsed = json_object_get(rec, "elapsed_s");
	if (get_i64(rec, "wall_ns", &snap.wall_ns) || get_i64(rec, "mono_ns", &snap.mono_ns) ||
	    !json_is_number(elapsed))
		return fail(r, "a snapshot without wall_ns, mono_ns or elapsed_s", NULL);
	if (get_pid(rec, &pid, &why))
		return fail(r, "bad snapshot", why.msg);
	if (leak_json__parse_lost(json_object_get(rec, "lost"), snap.lost, &why))
		return fail(r, "bad snapshot", why.msg);
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
			rc = fail(r, "bad snapshot row", why.msg);
			break;
		}
		sr->pid = (uint32_t)rpid;
	}
	procs = json_object_get(rec, "processes");
	if (!rc && procs && !json_is_array(procs))
		rc = fail(r, "bad snapshot", "\"processes\" is not an array");
	snap.proc_cnt = rc ? 0 : json_array_size(procs);
	snap.procs = snap.proc_cnt ? calloc(snap.proc_cnt, sizeof(*snap.procs)) : NULL;
	if (snap.proc_cnt && !snap.procs)
		rc = -ENOMEM;
	for (i = 0; !rc && i < snap.proc_cnt; i++)
		if (leak_json__parse_proc(json_array_get(procs, i), &snap.procs[i], &why))
			rc = fail(r, "bad snapshot process", why.msg);
	if (!rc && !session__add_snapshot(r->s, &snap))
		rc = -ENOMEM;
	free(snap.rows);
	free(snap.procs);
	return rc;
}

static int read_record(struct reader *r, const char *text, size_t len)
{
	json_error_t jerr;
	json_t *rec = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	const char *type;
	int rc;

	if (!rec)
		return fail(r, r->line == 1 ? "not a perfan-bpf session file" : "corrupt record",
			    jerr.text);
	if (!json_is_object(rec)) {
		json_decref(rec);
		return fail(r, r->line == 1 ? "not a perfan-bpf session file" : "corrupt record",
			    "not a JSON object");
	}
	type = json_string_value(json_object_get(rec, "type"));
	if (r->line == 1)
		rc = read_header(r, rec);
	else if (!type)
		rc = fail(r, "corrupt record", "no \"type\"");
	else if (!strcmp(type, "stacks"))
		rc = read_stacks(r, rec);
	else if (!strcmp(type, "snapshot"))
		rc = read_snapshot(r, rec);
	else
		rc = 0; /* a record type from a newer writer: skipped */
	json_decref(rec);
	return rc;
}

int session_file__read(const char *path, struct session *out, struct session_read_info *info)
{
	struct reader r = { .s = out, .info = info };
	size_t len = 0;
	int rc;

	memset(info, 0, sizeof(*info));
	rc = session__init(out);
	if (rc)
		return rc;
	errno = 0;
	r.gz = gzopen(path, "rb");
	if (!r.gz) {
		rc = errno ? -errno : -ENOMEM;
		errtext__set(&info->error, "%s", strerror(-rc));
		return rc;
	}
	for (;;) {
		int kind;

		r.line++;
		kind = next_line(&r, &len);
		if (kind <= 0) {
			rc = kind;
			if (!kind && r.line == 1)
				rc = fail(&r, "not a perfan-bpf session file",
					  r.gz_cut
						  ? "a gzip stream that ends before its first record"
						  : "it is empty");
			break;
		}
		rc = read_record(&r, r.buf, len);
		if (rc && kind == 2 && r.line > 1) {
			/* the last record was cut mid-write (a killed session): keep the rest */
			info->truncated_tail = true;
			errtext__clear(&info->error);
			rc = 0;
			break;
		}
		if (rc)
			break;
		info->records++;
		if (kind == 2)
			break;
	}
	if (rc == -ENOMEM)
		errtext__set(&info->error, "out of memory");
	gzclose(r.gz);
	free(r.buf);
	return rc;
}
