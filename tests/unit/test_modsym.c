// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of modsym.h (and through it dwarf_index.h, debuginfo.h, demangle.h) on fixture
 * programs compiled at test time with -g: file and line of known addresses, an always_inline
 * function as an inlined frame with its call-site line, a C++ method demangled, a stripped copy
 * falling back to .dynsym or module+offset with the same build-id, and separate debug files
 * found through the build-id directory and through .gnu_debuglink. The oracles are
 * independent of the code under test: line numbers come from markers in the fixture sources,
 * addresses from `nm` and from symbols the fixtures export for the purpose. */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "symbols/debuginfo.h"
#include "symbols/demangle.h"
#include "symbols/modsym.h"
#include "symbols/perfmap.h"

#define BUILD_ID "c0ffee00112233445566778899aabbccddeeff00"

/* Return addresses are taken with __builtin_return_address in callees that are never
 * inlined, so the test knows the exact return address of each marked call. Lines are marked
 * with comments the test finds in the source text. */
static const char c_src[] = "#include <stdint.h>\n"
			    "uintptr_t ra_direct, ra_inline, ra_outer;\n"
			    "__attribute__((noinline)) void probe(uintptr_t *out)\n"
			    "{\n"
			    "	*out = (uintptr_t)__builtin_return_address(0);\n"
			    "	__asm__ volatile(\"\" ::: \"memory\");\n"
			    "}\n"
			    "__attribute__((noinline)) void direct_caller(void)\n"
			    "{\n"
			    "	probe(&ra_direct); /* @DIRECT */\n"
			    "	__asm__ volatile(\"\" ::: \"memory\");\n"
			    "}\n"
			    "static inline __attribute__((always_inline)) void inner_helper(void)\n"
			    "{\n"
			    "	probe(&ra_inline); /* @INLINE */\n"
			    "	__asm__ volatile(\"\" ::: \"memory\");\n"
			    "}\n"
			    "__attribute__((noinline)) void outer_fn(void)\n"
			    "{\n"
			    "	inner_helper(); /* @CALLSITE */\n"
			    "	probe(&ra_outer); /* @OUTER */\n"
			    "	__asm__ volatile(\"\" ::: \"memory\");\n"
			    "}\n"
			    "int main(void)\n"
			    "{\n"
			    "	direct_caller();\n"
			    "	outer_fn();\n"
			    "	return 0;\n"
			    "}\n";

static const char cxx_src[] = "namespace shop {\n"
			      "struct Cart {\n"
			      "	int n;\n"
			      "	__attribute__((noinline)) int add(int k);\n"
			      "};\n"
			      "int Cart::add(int k)\n"
			      "{\n"
			      "	n += k; /* @CXX */\n"
			      "	return n;\n"
			      "}\n"
			      "}\n"
			      "int main()\n"
			      "{\n"
			      "	shop::Cart c{1};\n"
			      "	return c.add(2);\n"
			      "}\n";

static struct {
	char dir[64];
	char c_file[128], exe[128], stripped[128], dbg_dir[128], linked[160], linked_dbg[160];
	char cxx_exe[128];
	uint64_t ra_direct, ra_inline, ra_outer; /* link-time return addresses */
	uint64_t direct_caller, outer_fn, cart_add;
	unsigned line_direct, line_inline, line_callsite, line_outer, line_cxx;
} fx;

static int run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static unsigned line_of(const char *src, const char *marker)
{
	const char *at = strstr(src, marker);
	unsigned line = 1;

	if (!at)
		return 0;
	for (const char *p = src; p < at; p++)
		line += *p == '\n';
	return line;
}

/* The address of a symbol as nm prints it, 0 when absent */
static uint64_t nm_addr(const char *path, const char *name)
{
	char cmd[512], line[512];
	uint64_t addr = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "nm %s", path);
	p = popen(cmd, "r");
	if (!p)
		return 0;
	while (fgets(line, sizeof(line), p)) {
		char sym[256], type;
		uint64_t v;

		if (sscanf(line, "%" SCNx64 " %c %255s", &v, &type, sym) == 3 && !strcmp(sym, name))
			addr = v;
	}
	pclose(p);
	return addr;
}

/* Run the fixture once under gdb-free conditions: it stores the return addresses; read them
 * back through a tiny driver that prints them, relocated to link-time addresses. */
static int read_return_addresses(void)
{
	char cmd[512];
	FILE *p;
	unsigned long long d, i, o, base;
	int n;

	/* -no-pie: run-time addresses are link-time addresses */
	snprintf(cmd, sizeof(cmd), "%s/ra_dump", fx.dir);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fscanf(p, "%llx %llx %llx %llx", &d, &i, &o, &base);
	pclose(p);
	if (n != 4)
		return -1;
	fx.ra_direct = d - base;
	fx.ra_inline = i - base;
	fx.ra_outer = o - base;
	return 0;
}

static int setup(void **state)
{
	char path[192], dump_src[192];
	(void)state;

	snprintf(fx.dir, sizeof(fx.dir), "/tmp/perfan-modsym-XXXXXX");
	if (!mkdtemp(fx.dir))
		return -1;
	snprintf(fx.c_file, sizeof(fx.c_file), "%s/fx.c", fx.dir);
	snprintf(fx.exe, sizeof(fx.exe), "%s/fx", fx.dir);
	snprintf(fx.stripped, sizeof(fx.stripped), "%s/bin/fx", fx.dir);
	snprintf(fx.dbg_dir, sizeof(fx.dbg_dir), "%s/debug", fx.dir);
	snprintf(fx.linked, sizeof(fx.linked), "%s/link/fx", fx.dir);
	snprintf(fx.linked_dbg, sizeof(fx.linked_dbg), "%s/link/.debug/fx.dbg", fx.dir);
	snprintf(fx.cxx_exe, sizeof(fx.cxx_exe), "%s/cxx", fx.dir);
	if (write_file(fx.c_file, c_src))
		return -1;
	/* -O2 so that inner_helper is really inlined; -rdynamic so .dynsym names the
	 * functions of the stripped copy */
	if (run("cc -g -O2 -fno-omit-frame-pointer -rdynamic -Wl,--build-id=0x" BUILD_ID
		" %s -o %s",
		fx.c_file, fx.exe))
		return -1;
	/* a driver: the same program with a main that prints the return addresses and the
	 * load base (PIE) */
	snprintf(dump_src, sizeof(dump_src), "%s/ra_dump.c", fx.dir);
	snprintf(path, sizeof(path), "%s/ra_dump", fx.dir);
	{
		char src[4096];

		snprintf(src, sizeof(src),
			 "#define main fx_main\n#include \"%s\"\n#undef main\n"
			 "#include <stdio.h>\n#include <link.h>\n"
			 "int main(void)\n{\n\tfx_main();\n"
			 "\tprintf(\"%%lx %%lx %%lx %%lx\\n\", (unsigned long)ra_direct, "
			 "(unsigned long)ra_inline, (unsigned long)ra_outer, "
			 "(unsigned long)_r_debug.r_map->l_addr);\n\treturn 0;\n}\n",
			 fx.c_file);
		if (write_file(dump_src, src))
			return -1;
	}
	/* the same flags and the same code for every function but main: a separate binary
	 * whose offsets match fx's is not guaranteed, so ra_dump is only used to find the
	 * addresses and fx is checked by symbol: see below */
	if (run("cc -g -O2 -fno-omit-frame-pointer %s -o %s", dump_src, path))
		return -1;
	if (read_return_addresses())
		return -1;
	/* translate from ra_dump's layout to fx's: the same function bodies, at other places */
	{
		uint64_t d_dc = nm_addr(path, "direct_caller"), d_of = nm_addr(path, "outer_fn");

		fx.direct_caller = nm_addr(fx.exe, "direct_caller");
		fx.outer_fn = nm_addr(fx.exe, "outer_fn");
		if (!d_dc || !d_of || !fx.direct_caller || !fx.outer_fn)
			return -1;
		fx.ra_direct = fx.ra_direct - d_dc + fx.direct_caller;
		fx.ra_inline = fx.ra_inline - d_of + fx.outer_fn;
		fx.ra_outer = fx.ra_outer - d_of + fx.outer_fn;
	}
	fx.line_direct = line_of(c_src, "@DIRECT");
	fx.line_inline = line_of(c_src, "@INLINE");
	fx.line_callsite = line_of(c_src, "@CALLSITE");
	fx.line_outer = line_of(c_src, "@OUTER");
	fx.line_cxx = line_of(cxx_src, "@CXX");
	/* stripped copy; its debug file by build-id under debug/.build-id/c0/ffee...debug */
	if (run("mkdir -p %s/bin %s/.build-id/c0 %s/link/.debug", fx.dir, fx.dbg_dir, fx.dir) ||
	    run("objcopy --only-keep-debug %s %s/.build-id/c0/%s.debug", fx.exe, fx.dbg_dir,
		BUILD_ID + 2) ||
	    run("strip -s %s -o %s", fx.exe, fx.stripped))
		return -1;
	/* a copy without build-id, stripped, pointing to its debug file with .gnu_debuglink */
	if (run("objcopy --remove-section .note.gnu.build-id %s %s/link/full", fx.exe, fx.dir) ||
	    run("objcopy --only-keep-debug %s/link/full %s", fx.dir, fx.linked_dbg) ||
	    run("strip -s %s/link/full -o %s/link/tmp", fx.dir, fx.dir) ||
	    run("cd %s/link/.debug && objcopy --add-gnu-debuglink=fx.dbg ../tmp ../fx", fx.dir))
		return -1;
	snprintf(path, sizeof(path), "%s/cxx.cc", fx.dir);
	if (write_file(path, cxx_src) ||
	    run("c++ -g -O1 -fno-omit-frame-pointer %s -o %s", path, fx.cxx_exe))
		return -1;
	fx.cart_add = nm_addr(fx.cxx_exe, "_ZN4shop4Cart3addEi");
	return fx.cart_add ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	if (fx.dir[0])
		run("rm -rf %s", fx.dir);
	return 0;
}

static struct modsym *open_mod(const char *path, const char *debug_dir)
{
	struct modsym_opts opts = { .path = path, .debug = { .debug_dir = debug_dir } };
	struct modsym *m = modsym__open(path, &opts);

	if (!m)
		fail_msg("modsym__open %s: %s", path, strerror(errno));
	return m;
}

static const char *base(const char *path)
{
	const char *s = path ? strrchr(path, '/') : NULL;

	return s ? s + 1 : path;
}

static void test_lines(void **state)
{
	struct modsym *m = open_mod(fx.exe, fx.dbg_dir);
	struct frame f[8];
	size_t n;
	(void)state;

	assert_string_equal(modsym__build_id(m), BUILD_ID);
	/* a return address minus one is the call */
	n = modsym__lookup(m, fx.ra_direct - 1, f, 8);
	assert_int_equal(n, 1);
	assert_string_equal(f[0].function, "direct_caller");
	assert_string_equal(f[0].raw_function, "direct_caller");
	assert_string_equal(base(f[0].file), "fx.c");
	assert_int_equal(f[0].line, fx.line_direct);
	assert_false(f[0].inlined);
	assert_int_equal(f[0].offset, fx.ra_direct - 1 - fx.direct_caller);
	assert_string_equal(modsym__dwarf_path(m), fx.exe);

	/* the call after the inlined one: one frame, its own line */
	n = modsym__lookup(m, fx.ra_outer - 1, f, 8);
	assert_int_equal(n, 1);
	assert_string_equal(f[0].function, "outer_fn");
	assert_int_equal(f[0].line, fx.line_outer);
	modsym__free(m);
}

/* The DWARF budget's parts: what a module's DWARF holds, letting it go (lines come back on the
 * next lookup, C++ names demangled again), and DWARF over the limit not read (symbols only) */
static void test_dwarf_drop_and_limit(void **state)
{
	struct modsym *m = open_mod(fx.cxx_exe, NULL);
	struct modsym_opts small = { .path = fx.exe, .max_dwarf_bytes = 64 };
	struct frame f[4];
	uint64_t bytes;
	size_t n;
	(void)state;

	assert_int_equal(modsym__dwarf_bytes(m), 0); /* read on the first lookup */
	n = modsym__lookup(m, fx.cart_add + 2, f, 4);
	bytes = modsym__dwarf_bytes(m);
	assert_true(bytes > 0);
	assert_string_equal(base(f[n - 1].file), "cxx.cc");
	modsym__drop_dwarf(m);
	assert_int_equal(modsym__dwarf_bytes(m), 0);
	assert_false(modsym__dwarf_over(m));
	n = modsym__lookup(m, fx.cart_add + 2, f, 4);
	assert_int_equal(modsym__dwarf_bytes(m), bytes);
	assert_string_equal(f[n - 1].function, "shop::Cart::add(int)");
	assert_string_equal(base(f[n - 1].file), "cxx.cc");
	modsym__free(m);

	/* 64 bytes: no DWARF fits; the symbol still names the function */
	m = modsym__open(fx.exe, &small);
	assert_non_null(m);
	n = modsym__lookup(m, fx.ra_direct - 1, f, 4);
	assert_int_equal(n, 1);
	assert_string_equal(f[0].function, "direct_caller");
	assert_null(f[0].file);
	assert_true(modsym__dwarf_over(m));
	assert_int_equal(modsym__dwarf_bytes(m), 0);
	modsym__free(m);
}

static void test_inlined(void **state)
{
	struct modsym *m = open_mod(fx.exe, fx.dbg_dir);
	struct frame f[8];
	size_t n;
	(void)state;

	n = modsym__lookup(m, fx.ra_inline - 1, f, 8);
	assert_int_equal(n, 2);
	/* innermost first: the inlined function at the line of the call it makes */
	assert_string_equal(f[0].function, "inner_helper");
	assert_true(f[0].inlined);
	assert_string_equal(base(f[0].file), "fx.c");
	assert_int_equal(f[0].line, fx.line_inline);
	/* then its caller, at the line where it was inlined */
	assert_string_equal(f[1].function, "outer_fn");
	assert_false(f[1].inlined);
	assert_string_equal(base(f[1].file), "fx.c");
	assert_int_equal(f[1].line, fx.line_callsite);
	/* room for one frame: the innermost */
	n = modsym__lookup(m, fx.ra_inline - 1, f, 1);
	assert_int_equal(n, 1);
	assert_string_equal(f[0].function, "inner_helper");
	modsym__free(m);
}

static void test_cxx_demangled(void **state)
{
	struct modsym *m = open_mod(fx.cxx_exe, NULL);
	struct frame f[4];
	size_t n;
	(void)state;

	n = modsym__lookup(m, fx.cart_add + 2, f, 4);
	assert_true(n >= 1);
	assert_string_equal(f[n - 1].function, "shop::Cart::add(int)");
	assert_string_equal(f[n - 1].raw_function, "_ZN4shop4Cart3addEi");
	assert_string_equal(base(f[n - 1].file), "cxx.cc");
	modsym__free(m);
}

static void test_stripped(void **state)
{
	struct modsym *m;
	struct frame f[8];
	uint64_t beyond;
	size_t n;
	(void)state;

	/* no debug file anywhere: .dynsym names (the fixture is linked -rdynamic), no lines */
	m = open_mod(fx.stripped, "/nonexistent");
	assert_string_equal(modsym__build_id(m), BUILD_ID);
	n = modsym__lookup(m, fx.ra_direct - 1, f, 8);
	assert_int_equal(n, 1);
	assert_string_equal(f[0].function, "direct_caller");
	assert_null(f[0].file);
	assert_string_equal(modsym__dwarf_path(m), "");
	/* an address no symbol covers: module offset and build-id, to symbolize later */
	beyond = nm_addr(fx.exe, "_init");
	assert_true(beyond != 0);
	n = modsym__lookup(m, beyond + 1, f, 8);
	assert_int_equal(n, 1);
	assert_null(f[0].function);
	assert_int_equal(f[0].offset, beyond + 1);
	assert_string_equal(f[0].build_id, BUILD_ID);
	modsym__free(m);
}

static void test_debug_by_build_id(void **state)
{
	char want[256];
	struct modsym *m = open_mod(fx.stripped, fx.dbg_dir);
	struct frame f[8];
	size_t n;
	(void)state;

	n = modsym__lookup(m, fx.ra_inline - 1, f, 8);
	snprintf(want, sizeof(want), "%s/.build-id/c0/%s.debug", fx.dbg_dir, BUILD_ID + 2);
	assert_string_equal(modsym__dwarf_path(m), want);
	assert_int_equal(n, 2);
	assert_string_equal(f[0].function, "inner_helper");
	assert_int_equal(f[0].line, fx.line_inline);
	assert_string_equal(f[1].function, "outer_fn");
	assert_int_equal(f[1].line, fx.line_callsite);
	modsym__free(m);
}

static void test_debug_by_debuglink(void **state)
{
	struct modsym *m = open_mod(fx.linked, "/nonexistent");
	struct frame f[8];
	size_t n;
	(void)state;

	assert_string_equal(modsym__build_id(m), "");
	n = modsym__lookup(m, fx.ra_direct - 1, f, 8);
	assert_string_equal(modsym__dwarf_path(m), fx.linked_dbg);
	assert_int_equal(n, 1);
	assert_string_equal(f[0].function, "direct_caller");
	assert_int_equal(f[0].line, fx.line_direct);
	modsym__free(m);
}

/* A debug file whose CRC does not match the debuglink is not used */
static void test_debuglink_crc_mismatch(void **state)
{
	char bad[256];
	struct debuginfo_query q = { .path = fx.linked, .build_id = "", .debuglink = "fx.dbg" };
	uint32_t crc;
	(void)state;

	assert_int_equal(debuginfo__file_crc(fx.linked_dbg, &crc), 0);
	q.debuglink_crc = crc;
	assert_int_equal(debuginfo__find(&(struct debuginfo_opts){ .debug_dir = "/nonexistent" },
					 &q, bad, sizeof(bad)),
			 0);
	assert_string_equal(bad, fx.linked_dbg);
	q.debuglink_crc = crc ^ 1;
	assert_int_equal(debuginfo__find(&(struct debuginfo_opts){ .debug_dir = "/nonexistent" },
					 &q, bad, sizeof(bad)),
			 -ENOENT);
}

static void test_demangle(void **state)
{
	static const struct {
		const char *raw, *want;
	} cases[] = {
		{ "_ZN4shop4Cart3addEi", "shop::Cart::add(int)" },
		{ "_ZNSt6vectorIiSaIiEE9push_backERKi",
		  "std::vector<int, std::allocator<int> >::push_back(int const&)" },
		/* Rust legacy: hash dropped, escapes decoded */
		{ "_ZN1r3foo3Bar3baz17hf35085b1c73aacecE", "r::foo::Bar::baz" },
		{ "_ZN4core3ptr23drop_in_place$LT$u8$GT$17h0123456789abcdefE",
		  "core::ptr::drop_in_place<u8>" },
		/* Rust v0 */
		{ "_RINvMNtCs6GmmlP4bgsG_1r3fooNtB3_3Bar3bazhEB5_", "<r::foo::Bar>::baz::<u8>" },
		{ "_RNvCs1234_7mycrate4main", "mycrate::main" },
		{ "_RNvCs1234_7mycrate99main", NULL }, /* malformed: raw name kept */
		{ "main", NULL },
		{ "_Znot_mangled_", NULL },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = demangle__name(cases[i].raw);

		if ((!got) != (!cases[i].want) || (got && strcmp(got, cases[i].want)))
			fail_msg("demangle__name(%s) = %s, want %s", cases[i].raw,
				 got ? got : "NULL", cases[i].want ? cases[i].want : "NULL");
		free(got);
	}
}

static void test_perf_map(void **state)
{
	static const char text[] = "7f0000001000 40 LazyCompile:~foo app.js:3\n"
				   "garbage line\n"
				   "7f0000002000 10 Builtin:Bar\n"
				   "7f0000001000 20 LazyCompile:*foo app.js:3\n";
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	struct perf_map m = {};
	uint64_t off;
	const struct perf_map_sym *s;
	(void)state;

	assert_non_null(f);
	assert_int_equal(perf_map__parse(f, &m), 0);
	fclose(f);
	assert_int_equal(m.cnt, 2);
	/* the later line at one start wins (the JIT replaced the code) */
	s = perf_map__find(&m, 0x7f0000001005, &off);
	assert_non_null(s);
	assert_string_equal(s->name, "LazyCompile:*foo app.js:3");
	assert_int_equal(off, 5);
	assert_null(perf_map__find(&m, 0x7f0000001020, &off));
	assert_non_null(perf_map__find(&m, 0x7f000000200f, &off));
	assert_null(perf_map__find(&m, 0x7f0000002010, &off));
	assert_null(perf_map__find(&m, 0x10, &off));
	perf_map__free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_inlined),
		cmocka_unit_test(test_dwarf_drop_and_limit),
		cmocka_unit_test(test_cxx_demangled),
		cmocka_unit_test(test_stripped),
		cmocka_unit_test(test_debug_by_build_id),
		cmocka_unit_test(test_debug_by_debuglink),
		cmocka_unit_test(test_debuglink_crc_mismatch),
		cmocka_unit_test(test_demangle),
		cmocka_unit_test(test_perf_map),
	};

	return cmocka_run_group_tests_name("modsym", tests, setup, teardown);
}
