// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of user/hist.c: exact bucket boundaries, quantiles on constructed histograms
 * (worked out by hand below each test), mean from the 128-bit sum, stddev from the buckets,
 * the interval difference and the text histogram. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/hist.h"

static void assert_near(double got, double want, double tol)
{
	if (!(fabs(got - want) <= tol))
		fail_msg("got %.17g, want %.17g +- %g", got, want, tol);
}

static struct hist *new_hist(void)
{
	struct hist *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	return h;
}

static void bucket_boundaries(void **state)
{
	(void)state;
	/* below 16: one bucket per value */
	for (uint64_t v = 0; v < 16; v++) {
		assert_int_equal(hist__bucket(v), v);
		assert_int_equal(hist__bucket_lower(v), v);
		assert_int_equal(hist__bucket_upper(v), v + 1);
	}
	/* [16, 32): width 1; [32, 64): width 2; [64, 128): width 4 */
	assert_int_equal(hist__bucket(16), 16);
	assert_int_equal(hist__bucket(31), 31);
	assert_int_equal(hist__bucket(32), 32);
	assert_int_equal(hist__bucket(33), 32);
	assert_int_equal(hist__bucket(34), 33);
	assert_int_equal(hist__bucket(63), 47);
	assert_int_equal(hist__bucket(64), 48);
	assert_int_equal(hist__bucket_lower(48), 64);
	assert_int_equal(hist__bucket_upper(48), 68);
	/* 100 = 0b1100100: e = 6, mantissa (100 >> 2) & 15 = 9 -> [100, 104) */
	assert_int_equal(hist__bucket_lower(hist__bucket(100)), 100);
	assert_int_equal(hist__bucket_upper(hist__bucket(100)), 104);
	assert_int_equal(hist__bucket(103), hist__bucket(100));
	assert_int_equal(hist__bucket(104), hist__bucket(100) + 1);
	/* 1 ms = 1000000: e = 19, width 2^15 = 32768; 1000000 >> 15 = 30 -> mantissa 14
	 * -> lower 30 * 32768 = 983040, upper 1015808 */
	assert_int_equal(hist__bucket_lower(hist__bucket(1000000)), 983040);
	assert_int_equal(hist__bucket_upper(hist__bucket(1000000)), 1015808);
	assert_int_equal(hist__error_at(1e6), 32768);
	assert_int_equal(hist__error_at(5), 0);
	/* every bucket starts where the previous ends, and each value lands in its bucket */
	for (size_t b = 0; b + 1 < HIST_BUCKETS; b++) {
		uint64_t lo = hist__bucket_lower(b), hi = hist__bucket_upper(b);

		assert_true(lo < hi);
		assert_int_equal(hist__bucket_lower(b + 1), hi);
		assert_int_equal(hist__bucket(lo), b);
		assert_int_equal(hist__bucket(hi - 1), b);
		/* the width is at most 1/16 of the lower bound (above 16) */
		if (b >= HIST_SUB)
			assert_true((double)(hi - lo) <= lo * HIST_REL_ERROR);
	}
	/* the last bucket is open: from 31 * 2^43 (76 hours) up */
	assert_int_equal(hist__bucket_lower(HIST_BUCKETS - 1), 31ULL << 43);
	assert_int_equal(hist__bucket((31ULL << 43) - 1), HIST_BUCKETS - 2);
	assert_int_equal(hist__bucket((1ULL << 48) - 1), HIST_BUCKETS - 1);
	assert_int_equal(hist__bucket(1ULL << 48), HIST_BUCKETS - 1);
	assert_int_equal(hist__bucket(UINT64_MAX), HIST_BUCKETS - 1);
	assert_true(hist__bucket_upper(HIST_BUCKETS - 1) == UINT64_MAX);
	assert_int_equal(HIST_BUCKETS, 720);
}

static void quantiles_one_value(void **state)
{
	struct hist *h = new_hist();

	(void)state;
	assert_true(isnan(hist__quantile(h, 0.5)));
	assert_true(isnan(hist__mean(h)));
	for (int i = 0; i < 1000; i++)
		hist__add(h, 100);
	/* interpolation would say 102, but min = max = 100 bound it */
	assert_near(hist__quantile(h, 0.5), 100, 0);
	assert_near(hist__quantile(h, 0.999), 100, 0);
	assert_near(hist__mean(h), 100, 0);
	assert_near(hist__stddev(h), 0, 0);
	free(h);
}

static void quantiles_interpolated(void **state)
{
	struct hist *h = new_hist();

	(void)state;
	/* 100 values in [1024, 1088) (bucket width 64) spread evenly: 1024 + 0.64 * i */
	for (int i = 0; i < 100; i++)
		hist__add(h, 1024 + (uint64_t)(i * 64 / 100));
	/* p50: rank 50 of 100 in one bucket -> 1024 + 64 * 50/100 = 1056 */
	assert_near(hist__quantile(h, 0.5), 1056, 1e-9);
	/* p90: 1024 + 64 * 0.9 = 1081.6 */
	assert_near(hist__quantile(h, 0.9), 1081.6, 1e-9);
	/* p99.9: 1024 + 63.936 = 1087.936, clamped to max 1087 */
	assert_near(hist__quantile(h, 0.999), 1087, 0);
	free(h);
}

static void quantiles_two_buckets(void **state)
{
	struct hist *h = new_hist();
	struct hist_stats st;

	(void)state;
	/* 90 x 1000 ([992, 1024), width 32) and 10 x 8000 ([7936, 8192), width 256) */
	for (int i = 0; i < 90; i++)
		hist__add(h, 1000);
	for (int i = 0; i < 10; i++)
		hist__add(h, 8000);
	hist__stats(h, &st);
	assert_int_equal(st.count, 100);
	/* p50: rank 50 in the first bucket: 992 + 32 * 50/90 = 1009.78 */
	assert_near(st.p50, 992 + 32.0 * 50 / 90, 1e-9);
	/* p90: rank 90 = the whole first bucket: its upper bound 1024 */
	assert_near(st.p90, 1024, 1e-9);
	/* p99: rank 99 -> 9 of 10 into the second: 7936 + 256 * 0.9 = 8166.4 -> clamped 8000 */
	assert_near(st.p99, 8000, 0);
	assert_near(st.min, 1000, 0);
	assert_near(st.max, 8000, 0);
	/* exact mean: (90 * 1000 + 10 * 8000) / 100 = 1700 */
	assert_near(st.mean, 1700, 1e-9);
	/* stddev from midpoints clamped to [min, max]: 1008 and 8000;
	 * mean_h = (90 * 1008 + 10 * 8000) / 100 = 1707.2;
	 * ss = 90 * 699.2^2 + 10 * 6292.8^2 = 44,000,000 + 395,993,318.4 = 439,993,318.4 ...
	 * computed: 90 * 488880.64 + 10 * 39599331.84 = 43999257.6 + 395993318.4 = 439992576;
	 * plus the spread inside each bucket, uniform over its range clipped to [min, max]:
	 * [1000, 1024): 24^2 / 12 = 48 per value; [7936, 8000]: 64^2 / 12 = 341.33 per value;
	 * ss = 439992576 + 90 * 48 + 10 * 4096 / 12 = 439992576 + 4320 + 3413.33 = 440000309.33;
	 * / 99 = 4444447.57; sqrt = 2108.19 (the exact stddev of the data is 2110.14) */
	assert_near(st.stddev, sqrt((439992576.0 + 90 * 48 + 10 * 4096.0 / 12) / 99), 1e-6);
	assert_near(st.stddev, 2110.14, 2110.14 * HIST_REL_ERROR);
	free(h);
}

/* Two values in one wide bucket: the midpoint alone would say stddev 0 */
static void stddev_inside_one_bucket(void **state)
{
	struct hist *h = new_hist();

	(void)state;
	/* 4100 and 4200 share [4096, 4352) (width 256); clipped to [min, max] = [4100, 4200]:
	 * both at the clamped midpoint 4200 (the midpoint mean is 4200, d = 0), plus the
	 * uniform spread 100^2 / 12 each: ss = 2 * 833.33; / (2 - 1); sqrt = 40.82 */
	hist__add(h, 4100);
	hist__add(h, 4200);
	assert_int_equal(hist__bucket(4100), hist__bucket(4200));
	assert_near(hist__stddev(h), sqrt(2 * 10000.0 / 12), 1e-9);
	free(h);
}

static void quantile_error_bound(void **state)
{
	struct hist *h = new_hist();
	uint64_t vals[1000];

	(void)state;
	/* a spread over several octaves: each quantile within one bucket width of the exact
	 * order statistic */
	for (int i = 0; i < 1000; i++) {
		vals[i] = 500 + (uint64_t)i * (uint64_t)i * 7;
		hist__add(h, vals[i]);
	}
	for (double q = 0.05; q < 1; q += 0.05) {
		double exact = (double)vals[(int)ceil(q * 1000) - 1];
		double got = hist__quantile(h, q);

		assert_true(fabs(got - exact) <= (double)hist__error_at(exact));
		assert_true(fabs(got - exact) <= exact * HIST_REL_ERROR);
	}
	free(h);
}

static void mean_128bit_sum(void **state)
{
	struct hist *h = new_hist();

	(void)state;
	/* four values of 2^63 overflow 64 bits: the sum is 2^65 */
	for (int i = 0; i < 4; i++)
		hist__add(h, 1ULL << 63);
	assert_int_equal(h->sum_hi, 2);
	assert_int_equal(h->sum_lo, 0);
	assert_near(hist__mean(h), 9223372036854775808.0, 1);
	free(h);
}

static void merge_and_sub(void **state)
{
	struct hist *a = new_hist(), *b = new_hist(), *d = new_hist();

	(void)state;
	for (int i = 0; i < 10; i++)
		hist__add(a, 200);
	*b = *a;
	for (int i = 0; i < 5; i++)
		hist__add(b, 5000);
	hist__add(b, UINT64_MAX); /* carries into sum_hi */
	hist__sub(d, b, a);
	assert_int_equal(d->count, 6);
	assert_int_equal(d->buckets[hist__bucket(5000)], 5);
	assert_int_equal(d->buckets[hist__bucket(200)], 0);
	/* 5 * 5000 + (2^64 - 1) = 2^64 + 24999 */
	assert_int_equal(d->sum_hi, 1);
	assert_int_equal(d->sum_lo, 24999);
	assert_int_equal(d->min, 0);
	assert_int_equal(d->max, 0);
	/* min/max unknown in an interval: quantiles are not clamped */
	hist__merge(a, a);
	assert_int_equal(a->count, 20);
	assert_int_equal(a->min, 200);
	assert_int_equal(a->max, 200);
	free(a);
	free(b);
	free(d);
}

static void format_ns(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(hist__fmt_ns(812, buf, sizeof(buf)), "812 ns");
	assert_string_equal(hist__fmt_ns(5.5, buf, sizeof(buf)), "5.50 ns");
	assert_string_equal(hist__fmt_ns(1234, buf, sizeof(buf)), "1.23 us");
	assert_string_equal(hist__fmt_ns(45600000, buf, sizeof(buf)), "45.6 ms");
	assert_string_equal(hist__fmt_ns(999999, buf, sizeof(buf)), "1.00 ms");
	assert_string_equal(hist__fmt_ns(2e9, buf, sizeof(buf)), "2.00 s");
	assert_string_equal(hist__fmt_ns(NAN, buf, sizeof(buf)), "-");
}

static void print_rows(void **state)
{
	struct hist *h = new_hist();
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	for (int i = 0; i < 30; i++)
		hist__add(h, 1000);
	for (int i = 0; i < 10; i++)
		hist__add(h, 1500);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	/* 4 rows per octave: [512, 1024) holds 1000 as [896, 1024); [1024, 2048) splits into
	 * [1024, 1280), [1280, 1536) holding 1500, [1536, 1792) ... */
	assert_int_equal(hist__print(f, h, 4, "  "), 0);
	fclose(f);
	assert_non_null(strstr(text, "[896 ns, 1.02 us)"));
	assert_non_null(strstr(text, "30  |****************************************|"));
	assert_non_null(strstr(text, "[1.02 us, 1.28 us)"));
	assert_non_null(strstr(text, "[1.28 us, 1.54 us)"));
	assert_non_null(strstr(text, "10  |**************                          |"));
	/* rows from the first to the last non-empty one: 3 rows + header */
	{
		int lines = 0;

		for (char *p = text; *p; p++)
			lines += *p == '\n';
		assert_int_equal(lines, 4);
	}
	free(text);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bucket_boundaries),
		cmocka_unit_test(quantiles_one_value),
		cmocka_unit_test(quantiles_interpolated),
		cmocka_unit_test(quantiles_two_buckets),
		cmocka_unit_test(stddev_inside_one_bucket),
		cmocka_unit_test(quantile_error_bound),
		cmocka_unit_test(mean_128bit_sum),
		cmocka_unit_test(merge_and_sub),
		cmocka_unit_test(format_ns),
		cmocka_unit_test(print_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
