// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of trend.h and trend_report.h on constructed series with known answers: each
 * class (leak, plateau, transient, shrinking, irregular, flat) with the statistics the rules
 * use, the boundary of every rule, ties (intervals that held), noise inside the band, stacks
 * that appear or vanish between snapshots, too short a series, the time axes and slopes, the
 * total order of the stacks, and both formatters. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "analysis/trend.h"
#include "output/report_format.h"
#include "output/trend_report.h"
#include "session_fixture.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static enum trend_class classify(const uint64_t *y, size_t n, struct trend_series_stats *st)
{
	trend__series_stats(y, n, st);
	return trend__classify(st);
}

#define ASSERT_CLASS(want, ...)                                                                    \
	do {                                                                                       \
		const uint64_t y_[] = { __VA_ARGS__ };                                             \
		struct trend_series_stats st_;                                                     \
		enum trend_class got_ = classify(y_, N(y_), &st_);                                 \
		if (got_ != (want))                                                                \
			fail_msg("series %s: %s, want %s", #__VA_ARGS__, trend__class_name(got_),  \
				 trend__class_name(want));                                         \
	} while (0)

static void test_steady_growth_is_a_leak(void **state)
{
	const uint64_t y[] = { 0, 100, 200, 300, 400, 500, 600, 700 };
	struct trend_series_stats st;
	(void)state;

	assert_int_equal(classify(y, N(y), &st), TREND_LEAK);
	assert_int_equal(st.n, 8);
	assert_int_equal(st.first, 0);
	assert_int_equal(st.last, 700);
	assert_int_equal(st.peak, 700);
	assert_int_equal(st.peak_idx, 7);
	assert_int_equal(st.base, 0);
	assert_int_equal(st.band, 70);
	assert_int_equal(st.grew, 7);
	assert_int_equal(st.shrank, 0);
	assert_int_equal(st.unchanged, 0);
	assert_int_equal(st.drops, 0);
	assert_int_equal(st.tail_start, 7);
	assert_int_equal(st.tail_intervals, 0);
	assert_int_equal(st.returns, 0);
	assert_true(st.slope_per_snapshot == 100.0);
	/* the example: 1.2 MB to 9.8 MB in 8 snapshots, growing every time */
	ASSERT_CLASS(TREND_LEAK, 1200000, 2400000, 3600000, 4800000, 6000000, 7300000, 8500000,
		     9800000);
	/* noise: dips smaller than the band do not break a leak */
	ASSERT_CLASS(TREND_LEAK, 1000, 1500, 1400, 2100, 2600, 2500, 3200, 3700);
	/* a leak with pauses (snapshots taken while idle): unchanged intervals count for neither */
	ASSERT_CLASS(TREND_LEAK, 0, 0, 100, 100, 200, 200);
	/* a stack that appears in the fourth snapshot and leaks from there */
	ASSERT_CLASS(TREND_LEAK, 0, 0, 0, 100, 200, 300, 400);
	/* the shortest leak */
	ASSERT_CLASS(TREND_LEAK, 0, 5, 10);
}

static void test_growth_then_plateau(void **state)
{
	const uint64_t y[] = { 0, 400, 800, 1000, 1000, 1000, 1000, 1000 };
	struct trend_series_stats st;
	(void)state;

	assert_int_equal(classify(y, N(y), &st), TREND_PLATEAU);
	assert_int_equal(st.band, 100);
	assert_int_equal(st.grew, 3);
	assert_int_equal(st.unchanged, 4);
	assert_int_equal(st.tail_start, 3);
	assert_int_equal(st.tail_intervals, 4);
	assert_true(st.tail_held);
	/* the held level may wobble inside the band */
	ASSERT_CLASS(TREND_PLATEAU, 0, 500, 960, 1000, 990, 1000, 950);
	/* settled a little lower than its peak: still a plateau */
	ASSERT_CLASS(TREND_PLATEAU, 0, 1000, 500, 500, 500);
	ASSERT_CLASS(TREND_PLATEAU, 0, 10, 10);
	ASSERT_CLASS(TREND_PLATEAU, 0, 5, 10, 10);
	/* a full cache that still creeps by a few bytes: growth slowed to under a quarter */
	ASSERT_CLASS(TREND_PLATEAU, 0, 1000, 1001, 1002, 1003);
	/* filling asymptotically */
	ASSERT_CLASS(TREND_PLATEAU, 0, 1000, 1500, 1750, 1875, 1937);
}

/* A slow leak whose every value is within the band of its last: the tail kept growing at the
 * rate before it, so it did not hold */
static void test_slow_leak_is_not_a_plateau(void **state)
{
	const uint64_t y[] = { 5700, 5800, 5900, 6000, 6100, 6200, 6300, 6400 };
	struct trend_series_stats st;
	(void)state;

	assert_int_equal(classify(y, N(y), &st), TREND_LEAK);
	assert_int_equal(st.band, 640);
	assert_int_equal(st.tail_start, 1);
	assert_int_equal(st.tail_intervals, 6);
	assert_false(st.tail_held);
	/* the same tail after a fast rise: held */
	ASSERT_CLASS(TREND_PLATEAU, 0, 5800, 5900, 6000, 6100, 6200, 6300, 6400);
	/* exactly a quarter of the earlier rate holds (0 -> 4000 in 1, then 1000 in 4) */
	ASSERT_CLASS(TREND_PLATEAU, 0, 4000, 4250, 4500, 4750, 5000);
	/* one byte more in the tail does not: growth went on */
	ASSERT_CLASS(TREND_LEAK, 0, 4000, 4250, 4500, 4750, 5001);
}

/* The line between a leak that paused and a plateau: held for the last third of the
 * intervals (hold_min = ceil(m / 3)) */
static void test_leak_or_plateau_boundary(void **state)
{
	const uint64_t two_held[] = { 0, 100, 200, 300, 400, 500, 600, 600, 600 };
	const uint64_t three_held[] = { 0, 100, 200, 300, 400, 600, 600, 600, 600 };
	struct trend_series_stats st;
	(void)state;

	assert_int_equal(classify(two_held, N(two_held), &st), TREND_LEAK);
	assert_int_equal(st.tail_intervals, 2);
	assert_int_equal(classify(three_held, N(three_held), &st), TREND_PLATEAU);
	assert_int_equal(st.tail_intervals, 3);
	assert_int_equal(st.tail_start, 5);
}

static void test_spikes_that_return(void **state)
{
	const uint64_t y[] = { 100, 100, 500, 100, 100, 600, 100 };
	struct trend_series_stats st;
	(void)state;

	assert_int_equal(classify(y, N(y), &st), TREND_TRANSIENT);
	assert_int_equal(st.returns, 2);
	assert_int_equal(st.peak, 600);
	assert_int_equal(st.peak_idx, 5);
	assert_int_equal(st.band, 60);
	assert_int_equal(st.grew, 2);
	assert_int_equal(st.shrank, 2);
	assert_int_equal(st.drops, 2);
	/* the last spike has not come back yet: still transient, not a leak */
	ASSERT_CLASS(TREND_TRANSIENT, 100, 500, 100, 600);
	ASSERT_CLASS(TREND_TRANSIENT, 100, 500, 100, 600, 100, 700);
	/* a load phase, held, then freed */
	ASSERT_CLASS(TREND_TRANSIENT, 0, 1000, 1000, 1000, 0);
	/* a stack that vanishes: its memory was freed */
	ASSERT_CLASS(TREND_TRANSIENT, 100, 200, 300, 0);
	ASSERT_CLASS(TREND_TRANSIENT, 0, 10, 0);
}

static void test_flat_and_noise(void **state)
{
	const uint64_t y[] = { 1000, 1016, 1008, 1024, 1000 };
	struct trend_series_stats st;
	(void)state;

	assert_int_equal(classify(y, N(y), &st), TREND_FLAT);
	assert_int_equal(st.band, 102);
	ASSERT_CLASS(TREND_FLAT, 10, 10, 10);
	ASSERT_CLASS(TREND_FLAT, 0, 0, 0);
	/* strictly growing, but by less than a tenth of its size */
	ASSERT_CLASS(TREND_FLAT, 1000, 1010, 1020, 1030, 1040, 1050, 1060, 1070);
	/* the band is inclusive: a range of exactly peak / 10 is flat, one byte more is not */
	ASSERT_CLASS(TREND_FLAT, 900, 1000, 950);
	ASSERT_CLASS(TREND_TRANSIENT, 899, 1000, 950);
}

static void test_shrinking_and_irregular(void **state)
{
	const uint64_t down[] = { 1000, 800, 500, 200 };
	const uint64_t late[] = { 0, 0, 0, 100 };
	struct trend_series_stats st;
	(void)state;

	assert_int_equal(classify(down, N(down), &st), TREND_SHRINKING);
	assert_int_equal(st.shrank, 3);
	assert_true(st.slope_per_snapshot == -270.0);
	ASSERT_CLASS(TREND_SHRINKING, 10, 5, 0);
	/* one jump at the very end: could be the start of a leak or of a spike */
	assert_int_equal(classify(late, N(late), &st), TREND_IRREGULAR);
	assert_int_equal(st.grew, 1);
	assert_int_equal(st.unchanged, 2);
	ASSERT_CLASS(TREND_IRREGULAR, 0, 0, 10);
	/* a noisy walk that never returns to where it started */
	ASSERT_CLASS(TREND_IRREGULAR, 0, 1000, 500, 2500);
}

/* 4 * grew >= 3 * (grew + drops): 3 growths and 1 drop beyond the band is a leak, 2 and 1
 * is not */
static void test_leak_share_boundary(void **state)
{
	const uint64_t three_one[] = { 0, 1000, 500, 1500, 2500 };
	const uint64_t two_one[] = { 0, 1000, 500, 2500 };
	struct trend_series_stats st;
	(void)state;

	assert_int_equal(classify(three_one, N(three_one), &st), TREND_LEAK);
	assert_int_equal(st.grew, 3);
	assert_int_equal(st.drops, 1);
	assert_int_equal(classify(two_one, N(two_one), &st), TREND_IRREGULAR);
	assert_int_equal(st.grew, 2);
	assert_int_equal(st.drops, 1);
}

static void test_class_names(void **state)
{
	(void)state;
	assert_string_equal(trend__class_name(TREND_LEAK), "leak");
	assert_string_equal(trend__class_name(TREND_PLATEAU), "plateau");
	assert_string_equal(trend__class_name(TREND_TRANSIENT), "transient");
	assert_string_equal(trend__class_name(TREND_SHRINKING), "shrinking");
	assert_string_equal(trend__class_name(TREND_IRREGULAR), "irregular");
	assert_string_equal(trend__class_name(TREND_FLAT), "flat");
	assert_string_equal(trend__class_name(TREND_CLASS__MAX), "?");
	assert_ptr_equal(trend_report__formatter("text"), trend_report__write_text);
	assert_ptr_equal(trend_report__formatter("json"), trend_report__write_json);
	assert_null(trend_report__formatter("csv"));
}

/* ---- over a session ---- */

static void test_too_short(void **state)
{
	const uint64_t series[] = { 100, 200 };
	struct session s;
	struct session_trend t;
	(void)state;

	fx_init(&s, 1, NULL);
	assert_int_equal(trend__compute(&s, &t), -EINVAL);
	assert_int_equal(t.stack_cnt, 0);
	assert_null(t.stacks);
	fx_series_session(&s, 2, 1, series);
	assert_int_equal(trend__compute(&s, &t), -EINVAL);
	trend__free(&t);
	session__free(&s);
}

/* Stack k + 1 has series[k]; a 0 means no row in that snapshot */
static const uint64_t mixed[][8] = {
	{ 0, 0, 0, 0, 0, 0, 0, 0 },			       /* 1: no row anywhere: left out */
	{ 1000, 1016, 1008, 1024, 1000, 1000, 1016, 1000 },    /* 2: flat */
	{ 0, 400, 800, 1000, 1000, 1000, 1000, 1000 },	       /* 3: plateau */
	{ 100, 100, 500, 100, 100, 600, 100, 100 },	       /* 4: transient */
	{ 0, 100, 200, 300, 400, 500, 600, 700 },	       /* 5: leak, +700 */
	{ 1000, 800, 500, 200, 100, 50, 20, 10 },	       /* 6: shrinking */
	{ 0, 0, 0, 0, 0, 0, 0, 100 },			       /* 7: irregular */
	{ 5000, 6000, 7000, 8000, 9000, 10000, 11000, 12000 }, /* 8: leak, +7000 */
	{ 5700, 5800, 5900, 6000, 6100, 6200, 6300, 6400 },    /* 9: leak, +700 (ties 5) */
};

static void mixed_session(struct session *s)
{
	fx_init(s, 77, "/lib/libc.so.6");
	fx_series_session(s, 8, N(mixed), &mixed[0][0]);
	fx_stack(s, 1, 8, "/srv/server", "keep_sessions", "/src/server.c", 212);
	fx_stack(s, 1, 3, "/srv/server", "cache_fill", NULL, 0);
}

static void test_session_classes_and_order(void **state)
{
	static const struct {
		uint64_t id;
		enum trend_class cls;
	} want[] = {
		{ 8, TREND_LEAK },	{ 9, TREND_LEAK },	{ 5, TREND_LEAK },
		{ 3, TREND_PLATEAU },	{ 4, TREND_TRANSIENT }, { 7, TREND_IRREGULAR },
		{ 6, TREND_SHRINKING }, { 2, TREND_FLAT },
	};
	struct session s;
	struct session_trend t;
	(void)state;

	mixed_session(&s);
	assert_int_equal(trend__compute(&s, &t), 0);
	assert_int_equal(t.snap_cnt, 8);
	assert_int_equal(t.stack_cnt, N(want));
	for (size_t i = 0; i < N(want); i++) {
		assert_int_equal(t.stacks[i].pid, 1);
		assert_int_equal(t.stacks[i].stack_id, want[i].id);
		assert_int_equal(t.stacks[i].cls, want[i].cls);
		/* the series as built, with 0 where the stack had no row */
		assert_memory_equal(t.stacks[i].live_bytes, mixed[want[i].id - 1],
				    sizeof(mixed[0]));
	}
	assert_int_equal(t.class_cnt[TREND_LEAK], 3);
	assert_int_equal(t.class_cnt[TREND_PLATEAU], 1);
	assert_int_equal(t.class_cnt[TREND_TRANSIENT], 1);
	assert_int_equal(t.class_cnt[TREND_IRREGULAR], 1);
	assert_int_equal(t.class_cnt[TREND_SHRINKING], 1);
	assert_int_equal(t.class_cnt[TREND_FLAT], 1);
	assert_int_equal(t.stacks[0].frame_cnt, 1);
	assert_string_equal(t.stacks[0].frames[0].function, "keep_sessions");
	assert_null(t.stacks[1].frames);
	/* one second between snapshots on the monotonic clock */
	assert_int_equal(t.time_axis, TREND_TIME_MONO);
	assert_true(t.span_s == 7.0);
	assert_true(t.stacks[0].st.slope_per_snapshot == 1000.0);
	assert_true(t.stacks[0].bytes_per_hour == 3600000.0);
	assert_true(t.stacks[2].bytes_per_hour == 360000.0);
	trend__free(&t);
	assert_null(t.stacks);
	trend__free(NULL);
	session__free(&s);
}

/* Keeping the first k stacks alone gives the first k of the whole trend, by insertion as they
 * come (k small) or by cutting the sorted whole (k beyond TREND_PICK_MAX, 0: all); the class
 * counts are over every stack */
static void test_compute_top(void **state)
{
	struct session s;
	struct session_trend t, top;
	(void)state;

	mixed_session(&s);
	assert_int_equal(trend__compute(&s, &t), 0);
	for (size_t k = 0; k <= t.stack_cnt + 2; k++) {
		size_t keep = k == t.stack_cnt + 2 ? 1000 : k;
		size_t want = keep && keep < t.stack_cnt ? keep : t.stack_cnt;

		assert_int_equal(trend__compute_top(&s, keep, &top), 0);
		assert_int_equal(top.stack_cnt, want);
		assert_memory_equal(top.class_cnt, t.class_cnt, sizeof(t.class_cnt));
		assert_int_equal(top.by_process, t.by_process);
		for (size_t i = 0; i < want; i++) {
			assert_int_equal(top.stacks[i].stack_id, t.stacks[i].stack_id);
			assert_int_equal(top.stacks[i].cls, t.stacks[i].cls);
			assert_memory_equal(top.stacks[i].live_bytes, t.stacks[i].live_bytes,
					    t.snap_cnt * sizeof(uint64_t));
			assert_ptr_equal(top.stacks[i].frames, t.stacks[i].frames);
		}
		trend__free(&top);
	}
	trend__free(&t);
	session__free(&s);
}

/* Dropping each snapshot's rows as they are read gives the same trend; the rows are gone
 * after, the totals stay */
static void test_compute_dropping(void **state)
{
	struct session s, s2;
	struct session_trend t, t2;
	uint64_t totals[8];
	(void)state;

	mixed_session(&s);
	mixed_session(&s2);
	for (size_t i = 0; i < s2.snap_cnt; i++)
		totals[i] = s2.snaps[i].totals.live_bytes;
	assert_int_equal(trend__compute(&s, &t), 0);
	assert_int_equal(trend__compute_dropping(&s2, &t2), 0);
	assert_int_equal(t2.stack_cnt, t.stack_cnt);
	for (size_t i = 0; i < t.stack_cnt; i++) {
		assert_int_equal(t2.stacks[i].stack_id, t.stacks[i].stack_id);
		assert_int_equal(t2.stacks[i].cls, t.stacks[i].cls);
		assert_memory_equal(t2.stacks[i].live_bytes, t.stacks[i].live_bytes,
				    t.snap_cnt * sizeof(uint64_t));
		assert_true(t2.stacks[i].bytes_per_hour == t.stacks[i].bytes_per_hour);
	}
	for (size_t i = 0; i < s2.snap_cnt; i++) {
		assert_int_equal(s2.snaps[i].row_cnt, 0);
		assert_null(s2.snaps[i].rows);
		assert_int_equal(s2.snaps[i].totals.live_bytes, totals[i]);
	}
	assert_true(s.snaps[0].row_cnt > 0); /* the other one is left as it was */
	trend__free(&t);
	trend__free(&t2);
	session__free(&s);
	session__free(&s2);
}

static void test_time_axes(void **state)
{
	const uint64_t series[] = { 0, 100, 300, 600 };
	struct session s;
	struct session_trend t;
	(void)state;

	/* uneven spacing: 0, 1, 3, 6 s; 100 bytes every second, 200 per snapshot */
	fx_init(&s, 1, NULL);
	fx_series_session(&s, 4, 1, series);
	s.snaps[2].mono_ns = s.snaps[0].mono_ns + 3000000000LL;
	s.snaps[3].mono_ns = s.snaps[0].mono_ns + 6000000000LL;
	assert_int_equal(trend__compute(&s, &t), 0);
	assert_int_equal(t.time_axis, TREND_TIME_MONO);
	assert_true(t.span_s == 6.0);
	assert_true(t.stacks[0].st.slope_per_snapshot == 200.0);
	assert_true(t.stacks[0].bytes_per_hour == 360000.0);
	trend__free(&t);
	/* the monotonic clock stalls (snapshots from a restored file): elapsed_s, 10 s apart */
	for (size_t i = 0; i < 4; i++) {
		s.snaps[i].mono_ns = 42;
		s.snaps[i].elapsed_s = 100.0 + 10.0 * (double)i;
	}
	assert_int_equal(trend__compute(&s, &t), 0);
	assert_int_equal(t.time_axis, TREND_TIME_ELAPSED);
	assert_true(t.span_s == 30.0);
	assert_true(t.stacks[0].bytes_per_hour == 72000.0);
	trend__free(&t);
	/* neither clock moves forward: no rate per hour */
	s.snaps[3].elapsed_s = 100.0;
	assert_int_equal(trend__compute(&s, &t), 0);
	assert_int_equal(t.time_axis, TREND_TIME_NONE);
	assert_true(isnan(t.stacks[0].bytes_per_hour));
	assert_true(t.stacks[0].st.slope_per_snapshot == 200.0);
	trend__free(&t);
	session__free(&s);
}

/* Ties in the order: equal class and growth, then peak, then pid and stack id; a stack listed
 * twice in one snapshot (only in a corrupt file) counts with the sum */
static void test_ties_and_duplicates(void **state)
{
	const struct fx_row r0[] = { { 2, 1, 100, 1, 100, 1 },
				     { 1, 2, 100, 1, 100, 1 },
				     { 1, 1, 100, 1, 100, 1 },
				     { 1, 3, 50, 1, 50, 1 },
				     { 1, 3, 50, 1, 50, 1 } };
	const struct fx_row r1[] = { { 2, 1, 200, 2, 200, 2 },
				     { 1, 2, 200, 1, 200, 1 },
				     { 1, 1, 200, 2, 200, 2 },
				     { 1, 3, 300, 1, 300, 1 } };
	const struct fx_row r2[] = { { 2, 1, 300, 3, 300, 3 },
				     { 1, 2, 300, 1, 300, 1 },
				     { 1, 1, 300, 3, 300, 3 },
				     { 1, 3, 200, 1, 200, 1 },
				     { 1, 3, 100, 1, 100, 1 } };
	struct session s;
	struct session_trend t;
	(void)state;

	fx_init(&s, 0, NULL);
	fx_snap(&s, "a", r0, N(r0));
	fx_snap(&s, "b", r1, N(r1));
	fx_snap(&s, "c", r2, N(r2));
	assert_int_equal(trend__compute(&s, &t), 0);
	assert_int_equal(t.stack_cnt, 4);
	/* (1,3): 100 -> 300 -> 300 with the duplicates summed, peak 300 as the others */
	assert_int_equal(t.stacks[0].pid, 1);
	assert_int_equal(t.stacks[0].stack_id, 1);
	assert_int_equal(t.stacks[1].pid, 1);
	assert_int_equal(t.stacks[1].stack_id, 2);
	assert_int_equal(t.stacks[2].pid, 2);
	assert_int_equal(t.stacks[2].stack_id, 1);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(t.stacks[i].cls, TREND_LEAK);
	assert_int_equal(t.stacks[3].stack_id, 3);
	assert_int_equal(t.stacks[3].live_bytes[0], 100);
	assert_int_equal(t.stacks[3].live_bytes[2], 300);
	assert_int_equal(t.stacks[3].cls, TREND_PLATEAU);
	trend__free(&t);
	session__free(&s);
}

/* ---- formatters ---- */

static char *format(trend_formatter fn, const struct session_trend *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(fn(t, f), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void test_text(void **state)
{
	struct session s;
	struct session_trend t;
	char *text;
	(void)state;

	mixed_session(&s);
	assert_int_equal(trend__compute(&s, &t), 0);
	/* the session is pid 77's, its stacks pid 1's: another process (one it forked) */
	assert_true(t.by_process);
	text = format(trend_report__write_text, &t);
	assert_string_equal(
		text,
		"Trend over 8 snapshots of pid 77, \"s0\" → \"s7\" in 7.0 s: 3 leak, 1 plateau, "
		"1 transient, 1 irregular, 1 shrinking, 1 flat\n"
		"\n"
		"  [pid 1] keep_sessions (server.c:212): 4.9 KiB → 11.7 KiB over 8 snapshots, +1000 B per "
		"snapshot (+3.4 MiB per hour), grew in 7/7 intervals — leak\n"
		"  [pid 1] [stack 0x9]: 5.6 KiB → 6.2 KiB over 8 snapshots, +100 B per snapshot (+351.6 KiB "
		"per hour), grew in 7/7 intervals — leak\n"
		"  [pid 1] [stack 0x5]: 0 B → 700 B over 8 snapshots, +100 B per snapshot (+351.6 KiB per "
		"hour), grew in 7/7 intervals — leak\n"
		"  [pid 1] cache_fill+0x10: 0 B → 1000 B over 8 snapshots, at that level since snapshot 3 "
		"(\"s3\"), held for 4/7 intervals — plateau (cache or pool)\n"
		"  [pid 1] [stack 0x4]: 100 B → peak 600 B at snapshot 5 (\"s5\") → 100 B, returned 2 times "
		"— transient\n"
		"  [pid 1] [stack 0x7]: 0 B → 100 B over 8 snapshots (min 0 B, peak 100 B), grew in 1/7 and "
		"shrank in 0/7 intervals — irregular\n"
		"  [pid 1] [stack 0x6]: 1000 B → 10 B over 8 snapshots, -146 B per snapshot (-514.0 KiB per "
		"hour), shrank in 7/7 intervals — shrinking\n"
		"  (1 flat stack not listed; --format json lists every stack)\n"
		"\n"
		"Verdict: 3 stacks leak; the one that grew most: keep_sessions (server.c:212), "
		"+1000 B per snapshot.\n");
	free(text);
	trend__free(&t);
	session__free(&s);
}

static void test_text_no_leak(void **state)
{
	const uint64_t series[] = { 0, 10, 0, 100, 100, 100 };
	struct session s;
	struct session_trend t;
	char *text;
	(void)state;

	fx_init(&s, 0, NULL);
	fx_series_session(&s, 3, 2, series);
	for (size_t i = 0; i < 3; i++)
		s.snaps[i].mono_ns = s.snaps[i].elapsed_s = 0;
	assert_int_equal(trend__compute(&s, &t), 0);
	text = format(trend_report__write_text, &t);
	assert_string_equal(
		text,
		"Trend over 3 snapshots, \"s0\" → \"s2\": 0 leak, 0 plateau, 1 transient, "
		"0 irregular, 0 shrinking, 1 flat\n"
		"\n"
		"  [pid 1] [stack 0x1]: 0 B → peak 10 B at snapshot 1 (\"s1\") → 0 B, returned 1 "
		"time — transient\n"
		"  (1 flat stack not listed; --format json lists every stack)\n"
		"\n"
		"Verdict: no leak: no stack grew steadily over these snapshots.\n");
	free(text);
	trend__free(&t);
	session__free(&s);
}

static void test_json(void **state)
{
	static const char *const top_keys[] = { "schema_version", "pid",	  "snapshot_cnt",
						"labels",	  "time_axis",	  "span_s",
						"leak_suspected", "class_counts", "stacks" };
	static const char *const stack_keys[] = {
		"pid",
		"stack_id",
		"name",
		"class",
		"live_bytes",
		"first_bytes",
		"last_bytes",
		"min_bytes",
		"peak_bytes",
		"peak_index",
		"noise_band_bytes",
		"bytes_per_snapshot",
		"bytes_per_hour",
		"interval_cnt",
		"grew_intervals",
		"shrank_intervals",
		"unchanged_intervals",
		"tail_held",
		"tail_start",
		"returns",
		"frames",
	};
	struct session s;
	struct session_trend t;
	json_error_t jerr;
	const json_t *st;
	json_t *doc;
	char *text;
	(void)state;

	mixed_session(&s);
	assert_int_equal(trend__compute(&s, &t), 0);
	text = format(trend_report__write_json, &t);
	doc = json_loads(text, 0, &jerr);
	if (!doc)
		fail_msg("not JSON (%s): %s", jerr.text, text);
	for (size_t i = 0; i < N(top_keys); i++)
		if (!json_object_get(doc, top_keys[i]))
			fail_msg("no key %s", top_keys[i]);
	assert_int_equal(json_object_size(doc), N(top_keys));
	assert_int_equal(json_integer_value(json_object_get(doc, "pid")), 77);
	assert_int_equal(json_integer_value(json_object_get(doc, "snapshot_cnt")), 8);
	assert_string_equal(json_string_value(json_array_get(json_object_get(doc, "labels"), 7)),
			    "s7");
	assert_string_equal(json_string_value(json_object_get(doc, "time_axis")), "mono");
	assert_true(json_number_value(json_object_get(doc, "span_s")) == 7.0);
	assert_true(json_is_true(json_object_get(doc, "leak_suspected")));
	assert_int_equal(json_integer_value(
				 json_object_get(json_object_get(doc, "class_counts"), "leak")),
			 3);
	assert_int_equal(json_integer_value(
				 json_object_get(json_object_get(doc, "class_counts"), "flat")),
			 1);
	assert_int_equal(json_object_size(json_object_get(doc, "class_counts")), TREND_CLASS__MAX);
	/* flat stacks are listed too */
	assert_int_equal(json_array_size(json_object_get(doc, "stacks")), 8);
	st = json_array_get(json_object_get(doc, "stacks"), 0);
	for (size_t i = 0; i < N(stack_keys); i++)
		if (!json_object_get(st, stack_keys[i]))
			fail_msg("no stack key %s", stack_keys[i]);
	assert_int_equal(json_object_size(st), N(stack_keys));
	assert_int_equal(json_integer_value(json_object_get(st, "stack_id")), 8);
	assert_string_equal(json_string_value(json_object_get(st, "name")),
			    "keep_sessions (server.c:212)");
	assert_string_equal(json_string_value(json_object_get(st, "class")), "leak");
	assert_int_equal(json_array_size(json_object_get(st, "live_bytes")), 8);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(st, "live_bytes"), 7)),
			 12000);
	assert_int_equal(json_integer_value(json_object_get(st, "first_bytes")), 5000);
	assert_int_equal(json_integer_value(json_object_get(st, "peak_bytes")), 12000);
	assert_int_equal(json_integer_value(json_object_get(st, "noise_band_bytes")), 1200);
	assert_true(json_number_value(json_object_get(st, "bytes_per_snapshot")) == 1000.0);
	assert_true(json_number_value(json_object_get(st, "bytes_per_hour")) == 3600000.0);
	assert_int_equal(json_integer_value(json_object_get(st, "interval_cnt")), 7);
	assert_int_equal(json_integer_value(json_object_get(st, "grew_intervals")), 7);
	assert_string_equal(json_string_value(
				    json_object_get(json_array_get(json_object_get(st, "frames"), 0),
						    "function")),
			    "keep_sessions");
	st = json_array_get(json_object_get(doc, "stacks"), 7);
	assert_string_equal(json_string_value(json_object_get(st, "class")), "flat");
	json_decref(doc);
	free(text);
	trend__free(&t);
	/* no clock: no rate per hour, no span */
	for (size_t i = 0; i < s.snap_cnt; i++)
		s.snaps[i].mono_ns = s.snaps[i].elapsed_s = 0;
	assert_int_equal(trend__compute(&s, &t), 0);
	text = format(trend_report__write_json, &t);
	doc = json_loads(text, 0, &jerr);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "time_axis")), "none");
	assert_true(json_is_null(json_object_get(doc, "span_s")));
	st = json_array_get(json_object_get(doc, "stacks"), 0);
	assert_true(json_is_null(json_object_get(st, "bytes_per_hour")));
	json_decref(doc);
	free(text);
	trend__free(&t);
	session__free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steady_growth_is_a_leak),
		cmocka_unit_test(test_growth_then_plateau),
		cmocka_unit_test(test_leak_or_plateau_boundary),
		cmocka_unit_test(test_slow_leak_is_not_a_plateau),
		cmocka_unit_test(test_spikes_that_return),
		cmocka_unit_test(test_flat_and_noise),
		cmocka_unit_test(test_shrinking_and_irregular),
		cmocka_unit_test(test_leak_share_boundary),
		cmocka_unit_test(test_class_names),
		cmocka_unit_test(test_too_short),
		cmocka_unit_test(test_session_classes_and_order),
		cmocka_unit_test(test_compute_dropping),
		cmocka_unit_test(test_compute_top),
		cmocka_unit_test(test_time_axes),
		cmocka_unit_test(test_ties_and_duplicates),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_no_leak),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests_name("trend", tests, NULL, NULL);
}
