// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Streamed encoding (lib/json_out.h) and validated decoding (jansson) of counts, frames,
 * loss counters and processes (see leak_json.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/sanitize.h"
#include "session/leak_json.h"

/* ---- encoders: the keys, order and types the jansson trees of earlier versions had, so the
 * bytes are the same ---- */

void leak_json__out_counts_members(struct json_out *o, const struct stack_counts *c)
{
	json_out__key_int(o, "live_bytes", (int64_t)c->live_bytes);
	json_out__key_int(o, "live_objects", (int64_t)c->live_objects);
	json_out__key_int(o, "alloc_bytes", (int64_t)c->alloc_bytes);
	json_out__key_int(o, "alloc_objects", (int64_t)c->alloc_objects);
	json_out__key_int(o, "freed_bytes", (int64_t)c->freed_bytes);
	json_out__key_int(o, "freed_objects", (int64_t)c->freed_objects);
}

/* "0x%" PRIx64, without printf: a frame has one and a report has millions of frames */
static void hex_address(uint64_t a, char buf[24])
{
	static const char digits[] = "0123456789abcdef";
	char tmp[16];
	int n = 0;

	do {
		tmp[n++] = digits[a & 15];
		a >>= 4;
	} while (a);
	buf[0] = '0';
	buf[1] = 'x';
	for (int i = 0; i < n; i++)
		buf[2 + i] = tmp[n - 1 - i];
	buf[2 + n] = '\0';
}

void leak_json__out_frame(struct json_out *o, const struct frame *f)
{
	char addr[24];

	hex_address(f->address, addr);
	json_out__obj_begin_line(o); /* a line per frame: a third of the bytes of big reports */
	json_out__key_str(o, "address", addr);
	json_out__key_str(o, "module", f->module);
	json_out__key_str(o, "build_id", f->build_id);
	json_out__key_str(o, "function", f->function);
	json_out__key_str(o, "raw_function", f->raw_function);
	json_out__key_int(o, "offset", (int64_t)f->offset);
	json_out__key_str(o, "file", f->file);
	json_out__key(o, "line");
	if (f->file)
		json_out__int(o, f->line);
	else
		json_out__null(o);
	json_out__key_bool(o, "inlined", f->inlined);
	json_out__obj_end(o);
}

void leak_json__out_frames(struct json_out *o, const struct frame *frames, size_t cnt)
{
	json_out__arr_begin(o);
	for (size_t i = 0; i < cnt; i++)
		leak_json__out_frame(o, &frames[i]);
	json_out__arr_end(o);
}

void leak_json__out_lost(struct json_out *o, const uint64_t lost[REPORT_LOST__MAX], bool growth)
{
	json_out__obj_begin(o);
	for (int k = 0; k < REPORT_LOST__MAX; k++)
		if (report_lost__applies(k, growth))
			json_out__key_int(o, report_lost__name(k), (int64_t)lost[k]);
	json_out__obj_end(o);
}

void leak_json__out_proc_members(struct json_out *o, const struct proc_row *p)
{
	json_out__key_int(o, "pid", p->pid);
	json_out__key_int(o, "ppid", p->ppid);
	json_out__key_str(o, "comm", p->comm);
	json_out__key(o, "rss_bytes");
	if (p->mem_known)
		json_out__int(o, (int64_t)p->rss_bytes);
	else
		json_out__null(o);
	json_out__key(o, "anon_bytes");
	if (p->mem_known)
		json_out__int(o, (int64_t)p->anon_bytes);
	else
		json_out__null(o);
	json_out__key_int(o, "growth_bytes", p->growth_bytes);
	json_out__key_real(o, "growth_bytes_per_s",
			   p->window_s > 0 ? (double)p->growth_bytes / p->window_s : 0);
	json_out__key_int(o, "anon_growth_bytes", p->anon_growth_bytes);
	json_out__key_real(o, "window_s", p->window_s);
	json_out__key_int(o, "held_bytes", (int64_t)p->held_bytes);
	json_out__key_int(o, "touched_bytes", (int64_t)p->touched_bytes);
	json_out__key_int(o, "heap_bytes", (int64_t)p->heap_bytes);
	json_out__key_bool(o, "exited", p->exited);
	json_out__key_int(o, "execs", p->execs);
	json_out__key_int(o, "forks", p->forks);
}

struct json_out *leak_json__doc_out(FILE *out)
{
	return json_out__new_file(out,
				  &(struct json_out_opts){ .indent = 2, .real_precision = 12 });
}

int leak_json__doc_close(struct json_out *o)
{
	json_out__raw(o, "\n", 1);
	return json_out__close(o);
}

/* ---- decoders ---- */

int leak_json__get_u64(const json_t *obj, const char *key, uint64_t *v, struct errtext *why)
{
	const json_t *j = json_object_get(obj, key);

	if (!json_is_integer(j) || json_integer_value(j) < 0) {
		errtext__set(why, "\"%s\" is %s, not a non-negative integer", key,
			     j ? "of another type or negative" : "missing");
		return -EINVAL;
	}
	*v = (uint64_t)json_integer_value(j);
	return 0;
}

int leak_json__parse_counts(const json_t *obj, struct stack_counts *c, struct errtext *why)
{
	if (!json_is_object(obj)) {
		errtext__set(why, "counts are not an object");
		return -EINVAL;
	}
	return leak_json__get_u64(obj, "live_bytes", &c->live_bytes, why) ?:
	       leak_json__get_u64(obj, "live_objects", &c->live_objects, why) ?:
	       leak_json__get_u64(obj, "alloc_bytes", &c->alloc_bytes, why) ?:
	       leak_json__get_u64(obj, "alloc_objects", &c->alloc_objects, why) ?:
	       leak_json__get_u64(obj, "freed_bytes", &c->freed_bytes, why) ?:
	       leak_json__get_u64(obj, "freed_objects", &c->freed_objects, why);
}

/* A string or null member, interned; -EINVAL for another type */
static int get_str(const json_t *obj, const char *key, const char **out, leak_json_intern_fn intern,
		   void *ctx, struct errtext *why)
{
	const json_t *j = json_object_get(obj, key);

	*out = NULL;
	if (!j || json_is_null(j))
		return 0;
	if (!json_is_string(j)) {
		errtext__set(why, "frame \"%s\" is not a string", key);
		return -EINVAL;
	}
	*out = intern(ctx, json_string_value(j));
	if (!*out) {
		errtext__set(why, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int leak_json__parse_frame(const json_t *obj, struct frame *f, leak_json_intern_fn intern,
			   void *ctx, struct errtext *why)
{
	const json_t *addr = json_object_get(obj, "address"), *line, *inl;
	const char *a;
	char *end;
	int rc;

	memset(f, 0, sizeof(*f));
	if (!json_is_object(obj)) {
		errtext__set(why, "a frame is not an object");
		return -EINVAL;
	}
	a = json_string_value(addr);
	errno = 0;
	if (!a || strncmp(a, "0x", 2) || !a[2] ||
	    (f->address = strtoull(a + 2, &end, 16), *end || errno)) {
		errtext__set(why, "frame \"address\" is not a hex string like \"0x7f00\"");
		return -EINVAL;
	}
	rc = get_str(obj, "module", &f->module, intern, ctx, why) ?:
	     get_str(obj, "build_id", &f->build_id, intern, ctx, why) ?:
	     get_str(obj, "function", &f->function, intern, ctx, why) ?:
	     get_str(obj, "raw_function", &f->raw_function, intern, ctx, why) ?:
	     get_str(obj, "file", &f->file, intern, ctx, why) ?:
	     leak_json__get_u64(obj, "offset", &f->offset, why);
	if (rc)
		return rc;
	if (!f->build_id)
		f->build_id = "";
	line = json_object_get(obj, "line");
	if (json_is_integer(line) && json_integer_value(line) >= 0 &&
	    json_integer_value(line) <= UINT32_MAX)
		f->line = (uint32_t)json_integer_value(line);
	else if (line && !json_is_null(line)) {
		errtext__set(why, "frame \"line\" is not a line number");
		return -EINVAL;
	}
	inl = json_object_get(obj, "inlined");
	if (inl && !json_is_boolean(inl)) {
		errtext__set(why, "frame \"inlined\" is not true or false");
		return -EINVAL;
	}
	f->inlined = json_is_true(inl);
	return 0;
}

int leak_json__parse_lost(const json_t *obj, uint64_t lost[REPORT_LOST__MAX], struct errtext *why)
{
	memset(lost, 0, sizeof(uint64_t) * REPORT_LOST__MAX);
	if (!json_is_object(obj)) {
		errtext__set(why, "\"lost\" is not an object");
		return -EINVAL;
	}
	for (int k = 0; k < REPORT_LOST__MAX; k++)
		if (json_object_get(obj, report_lost__name(k)) &&
		    leak_json__get_u64(obj, report_lost__name(k), &lost[k], why))
			return -EINVAL;
	return 0;
}

static int get_i64_opt(const json_t *obj, const char *key, int64_t *v, struct errtext *why)
{
	const json_t *j = json_object_get(obj, key);

	if (!j)
		return 0;
	if (!json_is_integer(j)) {
		errtext__set(why, "process \"%s\" is not an integer", key);
		return -EINVAL;
	}
	*v = json_integer_value(j);
	return 0;
}

int leak_json__parse_proc(const json_t *obj, struct proc_row *p, struct errtext *why)
{
	const json_t *comm = json_object_get(obj, "comm"), *rss = json_object_get(obj, "rss_bytes");
	const json_t *anon = json_object_get(obj, "anon_bytes"),
		     *win = json_object_get(obj, "window_s");
	uint64_t pid = 0, ppid = 0, execs = 0, forks = 0;

	memset(p, 0, sizeof(*p));
	if (!json_is_object(obj)) {
		errtext__set(why, "a process is not an object");
		return -EINVAL;
	}
	if (leak_json__get_u64(obj, "pid", &pid, why) || pid > UINT32_MAX) {
		errtext__set(why, "a process without a valid \"pid\"");
		return -EINVAL;
	}
	if ((json_object_get(obj, "ppid") && leak_json__get_u64(obj, "ppid", &ppid, why)) ||
	    (json_object_get(obj, "execs") && leak_json__get_u64(obj, "execs", &execs, why)) ||
	    (json_object_get(obj, "forks") && leak_json__get_u64(obj, "forks", &forks, why)) ||
	    (json_object_get(obj, "held_bytes") &&
	     leak_json__get_u64(obj, "held_bytes", &p->held_bytes, why)) ||
	    (json_object_get(obj, "touched_bytes") &&
	     leak_json__get_u64(obj, "touched_bytes", &p->touched_bytes, why)) ||
	    (json_object_get(obj, "heap_bytes") &&
	     leak_json__get_u64(obj, "heap_bytes", &p->heap_bytes, why)) ||
	    get_i64_opt(obj, "growth_bytes", &p->growth_bytes, why) ||
	    get_i64_opt(obj, "anon_growth_bytes", &p->anon_growth_bytes, why))
		return -EINVAL;
	p->pid = (uint32_t)pid;
	p->ppid = ppid > UINT32_MAX ? 0 : (uint32_t)ppid;
	p->execs = execs > UINT32_MAX ? UINT32_MAX : (uint32_t)execs;
	p->forks = forks > UINT32_MAX ? UINT32_MAX : (uint32_t)forks;
	if (json_is_string(comm)) {
		snprintf(p->comm, sizeof(p->comm), "%s", json_string_value(comm));
		sanitize__str(p->comm);
	}
	if (json_is_integer(rss) && json_is_integer(anon) && json_integer_value(rss) >= 0 &&
	    json_integer_value(anon) >= 0) {
		p->mem_known = true;
		p->rss_bytes = (uint64_t)json_integer_value(rss);
		p->anon_bytes = (uint64_t)json_integer_value(anon);
	}
	if (json_is_number(win) && json_number_value(win) >= 0 && json_number_value(win) < 1e12)
		p->window_s = json_number_value(win);
	p->exited = json_is_true(json_object_get(obj, "exited"));
	return 0;
}
