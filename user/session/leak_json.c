// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Encoding and validated decoding of counts, frames and loss counters (see leak_json.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/json_put.h"
#include "lib/sanitize.h"
#include "session/leak_json.h"

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF, as jansson checks), or 0 */
static size_t utf8_seq_len(const unsigned char *s, size_t left)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (left < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* Paths and symbol names are bytes, but json_string() takes only UTF-8 and returns NULL
 * otherwise, which used to fail the whole report. Each byte that does not start a well-formed
 * sequence becomes U+FFFD, so one Latin-1 directory name costs its own characters only. */
json_t *leak_json__str(const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *end;
	json_t *j;
	char *buf, *o;

	if (!s)
		return json_null();
	j = json_string(s);
	if (j)
		return j;
	end = p + strlen(s);
	buf = malloc(3 * (size_t)(end - p) + 1);
	if (!buf)
		return NULL;
	for (o = buf; p < end;) {
		size_t n = utf8_seq_len(p, (size_t)(end - p));

		if (n) {
			memcpy(o, p, n);
			o += n;
			p += n;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			p++;
		}
	}
	*o = '\0';
	j = json_string(buf);
	free(buf);
	return j;
}

json_t *leak_json__counts(const struct stack_counts *c)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "live_bytes", (json_int_t)c->live_bytes,
			 "live_objects", (json_int_t)c->live_objects, "alloc_bytes",
			 (json_int_t)c->alloc_bytes, "alloc_objects", (json_int_t)c->alloc_objects,
			 "freed_bytes", (json_int_t)c->freed_bytes, "freed_objects",
			 (json_int_t)c->freed_objects);
}

json_t *leak_json__frame(const struct frame *f)
{
	char addr[24];

	snprintf(addr, sizeof(addr), "0x%" PRIx64, f->address);
	return json_pack("{s:s,s:o,s:o,s:o,s:o,s:I,s:o,s:o,s:b}", "address", addr, "module",
			 leak_json__str(f->module), "build_id", leak_json__str(f->build_id),
			 "function", leak_json__str(f->function), "raw_function",
			 leak_json__str(f->raw_function), "offset", (json_int_t)f->offset, "file",
			 leak_json__str(f->file), "line",
			 f->file ? json_integer(f->line) : json_null(), "inlined", f->inlined);
}

json_t *leak_json__frames(const struct frame *frames, size_t cnt)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < cnt; i++)
		if (json_array_append_new(arr, leak_json__frame(&frames[i]))) {
			json_decref(arr);
			arr = NULL;
		}
	return arr;
}

json_t *leak_json__lost(const uint64_t lost[REPORT_LOST__MAX], bool growth)
{
	json_t *obj = json_object();

	if (!obj)
		return NULL;
	for (int k = 0; k < REPORT_LOST__MAX; k++)
		if (report_lost__applies(k, growth) &&
		    json_object_set_new(obj, report_lost__name(k),
					json_integer((json_int_t)lost[k]))) {
			json_decref(obj);
			return NULL;
		}
	return obj;
}

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

int leak_json__write_doc(json_t *doc, FILE *out)
{
	int err = 0;

	if (!doc)
		return -ENOMEM;
	if (json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12)) ||
	    fputc('\n', out) == EOF || ferror(out))
		err = -EIO;
	json_decref(doc);
	return err;
}

json_t *leak_json__proc(const struct proc_row *p)
{
	json_t *o = json_object();
	int err = 0;

	json__put(o, "pid", json_integer(p->pid), &err);
	json__put(o, "ppid", json_integer(p->ppid), &err);
	json__put(o, "comm", leak_json__str(p->comm), &err);
	json__put(o, "rss_bytes",
		  p->mem_known ? json_integer((json_int_t)p->rss_bytes) : json_null(), &err);
	json__put(o, "anon_bytes",
		  p->mem_known ? json_integer((json_int_t)p->anon_bytes) : json_null(), &err);
	json__put(o, "growth_bytes", json_integer(p->growth_bytes), &err);
	json__put(o, "growth_bytes_per_s",
		  json_real(p->window_s > 0 ? (double)p->growth_bytes / p->window_s : 0), &err);
	json__put(o, "anon_growth_bytes", json_integer(p->anon_growth_bytes), &err);
	json__put(o, "window_s", json_real(p->window_s), &err);
	json__put(o, "held_bytes", json_integer((json_int_t)p->held_bytes), &err);
	json__put(o, "touched_bytes", json_integer((json_int_t)p->touched_bytes), &err);
	json__put(o, "heap_bytes", json_integer((json_int_t)p->heap_bytes), &err);
	json__put(o, "exited", json_boolean(p->exited), &err);
	json__put(o, "execs", json_integer(p->execs), &err);
	json__put(o, "forks", json_integer(p->forks), &err);
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
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
