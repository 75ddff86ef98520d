// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The `check`, `baseline save` and `history` subcommands: parse options, read the files, run
 * the detector (regress.c), print the report (regress_report.c) and turn the outcome into the
 * exit status: 0 no regression at the --fail-on level, 1 regression, 2 error. */
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli_util.h"
#include "cli/cmd_regress.h"
#include "cli/options.h"
#include "lib/safe_file.h"
#include "lib/sanitize.h"
#include "regress/regress.h"
#include "regress/regress_report.h"
#include "regress/results_io.h"

#define EXIT_REGRESSION 1
#define EXIT_ERROR 2

/* The choices of the enumerated options, for their error; the regress parsers decide */
static const char *const fail_on_names[] = { "inconclusive", "warning", "critical", NULL };
static const char *const mode_names[] = { "simple", "robust", NULL };
static const char *const format_names[] = { "text", "json", "markdown", NULL };
static const char *const check_format_names[] = { "text", "json", "markdown", "github", NULL };

static int fail_on__parse(const char *cmd, const struct opt *opt, const char *value)
{
	(void)cmd;
	return regress_severity__parse(value, opt->dest) ? -EINVAL : 0;
}

static int mode__parse(const char *cmd, const struct opt *opt, const char *value)
{
	(void)cmd;
	return regress_mode__parse(value, opt->dest) ? -EINVAL : 0;
}

static int format__parse(const char *cmd, const struct opt *opt, const char *value)
{
	(void)cmd;
	return regress_format__parse(value, opt->dest) ? -EINVAL : 0;
}

#define ROW_FORMAT(fmt)                                                                            \
	{                                                                                          \
		.name = "format", .letter = 'f', .kind = OPT_CUSTOM, .arg = "FMT",                 \
		.help = "text (default), json or markdown (for a pull-request\n"                   \
			"comment)",                                                                \
		.dest = (fmt), .choices = format_names, .parse = format__parse                     \
	}

/* One line on stderr: what failed and what to do. Returns the error exit status. */
/* A reader's message that already says what to do ("...; upgrade perfan-bpf") gets no
 * second hint. */
static const char *hint(const char *msg, const char *dflt)
{
	return strstr(msg, "; ") ? "" : dflt;
}

static int read_runs(char **paths, int cnt, struct regress_run *runs, struct regress_run *merged)
{
	struct errtext why = {};
	int i, err;

	for (i = 0; i < cnt; i++) {
		err = results__read_file(paths[i], &runs[i], &why);
		if (err == -ENOMEM)
			return cli__error("out of memory reading %s", paths[i]);
		if (err == -EINVAL)
			return cli__error("cannot use results: %s%s", why.msg,
					  hint(why.msg,
					       "; pass perfan-bpf, pytest-benchmark, Google "
					       "Benchmark or hyperfine JSON (docs/results-format.md)"));
		if (err)
			return cli__error("cannot use results: %s; check the path", why.msg);
	}
	err = regress__merge_runs(runs, cnt, merged, &why);
	if (err == -ENOMEM)
		return cli__error("out of memory merging results");
	if (err)
		return cli__error("cannot merge results: %s; check each file's unit and "
				  "higher_is_better",
				  why.msg);
	return 0;
}

static void free_runs(struct regress_run *runs, int cnt)
{
	int i;

	for (i = 0; runs && i < cnt; i++)
		regress_run__free(&runs[i]);
	free(runs);
}

/* One line on stderr per benchmark whose runs failed (its verdict is ERROR): the report went to
 * stdout, which a CI job may keep as a file nobody reads. */
static void report_failed_runs(const struct regress_check *chk)
{
	char why[160], name[128];
	size_t i;

	for (i = 0; i < chk->verdict_cnt; i++) {
		const struct regress_verdict *v = &chk->verdicts[i];

		if (v->severity != REGRESS_ERROR)
			continue;
		snprintf(name, sizeof(name), "%s", v->name);
		sanitize__controls(name); /* a command's newline would break the one line */
		cli__error("check: benchmark \"%s\" failed: %s; fix the command, or pass "
			   "--allow-exit-codes if that is expected",
			   name, regress_report__reason(v, why, sizeof(why)));
	}
}

/* The JUnit XML of a check in a new 0600 file; the error is printed. 0 or -errno. */
static int write_junit(const char *path, bool force, const struct regress_check *chk)
{
	FILE *f = safe_file__fopen(path, force);
	int err;

	if (!f) {
		err = -errno;
		cli__error("check: cannot write %s: %s", path,
			   err == -EEXIST ? SAFE_FILE_EXISTS_HINT : strerror(-err));
		return err;
	}
	err = regress_report__write_junit(chk, f);
	if (fclose(f) && !err)
		err = -errno;
	if (err)
		cli__error("check: cannot write %s: %s; check the disk", path, strerror(-err));
	return err;
}

int cmd__check(int argc, char **argv)
{
	enum regress_format fmt = REGRESS_FORMAT_TEXT;
	struct regress_baseline_set set = {};
	struct regress_run *runs = NULL, merged = {};
	struct regress_check chk = {};
	struct regress_verdict one = {};
	struct regress_opts opts;
	const char *baseline = NULL, *junit = NULL, *filter = NULL;
	bool force = false, have_re = false;
	regex_t re;
	/* one row per option, laid out by hand */
	/* clang-format off */
	const struct opt rows[] = {
		{ .name = "baseline", .letter = 'b', .kind = OPT_STRING, .arg = "FILE",
		  .help = "the baselines, written by 'perfan-bpf baseline save'", .dest = &baseline,
		  .wants = "a file name" },
		{ .name = "fail-on", .kind = OPT_CUSTOM, .arg = "LEVEL",
		  .help = "inconclusive, warning or critical (default): the\n"
			  "verdict that makes the exit status 1, with the worse ones",
		  .dest = &opts.fail_on, .choices = fail_on_names, .parse = fail_on__parse },
		{ .name = "allow-exit-codes", .kind = OPT_FLAG,
		  .help = "runs that exited non-zero (hyperfine exit_codes) are\n"
			  "expected: compare their times instead of failing",
		  .dest = &opts.allow_exit_codes },
		{ .name = "mode", .kind = OPT_CUSTOM, .arg = "MODE",
		  .help = "robust (default): significance and magnitude where\n"
			  "samples or summaries allow it; simple: the threshold\n"
			  "rule only",
		  .dest = &opts.mode, .choices = mode_names, .parse = mode__parse },
		{ .name = "format", .letter = 'f', .kind = OPT_CUSTOM, .arg = "FMT",
		  .help = "text (default), json, markdown (for a pull-request\n"
			  "comment) or github (workflow commands: annotations)",
		  .dest = &fmt, .choices = check_format_names, .parse = format__parse },
		{ .name = "junit", .kind = OPT_STRING, .arg = "FILE",
		  .help = "also write the verdicts as JUnit XML to FILE (a new\n"
			  "0600 file)",
		  .dest = &junit, .wants = "a file name" },
		{ .name = "force", .kind = OPT_FLAG,
		  .help = "replace an existing --junit FILE",
		  .dest = &force },
		{ .name = "filter", .kind = OPT_STRING, .arg = "REGEX",
		  .help = "check only the benchmarks whose name matches REGEX\n"
			  "(POSIX extended); the others are listed as not selected",
		  .dest = &filter, .wants = "a regular expression" },
		{ .name = "alpha", .kind = OPT_DECIMAL, .arg = "A",
		  .help = "significance level of the robust rule (default 0.01)",
		  .dest = &opts.alpha, .gt = 0, .lt = 0.5 },
		{},
	};
	/* clang-format on */
	const struct cmd_spec spec = {
		.name = "check",
		.usage = "--baseline BASELINE.json RESULTS.json...\n"
			 "[--fail-on inconclusive|warning|critical] [--mode simple|robust]\n"
			 "[--format text|json|markdown|github] [--alpha A] [--allow-exit-codes]\n"
			 "[--junit FILE [--force]] [--filter REGEX]",
		.about = "Compares results with their baselines. Several results files are\n"
			 "several runs. See docs/regress.md.",
		.opts = rows,
		.footer = "Exit status: 0 no regression at the --fail-on level (default\n"
			  "critical); 1 regression, or a benchmark whose runs exited\n"
			  "non-zero; 2 error.",
	};
	struct errtext why = {};
	int nfiles = 0, ret = EXIT_ERROR, err, first;

	regress_opts__init(&opts);
	err = opts__parse(&spec, argc, argv, &first);
	if (err)
		return opts__status(err);
	if (!baseline)
		return cli__error("check: no --baseline given; run 'perfan-bpf check --baseline "
				  "BASELINE.json RESULTS.json...'");
	nfiles = argc - first;
	if (nfiles <= 0)
		return cli__error("check: no results file given; run 'perfan-bpf check --baseline %s "
				  "RESULTS.json...'",
				  baseline);
	/* refused before any work: the report would be lost at the end */
	err = junit ? safe_file__check(junit, force) : 0;
	if (err)
		return cli__error("check: cannot write %s: %s", junit,
				  err == -EEXIST ? SAFE_FILE_EXISTS_HINT : strerror(-err));
	if (filter) {
		err = regcomp(&re, filter, REG_EXTENDED | REG_NOSUB);
		if (err) {
			char msg[128];

			regerror(err, &re, msg, sizeof(msg));
			return cli__error("check: bad --filter '%s': %s; pass a POSIX extended "
					  "regular expression",
					  filter, msg);
		}
		have_re = true;
		opts.filter = &re;
	}
	err = baseline__read_file(baseline, &set, &why);
	if (err == -ENOENT) {
		ret = cli__error("cannot use baseline: %s; create it with 'perfan-bpf baseline save "
				 "RESULTS.json... --output %s'",
				 why.msg, baseline);
		goto cleanup;
	}
	if (err) {
		ret = cli__error("cannot use baseline: %s%s", why.msg,
				 hint(why.msg,
				      "; pass a file written by 'perfan-bpf baseline save'"));
		goto cleanup;
	}
	runs = calloc(nfiles, sizeof(*runs));
	if (!runs) {
		ret = cli__error("out of memory");
		goto cleanup;
	}
	if (read_runs(argv + first, nfiles, runs, &merged))
		goto cleanup;
	/* a single benchmark is a single check: a missing baseline is an error, not a skip */
	if (merged.result_cnt == 1 && regress_opts__selects(&opts, merged.results[0].name)) {
		err = regress__check_one(&merged.results[0], &set, &opts, &one, &why);
		regress_verdict__free(&one);
		if (err == -ENOMEM) {
			ret = cli__error("out of memory checking results");
			goto cleanup;
		}
		if (err) {
			ret = cli__error("check: %s in %s; %s", why.msg, baseline,
					 err == -ENOENT ? "add it with 'perfan-bpf baseline save'"
							: "save a new baseline for it");
			goto cleanup;
		}
	}
	err = regress__check_all(merged.results, merged.result_cnt, &set, &opts, &chk, &why);
	if (err) {
		ret = err == -ENOMEM ? cli__error("out of memory checking results")
				     : cli__error("check: %s; save a new baseline for it", why.msg);
		goto cleanup;
	}
	if (!chk.verdict_cnt && chk.filtered_cnt == merged.result_cnt) {
		ret = cli__error("check: --filter '%s' matches none of the %zu benchmarks; check "
				 "the pattern",
				 filter, merged.result_cnt);
		goto cleanup;
	}
	if (!chk.verdict_cnt) {
		ret = cli__error("check: none of the %zu benchmarks has a baseline in %s; save them "
				 "with 'perfan-bpf baseline save'",
				 merged.result_cnt, baseline);
		goto cleanup;
	}
	if (regress_report__write(&chk, fmt, stdout) || fflush(stdout)) {
		ret = cli__error("check: cannot write the report to standard output");
		goto cleanup;
	}
	report_failed_runs(&chk);
	if (junit && write_junit(junit, force, &chk)) {
		ret = EXIT_ERROR;
		goto cleanup;
	}
	ret = chk.failed ? EXIT_REGRESSION : 0;
cleanup:
	if (have_re)
		regfree(&re);
	regress_check__free(&chk);
	regress_run__free(&merged);
	free_runs(runs, nfiles);
	regress_baseline_set__free(&set);
	return ret;
}

int cmd__baseline(int argc, char **argv)
{
	struct regress_baseline_set set = {};
	struct regress_run *runs = NULL, merged = {};
	const char *output = NULL, *label = NULL;
	struct errtext why = {};
	bool force = false;
	struct stat st;
	uint64_t history_max = REGRESS_HISTORY_MAX_DEFAULT;
	/* one row per option, laid out by hand */
	/* clang-format off */
	const struct opt rows[] = {
		{ .name = "output", .letter = 'o', .kind = OPT_STRING, .arg = "FILE",
		  .help = "the baselines file: created, or updated when it exists", .dest = &output,
		  .wants = "a file name" },
		/* even empty: --label "$GIT_COMMIT" with the variable unset is no error */
		{ .name = "label", .letter = 'l', .kind = OPT_TEXT, .arg = "TEXT",
		  .help = "this run's label in each benchmark's history (a\n"
			  "version, a commit)",
		  .dest = &label },
		{ .name = "history", .kind = OPT_U64, .arg = "N",
		  .help = "runs kept in each benchmark's history, the newest\n"
			  "(default 100, at most 1000)",
		  .dest = &history_max, .min = 1, .max = REGRESS_HISTORY_MAX_LIMIT,
		  .wants = "a number of runs" },
		{ .name = "force", .kind = OPT_FLAG,
		  .help = "replace --output FILE (its history too) instead of\n"
			  "updating it",
		  .dest = &force },
		{},
	};
	/* clang-format on */
	const struct cmd_spec spec = {
		.name = "baseline save",
		.usage = "RESULTS.json... --output BASELINE.json [--label TEXT]\n"
			 "[--history N] [--force]",
		.about = "Saves the results (several files = several runs) as baselines in\n"
			 "BASELINE.json, updating it when it exists and appending to each\n"
			 "benchmark's history (newest N kept, default 100). An existing\n"
			 "BASELINE.json is updated only when it is a regular file of the user\n"
			 "running perfan-bpf; anything else (a symlink, another user's file) is\n"
			 "replaced only with --force.",
		.opts = rows,
		.footer = "Exit status: 0 saved; 2 error.",
	};
	int nfiles = 0, ret = EXIT_ERROR, err, first;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		opts__print_help(&spec, stdout);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "save"))
		return cli__error("baseline: unknown action '%s'; run 'perfan-bpf baseline save "
				  "RESULTS.json... --output BASELINE.json'",
				  argc < 2 ? "" : argv[1]);
	argc--;
	argv++; /* "save" plays the command's name for getopt */
	err = opts__parse(&spec, argc, argv, &first);
	if (err)
		return opts__status(err);
	if (!output)
		return cli__error("baseline save: no --output given; run 'perfan-bpf baseline save "
				  "RESULTS.json... --output BASELINE.json'");
	nfiles = argc - first;
	if (nfiles <= 0)
		return cli__error("baseline save: no results file given; run 'perfan-bpf baseline "
				  "save RESULTS.json... --output %s'",
				  output);
	/* an existing baseline is updated (history kept) when it is our own regular file: never
	 * through a symlink, never another user's file (docs/security.md) */
	if (!force && !lstat(output, &st) && (!S_ISREG(st.st_mode) || st.st_uid != geteuid()))
		return cli__error("baseline save: cannot update %s: it is %s; " SAFE_FILE_EXISTS_HINT,
				  output,
				  S_ISLNK(st.st_mode)	 ? "a symlink"
				  : !S_ISREG(st.st_mode) ? "not a regular file"
							 : "another user's file");
	/* an unreadable baseline is never replaced */
	err = force ? -ENOENT : baseline__read_file(output, &set, &why);
	if (err && err != -ENOENT) {
		ret = cli__error("baseline save: cannot update %s: %s; fix or remove it, or pick "
				 "another --output",
				 output, why.msg);
		goto cleanup;
	}
	runs = calloc(nfiles, sizeof(*runs));
	if (!runs) {
		ret = cli__error("out of memory");
		goto cleanup;
	}
	if (read_runs(argv + first, nfiles, runs, &merged))
		goto cleanup;
	err = regress_baseline_set__update(&set, &merged, label, history_max, &why);
	if (err) {
		ret = err == -ENOMEM ? cli__error("out of memory updating the baseline")
				     : cli__error("baseline save: %s", why.msg);
		goto cleanup;
	}
	/* the update replaces the old file by a new one (a new 0600 file, renamed over it) */
	err = baseline__write_file(output, true, &set, &why);
	if (err) {
		ret = cli__error("baseline save: %s; check the directory exists and is writable",
				 why.msg);
		goto cleanup;
	}
	printf("saved %zu benchmark%s from %d run%s to %s\n", merged.result_cnt,
	       merged.result_cnt == 1 ? "" : "s", nfiles, nfiles == 1 ? "" : "s", output);
	ret = 0;
cleanup:
	regress_run__free(&merged);
	free_runs(runs, nfiles);
	regress_baseline_set__free(&set);
	return ret;
}

int cmd__history(int argc, char **argv)
{
	enum regress_format fmt = REGRESS_FORMAT_TEXT;
	/* one row per option, laid out by hand */
	/* clang-format off */
	const struct opt rows[] = {
		ROW_FORMAT(&fmt),
		{},
	};
	/* clang-format on */
	const struct cmd_spec spec = {
		.name = "history",
		.usage = "BASELINE.json [--format text|json|markdown]",
		.about = "Reports the runs where each benchmark's level moved (E-divisive means\n"
			 "change points).",
		.opts = rows,
		.footer = "Exit status: 0 done; 2 error.",
	};
	struct regress_baseline_set set = {};
	struct regress_history_report rep = {};
	struct errtext why = {};
	const char *path;
	int ret = EXIT_ERROR, err, first;

	err = opts__parse(&spec, argc, argv, &first);
	if (err)
		return opts__status(err);
	if (argc - first != 1)
		return cli__error("history: expected one baseline file; run 'perfan-bpf history "
				  "BASELINE.json'");
	if (fmt == REGRESS_FORMAT_GITHUB)
		return cli__error("history: --format github is for check only; use text, json or "
				  "markdown");
	path = argv[first];
	err = baseline__read_file(path, &set, &why);
	if (err) {
		ret = cli__error("cannot use baseline: %s%s", why.msg,
				 hint(why.msg,
				      "; pass a file written by 'perfan-bpf baseline save'"));
		goto cleanup;
	}
	err = regress__history_analyze(&set, &rep);
	if (err) {
		ret = cli__error("history: cannot analyze %s: %s", path, strerror(-err));
		goto cleanup;
	}
	if (regress_report__write_history(&rep, path, fmt, stdout) || fflush(stdout)) {
		ret = cli__error("history: cannot write the report to standard output");
		goto cleanup;
	}
	ret = 0;
cleanup:
	regress_history_report__free(&rep);
	regress_baseline_set__free(&set);
	return ret;
}
