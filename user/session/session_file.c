// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Session files (see session_file.h, docs/session-format.md). Written in schema 2: JSON lines
 * streamed through lib/json_out.h (no tree) into zlib (transparently, or gzip-compressed for
 * *.gz) and flushed per record; strings, modules, frames and stacks defined once and then
 * referred to by number, a snapshot as the rows of the stacks that changed since the one
 * before. Read: the header here, the records of schema 2 by session_read_v2.c (a pull scanner,
 * no tree), those of schema 1 by session_read_v1.c (jansson, a tree per record). */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "lib/array.h"
#include "lib/safe_file.h"
#include "lib/sanitize.h"
#include "lib/strmap.h"
#include "session/leak_json.h"
#include "session/session_file.h"
#include "session/session_read.h"

#define SESSION_FILE_TYPE "perfan-session"
/* A record longer than this is taken for garbage rather than read into memory */
#define MAX_RECORD (512u << 20)
/* New stacks per "stacks" record: a record stays small (a few hundred KiB) however many
 * stacks a snapshot brings */
#define STACKS_PER_RECORD 1000

/* A frame as the file numbers its parts: the key of the frame table (no padding) */
struct frame_key {
	uint64_t address;
	uint64_t offset;
	uint32_t module;		       /* module number, 0 for none */
	uint32_t function, raw_function, file; /* string numbers, 0 for none */
	uint32_t line;
	uint32_t inlined;
};
_Static_assert(sizeof(struct frame_key) == 40, "frame_key has no padding");

struct stack_key {
	uint64_t stack_id;
	uint32_t pid;
} __attribute__((packed));

/* What the writer remembers of a stack: its counts in the last snapshot written */
struct wstack {
	struct stack_counts counts;
	uint32_t gen; /* the last snapshot that had it */
};

struct session_writer {
	gzFile gz;
	struct json_out *o; /* records are streamed into gz, one flushed at a time */
	int err;	    /* an append failed: the file ends there */
	/* tables of what the file defines: the number of an entry is its id (+ 1 for strings
	 * and modules, whose 0 means none); entries below *_written are in the file */
	struct strmap *strs;
	size_t strs_written;
	struct strmap *mods; /* (path, build id) string numbers */
	uint64_t *mod_base;
	size_t mod_cap, mods_written;
	struct strmap *frames; /* struct frame_key */
	size_t frames_written;
	struct strmap *stacks; /* struct stack_key */
	struct wstack *wstacks;
	size_t wstack_cap, stacks_written;
	uint32_t gen; /* snapshots written, + 1 */
	/* scratch of an append */
	uint32_t *row_stack; /* per row: its stack's number */
	size_t row_stack_cap;
	size_t *chunk; /* rows whose stacks the next stacks record defines */
	size_t chunk_cnt, chunk_cap;
	uint32_t *fnums; /* the frame numbers of those stacks, in order */
	size_t fnum_cnt, fnum_cap;
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

static void writer_free(struct session_writer *w)
{
	strmap__free(w->strs);
	strmap__free(w->mods);
	strmap__free(w->frames);
	strmap__free(w->stacks);
	free(w->mod_base);
	free(w->wstacks);
	free(w->row_stack);
	free(w->chunk);
	free(w->fnums);
	free(w);
}

int session_writer__open(const char *path, bool force, const struct session *s,
			 struct session_writer **out)
{
	struct session_writer *w = calloc(1, sizeof(*w));
	struct json_out *o;
	int err, fd;

	if (!w)
		return -ENOMEM;
	w->gen = 1;
	w->strs = strmap__new();
	w->mods = strmap__new();
	w->frames = strmap__new();
	w->stacks = strmap__new();
	/* a new 0600 file, never one someone planted or pre-created (safe_file.h) */
	fd = w->strs && w->mods && w->frames && w->stacks ? safe_file__create(path, force)
							  : -ENOMEM;
	if (fd < 0) {
		writer_free(w);
		return fd;
	}
	errno = 0;
	w->gz = gzdopen(fd, ends_with(path, ".gz") ? "wb6" : "wT");
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
		writer_free(w);
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
	/* a leak session has no kind, as in schema 1 */
	if (s->kind != SESSION_KIND_LEAK)
		json_out__key_str(o, "kind", session_kind__name(s->kind));
	if (s->sample_pages)
		json_out__key_int(o, "sample_pages", s->sample_pages);
	json_out__obj_end(o);
	err = end_record(w);
	if (err) {
		session_writer__close(w);
		return err;
	}
	*out = w;
	return 0;
}

/* The number of a string (0 for NULL), added to the table when new; 0 with *err on failure */
static uint32_t str_num(struct session_writer *w, const char *s, int *err)
{
	int64_t id;

	if (!s)
		return 0;
	id = strmap__intern(w->strs, s, strlen(s), NULL);
	if (id < 0 || id >= UINT32_MAX) {
		*err = -ENOMEM;
		return 0;
	}
	return (uint32_t)id + 1;
}

/* The number of a frame's module (0: none), added when new with the frame's address as its
 * base */
static uint32_t mod_num(struct session_writer *w, const struct frame *f, int *err)
{
	uint32_t key[2];
	bool added;
	int64_t id;

	if (!f->module && (!f->build_id || !*f->build_id))
		return 0;
	key[0] = str_num(w, f->module, err);
	key[1] = f->build_id && *f->build_id ? str_num(w, f->build_id, err) : 0;
	id = *err ? -1 : strmap__intern(w->mods, key, sizeof(key), &added);
	if (id < 0 || id >= UINT32_MAX ||
	    (added && ARRAY_GROW(w->mod_base, w->mod_cap, (size_t)id + 1, 16))) {
		*err = -ENOMEM;
		return 0;
	}
	if (added)
		w->mod_base[id] = f->address;
	return (uint32_t)id + 1;
}

static uint32_t frame_num(struct session_writer *w, const struct frame *f, int *err)
{
	struct frame_key k = {
		.address = f->address,
		.offset = f->offset,
		.module = mod_num(w, f, err),
		.function = str_num(w, f->function, err),
		.raw_function = str_num(w, f->raw_function, err),
		.file = str_num(w, f->file, err),
		.line = f->file ? f->line : 0,
		.inlined = f->inlined,
	};
	int64_t id = *err ? -1 : strmap__intern(w->frames, &k, sizeof(k), NULL);

	if (id < 0 || id >= UINT32_MAX) {
		*err = -ENOMEM;
		return 0;
	}
	return (uint32_t)id;
}

static void write_frame_def(struct session_writer *w, uint32_t n)
{
	struct frame_key key, *k = &key;
	struct json_out *o = w->o;
	uint64_t base;

	/* the map's key bytes need not be aligned for the struct */
	memcpy(&key, strmap__key(w->frames, n, NULL), sizeof(key));
	base = k->module ? w->mod_base[k->module - 1] : 0;

	json_out__arr_begin(o);
	json_out__uint(o, k->module);
	json_out__int(o, (int64_t)(k->address - base));
	json_out__uint(o, k->function);
	json_out__uint(o, k->offset);
	json_out__uint(o, k->file);
	json_out__uint(o, k->line);
	if (k->inlined || k->raw_function)
		json_out__uint(o, k->inlined);
	if (k->raw_function)
		json_out__uint(o, k->raw_function);
	json_out__arr_end(o);
}

/* The strings, modules and stacks records defining the stacks of the chunk (with their frames
 * and what those name) */
static int define_chunk(struct session_writer *w, const struct session *s,
			const struct snapshot *snap)
{
	struct json_out *o = w->o;
	size_t f = 0, n;
	int err = 0;

	/* first the numbers, so the strings and modules they need go first */
	w->fnum_cnt = 0;
	for (size_t c = 0; c < w->chunk_cnt && !err; c++) {
		const struct stack_row *r = &snap->rows[w->chunk[c]];
		const struct stack_entry *e = stacktab__get(s->stacks, r->pid, r->stack_id);

		if (!e)
			continue;
		if (ARRAY_GROW(w->fnums, w->fnum_cap, w->fnum_cnt + e->frame_cnt, 256))
			return -ENOMEM;
		for (size_t i = 0; i < e->frame_cnt && !err; i++)
			w->fnums[w->fnum_cnt++] = frame_num(w, &e->frames[i], &err);
	}
	if (err)
		return err;
	n = strmap__cnt(w->strs);
	if (n > w->strs_written) {
		json_out__obj_begin(o);
		json_out__key_str(o, "type", "strings");
		json_out__key(o, "strings");
		json_out__arr_begin(o);
		for (; w->strs_written < n; w->strs_written++)
			json_out__str(o, strmap__key(w->strs, (uint32_t)w->strs_written, NULL));
		json_out__arr_end(o);
		json_out__obj_end(o);
		err = end_record(w);
		if (err)
			return err;
	}
	n = strmap__cnt(w->mods);
	if (n > w->mods_written) {
		json_out__obj_begin(o);
		json_out__key_str(o, "type", "modules");
		json_out__key(o, "modules");
		json_out__arr_begin(o);
		for (; w->mods_written < n; w->mods_written++) {
			uint32_t k[2]; /* (dev, ino); the key bytes need not be aligned */

			memcpy(k, strmap__key(w->mods, (uint32_t)w->mods_written, NULL), sizeof(k));

			json_out__arr_begin(o);
			json_out__uint(o, k[0]);
			json_out__uint(o, k[1]);
			json_out__uint(o, w->mod_base[w->mods_written]);
			json_out__arr_end(o);
		}
		json_out__arr_end(o);
		json_out__obj_end(o);
		err = end_record(w);
		if (err)
			return err;
	}
	json_out__obj_begin(o);
	json_out__key_str(o, "type", "stacks");
	json_out__key(o, "stacks");
	json_out__arr_begin(o);
	for (size_t c = 0; c < w->chunk_cnt; c++) {
		const struct stack_row *r = &snap->rows[w->chunk[c]];
		const struct stack_entry *e = stacktab__get(s->stacks, r->pid, r->stack_id);

		json_out__arr_begin(o);
		json_out__uint(o, r->pid);
		json_out__uint(o, r->stack_id);
		json_out__uint(o, e && e->truncated);
		if (e) {
			json_out__arr_begin(o);
			for (size_t i = 0; i < e->frame_cnt; i++, f++) {
				uint32_t num = w->fnums[f];

				if (num == w->frames_written) {
					write_frame_def(w, num);
					w->frames_written++;
				} else {
					json_out__uint(o, num);
				}
			}
			json_out__arr_end(o);
		}
		json_out__arr_end(o);
		w->stacks_written++;
	}
	json_out__arr_end(o);
	json_out__obj_end(o);
	w->chunk_cnt = 0;
	return end_record(w);
}

/* Numbers the stacks of the snapshot's rows, defining the new ones */
static int stacks_records(struct session_writer *w, const struct session *s,
			  const struct snapshot *snap)
{
	int err = 0;

	if (snap->row_cnt && ARRAY_GROW(w->row_stack, w->row_stack_cap, snap->row_cnt, 1024))
		return -ENOMEM;
	for (size_t i = 0; i < snap->row_cnt && !err; i++) {
		const struct stack_row *r = &snap->rows[i];
		struct stack_key k = { r->stack_id, r->pid };
		bool added;
		int64_t id = strmap__intern(w->stacks, &k, sizeof(k), &added);

		if (id < 0 || id >= UINT32_MAX)
			return -ENOMEM;
		w->row_stack[i] = (uint32_t)id;
		if (!added)
			continue;
		if (ARRAY_GROW(w->wstacks, w->wstack_cap, (size_t)id + 1, 1024) ||
		    ARRAY_GROW(w->chunk, w->chunk_cap, w->chunk_cnt + 1, STACKS_PER_RECORD))
			return -ENOMEM;
		memset(&w->wstacks[id], 0, sizeof(w->wstacks[id]));
		w->chunk[w->chunk_cnt++] = i;
		if (w->chunk_cnt == STACKS_PER_RECORD)
			err = define_chunk(w, s, snap);
	}
	if (!err && w->chunk_cnt)
		err = define_chunk(w, s, snap);
	return err;
}

static int snapshot_record(struct session_writer *w, const struct session *s,
			   const struct snapshot *snap)
{
	struct json_out *o = w->o;
	uint32_t prev = w->gen - 1;
	size_t gone = 0;

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
	/* the stacks that are new or changed since the last snapshot */
	json_out__key(o, "rows");
	json_out__arr_begin(o);
	for (size_t i = 0; i < snap->row_cnt; i++) {
		const struct stack_counts *c = &snap->rows[i].counts;
		struct wstack *ws = &w->wstacks[w->row_stack[i]];

		if (ws->gen == w->gen) /* a stack listed twice: the first row counts */
			continue;
		if (ws->gen != prev || memcmp(&ws->counts, c, sizeof(*c))) {
			json_out__arr_begin(o);
			json_out__uint(o, w->row_stack[i]);
			json_out__uint(o, c->live_bytes);
			json_out__uint(o, c->live_objects);
			json_out__uint(o, c->alloc_bytes);
			json_out__uint(o, c->alloc_objects);
			json_out__uint(o, c->freed_bytes);
			json_out__uint(o, c->freed_objects);
			json_out__arr_end(o);
			ws->counts = *c;
		}
		ws->gen = w->gen;
	}
	json_out__arr_end(o);
	/* and those of the last snapshot that this one does not have */
	for (size_t i = 0; i < w->stacks_written; i++) {
		if (w->wstacks[i].gen != prev)
			continue;
		if (!gone++) {
			json_out__key(o, "gone");
			json_out__arr_begin(o);
		}
		json_out__uint(o, i);
	}
	if (gone)
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
	if (!w->err) {
		w->gen++;
		w->err = stacks_records(w, s, snap) ?: snapshot_record(w, s, snap);
	}
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
	writer_free(w);
	return err;
}

/* ---- reading ---- */

int session_read__fail(struct reader *r, const char *what, const char *detail)
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
		return session_read__fail(r, "corrupt gzip data", zlib_reason(msg));
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
				return session_read__fail(r, "a record longer than 512 MiB",
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
			return session_read__fail(r, "binary data where a JSON record should be",
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

static int read_header(struct reader *r, json_t *rec)
{
	const char *type = json_string_value(json_object_get(rec, "type"));
	const json_t *ver = json_object_get(rec, "schema_version");
	const json_t *cmd = json_object_get(rec, "command");
	const json_t *alloc = json_object_get(rec, "allocator");
	const json_t *start = json_object_get(rec, "start_wall_ns"), *kind;
	const json_t *sample = json_object_get(rec, "sample_pages");
	uint64_t pid;
	struct errtext why;

	if (!type || strcmp(type, SESSION_FILE_TYPE))
		return session_read__fail(r, "not a perfan-bpf session file",
					  "the first record is not its header");
	if (!json_is_integer(ver) || json_integer_value(ver) < 1)
		return session_read__fail(r, "the header has no valid schema_version", NULL);
	if (json_integer_value(ver) > SESSION_SCHEMA_VERSION) {
		errtext__set(&why,
			     "schema_version %" JSON_INTEGER_FORMAT
			     " is newer than this perfan-bpf reads (%d); upgrade perfan-bpf",
			     json_integer_value(ver), SESSION_SCHEMA_VERSION);
		return session_read__fail(r, "written by a newer perfan-bpf", why.msg);
	}
	if (get_pid(rec, &pid, &why))
		return session_read__fail(r, "bad header", why.msg);
	if ((cmd && !json_is_null(cmd) && !json_is_string(cmd)) ||
	    (alloc && !json_is_null(alloc) && !json_is_string(alloc)) ||
	    (start && !json_is_integer(start)))
		return session_read__fail(r, "bad header",
					  "command, allocator or start_wall_ns of the wrong type");
	if (sample && !(json_is_integer(sample) && json_integer_value(sample) >= 1 &&
			json_integer_value(sample) <= (1 << 20)))
		return session_read__fail(r, "bad header", "sample_pages is not 1 to 1048576");
	r->s->sample_pages = sample ? (uint32_t)json_integer_value(sample) : 0;
	kind = json_object_get(rec, "kind");
	if (kind && !(json_is_string(kind) && (!strcmp(json_string_value(kind), "leak") ||
					       !strcmp(json_string_value(kind), "growth"))))
		return session_read__fail(r, "bad header",
					  "kind is neither \"leak\" nor \"growth\"");
	r->s->kind = kind && !strcmp(json_string_value(kind), "growth") ? SESSION_KIND_GROWTH
									: SESSION_KIND_LEAK;
	r->s->schema_version = (int)json_integer_value(ver);
	r->version = r->s->schema_version;
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

/* The header: the first record, of any schema, read with jansson (one small object) */
static int read_header_record(struct reader *r, const char *text, size_t len)
{
	json_error_t jerr;
	json_t *rec = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	int rc;

	if (!rec)
		return session_read__fail(r, "not a perfan-bpf session file", jerr.text);
	if (!json_is_object(rec)) {
		json_decref(rec);
		return session_read__fail(r, "not a perfan-bpf session file", "not a JSON object");
	}
	rc = read_header(r, rec);
	json_decref(rec);
	return rc;
}

static int read_record(struct reader *r, const char *text, size_t len)
{
	if (r->line == 1)
		return read_header_record(r, text, len);
	if (r->version == 1)
		return session_read_v1__record(r, text, len);
	return session_read_v2__record(r, text, len);
}

int session_file__read(const char *path, struct session *out, struct session_read_info *info)
{
	return session_file__read_keeping(path, out, info, NULL);
}

int session_file__read_keeping(const char *path, struct session *out,
			       struct session_read_info *info, const struct session_rows_keep *keep)
{
	struct reader r = { .s = out, .info = info };
	size_t len = 0;
	int rc;

	memset(info, 0, sizeof(*info));
	rc = session__init(out);
	if (rc)
		return rc;
	if (keep)
		out->keep_rows = *keep;
	errno = 0;
	r.gz = gzopen(path, "rb");
	if (!r.gz) {
		rc = errno ? -errno : -ENOMEM;
		errtext__set(&info->error, "%s", strerror(-rc));
		return rc;
	}
	gzbuffer(r.gz, 256u << 10); /* fewer, larger reads: files run to hundreds of MiB */
	for (;;) {
		int kind;

		r.line++;
		kind = next_line(&r, &len);
		if (kind <= 0) {
			rc = kind;
			if (!kind && r.line == 1)
				rc = session_read__fail(
					&r, "not a perfan-bpf session file",
					r.gz_cut ? "a gzip stream that ends before its first record"
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
	session_read_v2__end(&r);
	gzclose(r.gz);
	free(r.buf);
	out->keep_rows = (struct session_rows_keep){}; /* its labels are the caller's */
	return rc;
}
