// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the option tables (options.h): every kind of row with its range or choices,
 * the one-line errors of a bad command line (unknown option, missing value, a value for a
 * flag, a bad value), the generated help and OPTS_HELP, positional arguments around the
 * options, stopping at the first non-option; and parse_bytes (cli_util.h). */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "cli/cli_util.h"
#include "cli/options.h"

/* The destinations of the test table, reset before each parse */
static struct {
	bool verbose;
	const char *output;
	uint64_t top;
	bool top_given;
	double timeout_s;
	double alpha;
	uint64_t size;
	int color;
	int custom_seen;
	const char *custom_value;
	bool loud;
} d;

static const char *const colors[] = { "red", "green", "blue", NULL };
static const char *const shapes[] = { "round", "square", NULL };

/* accepts round and square; "triangle" is refused with its own message */
static int shape__parse(const char *cmd, const struct opt *opt, const char *value)
{
	(void)opt;
	if (!strcmp(value, "triangle"))
		return cli__error("%s: triangles are out", cmd);
	if (opts__choice(shapes, value) < 0)
		return -EINVAL;
	d.custom_seen++;
	d.custom_value = value;
	return 0;
}

/* a custom row without arg: a flag with code behind it */
static int loud__parse(const char *cmd, const struct opt *opt, const char *value)
{
	(void)cmd;
	(void)opt;
	assert_null(value);
	d.loud = true;
	return 0;
}

static const struct opt rows[] = {
	{ .name = "verbose",
	  .letter = 'v',
	  .kind = OPT_FLAG,
	  .help = "say more",
	  .dest = &d.verbose },
	{ .name = "output",
	  .letter = 'o',
	  .kind = OPT_STRING,
	  .arg = "FILE",
	  .help = "write there",
	  .dest = &d.output,
	  .wants = "a file name" },
	{ .name = "top",
	  .letter = 't',
	  .kind = OPT_U64,
	  .arg = "N",
	  .help = "stacks to print\n(0 = all)",
	  .dest = &d.top,
	  .min = 0,
	  .max = 100,
	  .given = &d.top_given },
	{ .name = "timeout",
	  .kind = OPT_SECONDS,
	  .arg = "SEC",
	  .help = "wait",
	  .dest = &d.timeout_s,
	  .max_s = 60 },
	{ .name = "alpha",
	  .kind = OPT_DECIMAL,
	  .arg = "A",
	  .help = "level",
	  .dest = &d.alpha,
	  .gt = 0,
	  .lt = 0.5 },
	{ .name = "max-size",
	  .kind = OPT_SIZE,
	  .arg = "SIZE",
	  .help = "at most",
	  .dest = &d.size,
	  .min = 4096,
	  .max = 1ull << 30 },
	{ .name = "color",
	  .letter = 'c',
	  .kind = OPT_CHOICE,
	  .arg = "C",
	  .help = "red or green",
	  .dest = &d.color,
	  .choices = colors },
	{ .name = "shape",
	  .kind = OPT_CUSTOM,
	  .arg = "S",
	  .choices = shapes,
	  .parse = shape__parse },
	{ .name = "loud", .kind = OPT_CUSTOM, .help = "shout", .parse = loud__parse },
	{ .name = "a-very-long-option-name", .kind = OPT_FLAG, .help = "one\ntwo" },
	{},
};

static const struct cmd_spec spec = {
	.name = "demo",
	.usage = "FILE [--top N]\n[--verbose]",
	.about = "Demonstrates the tables.",
	.opts = rows,
	.footer = "Exit status: 0 done; 2 error.",
};

struct result {
	int rc, first;
	char *out, *err;
	char *argv[32];
	int argc;
};

static char *slurp(FILE *f)
{
	long n;
	char *buf;

	fflush(f);
	n = ftell(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	rewind(f);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	return buf;
}

/* Parses argv (NULL-terminated, argv[0] the command) against s with stdout and stderr
 * captured; the destinations start at their defaults */
static struct result parse(const struct cmd_spec *s, ...)
{
	struct result r = { .first = -1 };
	FILE *out = tmpfile(), *err = tmpfile();
	int save_out, save_err;
	va_list ap;

	assert_non_null(out);
	assert_non_null(err);
	memset(&d, 0, sizeof(d));
	d.top = 10;
	d.timeout_s = 30;
	d.color = -1;
	va_start(ap, s);
	for (const char *a; (a = va_arg(ap, const char *));)
		r.argv[r.argc++] = strdup(a);
	va_end(ap);
	r.argv[r.argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	save_out = dup(1);
	save_err = dup(2);
	dup2(fileno(out), 1);
	dup2(fileno(err), 2);
	r.rc = opts__parse(s, r.argc, r.argv, &r.first);
	fflush(stdout);
	fflush(stderr);
	dup2(save_out, 1);
	dup2(save_err, 2);
	close(save_out);
	close(save_err);
	fseek(out, 0, SEEK_END);
	fseek(err, 0, SEEK_END);
	r.out = slurp(out);
	r.err = slurp(err);
	fclose(out);
	fclose(err);
	return r;
}

static void done(struct result *r)
{
	for (int i = 0; i < r->argc; i++)
		free(r->argv[i]);
	free(r->out);
	free(r->err);
}

/* Exit status 2, nothing on stdout, exactly the line want on stderr */
static void assert_error(struct result r, const char *want)
{
	char line[512];

	snprintf(line, sizeof(line), "perfan-bpf: %s\n", want);
	if (r.rc != 2 || r.out[0] || strcmp(r.err, line))
		fail_msg("rc %d, stdout '%s', stderr '%s'; want 2 and '%s'", r.rc, r.out, r.err,
			 want);
	done(&r);
}

/* Parsed with no output; the positional arguments start at want_first */
static void assert_ok(struct result *r, int want_first)
{
	if (r->rc || r->out[0] || r->err[0] || r->first != want_first)
		fail_msg("rc %d, first %d, stdout '%s', stderr '%s'; want 0, first %d", r->rc,
			 r->first, r->out, r->err, want_first);
}

static void test_defaults_stay(void **state)
{
	struct result r = parse(&spec, "demo", NULL);

	(void)state;
	assert_ok(&r, 1);
	assert_false(d.verbose);
	assert_null(d.output);
	assert_int_equal(d.top, 10);
	assert_false(d.top_given);
	assert_true(d.timeout_s == 30);
	assert_int_equal(d.color, -1);
	done(&r);
}

static void test_kinds(void **state)
{
	struct result r;

	(void)state;
	r = parse(&spec, "demo", "-v", "--output", "x.txt", "--top=0", "--timeout", "0.5",
		  "--alpha", "0.05", "--max-size", "2M", "-c", "blue", "--shape", "square",
		  "--loud", NULL);
	assert_ok(&r, r.argc);
	assert_true(d.verbose);
	assert_string_equal(d.output, "x.txt");
	assert_int_equal(d.top, 0);
	assert_true(d.top_given);
	assert_true(d.timeout_s == 0.5);
	assert_true(d.alpha == 0.05);
	assert_int_equal(d.size, 2 << 20);
	assert_int_equal(d.color, 2);
	assert_int_equal(d.custom_seen, 1);
	assert_string_equal(d.custom_value, "square");
	assert_true(d.loud);
	done(&r);
	/* short letters, glued values, the last of a repeated option */
	r = parse(&spec, "demo", "-t5", "-ofile", "-t", "100", "-cred", NULL);
	assert_ok(&r, r.argc);
	assert_int_equal(d.top, 100);
	assert_string_equal(d.output, "file");
	assert_int_equal(d.color, 0);
	done(&r);
	/* an unambiguous prefix of a long name, as getopt_long allows */
	r = parse(&spec, "demo", "--verb", "--out", "y", NULL);
	assert_ok(&r, r.argc);
	assert_true(d.verbose);
	assert_string_equal(d.output, "y");
	done(&r);
	/* inclusive integer bounds, (0, max] seconds, sizes in bytes and G */
	r = parse(&spec, "demo", "--timeout", "60", "--max-size", "4096", NULL);
	assert_ok(&r, r.argc);
	assert_true(d.timeout_s == 60);
	assert_int_equal(d.size, 4096);
	done(&r);
	r = parse(&spec, "demo", "--max-size", "1G", NULL);
	assert_ok(&r, r.argc);
	assert_int_equal(d.size, 1 << 30);
	done(&r);
}

static void test_bad_values(void **state)
{
	(void)state;
	assert_error(parse(&spec, "demo", "--top", "101", NULL),
		     "demo: --top wants a number from 0 to 100, not '101'");
	assert_error(parse(&spec, "demo", "-t", "-1", NULL),
		     "demo: --top wants a number from 0 to 100, not '-1'");
	assert_error(parse(&spec, "demo", "--top", "0x10", NULL),
		     "demo: --top wants a number from 0 to 100, not '0x10'");
	assert_error(parse(&spec, "demo", "--top", "", NULL),
		     "demo: --top wants a number from 0 to 100, not ''");
	assert_error(parse(&spec, "demo", "--output", "", NULL),
		     "demo: --output wants a file name");
	assert_error(parse(&spec, "demo", "--timeout", "0", NULL),
		     "demo: --timeout wants a number of seconds > 0 and <= 60, not '0'");
	assert_error(parse(&spec, "demo", "--timeout", "60.5", NULL),
		     "demo: --timeout wants a number of seconds > 0 and <= 60, not '60.5'");
	assert_error(parse(&spec, "demo", "--alpha", "0.5", NULL),
		     "demo: --alpha wants a number in (0, 0.5), not '0.5'");
	assert_error(parse(&spec, "demo", "--alpha", "0", NULL),
		     "demo: --alpha wants a number in (0, 0.5), not '0'");
	assert_error(parse(&spec, "demo", "--alpha", "1e-3", NULL),
		     "demo: --alpha wants a number in (0, 0.5), not '1e-3'");
	assert_error(parse(&spec, "demo", "--max-size", "4095", NULL),
		     "demo: --max-size wants a size in bytes (or with K, M or G) from 4K to 1G, "
		     "not '4095'");
	assert_error(parse(&spec, "demo", "--max-size", "2G", NULL),
		     "demo: --max-size wants a size in bytes (or with K, M or G) from 4K to 1G, "
		     "not '2G'");
	assert_error(parse(&spec, "demo", "--max-size", "4k", NULL),
		     "demo: --max-size wants a size in bytes (or with K, M or G) from 4K to 1G, "
		     "not '4k'");
	assert_error(parse(&spec, "demo", "--color", "pink", NULL),
		     "demo: unknown --color 'pink'; use red, green or blue");
	assert_error(parse(&spec, "demo", "--shape", "oval", NULL),
		     "demo: unknown --shape 'oval'; use round or square");
	/* a custom parser's own line, and its exit status */
	assert_error(parse(&spec, "demo", "--shape", "triangle", NULL), "demo: triangles are out");
	/* the value's control characters do not break the line */
	assert_error(parse(&spec, "demo", "--color", "a\nb", NULL),
		     "demo: unknown --color 'a?b'; use red, green or blue");
}

static void test_bad_options(void **state)
{
	(void)state;
	assert_error(parse(&spec, "demo", "--bogus", NULL),
		     "demo: unknown option '--bogus'; see 'perfan-bpf demo --help'");
	assert_error(parse(&spec, "demo", "--bogus=1", NULL),
		     "demo: unknown option '--bogus=1'; see 'perfan-bpf demo --help'");
	assert_error(parse(&spec, "demo", "-q", NULL),
		     "demo: unknown option '-q'; see 'perfan-bpf demo --help'");
	assert_error(parse(&spec, "demo", "--top", NULL),
		     "demo: option '--top' needs a value; see 'perfan-bpf demo --help'");
	assert_error(parse(&spec, "demo", "-t", NULL),
		     "demo: option '-t' needs a value; see 'perfan-bpf demo --help'");
	assert_error(parse(&spec, "demo", "--verbose=yes", NULL),
		     "demo: option '--verbose' takes no value; see 'perfan-bpf demo --help'");
	assert_error(parse(&spec, "demo", "--loud=yes", NULL),
		     "demo: option '--loud' takes no value; see 'perfan-bpf demo --help'");
	assert_error(parse(&spec, "demo", "--help=yes", NULL),
		     "demo: option '--help' takes no value; see 'perfan-bpf demo --help'");
	/* ambiguous: --t could be --top or --timeout */
	assert_error(parse(&spec, "demo", "--t", "1", NULL),
		     "demo: unknown option '--t'; see 'perfan-bpf demo --help'");
	/* the first error wins, and it is the only line */
	assert_error(parse(&spec, "demo", "--top", "x", "--bogus", NULL),
		     "demo: --top wants a number from 0 to 100, not 'x'");
}

static const char demo_help[] = "usage: perfan-bpf demo FILE [--top N]\n"
				"                       [--verbose]\n"
				"\n"
				"Demonstrates the tables.\n"
				"\n"
				"  -v, --verbose           say more\n"
				"  -o, --output FILE       write there\n"
				"  -t, --top N             stacks to print\n"
				"                          (0 = all)\n"
				"      --timeout SEC       wait\n"
				"      --alpha A           level\n"
				"      --max-size SIZE     at most\n"
				"  -c, --color C           red or green\n"
				"      --shape S\n"
				"      --loud              shout\n"
				"      --a-very-long-option-name  one\n"
				"                          two\n"
				"  -h, --help              this text\n"
				"\n"
				"Exit status: 0 done; 2 error.\n";

static void test_help(void **state)
{
	struct result r;

	(void)state;
	r = parse(&spec, "demo", "--help", NULL);
	assert_int_equal(r.rc, OPTS_HELP);
	assert_int_equal(opts__status(r.rc), 0);
	assert_string_equal(r.out, demo_help);
	assert_string_equal(r.err, "");
	done(&r);
	/* -h, after other options and arguments; nothing after it is looked at */
	r = parse(&spec, "demo", "file", "-v", "-h", "--bogus", NULL);
	assert_int_equal(r.rc, OPTS_HELP);
	assert_string_equal(r.out, demo_help);
	assert_string_equal(r.err, "");
	done(&r);
	/* but an error before it is reported */
	assert_error(parse(&spec, "demo", "--bogus", "--help", NULL),
		     "demo: unknown option '--bogus'; see 'perfan-bpf demo --help'");
	assert_int_equal(opts__status(2), 2);
}

static void test_help_minimal(void **state)
{
	static const struct opt none[] = { {} };
	static const struct cmd_spec bare = { .name = "baseline save", .opts = none };
	struct result r;

	(void)state;
	r = parse(&bare, "save", "-h", NULL);
	assert_int_equal(r.rc, OPTS_HELP);
	assert_string_equal(r.out, "usage: perfan-bpf baseline save\n"
				   "\n"
				   "  -h, --help              this text\n");
	done(&r);
	/* the name as shown in the errors */
	assert_error(parse(&bare, "save", "-x", NULL),
		     "baseline save: unknown option '-x'; see 'perfan-bpf baseline save --help'");
	r = parse(&bare, "save", "a", "b", NULL);
	assert_ok(&r, 1);
	done(&r);
}

static void test_positional_anywhere(void **state)
{
	struct result r;

	(void)state;
	/* before, between and after the options: permuted to the end, in order */
	r = parse(&spec, "demo", "a.session", "-t", "3", "before", "--verbose", "after", NULL);
	assert_ok(&r, 4);
	assert_int_equal(d.top, 3);
	assert_true(d.verbose);
	assert_string_equal(r.argv[4], "a.session");
	assert_string_equal(r.argv[5], "before");
	assert_string_equal(r.argv[6], "after");
	done(&r);
	/* "--" ends the options: what follows is positional even if it looks like one */
	r = parse(&spec, "demo", "-v", "--", "-t", "x", NULL);
	assert_ok(&r, 3);
	assert_int_equal(d.top, 10);
	assert_string_equal(r.argv[3], "-t");
	done(&r);
}

static void test_stop_at_nonopt(void **state)
{
	struct cmd_spec stop = spec;
	struct result r;

	(void)state;
	stop.stop_at_nonopt = true;
	/* the command's own options are left alone */
	r = parse(&stop, "demo", "-v", "--", "ls", "-t", "1", NULL);
	assert_ok(&r, 3);
	assert_string_equal(r.argv[2], "--");
	assert_string_equal(r.argv[3], "ls");
	assert_string_equal(r.argv[4], "-t");
	assert_int_equal(d.top, 10);
	done(&r);
	/* without "--" too: the first non-option ends the options */
	r = parse(&stop, "demo", "-t", "2", "ls", "-v", NULL);
	assert_ok(&r, 3);
	assert_int_equal(d.top, 2);
	assert_false(d.verbose);
	assert_string_equal(r.argv[3], "ls");
	done(&r);
	/* the errors still work in this mode */
	assert_error(parse(&stop, "demo", "-t", NULL),
		     "demo: option '-t' needs a value; see 'perfan-bpf demo --help'");
	assert_error(parse(&stop, "demo", "--verbose=1", NULL),
		     "demo: option '--verbose' takes no value; see 'perfan-bpf demo --help'");
}

static void test_reparse(void **state)
{
	struct result r;

	(void)state;
	/* getopt's state is reset: a second parse starts from argv[1] */
	assert_error(parse(&spec, "demo", "--top", "x", NULL),
		     "demo: --top wants a number from 0 to 100, not 'x'");
	r = parse(&spec, "demo", "-t", "7", NULL);
	assert_ok(&r, 3);
	assert_int_equal(d.top, 7);
	done(&r);
}

static void test_unbounded_ranges(void **state)
{
	const char *text = NULL;
	uint64_t v = 0;
	const struct opt big[] = {
		{ .name = "count",
		  .kind = OPT_U64,
		  .arg = "N",
		  .dest = &v,
		  .max = INT64_MAX,
		  .wants = "a number of objects" },
		{ .name = "least",
		  .kind = OPT_U64,
		  .arg = "N",
		  .dest = &v,
		  .min = 2,
		  .max = UINT64_MAX },
		{ .name = "pid",
		  .kind = OPT_U64,
		  .arg = "PID",
		  .dest = &v,
		  .min = 1,
		  .max = INT_MAX,
		  .wants = "a process id" },
		{ .name = "label", .kind = OPT_TEXT, .arg = "TEXT", .dest = &text },
		{},
	};
	const struct cmd_spec s = { .name = "big", .opts = big };
	struct result r;

	(void)state;
	/* a limit at INT_MAX or above is not advice: the error leaves it out */
	assert_error(parse(&s, "big", "--count", "lots", NULL),
		     "big: --count wants a number of objects, not 'lots'");
	assert_error(parse(&s, "big", "--least", "1", NULL),
		     "big: --least wants a number of at least 2, not '1'");
	assert_error(parse(&s, "big", "--pid", "0", NULL),
		     "big: --pid wants a process id, not '0'");
	assert_error(parse(&s, "big", "--pid", "2147483648", NULL),
		     "big: --pid wants a process id, not '2147483648'");
	r = parse(&s, "big", "--count", "9223372036854775807", NULL);
	assert_ok(&r, 3);
	assert_true(v == INT64_MAX);
	done(&r);
	/* a text row takes the empty value; a string row does not */
	r = parse(&s, "big", "--label", "", NULL);
	assert_ok(&r, 3);
	assert_non_null(text);
	assert_string_equal(text, "");
	done(&r);
}

static void test_too_many_rows(void **state)
{
	struct opt many[OPTS_MAX_ROWS + 2] = {};
	char names[OPTS_MAX_ROWS + 1][8];
	struct cmd_spec s = { .name = "many", .opts = many };

	(void)state;
	for (int i = 0; i <= OPTS_MAX_ROWS; i++) {
		snprintf(names[i], sizeof(names[i]), "o%d", i);
		many[i] = (struct opt){ .name = names[i], .kind = OPT_FLAG };
	}
	assert_error(parse(&s, "many", NULL), "many: more than 48 options in its table");
}

static void test_parse_bytes(void **state)
{
	static const char *const bad[] = {
		"",   "K",  "1KB",  "1k",   "-1K", "+1",
		" 1", "1 ", "0x10", "1.5M", "1T",  "99999999999999999999"
	};
	uint64_t v = 7;

	(void)state;
	assert_int_equal(cli__parse_bytes("0", 0, 100, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cli__parse_bytes("4096", 4096, 1ull << 50, &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(cli__parse_bytes("4K", 4096, 1ull << 50, &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(cli__parse_bytes("3M", 0, 1ull << 50, &v), 0);
	assert_int_equal(v, 3 << 20);
	assert_int_equal(cli__parse_bytes("1048576G", 0, 1ull << 50, &v), 0);
	assert_true(v == 1ull << 50);
	/* below min, above max, and what would wrap when shifted */
	v = 7;
	assert_int_equal(cli__parse_bytes("4095", 4096, 1ull << 50, &v), -EINVAL);
	assert_int_equal(cli__parse_bytes("3K", 4096, 1ull << 50, &v), -EINVAL);
	assert_int_equal(cli__parse_bytes("1048577G", 0, 1ull << 50, &v), -EINVAL);
	assert_int_equal(cli__parse_bytes("17179869184G", 0, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(cli__parse_bytes(NULL, 0, 100, &v), -EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cli__parse_bytes(bad[i], 0, UINT64_MAX, &v) != -EINVAL)
			fail_msg("parse_bytes took '%s'", bad[i]);
	assert_int_equal(v, 7); /* untouched on error */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_stay),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_help_minimal),
		cmocka_unit_test(test_positional_anywhere),
		cmocka_unit_test(test_stop_at_nonopt),
		cmocka_unit_test(test_reparse),
		cmocka_unit_test(test_unbounded_ranges),
		cmocka_unit_test(test_too_many_rows),
		cmocka_unit_test(test_parse_bytes),
	};

	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
