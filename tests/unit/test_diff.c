// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of diff.h and diff_report.h on constructed sessions with known answers: per-stack
 * deltas and statuses (grew, shrank, appeared, vanished, unchanged, freed in both), the total
 * order with its tie-breaks, totals and the strict leak threshold, RSS beside the heap and the
 * unexplained part, loss counters, corrupt inputs (a stack listed twice, counts at INT64_MAX),
 * and both formatters: the JSON parsed back field by field, the text compared whole. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "analysis/diff.h"
#include "output/diff_report.h"
#include "output/report_format.h"
#include "session_fixture.h"

#define LIBC "/lib/x86_64-linux-gnu/libc.so.6"

/* Stack ids and what happens to them between A and B */
static const struct fx_row rows_a[] = {
	{ 100, 1, 1000, 10, 1000, 10 }, /* grows to 5000 / 50 */
	{ 100, 2, 800, 8, 900, 9 },	/* vanishes */
	{ 100, 4, 500, 5, 500, 5 },	/* unchanged */
	{ 100, 5, 2000, 20, 2000, 20 }, /* shrinks to 1000 / 10 */
	{ 100, 6, 0, 0, 64, 1 },	/* nothing live in A or B: left out */
	{ 100, 7, 0, 0, 10, 1 },	/* nothing live in A, 4000 / 40 in B: appeared */
};
static const struct fx_row rows_b[] = {
	{ 100, 1, 5000, 50, 6000, 60 }, { 100, 3, 3000, 3, 3000, 3 },
	{ 100, 4, 500, 5, 500, 5 },	{ 100, 5, 1000, 10, 2000, 20 },
	{ 100, 6, 0, 0, 64, 1 },	{ 100, 7, 4000, 40, 4010, 41 },
	{ 100, 9, 100, 1, 100, 1 },	{ 100, 8, 100, 1, 100, 1 },
};

static void basic_session(struct session *s)
{
	fx_init(s, 100, LIBC);
	/* stack 1 allocates through malloc in libc: named by its first frame outside libc */
	{
		struct frame *f = calloc(2, sizeof(*f));

		assert_non_null(f);
		f[0] = (struct frame){ .address = 0x7f00001000,
				       .module = session__intern(s, LIBC),
				       .build_id = "",
				       .function = session__intern(s, "malloc"),
				       .offset = 0x20 };
		f[1] = (struct frame){ .address = 0x401234,
				       .module = session__intern(s, "/srv/server"),
				       .build_id = "",
				       .function = session__intern(s, "keep_sessions"),
				       .offset = 0x14,
				       .file = session__intern(s, "/src/server.c"),
				       .line = 212 };
		assert_int_equal(stacktab__put(s->stacks, 100, 1, f, 2), 0);
	}
	fx_stack(s, 100, 3, "/srv/server", "load_config", NULL, 0);
	fx_stack(s, 100, 5, "/srv/server", "shrink_me", "/src/s.c", 9);
	fx_snap(s, "A", rows_a, sizeof(rows_a) / sizeof(rows_a[0]));
	fx_snap(s, "B", rows_b, sizeof(rows_b) / sizeof(rows_b[0]));
}

struct want {
	uint64_t id, a_bytes, b_bytes, a_objs, b_objs;
	int64_t byte_delta, object_delta;
	enum diff_status status;
};

static void assert_stack(const struct diff_stack *got, const struct want *w)
{
	assert_int_equal(got->pid, 100);
	assert_int_equal(got->stack_id, w->id);
	assert_int_equal(got->live_bytes_a, w->a_bytes);
	assert_int_equal(got->live_bytes_b, w->b_bytes);
	assert_int_equal(got->live_objects_a, w->a_objs);
	assert_int_equal(got->live_objects_b, w->b_objs);
	assert_int_equal(got->byte_delta, w->byte_delta);
	assert_int_equal(got->object_delta, w->object_delta);
	assert_int_equal(got->status, w->status);
}

/* In order: byte growth, then object growth, then live bytes in B, then stack id */
static const struct want basic_want[] = {
	{ 1, 1000, 5000, 10, 50, 4000, 40, DIFF_GREW },
	{ 7, 0, 4000, 0, 40, 4000, 40, DIFF_APPEARED },
	{ 3, 0, 3000, 0, 3, 3000, 3, DIFF_APPEARED },
	{ 8, 0, 100, 0, 1, 100, 1, DIFF_APPEARED },
	{ 9, 0, 100, 0, 1, 100, 1, DIFF_APPEARED },
	{ 4, 500, 500, 5, 5, 0, 0, DIFF_UNCHANGED },
	{ 2, 800, 0, 8, 0, -800, -8, DIFF_VANISHED },
	{ 5, 2000, 1000, 20, 10, -1000, -10, DIFF_SHRANK },
};

static void test_per_stack_deltas(void **state)
{
	struct session s;
	struct snapshot_diff d;
	(void)state;

	basic_session(&s);
	assert_int_equal(diff__compute(&s, &s.snaps[0], &s.snaps[1],
				       &(struct diff_opts){ DIFF_DEFAULT_LEAK_THRESHOLD }, &d),
			 0);
	assert_int_equal(d.stack_cnt, 8);
	for (size_t i = 0; i < 8; i++)
		assert_stack(&d.stacks[i], &basic_want[i]);
	/* frames come from the session's stack table; none for stacks never symbolized */
	assert_int_equal(d.stacks[0].frame_cnt, 2);
	assert_string_equal(d.stacks[0].frames[1].function, "keep_sessions");
	assert_null(d.stacks[1].frames);
	assert_int_equal(d.stacks[1].frame_cnt, 0);
	/* allocated between the snapshots, from the cumulative counters */
	assert_int_equal(d.stacks[0].alloc_bytes_between, 5000);
	assert_int_equal(d.stacks[0].alloc_objects_between, 50);
	assert_int_equal(d.stacks[1].alloc_bytes_between, 4000);
	assert_int_equal(d.stacks[1].alloc_objects_between, 40);
	assert_int_equal(d.stacks[7].alloc_bytes_between, 0);
	assert_int_equal(d.status_cnt[DIFF_APPEARED], 4);
	assert_int_equal(d.status_cnt[DIFF_VANISHED], 1);
	assert_int_equal(d.status_cnt[DIFF_GREW], 1);
	assert_int_equal(d.status_cnt[DIFF_SHRANK], 1);
	assert_int_equal(d.status_cnt[DIFF_UNCHANGED], 1);
	/* totals */
	assert_int_equal(d.live_bytes_a, 4300);
	assert_int_equal(d.live_objects_a, 43);
	assert_int_equal(d.live_bytes_b, 13700);
	assert_int_equal(d.live_objects_b, 110);
	assert_int_equal(d.byte_delta, 9400);
	assert_int_equal(d.object_delta, 67);
	assert_false(d.leak_suspected);
	assert_int_equal(d.leak_threshold, 1000);
	assert_ptr_equal(d.a, &s.snaps[0]);
	assert_ptr_equal(d.b, &s.snaps[1]);
	assert_int_equal(d.pid, 100);
	assert_string_equal(d.allocator, LIBC);
	assert_false(d.mem.known);
	diff__free(&d);
	assert_null(d.stacks);
	diff__free(NULL);
	session__free(&s);
}

static void test_leak_threshold_is_strict(void **state)
{
	struct session s;
	struct snapshot_diff d;
	(void)state;

	basic_session(&s);
	/* 67 new objects: above 66, not above 67 */
	assert_int_equal(diff__compute(&s, &s.snaps[0], &s.snaps[1], &(struct diff_opts){ 66 }, &d),
			 0);
	assert_true(d.leak_suspected);
	assert_int_equal(d.leak_threshold, 66);
	diff__free(&d);
	assert_int_equal(diff__compute(&s, &s.snaps[0], &s.snaps[1], &(struct diff_opts){ 67 }, &d),
			 0);
	assert_false(d.leak_suspected);
	diff__free(&d);
	/* the other way round: -67 objects is never a leak, even with threshold 0 */
	assert_int_equal(diff__compute(&s, &s.snaps[1], &s.snaps[0], &(struct diff_opts){ 0 }, &d),
			 0);
	assert_int_equal(d.object_delta, -67);
	assert_int_equal(d.byte_delta, -9400);
	assert_false(d.leak_suspected);
	diff__free(&d);
	session__free(&s);
}

/* B before A: every delta changes sign, appeared and vanished swap */
static void test_reversed_and_self(void **state)
{
	struct session s;
	struct snapshot_diff d;
	(void)state;

	basic_session(&s);
	assert_int_equal(diff__compute(&s, &s.snaps[1], &s.snaps[0], &(struct diff_opts){ 1000 },
				       &d),
			 0);
	assert_int_equal(d.stack_cnt, 8);
	/* largest growth first: shrank 5 (+1000), vanished 2 (+800), unchanged 4, ... */
	assert_int_equal(d.stacks[0].stack_id, 5);
	assert_int_equal(d.stacks[0].status, DIFF_GREW);
	assert_int_equal(d.stacks[1].stack_id, 2);
	assert_int_equal(d.stacks[1].status, DIFF_APPEARED);
	assert_int_equal(d.stacks[2].stack_id, 4);
	assert_int_equal(d.stacks[3].stack_id, 8);
	assert_int_equal(d.stacks[3].status, DIFF_VANISHED);
	assert_int_equal(d.stacks[4].stack_id, 9);
	assert_int_equal(d.stacks[5].stack_id, 3);
	/* -4000 / -40 twice: the one with more live bytes in B (A here: 1000 > 0) first */
	assert_int_equal(d.stacks[6].stack_id, 1);
	assert_int_equal(d.stacks[6].status, DIFF_SHRANK);
	assert_int_equal(d.stacks[7].stack_id, 7);
	assert_int_equal(d.stacks[7].status, DIFF_VANISHED);
	diff__free(&d);
	/* a snapshot against itself: nothing changed */
	assert_int_equal(diff__compute(&s, &s.snaps[1], &s.snaps[1], &(struct diff_opts){ 0 }, &d),
			 0);
	assert_int_equal(d.stack_cnt, 7);
	assert_int_equal(d.status_cnt[DIFF_UNCHANGED], 7);
	assert_int_equal(d.byte_delta, 0);
	assert_int_equal(d.object_delta, 0);
	assert_false(d.leak_suspected);
	for (size_t i = 0; i < d.stack_cnt; i++)
		assert_int_equal(d.stacks[i].byte_delta, 0);
	/* equal deltas: by live bytes (5000, 4000, 3000, 1000, 500, 100, 100), then stack id */
	assert_int_equal(d.stacks[0].stack_id, 1);
	assert_int_equal(d.stacks[5].stack_id, 8);
	assert_int_equal(d.stacks[6].stack_id, 9);
	diff__free(&d);
	session__free(&s);
}

/* Ties on every count: pid, then stack id, ascending; equal bytes, more objects first; a
 * stack that only gained zero-byte objects (malloc(0)) grew */
static void test_ties(void **state)
{
	const struct fx_row a[] = { { 7, 5, 10, 1, 10, 1 } };
	const struct fx_row b[] = {
		{ 9, 1, 64, 1, 64, 1 }, { 7, 2, 64, 1, 64, 1 }, { 7, 1ULL << 40, 64, 1, 64, 1 },
		{ 7, 1, 64, 1, 64, 1 }, { 8, 0, 64, 2, 64, 2 }, { 7, 5, 10, 3, 10, 3 },
		{ 6, 3, 0, 4, 0, 4 },
	};
	static const struct {
		uint32_t pid;
		uint64_t id;
		enum diff_status status;
	} want[] = {
		{ 8, 0, DIFF_APPEARED }, { 7, 1, DIFF_APPEARED },
		{ 7, 2, DIFF_APPEARED }, { 7, 1ULL << 40, DIFF_APPEARED },
		{ 9, 1, DIFF_APPEARED }, { 6, 3, DIFF_APPEARED },
		{ 7, 5, DIFF_GREW },
	};
	struct session s;
	struct snapshot_diff d;
	(void)state;

	fx_init(&s, 0, NULL);
	fx_snap(&s, "a", a, 1);
	fx_snap(&s, "b", b, sizeof(b) / sizeof(b[0]));
	assert_int_equal(diff__compute(&s, &s.snaps[0], &s.snaps[1], &(struct diff_opts){ 0 }, &d),
			 0);
	assert_int_equal(d.stack_cnt, 7);
	for (size_t i = 0; i < 7; i++) {
		assert_int_equal(d.stacks[i].pid, want[i].pid);
		assert_int_equal(d.stacks[i].stack_id, want[i].id);
		assert_int_equal(d.stacks[i].status, want[i].status);
	}
	/* zero-byte objects: no bytes, 4 objects */
	assert_int_equal(d.stacks[5].byte_delta, 0);
	assert_int_equal(d.stacks[5].object_delta, 4);
	assert_int_equal(d.object_delta, 12);
	assert_true(d.leak_suspected);
	diff__free(&d);
	session__free(&s);
}

static void mem(struct snapshot *snap, uint64_t rss, uint64_t anon)
{
	snap->mem_known = true;
	snap->rss_bytes = rss;
	snap->anon_bytes = anon;
}

static void assert_mem(struct session *s, int64_t rss_delta, int64_t anon_delta,
		       uint64_t unexplained)
{
	struct snapshot_diff d;

	assert_int_equal(diff__compute(s, &s->snaps[0], &s->snaps[1], &(struct diff_opts){ 0 }, &d),
			 0);
	assert_true(d.mem.known);
	assert_int_equal(d.mem.rss_delta, rss_delta);
	assert_int_equal(d.mem.anon_delta, anon_delta);
	assert_int_equal(d.mem.unexplained_rss_bytes, unexplained);
	assert_int_equal(d.mem.rss_bytes_a, s->snaps[0].rss_bytes);
	assert_int_equal(d.mem.anon_bytes_b, s->snaps[1].anon_bytes);
	diff__free(&d);
}

static void test_rss_beside_heap(void **state)
{
	struct session s;
	struct snapshot_diff d;
	(void)state;

	basic_session(&s); /* the tracked heap grows by 9400 bytes */
	assert_int_equal(diff__compute(&s, &s.snaps[0], &s.snaps[1], &(struct diff_opts){ 0 }, &d),
			 0);
	assert_false(d.mem.known); /* not read in either */
	assert_int_equal(d.mem.unexplained_rss_bytes, 0);
	diff__free(&d);
	mem(&s.snaps[0], 10 << 20, 4 << 20);
	assert_int_equal(diff__compute(&s, &s.snaps[0], &s.snaps[1], &(struct diff_opts){ 0 }, &d),
			 0);
	assert_false(d.mem.known); /* read in A only (the process was gone at B) */
	diff__free(&d);
	/* RSS grew by 20000, the heap by 9400: 10600 unexplained */
	mem(&s.snaps[1], (10 << 20) + 20000, (4 << 20) + 15000);
	assert_mem(&s, 20000, 15000, 10600);
	/* RSS grew less than the heap (malloc'ed pages not touched yet): all explained */
	mem(&s.snaps[1], (10 << 20) + 9000, 4 << 20);
	assert_mem(&s, 9000, 0, 0);
	mem(&s.snaps[1], (10 << 20) + 9400, 4 << 20);
	assert_mem(&s, 9400, 0, 0);
	/* RSS shrank: no growth to explain */
	mem(&s.snaps[1], (10 << 20) - 4096, (4 << 20) - 8192);
	assert_mem(&s, -4096, -8192, 0);
	/* the other way round the heap shrank by 9400: it explains none of an RSS growth */
	mem(&s.snaps[0], (10 << 20) + 4096, 4 << 20);
	mem(&s.snaps[1], 10 << 20, 4 << 20);
	assert_int_equal(diff__compute(&s, &s.snaps[1], &s.snaps[0], &(struct diff_opts){ 0 }, &d),
			 0);
	assert_int_equal(d.byte_delta, -9400);
	assert_int_equal(d.mem.rss_delta, 4096);
	assert_int_equal(d.mem.unexplained_rss_bytes, 4096);
	diff__free(&d);
	session__free(&s);
}

static void test_lost_delta(void **state)
{
	struct session s;
	struct snapshot_diff d;
	(void)state;

	basic_session(&s);
	s.snaps[0].lost[REPORT_LOST_UNMATCHED_FREES] = 5;
	s.snaps[1].lost[REPORT_LOST_UNMATCHED_FREES] = 12;
	s.snaps[1].lost[REPORT_LOST_STACK_FAILURES] = 3;
	s.snaps[0].lost[REPORT_LOST_STATE_FAILURES] = 2;
	assert_int_equal(diff__compute(&s, &s.snaps[0], &s.snaps[1], &(struct diff_opts){ 0 }, &d),
			 0);
	assert_int_equal(d.lost_delta[REPORT_LOST_UNMATCHED_FREES], 7);
	assert_int_equal(d.lost_delta[REPORT_LOST_STACK_FAILURES], 3);
	assert_int_equal(d.lost_delta[REPORT_LOST_STATE_FAILURES], -2);
	assert_int_equal(d.lost_delta[REPORT_LOST_ALLOCS_MAP_FULL], 0);
	diff__free(&d);
	session__free(&s);
}

/* What only a corrupt or hand-made file holds: a stack listed twice in one snapshot counts
 * once with the sum; counts at INT64_MAX clamp sums there so every delta fits int64_t */
static void test_corrupt_inputs(void **state)
{
	const struct fx_row a[] = { { 1, 1, 100, 1, 100, 1 },
				    { 1, 1, 50, 2, 50, 2 },
				    { 1, 2, INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX },
				    { 1, 3, INT64_MAX, 1, INT64_MAX, 1 } };
	const struct fx_row b[] = { { 1, 1, 400, 4, 400, 4 },
				    { 1, 3, INT64_MAX, 1, INT64_MAX, 1 } };
	struct session s;
	struct snapshot_diff d;
	(void)state;

	fx_init(&s, 1, NULL);
	fx_snap(&s, "a", a, 4);
	fx_snap(&s, "b", b, 2);
	s.snaps[1].lost[0] = UINT64_MAX;
	assert_int_equal(diff__compute(&s, &s.snaps[0], &s.snaps[1], &(struct diff_opts){ 0 }, &d),
			 0);
	assert_int_equal(d.stack_cnt, 3);
	assert_int_equal(d.stacks[0].stack_id, 1);
	assert_int_equal(d.stacks[0].live_bytes_a, 150);
	assert_int_equal(d.stacks[0].live_objects_a, 3);
	assert_int_equal(d.stacks[0].byte_delta, 250);
	assert_int_equal(d.stacks[1].stack_id, 3);
	assert_int_equal(d.stacks[1].byte_delta, 0);
	assert_int_equal(d.stacks[2].stack_id, 2);
	assert_int_equal(d.stacks[2].byte_delta, -INT64_MAX);
	assert_int_equal(d.live_bytes_a, INT64_MAX);
	assert_int_equal(d.live_bytes_b, INT64_MAX);
	assert_int_equal(d.byte_delta, 0);
	assert_int_equal(d.lost_delta[0], INT64_MAX);
	diff__free(&d);
	session__free(&s);
}

/* ---- formatters ---- */

static char *format(diff_formatter fn, const struct snapshot_diff *d, size_t top)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(fn(d, &(struct diff_format_opts){ .top = top }, f), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static json_t *format_json(const struct snapshot_diff *d, size_t top)
{
	char *text = format(diff_report__write_json, d, top);
	json_error_t jerr;
	json_t *doc = json_loads(text, 0, &jerr);

	if (!doc)
		fail_msg("not JSON (%s): %s", jerr.text, text);
	assert_int_equal(text[strlen(text) - 1], '\n');
	free(text);
	return doc;
}

static void assert_json_int(const json_t *obj, const char *key, json_int_t v)
{
	const json_t *j = json_object_get(obj, key);

	if (!json_is_integer(j))
		fail_msg("%s is not an integer", key);
	assert_int_equal(json_integer_value(j), v);
}

static void assert_json_str(const json_t *obj, const char *key, const char *v)
{
	const json_t *j = json_object_get(obj, key);

	if (!json_is_string(j))
		fail_msg("%s is not a string", key);
	assert_string_equal(json_string_value(j), v);
}

static void test_formatter_lookup(void **state)
{
	(void)state;
	assert_ptr_equal(diff_report__formatter("text"), diff_report__write_text);
	assert_ptr_equal(diff_report__formatter("json"), diff_report__write_json);
	assert_null(diff_report__formatter("folded"));
	assert_null(diff_report__formatter(""));
	assert_string_equal(diff__status_name(DIFF_APPEARED), "appeared");
	assert_string_equal(diff__status_name(DIFF_VANISHED), "vanished");
	assert_string_equal(diff__status_name(DIFF_GREW), "grew");
	assert_string_equal(diff__status_name(DIFF_SHRANK), "shrank");
	assert_string_equal(diff__status_name(DIFF_UNCHANGED), "unchanged");
	assert_string_equal(diff__status_name((enum diff_status)99), "?");
}

static void test_json_document(void **state)
{
	static const char *const top_keys[] = {
		"schema_version",
		"pid",
		"label_a",
		"label_b",
		"seq_a",
		"seq_b",
		"elapsed_s_a",
		"elapsed_s_b",
		"object_delta",
		"byte_delta",
		"leak_suspected",
		"leak_threshold",
		"live_bytes_a",
		"live_bytes_b",
		"live_objects_a",
		"live_objects_b",
		"rss_bytes_a",
		"rss_bytes_b",
		"rss_delta",
		"anon_bytes_a",
		"anon_bytes_b",
		"anon_delta",
		"unexplained_rss_bytes",
		"lost_delta",
		"status_counts",
		"stack_cnt",
		"stacks",
	};
	static const char *const stack_keys[] = {
		"pid",
		"stack_id",
		"name",
		"status",
		"live_bytes_a",
		"live_bytes_b",
		"byte_delta",
		"live_objects_a",
		"live_objects_b",
		"object_delta",
		"alloc_bytes_between",
		"alloc_objects_between",
		"frames",
	};
	struct session s;
	struct snapshot_diff d;
	const json_t *st, *fr;
	json_t *doc;
	(void)state;

	basic_session(&s);
	mem(&s.snaps[0], 1 << 20, 1 << 19);
	mem(&s.snaps[1], (1 << 20) + 20000, (1 << 19) + 100);
	s.snaps[1].lost[REPORT_LOST_STACK_FAILURES] = 3;
	assert_int_equal(diff__compute(&s, &s.snaps[0], &s.snaps[1], &(struct diff_opts){ 66 }, &d),
			 0);
	doc = format_json(&d, 0);
	for (size_t i = 0; i < sizeof(top_keys) / sizeof(top_keys[0]); i++)
		if (!json_object_get(doc, top_keys[i]))
			fail_msg("no key %s", top_keys[i]);
	assert_int_equal(json_object_size(doc), sizeof(top_keys) / sizeof(top_keys[0]));
	assert_json_int(doc, "schema_version", 1);
	assert_json_int(doc, "pid", 100);
	assert_json_str(doc, "label_a", "A");
	assert_json_str(doc, "label_b", "B");
	assert_json_int(doc, "seq_b", 1);
	assert_true(json_real_value(json_object_get(doc, "elapsed_s_b")) == 1.0);
	assert_json_int(doc, "object_delta", 67);
	assert_json_int(doc, "byte_delta", 9400);
	assert_true(json_is_true(json_object_get(doc, "leak_suspected")));
	assert_json_int(doc, "leak_threshold", 66);
	assert_json_int(doc, "live_bytes_a", 4300);
	assert_json_int(doc, "live_objects_b", 110);
	assert_json_int(doc, "rss_bytes_a", 1 << 20);
	assert_json_int(doc, "rss_delta", 20000);
	assert_json_int(doc, "anon_delta", 100);
	assert_json_int(doc, "unexplained_rss_bytes", 10600);
	assert_json_int(json_object_get(doc, "lost_delta"), "stack_failures", 3);
	assert_json_int(json_object_get(doc, "lost_delta"), "unmatched_frees", 0);
	/* a leak session's diff names the exact gear's counters only */
	assert_int_equal(json_object_size(json_object_get(doc, "lost_delta")),
			 REPORT_LOST_PROCS_MAP_FULL);
	assert_json_int(json_object_get(doc, "status_counts"), "appeared", 4);
	assert_json_int(json_object_get(doc, "status_counts"), "unchanged", 1);
	assert_json_int(doc, "stack_cnt", 8);
	assert_int_equal(json_array_size(json_object_get(doc, "stacks")), 8);
	st = json_array_get(json_object_get(doc, "stacks"), 0);
	for (size_t i = 0; i < sizeof(stack_keys) / sizeof(stack_keys[0]); i++)
		if (!json_object_get(st, stack_keys[i]))
			fail_msg("no stack key %s", stack_keys[i]);
	assert_int_equal(json_object_size(st), sizeof(stack_keys) / sizeof(stack_keys[0]));
	assert_json_int(st, "pid", 100);
	assert_json_int(st, "stack_id", 1);
	assert_json_str(st, "name", "keep_sessions (server.c:212)");
	assert_json_str(st, "status", "grew");
	assert_json_int(st, "live_bytes_a", 1000);
	assert_json_int(st, "live_bytes_b", 5000);
	assert_json_int(st, "byte_delta", 4000);
	assert_json_int(st, "live_objects_a", 10);
	assert_json_int(st, "live_objects_b", 50);
	assert_json_int(st, "object_delta", 40);
	assert_json_int(st, "alloc_bytes_between", 5000);
	assert_json_int(st, "alloc_objects_between", 50);
	assert_int_equal(json_array_size(json_object_get(st, "frames")), 2);
	/* the frame objects of the leak report */
	fr = json_array_get(json_object_get(st, "frames"), 1);
	assert_json_str(fr, "address", "0x401234");
	assert_json_str(fr, "module", "/srv/server");
	assert_json_str(fr, "function", "keep_sessions");
	assert_json_int(fr, "offset", 0x14);
	assert_json_str(fr, "file", "/src/server.c");
	assert_json_int(fr, "line", 212);
	assert_true(json_is_false(json_object_get(fr, "inlined")));
	/* the last stack: vanished, never symbolized */
	st = json_array_get(json_object_get(doc, "stacks"), 6);
	assert_json_int(st, "stack_id", 2);
	assert_json_str(st, "status", "vanished");
	assert_json_int(st, "byte_delta", -800);
	assert_json_str(st, "name", "[stack 0x2]");
	assert_int_equal(json_array_size(json_object_get(st, "frames")), 0);
	json_decref(doc);
	diff__free(&d);

	/* --top 2; memory unknown in B: null */
	s.snaps[1].mem_known = false;
	assert_int_equal(diff__compute(&s, &s.snaps[0], &s.snaps[1], &(struct diff_opts){ 1000 },
				       &d),
			 0);
	doc = format_json(&d, 2);
	assert_int_equal(json_array_size(json_object_get(doc, "stacks")), 2);
	assert_json_int(doc, "stack_cnt", 8);
	assert_true(json_is_false(json_object_get(doc, "leak_suspected")));
	assert_true(json_is_null(json_object_get(doc, "rss_delta")));
	assert_true(json_is_null(json_object_get(doc, "rss_bytes_a")));
	assert_true(json_is_null(json_object_get(doc, "unexplained_rss_bytes")));
	json_decref(doc);
	diff__free(&d);
	session__free(&s);
}

static void test_text(void **state)
{
	struct session s;
	struct snapshot_diff d;
	char *text;
	(void)state;

	basic_session(&s);
	mem(&s.snaps[0], 1 << 20, 1 << 19);
	mem(&s.snaps[1], (1 << 20) + 20000, (1 << 19) + 100);
	s.snaps[1].lost[REPORT_LOST_STACK_FAILURES] = 3;
	assert_int_equal(diff__compute(&s, &s.snaps[0], &s.snaps[1], &(struct diff_opts){ 1000 },
				       &d),
			 0);
	text = format(diff_report__write_text, &d, 3);
	assert_string_equal(
		text,
		"Diff \"A\" (#0) → \"B\" (#1) of pid 100, 1.0 s apart\n"
		"  tracked heap: 4.2 KiB → 13.4 KiB: +9.2 KiB (+9400 B), +67 objects (43 → 110)\n"
		"  RSS:          1.0 MiB → 1.0 MiB: +19.5 KiB (anonymous +100 B); not explained by "
		"the tracked heap: 10.4 KiB\n"
		"  leak suspected: no: +67 objects is not above the threshold of 1000\n"
		"  stacks: 4 appeared, 1 grew, 1 shrank, 1 vanished, 1 unchanged\n"
		"\n"
		"#1  +3.9 KiB (+4000 B), +40 objects: 1000 B → 4.9 KiB, 10 → 50 objects  [grew]\n"
		"    keep_sessions (server.c:212)\n"
		"    #0  0x0000007f00001000 malloc+0x20  /lib/x86_64-linux-gnu/libc.so.6\n"
		"    #1  0x0000000000401234 keep_sessions (/src/server.c:212)  /srv/server\n"
		"\n"
		"#2  +3.9 KiB (+4000 B), +40 objects: 0 B → 3.9 KiB, 0 → 40 objects  [appeared]\n"
		"    [stack 0x7]\n"
		"\n"
		"#3  +2.9 KiB (+3000 B), +3 objects: 0 B → 2.9 KiB, 0 → 3 objects  [appeared]\n"
		"    load_config+0x10\n"
		"    #0  0x0000000000401003 load_config+0x10  /srv/server\n"
		"\n"
		"(4 more stacks changed; --top 0 shows all)\n"
		"\n"
		"Lost between the snapshots (the deltas above miss these):\n"
		"  stack_failures            +3  allocations whose stack could not be read "
		"(counted under [stack unavailable])\n");
	free(text);
	diff__free(&d);
	/* all processes, a leak, RSS unknown, nothing lost; --top 0: every changed stack */
	s.pid = 0;
	s.snaps[1].mem_known = false;
	s.snaps[1].lost[REPORT_LOST_STACK_FAILURES] = 0;
	assert_int_equal(diff__compute(&s, &s.snaps[0], &s.snaps[1], &(struct diff_opts){ 10 }, &d),
			 0);
	text = format(diff_report__write_text, &d, 0);
	assert_non_null(strstr(text, "Diff \"A\" (#0) → \"B\" (#1), 1.0 s apart\n"));
	assert_non_null(strstr(text, "  RSS:          unknown (not read in both snapshots)\n"));
	assert_non_null(
		strstr(text, "  leak suspected: YES: +67 objects is above the threshold of 10\n"));
	assert_non_null(strstr(text, "\n#7  -1000 B (-1000 B), -10 objects: 2.0 KiB → 1000 B, "
				     "20 → 10 objects  [shrank]  [pid 100]\n"
				     "    shrink_me (s.c:9)\n"));
	assert_null(strstr(text, "#8"));
	assert_null(strstr(text, "more stacks"));
	assert_null(strstr(text, "Lost"));
	free(text);
	diff__free(&d);
	/* nothing changed */
	assert_int_equal(diff__compute(&s, &s.snaps[1], &s.snaps[1], &(struct diff_opts){ 10 }, &d),
			 0);
	text = format(diff_report__write_text, &d, 0);
	assert_non_null(strstr(text, "\nNo stack's live memory changed.\n"));
	free(text);
	diff__free(&d);
	session__free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_stack_deltas),
		cmocka_unit_test(test_leak_threshold_is_strict),
		cmocka_unit_test(test_reversed_and_self),
		cmocka_unit_test(test_ties),
		cmocka_unit_test(test_rss_beside_heap),
		cmocka_unit_test(test_lost_delta),
		cmocka_unit_test(test_corrupt_inputs),
		cmocka_unit_test(test_formatter_lookup),
		cmocka_unit_test(test_json_document),
		cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests_name("diff", tests, NULL, NULL);
}
