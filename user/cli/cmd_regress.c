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

static const char *const metric_names[] = { "real_time", "cpu_time", NULL };

static int metric__parse(const char *cmd, const struct opt *opt, const char *value)
{
	(void)cmd;
	return results_metric__parse(value, opt->dest) ? -EINVAL : 0;
}

/* --warn, --fail: "10%" or a fraction "0.10", > 0. A bare 10 is refused: it would be 1000%. */
static int share__parse(const char *cmd, const struct opt *opt, const char *value)
{
	size_t len = strlen(value);
	bool pct = len && value[len - 1] == '%';
	char num[32];
	double d;

	if (!len || len >= sizeof(num))
		return -EINVAL;
	memcpy(num, value, len + 1);
	if (pct)
		num[len - 1] = '\0';
	if (cli__parse_decimal(num, &d) || !(d > 0) || (pct && d > 1e6))
		return -EINVAL;
	if (!pct && d >= 1)
		return cli__error("%s: --%s %s reads as a fraction, %g%%; write %s%% for %s percent",
				  cmd, opt->name, value, d * 100, value, value);
	*(double *)opt->dest = pct ? d / 100 : d;
	return 0;
}

/* --against FILE, which may be repeated: several files are several runs */
#define AGAINST_MAX 64
struct path_list {
	const char *paths[AGAINST_MAX];
	int cnt;
};

static int path_list__parse(const char *cmd, const struct opt *opt, const char *value)
{
	struct path_list *l = opt->dest;

	if (!*value)
		return -EINVAL;
	if (l->cnt == AGAINST_MAX)
		return cli__error("%s: more than %d --%s files; merge runs with 'perfan-bpf baseline "
				  "save' first",
				  cmd, AGAINST_MAX, opt->name);
	l->paths[l->cnt++] = value;
	return 0;
}

/* How the results files are read: --metric, --higher-is-better */
struct read_spec {
	struct results_read_opts read;
	const regex_t *higher_is_better; /* NULL: as the files say */
};

/* A POSIX extended regex of option name into re; one line and 2 when it does not compile. */
static int compile_regex(const char *cmd, const char *name, const char *pattern, regex_t *re)
{
	int err = regcomp(re, pattern, REG_EXTENDED | REG_NOSUB);
	char msg[128];

	if (!err)
		return 0;
	regerror(err, re, msg, sizeof(msg));
	return cli__error("%s: bad --%s '%s': %s; pass a POSIX extended regular expression", cmd,
			  name, pattern, msg);
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

static int read_runs(char *const *paths, int cnt, const struct read_spec *rs,
		     struct regress_run *runs, struct regress_run *merged)
{
	struct errtext why = {};
	int i, err;

	for (i = 0; i < cnt; i++) {
		err = results__read_file_opts(paths[i], &rs->read, &runs[i], &why);
		if (err == -ENOMEM)
			return cli__error("out of memory reading %s", paths[i]);
		if (err == -EINVAL)
			return cli__error("cannot use results: %s%s", why.msg,
					  hint(why.msg,
					       "; pass perfan-bpf, pytest-benchmark, Google "
					       "Benchmark or hyperfine JSON (docs/results-format.md)"));
		if (err)
			return cli__error("cannot use results: %s; check the path", why.msg);
		regress_run__set_higher_is_better(&runs[i], rs->higher_is_better);
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

/* True when path reads as a results file */
static bool is_results(const char *path)
{
	struct regress_run run;
	bool ok = !results__read_file(path, &run, NULL);

	regress_run__free(&run);
	return ok;
}

/* check --against OLD.json...: the old results become the baselines in memory, as `baseline
 * save` would write them (default thresholds; --warn and --fail apply as to a file). 0, or
 * the error exit status after one line. */
static int baselines_from_results(const struct path_list *against, const struct read_spec *rs,
				  bool allow_exit_codes, struct regress_baseline_set *set)
{
	struct regress_run *runs = calloc(against->cnt, sizeof(*runs)), merged = {};
	struct errtext why = {};
	int ret = EXIT_ERROR, err;

	if (!runs)
		return cli__error("out of memory");
	if (read_runs((char *const *)against->paths, against->cnt, rs, runs, &merged))
		goto cleanup;
	/* old runs that failed are no level to compare with */
	if (!allow_exit_codes && regress_run__refuse_failed(&merged, &why)) {
		ret = cli__error("check: cannot compare against %s: %s; fix the command, or pass "
				 "--allow-exit-codes if that is expected",
				 against->paths[0], why.msg);
		goto cleanup;
	}
	err = regress_baseline_set__update(set, &merged, NULL, 1, &why);
	if (err) {
		ret = err == -ENOMEM ? cli__error("out of memory")
				     : cli__error("check: %s", why.msg);
		goto cleanup;
	}
	ret = 0;
cleanup:
	regress_run__free(&merged);
	free_runs(runs, against->cnt);
	return ret;
}

int cmd__check(int argc, char **argv)
{
	enum regress_format fmt = REGRESS_FORMAT_TEXT;
	struct regress_baseline_set set = {};
	struct regress_run *runs = NULL, merged = {};
	struct regress_check chk = {};
	struct regress_verdict one = {};
	struct regress_opts opts;
	struct read_spec rs = {};
	struct path_list against = {};
	const char *baseline = NULL, *junit = NULL, *filter = NULL, *hib = NULL, *old;
	bool force = false, have_re = false, have_hib = false;
	regex_t re, hib_re;
	/* one row per option, laid out by hand */
	/* clang-format off */
	const struct opt rows[] = {
		{ .name = "baseline", .letter = 'b', .kind = OPT_STRING, .arg = "FILE",
		  .help = "the baselines, written by 'perfan-bpf baseline save'", .dest = &baseline,
		  .wants = "a file name" },
		{ .name = "against", .kind = OPT_CUSTOM, .arg = "OLD.json",
		  .help = "instead of --baseline: compare with these results\n"
			  "directly (repeat it for several runs of the old code)",
		  .dest = &against, .parse = path_list__parse, .wants = "a file name" },
		{ .name = "fail-on", .kind = OPT_CUSTOM, .arg = "LEVEL",
		  .help = "inconclusive, warning or critical (default): the\n"
			  "verdict that makes the exit status 1, with the worse ones",
		  .dest = &opts.fail_on, .choices = fail_on_names, .parse = fail_on__parse },
		{ .name = "warn", .kind = OPT_CUSTOM, .arg = "P",
		  .help = "warning threshold for every benchmark, e.g. 10% (over\n"
			  "the baseline file's)",
		  .dest = &opts.warning_threshold, .parse = share__parse,
		  .wants = "a share like 10% or 0.10" },
		{ .name = "fail", .kind = OPT_CUSTOM, .arg = "P",
		  .help = "critical threshold for every benchmark, e.g. 20%: a\n"
			  "change this large fails at the default --fail-on",
		  .dest = &opts.critical_threshold, .parse = share__parse,
		  .wants = "a share like 20% or 0.20" },
		{ .name = "allow-exit-codes", .kind = OPT_FLAG,
		  .help = "runs that exited non-zero (hyperfine exit_codes) are\n"
			  "expected: compare their times instead of failing",
		  .dest = &opts.allow_exit_codes },
		{ .name = "mode", .kind = OPT_CUSTOM, .arg = "MODE",
		  .help = "robust (default): significance and magnitude where\n"
			  "samples or summaries allow it; simple: the threshold\n"
			  "rule only",
		  .dest = &opts.mode, .choices = mode_names, .parse = mode__parse },
		{ .name = "metric", .kind = OPT_CUSTOM, .arg = "TIME",
		  .help = "real_time (default) or cpu_time of Google Benchmark\n"
			  "results",
		  .dest = &rs.read.metric, .choices = metric_names, .parse = metric__parse },
		{ .name = "higher-is-better", .kind = OPT_STRING, .arg = "REGEX",
		  .help = "benchmarks whose name matches REGEX are better higher\n"
			  "(throughput, a counter)",
		  .dest = &hib, .wants = "a regular expression" },
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
		.usage = "(--baseline BASELINE.json | --against OLD.json...) RESULTS.json...\n"
			 "[--fail-on inconclusive|warning|critical] [--warn P] [--fail P]\n"
			 "[--mode simple|robust] [--format text|json|markdown|github]\n"
			 "[--alpha A] [--allow-exit-codes] [--junit FILE [--force]]\n"
			 "[--filter REGEX] [--metric real_time|cpu_time]\n"
			 "[--higher-is-better REGEX]",
		.about = "Compares results with their baselines, or with older results given\n"
			 "with --against. Several results files are several runs. See\n"
			 "docs/regress.md.",
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
	if (!baseline && !against.cnt)
		return cli__error("check: no --baseline given; run 'perfan-bpf check --baseline "
				  "BASELINE.json RESULTS.json...' or 'perfan-bpf check --against "
				  "OLD.json NEW.json'");
	if (baseline && against.cnt)
		return cli__error("check: --baseline and --against both given; compare with one of "
				  "them");
	old = baseline ? baseline : against.paths[0];
	nfiles = argc - first;
	if (nfiles <= 0)
		return cli__error("check: no results file given; run 'perfan-bpf check %s %s "
				  "RESULTS.json...'",
				  baseline ? "--baseline" : "--against", old);
	if (opts.warning_threshold > opts.critical_threshold)
		return cli__error("check: --warn %g%% is above --fail %g%%; the warning threshold "
				  "must not exceed the critical one",
				  opts.warning_threshold * 100, opts.critical_threshold * 100);
	/* refused before any work: the report would be lost at the end */
	err = junit ? safe_file__check(junit, force) : 0;
	if (err)
		return cli__error("check: cannot write %s: %s", junit,
				  err == -EEXIST ? SAFE_FILE_EXISTS_HINT : strerror(-err));
	if (filter) {
		if (compile_regex("check", "filter", filter, &re))
			return EXIT_ERROR;
		have_re = true;
		opts.filter = &re;
	}
	if (hib) {
		if (compile_regex("check", "higher-is-better", hib, &hib_re)) {
			ret = EXIT_ERROR;
			goto cleanup;
		}
		have_hib = true;
		rs.higher_is_better = &hib_re;
	}
	if (against.cnt) {
		ret = baselines_from_results(&against, &rs, opts.allow_exit_codes, &set);
		if (ret)
			goto cleanup;
		ret = EXIT_ERROR;
	} else {
		err = baseline__read_file(baseline, &set, &why);
		if (err == -ENOENT) {
			ret = cli__error("cannot use baseline: %s; create it with 'perfan-bpf "
					 "baseline save RESULTS.json... --output %s'",
					 why.msg, baseline);
			goto cleanup;
		}
		if (err && is_results(baseline)) { /* results where a baseline belongs */
			ret = cli__error("cannot use baseline: %s; compare results directly with "
					 "'perfan-bpf check --against %s RESULTS.json...', or save "
					 "them with 'perfan-bpf baseline save'",
					 why.msg, baseline);
			goto cleanup;
		}
		if (err) {
			ret = cli__error("cannot use baseline: %s%s", why.msg,
					 hint(why.msg, "; pass a file written by 'perfan-bpf "
						       "baseline save'"));
			goto cleanup;
		}
	}
	runs = calloc(nfiles, sizeof(*runs));
	if (!runs) {
		ret = cli__error("out of memory");
		goto cleanup;
	}
	if (read_runs(argv + first, nfiles, &rs, runs, &merged))
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
			ret = cli__error("check: %s in %s; %s", why.msg, old,
					 err != -ENOENT ? "save a new baseline for it"
					 : baseline	? "add it with 'perfan-bpf baseline save'"
							: "compare results of the same benchmarks");
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
		ret = cli__error("check: none of the %zu benchmarks has a baseline in %s; %s",
				 merged.result_cnt, old,
				 baseline ? "save them with 'perfan-bpf baseline save'"
					  : "compare results of the same benchmarks");
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
	if (have_hib)
		regfree(&hib_re);
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
	const char *output = NULL, *label = NULL, *hib = NULL;
	struct read_spec rs = {};
	struct errtext why = {};
	bool force = false, allow_exit_codes = false, have_hib = false;
	regex_t hib_re;
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
		{ .name = "allow-exit-codes", .kind = OPT_FLAG,
		  .help = "save results whose runs exited non-zero (hyperfine\n"
			  "exit_codes); refused without it",
		  .dest = &allow_exit_codes },
		{ .name = "metric", .kind = OPT_CUSTOM, .arg = "TIME",
		  .help = "real_time (default) or cpu_time of Google Benchmark\n"
			  "results",
		  .dest = &rs.read.metric, .choices = metric_names, .parse = metric__parse },
		{ .name = "higher-is-better", .kind = OPT_STRING, .arg = "REGEX",
		  .help = "benchmarks whose name matches REGEX are better higher\n"
			  "(throughput, a counter)",
		  .dest = &hib, .wants = "a regular expression" },
		{},
	};
	/* clang-format on */
	const struct cmd_spec spec = {
		.name = "baseline save",
		.usage = "RESULTS.json... --output BASELINE.json [--label TEXT]\n"
			 "[--history N] [--force] [--allow-exit-codes]\n"
			 "[--metric real_time|cpu_time] [--higher-is-better REGEX]",
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
	if (hib) {
		if (compile_regex("baseline save", "higher-is-better", hib, &hib_re))
			goto cleanup;
		have_hib = true;
		rs.higher_is_better = &hib_re;
	}
	runs = calloc(nfiles, sizeof(*runs));
	if (!runs) {
		ret = cli__error("out of memory");
		goto cleanup;
	}
	if (read_runs(argv + first, nfiles, &rs, runs, &merged))
		goto cleanup;
	/* times of runs that failed are no level to keep (issue 14) */
	if (!allow_exit_codes && regress_run__refuse_failed(&merged, &why)) {
		ret = cli__error("baseline save: %s; fix the command, or pass --allow-exit-codes if "
				 "that is expected",
				 why.msg);
		goto cleanup;
	}
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
	if (have_hib)
		regfree(&hib_re);
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
