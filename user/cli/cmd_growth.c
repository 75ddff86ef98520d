// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `perfan-bpf growth`: the growth gear as a session (its engine is growth_run.h): a top-like
 * view on a terminal, snapshots in a session file, and at the end the report: processes
 * fastest growing first, the stacks that hold the memory of an escalated process (exact
 * tracing for a bounded window), the stacks that first touched the new memory still held. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli_bpf.h"
#include "cli/cli_util.h"
#include "cli/cmd_growth.h"
#include "cli/growth_run.h"
#include "cli/options.h"
#include "cli/render.h"
#include "output/growth_format.h"

static void draw_live(struct growth_run *g)
{
	struct escalation esc[GROWTH_MAX_WINDOWS];
	struct growth_report r;
	struct proc_row *rows = NULL;

	if (!growth_run__report(g, false, &r, &rows, esc))
		growth_format__live(&r, g->opts->top_set && g->opts->top ? g->opts->top : 20,
				    stdout);
	growth_report__free(&r);
	free(rows);
}

static int run(struct growth_run *g)
{
	const struct growth_opts *o = g->opts;
	double next_scan = g->start_s + o->interval_s, next_snap = g->start_s + o->snapshot_every_s;
	char label[64];
	int err = 0, ev;

	for (;;) {
		double now = cli_bpf__now_s(), wake = now + GROWTH_TICK_MS / 1000.0;

		if (o->duration_s && now >= g->start_s + o->duration_s)
			break;
		ev = event_loop__wait(&g->loop, event_loop__ms_until(wake));
		if (g->ev_execs && (ev & g->ev_execs))
			growth_run__execs(g);
		if (ev & EV_USR1) {
			snprintf(label, sizeof(label), "sigusr1-%u", ++g->usr1_count);
			err = growth_run__snapshot(g, label, false);
		}
		if (!err && o->snapshot_every_s && cli_bpf__now_s() >= next_snap) {
			snprintf(label, sizeof(label), "t+%g", next_snap - g->start_s);
			err = growth_run__snapshot(g, label, false);
			next_snap += o->snapshot_every_s;
		}
		/* the maps are read (O(stacks)) and new stacks named once per interval: a
		 * process's mappings were read when it exec'd or mapped code, so its stacks
		 * are still named after it exits */
		if (!err && cli_bpf__now_s() >= next_scan) {
			err = growth_run__refresh(g) ?: growth_run__scan(g);
			growth_run__escalate(g);
			if (g->live_view)
				draw_live(g);
			next_scan += o->interval_s;
		}
		if (err)
			return cli__error("cannot read the growth maps: %s", strerror(-err));
		if (ev & (EV_STOP | EV_EXITED))
			break;
	}
	growth_run__finish(g);
	err = growth_run__snapshot(g, "end", true);
	if (err)
		return cli__error("cannot take the final snapshot: %s", strerror(-err));
	return 0;
}

static int final_report(struct growth_run *g)
{
	struct escalation esc[GROWTH_MAX_WINDOWS];
	struct growth_report r;
	struct proc_row *rows = NULL;
	size_t top = g->opts->top_set ? g->opts->top : !strcmp(g->opts->format, "json") ? 0 : 10;
	int err = growth_run__report(g, true, &r, &rows, esc);

	if (g->live_view)
		fputs("\n", stdout);
	if (!err)
		err = !strcmp(g->opts->format, "json") ? growth_format__json(&r, top, stdout)
						       : growth_format__text(&r, top, stdout);
	if (!err && fflush(stdout))
		err = -EIO;
	growth_report__free(&r);
	free(rows);
	return err ? cli__error("cannot write the report: %s", strerror(-err)) : 0;
}

int cmd__growth(int argc, char **argv)
{
	struct growth_opts opts;
	struct growth_run g = { .opts = &opts };
	bool picture;
	unsigned n;
	int err;

	err = growth_opts__parse(argc, argv, &opts);
	if (err)
		return opts__status(err);
	err = cli_bpf__preflight(opts.pid);
	if (err)
		return err;
	cli_bpf__verbose(opts.verbose);
	/* a report is flushed whole when written (leak_view__print, the live views): a
	 * line-buffered stdout cost one write() per line, ~1M for a 30,000-stack report */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	picture = strcmp(opts.format, "text") && strcmp(opts.format, "json");
	g.live_view = !strcmp(opts.format, "text") && isatty(STDOUT_FILENO);
	err = event_loop__init(&g.loop, true);
	g.sym = symbolizer__new(
		&(struct symbolizer_opts){ .max_dwarf_bytes = opts.max_debug_info });
	if (err || !g.sym) {
		err = cli__error("cannot set up the session: %s", strerror(err ? -err : ENOMEM));
		goto cleanup;
	}
	err = growth_run__start(&g) ?: run(&g);
	growth_loader__detach(g.loader);
	if (!err && !picture)
		err = final_report(&g);
cleanup:
	n = live_session__count(g.live);
	if (growth_run__close(&g) && !err)
		err = cli__error("cannot finish the session file '%s'", g.output);
	if (!err && g.output[0] && n)
		fprintf(stderr, "perfan-bpf: %u snapshot%s in %s\n", n, n == 1 ? "" : "s",
			g.output);
	if (!err && picture)
		err = g.output[0] && n
			      ? render__session_file("growth", g.output, "end", opts.format, stdout)
			      : cli__error("no session file to draw the %s report from",
					   opts.format);
	event_loop__close(&g.loop);
	symbolizer__free(g.sym);
	return err;
}
