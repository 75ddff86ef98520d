// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of lib/jscan.h: values read as JSON means them (escapes, surrogate pairs, UTF-8,
 * integers at the edges of their range, reals), texts that are not JSON refused with the byte
 * where they go wrong, and no read past the end of a text that is not NUL-terminated. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "lib/jscan.h"

/* text copied into a buffer of exactly its length (no NUL after it): ASan sees any overread */
static char *exact(const char *text, size_t *len)
{
	char *copy;

	*len = strlen(text);
	copy = malloc(*len ? *len : 1);
	assert_non_null(copy);
	memcpy(copy, text, *len);
	return copy;
}

static void test_values(void **state)
{
	const char *text = " {\"s\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude42ü日\", "
			   "\"u\":18446744073709551615,\"i\":-9223372036854775808,\"z\":0,"
			   "\"r\":-1.5e3,\"t\":true,\"f\":false,\"n\":null,\"a\":[1,[],{}]} ";
	struct jscan j;
	bool first = true;
	size_t len, slen;
	char *buf = exact(text, &len);
	(void)state;

	jscan__init(&j, buf, len);
	assert_true(jscan__expect(&j, '{'));
	assert_true(jscan__more(&j, '}', &first));
	assert_string_equal(jscan__key(&j, NULL), "s");
	assert_string_equal(jscan__str(&j, &slen), "a\"b\\c/d\b\f\n\r\té🙂ü日");
	assert_int_equal(slen, strlen("a\"b\\c/d\b\f\n\r\té🙂ü日"));
	assert_true(jscan__more(&j, '}', &first));
	assert_string_equal(jscan__key(&j, NULL), "u");
	assert_true(jscan__u64(&j) == UINT64_MAX);
	assert_true(jscan__more(&j, '}', &first));
	jscan__key(&j, NULL);
	assert_true(jscan__i64(&j) == INT64_MIN);
	assert_true(jscan__more(&j, '}', &first));
	jscan__key(&j, NULL);
	assert_int_equal(jscan__u64(&j), 0);
	assert_true(jscan__more(&j, '}', &first));
	jscan__key(&j, NULL);
	assert_true(jscan__num(&j) == -1500.0);
	assert_true(jscan__more(&j, '}', &first));
	jscan__key(&j, NULL);
	assert_int_equal(jscan__bool(&j), 1);
	assert_true(jscan__more(&j, '}', &first));
	jscan__key(&j, NULL);
	assert_int_equal(jscan__bool(&j), 0);
	assert_true(jscan__more(&j, '}', &first));
	jscan__key(&j, NULL);
	assert_true(jscan__null(&j));
	assert_true(jscan__more(&j, '}', &first));
	jscan__key(&j, NULL);
	jscan__skip(&j);
	assert_false(jscan__more(&j, '}', &first));
	jscan__end(&j);
	assert_int_equal(j.err, 0);
	jscan__fini(&j);
	free(buf);
}

/* The first error of text read as one value of the kind given, or "" */
static const char *error_of(const char *text, char kind)
{
	static char why[160];
	struct jscan j;
	size_t len;
	char *buf = exact(text, &len);

	jscan__init(&j, buf, len);
	switch (kind) {
	case 'u':
		jscan__u64(&j);
		break;
	case 'i':
		jscan__i64(&j);
		break;
	case 's':
		jscan__str(&j, NULL);
		break;
	case 'r':
		jscan__num(&j);
		break;
	default:
		jscan__skip(&j);
	}
	jscan__end(&j);
	strcpy(why, j.why);
	assert_true(!j.err == !why[0]);
	jscan__fini(&j);
	free(buf);
	return why;
}

static void test_refused(void **state)
{
	char deep[200];
	(void)state;

	assert_string_equal(error_of("18446744073709551616", 'u'),
			    "an integer out of range at byte 0");
	assert_string_equal(error_of("9223372036854775808", 'i'),
			    "an integer out of range at byte 0");
	assert_string_equal(error_of("-1", 'u'),
			    "a negative number where a count should be at byte 0");
	assert_string_equal(error_of("-0", 'u'), "");
	assert_string_equal(error_of("1.0", 'u'),
			    "expected an integer, not a real number at byte 0");
	assert_string_equal(error_of("01", 'u'), "text after the end of the record at byte 1");
	assert_string_equal(error_of("\"1\"", 'u'), "expected an integer at byte 0");
	assert_string_equal(error_of("-", 'r'), "expected a number at byte 0");
	assert_string_equal(error_of("1.", 'r'),
			    "a number without digits after its point at byte 0");
	assert_string_equal(error_of("1e", 'r'),
			    "a number without digits in its exponent at byte 0");
	assert_string_equal(error_of("1e999", 'r'), "a number out of range at byte 0");
	assert_string_equal(error_of("\"abc", 's'), "the text ends inside a string at byte 4");
	assert_string_equal(error_of("\"a\\", 's'), "the text ends inside a string at byte 3");
	assert_string_equal(error_of("\"a\tb\"", 's'), "a control character in a string at byte 2");
	assert_string_equal(error_of("\"\\u12\"", 's'),
			    "a \\u escape without four hex digits at byte 3");
	assert_string_equal(error_of("\"\\u0000\"", 's'), "a string holding \\u0000 at byte 7");
	assert_string_equal(error_of("\"\\ud800x\"", 's'),
			    "a high surrogate \\ud800 without its low half at byte 7");
	assert_string_equal(error_of("\"\\udc00\"", 's'), "a lone low surrogate \\udc00 at byte 7");
	assert_string_equal(error_of("\"\xc3\"", 's'), "a string that is not UTF-8 at byte 1");
	assert_string_equal(error_of("\"\xed\xa0\x80\"", 's'),
			    "a string that is not UTF-8 at byte 1");
	assert_string_equal(error_of("\"\xc0\xaf\"", 's'), "a string that is not UTF-8 at byte 1");
	assert_string_equal(error_of("\xe6\x97", 's'), "expected '\"' at byte 0");
	assert_string_equal(error_of("[1,]", 'v'), "expected a value at byte 3");
	assert_string_equal(error_of("[1 2]", 'v'), "expected ',' at byte 3");
	assert_string_equal(error_of("{\"a\" 1}", 'v'), "expected ':' at byte 5");
	assert_string_equal(error_of("{1:2}", 'v'), "expected '\"' at byte 1");
	assert_string_equal(error_of("[", 'v'), "expected a value at byte 1");
	assert_string_equal(error_of("nul", 'v'), "expected a value at byte 0");
	assert_string_equal(error_of("tru", 'v'), "expected true or false at byte 0");
	assert_string_equal(error_of("", 'v'), "expected a value at byte 0");
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	assert_string_equal(error_of(deep, 'v'), "nested deeper than 64 levels at byte 64");
}

/* An error is sticky: later reads return nothing and the first reason stays */
static void test_sticky(void **state)
{
	struct jscan j;
	(void)state;

	jscan__init(&j, "[x, 1]", 6);
	assert_true(jscan__expect(&j, '['));
	assert_int_equal(jscan__u64(&j), 0);
	assert_int_equal(j.err, -EINVAL);
	assert_false(jscan__eat(&j, ','));
	assert_int_equal(jscan__u64(&j), 0);
	assert_int_equal(jscan__peek(&j), -1);
	assert_string_equal(j.why, "expected an integer at byte 1");
	jscan__fail(&j, "another");
	assert_string_equal(j.why, "expected an integer at byte 1");
	/* the buffer is kept for the next text */
	jscan__reset(&j, "\"ok\"", 4);
	assert_string_equal(jscan__str(&j, NULL), "ok");
	assert_int_equal(j.err, 0);
	jscan__fini(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_sticky),
	};

	return cmocka_run_group_tests_name("jscan", tests, NULL, NULL);
}
