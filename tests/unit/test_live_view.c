// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of live_view.h: the exact screen for a constructed report, cut to the terminal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "output/live_view.h"

static const struct frame leak_frames[] = {
	{ .address = 0x7f0000001000,
	  .module = "/lib/libc.so.6",
	  .build_id = "",
	  .function = "strdup",
	  .offset = 0x1a },
	{ .address = 0x401100,
	  .module = "/srv/app",
	  .build_id = "",
	  .function = "keep_session",
	  .file = "/src/app.c",
	  .line = 42 },
	{ .address = 0x401200,
	  .module = "/srv/app",
	  .build_id = "",
	  .function = "handle",
	  .file = "/src/app.c",
	  .line = 80 },
	{ .address = 0x401300,
	  .module = "/srv/app",
	  .build_id = "",
	  .function = "main",
	  .file = "/src/app.c",
	  .line = 99 },
};

static char *draw(const struct leak_report *rep, const struct live_view *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	live_view__draw(f, rep, v);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void fill(struct leak_report *rep)
{
	struct report_stack a = { .pid = 7,
				  .stack_id = 11,
				  .counts = { .live_bytes = 1536000,
					      .live_objects = 1500,
					      .alloc_bytes = 1536000,
					      .alloc_objects = 1500 },
				  .frames = leak_frames,
				  .frame_cnt = 4 };
	struct report_stack b = { .pid = 7,
				  .stack_id = 0,
				  .counts = { .live_bytes = 100,
					      .live_objects = 1,
					      .alloc_bytes = 300,
					      .alloc_objects = 3,
					      .freed_bytes = 200,
					      .freed_objects = 2 } };
	struct report_stack freed = { .pid = 7,
				      .stack_id = 12,
				      .counts = { .alloc_bytes = 64,
						  .alloc_objects = 1,
						  .freed_bytes = 64,
						  .freed_objects = 1 },
				      .frames = leak_frames + 1,
				      .frame_cnt = 1 };

	assert_int_equal(report__add(rep, &a), 0);
	assert_int_equal(report__add(rep, &b), 0);
	assert_int_equal(report__add(rep, &freed), 0);
	rep->lost[REPORT_LOST_UNMATCHED_FREES] = 3;
	report__sum(rep);
	report__sort(rep);
}

static void test_screen(void **state)
{
	struct leak_report rep = {};
	struct live_view v = { .target = "pid 7 (./app)",
			       .allocator = "/lib/libc.so.6",
			       .elapsed_s = 12.4,
			       .mem_known = true,
			       .rss_bytes = 8 << 20,
			       .anon_bytes = 3 << 20,
			       .events_per_s = 2500.4,
			       .snapshots = 2,
			       .rows = 24,
			       .cols = 100 };
	char *out;
	(void)state;

	fill(&rep);
	out = draw(&rep, &v);
	/* the allocator's own frame (strdup) is skipped for the name; callers by function */
	assert_string_equal(
		out,
		"\033[H\033[2J"
		"perfan-bpf  pid 7 (./app)  12 s  2 snapshots  Ctrl-C for the final report\n"
		"heap: 1.5 MiB live in 1501 objects from 2 stacks   RSS: 8.0 MiB (anon 3.0 MiB)   "
		"2500 events/s\n"
		"lost: unmatched_frees 3\n"
		"\n"
		"   #        LIVE   OBJECTS  STACK (callers after ←)\n"
		"   1     1.5 MiB      1500  keep_session (app.c:42) ← handle ← main\n"
		"   2       100 B         1  [stack unavailable]\n");
	free(out);
	report__free(&rep);
}

static void test_cut_to_terminal(void **state)
{
	struct leak_report rep = {};
	struct live_view v = {
		.target = "pid 7", .allocator = "/lib/libc.so.6", .rows = 7, .cols = 60
	};
	char *out;
	(void)state;

	fill(&rep);
	out = draw(&rep, &v);
	/* 60 columns: the name line takes 51, " ← handle" 9 more (60: fits), " ← main" would
	 * make 67 (does not); 7 rows:
	 * 5 lines of header, one stack, and the line saying one more is not shown */
	assert_string_equal(out, "\033[H\033[2J"
				 "perfan-bpf  pid 7  0 s  Ctrl-C for the final report\n"
				 "heap: 1.5 MiB live in 1501 objects from 2 stacks   0 events/s\n"
				 "lost: unmatched_frees 3\n"
				 "\n"
				 "   #        LIVE   OBJECTS  STACK (callers after ←)\n"
				 "   1     1.5 MiB      1500  keep_session (app.c:42) ← handle\n"
				 "     (1 more stacks with live memory)\n");
	free(out);
	report__free(&rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_screen),
		cmocka_unit_test(test_cut_to_terminal),
	};

	return cmocka_run_group_tests_name("live_view", tests, NULL, NULL);
}
