// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of lib/json_out.h: the bytes are jansson's for the same document (random
 * documents written both ways, in every layout the outputs use), escapes, bytes that are not
 * UTF-8, reals, misuse, small buffers, the FILE *, descriptor and callback sinks and their
 * errors. */
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
#include <unistd.h>
#include <cmocka.h>
#include "lib/json_out.h"

/* ---- a document written by json_out into memory ---- */

struct mem {
	char *buf;
	size_t len, cap;
	int calls;
	int fail_at; /* the call that fails with -ENOSPC; 0: none */
};

static int mem_sink(void *ctx, const void *buf, size_t len)
{
	struct mem *m = ctx;

	m->calls++;
	if (m->fail_at && m->calls == m->fail_at)
		return -ENOSPC;
	if (m->len + len + 1 > m->cap) {
		m->cap = (m->len + len + 1) * 2;
		m->buf = realloc(m->buf, m->cap);
		assert_non_null(m->buf);
	}
	memcpy(m->buf + m->len, buf, len);
	m->len += len;
	m->buf[m->len] = '\0';
	return 0;
}

/* A jansson value written through json_out, member order kept */
static void emit(struct json_out *o, const json_t *v)
{
	const char *key;
	json_t *item;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		json_out__obj_begin(o);
		json_object_foreach((json_t *)v, key, item)
		{
			json_out__key(o, key);
			emit(o, item);
		}
		json_out__obj_end(o);
		break;
	case JSON_ARRAY:
		json_out__arr_begin(o);
		json_array_foreach(v, i, item) emit(o, item);
		json_out__arr_end(o);
		break;
	case JSON_STRING:
		json_out__str(o, json_string_value(v));
		break;
	case JSON_INTEGER:
		json_out__int(o, json_integer_value(v));
		break;
	case JSON_REAL:
		json_out__real(o, json_real_value(v));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		json_out__bool(o, json_is_true(v));
		break;
	default:
		json_out__null(o);
		break;
	}
}

static char *write_mem(const json_t *doc, const struct json_out_opts *opts)
{
	struct mem m = {};
	struct json_out *o = json_out__new_sink(mem_sink, &m, opts);

	assert_non_null(o);
	emit(o, doc);
	assert_int_equal(json_out__close(o), 0);
	if (!m.buf)
		m.buf = strdup("");
	return m.buf;
}

/* ---- random documents ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Valid UTF-8 (jansson takes nothing else): ASCII with every escape, 2-, 3- and 4-byte
 * characters */
static json_t *rand_string(void)
{
	static const char *const pieces[] = {
		"a",
		"/srv/app",
		"\"",
		"\\",
		"\n",
		"\t",
		"\r",
		"\b",
		"\f",
		"\x01",
		"\x1f",
		"\x7f",
		"/",
		"caf\xc3\xa9",
		" ",
		"{}",
		"[",
		":",
		",",
		"\xe6\x97\xa5",
		"\xf0\x9f\x99\x82",
		"\xef\xbf\xbd",
		"\xed\x9f\xbf",
		"\xee\x80\x80",
		"0x7f3a",
	};
	char buf[256] = "";
	size_t n = next_rand() % 12;

	for (size_t i = 0; i < n; i++)
		strcat(buf, pieces[next_rand() % (sizeof(pieces) / sizeof(pieces[0]))]);
	return json_string(buf);
}

static json_t *rand_real(void)
{
	static const double fixed[] = { 0.0,	 -0.0,	  1.0,	  -3.0,	   0.1,	    1e100,
					1e-5,	 1e21,	  1e-300, 123.456, 2.5e-10, 1e16,
					1e17,	 -1e308,  0.5,	  5e-324,  1e22,    12.3,
					81.2345, 3.15e15, 1.5e-7, 100.0 };
	uint64_t r = next_rand();

	if (r % 3 == 0)
		return json_real(fixed[next_rand() % (sizeof(fixed) / sizeof(fixed[0]))]);
	if (r % 3 == 1) {
		double d;

		do {
			uint64_t bits = next_rand();

			memcpy(&d, &bits, sizeof(d));
		} while (!isfinite(d));
		return json_real(d);
	}
	return json_real((double)(int64_t)next_rand() / (double)(next_rand() % 100000 + 1));
}

static json_t *rand_value(int depth)
{
	uint64_t r = next_rand() % (depth > 4 ? 6 : 9);

	switch (r) {
	case 0:
		return json_string("x");
	case 1:
		return rand_string();
	case 2: {
		static const json_int_t fixed[] = { 0, -1, 1, INT64_MAX, INT64_MIN, 4242, -10 };

		return json_integer(next_rand() % 2 ? (json_int_t)next_rand()
						    : fixed[next_rand() % 7]);
	}
	case 3:
		return rand_real();
	case 4:
		return next_rand() % 2 ? json_true() : json_false();
	case 5:
		return json_null();
	case 6:
	case 7: {
		json_t *obj = json_object();
		size_t n = next_rand() % 6;
		char key[32];

		for (size_t i = 0; i < n; i++) {
			json_t *k = rand_string();

			/* unique keys, in insertion order */
			snprintf(key, sizeof(key), "%zu%s", i, json_string_value(k));
			json_object_set_new(obj, key, rand_value(depth + 1));
			json_decref(k);
		}
		return obj;
	}
	default: {
		json_t *arr = json_array();
		size_t n = next_rand() % 6;

		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, rand_value(depth + 1));
		return arr;
	}
	}
}

struct layout {
	size_t jansson_flags;
	struct json_out_opts opts;
};

/* every layout the outputs use (reports, session records), and the others jansson has */
static const struct layout layouts[] = {
	{ JSON_INDENT(2) | JSON_PRESERVE_ORDER, { .indent = 2 } },
	{ JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12),
	  { .indent = 2, .real_precision = 12 } },
	{ JSON_COMPACT | JSON_PRESERVE_ORDER, { .compact = true } },
	{ JSON_PRESERVE_ORDER, {} },
	{ JSON_INDENT(4) | JSON_COMPACT, { .indent = 4, .compact = true } },
	{ JSON_COMPACT | JSON_REAL_PRECISION(3), { .compact = true, .real_precision = 3 } },
};

static void assert_same_as_jansson(const json_t *doc, const struct layout *l)
{
	char *want = json_dumps(doc, l->jansson_flags | JSON_ENCODE_ANY), *got;
	struct json_out_opts small = l->opts;

	assert_non_null(want);
	got = write_mem(doc, &l->opts);
	if (strcmp(got, want))
		fail_msg("json_out differs from jansson (flags 0x%zx)\n--- json_out:\n%s\n--- "
			 "jansson:\n%s",
			 l->jansson_flags, got, want);
	free(got);
	/* a buffer far smaller than the document: the same bytes */
	small.buf_size = 64;
	got = write_mem(doc, &small);
	assert_string_equal(got, want);
	free(got);
	free(want);
}

static void test_random_documents_match_jansson(void **state)
{
	(void)state;
	for (int i = 0; i < 3000; i++) {
		json_t *doc = rand_value(0);

		for (size_t l = 0; l < sizeof(layouts) / sizeof(layouts[0]); l++)
			assert_same_as_jansson(doc, &layouts[l]);
		json_decref(doc);
	}
}

static void test_layout(void **state)
{
	json_t *doc = json_pack("{s:i,s:[],s:{},s:[i,{s:[]},[[]]],s:{s:n}}", "a", 1, "empty_arr",
				"empty_obj", "list", 1, "x", "nested", "k");
	char *got;
	(void)state;

	got = write_mem(doc, &layouts[0].opts);
	assert_string_equal(got, "{\n"
				 "  \"a\": 1,\n"
				 "  \"empty_arr\": [],\n"
				 "  \"empty_obj\": {},\n"
				 "  \"list\": [\n"
				 "    1,\n"
				 "    {\n"
				 "      \"x\": []\n"
				 "    },\n"
				 "    [\n"
				 "      []\n"
				 "    ]\n"
				 "  ],\n"
				 "  \"nested\": {\n"
				 "    \"k\": null\n"
				 "  }\n"
				 "}");
	free(got);
	got = write_mem(doc, &layouts[2].opts);
	assert_string_equal(got,
			    "{\"a\":1,\"empty_arr\":[],\"empty_obj\":{},\"list\":[1,{\"x\":[]},[[]]],"
			    "\"nested\":{\"k\":null}}");
	free(got);
	got = write_mem(doc, NULL);
	assert_string_equal(got,
			    "{\"a\": 1, \"empty_arr\": [], \"empty_obj\": {}, \"list\": [1, {\"x\": "
			    "[]}, [[]]], \"nested\": {\"k\": null}}");
	free(got);
	json_decref(doc);
}

/* one string written alone, compact */
static char *str_doc(const char *s)
{
	struct mem m = {};
	struct json_out *o =
		json_out__new_sink(mem_sink, &m, &(struct json_out_opts){ .compact = true });

	assert_non_null(o);
	json_out__str(o, s);
	assert_int_equal(json_out__close(o), 0);
	return m.buf;
}

static void assert_str(const char *in, const char *want)
{
	char *got = str_doc(in);

	assert_string_equal(got, want);
	free(got);
}

static void test_escapes(void **state)
{
	(void)state;
	assert_str("", "\"\"");
	assert_str("plain /path", "\"plain /path\"");
	assert_str("q\"b\\n\n t\t r\r b\b f\f", "\"q\\\"b\\\\n\\n t\\t r\\r b\\b f\\f\"");
	assert_str("\x01\x1f\x7f", "\"\\u0001\\u001F\x7f\"");
	assert_str("caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x99\x82", "\"caf\xc3\xa9 \xe6\x97\xa5 "
								"\xf0\x9f\x99\x82\"");
	/* every control character, against jansson */
	for (int c = 1; c < 0x20; c++) {
		char in[2] = { (char)c, 0 };
		json_t *j = json_string(in);
		char *want = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);

		assert_str(in, want);
		free(want);
		json_decref(j);
	}
}

#define FFFD "\xef\xbf\xbd"
/* The cases of test_report.c's non-UTF-8 path: each byte that starts no well-formed sequence
 * becomes U+FFFD, what is well-formed around it stays */
static void test_not_utf8(void **state)
{
	(void)state;
	assert_str("/opt/caf\xe9/libx.so", "\"/opt/caf" FFFD "/libx.so\"");
	assert_str("f\xc3\xa9\xc3", "\"f\xc3\xa9" FFFD "\"");	       /* cut at the end */
	assert_str("src/\xc0\xafx.c", "\"src/" FFFD FFFD "x.c\"");     /* overlong '/' */
	assert_str("\xed\xa0\x80", "\"" FFFD FFFD FFFD "\"");	       /* surrogate */
	assert_str("\xf4\x90\x80\x80", "\"" FFFD FFFD FFFD FFFD "\""); /* > U+10FFFF */
	assert_str("\xe0\x80\xaf\xff", "\"" FFFD FFFD FFFD FFFD "\""); /* overlong, FF */
	assert_str("\xc3\"", "\"" FFFD "\\\"\"");		       /* cut by a quote */
	assert_str("\xf0\x9f\x99", "\"" FFFD FFFD FFFD "\"");	       /* 4-byte, cut */
	assert_str("a\x80z", "\"a" FFFD "z\"");			       /* lone continuation */
	assert_str("\xf0\x9f\x99\x82\xff\xc3\xa9", "\"\xf0\x9f\x99\x82" FFFD "\xc3\xa9\"");
	assert_int_equal(json_out__utf8_len((const unsigned char *)"\xc3"), 0);
	assert_int_equal(json_out__utf8_len((const unsigned char *)"\xc3\xa9"), 2);
	assert_int_equal(json_out__utf8_len((const unsigned char *)"\xf0\x9f\x99\x82"), 4);
	assert_int_equal(json_out__utf8_len((const unsigned char *)"\xf4\x8f\xbf\xbf"), 4);
	assert_int_equal(json_out__utf8_len((const unsigned char *)"\xed\x9f\xbf"), 3);
}
#undef FFFD

static void test_scalars(void **state)
{
	struct mem m = {};
	struct json_out *o =
		json_out__new_sink(mem_sink, &m, &(struct json_out_opts){ .compact = true });
	(void)state;

	json_out__arr_begin(o);
	json_out__int(o, INT64_MIN);
	json_out__int(o, INT64_MAX);
	json_out__uint(o, UINT64_MAX);
	json_out__int(o, 0);
	json_out__real(o, NAN);
	json_out__real(o, INFINITY);
	json_out__real(o, -INFINITY);
	json_out__real(o, 3.0);
	json_out__real(o, 1e-5);
	json_out__real(o, 1e100);
	json_out__str(o, NULL);
	json_out__bool(o, true);
	json_out__bool(o, false);
	json_out__null(o);
	json_out__arr_end(o);
	assert_int_equal(json_out__bytes(o), m.len + strlen("[-9223372036854775808,"
							    "9223372036854775807,"
							    "18446744073709551615,0,null,null,"
							    "null,3.0,1.0000000000000001e-5,1e100,"
							    "null,true,false,null]"));
	assert_int_equal(json_out__close(o), 0);
	assert_string_equal(m.buf, "[-9223372036854775808,9223372036854775807,"
				   "18446744073709551615,0,null,null,null,3.0,"
				   "1.0000000000000001e-5,1e100,null,true,false,null]");
	free(m.buf);
}

/* the members shorthands and several top-level documents, one a line (session records) */
static void test_members_and_records(void **state)
{
	struct mem m = {};
	struct json_out *o =
		json_out__new_sink(mem_sink, &m, &(struct json_out_opts){ .compact = true });
	(void)state;

	for (int i = 0; i < 2; i++) {
		json_out__obj_begin(o);
		json_out__key_str(o, "type", "snapshot");
		json_out__key_int(o, "seq", i);
		json_out__key_uint(o, "id", 7);
		json_out__key_real(o, "elapsed_s", 0.5);
		json_out__key_bool(o, "final", i);
		json_out__key_null(o, "rss_bytes");
		json_out__key_str(o, "label", NULL);
		json_out__obj_end(o);
		json_out__raw(o, "\n", 1);
	}
	assert_int_equal(json_out__close(o), 0);
	assert_string_equal(m.buf, "{\"type\":\"snapshot\",\"seq\":0,\"id\":7,\"elapsed_s\":0.5,"
				   "\"final\":false,\"rss_bytes\":null,\"label\":null}\n"
				   "{\"type\":\"snapshot\",\"seq\":1,\"id\":7,\"elapsed_s\":0.5,"
				   "\"final\":true,\"rss_bytes\":null,\"label\":null}\n");
	free(m.buf);
}

/* An object begun on one line keeps all it holds on that line, a nested one too; the indent
 * comes back after it; compact, it is as any object */
static void test_object_on_one_line(void **state)
{
	for (int compact = 0; compact < 2; compact++) {
		struct mem m = {};
		struct json_out *o =
			json_out__new_sink(mem_sink, &m,
					   &(struct json_out_opts){ .indent = compact ? 0 : 2,
								    .compact = compact });
		(void)state;

		json_out__obj_begin(o);
		json_out__key(o, "frames");
		json_out__arr_begin(o);
		for (int i = 0; i < 2; i++) {
			json_out__obj_begin_line(o);
			json_out__key_int(o, "line", i);
			json_out__key(o, "in");
			json_out__obj_begin_line(o); /* nested: still on the line */
			json_out__key(o, "e");
			json_out__arr_begin(o);
			json_out__arr_end(o);
			json_out__key_bool(o, "x", i);
			json_out__obj_end(o);
			json_out__obj_end(o);
		}
		json_out__obj_begin_line(o); /* empty */
		json_out__obj_end(o);
		json_out__arr_end(o);
		json_out__key(o, "after");
		json_out__obj_begin(o);
		json_out__key_null(o, "k");
		json_out__obj_end(o);
		json_out__obj_end(o);
		assert_int_equal(json_out__close(o), 0);
		if (compact)
			assert_string_equal(m.buf,
					    "{\"frames\":[{\"line\":0,\"in\":{\"e\":[],\"x\":false}},"
					    "{\"line\":1,\"in\":{\"e\":[],\"x\":true}},{}],"
					    "\"after\":{\"k\":null}}");
		else
			assert_string_equal(m.buf,
					    "{\n"
					    "  \"frames\": [\n"
					    "    {\"line\": 0, \"in\": {\"e\": [], \"x\": false}},\n"
					    "    {\"line\": 1, \"in\": {\"e\": [], \"x\": true}},\n"
					    "    {}\n"
					    "  ],\n"
					    "  \"after\": {\n"
					    "    \"k\": null\n"
					    "  }\n"
					    "}");
		free(m.buf);
	}
}

static int misuse(void (*steps)(struct json_out *o))
{
	struct mem m = {};
	struct json_out *o = json_out__new_sink(mem_sink, &m, NULL);
	int err;

	assert_non_null(o);
	steps(o);
	err = json_out__close(o);
	free(m.buf);
	return err;
}

static void value_without_key(struct json_out *o)
{
	json_out__obj_begin(o);
	json_out__int(o, 1);
	json_out__obj_end(o);
}

static void key_in_array(struct json_out *o)
{
	json_out__arr_begin(o);
	json_out__key(o, "k");
	json_out__arr_end(o);
}

static void key_without_value(struct json_out *o)
{
	json_out__obj_begin(o);
	json_out__key(o, "k");
	json_out__obj_end(o);
}

static void wrong_close(struct json_out *o)
{
	json_out__arr_begin(o);
	json_out__obj_end(o);
}

static void close_at_top(struct json_out *o)
{
	json_out__arr_end(o);
}

static void left_open(struct json_out *o)
{
	json_out__obj_begin(o);
	json_out__key(o, "a");
	json_out__arr_begin(o);
}

static void too_deep(struct json_out *o)
{
	for (int i = 0; i <= JSON_OUT_MAX_DEPTH; i++)
		json_out__arr_begin(o);
	for (int i = 0; i <= JSON_OUT_MAX_DEPTH; i++)
		json_out__arr_end(o);
}

static void deepest(struct json_out *o)
{
	for (int i = 0; i < JSON_OUT_MAX_DEPTH; i++)
		json_out__arr_begin(o);
	for (int i = 0; i < JSON_OUT_MAX_DEPTH; i++)
		json_out__arr_end(o);
}

static void test_misuse(void **state)
{
	(void)state;
	assert_int_equal(misuse(value_without_key), -EINVAL);
	assert_int_equal(misuse(key_in_array), -EINVAL);
	assert_int_equal(misuse(key_without_value), -EINVAL);
	assert_int_equal(misuse(wrong_close), -EINVAL);
	assert_int_equal(misuse(close_at_top), -EINVAL);
	assert_int_equal(misuse(left_open), -EINVAL);
	assert_int_equal(misuse(too_deep), -EINVAL);
	assert_int_equal(misuse(deepest), 0);
	assert_int_equal(json_out__close(NULL), 0);
}

/* A sink that fails: the first error is kept, the sink is not called again, close says so */
static void test_sink_error(void **state)
{
	struct mem m = { .fail_at = 2 };
	struct json_out *o =
		json_out__new_sink(mem_sink, &m, &(struct json_out_opts){ .buf_size = 64 });
	(void)state;

	json_out__arr_begin(o);
	for (int i = 0; i < 1000; i++)
		json_out__str(o, "a string of some length, to fill buffers");
	json_out__arr_end(o);
	assert_int_equal(json_out__err(o), -ENOSPC);
	assert_int_equal(m.calls, 2);
	assert_int_equal(json_out__flush(o), -ENOSPC);
	assert_int_equal(json_out__close(o), -ENOSPC);
	assert_int_equal(m.calls, 2);
	free(m.buf);
}

/* Strings longer than the buffer go straight through; flush hands over what is buffered */
static void test_long_strings_and_flush(void **state)
{
	struct mem m = {};
	struct json_out *o =
		json_out__new_sink(mem_sink, &m,
				   &(struct json_out_opts){ .compact = true, .buf_size = 100 });
	char *big = malloc(10001), *want = malloc(10100);
	(void)state;

	memset(big, 'x', 10000);
	big[10000] = '\0';
	big[5000] = '\n';
	json_out__arr_begin(o);
	json_out__str(o, big);
	assert_int_equal(json_out__flush(o), 0);
	assert_int_equal(m.len, json_out__bytes(o));
	json_out__arr_end(o);
	assert_int_equal(json_out__close(o), 0);
	snprintf(want, 10100, "[\"%.5000s\\n%s\"]", big, big + 5001);
	assert_string_equal(m.buf, want);
	free(m.buf);
	free(big);
	free(want);
}

static void write_sample(struct json_out *o)
{
	json_out__obj_begin(o);
	json_out__key_str(o, "module", "/srv/app");
	json_out__key(o, "frames");
	json_out__arr_begin(o);
	json_out__int(o, 1);
	json_out__arr_end(o);
	json_out__obj_end(o);
}

#define SAMPLE "{\n  \"module\": \"/srv/app\",\n  \"frames\": [\n    1\n  ]\n}"

static void test_file_and_fd(void **state)
{
	char *text = NULL, buf[256];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct json_out *o;
	int fds[2];
	ssize_t n;
	(void)state;

	o = json_out__new_file(f, &(struct json_out_opts){ .indent = 2 });
	write_sample(o);
	assert_int_equal(json_out__close(o), 0);
	fputs("|", f); /* the FILE * is still the caller's */
	fclose(f);
	assert_string_equal(text, SAMPLE "|");
	free(text);

	assert_int_equal(pipe(fds), 0);
	o = json_out__new_fd(fds[1], &(struct json_out_opts){ .indent = 2 });
	write_sample(o);
	assert_int_equal(json_out__close(o), 0);
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, SAMPLE);
	close(fds[0]);

	/* a descriptor that cannot be written: -EBADF */
	o = json_out__new_fd(fds[0], NULL);
	write_sample(o);
	assert_int_equal(json_out__close(o), -EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_documents_match_jansson),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_not_utf8),
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_members_and_records),
		cmocka_unit_test(test_object_on_one_line),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_sink_error),
		cmocka_unit_test(test_long_strings_and_flush),
		cmocka_unit_test(test_file_and_fd),
	};

	return cmocka_run_group_tests_name("json_out", tests, NULL, NULL);
}
