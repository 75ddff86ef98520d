// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of leak_model.h. leak_model__symbolize_new runs against a fake fetch function and
 * a symbolizer whose proc root is a temporary directory: PID/maps written by the test, PID/root
 * a link to a file tree holding an executable and a library compiled at test time. Expected
 * names and offsets come from readelf, not from the code under test. leak_model__build and
 * leak_sample are checked on constructed data with numbers worked out by hand. */
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
#include <linux/types.h>
#include "leak.h"
#include "analysis/leak_model.h"

#define CFLAGS_FIXTURE "-O0 -g -fno-omit-frame-pointer -fcf-protection=none"
#define EXE_BUILD_ID "feedc0de00112233445566778899aabb"
#define LIB_BUILD_ID "1111222233334444555566667777888899990000"
#define EXE_PATH "/opt/app/fixture"
#define LIB_PATH "/usr/lib/libfx.so.1"

/* Where the fake processes map things (ascending, as maps lists them) */
#define BASE_EXE UINT64_C(0x555555554000)
#define BASE_EXE2 UINT64_C(0x560000000000)
#define BASE_ANON UINT64_C(0x7f1000000000) /* rwxp, no file: JIT code */
#define ANON_SIZE UINT64_C(0x10000)
#define BASE_LIB UINT64_C(0x7f3a2c200000)
#define BASE_VDSO UINT64_C(0x7ffd6b9f0000)
#define VDSO_SIZE UINT64_C(0x2000)

enum { M_EXE = 1, M_EXE2 = 2, M_ANON = 4, M_LIB = 8, M_VDSO = 16, M_LIB2 = 32 };
#define LIB2_PATH "/usr/lib/libfy.so.1"

/* gcc -O0 keeps source order and does not align functions: beta ends where gamma_fn starts
 * (and lib_fn where lib_other starts).
 * Four bytes of padding after last_func belong to no function. */
static const char exe_src[] = "int alpha(int x)\n"
			      "{\n"
			      "	return x + 1;\n"
			      "}\n"
			      "int beta(int x)\n"
			      "{\n"
			      "	return alpha(x) * 2;\n"
			      "}\n"
			      "int gamma_fn(int x)\n"
			      "{\n"
			      "	return beta(x) - 3;\n"
			      "}\n"
			      "int main(int argc, char **argv)\n"
			      "{\n"
			      "	(void)argv;\n"
			      "	return gamma_fn(argc);\n"
			      "}\n"
			      "int last_func(int x)\n"
			      "{\n"
			      "	return x - 1;\n"
			      "}\n"
			      "__asm__(\".text\\n.byte 0xcc, 0xcc, 0xcc, 0xcc\\n\");\n";

static const char lib_src[] = "int lib_fn(int x)\n"
			      "{\n"
			      "	return x * 7;\n"
			      "}\n"
			      "int lib_other(int x)\n"
			      "{\n"
			      "	return lib_fn(x) + 1;\n"
			      "}\n"
			      "void __libc_start_call_main(void)\n"
			      "{\n"
			      "}\n";

/* Another library, the same code under other names of the same lengths: same layout, so it
 * can replace libfx at the same address (dlclose, then dlopen of another library) */
static const char lib2_src[] = "int new_fn(int x)\n"
			       "{\n"
			       "	return x * 7;\n"
			       "}\n"
			       "int new_other(int x)\n"
			       "{\n"
			       "	return new_fn(x) + 1;\n"
			       "}\n"
			       "void __libc_start_call_main(void)\n"
			       "{\n"
			       "}\n";

struct func {
	uint64_t va, size;
};

struct load {
	uint64_t off, vaddr, memsz;
	bool exec, write;
};

struct module_fx {
	struct load loads[8];
	size_t load_cnt;
};

static struct {
	char dir[64];
	char proc[128];
	char rootfs[128];
	char exe[192];
	char lib[192];
	char lib2[192];
	struct module_fx exe_mod, lib_mod, lib2_mod;
	struct func alpha, beta, gamma, main_fn, last, lib_fn, lib_other, lib_start, new_fn;
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

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* A defined function symbol as `readelf -sW` prints it; 0 or -1 */
static int readelf_func(const char *path, const char *name, struct func *out)
{
	char cmd[512], line[512];
	int found = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "readelf -sW %s", path);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		char type[32], bind[32], vis[32], ndx[32], sym[256];
		uint64_t v, s;

		if (sscanf(line, " %*u: %" SCNx64 " %" SCNu64 " %31s %31s %31s %31s %255s", &v, &s,
			   type, bind, vis, ndx, sym) == 7 &&
		    !strcmp(type, "FUNC") && strcmp(ndx, "UND") && !strcmp(sym, name) && found) {
			out->va = v;
			out->size = s;
			found = 0;
		}
	}
	pclose(p);
	return found;
}

/* The PT_LOAD segments as `readelf -lW` prints them; 0 or -1 */
static int readelf_loads(const char *path, struct module_fx *m)
{
	char cmd[512], line[512];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "readelf -lW %s", path);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	m->load_cnt = 0;
	while (fgets(line, sizeof(line), p)) {
		uint64_t off, vaddr, paddr, filesz, memsz;
		int flags_at = 0;

		if (m->load_cnt < 8 &&
		    sscanf(line,
			   " LOAD 0x%" SCNx64 " 0x%" SCNx64 " 0x%" SCNx64 " 0x%" SCNx64
			   " 0x%" SCNx64 " %n",
			   &off, &vaddr, &paddr, &filesz, &memsz, &flags_at) == 5 &&
		    flags_at) {
			/* the flags ("R E", "RW ") run up to the alignment, "0x..." */
			char *flags = line + flags_at, *end = strstr(flags, "0x");
			struct load *l = &m->loads[m->load_cnt++];

			if (end)
				*end = '\0';
			*l = (struct load){ off, vaddr, memsz, strchr(flags, 'E') != NULL,
					    strchr(flags, 'W') != NULL };
		}
	}
	pclose(p);
	return m->load_cnt >= 2 ? 0 : -1;
}

/* The maps lines of a module loaded at base, one per PT_LOAD, page-aligned as the kernel
 * maps them */
static void maps_module(FILE *f, const struct module_fx *m, uint64_t base, const char *path)
{
	uint64_t prev_end = 0;

	for (size_t i = 0; i < m->load_cnt; i++) {
		const struct load *l = &m->loads[i];
		uint64_t start = base + (l->vaddr & ~(uint64_t)0xfff);
		uint64_t end = base + ((l->vaddr + l->memsz + 0xfff) & ~(uint64_t)0xfff);

		if (start < prev_end)
			start = prev_end;
		if (start >= end)
			continue;
		fprintf(f, "%" PRIx64 "-%" PRIx64 " %s %08" PRIx64 " 08:01 4242 %s\n", start, end,
			l->exec	   ? "r-xp"
			: l->write ? "rw-p"
				   : "r--p",
			(l->off & ~(uint64_t)0xfff) +
				(start - base - (l->vaddr & ~(uint64_t)0xfff)),
			path);
		prev_end = end;
	}
}

/* (Re)write PROC/pid/maps with the mappings in `what`, PROC/pid/root -> the file tree */
static void write_maps(int pid, unsigned what)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d", fx.proc, pid);
	if (mkdir(path, 0755) && errno != EEXIST)
		fail_msg("mkdir %s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/%d/root", fx.proc, pid);
	if (symlink(fx.rootfs, path) && errno != EEXIST)
		fail_msg("symlink %s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/%d/maps", fx.proc, pid);
	f = fopen(path, "w");
	assert_non_null(f);
	if (what & M_EXE)
		maps_module(f, &fx.exe_mod, BASE_EXE, EXE_PATH);
	if (what & M_EXE2)
		maps_module(f, &fx.exe_mod, BASE_EXE2, EXE_PATH);
	if (what & M_ANON)
		fprintf(f, "%" PRIx64 "-%" PRIx64 " rwxp 00000000 00:00 0 \n", BASE_ANON,
			BASE_ANON + ANON_SIZE);
	if (what & M_LIB)
		maps_module(f, &fx.lib_mod, BASE_LIB, LIB_PATH);
	if (what & M_LIB2)
		maps_module(f, &fx.lib2_mod, BASE_LIB, LIB2_PATH);
	if (what & M_VDSO)
		fprintf(f,
			"%" PRIx64 "-%" PRIx64 " r-xp 00000000 00:00 0                  [vdso]\n",
			BASE_VDSO, BASE_VDSO + VDSO_SIZE);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	char src[192], lsrc[192], l2src[192];
	(void)state;

	snprintf(fx.dir, sizeof(fx.dir), "/tmp/perfan-leak-model-XXXXXX");
	if (!mkdtemp(fx.dir))
		return -1;
	snprintf(fx.proc, sizeof(fx.proc), "%s/proc", fx.dir);
	snprintf(fx.rootfs, sizeof(fx.rootfs), "%s/rootfs", fx.dir);
	snprintf(fx.exe, sizeof(fx.exe), "%s" EXE_PATH, fx.rootfs);
	snprintf(fx.lib, sizeof(fx.lib), "%s" LIB_PATH, fx.rootfs);
	snprintf(src, sizeof(src), "%s/fixture.c", fx.dir);
	snprintf(lsrc, sizeof(lsrc), "%s/lib.c", fx.dir);
	snprintf(l2src, sizeof(l2src), "%s/lib2.c", fx.dir);
	snprintf(fx.lib2, sizeof(fx.lib2), "%s" LIB2_PATH, fx.rootfs);
	if (write_text(src, exe_src) || write_text(lsrc, lib_src) || write_text(l2src, lib2_src) ||
	    run("mkdir -p %s %s/opt/app %s/usr/lib", fx.proc, fx.rootfs, fx.rootfs) ||
	    run("cc " CFLAGS_FIXTURE " -Wl,--build-id=0x" EXE_BUILD_ID " %s -o %s", src, fx.exe) ||
	    run("cc " CFLAGS_FIXTURE " -shared -fPIC -nostdlib -Wl,--build-id=0x" LIB_BUILD_ID
		" %s -o %s",
		lsrc, fx.lib) ||
	    run("cc " CFLAGS_FIXTURE " -shared -fPIC -nostdlib %s -o %s", l2src, fx.lib2))
		return -1;
	if (readelf_func(fx.exe, "alpha", &fx.alpha) || readelf_func(fx.exe, "beta", &fx.beta) ||
	    readelf_func(fx.exe, "gamma_fn", &fx.gamma) ||
	    readelf_func(fx.exe, "main", &fx.main_fn) ||
	    readelf_func(fx.exe, "last_func", &fx.last) ||
	    readelf_func(fx.lib, "lib_fn", &fx.lib_fn) ||
	    readelf_func(fx.lib, "lib_other", &fx.lib_other) ||
	    readelf_func(fx.lib, "__libc_start_call_main", &fx.lib_start) ||
	    readelf_func(fx.lib2, "new_fn", &fx.new_fn) || readelf_loads(fx.lib2, &fx.lib2_mod) ||
	    readelf_loads(fx.exe, &fx.exe_mod) || readelf_loads(fx.lib, &fx.lib_mod))
		return -1;
	/* what the expectations below rely on */
	if (fx.beta.va + fx.beta.size != fx.gamma.va || fx.alpha.size < 4 || fx.beta.size < 4 ||
	    fx.gamma.size < 4 || fx.lib_fn.va + fx.lib_fn.size != fx.lib_other.va ||
	    fx.lib_fn.size < 4 || fx.new_fn.va != fx.lib_fn.va || fx.new_fn.size != fx.lib_fn.size)
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

/* A return address k bytes into a function of the executable or the library */
static uint64_t exe_at(uint64_t base, const struct func *f, uint64_t k)
{
	return base + f->va + k;
}

static uint64_t lib_at(const struct func *f, uint64_t k)
{
	return BASE_LIB + f->va + k;
}

/* The fake stacks map: what fetch returns for each stack id */
struct fake_stack {
	uint64_t id;
	int ret; /* the number of ips, or -errno */
	uint64_t ips[PERFAN_MAX_STACK_DEPTH];
	bool truncated; /* what fetch reports: the capture hit its depth limit */
	int remap_pid;	/* when set, fetch first rewrites this pid's maps with `remap` */
	unsigned remap;
	int calls;
};

static struct {
	struct fake_stack stacks[160];
	size_t cnt;
	int calls;
} ff;

static void fake_reset(void)
{
	memset(&ff, 0, sizeof(ff));
}

static struct fake_stack *fake(uint64_t id, int ret, const uint64_t *ips)
{
	struct fake_stack *s;

	assert_true(ff.cnt < sizeof(ff.stacks) / sizeof(ff.stacks[0]));
	s = &ff.stacks[ff.cnt++];
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->ret = ret;
	for (int i = 0; i < ret; i++)
		s->ips[i] = ips[i];
	return s;
}

static struct fake_stack *fake_of(uint64_t id)
{
	for (size_t i = 0; i < ff.cnt; i++)
		if (ff.stacks[i].id == id)
			return &ff.stacks[i];
	fail_msg("no fake stack %" PRIu64, id);
	return NULL;
}

static int fake_fetch(void *ctx, uint64_t stack_id, uint64_t *ips, size_t max, bool *truncated)
{
	struct fake_stack *s;

	assert_ptr_equal(ctx, &ff);
	assert_int_equal(max, PERFAN_MAX_STACK_DEPTH);
	ff.calls++;
	s = fake_of(stack_id);
	s->calls++;
	if (s->remap_pid)
		write_maps(s->remap_pid, s->remap);
	for (int i = 0; i < s->ret; i++)
		ips[i] = s->ips[i];
	*truncated = s->truncated;
	return s->ret;
}

static void sample_add(struct leak_sample *s, uint32_t pid, uint64_t id)
{
	struct stack_row st = { .pid = pid, .stack_id = id };

	assert_int_equal(leak_sample__add(s, &st), 0);
}

static struct symbolizer *new_symbolizer(void)
{
	struct symbolizer_opts opts = { .proc_root = fx.proc };
	struct symbolizer *sym = symbolizer__new(&opts);

	assert_non_null(sym);
	return sym;
}

static const struct stack_entry *entry(const struct stacktab *tab, uint32_t pid, uint64_t id,
				       size_t frame_cnt)
{
	const struct stack_entry *e = stacktab__get(tab, pid, id);

	if (!e)
		fail_msg("stack %" PRIu64 " of pid %u is not in the table", id, pid);
	if (e->frame_cnt != frame_cnt)
		fail_msg("stack %" PRIu64 " of pid %u: %zu frames, expected %zu", id, pid,
			 e->frame_cnt, frame_cnt);
	return e;
}

static void assert_str_or_null(const char *got, const char *want, const char *what, size_t i)
{
	if (!want && !got)
		return;
	if (!want || !got || strcmp(got, want))
		fail_msg("frame %zu: %s is %s, expected %s", i, what, got ? got : "NULL",
			 want ? want : "NULL");
}

static void assert_frame(const struct stack_entry *e, size_t i, uint64_t address,
			 const char *module, const char *build_id, const char *function,
			 uint64_t offset)
{
	const struct frame *f = &e->frames[i];

	if (f->address != address)
		fail_msg("frame %zu: address 0x%" PRIx64 ", expected 0x%" PRIx64, i, f->address,
			 address);
	assert_str_or_null(f->module, module, "module", i);
	assert_str_or_null(f->build_id, build_id, "build_id", i);
	assert_str_or_null(f->function, function, "function", i);
	if (f->offset != offset)
		fail_msg("frame %zu (%s): offset 0x%" PRIx64 ", expected 0x%" PRIx64, i,
			 function ? function : "no function", f->offset, offset);
	/* -O0 inlines nothing; lines are test_modsym's subject */
	assert_false(f->inlined);
	if (f->file)
		assert_true(f->line > 0);
}

/* A frame of the executable: function+offset */
static void assert_exe(const struct stack_entry *e, size_t i, uint64_t address, const char *fn,
		       uint64_t offset)
{
	assert_frame(e, i, address, EXE_PATH, EXE_BUILD_ID, fn, offset);
}

static void assert_lib(const struct stack_entry *e, size_t i, uint64_t address, const char *fn,
		       uint64_t offset)
{
	assert_frame(e, i, address, LIB_PATH, LIB_BUILD_ID, fn, offset);
}

/* An address in no mapping the symbolizer knows */
static void assert_unresolved(const struct stack_entry *e, size_t i, uint64_t address)
{
	assert_frame(e, i, address, NULL, "", NULL, 0);
}

static void test_symbolize_frames(void **state)
{
	struct symbolizer *sym = new_symbolizer();
	struct stacktab *tab = stacktab__new();
	struct leak_sample sample = {};
	const struct stack_entry *e;
	const struct frame *frames_a, *frames_b;
	uint64_t deep[PERFAN_MAX_STACK_DEPTH];
	(void)state;

	assert_non_null(tab);
	write_maps(4242, M_EXE | M_ANON | M_LIB | M_VDSO);
	/* pid 4243 runs the executable elsewhere and the library at the same place */
	write_maps(4243, M_EXE2 | M_LIB);
	fake_reset();
	fake(0x1a2b3c4d5e6f7, 7,
	     (uint64_t[]){
		     exe_at(BASE_EXE, &fx.alpha, 5),
		     exe_at(BASE_EXE, &fx.beta, 1),
		     /* the return address is the first byte of gamma_fn: the call is beta's last
		  * instruction */
		     exe_at(BASE_EXE, &fx.gamma, 0),
		     exe_at(BASE_EXE, &fx.main_fn, fx.main_fn.size),
		     lib_at(&fx.lib_fn, 3),
		     /* lib_other starts where lib_fn ends */
		     lib_at(&fx.lib_other, 0),
		     exe_at(BASE_EXE, &fx.gamma, fx.gamma.size - 1),
	     });
	fake(0x2, 4,
	     (uint64_t[]){
		     BASE_VDSO + 0x9a0,
		     BASE_ANON + 0x1234,
		     0x10,
		     /* inside the executable's code, in the padding after last_func */
		     exe_at(BASE_EXE, &fx.last, fx.last.size + 2),
	     });
	fake(0x3, -ENOENT, NULL); /* gone from the stacks map */
	fake(0x4, 0, NULL);
	for (size_t i = 0; i < PERFAN_MAX_STACK_DEPTH; i++)
		deep[i] = exe_at(BASE_EXE, &fx.alpha, 1 + i % fx.alpha.size);
	fake(0x5, PERFAN_MAX_STACK_DEPTH, deep);
	fake(0x6, 1, (uint64_t[]){ exe_at(BASE_EXE, &fx.main_fn, 2) });

	sample_add(&sample, 4242, 0x1a2b3c4d5e6f7);
	sample_add(&sample, 4242, 0x2);
	sample_add(&sample, 4242, PERFAN_STACK_NONE);
	sample_add(&sample, 4242, 0x3);
	sample_add(&sample, 4242, 0x4);
	sample_add(&sample, 4242, 0x5);
	assert_int_equal(leak_model__symbolize_new(tab, sym, &sample, fake_fetch, &ff), 6);
	assert_int_equal(stacktab__cnt(tab), 6);
	/* one fetch per stack; none for PERFAN_STACK_NONE (fake_of would fail on id 0) */
	assert_int_equal(ff.calls, 5);

	e = entry(tab, 4242, 0x1a2b3c4d5e6f7, 7);
	assert_int_equal(e->pid, 4242);
	assert_int_equal(e->stack_id, 0x1a2b3c4d5e6f7);
	/* function + offset of the return address, looked up at the call (address - 1) */
	assert_exe(e, 0, exe_at(BASE_EXE, &fx.alpha, 5), "alpha", 5);
	assert_exe(e, 1, exe_at(BASE_EXE, &fx.beta, 1), "beta", 1);
	assert_exe(e, 2, exe_at(BASE_EXE, &fx.gamma, 0), "beta", fx.beta.size);
	assert_exe(e, 3, exe_at(BASE_EXE, &fx.main_fn, fx.main_fn.size), "main", fx.main_fn.size);
	assert_lib(e, 4, lib_at(&fx.lib_fn, 3), "lib_fn", 3);
	assert_lib(e, 5, lib_at(&fx.lib_other, 0), "lib_fn", fx.lib_fn.size);
	assert_exe(e, 6, exe_at(BASE_EXE, &fx.gamma, fx.gamma.size - 1), "gamma_fn",
		   fx.gamma.size - 1);
	frames_a = e->frames;

	e = entry(tab, 4242, 0x2, 4);
	/* named but no file: the offset into the mapping */
	assert_frame(e, 0, BASE_VDSO + 0x9a0, "[vdso]", "", NULL, 0x9a0);
	/* anonymous executable memory: no module, the offset into the mapping */
	assert_frame(e, 1, BASE_ANON + 0x1234, NULL, "", NULL, 0x1234);
	assert_unresolved(e, 2, 0x10);
	/* no function covers it: the offset from the module's base */
	assert_exe(e, 3, exe_at(BASE_EXE, &fx.last, fx.last.size + 2), NULL,
		   fx.last.va + fx.last.size + 2);
	frames_b = e->frames;

	/* no stack, a failed fetch, an empty fetch: empty stacks, held like any other */
	entry(tab, 4242, PERFAN_STACK_NONE, 0);
	entry(tab, 4242, 0x3, 0);
	entry(tab, 4242, 0x4, 0);

	e = entry(tab, 4242, 0x5, PERFAN_MAX_STACK_DEPTH);
	for (size_t i = 0; i < PERFAN_MAX_STACK_DEPTH; i++)
		assert_exe(e, i, deep[i], "alpha", 1 + i % fx.alpha.size);

	/* again, with one new stack and a known stack id in another process: only those two are
	 * fetched; the stacks already named, empty ones included, are left alone */
	sample_add(&sample, 4242, 0x6);
	sample_add(&sample, 4243, 0x1a2b3c4d5e6f7);
	assert_int_equal(leak_model__symbolize_new(tab, sym, &sample, fake_fetch, &ff), 2);
	assert_int_equal(stacktab__cnt(tab), 8);
	assert_int_equal(ff.calls, 7);
	assert_int_equal(fake_of(0x1a2b3c4d5e6f7)->calls, 2);
	assert_int_equal(fake_of(0x2)->calls, 1);
	assert_int_equal(fake_of(0x3)->calls, 1);
	assert_int_equal(fake_of(0x4)->calls, 1);
	assert_int_equal(fake_of(0x5)->calls, 1);
	assert_int_equal(fake_of(0x6)->calls, 1);
	assert_ptr_equal(entry(tab, 4242, 0x1a2b3c4d5e6f7, 7)->frames, frames_a);
	assert_ptr_equal(entry(tab, 4242, 0x2, 4)->frames, frames_b);
	entry(tab, 4242, 0x3, 0);
	e = entry(tab, 4242, 0x6, 1);
	assert_exe(e, 0, exe_at(BASE_EXE, &fx.main_fn, 2), "main", 2);
	/* the same addresses in pid 4243: its own mappings, where the executable is elsewhere */
	e = entry(tab, 4243, 0x1a2b3c4d5e6f7, 7);
	assert_unresolved(e, 0, exe_at(BASE_EXE, &fx.alpha, 5));
	assert_unresolved(e, 3, exe_at(BASE_EXE, &fx.main_fn, fx.main_fn.size));
	assert_lib(e, 4, lib_at(&fx.lib_fn, 3), "lib_fn", 3);
	assert_lib(e, 5, lib_at(&fx.lib_other, 0), "lib_fn", fx.lib_fn.size);
	assert_unresolved(e, 6, exe_at(BASE_EXE, &fx.gamma, fx.gamma.size - 1));

	/* nothing new: nothing fetched */
	assert_int_equal(leak_model__symbolize_new(tab, sym, &sample, fake_fetch, &ff), 0);
	assert_int_equal(ff.calls, 7);
	/* an empty sample */
	leak_sample__free(&sample);
	assert_int_equal(leak_model__symbolize_new(tab, sym, &sample, fake_fetch, &ff), 0);
	assert_int_equal(stacktab__cnt(tab), 8);
	stacktab__free(tab);
	symbolizer__free(sym);
}

/* The mappings of a process with new stacks are re-read once per call before they are
 * symbolized, and once more when an address is in none of them. fetch() changes the maps file
 * mid-call. */
static void test_refresh_per_call(void **state)
{
	struct symbolizer *sym = new_symbolizer();
	struct stacktab *tab = stacktab__new();
	struct leak_sample sample = {};
	const struct stack_entry *e;
	struct fake_stack *s;
	(void)state;

	assert_non_null(tab);
	write_maps(5000, M_EXE);
	fake_reset();
	fake(0x51, 1, (uint64_t[]){ exe_at(BASE_EXE, &fx.alpha, 5) });
	/* the library appears while the call runs, after the re-read up front: the unknown
	 * address triggers the second one */
	s = fake(0x52, 1, (uint64_t[]){ lib_at(&fx.lib_fn, 3) });
	s->remap_pid = 5000;
	s->remap = M_EXE | M_LIB;
	/* and is gone again before the next stack: at most two reads per call, so this call
	 * still names it from the mappings read last */
	s = fake(0x53, 1, (uint64_t[]){ lib_at(&fx.lib_fn, 4) });
	s->remap_pid = 5000;
	s->remap = M_EXE;
	fake(0x54, 1, (uint64_t[]){ exe_at(BASE_EXE, &fx.beta, 2) });
	fake(0x55, 2,
	     (uint64_t[]){ exe_at(BASE_EXE2, &fx.gamma, 3), exe_at(BASE_EXE, &fx.alpha, 1) });

	sample_add(&sample, 5000, 0x51);
	sample_add(&sample, 5000, 0x52);
	sample_add(&sample, 5000, 0x53);
	assert_int_equal(leak_model__symbolize_new(tab, sym, &sample, fake_fetch, &ff), 3);
	assert_exe(entry(tab, 5000, 0x51, 1), 0, exe_at(BASE_EXE, &fx.alpha, 5), "alpha", 5);
	assert_lib(entry(tab, 5000, 0x52, 1), 0, lib_at(&fx.lib_fn, 3), "lib_fn", 3);
	assert_lib(entry(tab, 5000, 0x53, 1), 0, lib_at(&fx.lib_fn, 4), "lib_fn", 4);

	/* the executable moves before a new stack is seen: the old place is no longer it */
	write_maps(5000, M_EXE2);
	sample_add(&sample, 5000, 0x54);
	assert_int_equal(leak_model__symbolize_new(tab, sym, &sample, fake_fetch, &ff), 1);
	assert_unresolved(entry(tab, 5000, 0x54, 1), 0, exe_at(BASE_EXE, &fx.beta, 2));
	/* stacks already named keep their names */
	assert_lib(entry(tab, 5000, 0x52, 1), 0, lib_at(&fx.lib_fn, 3), "lib_fn", 3);

	sample_add(&sample, 5000, 0x55);
	assert_int_equal(leak_model__symbolize_new(tab, sym, &sample, fake_fetch, &ff), 1);
	e = entry(tab, 5000, 0x55, 2);
	assert_exe(e, 0, exe_at(BASE_EXE2, &fx.gamma, 3), "gamma_fn", 3);
	assert_unresolved(e, 1, exe_at(BASE_EXE, &fx.alpha, 1));
	assert_int_equal(ff.calls, 5);
	leak_sample__free(&sample);
	stacktab__free(tab);
	symbolizer__free(sym);
}

/* A library unloaded and another loaded at the same address (dlclose, dlopen): a stack seen
 * after that is named from the new library, one seen before keeps the old names */
static void test_library_replaced(void **state)
{
	struct symbolizer *sym = new_symbolizer();
	struct stacktab *tab = stacktab__new();
	struct leak_sample sample = {};
	const struct stack_entry *e;
	(void)state;

	assert_non_null(tab);
	write_maps(5200, M_EXE | M_LIB);
	fake_reset();
	fake(0x61, 1, (uint64_t[]){ lib_at(&fx.lib_fn, 3) });
	fake(0x62, 1, (uint64_t[]){ lib_at(&fx.lib_fn, 3) });
	sample_add(&sample, 5200, 0x61);
	assert_int_equal(leak_model__symbolize_new(tab, sym, &sample, fake_fetch, &ff), 1);
	assert_lib(entry(tab, 5200, 0x61, 1), 0, lib_at(&fx.lib_fn, 3), "lib_fn", 3);

	write_maps(5200, M_EXE | M_LIB2);
	sample_add(&sample, 5200, 0x62);
	assert_int_equal(leak_model__symbolize_new(tab, sym, &sample, fake_fetch, &ff), 1);
	e = entry(tab, 5200, 0x62, 1);
	assert_frame(e, 0, lib_at(&fx.lib_fn, 3), LIB2_PATH, e->frames[0].build_id, "new_fn", 3);
	assert_string_not_equal(e->frames[0].build_id, LIB_BUILD_ID);
	assert_lib(entry(tab, 5200, 0x61, 1), 0, lib_at(&fx.lib_fn, 3), "lib_fn", 3);
	leak_sample__free(&sample);
	stacktab__free(tab);
	symbolizer__free(sym);
}

/* stack_hold_fn of test_old_image: the stacks there at the exec (0x71 and 0x73) */
static bool was_at_exec(void *ctx, uint32_t pid, uint64_t id)
{
	(void)ctx;
	(void)pid;
	return id == 0x71 || id == 0x73;
}

/* An exec: the old image's stacks, still unnamed, are named with the mappings read before it
 * (leak_model__symbolize_old_image re-reads nothing, and names no other process's stacks);
 * leak_model__symbolize_new names the new image's after it with the new mappings */
static void test_old_image(void **state)
{
	struct symbolizer *sym = new_symbolizer();
	struct stacktab *tab = stacktab__new();
	struct leak_sample sample = {};
	const struct stack_entry *e;
	(void)state;

	assert_non_null(tab);
	write_maps(5300, M_EXE | M_LIB);
	write_maps(5301, M_EXE | M_LIB);
	assert_int_equal(symbolizer__refresh(sym, 5300), 0); /* at attach */
	fake_reset();
	fake(0x71, 1, (uint64_t[]){ lib_at(&fx.lib_fn, 3) });
	fake(0x72, 1, (uint64_t[]){ lib_at(&fx.lib_fn, 3) });
	fake(0x73, 1, (uint64_t[]){ lib_at(&fx.lib_fn, 3) });
	/* the exec: the process maps another library where lib_fn was */
	write_maps(5300, M_EXE | M_LIB2);
	sample_add(&sample, 5300, 0x71);
	sample_add(&sample, 5301, 0x73);
	/* the exec read late: the new image's stack is in the sample already, and is_old says
	 * it was not there at the exec */
	sample_add(&sample, 5300, 0x72);
	assert_int_equal(leak_model__symbolize_old_image(tab, sym, &sample, 5300, fake_fetch,
							 was_at_exec, &ff),
			 1);
	assert_lib(entry(tab, 5300, 0x71, 1), 0, lib_at(&fx.lib_fn, 3), "lib_fn", 3);
	assert_null(stacktab__get(tab, 5301, 0x73)); /* another process: not here */
	assert_null(stacktab__get(tab, 5300, 0x72)); /* the new image's: not named so */
	/* the next tick: the new image's stack with the new mappings */
	assert_int_equal(leak_model__symbolize_new(tab, sym, &sample, fake_fetch, &ff), 2);
	e = entry(tab, 5300, 0x72, 1);
	assert_frame(e, 0, lib_at(&fx.lib_fn, 3), LIB2_PATH, e->frames[0].build_id, "new_fn", 3);
	assert_lib(entry(tab, 5300, 0x71, 1), 0, lib_at(&fx.lib_fn, 3), "lib_fn", 3);
	assert_lib(entry(tab, 5301, 0x73, 1), 0, lib_at(&fx.lib_fn, 3), "lib_fn", 3);
	leak_sample__free(&sample);
	stacktab__free(tab);
	symbolizer__free(sym);
}

/* Anonymous executable memory (JIT code) is named from the process's /tmp/perf-PID.map, read
 * through its root */
static void test_jit_perf_map(void **state)
{
	struct symbolizer *sym = new_symbolizer();
	struct stacktab *tab = stacktab__new();
	struct leak_sample sample = {};
	const struct stack_entry *e;
	char path[256];
	FILE *f;
	(void)state;

	assert_non_null(tab);
	write_maps(5400, M_EXE | M_ANON);
	snprintf(path, sizeof(path), "%s/tmp", fx.rootfs);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/tmp/perf-5400.map", fx.rootfs);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%" PRIx64 " 80 LazyCompile:*hot_loop app.js:7\n", BASE_ANON + 0x1200);
	assert_int_equal(fclose(f), 0);
	fake_reset();
	fake(0x81, 2, (uint64_t[]){ BASE_ANON + 0x1234, BASE_ANON + 0x2000 });
	sample_add(&sample, 5400, 0x81);
	assert_int_equal(leak_model__symbolize_new(tab, sym, &sample, fake_fetch, &ff), 1);
	e = entry(tab, 5400, 0x81, 2);
	assert_frame(e, 0, BASE_ANON + 0x1234, "[perf-map]", "", "LazyCompile:*hot_loop app.js:7",
		     0x34);
	/* outside every perf map entry: the offset into the mapping */
	assert_frame(e, 1, BASE_ANON + 0x2000, NULL, "", NULL, 0x2000);
	unlink(path);
	leak_sample__free(&sample);
	stacktab__free(tab);
	symbolizer__free(sym);
}

/* A stack is truncated when the capture says so, or when its outermost frame is not where a
 * thread starts */
static void test_truncated(void **state)
{
	struct symbolizer *sym = new_symbolizer();
	struct stacktab *tab = stacktab__new();
	struct leak_sample sample = {};
	struct leak_report rep = {};
	struct fake_stack *s;
	(void)state;

	assert_non_null(tab);
	write_maps(5300, M_EXE | M_LIB);
	fake_reset();
	/* down to the start of the thread: complete */
	fake(0x71, 3,
	     (uint64_t[]){ exe_at(BASE_EXE, &fx.alpha, 5), exe_at(BASE_EXE, &fx.main_fn, 4),
			   lib_at(&fx.lib_start, 1) });
	/* stops in main: the walk lost the frame pointer */
	fake(0x72, 2,
	     (uint64_t[]){ exe_at(BASE_EXE, &fx.alpha, 5), exe_at(BASE_EXE, &fx.beta, 3) });
	/* ends well but the capture hit its depth limit */
	s = fake(0x73, 2, (uint64_t[]){ exe_at(BASE_EXE, &fx.alpha, 5), lib_at(&fx.lib_start, 1) });
	s->truncated = true;
	sample_add(&sample, 5300, 0x71);
	sample_add(&sample, 5300, 0x72);
	sample_add(&sample, 5300, 0x73);
	assert_int_equal(leak_model__symbolize_new(tab, sym, &sample, fake_fetch, &ff), 3);
	assert_false(entry(tab, 5300, 0x71, 3)->truncated);
	assert_true(entry(tab, 5300, 0x72, 2)->truncated);
	assert_true(entry(tab, 5300, 0x73, 2)->truncated);
	/* the report carries it */
	sample.stacks[0].counts.live_objects = 1;
	sample.stacks[1].counts.live_objects = 2;
	sample.stacks[2].counts.live_objects = 3;
	assert_int_equal(leak_model__build(tab, &sample, &rep), 0);
	assert_int_equal(rep.stacks[0].stack_id, 0x73);
	assert_true(rep.stacks[0].truncated);
	assert_true(rep.stacks[1].truncated);
	assert_false(rep.stacks[2].truncated);
	report__free(&rep);

	/* the rule on its own */
	{
		struct frame f[2] = { { .function = "leak" }, { .function = "start_thread" } };

		assert_true(leak_model__stack_complete(f, 2));
		f[1].function = "clone3";
		assert_true(leak_model__stack_complete(f, 2));
		f[1].function = "__libc_start_main";
		f[1].raw_function = "__libc_start_main@@GLIBC_2.34";
		assert_true(leak_model__stack_complete(f, 2));
		f[1].raw_function = NULL;
		f[1].function = "_start";
		assert_true(leak_model__stack_complete(f, 2));
		f[1].function = "worker";
		assert_false(leak_model__stack_complete(f, 2));
		f[1].function = "start_threads"; /* a prefix is not the name */
		assert_false(leak_model__stack_complete(f, 2));
		/* a stripped C library without debug file: not held against the stack */
		f[1].function = NULL;
		f[1].module = "/usr/lib/x86_64-linux-gnu/libc.so.6";
		assert_true(leak_model__stack_complete(f, 2));
		f[1].module = "/usr/lib/libother.so";
		assert_false(leak_model__stack_complete(f, 2));
		/* a stripped executable's _start, known by its ELF entry point, not by a name */
		f[1].module = "/usr/bin/stripped";
		assert_false(leak_model__stack_complete(f, 2));
		f[1].at_entry = true;
		assert_true(leak_model__stack_complete(f, 2));
		f[1].at_entry = false;
		/* constructors run by the dynamic linker, from its nameless entry code */
		f[1].module = "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2";
		assert_true(leak_model__stack_complete(f, 2));
		f[1].module = "/usr/lib/libld-linux-helper.so";
		assert_false(leak_model__stack_complete(f, 2));
		f[1].function = "_dl_init";
		assert_true(leak_model__stack_complete(f, 2));
		assert_true(leak_model__stack_complete(f, 0));
	}
	leak_sample__free(&sample);
	stacktab__free(tab);
	symbolizer__free(sym);
}

/* The re-reads hold for any number of processes: here 70, each re-read for its first stack;
 * then a stack of the first and one of the last process whose fetch adds the library to that
 * process's maps: the unknown address re-reads them once more. */
static void test_refresh_once_many_processes(void **state)
{
	const int npids = 70;
	struct symbolizer *sym = new_symbolizer();
	struct stacktab *tab = stacktab__new();
	struct leak_sample sample = {};
	struct fake_stack *s;
	(void)state;

	assert_non_null(tab);
	fake_reset();
	for (int i = 0; i < npids; i++) {
		write_maps(7000 + i, M_EXE);
		fake(0x7000 + i, 1, (uint64_t[]){ exe_at(BASE_EXE, &fx.alpha, 5) });
		sample_add(&sample, 7000 + i, 0x7000 + i);
	}
	s = fake(0x7100, 1, (uint64_t[]){ lib_at(&fx.lib_fn, 3) });
	s->remap_pid = 7000;
	s->remap = M_EXE | M_LIB;
	sample_add(&sample, 7000, 0x7100);
	s = fake(0x7101, 1, (uint64_t[]){ lib_at(&fx.lib_fn, 3) });
	s->remap_pid = 7000 + npids - 1;
	s->remap = M_EXE | M_LIB;
	sample_add(&sample, 7000 + npids - 1, 0x7101);
	assert_int_equal(leak_model__symbolize_new(tab, sym, &sample, fake_fetch, &ff), npids + 2);
	for (int i = 0; i < npids; i++)
		assert_exe(entry(tab, 7000 + i, 0x7000 + i, 1), 0, exe_at(BASE_EXE, &fx.alpha, 5),
			   "alpha", 5);
	assert_lib(entry(tab, 7000, 0x7100, 1), 0, lib_at(&fx.lib_fn, 3), "lib_fn", 3);
	assert_lib(entry(tab, 7000 + npids - 1, 0x7101, 1), 0, lib_at(&fx.lib_fn, 3), "lib_fn", 3);

	/* the next call sees the library in both */
	fake(0x7102, 1, (uint64_t[]){ lib_at(&fx.lib_fn, 3) });
	sample_add(&sample, 7000, 0x7102);
	sample_add(&sample, 7000 + npids - 1, 0x7102);
	assert_int_equal(leak_model__symbolize_new(tab, sym, &sample, fake_fetch, &ff), 2);
	assert_lib(entry(tab, 7000, 0x7102, 1), 0, lib_at(&fx.lib_fn, 3), "lib_fn", 3);
	assert_lib(entry(tab, 7000 + npids - 1, 0x7102, 1), 0, lib_at(&fx.lib_fn, 3), "lib_fn", 3);
	leak_sample__free(&sample);
	stacktab__free(tab);
	symbolizer__free(sym);
}

/* A process that is gone keeps its addresses; one that exited after being read keeps the
 * mappings read last, so its later stacks still resolve. */
static void test_process_gone(void **state)
{
	struct symbolizer *sym = new_symbolizer();
	struct stacktab *tab = stacktab__new();
	struct leak_sample sample = {};
	const struct stack_entry *e;
	(void)state;

	assert_non_null(tab);
	fake_reset();
	fake(0x91, 2, (uint64_t[]){ exe_at(BASE_EXE, &fx.alpha, 5), 0x10 });
	fake(0xa1, 1, (uint64_t[]){ exe_at(BASE_EXE, &fx.alpha, 2) });
	fake(0xa2, 2, (uint64_t[]){ 0x10, exe_at(BASE_EXE, &fx.beta, 1) });
	write_maps(5100, M_EXE);
	/* no PROC/9999 at all */
	sample_add(&sample, 9999, 0x91);
	sample_add(&sample, 5100, 0xa1);
	assert_int_equal(leak_model__symbolize_new(tab, sym, &sample, fake_fetch, &ff), 2);
	e = entry(tab, 9999, 0x91, 2);
	assert_unresolved(e, 0, exe_at(BASE_EXE, &fx.alpha, 5));
	assert_unresolved(e, 1, 0x10);
	assert_exe(entry(tab, 5100, 0xa1, 1), 0, exe_at(BASE_EXE, &fx.alpha, 2), "alpha", 2);

	/* exited, not yet reaped: its maps file is empty */
	write_maps(5100, 0);
	sample_add(&sample, 5100, 0xa2);
	assert_int_equal(leak_model__symbolize_new(tab, sym, &sample, fake_fetch, &ff), 1);
	e = entry(tab, 5100, 0xa2, 2);
	assert_unresolved(e, 0, 0x10);
	assert_exe(e, 1, exe_at(BASE_EXE, &fx.beta, 1), "beta", 1);
	leak_sample__free(&sample);
	stacktab__free(tab);
	symbolizer__free(sym);
}

/* stack_hold_fn of the tests: says `answer`, and counts its calls */
struct hold_fx {
	bool answer;
	unsigned calls;
	uint32_t last_pid;
	uint64_t last_id;
};

static bool hold_fake(void *ctx, uint32_t pid, uint64_t stack_id)
{
	struct hold_fx *h = ctx;

	h->calls++;
	h->last_pid = pid;
	h->last_id = stack_id;
	return h->answer;
}

/* fetch, hold and reread share one context in leak_model__symbolize_held; the fake fetch
 * keeps its own (ff) */
struct held_ctx {
	struct hold_fx hold;
	struct symbolizer *sym;
	uint32_t put_off;     /* the pid whose re-read is put off (0: none) */
	unsigned rereads;     /* calls */
	uint32_t reread_last; /* the pid of the last one */
};

static int fetch_for_held(void *ctx, uint64_t id, uint64_t *ips, size_t max, bool *truncated)
{
	(void)ctx;
	return fake_fetch(&ff, id, ips, max, truncated);
}

static bool hold_for_held(void *ctx, uint32_t pid, uint64_t id)
{
	return hold_fake(&((struct held_ctx *)ctx)->hold, pid, id);
}

static bool reread_for_held(void *ctx, uint32_t pid)
{
	struct held_ctx *hc = ctx;

	hc->rereads++;
	hc->reread_last = pid;
	if (pid == hc->put_off)
		return false;
	symbolizer__refresh(hc->sym, (int)pid);
	return true;
}

/* Mappings read aside for an image to come (an exec not handled yet) are not the process's
 * until the exec with their tag is: another tag drops them; the right one makes them its own,
 * and its frames are named from them */
static void test_symbolizer_next_image(void **state)
{
	struct symbolizer *sym = new_symbolizer();
	struct frame fr[4];
	(void)state;

	write_maps(5105, M_EXE);
	assert_int_equal(symbolizer__refresh_next(sym, 5105, 0), -EINVAL);
	assert_int_equal(symbolizer__refresh_next(sym, 5105, 7), 0);
	assert_false(symbolizer__holds(sym, 5105));
	assert_int_equal(symbolizer__resolve(sym, 5105, exe_at(BASE_EXE, &fx.alpha, 5), fr, 4),
			 -ENOENT);
	assert_false(symbolizer__take_next(sym, 5105, 8)); /* another exec's: dropped */
	assert_false(symbolizer__take_next(sym, 5105, 7));
	assert_false(symbolizer__holds(sym, 5105));

	assert_int_equal(symbolizer__refresh_next(sym, 5105, 7), 0);
	assert_true(symbolizer__take_next(sym, 5105, 7));
	assert_true(symbolizer__holds(sym, 5105));
	assert_int_equal(symbolizer__resolve(sym, 5105, exe_at(BASE_EXE, &fx.alpha, 5), fr, 4), 1);
	assert_string_equal(fr[0].function, "alpha");
	assert_false(symbolizer__take_next(sym, 5105, 7)); /* taken once */
	symbolizer__free(sym);
}

/* A process whose re-read is put off (an exec of it not handled yet): its mappings are not read
 * and its new stacks are left out, fetched never, while another's are named; once the re-read
 * is done, they are named from what it read. Each process is re-read once per call. */
static void test_symbolize_reread_put_off(void **state)
{
	struct symbolizer *sym = new_symbolizer();
	struct stacktab *tab = stacktab__new();
	struct leak_sample sample = {};
	struct held_ctx hc = { .sym = sym, .put_off = 5103 };
	(void)state;

	assert_non_null(tab);
	fake_reset();
	fake(0xd1, 1, (uint64_t[]){ exe_at(BASE_EXE, &fx.alpha, 5) });
	fake(0xd2, 1, (uint64_t[]){ exe_at(BASE_EXE, &fx.beta, 1) });
	fake(0xd3, 1, (uint64_t[]){ exe_at(BASE_EXE, &fx.alpha, 2) });
	write_maps(5103, M_EXE);
	write_maps(5104, M_EXE);
	sample_add(&sample, 5103, 0xd1);
	sample_add(&sample, 5104, 0xd2);
	sample_add(&sample, 5103, 0xd3);
	assert_int_equal(leak_model__symbolize_held(tab, sym, &sample, fetch_for_held, NULL,
						    reread_for_held, &hc),
			 1);
	assert_int_equal(hc.rereads, 2);
	assert_false(symbolizer__holds(sym, 5103));
	assert_null(stacktab__get(tab, 5103, 0xd1));
	assert_null(stacktab__get(tab, 5103, 0xd3));
	assert_int_equal(fake_of(0xd1)->calls, 0);
	assert_int_equal(fake_of(0xd3)->calls, 0);
	assert_exe(entry(tab, 5104, 0xd2, 1), 0, exe_at(BASE_EXE, &fx.beta, 1), "beta", 1);

	/* the exec handled: read, and named */
	hc.put_off = 0;
	assert_int_equal(leak_model__symbolize_held(tab, sym, &sample, fetch_for_held, NULL,
						    reread_for_held, &hc),
			 2);
	assert_int_equal(hc.rereads, 3);
	assert_int_equal(hc.reread_last, 5103);
	assert_true(symbolizer__holds(sym, 5103));
	assert_exe(entry(tab, 5103, 0xd1, 1), 0, exe_at(BASE_EXE, &fx.alpha, 5), "alpha", 5);
	assert_exe(entry(tab, 5103, 0xd3, 1), 0, exe_at(BASE_EXE, &fx.alpha, 2), "alpha", 2);
	leak_sample__free(&sample);
	stacktab__free(tab);
	symbolizer__free(sym);
}

/* A stack with an address in no known mapping, of a process gone, is left out while hold says
 * so (its code may be told later) and named once it does not; a stack whose addresses are all
 * in known mappings, of a live process or of a gone one whose code was told, is never held */
static void test_symbolize_held(void **state)
{
	struct symbolizer *sym = new_symbolizer();
	struct stacktab *tab = stacktab__new();
	struct leak_sample sample = {};
	struct held_ctx hc = { .hold = { .answer = true } };
	const struct stack_entry *e;
	(void)state;

	assert_non_null(tab);
	fake_reset();
	fake(0xc1, 1, (uint64_t[]){ exe_at(BASE_EXE, &fx.alpha, 5) });
	fake(0xc2, 1, (uint64_t[]){ exe_at(BASE_EXE, &fx.alpha, 2) });
	fake(0xc3, 1, (uint64_t[]){ exe_at(BASE_EXE, &fx.beta, 1) });
	write_maps(5101, M_EXE);
	sample_add(&sample, 9997, 0xc1); /* gone, nothing known of it */
	sample_add(&sample, 5101, 0xc2); /* alive */
	assert_int_equal(leak_model__symbolize_held(tab, sym, &sample, fetch_for_held,
						    hold_for_held, NULL, &hc),
			 1);
	assert_null(stacktab__get(tab, 9997, 0xc1));
	assert_exe(entry(tab, 5101, 0xc2, 1), 0, exe_at(BASE_EXE, &fx.alpha, 2), "alpha", 2);
	assert_int_equal(hc.hold.calls, 1);
	assert_int_equal(hc.hold.last_pid, 9997);
	assert_int_equal(hc.hold.last_id, 0xc1);

	/* still held: fetched again, not added */
	assert_int_equal(leak_model__symbolize_held(tab, sym, &sample, fetch_for_held,
						    hold_for_held, NULL, &hc),
			 0);
	assert_int_equal(hc.hold.calls, 2);
	assert_int_equal(fake_of(0xc1)->calls, 2);

	/* its code told (the executable, where pid 5101 maps it): named whole, never held */
	assert_int_equal(symbolizer__add_code(sym, 9997, BASE_EXE, BASE_EXE + 0x10000, 0,
					      8 << 20 | 1, 4242),
			 0);
	sample_add(&sample, 9997, 0xc3);
	assert_int_equal(leak_model__symbolize_held(tab, sym, &sample, fetch_for_held,
						    hold_for_held, NULL, &hc),
			 2);
	assert_int_equal(hc.hold.calls, 2);
	assert_exe(entry(tab, 9997, 0xc1, 1), 0, exe_at(BASE_EXE, &fx.alpha, 5), "alpha", 5);
	assert_exe(entry(tab, 9997, 0xc3, 1), 0, exe_at(BASE_EXE, &fx.beta, 1), "beta", 1);

	/* hold says no: named as it is, the unknown address a bare frame */
	fake(0xc4, 1, (uint64_t[]){ 0x10 });
	sample_add(&sample, 9997, 0xc4);
	hc.hold.answer = false;
	assert_int_equal(leak_model__symbolize_held(tab, sym, &sample, fetch_for_held,
						    hold_for_held, NULL, &hc),
			 1);
	assert_int_equal(hc.hold.calls, 3);
	e = entry(tab, 9997, 0xc4, 1);
	assert_unresolved(e, 0, 0x10);
	leak_sample__free(&sample);
	stacktab__free(tab);
	symbolizer__free(sym);
}

static struct frame *frames_at(size_t n, uint64_t first)
{
	struct frame *f = calloc(n, sizeof(*f));

	assert_non_null(f);
	for (size_t i = 0; i < n; i++) {
		f[i].address = first + i;
		f[i].build_id = "";
	}
	return f;
}

static void test_build(void **state)
{
	static const struct stack_row stacks[] = {
		{ 10, 0x11, { 4096, 4, 8192, 8, 4096, 4, 0, 0 } },
		{ 10, 0x22, { 100, 1, 100, 1, 0, 0, 0, 0 } },
		{ 11, 0x11, { 4096, 4, 4096, 4, 0, 0, 0, 0 } },
		{ 10, PERFAN_STACK_NONE, { 48, 3, 96, 6, 48, 3, 0, 0 } },
		{ 12, 0x33, { 0, 0, 1000, 10, 1000, 10, 0, 0 } },
		{ 12, 0x44, { 100, 1, 100, 1, 0, 0, 0, 0 } }, /* not in the table */
	};
	/* live bytes, live objects, alloc bytes descending, then pid and id ascending */
	static const struct {
		uint32_t pid;
		uint64_t id;
		size_t frame_cnt;
		uint64_t first_address;
	} order[] = {
		{ 10, 0x11, 2, 0x1100 },	 /* 4096 B, 4, 8192 B */
		{ 11, 0x11, 1, 0x2100 },	 /* 4096 B, 4, 4096 B */
		{ 10, 0x22, 3, 0x2200 },	 /* 100 B, pid 10 */
		{ 12, 0x44, 0, 0 },		 /* 100 B, pid 12: no frames */
		{ 10, PERFAN_STACK_NONE, 0, 0 }, /* 48 B */
		{ 12, 0x33, 1, 0x3300 },	 /* nothing live */
	};
	static const uint64_t lost[REPORT_LOST__MAX] = { 0, 12, 0, 345, 6, 0, 78 };
	struct stacktab *tab = stacktab__new();
	struct leak_sample sample = {};
	struct leak_report rep = {};
	(void)state;

	assert_non_null(tab);
	assert_int_equal(stacktab__put(tab, 10, 0x11, frames_at(2, 0x1100), 2), 0);
	assert_int_equal(stacktab__put(tab, 11, 0x11, frames_at(1, 0x2100), 1), 0);
	assert_int_equal(stacktab__put(tab, 10, 0x22, frames_at(3, 0x2200), 3), 0);
	assert_int_equal(stacktab__put(tab, 10, PERFAN_STACK_NONE, NULL, 0), 0);
	assert_int_equal(stacktab__put(tab, 12, 0x33, frames_at(1, 0x3300), 1), 0);
	/* in the table, not in the sample: not in the report */
	assert_int_equal(stacktab__put(tab, 13, 0x55, frames_at(1, 0x5500), 1), 0);
	for (size_t i = 0; i < sizeof(stacks) / sizeof(stacks[0]); i++)
		assert_int_equal(leak_sample__add(&sample, &stacks[i]), 0);
	memcpy(sample.lost, lost, sizeof(lost));

	assert_int_equal(leak_model__build(tab, &sample, &rep), 0);
	assert_int_equal(rep.stack_cnt, 6);
	for (size_t i = 0; i < 6; i++) {
		const struct report_stack *s = &rep.stacks[i];
		const struct stack_entry *e = stacktab__get(tab, order[i].pid, order[i].id);

		if (s->pid != order[i].pid || s->stack_id != order[i].id)
			fail_msg("position %zu holds pid %u stack 0x%" PRIx64
				 ", expected pid %u stack 0x%" PRIx64,
				 i, s->pid, s->stack_id, order[i].pid, order[i].id);
		assert_int_equal(s->frame_cnt, order[i].frame_cnt);
		if (!e) {
			/* missing from the table: no frames */
			assert_null(s->frames);
			continue;
		}
		/* the frames are the table's, not copies */
		assert_ptr_equal(s->frames, e->frames);
		if (order[i].frame_cnt)
			assert_int_equal(s->frames[order[i].frame_cnt - 1].address,
					 order[i].first_address + order[i].frame_cnt - 1);
	}
	assert_null(stacktab__get(tab, 12, 0x44));
	/* counts travel with their stack */
	assert_memory_equal(&rep.stacks[0].counts, &stacks[0].counts, sizeof(stacks[0].counts));
	assert_memory_equal(&rep.stacks[1].counts, &stacks[2].counts, sizeof(stacks[0].counts));
	assert_memory_equal(&rep.stacks[4].counts, &stacks[3].counts, sizeof(stacks[0].counts));
	assert_memory_equal(&rep.stacks[5].counts, &stacks[4].counts, sizeof(stacks[0].counts));
	/* totals over every stack of the sample: live 4096 + 100 + 4096 + 48 + 0 + 100, ... */
	assert_int_equal(rep.totals.live_bytes, 8440);
	assert_int_equal(rep.totals.live_objects, 13);
	assert_int_equal(rep.totals.alloc_bytes, 13584);
	assert_int_equal(rep.totals.alloc_objects, 30);
	assert_int_equal(rep.totals.freed_bytes, 5144);
	assert_int_equal(rep.totals.freed_objects, 17);
	for (int k = 0; k < REPORT_LOST__MAX; k++)
		assert_int_equal(rep.lost[k], lost[k]);
	assert_int_equal(rep.lost[REPORT_LOST_STACKS_MAP_FULL], 0);
	assert_int_equal(rep.lost[REPORT_LOST_UNMATCHED_FREES], 345);
	/* the header fields are the caller's */
	assert_int_equal(rep.pid, 0);
	assert_null(rep.command);
	report__free(&rep);

	/* an empty sample: no stacks, zero totals, its loss counters */
	leak_sample__free(&sample);
	sample.lost[REPORT_LOST_STATE_FAILURES] = 9;
	assert_int_equal(leak_model__build(tab, &sample, &rep), 0);
	assert_int_equal(rep.stack_cnt, 0);
	assert_memory_equal(&rep.totals, &(struct stack_counts){}, sizeof(rep.totals));
	assert_int_equal(rep.lost[REPORT_LOST_STATE_FAILURES], 9);
	assert_int_equal(rep.lost[REPORT_LOST_UNMATCHED_FREES], 0);
	report__free(&rep);
	stacktab__free(tab);
}

/* Symbolize, then build: the report's frames are those symbolized */
static void test_symbolize_then_build(void **state)
{
	struct symbolizer *sym = new_symbolizer();
	struct stacktab *tab = stacktab__new();
	struct leak_sample sample = {};
	struct leak_report rep = {};
	struct stack_row st = { .pid = 6000, .stack_id = 0x61, .counts = { 64, 2, 64, 2, 0, 0 } };
	(void)state;

	assert_non_null(tab);
	write_maps(6000, M_EXE | M_LIB);
	fake_reset();
	fake(0x61, 2, (uint64_t[]){ lib_at(&fx.lib_fn, 4), exe_at(BASE_EXE, &fx.main_fn, 9) });
	assert_int_equal(leak_sample__add(&sample, &st), 0);
	st = (struct stack_row){ .pid = 6000,
				 .stack_id = PERFAN_STACK_NONE,
				 .counts = { 1000, 1, 1000, 1, 0, 0 } };
	assert_int_equal(leak_sample__add(&sample, &st), 0);
	sample.lost[REPORT_LOST_STACKS_MAP_FULL] = 1;
	assert_int_equal(leak_model__symbolize_new(tab, sym, &sample, fake_fetch, &ff), 2);
	assert_int_equal(leak_model__build(tab, &sample, &rep), 0);
	assert_int_equal(rep.stack_cnt, 2);
	assert_int_equal(rep.stacks[0].stack_id, PERFAN_STACK_NONE);
	assert_int_equal(rep.stacks[0].frame_cnt, 0);
	assert_int_equal(rep.stacks[1].stack_id, 0x61);
	assert_int_equal(rep.stacks[1].frame_cnt, 2);
	assert_string_equal(rep.stacks[1].frames[0].function, "lib_fn");
	assert_int_equal(rep.stacks[1].frames[0].offset, 4);
	assert_string_equal(rep.stacks[1].frames[0].module, LIB_PATH);
	assert_string_equal(rep.stacks[1].frames[1].function, "main");
	assert_int_equal(rep.stacks[1].frames[1].offset, 9);
	assert_int_equal(rep.totals.live_bytes, 1064);
	assert_int_equal(rep.totals.live_objects, 3);
	assert_int_equal(rep.lost[REPORT_LOST_STACKS_MAP_FULL], 1);
	report__free(&rep);
	leak_sample__free(&sample);
	stacktab__free(tab);
	symbolizer__free(sym);
}

static void test_sample_add_free(void **state)
{
	struct leak_sample s = {};
	(void)state;

	/* past the first growth */
	for (uint32_t i = 0; i < 1000; i++) {
		struct stack_row st = { .pid = i,
					.stack_id = (uint64_t)i << 33 | i,
					.counts = { i, i + 1, i + 2, i + 3, i + 4, i + 5 } };

		assert_int_equal(leak_sample__add(&s, &st), 0);
		/* a copy: changing ours changes nothing */
		st.pid = 0xdead;
	}
	assert_int_equal(s.cnt, 1000);
	assert_true(s.cap >= 1000);
	for (uint32_t i = 0; i < 1000; i++) {
		assert_int_equal(s.stacks[i].pid, i);
		assert_int_equal(s.stacks[i].stack_id, (uint64_t)i << 33 | i);
		assert_int_equal(s.stacks[i].counts.live_bytes, i);
		assert_int_equal(s.stacks[i].counts.freed_objects, i + 5);
	}
	s.lost[REPORT_LOST_ALLOCS_MAP_FULL] = 3;
	leak_sample__free(&s);
	assert_null(s.stacks);
	assert_int_equal(s.cnt, 0);
	assert_int_equal(s.cap, 0);
	assert_int_equal(s.lost[REPORT_LOST_ALLOCS_MAP_FULL], 0);
	/* usable again after free */
	assert_int_equal(leak_sample__add(&s, &(struct stack_row){ .pid = 1 }), 0);
	assert_int_equal(s.cnt, 1);
	leak_sample__free(&s);
	leak_sample__free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symbolize_frames),
		cmocka_unit_test(test_refresh_per_call),
		cmocka_unit_test(test_library_replaced),
		cmocka_unit_test(test_old_image),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_jit_perf_map),
		cmocka_unit_test(test_refresh_once_many_processes),
		cmocka_unit_test(test_process_gone),
		cmocka_unit_test(test_symbolize_held),
		cmocka_unit_test(test_symbolize_reread_put_off),
		cmocka_unit_test(test_symbolizer_next_image),
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_symbolize_then_build),
		cmocka_unit_test(test_sample_add_free),
	};

	return cmocka_run_group_tests_name("leak_model", tests, setup, teardown);
}
