// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of profile.h's arithmetic and of what sums over it (frame tree, folded stacks,
 * flame graph, HTML chart) with counts near INT64_MAX and UINT64_MAX and elapsed times beyond
 * int64_t nanoseconds: sums are exact, then saturated to +-INT64_MAX, never wrapped; a hand-made
 * session file gets a drawing without NaN and without frames past the picture's edge. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "analysis/diff.h"
#include "analysis/frame_tree.h"
#include "analysis/profile.h"
#include "analysis/trend.h"
#include "output/flamegraph.h"
#include "output/folded.h"
#include "output/html_report.h"
#include "output/pprof.h"
#include "session_fixture.h"

#define I64 ((uint64_t)INT64_MAX)

/* The output of call into a malloc'ed string */
#define CAPTURE(buf, call)                                                                         \
	do {                                                                                       \
		size_t len_;                                                                       \
		FILE *out = open_memstream(&(buf), &len_);                                         \
		assert_non_null(out);                                                              \
		assert_int_equal((call), 0);                                                       \
		assert_int_equal(fclose(out), 0);                                                  \
	} while (0)

static void test_saturate(void **state)
{
	(void)state;
	assert_int_equal(profile__saturate(0), 0);
	assert_int_equal(profile__saturate(-5), -5);
	assert_int_equal(profile__saturate(INT64_MAX), INT64_MAX);
	assert_int_equal(profile__saturate((__int128)INT64_MAX + 1), INT64_MAX);
	assert_int_equal(profile__saturate((__int128)INT64_MAX * 3), INT64_MAX);
	/* symmetric: INT64_MIN has no magnitude in int64_t, so it is never a result */
	assert_int_equal(profile__saturate(INT64_MIN), -INT64_MAX);
	assert_int_equal(profile__saturate((__int128)INT64_MIN * 2), -INT64_MAX);
	assert_int_equal(profile__saturate(-INT64_MAX), -INT64_MAX);

	assert_int_equal(profile__ns_sat(1.5), 1500000000);
	assert_int_equal(profile__ns_sat(-2.0), -2000000000);
	assert_int_equal(profile__ns_sat(9.3e9), INT64_MAX); /* 9.3e18 ns > INT64_MAX */
	assert_int_equal(profile__ns_sat(1e300), INT64_MAX);
	assert_int_equal(profile__ns_sat(-1e300), -INT64_MAX);
	assert_int_equal(profile__ns_sat(INFINITY), INT64_MAX);
	assert_int_equal(profile__ns_sat(-INFINITY), -INT64_MAX);
	assert_int_equal(profile__ns_sat(NAN), 0);
}

/* pid 7 (or pid 0 with two processes): stacks 1..cnt, all "main" -> "leaky", so the frame tree
 * and the folded lines merge them */
static void big_session(struct session *s, uint32_t pid, const struct fx_row *rows, size_t n)
{
	fx_init(s, pid, "/lib/libc.so.6");
	for (size_t i = 0; i < n; i++) {
		struct frame *f = calloc(2, sizeof(*f));

		if (stacktab__get(s->stacks, rows[i].pid, rows[i].stack_id))
			continue;
		assert_non_null(f);
		f[0].address = 0x401000;
		f[0].module = session__intern(s, "/bin/srv");
		f[0].function = session__intern(s, "leaky");
		f[1].address = 0x402000;
		f[1].module = f[0].module;
		f[1].function = session__intern(s, "main");
		assert_int_equal(stacktab__put(s->stacks, rows[i].pid, rows[i].stack_id, f, 2), 0);
	}
}

/* Every <rect> of a frame lies within the picture's drawing area [10, 1190] */
static void assert_rects_inside(const char *svg)
{
	const char *p = svg;
	size_t frames = 0;

	assert_null(strstr(svg, "nan"));
	assert_null(strstr(svg, "inf"));
	while ((p = strstr(p, "<g class=\"f\"><title>"))) {
		double x, y, w;

		p = strstr(p, "<rect x=\"");
		assert_non_null(p);
		assert_int_equal(sscanf(p, "<rect x=\"%lf\" y=\"%lf\" width=\"%lf\"", &x, &y, &w),
				 3);
		assert_true(x >= 10 && w >= 0 && x + w <= 1190.05);
		frames++;
	}
	assert_true(frames > 0);
}

static void test_report_near_max(void **state)
{
	/* live bytes: UINT64_MAX (clamped to INT64_MAX) and twice INT64_MAX */
	const struct fx_row rows[] = {
		{ 7, 1, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX },
		{ 7, 2, I64, I64, I64, I64 },
		{ 7, 3, I64, 1, I64, 1 },
	};
	struct session s;
	struct leak_report rep = {};
	struct profile p;
	struct frame_tree t;
	char *folded = NULL, *svg = NULL;
	unsigned char *pb = NULL;
	size_t pb_len;

	(void)state;
	big_session(&s, 7, rows, 3);
	fx_snap(&s, "end", rows, 3);
	s.snaps[0].elapsed_s = 1e300; /* a hand-made file: any JSON number */
	assert_int_equal(session__report(&s, &s.snaps[0], &rep), 0);
	assert_int_equal(profile__from_report(&p, &s, &s.snaps[0], &rep), 0);
	assert_int_equal(p.stack_cnt, 3);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(p.stacks[i].val[PV_LIVE_BYTES], INT64_MAX);
	assert_int_equal(p.total[PV_LIVE_BYTES], INT64_MAX);
	assert_int_equal(p.total[PV_LIVE_OBJECTS], INT64_MAX);
	assert_int_equal(p.duration_ns, INT64_MAX);

	assert_int_equal(frame_tree__build(&t, &p, PV_LIVE_BYTES), 0);
	assert_true(t.saturated);
	assert_int_equal(t.nodes[0].width, INT64_MAX);
	assert_int_equal(t.nodes[0].bytes, INT64_MAX);
	assert_int_equal(t.nodes[0].objects, INT64_MAX);
	assert_int_equal(t.cnt, 3); /* all, main, leaky */
	for (size_t i = 1; i < t.cnt; i++)
		assert_int_equal(t.nodes[i].width, INT64_MAX);
	frame_tree__free(&t);
	/* objects: INT64_MAX + INT64_MAX + 1 saturates too; alone, 1 + 1 would not */
	assert_int_equal(frame_tree__build(&t, &p, PV_LIVE_OBJECTS), 0);
	assert_true(t.saturated);
	assert_int_equal(t.nodes[0].width, INT64_MAX);
	frame_tree__free(&t);

	CAPTURE(folded, folded__write(&p, &(struct folded_opts){ .value = PV_LIVE_BYTES }, out));
	assert_string_equal(folded, "main;leaky 9223372036854775807\n");
	CAPTURE(svg,
		flamegraph__write(&p, &(struct flamegraph_opts){ .value = PV_LIVE_BYTES }, out));
	assert_non_null(strstr(svg, "(9223372036854775807 B) in 9223372036854775807 objects"));
	assert_non_null(strstr(svg, "capped"));
	assert_rects_inside(svg);
	assert_int_equal(pprof__encode(&p, &pb, &pb_len), 0);
	free(pb);
	free(folded);
	free(svg);
	profile__free(&p);
	report__free(&rep);
	session__free(&s);
}

/* A session of two processes (pid 0, --all) whose sums each saturate: the two pid frames
 * together are wider than the root, and must still fit the picture */
static void test_flamegraph_children_fit(void **state)
{
	const struct fx_row rows[] = {
		{ 7, 1, I64, 1, I64, 1 },
		{ 7, 2, I64, 1, I64, 1 },
		{ 8, 1, I64, 1, I64, 1 },
		{ 8, 2, I64, 1, I64, 1 },
	};
	struct session s;
	struct leak_report rep = {};
	struct profile p;
	struct frame_tree t;
	char *svg = NULL;

	(void)state;
	big_session(&s, 0, rows, 4);
	fx_snap(&s, "end", rows, 4);
	assert_int_equal(session__report(&s, &s.snaps[0], &rep), 0);
	assert_int_equal(profile__from_report(&p, &s, &s.snaps[0], &rep), 0);
	assert_int_equal(frame_tree__build(&t, &p, PV_LIVE_BYTES), 0);
	assert_true(t.saturated);
	assert_int_equal(t.nodes[0].width, INT64_MAX);
	assert_int_equal(t.nodes[0].objects, 4); /* the sums that fit are exact */
	frame_tree__free(&t);
	CAPTURE(svg,
		flamegraph__write(&p, &(struct flamegraph_opts){ .value = PV_LIVE_BYTES }, out));
	assert_non_null(strstr(svg, "pid 7"));
	assert_rects_inside(svg);
	free(svg);
	profile__free(&p);
	report__free(&rep);
	session__free(&s);
}

static void diff_of(struct session *s, const struct fx_row *a, const struct fx_row *b, size_t n,
		    struct snapshot_diff *d, struct profile *p)
{
	big_session(s, 7, a, n);
	fx_snap(s, "a", a, n);
	fx_snap(s, "b", b, n);
	assert_int_equal(diff__compute(s, &s->snaps[0], &s->snaps[1],
				       &(struct diff_opts){ .leak_threshold = 1000 }, d),
			 0);
	assert_int_equal(profile__from_diff(p, d), 0);
}

static void assert_same_profile(const struct profile *a, const struct profile *b)
{
	assert_int_equal(a->stack_cnt, b->stack_cnt);
	assert_int_equal(a->is_diff, b->is_diff);
	assert_int_equal(a->by_process, b->by_process);
	assert_int_equal(a->pid, b->pid);
	assert_ptr_equal(a->label, b->label);
	assert_ptr_equal(a->base_label, b->base_label);
	assert_int_equal(a->duration_ns, b->duration_ns);
	assert_memory_equal(a->total, b->total, sizeof(a->total));
	for (size_t i = 0; i < a->stack_cnt; i++) {
		assert_int_equal(a->stacks[i].pid, b->stacks[i].pid);
		assert_int_equal(a->stacks[i].stack_id, b->stacks[i].stack_id);
		assert_ptr_equal(a->stacks[i].frames, b->stacks[i].frames);
		assert_int_equal(a->stacks[i].frame_cnt, b->stacks[i].frame_cnt);
		assert_memory_equal(a->stacks[i].val, b->stacks[i].val, sizeof(a->stacks[i].val));
	}
}

/* A profile made in the memory of the report (of the diff) it is made of is the one made
 * beside it, stack for stack; the report (the diff) is left without stacks */
static void test_taking(void **state)
{
	const struct fx_row a[] = {
		{ 7, 1, 100, 1, 100, 1 },
		{ 7, 2, 2000, 2, 4000, 4 },
		{ 8, 3, 30, 3, 30, 3 },
		{ 7, 4, 0, 0, 500, 5 },
		{ 7, 5, 1, 1, 1, 1 },
		{ 9, 6, 6000, 6, 6000, 6 },
		{ 7, 7, I64, 2, UINT64_MAX, 9 },
	};
	const struct fx_row b[] = {
		{ 7, 1, 300, 3, 300, 3 },      { 7, 2, 0, 0, 4000, 4 }, { 8, 3, 30, 3, 90, 9 },
		{ 7, 4, 700, 7, 1200, 12 },    { 7, 5, 1, 1, 1, 1 },	{ 9, 6, 600, 6, 6000, 6 },
		{ 7, 7, 5, 2, UINT64_MAX, 9 },
	};
	struct leak_report rep = {}, rep2 = {};
	struct snapshot_diff d, d2;
	struct profile p, p2;
	struct session s;
	(void)state;

	diff_of(&s, a, b, 7, &d, &p);
	/* the diff's */
	assert_int_equal(diff__compute(&s, &s.snaps[0], &s.snaps[1],
				       &(struct diff_opts){ .leak_threshold = 1000 }, &d2),
			 0);
	profile__from_diff_taking(&p2, &d2);
	assert_true(p2.stack_cnt > 0);
	assert_same_profile(&p, &p2);
	assert_null(d2.stacks);
	assert_int_equal(d2.stack_cnt, 0);
	diff__free(&d2);
	profile__free(&p);
	profile__free(&p2);
	/* the report's */
	assert_int_equal(session__report(&s, &s.snaps[1], &rep), 0);
	assert_int_equal(session__report(&s, &s.snaps[1], &rep2), 0);
	assert_int_equal(profile__from_report(&p, &s, &s.snaps[1], &rep), 0);
	profile__from_report_taking(&p2, &s, &s.snaps[1], &rep2);
	assert_int_equal(p2.stack_cnt, rep.stack_cnt);
	assert_same_profile(&p, &p2);
	assert_true(p2.by_process); /* three processes */
	assert_null(rep2.stacks);
	assert_int_equal(rep2.stack_cnt, 0);
	/* and a report without stacks: a profile without stacks */
	profile__free(&p2);
	profile__from_report_taking(&p2, &s, &s.snaps[1], &rep2);
	assert_int_equal(p2.stack_cnt, 0);
	assert_null(p2.stacks);
	profile__free(&p);
	profile__free(&p2);
	report__free(&rep);
	report__free(&rep2);
	diff__free(&d);
	session__free(&s);
}

static void test_diff_near_max(void **state)
{
	/* three stacks lose INT64_MAX - 1 bytes, three gain as much: the deltas add up to 0, in
	 * whatever order they are summed */
	const struct fx_row a[] = {
		{ 7, 1, I64, I64, I64, I64 }, { 7, 2, I64, I64, I64, I64 },
		{ 7, 3, I64, I64, I64, I64 }, { 7, 4, 1, 1, 1, 1 },
		{ 7, 5, 1, 1, 1, 1 },	      { 7, 6, 1, 1, 1, 1 },
	};
	const struct fx_row b[] = {
		{ 7, 1, 1, 1, I64, I64 },     { 7, 2, 1, 1, I64, I64 },
		{ 7, 3, 1, 1, I64, I64 },     { 7, 4, I64, I64, I64, I64 },
		{ 7, 5, I64, I64, I64, I64 }, { 7, 6, I64, I64, I64, I64 },
	};
	struct snapshot_diff d;
	struct session s;
	struct profile p;
	struct frame_tree t;
	char *folded = NULL, *svg = NULL;

	(void)state;
	diff_of(&s, a, b, 6, &d, &p);
	assert_int_equal(p.stacks[0].val[PV_DELTA_BYTES], INT64_MAX - 1);
	assert_int_equal(p.stacks[5].val[PV_DELTA_BYTES], -(INT64_MAX - 1));
	assert_int_equal(p.total[PV_DELTA_BYTES], 0);
	assert_int_equal(p.total[PV_BASE_LIVE_BYTES], INT64_MAX);
	assert_int_equal(p.total[PV_LIVE_BYTES], INT64_MAX);
	assert_int_equal(frame_tree__build(&t, &p, PV_DELTA_BYTES), 0);
	assert_true(t.saturated);
	assert_int_equal(t.nodes[0].delta_bytes, 0);
	assert_int_equal(t.nodes[0].delta_objects, 0);
	assert_int_equal(t.nodes[0].width, INT64_MAX);
	assert_int_equal(t.nodes[0].base_bytes, INT64_MAX);
	frame_tree__free(&t);
	CAPTURE(folded, folded__write(&p, &(struct folded_opts){ .value = PV_DELTA_BYTES }, out));
	assert_string_equal(folded, ""); /* a sum of 0 is not a line */
	free(folded);
	CAPTURE(svg,
		flamegraph__write(&p, &(struct flamegraph_opts){ .value = PV_DELTA_BYTES }, out));
	assert_rects_inside(svg);
	free(svg);
	profile__free(&p);
	diff__free(&d);
	session__free(&s);
}

static void test_diff_delta_overflow(void **state)
{
	const struct fx_row lo[] = { { 7, 1, 0, 0, 0, 0 },
				     { 7, 2, 0, 0, 0, 0 },
				     { 7, 3, 0, 0, 0, 0 } };
	const struct fx_row hi[] = { { 7, 1, I64, I64, I64, I64 },
				     { 7, 2, I64, I64, I64, I64 },
				     { 7, 3, I64, I64, I64, I64 } };
	struct snapshot_diff d;
	struct session s;
	struct profile p;
	struct frame_tree t;
	char *folded = NULL;

	(void)state;
	/* growth of 3 x INT64_MAX: each delta fits, their sum does not */
	diff_of(&s, lo, hi, 3, &d, &p);
	s.snaps[0].elapsed_s = -1e308;
	s.snaps[1].elapsed_s = 1e308; /* b - a is inf */
	profile__free(&p);
	assert_int_equal(profile__from_diff(&p, &d), 0);
	assert_int_equal(p.duration_ns, INT64_MAX);
	assert_int_equal(p.stacks[0].val[PV_DELTA_BYTES], INT64_MAX);
	assert_int_equal(p.total[PV_DELTA_BYTES], INT64_MAX);
	assert_int_equal(p.total[PV_DELTA_OBJECTS], INT64_MAX);
	assert_int_equal(frame_tree__build(&t, &p, PV_DELTA_OBJECTS), 0);
	assert_int_equal(t.nodes[0].delta_objects, INT64_MAX);
	assert_int_equal(t.nodes[t.cnt - 1].delta_bytes, INT64_MAX);
	frame_tree__free(&t);
	CAPTURE(folded, folded__write(&p, &(struct folded_opts){ .value = PV_DELTA_BYTES }, out));
	assert_string_equal(folded, "main;leaky 9223372036854775807\n");
	free(folded);
	profile__free(&p);
	diff__free(&d);
	session__free(&s);

	/* and the shrinking the other way: -INT64_MAX, never INT64_MIN */
	diff_of(&s, hi, lo, 3, &d, &p);
	s.snaps[0].elapsed_s = 1e308;
	s.snaps[1].elapsed_s = -1e308;
	profile__free(&p);
	assert_int_equal(profile__from_diff(&p, &d), 0);
	assert_int_equal(p.duration_ns, -INT64_MAX);
	assert_int_equal(p.total[PV_DELTA_BYTES], -INT64_MAX);
	assert_int_equal(frame_tree__build(&t, &p, PV_DELTA_BYTES), 0);
	assert_int_equal(t.nodes[0].delta_bytes, -INT64_MAX);
	assert_int_equal(t.nodes[0].width, INT64_MAX);
	frame_tree__free(&t);
	CAPTURE(folded, folded__write(&p, &(struct folded_opts){ .value = PV_DELTA_BYTES }, out));
	assert_string_equal(folded, "main;leaky -9223372036854775807\n");
	free(folded);
	profile__free(&p);
	diff__free(&d);
	session__free(&s);
}

/* The HTML chart of snapshots whose elapsed_s span more than a double: no NaN, every point on
 * the chart */
static void test_html_chart_elapsed_inf(void **state)
{
	const struct fx_row rows[] = { { 7, 1, I64, I64, I64, I64 } };
	struct session s;
	struct leak_report rep = {};
	struct session_trend tr;
	struct profile p;
	char *html = NULL;

	(void)state;
	big_session(&s, 7, rows, 1);
	fx_snap(&s, "a", rows, 1);
	fx_snap(&s, "b", rows, 1);
	fx_snap(&s, "c", rows, 1);
	s.snaps[0].elapsed_s = -1e308;
	s.snaps[1].elapsed_s = 0;
	s.snaps[2].elapsed_s = 1e308;
	assert_int_equal(session__report(&s, &s.snaps[2], &rep), 0);
	assert_int_equal(profile__from_report(&p, &s, &s.snaps[2], &rep), 0);
	assert_int_equal(trend__compute(&s, &tr), 0);
	CAPTURE(html, html_report__write(&(struct html_report_input){ .s = &s,
								      .source = "x.session",
								      .snap = &s.snaps[2],
								      .rep = &rep,
								      .snap_profile = &p,
								      .trend = &tr },
					 out));
	assert_null(strstr(html, "nan"));
	/* by index, as without a time axis: 90 + 880 * i / 2 */
	assert_non_null(strstr(html, "points=\"90.0,"));
	assert_non_null(strstr(html, " 530.0,"));
	assert_non_null(strstr(html, " 970.0,"));
	free(html);
	trend__free(&tr);
	profile__free(&p);
	report__free(&rep);
	session__free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_saturate),
		cmocka_unit_test(test_report_near_max),
		cmocka_unit_test(test_flamegraph_children_fit),
		cmocka_unit_test(test_diff_near_max),
		cmocka_unit_test(test_taking),
		cmocka_unit_test(test_diff_delta_overflow),
		cmocka_unit_test(test_html_chart_elapsed_inf),
	};

	return cmocka_run_group_tests_name("profile", tests, NULL, NULL);
}
