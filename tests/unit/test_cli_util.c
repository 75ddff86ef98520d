// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of cli_util.h's number parsers: plain decimal only. What strtoull and strtod
 * would also take (signs, spaces, hex, exponents, "inf", "nan") is refused; ranges are
 * inclusive for integers and (0, max] for seconds. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "cli/cli_util.h"

static void test_u64_accepts(void **state)
{
	uint64_t v = 42;

	(void)state;
	assert_int_equal(cli__parse_u64("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cli__parse_u64("5", 0, 10, &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(cli__parse_u64("007", 0, 10, &v), 0); /* leading zeros are still decimal */
	assert_int_equal(v, 7);
	assert_int_equal(cli__parse_u64("10", 1, 10, &v), 0); /* max is inclusive */
	assert_int_equal(v, 10);
	assert_int_equal(cli__parse_u64("1", 1, 10, &v), 0); /* min too */
	assert_int_equal(cli__parse_u64("18446744073709551615", 0, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
}

static void test_u64_rejects(void **state)
{
	static const char *const bad[] = {
		"",
		"+5",
		"-1",
		" 5",
		"5 ",
		"\t5",
		"5\n",
		"0x10",
		"010x",
		"1e3",
		"5.0",
		"5.",
		".5",
		"inf",
		"nan",
		"five",
		"1,000",
		"1_000",
		"٥", /* Arabic-Indic five */
		"18446744073709551616",
		"99999999999999999999999",
	};
	uint64_t v = 42;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (cli__parse_u64(bad[i], 0, UINT64_MAX, &v) != -EINVAL)
			fail_msg("parse_u64 took '%s'", bad[i]);
	}
	assert_int_equal(cli__parse_u64(NULL, 0, 10, &v), -EINVAL);
	assert_int_equal(cli__parse_u64("11", 0, 10, &v), -EINVAL); /* above max */
	assert_int_equal(cli__parse_u64("0", 1, 10, &v), -EINVAL);  /* below min */
	assert_int_equal(v, 42);				    /* untouched on error */
}

static void test_decimal(void **state)
{
	double v = 42;

	(void)state;
	assert_int_equal(cli__parse_decimal("5", &v), 0);
	assert_true(v == 5);
	assert_int_equal(cli__parse_decimal("0.5", &v), 0);
	assert_true(v == 0.5);
	assert_int_equal(cli__parse_decimal("10.25", &v), 0);
	assert_true(v == 10.25);
	assert_int_equal(cli__parse_decimal("0", &v), 0);
	assert_true(v == 0);
	assert_int_equal(cli__parse_decimal("0.05", &v), 0);
	assert_true(v == 0.05);
	assert_int_equal(cli__parse_decimal("007.50", &v), 0);
	assert_true(v == 7.5);
}

static void test_decimal_rejects(void **state)
{
	static const char *const bad[] = {
		"",	  ".",	   ".5",    "5.",  "+5",  "-1",	  "-0.5", " 5",	 "5 ",	     "\t5",
		"5\n",	  "0x10",  "0X1p4", "1e3", "1E3", "5e-1", "inf",  "INF", "infinity", "nan",
		"NAN(1)", "1.2.3", "1..2",  "5,5", "5s",  "1_0",  "0x",	  "٥",
	};
	double v = 42;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (cli__parse_decimal(bad[i], &v) != -EINVAL)
			fail_msg("parse_decimal took '%s'", bad[i]);
	}
	assert_int_equal(cli__parse_decimal(NULL, &v), -EINVAL);
	assert_true(v == 42);
}

static void test_seconds(void **state)
{
	double v = 42;
	char huge[400];

	(void)state;
	assert_int_equal(cli__parse_seconds("5", 60, &v), 0);
	assert_true(v == 5);
	assert_int_equal(cli__parse_seconds("0.5", 60, &v), 0);
	assert_true(v == 0.5);
	assert_int_equal(cli__parse_seconds("60", 60, &v), 0); /* max is inclusive */
	assert_true(v == 60);
	assert_int_equal(cli__parse_seconds("60.000001", 60, &v), -EINVAL);
	assert_int_equal(cli__parse_seconds("0", 60, &v), -EINVAL); /* seconds are > 0 */
	assert_int_equal(cli__parse_seconds("0.0", 60, &v), -EINVAL);
	/* the issue: strtod read this as 16 s */
	assert_int_equal(cli__parse_seconds("0x10", 60, &v), -EINVAL);
	assert_int_equal(cli__parse_seconds("1e1", 60, &v), -EINVAL);
	assert_int_equal(cli__parse_seconds(" 5", 60, &v), -EINVAL);
	assert_int_equal(cli__parse_seconds("+5", 60, &v), -EINVAL);
	assert_int_equal(cli__parse_seconds("-1", 60, &v), -EINVAL);
	assert_int_equal(cli__parse_seconds("inf", 1e300, &v), -EINVAL);
	assert_int_equal(cli__parse_seconds(".5", 60, &v), -EINVAL);
	assert_int_equal(cli__parse_seconds("5.", 60, &v), -EINVAL);
	/* 400 digits: beyond a double, refused rather than taken as inf */
	memset(huge, '9', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	assert_int_equal(cli__parse_seconds(huge, 1e308, &v), -EINVAL);
	assert_true(v == 60); /* untouched by the errors */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64_accepts), cmocka_unit_test(test_u64_rejects),
		cmocka_unit_test(test_decimal),	    cmocka_unit_test(test_decimal_rejects),
		cmocka_unit_test(test_seconds),
	};

	return cmocka_run_group_tests_name("cli_util", tests, NULL, NULL);
}
