/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The growth gear's engine, shared by `growth` (a session with a report at its end) and `serve`
 * (an agent that answers scrapes): load and attach the growth probes, keep the process table
 * from /proc and the kernel side, name new stacks, give new processes' files unwind rows,
 * escalate a growing process to an exact window (escalation_run.h), and build the report
 * model of what it holds now. */
#ifndef PERFAN_CLI_GROWTH_RUN_H
#define PERFAN_CLI_GROWTH_RUN_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "analysis/growth_model.h"
#include "analysis/growth_report.h"
#include "cli/escalation_run.h"
#include "cli/event_loop.h"
#include "cli/growth_opts.h"
#include "lib/stack.h"
#include "probe/growth_loader.h"
#include "probe/unwind_set.h"
#include "session/live_session.h"
#include "symbols/symbolize.h"

/* how often the event loop wakes for timers (exec events wake it at once); the maps are read
 * and new stacks named once per --interval */
#define GROWTH_TICK_MS 200
/* exact windows kept (escalations and on-demand traces); the oldest makes room */
#define GROWTH_MAX_WINDOWS 4

struct growth_run {
	const struct growth_opts *opts;
	struct event_loop loop;
	struct growth_loader *loader;
	struct symbolizer *sym;
	struct leak_sample sample;
	struct live_session *live;
	struct unwind_set unwind;
	struct growth_table procs;
	struct growth_scanned {
		uint32_t pid;
		double at_s;
	} * scanned; /* processes whose files were looked at for unwind rows, by pid */
	size_t scanned_cnt, scanned_cap;
	struct esc_run esc[GROWTH_MAX_WINDOWS];
	size_t esc_cnt;
	unsigned auto_windows; /* escalations started by growth, at most GROWTH_MAX_WINDOWS */
	int ev_execs;	       /* the event bit of execs as they happen, 0: none */
	char output[PATH_MAX];
	double start_s;
	double refreshed_s; /* when the kernel maps were last read (growth_run__refresh) */
	unsigned usr1_count;
	bool live_view;
};

/* Open the session (a file unless opts->no_output), load the probes, read every process's
 * base, give their files unwind rows, attach. g->opts, g->sym and g->loop must be set.
 * 0, or 2 after one line on stderr. */
int growth_run__start(struct growth_run *g);
/* Handle the execs waiting (when ev & g->ev_execs) */
void growth_run__execs(struct growth_run *g);
/* Read the kernel maps into g->sample (and the loss counters), naming nothing: what a window
 * starts from without delay. 0 or -errno. */
int growth_run__read(struct growth_run *g);
/* Read the kernel maps into g->sample and name new stacks. 0 or -errno. */
int growth_run__refresh(struct growth_run *g);
/* /proc and the kernel's process table into g->procs; exited processes leave the kernel's
 * tables. 0 or -errno. */
int growth_run__scan(struct growth_run *g);
/* Scan, refresh and store a snapshot labelled label. 0 or -errno. */
int growth_run__snapshot(struct growth_run *g, const char *label, bool final);
/* The report of what the model holds now: r points into g, *rows (to free) and esc (room for
 * GROWTH_MAX_WINDOWS, copies of the finished windows' results). 0 or -ENOMEM. */
int growth_run__report(struct growth_run *g, bool final, struct growth_report *r,
		       struct proc_row **rows, struct escalation *esc);
/* Poll running windows; start one on the fastest growing process when opts say so */
void growth_run__escalate(struct growth_run *g);
/* Start an exact window on pid now: 0, -EBUSY while another runs, or -errno */
int growth_run__trace(struct growth_run *g, uint32_t pid, double window_s);
/* End running windows and collect their reports */
void growth_run__finish(struct growth_run *g);
/* Close the session file (0 or -errno) and free everything but g->sym and g->loop */
int growth_run__close(struct growth_run *g);

#endif
