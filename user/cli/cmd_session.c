// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The offline session commands `diff`, `trend` and `report` (see cmd_session.h): parse the
 * options, read the session file, run the analysis (diff.h, trend.h, session__report) and
 * print it with the chosen formatter. Every user error is one line on stderr and exit 2. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "analysis/diff.h"
#include "analysis/profile.h"
#include "analysis/report.h"
#include "analysis/trend.h"
#include "cli/cli_util.h"
#include "cli/cmd_session.h"
#include "cli/options.h"
#include "cli/render.h"
#include "lib/safe_file.h"
#include "output/diff_report.h"
#include "output/formats.h"
#include "output/report_format.h"
#include "output/trend_report.h"
#include "session/session.h"

#define EXIT_LEAK 1
#define EXIT_ERROR 2

/* The output formats of `report` and `diff` (diff takes all but html): formats.h */
static const char *const format_names[FMT__CNT + 1] = { "text", "json", "folded", "pprof",
							"svg",	"html", NULL };
static const char *const diff_format_names[] = { "text", "json", "folded", "pprof", "svg", NULL };
static const char *const trend_format_names[] = { "text", "json", NULL };

struct session_opts {
	const char *cmd;
	int fmt; /* enum out_format; trend: the index in trend_format_names */
	const char *label;
	const char *output;
	bool force;
	const char *value;
	uint64_t top;
	bool top_set;
	uint64_t leak_threshold;
	bool fail_on_leak;
};

/* diff's --format: html gets its own hint, it is a report of the whole session */
static int diff_format__parse(const char *cmd, const struct opt *opt, const char *value)
{
	int i = opts__choice(opt->choices, value);

	if (!strcmp(value, "html"))
		return cli__error("%s: the html report covers the whole session; use "
				  "'perfan-bpf report SESSION_FILE --format html'",
				  cmd);
	if (i < 0)
		return -EINVAL;
	*(int *)opt->dest = i;
	return 0;
}

/* The rows diff and report share */
#define ROW_TOP(o, text)                                                                           \
	{                                                                                          \
		.name = "top", .letter = 't', .kind = OPT_U64, .arg = "N", .help = text,           \
		.dest = &(o)->top, .max = SIZE_MAX, .wants = "a number of stacks (0 = all)",       \
		.given = &(o)->top_set                                                             \
	}
#define ROW_OUTPUT(o)                                                                              \
	{                                                                                          \
		.name = "output", .letter = 'o', .kind = OPT_STRING, .arg = "FILE",                \
		.help = "write there instead of stdout (pprof: needed on a terminal);\n"           \
			"a new file, mode 0600",                                                   \
		.dest = &(o)->output, .wants = "a file name"                                       \
	}
#define ROW_FORCE(o)                                                                               \
	{                                                                                          \
		.name = "force", .kind = OPT_FLAG,                                                 \
		.help = "replace --output FILE if it exists (else exit 2)", .dest = &(o)->force    \
	}

/* Parses the options of spec into o (positional arguments may come before or after them; the
 * first is at *first_arg) and says now, before a large session file is read, that --output
 * exists. 0, or the exit status: 0 after --help, 2 after an error. */
static int parse_opts(const struct cmd_spec *spec, int argc, char **argv, struct session_opts *o,
		      int *first_arg)
{
	int rc = opts__parse(spec, argc, argv, first_arg);

	if (rc)
		return rc;
	if (o->output && safe_file__check(o->output, o->force) == -EEXIST)
		return cli__error("%s: cannot create %s: " SAFE_FILE_EXISTS_HINT, o->cmd,
				  o->output);
	return 0;
}

/* Checks --value against the format and the command and returns the value to use (the
 * default when not given), or -1 after a one-line error (*rc is the exit status) */
static int pick_value(const struct session_opts *o, enum out_format fmt, bool is_diff, int *rc)
{
	int v;

	if (fmt != FMT_FOLDED && fmt != FMT_SVG) {
		if (o->value) {
			*rc = cli__error("%s: --value applies to --format folded or svg, not %s",
					 o->cmd, format_names[fmt]);
			return -1;
		}
		return is_diff ? PV_DELTA_BYTES : PV_LIVE_BYTES;
	}
	if (!o->value)
		return is_diff ? PV_DELTA_BYTES : PV_LIVE_BYTES;
	v = profile__value_by_name(o->value);
	if (!is_diff && (v < 0 || v > PV_ALLOC_OBJECTS)) {
		*rc = cli__error("%s: --value wants live_bytes, live_objects, alloc_bytes or "
				 "alloc_objects, not '%s'",
				 o->cmd, o->value);
		return -1;
	}
	if (is_diff && fmt == FMT_SVG && v != PV_DELTA_BYTES && v != PV_DELTA_OBJECTS) {
		*rc = cli__error("diff: --format svg draws delta_bytes or delta_objects, not '%s'",
				 o->value);
		return -1;
	}
	if (is_diff && v < 0) {
		*rc = cli__error("diff: --value wants delta_bytes, delta_objects, live_bytes, "
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
			return cli__error("%s: --format pprof writes gzip data, not for a terminal; "
					  "give --output FILE or redirect stdout",
					  o->cmd);
		*out = stdout;
		return 0;
	}
	/* a new 0600 file: never through a planted symlink, never into another's file */
	*out = safe_file__fopen(o->output, o->force);
	if (!*out && errno == EEXIST)
		return cli__error("%s: cannot create %s: " SAFE_FILE_EXISTS_HINT, o->cmd,
				  o->output);
	if (!*out)
		return cli__error("%s: cannot create %s: %s", o->cmd, o->output, strerror(errno));
	return 0;
}

/* Flushes and closes out (stdout stays open); err is the formatter's. 0 or exit status 2. */
static int close_output(const struct session_opts *o, FILE *out, int err)
{
	int werr = 0;

	if (err == -ENOMEM)
		werr = cli__error("%s: out of memory formatting the output", o->cmd);
	else if (err || fflush(out) || ferror(out))
		werr = cli__error("%s: cannot write %s: %s", o->cmd,
				  o->output ? o->output : "the output",
				  strerror(err && err != -EIO ? -err
					   : errno	      ? errno
							      : EIO));
	if (out != stdout && fclose(out) && !werr)
		werr = cli__error("%s: cannot write %s: %s", o->cmd, o->output, strerror(errno));
	return werr;
}

int cmd__diff(int argc, char **argv)
{
	struct session_opts o = { .cmd = "diff", .leak_threshold = DIFF_DEFAULT_LEAK_THRESHOLD };
	/* one row per option, laid out by hand */
	/* clang-format off */
	const struct opt rows[] = {
		{ .name = "leak-threshold", .letter = 'T', .kind = OPT_U64, .arg = "N",
		  .help = "objects (default 1000)", .dest = &o.leak_threshold, .max = INT64_MAX,
		  .wants = "a number of objects" },
		{ .name = "format", .letter = 'f', .kind = OPT_CUSTOM, .arg = "FMT",
		  .help = "text (default), json, folded (stacks with their change),\n"
			  "pprof (gzip profile.proto of the deltas) or svg (a\n"
			  "differential flame graph: growth red, shrinkage blue)",
		  .dest = &o.fmt, .choices = diff_format_names, .parse = diff_format__parse },
		{ .name = "value", .kind = OPT_TEXT, .arg = "V",
		  .help = "folded: delta_bytes (default), delta_objects, live_bytes,\n"
			  "live_objects (in B), alloc_bytes, alloc_objects (between),\n"
			  "base_live_bytes, base_live_objects (in A);\n"
			  "svg: delta_bytes (default) or delta_objects",
		  .dest = &o.value },
		ROW_OUTPUT(&o),
		ROW_FORCE(&o),
		ROW_TOP(&o, "stacks to print: default 10 in text, all in json; 0 = all"),
		{ .name = "fail-on-leak", .kind = OPT_FLAG,
		  .help = "exit 1 when a leak is suspected", .dest = &o.fail_on_leak },
		{},
	};
	/* clang-format on */
	const struct cmd_spec spec = {
		.name = "diff",
		.usage = "SESSION_FILE [LABEL_A LABEL_B] [--leak-threshold N]\n"
			 "[--format text|json|folded|pprof|svg] [--value V]\n"
			 "[--output FILE [--force]] [--top N] [--fail-on-leak]",
		.about = "Per stack, the change in live bytes and objects from snapshot LABEL_A\n"
			 "to LABEL_B (default: the first and the last snapshot), largest growth\n"
			 "first; the totals; the change in RSS beside it. A leak is suspected\n"
			 "when live objects grew by more than --leak-threshold (default 1000).",
		.opts = rows,
		.footer = "Exit status: 0 done; 1 leak suspected with --fail-on-leak; 2 error.",
	};
	struct snapshot_diff d = {};
	struct profile prof = {};
	bool cut_tail = false;
	size_t top;
	const struct snapshot *a, *b;
	struct session s = {};
	FILE *out = NULL;
	const char *path;
	int rc, npos, fmt, value, first;

	rc = parse_opts(&spec, argc, argv, &o, &first);
	if (rc)
		return opts__status(rc);
	fmt = o.fmt;
	value = pick_value(&o, fmt, true, &rc);
	if (value < 0)
		return rc;
	npos = argc - first;
	if (npos != 1 && npos != 3)
		return cli__error("diff: %s; usage: perfan-bpf diff SESSION_FILE "
				  "[LABEL_A LABEL_B]",
				  npos == 0   ? "no session file given"
				  : npos == 2 ? "give two labels, or none for the first and last"
					      : "too many arguments");
	path = argv[first];
	rc = render__load_keeping("diff", path, &s, &cut_tail,
				  &(struct session_rows_keep){
					  .on = true,
					  .first = npos != 3,
					  .labels = { npos == 3 ? argv[first + 1] : NULL,
						      npos == 3 ? argv[first + 2] : NULL },
				  });
	if (rc)
		goto out;
	if (npos == 3) {
		a = render__find_label("diff", &s, path, argv[first + 1], &rc);
		b = a ? render__find_label("diff", &s, path, argv[first + 2], &rc) : NULL;
		if (!b)
			goto out;
	} else if (s.snap_cnt < 2) {
		rc = cli__error("diff: %s holds one snapshot ('%s'); a diff needs two: take "
				"another with 'perfan-bpf mark LABEL --pid PID'",
				path, s.snaps[0].label);
		goto out;
	} else {
		a = &s.snaps[0];
		b = &s.snaps[s.snap_cnt - 1];
	}
	session__keep_rows_of(&s, a, b); /* the others' rows are not read */
	rc = diff__compute(&s, a, b, &(struct diff_opts){ .leak_threshold = o.leak_threshold }, &d);
	if (rc) {
		rc = cli__error("diff: out of memory comparing the snapshots");
		goto out;
	}
	/* a profile holds what it draws, in the diff's stacks' memory; the two snapshots' rows
	 * go (the diff keeps its totals and verdict) */
	if (fmt >= FMT_FOLDED) {
		profile__from_diff_taking(&prof, &d);
		session__keep_rows_of(&s, NULL, NULL);
	}
	rc = open_output(&o, fmt, &out);
	if (rc)
		goto out;
	render__warn_cut_tail(cut_tail, path, &s);
	top = o.top_set ? o.top : fmt == FMT_TEXT ? FORMATS_TEXT_TOP : 0;
	if (fmt == FMT_TEXT || fmt == FMT_JSON)
		rc = diff_report__formatter(
			format_names[fmt])(&d, &(struct diff_format_opts){ .top = top }, out);
	else
		rc = formats__profile(fmt, &prof, value, out);
	rc = close_output(&o, out, rc);
	if (!rc && o.fail_on_leak && d.leak_suspected)
		rc = EXIT_LEAK;
out:
	profile__free(&prof);
	diff__free(&d);
	session__free(&s);
	return rc;
}

int cmd__trend(int argc, char **argv)
{
	struct session_opts o = { .cmd = "trend" };
	/* one row per option, laid out by hand */
	/* clang-format off */
	const struct opt rows[] = {
		{ .name = "format", .letter = 'f', .kind = OPT_CHOICE, .arg = "FMT",
		  .help = "text (default) or json", .dest = &o.fmt, .choices = trend_format_names },
		{ .name = "fail-on-leak", .kind = OPT_FLAG,
		  .help = "exit 1 when a stack is classified as a leak", .dest = &o.fail_on_leak },
		{},
	};
	/* clang-format on */
	const struct cmd_spec spec = {
		.name = "trend",
		.usage = "SESSION_FILE [--format text|json] [--fail-on-leak]",
		.about = "Classifies each stack's live bytes over all snapshots (at least 3) of\n"
			 "the session: leak (steady growth), plateau (grew then held: a cache or\n"
			 "pool), transient (rose and came back), shrinking, irregular or flat.\n"
			 "docs/snapshots.md states the rules.",
		.opts = rows,
		.footer = "Exit status: 0 done; 1 leak with --fail-on-leak; 2 error.",
	};
	struct session_trend t = {};
	bool cut_tail = false;
	FILE *out;
	struct session s = {};
	trend_formatter fmt;
	const char *path;
	int rc, first;

	rc = parse_opts(&spec, argc, argv, &o, &first);
	if (rc)
		return opts__status(rc);
	fmt = trend_report__formatter(trend_format_names[o.fmt]);
	if (argc - first != 1)
		return cli__error("trend: %s; usage: perfan-bpf trend SESSION_FILE",
				  argc == first ? "no session file given" : "too many arguments");
	path = argv[first];
	rc = render__load("trend", path, &s, &cut_tail);
	if (rc)
		goto out;
	if (s.snap_cnt < TREND_MIN_SNAPSHOTS) {
		rc = cli__error("trend: %s holds %zu snapshot%s; a trend needs at least %d (use "
				"'perfan-bpf diff' for two)",
				path, s.snap_cnt, s.snap_cnt == 1 ? "" : "s", TREND_MIN_SNAPSHOTS);
		goto out;
	}
	rc = trend__compute_dropping(&s, &t);
	if (rc) {
		rc = cli__error("trend: out of memory computing the trends");
		goto out;
	}
	out = stdout;
	render__warn_cut_tail(cut_tail, path, &s);
	rc = close_output(&o, out, fmt(&t, out));
	if (!rc && o.fail_on_leak && t.class_cnt[TREND_LEAK])
		rc = EXIT_LEAK;
out:
	trend__free(&t);
	session__free(&s);
	return rc;
}

int cmd__report(int argc, char **argv)
{
	struct session_opts o = { .cmd = "report", .leak_threshold = DIFF_DEFAULT_LEAK_THRESHOLD };
	/* one row per option, laid out by hand */
	/* clang-format off */
	const struct opt rows[] = {
		{ .name = "label", .letter = 'l', .kind = OPT_TEXT, .arg = "LABEL",
		  .help = "the snapshot (the last one with that label)", .dest = &o.label },
		{ .name = "format", .letter = 'f', .kind = OPT_CHOICE, .arg = "FMT",
		  .help = "text (default), json, folded (flamegraph.pl input), pprof\n"
			  "(gzip profile.proto), svg (a flame graph) or html (the\n"
			  "whole session on one page: heap over time, trends, stacks)",
		  .dest = &o.fmt, .choices = format_names },
		{ .name = "value", .kind = OPT_TEXT, .arg = "V",
		  .help = "folded and svg: live_bytes (default), live_objects,\n"
			  "alloc_bytes or alloc_objects",
		  .dest = &o.value },
		ROW_OUTPUT(&o),
		ROW_FORCE(&o),
		ROW_TOP(&o, "stacks to print: default 10 in text, all in json, 20 in\n"
			    "html; 0 = all"),
		{},
	};
	/* clang-format on */
	const struct cmd_spec spec = {
		.name = "report",
		.usage = "SESSION_FILE [--label LABEL] [--top N] [--value V]\n"
			 "[--format text|json|folded|pprof|svg|html]\n"
			 "[--output FILE [--force]]",
		.about = "The stacks holding live memory in one snapshot of the session\n"
			 "(default: the last), as the leak report prints them, or as a profile\n"
			 "or a picture (docs/formats.md).",
		.opts = rows,
		.footer = "Exit status: 0 done; 2 error.",
	};
	bool cut_tail = false;
	const struct snapshot *snap;
	struct session s = {};
	FILE *out = NULL;
	const char *path;
	int rc, value, first;

	rc = parse_opts(&spec, argc, argv, &o, &first);
	if (rc)
		return opts__status(rc);
	value = pick_value(&o, o.fmt, false, &rc);
	if (value < 0)
		return rc;
	if (argc - first != 1)
		return cli__error("report: %s; usage: perfan-bpf report SESSION_FILE [--label L]",
				  argc == first ? "no session file given" : "too many arguments");
	path = argv[first];
	/* html draws every snapshot (its trend, its diff); the others one */
	rc = render__load_keeping("report", path, &s, &cut_tail,
				  &(struct session_rows_keep){ .on = o.fmt != FMT_HTML,
							       .labels = { o.label } });
	if (rc)
		goto out;
	snap = o.label ? render__find_label("report", &s, path, o.label, &rc)
		       : &s.snaps[s.snap_cnt - 1];
	if (!snap)
		goto out;
	/* a leak report reads its snapshot alone (html: every one, for its trend and diff) */
	if (s.kind != SESSION_KIND_GROWTH && o.fmt != FMT_HTML)
		session__keep_rows_of(&s, snap, NULL);
	rc = open_output(&o, o.fmt, &out);
	if (rc)
		goto out;
	render__warn_cut_tail(cut_tail, path, &s);
	/* the one render path: snapshot -> report model -> formatter (formats.h) */
	rc = close_output(&o, out,
			  formats__report(&s, snap,
					  &(struct formats_report_opts){
						  .format = o.fmt,
						  .value = value,
						  .top = o.top,
						  .top_set = o.top_set,
						  .leak_threshold = o.leak_threshold,
						  .source = path,
					  },
					  out));
out:
	session__free(&s);
	return rc;
}
