// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Text formatter of the leak report: a header with totals, the top stacks by live bytes with
 * their frames, and every non-zero loss counter with what it means. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/report.h"
#include "lib/bytes_fmt.h"
#include "output/report_format.h"

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* "#3  0x00005555555551a9 leak_one (leaky.c:42) [inlined]  /path/to/module" */
void report__write_frame(FILE *out, size_t idx, const struct frame *f)
{
	fprintf(out, "    #%-2zu 0x%016" PRIx64 " ", idx, f->address);
	if (f->function && f->file)
		fprintf(out, "%s", f->function);
	else if (f->function)
		fprintf(out, "%s+0x%" PRIx64, f->function, f->offset);
	else if (f->module)
		/* the module-relative address: with the build-id it can be symbolized later */
		fprintf(out, "%s+0x%" PRIx64, base_name(f->module), f->offset);
	else
		fprintf(out, "[unknown]");
	if (f->file)
		fprintf(out, " (%s:%u)", f->file, f->line);
	if (f->inlined)
		fprintf(out, " [inlined]");
	if (f->module)
		fprintf(out, "  %s", f->module);
	if (!f->function && f->build_id && f->build_id[0])
		fprintf(out, " [build-id %s]", f->build_id);
	fputc('\n', out);
}

/* A stack none of whose frames lies in a known mapping: its process exited (or exec'd) before
 * its mappings were read, a short-lived one under --all most often */
static bool unnamed(const struct report_stack *s)
{
	for (size_t j = 0; j < s->frame_cnt; j++)
		if (s->frames[j].module)
			return false;
	return s->frame_cnt > 0;
}

static int by_live(const void *a, const void *b)
{
	const struct report_proc_sum *x = a, *y = b;

	if (x->counts.live_bytes != y->counts.live_bytes)
		return x->counts.live_bytes < y->counts.live_bytes ? 1 : -1;
	if (x->counts.alloc_bytes != y->counts.alloc_bytes)
		return x->counts.alloc_bytes < y->counts.alloc_bytes ? 1 : -1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static const char *comm_of(const struct leak_report *rep, uint32_t pid)
{
	for (size_t i = 0; i < rep->proc_cnt; i++)
		if (rep->procs[i].pid == pid && rep->procs[i].comm[0])
			return rep->procs[i].comm;
	return NULL;
}

/* The parent of a process followed at its fork, else 0 */
static uint32_t ppid_of(const struct leak_report *rep, uint32_t pid)
{
	for (size_t i = 0; i < rep->proc_cnt; i++)
		if (rep->procs[i].pid == pid)
			return rep->procs[i].ppid;
	return 0;
}

#define TEXT_PROCS_MAX 10

/* A report for all processes: each process's sums over its stacks first, the most live first
 * (at most TEXT_PROCS_MAX of them), so that the stacks below, labelled with their pid, are
 * read process by process. 0 or -ENOMEM. */
static int write_procs(const struct leak_report *rep, FILE *out)
{
	struct report_proc_sum *p;
	size_t n, live = 0;
	char b1[32];

	if (report__proc_sums(rep, &p, &n))
		return -ENOMEM;
	qsort(p, n, sizeof(*p), by_live);
	for (size_t i = 0; i < n; i++)
		live += p[i].counts.live_objects > 0;
	fprintf(out, "  processes: %zu with live memory, %zu seen allocating\n", live, n);
	for (size_t i = 0; i < n && i < TEXT_PROCS_MAX; i++) {
		const char *comm = comm_of(rep, p[i].pid);
		uint32_t ppid = ppid_of(rep, p[i].pid);

		fprintf(out,
			"    pid %-7u %-16s %s live (%" PRIu64 " B) in %" PRIu64
			" objects; allocated %" PRIu64 " B in %" PRIu64 " objects",
			p[i].pid, comm ? comm : "-",
			bytes__fmt(p[i].counts.live_bytes, b1, sizeof(b1)), p[i].counts.live_bytes,
			p[i].counts.live_objects, p[i].counts.alloc_bytes,
			p[i].counts.alloc_objects);
		if (ppid)
			fprintf(out, "; forked by %u", ppid);
		fputc('\n', out);
	}
	if (n > TEXT_PROCS_MAX)
		fprintf(out, "    (%zu more processes: --format json lists them all)\n",
			n - TEXT_PROCS_MAX);
	free(p);
	return 0;
}

int report__write_text(const struct leak_report *rep, const struct report_format_opts *opts,
		       FILE *out)
{
	const struct stack_counts *t = &rep->totals;
	size_t live_stacks = report__live_stack_cnt(rep), truncated, of, unnamed_shown = 0;
	struct report_cursor c = {};
	const struct report_stack *s;
	char b1[32], b2[32];
	bool any_lost = false, by_proc = report__by_process(rep);

	if (rep->pid)
		fprintf(out, "%s for pid %d%s", rep->final ? "Final report" : "Report", rep->pid,
			by_proc ? " and the processes it forked" : "");
	else
		fprintf(out, "%s for all processes", rep->final ? "Final report" : "Report");
	if (rep->command)
		fprintf(out, " (%s)", rep->command);
	fprintf(out, " after %.1f s\n", rep->duration_s);
	fprintf(out, "  live:      %s (%" PRIu64 " B) in %" PRIu64 " objects from %zu stacks\n",
		bytes__fmt(t->live_bytes, b1, sizeof(b1)), t->live_bytes, t->live_objects,
		live_stacks);
	if (t->live_usable_objects && stack_counts__usable_known(t))
		fprintf(out,
			"  usable:    %s (%" PRIu64 " B): the allocator's usable size of them\n",
			bytes__fmt(t->live_usable_bytes, b1, sizeof(b1)), t->live_usable_bytes);
	fprintf(out,
		"  allocated: %s in %" PRIu64 " objects since attach; freed %s in %" PRIu64
		" objects\n",
		bytes__fmt(t->alloc_bytes, b1, sizeof(b1)), t->alloc_objects,
		bytes__fmt(t->freed_bytes, b2, sizeof(b2)), t->freed_objects);
	if (by_proc && rep->stack_cnt && write_procs(rep, out))
		return -ENOMEM;

	while ((s = report__next_shown(rep, opts, &c))) {
		fprintf(out,
			"\n#%zu  %s live (%" PRIu64 " B) in %" PRIu64 " objects; allocated %" PRIu64
			" B in %" PRIu64 " objects",
			c.shown, bytes__fmt(s->counts.live_bytes, b1, sizeof(b1)),
			s->counts.live_bytes, s->counts.live_objects, s->counts.alloc_bytes,
			s->counts.alloc_objects);
		if (by_proc)
			fprintf(out, "  [pid %u]", s->pid);
		fputc('\n', out);
		if (!s->stack_id)
			fprintf(out, "    [stack unavailable]\n");
		for (size_t j = 0; j < s->frame_cnt; j++)
			report__write_frame(out, j, &s->frames[j]);
		if (unnamed(s)) {
			unnamed_shown++;
			fprintf(out,
				"    [not named: the process exited or exec'd before its mappings "
				"were read]\n");
		} else if (s->truncated) {
			fprintf(out, "    [truncated: callers missing]\n");
		}
	}
	if (!c.shown)
		fprintf(out, "\nNo live allocations.\n");
	else if (c.shown < live_stacks)
		fprintf(out, "\n(%zu more stacks with live memory; --top 0 shows all)\n",
			live_stacks - c.shown);

	truncated = report__truncated_cnt(rep, opts, &of);
	if (truncated)
		fprintf(out, "\nTruncated stacks: %zu of %zu: %s\n", truncated, of,
			report__truncated_help());
	if (unnamed_shown)
		fprintf(out,
			"Stacks not named: %zu of those shown: their processes exited (or exec'd) "
			"before their mappings were read (short-lived programs under --all): only "
			"their addresses are known\n",
			unnamed_shown);

	for (int k = 0; k < REPORT_LOST__MAX; k++) {
		if (!rep->lost[k] || !report_lost__applies(k, rep->kind == SESSION_KIND_GROWTH))
			continue;
		if (!any_lost)
			fprintf(out, "\nLost events:\n");
		any_lost = true;
		fprintf(out, "  %-17s %10" PRIu64 "  %s\n", report_lost__name(k), rep->lost[k],
			report_lost__help(k));
	}
	if (!any_lost)
		fprintf(out, "\nLost events: none\n");
	return ferror(out) ? -EIO : 0;
}
