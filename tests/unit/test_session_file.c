// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of session_file.h: a session written and read back (plain and gzip) equals the
 * original field by field, frames and strings byte for byte; so do the schema 1 files of the
 * same sessions (tests/fixtures/session/v1/, written by the schema 1 writer); a file cut
 * inside its last record (at several offsets, plain and gzip) keeps the snapshots before it
 * and says so; snapshots written as the rows that changed read back whole; corrupt records
 * (of either schema), corrupt gzip data, foreign files and newer schema versions are refused
 * with the expected one-line reason. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>
#include "analysis/report.h"
#include "lib/sanitize.h"
#include "output/report_format.h"
#include "session/session.h"
#include "session/session_file.h"
#include "session_fixture.h"

/* files of schema 1, from the writer of that schema (the sessions of rich_session,
 * three_snapshots and growth_session below) */
#define FIXV1 "tests/fixtures/session/v1/"

static char tmpdir[64];

static int setup_dir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/perfan-test-sf.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[128];
	(void)state;

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *path_of(const char *name)
{
	static char buf[4][128];
	static int next;
	char *p = buf[next++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", tmpdir, name);
	return p;
}

/* ---- files as bytes ---- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void spit(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* ---- the session written in most tests ---- */

static const char *const command = "server --name \"q\\uote\" \t tab ünï 日本語 🙂";
static const char *const allocator = "/usr/lib/x86_64-linux-gnu/libc.so.6";

static void rich_session(struct session *s)
{
	struct frame *f = calloc(3, sizeof(*f)), *g = calloc(1, sizeof(*g));
	const struct fx_row before[] = {
		{ 4242, 7, 4096, 4, 8192, 8 },
		{ 4242, 1ULL << 52, 1, 1, 1, 1 },
	};
	const struct fx_row after[] = {
		{ 4242, 7, INT64_MAX, INT64_MAX - 1, INT64_MAX, INT64_MAX },
		{ 4242, 1ULL << 52, 0, 0, 1, 1 },
		{ 4242, 0, 64, 2, 128, 4 },
	};
	struct snapshot *sn;

	fx_init(s, 4242, allocator);
	assert_non_null(s->command = strdup(command));
	s->start_wall_ns = 1700000000123456789LL;
	assert_non_null(f);
	assert_non_null(g);
	f[0] = (struct frame){ .address = 0x7f0000001234,
			       .module = session__intern(s, allocator),
			       .build_id = "0123abcd",
			       .function = session__intern(s, "malloc"),
			       .offset = 0x24 };
	f[1] = (struct frame){ .address = 0x55550000beef,
			       .module = session__intern(s, "/srv/my app/bin\\x"),
			       .build_id = "",
			       .function =
				       session__intern(s, "keep_sessions<std::string, \"x\">\n"),
			       .offset = 0x1f,
			       .file = session__intern(s, "/src/ß/server.c"),
			       .line = 212,
			       .inlined = true };
	f[2] = (struct frame){ .address = UINT64_MAX, .build_id = "" };
	assert_int_equal(stacktab__put(s->stacks, 4242, 7, f, 3), 0);
	g[0] = (struct frame){ .address = 0x401000,
			       .module = session__intern(s, "/bin/a"),
			       .build_id = "",
			       .offset = 0x1000,
			       .file = session__intern(s, "a.c") };
	assert_int_equal(stacktab__put(s->stacks, 4242, 1ULL << 52, g, 1), 0);
	/* a stack whose frame walk stopped early keeps that mark through the file */
	assert_int_equal(stacktab__set_truncated(s->stacks, 4242, 1ULL << 52, true), 0);
	/* stack id 0 (no stack captured) has no frames */
	assert_int_equal(stacktab__put(s->stacks, 4242, 0, NULL, 0), 0);

	sn = fx_snap(s, "before", before, 2);
	sn->mem_known = true;
	sn->rss_bytes = 123456789;
	sn->anon_bytes = 0;
	/* a leak session keeps the exact gear's counters (report_lost__applies) */
	for (int k = 0; k < REPORT_LOST_PROCS_MAP_FULL; k++)
		sn->lost[k] = (uint64_t)k * 1000 + 1;
	sn->wall_ns = -5;
	sn->elapsed_s = 0.1;
	sn = fx_snap(s, "after-load ✓", after, 3);
	sn->lost[REPORT_LOST_UNMATCHED_FREES] = INT64_MAX;
	sn->elapsed_s = 1e-9;
	sn = fx_snap(s, "", NULL, 0);
	sn->mem_known = true;
	sn->rss_bytes = INT64_MAX;
	sn->anon_bytes = INT64_MAX;
	sn->pid = 0;
	sn->mono_ns = INT64_MIN;
}

static void write_session(const struct session *s, const char *path)
{
	struct session_writer *w = NULL;

	assert_int_equal(session_writer__open(path, true, s, &w), 0);
	for (size_t i = 0; i < s->snap_cnt; i++)
		assert_int_equal(session_writer__append(w, s, &s->snaps[i]), 0);
	assert_int_equal(session_writer__close(w), 0);
}

static void assert_str_eq(const char *a, const char *b)
{
	if (!a || !b) {
		assert_ptr_equal(a, b);
		return;
	}
	assert_string_equal(a, b);
}

static void assert_frames_equal(const struct stack_entry *a, const struct stack_entry *b)
{
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->frame_cnt, b->frame_cnt);
	for (size_t i = 0; i < a->frame_cnt; i++) {
		const struct frame *x = &a->frames[i], *y = &b->frames[i];

		assert_int_equal(x->address, y->address);
		assert_str_eq(x->module, y->module);
		assert_str_eq(x->build_id, y->build_id);
		assert_str_eq(x->function, y->function);
		assert_int_equal(x->offset, y->offset);
		assert_str_eq(x->file, y->file);
		assert_int_equal(x->line, y->line);
		assert_int_equal(x->inlined, y->inlined);
	}
}

static void assert_snap_equal(const struct snapshot *a, const struct snapshot *b)
{
	assert_string_equal(a->label, b->label);
	assert_int_equal(a->seq, b->seq);
	assert_int_equal(a->wall_ns, b->wall_ns);
	assert_int_equal(a->mono_ns, b->mono_ns);
	assert_true(a->elapsed_s == b->elapsed_s);
	assert_int_equal(a->pid, b->pid);
	assert_int_equal(a->mem_known, b->mem_known);
	if (a->mem_known) {
		assert_int_equal(a->rss_bytes, b->rss_bytes);
		assert_int_equal(a->anon_bytes, b->anon_bytes);
	}
	assert_memory_equal(a->lost, b->lost, sizeof(a->lost));
	assert_memory_equal(&a->totals, &b->totals, sizeof(a->totals));
	assert_int_equal(a->row_cnt, b->row_cnt);
	for (size_t i = 0; i < a->row_cnt; i++) {
		assert_int_equal(a->rows[i].pid, b->rows[i].pid);
		assert_int_equal(a->rows[i].stack_id, b->rows[i].stack_id);
		assert_memory_equal(&a->rows[i].counts, &b->rows[i].counts,
				    sizeof(a->rows[i].counts));
	}
}

static void assert_sessions_equal(const struct session *a, const struct session *b, int version)
{
	assert_int_equal(b->schema_version, version);
	assert_int_equal(a->pid, b->pid);
	/* JSON keeps every byte; the reader then sanitizes the text a file brings in: the
	 * command's tab reads back as '?' (sanitize.h) */
	if (a->command) {
		char *clean = strdup(a->command);

		assert_non_null(clean);
		sanitize__str(clean);
		assert_str_eq(clean, b->command);
		assert_non_null(strchr(a->command, '\t'));
		assert_null(strchr(b->command, '\t'));
		free(clean);
	} else {
		assert_null(b->command);
	}
	assert_str_eq(a->allocator, b->allocator);
	assert_int_equal(a->start_wall_ns, b->start_wall_ns);
	assert_int_equal(a->snap_cnt, b->snap_cnt);
	for (size_t i = 0; i < a->snap_cnt; i++)
		assert_snap_equal(&a->snaps[i], &b->snaps[i]);
	assert_int_equal(stacktab__cnt(b->stacks), 3);
	assert_frames_equal(stacktab__get(a->stacks, 4242, 7), stacktab__get(b->stacks, 4242, 7));
	assert_frames_equal(stacktab__get(a->stacks, 4242, 1ULL << 52),
			    stacktab__get(b->stacks, 4242, 1ULL << 52));
	assert_frames_equal(stacktab__get(a->stacks, 4242, 0), stacktab__get(b->stacks, 4242, 0));
	assert_true(stacktab__get(b->stacks, 4242, 1ULL << 52)->truncated);
	assert_false(stacktab__get(b->stacks, 4242, 7)->truncated);
}

static void round_trip(const char *name, bool want_gzip)
{
	struct session s, back;
	struct session_read_info info;
	const char *path = path_of(name);
	size_t len;
	char *bytes;

	rich_session(&s);
	write_session(&s, path);
	bytes = slurp(path, &len);
	assert_true(len > 2);
	if (want_gzip) {
		assert_int_equal((unsigned char)bytes[0], 0x1f);
		assert_int_equal((unsigned char)bytes[1], 0x8b);
	} else {
		assert_memory_equal(bytes, "{\"type\":\"perfan-session\",\"schema_version\":2,",
				    44);
		assert_int_equal(bytes[len - 1], '\n');
	}
	free(bytes);
	assert_int_equal(session_file__read(path, &back, &info), 0);
	assert_string_equal(info.error.msg, "");
	assert_false(info.truncated_tail);
	/* header; strings, modules, stacks and the first snapshot; stacks (stack 0, no frames)
	 * and the second; the third (no new stack) */
	assert_int_equal(info.records, 8);
	assert_sessions_equal(&s, &back, SESSION_SCHEMA_VERSION);
	/* the frames point at strings the session owns, equal byte for byte but for what
	 * the reader sanitizes: the newline written is read back as '?' (sanitize.h) */
	assert_string_equal(stacktab__get(back.stacks, 4242, 7)->frames[1].function,
			    "keep_sessions<std::string, \"x\">?");
	assert_string_equal(back.snaps[1].label, "after-load ✓");
	session__free(&back);
	session__free(&s);
}

static void test_round_trip_plain(void **state)
{
	(void)state;
	round_trip("plain.session", false);
}

static void test_round_trip_gzip(void **state)
{
	(void)state;
	round_trip("packed.session.gz", true);
}

/* The same session in a file of schema 1 reads back the same */
static void test_round_trip_v1(void **state)
{
	struct session s, back;
	struct session_read_info info;
	(void)state;

	rich_session(&s);
	assert_int_equal(session_file__read(FIXV1 "rich.session", &back, &info), 0);
	assert_string_equal(info.error.msg, "");
	assert_false(info.truncated_tail);
	/* header, two stacks records, three snapshots */
	assert_int_equal(info.records, 6);
	assert_sessions_equal(&s, &back, 1);
	assert_string_equal(stacktab__get(back.stacks, 4242, 7)->frames[1].function,
			    "keep_sessions<std::string, \"x\">?");
	session__free(&back);
	session__free(&s);
}

/* A header only: a session that ended before its first snapshot */
static void test_header_only(void **state)
{
	struct session s, back;
	struct session_read_info info;
	struct session_writer *w;
	(void)state;

	fx_init(&s, 9, NULL);
	assert_int_equal(session_writer__open(path_of("empty.session"), true, &s, &w), 0);
	assert_int_equal(session_writer__close(w), 0);
	assert_int_equal(session_file__read(path_of("empty.session"), &back, &info), 0);
	assert_int_equal(back.snap_cnt, 0);
	assert_int_equal(back.pid, 9);
	assert_null(back.allocator);
	assert_null(back.command);
	assert_int_equal(info.records, 1);
	session__free(&back);
	session__free(&s);
}

/* ---- truncation ---- */

/* Three snapshots, the last one bringing a new stack: the file ends with a stacks record
 * and a snapshot record */
static void three_snapshots(struct session *s)
{
	const struct fx_row r0[] = { { 1, 10, 100, 1, 100, 1 } };
	const struct fx_row r2[] = { { 1, 10, 300, 3, 300, 3 }, { 1, 11, 50, 5, 50, 5 } };

	fx_init(s, 1, "/lib/libc.so.6");
	fx_stack(s, 1, 10, "/bin/srv", "keep", "srv.c", 10);
	fx_stack(s, 1, 11, "/bin/srv", "late", NULL, 0);
	fx_snap(s, "s0", r0, 1);
	fx_snap(s, "s1", r0, 1);
	fx_snap(s, "s2", r2, 2);
}

static void assert_reads_cut(const char *path, size_t want_snaps, bool want_truncated)
{
	struct session back;
	struct session_read_info info;

	assert_int_equal(session_file__read(path, &back, &info), 0);
	assert_string_equal(info.error.msg, "");
	assert_int_equal(back.snap_cnt, want_snaps);
	assert_int_equal(info.truncated_tail, want_truncated);
	for (size_t i = 0; i < back.snap_cnt; i++) {
		char label[32];

		snprintf(label, sizeof(label), "s%zu", i);
		assert_string_equal(back.snaps[i].label, label);
	}
	if (want_snaps >= 2)
		assert_int_equal(back.snaps[1].rows[0].counts.live_bytes, 100);
	session__free(&back);
}

static void test_truncated_plain(void **state)
{
	struct session s;
	size_t len, last, prev;
	char *bytes;
	(void)state;

	three_snapshots(&s);
	write_session(&s, path_of("cut.session"));
	bytes = slurp(path_of("cut.session"), &len);
	/* starts of the last two records (the stacks record of s2, then s2 itself) */
	assert_int_equal(bytes[len - 1], '\n');
	last = len - 1;
	while (bytes[last - 1] != '\n')
		last--;
	prev = last - 1;
	while (bytes[prev - 1] != '\n')
		prev--;
	assert_memory_equal(bytes + last, "{\"type\":\"snapshot\"", 18);
	assert_memory_equal(bytes + prev, "{\"type\":\"stacks\"", 16);
	/* cut inside the last record: at its first byte, a few in, half-way, its last byte */
	const size_t cuts[] = { last + 1, last + 7, last + (len - last) / 2, len - 2 };
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		spit(path_of("cut-n.session"), bytes, cuts[i]);
		assert_reads_cut(path_of("cut-n.session"), 2, true);
	}
	/* cut inside the stacks record before it: s2 is lost with it */
	spit(path_of("cut-n.session"), bytes, prev + 20);
	assert_reads_cut(path_of("cut-n.session"), 2, true);
	/* cut on a record boundary: nothing was cut mid-record */
	spit(path_of("cut-n.session"), bytes, last);
	assert_reads_cut(path_of("cut-n.session"), 2, false);
	/* only the newline lost: the record is whole */
	spit(path_of("cut-n.session"), bytes, len - 1);
	assert_reads_cut(path_of("cut-n.session"), 3, false);
	/* the header itself cut: not a session file */
	{
		struct session back;
		struct session_read_info info;

		spit(path_of("cut-n.session"), bytes, 30);
		assert_int_equal(session_file__read(path_of("cut-n.session"), &back, &info),
				 -EINVAL);
		assert_non_null(strstr(info.error.msg, "record 1: not a perfan-bpf session file"));
		session__free(&back);
	}
	free(bytes);
	session__free(&s);
}

/* What zlib makes of the first `len` bytes of a gzip file: the decompressed bytes up to where
 * the input ends (or the data goes bad) */
static char *gunzip_prefix(const char *gz, size_t len, size_t *out_len)
{
	z_stream zs = { .next_in = (unsigned char *)gz, .avail_in = (unsigned)len };
	size_t cap = 1 << 16;
	char *out = malloc(cap);
	int rc;

	assert_non_null(out);
	assert_int_equal(inflateInit2(&zs, 31), Z_OK);
	zs.next_out = (unsigned char *)out;
	zs.avail_out = (unsigned)cap;
	do
		rc = inflate(&zs, Z_NO_FLUSH);
	while (rc == Z_OK && zs.avail_in && zs.avail_out);
	assert_true(zs.avail_out > 0); /* the test data is far smaller than the buffer */
	*out_len = zs.total_out;
	inflateEnd(&zs);
	return out;
}

/* Every cut of a gzip session after its second snapshot's records. A killed session leaves
 * such a file: what zlib can decompress of it must be read as the plain file of that text
 * would be: complete records kept, a cut last record ignored and reported. */
static void test_truncated_gzip(void **state)
{
	struct session s, two;
	size_t len, len2, common = 0, plain_len, truncated = 0;
	char *bytes, *bytes2, *plain;
	(void)state;

	three_snapshots(&s);
	write_session(&s, path_of("cut.session.gz"));
	write_session(&s, path_of("cut.session"));
	three_snapshots(&two);
	two.snap_cnt = 2; /* the same session as far as s1; session__free still frees s2 */
	write_session(&two, path_of("two.session.gz"));
	two.snap_cnt = 3;
	bytes = slurp(path_of("cut.session.gz"), &len);
	bytes2 = slurp(path_of("two.session.gz"), &len2);
	plain = slurp(path_of("cut.session"), &plain_len);
	/* the file of two snapshots (its end aside) is a prefix of the file of three: each
	 * record ends in a sync flush */
	while (common < len && common < len2 && bytes[common] == bytes2[common])
		common++;
	assert_true(common > 20);
	assert_true(common + 40 < len);
	/* the whole file, and the file without its gzip trailer */
	assert_reads_cut(path_of("cut.session.gz"), 3, false);
	spit(path_of("cut-n.session.gz"), bytes, len - 8);
	assert_reads_cut(path_of("cut-n.session.gz"), 3, false);
	for (size_t cut = common; cut < len - 8; cut++) {
		size_t text_len, lines = 0, snaps = 0, start = 0;
		char *text = gunzip_prefix(bytes, cut, &text_len);
		bool whole_last;

		/* zlib gives a prefix of the plain file */
		assert_true(text_len <= plain_len);
		assert_memory_equal(text, plain, text_len);
		for (size_t i = 0; i < text_len; i++)
			if (text[i] == '\n') {
				snaps += !strncmp(text + start, "{\"type\":\"snapshot\"", 18);
				lines++;
				start = i + 1;
			}
		/* a last line that lacks only its newline is a whole record */
		whole_last = start < text_len && text_len == plain_len - 1;
		spit(path_of("cut-n.session.gz"), bytes, cut);
		assert_reads_cut(path_of("cut-n.session.gz"), snaps + whole_last,
				 start < text_len && !whole_last);
		truncated += start < text_len && !whole_last;
		assert_true(lines >= 4);
		free(text);
	}
	/* most cuts fall inside a record */
	assert_true(truncated * 2 > len - 8 - common);
	free(plain);
	free(bytes);
	free(bytes2);
	session__free(&two);
	session__free(&s);
}

/* ---- refused files ---- */

static void assert_refused(const char *path, int want_rc, const char *fragment)
{
	struct session back;
	struct session_read_info info;
	int rc = session_file__read(path, &back, &info);

	if (rc != want_rc || !strstr(info.error.msg, fragment))
		fail_msg("read %s: rc %d, error '%s'; want rc %d and '%s'", path, rc,
			 info.error.msg, want_rc, fragment);
	assert_null(strchr(info.error.msg, '\n'));
	assert_false(info.truncated_tail);
	session__free(&back);
}

/* The file with the line holding `needle` changed by replacing `from` (its first occurrence
 * on that line) with `to` */
static void rewrite_line(const char *src, const char *dst, const char *needle, const char *from,
			 const char *to, size_t *line_no)
{
	size_t len, start, end, line = 1;
	char *bytes = slurp(src, &len), *hit = strstr(bytes, needle), *at;
	FILE *f;

	assert_non_null(hit);
	start = (size_t)(hit - bytes);
	while (start && bytes[start - 1] != '\n')
		start--;
	for (size_t i = 0; i < start; i++)
		line += bytes[i] == '\n';
	end = (size_t)(strchr(hit, '\n') - bytes);
	at = strstr(bytes + start, from);
	assert_non_null(at);
	assert_true((size_t)(at - bytes) < end);
	f = fopen(dst, "wb");
	assert_non_null(f);
	fwrite(bytes, 1, (size_t)(at - bytes), f);
	fputs(to, f);
	fwrite(at + strlen(from), 1, len - (size_t)(at - bytes) - strlen(from), f);
	assert_int_equal(fclose(f), 0);
	free(bytes);
	*line_no = line;
}

/* Records of a schema 1 file (the fixture of three_snapshots) made wrong one at a time */
static void test_corrupt_middle_record_v1(void **state)
{
	size_t line;
	char want[96];
	(void)state;

	/* not JSON any more */
	rewrite_line(FIXV1 "three.session", path_of("mid-1.session"), "\"label\":\"s1\"",
		     "\"label\":", "\"label\" ", &line);
	assert_int_equal(line, 4); /* header, stacks, s0, s1 */
	snprintf(want, sizeof(want), "record %zu: corrupt record: ", line);
	assert_refused(path_of("mid-1.session"), -EINVAL, want);
	/* JSON, but a count of the wrong type */
	rewrite_line(FIXV1 "three.session", path_of("mid-2.session"), "\"label\":\"s1\"",
		     "\"live_bytes\":100,\"live_objects\":1,\"alloc_bytes\":100,\"alloc_objects\":1,"
		     "\"freed_bytes\":0,\"freed_objects\":0,\"pid\"",
		     "\"live_bytes\":\"100\",\"live_objects\":1,\"alloc_bytes\":100,"
		     "\"alloc_objects\":1,\"freed_bytes\":0,\"freed_objects\":0,\"pid\"",
		     &line);
	assert_refused(path_of("mid-2.session"), -EINVAL,
		       "record 4: bad snapshot row: \"live_bytes\" is of another type or negative");
	/* a negative count */
	rewrite_line(FIXV1 "three.session", path_of("mid-3.session"), "\"label\":\"s0\"",
		     "\"live_objects\":1,\"alloc_bytes\":100,\"alloc_objects\":1,\"freed_bytes\":0,"
		     "\"freed_objects\":0,\"pid\"",
		     "\"live_objects\":-1,\"alloc_bytes\":100,\"alloc_objects\":1,"
		     "\"freed_bytes\":0,\"freed_objects\":0,\"pid\"",
		     &line);
	assert_refused(path_of("mid-3.session"), -EINVAL,
		       "record 3: bad snapshot row: \"live_objects\" is of another type or negative");
	/* a frame whose address is not hex */
	rewrite_line(FIXV1 "three.session", path_of("mid-4.session"), "\"type\":\"stacks\"",
		     "\"address\":\"0x", "\"address\":\"0y", &line);
	assert_int_equal(line, 2);
	assert_refused(path_of("mid-4.session"), -EINVAL,
		       "record 2: bad frame: frame \"address\" is not a hex string");
	/* a snapshot without a label */
	rewrite_line(FIXV1 "three.session", path_of("mid-5.session"), "\"label\":\"s1\"",
		     "\"label\":\"s1\"", "\"labels\":\"s1\"", &line);
	assert_refused(path_of("mid-5.session"), -EINVAL, "record 4: a snapshot without a label");
	/* a record without a type */
	rewrite_line(FIXV1 "three.session", path_of("mid-6.session"), "\"label\":\"s0\"",
		     "\"type\":\"snapshot\"", "\"kind\":\"snapshot\"", &line);
	assert_refused(path_of("mid-6.session"), -EINVAL, "record 3: corrupt record: no \"type\"");
	/* a record type from a newer writer is skipped */
	rewrite_line(FIXV1 "three.session", path_of("mid-7.session"), "\"label\":\"s0\"",
		     "\"type\":\"snapshot\"", "\"type\":\"annotation\"", &line);
	{
		struct session back;
		struct session_read_info info;

		assert_int_equal(session_file__read(path_of("mid-7.session"), &back, &info), 0);
		assert_int_equal(back.snap_cnt, 2);
		assert_string_equal(back.snaps[0].label, "s1");
		session__free(&back);
	}
}

/* The file src with the first occurrence of `from` replaced by `to` */
static void rewrite_file(const char *src, const char *dst, const char *from, const char *to)
{
	size_t len;
	char *bytes = slurp(src, &len), *at = strstr(bytes, from);
	FILE *f;

	assert_non_null(at);
	f = fopen(dst, "wb");
	assert_non_null(f);
	fwrite(bytes, 1, (size_t)(at - bytes), f);
	fputs(to, f);
	fwrite(at + strlen(from), 1, len - (size_t)(at - bytes) - strlen(from), f);
	assert_int_equal(fclose(f), 0);
	free(bytes);
}

/* The labels of the snapshots a file reads back as, comma-separated */
static void assert_reads_labels(const char *path, const char *want)
{
	struct session back;
	struct session_read_info info;
	char got[128] = "";

	if (session_file__read(path, &back, &info))
		fail_msg("read %s: %s", path, info.error.msg);
	for (size_t i = 0; i < back.snap_cnt; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? "," : "",
			 back.snaps[i].label);
	assert_string_equal(got, want);
	assert_false(info.truncated_tail);
	session__free(&back);
}

/* Records of a schema 2 file made wrong one at a time. Its records: 1 header, 2 strings,
 * 3 modules, 4 stacks, 5 snapshot s0, 6 snapshot s1, 7 strings, 8 stacks, 9 snapshot s2. */
static void test_corrupt_middle_record_v2(void **state)
{
	static const struct {
		const char *from, *to, *error;
	} bad[] = {
		/* not JSON any more */
		{ "\"label\":\"s1\"", "\"label\" \"s1\"",
		  "record 6: corrupt record: expected ':' at byte " },
		{ "\"rows\":[]}", "\"rows\":[]} x",
		  "record 6: corrupt record: text after the end of the record at byte " },
		{ "{\"type\":\"strings\",\"strings\":[\"/bin/srv\"",
		  "{\"type\":\"strings\",\"strings\":[\"/bin/\\x\"",
		  "record 2: corrupt record: an invalid escape '\\x' at byte " },
		/* JSON, but a count of the wrong type, or negative */
		{ "\"rows\":[[0,100,", "\"rows\":[[0,\"100\",",
		  "record 5: corrupt record: expected an integer at byte " },
		{ "\"rows\":[[0,100,1,", "\"rows\":[[0,100,-1,",
		  "record 5: corrupt record: a negative number where a count should be" },
		/* references to what is not defined (yet) */
		{ "[[1,0,2,16,3,10]]", "[[1,0,9,16,3,10]]",
		  "record 4: bad frame: a string reference beyond the 3 strings defined" },
		{ "[[1,0,2,16,3,10]]", "[[2,0,2,16,3,10]]",
		  "record 4: bad frame: module 2 is not defined" },
		{ "[[1,1,4,16,0,0]]", "[1]", "record 8: bad stack: frame 1 is not defined" },
		{ "\"rows\":[[0,100,", "\"rows\":[[1,100,",
		  "record 5: bad snapshot row: stack 1 is not defined" },
		{ "\"rows\":[]}", "\"rows\":[],\"gone\":[1]}",
		  "record 6: bad snapshot: gone stack 1 was not in the previous snapshot" },
		{ "\"rows\":[[0,300,3,300,3,0,0],[1,", "\"rows\":[[0,300,3,300,3,0,0],[0,",
		  "record 9: bad snapshot row: stack 0 listed twice" },
		{ "[[1,11,0,", "[[1,10,0,",
		  "record 8: bad stack: stack 10 of pid 1 defined twice" },
		/* missing or repeated members */
		{ "\"label\":\"s1\"", "\"labels\":\"s1\"", "record 6: a snapshot without a label" },
		{ "\"label\":\"s0\",", "\"label\":\"s0\",\"label\":\"s0\",",
		  "record 5: corrupt record: \"label\" twice" },
		{ "{\"type\":\"snapshot\",\"label\":\"s0\"",
		  "{\"kind\":\"snapshot\",\"label\":\"s0\"",
		  "record 5: corrupt record: no \"type\"" },
		{ ",\"rows\":[]}", "}", "record 6: a snapshot without a \"rows\" array" },
		{ "{\"type\":\"modules\",\"modules\"", "{\"type\":\"modules\",\"module\"",
		  "record 3: corrupt record: a modules record without a \"modules\" array" },
	};
	struct session s;
	char src[128];
	(void)state;

	three_snapshots(&s);
	snprintf(src, sizeof(src), "%s", path_of("mid2.session"));
	write_session(&s, src);
	session__free(&s);
	assert_reads_labels(src, "s0,s1,s2");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rewrite_file(src, path_of("mid2-n.session"), bad[i].from, bad[i].to);
		assert_refused(path_of("mid2-n.session"), -EINVAL, bad[i].error);
	}
	/* what a newer writer may add is skipped: a record type, members, "type" elsewhere */
	rewrite_file(src, path_of("mid2-n.session"), "{\"type\":\"snapshot\",\"label\":\"s1\"",
		     "{\"type\":\"annotation\",\"text\":\"x\",\"at\":[1,{\"a\":null}]}\n"
		     "{\"type\":\"snapshot\",\"label\":\"s1\"");
	assert_reads_labels(path_of("mid2-n.session"), "s0,s1,s2");
	rewrite_file(src, path_of("mid2-n.session"), "{\"type\":\"stacks\",\"stacks\"",
		     "{\"type\":\"stacks\",\"future\":{\"x\":[1,2.5e3,{\"y\":\"z\"}]},\"stacks\"");
	assert_reads_labels(path_of("mid2-n.session"), "s0,s1,s2");
	rewrite_file(src, path_of("mid2-n.session"), "{\"type\":\"snapshot\",\"label\":\"s0\",",
		     "{\"label\":\"s0\",\"type\":\"snapshot\",");
	assert_reads_labels(path_of("mid2-n.session"), "s0,s1,s2");
	rewrite_file(src, path_of("mid2-n.session"), "{\"type\":\"strings\",\"strings\":[",
		     "{\"strings\":[");
	rewrite_file(path_of("mid2-n.session"), path_of("mid2-m.session"), "\"srv.c\"]",
		     "\"srv.c\"],\"type\":\"strings\"");
	assert_reads_labels(path_of("mid2-m.session"), "s0,s1,s2");
}

/* Many stacks drawn from a pool of frames (a frame repeated within a stack too): each frame
 * is written once and every stack reads back with its own frames, plain and gzip */
static void test_shared_frames(void **state)
{
	enum { STACKS = 3000, POOL = 300 };
	static const char *const mods[] = { "/bin/a", "/lib/b.so", NULL };
	struct frame pool[POOL];
	struct stack_row *rows = calloc(STACKS, sizeof(*rows));
	struct session s, back;
	struct session_read_info info;
	uint64_t seed = 12345;
	char name[32];
	(void)state;

	assert_non_null(rows);
	fx_init(&s, 5, NULL);
	for (int i = 0; i < POOL; i++) {
		snprintf(name, sizeof(name), "fn_%d", i % 97);
		pool[i] = (struct frame){
			.address =
				(i % 3 == 2 ? 0xffffffff00000000ULL : 0x400000) + (uint64_t)i * 48,
			.module = session__intern(&s, mods[i % 3]),
			.build_id = i % 3 == 1 ? "beef" : "",
			.function = i % 11 ? session__intern(&s, name) : NULL,
			.raw_function = i % 13 ? NULL : session__intern(&s, "_Z2fnv"),
			.offset = (uint64_t)i,
			.file = i % 7 ? session__intern(&s, "x.c") : NULL,
			.line = i % 7 ? (uint32_t)i : 0,
			.inlined = i % 5 == 0,
		};
	}
	for (int k = 0; k < STACKS; k++) {
		size_t n = 1 + k % 40;
		struct frame *f = calloc(n, sizeof(*f));

		assert_non_null(f);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			f[i] = pool[(seed >> 33) % POOL];
		}
		assert_int_equal(stacktab__put(s.stacks, 5, (uint64_t)k * 7919, f, n), 0);
		rows[k] = (struct stack_row){ 5, (uint64_t)k * 7919, { 1, 1, 1, 1, 0, 0, 0, 0 } };
	}
	/* the stacks come in three snapshots, so in several stacks records */
	for (size_t upto = STACKS / 3; upto <= STACKS; upto += STACKS / 3)
		assert_non_null(session__add_snapshot(&s, &(struct snapshot){ .label = "x",
									      .pid = 5,
									      .rows = rows,
									      .row_cnt = upto }));
	for (int gz = 0; gz < 2; gz++) {
		const char *path = path_of(gz ? "pool.session.gz" : "pool.session");

		write_session(&s, path);
		assert_int_equal(session_file__read(path, &back, &info), 0);
		assert_int_equal(stacktab__cnt(back.stacks), STACKS);
		for (int k = 0; k < STACKS; k++)
			assert_frames_equal(stacktab__get(s.stacks, 5, (uint64_t)k * 7919),
					    stacktab__get(back.stacks, 5, (uint64_t)k * 7919));
		for (size_t i = 0; i < s.snap_cnt; i++)
			assert_snap_equal(&s.snaps[i], &back.snaps[i]);
		session__free(&back);
	}
	free(rows);
	session__free(&s);
}

/* A snapshot lists the stacks whose counts changed since the one before, and those that are
 * gone; the reader rebuilds every snapshot whole */
static void test_delta_snapshots(void **state)
{
	const struct fx_row a[] = { { 1, 10, 100, 1, 100, 1 }, { 1, 11, 50, 5, 50, 5 } };
	const struct fx_row b[] = { { 1, 10, 100, 1, 100, 1 } };
	const struct fx_row c[] = { { 1, 10, 100, 1, 100, 1 }, { 1, 11, 50, 5, 50, 5 } };
	const struct fx_row d[] = { { 1, 11, 60, 6, 60, 6 }, { 1, 12, 1, 1, 1, 1 } };
	struct session s, back;
	struct session_read_info info;
	size_t len;
	char *bytes;
	(void)state;

	fx_init(&s, 1, NULL);
	fx_stack(&s, 1, 10, "/bin/srv", "keep", "srv.c", 10);
	fx_stack(&s, 1, 11, "/bin/srv", "late", NULL, 0);
	/* stack 12 has no frames: its rows are kept all the same */
	fx_snap(&s, "a", a, 2);
	fx_snap(&s, "b", b, 1);
	fx_snap(&s, "c", c, 2);
	fx_snap(&s, "d", d, 2);
	fx_snap(&s, "e", d, 2);
	fx_snap(&s, "f", NULL, 0);
	write_session(&s, path_of("delta.session"));
	bytes = slurp(path_of("delta.session"), &len);
	/* b: nothing changed, 11 gone; c: 11 back (same counts); d: 11 changed, 12 new, 10
	 * gone; e: nothing changed; f: all gone */
	assert_non_null(strstr(bytes, "\"label\":\"b\""));
	assert_non_null(strstr(bytes, "\"rows\":[],\"gone\":[1]}"));
	assert_non_null(strstr(bytes, "\"rows\":[[1,50,5,50,5,0,0]]}"));
	assert_non_null(
		strstr(bytes, "\"rows\":[[1,60,6,60,6,0,0],[2,1,1,1,1,0,0]],\"gone\":[0]}"));
	assert_non_null(strstr(bytes, "\"rows\":[]}"));
	assert_non_null(strstr(bytes, "\"rows\":[],\"gone\":[1,2]}"));
	free(bytes);
	assert_int_equal(session_file__read(path_of("delta.session"), &back, &info), 0);
	assert_int_equal(back.snap_cnt, s.snap_cnt);
	for (size_t i = 0; i < s.snap_cnt; i++)
		assert_snap_equal(&s.snaps[i], &back.snaps[i]);
	assert_null(stacktab__get(back.stacks, 1, 12));
	assert_non_null(stacktab__get(back.stacks, 1, 11));
	session__free(&back);
	session__free(&s);
}

/* Read keeping some snapshots' rows: the newest's always, the first's or those of some labels
 * when asked; the others' rows go, their totals stay; the deltas after a dropped snapshot
 * still read right */
static void test_keep_rows(void **state)
{
	const struct fx_row a[] = { { 1, 10, 100, 1, 100, 1 }, { 1, 11, 50, 5, 50, 5 } };
	const struct fx_row b[] = { { 1, 10, 100, 1, 100, 1 } };
	const struct fx_row c[] = { { 1, 11, 60, 6, 60, 6 } };
	struct session s, back;
	struct session_read_info info;
	(void)state;

	fx_init(&s, 1, NULL);
	fx_stack(&s, 1, 10, "/bin/srv", "keep", "srv.c", 10);
	fx_stack(&s, 1, 11, "/bin/srv", "late", NULL, 0);
	fx_snap(&s, "a", a, 2);
	fx_snap(&s, "b", b, 1);
	fx_snap(&s, "c", c, 1);
	write_session(&s, path_of("keep.session"));
	/* the newest alone */
	assert_int_equal(session_file__read_keeping(path_of("keep.session"), &back, &info,
						    &(struct session_rows_keep){ .on = true }),
			 0);
	assert_int_equal(back.snap_cnt, 3);
	assert_int_equal(back.snaps[0].row_cnt, 0);
	assert_int_equal(back.snaps[1].row_cnt, 0);
	assert_snap_equal(&s.snaps[2], &back.snaps[2]);
	assert_int_equal(back.snaps[0].totals.live_bytes, 150);
	assert_int_equal(back.snaps[1].totals.live_bytes, 100);
	assert_int_equal(back.keep_rows.on, false); /* not kept past the read */
	session__free(&back);
	/* the first and a label */
	assert_int_equal(session_file__read_keeping(path_of("keep.session"), &back, &info,
						    &(struct session_rows_keep){
							    .on = true,
							    .first = true,
							    .labels = { "b" } }),
			 0);
	for (size_t i = 0; i < 3; i++)
		assert_snap_equal(&s.snaps[i], &back.snaps[i]);
	session__free(&back);
	/* off: every snapshot's */
	assert_int_equal(session_file__read_keeping(path_of("keep.session"), &back, &info,
						    &(struct session_rows_keep){ .first = true }),
			 0);
	for (size_t i = 0; i < 3; i++)
		assert_snap_equal(&s.snaps[i], &back.snaps[i]);
	session__free(&back);
	session__free(&s);
}

static void test_corrupt_gzip(void **state)
{
	struct session s;
	size_t len;
	char *bytes;
	(void)state;

	three_snapshots(&s);
	write_session(&s, path_of("mid.session.gz"));
	bytes = slurp(path_of("mid.session.gz"), &len);
	/* the CRC-32 in the trailer no longer matches: every byte was decompressed, yet the
	 * data is not what was written */
	bytes[len - 8] ^= 0x55;
	spit(path_of("crc.session.gz"), bytes, len);
	assert_refused(path_of("crc.session.gz"), -EINVAL,
		       "corrupt gzip data: incorrect data check");
	bytes[len - 8] ^= 0x55;
	/* an invalid deflate block type (0b11) right after the gzip header: the header is 10
	 * bytes and the first block's type is in bits 1-2 of the next byte */
	bytes[10] |= 0x06;
	spit(path_of("bad.session.gz"), bytes, len);
	assert_refused(path_of("bad.session.gz"), -EINVAL,
		       "record 1: corrupt gzip data: invalid block type");
	free(bytes);
	session__free(&s);
}

static void test_foreign_files(void **state)
{
	static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0,
					     0,	   13,	'I', 'H', 'D',	'R',  0,    0,	  1, 0 };
	static const char bigpid[] =
		"{\"type\":\"perfan-session\",\"schema_version\":1,\"pid\":4294967296}\n";
	struct leak_report rep = {};
	struct report_format_opts opts = {};
	FILE *f;
	(void)state;

	spit(path_of("empty"), "", 0);
	assert_refused(path_of("empty"), -EINVAL,
		       "record 1: not a perfan-bpf session file: it is empty");
	spit(path_of("png"), png, sizeof(png));
	assert_refused(path_of("png"), -EINVAL, "record 1: not a perfan-bpf session file");
	spit(path_of("text"), "not a session", 13);
	assert_refused(path_of("text"), -EINVAL, "record 1: not a perfan-bpf session file: ");
	spit(path_of("nul"), "{\"a\":\0\"b\"}\n", 11);
	assert_refused(path_of("nul"), -EINVAL,
		       "record 1: binary data where a JSON record should be");
	spit(path_of("array"), "[1,2]\n", 6);
	assert_refused(path_of("array"), -EINVAL,
		       "record 1: not a perfan-bpf session file: not a JSON object");
	/* a leak report (multi-line JSON): its first line is not a document */
	f = fopen(path_of("leak.json"), "w");
	assert_non_null(f);
	assert_int_equal(report__write_json(&rep, &opts, f), 0);
	assert_int_equal(fclose(f), 0);
	assert_refused(path_of("leak.json"), -EINVAL, "record 1: not a perfan-bpf session file");
	/* the same report on one line: JSON, but not our header */
	spit(path_of("leak1.json"), "{\"schema_version\":1,\"pid\":1,\"stacks\":[]}\n", 41);
	assert_refused(path_of("leak1.json"), -EINVAL,
		       "record 1: not a perfan-bpf session file: the first record is not its "
		       "header");
	/* a gzip stream cut inside its own header */
	spit(path_of("magic.gz"), "\x1f\x8b", 2);
	assert_refused(path_of("magic.gz"), -EINVAL,
		       "record 1: not a perfan-bpf session file: a gzip stream that ends before "
		       "its first record");
	/* a pid that does not fit 32 bits */
	spit(path_of("bigpid"), bigpid, sizeof(bigpid) - 1);
	assert_refused(path_of("bigpid"), -EINVAL,
		       "record 1: bad header: \"pid\" 4294967296 is above 4294967295");
	/* gzip magic and nothing sensible after it */
	spit(path_of("junk.gz"), "\x1f\x8b\x08\x00garbage-garbage-garbage", 27);
	assert_refused(path_of("junk.gz"), -EINVAL, "record 1: corrupt gzip data: ");
	/* not there, not a file */
	assert_refused(path_of("missing"), -ENOENT, "No such file or directory");
	assert_refused(tmpdir, -EISDIR, "Is a directory");
}

static void test_newer_schema(void **state)
{
	static const char newer[] =
		"{\"type\":\"perfan-session\",\"schema_version\":3,\"tool\":\"perfan-bpf\","
		"\"pid\":1}\n";
	static const char zero[] = "{\"type\":\"perfan-session\",\"schema_version\":0,\"pid\":1}\n";
	static const char text[] =
		"{\"type\":\"perfan-session\",\"schema_version\":\"1\",\"pid\":1}\n";
	(void)state;

	spit(path_of("newer"), newer, sizeof(newer) - 1);
	assert_refused(path_of("newer"), -EINVAL,
		       "record 1: written by a newer perfan-bpf: schema_version 3 is newer than "
		       "this perfan-bpf reads (2); upgrade perfan-bpf");
	spit(path_of("zero"), zero, sizeof(zero) - 1);
	assert_refused(path_of("zero"), -EINVAL,
		       "record 1: the header has no valid schema_version");
	spit(path_of("textver"), text, sizeof(text) - 1);
	assert_refused(path_of("textver"), -EINVAL,
		       "record 1: the header has no valid schema_version");
}

/* ---- growth sessions ---- */

static void assert_procs_equal(const struct snapshot *a, const struct snapshot *b)
{
	assert_int_equal(a->proc_cnt, b->proc_cnt);
	if (!a->proc_cnt)
		assert_null(b->procs);
	for (size_t i = 0; i < a->proc_cnt; i++) {
		const struct proc_row *x = &a->procs[i], *y = &b->procs[i];

		assert_int_equal(x->pid, y->pid);
		assert_int_equal(x->ppid, y->ppid);
		assert_string_equal(x->comm, y->comm);
		assert_int_equal(x->mem_known, y->mem_known);
		assert_int_equal(x->exited, y->exited);
		assert_int_equal(x->rss_bytes, y->rss_bytes);
		assert_int_equal(x->anon_bytes, y->anon_bytes);
		assert_int_equal(x->growth_bytes, y->growth_bytes);
		assert_int_equal(x->anon_growth_bytes, y->anon_growth_bytes);
		if (x->window_s != y->window_s)
			fail_msg("process %u: window_s %.17g read back as %.17g", x->pid,
				 x->window_s, y->window_s);
		assert_int_equal(x->held_bytes, y->held_bytes);
		assert_int_equal(x->touched_bytes, y->touched_bytes);
		assert_int_equal(x->heap_bytes, y->heap_bytes);
		assert_int_equal(x->execs, y->execs);
		assert_int_equal(x->forks, y->forks);
	}
}

/* Three snapshots of a host-wide growth session: processes at the edges of every field's
 * range, a process the kernel side alone knew, the growth gear's loss counters, and a last
 * snapshot without processes */
static void growth_session(struct session *s)
{
	const struct proc_row p0[] = {
		{ .pid = 100,
		  .ppid = 1,
		  .comm = "日本語のコ", /* 15 bytes: the whole field */
		  .mem_known = true,
		  .rss_bytes = INT64_MAX,
		  .anon_bytes = 0,
		  .growth_bytes = INT64_MAX,
		  .anon_growth_bytes = INT64_MIN,
		  .window_s = 0.1,
		  .held_bytes = INT64_MAX,
		  .touched_bytes = 1,
		  .heap_bytes = 135168,
		  .execs = UINT32_MAX,
		  .forks = 7 },
		{ .pid = UINT32_MAX,
		  .ppid = UINT32_MAX,
		  .comm = "",
		  .exited = true,
		  .growth_bytes = -4096,
		  .anon_growth_bytes = -8192,
		  .window_s = 1e-9,
		  .touched_bytes = 4096 },
		{ .pid = 300,
		  .comm = "a?[2Jb",
		  .mem_known = true,
		  .rss_bytes = 4096,
		  .anon_bytes = 4096,
		  .window_s = 123456.789,
		  .heap_bytes = 1 },
	};
	const struct proc_row p1[] = {
		{ .pid = 300,
		  .ppid = 100,
		  .comm = "worker",
		  .mem_known = true,
		  .rss_bytes = 8192,
		  .anon_bytes = 4096,
		  .growth_bytes = 4096,
		  .window_s = 2.5,
		  .held_bytes = 4096,
		  .touched_bytes = 8192,
		  .execs = 1 },
	};
	const struct fx_row r0[] = { { 100, 7, 8192, 2, 16384, 4 } };
	const struct fx_row r1[] = { { 100, 7, 4096, 1, 16384, 4 }, { 300, 9, 4096, 1, 8192, 2 } };
	struct snapshot *sn;

	fx_init(s, 0, NULL);
	s->kind = SESSION_KIND_GROWTH;
	s->start_wall_ns = 1700000000987654321LL;
	fx_stack(s, 100, 7, "/opt/app/server", "grow_cache", "cache.c", 12);
	fx_stack(s, 300, 9, "/usr/bin/worker", "fill", NULL, 0);
	sn = fx_snap_procs(s, "s0", r0, 1, p0, 3);
	/* a growth session keeps the growth gear's counters (report_lost__applies) */
	sn->lost[REPORT_LOST_STACK_FAILURES] = 6;
	sn->lost[REPORT_LOST_SNAPSHOTS_DROPPED] = 1;
	sn->lost[REPORT_LOST_PROCS_MAP_FULL] = 3;
	sn->lost[REPORT_LOST_VMA_BUSY] = 4;
	sn->lost[REPORT_LOST_PAGES_MAP_FULL] = INT64_MAX;
	sn = fx_snap_procs(s, "s1", r1, 2, p1, 1);
	sn->elapsed_s = 2.5;
	fx_snap(s, "end", r1, 2);
}

/* The file at path (written from growth_session, records long) reads back as it */
static void growth_read_back(const char *path, size_t records)
{
	struct session s, back;
	struct session_read_info info;

	growth_session(&s);
	assert_int_equal(session_file__read(path, &back, &info), 0);
	assert_string_equal(info.error.msg, "");
	assert_false(info.truncated_tail);
	assert_int_equal(info.records, records);
	assert_int_equal(back.kind, SESSION_KIND_GROWTH);
	assert_int_equal(back.pid, 0);
	assert_null(back.command);
	assert_null(back.allocator);
	assert_int_equal(back.start_wall_ns, s.start_wall_ns);
	assert_int_equal(back.snap_cnt, 3);
	for (size_t i = 0; i < s.snap_cnt; i++) {
		assert_snap_equal(&s.snaps[i], &back.snaps[i]);
		assert_procs_equal(&s.snaps[i], &back.snaps[i]);
	}
	assert_int_equal(stacktab__cnt(back.stacks), 2);
	assert_frames_equal(stacktab__get(s.stacks, 100, 7), stacktab__get(back.stacks, 100, 7));
	assert_frames_equal(stacktab__get(s.stacks, 300, 9), stacktab__get(back.stacks, 300, 9));
	session__free(&back);
	session__free(&s);
}

static void growth_round_trip(const char *name)
{
	struct session s;

	growth_session(&s);
	write_session(&s, path_of(name));
	session__free(&s);
	/* header; strings, modules, stacks, snapshot s0; the same for s1; snapshot end */
	growth_read_back(path_of(name), 10);
}

static void test_growth_round_trip(void **state)
{
	size_t len;
	char *bytes, *nl;
	(void)state;

	growth_round_trip("growth.session");
	growth_round_trip("growth.session.gz");
	/* a file of schema 1: header, stacks and snapshot s0, stacks and snapshot s1, end */
	growth_read_back(FIXV1 "growth.session", 6);
	/* the header says its kind; snapshots carry their processes */
	bytes = slurp(path_of("growth.session"), &len);
	nl = strchr(bytes, '\n');
	assert_non_null(nl);
	*nl = '\0';
	assert_non_null(strstr(bytes, ",\"kind\":\"growth\""));
	assert_non_null(strstr(nl + 1, "\"processes\":[{\"pid\":100,\"ppid\":1,"));
	free(bytes);
}

static const char old_header[] = "{\"type\":\"perfan-session\",\"schema_version\":1,\"pid\":7}\n";
#define SNAPSHOT_START                                                                             \
	"{\"type\":\"snapshot\",\"label\":\"s0\",\"seq\":0,\"wall_ns\":1,\"mono_ns\":2,"           \
	"\"elapsed_s\":0.5,\"pid\":7,\"lost\":{\"unmatched_frees\":3},\"stacks\":[]"

/* The same in schema 2 */
#define SNAPSHOT2_START                                                                            \
	"{\"type\":\"snapshot\",\"label\":\"s0\",\"seq\":0,\"wall_ns\":1,\"mono_ns\":2,"           \
	"\"elapsed_s\":0.5,\"pid\":7,\"lost\":{\"unmatched_frees\":3},\"rows\":[]"

/* A file the reader takes: header then one snapshot record (its start given) with `extra`
 * keys */
static void spit_session_as(const char *name, const char *header, const char *start,
			    const char *extra)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "%s%s%s}\n", header, start, extra);

	assert_true(n > 0 && (size_t)n < sizeof(buf));
	spit(path_of(name), buf, (size_t)n);
}

static void spit_session(const char *name, const char *header, const char *extra)
{
	spit_session_as(name, header, SNAPSHOT_START, extra);
}

static void test_growth_kind_header(void **state)
{
	struct session s, back;
	struct session_read_info info;
	size_t len;
	char *bytes;
	(void)state;

	spit_session("bogus.session",
		     "{\"type\":\"perfan-session\",\"schema_version\":1,\"pid\":7,\"kind\":\"bogus\"}\n",
		     "");
	assert_refused(path_of("bogus.session"), -EINVAL,
		       "record 1: bad header: kind is neither \"leak\" nor \"growth\"");
	spit_session("kind-int.session",
		     "{\"type\":\"perfan-session\",\"schema_version\":1,\"pid\":7,\"kind\":1}\n",
		     "");
	assert_refused(path_of("kind-int.session"), -EINVAL,
		       "record 1: bad header: kind is neither \"leak\" nor \"growth\"");

	/* a file from before growth sessions: no "kind", a leak session */
	spit_session("old.session", old_header, "");
	assert_int_equal(session_file__read(path_of("old.session"), &back, &info), 0);
	assert_int_equal(back.kind, SESSION_KIND_LEAK);
	assert_int_equal(back.pid, 7);
	assert_int_equal(back.snap_cnt, 1);
	assert_int_equal(back.snaps[0].lost[REPORT_LOST_UNMATCHED_FREES], 3);
	assert_int_equal(back.snaps[0].proc_cnt, 0);
	assert_null(back.snaps[0].procs);
	session__free(&back);
	spit_session("leak.session",
		     "{\"type\":\"perfan-session\",\"schema_version\":1,\"pid\":7,\"kind\":\"leak\"}\n",
		     "");
	assert_int_equal(session_file__read(path_of("leak.session"), &back, &info), 0);
	assert_int_equal(back.kind, SESSION_KIND_LEAK);
	session__free(&back);
	spit_session("growth1.session",
		     "{\"type\":\"perfan-session\",\"schema_version\":1,\"pid\":7,"
		     "\"kind\":\"growth\"}\n",
		     "");
	assert_int_equal(session_file__read(path_of("growth1.session"), &back, &info), 0);
	assert_int_equal(back.kind, SESSION_KIND_GROWTH);
	session__free(&back);

	/* and a leak session is still written as such a file: old readers read it */
	three_snapshots(&s);
	write_session(&s, path_of("leak-new.session"));
	bytes = slurp(path_of("leak-new.session"), &len);
	*strchr(bytes, '\n') = '\0';
	assert_null(strstr(bytes, "\"kind\""));
	assert_null(strstr(bytes + strlen(bytes) + 1, "\"processes\""));
	free(bytes);
	assert_int_equal(session_file__read(path_of("leak-new.session"), &back, &info), 0);
	assert_int_equal(back.kind, SESSION_KIND_LEAK);
	session__free(&back);
	session__free(&s);
}

/* The processes of a growth snapshot refused, or read, in a file of the header's schema */
static void processes_refused(const char *growth_header, const char *start)
{
	struct session back;
	struct session_read_info info;

	spit_session_as("procs-obj.session", growth_header, start, ",\"processes\":{}");
	assert_refused(path_of("procs-obj.session"), -EINVAL,
		       "record 2: bad snapshot: \"processes\" is not an array");
	spit_session_as("procs-str.session", growth_header, start, ",\"processes\":\"100\"");
	assert_refused(path_of("procs-str.session"), -EINVAL,
		       "record 2: bad snapshot: \"processes\" is not an array");
	spit_session_as("procs-null.session", growth_header, start, ",\"processes\":null");
	assert_refused(path_of("procs-null.session"), -EINVAL,
		       "record 2: bad snapshot: \"processes\" is not an array");
	spit_session_as("procs-nopid.session", growth_header, start,
			",\"processes\":[{\"comm\":\"x\"}]");
	assert_refused(path_of("procs-nopid.session"), -EINVAL,
		       "record 2: bad snapshot process: a process without a valid \"pid\"");
	spit_session_as("procs-growth.session", growth_header, start,
			",\"processes\":[{\"pid\":1,\"growth_bytes\":\"big\"}]");
	assert_refused(path_of("procs-growth.session"), -EINVAL,
		       "record 2: bad snapshot process: process \"growth_bytes\" is not an integer");
	spit_session_as("procs-item.session", growth_header, start, ",\"processes\":[1]");
	assert_refused(path_of("procs-item.session"), -EINVAL,
		       "record 2: bad snapshot process: a process is not an object");

	/* a process's name from a file is sanitized where it enters; missing keys stay 0 */
	spit_session_as("procs-comm.session", growth_header, start,
			",\"processes\":[{\"pid\":1,\"comm\":\"\\u001b[2J\"}]");
	assert_int_equal(session_file__read(path_of("procs-comm.session"), &back, &info), 0);
	assert_int_equal(back.snaps[0].proc_cnt, 1);
	assert_string_equal(back.snaps[0].procs[0].comm, "?[2J");
	assert_false(back.snaps[0].procs[0].mem_known);
	assert_int_equal(back.snaps[0].procs[0].growth_bytes, 0);
	session__free(&back);
	/* members of another type than a tree reader takes are ignored as it ignores them */
	spit_session_as("procs-types.session", growth_header, start,
			",\"processes\":[{\"pid\":1,\"rss_bytes\":1.5,\"anon_bytes\":4096,"
			"\"window_s\":\"x\",\"exited\":1,\"comm\":7,\"growth_bytes_per_s\":1e3,"
			"\"future\":[{\"a\":[]}]},{\"pid\":2,\"rss_bytes\":8192,\"anon_bytes\":4096,"
			"\"window_s\":2.5,\"exited\":true,\"ppid\":1,\"execs\":4294967296}]");
	assert_int_equal(session_file__read(path_of("procs-types.session"), &back, &info), 0);
	assert_int_equal(back.snaps[0].proc_cnt, 2);
	assert_false(back.snaps[0].procs[0].mem_known);
	assert_false(back.snaps[0].procs[0].exited);
	assert_true(back.snaps[0].procs[0].window_s == 0);
	assert_string_equal(back.snaps[0].procs[0].comm, "");
	assert_true(back.snaps[0].procs[1].mem_known);
	assert_int_equal(back.snaps[0].procs[1].rss_bytes, 8192);
	assert_true(back.snaps[0].procs[1].exited);
	assert_true(back.snaps[0].procs[1].window_s == 2.5);
	assert_int_equal(back.snaps[0].procs[1].ppid, 1);
	assert_int_equal(back.snaps[0].procs[1].execs, UINT32_MAX);
	session__free(&back);
}

static void test_growth_processes_refused(void **state)
{
	(void)state;
	processes_refused("{\"type\":\"perfan-session\",\"schema_version\":1,\"pid\":7,"
			  "\"kind\":\"growth\"}\n",
			  SNAPSHOT_START);
	processes_refused("{\"type\":\"perfan-session\",\"schema_version\":2,\"pid\":7,"
			  "\"kind\":\"growth\"}\n",
			  SNAPSHOT2_START);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_plain),
		cmocka_unit_test(test_round_trip_gzip),
		cmocka_unit_test(test_round_trip_v1),
		cmocka_unit_test(test_header_only),
		cmocka_unit_test(test_truncated_plain),
		cmocka_unit_test(test_truncated_gzip),
		cmocka_unit_test(test_corrupt_middle_record_v1),
		cmocka_unit_test(test_corrupt_middle_record_v2),
		cmocka_unit_test(test_delta_snapshots),
		cmocka_unit_test(test_keep_rows),
		cmocka_unit_test(test_shared_frames),
		cmocka_unit_test(test_corrupt_gzip),
		cmocka_unit_test(test_foreign_files),
		cmocka_unit_test(test_newer_schema),
		cmocka_unit_test(test_growth_round_trip),
		cmocka_unit_test(test_growth_kind_header),
		cmocka_unit_test(test_growth_processes_refused),
	};

	return cmocka_run_group_tests_name("session_file", tests, setup_dir, remove_dir);
}
