// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of growth_report.h. escalation__parse reads the exact gear's report: a document
 * as `perfan-bpf leak --format json` prints it (written out here, and checked to be what
 * report__write_json makes of the same model), stacks ordered by live bytes, frames field by
 * field, the unmatched frees, and refusals (not JSON, no totals, bad stacks) with their one-line
 * reason. growth_report__build is checked over a growth session with one snapshot. */
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
#include "output/report_format.h"
#include "session_fixture.h"

/* What `perfan-bpf leak --pid 4242 --duration 5 --format json` prints (report_json.c,
 * leak_json.c): the exact gear's loss counters, stacks by live bytes, an inline chain */
static const char leak_doc[] =
	"{\n"
	"  \"schema_version\": 1,\n"
	"  \"pid\": 4242,\n"
	"  \"duration_s\": 5.0012,\n"
	"  \"final\": true,\n"
	"  \"command\": null,\n"
	"  \"totals\": {\n"
	"    \"live_bytes\": 1052672,\n"
	"    \"live_objects\": 257,\n"
	"    \"alloc_bytes\": 2101248,\n"
	"    \"alloc_objects\": 513,\n"
	"    \"freed_bytes\": 1048576,\n"
	"    \"freed_objects\": 256,\n"
	"    \"live_usable_bytes\": null\n"
	"  },\n"
	"  \"lost\": {\n"
	"    \"allocs_map_full\": 0,\n"
	"    \"stack_failures\": 2,\n"
	"    \"stacks_map_full\": 0,\n"
	"    \"unmatched_frees\": 31,\n"
	"    \"pending_returns\": 0,\n"
	"    \"stats_map_full\": 0,\n"
	"    \"state_failures\": 0,\n"
	"    \"marks_dropped\": 0,\n"
	"    \"snapshots_dropped\": 0\n"
	"  },\n"
	"  \"truncated_stacks\": 1,\n"
	"  \"stacks\": [\n"
	"    {\n"
	"      \"live_bytes\": 1048576,\n"
	"      \"live_objects\": 256,\n"
	"      \"alloc_bytes\": 2097152,\n"
	"      \"alloc_objects\": 512,\n"
	"      \"freed_bytes\": 1048576,\n"
	"      \"freed_objects\": 256,\n"
	"      \"live_usable_bytes\": null,\n"
	"      \"pid\": 4242,\n"
	"      \"stack_id\": 17,\n"
	"      \"truncated\": false,\n"
	"      \"frames\": [\n"
	"        {\n"
	"          \"address\": \"0x7f3a2c29a0f5\",\n"
	"          \"module\": \"/usr/lib/x86_64-linux-gnu/libc.so.6\",\n"
	"          \"build_id\": \"c289da5071a3399de893d2af81d6a30c62646e1e\",\n"
	"          \"function\": \"malloc\",\n"
	"          \"raw_function\": \"malloc\",\n"
	"          \"offset\": 37,\n"
	"          \"file\": null,\n"
	"          \"line\": null,\n"
	"          \"inlined\": false\n"
	"        },\n"
	"        {\n"
	"          \"address\": \"0x5555555551a9\",\n"
	"          \"module\": \"/opt/app/server\",\n"
	"          \"build_id\": \"\",\n"
	"          \"function\": \"cache_put\",\n"
	"          \"raw_function\": \"cache_put\",\n"
	"          \"offset\": 25,\n"
	"          \"file\": \"/src/cache.c\",\n"
	"          \"line\": 42,\n"
	"          \"inlined\": true\n"
	"        },\n"
	"        {\n"
	"          \"address\": \"0x5555555551a9\",\n"
	"          \"module\": \"/opt/app/server\",\n"
	"          \"build_id\": \"\",\n"
	"          \"function\": \"handle_request()\",\n"
	"          \"raw_function\": \"_Z14handle_requestv\",\n"
	"          \"offset\": 25,\n"
	"          \"file\": \"/src/server.c\",\n"
	"          \"line\": 118,\n"
	"          \"inlined\": false\n"
	"        }\n"
	"      ]\n"
	"    },\n"
	"    {\n"
	"      \"live_bytes\": 4096,\n"
	"      \"live_objects\": 1,\n"
	"      \"alloc_bytes\": 4096,\n"
	"      \"alloc_objects\": 1,\n"
	"      \"freed_bytes\": 0,\n"
	"      \"freed_objects\": 0,\n"
	"      \"live_usable_bytes\": null,\n"
	"      \"pid\": 4242,\n"
	"      \"stack_id\": 3,\n"
	"      \"truncated\": true,\n"
	"      \"frames\": [\n"
	"        {\n"
	"          \"address\": \"0x7ffd6b9f1000\",\n"
	"          \"module\": null,\n"
	"          \"build_id\": \"\",\n"
	"          \"function\": null,\n"
	"          \"raw_function\": null,\n"
	"          \"offset\": 0,\n"
	"          \"file\": null,\n"
	"          \"line\": null,\n"
	"          \"inlined\": false\n"
	"        }\n"
	"      ]\n"
	"    }\n"
	"  ]\n"
	"}\n";

/* The frames of leak_doc's stacks */
static const struct frame doc_frames17[] = {
	{ .address = 0x7f3a2c29a0f5,
	  .module = "/usr/lib/x86_64-linux-gnu/libc.so.6",
	  .build_id = "c289da5071a3399de893d2af81d6a30c62646e1e",
	  .function = "malloc",
	  .raw_function = "malloc",
	  .offset = 37 },
	{ .address = 0x5555555551a9,
	  .module = "/opt/app/server",
	  .build_id = "",
	  .function = "cache_put",
	  .raw_function = "cache_put",
	  .offset = 25,
	  .file = "/src/cache.c",
	  .line = 42,
	  .inlined = true },
	{ .address = 0x5555555551a9,
	  .module = "/opt/app/server",
	  .build_id = "",
	  .function = "handle_request()",
	  .raw_function = "_Z14handle_requestv",
	  .offset = 25,
	  .file = "/src/server.c",
	  .line = 118 },
};
static const struct frame doc_frames3[] = { { .address = 0x7ffd6b9f1000, .build_id = "" } };

static void assert_str_eq(const char *got, const char *want)
{
	if (!got || !want) {
		assert_ptr_equal(got, want);
		return;
	}
	assert_string_equal(got, want);
}

static void assert_frames(const struct held_stack *h, const struct frame *want, size_t n)
{
	assert_int_equal(h->frame_cnt, n);
	for (size_t i = 0; i < n; i++) {
		const struct frame *f = &h->frames[i];

		assert_int_equal(f->address, want[i].address);
		assert_str_eq(f->module, want[i].module);
		assert_str_eq(f->build_id, want[i].build_id);
		assert_str_eq(f->function, want[i].function);
		assert_str_eq(f->raw_function, want[i].raw_function);
		assert_int_equal(f->offset, want[i].offset);
		assert_str_eq(f->file, want[i].file);
		assert_int_equal(f->line, want[i].line);
		assert_int_equal(f->inlined, want[i].inlined);
	}
}

/* report__write_json's document of rep, in a malloc'ed string */
static char *leak_json_of(const struct leak_report *rep)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(report__write_json(rep, &(struct report_format_opts){}, f), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void add_stack(struct leak_report *rep, uint32_t pid, uint64_t id, struct stack_counts c,
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

/* leak_doc is what the exact gear's writer makes of its model, key for key */
static void test_doc_is_the_writers(void **state)
{
	struct leak_report rep = { .pid = 4242, .duration_s = 5.0012, .final = true };
	json_t *want, *got;
	char *text;
	(void)state;

	add_stack(&rep, 4242, 3, (struct stack_counts){ 4096, 1, 4096, 1, 0, 0, 0, 0 }, doc_frames3,
		  1, true);
	add_stack(&rep, 4242, 17,
		  (struct stack_counts){ 1048576, 256, 2097152, 512, 1048576, 256, 0, 0 },
		  doc_frames17, 3, false);
	rep.lost[REPORT_LOST_UNMATCHED_FREES] = 31;
	rep.lost[REPORT_LOST_STACK_FAILURES] = 2;
	report__sum(&rep);
	report__sort(&rep);
	text = leak_json_of(&rep);
	want = json_loads(leak_doc, 0, NULL);
	got = json_loads(text, 0, NULL);
	assert_non_null(want);
	assert_non_null(got);
	if (!json_equal(want, got))
		fail_msg("report__write_json wrote another document:\n%s", text);
	json_decref(want);
	json_decref(got);
	free(text);
	report__free(&rep);
}

static void test_parse_leak_report(void **state)
{
	struct escalation e = { .pid = 4242, .window_s = 5 };
	struct errtext why = {};
	(void)state;

	assert_int_equal(escalation__parse(&e, leak_doc, &why), 0);
	assert_string_equal(why.msg, "");
	/* what the caller says stays the caller's */
	assert_int_equal(e.pid, 4242);
	assert_true(e.window_s == 5);
	assert_false(e.ok);
	assert_int_equal(e.live_bytes, 1052672);
	assert_int_equal(e.live_objects, 257);
	assert_int_equal(e.unmatched_frees, 31);
	assert_int_equal(e.cnt, 2);
	assert_int_equal(e.stacks[0].live_bytes, 1048576);
	assert_int_equal(e.stacks[0].live_objects, 256);
	assert_false(e.stacks[0].truncated);
	assert_frames(&e.stacks[0], doc_frames17, 3);
	assert_int_equal(e.stacks[1].live_bytes, 4096);
	assert_int_equal(e.stacks[1].live_objects, 1);
	assert_true(e.stacks[1].truncated);
	assert_frames(&e.stacks[1], doc_frames3, 1);
	/* the frames' strings are the escalation's, not the document's */
	assert_ptr_equal(e.stacks[0].frames[1].module, e.stacks[0].frames[2].module);
	escalation__free(&e);
	assert_null(e.stacks);
	assert_int_equal(e.cnt, 0);
	/* parsed again after a free, as the escalation does while its report comes in */
	assert_int_equal(escalation__parse(&e, leak_doc, &why), 0);
	assert_int_equal(e.cnt, 2);
	assert_string_equal(e.stacks[0].frames[2].function, "handle_request()");
	escalation__free(&e);
	escalation__free(&e);
}

/* Stacks by live bytes, largest first, ties by live objects, whatever the document's order;
 * a stack with nothing live is not in the exact report at all */
static void test_parse_sorts_stacks(void **state)
{
	static const struct frame fx[] = {
		{ .address = 0x401010, .function = "x_fn", .build_id = "" }
	};
	static const struct frame fy[] = {
		{ .address = 0x401020, .function = "y_fn", .build_id = "" }
	};
	static const struct frame fz[] = { { .address = 0x401030,
					     .function = "z\033[2Jfn",
					     .build_id = "",
					     .file = "z.c",
					     .line = 7 } };
	struct leak_report rep = { .pid = 9 };
	struct escalation e = {};
	struct errtext why;
	char *text;
	(void)state;

	add_stack(&rep, 9, 1, (struct stack_counts){ 4096, 1, 4096, 1, 0, 0, 0, 0 }, fx, 1, false);
	add_stack(&rep, 9, 2, (struct stack_counts){ 1048576, 3, 1048576, 3, 0, 0, 0, 0 }, fy, 1,
		  false);
	add_stack(&rep, 9, 3, (struct stack_counts){ 4096, 4, 8192, 8, 4096, 4, 0, 0 }, fz, 1,
		  true);
	add_stack(&rep, 9, 4, (struct stack_counts){ 0, 0, 512, 2, 512, 2, 0, 0 }, fx, 1, false);
	report__sum(&rep);
	/* not sorted: the document lists them in this order */
	text = leak_json_of(&rep);
	assert_int_equal(escalation__parse(&e, text, &why), 0);
	assert_int_equal(e.live_bytes, 1056768);
	assert_int_equal(e.live_objects, 8);
	assert_int_equal(e.unmatched_frees, 0);
	assert_int_equal(e.cnt, 3);
	assert_int_equal(e.stacks[0].live_bytes, 1048576);
	assert_string_equal(e.stacks[0].frames[0].function, "y_fn");
	assert_int_equal(e.stacks[1].live_bytes, 4096);
	assert_int_equal(e.stacks[1].live_objects, 4);
	assert_true(e.stacks[1].truncated);
	/* names from the target are sanitized where they enter */
	assert_string_equal(e.stacks[1].frames[0].function, "z?[2Jfn");
	assert_string_equal(e.stacks[1].frames[0].file, "z.c");
	assert_int_equal(e.stacks[1].frames[0].line, 7);
	assert_int_equal(e.stacks[2].live_objects, 1);
	assert_string_equal(e.stacks[2].frames[0].function, "x_fn");
	escalation__free(&e);
	free(text);
	report__free(&rep);
}

/* No stacks live at the end of the window, and no "lost" (an older writer) */
static void test_parse_empty(void **state)
{
	struct escalation e = {};
	struct errtext why;
	(void)state;

	assert_int_equal(escalation__parse(&e,
					   "{\"totals\":{\"live_bytes\":0,\"live_objects\":0},"
					   "\"stacks\":[]}",
					   &why),
			 0);
	assert_int_equal(e.cnt, 0);
	assert_null(e.stacks);
	assert_int_equal(e.live_bytes, 0);
	assert_int_equal(e.unmatched_frees, 0);
	escalation__free(&e);
}

static void assert_parse_fails(const char *json, const char *reason, bool prefix)
{
	struct escalation e = {};
	struct errtext why = {};
	int rc = escalation__parse(&e, json, &why);

	if (rc != -EINVAL ||
	    (prefix ? strncmp(why.msg, reason, strlen(reason)) || strlen(why.msg) <= strlen(reason)
		    : strcmp(why.msg, reason)))
		fail_msg("parse of %s: rc %d, reason '%s'; want -EINVAL and '%s'%s", json, rc,
			 why.msg, reason, prefix ? "..." : "");
	assert_null(strchr(why.msg, '\n'));
	escalation__free(&e);
	assert_null(e.stacks);
	assert_int_equal(e.cnt, 0);
}

#define TOTALS "\"totals\":{\"live_bytes\":8,\"live_objects\":1}"
#define FRAME "{\"address\":\"0x401000\",\"offset\":0}"

static void test_parse_refused(void **state)
{
	(void)state;

	assert_parse_fails("", "the exact report is not JSON: ", true);
	assert_parse_fails("{\"stacks\": [", "the exact report is not JSON: ", true);
	assert_parse_fails("perfan-bpf: failed to attach: Operation not permitted",
			   "the exact report is not JSON: ", true);
	assert_parse_fails("[1,2]", "the exact report has no stacks or totals", false);
	assert_parse_fails("{\"stacks\":[]}", "the exact report has no stacks or totals", false);
	assert_parse_fails("{\"stacks\":{}," TOTALS "}", "the exact report has no stacks or totals",
			   false);
	assert_parse_fails("{" TOTALS "}", "the exact report has no stacks or totals", false);
	assert_parse_fails("{\"stacks\":[],\"totals\":[8,1]}",
			   "the exact report has no stacks or totals", false);
	assert_parse_fails("{\"stacks\":[],\"totals\":{\"live_bytes\":8}}",
			   "\"live_objects\" is missing, not a non-negative integer", false);
	assert_parse_fails("{\"stacks\":[],\"totals\":{\"live_bytes\":-8,\"live_objects\":1}}",
			   "\"live_bytes\" is of another type or negative, not a non-negative integer",
			   false);
	assert_parse_fails("{" TOTALS ",\"stacks\":[{\"live_bytes\":8,\"live_objects\":1}]}",
			   "a stack without frames", false);
	assert_parse_fails("{" TOTALS ",\"stacks\":[{\"live_bytes\":8,\"live_objects\":1,"
			   "\"frames\":[" FRAME "]},{\"live_bytes\":\"8\",\"live_objects\":1,"
			   "\"frames\":[]}]}",
			   "\"live_bytes\" is of another type or negative, not a non-negative integer",
			   false);
	assert_parse_fails("{" TOTALS ",\"stacks\":[{\"live_bytes\":8,\"live_objects\":1,"
			   "\"frames\":[" FRAME ",{\"address\":\"401000\",\"offset\":0}]}]}",
			   "frame \"address\" is not a hex string like \"0x7f00\"", false);
}

/* ---- growth_report__build ---- */

static void test_build(void **state)
{
	/* stored fastest growing first, as growth_table__rows gives them */
	static const struct proc_row procs[] = {
		{ .pid = 200,
		  .ppid = 1,
		  .comm = "worker",
		  .mem_known = true,
		  .rss_bytes = 3 << 20,
		  .anon_bytes = 2 << 20,
		  .growth_bytes = 1 << 20,
		  .anon_growth_bytes = 1 << 20,
		  .window_s = 12.5,
		  .held_bytes = 12288,
		  .touched_bytes = 12288,
		  .forks = 1 },
		{ .pid = 100,
		  .comm = "server",
		  .mem_known = true,
		  .rss_bytes = 1 << 20,
		  .anon_bytes = 1 << 19,
		  .growth_bytes = 4096,
		  .window_s = 12.5,
		  .held_bytes = 8192,
		  .touched_bytes = 20480,
		  .heap_bytes = 135168 },
		{ .pid = 300, .comm = "idle", .mem_known = true, .rss_bytes = 4096 },
	};
	const struct fx_row rows[] = {
		{ 100, 7, 8192, 2, 16384, 4 },
		{ 200, 9, 12288, 3, 12288, 3 },
		{ 100, 0, 0, 0, 4096, 1 },
	};
	struct growth_report g;
	struct snapshot *sn;
	struct session s;
	(void)state;

	fx_init(&s, 0, NULL);
	s.kind = SESSION_KIND_GROWTH;
	fx_stack(&s, 100, 7, "/opt/app/server", "grow_cache", "cache.c", 12);
	fx_stack(&s, 200, 9, "/usr/bin/worker", "fill", NULL, 0);
	sn = fx_snap_procs(&s, "end", rows, 3, procs, 3);
	sn->elapsed_s = 12.5;
	sn->lost[REPORT_LOST_PROCS_MAP_FULL] = 3;
	sn->lost[REPORT_LOST_VMA_BUSY] = 1;

	memset(&g, 0xa5, sizeof(g));
	assert_int_equal(growth_report__build(&s, sn, &g), 0);
	assert_int_equal(g.pid, 0);
	assert_true(g.duration_s == 12.5);
	assert_false(g.final);
	assert_ptr_equal(g.procs, sn->procs);
	assert_int_equal(g.proc_cnt, 3);
	assert_int_equal(g.procs[0].pid, 200);
	assert_int_equal(g.procs[1].pid, 100);
	assert_int_equal(g.procs[2].pid, 300);
	assert_null(g.esc);
	assert_int_equal(g.esc_cnt, 0);
	assert_memory_equal(g.lost, sn->lost, sizeof(g.lost));
	/* first-touch stacks: held (live) bytes first */
	assert_int_equal(g.rep.kind, SESSION_KIND_GROWTH);
	assert_int_equal(g.rep.pid, 0);
	assert_true(g.rep.duration_s == 12.5);
	assert_null(g.rep.command);
	assert_int_equal(g.rep.stack_cnt, 3);
	assert_int_equal(g.rep.stacks[0].pid, 200);
	assert_int_equal(g.rep.stacks[0].stack_id, 9);
	assert_int_equal(g.rep.stacks[0].counts.live_bytes, 12288);
	assert_int_equal(g.rep.stacks[0].frame_cnt, 1);
	assert_string_equal(g.rep.stacks[0].frames[0].function, "fill");
	assert_int_equal(g.rep.stacks[1].pid, 100);
	assert_int_equal(g.rep.stacks[1].stack_id, 7);
	assert_int_equal(g.rep.stacks[1].counts.alloc_bytes, 16384);
	assert_string_equal(g.rep.stacks[1].frames[0].file, "cache.c");
	assert_int_equal(g.rep.stacks[2].stack_id, 0);
	assert_int_equal(g.rep.stacks[2].frame_cnt, 0);
	assert_null(g.rep.stacks[2].frames);
	assert_int_equal(g.rep.totals.live_bytes, 20480);
	assert_int_equal(g.rep.totals.live_objects, 5);
	assert_int_equal(g.rep.totals.alloc_bytes, 32768);
	assert_int_equal(g.rep.totals.alloc_objects, 8);
	assert_int_equal(g.rep.totals.freed_bytes, 12288);
	assert_int_equal(g.rep.totals.freed_objects, 3);
	assert_memory_equal(g.rep.lost, sn->lost, sizeof(g.rep.lost));
	growth_report__free(&g);
	assert_null(g.rep.stacks);
	assert_null(g.procs);
	assert_int_equal(g.proc_cnt, 0);

	/* a --pid session: its snapshot's pid; no processes, no rows */
	s.pid = 200;
	sn = fx_snap(&s, "s1", NULL, 0);
	assert_int_equal(growth_report__build(&s, sn, &g), 0);
	assert_int_equal(g.pid, 200);
	assert_int_equal(g.rep.pid, 200);
	assert_true(g.duration_s == 1.0);
	assert_int_equal(g.proc_cnt, 0);
	assert_int_equal(g.rep.stack_cnt, 0);
	growth_report__free(&g);
	session__free(&s);
}

/* First-touch stacks that differ only in the faulting instruction of one named function are
 * merged into the biggest; a leaf in another function, another caller, another process, an
 * unnamed leaf or an unknown stack stay apart */
static void test_merge_leaves(void **state)
{
	static const struct frame memset_a[] = {
		{ .address = 0x1000, .module = "/libc.so.6", .function = "memset" },
		{ .address = 0x5000, .module = "/app", .function = "leak_a" },
	};
	static const struct frame memset_b[] = {
		{ .address = 0x1040, .module = "/libc.so.6", .function = "memset" },
		{ .address = 0x5000, .module = "/app", .function = "leak_a" },
	};
	static const struct frame other_caller[] = {
		{ .address = 0x1000, .module = "/libc.so.6", .function = "memset" },
		{ .address = 0x6000, .module = "/app", .function = "leak_b" },
	};
	static const struct frame memcpy_leaf[] = {
		{ .address = 0x2000, .module = "/libc.so.6", .function = "memcpy" },
		{ .address = 0x5000, .module = "/app", .function = "leak_a" },
	};
	static const struct frame unnamed_a[] = {
		{ .address = 0x3000, .module = "/stripped" },
		{ .address = 0x5000, .module = "/app", .function = "leak_a" },
	};
	static const struct frame unnamed_b[] = {
		{ .address = 0x3010, .module = "/stripped" },
		{ .address = 0x5000, .module = "/app", .function = "leak_a" },
	};
	struct report_stack st[] = {
		{ .pid = 7,
		  .stack_id = 1,
		  .counts = { .live_bytes = 4096, .alloc_bytes = 4096 },
		  .frames = memset_a,
		  .frame_cnt = 2 },
		{ .pid = 7,
		  .stack_id = 2,
		  .counts = { .live_bytes = 8192, .alloc_bytes = 12288 },
		  .frames = memset_b,
		  .frame_cnt = 2 },
		{ .pid = 7,
		  .stack_id = 3,
		  .counts = { .live_bytes = 4096, .alloc_bytes = 4096 },
		  .frames = other_caller,
		  .frame_cnt = 2 },
		{ .pid = 7,
		  .stack_id = 4,
		  .counts = { .live_bytes = 4096, .alloc_bytes = 4096 },
		  .frames = memcpy_leaf,
		  .frame_cnt = 2 },
		{ .pid = 8,
		  .stack_id = 5,
		  .counts = { .live_bytes = 4096, .alloc_bytes = 4096 },
		  .frames = memset_a,
		  .frame_cnt = 2 },
		{ .pid = 7,
		  .stack_id = 6,
		  .counts = { .live_bytes = 4096, .alloc_bytes = 4096 },
		  .frames = unnamed_a,
		  .frame_cnt = 2 },
		{ .pid = 7,
		  .stack_id = 7,
		  .counts = { .live_bytes = 4096, .alloc_bytes = 4096 },
		  .frames = unnamed_b,
		  .frame_cnt = 2 },
		{ .pid = 7, .stack_id = 0, .counts = { .live_bytes = 4096, .alloc_bytes = 4096 } },
	};
	struct leak_report rep = { .kind = SESSION_KIND_GROWTH };
	(void)state;

	rep.stack_cnt = rep.stack_cap = sizeof(st) / sizeof(st[0]);
	rep.stacks = malloc(sizeof(st));
	assert_non_null(rep.stacks);
	memcpy(rep.stacks, st, sizeof(st));
	assert_int_equal(growth_report__merge_leaves(&rep), 0);
	assert_int_equal(rep.stack_cnt, 7);
	/* the merged site first (12 KiB held), under the id and leaf of its biggest part */
	assert_int_equal(rep.stacks[0].stack_id, 2);
	assert_int_equal(rep.stacks[0].counts.live_bytes, 12288);
	assert_int_equal(rep.stacks[0].counts.alloc_bytes, 16384);
	assert_int_equal(rep.stacks[0].frames[0].address, 0x1040);
	for (size_t i = 1; i < rep.stack_cnt; i++) {
		assert_int_equal(rep.stacks[i].counts.live_bytes, 4096);
		assert_true(rep.stacks[i].stack_id != 1 && rep.stacks[i].stack_id != 2);
	}
	report__free(&rep);

	/* nothing to merge: unchanged */
	rep = (struct leak_report){ .kind = SESSION_KIND_GROWTH };
	assert_int_equal(growth_report__merge_leaves(&rep), 0);
	assert_int_equal(rep.stack_cnt, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* escalation__parse */
		cmocka_unit_test(test_doc_is_the_writers),
		cmocka_unit_test(test_parse_leak_report),
		cmocka_unit_test(test_parse_sorts_stacks),
		cmocka_unit_test(test_parse_empty),
		cmocka_unit_test(test_parse_refused),
		/* growth_report__build */
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_merge_leaves),
	};

	return cmocka_run_group_tests_name("growth_report", tests, NULL, NULL);
}
