// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Writes synthetic session files with the session writer (session_file.h):
 *   gen_session fixture OUT   the small session of tests/fixtures/session/ (golden tests of the
 *                             output formats): 5 stacks of 3 modules, file:line, an inlined
 *                             frame, a frame without a symbol, a C++ name; 4 snapshots
 *   gen_session large N OUT   N stacks, 3 snapshots, 8-20 frames from a pool of 4000
 *                             functions in 4 modules, deterministic (tools/bench/formats.sh)
 *   gen_session snap-bench N OUT
 *                             the stacks of `large N`; after a first snapshot, times the
 *                             session writer appending 9 more in which every row changed
 *                             (tools/bench/snapshot.sh) and prints the median */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "session/session.h"
#include "session/session_file.h"

#define APP "/srv/app/server"
#define APP_BUILD_ID "5f0c3e9a1b2d4c6e8f00112233445566778899aa"
#define LIBC "/usr/lib/x86_64-linux-gnu/libc.so.6"
#define LIBC_BUILD_ID "bd4a1cb1e3c4f2d5a6b7c8d9e0f1a2b3c4d5e6f7"
#define LIBFOO "/opt/vendor/lib/libfoo.so.1"

struct fx_frame {
	uint64_t address;
	const char *module, *build_id, *function, *raw_function;
	uint64_t offset;
	const char *file;
	uint32_t line;
	bool inlined;
};

static void die(const char *what, int err)
{
	fprintf(stderr, "gen_session: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(2);
}

static void put_stack(struct session *s, uint32_t pid, uint64_t id, const struct fx_frame *src,
		      size_t n)
{
	struct frame *f = calloc(n, sizeof(*f));

	if (!f)
		die("calloc", ENOMEM);
	for (size_t i = 0; i < n; i++) {
		f[i].address = src[i].address;
		f[i].module = session__intern(s, src[i].module);
		f[i].build_id = session__intern(s, src[i].build_id ? src[i].build_id : "");
		f[i].function = session__intern(s, src[i].function);
		f[i].raw_function = session__intern(s, src[i].raw_function);
		f[i].offset = src[i].offset;
		f[i].file = session__intern(s, src[i].file);
		f[i].line = src[i].line;
		f[i].inlined = src[i].inlined;
	}
	if (stacktab__put(s->stacks, pid, id, f, n))
		die("stacktab__put", ENOMEM);
}

static void snap(struct session *s, struct session_writer *w, const char *label, double at_s,
		 uint64_t rss, const struct stack_row *rows, size_t n)
{
	struct snapshot in = {
		.label = (char *)label,
		.wall_ns = s->start_wall_ns + (int64_t)(at_s * 1e9),
		.mono_ns = 1000000000000LL + (int64_t)(at_s * 1e9),
		.elapsed_s = at_s,
		.pid = s->pid,
		.mem_known = rss != 0,
		.rss_bytes = rss,
		.anon_bytes = rss / 2,
		.rows = (struct stack_row *)rows,
		.row_cnt = n,
	};
	const struct snapshot *out = session__add_snapshot(s, &in);
	int err;

	if (!out)
		die("session__add_snapshot", ENOMEM);
	err = session_writer__append(w, s, out);
	if (err)
		die("session_writer__append", err);
}

static struct stack_row row(uint64_t id, uint64_t live_b, uint64_t live_o, uint64_t alloc_b,
			    uint64_t alloc_o)
{
	return (struct stack_row){
		.pid = 4242,
		.stack_id = id,
		.counts = { live_b, live_o, alloc_b, alloc_o, alloc_b - live_b, alloc_o - live_o },
	};
}

#define APPF(addr, fn, off, file, line)                                                            \
	{                                                                                          \
		addr, APP, APP_BUILD_ID, fn, NULL, off, "/src/server/" file, line, false           \
	}
#define START_MAIN                                                                                 \
	{                                                                                          \
		0x7f3a1c029d90, LIBC, LIBC_BUILD_ID, "__libc_start_call_main", NULL, 0x80, NULL,   \
			0, false                                                                   \
	}

static void fixture(const char *path)
{
	static const struct fx_frame s1[] = {
		/* xalloc (util.h) inlined into cache_put: one address, two frames */
		{ 0x55d0c0a01a2b, APP, APP_BUILD_ID, "xalloc", NULL, 0x1b, "/src/server/util.h", 12,
		  true },
		APPF(0x55d0c0a01a2b, "cache_put", 0x4b, "cache.c", 88),
		APPF(0x55d0c0a0230f, "handle_request", 0x9f, "server.c", 140),
		APPF(0x55d0c0a02c44, "main", 0x64, "server.c", 210),
		START_MAIN,
	};
	static const struct fx_frame s2[] = {
		APPF(0x55d0c0a01511, "parse_config", 0x31, "config.c", 33),
		APPF(0x55d0c0a02bf0, "main", 0x10, "server.c", 195),
		START_MAIN,
	};
	static const struct fx_frame s3[] = {
		APPF(0x55d0c0a01c80, "buffer_grow", 0x20, "buffer.c", 51),
		APPF(0x55d0c0a0236a, "handle_request", 0xfa, "server.c", 152),
		APPF(0x55d0c0a02c44, "main", 0x64, "server.c", 210),
		START_MAIN,
	};
	static const struct fx_frame s4[] = {
		/* no symbol: named by module and offset from its base */
		{ 0x7f3a1d2044f0, LIBFOO, NULL, NULL, NULL, 0x44f0, NULL, 0, false },
		APPF(0x55d0c0a023c1, "handle_request", 0x151, "server.c", 160),
		APPF(0x55d0c0a02c44, "main", 0x64, "server.c", 210),
		START_MAIN,
	};
	static const struct fx_frame s5[] = {
		{ 0x55d0c0a03105, APP, APP_BUILD_ID, "Registry::add(std::string const&)",
		  "_ZN8Registry3addERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE", 0x35,
		  "/src/server/registry.cc", 27, false },
		APPF(0x55d0c0a01515, "parse_config", 0x35, "config.c", 41),
		APPF(0x55d0c0a02bf0, "main", 0x10, "server.c", 195),
		START_MAIN,
	};
	struct session s;
	struct session_writer *w;
	struct stack_row r[5];
	int err;

	if (session__init(&s))
		die("session__init", ENOMEM);
	s.pid = 4242;
	s.allocator = strdup(LIBC);
	s.start_wall_ns = 1763895000000000000LL;
	put_stack(&s, 4242, 101, s1, sizeof(s1) / sizeof(s1[0]));
	put_stack(&s, 4242, 102, s2, sizeof(s2) / sizeof(s2[0]));
	put_stack(&s, 4242, 103, s3, sizeof(s3) / sizeof(s3[0]));
	put_stack(&s, 4242, 104, s4, sizeof(s4) / sizeof(s4[0]));
	put_stack(&s, 4242, 105, s5, sizeof(s5) / sizeof(s5[0]));
	err = session_writer__open(path, true, &s, &w);
	if (err)
		die(path, err);
	r[0] = row(102, 4096, 4, 4096, 4);
	r[1] = row(105, 480, 10, 480, 10);
	snap(&s, w, "start", 1.0, 8 << 20, r, 2);
	r[0] = row(101, 100000, 1000, 100000, 1000);
	r[1] = row(102, 4096, 4, 4096, 4);
	r[2] = row(103, 65536, 2, 131072, 4);
	r[3] = row(104, 3000, 30, 3000, 30);
	r[4] = row(105, 480, 10, 480, 10);
	snap(&s, w, "warm", 11.0, 10 << 20, r, 5);
	r[0] = row(101, 250000, 2500, 250000, 2500);
	r[2] = row(103, 0, 0, 262144, 8);
	r[3] = row(104, 9000, 90, 9000, 90);
	snap(&s, w, "loaded", 21.0, 12 << 20, r, 5);
	r[0] = row(101, 400000, 4000, 400000, 4000);
	r[1] = row(102, 1024, 1, 4096, 4);
	r[2] = row(103, 0, 0, 262144, 8);
	r[3] = row(104, 9000, 90, 9000, 90);
	r[4] = row(105, 960, 20, 960, 20);
	snap(&s, w, "end", 31.0, 13 << 20, r, 5);
	err = session_writer__close(w);
	if (err)
		die(path, err);
	session__free(&s);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* The stacks of a large session: n of them, pid 777, ids 1..n; rows[k] is stack k + 1 */
static void large_stacks(struct session *s, struct stack_row *rows, size_t n);

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void snap_bench(size_t n, const char *path)
{
	enum { TIMED = 9 };
	struct stack_row *rows = calloc(n, sizeof(*rows));
	struct session s;
	struct session_writer *w;
	double ms[TIMED];
	int err;

	if (!rows || session__init(&s))
		die("calloc", ENOMEM);
	large_stacks(&s, rows, n);
	err = session_writer__open(path, true, &s, &w);
	if (err)
		die(path, err);
	for (int t = 0; t <= TIMED; t++) {
		struct timespec a, b;
		struct snapshot in = {
			.label = "t",
			.seq = (uint32_t)t,
			.pid = s.pid,
			.rows = rows,
			.row_cnt = n,
		};

		for (size_t k = 0; k < n; k++) {
			uint64_t o = 1 + k % 50 + (uint64_t)t, b = o * (16 + k % 200);

			rows[k].counts = (struct stack_counts){ b, o, b * 2, o * 2, b, o, 0, 0 };
			stack_counts__add(&in.totals, &rows[k].counts);
		}
		clock_gettime(CLOCK_MONOTONIC, &a);
		err = session_writer__append(w, &s, &in);
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (err)
			die("session_writer__append", err);
		if (t)
			ms[t - 1] = (double)(b.tv_sec - a.tv_sec) * 1e3 +
				    (double)(b.tv_nsec - a.tv_nsec) / 1e6;
		else
			printf("  session writer alone: %zu stacks, first snapshot (frames and all): "
			       "%.3f ms\n",
			       n,
			       (double)(b.tv_sec - a.tv_sec) * 1e3 +
				       (double)(b.tv_nsec - a.tv_nsec) / 1e6);
	}
	qsort(ms, TIMED, sizeof(ms[0]), cmp_double);
	printf("  session writer alone: %zu stacks, every row changed: %.3f ms per snapshot "
	       "(median of %d; target <= 5 ms: %s)\n",
	       n, ms[TIMED / 2], TIMED, ms[TIMED / 2] <= 5 ? "met" : "MISSED");
	err = session_writer__close(w);
	if (err)
		die(path, err);
	free(rows);
	session__free(&s);
}

static void large_stacks(struct session *s, struct stack_row *rows, size_t n)
{
	static const char *const mods[] = { APP, LIBC, LIBFOO, "/usr/lib/libbar.so" };
	enum { FUNCS = 4000 };
	struct fx_frame fr[20];
	static char names[FUNCS][32], files[FUNCS][32];

	s->pid = 777;
	s->allocator = strdup(LIBC);
	s->start_wall_ns = 1763895000000000000LL;
	for (int i = 0; i < FUNCS; i++) {
		snprintf(names[i], sizeof(names[i]), "function_%04d", i);
		snprintf(files[i], sizeof(files[i]), "/src/mod%02d.c", i % 97);
	}
	for (size_t k = 0; k < n; k++) {
		size_t depth = 8 + rng() % 13;

		for (size_t i = 0; i < depth; i++) {
			/* callers near the root come from a small set, so the tree is bushy */
			size_t level = depth - 1 - i;
			uint64_t f = level < 3 ? (level * 7 + rng() % (level + 2)) : rng() % FUNCS;

			fr[i] = (struct fx_frame){ 0x400000 + f * 64 + rng() % 32,
						   mods[f % 4],
						   "",
						   names[f],
						   NULL,
						   rng() % 64,
						   files[f],
						   (uint32_t)(10 + f % 500),
						   i == 0 && k % 5 == 0 };
		}
		put_stack(s, 777, k + 1, fr, depth);
		rows[k] = (struct stack_row){ .pid = 777, .stack_id = k + 1 };
	}
}

static void large(size_t n, const char *path)
{
	struct stack_row *rows = calloc(n, sizeof(*rows));
	struct session s;
	struct session_writer *w;
	int err;

	if (!rows || session__init(&s))
		die("calloc", ENOMEM);
	large_stacks(&s, rows, n);
	err = session_writer__open(path, true, &s, &w);
	if (err)
		die(path, err);
	for (int t = 0; t < 3; t++) {
		char label[16];

		for (size_t k = 0; k < n; k++) {
			uint64_t o = 1 + (k * 7 + (uint64_t)t * (k % 3)) % 50,
				 b = o * (16 + k % 200);

			rows[k].counts = (struct stack_counts){ b, o, b * 2, o * 2, b, o, 0, 0 };
		}
		snprintf(label, sizeof(label), "t%d", t);
		snap(&s, w, label, 10.0 * (t + 1), (uint64_t)(100 + t * 50) << 20, rows, n);
	}
	err = session_writer__close(w);
	if (err)
		die(path, err);
	free(rows);
	session__free(&s);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "fixture")) {
		fixture(argv[2]);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "large")) {
		large(strtoul(argv[2], NULL, 10), argv[3]);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "snap-bench")) {
		snap_bench(strtoul(argv[2], NULL, 10), argv[3]);
		return 0;
	}
	fprintf(stderr, "usage: gen_session fixture OUT | gen_session large N OUT | "
			"gen_session snap-bench N OUT\n");
	return 2;
}
