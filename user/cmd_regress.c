// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The `check`, `baseline save` and `history` subcommands: parse options, read the files, run
 * the detector (regress.c), print the report (regress_report.c) and turn the outcome into the
 * exit status: 0 no regression at the --fail-on level, 1 regression, 2 error. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_util.h"
#include "cmd_regress.h"
#include "regress.h"
#include "regress_report.h"
#include "results_io.h"
#include "safe_file.h"

#define EXIT_REGRESSION 1
#define EXIT_ERROR 2

static const char check_usage[] =
	"usage: perfan-bpf check --baseline BASELINE.json RESULTS.json...\n"
	"                        [--fail-on warning|critical] [--mode simple|robust]\n"
	"                        [--format text|json|markdown] [--alpha A]\n"
	"Compares results with their baselines. Exit 0: no regression at the --fail-on level\n"
	"(default critical); 1: regression; 2: error. Several results files are several runs.\n"
	"See docs/regress.md.\n";
static const char baseline_usage[] =
	"usage: perfan-bpf baseline save RESULTS.json... --output BASELINE.json [--label TEXT]\n"
	"                               [--history N] [--force]\n"
	"Saves the results (several files = several runs) as baselines in BASELINE.json, updating\n"
	"it when it exists and appending to each benchmark's history (newest N kept, default 100).\n"
	"An existing BASELINE.json is updated only when it is a regular file of the user running\n"
	"perfan-bpf; anything else (a symlink, another user's file) is replaced only with --force.\n";
static const char history_usage[] =
	"usage: perfan-bpf history BASELINE.json [--format text|json|markdown]\n"
	"Reports the runs where each benchmark's level moved (E-divisive means change points).\n";

/* One line on stderr: what failed and what to do. Returns the error exit status. */
/* A reader's message that already says what to do ("...; upgrade perfan-bpf") gets no
 * second hint. */
static const char *hint(const char *msg, const char *dflt)
{
	return strstr(msg, "; ") ? "" : dflt;
}

static int read_runs(char **paths, int cnt, struct regress_run *runs, struct regress_run *merged)
{
	char errbuf[RESULTS_ERRLEN];
	int i, err;

	for (i = 0; i < cnt; i++) {
		err = results_read_file(paths[i], &runs[i], errbuf);
		if (err == -ENOMEM)
			return usage_error("out of memory reading %s", paths[i]);
		if (err == -EINVAL)
			return usage_error(
			    "cannot use results: %s%s", errbuf,
			    hint(errbuf, "; pass perfan-bpf, pytest-benchmark, Google "
					 "Benchmark or hyperfine JSON (docs/results-format.md)"));
		if (err)
			return usage_error("cannot use results: %s; check the path", errbuf);
	}
	err = regress_merge_runs(runs, cnt, merged, errbuf);
	if (err == -ENOMEM)
		return usage_error("out of memory merging results");
	if (err)
		return usage_error("cannot merge results: %s; check each file's unit and "
				 "higher_is_better",
				 errbuf);
	return 0;
}

static void free_runs(struct regress_run *runs, int cnt)
{
	int i;

	for (i = 0; runs && i < cnt; i++)
		regress_run_free(&runs[i]);
	free(runs);
}

int cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "baseline", required_argument, NULL, 'b' },
		{ "fail-on", required_argument, NULL, 'F' },
		{ "mode", required_argument, NULL, 'm' },
		{ "format", required_argument, NULL, 'f' },
		{ "alpha", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum regress_format fmt = REGRESS_FORMAT_TEXT;
	struct regress_baseline_set set = {};
	struct regress_run *runs = NULL, merged = {};
	struct regress_check chk = {};
	struct regress_verdict one = {};
	struct regress_opts opts;
	const char *baseline = NULL;
	char errbuf[RESULTS_ERRLEN];
	int c, nfiles = 0, ret = EXIT_ERROR, err;

	regress_opts_init(&opts);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":b:f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			baseline = optarg;
			break;
		case 'F':
			if (regress_severity_parse(optarg, &opts.fail_on))
				return usage_error("check: --fail-on '%s' is not warning or critical",
						 optarg);
			break;
		case 'm':
			if (regress_mode_parse(optarg, &opts.mode))
				return usage_error("check: --mode '%s' is not simple or robust",
						 optarg);
			break;
		case 'f':
			if (regress_format_parse(optarg, &fmt))
				return usage_error(
				    "check: --format '%s' is not text, json or markdown", optarg);
			break;
		case 'a':
			if (parse_decimal(optarg, &opts.alpha) ||
			    !(opts.alpha > 0 && opts.alpha < 0.5))
				return usage_error("check: --alpha '%s' is not a number in (0, 0.5)",
						 optarg);
			break;
		case 'h':
			fputs(check_usage, stdout);
			return 0;
		default:
			return option_error("check", c, argv);
		}
	}
	if (!baseline)
		return usage_error("check: no --baseline given; run 'perfan-bpf check --baseline "
				 "BASELINE.json RESULTS.json...'");
	nfiles = argc - optind;
	if (nfiles <= 0)
		return usage_error(
		    "check: no results file given; run 'perfan-bpf check --baseline %s "
		    "RESULTS.json...'",
		    baseline);
	err = baseline_read_file(baseline, &set, errbuf);
	if (err == -ENOENT) {
		ret = usage_error("cannot use baseline: %s; create it with 'perfan-bpf baseline save "
				"RESULTS.json... --output %s'",
				errbuf, baseline);
		goto cleanup;
	}
	if (err) {
		ret =
		    usage_error("cannot use baseline: %s%s", errbuf,
			      hint(errbuf, "; pass a file written by 'perfan-bpf baseline save'"));
		goto cleanup;
	}
	runs = calloc(nfiles, sizeof(*runs));
	if (!runs) {
		ret = usage_error("out of memory");
		goto cleanup;
	}
	if (read_runs(argv + optind, nfiles, runs, &merged))
		goto cleanup;
	/* a single benchmark is a single check: a missing baseline is an error, not a skip */
	if (merged.result_cnt == 1) {
		err = regress_check_one(&merged.results[0], &set, &opts, &one, errbuf);
		regress_verdict_free(&one);
		if (err == -ENOMEM) {
			ret = usage_error("out of memory checking results");
			goto cleanup;
		}
		if (err) {
			ret = usage_error("check: %s in %s; %s", errbuf, baseline,
					err == -ENOENT ? "add it with 'perfan-bpf baseline save'" :
							 "save a new baseline for it");
			goto cleanup;
		}
	}
	err = regress_check_all(merged.results, merged.result_cnt, &set, &opts, &chk, errbuf);
	if (err) {
		ret = err == -ENOMEM ? usage_error("out of memory checking results") :
				       usage_error("check: %s; save a new baseline for it", errbuf);
		goto cleanup;
	}
	if (!chk.verdict_cnt) {
		ret = usage_error("check: none of the %zu benchmarks has a baseline in %s; save them "
				"with 'perfan-bpf baseline save'",
				merged.result_cnt, baseline);
		goto cleanup;
	}
	if (regress_report_write(&chk, fmt, stdout) || fflush(stdout)) {
		ret = usage_error("check: cannot write the report to standard output");
		goto cleanup;
	}
	ret = chk.failed ? EXIT_REGRESSION : 0;
cleanup:
	regress_check_free(&chk);
	regress_run_free(&merged);
	free_runs(runs, nfiles);
	regress_baseline_set_free(&set);
	return ret;
}

int cmd_baseline(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "label", required_argument, NULL, 'l' },
		{ "history", required_argument, NULL, 'H' },
		{ "force", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct regress_baseline_set set = {};
	struct regress_run *runs = NULL, merged = {};
	const char *output = NULL, *label = NULL;
	char errbuf[RESULTS_ERRLEN];
	bool force = false;
	struct stat st;
	uint64_t history_max = REGRESS_HISTORY_MAX_DEFAULT;
	int c, nfiles = 0, ret = EXIT_ERROR, err;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(baseline_usage, stdout);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "save"))
		return usage_error("baseline: unknown action '%s'; run 'perfan-bpf baseline save "
				 "RESULTS.json... --output BASELINE.json'",
				 argc < 2 ? "" : argv[1]);
	argc--;
	argv++; /* "save" plays the program name for getopt */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:l:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'l':
			label = optarg;
			break;
		case 'F':
			force = true;
			break;
		case 'H':
			if (parse_u64(optarg, 1, REGRESS_HISTORY_MAX_LIMIT, &history_max))
				return usage_error("baseline save: --history '%s' is not a number of "
						 "runs from 1 to %d",
						 optarg, REGRESS_HISTORY_MAX_LIMIT);
			break;
		case 'h':
			fputs(baseline_usage, stdout);
			return 0;
		default:
			return option_error("baseline", c, argv);
		}
	}
	if (!output)
		return usage_error("baseline save: no --output given; run 'perfan-bpf baseline save "
				 "RESULTS.json... --output BASELINE.json'");
	nfiles = argc - optind;
	if (nfiles <= 0)
		return usage_error("baseline save: no results file given; run 'perfan-bpf baseline "
				 "save RESULTS.json... --output %s'",
				 output);
	/* an existing baseline is updated (history kept) when it is our own regular file: never
	 * through a symlink, never another user's file (docs/security.md) */
	if (!force && !lstat(output, &st) && (!S_ISREG(st.st_mode) || st.st_uid != geteuid()))
		return usage_error("baseline save: cannot update %s: it is %s; "
				   SAFE_FILE_EXISTS_HINT, output,
				   S_ISLNK(st.st_mode) ? "a symlink" : !S_ISREG(st.st_mode) ?
				   "not a regular file" : "another user's file");
	/* an unreadable baseline is never replaced */
	err = force ? -ENOENT : baseline_read_file(output, &set, errbuf);
	if (err && err != -ENOENT) {
		ret = usage_error("baseline save: cannot update %s: %s; fix or remove it, or pick "
				"another --output",
				output, errbuf);
		goto cleanup;
	}
	runs = calloc(nfiles, sizeof(*runs));
	if (!runs) {
		ret = usage_error("out of memory");
		goto cleanup;
	}
	if (read_runs(argv + optind, nfiles, runs, &merged))
		goto cleanup;
	err = regress_baseline_update(&set, &merged, label, history_max, errbuf);
	if (err) {
		ret = err == -ENOMEM ? usage_error("out of memory updating the baseline") :
				       usage_error("baseline save: %s", errbuf);
		goto cleanup;
	}
	/* the update replaces the old file by a new one (a new 0600 file, renamed over it) */
	err = baseline_write_file(output, true, &set, errbuf);
	if (err) {
		ret = usage_error("baseline save: %s; check the directory exists and is writable",
				errbuf);
		goto cleanup;
	}
	printf("saved %zu benchmark%s from %d run%s to %s\n", merged.result_cnt,
	       merged.result_cnt == 1 ? "" : "s", nfiles, nfiles == 1 ? "" : "s", output);
	ret = 0;
cleanup:
	regress_run_free(&merged);
	free_runs(runs, nfiles);
	regress_baseline_set_free(&set);
	return ret;
}

int cmd_history(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum regress_format fmt = REGRESS_FORMAT_TEXT;
	struct regress_baseline_set set = {};
	struct regress_history_report rep = {};
	char errbuf[RESULTS_ERRLEN];
	const char *path;
	int c, ret = EXIT_ERROR, err;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (regress_format_parse(optarg, &fmt))
				return usage_error("history: --format '%s' is not text, json or "
						 "markdown",
						 optarg);
			break;
		case 'h':
			fputs(history_usage, stdout);
			return 0;
		default:
			return option_error("history", c, argv);
		}
	}
	if (argc - optind != 1)
		return usage_error("history: expected one baseline file; run 'perfan-bpf history "
				 "BASELINE.json'");
	path = argv[optind];
	err = baseline_read_file(path, &set, errbuf);
	if (err) {
		ret =
		    usage_error("cannot use baseline: %s%s", errbuf,
			      hint(errbuf, "; pass a file written by 'perfan-bpf baseline save'"));
		goto cleanup;
	}
	err = regress_history_analyze(&set, &rep);
	if (err) {
		ret = usage_error("history: cannot analyze %s: %s", path, strerror(-err));
		goto cleanup;
	}
	if (regress_history_write(&rep, path, fmt, stdout) || fflush(stdout)) {
		ret = usage_error("history: cannot write the report to standard output");
		goto cleanup;
	}
	ret = 0;
cleanup:
	regress_history_report_free(&rep);
	regress_baseline_set_free(&set);
	return ret;
}
