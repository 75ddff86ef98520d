// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The timing BPF object (see timing_loader.h). */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "timing.h"
#include "timing.skel.h"
#include "lib/array.h"
#include "probe/links.h"
#include "probe/timing_loader.h"
#include "target/insn.h"
#include "target/procmaps.h"
#include "target/x86_len.h"

_Static_assert(TIMING_BUCKETS == HIST_BUCKETS, "bucket layout of bpf/timing.h and user/hist.h");
_Static_assert(TIMING_SUB_BITS == HIST_SUB_BITS, "bucket layout");
_Static_assert(TIMING_MAX_EXP == HIST_MAX_EXP, "bucket layout");
_Static_assert(TIMING_MAX_FUNCS == TIMING_FUNCS_MAX, "function count");
_Static_assert((int)TLOST__MAX == (int)TIMING_LOSS__MAX, "loss counters");
_Static_assert((int)TLOST_STALE == (int)TIMING_LOSS_STALE, "loss order");
_Static_assert((int)TLOST_DEPTH_LIMIT == (int)TIMING_LOSS_DEPTH_LIMIT, "loss order");
_Static_assert((int)TLOST_UNMATCHED == (int)TIMING_LOSS_UNMATCHED, "loss order");
_Static_assert((int)TLOST_HIST_FULL == (int)TIMING_LOSS_HIST_FULL, "loss order");
_Static_assert((int)TIMING_BY_THREAD == (int)TIMING_PER_THREAD, "breakdown");
_Static_assert((int)TIMING_BY_PID == (int)TIMING_PER_PID, "breakdown");
_Static_assert(sizeof(struct timing_key) == 8, "timing_key layout");
_Static_assert(sizeof(struct timing_hist) == 8 * (7 + TIMING_BUCKETS), "timing_hist layout");

struct timing_loader {
	struct timing_bpf *skel;
	struct bpf_link **links;
	size_t link_cnt;
	int ncpu;
	struct timing_hist *percpu; /* lookup buffer: one value per possible CPU */
};

int timing_loader__new(const struct timing_loader_opts *opts, struct timing_loader **out)
{
	struct timing_loader *ld;
	int err;

	*out = NULL;
	ld = calloc(1, sizeof(*ld));
	if (!ld)
		return -ENOMEM;
	ld->ncpu = libbpf_num_possible_cpus();
	if (ld->ncpu <= 0) {
		err = ld->ncpu ? ld->ncpu : -EINVAL;
		goto cleanup;
	}
	ld->percpu = calloc((size_t)ld->ncpu, sizeof(*ld->percpu));
	ld->skel = timing_bpf__open();
	if (!ld->percpu || !ld->skel) {
		err = -ENOMEM;
		goto cleanup;
	}
	ld->skel->rodata->by = (__u32)opts->by;
	ld->skel->rodata->subtract_nested = opts->subtract_nested;
	if (opts->max_hists &&
	    (err = bpf_map__set_max_entries(ld->skel->maps.hists, opts->max_hists)))
		goto cleanup;
	err = timing_bpf__load(ld->skel);
	if (err)
		goto cleanup;
	timing_loader__set_pid(ld, opts->pid);
	*out = ld;
	return 0;
cleanup:
	timing_loader__free(ld);
	return err;
}

void timing_loader__set_pid(struct timing_loader *ld, int pid)
{
	ld->skel->bss->target_tgid = pid > 0 ? (__u32)pid : 0;
}

static int attach_one(struct timing_loader *ld, struct bpf_program *prog, bool ret, int pid,
		      const char *path, uint64_t off, uint64_t cookie)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = cookie, .retprobe = ret);
	struct bpf_link *link, **n;

	/* libbpf's "every process" is -1; ours is 0 */
	link = bpf_program__attach_uprobe_opts(prog, pid > 0 ? pid : -1, path, (size_t)off, &uo);
	if (!link)
		return -errno;
	n = realloc(ld->links, (ld->link_cnt + 1) * sizeof(*n));
	if (!n) {
		bpf_link__destroy(link);
		return -ENOMEM;
	}
	ld->links = n;
	ld->links[ld->link_cnt++] = link;
	return 0;
}

static int attach_func(struct timing_loader *ld, const char *path, int pid,
		       const struct timed_func *f, uint64_t cookie)
{
	struct timing_bpf *s = ld->skel;
	int err;

	if (!f->ret_insn) {
		err = attach_one(ld, s->progs.timing_enter_uret, false, pid, path, f->probe_off,
				 cookie);
		return err
			       ?: attach_one(ld, s->progs.timing_uret, true, pid, path,
					     f->probe_off, cookie);
	}
	/* returns first: an entry seen before its function's returns are watched would be
	 * left open and later dropped as stale */
	for (size_t r = 0; r < f->ret_cnt; r++) {
		err = attach_one(ld, s->progs.timing_ret_insn, false, pid, path, f->ret_offs[r],
				 cookie);
		if (err)
			return err;
	}
	return attach_one(ld, s->progs.timing_enter_insn, false, pid, path, f->probe_off, cookie);
}

int timing_loader__attach(struct timing_loader *ld, const char *path, int pid,
			  const struct timing_target *t, struct errtext *why)
{
	int rc = 0;

	if (t->cnt > TIMING_MAX_FUNCS)
		return -E2BIG;
	for (size_t i = 0; i < t->cnt && !rc; i++) {
		rc = attach_func(ld, path, pid, &t->funcs[i], i);
		if (rc)
			errtext__set(why, "cannot attach uprobes to %s in %s: %s (try --verbose)",
				     t->funcs[i].name, path, strerror(-rc));
	}
	if (rc)
		timing_loader__detach(ld);
	return rc;
}

size_t timing_loader__probe_cnt(const struct timing_loader *ld)
{
	return ld->link_cnt;
}

void timing_loader__set_cost(struct timing_loader *ld, uint32_t func, double cost_ns)
{
	if (func < TIMING_MAX_FUNCS)
		ld->skel->bss->func_cost_ns[func] = cost_ns > 0 ? (__u64)(cost_ns + 0.5) : 0;
}

void timing_loader__detach(struct timing_loader *ld)
{
	if (!ld)
		return;
	links__destroy_all(ld->links, ld->link_cnt);
	free(ld->links);
	ld->links = NULL;
	ld->link_cnt = 0;
}

static int row_cmp(const void *a, const void *b)
{
	const struct timing_row *x = a, *y = b;

	if (x->func != y->func)
		return x->func < y->func ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return 0;
}

/* Sum the per-CPU values of one key into a row */
static void sum_cpus(const struct timing_loader *ld, struct timing_row *row)
{
	struct hist *h = &row->h;
	uint64_t min_inv = 0;

	memset(h, 0, sizeof(*h));
	memset(&row->nested, 0, sizeof(row->nested));
	for (int c = 0; c < ld->ncpu; c++) {
		const struct timing_hist *v = &ld->percpu[c];
		uint64_t old = h->sum_lo;

		row->nested.calls += v->nested_calls;
		row->nested.cost_ns += v->nested_cost_ns;

		h->sum_lo += v->sum_lo;
		h->sum_hi += v->sum_hi + (h->sum_lo < old);
		if (v->max_ns > h->max)
			h->max = v->max_ns;
		if (v->min_ns > min_inv)
			min_inv = v->min_ns;
		for (size_t b = 0; b < HIST_BUCKETS; b++)
			h->buckets[b] += v->buckets[b];
	}
	for (size_t b = 0; b < HIST_BUCKETS; b++)
		h->count += h->buckets[b];
	h->min = h->count ? ~min_inv : 0;
	if (h->count && !min_inv)
		h->min = 0; /* never written: unknown */
}

int timing_loader__read(struct timing_loader *ld, struct timing_rows *rows)
{
	int fd = bpf_map__fd(ld->skel->maps.hists);
	struct timing_key key, next;
	bool first = true;

	rows->cnt = 0;
	while (!bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		struct timing_row *row;

		first = false;
		key = next;
		if (bpf_map_lookup_elem(fd, &key, ld->percpu))
			continue; /* deleted meanwhile */
		if (ARRAY_GROW(rows->rows, rows->cap, rows->cnt + 1, 16))
			return -ENOMEM;
		row = &rows->rows[rows->cnt++];
		row->func = key.func;
		row->id = key.id;
		sum_cpus(ld, row);
	}
	if (rows->cnt)
		qsort(rows->rows, rows->cnt, sizeof(*rows->rows), row_cmp);
	return 0;
}

void timing_loader__losses(const struct timing_loader *ld, uint32_t func,
			   uint64_t out[TIMING_LOSS__MAX])
{
	for (int k = 0; k < TIMING_LOSS__MAX; k++)
		out[k] = func < TIMING_MAX_FUNCS ? ld->skel->bss->func_lost[func][k] : 0;
}

int timing_loader__clear(struct timing_loader *ld)
{
	int fd = bpf_map__fd(ld->skel->maps.hists);
	struct timing_key key;

	while (!bpf_map_get_next_key(fd, NULL, &key))
		if (bpf_map_delete_elem(fd, &key))
			return -errno;
	memset(ld->skel->bss->func_lost, 0, sizeof(ld->skel->bss->func_lost));
	return 0;
}

void timing_rows__free(struct timing_rows *rows)
{
	free(rows->rows);
	memset(rows, 0, sizeof(*rows));
}

void timing_loader__free(struct timing_loader *ld)
{
	if (!ld)
		return;
	timing_loader__detach(ld);
	timing_bpf__destroy(ld->skel);
	free(ld->percpu);
	free(ld);
}

/* The calibration targets, empty, in assembly so that the instruction under the entry probe is
 * of a known kind: `push %rbp`, which the kernel emulates (the usual first instruction of a
 * function with a frame), and `sub $8,%rsp`, which it single-steps (the usual one without:
 * it moves the stack pointer, so the probe cannot be placed after it). Each has its return
 * apart from its entry, and an unprobed twin that the loops time in turn with it. */
__asm__(".pushsection .text\n"
	".p2align 4\n"
	".globl perfan_calibration_empty\n"
	".type perfan_calibration_empty, @function\n"
	"perfan_calibration_empty:\n"
	"	push %rbp\n"
	"	pop %rbp\n"
	"	ret\n"
	".size perfan_calibration_empty, .-perfan_calibration_empty\n"
	".p2align 4\n"
	".globl perfan_calibration_stepped\n"
	".type perfan_calibration_stepped, @function\n"
	"perfan_calibration_stepped:\n"
	"	sub $8, %rsp\n"
	"	add $8, %rsp\n"
	"	ret\n"
	".size perfan_calibration_stepped, .-perfan_calibration_stepped\n"
	".p2align 4\n"
	"perfan_calibration_empty_twin:\n"
	"	push %rbp\n"
	"	pop %rbp\n"
	"	ret\n"
	".p2align 4\n"
	"perfan_calibration_stepped_twin:\n"
	"	sub $8, %rsp\n"
	"	add $8, %rsp\n"
	"	ret\n"
	".popsection\n");
void perfan_calibration_empty(void);
void perfan_calibration_stepped(void);
void perfan_calibration_empty_twin(void);
void perfan_calibration_stepped_twin(void);

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double loop_ns(void (*target)(void), unsigned calls)
{
	void (*volatile fn)(void) = target;
	double t0 = now_ns();

	for (unsigned i = 0; i < calls; i++)
		fn();
	return (now_ns() - t0) / calls;
}

#define CAL_BLOCKS 64

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The wall time a call of `probed` gains from its probes: blocks of calls of it and of its
 * unprobed twin in turn, so that the machine's drift hits both; the median block, so that a
 * preempted block does not count */
static double added_ns(void (*probed)(void), void (*twin)(void), unsigned calls)
{
	unsigned per = calls / CAL_BLOCKS ? calls / CAL_BLOCKS : 1;
	double d[CAL_BLOCKS];

	for (int b = 0; b < CAL_BLOCKS; b++) {
		double bare = loop_ns(twin, per);

		d[b] = loop_ns(probed, per) - bare;
	}
	qsort(d, CAL_BLOCKS, sizeof(d[0]), dbl_cmp);
	return (d[CAL_BLOCKS / 2 - 1] + d[CAL_BLOCKS / 2]) / 2;
}

/* One of our calibration functions as a timing_target of one function in /proc/self/exe,
 * the entry probe on its first instruction, which must be of the kind asked for */
static int self_target(void (*fn)(void), const char *name, bool ret_insn, bool entry_stepped,
		       struct timed_func *f, uint64_t *ret_off)
{
	const uint8_t *code = (const uint8_t *)(uintptr_t)fn;
	uint64_t addr = (uint64_t)(uintptr_t)fn;
	struct proc_maps maps = {};
	const struct proc_map *m;
	size_t off = 0;
	int err;

	err = proc_maps__read("/proc/self/maps", &maps);
	if (err)
		return err;
	m = proc_maps__find(&maps, addr);
	if (!m) {
		proc_maps__free(&maps);
		return -ENOENT;
	}
	memset(f, 0, sizeof(*f));
	f->name = (char *)name;
	f->entry_off = addr - m->start + m->offset;
	proc_maps__free(&maps);
	/* the function is a few bytes long: decode up to its return */
	for (;;) {
		struct x86_insn in;

		if (off > 64 || x86__decode(code, 80, off, &in))
			return -ENOEXEC;
		if (in.kind == X86_RET)
			break;
		off += in.len;
	}
	f->size = off + 1;
	f->probe_off = f->entry_off;
	f->entry_emulated = insn__is_emulated(code, f->size);
	if (f->entry_emulated == entry_stepped)
		return -ENOEXEC; /* not the kind this calibration is for */
	f->ret_insn = ret_insn;
	*ret_off = f->entry_off + off;
	f->ret_offs = ret_off;
	f->ret_cnt = 1;
	return 0;
}

int timing_loader__calibrate(bool ret_insn, bool entry_stepped, unsigned calls,
			     struct timing_calibration *out)
{
	struct timing_loader_opts opts = { .pid = getpid(), .max_hists = 16 };
	struct timing_target t = { .path = "/proc/self/exe", .cnt = 1 };
	void (*fn)(void) = entry_stepped ? perfan_calibration_stepped : perfan_calibration_empty;
	void (*twin)(void) = entry_stepped ? perfan_calibration_stepped_twin
					   : perfan_calibration_empty_twin;
	struct timing_rows rows = {};
	struct timing_loader *ld = NULL;
	struct timed_func f;
	uint64_t ret_off;
	double added;
	struct errtext why;
	int rc;

	memset(out, 0, sizeof(*out));
	out->ret_insn = ret_insn;
	out->entry_stepped = entry_stepped;
	rc = self_target(fn,
			 entry_stepped ? "perfan_calibration_stepped" : "perfan_calibration_empty",
			 ret_insn, entry_stepped, &f, &ret_off);
	if (rc)
		return rc;
	t.funcs = &f;
	rc = timing_loader__new(&opts, &ld);
	if (rc)
		return rc;
	rc = timing_loader__attach(ld, "/proc/self/exe", getpid(), &t, &why);
	if (rc)
		goto cleanup;
	loop_ns(fn, calls / 10 + 1); /* warm up: the first calls map pages and create state */
	rc = timing_loader__clear(ld);
	if (rc)
		goto cleanup;
	added = added_ns(fn, twin, calls);
	rc = timing_loader__read(ld, &rows);
	if (rc)
		goto cleanup;
	if (!rows.cnt) {
		rc = -ENODATA;
		goto cleanup;
	}
	out->h = rows.rows[0].h;
	out->p50_ns = hist__quantile(&out->h, 0.5);
	out->per_call_ns = added;
cleanup:
	timing_rows__free(&rows);
	timing_loader__free(ld);
	return rc;
}
