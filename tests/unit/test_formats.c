// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the output formats: folded stacks against the golden files of
 * tests/fixtures/session/ (exact bytes), the pprof message decoded field by field here (sample
 * types, values, inline chains as one location, negative deltas, labels) and its gzip
 * wrapper, the interning map, the frame tree, the SVG flame graph (escaping, tooltips, diff
 * colours) and the HTML report's sections. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <cmocka.h>
#include "analysis/diff.h"
#include "analysis/frame_tree.h"
#include "analysis/profile.h"
#include "analysis/trend.h"
#include "lib/strmap.h"
#include "output/flamegraph.h"
#include "output/folded.h"
#include "output/html_report.h"
#include "output/pprof.h"
#include "session/session_file.h"
#include "session_fixture.h"

#define FIX "tests/fixtures/session/"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

struct fixture {
	struct session s;
	struct leak_report rep;
	struct snapshot_diff d;
	struct profile p;
};

static void load(struct fixture *fx)
{
	struct session_read_info info;

	memset(fx, 0, sizeof(*fx));
	assert_int_equal(session_file__read(FIX "server.session", &fx->s, &info), 0);
	assert_int_equal(fx->s.snap_cnt, 4);
}

static void fixture_report(struct fixture *fx, const char *label)
{
	load(fx);
	assert_int_equal(session__report(&fx->s, session__find(&fx->s, label), &fx->rep), 0);
	assert_int_equal(profile__from_report(&fx->p, &fx->s, session__find(&fx->s, label),
					      &fx->rep),
			 0);
}

static void fixture_diff(struct fixture *fx, const char *a, const char *b)
{
	load(fx);
	assert_int_equal(diff__compute(&fx->s, session__find(&fx->s, a), session__find(&fx->s, b),
				       &(struct diff_opts){ .leak_threshold = 1000 }, &fx->d),
			 0);
	assert_int_equal(profile__from_diff(&fx->p, &fx->d), 0);
}

static void fixture_free(struct fixture *fx)
{
	profile__free(&fx->p);
	diff__free(&fx->d);
	report__free(&fx->rep);
	session__free(&fx->s);
}

/* The output of fn into a malloc'ed string (its length in *len when not NULL) */
#define CAPTURE(buf, len, call)                                                                    \
	do {                                                                                       \
		FILE *out_ = open_memstream(&(buf), &(len));                                       \
		assert_non_null(out_);                                                             \
		FILE *out = out_;                                                                  \
		assert_int_equal((call), 0);                                                       \
		assert_int_equal(fclose(out_), 0);                                                 \
	} while (0)

static void check_folded(struct fixture *fx, enum profile_value v, const char *golden)
{
	char *got = NULL, *want = slurp(golden);
	size_t len;

	CAPTURE(got, len, folded__write(&fx->p, &(struct folded_opts){ .value = v }, out));
	assert_string_equal(got, want);
	free(got);
	free(want);
	fixture_free(fx);
}

static void test_folded_golden(void **state)
{
	struct fixture fx;

	(void)state;
	fixture_report(&fx, "end");
	check_folded(&fx, PV_LIVE_BYTES, FIX "server.report.folded");
	fixture_report(&fx, "end");
	check_folded(&fx, PV_ALLOC_OBJECTS, FIX "server.report.alloc_objects.folded");
	fixture_report(&fx, "warm");
	check_folded(&fx, PV_LIVE_OBJECTS, FIX "server.warm.live_objects.folded");
	fixture_diff(&fx, "start", "end");
	check_folded(&fx, PV_DELTA_BYTES, FIX "server.diff.folded");
	fixture_diff(&fx, "start", "loaded");
	check_folded(&fx, PV_DELTA_OBJECTS, FIX "server.diff.start-loaded.delta_objects.folded");
}

/* Two stacks whose names are equal are one line; ';' and control characters in names are
 * made harmless; with every process (pid 0) each line starts with "pid N" */
static void test_folded_merge_escape_pids(void **state)
{
	struct session s;
	struct leak_report rep = {};
	struct profile p;
	char *got = NULL;
	size_t len;
	const struct fx_row rows[] = {
		{ 7, 1, 100, 1, 100, 1 },
		{ 7, 2, 50, 2, 50, 2 },
		{ 9, 3, 10, 1, 10, 1 },
		{ 9, 4, 0, 0, 10, 1 }, /* nothing live: no line */
	};

	(void)state;
	fx_init(&s, 0, NULL);
	fx_stack(&s, 7, 1, "/bin/a", "f;g", NULL, 0);
	fx_stack(&s, 7, 2, "/bin/a", "f;g", "a.c", 3); /* another address, same name */
	fx_stack(&s, 9, 3, "/bin/b", "bad\nname\x01", NULL, 0);
	fx_stack(&s, 9, 4, "/bin/b", "freed", NULL, 0);
	fx_snap(&s, "only", rows, 4);
	assert_int_equal(session__report(&s, &s.snaps[0], &rep), 0);
	assert_int_equal(profile__from_report(&p, &s, &s.snaps[0], &rep), 0);
	CAPTURE(got, len, folded__write(&p, &(struct folded_opts){ .value = PV_LIVE_BYTES }, out));
	assert_string_equal(got, "pid 7;f:g 150\npid 9;bad?name? 10\n");
	free(got);
	CAPTURE(got, len,
		folded__write(&p, &(struct folded_opts){ .value = PV_LIVE_OBJECTS }, out));
	assert_string_equal(got, "pid 7;f:g 3\npid 9;bad?name? 1\n");
	free(got);
	profile__free(&p);
	report__free(&rep);
	session__free(&s);
}

/* ---- a protobuf reader, enough for the Profile message ---- */

struct pb {
	const unsigned char *p, *end;
};

static uint64_t varint(struct pb *b)
{
	uint64_t v = 0;

	for (int shift = 0; b->p < b->end; shift += 7) {
		unsigned char c = *b->p++;

		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return v;
	}
	fail_msg("varint runs past the end");
	return 0;
}

/* Next field: its number; *v for a varint, *sub for a length-delimited one. 0 at the end. */
static unsigned field(struct pb *b, uint64_t *v, struct pb *sub)
{
	uint64_t key, len;

	if (b->p >= b->end)
		return 0;
	key = varint(b);
	if ((key & 7) == 0) {
		*v = varint(b);
	} else {
		assert_int_equal(key & 7, 2);
		len = varint(b);
		assert_true(len <= (uint64_t)(b->end - b->p));
		sub->p = b->p;
		sub->end = b->p + len;
		b->p += len;
	}
	return (unsigned)(key >> 3);
}

struct decoded {
	char *strings[256];
	size_t string_cnt;
	int64_t sample_types[4][2];
	size_t type_cnt;
	int64_t values[16][4];
	uint64_t sample_locs[16][8];
	size_t sample_loc_cnt[16];
	int64_t labels[16][3][3]; /* key, str, num */
	size_t label_cnt[16];
	size_t sample_cnt;
	/* location id -> its lines (function id, line), innermost first */
	uint64_t loc_lines[32][4][2];
	size_t loc_line_cnt[32];
	uint64_t loc_mapping[32];
	/* function id -> name, system name, file */
	int64_t funcs[32][3];
	size_t mapping_cnt;
	int64_t mapping_file[8], mapping_build_id[8];
	int64_t default_type;
};

static void decode(const unsigned char *buf, size_t len, struct decoded *d)
{
	struct pb b = { buf, buf + len }, sub, sub2, sub3;
	uint64_t v, id = 0;
	unsigned f, g, h;

	memset(d, 0, sizeof(*d));
	while ((f = field(&b, &v, &sub))) {
		switch (f) {
		case 1: /* sample_type */
			while ((g = field(&sub, &v, &sub2)))
				d->sample_types[d->type_cnt][g - 1] = (int64_t)v;
			d->type_cnt++;
			break;
		case 2: { /* sample */
			size_t i = d->sample_cnt++, k = 0;

			assert_true(i < 16);
			while ((g = field(&sub, &v, &sub2))) {
				if (g == 1)
					while (sub2.p < sub2.end)
						d->sample_locs[i][d->sample_loc_cnt[i]++] =
							varint(&sub2);
				else if (g == 2)
					while (sub2.p < sub2.end)
						d->values[i][k++] = (int64_t)varint(&sub2);
				else if (g == 3) {
					size_t l = d->label_cnt[i]++;

					while ((h = field(&sub2, &v, &sub3)))
						d->labels[i][l][h - 1] = (int64_t)v;
				}
			}
			break;
		}
		case 3: /* mapping */
			while ((g = field(&sub, &v, &sub2))) {
				if (g == 5)
					d->mapping_file[d->mapping_cnt] = (int64_t)v;
				if (g == 6)
					d->mapping_build_id[d->mapping_cnt] = (int64_t)v;
			}
			d->mapping_cnt++;
			break;
		case 4: /* location */
			while ((g = field(&sub, &v, &sub2))) {
				if (g == 1)
					id = v;
				else if (g == 2)
					d->loc_mapping[id] = v;
				else if (g == 4) {
					size_t l = d->loc_line_cnt[id]++;

					while ((h = field(&sub2, &v, &sub3)))
						d->loc_lines[id][l][h - 1] = v;
				}
			}
			break;
		case 5: /* function */
			while ((g = field(&sub, &v, &sub2))) {
				if (g == 1)
					id = v;
				else if (g <= 4)
					d->funcs[id][g - 2] = (int64_t)v;
			}
			break;
		case 6:
			d->strings[d->string_cnt++] =
				strndup((const char *)sub.p, (size_t)(sub.end - sub.p));
			break;
		case 14:
			d->default_type = (int64_t)v;
			break;
		}
	}
}

static void decoded_free(struct decoded *d)
{
	for (size_t i = 0; i < d->string_cnt; i++)
		free(d->strings[i]);
}

#define STR(d, i) ((d)->strings[(i)])

/* The index of the sample whose leaf location's innermost function is name */
static size_t sample_of(const struct decoded *d, const char *name)
{
	for (size_t i = 0; i < d->sample_cnt; i++) {
		uint64_t loc = d->sample_locs[i][0];

		if (!strcmp(STR(d, d->funcs[d->loc_lines[loc][0][0]][0]), name))
			return i;
	}
	fail_msg("no sample with leaf %s", name);
	return 0;
}

static void test_pprof_snapshot(void **state)
{
	struct fixture fx;
	struct decoded d;
	unsigned char *buf;
	size_t len, i;
	uint64_t loc;

	(void)state;
	fixture_report(&fx, "end");
	assert_int_equal(pprof__encode(&fx.p, &buf, &len), 0);
	decode(buf, len, &d);
	assert_string_equal(STR(&d, 0), "");
	assert_int_equal(d.type_cnt, 4);
	assert_string_equal(STR(&d, d.sample_types[0][0]), "inuse_space");
	assert_string_equal(STR(&d, d.sample_types[0][1]), "bytes");
	assert_string_equal(STR(&d, d.sample_types[1][0]), "inuse_objects");
	assert_string_equal(STR(&d, d.sample_types[1][1]), "count");
	assert_string_equal(STR(&d, d.sample_types[2][0]), "alloc_space");
	assert_string_equal(STR(&d, d.sample_types[3][0]), "alloc_objects");
	assert_string_equal(STR(&d, d.default_type), "inuse_space");
	/* buffer_grow has nothing live but allocated: still a sample */
	assert_int_equal(d.sample_cnt, 5);
	i = sample_of(&d, "xalloc");
	assert_int_equal(d.values[i][0], 400000);
	assert_int_equal(d.values[i][1], 4000);
	assert_int_equal(d.values[i][2], 400000);
	assert_int_equal(d.values[i][3], 4000);
	/* xalloc inlined into cache_put: one location, two lines, innermost first */
	assert_int_equal(d.sample_loc_cnt[i], 4);
	loc = d.sample_locs[i][0];
	assert_int_equal(d.loc_line_cnt[loc], 2);
	assert_string_equal(STR(&d, d.funcs[d.loc_lines[loc][0][0]][0]), "xalloc");
	assert_string_equal(STR(&d, d.funcs[d.loc_lines[loc][0][0]][2]), "/src/server/util.h");
	assert_int_equal(d.loc_lines[loc][0][1], 12);
	assert_string_equal(STR(&d, d.funcs[d.loc_lines[loc][1][0]][0]), "cache_put");
	assert_int_equal(d.loc_lines[loc][1][1], 88);
	assert_string_equal(STR(&d, d.mapping_file[d.loc_mapping[loc] - 1]), "/srv/app/server");
	assert_string_equal(STR(&d, d.mapping_build_id[d.loc_mapping[loc] - 1]),
			    "5f0c3e9a1b2d4c6e8f00112233445566778899aa");
	/* the root, last */
	loc = d.sample_locs[i][3];
	assert_string_equal(STR(&d, d.funcs[d.loc_lines[loc][0][0]][0]), "__libc_start_call_main");
	/* labels: pid (number), snapshot (string) */
	assert_int_equal(d.label_cnt[i], 2);
	assert_string_equal(STR(&d, d.labels[i][0][0]), "pid");
	assert_int_equal(d.labels[i][0][2], 4242);
	assert_string_equal(STR(&d, d.labels[i][1][0]), "snapshot");
	assert_string_equal(STR(&d, d.labels[i][1][1]), "end");
	/* the C++ function keeps its mangled name as system_name */
	i = sample_of(&d, "Registry::add(std::string const&)");
	loc = d.sample_locs[i][0];
	assert_string_equal(STR(&d, d.funcs[d.loc_lines[loc][0][0]][1]),
			    "_ZN8Registry3addERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE");
	/* three modules */
	assert_int_equal(d.mapping_cnt, 3);
	decoded_free(&d);
	free(buf);
	fixture_free(&fx);
}

static void test_pprof_diff_negative(void **state)
{
	struct fixture fx;
	struct decoded d;
	unsigned char *buf;
	size_t len, i;

	(void)state;
	fixture_diff(&fx, "start", "end");
	assert_int_equal(pprof__encode(&fx.p, &buf, &len), 0);
	decode(buf, len, &d);
	i = sample_of(&d, "parse_config");
	assert_int_equal(d.values[i][0], -3072);
	assert_int_equal(d.values[i][1], -3);
	assert_int_equal(d.values[i][2], 0);
	i = sample_of(&d, "xalloc");
	assert_int_equal(d.values[i][0], 400000);
	assert_int_equal(d.values[i][1], 4000);
	assert_int_equal(d.label_cnt[i], 3);
	assert_string_equal(STR(&d, d.labels[i][1][1]), "end");
	assert_string_equal(STR(&d, d.labels[i][2][0]), "base_snapshot");
	assert_string_equal(STR(&d, d.labels[i][2][1]), "start");
	decoded_free(&d);
	free(buf);
	fixture_free(&fx);
}

/* pprof__write is gzip of pprof__encode */
static void test_pprof_gzip(void **state)
{
	struct fixture fx;
	unsigned char *msg, *plain;
	char *gz = NULL;
	size_t len, gz_len;
	z_stream z = {};

	(void)state;
	fixture_report(&fx, "end");
	assert_int_equal(pprof__encode(&fx.p, &msg, &len), 0);
	CAPTURE(gz, gz_len, pprof__write(&fx.p, out));
	assert_true((unsigned char)gz[0] == 0x1f && (unsigned char)gz[1] == 0x8b);
	plain = malloc(len + 16);
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (unsigned char *)gz;
	z.avail_in = (uInt)gz_len;
	z.next_out = plain;
	z.avail_out = (uInt)len + 16;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	assert_int_equal(z.total_out, len);
	assert_memory_equal(plain, msg, len);
	inflateEnd(&z);
	free(plain);
	free(gz);
	free(msg);
	fixture_free(&fx);
}

static void test_strmap(void **state)
{
	struct strmap *m = strmap__new();
	char key[32];
	bool added;

	(void)state;
	assert_non_null(m);
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(strmap__intern(m, key, strlen(key), &added), i);
		assert_true(added);
	}
	assert_int_equal(strmap__intern(m, "k42", 3, &added), 42);
	assert_false(added);
	assert_int_equal(strmap__find(m, "k4999", 5), 4999);
	assert_int_equal(strmap__find(m, "k5000", 5), -1);
	/* keys are bytes: an embedded NUL is part of the key */
	assert_int_equal(strmap__intern(m, "a\0b", 3, NULL), 5000);
	assert_int_equal(strmap__intern(m, "a\0c", 3, NULL), 5001);
	assert_string_equal(strmap__key(m, 17, NULL), "k17");
	assert_int_equal(strmap__cnt(m), 5002);
	strmap__free(m);
	strmap__free(NULL);
}

static const struct frame_tree_node *tree_child(const struct frame_tree *t, uint32_t parent,
						const char *name)
{
	for (uint32_t c = t->nodes[parent].first_child; c != FRAME_TREE_NONE;
	     c = t->nodes[c].next_sibling)
		if (!strcmp(frame_tree__name(t, &t->nodes[c]), name))
			return &t->nodes[c];
	fail_msg("no child %s", name);
	return NULL;
}

static void test_frame_tree(void **state)
{
	struct fixture fx;
	struct frame_tree t;
	const struct frame_tree_node *main_, *hr, *pc;
	const char *prev = "";

	(void)state;
	fixture_report(&fx, "end");
	assert_int_equal(frame_tree__build(&t, &fx.p, PV_LIVE_BYTES), 0);
	assert_int_equal(t.nodes[0].width, 410984);
	assert_int_equal(t.nodes[0].objects, 4111);
	main_ = tree_child(&t, tree_child(&t, 0, "__libc_start_call_main") - t.nodes, "main");
	assert_true(main_->mixed_lines); /* server.c:210 and :195 */
	hr = tree_child(&t, (uint32_t)(main_ - t.nodes), "handle_request");
	assert_int_equal(hr->width, 409000);
	pc = tree_child(&t, (uint32_t)(main_ - t.nodes), "parse_config");
	assert_int_equal(pc->width, 1984);
	/* children in name order */
	for (uint32_t c = main_->first_child; c != FRAME_TREE_NONE; c = t.nodes[c].next_sibling) {
		assert_true(strcmp(prev, frame_tree__name(&t, &t.nodes[c])) < 0);
		prev = frame_tree__name(&t, &t.nodes[c]);
	}
	assert_int_equal(t.max_depth, 5);
	frame_tree__free(&t);
	/* a snapshot cannot draw a delta */
	assert_int_equal(frame_tree__build(&t, &fx.p, PV_DELTA_BYTES), -EINVAL);
	fixture_free(&fx);

	/* a diff: width is the larger of A and B per stack, the change is summed */
	fixture_diff(&fx, "start", "end");
	assert_int_equal(frame_tree__build(&t, &fx.p, PV_DELTA_BYTES), 0);
	main_ = tree_child(&t, tree_child(&t, 0, "__libc_start_call_main") - t.nodes, "main");
	pc = tree_child(&t, (uint32_t)(main_ - t.nodes), "parse_config");
	assert_int_equal(pc->width, 4096 + 960);
	assert_int_equal(pc->delta_bytes, -3072 + 480);
	assert_int_equal(pc->base_bytes, 4096 + 480);
	assert_int_equal(pc->bytes, 1024 + 960);
	assert_int_equal(frame_tree__build(&t, &fx.p, PV_LIVE_BYTES), -EINVAL);
	assert_int_equal(frame_tree__build(&t, &fx.p, PV_DELTA_BYTES), 0);
	frame_tree__free(&t);
	fixture_free(&fx);
}

/* Node a of ta and node b of tb are the same subtree (names, sums, frames, child order) */
static void assert_same_tree(const struct frame_tree *ta, uint32_t a, const struct frame_tree *tb,
			     uint32_t b)
{
	const struct frame_tree_node *na = &ta->nodes[a], *nb = &tb->nodes[b];
	uint32_t ca = na->first_child, cb = nb->first_child;

	assert_string_equal(frame_tree__name(ta, na), frame_tree__name(tb, nb));
	assert_int_equal(na->width, nb->width);
	assert_int_equal(na->bytes, nb->bytes);
	assert_int_equal(na->objects, nb->objects);
	assert_int_equal(na->delta_bytes, nb->delta_bytes);
	assert_int_equal(na->base_bytes, nb->base_bytes);
	assert_int_equal(na->depth, nb->depth);
	assert_ptr_equal(na->frame, nb->frame);
	assert_int_equal(na->mixed_lines, nb->mixed_lines);
	for (; ca != FRAME_TREE_NONE && cb != FRAME_TREE_NONE;
	     ca = ta->nodes[ca].next_sibling, cb = tb->nodes[cb].next_sibling)
		assert_same_tree(ta, ca, tb, cb);
	assert_int_equal(ca, FRAME_TREE_NONE);
	assert_int_equal(cb, FRAME_TREE_NONE);
}

/* frame_tree__build_drawn: with nothing too narrow it is the whole tree; else the nodes left
 * out are gaps before their kept siblings, and the whole tree's facts stay */
static void test_frame_tree_drawn(void **state)
{
	struct fixture fx;
	struct frame_tree full, t;
	const struct frame_tree_node *main_, *hr;
	int64_t kept = 0, gaps = 0;

	(void)state;
	fixture_report(&fx, "end");
	assert_int_equal(frame_tree__build(&full, &fx.p, PV_LIVE_BYTES), 0);
	assert_int_equal(frame_tree__build_drawn(&t, &fx.p, PV_LIVE_BYTES, 1000, 0), 0);
	assert_int_equal(t.cnt, full.cnt);
	assert_int_equal(t.gap_cnt, 0);
	assert_int_equal(t.max_depth, full.max_depth);
	assert_same_tree(&full, 0, &t, 0);
	frame_tree__free(&t);
	/* 1000 px for 410984 B: parse_config's 1984 B is 4.8 px, handle_request's 409000 B not
	 * left out; a threshold of 10 px leaves parse_config out, before handle_request */
	assert_int_equal(frame_tree__build_drawn(&t, &fx.p, PV_LIVE_BYTES, 1000, 10), 0);
	assert_int_equal(t.max_depth, full.max_depth);
	main_ = tree_child(&t, tree_child(&t, 0, "__libc_start_call_main") - t.nodes, "main");
	for (uint32_t c = main_->first_child; c != FRAME_TREE_NONE; c = t.nodes[c].next_sibling)
		assert_string_not_equal(frame_tree__name(&t, &t.nodes[c]), "parse_config");
	hr = tree_child(&t, (uint32_t)(main_ - t.nodes), "handle_request");
	assert_int_equal(hr->width, 409000);
	for (uint32_t c = main_->first_child; c != FRAME_TREE_NONE; c = t.nodes[c].next_sibling) {
		kept += t.nodes[c].width;
		for (uint32_t g = 0; g < t.nodes[c].gap_cnt; g++)
			gaps += t.gaps[t.nodes[c].gap_first + g];
	}
	assert_true(kept + gaps <= main_->width);
	assert_true(t.cnt < full.cnt);
	frame_tree__free(&t);
	frame_tree__free(&full);
	fixture_free(&fx);

	/* a diff: the largest change is that of the whole tree */
	fixture_diff(&fx, "start", "end");
	assert_int_equal(frame_tree__build(&full, &fx.p, PV_DELTA_BYTES), 0);
	assert_int_equal(frame_tree__build_drawn(&t, &fx.p, PV_DELTA_BYTES, 1000, 0), 0);
	assert_same_tree(&full, 0, &t, 0);
	assert_int_equal(t.max_abs_delta_bytes, full.max_abs_delta_bytes);
	frame_tree__free(&t);
	assert_int_equal(frame_tree__build_drawn(&t, &fx.p, PV_DELTA_BYTES, 1, 1e9), 0);
	assert_int_equal(t.cnt, 1);
	assert_int_equal(t.max_abs_delta_bytes, full.max_abs_delta_bytes);
	assert_int_equal(t.max_abs_delta_objects, full.max_abs_delta_objects);
	assert_true(t.max_abs_delta_bytes > 0);
	assert_int_equal(frame_tree__build_drawn(&t, &fx.p, PV_LIVE_BYTES, 1, 1), -EINVAL);
	frame_tree__free(&t);
	frame_tree__free(&full);
	fixture_free(&fx);
}

static void test_xml_escape(void **state)
{
	char *got = NULL;
	size_t len;
	FILE *out = open_memstream(&got, &len);

	(void)state;
	xml__escape(out, "a<b>&\"'\x01\xff\xc3\xa9\xe2\x86\x92\xc3");
	xml__escape(out, NULL);
	fclose(out);
	assert_string_equal(got, "a&lt;b&gt;&amp;&quot;&apos;??\xc3\xa9\xe2\x86\x92?");
	free(got);
}

static void test_flamegraph_svg(void **state)
{
	struct fixture fx;
	char *svg = NULL;
	size_t len;

	(void)state;
	fixture_report(&fx, "end");
	CAPTURE(svg, len,
		flamegraph__write(&fx.p, &(struct flamegraph_opts){ .value = PV_LIVE_BYTES }, out));
	assert_true(!strncmp(svg, "<?xml version=\"1.0\"", 19));
	assert_non_null(strstr(svg, "Live heap of pid 4242, snapshot \u201cend\u201d"));
	assert_non_null(strstr(svg, "total 401.4 KiB (410984 B) in 4111 objects"));
	assert_non_null(strstr(svg, "<title>cache_put (/src/server/cache.c:88)&#10;module: server"
				    "&#10;390.6 KiB (400000 B), 4000 objects&#10;97.33% of the "
				    "total</title>"));
	assert_non_null(strstr(svg, "<title>xalloc (/src/server/util.h:12) [inlined]"));
	assert_non_null(strstr(svg, "Registry::add(std::string const&amp;)"));
	/* self-contained: the only URL is the SVG namespace, nothing is fetched */
	assert_ptr_equal(strstr(svg, "http"), strstr(svg, "http://www.w3.org/2000/svg\""));
	assert_null(strstr(strstr(svg, "http") + 4, "http"));
	assert_null(strstr(svg, "href"));
	/* the frames of one module share a colour; the legend names the modules */
	assert_non_null(strstr(svg, ">libfoo.so.1</text></g>"));
	assert_null(strstr(svg, "rgb(")); /* no diff colours in a snapshot */
	free(svg);
	fixture_free(&fx);

	fixture_diff(&fx, "start", "end");
	CAPTURE(svg, len,
		flamegraph__write(&fx.p,
				  &(struct flamegraph_opts){ .value = PV_DELTA_BYTES,
							     .embedded = true },
				  out));
	assert_true(!strncmp(svg, "<svg ", 5));
	assert_non_null(strstr(svg, "Heap change of pid 4242, snapshot \u201cstart\u201d \u2192 "
				    "\u201cend\u201d"));
	/* growth red, shrinkage blue */
	assert_non_null(strstr(svg, "<title>xalloc (/src/server/util.h:12) [inlined]&#10;module: "
				    "server&#10;change: +390.6 KiB (+400000 B), +4000 objects"));
	assert_non_null(strstr(svg, "fill=\"rgb(255,60,60)\""));
	assert_non_null(strstr(svg, "change: -2.5 KiB (-2592 B), +7 objects"));
	assert_non_null(strstr(svg, "fill=\"rgb(234,234,255)\""));
	free(svg);
	fixture_free(&fx);
}

static void test_html_report(void **state)
{
	struct fixture fx, dfx;
	struct session_trend t;
	char *html = NULL;
	size_t len;

	(void)state;
	fixture_report(&fx, "end");
	fixture_diff(&dfx, "start", "end");
	assert_int_equal(trend__compute(&fx.s, &t), 0);
	CAPTURE(html, len,
		html_report__write(&(struct html_report_input){ .s = &fx.s,
								.source = "server.session",
								.snap = &fx.s.snaps[3],
								.rep = &fx.rep,
								.snap_profile = &fx.p,
								.trend = &t,
								.diff_profile = &dfx.p,
								.diff = &dfx.d },
				   out));
	assert_true(!strncmp(html, "<!DOCTYPE html>", 15));
	assert_non_null(strstr(html, "<h1 id=\"title\">Heap report of pid 4242</h1>"));
	assert_non_null(
		strstr(html, "<td class=\"n\" id=\"live-bytes\">401.4 KiB (410984 B)</td>"));
	assert_non_null(strstr(html, "<td class=\"n\" id=\"live-objects\">4111</td>"));
	assert_non_null(strstr(html, "<td class=\"n\" id=\"rss\">13.0 MiB (13631488 B)</td>"));
	assert_non_null(strstr(html, "<svg class=\"chart\" id=\"chart\""));
	assert_non_null(strstr(html, "points=\"90.0,239.9 383.3,237.3 676.7,235.9 970.0,233.7\""));
	assert_non_null(strstr(html, ">loaded</text>"));
	assert_non_null(
		strstr(html, "<tr><td>xalloc (util.h:12)</td><td class=\"leak\">leak</td>"));
	assert_non_null(strstr(html, "cache_put  /src/server/cache.c:88"));
	assert_non_null(strstr(html, "<div id=\"flame-snapshot\">\n<svg "));
	assert_non_null(strstr(html, "<div id=\"flame-diff\">\n<svg "));
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "<link"));
	assert_true(!strcmp(html + len - 8, "</html>\n"));
	free(html);
	trend__free(&t);
	fixture_free(&dfx);
	fixture_free(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_folded_golden),
		cmocka_unit_test(test_folded_merge_escape_pids),
		cmocka_unit_test(test_pprof_snapshot),
		cmocka_unit_test(test_pprof_diff_negative),
		cmocka_unit_test(test_pprof_gzip),
		cmocka_unit_test(test_strmap),
		cmocka_unit_test(test_frame_tree),
		cmocka_unit_test(test_frame_tree_drawn),
		cmocka_unit_test(test_xml_escape),
		cmocka_unit_test(test_flamegraph_svg),
		cmocka_unit_test(test_html_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
