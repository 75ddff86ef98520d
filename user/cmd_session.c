// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The offline session commands `diff`, `trend` and `report` (see cmd_session.h): parse the
 * options, read the session file, run the analysis (diff.h, trend.h, session__report) and
 * print it with the chosen formatter. Every user error is one line on stderr and exit 2. */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli_util.h"
#include "cmd_session.h"
#include "diff.h"
#include "diff_report.h"
#include "flamegraph.h"
#include "folded.h"
#include "html_report.h"
#include "pprof.h"
#include "profile.h"
#include "report.h"
#include "session.h"
#include "safe_file.h"
#include "session_file.h"
#include "trend.h"
#include "trend_report.h"

#define EXIT_LEAK 1
#define EXIT_ERROR 2
/* the text formats print this many stacks unless --top says otherwise (JSON: all) */
#define TEXT_TOP_DEFAULT 10

static const char diff_usage[] =
	"usage: perfan-bpf diff SESSION_FILE [LABEL_A LABEL_B] [--leak-threshold N]\n"
	"                       [--format text|json|folded|pprof|svg] [--value V]\n"
	"                       [--output FILE [--force]] [--top N] [--fail-on-leak]\n"
	"Per stack, the change in live bytes and objects from snapshot LABEL_A to LABEL_B\n"
	"(default: the first and the last snapshot), largest growth first; the totals; the\n"
	"change in RSS beside it. A leak is suspected when live objects grew by more than\n"
	"--leak-threshold (default 1000).\n"
	"  -T, --leak-threshold N  objects (default 1000)\n"
	"  -f, --format FMT        text (default), json, folded (stacks with their change),\n"
	"                          pprof (gzip profile.proto of the deltas) or svg (a\n"
	"                          differential flame graph: growth red, shrinkage blue)\n"
	"      --value V           folded: delta_bytes (default), delta_objects, live_bytes,\n"
	"                          live_objects (in B), alloc_bytes, alloc_objects (between),\n"
	"                          base_live_bytes, base_live_objects (in A);\n"
	"                          svg: delta_bytes (default) or delta_objects\n"
	"  -o, --output FILE       write there instead of stdout (pprof: needed on a terminal);\n"
	"                          a new file, mode 0600\n"
	"      --force             replace --output FILE if it exists (else exit 2)\n"
	"  -t, --top N             stacks to print: default 10 in text, all in json; 0 = all\n"
	"      --fail-on-leak      exit 1 when a leak is suspected\n"
	"Exit status: 0 done; 1 leak suspected with --fail-on-leak; 2 error.\n";
static const char trend_usage[] =
	"usage: perfan-bpf trend SESSION_FILE [--format text|json] [--fail-on-leak]\n"
	"Classifies each stack's live bytes over all snapshots (at least 3) of the session:\n"
	"leak (steady growth), plateau (grew then held: a cache or pool), transient (rose and\n"
	"came back), shrinking, irregular or flat. docs/snapshots.md states the rules.\n"
	"  -f, --format FMT        text (default) or json\n"
	"      --fail-on-leak      exit 1 when a stack is classified as a leak\n"
	"Exit status: 0 done; 1 leak with --fail-on-leak; 2 error.\n";
static const char report_usage[] =
	"usage: perfan-bpf report SESSION_FILE [--label LABEL] [--top N] [--value V]\n"
	"                         [--format text|json|folded|pprof|svg|html]\n"
	"                         [--output FILE [--force]]\n"
	"The stacks holding live memory in one snapshot of the session (default: the last),\n"
	"as the leak report prints them, or as a profile or a picture (docs/formats.md).\n"
	"  -l, --label LABEL       the snapshot (the last one with that label)\n"
	"  -f, --format FMT        text (default), json, folded (flamegraph.pl input), pprof\n"
	"                          (gzip profile.proto), svg (a flame graph) or html (the\n"
	"                          whole session on one page: heap over time, trends, stacks)\n"
	"      --value V           folded and svg: live_bytes (default), live_objects,\n"
	"                          alloc_bytes or alloc_objects\n"
	"  -o, --output FILE       write there instead of stdout (pprof: needed on a terminal);\n"
	"                          a new file, mode 0600\n"
	"      --force             replace --output FILE if it exists (else exit 2)\n"
	"  -t, --top N             stacks to print: default 10 in text, all in json, 20 in\n"
	"                          html; 0 = all\n"
	"Exit status: 0 done; 2 error.\n";

enum { OPT_FAIL_ON_LEAK = 256, OPT_VALUE, OPT_FORCE };

struct session_opts {
	const char *cmd;
	const char *format;
	const char *label;
	const char *output;
	bool force;
	const char *value;
	uint64_t top;
	bool top_set;
	uint64_t leak_threshold;
	bool fail_on_leak;
	bool help;
};

/* Which of the shared options a command takes */
enum {
	ALLOW_TOP = 1 << 0,
	ALLOW_LABEL = 1 << 1,
	ALLOW_THRESHOLD = 1 << 2,
	ALLOW_FAIL_ON_LEAK = 1 << 3,
	ALLOW_OUTPUT = 1 << 4, /* --output and --force */
	ALLOW_VALUE = 1 << 5,
};

/* Parses the options in `allowed` (--format and --help always); positional arguments may
 * come before or after them and are left at argv[optind..]. 0 or the exit status of an
 * error. */
static int parse_opts(int argc, char **argv, unsigned allowed, struct session_opts *o)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "top", required_argument, NULL, 't' },
		{ "label", required_argument, NULL, 'l' },
		{ "leak-threshold", required_argument, NULL, 'T' },
		{ "fail-on-leak", no_argument, NULL, OPT_FAIL_ON_LEAK },
		{ "output", required_argument, NULL, 'o' },
		{ "value", required_argument, NULL, OPT_VALUE },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	char shortopts[16] = ":f:h"; /* ':' first: a missing value returns ':' */
	int c, li;

	if (allowed & ALLOW_TOP)
		strcat(shortopts, "t:");
	if (allowed & ALLOW_LABEL)
		strcat(shortopts, "l:");
	if (allowed & ALLOW_THRESHOLD)
		strcat(shortopts, "T:");
	if (allowed & ALLOW_OUTPUT)
		strcat(shortopts, "o:");
	o->format = "text";
	o->leak_threshold = DIFF_DEFAULT_LEAK_THRESHOLD;
	optind = 0; /* glibc: a full reset, whatever parsed options before */
	opterr = 0;
	while (li = -1, (c = getopt_long(argc, argv, shortopts, longopts, &li)) != -1) {
		/* a long option of another command is as unknown here as a misspelt one */
		if ((c == 't' && !(allowed & ALLOW_TOP)) ||
		    (c == 'l' && !(allowed & ALLOW_LABEL)) ||
		    (c == 'T' && !(allowed & ALLOW_THRESHOLD)) ||
		    (c == OPT_FAIL_ON_LEAK && !(allowed & ALLOW_FAIL_ON_LEAK)) ||
		    ((c == 'o' || c == OPT_FORCE) && !(allowed & ALLOW_OUTPUT)) ||
		    (c == OPT_VALUE && !(allowed & ALLOW_VALUE)))
			return usage_error("%s: unknown option '--%s'; see 'perfan-bpf %s --help'",
					   o->cmd, li >= 0 ? longopts[li].name : "?", o->cmd);
		switch (c) {
		case 'f':
			o->format = optarg;
			break;
		case 't':
			if (parse_u64(optarg, 0, SIZE_MAX, &o->top))
				return usage_error("%s: --top wants a number of stacks "
						   "(0 = all), not '%s'",
						   o->cmd, optarg);
			o->top_set = true;
			break;
		case 'l':
			o->label = optarg;
			break;
		case 'T':
			if (parse_u64(optarg, 0, INT64_MAX, &o->leak_threshold))
				return usage_error("%s: --leak-threshold wants a number of "
						   "objects, not '%s'",
						   o->cmd, optarg);
			break;
		case OPT_FAIL_ON_LEAK:
			o->fail_on_leak = true;
			break;
		case 'o':
			if (!*optarg)
				return usage_error("%s: --output wants a file name", o->cmd);
			o->output = optarg;
			break;
		case OPT_VALUE:
			o->value = optarg;
			break;
		case OPT_FORCE:
			o->force = true;
			break;
		case 'h':
			o->help = true;
			return 0;
		default:
			return option_error(o->cmd, c, argv);
		}
	}
	/* say it before reading a large session file */
	if (o->output && safe_file__check(o->output, o->force) == -EEXIST)
		return usage_error("%s: cannot create %s: " SAFE_FILE_EXISTS_HINT, o->cmd,
				   o->output);
	return 0;
}

/* Reads the session file, with a one-line error (and exit status 2) when it cannot be used.
 * The session must hold a snapshot. *cut_tail tells whether its last record was cut: the
 * command warns about it once it knows it has no error to report, so an error stays the one
 * line on stderr. */
/* Reading a large session takes seconds: say so on a terminal, then erase the line */
#define PROGRESS_BYTES (32u << 20)

static int load(const char *cmd, const char *path, struct session *s, bool *cut_tail)
{
	struct session_read_info info;
	bool progress = false;
	struct stat st;
	int err;

	if (isatty(STDERR_FILENO) && !stat(path, &st) && st.st_size >= PROGRESS_BYTES) {
		fprintf(stderr, "perfan-bpf: %s: reading %s (%lld MiB)...\r", cmd, path,
			(long long)(st.st_size >> 20));
		progress = true;
	}
	err = session_file__read(path, s, &info);
	if (progress)
		fputs("\033[K", stderr); /* erase the progress line */

	if (err == -EINVAL && strstr(info.error, "not a perfan-bpf session file"))
		return usage_error("%s: cannot use %s: %s; pass a session file written by "
				   "'perfan-bpf leak --output'",
				   cmd, path, info.error);
	if (err == -EINVAL)
		return usage_error("%s: cannot use %s: %s", cmd, path, info.error);
	if (err == -ENOMEM)
		return usage_error("%s: out of memory reading %s", cmd, path);
	if (err)
		return usage_error("%s: cannot read %s: %s", cmd, path, strerror(-err));
	if (!s->snap_cnt)
		return usage_error("%s: %s holds no snapshot yet; take one with 'perfan-bpf mark "
				   "LABEL --pid PID' or let the session end",
				   cmd, path);
	*cut_tail = info.truncated_tail;
	return 0;
}

static void warn_cut_tail(bool cut_tail, const char *path, const struct session *s)
{
	if (cut_tail)
		fprintf(stderr,
			"perfan-bpf: warning: %s ends in a record cut mid-write (a killed "
			"session?); using the %zu complete snapshot%s before it\n",
			path, s->snap_cnt, s->snap_cnt == 1 ? "" : "s");
}

/* The snapshot labelled `label`, or a one-line error listing the labels there are */
static const struct snapshot *find_label(const char *cmd, const struct session *s,
					 const char *path, const char *label, int *rc)
{
	const struct snapshot *snap = session__find(s, label);
	char list[512];
	size_t len = 0;

	if (snap)
		return snap;
	list[0] = '\0';
	for (size_t i = 0; i < s->snap_cnt && len < sizeof(list); i++) {
		int n = snprintf(list + len, sizeof(list) - len, "%s'%s'", i ? ", " : "",
				 s->snaps[i].label);

		if (n < 0 || (size_t)n >= sizeof(list) - len) {
			snprintf(list + len, sizeof(list) - len, ", ...");
			break;
		}
		len += (size_t)n;
	}
	*rc = usage_error("%s: no snapshot labelled '%s' in %s; its labels: %s", cmd, label, path,
			  list);
	return NULL;
}

/* The output formats of `report` and `diff` */
enum out_format { FMT_TEXT, FMT_JSON, FMT_FOLDED, FMT_PPROF, FMT_SVG, FMT_HTML, FMT__CNT };

static const char *const format_names[FMT__CNT] = { "text", "json", "folded",
						    "pprof", "svg",  "html" };

/* The format called name, or -1 */
static int format_by_name(const char *name)
{
	for (int i = 0; i < FMT__CNT; i++)
		if (!strcmp(format_names[i], name))
			return i;
	return -1;
}

/* Checks --value against the format and the command and returns the value to use (the
 * default when not given), or -1 after a one-line error (*rc is the exit status) */
static int pick_value(const struct session_opts *o, enum out_format fmt, bool is_diff, int *rc)
{
	int v;

	if (fmt != FMT_FOLDED && fmt != FMT_SVG) {
		if (o->value) {
			*rc = usage_error("%s: --value applies to --format folded or svg, not %s",
					  o->cmd, format_names[fmt]);
			return -1;
		}
		return is_diff ? PV_DELTA_BYTES : PV_LIVE_BYTES;
	}
	if (!o->value)
		return is_diff ? PV_DELTA_BYTES : PV_LIVE_BYTES;
	v = profile__value_by_name(o->value);
	if (!is_diff && (v < 0 || v > PV_ALLOC_OBJECTS)) {
		*rc = usage_error("%s: --value wants live_bytes, live_objects, alloc_bytes or "
				  "alloc_objects, not '%s'",
				  o->cmd, o->value);
		return -1;
	}
	if (is_diff && fmt == FMT_SVG && v != PV_DELTA_BYTES && v != PV_DELTA_OBJECTS) {
		*rc = usage_error("diff: --format svg draws delta_bytes or delta_objects, not '%s'",
				  o->value);
		return -1;
	}
	if (is_diff && v < 0) {
		*rc = usage_error("diff: --value wants delta_bytes, delta_objects, live_bytes, "
				  "live_objects, alloc_bytes, alloc_objects, base_live_bytes or "
				  "base_live_objects, not '%s'",
				  o->value);
		return -1;
	}
	return v;
}

/* Where the output goes: --output FILE (created now), else stdout. Binary data is not
 * written to a terminal. 0 or the exit status of an error. */
static int open_output(const struct session_opts *o, enum out_format fmt, FILE **out)
{
	if (!o->output) {
		if (fmt == FMT_PPROF && isatty(STDOUT_FILENO))
			return usage_error("%s: --format pprof writes gzip data, not for a terminal; "
					   "give --output FILE or redirect stdout",
					   o->cmd);
		*out = stdout;
		return 0;
	}
	/* a new 0600 file: never through a planted symlink, never into another's file */
	*out = safe_file__fopen(o->output, o->force);
	if (!*out && errno == EEXIST)
		return usage_error("%s: cannot create %s: " SAFE_FILE_EXISTS_HINT, o->cmd,
				   o->output);
	if (!*out)
		return usage_error("%s: cannot create %s: %s", o->cmd, o->output, strerror(errno));
	return 0;
}

/* Flushes and closes out (stdout stays open); err is the formatter's. 0 or exit status 2. */
static int close_output(const struct session_opts *o, FILE *out, int err)
{
	int werr = 0;

	if (err == -ENOMEM)
		werr = usage_error("%s: out of memory formatting the output", o->cmd);
	else if (err || fflush(out) || ferror(out))
		werr = usage_error("%s: cannot write %s: %s", o->cmd,
				   o->output ? o->output : "the output",
				   strerror(err && err != -EIO ? -err : errno ? errno : EIO));
	if (out != stdout && fclose(out) && !werr)
		werr = usage_error("%s: cannot write %s: %s", o->cmd, o->output, strerror(errno));
	return werr;
}

/* folded, pprof or svg of a profile */
static int write_profile(enum out_format fmt, const struct profile *p, int value, FILE *out)
{
	switch (fmt) {
	case FMT_FOLDED:
		return folded__write(p, &(struct folded_opts){ .value = value }, out);
	case FMT_PPROF:
		return pprof__write(p, out);
	case FMT_SVG:
		return flamegraph__write(p, &(struct flamegraph_opts){ .value = value }, out);
	default:
		return -EINVAL;
	}
}

int cmd_diff(int argc, char **argv)
{
	struct session_opts o = { .cmd = "diff" };
	struct snapshot_diff d = {};
	struct profile prof = {};
	bool cut_tail = false;
	size_t top;
	const struct snapshot *a, *b;
	struct session s = {};
	FILE *out = NULL;
	const char *path;
	int rc, npos, fmt, value;

	rc = parse_opts(argc, argv,
			ALLOW_TOP | ALLOW_THRESHOLD | ALLOW_FAIL_ON_LEAK | ALLOW_OUTPUT | ALLOW_VALUE,
			&o);
	if (rc)
		return rc;
	if (o.help)
		return fputs(diff_usage, stdout), 0;
	fmt = format_by_name(o.format);
	if (fmt == FMT_HTML)
		return usage_error("diff: the html report covers the whole session; use "
				   "'perfan-bpf report SESSION_FILE --format html'");
	if (fmt < 0)
		return usage_error("diff: unknown --format '%s'; use text, json, folded, pprof or "
				   "svg",
				   o.format);
	value = pick_value(&o, fmt, true, &rc);
	if (value < 0)
		return rc;
	npos = argc - optind;
	if (npos != 1 && npos != 3)
		return usage_error("diff: %s; usage: perfan-bpf diff SESSION_FILE "
				   "[LABEL_A LABEL_B]",
				   npos == 0   ? "no session file given"
				   : npos == 2 ? "give two labels, or none for the first and last"
					       : "too many arguments");
	path = argv[optind];
	rc = load("diff", path, &s, &cut_tail);
	if (rc)
		goto out;
	if (npos == 3) {
		a = find_label("diff", &s, path, argv[optind + 1], &rc);
		b = a ? find_label("diff", &s, path, argv[optind + 2], &rc) : NULL;
		if (!b)
			goto out;
	} else if (s.snap_cnt < 2) {
		rc = usage_error("diff: %s holds one snapshot ('%s'); a diff needs two: take "
				 "another with 'perfan-bpf mark LABEL --pid PID'",
				 path, s.snaps[0].label);
		goto out;
	} else {
		a = &s.snaps[0];
		b = &s.snaps[s.snap_cnt - 1];
	}
	rc = diff__compute(&s, a, b, &(struct diff_opts){ .leak_threshold = o.leak_threshold },
			   &d);
	if (!rc && fmt >= FMT_FOLDED)
		rc = profile__from_diff(&prof, &d);
	if (rc) {
		rc = usage_error("diff: out of memory comparing the snapshots");
		goto out;
	}
	rc = open_output(&o, fmt, &out);
	if (rc)
		goto out;
	warn_cut_tail(cut_tail, path, &s);
	top = o.top_set ? o.top : fmt == FMT_TEXT ? TEXT_TOP_DEFAULT : 0;
	if (fmt == FMT_TEXT || fmt == FMT_JSON)
		rc = diff_report__formatter(o.format)(&d, &(struct diff_format_opts){ .top = top },
						      out);
	else
		rc = write_profile(fmt, &prof, value, out);
	rc = close_output(&o, out, rc);
	if (!rc && o.fail_on_leak && d.leak_suspected)
		rc = EXIT_LEAK;
out:
	profile__free(&prof);
	diff__free(&d);
	session__free(&s);
	return rc;
}

int cmd_trend(int argc, char **argv)
{
	struct session_opts o = { .cmd = "trend" };
	struct session_trend t = {};
	bool cut_tail = false;
	FILE *out;
	struct session s = {};
	trend_formatter fmt;
	const char *path;
	int rc;

	rc = parse_opts(argc, argv, ALLOW_FAIL_ON_LEAK, &o);
	if (rc)
		return rc;
	if (o.help)
		return fputs(trend_usage, stdout), 0;
	fmt = trend_report__formatter(o.format);
	if (!fmt)
		return usage_error("trend: unknown --format '%s'; use text or json", o.format);
	if (argc - optind != 1)
		return usage_error("trend: %s; usage: perfan-bpf trend SESSION_FILE",
				   argc == optind ? "no session file given" : "too many arguments");
	path = argv[optind];
	rc = load("trend", path, &s, &cut_tail);
	if (rc)
		goto out;
	if (s.snap_cnt < TREND_MIN_SNAPSHOTS) {
		rc = usage_error("trend: %s holds %zu snapshot%s; a trend needs at least %d (use "
				 "'perfan-bpf diff' for two)",
				 path, s.snap_cnt, s.snap_cnt == 1 ? "" : "s", TREND_MIN_SNAPSHOTS);
		goto out;
	}
	rc = trend__compute(&s, &t);
	if (rc) {
		rc = usage_error("trend: out of memory computing the trends");
		goto out;
	}
	out = stdout;
	warn_cut_tail(cut_tail, path, &s);
	rc = close_output(&o, out, fmt(&t, out));
	if (!rc && o.fail_on_leak && t.class_cnt[TREND_LEAK])
		rc = EXIT_LEAK;
out:
	trend__free(&t);
	session__free(&s);
	return rc;
}

/* The html report: the trend and the first -> last diff beside the snapshot's report */
static int write_html(const struct session_opts *o, const char *path, const struct session *s,
		      const struct snapshot *snap, const struct leak_report *rep,
		      const struct profile *snap_prof, size_t top, FILE *out)
{
	struct session_trend t = {};
	struct snapshot_diff d = {};
	struct profile dprof = {};
	bool has_trend = s->snap_cnt >= TREND_MIN_SNAPSHOTS, has_diff = s->snap_cnt >= 2;
	int err = 0;

	if (has_trend)
		err = trend__compute(s, &t);
	if (!err && has_diff)
		err = diff__compute(s, &s->snaps[0], &s->snaps[s->snap_cnt - 1],
				    &(struct diff_opts){ .leak_threshold = o->leak_threshold }, &d);
	if (!err && has_diff)
		err = profile__from_diff(&dprof, &d);
	if (!err)
		err = html_report__write(
			&(struct html_report_input){
				.s = s,
				.source = path,
				.snap = snap,
				.rep = rep,
				.snap_profile = snap_prof,
				.trend = has_trend ? &t : NULL,
				.diff_profile = has_diff ? &dprof : NULL,
				.diff = has_diff ? &d : NULL,
				.top = top,
			},
			out);
	profile__free(&dprof);
	diff__free(&d);
	trend__free(&t);
	return err;
}

int cmd_report(int argc, char **argv)
{
	struct session_opts o = { .cmd = "report" };
	struct leak_report rep = {};
	struct profile prof = {};
	bool cut_tail = false;
	size_t top;
	const struct snapshot *snap;
	struct session s = {};
	FILE *out = NULL;
	const char *path;
	int rc, fmt, value;

	rc = parse_opts(argc, argv, ALLOW_TOP | ALLOW_LABEL | ALLOW_OUTPUT | ALLOW_VALUE, &o);
	if (rc)
		return rc;
	if (o.help)
		return fputs(report_usage, stdout), 0;
	fmt = format_by_name(o.format);
	if (fmt < 0)
		return usage_error("report: unknown --format '%s'; use text, json, folded, pprof, "
				   "svg or html",
				   o.format);
	value = pick_value(&o, fmt, false, &rc);
	if (value < 0)
		return rc;
	if (argc - optind != 1)
		return usage_error("report: %s; usage: perfan-bpf report SESSION_FILE [--label L]",
				   argc == optind ? "no session file given" : "too many arguments");
	path = argv[optind];
	rc = load("report", path, &s, &cut_tail);
	if (rc)
		goto out;
	snap = o.label ? find_label("report", &s, path, o.label, &rc) : &s.snaps[s.snap_cnt - 1];
	if (!snap)
		goto out;
	if (session__report(&s, snap, &rep) ||
	    (fmt >= FMT_FOLDED && profile__from_report(&prof, &s, snap, &rep))) {
		rc = usage_error("report: out of memory building the report");
		goto out;
	}
	rc = open_output(&o, fmt, &out);
	if (rc)
		goto out;
	warn_cut_tail(cut_tail, path, &s);
	rep.final = snap == &s.snaps[s.snap_cnt - 1] && !strcmp(snap->label, "end");
	if (fmt == FMT_TEXT)
		fprintf(out, "Snapshot \"%s\" (#%" PRIu32 " of %zu) of %s\n", snap->label, snap->seq,
			s.snap_cnt, path);
	top = o.top_set ? o.top : fmt == FMT_TEXT ? TEXT_TOP_DEFAULT : 0;
	if (fmt == FMT_TEXT || fmt == FMT_JSON)
		rc = report__formatter(o.format)(&rep, &(struct report_format_opts){ .top = top },
						 out);
	else if (fmt == FMT_HTML)
		rc = write_html(&o, path, &s, snap, &rep, &prof,
				o.top_set ? (o.top ? o.top : SIZE_MAX) : 20, out);
	else
		rc = write_profile(fmt, &prof, value, out);
	rc = close_output(&o, out, rc);
out:
	profile__free(&prof);
	report__free(&rep);
	session__free(&s);
	return rc;
}
