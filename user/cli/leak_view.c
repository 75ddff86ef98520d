// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The leak command's reports while it runs and at its end (see leak_view.h). */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "analysis/leak_model.h"
#include "cli/leak_view.h"
#include "lib/array.h"
#include "lib/bytes_fmt.h"
#include "lib/sanitize.h"
#include "output/live_view.h"
#include "probe/leak_loader.h"
#include "session/live_session.h"
#include "target/proc_scan.h"

int leak_view__build(const struct leak_view *v, struct leak_loader *ld, const struct stacktab *tab,
		     const struct leak_sample *sample, struct leak_report *rep)
{
	struct leak_sample aged = {};
	int err;

	if (!v->min_age_s)
		return leak_model__build(tab, sample, rep);
	for (size_t i = 0; i < sample->cnt; i++)
		if (leak_sample__add(&aged, &sample->stacks[i])) {
			leak_sample__free(&aged);
			return -ENOMEM;
		}
	memcpy(aged.lost, sample->lost, sizeof(aged.lost));
	err = leak_loader__age_filter(ld, (uint64_t)(v->min_age_s * 1e9), &aged)
		      ?: leak_model__build(tab, &aged, rep);
	leak_sample__free(&aged);
	return err;
}

int leak_view__draw(struct leak_view *v, struct leak_loader *ld, const struct stacktab *tab,
		    const struct leak_sample *sample, unsigned snapshots, double at_s)
{
	struct leak_report rep = {};
	struct live_view lv = {
		.allocator = v->allocator,
		.elapsed_s = at_s - v->start_s,
		.snapshots = snapshots,
	};
	char target[PATH_MAX + 1100];
	int pid = v->tgt->pid;
	struct winsize ws;
	uint64_t events;
	int err;

	if (pid && v->tgt->command[0])
		snprintf(target, sizeof(target), "pid %d (%s)", pid, v->tgt->command);
	else if (pid)
		snprintf(target, sizeof(target), "pid %d", pid);
	else
		snprintf(target, sizeof(target), "every process using %s", v->allocator);
	lv.target = target;
	if (pid)
		lv.mem_known =
			!proc_status__mem("/proc", (uint32_t)pid, &lv.rss_bytes, &lv.anon_bytes);
	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws)) {
		lv.rows = ws.ws_row;
		lv.cols = ws.ws_col;
	}
	err = leak_view__build(v, ld, tab, sample, &rep);
	if (err)
		return err;
	events = rep.totals.alloc_objects + rep.totals.freed_objects;
	if (at_s > v->last_draw_s)
		lv.events_per_s = (double)(events - v->last_events) / (at_s - v->last_draw_s);
	v->last_events = events;
	v->last_draw_s = at_s;
	live_view__draw(stdout, &rep, &lv);
	report__free(&rep);
	return 0;
}

/* An anonymous growth the live heap explains this much less than is said */
#define UNTRACKED_MIN_BYTES (16u << 20)

/* A process gone by the end: the name its last exec in the session gave it, else "" */
static void exec_comm(const struct leak_view *v, uint32_t pid, char *comm, size_t size)
{
	comm[0] = '\0';
	for (size_t i = 0; i < v->followed_cnt; i++)
		if (v->followed[i].pid == pid)
			snprintf(comm, size, "%s",
				 v->followed[i].comm); /* sanitized at the event */
	for (size_t i = 0; i < v->exec_cnt; i++)
		if (v->execs[i].pid == pid)
			snprintf(comm, size, "%s", v->execs[i].comm); /* sanitized at the event */
}

static const struct leak_proc_note *followed_note(const struct leak_view *v, uint32_t pid)
{
	for (size_t i = 0; i < v->followed_cnt; i++)
		if (v->followed[i].pid == pid)
			return &v->followed[i];
	return NULL;
}

/* The final report's processes: each pid's stacks summed, its anonymous memory now and since
 * attach. Following forks, every process followed is listed, with its parent, even one that
 * allocated nothing. *out is NULL when there are none. 0 or -ENOMEM. */
static int build_procs(const struct leak_view *v, const struct leak_report *rep,
		       struct report_proc **out, size_t *cnt)
{
	struct report_proc_sum *sums;
	struct report_proc *p = NULL;
	size_t n = 0, cap = 0;

	*out = NULL;
	*cnt = 0;
	if (report__proc_sums(rep, &sums, &n))
		return -ENOMEM;
	if (ARRAY_GROW(p, cap, n + v->followed_cnt + 1, 8)) {
		free(sums);
		return -ENOMEM;
	}
	for (size_t k = 0; k < n; k++)
		p[k] = (struct report_proc){ .pid = sums[k].pid, .counts = sums[k].counts };
	free(sums);
	/* a --pid or launched target is listed even when it allocated nothing; so is every
	 * process followed */
	for (size_t i = 0; i <= v->followed_cnt; i++) {
		uint32_t pid = i < v->followed_cnt ? v->followed[i].pid : (uint32_t)v->tgt->pid;
		bool listed = !pid;

		for (size_t k = 0; k < n && !listed; k++)
			listed = p[k].pid == pid;
		if (!listed)
			p[n++] = (struct report_proc){ .pid = pid };
	}
	for (size_t k = 0; k < n; k++) {
		const struct leak_proc_note *f = followed_note(v, p[k].pid);

		p[k].ppid = f ? f->ppid : 0;
	}
	for (size_t k = 0; k < n; k++) {
		uint64_t rss;

		if (!proc_scan__comm("/proc", p[k].pid, p[k].comm, sizeof(p[k].comm)))
			sanitize__str(p[k].comm);
		else
			exec_comm(v, p[k].pid, p[k].comm, sizeof(p[k].comm));
		p[k].mem_known = !proc_scan__mem("/proc", p[k].pid, &rss, &p[k].anon_bytes);
		if (!p[k].mem_known && p[k].pid == (uint32_t)v->tgt->pid && v->anon_last_known) {
			p[k].anon_bytes = v->anon_last; /* gone: as at the last tick */
			p[k].mem_known = true;
		}
		p[k].growth_known = v->anon_base_known && p[k].pid == (uint32_t)v->tgt->pid;
		if (!p[k].mem_known || !p[k].growth_known)
			continue;
		p[k].anon_growth_bytes = (int64_t)p[k].anon_bytes - (int64_t)v->anon_base;
		if (p[k].anon_growth_bytes > (int64_t)p[k].counts.live_bytes)
			p[k].untracked_growth_bytes =
				p[k].anon_growth_bytes - (int64_t)p[k].counts.live_bytes;
	}
	*out = p;
	*cnt = n;
	return 0;
}

/* The text report's line for a process whose anonymous memory grew well beyond its live heap */
static void print_untracked(const struct leak_report *rep, FILE *out)
{
	char b1[32], b2[32], b3[32];

	for (size_t i = 0; i < rep->proc_cnt; i++) {
		const struct report_proc *p = &rep->procs[i];

		if (p->untracked_growth_bytes < (int64_t)UNTRACKED_MIN_BYTES ||
		    p->untracked_growth_bytes < (int64_t)p->counts.live_bytes)
			continue;
		fprintf(out,
			"\nNote: pid %u's anonymous memory grew %s since attach, %s more than the "
			"live heap seen (%s freed since attach): memory the allocator keeps after "
			"frees, or one perfan-bpf does not see (an allocator it does not probe, "
			"mmap'd pools, a JIT, a child it does not follow). `perfan-bpf growth --pid "
			"%u` charges new pages to the stacks that touch them.\n",
			p->pid, bytes__fmt((uint64_t)p->anon_growth_bytes, b1, sizeof(b1)),
			bytes__fmt((uint64_t)p->untracked_growth_bytes, b2, sizeof(b2)),
			bytes__fmt(p->counts.freed_bytes, b3, sizeof(b3)), p->pid);
	}
}

/* The text report's list of execs: which pid exec'd what, when, and what traces it since */
static void print_execs(const struct leak_view *v, FILE *out)
{
	if (!v->exec_cnt)
		return;
	fprintf(out, "\nExecs (the live blocks of the image before each were dropped):\n");
	for (size_t i = 0; i < v->exec_cnt; i++) {
		const struct leak_exec_note *n = &v->execs[i];

		fprintf(out, "  +%.3f s  pid %u exec'd %s (%s)", n->at_s, n->pid, n->path, n->comm);
		if (n->untraced)
			fputs(": its allocator is not probed, its allocations are not traced", out);
		else if (n->allocator[0])
			fprintf(out, ", traced through %s", n->allocator);
		fputc('\n', out);
	}
	if (v->execs_total > v->exec_cnt)
		fprintf(out, "  (%" PRIu64 " more execs)\n", v->execs_total - v->exec_cnt);
}

int leak_view__print(struct leak_view *v, struct leak_loader *ld, const struct stacktab *tab,
		     const struct leak_sample *sample, bool final, double at_s)
{
	struct leak_report rep = {
		.pid = v->tgt->pid,
		.duration_s = at_s - v->start_s,
		.final = final,
		.command = v->tgt->command[0] ? v->tgt->command : NULL,
	};
	bool text = !strcmp(v->format, "text");
	struct report_format_opts fo = {
		.top = v->top_set || text ? v->top : 0,
		.show_freed = !text,
	};
	int err;

	struct report_exec *execs = NULL;
	struct report_proc *procs = NULL;

	err = leak_view__build(v, ld, tab, sample, &rep);
	if (!err && final && v->exec_cnt && !(execs = calloc(v->exec_cnt, sizeof(*execs))))
		err = -ENOMEM;
	for (size_t i = 0; !err && final && i < v->exec_cnt; i++)
		execs[i] = (struct report_exec){ .pid = v->execs[i].pid,
						 .at_s = v->execs[i].at_s,
						 .comm = v->execs[i].comm,
						 .path = v->execs[i].path,
						 .allocator = v->execs[i].allocator[0]
								      ? v->execs[i].allocator
								      : NULL,
						 .untraced = v->execs[i].untraced };
	if (final)
		rep.code = (struct report_code){ .execs = execs,
						 .exec_cnt = execs ? v->exec_cnt : 0,
						 .execs_total = v->execs_total,
						 .early_walks = v->early_walks,
						 .rewalked = v->early_rewalked,
						 .rewalked_same = v->early_rewalked_same,
						 .not_rewalked = v->early_not_rewalked,
						 .folded = v->early_folded,
						 .left = v->early_left,
						 .left_objects = v->early_left_objects,
						 .events_lost = v->code_events_lost };
	if (!err && (final || text)) /* text names each process in its summary */
		err = build_procs(v, &rep, &procs, &rep.proc_cnt);
	rep.procs = procs;
	if (!err)
		err = v->fmt(&rep, &fo, stdout);
	if (!err && text && final)
		print_untracked(&rep, stdout);
	free(execs);
	free(procs);
	if (!err && text && final)
		print_execs(v, stdout);
	if (!err && text && !final)
		fputs("\n", stdout);
	fflush(stdout);
	report__free(&rep);
	return err;
}

void leak_view__drops(const struct leak_sample *sample, unsigned snapshots_dropped,
		      uint64_t max_mark_rate, uint64_t max_session_bytes, uint64_t execs)
{
	if (execs)
		fprintf(stderr,
			"perfan-bpf: %" PRIu64 " exec%s: the live blocks of the program "
			"before each were dropped (snapshots taken before keep them)\n",
			execs, execs == 1 ? "" : "s");
	if (sample->lost[REPORT_LOST_MARKS_DROPPED])
		fprintf(stderr,
			"perfan-bpf: %" PRIu64 " perfan:mark probes of the target were "
			"dropped: more than --max-mark-rate %" PRIu64 " a second, or faster than "
			"the ring buffer\n",
			sample->lost[REPORT_LOST_MARKS_DROPPED], max_mark_rate);
	if (snapshots_dropped)
		fprintf(stderr,
			"perfan-bpf: the session file reached --max-session-size (%" PRIu64
			" bytes): %u snapshot%s not written\n",
			max_session_bytes, snapshots_dropped, snapshots_dropped == 1 ? "" : "s");
}
