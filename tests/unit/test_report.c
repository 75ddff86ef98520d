// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of report.h: building the model (add, sum, the total order of sort), loss counter
 * names, formatter lookup, the JSON document parsed back with jansson field by field, and the
 * text output compared line by line. */
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
#include <linux/types.h>
#include "leak.h"
#include "analysis/report.h"
#include "output/report_format.h"

static char *format(report_formatter fn, const struct leak_report *rep,
		    const struct report_format_opts *opts, int *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	*err = fn(rep, opts, f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static json_t *format_json(const struct leak_report *rep, const struct report_format_opts *opts)
{
	json_error_t jerr;
	json_t *doc;
	char *text;
	int err;

	text = format(report__write_json, rep, opts, &err);
	assert_int_equal(err, 0);
	assert_true(strlen(text) > 0);
	assert_int_equal(text[strlen(text) - 1], '\n');
	doc = json_loads(text, 0, &jerr);
	if (!doc)
		fail_msg("not JSON (%s at line %d): %s", jerr.text, jerr.line, text);
	free(text);
	return doc;
}

static void assert_keys(const json_t *obj, const char *const *keys, size_t n)
{
	assert_true(json_is_object(obj));
	for (size_t i = 0; i < n; i++)
		if (!json_object_get(obj, keys[i]))
			fail_msg("missing key %s", keys[i]);
	assert_int_equal(json_object_size(obj), n);
}

static void assert_json_int(const json_t *obj, const char *key, json_int_t v)
{
	const json_t *j = json_object_get(obj, key);

	if (!json_is_integer(j))
		fail_msg("%s is not an integer", key);
	assert_int_equal(json_integer_value(j), v);
}

static void assert_json_str(const json_t *obj, const char *key, const char *s)
{
	const json_t *j = json_object_get(obj, key);

	if (!s) {
		if (!json_is_null(j))
			fail_msg("%s is not null", key);
		return;
	}
	if (!json_is_string(j))
		fail_msg("%s is not a string", key);
	assert_int_equal(json_string_length(j), strlen(s));
	assert_memory_equal(json_string_value(j), s, strlen(s));
}

static void assert_json_counts(const json_t *obj, const struct stack_counts *c)
{
	assert_json_int(obj, "live_bytes", (json_int_t)c->live_bytes);
	assert_json_int(obj, "live_objects", (json_int_t)c->live_objects);
	assert_json_int(obj, "alloc_bytes", (json_int_t)c->alloc_bytes);
	assert_json_int(obj, "alloc_objects", (json_int_t)c->alloc_objects);
	assert_json_int(obj, "freed_bytes", (json_int_t)c->freed_bytes);
	assert_json_int(obj, "freed_objects", (json_int_t)c->freed_objects);
}

static void add(struct leak_report *rep, uint32_t pid, uint64_t id, struct stack_counts c,
		const struct frame *frames, size_t frame_cnt)
{
	struct report_stack s = {
		.pid = pid, .stack_id = id, .counts = c, .frames = frames, .frame_cnt = frame_cnt
	};

	assert_int_equal(report__add(rep, &s), 0);
}

/* Sums of hand-made counts never wrap: each field stops at INT64_MAX */
static void test_counts_capped(void **state)
{
	struct stack_counts t = { INT64_MAX - 1, 5, UINT64_MAX, 0, 1, 2, 7, INT64_MAX };
	(void)state;

	stack_counts__add(&t, &(struct stack_counts){ 1, 5, 1, INT64_MAX, INT64_MAX, 3, 2, 1 });
	assert_true(t.live_bytes == INT64_MAX && t.live_objects == 10);
	assert_true(t.alloc_bytes == INT64_MAX && t.alloc_objects == INT64_MAX);
	assert_true(t.freed_bytes == INT64_MAX && t.freed_objects == 5);
	assert_true(t.live_usable_objects == 9 && t.live_usable_bytes == INT64_MAX);
	stack_counts__add(&t, &(struct stack_counts){ INT64_MAX, 0, 0, 0, 0, 0, 0, 0 });
	assert_true(t.live_bytes == INT64_MAX);
}

static void test_lost_names(void **state)
{
	static const char *const names[REPORT_LOST__MAX] = {
		"allocs_map_full",   "stack_failures", "stacks_map_full", "unmatched_frees",
		"pending_returns",   "stats_map_full", "state_failures",  "marks_dropped",
		"snapshots_dropped", "procs_map_full", "vma_busy",	  "pages_map_full",
	};
	(void)state;

	for (int k = 0; k < REPORT_LOST__MAX; k++) {
		assert_string_equal(report_lost__name(k), names[k]);
		assert_true(strlen(report_lost__help(k)) > 10);
	}
	assert_string_equal(report_lost__name(REPORT_LOST__MAX), "?");
	assert_string_equal(report_lost__help(REPORT_LOST__MAX), "?");
}

static void test_formatter_lookup(void **state)
{
	(void)state;

	assert_ptr_equal(report__formatter("text"), report__write_text);
	assert_ptr_equal(report__formatter("json"), report__write_json);
	assert_null(report__formatter("xml"));
	assert_null(report__formatter("TEXT"));
	assert_null(report__formatter("jso"));
	assert_null(report__formatter(""));
}

/* The copy for a top table: the stacks up to the top-th one with live memory (live bytes or
 * objects), in order, the totals beside them */
static void test_copy_top(void **state)
{
	static const uint64_t live[][2] = { { 500, 5 }, { 0, 0 }, { 0, 3 }, { 0, 0 }, { 70, 1 } };
	struct leak_report rep = {}, top;
	(void)state;

	for (uint32_t i = 0; i < 5; i++) {
		struct report_stack s = { .pid = 9, .stack_id = 100 + i };

		s.counts.live_bytes = live[i][0];
		s.counts.live_objects = live[i][1];
		s.counts.alloc_bytes = 1000;
		assert_int_equal(report__add(&rep, &s), 0);
	}
	report__sum(&rep);
	for (size_t k = 0; k <= 4; k++) {
		static const size_t want[] = { 0, 1, 3, 5, 5 };

		assert_int_equal(report__copy_top(&rep, k, &top), 0);
		assert_int_equal(top.stack_cnt, want[k]);
		assert_int_equal(top.totals.alloc_bytes, 5000);
		assert_int_equal(top.totals.live_bytes, 570);
		for (size_t i = 0; i < want[k]; i++)
			assert_int_equal(top.stacks[i].stack_id, 100 + i);
		if (want[k])
			assert_ptr_not_equal(top.stacks, rep.stacks);
		else
			assert_null(top.stacks);
		report__free(&top);
	}
	assert_int_equal(rep.stack_cnt, 5); /* left as it was */
	report__free(&rep);
}

static void test_add_copies_and_sum(void **state)
{
	struct leak_report rep = {};
	struct stack_counts want = {};
	struct report_stack s = {};
	(void)state;

	/* past the first growth of the array */
	for (uint32_t i = 0; i < 300; i++) {
		s.pid = 1000 + i;
		s.stack_id = i; /* the first is PERFAN_STACK_NONE */
		s.counts = (struct stack_counts){ i * 8,     i,	    i * 16 + 1, 2 * i + 1,
						  i * 8 + 1, i + 1, 0,		0 };
		assert_int_equal(report__add(&rep, &s), 0);
		want.live_bytes += s.counts.live_bytes;
		want.live_objects += s.counts.live_objects;
		want.alloc_bytes += s.counts.alloc_bytes;
		want.alloc_objects += s.counts.alloc_objects;
		want.freed_bytes += s.counts.freed_bytes;
		want.freed_objects += s.counts.freed_objects;
	}
	/* the report holds copies */
	s.pid = 1;
	s.counts.live_bytes = 0;
	assert_int_equal(rep.stack_cnt, 300);
	for (uint32_t i = 0; i < 300; i++) {
		assert_int_equal(rep.stacks[i].pid, 1000 + i);
		assert_int_equal(rep.stacks[i].stack_id, i);
		assert_int_equal(rep.stacks[i].counts.live_bytes, i * 8);
		assert_int_equal(rep.stacks[i].counts.freed_objects, i + 1);
	}
	report__sum(&rep);
	assert_memory_equal(&rep.totals, &want, sizeof(want));
	assert_int_equal(rep.totals.live_bytes, 8 * 299 * 300 / 2);
	assert_int_equal(rep.totals.alloc_objects, 300 * 300);
	/* sum replaces, it does not accumulate */
	report__sum(&rep);
	assert_memory_equal(&rep.totals, &want, sizeof(want));
	report__free(&rep);
	assert_null(rep.stacks);
	assert_int_equal(rep.stack_cnt, 0);
	report__sum(&rep);
	assert_int_equal(rep.totals.live_bytes, 0);
	assert_int_equal(rep.totals.freed_objects, 0);
	report__free(NULL);
}

/* Stacks in their expected order: each differs from the next in exactly one sort key, and the
 * values would overflow a comparator that subtracts into an int. Stack ids are unsigned 64-bit:
 * PERFAN_STACK_NONE (0) first, and ids above 2^32 would misorder if truncated to 32 bits. */
static const struct report_stack sorted[] = {
	{ .pid = 9, .stack_id = 90, .counts = { 1ULL << 40, 1, 1, 1, 0, 0 } },
	{ .pid = 9, .stack_id = 91, .counts = { 100, 5, 1, 1, 0, 0 } },
	{ .pid = 9, .stack_id = 92, .counts = { 100, 4, 1ULL << 33, 1, 0, 0 } },
	{ .pid = 9, .stack_id = 93, .counts = { 100, 4, 1000, 9, 0, 0 } },
	/* equal counts: pid ascending, then stack id ascending; freed_* is not a key */
	{ .pid = 1, .stack_id = 7, .counts = { 100, 4, 1000, 8, 0, 0 } },
	{ .pid = 2, .stack_id = PERFAN_STACK_NONE, .counts = { 100, 4, 1000, 8, 5, 5 } },
	{ .pid = 2, .stack_id = 3, .counts = { 100, 4, 1000, 8, 0, 0 } },
	{ .pid = 2, .stack_id = 4, .counts = { 100, 4, 1000, 8, 9, 1 } },
	{ .pid = 2, .stack_id = 1ULL << 32, .counts = { 100, 4, 1000, 8, 0, 0 } },
	{ .pid = 2, .stack_id = PERFAN_STACK_ID_MASK, .counts = { 100, 4, 1000, 8, 0, 0 } },
	{ .pid = 4000000000u, .stack_id = 0, .counts = { 100, 4, 1000, 8, 0, 0 } },
	{ .pid = 9, .stack_id = 94, .counts = { 99, 1ULL << 35, 1ULL << 36, 1ULL << 37, 0, 0 } },
	{ .pid = 9, .stack_id = 95, .counts = { 0, 0, 5000, 4, 5000, 4 } },
	{ .pid = 9, .stack_id = 96, .counts = { 0, 0, 4000, 4, 4000, 4 } },
};

#define SORTED_CNT (sizeof(sorted) / sizeof(sorted[0]))

static void check_sorted(const struct leak_report *rep, const char *what)
{
	assert_int_equal(rep->stack_cnt, SORTED_CNT);
	for (size_t i = 0; i < SORTED_CNT; i++)
		if (rep->stacks[i].pid != sorted[i].pid ||
		    rep->stacks[i].stack_id != sorted[i].stack_id)
			fail_msg("%s: position %zu holds pid %u stack %" PRIu64
				 ", expected pid %u stack %" PRIu64,
				 what, i, rep->stacks[i].pid, rep->stacks[i].stack_id,
				 sorted[i].pid, sorted[i].stack_id);
}

static void test_sort_total_order(void **state)
{
	static const size_t shuffle[SORTED_CNT] = { 7, 2, 11, 0, 13, 5, 9, 3, 12, 10, 1, 8, 6, 4 };
	struct leak_report rep = {};
	(void)state;

	/* every rotation, its reverse, and a shuffle sort to the same order */
	for (size_t r = 0; r < SORTED_CNT; r++) {
		for (size_t i = 0; i < SORTED_CNT; i++)
			assert_int_equal(report__add(&rep, &sorted[(i + r) % SORTED_CNT]), 0);
		report__sort(&rep);
		check_sorted(&rep, "rotation");
		report__free(&rep);
		for (size_t i = 0; i < SORTED_CNT; i++)
			assert_int_equal(report__add(&rep, &sorted[(2 * SORTED_CNT - 1 - i - r) %
								   SORTED_CNT]),
					 0);
		report__sort(&rep);
		check_sorted(&rep, "reversed rotation");
		report__free(&rep);
	}
	for (size_t i = 0; i < SORTED_CNT; i++)
		assert_int_equal(report__add(&rep, &sorted[shuffle[i]]), 0);
	report__sort(&rep);
	check_sorted(&rep, "shuffle");
	/* sorting a sorted report changes nothing */
	report__sort(&rep);
	check_sorted(&rep, "sorted twice");
	report__free(&rep);
	/* an empty report sorts */
	report__sort(&rep);
	assert_int_equal(rep.stack_cnt, 0);
}

static const struct frame frames_a[] = {
	{ .address = 0x55d5c0a01234,
	  .module = "/usr/bin/app",
	  .build_id = "0123456789abcdef0011223344556677",
	  .function = "leak_here",
	  .raw_function = "leak_here",
	  .offset = 0x14,
	  .file = "app.c",
	  .line = 42,
	  .inlined = true },
	{ .address = 0x7f3a2c229d90,
	  .module = "/usr/lib/x86_64-linux-gnu/libc.so.6",
	  .build_id = "",
	  .function = "__libc_start_call_main",
	  .offset = 0x80 },
	{ .address = 0x55d5c0a05000, .module = "/usr/bin/app", .build_id = "", .offset = 0x4000 },
	{ .address = 0xdeadbeef, .build_id = "" },
};

static void build_report(struct leak_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->pid = 4242;
	rep->duration_s = 12.5;
	rep->final = true;
	rep->command = "./app --flag";
	for (int k = 0; k < REPORT_LOST__MAX; k++)
		rep->lost[k] = 101 + k;
	/* freed-only, two live ones, one without a stack */
	add(rep, 4242, 3, (struct stack_counts){ 0, 0, 50000, 2, 50000, 2, 0, 0 }, NULL, 0);
	add(rep, 4242, 7, (struct stack_counts){ 100000, 3, 150000, 5, 50000, 2, 3, 100032 },
	    frames_a, 4);
	add(rep, 4242, PERFAN_STACK_NONE, (struct stack_counts){ 64, 1, 128, 2, 64, 1, 0, 0 }, NULL,
	    0);
	add(rep, 4242, PERFAN_STACK_ID_MASK, (struct stack_counts){ 64, 1, 64, 1, 0, 0, 0, 0 },
	    frames_a + 1, 1);
	report__sum(rep);
	report__sort(rep);
}

static const char *const top_keys[] = { "schema_version", "pid",     "duration_s",
					"final",	  "command", "totals",
					"lost",		  "stacks",  "truncated_stacks" };
static const char *const stack_keys[] = { "live_bytes",	   "live_objects",     "alloc_bytes",
					  "alloc_objects", "freed_bytes",      "freed_objects",
					  "pid",	   "stack_id",	       "frames",
					  "truncated",	   "live_usable_bytes" };
static const char *const total_keys[] = { "live_bytes",	      "live_objects", "alloc_bytes",
					  "alloc_objects",    "freed_bytes",  "freed_objects",
					  "live_usable_bytes" };
static const char *const frame_keys[] = { "address", "module", "build_id", "function",	  "offset",
					  "file",    "line",   "inlined",  "raw_function" };

static void assert_json_frame(const json_t *jf, const struct frame *f, const char *address)
{
	assert_keys(jf, frame_keys, 9);
	assert_json_str(jf, "address", address);
	assert_json_str(jf, "module", f->module);
	assert_json_str(jf, "build_id", f->build_id);
	assert_json_str(jf, "function", f->function);
	assert_json_str(jf, "raw_function", f->raw_function);
	assert_json_int(jf, "offset", (json_int_t)f->offset);
	assert_json_str(jf, "file", f->file);
	if (f->file)
		assert_json_int(jf, "line", f->line);
	else
		assert_true(json_is_null(json_object_get(jf, "line")));
	assert_true(json_is_boolean(json_object_get(jf, "inlined")));
	assert_int_equal(json_is_true(json_object_get(jf, "inlined")), f->inlined);
}

static void test_json_document(void **state)
{
	static const char *const addrs[] = { "0x55d5c0a01234", "0x7f3a2c229d90", "0x55d5c0a05000",
					     "0xdeadbeef" };
	struct report_format_opts opts = { .top = 0, .show_freed = true };
	const json_t *totals, *lost, *stacks, *s, *frames;
	struct leak_report rep;
	json_t *doc;
	(void)state;

	build_report(&rep);
	doc = format_json(&rep, &opts);
	assert_keys(doc, top_keys, 9);
	assert_json_int(doc, "schema_version", 1);
	assert_json_int(doc, "pid", 4242);
	assert_true(json_is_real(json_object_get(doc, "duration_s")));
	assert_float_equal(json_real_value(json_object_get(doc, "duration_s")), 12.5, 0);
	assert_true(json_is_true(json_object_get(doc, "final")));
	assert_json_str(doc, "command", "./app --flag");
	assert_json_int(doc, "truncated_stacks", 0);

	totals = json_object_get(doc, "totals");
	assert_keys(totals, total_keys, 7);
	/* 0 + 100000 + 64 + 64, ..., freed 50000 + 50000 + 64 + 0 */
	assert_json_counts(totals,
			   &(struct stack_counts){ 100128, 5, 200192, 10, 100064, 5, 0, 0 });
	/* the usable size of 3 of the 5 live objects only: not known */
	assert_true(json_is_null(json_object_get(totals, "live_usable_bytes")));

	lost = json_object_get(doc, "lost");
	assert_keys(lost,
		    (const char *const[]){ "allocs_map_full", "stack_failures", "stacks_map_full",
					   "unmatched_frees", "pending_returns", "stats_map_full",
					   "state_failures", "marks_dropped", "snapshots_dropped" },
		    9);
	/* a leak report names the exact gear's counters only (report_lost__applies) */
	for (int k = 0; k < REPORT_LOST_PROCS_MAP_FULL; k++)
		assert_json_int(lost, report_lost__name(k), 101 + k);

	stacks = json_object_get(doc, "stacks");
	assert_true(json_is_array(stacks));
	assert_int_equal(json_array_size(stacks), 4);
	/* in report order: 100000 B; then the two of 64 B, the one without a stack first because it
	 * allocated more (128 B); then 0 B */
	s = json_array_get(stacks, 0);
	assert_keys(s, stack_keys, 11);
	assert_json_counts(s, &rep.stacks[0].counts);
	assert_json_int(s, "live_bytes", 100000);
	assert_json_int(s, "live_usable_bytes", 100032); /* every live object's known */
	assert_json_int(s, "pid", 4242);
	assert_json_int(s, "stack_id", 7);
	frames = json_object_get(s, "frames");
	assert_int_equal(json_array_size(frames), 4);
	for (size_t i = 0; i < 4; i++)
		assert_json_frame(json_array_get(frames, i), &frames_a[i], addrs[i]);

	s = json_array_get(stacks, 1);
	assert_keys(s, stack_keys, 11);
	assert_json_int(s, "stack_id", PERFAN_STACK_NONE);
	assert_json_counts(s, &(struct stack_counts){ 64, 1, 128, 2, 64, 1, 0, 0 });
	assert_true(json_is_null(json_object_get(s, "live_usable_bytes"))); /* not known */
	assert_int_equal(json_array_size(json_object_get(s, "frames")), 0);
	s = json_array_get(stacks, 2);
	/* the largest id is exact: JSON numbers hold 53 bits */
	assert_json_int(s, "stack_id", (json_int_t)PERFAN_STACK_ID_MASK);
	assert_int_equal(json_array_size(json_object_get(s, "frames")), 1);
	assert_json_frame(json_array_get(json_object_get(s, "frames"), 0), &frames_a[1], addrs[1]);
	s = json_array_get(stacks, 3);
	assert_json_int(s, "stack_id", 3);
	assert_json_counts(s, &(struct stack_counts){ 0, 0, 50000, 2, 50000, 2, 0, 0 });
	json_decref(doc);
	report__free(&rep);
}

static void test_json_top_and_freed(void **state)
{
	struct leak_report rep;
	json_t *doc, *stacks;
	static const struct {
		size_t top;
		bool show_freed;
		size_t cnt;
		json_int_t ids[4];
	} cases[] = {
#define MAXID ((json_int_t)PERFAN_STACK_ID_MASK)
		{ 0, true, 4, { 7, 0, MAXID, 3 } }, { 0, false, 3, { 7, 0, MAXID } },
		{ 2, false, 2, { 7, 0 } },	    { 1, true, 1, { 7 } },
		{ 3, true, 3, { 7, 0, MAXID } },    { 10, false, 3, { 7, 0, MAXID } },
#undef MAXID
	};
	(void)state;

	build_report(&rep);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct report_format_opts opts = { cases[i].top, cases[i].show_freed };

		doc = format_json(&rep, &opts);
		stacks = json_object_get(doc, "stacks");
		assert_int_equal(json_array_size(stacks), cases[i].cnt);
		for (size_t j = 0; j < cases[i].cnt; j++)
			assert_json_int(json_array_get(stacks, j), "stack_id", cases[i].ids[j]);
		/* totals and loss counters do not depend on what is shown */
		assert_json_int(json_object_get(doc, "totals"), "live_bytes", 100128);
		assert_json_int(json_object_get(doc, "lost"), "state_failures", 107);
		json_decref(doc);
	}
	report__free(&rep);
}

/* The model's one rule of which stacks a report shows, walked by every formatter */
static void test_next_shown(void **state)
{
	struct leak_report rep, gaps = {};
	static const struct {
		size_t top;
		bool show_freed;
		size_t cnt;
		size_t idx[4];
	} cases[] = {
		{ 0, true, 4, { 0, 1, 2, 3 } }, { 0, false, 3, { 0, 1, 2 } },
		{ 2, false, 2, { 0, 1 } },	{ 1, true, 1, { 0 } },
		{ 10, false, 3, { 0, 1, 2 } },
	};
	const struct report_format_opts top2 = { .top = 2 }, all = { 0, true };
	struct report_cursor c = {};
	const struct report_stack *s;
	(void)state;

	build_report(&rep); /* sorted: 7, PERFAN_STACK_NONE, PERFAN_STACK_ID_MASK, 3 (freed) */
	assert_int_equal(report__live_stack_cnt(&rep), 3);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct report_format_opts opts = { cases[i].top, cases[i].show_freed };
		size_t n = 0;

		c = (struct report_cursor){};
		while ((s = report__next_shown(&rep, &opts, &c))) {
			assert_true(n < cases[i].cnt);
			assert_ptr_equal(s, &rep.stacks[cases[i].idx[n]]);
			assert_int_equal(c.shown, ++n);
		}
		assert_int_equal(n, cases[i].cnt);
		assert_null(report__next_shown(&rep, &opts, &c)); /* and stays at the end */
	}
	report__free(&rep);

	/* a freed stack between live ones is skipped, and does not count toward --top */
	for (uint64_t id = 1; id <= 4; id++) {
		struct report_stack rs = { .stack_id = id, .counts.live_objects = id % 2 };

		assert_int_equal(report__add(&gaps, &rs), 0);
	}
	c = (struct report_cursor){};
	assert_non_null(s = report__next_shown(&gaps, &top2, &c));
	assert_int_equal(s->stack_id, 1);
	assert_non_null(s = report__next_shown(&gaps, &top2, &c));
	assert_int_equal(s->stack_id, 3);
	assert_int_equal(c.shown, 2);
	assert_null(report__next_shown(&gaps, &top2, &c));
	assert_int_equal(report__live_stack_cnt(&gaps), 2);
	report__free(&gaps);

	/* an empty report shows nothing */
	c = (struct report_cursor){};
	assert_null(report__next_shown(&gaps, &all, &c));
	assert_int_equal(c.shown, 0);
}

static void test_json_nulls_and_empty(void **state)
{
	static const struct frame bare = { .address = 0x10 };
	struct report_format_opts opts = { 0, false };
	struct leak_report rep = { .pid = 0, .duration_s = 0.25 };
	const json_t *f;
	json_t *doc;
	(void)state;

	doc = format_json(&rep, &opts);
	assert_keys(doc, top_keys, 9);
	assert_json_int(doc, "pid", 0);
	assert_true(json_is_false(json_object_get(doc, "final")));
	assert_true(json_is_null(json_object_get(doc, "command")));
	assert_json_counts(json_object_get(doc, "totals"), &(struct stack_counts){});
	for (int k = 0; k < REPORT_LOST_PROCS_MAP_FULL; k++)
		assert_json_int(json_object_get(doc, "lost"), report_lost__name(k), 0);
	assert_true(json_is_array(json_object_get(doc, "stacks")));
	assert_int_equal(json_array_size(json_object_get(doc, "stacks")), 0);
	json_decref(doc);

	add(&rep, 77, 1, (struct stack_counts){ 8, 1, 8, 1, 0, 0, 0, 0 }, &bare, 1);
	report__sum(&rep);
	doc = format_json(&rep, &opts);
	f = json_array_get(json_object_get(json_array_get(json_object_get(doc, "stacks"), 0),
					   "frames"),
			   0);
	assert_keys(f, frame_keys, 9);
	assert_json_str(f, "address", "0x10");
	assert_true(json_is_null(json_object_get(f, "module")));
	assert_true(json_is_null(json_object_get(f, "build_id")));
	assert_true(json_is_null(json_object_get(f, "function")));
	assert_true(json_is_null(json_object_get(f, "file")));
	assert_true(json_is_null(json_object_get(f, "line")));
	assert_json_int(f, "offset", 0);
	assert_true(json_is_false(json_object_get(f, "inlined")));
	json_decref(doc);
	report__free(&rep);
}

static void test_json_escaping(void **state)
{
	/* quotes, backslashes, a newline, a tab, a control byte and UTF-8 (é, 日本, 🙂) */
	static const char func[] = "operator\"\"_x<\\\\n>\n\tcaf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac "
				   "\xf0\x9f\x99\x82\x01";
	static const char module[] = "/opt/my \"app\"/lib\\dir/\xc3\xa9t\xc3\xa9\n.so (deleted)";
	static const char command[] = "sh -c 'echo \"hi\\n\"'";
	struct frame fr = { .address = 0xffffffffffffffffULL,
			    .module = module,
			    .build_id = "ab",
			    .function = func,
			    .offset = 7 };
	struct report_format_opts opts = { 0, false };
	struct leak_report rep = { .pid = 1, .command = command };
	const json_t *f;
	json_t *doc;
	(void)state;

	add(&rep, 1, 2, (struct stack_counts){ 1, 1, 1, 1, 0, 0, 0, 0 }, &fr, 1);
	doc = format_json(&rep, &opts);
	assert_json_str(doc, "command", command);
	f = json_array_get(json_object_get(json_array_get(json_object_get(doc, "stacks"), 0),
					   "frames"),
			   0);
	assert_json_str(f, "function", func);
	assert_json_str(f, "module", module);
	assert_json_str(f, "address", "0xffffffffffffffff");
	json_decref(doc);
	report__free(&rep);
}

/* A path is bytes: a Latin-1 directory name is not UTF-8, yet the report must still be written
 * (and every other stack and field with it). Each byte that does not start a well-formed UTF-8
 * sequence becomes U+FFFD (EF BF BD); well-formed sequences around it are kept. */
#define FFFD "\xef\xbf\xbd"
static void test_json_non_utf8_path(void **state)
{
	struct frame fr = { .address = 0x1000,
			    .module = "/opt/caf\xe9/libx.so",
			    .build_id = "",
			    /* a valid é, then a lead byte cut off by the end of the string */
			    .function = "f\xc3\xa9\xc3",
			    .offset = 1,
			    /* an overlong '/' (C0 AF) */
			    .file = "src/\xc0\xafx.c",
			    .line = 3 };
	struct frame ok = { .address = 0x2000,
			    .module = "/opt/lib\xc3\xa9.so",
			    .build_id = "",
			    .function = "ok_function",
			    .offset = 2 };
	struct report_format_opts opts = { 0, false };
	/* a surrogate (ED A0 80), a code point above U+10FFFF (F4 90 80 80), an overlong '/' in
	 * three bytes (E0 80 AF), a byte that is never UTF-8 (FF), a valid 4-byte 🙂 */
	struct leak_report rep = {
		.pid = 1,
		.command = "./app \xed\xa0\x80 \xf4\x90\x80\x80 \xe0\x80\xaf\xff \xf0\x9f\x99\x82"
	};
	const json_t *stacks, *f;
	json_t *doc;
	(void)state;

	add(&rep, 1, 2, (struct stack_counts){ 16, 1, 16, 1, 0, 0, 0, 0 }, &fr, 1);
	add(&rep, 1, 3, (struct stack_counts){ 8, 1, 8, 1, 0, 0, 0, 0 }, &ok, 1);
	report__sum(&rep);
	doc = format_json(&rep, &opts);
	assert_json_str(doc, "command",
			"./app " FFFD FFFD FFFD " " FFFD FFFD FFFD FFFD " " FFFD FFFD FFFD FFFD
			" \xf0\x9f\x99\x82");
	assert_json_counts(json_object_get(doc, "totals"),
			   &(struct stack_counts){ 24, 2, 24, 2, 0, 0, 0, 0 });
	stacks = json_object_get(doc, "stacks");
	assert_int_equal(json_array_size(stacks), 2);
	assert_json_int(json_array_get(stacks, 0), "stack_id", 2);
	f = json_array_get(json_object_get(json_array_get(stacks, 0), "frames"), 0);
	assert_json_str(f, "address", "0x1000");
	assert_json_str(f, "module", "/opt/caf" FFFD "/libx.so");
	assert_json_str(f, "function", "f\xc3\xa9" FFFD);
	assert_json_str(f, "file", "src/" FFFD FFFD "x.c");
	assert_json_int(f, "line", 3);
	assert_json_int(f, "offset", 1);
	assert_json_int(json_array_get(stacks, 1), "stack_id", 3);
	f = json_array_get(json_object_get(json_array_get(stacks, 1), "frames"), 0);
	assert_json_frame(f, &ok, "0x2000");
	json_decref(doc);
	report__free(&rep);
}
#undef FFFD

static void assert_text(const struct leak_report *rep, const struct report_format_opts *opts,
			const char *expected)
{
	int err;
	char *text = format(report__write_text, rep, opts, &err);

	assert_int_equal(err, 0);
	if (strcmp(text, expected))
		fail_msg("text output differs.\n--- got:\n%s--- expected:\n%s", text, expected);
	free(text);
}

static void test_text_report(void **state)
{
	struct report_format_opts opts = { 0, false };
	struct leak_report rep;
	(void)state;

	build_report(&rep);
	rep.stacks[0].truncated = true; /* stack 7, the largest */
	rep.lost[REPORT_LOST_ALLOCS_MAP_FULL] = 0;
	rep.lost[REPORT_LOST_STACKS_MAP_FULL] = 0;
	rep.lost[REPORT_LOST_UNMATCHED_FREES] = 0;
	rep.lost[REPORT_LOST_STATS_MAP_FULL] = 0;
	rep.lost[REPORT_LOST_STATE_FAILURES] = 0;
	rep.lost[REPORT_LOST_MARKS_DROPPED] = 0;
	rep.lost[REPORT_LOST_SNAPSHOTS_DROPPED] = 0;
	/* 100128 B = 97.78 KiB; 200192 B = 195.5 KiB; 100064 B = 97.72 KiB */
	assert_text(&rep, &opts,
		    "Final report for pid 4242 (./app --flag) after 12.5 s\n"
		    "  live:      97.8 KiB (100128 B) in 5 objects from 3 stacks\n"
		    "  allocated: 195.5 KiB in 10 objects since attach; freed 97.7 KiB in 5 "
		    "objects\n"
		    "\n"
		    "#1  97.7 KiB live (100000 B) in 3 objects; allocated 150000 B in 5 objects\n"
		    "    #0  0x000055d5c0a01234 leak_here (app.c:42) [inlined]  /usr/bin/app\n"
		    "    #1  0x00007f3a2c229d90 __libc_start_call_main+0x80  "
		    "/usr/lib/x86_64-linux-gnu/libc.so.6\n"
		    "    #2  0x000055d5c0a05000 app+0x4000  /usr/bin/app\n"
		    "    #3  0x00000000deadbeef [unknown]\n"
		    "    [truncated: callers missing]\n"
		    "\n"
		    "#2  64 B live (64 B) in 1 objects; allocated 128 B in 2 objects\n"
		    "    [stack unavailable]\n"
		    "\n"
		    "#3  64 B live (64 B) in 1 objects; allocated 64 B in 1 objects\n"
		    "    #0  0x00007f3a2c229d90 __libc_start_call_main+0x80  "
		    "/usr/lib/x86_64-linux-gnu/libc.so.6\n"
		    "\n"
		    "Truncated stacks: 1 of 3: their walk stopped early (at code with neither frame "
		    "pointers nor .eh_frame unwind rows, or at 127 frames), so callers are missing: "
		    "keep .eh_frame in the build (no -fno-asynchronous-unwind-tables) or build with "
		    "-fno-omit-frame-pointer, and leave --unwind at auto (docs/symbols.md)\n"
		    "\n"
		    "Lost events:\n"
		    "  stack_failures           102  allocations whose stack could not be read "
		    "(counted under [stack unavailable])\n"
		    "  pending_returns          105  allocator calls whose return was never seen\n");
	report__free(&rep);
}

static void test_text_top_and_freed(void **state)
{
	struct report_format_opts opts = { 1, false };
	struct leak_report rep;
	int err;
	char *text;
	(void)state;

	build_report(&rep);
	text = format(report__write_text, &rep, &opts, &err);
	assert_int_equal(err, 0);
	assert_non_null(strstr(text, "\n#1  97.7 KiB live (100000 B)"));
	assert_null(strstr(text, "\n#2  "));
	assert_non_null(strstr(text, "\n(2 more stacks with live memory; --top 0 shows all)\n"));
	free(text);

	/* with the freed ones, stack 3 (nothing live) comes last as #4 */
	opts = (struct report_format_opts){ 0, true };
	text = format(report__write_text, &rep, &opts, &err);
	assert_int_equal(err, 0);
	assert_non_null(strstr(text, "\n#4  0 B live (0 B) in 0 objects; allocated 50000 B in 2 "
				     "objects\n\n"));
	assert_null(strstr(text, "more stacks"));
	free(text);
	report__free(&rep);
}

/* The one frame of the per-process reports' stacks */
static const struct frame fr = {
	.address = 0x401000, .module = "/bin/x", .build_id = "", .function = "f", .offset = 0
};

/* A stack of a process gone before its mappings were read (no frame in a known mapping) is
 * said to be not named, not truncated, and counted at the end */
static void test_text_unnamed_stack(void **state)
{
	static const struct frame bare[2] = { { .address = 0x5000 }, { .address = 0x6000 } };
	struct report_format_opts opts = { 0, false };
	struct leak_report rep = { .pid = 0, .duration_s = 1 };
	char *text;
	int err;
	(void)state;

	add(&rep, 40, 7, (struct stack_counts){ 64, 1, 64, 1, 0, 0, 0, 0 }, bare, 2);
	add(&rep, 41, 8, (struct stack_counts){ 32, 1, 32, 1, 0, 0, 0, 0 }, &fr, 1);
	rep.stacks[0].truncated = true;
	report__sum(&rep);
	report__sort(&rep);
	text = format(report__write_text, &rep, &opts, &err);
	assert_int_equal(err, 0);
	assert_non_null(strstr(text,
			       "    #1  0x0000000000006000 [unknown]\n"
			       "    [not named: the process exited or exec'd before its mappings "
			       "were read]\n"));
	assert_null(strstr(text, "[truncated: callers missing]"));
	assert_non_null(strstr(text, "\nStacks not named: 1 of those shown:"));
	free(text);
	report__free(&rep);
}

static void test_text_all_processes_no_loss(void **state)
{
	struct report_format_opts opts = { 0, false };
	struct leak_report rep = { .pid = 0, .duration_s = 1 };
	(void)state;

	assert_text(&rep, &opts,
		    "Report for all processes after 1.0 s\n"
		    "  live:      0 B (0 B) in 0 objects from 0 stacks\n"
		    "  allocated: 0 B in 0 objects since attach; freed 0 B in 0 objects\n"
		    "\n"
		    "No live allocations.\n"
		    "\n"
		    "Lost events: none\n");

	/* one stack id in two processes (ids hash the frames); both have frames, so neither is
	 * "[stack unavailable]" */
	add(&rep, 31, 5, (struct stack_counts){ 3u << 20, 2, 3u << 20, 2, 0, 0, 0, 0 }, &fr, 1);
	add(&rep, 30, 5, (struct stack_counts){ 1023, 1, 1023, 1, 0, 0, 0, 0 }, &fr, 1);
	report__sum(&rep);
	report__sort(&rep);
	rep.lost[REPORT_LOST_STATE_FAILURES] = 1;
	assert_text(&rep, &opts,
		    "Report for all processes after 1.0 s\n"
		    "  live:      3.0 MiB (3146751 B) in 3 objects from 2 stacks\n"
		    "  allocated: 3.0 MiB in 3 objects since attach; freed 0 B in 0 objects\n"
		    "  processes: 2 with live memory, 2 seen allocating\n"
		    "    pid 31      -                3.0 MiB live (3145728 B) in 2 objects; "
		    "allocated 3145728 B in 2 objects\n"
		    "    pid 30      -                1023 B live (1023 B) in 1 objects; "
		    "allocated 1023 B in 1 objects\n"
		    "\n"
		    "#1  3.0 MiB live (3145728 B) in 2 objects; allocated 3145728 B in 2 objects"
		    "  [pid 31]\n"
		    "    #0  0x0000000000401000 f+0x0  /bin/x\n"
		    "\n"
		    "#2  1023 B live (1023 B) in 1 objects; allocated 1023 B in 1 objects"
		    "  [pid 30]\n"
		    "    #0  0x0000000000401000 f+0x0  /bin/x\n"
		    "\n"
		    "Lost events:\n"
		    "  state_failures             1  allocator calls missed: no per-thread state\n");
	/* the sums by process, in the order of each one's first stack; a third stack of pid 31 */
	{
		struct report_proc_sum *sums;
		size_t n;

		add(&rep, 31, 6, (struct stack_counts){ 10, 1, 20, 2, 10, 1, 0, 0 }, &fr, 1);
		assert_int_equal(report__proc_sums(&rep, &sums, &n), 0);
		assert_int_equal(n, 2);
		assert_int_equal(sums[0].pid, 31);
		assert_int_equal(sums[0].first, 0);
		assert_int_equal(sums[0].counts.live_bytes, (3u << 20) + 10);
		assert_int_equal(sums[0].counts.alloc_objects, 4);
		assert_int_equal(sums[0].counts.freed_objects, 1);
		assert_int_equal(sums[1].pid, 30);
		assert_int_equal(sums[1].first, 1);
		assert_int_equal(sums[1].counts.live_bytes, 1023);
		free(sums);
		rep.stack_cnt--; /* the third stack goes again */
	}
	/* a final report knows the processes' names */
	{
		struct report_proc procs[] = { { .pid = 30, .comm = "worker" } };
		char *text;
		int err;

		rep.procs = procs;
		rep.proc_cnt = 1;
		text = format(report__write_text, &rep, &opts, &err);
		assert_int_equal(err, 0);
		assert_non_null(
			strstr(text, "\n    pid 30      worker           1023 B live (1023 B)"));
		assert_non_null(strstr(text, "\n    pid 31      -                3.0 MiB live"));
		free(text);
	}
	report__free(&rep);
}

/* A session that followed forks: the report is the target's, its stacks several processes'.
 * Text: titled so, the processes summed first with their parents, each stack labelled; JSON:
 * each process's ppid (null for the target) */
static void test_followed_forks(void **state)
{
	struct report_format_opts opts = { 0, false };
	struct leak_report rep = { .pid = 40, .duration_s = 2, .final = true };
	struct report_proc procs[] = { { .pid = 40, .comm = "parent" },
				       { .pid = 41, .ppid = 40, .comm = "child" } };
	json_t *doc, *ps;
	(void)state;

	add(&rep, 40, 5, (struct stack_counts){ 100, 1, 100, 1, 0, 0, 0, 0 }, &fr, 1);
	report__sum(&rep);
	report__sort(&rep);
	assert_false(report__by_process(&rep)); /* the target's stacks alone: as before */
	add(&rep, 41, 5, (struct stack_counts){ 2000, 2, 2000, 2, 0, 0, 0, 0 }, &fr, 1);
	report__sum(&rep);
	report__sort(&rep);
	assert_true(report__by_process(&rep));
	rep.procs = procs;
	rep.proc_cnt = 2;
	assert_text(&rep, &opts,
		    "Final report for pid 40 and the processes it forked after 2.0 s\n"
		    "  live:      2.1 KiB (2100 B) in 3 objects from 2 stacks\n"
		    "  allocated: 2.1 KiB in 3 objects since attach; freed 0 B in 0 objects\n"
		    "  processes: 2 with live memory, 2 seen allocating\n"
		    "    pid 41      child            2.0 KiB live (2000 B) in 2 objects; "
		    "allocated 2000 B in 2 objects; forked by 40\n"
		    "    pid 40      parent           100 B live (100 B) in 1 objects; "
		    "allocated 100 B in 1 objects\n"
		    "\n"
		    "#1  2.0 KiB live (2000 B) in 2 objects; allocated 2000 B in 2 objects"
		    "  [pid 41]\n"
		    "    #0  0x0000000000401000 f+0x0  /bin/x\n"
		    "\n"
		    "#2  100 B live (100 B) in 1 objects; allocated 100 B in 1 objects"
		    "  [pid 40]\n"
		    "    #0  0x0000000000401000 f+0x0  /bin/x\n"
		    "\n"
		    "Lost events: none\n");
	doc = format_json(&rep, &opts);
	ps = json_object_get(doc, "processes");
	assert_int_equal(json_array_size(ps), 2);
	assert_true(json_is_null(json_object_get(json_array_get(ps, 0), "ppid")));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(ps, 1), "ppid")), 40);
	assert_int_equal(json_integer_value(
				 json_object_get(json_array_get(json_object_get(doc, "stacks"), 0),
						 "pid")),
			 41);
	json_decref(doc);
	report__free(&rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lost_names),
		cmocka_unit_test(test_followed_forks),
		cmocka_unit_test(test_counts_capped),
		cmocka_unit_test(test_formatter_lookup),
		cmocka_unit_test(test_add_copies_and_sum),
		cmocka_unit_test(test_copy_top),
		cmocka_unit_test(test_sort_total_order),
		cmocka_unit_test(test_json_document),
		cmocka_unit_test(test_json_top_and_freed),
		cmocka_unit_test(test_next_shown),
		cmocka_unit_test(test_json_nulls_and_empty),
		cmocka_unit_test(test_json_escaping),
		cmocka_unit_test(test_json_non_utf8_path),
		cmocka_unit_test(test_text_report),
		cmocka_unit_test(test_text_top_and_freed),
		cmocka_unit_test(test_text_all_processes_no_loss),
		cmocka_unit_test(test_text_unnamed_stack),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
