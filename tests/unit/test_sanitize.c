// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of sanitize.h: terminal controls, C1 controls and broken UTF-8 from a target
 * become '?', valid text (ASCII and multi-byte UTF-8) is kept byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "lib/sanitize.h"

/* sanitize a copy of in; check the text and the count of replacements */
static void check(const char *in, const char *want, size_t want_replaced)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s", in);
	assert_int_equal(sanitize__str(buf), want_replaced);
	assert_string_equal(buf, want);
	assert_int_equal(sanitize__is_clean(in), want_replaced == 0);
	assert_true(sanitize__is_clean(buf));
}

static void test_clean_text_kept(void **state)
{
	(void)state;
	check("", "", 0);
	check("after-load", "after-load", 0);
	check("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 0);
	check("std::vector<int>::push_back(int&&)", "std::vector<int>::push_back(int&&)", 0);
	/* U+00A0, the first code point after the C1 block, is text */
	check("a\xc2\xa0z", "a\xc2\xa0z", 0);
}

static void test_ascii_controls(void **state)
{
	(void)state;
	check("\033[2J\033[31mFAKE\nline\a", "?[2J?[31mFAKE?line?", 4);
	check("tab\there\r", "tab?here?", 2);
	check("del\x7f", "del?", 1);
}

static void test_c1_controls(void **state)
{
	(void)state;
	/* U+009B (CSI) and U+0080 are one character each: one '?' for two bytes */
	check("c1\xc2\x9bx", "c1?x", 1);
	check("\xc2\x80\xc2\x9f", "??", 2);
	/* a lone 0x9b byte (CSI on 8-bit terminals) is not UTF-8 */
	check("a\x9b[2J", "a?[2J", 1);
}

static void test_broken_utf8(void **state)
{
	(void)state;
	check("bad\xff\xfeutf8", "bad??utf8", 2);
	/* overlong '/' and an encoded surrogate */
	check("\xc0\xaf", "??", 2);
	check("\xed\xa0\x80", "???", 3);
	/* cut in the middle of a sequence, as a 127-byte USDT label may be */
	check("ab\xe2\x82", "ab??", 2);
	/* beyond U+10FFFF */
	check("\xf4\x90\x80\x80", "????", 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_text_kept),
		cmocka_unit_test(test_ascii_controls),
		cmocka_unit_test(test_c1_controls),
		cmocka_unit_test(test_broken_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
