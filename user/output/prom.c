// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The agent's Prometheus exposition (see prom.h). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include "output/prom.h"

static void label_value(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', out), fputc(*s, out);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

static void head(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A metric without labels: its HELP and TYPE, then its one sample */
static void one_u64(FILE *out, const char *name, const char *type, const char *help, uint64_t v)
{
	head(out, name, type, help);
	fprintf(out, "%s %" PRIu64 "\n", name, v);
}

static bool in_libc(const struct frame *f)
{
	const char *m = f->module ? strrchr(f->module, '/') : NULL;

	m = m ? m + 1 : f->module;
	return m && (!strncmp(m, "libc.so", 7) || !strncmp(m, "ld-linux", 8));
}

const char *prom__stack_function(const struct frame *frames, size_t cnt, char *buf, size_t len)
{
	const struct frame *f = NULL;

	for (size_t i = 0; i < cnt && !f; i++)
		if (!in_libc(&frames[i]))
			f = &frames[i];
	if (!f && cnt)
		f = &frames[0];
	if (!f)
		snprintf(buf, len, "[unknown]");
	else if (f->function)
		snprintf(buf, len, "%s", f->function);
	else if (f->module)
		snprintf(buf, len, "%s+0x%" PRIx64,
			 strrchr(f->module, '/') ? strrchr(f->module, '/') + 1 : f->module,
			 f->offset);
	else
		snprintf(buf, len, "0x%" PRIx64, f->address);
	return buf;
}

static bool proc_exported(const struct proc_row *p)
{
	return !p->exited && (p->growth_bytes > 0 || p->touched_bytes > 0);
}

static const struct escalation *exact_of(const struct growth_report *g, uint32_t pid)
{
	const struct escalation *found = NULL;

	for (size_t i = 0; i < g->esc_cnt; i++)
		if (g->esc[i].pid == pid && g->esc[i].ok)
			found = &g->esc[i]; /* the latest */
	return found;
}

/* One gauge per exported process */
static void per_proc(const struct growth_report *g, size_t top, FILE *out, const char *name,
		     const char *type, const char *help, int which)
{
	size_t shown = 0;

	head(out, name, type, help);
	for (size_t i = 0; i < g->proc_cnt && shown < top; i++) {
		const struct proc_row *p = &g->procs[i];
		double v;

		if (!proc_exported(p))
			continue;
		shown++;
		switch (which) {
		case 0:
			v = (double)p->rss_bytes;
			break;
		case 1:
			v = (double)p->anon_bytes;
			break;
		case 2:
			v = (double)p->growth_bytes;
			break;
		case 3:
			v = p->window_s > 0 ? (double)p->growth_bytes / p->window_s : 0;
			break;
		case 4:
			v = (double)p->held_bytes;
			break;
		default:
			v = (double)p->touched_bytes;
			break;
		}
		if (which <= 1 && !p->mem_known)
			continue;
		fprintf(out, "%s{pid=\"%u\",comm=\"", name, p->pid);
		label_value(out, p->comm);
		fprintf(out, "\"} %.17g\n", v);
	}
}

int prom__write(const struct growth_report *g, const struct prom_agent *a, size_t top_procs,
		size_t top_stacks, FILE *out)
{
	const struct leak_report *r = &g->rep;
	char fn[256];
	size_t shown = 0;

	per_proc(g, top_procs, out, "perfan_process_rss_bytes", "gauge",
		 "Resident memory of a process (VmRSS).", 0);
	per_proc(g, top_procs, out, "perfan_process_anon_bytes", "gauge",
		 "Anonymous resident memory of a process.", 1);
	per_proc(g, top_procs, out, "perfan_process_growth_bytes", "gauge",
		 "RSS growth of a process since the agent first saw it.", 2);
	per_proc(g, top_procs, out, "perfan_process_growth_rate_bytes_per_second", "gauge",
		 "RSS growth of a process per second since the agent first saw it.", 3);
	per_proc(g, top_procs, out, "perfan_process_held_bytes", "gauge",
		 "New pages the process first touched while watched and still has.", 4);
	per_proc(g, top_procs, out, "perfan_process_touched_bytes_total", "counter",
		 "New pages the process first touched while watched.", 5);

	head(out, "perfan_process_live_bytes", "gauge",
	     "Live heap bytes allocated during the latest exact window of a process and still "
	     "live at its end.");
	for (size_t i = 0; i < g->esc_cnt; i++) {
		const struct escalation *e = &g->esc[i];

		if (e->ok && exact_of(g, e->pid) == e)
			fprintf(out, "perfan_process_live_bytes{pid=\"%u\"} %" PRIu64 "\n", e->pid,
				e->live_bytes);
	}
	head(out, "perfan_process_live_objects", "gauge",
	     "Live heap objects of the latest exact window of a process.");
	for (size_t i = 0; i < g->esc_cnt; i++) {
		const struct escalation *e = &g->esc[i];

		if (e->ok && exact_of(g, e->pid) == e)
			fprintf(out, "perfan_process_live_objects{pid=\"%u\"} %" PRIu64 "\n",
				e->pid, e->live_objects);
	}

	head(out, "perfan_stack_held_bytes", "gauge",
	     "New pages first touched by a stack that its process still has (top stacks).");
	for (size_t i = 0; i < r->stack_cnt && shown < top_stacks; i++) {
		const struct report_stack *s = &r->stacks[i];

		if (!s->counts.live_bytes)
			continue;
		shown++;
		fprintf(out,
			"perfan_stack_held_bytes{pid=\"%u\",stack_id=\"%" PRIu64 "\",function=\"",
			s->pid, s->stack_id);
		label_value(out, prom__stack_function(s->frames, s->frame_cnt, fn, sizeof(fn)));
		fprintf(out, "\"} %" PRIu64 "\n", s->counts.live_bytes);
	}
	head(out, "perfan_stack_live_bytes", "gauge",
	     "Live heap bytes of a stack in the latest exact window of its process (top stacks).");
	for (size_t i = 0; i < g->esc_cnt; i++) {
		const struct escalation *e = &g->esc[i];

		if (!e->ok || exact_of(g, e->pid) != e)
			continue;
		for (size_t j = 0; j < e->cnt && j < top_stacks; j++) {
			if (!e->stacks[j].live_objects)
				continue;
			fprintf(out,
				"perfan_stack_live_bytes{pid=\"%u\",stack_id=\"%zu\",function=\"",
				e->pid, j + 1);
			label_value(out,
				    prom__stack_function(e->stacks[j].frames,
							 e->stacks[j].frame_cnt, fn, sizeof(fn)));
			fprintf(out, "\"} %" PRIu64 "\n", e->stacks[j].live_bytes);
		}
	}

	one_u64(out, "perfan_pages_touched_total", "counter",
		"New pages charged to a stack since the agent started (every process).",
		r->totals.alloc_objects);
	one_u64(out, "perfan_heap_requests_total", "counter",
		"brk, mmap and mprotect calls that asked for heap since the agent started.",
		r->totals.freed_objects);
	head(out, "perfan_lost_events_total", "counter",
	     "Events the kernel side could not record, by kind (docs/growth.md).");
	for (int k = 0; k < REPORT_LOST__MAX; k++)
		if (report_lost__applies(k, true))
			fprintf(out, "perfan_lost_events_total{kind=\"%s\"} %" PRIu64 "\n",
				report_lost__name(k), g->lost[k]);
	one_u64(out, "perfan_processes", "gauge", "Processes in the agent's table.", a->procs_seen);
	head(out, "perfan_agent_cpu_seconds_total", "counter", "CPU time the agent used.");
	fprintf(out, "perfan_agent_cpu_seconds_total %.6f\n", a->cpu_s);
	one_u64(out, "perfan_agent_resident_bytes", "gauge", "Resident memory of the agent.",
		a->rss_bytes);
	one_u64(out, "perfan_agent_anon_bytes", "gauge",
		"Anonymous memory of the agent (its heap; resident adds the files it maps).",
		a->anon_bytes);
	one_u64(out, "perfan_agent_debug_info_bytes", "gauge",
		"DWARF the agent holds to name file:line (bounded by --max-dwarf).",
		a->debug_bytes);
	one_u64(out, "perfan_agent_debug_info_dropped_total", "counter",
		"Times a file's DWARF was let go to stay within --max-dwarf.", a->debug_dropped);
	one_u64(out, "perfan_agent_debug_info_over_files", "gauge",
		"Open files whose DWARF is over --max-dwarf: frames without file:line.",
		a->debug_over);
	one_u64(out, "perfan_agent_open_files", "gauge",
		"ELF files the agent has open to name frames.", a->files_open);
	one_u64(out, "perfan_agent_heap_windows", "gauge",
		"Heap profile windows (/debug/pprof/heap?seconds=N) under way.", a->windows);
	head(out, "perfan_agent_uptime_seconds", "gauge", "Seconds since the agent attached.");
	fprintf(out, "perfan_agent_uptime_seconds %.3f\n", a->uptime_s);
	head(out, "perfan_agent_requests_total", "counter", "HTTP requests, by outcome.");
	fprintf(out, "perfan_agent_requests_total{outcome=\"served\"} %" PRIu64 "\n", a->scrapes);
	fprintf(out, "perfan_agent_requests_total{outcome=\"rate_limited\"} %" PRIu64 "\n",
		a->refused);
	return ferror(out) ? -EIO : 0;
}
