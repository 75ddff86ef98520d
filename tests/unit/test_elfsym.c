// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of elfsym.h on fixture programs compiled at test time: symbol lookup by name and
 * by address, alias preference, .dynsym of a stripped library, build-id, file offset <-> vaddr
 * and raw reads. readelf's output is the independent oracle for addresses, sizes and ids. */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "symbols/elfsym.h"

#define CFLAGS_FIXTURE "-O0 -g -fno-omit-frame-pointer -fcf-protection=none"
#define FIXED_BUILD_ID "0123456789abcdef0011223344556677"

/* Functions in source order (gcc -O0 keeps it), aliases of every rank, and four bytes of
 * padding after last_func so that no symbol starts where it ends. */
static const char exe_src[] =
	"int leaf_add(int a, int b)\n"
	"{\n"
	"	return a + b;\n"
	"}\n"
	"int mid_call(int x)\n"
	"{\n"
	"	return leaf_add(x, 1) * 2;\n"
	"}\n"
	"static int local_helper(int x)\n"
	"{\n"
	"	return x * 3;\n"
	"}\n"
	"int global_of_local(int x) __attribute__((alias(\"local_helper\")));\n"
	"int __impl_sum(int x)\n"
	"{\n"
	"	return local_helper(x) + 1;\n"
	"}\n"
	"int sum_alias(int x) __attribute__((alias(\"__impl_sum\")));\n"
	"int __libc_thing(int x)\n"
	"{\n"
	"	return x + 7;\n"
	"}\n"
	"extern int thing(int x) __attribute__((weak, alias(\"__libc_thing\")));\n"
	"int cfree_fn(int x)\n"
	"{\n"
	"	return x - 7;\n"
	"}\n"
	"int free_fn(int x) __attribute__((alias(\"cfree_fn\")));\n"
	"int main(int argc, char **argv)\n"
	"{\n"
	"	(void)argv;\n"
	"	return mid_call(argc) + sum_alias(argc) + thing(argc) + free_fn(argc) +\n"
	"	       global_of_local(argc);\n"
	"}\n"
	"int last_func(int x)\n"
	"{\n"
	"	return x - 1;\n"
	"}\n"
	"__asm__(\".text\\n.byte 0xcc, 0xcc, 0xcc, 0xcc\\n\");\n";

/* A library without libc: its .dynsym holds exactly the four exported functions */
static const char lib_src[] = "static int hidden_helper(int x)\n"
			      "{\n"
			      "	return x * 5;\n"
			      "}\n"
			      "int lib_alpha(int x)\n"
			      "{\n"
			      "	return hidden_helper(x) + 1;\n"
			      "}\n"
			      "int lib_beta(int x)\n"
			      "{\n"
			      "	return lib_alpha(x) - 2;\n"
			      "}\n"
			      "int vfunc_impl(int x)\n"
			      "{\n"
			      "	return x + 11;\n"
			      "}\n"
			      "__asm__(\".symver vfunc_impl, vfunc@@VERS_1\");\n"
			      "int lib_last(int x)\n"
			      "{\n"
			      "	return x;\n"
			      "}\n"
			      "__asm__(\".text\\n.byte 0xcc, 0xcc, 0xcc, 0xcc\\n\");\n";

static const char lib_map[] =
	"VERS_1 { global: lib_alpha; lib_beta; lib_last; vfunc; local: *; };\n";

static struct {
	char dir[64];
	char exe[128];	    /* build-id FIXED_BUILD_ID */
	char exe_noid[128]; /* --build-id=none */
	char lib[128];	    /* default (sha1) build-id */
	char lib_stripped[128];
	char obj[128]; /* lib.c as a relocatable object: .symtab names carry "@@VERS_1" */
	char text[128];
	char empty[128];
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

static int write_file(const char *dir, const char *name, const char *text, char *path,
		      size_t path_len)
{
	FILE *f;

	snprintf(path, path_len, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static int setup(void **state)
{
	char src[128], lsrc[128], map[128];
	(void)state;

	snprintf(fx.dir, sizeof(fx.dir), "/tmp/perfan-elfsym-XXXXXX");
	if (!mkdtemp(fx.dir))
		return -1;
	snprintf(fx.exe, sizeof(fx.exe), "%s/fixture", fx.dir);
	snprintf(fx.exe_noid, sizeof(fx.exe_noid), "%s/fixture-noid", fx.dir);
	snprintf(fx.lib, sizeof(fx.lib), "%s/libfx.so", fx.dir);
	snprintf(fx.lib_stripped, sizeof(fx.lib_stripped), "%s/libfx-stripped.so", fx.dir);
	snprintf(fx.obj, sizeof(fx.obj), "%s/libfx.o", fx.dir);
	if (write_file(fx.dir, "fixture.c", exe_src, src, sizeof(src)) ||
	    write_file(fx.dir, "lib.c", lib_src, lsrc, sizeof(lsrc)) ||
	    write_file(fx.dir, "lib.map", lib_map, map, sizeof(map)) ||
	    write_file(fx.dir, "notelf.txt", "#!/bin/sh\necho this is not ELF\n", fx.text,
		       sizeof(fx.text)) ||
	    write_file(fx.dir, "empty", "", fx.empty, sizeof(fx.empty)))
		return -1;
	if (run("cc " CFLAGS_FIXTURE " -Wl,--build-id=0x" FIXED_BUILD_ID " %s -o %s", src,
		fx.exe) ||
	    run("cc " CFLAGS_FIXTURE " -Wl,--build-id=none %s -o %s", src, fx.exe_noid) ||
	    run("cc " CFLAGS_FIXTURE " -shared -fPIC -nostdlib -Wl,--build-id=sha1 "
		"-Wl,--version-script=%s %s -o %s",
		map, lsrc, fx.lib) ||
	    run("strip -o %s %s", fx.lib_stripped, fx.lib) ||
	    run("cc " CFLAGS_FIXTURE " -fPIC -c %s -o %s", lsrc, fx.obj))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (fx.dir[0])
		run("rm -rf %s", fx.dir);
	return 0;
}

/* The first defined function symbol called `name` as `readelf -sW` prints it */
static void readelf_func(const char *path, const char *name, uint64_t *value, uint64_t *size)
{
	char cmd[256], line[512];
	bool found = false;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "readelf -sW %s", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		char type[32], bind[32], vis[32], ndx[32], sym[256];
		uint64_t v, s;

		if (sscanf(line, " %*u: %" SCNx64 " %" SCNu64 " %31s %31s %31s %31s %255s", &v, &s,
			   type, bind, vis, ndx, sym) != 7)
			continue;
		if (found || strcmp(type, "FUNC") || !strcmp(ndx, "UND") || strcmp(sym, name))
			continue;
		*value = v;
		*size = s;
		found = true;
	}
	pclose(p);
	if (!found)
		fail_msg("readelf shows no function %s in %s", name, path);
}

/* How many defined, non-zero function symbols both symbol tables hold */
static size_t readelf_func_cnt(const char *path)
{
	char cmd[256], line[512];
	size_t n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "readelf -sW %s", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		char type[32], bind[32], vis[32], ndx[32], sym[256];
		uint64_t v, s;

		if (sscanf(line, " %*u: %" SCNx64 " %" SCNu64 " %31s %31s %31s %31s %255s", &v, &s,
			   type, bind, vis, ndx, sym) != 7)
			continue;
		n += (!strcmp(type, "FUNC") || !strcmp(type, "IFUNC")) && strcmp(ndx, "UND") && v;
	}
	pclose(p);
	return n;
}

static void readelf_build_id(const char *path, char *out, size_t len)
{
	char cmd[256], line[512];
	FILE *p;

	out[0] = '\0';
	snprintf(cmd, sizeof(cmd), "readelf -n %s", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		char id[128];

		if (sscanf(line, " Build ID: %127s", id) == 1)
			snprintf(out, len, "%s", id);
	}
	pclose(p);
}

struct load {
	uint64_t off, vaddr, paddr, filesz, memsz;
};

static size_t readelf_loads(const char *path, struct load *loads, size_t max)
{
	char cmd[256], line[512];
	size_t n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "readelf -lW %s", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		struct load l;

		if (n < max && sscanf(line,
				      " LOAD 0x%" SCNx64 " 0x%" SCNx64 " 0x%" SCNx64 " 0x%" SCNx64
				      " 0x%" SCNx64,
				      &l.off, &l.vaddr, &l.paddr, &l.filesz, &l.memsz) == 5)
			loads[n++] = l;
	}
	pclose(p);
	return n;
}

static struct elf_file *open_ok(const char *path)
{
	struct elf_file *ef = elf_file__open(path);

	if (!ef)
		fail_msg("elf_file__open(%s): %s", path, strerror(errno));
	return ef;
}

static void assert_func_as_readelf(const struct elf_file *ef, const char *path, const char *name)
{
	uint64_t va = 0, size = 0, exp_va, exp_size;

	readelf_func(path, name, &exp_va, &exp_size);
	assert_int_equal(elf_file__find_func(ef, name, &va, &size), 0);
	assert_int_equal(va, exp_va);
	assert_int_equal(size, exp_size);
}

static void test_find_func(void **state)
{
	struct elf_file *ef = open_ok(fx.exe);
	uint64_t va = 0xdead, size = 0xbeef;
	(void)state;

	assert_string_equal(elf_file__path(ef), fx.exe);
	assert_func_as_readelf(ef, fx.exe, "leaf_add");
	assert_func_as_readelf(ef, fx.exe, "mid_call");
	assert_func_as_readelf(ef, fx.exe, "local_helper");
	assert_func_as_readelf(ef, fx.exe, "__impl_sum");
	assert_func_as_readelf(ef, fx.exe, "sum_alias");
	assert_func_as_readelf(ef, fx.exe, "main");
	assert_func_as_readelf(ef, fx.exe, "last_func");
	assert_func_as_readelf(ef, fx.exe, "_start");
	/* a prefix or an extension of a name is another name */
	assert_int_equal(elf_file__find_func(ef, "leaf", &va, &size), -ENOENT);
	assert_int_equal(elf_file__find_func(ef, "leaf_add_", &va, &size), -ENOENT);
	assert_int_equal(elf_file__find_func(ef, "no_such_function", &va, &size), -ENOENT);
	/* data and undefined symbols are not functions */
	assert_int_equal(elf_file__find_func(ef, "__libc_start_main", &va, &size), -ENOENT);
	assert_int_equal(va, 0xdead);
	assert_int_equal(size, 0xbeef);
	assert_int_equal(elf_file__sym_cnt(ef), readelf_func_cnt(fx.exe));
	elf_file__free(ef);
}

static void test_lookup_every_byte(void **state)
{
	static const char *const funcs[] = { "leaf_add", "mid_call", "main", "last_func" };
	struct elf_file *ef = open_ok(fx.exe);
	(void)state;

	for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++) {
		uint64_t va, size;

		readelf_func(fx.exe, funcs[i], &va, &size);
		assert_true(size > 0);
		for (uint64_t k = 0; k < size; k++) {
			uint64_t off = ~0ULL;
			const char *name = elf_file__lookup(ef, va + k, &off);

			if (!name || strcmp(name, funcs[i]) || off != k)
				fail_msg("lookup(%s+%" PRIu64 ") = %s+%" PRIu64, funcs[i], k,
					 name ? name : "NULL", off);
		}
	}
	elf_file__free(ef);
}

static void test_lookup_adjacent_functions(void **state)
{
	struct elf_file *ef = open_ok(fx.exe);
	uint64_t leaf_va, leaf_size, mid_va, mid_size, off = ~0ULL;
	(void)state;

	/* -O0 does not align functions: mid_call starts where leaf_add ends */
	readelf_func(fx.exe, "leaf_add", &leaf_va, &leaf_size);
	readelf_func(fx.exe, "mid_call", &mid_va, &mid_size);
	assert_int_equal(leaf_va + leaf_size, mid_va);
	assert_string_equal(elf_file__lookup(ef, mid_va - 1, &off), "leaf_add");
	assert_int_equal(off, leaf_size - 1);
	assert_string_equal(elf_file__lookup(ef, mid_va, &off), "mid_call");
	assert_int_equal(off, 0);
	elf_file__free(ef);
}

static void test_lookup_outside_functions(void **state)
{
	struct elf_file *ef = open_ok(fx.exe);
	uint64_t va, size, off = 0x1234;
	(void)state;

	readelf_func(fx.exe, "last_func", &va, &size);
	/* the padding after the last function of .text */
	assert_null(elf_file__lookup(ef, va + size, &off));
	assert_null(elf_file__lookup(ef, va + size + 3, &off));
	/* the ELF header, below every function */
	assert_null(elf_file__lookup(ef, 0, &off));
	assert_null(elf_file__lookup(ef, 0x40, &off));
	assert_int_equal(off, 0x1234);
	elf_file__free(ef);
}

static void assert_lookup(const struct elf_file *ef, const char *path, const char *alias_of,
			  const char *expected)
{
	uint64_t va, size, off = ~0ULL, va2 = 0, size2 = 0;

	readelf_func(path, alias_of, &va, &size);
	assert_string_equal(elf_file__lookup(ef, va, &off), expected);
	assert_int_equal(off, 0);
	assert_string_equal(elf_file__lookup(ef, va + size - 1, &off), expected);
	assert_int_equal(off, size - 1);
	/* every alias is still found by its own name */
	assert_int_equal(elf_file__find_func(ef, alias_of, &va2, &size2), 0);
	assert_int_equal(va2, va);
	assert_int_equal(elf_file__find_func(ef, expected, &va2, &size2), 0);
	assert_int_equal(va2, va);
	assert_int_equal(size2, size);
}

static void test_alias_preference(void **state)
{
	struct elf_file *ef = open_ok(fx.exe);
	(void)state;

	/* global `sum_alias` over global `__impl_sum`: the underscore loses */
	assert_lookup(ef, fx.exe, "__impl_sum", "sum_alias");
	/* weak `thing` over global `__libc_thing` (glibc's calloc / __libc_calloc) */
	assert_lookup(ef, fx.exe, "__libc_thing", "thing");
	/* both global, no underscore: the shorter (free over cfree) */
	assert_lookup(ef, fx.exe, "cfree_fn", "free_fn");
	/* global `global_of_local` over the shorter local `local_helper` */
	assert_lookup(ef, fx.exe, "local_helper", "global_of_local");
	elf_file__free(ef);
}

static void test_stripped_dynsym(void **state)
{
	static const char *const exported[] = { "lib_alpha", "lib_beta", "vfunc", "lib_last" };
	struct elf_file *full = open_ok(fx.lib), *ef = open_ok(fx.lib_stripped);
	uint64_t va, size, fva, fsize, off;
	(void)state;

	/* the symbol table is gone: only the four exported functions remain */
	assert_int_equal(elf_file__sym_cnt(ef), 4);
	assert_int_equal(elf_file__sym_cnt(full), readelf_func_cnt(fx.lib));
	for (size_t i = 0; i < sizeof(exported) / sizeof(exported[0]); i++) {
		assert_int_equal(elf_file__find_func(full, exported[i], &fva, &fsize), 0);
		assert_int_equal(elf_file__find_func(ef, exported[i], &va, &size), 0);
		assert_int_equal(va, fva);
		assert_int_equal(size, fsize);
		assert_true(size > 0);
		assert_string_equal(elf_file__lookup(ef, va + size - 1, &off), exported[i]);
		assert_int_equal(off, size - 1);
	}
	/* the static function was only in .symtab */
	assert_int_equal(elf_file__find_func(full, "hidden_helper", &fva, &fsize), 0);
	assert_int_equal(elf_file__find_func(ef, "hidden_helper", &va, &size), -ENOENT);
	/* .symtab's local vfunc_impl and versioned "vfunc@@VERS_1" lose to .dynsym's vfunc */
	assert_int_equal(elf_file__find_func(full, "vfunc", &fva, &fsize), 0);
	assert_string_equal(elf_file__lookup(full, fva, &off), "vfunc");
	assert_int_equal(elf_file__find_func(ef, "lib_last", &va, &size), 0);
	assert_null(elf_file__lookup(ef, va + size, &off));
	assert_string_equal(elf_file__build_id(ef), elf_file__build_id(full));
	elf_file__free(ef);
	elf_file__free(full);
}

static void test_version_suffix_ignored(void **state)
{
	struct elf_file *ef = open_ok(fx.obj);
	uint64_t va, size, exp_va, exp_size;
	(void)state;

	/* in a relocatable object the only symbol for vfunc is named "vfunc@@VERS_1" */
	readelf_func(fx.obj, "vfunc@@VERS_1", &exp_va, &exp_size);
	assert_int_equal(elf_file__find_func(ef, "vfunc", &va, &size), 0);
	assert_int_equal(va, exp_va);
	assert_int_equal(size, exp_size);
	assert_int_equal(elf_file__find_func(ef, "vfun", &va, &size), -ENOENT);
	elf_file__free(ef);
}

static void test_build_id(void **state)
{
	struct elf_file *ef;
	char id[128];
	(void)state;

	ef = open_ok(fx.exe);
	readelf_build_id(fx.exe, id, sizeof(id));
	assert_string_equal(id, FIXED_BUILD_ID);
	assert_string_equal(elf_file__build_id(ef), FIXED_BUILD_ID);
	elf_file__free(ef);

	ef = open_ok(fx.lib);
	readelf_build_id(fx.lib, id, sizeof(id));
	assert_int_equal(strlen(id), 40);
	assert_string_equal(elf_file__build_id(ef), id);
	elf_file__free(ef);

	ef = open_ok(fx.exe_noid);
	readelf_build_id(fx.exe_noid, id, sizeof(id));
	assert_string_equal(id, "");
	assert_string_equal(elf_file__build_id(ef), "");
	elf_file__free(ef);
}

static bool in_some_load(const struct load *loads, size_t n, uint64_t off)
{
	for (size_t i = 0; i < n; i++)
		if (off >= loads[i].off && off < loads[i].off + loads[i].filesz)
			return true;
	return false;
}

static void check_segments(const char *path)
{
	struct elf_file *ef = open_ok(path);
	struct load loads[16];
	size_t n = readelf_loads(path, loads, 16);
	uint64_t v, o;
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	assert_true(n >= 2);
	for (size_t i = 0; i < n; i++) {
		const struct load *l = &loads[i];
		uint64_t last = l->filesz - 1;

		assert_true(l->filesz > 0);
		assert_int_equal(elf_file__off_to_vaddr(ef, l->off, &v), 0);
		assert_int_equal(v, l->vaddr);
		assert_int_equal(elf_file__off_to_vaddr(ef, l->off + last, &v), 0);
		assert_int_equal(v, l->vaddr + last);
		assert_int_equal(elf_file__vaddr_to_off(ef, l->vaddr, &o), 0);
		assert_int_equal(o, l->off);
		assert_int_equal(elf_file__vaddr_to_off(ef, l->vaddr + last, &o), 0);
		assert_int_equal(o, l->off + last);
		/* the byte after the segment's file image is another segment's or nobody's */
		if (!in_some_load(loads, n, l->off + l->filesz))
			assert_int_equal(elf_file__off_to_vaddr(ef, l->off + l->filesz, &v),
					 -ENOENT);
		/* round trips through the middle of the segment */
		assert_int_equal(elf_file__off_to_vaddr(ef, l->off + l->filesz / 2, &v), 0);
		assert_int_equal(elf_file__vaddr_to_off(ef, v, &o), 0);
		assert_int_equal(o, l->off + l->filesz / 2);
	}
	assert_int_equal(elf_file__off_to_vaddr(ef, (uint64_t)st.st_size + 0x100000, &v), -ENOENT);
	assert_int_equal(elf_file__vaddr_to_off(ef, 0x7fffffff0000ULL, &o), -ENOENT);
	elf_file__free(ef);
}

static void test_segments(void **state)
{
	(void)state;
	check_segments(fx.exe);
	check_segments(fx.lib);
}

static void test_function_bytes(void **state)
{
	/* -O0 -fno-omit-frame-pointer -fcf-protection=none: push %rbp; mov %rsp,%rbp */
	static const uint8_t prologue[] = { 0x55, 0x48, 0x89, 0xe5 };
	struct elf_file *ef = open_ok(fx.exe);
	uint64_t va, size, off, back;
	uint8_t code[4];
	(void)state;

	assert_int_equal(elf_file__find_func(ef, "leaf_add", &va, &size), 0);
	assert_int_equal(elf_file__vaddr_to_off(ef, va, &off), 0);
	assert_int_equal(elf_file__off_to_vaddr(ef, off, &back), 0);
	assert_int_equal(back, va);
	assert_int_equal(elf_file__read(ef, off, code, sizeof(code)), 0);
	assert_memory_equal(code, prologue, sizeof(prologue));
	elf_file__free(ef);
}

static void test_read(void **state)
{
	struct elf_file *ef = open_ok(fx.lib);
	uint8_t got[64], want[64];
	struct stat st;
	FILE *f;
	(void)state;

	assert_int_equal(stat(fx.lib, &st), 0);
	f = fopen(fx.lib, "rb");
	assert_non_null(f);
	assert_int_equal(elf_file__read(ef, 0, got, 4), 0);
	assert_memory_equal(got,
			    "\x7f"
			    "ELF",
			    4);
	assert_int_equal(fseek(f, 0x1000, SEEK_SET), 0);
	assert_int_equal(fread(want, 1, sizeof(want), f), sizeof(want));
	assert_int_equal(elf_file__read(ef, 0x1000, got, sizeof(got)), 0);
	assert_memory_equal(got, want, sizeof(want));
	assert_int_equal(fseek(f, st.st_size - 8, SEEK_SET), 0);
	assert_int_equal(fread(want, 1, 8, f), 8);
	assert_int_equal(elf_file__read(ef, (uint64_t)st.st_size - 8, got, 8), 0);
	assert_memory_equal(got, want, 8);
	fclose(f);
	/* short reads at the end of the file */
	assert_int_equal(elf_file__read(ef, (uint64_t)st.st_size - 8, got, 9), -EIO);
	assert_int_equal(elf_file__read(ef, (uint64_t)st.st_size, got, 1), -EIO);
	elf_file__free(ef);
}

static void test_open_errors(void **state)
{
	char missing[160];
	(void)state;

	errno = 0;
	assert_null(elf_file__open(fx.text));
	assert_int_equal(errno, ENOEXEC);
	errno = 0;
	assert_null(elf_file__open(fx.empty));
	assert_int_equal(errno, ENOEXEC);
	snprintf(missing, sizeof(missing), "%s/does-not-exist", fx.dir);
	errno = 0;
	assert_null(elf_file__open(missing));
	assert_int_equal(errno, ENOENT);
	elf_file__free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_func),
		cmocka_unit_test(test_lookup_every_byte),
		cmocka_unit_test(test_lookup_adjacent_functions),
		cmocka_unit_test(test_lookup_outside_functions),
		cmocka_unit_test(test_alias_preference),
		cmocka_unit_test(test_stripped_dynsym),
		cmocka_unit_test(test_version_suffix_ignored),
		cmocka_unit_test(test_build_id),
		cmocka_unit_test(test_segments),
		cmocka_unit_test(test_function_bytes),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_open_errors),
	};

	return cmocka_run_group_tests_name("elfsym", tests, setup, teardown);
}
