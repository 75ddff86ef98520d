// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of growth_format.h over a hand-built growth report (five processes, one of them
 * known from the kernel side only, one exited; an exact window that held memory and one that
 * failed; first-touch stacks named, unnamed and truncated): the whole text output byte for
 * byte, the JSON document parsed back with jansson key by key, --top, the live view, and a
 * full output stream. */
#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "analysis/growth_report.h"
#include "output/growth_format.h"

#define KiB 1024
#define MiB (1024 * 1024)

/* ---- the report ---- */

static const struct frame f_leak[] = { { .address = 0x555555555300,
					 .module = "/opt/app/server",
					 .build_id = "",
					 .function = "leak_fn",
					 .offset = 0x30,
					 .file = "server.c",
					 .line = 88 } };
static const struct frame f_malloc[] = { { .address = 0x7f0000002000,
					   .module = "/usr/lib/libc.so.6",
					   .build_id = "",
					   .function = "malloc",
					   .offset = 0x24 } };
static const struct frame f_grow[] = {
	{ .address = 0x7f0000001000,
	  .module = "/usr/lib/libc.so.6",
	  .build_id = "",
	  .function = "memset",
	  .offset = 0x40 },
	{ .address = 0x555555555200,
	  .module = "/opt/app/server",
	  .build_id = "",
	  .function = "grow_cache",
	  .offset = 0x12,
	  .file = "cache.c",
	  .line = 12 },
};
static const struct frame f_worker[] = {
	{ .address = 0x401000, .module = "/usr/bin/worker", .build_id = "abcd", .offset = 0x1000 }
};

/* Fastest growing first, as growth_table__rows orders them */
static const struct proc_row procs[] = {
	{ .pid = 100,
	  .ppid = 1,
	  .comm = "server",
	  .mem_known = true,
	  .rss_bytes = 10 * MiB,
	  .anon_bytes = 8 * MiB,
	  .growth_bytes = 2 * MiB,
	  .anon_growth_bytes = 1 * MiB,
	  .window_s = 4.0,
	  .held_bytes = 8 * KiB,
	  .touched_bytes = 20 * KiB,
	  .heap_bytes = 192 * KiB,
	  .execs = 1,
	  .forks = 2 },
	/* lived between two scans: the kernel side's figures only */
	{ .pid = 400,
	  .ppid = 100,
	  .comm = "burst",
	  .growth_bytes = 8 * KiB,
	  .anon_growth_bytes = 8 * KiB,
	  .held_bytes = 4 * KiB,
	  .touched_bytes = 8 * KiB },
	{ .pid = 200,
	  .ppid = 1,
	  .comm = "worker",
	  .mem_known = true,
	  .exited = true,
	  .rss_bytes = 1 * MiB,
	  .anon_bytes = 512 * KiB,
	  .growth_bytes = 4 * KiB,
	  .anon_growth_bytes = 4 * KiB,
	  .window_s = 2.0,
	  .held_bytes = 4 * KiB,
	  .touched_bytes = 4 * KiB },
	{ .pid = 300, .comm = "idle", .mem_known = true, .rss_bytes = 4 * KiB, .window_s = 4.0 },
	{ .pid = 500,
	  .ppid = 1,
	  .comm = "shrink",
	  .mem_known = true,
	  .rss_bytes = 64 * KiB,
	  .growth_bytes = -64 * KiB,
	  .anon_growth_bytes = -64 * KiB,
	  .window_s = 4.0 },
};

static struct held_stack held[] = {
	{ .live_bytes = 3000000,
	  .live_objects = 30,
	  .frames = (struct frame *)f_leak,
	  .frame_cnt = 1 },
	{ .live_bytes = 145728,
	  .live_objects = 10,
	  .frames = (struct frame *)f_malloc,
	  .frame_cnt = 1,
	  .truncated = true },
	{ .live_bytes = 0, .live_objects = 0 },
};

static struct escalation esc[2];

static void add(struct leak_report *rep, uint32_t pid, uint64_t id, struct stack_counts c,
		const struct frame *frames, size_t frame_cnt, bool truncated)
{
	struct report_stack s = { .pid = pid,
				  .stack_id = id,
				  .counts = c,
				  .frames = frames,
				  .frame_cnt = frame_cnt,
				  .truncated = truncated };

	assert_int_equal(report__add(rep, &s), 0);
}

/* growth rows: live = held bytes/pages, alloc = touched, freed = heap asked for (session.h) */
static void build(struct growth_report *g)
{
	memset(g, 0, sizeof(*g));
	memset(esc, 0, sizeof(esc));
	esc[0] = (struct escalation){ .pid = 100,
				      .window_s = 5.0,
				      .ok = true,
				      .live_bytes = 3 * MiB,
				      .live_objects = 40,
				      .unmatched_frees = 7,
				      .stacks = held,
				      .cnt = 3 };
	strcpy(esc[0].command, "perfan-bpf leak --pid 100 --duration 5 --format json --no-output");
	esc[1] = (struct escalation){ .pid = 200 };
	strcpy(esc[1].command, "perfan-bpf leak --pid 200 --duration 5 --format json --no-output");
	strcpy(esc[1].error, "pid 200 exited before its window ended");
	g->duration_s = 12.5;
	g->final = true;
	g->procs = procs;
	g->proc_cnt = 5;
	g->esc = esc;
	g->esc_cnt = 2;
	g->lost[REPORT_LOST_PROCS_MAP_FULL] = 2;
	g->lost[REPORT_LOST_PAGES_MAP_FULL] = 5;
	g->lost[REPORT_LOST_UNMATCHED_FREES] = 9; /* the exact gear's: not this report's */
	g->rep.kind = SESSION_KIND_GROWTH;
	g->rep.duration_s = 12.5;
	g->rep.final = true;
	add(&g->rep, 200, 9, (struct stack_counts){ 4 * KiB, 1, 4 * KiB, 1, 0, 0, 0, 0 }, f_worker,
	    1, true);
	add(&g->rep, 100, 0, (struct stack_counts){ 0, 0, 4 * KiB, 1, 128 * KiB, 1, 0, 0 }, NULL, 0,
	    false);
	add(&g->rep, 300, 12, (struct stack_counts){}, NULL, 0, false);
	add(&g->rep, 400, 11, (struct stack_counts){ 4 * KiB, 1, 8 * KiB, 2, 0, 0, 0, 0 }, NULL, 0,
	    false);
	add(&g->rep, 100, 7, (struct stack_counts){ 8 * KiB, 2, 16 * KiB, 4, 64 * KiB, 3, 0, 0 },
	    f_grow, 2, false);
	memcpy(g->rep.lost, g->lost, sizeof(g->lost));
	report__sum(&g->rep);
	report__sort(&g->rep);
}

typedef int (*growth_formatter)(const struct growth_report *g, size_t top, FILE *out);

static char *format(growth_formatter fn, const struct growth_report *g, size_t top)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(fn(g, top, f), 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(strlen(buf), len);
	return buf;
}

static void assert_text(const char *got, const char *want)
{
	if (strcmp(got, want)) {
		size_t i = 0;

		while (got[i] == want[i])
			i++;
		fail_msg("text differs at byte %zu:\n--- got\n%s--- want\n%s", i, got, want);
	}
}

/* ---- text ---- */

#define PROCS_HEADER                                                                                   \
	"      PID    PPID COMM                    RSS       ANON      GROWTH      RATE/s       HELD " \
	"   TOUCHED\n"
#define GROWTH_BY_STACK                                                                             \
	"\nGrowth by stack: the code that first wrote to each new page the process still has (not " \
	"always the code that holds the memory; docs/growth.md):\n"
#define EXACT_HEAD                                                                                   \
	"\nExact tracing of the fastest growing (live bytes by stack, exactly; ~3 uprobe traps per " \
	"malloc+free):\n"

static const char want_text[] =
	"Final growth report for every process after 12.5 s\n"
	"  held: 16.0 KiB (4 pages) of the new memory first touched, 32.0 KiB; heap asked for: "
	"192.0 KiB in 4 calls\n"
	"\n"
	"Processes, fastest growing first (3 of 5 grew or touched new memory):\n" PROCS_HEADER
	"      100       1 server             10.0 MiB    8.0 MiB    +2.0 MiB  +512.0 KiB    8.0 KiB "
	"  20.0 KiB\n"
	"      400     100 burst                     -          -    +8.0 KiB         0 B    4.0 KiB "
	"   8.0 KiB\n"
	"      200       1 worker              1.0 MiB  512.0 KiB    +4.0 KiB    +2.0 KiB    4.0 KiB "
	"   4.0 KiB  (exited)\n"
	"\n"
	"Held by stack in pid 100 (exact tracing for 5.0 s: allocations made in the window and still "
	"live at its end): 3.0 MiB in 40 objects\n"
	"\n"
	"#1  2.9 MiB held (3000000 B) in 30 objects\n"
	"    #0  0x0000555555555300 leak_fn (server.c:88)  /opt/app/server\n"
	"\n"
	"#2  142.3 KiB held (145728 B) in 10 objects\n"
	"    #0  0x00007f0000002000 malloc+0x24  /usr/lib/libc.so.6\n"
	"    [truncated: callers missing]\n"
	"\n"
	"Exact tracing of pid 200 failed: pid 200 exited before its window ended\n" GROWTH_BY_STACK
	"\n"
	"#1  8.0 KiB held (2 pages) of 16.0 KiB first touched; heap asked for 64.0 KiB in 3 calls  "
	"[pid 100 server]\n"
	"    #0  0x00007f0000001000 memset+0x40  /usr/lib/libc.so.6\n"
	"    #1  0x0000555555555200 grow_cache (cache.c:12)  /opt/app/server\n"
	"\n"
	"#2  4.0 KiB held (1 pages) of 8.0 KiB first touched; heap asked for 0 B in 0 calls  [pid "
	"400 burst]\n"
	"    [not named: the process exited or exec'd first]\n"
	"\n"
	"#3  4.0 KiB held (1 pages) of 4.0 KiB first touched; heap asked for 0 B in 0 calls  [pid "
	"200 worker]\n"
	"    #0  0x0000000000401000 worker+0x1000  /usr/bin/worker [build-id abcd]\n"
	"    [truncated: callers missing]\n"
	"\n"
	"#4  0 B held (0 pages) of 4.0 KiB first touched; heap asked for 128.0 KiB in 1 calls  [pid "
	"100 server]\n"
	"    [stack unavailable]\n" EXACT_HEAD
	"  perfan-bpf leak --pid 100 --duration 60    # server\n"
	"  perfan-bpf leak --pid 400 --duration 60    # burst\n"
	"\n"
	"Lost events:\n"
	"  procs_map_full             2  processes not tracked: the process table is full (raise "
	"--max-procs)\n"
	"  pages_map_full             5  new pages counted but not owned by their stack: the page "
	"table is full (raise --max-pages)\n";

static void test_text(void **state)
{
	struct growth_report g;
	char *text;
	(void)state;

	build(&g);
	text = format(growth_format__text, &g, 0);
	assert_text(text, want_text);
	free(text);
	report__free(&g.rep);
}

/* --top: processes, each window's held stacks and first-touch stacks, each cut to top; the
 * exact commands are the three fastest growing whatever top says */
static void test_text_top(void **state)
{
	struct growth_report g;
	char *text;
	(void)state;

	build(&g);
	text = format(growth_format__text, &g, 1);
	assert_non_null(strstr(text, "(3 of 5 grew or touched new memory):\n" PROCS_HEADER
				     "      100       1 server  "));
	assert_null(strstr(text, " burst              "));
	assert_non_null(strstr(text, "\n#1  2.9 MiB held (3000000 B) in 30 objects\n"));
	assert_null(strstr(text, "\n#2  142.3 KiB"));
	assert_non_null(strstr(text, GROWTH_BY_STACK "\n#1  8.0 KiB held (2 pages)"));
	assert_null(strstr(text, "\n#2  4.0 KiB held"));
	assert_non_null(strstr(text, EXACT_HEAD "  perfan-bpf leak --pid 100 --duration 60    # "
						"server\n  perfan-bpf leak --pid 400 --duration 60 "
						"   # burst\n\nLost events:\n"));
	free(text);
	report__free(&g.rep);
}

/* Nothing grew, nothing lost, one process traced with its children */
static void test_text_empty(void **state)
{
	struct growth_report g = { .pid = 42, .duration_s = 3.0 };
	char *text;
	(void)state;

	g.rep.kind = SESSION_KIND_GROWTH;
	text = format(growth_format__text, &g, 0);
	assert_text(text,
		    "Live growth report for pid 42 and its children after 3.0 s\n"
		    "  held: 0 B (0 pages) of the new memory first touched, 0 B; heap asked for: 0 "
		    "B in 0 calls\n"
		    "\n"
		    "Processes, fastest growing first (0 of 0 grew or touched new memory):\n" PROCS_HEADER
		    "  (none grew)\n" GROWTH_BY_STACK "\n"
		    "  (no new memory touched)\n"
		    "\n"
		    "Lost events: none\n");
	free(text);
}

/* ---- JSON ---- */

static json_t *format_json(const struct growth_report *g, size_t top, char **text_out)
{
	json_error_t jerr;
	char *text = format(growth_format__json, g, top);
	json_t *doc;

	assert_int_equal(text[strlen(text) - 1], '\n');
	doc = json_loads(text, 0, &jerr);
	if (!doc)
		fail_msg("not JSON (%s at line %d): %s", jerr.text, jerr.line, text);
	if (text_out)
		*text_out = text;
	else
		free(text);
	return doc;
}

static void assert_keys(const json_t *obj, const char *const *keys, size_t n)
{
	assert_true(json_is_object(obj));
	for (size_t i = 0; i < n; i++)
		if (!json_object_get(obj, keys[i]))
			fail_msg("missing key %s", keys[i]);
	if (json_object_size(obj) != n)
		fail_msg("%zu keys, want %zu", json_object_size(obj), n);
}

static void assert_json_int(const json_t *obj, const char *key, json_int_t v)
{
	const json_t *j = json_object_get(obj, key);

	if (!json_is_integer(j))
		fail_msg("%s is not an integer", key);
	if (json_integer_value(j) != v)
		fail_msg("%s is %lld, want %lld", key, (long long)json_integer_value(j),
			 (long long)v);
}

static void assert_json_real(const json_t *obj, const char *key, double v)
{
	const json_t *j = json_object_get(obj, key);

	/* jansson writes 2.0 as "2.0": a real, never an integer */
	if (!json_is_real(j))
		fail_msg("%s is not a real", key);
	if (json_real_value(j) != v)
		fail_msg("%s is %.17g, want %.17g", key, json_real_value(j), v);
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
	assert_string_equal(json_string_value(j), s);
}

static void assert_json_bool(const json_t *obj, const char *key, bool v)
{
	const json_t *j = json_object_get(obj, key);

	if (!json_is_boolean(j))
		fail_msg("%s is not a boolean", key);
	assert_int_equal(json_is_true(j), v);
}

static const char *const proc_keys[] = {
	"pid",
	"ppid",
	"comm",
	"rss_bytes",
	"anon_bytes",
	"growth_bytes",
	"growth_bytes_per_s",
	"anon_growth_bytes",
	"window_s",
	"held_bytes",
	"touched_bytes",
	"heap_bytes",
	"exited",
	"execs",
	"forks",
	"exact_command",
};

static void assert_proc(const json_t *p, const struct proc_row *want, double per_s,
			const char *exact_command)
{
	assert_keys(p, proc_keys, exact_command ? 16 : 15);
	assert_json_int(p, "pid", want->pid);
	assert_json_int(p, "ppid", want->ppid);
	assert_json_str(p, "comm", want->comm);
	if (want->mem_known) {
		assert_json_int(p, "rss_bytes", (json_int_t)want->rss_bytes);
		assert_json_int(p, "anon_bytes", (json_int_t)want->anon_bytes);
	} else {
		assert_json_str(p, "rss_bytes", NULL);
		assert_json_str(p, "anon_bytes", NULL);
	}
	assert_json_int(p, "growth_bytes", want->growth_bytes);
	assert_json_real(p, "growth_bytes_per_s", per_s);
	assert_json_int(p, "anon_growth_bytes", want->anon_growth_bytes);
	assert_json_real(p, "window_s", want->window_s);
	assert_json_int(p, "held_bytes", (json_int_t)want->held_bytes);
	assert_json_int(p, "touched_bytes", (json_int_t)want->touched_bytes);
	assert_json_int(p, "heap_bytes", (json_int_t)want->heap_bytes);
	assert_json_bool(p, "exited", want->exited);
	assert_json_int(p, "execs", want->execs);
	assert_json_int(p, "forks", want->forks);
	if (exact_command)
		assert_json_str(p, "exact_command", exact_command);
}

static const char *const exact_keys[] = {
	"pid", "source", "growth_bytes", "held_bytes", "held_objects", "truncated", "frames",
};
static const char *const touch_keys[] = {
	"pid",		 "stack_id",   "source",     "growth_bytes", "held_pages", "touched_bytes",
	"touched_pages", "heap_bytes", "heap_calls", "truncated",    "frames",
};

static void assert_exact_stack(const json_t *s, uint32_t pid, uint64_t bytes, uint64_t objects,
			       bool truncated)
{
	assert_keys(s, exact_keys, 7);
	assert_json_int(s, "pid", pid);
	assert_json_str(s, "source", "exact");
	assert_json_int(s, "growth_bytes", (json_int_t)bytes);
	assert_json_int(s, "held_bytes", (json_int_t)bytes);
	assert_json_int(s, "held_objects", (json_int_t)objects);
	assert_json_bool(s, "truncated", truncated);
}

static void assert_touch_stack(const json_t *s, uint32_t pid, uint64_t id, struct stack_counts c,
			       bool truncated, size_t frame_cnt)
{
	assert_keys(s, touch_keys, 11);
	assert_json_int(s, "pid", pid);
	assert_json_int(s, "stack_id", (json_int_t)id);
	assert_json_str(s, "source", "first_touch");
	assert_json_int(s, "growth_bytes", (json_int_t)c.live_bytes);
	assert_json_int(s, "held_pages", (json_int_t)c.live_objects);
	assert_json_int(s, "touched_bytes", (json_int_t)c.alloc_bytes);
	assert_json_int(s, "touched_pages", (json_int_t)c.alloc_objects);
	assert_json_int(s, "heap_bytes", (json_int_t)c.freed_bytes);
	assert_json_int(s, "heap_calls", (json_int_t)c.freed_objects);
	assert_json_bool(s, "truncated", truncated);
	assert_int_equal(json_array_size(json_object_get(s, "frames")), frame_cnt);
}

static void assert_frame(const json_t *f, const char *address, const char *module,
			 const char *build_id, const char *function, json_int_t offset,
			 const char *file, json_int_t line)
{
	static const char *const keys[] = { "address",	"module",	"build_id",
					    "function", "raw_function", "offset",
					    "file",	"line",		"inlined" };

	assert_keys(f, keys, 9);
	assert_json_str(f, "address", address);
	assert_json_str(f, "module", module);
	assert_json_str(f, "build_id", build_id);
	assert_json_str(f, "function", function);
	assert_json_str(f, "raw_function", NULL);
	assert_json_int(f, "offset", offset);
	assert_json_str(f, "file", file);
	if (file)
		assert_json_int(f, "line", line);
	else
		assert_json_str(f, "line", NULL);
	assert_json_bool(f, "inlined", false);
}

static void test_json(void **state)
{
	static const char *const top_keys[] = {
		"schema_version", "kind",	 "pid",	 "duration_s",	     "final",  "totals",
		"processes",	  "escalations", "lost", "truncated_stacks", "stacks",
	};
	static const char *const total_keys[] = { "growth_bytes", "held_pages", "touched_bytes",
						  "heap_bytes", "heap_calls" };
	static const char *const esc_keys[] = { "pid",		"window_s",	  "command",
						"ok",		"error",	  "live_bytes",
						"live_objects", "unmatched_frees" };
	static const char *const lost_keys[] = { "stack_failures", "stacks_map_full",
						 "stats_map_full", "snapshots_dropped",
						 "procs_map_full", "vma_busy",
						 "pages_map_full" };
	struct growth_report g;
	const json_t *procs_j, *stacks, *e, *t, *lost;
	const char *prev = NULL;
	char *text;
	json_t *doc;
	(void)state;

	build(&g);
	doc = format_json(&g, 0, &text);
	assert_keys(doc, top_keys, 11);
	/* in the documented order (docs/growth.md) */
	for (size_t i = 0; i < 11; i++) {
		char key[40];
		const char *at;

		snprintf(key, sizeof(key), "\n  \"%s\": ", top_keys[i]);
		at = strstr(text, key);
		if (!at || (prev && at < prev))
			fail_msg("key %s is not after %s", top_keys[i], i ? top_keys[i - 1] : "{");
		prev = at;
	}
	free(text);
	assert_json_int(doc, "schema_version", 1);
	assert_json_str(doc, "kind", "growth");
	assert_json_int(doc, "pid", 0);
	assert_json_real(doc, "duration_s", 12.5);
	assert_json_bool(doc, "final", true);
	t = json_object_get(doc, "totals");
	assert_keys(t, total_keys, 5);
	assert_json_int(t, "growth_bytes", 16 * KiB);
	assert_json_int(t, "held_pages", 4);
	assert_json_int(t, "touched_bytes", 32 * KiB);
	assert_json_int(t, "heap_bytes", 192 * KiB);
	assert_json_int(t, "heap_calls", 4);

	/* every process, in the report's order; an exact command for the growing live ones */
	procs_j = json_object_get(doc, "processes");
	assert_int_equal(json_array_size(procs_j), 5);
	assert_proc(json_array_get(procs_j, 0), &procs[0], 524288.0,
		    "perfan-bpf leak --pid 100 --duration 60");
	assert_proc(json_array_get(procs_j, 1), &procs[1], 0.0,
		    "perfan-bpf leak --pid 400 --duration 60");
	assert_proc(json_array_get(procs_j, 2), &procs[2], 2048.0, NULL);
	assert_proc(json_array_get(procs_j, 3), &procs[3], 0.0, NULL);
	assert_proc(json_array_get(procs_j, 4), &procs[4], -16384.0, NULL);

	e = json_object_get(doc, "escalations");
	assert_int_equal(json_array_size(e), 2);
	assert_keys(json_array_get(e, 0), esc_keys, 8);
	assert_json_int(json_array_get(e, 0), "pid", 100);
	assert_json_real(json_array_get(e, 0), "window_s", 5.0);
	assert_json_str(json_array_get(e, 0), "command",
			"perfan-bpf leak --pid 100 --duration 5 --format json --no-output");
	assert_json_bool(json_array_get(e, 0), "ok", true);
	assert_json_str(json_array_get(e, 0), "error", NULL);
	assert_json_int(json_array_get(e, 0), "live_bytes", 3 * MiB);
	assert_json_int(json_array_get(e, 0), "live_objects", 40);
	assert_json_int(json_array_get(e, 0), "unmatched_frees", 7);
	assert_keys(json_array_get(e, 1), esc_keys, 8);
	assert_json_int(json_array_get(e, 1), "pid", 200);
	assert_json_real(json_array_get(e, 1), "window_s", 0.0);
	assert_json_bool(json_array_get(e, 1), "ok", false);
	assert_json_str(json_array_get(e, 1), "error", "pid 200 exited before its window ended");
	assert_json_int(json_array_get(e, 1), "live_bytes", 0);
	assert_json_int(json_array_get(e, 1), "unmatched_frees", 0);

	/* the growth gear's counters only */
	lost = json_object_get(doc, "lost");
	assert_keys(lost, lost_keys, 7);
	assert_json_int(lost, "procs_map_full", 2);
	assert_json_int(lost, "pages_map_full", 5);
	assert_json_int(lost, "vma_busy", 0);
	assert_json_int(lost, "stack_failures", 0);
	assert_json_int(doc, "truncated_stacks", 1);

	/* the exact window's held stacks (those holding objects), then first touch by held
	 * bytes; a stack with no bytes at all is left out */
	stacks = json_object_get(doc, "stacks");
	assert_int_equal(json_array_size(stacks), 6);
	assert_exact_stack(json_array_get(stacks, 0), 100, 3000000, 30, false);
	assert_frame(json_array_get(json_object_get(json_array_get(stacks, 0), "frames"), 0),
		     "0x555555555300", "/opt/app/server", "", "leak_fn", 0x30, "server.c", 88);
	assert_exact_stack(json_array_get(stacks, 1), 100, 145728, 10, true);
	assert_frame(json_array_get(json_object_get(json_array_get(stacks, 1), "frames"), 0),
		     "0x7f0000002000", "/usr/lib/libc.so.6", "", "malloc", 0x24, NULL, 0);
	assert_touch_stack(json_array_get(stacks, 2), 100, 7,
			   (struct stack_counts){ 8 * KiB, 2, 16 * KiB, 4, 64 * KiB, 3, 0, 0 },
			   false, 2);
	assert_frame(json_array_get(json_object_get(json_array_get(stacks, 2), "frames"), 0),
		     "0x7f0000001000", "/usr/lib/libc.so.6", "", "memset", 0x40, NULL, 0);
	assert_frame(json_array_get(json_object_get(json_array_get(stacks, 2), "frames"), 1),
		     "0x555555555200", "/opt/app/server", "", "grow_cache", 0x12, "cache.c", 12);
	assert_touch_stack(json_array_get(stacks, 3), 400, 11,
			   (struct stack_counts){ 4 * KiB, 1, 8 * KiB, 2, 0, 0, 0, 0 }, false, 0);
	assert_touch_stack(json_array_get(stacks, 4), 200, 9,
			   (struct stack_counts){ 4 * KiB, 1, 4 * KiB, 1, 0, 0, 0, 0 }, true, 1);
	assert_frame(json_array_get(json_object_get(json_array_get(stacks, 4), "frames"), 0),
		     "0x401000", "/usr/bin/worker", "abcd", NULL, 0x1000, NULL, 0);
	assert_touch_stack(json_array_get(stacks, 5), 100, 0,
			   (struct stack_counts){ 0, 0, 4 * KiB, 1, 128 * KiB, 1, 0, 0 }, false, 0);
	json_decref(doc);
	report__free(&g.rep);
}

/* --top 2 keeps the first two first-touch stacks */
static void test_json_top_stacks(void **state)
{
	struct growth_report g;
	const json_t *stacks;
	json_t *doc;
	(void)state;

	build(&g);
	doc = format_json(&g, 2, NULL);
	stacks = json_object_get(doc, "stacks");
	assert_int_equal(json_array_size(stacks), 4);
	assert_json_str(json_array_get(stacks, 1), "source", "exact");
	assert_json_int(json_array_get(stacks, 2), "stack_id", 7);
	assert_json_int(json_array_get(stacks, 3), "stack_id", 11);
	/* the totals and the count of truncated stacks are of the whole report */
	assert_json_int(json_object_get(doc, "totals"), "growth_bytes", 16 * KiB);
	assert_json_int(doc, "truncated_stacks", 1);
	json_decref(doc);
	report__free(&g.rep);
}

/* growth_format.h: "top: processes and stacks shown per section" holds for the JSON too, as
 * it does for the text (test_text_top): one process, one held stack of the window, one
 * first-touch stack */
static void test_json_top_per_section(void **state)
{
	struct growth_report g;
	size_t proc_cnt, stack_cnt;
	json_t *doc;
	(void)state;

	build(&g);
	doc = format_json(&g, 1, NULL);
	proc_cnt = json_array_size(json_object_get(doc, "processes"));
	stack_cnt = json_array_size(json_object_get(doc, "stacks"));
	json_decref(doc);
	report__free(&g.rep);
	if (proc_cnt != 1 || stack_cnt != 2)
		fail_msg("--top 1: %zu processes and %zu stacks, want 1 and 2 (text: 1 process, 1 "
			 "held stack, 1 first-touch stack)",
			 proc_cnt, stack_cnt);
}

static void test_json_empty(void **state)
{
	struct growth_report g = { .pid = 42, .duration_s = 3.0 };
	json_t *doc;
	(void)state;

	g.rep.kind = SESSION_KIND_GROWTH;
	doc = format_json(&g, 0, NULL);
	assert_json_int(doc, "pid", 42);
	assert_json_bool(doc, "final", false);
	assert_json_real(doc, "duration_s", 3.0);
	assert_int_equal(json_array_size(json_object_get(doc, "processes")), 0);
	assert_true(json_is_array(json_object_get(doc, "processes")));
	assert_true(json_is_array(json_object_get(doc, "escalations")));
	assert_true(json_is_array(json_object_get(doc, "stacks")));
	assert_int_equal(json_array_size(json_object_get(doc, "stacks")), 0);
	assert_json_int(doc, "truncated_stacks", 0);
	assert_json_int(json_object_get(doc, "lost"), "procs_map_full", 0);
	json_decref(doc);
}

/* The walk budget acted: text says at what odds and for how much, JSON has walk_budget; a
 * budget that never acted (or none, as from a file) prints nothing */
static void test_walk_budget(void **state)
{
	struct growth_report g = { .pid = 42, .duration_s = 3.0, .sample_pages = 16 };
	const json_t *wb;
	json_t *doc;
	char *text;
	(void)state;

	g.rep.kind = SESSION_KIND_GROWTH;
	g.walk_budget = 1000;
	text = format(growth_format__text, &g, 0);
	assert_null(strstr(text, "walk budget"));
	free(text);
	g.weight_max = 548;
	g.budget_pages = 262144;
	text = format(growth_format__text, &g, 0);
	assert_non_null(
		strstr(text, "  by stack: 1 in 16 new pages (at random) had its stack walked "
			     "and counts for 16: estimates (--sample-pages 1: every page)\n"
			     "  while pages came faster than the walk budget (1000 walks/s per "
			     "CPU), 1 in up to 548 was walked and weighed as much: 1.0 GiB of "
			     "the pages touched are estimated so (--walk-budget 0: no budget)\n"));
	free(text);
	doc = format_json(&g, 0, NULL);
	wb = json_object_get(doc, "walk_budget");
	assert_non_null(wb);
	assert_json_int(wb, "walks_per_s", 1000);
	assert_json_int(wb, "weight_max", 548);
	assert_json_int(wb, "budget_bytes", 1073741824);
	json_decref(doc);
	g.walk_budget = 0;
	doc = format_json(&g, 0, NULL);
	assert_null(json_object_get(doc, "walk_budget"));
	json_decref(doc);
}

/* ---- the rest of the interface ---- */

static void test_live_view(void **state)
{
	struct growth_report g;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	(void)state;

	build(&g);
	g.duration_s = 30.0;
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	growth_format__live(&g, 1, f);
	assert_int_equal(fclose(f), 0);
	assert_text(buf,
		    "\033[H\033[2J"
		    "perfan-bpf growth — every process, 30 s — held 16.0 KiB — Ctrl-C for the "
		    "report\n"
		    "\n"
		    "Processes, fastest growing first (3 of 5 grew or touched new memory):\n" PROCS_HEADER
		    "      100       1 server             10.0 MiB    8.0 MiB    +2.0 MiB  +512.0 "
		    "KiB    8.0 KiB   20.0 KiB\n");
	free(buf);
	report__free(&g.rep);
}

static void test_proc_and_command(void **state)
{
	struct growth_report g = { .procs = procs, .proc_cnt = 5 };
	char cmd[128], small[16];
	(void)state;

	assert_ptr_equal(growth_format__proc(&g, 200), &procs[2]);
	assert_ptr_equal(growth_format__proc(&g, 500), &procs[4]);
	assert_null(growth_format__proc(&g, 201));
	g.proc_cnt = 0;
	assert_null(growth_format__proc(&g, 100));
	growth_format__exact_command(4294967295u, cmd, sizeof(cmd));
	assert_string_equal(cmd, "perfan-bpf leak --pid 4294967295 --duration 60");
	growth_format__exact_command(77, small, sizeof(small));
	assert_string_equal(small, "perfan-bpf leak");
}

/* A stream that takes no more: -EIO, from both formatters */
static void test_full_stream(void **state)
{
	struct growth_report g;
	char buf[256];
	FILE *f;
	(void)state;

	build(&g);
	f = fmemopen(buf, sizeof(buf), "w");
	assert_non_null(f);
	setvbuf(f, NULL, _IONBF, 0);
	assert_int_equal(growth_format__text(&g, 0, f), -EIO);
	fclose(f);
	f = fmemopen(buf, sizeof(buf), "w");
	assert_non_null(f);
	setvbuf(f, NULL, _IONBF, 0);
	assert_int_equal(growth_format__json(&g, 0, f), -EIO);
	fclose(f);
	report__free(&g.rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_top),
		cmocka_unit_test(test_text_empty),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_top_stacks),
		cmocka_unit_test(test_json_top_per_section),
		cmocka_unit_test(test_walk_budget),
		cmocka_unit_test(test_json_empty),
		cmocka_unit_test(test_live_view),
		cmocka_unit_test(test_proc_and_command),
		cmocka_unit_test(test_full_stream),
	};

	return cmocka_run_group_tests_name("growth_format", tests, NULL, NULL);
}
