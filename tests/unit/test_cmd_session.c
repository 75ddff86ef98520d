// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the `diff`, `trend` and `report` commands (cmd_session.h) on session files
 * written with the session writer: output and exit status of each command, options before and
 * after the positional arguments, --fail-on-leak, and every user error: exit 2 with exactly
 * one line on stderr that starts "perfan-bpf: " and nothing on stdout. A file whose last
 * record was cut is read with a one-line warning. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "cli/cmd_session.h"
#include "session/session_file.h"
#include "session_fixture.h"

static char dir[64];
static char small[128], two[128], cut[128], empty[128], notsession[128];

struct run {
	int rc;
	char *out, *err;
};

static char *slurp_fd(int fd)
{
	off_t n = lseek(fd, 0, SEEK_END);
	char *buf = malloc((size_t)n + 1);

	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, (size_t)n, 0), n);
	buf[n] = '\0';
	return buf;
}

/* An unnamed file in the test directory (mkstemp, then unlinked) */
static int scratch_fd(void)
{
	char path[160];
	int fd;

	snprintf(path, sizeof(path), "%s/capture.XXXXXX", dir);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	return fd;
}

/* Runs cmd with the arguments (NULL-terminated) with stdout and stderr captured */
static struct run run(int (*cmd)(int, char **), const char *name, ...)
{
	char *argv[32];
	int argc = 0, out_fd, err_fd, save_out, save_err;
	struct run r;
	va_list ap;

	argv[argc++] = strdup(name);
	va_start(ap, name);
	for (const char *a; (a = va_arg(ap, const char *));)
		argv[argc++] = strdup(a);
	va_end(ap);
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	out_fd = scratch_fd();
	err_fd = scratch_fd();
	save_out = dup(1);
	save_err = dup(2);
	dup2(out_fd, 1);
	dup2(err_fd, 2);
	r.rc = cmd(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(save_out, 1);
	dup2(save_err, 2);
	close(save_out);
	close(save_err);
	r.out = slurp_fd(out_fd);
	r.err = slurp_fd(err_fd);
	close(out_fd);
	close(err_fd);
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return r;
}

static void done(struct run *r)
{
	free(r->out);
	free(r->err);
}

/* Exit 2, nothing on stdout, one line on stderr that starts "perfan-bpf: " and holds want */
static void assert_user_error(struct run r, const char *want)
{
	if (r.rc != 2 || r.out[0] || strncmp(r.err, "perfan-bpf: ", 12) ||
	    strchr(r.err, '\n') != r.err + strlen(r.err) - 1 || !strstr(r.err, want))
		fail_msg("rc %d, stdout '%s', stderr '%s'; want 2 and one line with '%s'", r.rc,
			 r.out, r.err, want);
	done(&r);
}

static void write_session(struct session *s, const char *path, size_t snaps)
{
	struct session_writer *w;

	assert_int_equal(session_writer__open(path, true, s, &w), 0);
	for (size_t i = 0; i < snaps; i++)
		assert_int_equal(session_writer__append(w, s, &s->snaps[i]), 0);
	assert_int_equal(session_writer__close(w), 0);
}

static int setup(void **state)
{
	/* stack 1 leaks 1000 objects of 10 bytes per snapshot; stack 2 comes and goes */
	const struct fx_row r0[] = { { 9, 1, 10000, 1000, 10000, 1000 }, { 9, 2, 500, 5, 500, 5 } };
	const struct fx_row r1[] = { { 9, 1, 20000, 2000, 20000, 2000 }, { 9, 2, 0, 0, 500, 5 } };
	const struct fx_row r2[] = { { 9, 1, 30000, 3000, 30000, 3000 },
				     { 9, 2, 500, 5, 1000, 10 } };
	struct session s;
	size_t len;
	char *bytes;
	FILE *f;
	(void)state;

	strcpy(dir, "/tmp/perfan-test-cmd.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(small, sizeof(small), "%s/small.session", dir);
	snprintf(two, sizeof(two), "%s/two.session.gz", dir);
	snprintf(cut, sizeof(cut), "%s/cut.session", dir);
	snprintf(empty, sizeof(empty), "%s/empty.session", dir);
	snprintf(notsession, sizeof(notsession), "%s/notes.txt", dir);
	fx_init(&s, 9, "/lib/libc.so.6");
	fx_stack(&s, 9, 1, "/bin/srv", "keep_sessions", "/src/server.c", 212);
	fx_snap(&s, "before", r0, 2);
	fx_snap(&s, "during", r1, 2);
	fx_snap(&s, "after", r2, 2);
	write_session(&s, small, 3);
	write_session(&s, two, 2);
	write_session(&s, empty, 0);
	session__free(&s);
	/* the small session with its last record cut half-way */
	f = fopen(small, "rb");
	assert_non_null(f);
	bytes = malloc(1 << 16);
	len = fread(bytes, 1, 1 << 16, f);
	fclose(f);
	f = fopen(cut, "wb");
	fwrite(bytes, 1, len - 40, f);
	fclose(f);
	free(bytes);
	f = fopen(notsession, "w");
	fputs("not a session\n", f);
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_diff(void **state)
{
	struct run r;
	json_t *doc;
	(void)state;

	/* first and last by default */
	r = run(cmd__diff, "diff", small, NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.err, "");
	assert_memory_equal(r.out, "Diff \"before\" (#0) → \"after\" (#2) of pid 9, 2.0 s apart\n",
			    strlen("Diff \"before\" (#0) → \"after\" (#2) of pid 9, 2.0 s apart\n"));
	assert_non_null(strstr(r.out, "  leak suspected: YES: +2000 objects is above the "
				      "threshold of 1000\n"));
	assert_non_null(strstr(r.out, "    keep_sessions (server.c:212)\n"));
	done(&r);
	/* labels and options in any order; JSON */
	r = run(cmd__diff, "diff", "--format", "json", small, "before", "during",
		"--leak-threshold=999", NULL);
	assert_int_equal(r.rc, 0);
	doc = json_loads(r.out, 0, NULL);
	assert_non_null(doc);
	assert_int_equal(json_integer_value(json_object_get(doc, "object_delta")), 995);
	assert_int_equal(json_integer_value(json_object_get(doc, "byte_delta")), 9500);
	assert_true(json_is_false(json_object_get(doc, "leak_suspected")));
	assert_int_equal(json_integer_value(json_object_get(doc, "leak_threshold")), 999);
	assert_int_equal(json_array_size(json_object_get(doc, "stacks")), 2);
	json_decref(doc);
	done(&r);
	/* --top in JSON */
	r = run(cmd__diff, "diff", small, "-f", "json", "-t", "1", NULL);
	doc = json_loads(r.out, 0, NULL);
	assert_int_equal(json_array_size(json_object_get(doc, "stacks")), 1);
	json_decref(doc);
	done(&r);
	/* --fail-on-leak: 1 when suspected, 0 when not */
	r = run(cmd__diff, "diff", small, "--fail-on-leak", NULL);
	assert_int_equal(r.rc, 1);
	assert_string_equal(r.err, "");
	done(&r);
	r = run(cmd__diff, "diff", small, "--fail-on-leak", "--leak-threshold", "2000", NULL);
	assert_int_equal(r.rc, 0);
	done(&r);
	/* the same label twice, and a gzip file */
	r = run(cmd__diff, "diff", small, "after", "after", NULL);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "\nNo stack's live memory changed.\n"));
	done(&r);
	r = run(cmd__diff, "diff", two, "--fail-on-leak", "-T", "0", NULL);
	assert_int_equal(r.rc, 1);
	done(&r);
	r = run(cmd__diff, "diff", "--help", NULL);
	assert_int_equal(r.rc, 0);
	assert_memory_equal(r.out, "usage: perfan-bpf diff SESSION_FILE", 35);
	done(&r);
}

static void test_diff_errors(void **state)
{
	char missing[160];
	(void)state;

	snprintf(missing, sizeof(missing), "%s/nope.session", dir);
	assert_user_error(run(cmd__diff, "diff", NULL), "diff: no session file given");
	assert_user_error(run(cmd__diff, "diff", small, "before", NULL),
			  "diff: give two labels, or none for the first and last");
	assert_user_error(run(cmd__diff, "diff", small, "a", "b", "c", NULL),
			  "diff: too many arguments");
	assert_user_error(run(cmd__diff, "diff", missing, NULL), "No such file or directory");
	assert_user_error(run(cmd__diff, "diff", dir, NULL), "Is a directory");
	assert_user_error(run(cmd__diff, "diff", notsession, NULL),
			  "record 1: not a perfan-bpf session file");
	assert_user_error(run(cmd__diff, "diff", empty, NULL), "holds no snapshot yet");
	assert_user_error(run(cmd__diff, "diff", small, "before", "nope", NULL),
			  "no snapshot labelled 'nope' in");
	assert_user_error(run(cmd__diff, "diff", small, "before", "nope", NULL),
			  "its labels: 'before', 'during', 'after'");
	assert_user_error(run(cmd__diff, "diff", small, "--format", "xml", NULL),
			  "diff: unknown --format 'xml'; use text, json, folded, pprof or svg");
	assert_user_error(run(cmd__diff, "diff", small, "--top", "-1", NULL),
			  "diff: --top wants a number");
	assert_user_error(run(cmd__diff, "diff", small, "--leak-threshold", "lots", NULL),
			  "diff: --leak-threshold wants a number of objects, not 'lots'");
	assert_user_error(run(cmd__diff, "diff", small, "--label", "x", NULL),
			  "diff: unknown option '--label'");
	assert_user_error(run(cmd__diff, "diff", small, "--bogus", NULL),
			  "diff: unknown option '--bogus'");
	assert_user_error(run(cmd__diff, "diff", small, "-q", NULL), "diff: unknown option '-q'");
	assert_user_error(run(cmd__diff, "diff", small, "--format", NULL),
			  "diff: option '--format' needs a value");
	assert_user_error(run(cmd__diff, "diff", small, "--fail-on-leak=yes", NULL),
			  "diff: option '--fail-on-leak' takes no value");
	assert_user_error(run(cmd__diff, "diff", small, "--bogus=1", NULL),
			  "diff: unknown option '--bogus=1'");
}

static void test_truncated_file_warns(void **state)
{
	struct run r;
	(void)state;

	r = run(cmd__diff, "diff", cut, NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(strncmp(r.out, "Diff \"before\" (#0) → \"during\" (#1)",
				 strlen("Diff \"before\" (#0) → \"during\" (#1)")),
			 0);
	assert_string_equal(strchr(r.err, '\n'), "\n");
	assert_memory_equal(r.err, "perfan-bpf: warning: ", 21);
	assert_non_null(strstr(r.err, "ends in a record cut mid-write (a killed session?); using "
				      "the 2 complete snapshots before it\n"));
	done(&r);
	/* two snapshots are too few for a trend: the error alone, no warning before it */
	assert_user_error(run(cmd__trend, "trend", cut, NULL),
			  "a trend needs at least 3 (use 'perfan-bpf diff' for two)");
}

static void test_trend(void **state)
{
	struct run r;
	json_t *doc;
	(void)state;

	r = run(cmd__trend, "trend", small, NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.err, "");
	assert_non_null(strstr(r.out, "  keep_sessions (server.c:212): 9.8 KiB → 29.3 KiB over 3 "
				      "snapshots, +9.8 KiB per snapshot (+34.3 MiB per hour), grew "
				      "in 2/2 intervals — leak\n"));
	done(&r);
	r = run(cmd__trend, "trend", "--fail-on-leak", small, "--format", "json", NULL);
	assert_int_equal(r.rc, 1);
	doc = json_loads(r.out, 0, NULL);
	assert_non_null(doc);
	assert_true(json_is_true(json_object_get(doc, "leak_suspected")));
	assert_int_equal(json_array_size(json_object_get(doc, "stacks")), 2);
	json_decref(doc);
	done(&r);
	assert_user_error(run(cmd__trend, "trend", two, NULL),
			  "holds 2 snapshots; a trend needs at least 3");
	assert_user_error(run(cmd__trend, "trend", small, "--top", "3", NULL),
			  "trend: unknown option '--top'");
	assert_user_error(run(cmd__trend, "trend", NULL), "trend: no session file given");
	assert_user_error(run(cmd__trend, "trend", small, small, NULL),
			  "trend: too many arguments");
	r = run(cmd__trend, "trend", "-h", NULL);
	assert_int_equal(r.rc, 0);
	assert_memory_equal(r.out, "usage: perfan-bpf trend", 23);
	done(&r);
}

static void test_report(void **state)
{
	struct run r;
	json_t *doc;
	(void)state;

	r = run(cmd__report, "report", small, NULL);
	assert_int_equal(r.rc, 0);
	assert_memory_equal(r.out, "Snapshot \"after\" (#2 of 3) of ", 30);
	assert_non_null(strstr(r.out, "\nReport for pid 9 after 2.0 s\n"));
	done(&r);
	r = run(cmd__report, "report", small, "--label", "during", "--format", "json", NULL);
	assert_int_equal(r.rc, 0);
	doc = json_loads(r.out, 0, NULL);
	assert_non_null(doc);
	assert_int_equal(json_integer_value(
				 json_object_get(json_object_get(doc, "totals"), "live_bytes")),
			 20000);
	/* the leak report's JSON: stacks with nothing live are left out */
	assert_int_equal(json_array_size(json_object_get(doc, "stacks")), 1);
	json_decref(doc);
	done(&r);
	r = run(cmd__report, "report", small, "-l", "before", "-t", "1", NULL);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "(1 more stacks with live memory; --top 0 shows all)"));
	done(&r);
	assert_user_error(run(cmd__report, "report", small, "--label", "x", NULL),
			  "report: no snapshot labelled 'x'");
	assert_user_error(run(cmd__report, "report", small, "--leak-threshold", "3", NULL),
			  "report: unknown option '--leak-threshold'");
	assert_user_error(run(cmd__report, "report", small, "--fail-on-leak", NULL),
			  "report: unknown option '--fail-on-leak'");
	assert_user_error(run(cmd__report, "report", small, "-f", "png", NULL),
			  "report: unknown --format 'png'; use text, json, folded, pprof, svg or html");
	assert_user_error(run(cmd__report, "report", empty, NULL), "holds no snapshot yet");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_diff_errors),
		cmocka_unit_test(test_truncated_file_warns),
		cmocka_unit_test(test_trend),
		cmocka_unit_test(test_report),
	};

	return cmocka_run_group_tests_name("cmd_session", tests, setup, teardown);
}
