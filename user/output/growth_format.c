// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Text and JSON formatters of the growth report (schema in docs/growth.md; JSON streamed
 * through lib/json_out.h), and the top-like live view of the growth gear. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include "lib/bytes_fmt.h"
#include "output/growth_format.h"
#include "output/report_format.h"
#include "session/leak_json.h"

#define GROWTH_REPORT_SCHEMA_VERSION 1

const struct proc_row *growth_format__proc(const struct growth_report *g, uint32_t pid)
{
	for (size_t i = 0; i < g->proc_cnt; i++)
		if (g->procs[i].pid == pid)
			return &g->procs[i];
	return NULL;
}

void growth_format__exact_command(uint32_t pid, char *buf, size_t len)
{
	snprintf(buf, len, "perfan-bpf leak --pid %u --duration 60", pid);
}

static double rate(const struct proc_row *p)
{
	return p->window_s > 0 ? (double)p->growth_bytes / p->window_s : 0;
}

/* Processes worth naming: they grew, or touched new memory */
static bool proc_shown(const struct proc_row *p)
{
	return p->growth_bytes > 0 || p->touched_bytes > 0;
}

static void procs_table(const struct growth_report *g, size_t top, FILE *out)
{
	char b1[32], b2[32], b3[32], b4[32], b5[32], b6[32];
	size_t shown = 0, growing = 0;

	for (size_t i = 0; i < g->proc_cnt; i++)
		growing += proc_shown(&g->procs[i]);
	fprintf(out,
		"\nProcesses, fastest growing first (%zu of %zu grew or touched new memory):\n",
		growing, g->proc_cnt);
	fprintf(out, "  %7s %7s %-16s %10s %10s %11s %11s %10s %10s\n", "PID", "PPID", "COMM",
		"RSS", "ANON", "GROWTH", "RATE/s", "HELD", "TOUCHED");
	for (size_t i = 0; i < g->proc_cnt && (!top || shown < top); i++) {
		const struct proc_row *p = &g->procs[i];

		if (!proc_shown(p))
			continue;
		shown++;
		fprintf(out, "  %7u %7u %-16s %10s %10s %11s %11s %10s %10s%s\n", p->pid, p->ppid,
			p->comm[0] ? p->comm : "?",
			p->mem_known ? bytes__fmt(p->rss_bytes, b1, sizeof(b1)) : "-",
			p->mem_known ? bytes__fmt(p->anon_bytes, b2, sizeof(b2)) : "-",
			bytes__fmt_signed(p->growth_bytes, b3, sizeof(b3)),
			bytes__fmt_signed((int64_t)rate(p), b4, sizeof(b4)),
			bytes__fmt(p->held_bytes, b6, sizeof(b6)),
			bytes__fmt(p->touched_bytes, b5, sizeof(b5)),
			p->exited ? "  (exited)" : "");
	}
	if (!shown)
		fprintf(out, "  (none grew)\n");
}

static void held_text(const struct escalation *e, size_t top, FILE *out)
{
	char b1[32];

	if (!e->ok) {
		fprintf(out, "\nExact tracing of pid %u failed: %s\n", e->pid, e->error);
		return;
	}
	fprintf(out,
		"\nHeld by stack in pid %u (exact tracing for %.1f s: allocations made in the "
		"window and still live at its end): %s in %" PRIu64 " objects\n",
		e->pid, e->window_s, bytes__fmt(e->live_bytes, b1, sizeof(b1)), e->live_objects);
	for (size_t i = 0, shown = 0; i < e->cnt && (!top || shown < top); i++) {
		const struct held_stack *h = &e->stacks[i];

		if (!h->live_objects)
			continue;
		shown++;
		fprintf(out, "\n#%zu  %s held (%" PRIu64 " B) in %" PRIu64 " objects\n", shown,
			bytes__fmt(h->live_bytes, b1, sizeof(b1)), h->live_bytes, h->live_objects);
		for (size_t j = 0; j < h->frame_cnt; j++)
			report__write_frame(out, j, &h->frames[j]);
		if (h->truncated)
			fprintf(out, "    [truncated: callers missing]\n");
	}
}

int growth_format__text(const struct growth_report *g, size_t top, FILE *out)
{
	const struct leak_report *r = &g->rep;
	char b1[32], b2[32], b3[32], cmd[128];
	size_t shown = 0, named = 0;
	bool any_lost = false;

	fprintf(out, "%s growth report for %s", g->final ? "Final" : "Live",
		g->pid ? "" : "every process");
	if (g->pid)
		fprintf(out, "pid %u and its children", g->pid);
	fprintf(out, " after %.1f s\n", g->duration_s);
	fprintf(out,
		"  held: %s (%" PRIu64 " pages) of the new memory first touched, %s; heap asked "
		"for: %s in %" PRIu64 " calls\n",
		bytes__fmt(r->totals.live_bytes, b1, sizeof(b1)), r->totals.live_objects,
		bytes__fmt(r->totals.alloc_bytes, b2, sizeof(b2)),
		bytes__fmt(r->totals.freed_bytes, b3, sizeof(b3)), r->totals.freed_objects);
	if (g->sample_pages > 1)
		fprintf(out,
			"  by stack: 1 in %u new pages (at random) had its stack walked and counts "
			"for %u: estimates (--sample-pages 1: every page)\n",
			g->sample_pages, g->sample_pages);
	if (g->budget_pages)
		fprintf(out,
			"  while pages came faster than the walk budget (%u walks/s per CPU), 1 in up "
			"to %" PRIu64
			" was walked and weighed as much: %s of the pages touched are "
			"estimated so (--walk-budget 0: no budget)\n",
			g->walk_budget, g->weight_max,
			bytes__fmt(g->budget_pages * 4096, b1, sizeof(b1)));
	procs_table(g, top, out);
	for (size_t i = 0; i < g->esc_cnt; i++)
		held_text(&g->esc[i], top, out);
	fprintf(out, "\nGrowth by stack: the code that first wrote to each new page the process "
		     "still has (not always the code that holds the memory; docs/growth.md):\n");
	for (size_t i = 0; i < r->stack_cnt && (!top || shown < top); i++) {
		const struct report_stack *s = &r->stacks[i];
		const struct proc_row *p = growth_format__proc(g, s->pid);

		if (!s->counts.live_bytes && !s->counts.alloc_bytes && !s->counts.freed_bytes)
			continue;
		shown++;
		fprintf(out,
			"\n#%zu  %s held (%" PRIu64
			" pages) of %s first touched; heap asked for %s "
			"in %" PRIu64 " calls  [pid %u %s]\n",
			shown, bytes__fmt(s->counts.live_bytes, b1, sizeof(b1)),
			s->counts.live_objects, bytes__fmt(s->counts.alloc_bytes, b2, sizeof(b2)),
			bytes__fmt(s->counts.freed_bytes, b3, sizeof(b3)), s->counts.freed_objects,
			s->pid, p && p->comm[0] ? p->comm : "?");
		if (!s->stack_id)
			fprintf(out, "    [stack unavailable]\n");
		else if (!s->frame_cnt)
			fprintf(out, "    [not named: the process exited or exec'd first]\n");
		for (size_t j = 0; j < s->frame_cnt; j++)
			report__write_frame(out, j, &s->frames[j]);
		if (s->truncated)
			fprintf(out, "    [truncated: callers missing]\n");
	}
	if (!shown)
		fprintf(out, "\n  (no new memory touched)\n");
	for (size_t i = 0; i < g->proc_cnt && named < 3; i++) {
		const struct proc_row *p = &g->procs[i];

		if (p->growth_bytes <= 0 || p->exited)
			continue;
		if (!named++)
			fprintf(out, "\nExact tracing of the fastest growing (live bytes by stack, "
				     "exactly; ~3 uprobe traps per malloc+free):\n");
		growth_format__exact_command(p->pid, cmd, sizeof(cmd));
		fprintf(out, "  %s    # %s\n", cmd, p->comm);
	}
	for (int k = 0; k < REPORT_LOST__MAX; k++) {
		if (!g->lost[k] || !report_lost__applies(k, true))
			continue;
		if (!any_lost)
			fprintf(out, "\nLost events:\n");
		any_lost = true;
		fprintf(out, "  %-17s %10" PRIu64 "  %s\n", report_lost__name(k), g->lost[k],
			report_lost__help(k));
	}
	if (!any_lost)
		fprintf(out, "\nLost events: none\n");
	return ferror(out) ? -EIO : 0;
}

/* ---- JSON: streamed (lib/json_out.h), the bytes jansson printed before ---- */

static void stack_json(struct json_out *o, const struct report_stack *s)
{
	json_out__obj_begin(o);
	json_out__key_int(o, "pid", s->pid);
	json_out__key_int(o, "stack_id", (int64_t)s->stack_id);
	json_out__key_str(o, "source", "first_touch");
	json_out__key_int(o, "growth_bytes", (int64_t)s->counts.live_bytes);
	json_out__key_int(o, "held_pages", (int64_t)s->counts.live_objects);
	json_out__key_int(o, "touched_bytes", (int64_t)s->counts.alloc_bytes);
	json_out__key_int(o, "touched_pages", (int64_t)s->counts.alloc_objects);
	json_out__key_int(o, "heap_bytes", (int64_t)s->counts.freed_bytes);
	json_out__key_int(o, "heap_calls", (int64_t)s->counts.freed_objects);
	json_out__key_bool(o, "truncated", s->truncated);
	json_out__key(o, "frames");
	leak_json__out_frames(o, s->frames, s->frame_cnt);
	json_out__obj_end(o);
}

static void held_json(struct json_out *o, const struct escalation *e, const struct held_stack *h)
{
	json_out__obj_begin(o);
	json_out__key_int(o, "pid", e->pid);
	json_out__key_str(o, "source", "exact");
	json_out__key_int(o, "growth_bytes", (int64_t)h->live_bytes);
	json_out__key_int(o, "held_bytes", (int64_t)h->live_bytes);
	json_out__key_int(o, "held_objects", (int64_t)h->live_objects);
	json_out__key_bool(o, "truncated", h->truncated);
	json_out__key(o, "frames");
	leak_json__out_frames(o, h->frames, h->frame_cnt);
	json_out__obj_end(o);
}

static void escalation_json(struct json_out *o, const struct escalation *e)
{
	json_out__obj_begin(o);
	json_out__key_int(o, "pid", e->pid);
	json_out__key_real(o, "window_s", e->window_s);
	json_out__key_str(o, "command", e->command);
	json_out__key_bool(o, "ok", e->ok);
	json_out__key_str(o, "error", e->ok ? NULL : e->error);
	json_out__key_int(o, "live_bytes", (int64_t)e->live_bytes);
	json_out__key_int(o, "live_objects", (int64_t)e->live_objects);
	json_out__key_int(o, "unmatched_frees", (int64_t)e->unmatched_frees);
	json_out__obj_end(o);
}

int growth_format__json(const struct growth_report *g, size_t top, FILE *out)
{
	const struct leak_report *r = &g->rep;
	struct json_out *o = leak_json__doc_out(out);
	char cmd[128];
	size_t shown = 0;

	if (!o)
		return -ENOMEM;
	json_out__obj_begin(o);
	json_out__key_int(o, "schema_version", GROWTH_REPORT_SCHEMA_VERSION);
	json_out__key_str(o, "kind", "growth");
	json_out__key_int(o, "pid", g->pid);
	json_out__key_real(o, "duration_s", g->duration_s);
	json_out__key_bool(o, "final", g->final);
	if (g->sample_pages)
		json_out__key_int(o, "sample_pages", g->sample_pages);
	if (g->walk_budget) {
		json_out__key(o, "walk_budget");
		json_out__obj_begin(o);
		json_out__key_int(o, "walks_per_s", g->walk_budget);
		json_out__key_int(o, "weight_max", (int64_t)g->weight_max);
		json_out__key_int(o, "budget_bytes", (int64_t)(g->budget_pages * 4096));
		json_out__obj_end(o);
	}
	json_out__key(o, "totals");
	json_out__obj_begin(o);
	json_out__key_int(o, "growth_bytes", (int64_t)r->totals.live_bytes);
	json_out__key_int(o, "held_pages", (int64_t)r->totals.live_objects);
	json_out__key_int(o, "touched_bytes", (int64_t)r->totals.alloc_bytes);
	json_out__key_int(o, "heap_bytes", (int64_t)r->totals.freed_bytes);
	json_out__key_int(o, "heap_calls", (int64_t)r->totals.freed_objects);
	json_out__obj_end(o);
	/* --top applies to each section: processes, each window's held stacks, first touch */
	json_out__key(o, "processes");
	json_out__arr_begin(o);
	for (size_t i = 0; i < g->proc_cnt && (!top || i < top); i++) {
		const struct proc_row *p = &g->procs[i];

		json_out__obj_begin(o);
		leak_json__out_proc_members(o, p);
		if (p->growth_bytes > 0 && !p->exited) {
			growth_format__exact_command(p->pid, cmd, sizeof(cmd));
			json_out__key_str(o, "exact_command", cmd);
		}
		json_out__obj_end(o);
	}
	json_out__arr_end(o);
	json_out__key(o, "escalations");
	json_out__arr_begin(o);
	for (size_t i = 0; i < g->esc_cnt; i++)
		escalation_json(o, &g->esc[i]);
	json_out__arr_end(o);
	json_out__key(o, "lost");
	leak_json__out_lost(o, g->lost, true);
	json_out__key_int(o, "truncated_stacks",
			  (int64_t)report__truncated_cnt(r,
							 &(struct report_format_opts){
								 .show_freed = true },
							 NULL));
	/* the stacks that hold the memory (exact windows) first, then first touch */
	json_out__key(o, "stacks");
	json_out__arr_begin(o);
	for (size_t i = 0; i < g->esc_cnt && !json_out__err(o); i++) {
		size_t held = 0;

		for (size_t j = 0; g->esc[i].ok && j < g->esc[i].cnt && (!top || held < top); j++) {
			if (!g->esc[i].stacks[j].live_objects)
				continue;
			held++;
			held_json(o, &g->esc[i], &g->esc[i].stacks[j]);
		}
	}
	for (size_t i = 0; i < r->stack_cnt && (!top || shown < top) && !json_out__err(o); i++) {
		const struct report_stack *s = &r->stacks[i];

		if (!s->counts.live_bytes && !s->counts.alloc_bytes && !s->counts.freed_bytes)
			continue;
		shown++;
		stack_json(o, s);
	}
	json_out__arr_end(o);
	json_out__obj_end(o);
	return leak_json__doc_close(o);
}

void growth_format__live(const struct growth_report *g, size_t rows, FILE *out)
{
	char b1[32];

	fputs("\033[H\033[2J", out); /* home, clear */
	fprintf(out, "perfan-bpf growth — %s, %.0f s — held %s — Ctrl-C for the report\n",
		g->pid ? "one process" : "every process", g->duration_s,
		bytes__fmt(g->rep.totals.live_bytes, b1, sizeof(b1)));
	procs_table(g, rows, out);
	fflush(out);
}
