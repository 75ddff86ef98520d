// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of bytes_fmt.h: unit boundaries, signs (INT64_MIN included), rounding of rates,
 * and values that are not finite. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "lib/bytes_fmt.h"

static void test_unsigned(void **state)
{
	char b[BYTES_FMT_LEN];
	(void)state;

	assert_string_equal(bytes__fmt(0, b, sizeof(b)), "0 B");
	assert_string_equal(bytes__fmt(1023, b, sizeof(b)), "1023 B");
	assert_string_equal(bytes__fmt(1024, b, sizeof(b)), "1.0 KiB");
	assert_string_equal(bytes__fmt(100000, b, sizeof(b)), "97.7 KiB");
	assert_string_equal(bytes__fmt(1 << 20, b, sizeof(b)), "1.0 MiB");
	/* 1048575 B is 1023.999 KiB: it rounds to "1.0 MiB", never "1024.0 KiB" */
	assert_string_equal(bytes__fmt(1048575, b, sizeof(b)), "1.0 MiB");
	/* 1023.94 KiB stays in KiB */
	assert_string_equal(bytes__fmt(1048514, b, sizeof(b)), "1023.9 KiB");
	assert_string_equal(bytes__fmt(3ULL << 30, b, sizeof(b)), "3.0 GiB");
	assert_string_equal(bytes__fmt(5ULL << 40, b, sizeof(b)), "5.0 TiB");
	assert_string_equal(bytes__fmt(UINT64_MAX, b, sizeof(b)), "16777216.0 TiB");
}

static void test_signed(void **state)
{
	char b[BYTES_FMT_LEN];
	(void)state;

	assert_string_equal(bytes__fmt_signed(0, b, sizeof(b)), "0 B");
	assert_string_equal(bytes__fmt_signed(512, b, sizeof(b)), "+512 B");
	assert_string_equal(bytes__fmt_signed(-512, b, sizeof(b)), "-512 B");
	assert_string_equal(bytes__fmt_signed(-2048, b, sizeof(b)), "-2.0 KiB");
	assert_string_equal(bytes__fmt_signed(INT64_MAX, b, sizeof(b)), "+8388608.0 TiB");
	assert_string_equal(bytes__fmt_signed(INT64_MIN, b, sizeof(b)), "-8388608.0 TiB");
}

static void test_real(void **state)
{
	char b[BYTES_FMT_LEN];
	(void)state;

	assert_string_equal(bytes__fmt_real(99.5, b, sizeof(b)), "+100 B");
	assert_string_equal(bytes__fmt_real(-0.4, b, sizeof(b)), "0 B");
	assert_string_equal(bytes__fmt_real(-146.19, b, sizeof(b)), "-146 B");
	assert_string_equal(bytes__fmt_real(1153433.6, b, sizeof(b)), "+1.1 MiB");
	assert_string_equal(bytes__fmt_real(1e30, b, sizeof(b)), "+16777216.0 TiB");
	assert_string_equal(bytes__fmt_real(-1e30, b, sizeof(b)), "-16777216.0 TiB");
	assert_string_equal(bytes__fmt_real(NAN, b, sizeof(b)), "?");
	assert_string_equal(bytes__fmt_real(INFINITY, b, sizeof(b)), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unsigned),
		cmocka_unit_test(test_signed),
		cmocka_unit_test(test_real),
	};

	return cmocka_run_group_tests_name("bytes_fmt", tests, NULL, NULL);
}
