// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `perfan-bpf serve`: the agent. The growth gear host-wide (or one --pid) through growth_run.h,
 * answered over a read-only HTTP endpoint on loopback by default: /metrics for Prometheus,
 * /debug/pprof/heap?pid=PID (gzipped pprof, as Go's net/http/pprof serves it) for go tool pprof,
 * Parca and Pyroscope, /debug/pprof/ as an index. Exact tracing of a process is never asked
 * over the network: `perfan-bpf serve --trace PID` asks through the root-only control socket.
 * docs/agent.md has the trust model. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "analysis/profile.h"
#include "cli/cli_bpf.h"
#include "cli/cli_util.h"
#include "cli/cmd_serve.h"
#include "cli/growth_run.h"
#include "cli/options.h"
#include "lib/array.h"
#include "lib/rate_limit.h"
#include "lib/sanitize.h"
#include "output/pprof.h"
#include "output/prom.h"
#include "session/control.h"
#include "session/http.h"
#include "target/proc_dir.h"
#include "target/proc_scan.h"

/* delayed answers (?seconds=N) held at once */
#define MAX_PENDING 4

struct serve_opts {
	struct growth_opts g;
	const char *listen;
	uint64_t top_stacks;
	uint64_t top_procs;
	uint64_t trace_pid; /* client mode */
	double trace_s;
	uint64_t max_rate;
};

/* A /debug/pprof/heap?seconds=N: answered at its deadline with what grew meanwhile */
struct pending {
	struct http_request req;
	uint32_t pid;
	double due_s;
	struct stack_row *base; /* the process's rows when asked, sorted */
	size_t base_cnt, base_cap;
};

struct serve {
	struct serve_opts *o;
	struct growth_run g;
	int http_fd, ctl_fd;
	int ev_http, ev_ctl;
	struct rate_limit rate;
	uint64_t served, refused;
	struct pending pend[MAX_PENDING];
	size_t pend_cnt;
};

static int parse_opts(int argc, char **argv, struct serve_opts *o)
{
	uint64_t pid = 0;
	bool escalate = false; /* growth_opts has an enum: auto does not apply here */
	int first, rc;
	/* clang-format off */
	const struct opt rows[] = {
		{ .name = "listen", .letter = 'l', .kind = OPT_STRING, .arg = "ADDR:PORT",
		  .help = "where to answer HTTP (default 127.0.0.1:9464; another\n"
			  "address only when given here: read-only endpoints)",
		  .dest = &o->listen },
		{ .name = "pid", .letter = 'p', .kind = OPT_U64, .arg = "PID",
		  .help = "one process and its children (default: every process)",
		  .dest = &pid, .min = 1, .max = INT_MAX, .wants = "a process id" },
		{ .name = "trace", .kind = OPT_U64, .arg = "PID",
		  .help = "ask the running agent to trace PID exactly for --duration\n"
			  "seconds (default 30), through its root-only control socket",
		  .dest = &o->trace_pid, .min = 1, .max = INT_MAX, .wants = "a process id" },
		{ .name = "duration", .letter = 'd', .kind = OPT_SECONDS, .arg = "SEC",
		  .help = "with --trace: the exact window; else stop the agent after SEC",
		  .dest = &o->trace_s, .max_s = 365 * 86400.0 },
		{ .name = "interval", .letter = 'i', .kind = OPT_SECONDS, .arg = "SEC",
		  .help = "read every process's memory every SEC seconds (default 2)",
		  .dest = &o->g.interval_s, .max_s = 3600 },
		{ .name = "top", .letter = 't', .kind = OPT_U64, .arg = "N",
		  .help = "stacks in /metrics (default 10)", .dest = &o->top_stacks,
		  .min = 1, .max = 100, .wants = "a count" },
		{ .name = "top-procs", .kind = OPT_U64, .arg = "N",
		  .help = "processes in /metrics, fastest growing first (default 50)",
		  .dest = &o->top_procs, .min = 1, .max = 1000, .wants = "a count" },
		{ .name = "max-request-rate", .kind = OPT_U64, .arg = "N",
		  .help = "HTTP requests answered per second (default 20); the rest\nget 429",
		  .dest = &o->max_rate, .min = 1, .max = 10000 },
		{ .name = "escalate", .kind = OPT_FLAG,
		  .help = "trace the fastest growing process exactly, for a window, by\nitself",
		  .dest = &escalate },
		{ .name = "sample-pages", .kind = OPT_U64, .arg = "N",
		  .help = "walk the stack of 1 in N new pages, at random, and charge it\n"
			  "N pages (default 16; 1: every page, exact)",
		  .dest = &o->g.sample_pages, .min = 1, .max = 1 << 20, .wants = "a count" },
		{ .name = "walk-budget", .kind = OPT_U64, .arg = "N",
		  .help = "stack walks of new pages per second per CPU, at most\n"
			  "(default 1000, ~0.5% of a CPU); past it 1 in more than\n"
			  "--sample-pages is walked, weighed more (0: no cap)",
		  .dest = &o->g.walk_budget, .max = 1 << 20 },
		{ .name = "max-dwarf", .kind = OPT_SIZE, .arg = "SIZE",
		  .help = "DWARF kept to name file:line, all files together (default\n"
			  "64M); past it the least recently used file's is let go",
		  .dest = &o->g.max_debug_info, .min = 1 << 20, .max = 1ull << 40 },
		{ .name = "max-stacks", .kind = OPT_U64, .arg = "N",
		  .help = "distinct (process, stack) pairs (default 65536)",
		  .dest = &o->g.max_stacks, .min = 1024, .max = 1 << 22 },
		{ .name = "max-pages", .kind = OPT_U64, .arg = "N",
		  .help = "pages whose first-touching stack is kept (default 1048576)",
		  .dest = &o->g.max_pages, .min = 1024, .max = 1 << 26 },
		{ .name = "max-procs", .kind = OPT_U64, .arg = "N",
		  .help = "processes tracked at once (default 8192)", .dest = &o->g.max_procs,
		  .min = 64, .max = 1 << 22 },
		{ .name = "verbose", .letter = 'v', .kind = OPT_FLAG,
		  .help = "libbpf's messages on stderr", .dest = &o->g.verbose },
		{},
	};
	/* clang-format on */
	const struct cmd_spec spec = {
		.name = "serve",
		.usage = "[--listen ADDR:PORT] [--pid PID] [options]\n--trace PID [--duration SEC]",
		.about = "An agent for fleets: the growth gear, answered over read-only HTTP for "
			 "Prometheus\n(/metrics) and pprof tools (/debug/pprof/heap?pid=PID). "
			 "docs/agent.md.",
		.opts = rows,
	};
	*o = (struct serve_opts){
		.listen = "127.0.0.1:9464", .top_stacks = 10, .top_procs = 50, .max_rate = 20
	};
	o->g = (struct growth_opts){ .interval_s = 2,
				     .format = "text",
				     .no_output = true,
				     .max_stacks = 1 << 16,
				     .max_procs = 8192,
				     .max_pages = 1 << 20,
				     .sample_pages = 16,
				     .walk_budget = 1000,
				     .max_debug_info = 64 << 20,
				     .max_unwind_rows = 1 << 22,
				     .escalate_window_s = 30,
				     .retire_exited_s = 30,
				     .escalate_min_bytes = 64 << 20 };
	rc = opts__parse(&spec, argc, argv, &first);
	if (rc)
		return rc;
	if (first < argc)
		return cli__error("serve takes no arguments ('%s'); see 'perfan-bpf serve --help'",
				  argv[first]);
	o->g.pid = (int)pid;
	o->g.escalate = escalate ? ESCALATE_ON : ESCALATE_OFF;
	if (!o->trace_pid) {
		o->g.duration_s = o->trace_s;
		o->trace_s = 0;
	} else if (!o->trace_s) {
		o->trace_s = 30;
	}
	return 0;
}

/* `serve --trace PID`: ask the running agent */
static int ask_trace(const struct serve_opts *o)
{
	char arg[64], reply[512];
	int err;

	snprintf(arg, sizeof(arg), "%" PRIu64 " %g", o->trace_pid, o->trace_s);
	err = control__request(CONTROL_AGENT, "trace", arg, 5000, reply, sizeof(reply));
	if (err == -ENOENT)
		return cli__error("no perfan-bpf agent runs here ('perfan-bpf serve' starts one)");
	if (err == -EPROTO)
		return cli__error("the agent refused: %s", reply);
	if (err)
		return cli__error("cannot reach the agent: %s", strerror(-err));
	printf("pid %" PRIu64 " traced exactly for %g s; its live bytes appear in /metrics and "
	       "/debug/pprof/heap?pid=%" PRIu64 " when the window ends\n",
	       o->trace_pid, o->trace_s, o->trace_pid);
	return 0;
}

static void agent_self(struct serve *s, struct prom_agent *a)
{
	struct rusage ru;
	struct symbolizer_stats st;
	uint64_t rss = 0, anon = 0;

	getrusage(RUSAGE_SELF, &ru);
	a->cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		   (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	proc_scan__mem("/proc", (uint32_t)getpid(), &rss, &anon);
	a->rss_bytes = rss;
	a->anon_bytes = anon;
	symbolizer__stats(s->g.sym, &st);
	a->debug_bytes = st.dwarf_bytes;
	a->debug_dropped = st.dwarf_dropped;
	a->debug_over = st.dwarf_over_cnt;
	a->files_open = st.module_cnt;
	a->uptime_s = cli_bpf__now_s() - s->g.start_s;
	a->scrapes = s->served;
	a->refused = s->refused;
	a->procs_seen = s->g.procs.cnt;
	a->windows = s->pend_cnt;
}

static int reply_text(const struct http_request *req, int status, const char *text)
{
	return http__reply(req, status, "text/plain; charset=utf-8", text, strlen(text), NULL);
}

static void serve_metrics(struct serve *s, const struct http_request *req)
{
	struct escalation esc[GROWTH_MAX_WINDOWS];
	struct growth_report r;
	struct proc_row *rows = NULL;
	struct prom_agent a = {};
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int err = m ? growth_run__report(&s->g, false, &r, &rows, esc) : -ENOMEM;

	agent_self(s, &a);
	if (!err)
		err = prom__write(&r, &a, s->o->top_procs, s->o->top_stacks, m);
	if (m)
		fclose(m);
	if (err)
		reply_text(req, 500, "cannot build the metrics\n");
	else
		http__reply(req, 200, "text/plain; version=0.0.4; charset=utf-8", buf, len, NULL);
	growth_report__free(&r);
	free(rows);
	free(buf);
}

/* The pprof of pid now; with base, only what its stacks gained since (a window) */
static void send_heap(struct serve *s, const struct http_request *req, uint32_t pid,
		      const struct stack_row *base, size_t base_cnt)
{
	struct escalation esc[GROWTH_MAX_WINDOWS];
	struct growth_report r;
	struct proc_row *rows = NULL;
	struct profile p = {};
	bool exact = false;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int err = m ? growth_run__report(&s->g, false, &r, &rows, esc) : -ENOMEM;

	if (!err && base)
		r.esc_cnt = 0; /* a window is growth over the window */
	if (!err)
		err = profile__from_growth(&p, &r, pid, &exact);
	for (size_t i = 0; !err && base && i < p.stack_cnt; i++) {
		struct stack_row key = { .pid = pid, .stack_id = p.stacks[i].stack_id };
		const struct stack_row *b =
			base_cnt ? bsearch(&key, base, base_cnt, sizeof(key), stack_row__cmp)
				 : NULL;

		if (b) {
			p.stacks[i].val[PV_LIVE_BYTES] -= (int64_t)b->counts.live_bytes;
			p.stacks[i].val[PV_LIVE_OBJECTS] -= (int64_t)b->counts.live_objects;
			p.stacks[i].val[PV_ALLOC_BYTES] -= (int64_t)b->counts.alloc_bytes;
			p.stacks[i].val[PV_ALLOC_OBJECTS] -= (int64_t)b->counts.alloc_objects;
		}
	}
	if (!err)
		err = pprof__write(&p, m);
	if (m)
		fclose(m);
	if (err)
		reply_text(req, 500, "cannot build the profile\n");
	else
		http__reply(req, 200, "application/octet-stream", buf, len,
			    "Content-Disposition: attachment; filename=\"heap.pb.gz\"\r\n");
	profile__free(&p);
	growth_report__free(&r);
	free(rows);
	free(buf);
}

static void serve_heap(struct serve *s, struct http_request *req)
{
	char v[32];
	char *end;
	unsigned long pid, secs = 0;
	struct pending *pd;

	if (!http__query_get(req->query, "pid", v, sizeof(v)) || !(pid = strtoul(v, &end, 10)) ||
	    *end || pid > INT_MAX) {
		reply_text(req, 400, "pid=PID is required: /debug/pprof/ lists the processes\n");
		return;
	}
	if (!growth_table__get(&s->g.procs, (uint32_t)pid)) {
		reply_text(req, 404, "no such process in the agent's table\n");
		return;
	}
	if (http__query_get(req->query, "seconds", v, sizeof(v)) &&
	    ((secs = strtoul(v, &end, 10)) == 0 || *end || secs > 600)) {
		reply_text(req, 400, "seconds=N wants 1 to 600\n");
		return;
	}
	if (!secs) {
		send_heap(s, req, (uint32_t)pid, NULL, 0);
		return;
	}
	if (s->pend_cnt == MAX_PENDING) {
		reply_text(req, 503, "too many windows waiting; try again later\n");
		return;
	}
	/* the window starts now: the maps as they are, at once (naming waits for the end) */
	growth_run__read(&s->g);
	pd = &s->pend[s->pend_cnt];
	*pd = (struct pending){ .req = *req,
				.pid = (uint32_t)pid,
				.due_s = cli_bpf__now_s() + secs };
	for (size_t i = 0; i < s->g.sample.cnt; i++) {
		if (s->g.sample.stacks[i].pid != pid)
			continue;
		if (ARRAY_GROW(pd->base, pd->base_cap, pd->base_cnt + 1, 64))
			break;
		pd->base[pd->base_cnt++] = s->g.sample.stacks[i];
	}
	if (pd->base_cnt)
		qsort(pd->base, pd->base_cnt, sizeof(*pd->base), stack_row__cmp);
	s->pend_cnt++;
}

static void serve_index(struct serve *s, const struct http_request *req)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	size_t shown = 0;

	if (!m) {
		reply_text(req, 500, "out of memory\n");
		return;
	}
	fputs("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>perfan-bpf "
	      "/debug/pprof/</title></head><body><h1>perfan-bpf agent</h1>\n<p><a "
	      "href=\"/metrics\">/metrics</a></p>\n<p>Heap profiles "
	      "(<code>go tool pprof http://HOST:PORT/debug/pprof/heap?pid=PID</code>):</p><ul>\n",
	      m);
	for (size_t i = 0; i < s->g.procs.cnt && shown < 200; i++) {
		const struct proc_row *p = &s->g.procs.e[i].row;
		char comm[sizeof(p->comm)];

		if (p->exited || (!p->touched_bytes && p->growth_bytes <= 0))
			continue;
		shown++;
		/* comm is sanitized already; html needs its own escaping of <>& */
		snprintf(comm, sizeof(comm), "%s", p->comm);
		for (char *c = comm; *c; c++)
			if (*c == '<' || *c == '>' || *c == '&' || *c == '"')
				*c = '?';
		fprintf(m, "<li><a href=\"/debug/pprof/heap?pid=%u\">heap?pid=%u</a> %s</li>\n",
			p->pid, p->pid, comm);
	}
	fputs("</ul></body></html>\n", m);
	fclose(m);
	http__reply(req, 200, "text/html; charset=utf-8", buf, len, NULL);
	free(buf);
}

/* The kernel maps read again (and new stacks named) if the last read is older than a tick */
static void fresh(struct serve *s)
{
	if (cli_bpf__now_s() - s->g.refreshed_s >= GROWTH_TICK_MS / 1000.0)
		growth_run__refresh(&s->g);
}

static void serve_http(struct serve *s)
{
	char secs[16];
	struct http_request req;
	int rc;

	while ((rc = http__accept(s->http_fd, &req)) != -EAGAIN) {
		if (rc)
			continue; /* answered (or dropped) by http__accept */
		if (!rate_limit__take(&s->rate, cli_bpf__now_s())) {
			s->refused++;
			reply_text(&req, 429, "too many requests\n");
			continue;
		}
		s->served++;
		/* what a request reads is at most a tick old (the maps are read once per
		 * interval otherwise); requests are rate-limited, so is this */
		if (!strcmp(req.path, "/metrics") ||
		    (!strcmp(req.path, "/debug/pprof/heap") &&
		     !http__query_get(req.query, "seconds", secs, sizeof(secs))))
			fresh(s);
		if (!strcmp(req.path, "/metrics"))
			serve_metrics(s, &req);
		else if (!strcmp(req.path, "/debug/pprof/heap"))
			serve_heap(s, &req);
		else if (!strcmp(req.path, "/debug/pprof/") || !strcmp(req.path, "/debug/pprof"))
			serve_index(s, &req);
		else if (!strcmp(req.path, "/"))
			reply_text(&req, 200,
				   "perfan-bpf agent: /metrics, /debug/pprof/, "
				   "/debug/pprof/heap?pid=PID[&seconds=N]\n");
		else
			reply_text(&req, 404, "not found\n");
	}
}

static void answer_due(struct serve *s, bool all)
{
	double now = cli_bpf__now_s();

	for (size_t i = 0; i < s->pend_cnt;) {
		struct pending *pd = &s->pend[i];

		if (!all && now < pd->due_s) {
			i++;
			continue;
		}
		fresh(s);
		send_heap(s, &pd->req, pd->pid, pd->base, pd->base_cnt);
		free(pd->base);
		s->pend[i] = s->pend[--s->pend_cnt];
	}
}

/* "trace PID SEC" from `perfan-bpf serve --trace` */
static void serve_control(struct serve *s)
{
	char arg[CONTROL_LABEL_MAX + 1];
	unsigned long pid;
	double secs;
	int fd, err;

	while ((fd = control__accept_req(s->ctl_fd, "trace", arg, sizeof(arg))) != -EAGAIN) {
		if (fd < 0)
			continue;
		if (sscanf(arg, "%lu %lf", &pid, &secs) != 2 || !pid || pid > INT_MAX ||
		    !(secs > 0 && secs <= 3600)) {
			control__reply(fd, -EINVAL, 0, "want: trace PID SECONDS (1..3600)");
			continue;
		}
		if (proc_dir__kind("/proc", (int)pid) != PROC_KIND_USER) {
			control__reply(fd, -ESRCH, 0, "no such user process");
			continue;
		}
		err = growth_run__trace(&s->g, (uint32_t)pid, secs);
		control__reply(fd, err, 0,
			       err == -EBUSY ? "another exact window is running; try again when "
					       "it ends"
			       : err	     ? strerror(-err)
					     : NULL);
	}
}

static int run(struct serve *s)
{
	double next_scan = s->g.start_s + s->o->g.interval_s;
	int err, ev;

	for (;;) {
		double now = cli_bpf__now_s(), wake = now + GROWTH_TICK_MS / 1000.0;

		if (s->o->g.duration_s && now >= s->g.start_s + s->o->g.duration_s)
			break;
		ev = event_loop__wait(&s->g.loop, event_loop__ms_until(wake));
		if (s->g.ev_execs && (ev & s->g.ev_execs))
			growth_run__execs(&s->g);
		/* the maps are read (O(stacks): most of the agent's CPU when read every tick)
		 * and new stacks named once per interval; mappings were read at exec */
		err = 0;
		if (cli_bpf__now_s() >= next_scan) {
			err = growth_run__refresh(&s->g) ?: growth_run__scan(&s->g);
			growth_run__escalate(&s->g);
			next_scan += s->o->g.interval_s;
			/* what retired processes and let-go DWARF freed goes back to the system, so
			 * that the agent's memory follows what it holds, not its peak */
			malloc_trim(0);
		}
		if (err)
			return cli__error("cannot read the growth maps: %s", strerror(-err));
		if (ev & s->ev_ctl)
			serve_control(s);
		if (ev & s->ev_http)
			serve_http(s);
		answer_due(s, false);
		if (ev & (EV_STOP | EV_EXITED))
			break;
	}
	answer_due(s, true);
	return 0;
}

static int start(struct serve *s)
{
	char host[128];
	uint16_t port;

	if (http__parse_listen(s->o->listen, host, sizeof(host), &port))
		return cli__error("--listen wants ADDR:PORT, e.g. 127.0.0.1:9464, not '%s'",
				  s->o->listen);
	s->ctl_fd = control__listen(CONTROL_AGENT);
	if (s->ctl_fd == -EADDRINUSE)
		return cli__error("another perfan-bpf agent already runs on this host");
	if (s->ctl_fd < 0)
		return cli__error("cannot listen on the agent's control socket: %s",
				  strerror(-s->ctl_fd));
	s->http_fd = http__listen(host, port);
	if (s->http_fd < 0)
		return cli__error("cannot listen on %s: %s", s->o->listen, strerror(-s->http_fd));
	if (!http__is_loopback(host))
		fprintf(stderr,
			"perfan-bpf: warning: %s is reachable from other hosts (read-only "
			"endpoints; docs/agent.md)\n",
			s->o->listen);
	s->ev_ctl = event_loop__add_fd(&s->g.loop, s->ctl_fd);
	s->ev_http = event_loop__add_fd(&s->g.loop, s->http_fd);
	return growth_run__start(&s->g);
}

int cmd__serve(int argc, char **argv)
{
	struct serve_opts o;
	struct serve s = { .o = &o, .http_fd = -1, .ctl_fd = -1 };
	int err;

	/* a fixed threshold: big buffers (DWARF sections, tables) are mmap'd and unmapped when
	 * freed; glibc's moving threshold would put them on the heap, where they fragment it */
	mallopt(M_MMAP_THRESHOLD, 256 << 10);
	err = parse_opts(argc, argv, &o);
	if (err)
		return opts__status(err);
	if (o.trace_pid)
		return ask_trace(&o);
	err = cli_bpf__preflight(o.g.pid);
	if (err)
		return err;
	cli_bpf__verbose(o.g.verbose);
	setvbuf(stdout, NULL, _IOLBF, 0);
	s.g.opts = &o.g;
	rate_limit__init(&s.rate, (double)o.max_rate, cli_bpf__now_s());
	err = event_loop__init(&s.g.loop, false);
	s.g.sym =
		symbolizer__new(&(struct symbolizer_opts){ .max_dwarf_bytes = o.g.max_debug_info });
	if (err || !s.g.sym) {
		err = cli__error("cannot set up the agent: %s", strerror(err ? -err : ENOMEM));
		goto cleanup;
	}
	err = start(&s);
	if (!err)
		fprintf(stderr, "perfan-bpf: agent on http://%s (/metrics, /debug/pprof/)\n",
			o.listen);
	if (!err)
		err = run(&s);
	growth_run__finish(&s.g);
cleanup:
	growth_run__close(&s.g);
	if (s.http_fd >= 0)
		close(s.http_fd);
	control__close(s.ctl_fd, CONTROL_AGENT);
	event_loop__close(&s.g.loop);
	symbolizer__free(s.g.sym);
	return err;
}
