// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of growth_model.h: scans of /proc figures (growth from the first sight, processes
 * a scan misses marked exited), what the kernel side adds (processes /proc never showed, ppid,
 * comm after exec, held/touched/heap), comm sanitizing, the order of the rows (fastest growing
 * first, ties by touched bytes then pid), prune, and a pid reused after an exit. Every figure
 * is worked out by hand from the calls. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "analysis/growth_model.h"

#define KiB 1024ULL
#define MiB (1024ULL * 1024)

static void assert_seconds(double got, double want)
{
	if (got != want)
		fail_msg("%.17g seconds, want %.17g", got, want);
}

static struct growth_entry *get(struct growth_table *t, uint32_t pid)
{
	struct growth_entry *e = growth_table__get(t, pid);

	if (!e)
		fail_msg("no entry for pid %u", pid);
	return e;
}

static void observe(struct growth_table *t, uint32_t pid, const char *comm, uint64_t rss,
		    uint64_t anon)
{
	assert_int_equal(growth_table__observe(t, pid, comm, rss, anon), 0);
}

/* The kernel side's figures of a process */
struct kfig {
	uint32_t ppid;
	const char *comm;
	uint64_t held, touched, heap;
	uint32_t execs, forks;
	bool exited;
};

static void kernel(struct growth_table *t, uint32_t pid, struct kfig k)
{
	assert_int_equal(growth_table__kernel(t, pid, k.ppid, k.comm, k.held, k.touched, k.heap,
					      k.execs, k.forks, k.exited),
			 0);
}

/* The table stays sorted by pid whatever the order of the calls */
static void assert_sorted_by_pid(const struct growth_table *t)
{
	for (size_t i = 1; i < t->cnt; i++)
		if (t->e[i - 1].row.pid >= t->e[i].row.pid)
			fail_msg("entry %zu (pid %u) after pid %u", i, t->e[i].row.pid,
				 t->e[i - 1].row.pid);
}

/* growth_bytes, anon_growth_bytes and window_s count from the scan that first showed a
 * process; a process that shrank grows negatively */
static void test_scans_growth_from_first_sight(void **state)
{
	struct growth_table t = {};
	struct growth_entry *e;
	(void)state;

	growth_table__begin_scan(&t, 10.0);
	observe(&t, 100, "server", 4 * MiB, 1 * MiB);
	observe(&t, 7, "init", 8 * KiB, 4 * KiB);
	growth_table__end_scan(&t);
	assert_int_equal(t.cnt, 2);
	assert_sorted_by_pid(&t);
	e = get(&t, 100);
	assert_true(e->from_proc && e->in_scan);
	assert_false(e->seen_exited || e->forgotten);
	assert_seconds(e->first_s, 10.0);
	assert_seconds(e->last_s, 10.0);
	assert_int_equal(e->rss_first, 4 * MiB);
	assert_int_equal(e->anon_first, 1 * MiB);
	assert_int_equal(e->row.pid, 100);
	assert_string_equal(e->row.comm, "server");
	assert_true(e->row.mem_known);
	assert_false(e->row.exited);
	assert_int_equal(e->row.rss_bytes, 4 * MiB);
	assert_int_equal(e->row.anon_bytes, 1 * MiB);
	assert_int_equal(e->row.growth_bytes, 0);
	assert_int_equal(e->row.anon_growth_bytes, 0);
	assert_seconds(e->row.window_s, 0);
	/* nothing from the kernel side yet */
	assert_int_equal(e->row.ppid, 0);
	assert_int_equal(e->row.touched_bytes, 0);
	assert_int_equal(e->row.held_bytes, 0);

	growth_table__begin_scan(&t, 12.5);
	observe(&t, 300, "cron", 64 * KiB, 16 * KiB);
	observe(&t, 100, "server", 5 * MiB, 1536 * KiB);
	observe(&t, 7, "init", 4 * KiB, 4 * KiB);
	growth_table__end_scan(&t);
	assert_int_equal(t.cnt, 3);
	assert_sorted_by_pid(&t);
	e = get(&t, 100);
	assert_int_equal(e->row.rss_bytes, 5 * MiB);
	assert_int_equal(e->row.anon_bytes, 1536 * KiB);
	assert_int_equal(e->row.growth_bytes, 1 * MiB);
	assert_int_equal(e->row.anon_growth_bytes, 512 * KiB);
	assert_seconds(e->row.window_s, 2.5);
	assert_seconds(e->first_s, 10.0);
	assert_seconds(e->last_s, 12.5);
	e = get(&t, 7);
	assert_int_equal(e->row.growth_bytes, -4096);
	assert_int_equal(e->row.anon_growth_bytes, 0);
	assert_seconds(e->row.window_s, 2.5);
	e = get(&t, 300);
	assert_seconds(e->first_s, 12.5);
	assert_int_equal(e->rss_first, 64 * KiB);
	assert_int_equal(e->row.growth_bytes, 0);
	assert_seconds(e->row.window_s, 0);

	/* always against the first sight, not the previous scan */
	growth_table__begin_scan(&t, 20.0);
	observe(&t, 100, "server", 3 * MiB, 2 * MiB);
	observe(&t, 300, "cron", 96 * KiB, 16 * KiB);
	observe(&t, 7, "init", 4 * KiB, 4 * KiB);
	growth_table__end_scan(&t);
	e = get(&t, 100);
	assert_int_equal(e->row.growth_bytes, -(int64_t)MiB);
	assert_int_equal(e->row.anon_growth_bytes, 1 * MiB);
	assert_seconds(e->row.window_s, 10.0);
	e = get(&t, 300);
	assert_int_equal(e->row.growth_bytes, 32 * KiB);
	assert_int_equal(e->row.anon_growth_bytes, 0);
	assert_seconds(e->row.window_s, 7.5);
	assert_seconds(t.now_s, 20.0);
	growth_table__free(&t);
	assert_null(t.e);
	assert_int_equal(t.cnt, 0);
}

/* A process a scan does not show has exited; its figures stay as last seen. A process only the
 * kernel side knows is not /proc's to declare exited. */
static void test_missing_from_scan_exited(void **state)
{
	struct growth_table t = {};
	struct growth_entry *e;
	(void)state;

	growth_table__begin_scan(&t, 1.0);
	observe(&t, 10, "a", 8 * KiB, 4 * KiB);
	observe(&t, 20, "b", 16 * KiB, 8 * KiB);
	growth_table__end_scan(&t);
	growth_table__begin_scan(&t, 2.0);
	observe(&t, 10, "a", 12 * KiB, 4 * KiB);
	observe(&t, 20, "b", 20 * KiB, 12 * KiB);
	growth_table__end_scan(&t);
	kernel(&t, 30, (struct kfig){ .ppid = 10, .comm = "k", .touched = 4 * KiB });

	growth_table__begin_scan(&t, 3.0);
	/* begin_scan: nothing is in the new scan yet */
	assert_false(get(&t, 10)->in_scan || get(&t, 20)->in_scan);
	observe(&t, 10, "a", 12 * KiB, 4 * KiB);
	growth_table__end_scan(&t);
	e = get(&t, 20);
	assert_true(e->row.exited);
	assert_false(e->in_scan);
	assert_seconds(e->last_s, 2.0);
	assert_true(e->row.mem_known);
	assert_int_equal(e->row.rss_bytes, 20 * KiB);
	assert_int_equal(e->row.anon_bytes, 12 * KiB);
	assert_int_equal(e->row.growth_bytes, 4 * KiB);
	assert_int_equal(e->row.anon_growth_bytes, 4 * KiB);
	assert_seconds(e->row.window_s, 1.0);
	assert_false(get(&t, 10)->row.exited);
	assert_true(get(&t, 10)->in_scan);
	assert_false(get(&t, 30)->row.exited);

	/* a scan that shows nothing */
	growth_table__begin_scan(&t, 4.0);
	growth_table__end_scan(&t);
	e = get(&t, 10);
	assert_true(e->row.exited);
	assert_seconds(e->last_s, 3.0);
	assert_int_equal(e->row.growth_bytes, 4 * KiB);
	assert_seconds(e->row.window_s, 2.0);
	e = get(&t, 20);
	assert_true(e->row.exited);
	assert_int_equal(e->row.rss_bytes, 20 * KiB);
	assert_seconds(e->row.window_s, 1.0);
	assert_false(get(&t, 30)->row.exited);
	growth_table__free(&t);
}

/* A process the kernel saw forked during the session: its growth counts the new memory it
 * wrote to before /proc first showed it (the RSS it had at birth is not known, and a fork's
 * shared pages are no growth); one /proc never showed before the session keeps its first RSS */
static void test_born_in_session_base(void **state)
{
	struct growth_table t = {};
	struct growth_entry *e;
	(void)state;

	growth_table__begin_scan(&t, 1.0);
	observe(&t, 10, "shell", 3 * MiB, 1 * MiB);
	growth_table__end_scan(&t);
	/* the shell forks 20, which execs and writes 4 MiB before the next scan */
	kernel(&t, 20, (struct kfig){ .ppid = 10, .comm = "grower", .touched = 4 * MiB });
	growth_table__begin_scan(&t, 2.0);
	observe(&t, 10, "shell", 3 * MiB, 1 * MiB);
	observe(&t, 20, "grower", 5 * MiB, 4 * MiB + 64 * KiB);
	growth_table__end_scan(&t);
	e = get(&t, 20);
	assert_int_equal(e->row.growth_bytes, 4 * MiB);
	assert_int_equal(e->row.anon_growth_bytes, 4 * MiB);
	/* it grows 1 MiB more: counted as for every process */
	kernel(&t, 20, (struct kfig){ .ppid = 10, .comm = "grower", .touched = 5 * MiB });
	growth_table__begin_scan(&t, 3.0);
	observe(&t, 20, "grower", 6 * MiB, 5 * MiB + 64 * KiB);
	growth_table__end_scan(&t);
	assert_int_equal(get(&t, 20)->row.growth_bytes, 5 * MiB);
	/* an estimate above what it has (sampled pages): the base stops at 0 */
	kernel(&t, 30, (struct kfig){ .ppid = 10, .comm = "tiny", .touched = 1 * MiB });
	growth_table__begin_scan(&t, 4.0);
	observe(&t, 30, "tiny", 512 * KiB, 256 * KiB);
	growth_table__end_scan(&t);
	e = get(&t, 30);
	assert_int_equal(e->row.growth_bytes, 512 * KiB);
	assert_int_equal(e->row.anon_growth_bytes, 256 * KiB);
	/* the shell, there before the session: from its first RSS */
	assert_int_equal(get(&t, 10)->row.growth_bytes, 0);
	growth_table__free(&t);
}

/* A process that lived between two scans is known from the kernel side alone: its growth is
 * what it touched, over no window, memory unknown. /proc showing it later starts its base. */
static void test_kernel_only_process(void **state)
{
	struct growth_table t = {};
	struct growth_entry *e;
	(void)state;

	growth_table__begin_scan(&t, 5.0);
	observe(&t, 1, "init", 4 * KiB, 0);
	growth_table__end_scan(&t);
	kernel(&t, 555, (struct kfig){ 1, "worker", 8 * KiB, 12 * KiB, 64 * KiB, 0, 0, false });
	assert_int_equal(t.cnt, 2);
	e = get(&t, 555);
	assert_false(e->from_proc);
	assert_seconds(e->first_s, 5.0);
	assert_int_equal(e->row.pid, 555);
	assert_int_equal(e->row.ppid, 1);
	assert_string_equal(e->row.comm, "worker");
	assert_false(e->row.mem_known);
	assert_int_equal(e->row.rss_bytes, 0);
	assert_int_equal(e->row.anon_bytes, 0);
	assert_int_equal(e->row.growth_bytes, 12 * KiB);
	assert_int_equal(e->row.anon_growth_bytes, 12 * KiB);
	assert_seconds(e->row.window_s, 0);
	assert_int_equal(e->row.held_bytes, 8 * KiB);
	assert_int_equal(e->row.touched_bytes, 12 * KiB);
	assert_int_equal(e->row.heap_bytes, 64 * KiB);
	assert_false(e->row.exited);

	/* the kernel's next figures, at its exit */
	kernel(&t, 555, (struct kfig){ 1, "worker", 4 * KiB, 20 * KiB, 64 * KiB, 0, 0, true });
	e = get(&t, 555);
	assert_true(e->row.exited);
	assert_int_equal(e->row.growth_bytes, 20 * KiB);
	assert_int_equal(e->row.anon_growth_bytes, 20 * KiB);
	assert_int_equal(e->row.held_bytes, 4 * KiB);
	assert_int_equal(e->row.touched_bytes, 20 * KiB);
	growth_table__begin_scan(&t, 6.0);
	observe(&t, 1, "init", 4 * KiB, 0);
	growth_table__end_scan(&t);
	e = get(&t, 555);
	assert_true(e->row.exited);
	assert_false(e->row.mem_known);
	assert_int_equal(e->row.growth_bytes, 20 * KiB);

	/* forked during the session, known to the kernel first, then shown by /proc: growth
	 * counts from that scan, plus what it wrote to before it (test_born_in_session_base) */
	kernel(&t, 600, (struct kfig){ 1, "late", 0, 4 * KiB, 0, 0, 0, false });
	assert_int_equal(get(&t, 600)->row.growth_bytes, 4 * KiB);
	growth_table__begin_scan(&t, 7.0);
	observe(&t, 600, "late", 8 * KiB, 4 * KiB);
	growth_table__end_scan(&t);
	e = get(&t, 600);
	assert_true(e->from_proc && e->row.mem_known);
	assert_seconds(e->first_s, 7.0);
	assert_int_equal(e->rss_first, 4 * KiB);
	assert_int_equal(e->row.growth_bytes, 4 * KiB);
	assert_int_equal(e->row.anon_growth_bytes, 4 * KiB);
	assert_int_equal(e->row.touched_bytes, 4 * KiB);
	/* from now on the kernel's figures leave /proc's growth alone */
	kernel(&t, 600, (struct kfig){ 1, "late", 8 * KiB, 8 * KiB, 0, 0, 0, false });
	e = get(&t, 600);
	assert_int_equal(e->row.growth_bytes, 4 * KiB);
	assert_int_equal(e->row.touched_bytes, 8 * KiB);
	assert_int_equal(e->row.held_bytes, 8 * KiB);
	assert_sorted_by_pid(&t);
	growth_table__free(&t);
}

/* ppid (kept when the kernel says 0), execs, forks, held/touched/heap replaced by each report;
 * the kernel's comm replaces the name only on a new exec (or when there is none) */
static void test_kernel_fields_and_exec(void **state)
{
	struct growth_table t = {};
	struct growth_entry *e;
	(void)state;

	/* the kernel side first (growth_run__scan's order): its name is the only one */
	kernel(&t, 90, (struct kfig){ .ppid = 1, .comm = "sshd" });
	assert_string_equal(get(&t, 90)->row.comm, "sshd");

	growth_table__begin_scan(&t, 1.0);
	observe(&t, 100, "bash", 8 * KiB, 4 * KiB);
	growth_table__end_scan(&t);
	kernel(&t, 100, (struct kfig){ 1, "bash", 4 * KiB, 8 * KiB, 132 * KiB, 0, 2, false });
	e = get(&t, 100);
	assert_int_equal(e->row.ppid, 1);
	assert_string_equal(e->row.comm, "bash");
	assert_int_equal(e->row.held_bytes, 4 * KiB);
	assert_int_equal(e->row.touched_bytes, 8 * KiB);
	assert_int_equal(e->row.heap_bytes, 132 * KiB);
	assert_int_equal(e->row.execs, 0);
	assert_int_equal(e->row.forks, 2);
	assert_int_equal(e->row.growth_bytes, 0);
	assert_true(e->row.mem_known);

	/* exec: the new name; ppid 0 means not seen forking and keeps the one known */
	kernel(&t, 100, (struct kfig){ 0, "python3", 12 * KiB, 16 * KiB, 200 * KiB, 1, 2, false });
	e = get(&t, 100);
	assert_string_equal(e->row.comm, "python3");
	assert_int_equal(e->row.ppid, 1);
	assert_int_equal(e->row.execs, 1);
	assert_int_equal(e->row.held_bytes, 12 * KiB);
	assert_int_equal(e->row.touched_bytes, 16 * KiB);
	assert_int_equal(e->row.heap_bytes, 200 * KiB);
	/* no exec since: the name stays */
	kernel(&t, 100, (struct kfig){ 0, "renamed", 12 * KiB, 16 * KiB, 200 * KiB, 1, 3, false });
	assert_string_equal(get(&t, 100)->row.comm, "python3");
	assert_int_equal(get(&t, 100)->row.forks, 3);
	/* a scan without a name keeps it; one with a name sets it */
	growth_table__begin_scan(&t, 2.0);
	observe(&t, 100, "", 12 * KiB, 8 * KiB);
	observe(&t, 90, NULL, 4 * KiB, 4 * KiB);
	growth_table__end_scan(&t);
	assert_string_equal(get(&t, 100)->row.comm, "python3");
	assert_string_equal(get(&t, 90)->row.comm, "sshd");
	assert_int_equal(get(&t, 100)->row.growth_bytes, 4 * KiB);
	growth_table__begin_scan(&t, 3.0);
	observe(&t, 100, "py", 12 * KiB, 8 * KiB);
	observe(&t, 90, "sshd", 4 * KiB, 4 * KiB);
	growth_table__end_scan(&t);
	assert_string_equal(get(&t, 100)->row.comm, "py");

	/* exited per the kernel: it stays exited */
	kernel(&t, 100, (struct kfig){ 0, "py", 0, 16 * KiB, 200 * KiB, 1, 3, true });
	assert_true(get(&t, 100)->row.exited);
	assert_int_equal(get(&t, 100)->row.held_bytes, 0);
	kernel(&t, 100, (struct kfig){ 0, "py", 0, 16 * KiB, 200 * KiB, 1, 3, false });
	assert_true(get(&t, 100)->row.exited);
	assert_int_equal(t.cnt, 2);
	growth_table__free(&t);
}

/* Names from /proc and from the kernel reach terminals: controls and bytes that are not UTF-8
 * become '?', valid UTF-8 stays, a name cut at 15 bytes inside a character loses that char */
static void test_comm_sanitized(void **state)
{
	struct growth_table t = {};
	(void)state;

	growth_table__begin_scan(&t, 1.0);
	observe(&t, 1, "a\033[2Jb", 4 * KiB, 0);
	observe(&t, 2, "\xff\xfex", 4 * KiB, 0);
	/* 14 bytes and a 3-byte character: the cut keeps its first byte */
	observe(&t, 3, "abcdefghijklmn\xe6\x97\xa5", 4 * KiB, 0);
	growth_table__end_scan(&t);
	assert_string_equal(get(&t, 1)->row.comm, "a?[2Jb");
	assert_string_equal(get(&t, 2)->row.comm, "??x");
	assert_string_equal(get(&t, 3)->row.comm, "abcdefghijklmn?");

	/* a C1 control (CSI, two bytes) is one '?' */
	kernel(&t, 4,
	       (struct kfig){ .comm = "x\xc2\x9b"
				      "2J" });
	assert_string_equal(get(&t, 4)->row.comm, "x?2J");
	kernel(&t, 5, (struct kfig){ .comm = "日本語" });
	assert_string_equal(get(&t, 5)->row.comm, "日本語");
	/* the name after an exec too */
	kernel(&t, 1, (struct kfig){ .comm = "\033]0;pwn\a", .execs = 1 });
	assert_string_equal(get(&t, 1)->row.comm, "?]0;pwn?");
	/* rows hand them on as they are */
	{
		struct proc_row *rows;
		size_t cnt;

		assert_int_equal(growth_table__rows(&t, &rows, &cnt), 0);
		assert_int_equal(cnt, 5);
		for (size_t i = 0; i < cnt; i++)
			assert_null(strchr(rows[i].comm, '\033'));
		free(rows);
	}
	growth_table__free(&t);
}

/* Rows: fastest growing first, then most touched, then lowest pid; a copy of the table */
static void test_rows_order(void **state)
{
	static const uint32_t want[] = { 99, 98, 5, 20, 10, 2, 1 };
	struct growth_table t = {};
	struct proc_row *rows;
	size_t cnt;
	(void)state;

	growth_table__begin_scan(&t, 0.0);
	observe(&t, 10, "a", 1000, 0);
	observe(&t, 20, "b", 1000, 0);
	observe(&t, 5, "c", 1000, 0);
	observe(&t, 1, "d", 1000, 0);
	observe(&t, 2, "e", 1000, 0);
	growth_table__end_scan(&t);
	growth_table__begin_scan(&t, 1.0);
	observe(&t, 10, "a", 6000, 0);
	observe(&t, 20, "b", 6000, 0);
	observe(&t, 5, "c", 6000, 0);
	observe(&t, 1, "d", 900, 0);
	observe(&t, 2, "e", 1000, 0);
	growth_table__end_scan(&t);
	kernel(&t, 20, (struct kfig){ .touched = 100 });
	kernel(&t, 5, (struct kfig){ .touched = 100 });
	kernel(&t, 2, (struct kfig){ .touched = 999 });
	/* only the kernel side knows these two: growth = touched */
	kernel(&t, 99, (struct kfig){ .comm = "burst", .touched = 8000, .exited = true });
	kernel(&t, 98, (struct kfig){ .comm = "short", .touched = 5000, .exited = true });

	assert_int_equal(growth_table__rows(&t, &rows, &cnt), 0);
	assert_int_equal(cnt, 7);
	for (size_t i = 0; i < cnt; i++)
		if (rows[i].pid != want[i])
			fail_msg("row %zu is pid %u, want %u", i, rows[i].pid, want[i]);
	assert_int_equal(rows[0].growth_bytes, 8000);
	assert_false(rows[0].mem_known);
	assert_true(rows[0].exited);
	assert_string_equal(rows[0].comm, "burst");
	assert_int_equal(rows[1].growth_bytes, 5000);
	assert_int_equal(rows[1].touched_bytes, 5000);
	assert_int_equal(rows[2].growth_bytes, 5000);
	assert_int_equal(rows[2].touched_bytes, 100);
	assert_string_equal(rows[2].comm, "c");
	assert_int_equal(rows[4].touched_bytes, 0);
	assert_int_equal(rows[5].growth_bytes, 0);
	assert_int_equal(rows[6].growth_bytes, -100);
	assert_true(rows[6].mem_known);
	assert_seconds(rows[6].window_s, 1.0);
	/* the table keeps its pid order */
	rows[0].pid = 12345;
	assert_sorted_by_pid(&t);
	assert_int_equal(t.e[0].row.pid, 1);
	assert_int_equal(t.e[6].row.pid, 99);
	free(rows);
	growth_table__free(&t);
}

/* The comparator is a total order with no subtraction to overflow */
static void test_cmp_extremes(void **state)
{
	struct proc_row a = { .pid = 7, .growth_bytes = INT64_MAX };
	struct proc_row b = { .pid = 7, .growth_bytes = INT64_MIN };
	(void)state;

	assert_true(proc_row__cmp_growth(&a, &b) < 0);
	assert_true(proc_row__cmp_growth(&b, &a) > 0);
	b.growth_bytes = INT64_MAX;
	b.touched_bytes = UINT64_MAX;
	assert_true(proc_row__cmp_growth(&a, &b) > 0);
	assert_true(proc_row__cmp_growth(&b, &a) < 0);
	a.touched_bytes = UINT64_MAX;
	a.pid = 1;
	b.pid = UINT32_MAX;
	assert_true(proc_row__cmp_growth(&a, &b) < 0);
	assert_true(proc_row__cmp_growth(&b, &a) > 0);
	b.pid = 1;
	assert_int_equal(proc_row__cmp_growth(&a, &b), 0);
}

static void test_empty_table(void **state)
{
	struct growth_table t = {};
	struct proc_row *rows = (struct proc_row *)&t;
	size_t cnt = 99;
	(void)state;

	assert_null(growth_table__get(&t, 1));
	assert_int_equal(growth_table__rows(&t, &rows, &cnt), 0);
	assert_null(rows);
	assert_int_equal(cnt, 0);
	growth_table__begin_scan(&t, 1.0);
	growth_table__end_scan(&t);
	growth_table__prune(&t, 10.0);
	assert_int_equal(t.cnt, 0);
	growth_table__free(&t);
	growth_table__free(&t);
}

/* prune forgets what exited before the time given, nothing else; the table stays searchable */
static void test_prune(void **state)
{
	struct growth_table t = {};
	(void)state;

	growth_table__begin_scan(&t, 1.0);
	observe(&t, 10, "a", 4 * KiB, 0);
	observe(&t, 20, "b", 4 * KiB, 0);
	observe(&t, 30, "c", 4 * KiB, 0);
	growth_table__end_scan(&t);
	growth_table__begin_scan(&t, 2.0);
	observe(&t, 20, "b", 4 * KiB, 0);
	observe(&t, 30, "c", 4 * KiB, 0);
	growth_table__end_scan(&t); /* 10 exited, last seen at 1 */
	growth_table__begin_scan(&t, 5.0);
	observe(&t, 30, "c", 4 * KiB, 0);
	growth_table__end_scan(&t); /* 20 exited, last seen at 2 */
	/* first met at 5 (the table's time), exited between two scans */
	kernel(&t, 40, (struct kfig){ .comm = "d", .touched = 4 * KiB, .exited = true });
	assert_int_equal(t.cnt, 4);

	growth_table__prune(&t, 2.0);
	assert_int_equal(t.cnt, 3);
	assert_null(growth_table__get(&t, 10));
	assert_non_null(growth_table__get(&t, 20)); /* last seen at 2: not before 2 */
	growth_table__prune(&t, 3.0);
	assert_int_equal(t.cnt, 2);
	assert_null(growth_table__get(&t, 20));
	assert_non_null(growth_table__get(&t, 40)); /* first met at 5 */
	growth_table__prune(&t, 100.0);
	assert_int_equal(t.cnt, 1);
	assert_null(growth_table__get(&t, 40));
	/* a live process is never pruned */
	assert_string_equal(get(&t, 30)->row.comm, "c");
	assert_false(get(&t, 30)->row.exited);
	/* and the table still inserts in order */
	growth_table__begin_scan(&t, 6.0);
	observe(&t, 25, "e", 4 * KiB, 0);
	observe(&t, 30, "c", 4 * KiB, 0);
	observe(&t, 35, "f", 4 * KiB, 0);
	growth_table__end_scan(&t);
	assert_int_equal(t.cnt, 3);
	assert_sorted_by_pid(&t);
	assert_string_equal(get(&t, 25)->row.comm, "e");
	assert_string_equal(get(&t, 35)->row.comm, "f");
	growth_table__free(&t);
}

/* A pid that exited and is shown again is a new process: its base, first sight and window
 * restart, and the caller's marks are cleared */
static void test_pid_reused_restarts_base(void **state)
{
	struct growth_table t = {};
	struct growth_entry *e;
	(void)state;

	growth_table__begin_scan(&t, 1.0);
	observe(&t, 42, "old", 40 * KiB, 20 * KiB);
	growth_table__end_scan(&t);
	growth_table__begin_scan(&t, 2.0);
	observe(&t, 42, "old", 80 * KiB, 40 * KiB);
	growth_table__end_scan(&t);
	assert_int_equal(get(&t, 42)->row.growth_bytes, 40 * KiB);
	growth_table__begin_scan(&t, 3.0);
	growth_table__end_scan(&t);
	e = get(&t, 42);
	assert_true(e->row.exited);
	e->seen_exited = true;
	e->forgotten = true;

	growth_table__begin_scan(&t, 5.0);
	observe(&t, 42, "new", 12 * KiB, 4 * KiB);
	growth_table__end_scan(&t);
	assert_int_equal(t.cnt, 1);
	e = get(&t, 42);
	assert_false(e->row.exited);
	assert_false(e->seen_exited);
	assert_false(e->forgotten);
	assert_seconds(e->first_s, 5.0);
	assert_seconds(e->last_s, 5.0);
	assert_int_equal(e->rss_first, 12 * KiB);
	assert_int_equal(e->anon_first, 4 * KiB);
	assert_string_equal(e->row.comm, "new");
	assert_int_equal(e->row.rss_bytes, 12 * KiB);
	assert_int_equal(e->row.growth_bytes, 0);
	assert_int_equal(e->row.anon_growth_bytes, 0);
	assert_seconds(e->row.window_s, 0);

	growth_table__begin_scan(&t, 7.0);
	observe(&t, 42, "new", 20 * KiB, 8 * KiB);
	growth_table__end_scan(&t);
	e = get(&t, 42);
	assert_int_equal(e->row.growth_bytes, 8 * KiB);
	assert_int_equal(e->row.anon_growth_bytes, 4 * KiB);
	assert_seconds(e->row.window_s, 2.0);
	growth_table__free(&t);
}

/* The new process at a reused pid as the kernel side reports it, in growth_run__scan's order
 * (the kernel's table first, then /proc, whose name is read only for a pid the table never had
 * from /proc: "" here). It is another process when its old entry was dropped from the kernel's
 * table (forgotten), or its parent differs, or it has fewer execs: a row of its own, counted
 * from the kernel's report, then from the scan that shows it. */
static void reused_by(uint32_t ppid, uint32_t execs, bool forgotten)
{
	struct growth_table t = {};
	struct growth_entry *e;

	kernel(&t, 42, (struct kfig){ 1, "oldd", 0, 8 * KiB, 0, 1, 0, false });
	growth_table__begin_scan(&t, 1.0);
	observe(&t, 42, "oldd", 40 * KiB, 20 * KiB);
	growth_table__end_scan(&t);
	growth_table__begin_scan(&t, 2.0);
	observe(&t, 42, "", 80 * KiB, 20 * KiB);
	growth_table__end_scan(&t);
	growth_table__begin_scan(&t, 3.0);
	growth_table__end_scan(&t);
	/* the old process's own last report: still the old row (forked in the session: its
	 * growth counts the 8 KiB it wrote to before /proc showed it) */
	kernel(&t, 42, (struct kfig){ 1, "oldd", 0, 8 * KiB, 0, 1, 0, true });
	e = get(&t, 42);
	assert_true(e->row.exited && e->from_proc);
	assert_int_equal(e->row.growth_bytes, 48 * KiB);
	assert_string_equal(e->row.comm, "oldd");
	e->seen_exited = true;
	e->forgotten = forgotten;

	kernel(&t, 42, (struct kfig){ ppid, "newd", 0, 4 * KiB, 12 * KiB, execs, 0, false });
	assert_int_equal(t.cnt, 1);
	e = get(&t, 42);
	assert_string_equal(e->row.comm, "newd");
	assert_false(e->row.exited);
	assert_false(e->from_proc || e->seen_exited || e->forgotten);
	assert_seconds(e->first_s, 3.0);
	assert_int_equal(e->row.ppid, ppid);
	assert_int_equal(e->row.execs, execs);
	assert_false(e->row.mem_known);
	assert_int_equal(e->row.rss_bytes, 0);
	assert_int_equal(e->row.growth_bytes, 4 * KiB);
	assert_int_equal(e->row.anon_growth_bytes, 4 * KiB);
	assert_seconds(e->row.window_s, 0);
	assert_int_equal(e->row.touched_bytes, 4 * KiB);
	assert_int_equal(e->row.heap_bytes, 12 * KiB);

	growth_table__begin_scan(&t, 4.0);
	observe(&t, 42, "", 8 * KiB, 4 * KiB);
	growth_table__end_scan(&t);
	e = get(&t, 42);
	assert_true(e->from_proc && e->row.mem_known);
	assert_seconds(e->first_s, 4.0);
	assert_int_equal(e->rss_first, 4 * KiB); /* less the 4 KiB it wrote to before */
	assert_int_equal(e->row.growth_bytes, 4 * KiB);
	kernel(&t, 42, (struct kfig){ ppid, "newd", 0, 8 * KiB, 12 * KiB, execs, 0, false });
	growth_table__begin_scan(&t, 5.0);
	observe(&t, 42, "", 16 * KiB, 8 * KiB);
	growth_table__end_scan(&t);
	e = get(&t, 42);
	assert_string_equal(e->row.comm, "newd");
	assert_int_equal(e->row.growth_bytes, 12 * KiB);
	assert_int_equal(e->row.anon_growth_bytes, 8 * KiB);
	assert_seconds(e->row.window_s, 1.0);
	assert_int_equal(e->row.touched_bytes, 8 * KiB);
	growth_table__free(&t);
}

static void test_pid_reused_seen_by_kernel(void **state)
{
	(void)state;

	reused_by(1, 1, true);	  /* the same parent and execs, but the old entry was dropped */
	reused_by(300, 1, false); /* another parent */
	reused_by(1, 0, false);	  /* fewer execs */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scans_growth_from_first_sight),
		cmocka_unit_test(test_missing_from_scan_exited),
		cmocka_unit_test(test_kernel_only_process),
		cmocka_unit_test(test_born_in_session_base),
		cmocka_unit_test(test_kernel_fields_and_exec),
		cmocka_unit_test(test_comm_sanitized),
		cmocka_unit_test(test_rows_order),
		cmocka_unit_test(test_cmp_extremes),
		cmocka_unit_test(test_empty_table),
		cmocka_unit_test(test_prune),
		cmocka_unit_test(test_pid_reused_restarts_base),
		cmocka_unit_test(test_pid_reused_seen_by_kernel),
	};

	return cmocka_run_group_tests_name("growth_model", tests, NULL, NULL);
}
