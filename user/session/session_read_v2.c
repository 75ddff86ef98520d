// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The records of schema 2 session files (docs/session-format.md): strings, modules, frames and
 * stacks defined once and referred to by number, snapshots as rows of the stacks that changed.
 * Read with the pull scanner of lib/jscan.h straight into the session model: no JSON tree, and
 * a frame is stored once, in the stack that defines it, which later stacks copy. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/array.h"
#include "lib/jscan.h"
#include "lib/sanitize.h"
#include "session/session_read.h"

struct v2_module {
	const char *path; /* NULL: no module */
	const char *build_id;
	uint64_t base; /* a frame's address is base + its delta */
};

struct v2_stack {
	const struct frame *frames; /* in the stack table; NULL when it has none */
	uint64_t stack_id;
	struct stack_counts counts; /* in the last snapshot */
	uint32_t pid;
	uint32_t gen; /* the last snapshot that listed it (rows or gone) */
	bool present; /* in the last snapshot */
};

struct v2_reader {
	struct jscan j;
	const char **strs; /* string n (1-based) is strs[n - 1] */
	size_t str_cnt, str_cap;
	struct v2_module *mods; /* module n (1-based) is mods[n - 1]; 0 is none */
	size_t mod_cnt, mod_cap;
	/* frame n is frame def_pos[n] of the stack that defined it, the last stack whose
	 * first_def (the number of the first frame it defines, or would) is not above n; the
	 * stack table owns the frames. 2 bytes a frame, as a file may define millions, and 4 a
	 * stack, searched apart from the rest (it stays in cache). */
	uint16_t *def_pos;
	size_t frame_cnt, frame_cap;
	uint32_t *first_def;
	size_t first_def_cap;
	/* coarse[k]: the stack that defines frame k * COARSE, where the search starts */
	uint32_t *coarse;
	size_t coarse_cnt, coarse_cap;
	struct v2_stack *stacks;
	size_t stack_cnt, stack_cap;
	uint32_t gen; /* snapshots read */
	/* scratch: the frames of the stack being read, and where its new frames are in it */
	struct frame *scratch;
	size_t scratch_cap;
	size_t *def_at;
	size_t def_cap;
};

void session_read_v2__end(struct reader *r)
{
	struct v2_reader *v = r->v2;

	if (!v)
		return;
	jscan__fini(&v->j);
	free(v->strs);
	free(v->mods);
	free(v->def_pos);
	free(v->first_def);
	free(v->coarse);
	free(v->stacks);
	free(v->scratch);
	free(v->def_at);
	free(v);
	r->v2 = NULL;
}

/* A grammar error of the scanner, or a reason of ours (the scanner's state says which) */
static int scan_fail(struct reader *r, const char *what)
{
	struct jscan *j = &r->v2->j;

	if (j->err == -ENOMEM)
		return -ENOMEM;
	return session_read__fail(r, j->err ? "corrupt record" : what, j->why);
}

/* Our own complaint about a record that is valid JSON: what, then detail */
static int bad(struct reader *r, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(struct reader *r, const char *what, const char *fmt, ...)
{
	char detail[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return session_read__fail(r, what, detail);
}

/* A count, an offset or a stack id: a non-negative integer that fits int64_t, as in schema 1
 * (the analyses compute signed deltas of counts) */
static uint64_t u63(struct jscan *j)
{
	const char *at = j->p;
	uint64_t v = jscan__u64(j);

	if (!j->err && v > INT64_MAX) {
		j->p = at;
		jscan__fail(j, "a count above 9223372036854775807");
	}
	return v;
}

/* A reference to a string (0: none): the string, or bad (the caller checks *ok) */
static const char *str_ref(struct v2_reader *v, uint64_t n, bool *ok)
{
	if (n > v->str_cnt) {
		*ok = false;
		return NULL;
	}
	return n ? v->strs[n - 1] : NULL;
}

static int read_strings(struct reader *r)
{
	struct v2_reader *v = r->v2;
	struct jscan *j = &v->j;
	bool first = true;

	if (!jscan__expect(j, '['))
		return scan_fail(r, "bad strings");
	while (jscan__more(j, ']', &first)) {
		const char *s = jscan__str(j, NULL);

		if (!s)
			break;
		if (ARRAY_GROW(v->strs, v->str_cap, v->str_cnt + 1, 256))
			return -ENOMEM;
		/* interned by the session: sanitized where they enter (sanitize.h) */
		s = session__intern(r->s, s);
		if (!s)
			return -ENOMEM;
		v->strs[v->str_cnt++] = s;
	}
	return j->err ? scan_fail(r, "bad strings") : 0;
}

static int read_modules(struct reader *r)
{
	struct v2_reader *v = r->v2;
	struct jscan *j = &v->j;
	bool first = true;

	if (!jscan__expect(j, '['))
		return scan_fail(r, "bad modules");
	while (jscan__more(j, ']', &first)) {
		uint64_t path, build;
		struct v2_module m;
		bool ok = true;

		jscan__expect(j, '[');
		path = jscan__u64(j);
		jscan__expect(j, ',');
		build = jscan__u64(j);
		jscan__expect(j, ',');
		m.base = jscan__u64(j);
		jscan__expect(j, ']');
		if (j->err)
			break;
		m.path = str_ref(v, path, &ok);
		m.build_id = str_ref(v, build, &ok);
		if (!ok)
			return bad(r, "bad module",
				   "a string reference beyond the %zu strings defined", v->str_cnt);
		if (!m.build_id)
			m.build_id = "";
		if (ARRAY_GROW(v->mods, v->mod_cap, v->mod_cnt + 1, 16))
			return -ENOMEM;
		v->mods[v->mod_cnt++] = m;
	}
	return j->err ? scan_fail(r, "bad modules") : 0;
}

/* A new frame: [module, address delta, function, offset, file, line, inlined?, raw?] */
static int read_frame_def(struct reader *r, struct frame *f)
{
	struct v2_reader *v = r->v2;
	struct jscan *j = &v->j;
	uint64_t mod, fn, file, line, raw = 0, inl = 0;
	int64_t delta;
	bool ok = true;

	memset(f, 0, sizeof(*f));
	mod = jscan__u64(j);
	jscan__expect(j, ',');
	delta = jscan__i64(j);
	jscan__expect(j, ',');
	fn = jscan__u64(j);
	jscan__expect(j, ',');
	f->offset = u63(j);
	jscan__expect(j, ',');
	file = jscan__u64(j);
	jscan__expect(j, ',');
	line = jscan__u64(j);
	if (jscan__eat(j, ',')) {
		inl = jscan__u64(j);
		if (jscan__eat(j, ','))
			raw = jscan__u64(j);
	}
	jscan__expect(j, ']');
	if (j->err)
		return scan_fail(r, "bad frame");
	if (mod > v->mod_cnt)
		return bad(r, "bad frame", "module %" PRIu64 " is not defined", mod);
	if (line > UINT32_MAX || inl > 1)
		return bad(r, "bad frame", "a line number or an inlined flag out of range");
	if (mod) {
		f->module = v->mods[mod - 1].path;
		f->build_id = v->mods[mod - 1].build_id;
		f->address = v->mods[mod - 1].base + (uint64_t)delta;
	} else {
		f->build_id = "";
		f->address = (uint64_t)delta;
	}
	f->function = str_ref(v, fn, &ok);
	f->file = str_ref(v, file, &ok);
	f->raw_function = str_ref(v, raw, &ok);
	if (!ok)
		return bad(r, "bad frame", "a string reference beyond the %zu strings defined",
			   v->str_cnt);
	f->line = f->file ? (uint32_t)line : 0;
	f->inlined = inl;
	return 0;
}

/* Frame n (< the frames of the stacks stored): in the last stack whose first_def is not
 * above n, the stacks that define none sharing their first_def with the next */
#define COARSE 64

static const struct frame *defined_frame(const struct v2_reader *v, uint32_t n)
{
	size_t k = n / COARSE;
	/* the answer is in [lo, hi) */
	size_t lo = v->coarse[k], hi = k + 1 < v->coarse_cnt ? v->coarse[k + 1] + 1 : v->stack_cnt;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (v->first_def[mid] <= n)
			lo = mid;
		else
			hi = mid;
	}
	return &v->stacks[lo].frames[v->def_pos[n]];
}

/* The frames of a stack into v->scratch: *cnt of them; the new ones are recorded in def_at */
static int read_stack_frames(struct reader *r, size_t *cnt, size_t *defs)
{
	struct v2_reader *v = r->v2;
	struct jscan *j = &v->j;
	size_t first_new = v->frame_cnt;
	bool first = true;
	int rc;

	*cnt = *defs = 0;
	while (jscan__more(j, ']', &first)) {
		struct frame *f;

		if (*cnt > UINT16_MAX)
			return bad(r, "bad stack", "more than %u frames", UINT16_MAX + 1);
		if (ARRAY_GROW(v->scratch, v->scratch_cap, *cnt + 1, 64))
			return -ENOMEM;
		f = &v->scratch[*cnt];
		if (jscan__eat(j, '[')) {
			rc = read_frame_def(r, f);
			if (rc)
				return rc;
			if (ARRAY_GROW(v->def_at, v->def_cap, *defs + 1, 64) ||
			    ARRAY_GROW(v->def_pos, v->frame_cap, v->frame_cnt + 1, 1024))
				return -ENOMEM;
			v->def_at[(*defs)++] = *cnt;
			v->def_pos[v->frame_cnt++] = (uint16_t)*cnt;
		} else {
			uint64_t n = jscan__u64(j);

			if (j->err)
				return scan_fail(r, "bad stack");
			if (n >= v->frame_cnt)
				return bad(r, "bad stack", "frame %" PRIu64 " is not defined", n);
			*f = n >= first_new ? v->scratch[v->def_at[n - first_new]]
					    : *defined_frame(v, (uint32_t)n);
		}
		(*cnt)++;
	}
	return j->err ? scan_fail(r, "bad stack") : 0;
}

/* [pid, stack id, flags, [frames]?] */
static int read_stack(struct reader *r)
{
	struct v2_reader *v = r->v2;
	struct jscan *j = &v->j;
	size_t first_new = v->frame_cnt, cnt = 0, defs = 0;
	struct frame *frames = NULL;
	uint64_t pid, id, flags;
	bool has_frames;
	int rc;

	pid = jscan__u64(j);
	jscan__expect(j, ',');
	id = u63(j);
	jscan__expect(j, ',');
	flags = jscan__u64(j);
	has_frames = jscan__eat(j, ',');
	if (has_frames)
		jscan__expect(j, '[');
	if (j->err)
		return scan_fail(r, "bad stack");
	if (pid > UINT32_MAX)
		return bad(r, "bad stack", "\"pid\" %" PRIu64 " is above 4294967295", pid);
	if (flags > 1)
		return bad(r, "bad stack", "flags %" PRIu64 " are not 0 or 1", flags);
	if (has_frames) {
		rc = read_stack_frames(r, &cnt, &defs);
		if (rc) {
			v->frame_cnt = first_new;
			return rc;
		}
	}
	if (!jscan__expect(j, ']')) {
		v->frame_cnt = first_new;
		return scan_fail(r, "bad stack");
	}
	if (v->stack_cnt >= UINT32_MAX || v->frame_cnt >= UINT32_MAX ||
	    ARRAY_GROW(v->stacks, v->stack_cap, v->stack_cnt + 1, 1024) ||
	    ARRAY_GROW(v->first_def, v->first_def_cap, v->stack_cnt + 1, 1024)) {
		v->frame_cnt = first_new;
		return -ENOMEM;
	}
	v->first_def[v->stack_cnt] = (uint32_t)first_new;
	v->stacks[v->stack_cnt++] = (struct v2_stack){ .pid = (uint32_t)pid, .stack_id = id };
	if (!has_frames)
		return 0; /* its frames were not known to the writer: rows may still name it */
	if (stacktab__get(r->s->stacks, (uint32_t)pid, id)) {
		v->frame_cnt = first_new;
		return bad(r, "bad stack", "stack %" PRIu64 " of pid %" PRIu64 " defined twice", id,
			   pid);
	}
	if (cnt) {
		frames = malloc(cnt * sizeof(*frames));
		if (!frames) {
			v->frame_cnt = first_new;
			return -ENOMEM;
		}
		memcpy(frames, v->scratch, cnt * sizeof(*frames));
	}
	rc = stacktab__put(r->s->stacks, (uint32_t)pid, id, frames, cnt);
	if (rc) {
		v->frame_cnt = first_new;
		return rc;
	}
	/* the array is the stack table's now, and stays where it is */
	v->stacks[v->stack_cnt - 1].frames = frames;
	for (size_t n = (first_new + COARSE - 1) / COARSE * COARSE; n < v->frame_cnt; n += COARSE) {
		if (ARRAY_GROW(v->coarse, v->coarse_cap, v->coarse_cnt + 1, 1024))
			return -ENOMEM;
		v->coarse[v->coarse_cnt++] = (uint32_t)(v->stack_cnt - 1);
	}
	if (flags & 1)
		stacktab__set_truncated(r->s->stacks, (uint32_t)pid, id, true);
	return 0;
}

static int read_stacks(struct reader *r)
{
	struct jscan *j = &r->v2->j;
	bool first = true;
	int rc;

	if (!jscan__expect(j, '['))
		return scan_fail(r, "bad stacks");
	while (jscan__more(j, ']', &first)) {
		if (!jscan__expect(j, '['))
			break;
		rc = read_stack(r);
		if (rc)
			return rc;
	}
	return j->err ? scan_fail(r, "bad stacks") : 0;
}

/* [stack, live_bytes, live_objects, alloc_bytes, alloc_objects, freed_bytes, freed_objects] */
static int read_rows(struct reader *r)
{
	struct v2_reader *v = r->v2;
	struct jscan *j = &v->j;
	bool first = true;

	if (!jscan__expect(j, '['))
		return scan_fail(r, "bad snapshot");
	while (jscan__more(j, ']', &first)) {
		struct stack_counts c;
		uint64_t n;

		jscan__expect(j, '[');
		n = jscan__u64(j);
		jscan__expect(j, ',');
		c.live_bytes = u63(j);
		jscan__expect(j, ',');
		c.live_objects = u63(j);
		jscan__expect(j, ',');
		c.alloc_bytes = u63(j);
		jscan__expect(j, ',');
		c.alloc_objects = u63(j);
		jscan__expect(j, ',');
		c.freed_bytes = u63(j);
		jscan__expect(j, ',');
		c.freed_objects = u63(j);
		if (!jscan__expect(j, ']'))
			break;
		if (n >= v->stack_cnt)
			return bad(r, "bad snapshot row", "stack %" PRIu64 " is not defined", n);
		if (v->stacks[n].gen == v->gen)
			return bad(r, "bad snapshot row", "stack %" PRIu64 " listed twice", n);
		v->stacks[n].gen = v->gen;
		v->stacks[n].present = true;
		v->stacks[n].counts = c;
	}
	return j->err ? scan_fail(r, "bad snapshot row") : 0;
}

static int read_gone(struct reader *r)
{
	struct v2_reader *v = r->v2;
	struct jscan *j = &v->j;
	bool first = true;

	if (!jscan__expect(j, '['))
		return scan_fail(r, "bad snapshot");
	while (jscan__more(j, ']', &first)) {
		uint64_t n = jscan__u64(j);

		if (j->err)
			break;
		if (n >= v->stack_cnt || !v->stacks[n].present || v->stacks[n].gen == v->gen)
			return bad(r, "bad snapshot",
				   "gone stack %" PRIu64 " was not in the previous snapshot", n);
		v->stacks[n].gen = v->gen;
		v->stacks[n].present = false;
	}
	return j->err ? scan_fail(r, "bad snapshot") : 0;
}

static int read_lost(struct reader *r, uint64_t lost[REPORT_LOST__MAX])
{
	struct jscan *j = &r->v2->j;
	bool first = true;

	if (!jscan__expect(j, '{'))
		return scan_fail(r, "bad snapshot");
	while (jscan__more(j, '}', &first)) {
		const char *k = jscan__key(j, NULL);
		int kind = -1;

		if (!k)
			break;
		for (int i = 0; i < REPORT_LOST__MAX; i++)
			if (!strcmp(k, report_lost__name(i)))
				kind = i;
		if (kind < 0)
			jscan__skip(j); /* a counter of a newer writer */
		else
			lost[kind] = u63(j);
	}
	return j->err ? scan_fail(r, "bad snapshot") : 0;
}

/* An integer when one comes next (*is set); a real number or another value is skipped, as
 * a reader of trees ignores a member of the wrong type */
static int64_t opt_int(struct jscan *j, bool *is)
{
	int c = jscan__peek(j);
	const char *p = j->p;

	*is = false;
	if (c != '-' && (c < '0' || c > '9')) {
		jscan__skip(j);
		return 0;
	}
	while (p < j->end && (*p == '-' || (*p >= '0' && *p <= '9')))
		p++;
	if (p < j->end && (*p == '.' || *p == 'e' || *p == 'E')) {
		jscan__num(j);
		return 0;
	}
	*is = true;
	return jscan__i64(j);
}

/* A process object, as leak_json__parse_proc reads one: pid required, other keys optional */
static int read_proc(struct reader *r, struct proc_row *p)
{
	struct jscan *j = &r->v2->j;
	bool first = true, has_pid = false, rss_ok = false, anon_ok = false, is;
	int64_t rss = -1, anon = -1;

	memset(p, 0, sizeof(*p));
	if (jscan__peek(j) != '{') {
		if (!j->err)
			return session_read__fail(r, "bad snapshot process",
						  "a process is not an object");
		return scan_fail(r, "bad snapshot process");
	}
	j->p++;
	while (jscan__more(j, '}', &first)) {
		const char *k = jscan__key(j, NULL);
		char key[24];
		uint64_t u;

		if (!k)
			break;
		snprintf(key, sizeof(key), "%s", k);
		if (!strcmp(key, "pid")) {
			u = jscan__u64(j);
			if (j->err || u > UINT32_MAX)
				return session_read__fail(r, "bad snapshot process",
							  "a process without a valid \"pid\"");
			p->pid = (uint32_t)u;
			has_pid = true;
		} else if (!strcmp(key, "ppid")) {
			u = jscan__u64(j);
			p->ppid = u > UINT32_MAX ? 0 : (uint32_t)u;
		} else if (!strcmp(key, "execs") || !strcmp(key, "forks")) {
			u = jscan__u64(j);
			*(key[0] == 'e' ? &p->execs : &p->forks) = u > UINT32_MAX ? UINT32_MAX
										  : (uint32_t)u;
		} else if (!strcmp(key, "held_bytes")) {
			p->held_bytes = u63(j);
		} else if (!strcmp(key, "touched_bytes")) {
			p->touched_bytes = u63(j);
		} else if (!strcmp(key, "heap_bytes")) {
			p->heap_bytes = u63(j);
		} else if (!strcmp(key, "growth_bytes") || !strcmp(key, "anon_growth_bytes")) {
			int64_t v = jscan__i64(j);

			if (j->err == -EINVAL) {
				j->err = 0;
				return bad(r, "bad snapshot process",
					   "process \"%s\" is not an integer", key);
			}
			*(key[0] == 'g' ? &p->growth_bytes : &p->anon_growth_bytes) = v;
		} else if (!strcmp(key, "comm")) {
			if (jscan__peek(j) == '"') {
				snprintf(p->comm, sizeof(p->comm), "%s", jscan__str(j, NULL) ?: "");
				sanitize__str(p->comm);
			} else {
				jscan__skip(j);
			}
		} else if (!strcmp(key, "rss_bytes")) {
			rss = opt_int(j, &is);
			rss_ok = is && rss >= 0;
		} else if (!strcmp(key, "anon_bytes")) {
			anon = opt_int(j, &is);
			anon_ok = is && anon >= 0;
		} else if (!strcmp(key, "window_s")) {
			int c = jscan__peek(j);

			if (c == '-' || (c >= '0' && c <= '9')) {
				double w = jscan__num(j);

				if (w >= 0 && w < 1e12)
					p->window_s = w;
			} else {
				jscan__skip(j);
			}
		} else if (!strcmp(key, "exited")) {
			int c = jscan__peek(j);

			if (c == 't' || c == 'f')
				p->exited = jscan__bool(j) == 1;
			else
				jscan__skip(j);
		} else {
			jscan__skip(j);
		}
	}
	if (j->err)
		return scan_fail(r, "bad snapshot process");
	if (!has_pid)
		return session_read__fail(r, "bad snapshot process",
					  "a process without a valid \"pid\"");
	if (rss_ok && anon_ok) {
		p->mem_known = true;
		p->rss_bytes = (uint64_t)rss;
		p->anon_bytes = (uint64_t)anon;
	}
	return 0;
}

static int read_procs(struct reader *r, struct snapshot *snap, size_t *cap)
{
	struct jscan *j = &r->v2->j;
	bool first = true;
	int rc;

	if (jscan__peek(j) != '[') {
		if (!j->err)
			return session_read__fail(r, "bad snapshot",
						  "\"processes\" is not an array");
		return scan_fail(r, "bad snapshot");
	}
	j->p++;
	while (jscan__more(j, ']', &first)) {
		if (ARRAY_GROW(snap->procs, *cap, snap->proc_cnt + 1, 16))
			return -ENOMEM;
		rc = read_proc(r, &snap->procs[snap->proc_cnt]);
		if (rc)
			return rc;
		snap->proc_cnt++;
	}
	return j->err ? scan_fail(r, "bad snapshot") : 0;
}

enum snap_key {
	SK_LABEL,
	SK_WALL,
	SK_MONO,
	SK_ELAPSED,
	SK_PID,
	SK_RSS,
	SK_ANON,
	SK_LOST,
	SK_ROWS,
	SK_GONE,
	SK_PROCS,
	SK__MAX,
};
static const char *const snap_keys[SK__MAX] = {
	"label",      "wall_ns", "mono_ns", "elapsed_s", "pid",	      "rss_bytes",
	"anon_bytes", "lost",	 "rows",    "gone",	 "processes",
};

static int read_snapshot(struct reader *r, bool first)
{
	struct v2_reader *v = r->v2;
	struct jscan *j = &v->j;
	struct snapshot snap = {};
	unsigned seen = 0;
	bool rss_ok = false, anon_ok = false, is;
	int64_t rss = -1, anon = -1;
	size_t proc_cap = 0, n = 0;
	uint64_t pid = 0;
	int rc = 0;

	v->gen++;
	while (!rc && jscan__more(j, '}', &first)) {
		const char *k = jscan__key(j, NULL);
		int key = -1;

		if (!k)
			break;
		for (int i = 0; i < SK__MAX; i++)
			if (!strcmp(k, snap_keys[i]))
				key = i;
		if (key >= 0 && (seen & 1u << key)) {
			rc = bad(r, "corrupt record", "\"%s\" twice", snap_keys[key]);
			break;
		}
		if (key >= 0)
			seen |= 1u << key;
		switch (key) {
		case SK_LABEL:
			if (jscan__peek(j) != '"') {
				rc = j->err ? scan_fail(r, "")
					    : session_read__fail(r, "a snapshot without a label",
								 NULL);
				break;
			}
			free(snap.label);
			k = jscan__str(j, NULL);
			if (k && !(snap.label = strdup(k)))
				rc = -ENOMEM;
			break;
		case SK_WALL:
			snap.wall_ns = jscan__i64(j);
			break;
		case SK_MONO:
			snap.mono_ns = jscan__i64(j);
			break;
		case SK_ELAPSED:
			snap.elapsed_s = jscan__num(j);
			break;
		case SK_PID:
			pid = jscan__u64(j);
			if (!j->err && pid > UINT32_MAX)
				rc = bad(r, "bad snapshot",
					 "\"pid\" %" PRIu64 " is above 4294967295", pid);
			break;
		case SK_RSS:
			rss = opt_int(j, &is);
			rss_ok = is && rss >= 0;
			break;
		case SK_ANON:
			anon = opt_int(j, &is);
			anon_ok = is && anon >= 0;
			break;
		case SK_LOST:
			rc = read_lost(r, snap.lost);
			break;
		case SK_ROWS:
			rc = read_rows(r);
			break;
		case SK_GONE:
			rc = read_gone(r);
			break;
		case SK_PROCS:
			rc = read_procs(r, &snap, &proc_cap);
			break;
		default:
			jscan__skip(j); /* seq, totals (recomputed), keys of newer writers */
		}
	}
	if (!rc && j->err)
		rc = scan_fail(r, "bad snapshot");
	if (!rc && !(seen & 1u << SK_LABEL))
		rc = session_read__fail(r, "a snapshot without a label", NULL);
	if (!rc && !(seen & 1u << SK_ROWS))
		rc = session_read__fail(r, "a snapshot without a \"rows\" array", NULL);
	if (!rc && (~seen & (1u << SK_WALL | 1u << SK_MONO | 1u << SK_ELAPSED)))
		rc = session_read__fail(r, "a snapshot without wall_ns, mono_ns or elapsed_s",
					NULL);
	if (!rc && !(seen & 1u << SK_PID))
		rc = session_read__fail(r, "bad snapshot", "\"pid\" is missing");
	if (!rc && !(seen & 1u << SK_LOST))
		rc = session_read__fail(r, "bad snapshot", "\"lost\" is missing");
	if (!rc) {
		/* the snapshot: every stack present after its changes */
		for (size_t i = 0; i < v->stack_cnt; i++)
			n += v->stacks[i].present;
		/* its own array, of its size, handed to the session: no second copy of a
		 * snapshot of 100,000 rows */
		if (n && !(snap.rows = malloc(n * sizeof(*snap.rows))))
			rc = -ENOMEM;
	}
	if (!rc) {
		n = 0;
		for (size_t i = 0; i < v->stack_cnt; i++)
			if (v->stacks[i].present)
				snap.rows[n++] = (struct stack_row){ v->stacks[i].pid,
								     v->stacks[i].stack_id,
								     v->stacks[i].counts };
		snap.row_cnt = n;
		snap.pid = (uint32_t)pid;
		if (rss_ok && anon_ok) {
			snap.mem_known = true;
			snap.rss_bytes = (uint64_t)rss;
			snap.anon_bytes = (uint64_t)anon;
		}
		if (!session__take_snapshot(r->s, &snap))
			rc = -ENOMEM;
		snap.rows = NULL;
	}
	free(snap.rows);
	free(snap.label);
	free(snap.procs);
	return rc;
}

/* The key of a known array-holding record, whatever its position among the keys */
static int read_defs(struct reader *r, bool first, const char *key, int (*fn)(struct reader *r))
{
	struct jscan *j = &r->v2->j;
	bool seen = false;
	int rc;

	while (jscan__more(j, '}', &first)) {
		const char *k = jscan__key(j, NULL);

		if (!k)
			break;
		if (strcmp(k, key)) {
			jscan__skip(j);
			continue;
		}
		if (seen)
			return bad(r, "corrupt record", "\"%s\" twice", key);
		seen = true;
		rc = fn(r);
		if (rc)
			return rc;
	}
	if (j->err)
		return scan_fail(r, "corrupt record");
	if (!seen)
		return bad(r, "corrupt record", "a %s record without a \"%s\" array", key, key);
	return 0;
}

int session_read_v2__record(struct reader *r, const char *text, size_t len)
{
	struct v2_reader *v = r->v2;
	struct jscan *j;
	char type[16] = "";
	size_t keys_before = 0;
	bool first = true;
	int rc;

	if (!v) {
		v = r->v2 = calloc(1, sizeof(*v));
		if (!v)
			return -ENOMEM;
		jscan__init(&v->j, text, len);
	}
	j = &v->j;
	jscan__reset(j, text, len);
	if (jscan__peek(j) != '{') {
		jscan__skip(j); /* the grammar error, if it is one */
		return j->err ? scan_fail(r, "corrupt record")
			      : session_read__fail(r, "corrupt record", "not a JSON object");
	}
	j->p++;
	/* the writer puts "type" first; when another key comes first, find it and start over */
	while (jscan__more(j, '}', &first)) {
		const char *k = jscan__key(j, NULL);

		if (!k)
			break;
		if (!strcmp(k, "type") && jscan__peek(j) == '"') {
			k = jscan__str(j, NULL);
			if (k)
				snprintf(type, sizeof(type), "%s", k);
			break;
		}
		keys_before++;
		jscan__skip(j);
	}
	if (j->err)
		return scan_fail(r, "corrupt record");
	if (!type[0])
		return session_read__fail(r, "corrupt record", "no \"type\"");
	if (keys_before) {
		/* read again from the start, "type" skipped like any unknown key */
		jscan__reset(j, text, len);
		jscan__expect(j, '{');
		first = true;
	}
	if (!strcmp(type, "strings"))
		rc = read_defs(r, first, "strings", read_strings);
	else if (!strcmp(type, "modules"))
		rc = read_defs(r, first, "modules", read_modules);
	else if (!strcmp(type, "stacks"))
		rc = read_defs(r, first, "stacks", read_stacks);
	else if (!strcmp(type, "snapshot"))
		rc = read_snapshot(r, first);
	else {
		/* a record type of a newer writer: checked as JSON, then skipped */
		while (jscan__more(j, '}', &first)) {
			jscan__key(j, NULL);
			jscan__skip(j);
		}
		rc = j->err ? scan_fail(r, "corrupt record") : 0;
	}
	if (!rc) {
		jscan__end(j);
		if (j->err)
			rc = scan_fail(r, "corrupt record");
	}
	return rc;
}
