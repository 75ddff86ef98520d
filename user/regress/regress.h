/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The regression detector's model and rules: results, baselines and verdicts; the simple rule
 * (deviation against warning/critical thresholds) and the robust rule (magnitude and
 * significance, Benjamini-Hochberg over a batch); baseline building with a bounded history and
 * change points in it; ERROR for runs that exited non-zero. Pure: no files, no output
 * (results_io.h reads, regress_report.h prints). */
#ifndef PERFAN_REGRESS_H
#define PERFAN_REGRESS_H

#include <limits.h>
#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/errtext.h"

#define REGRESS_WARNING_DEFAULT 0.10
#define REGRESS_CRITICAL_DEFAULT 0.25
#define REGRESS_ALPHA_DEFAULT 0.01
/* A change must clear at least this relative noise floor (issue 3: max(1%, absolute floor)). */
#define REGRESS_FLOOR_MIN 0.01
/* Power at which the minimum detectable effect is quoted. */
#define REGRESS_MDE_POWER 0.80
/* Tukey fence multiplier for outliers. */
#define REGRESS_TUKEY_K 1.5
/* A measurement within this factor of the probe overhead is flagged as near it. */
#define REGRESS_OVERHEAD_FACTOR 5.0
#define REGRESS_HISTORY_MAX_DEFAULT 100
/* The largest history `baseline save --history` keeps, and the newest runs `history` analyzes
 * (E-divisive costs O(runs^2) per permutation). */
#define REGRESS_HISTORY_MAX_LIMIT 1000
/* A change within this relative slack below a threshold counts as reaching it, so that decimal
 * inputs such as 3.3 against 3.0 (0.0999999... in binary) are "exactly 10%" as written. */
#define REGRESS_THRESHOLD_SLACK 1e-9
/* Distinct exit codes a verdict keeps to name them; more are counted, not listed. */
#define REGRESS_EXIT_CODES_MAX 8
/* An exit code that stands for "killed by a signal" (hyperfine writes null for it). */
#define REGRESS_EXIT_SIGNAL INT_MIN
/* Error messages (a struct errtext): one sentence naming the benchmark (or file) and the
 * problem, cut to REGRESS_ERRLEN - 1 bytes as they always were. */
#define REGRESS_ERRLEN 256

enum regress_severity {
	REGRESS_INFO,
	REGRESS_WARNING,
	REGRESS_CRITICAL,
	REGRESS_IMPROVED,
	REGRESS_INCONCLUSIVE,
	REGRESS_ERROR, /* the measurement itself failed: a command exited non-zero */
	REGRESS_SEVERITY_CNT,
};

enum regress_mode {
	REGRESS_MODE_ROBUST, /* default: significance where samples or summaries allow it */
	REGRESS_MODE_SIMPLE, /* only the threshold rule */
};

enum regress_method {
	REGRESS_METHOD_SIMPLE,
	REGRESS_METHOD_MANN_WHITNEY,
	REGRESS_METHOD_WELCH,
};

/* Why a verdict is what it is (presentation turns it into words). */
enum regress_reason {
	REGRESS_REASON_WITHIN,		  /* inside the thresholds */
	REGRESS_REASON_THRESHOLD,	  /* simple rule: deviation crossed a threshold */
	REGRESS_REASON_SIGNIFICANT,	  /* robust: significant and clear of the noise floor */
	REGRESS_REASON_SIGNIFICANT_SMALL, /* significant, but below the warning threshold */
	REGRESS_REASON_NOT_SIGNIFICANT,	  /* large, but adjusted p > alpha: INCONCLUSIVE */
	REGRESS_REASON_NOISE_FLOOR, /* significant, but the interval does not clear the floor */
	REGRESS_REASON_FEW_SAMPLES, /* cannot reach alpha with these sample sizes */
	REGRESS_REASON_NO_SPREAD,   /* robust mode, but neither samples nor summaries: simple */
	REGRESS_REASON_ONE_VALUE,   /* robust mode, one value on a side: threshold rule */
	REGRESS_REASON_EXIT_CODES,  /* runs exited non-zero: ERROR */
	/* robust mode, samples on both sides, but even the smallest p their sizes allow cannot
	 * pass the Benjamini-Hochberg correction of this batch: the threshold rule on the means
	 * decides ("low-n", issue 14) */
	REGRESS_REASON_LOW_N,
};

/* One metadata entry. value is the text of a string; it is NULL when the value is a JSON
 * number, boolean, object or array, which json then holds as compact JSON text (so numbers stay
 * numbers when written). json is read only when value is NULL: code that fills key and value
 * alone (a string) stays correct. */
struct regress_meta {
	char *key;
	char *value;
	char *json;
};

struct regress_bucket {
	double lower, upper; /* in the result's unit */
	uint64_t count;
};

/* One benchmark measurement (one run, or several runs merged by regress__merge_runs). */
struct regress_result {
	char *name;
	char *unit;   /* "" when unitless; time units s, ms, us, ns convert */
	double value; /* > 0 */
	bool higher_is_better;
	double stddev;		 /* NAN when unknown */
	size_t n;		 /* measurements behind value; 0 when unknown */
	double median, q25, q75; /* NAN when unknown */
	double overhead;	 /* measured probe overhead in unit; NAN when none */
	double *samples;	 /* > 0 each */
	size_t sample_cnt;
	/* the samples are rounds taken within one run (pytest-benchmark), not independent runs:
	 * the run is the unit, so the check treats this result as one value (its mean) */
	bool samples_within_run;
	struct regress_bucket *buckets;
	size_t bucket_cnt;
	struct regress_meta *meta; /* sorted by key */
	size_t meta_cnt;
	/* non-zero exit codes of the measured runs (hyperfine), one per failed run; a run killed
	 * by a signal is REGRESS_EXIT_SIGNAL; none when every run succeeded */
	int *exit_codes;
	size_t exit_code_cnt;
};

/* The results of one file (one run). */
struct regress_run {
	char *source; /* the path it was read from */
	/* "perfan", "pytest-benchmark", "google-benchmark", "hyperfine" or "merged" */
	const char *format;
	struct regress_result *results;
	size_t result_cnt;
};

struct regress_history {
	uint64_t run;	     /* increases by one per `baseline save` of this benchmark */
	double mean, stddev; /* stddev NAN when unknown */
	size_t n;
	char *label; /* NULL when none */
};

struct regress_baseline {
	char *name;
	char *unit;
	double mean;   /* > 0 */
	double stddev; /* NAN when unknown */
	size_t n;
	bool higher_is_better;
	double warning_threshold, critical_threshold;
	double abs_floor;     /* absolute noise floor in unit; 0 when none */
	double q25, q50, q75; /* NAN when unknown */
	double *samples;
	size_t sample_cnt;
	struct regress_history *history; /* oldest first */
	size_t history_cnt;
};

struct regress_baseline_set {
	struct regress_baseline *items; /* sorted by name */
	size_t cnt;
};

struct regress_opts {
	enum regress_mode mode;
	double alpha;
	/* REGRESS_INCONCLUSIVE, REGRESS_WARNING or REGRESS_CRITICAL: that verdict and the worse
	 * ones fail (inconclusive < warning < critical); ERROR always fails */
	enum regress_severity fail_on;
	bool allow_exit_codes; /* non-zero exit codes are expected: no ERROR for them */
	/* borrowed: only results whose name it matches are checked (--filter); NULL checks all */
	const regex_t *filter;
	/* thresholds that replace every baseline's (--warn, --fail); NAN when not given. With one
	 * given, the other is the baseline's, moved to it when they would cross */
	double warning_threshold, critical_threshold;
};

struct regress_verdict {
	char *name;
	char *unit; /* the baseline's unit: current is converted to it */
	enum regress_severity severity;
	enum regress_method method;
	enum regress_reason reason;
	bool higher_is_better;
	double current, baseline;		/* value and baseline mean */
	double current_median, baseline_median; /* NAN when unknown */
	double change;				/* (current - baseline) / baseline */
	double deviation;    /* the same in the bad direction (negated when higher is better) */
	double estimate;     /* robust: relative shift in the bad direction; NAN otherwise */
	double ci_lo, ci_hi; /* its interval (two-sided 1 - 2 alpha); may be infinite */
	double p_worse, p_worse_adj; /* one-sided p for "got worse", raw and BH-adjusted */
	double p_better, p_better_adj;
	double floor; /* relative noise floor used */
	double warning_threshold, critical_threshold;
	size_t n_current, n_baseline; /* samples (or n) on each side */
	/* INCONCLUSIVE: current samples needed to ever reach alpha; low-n: needed to reach
	 * alpha / family whatever the other benchmarks do */
	size_t need_samples;
	double min_p;	   /* low-n: the smallest p these sample sizes allow */
	size_t family_cnt; /* low-n: benchmarks in the batch's Benjamini-Hochberg family */
	bool rounds;	   /* the current side is one run of rounds (samples_within_run) */
	/* runs of the result that exited non-zero, and their distinct codes (sorted, at most
	 * REGRESS_EXIT_CODES_MAX); ERROR unless the options allow exit codes */
	size_t failed_runs, runs;
	int exit_codes[REGRESS_EXIT_CODES_MAX];
	size_t exit_code_cnt;
	/* diagnostics */
	double cv_current, cv_baseline; /* NAN when unknown */
	size_t outliers_current, outliers_baseline;
	double mde;	 /* minimum detectable relative effect; NAN when unknown */
	bool noisy;	 /* mde > warning threshold */
	double overhead; /* probe overhead, NAN when none */
	bool near_overhead;
};

/* The outcome of checking a batch of results. */
struct regress_check {
	struct regress_opts opts;
	const struct regress_result *results; /* borrowed: the checked results, for the table */
	size_t result_cnt;
	struct regress_verdict *verdicts; /* in the order of results */
	size_t verdict_cnt;
	char **skipped; /* results without a baseline, in order */
	size_t skipped_cnt;
	char **filtered; /* results the filter did not select, in order */
	size_t filtered_cnt;
	size_t counts[REGRESS_SEVERITY_CNT];
	bool failed; /* a verdict at or above opts.fail_on */
};

struct regress_history_cp {
	size_t index; /* into the benchmark's history: first entry at the new level */
	uint64_t run;
	const char *label;    /* borrowed from the baseline set; NULL when none */
	double before, after; /* median level of the segments either side */
	double p;
};

struct regress_history_item {
	const char *name; /* borrowed */
	const char *unit;
	size_t run_cnt;
	bool too_short;
	struct regress_history_cp *cps;
	size_t cp_cnt;
};

struct regress_history_report {
	size_t min_runs; /* runs needed before a change point can be found */
	unsigned int permutations;
	double sig_level;
	struct regress_history_item *items;
	size_t item_cnt;
};

void regress_opts__init(struct regress_opts *opts);
const char *regress_severity__name(enum regress_severity s); /* "INFO", "WARNING", ... */
const char *regress_method__name(enum regress_method m);
const char *regress_mode__name(enum regress_mode m);
/* --fail-on levels: inconclusive|warning|critical, and the name of one */
int regress_severity__parse(const char *s, enum regress_severity *out);
const char *regress_level__name(enum regress_severity s);
/* The rule behind a verdict: "threshold" (the simple rule: --mode simple, or too little data
 * for the robust one), "low-n" (the threshold rule on the means because the samples cannot
 * reach significance after the batch's correction) or "robust" (a test of significance). */
const char *regress_verdict__rule(const struct regress_verdict *v);
int regress_mode__parse(const char *s, enum regress_mode *out);

/* The threshold rule: true when a relative change reaches threshold (>=, with the slack above).
 * A deviation below the warning threshold is INFO, one that reaches it WARNING, one that
 * reaches the critical threshold CRITICAL; minus the deviation reaching the warning threshold is
 * an improvement. */
bool regress__reaches(double change, double threshold);

/* Seconds per unit for time units (s, ms, us, µs, ns), NAN for any other unit. */
double regress__unit_seconds(const char *unit);
/* Factor that converts a value in unit `from` to unit `to`: 0 or -EINVAL when they differ and
 * are not both time units. */
int regress__unit_factor(const char *from, const char *to, double *factor);

void regress_result__free(struct regress_result *r); /* frees the fields, not r */
/* One more metadata entry of r, kept sorted by key: a string, a number (written as a JSON
 * number; NAN or infinite adds nothing), or any JSON value as text (json_text must be valid
 * compact JSON: a number, true, an object). Return 0 or -ENOMEM. */
int regress_result__add_meta(struct regress_result *r, const char *key, const char *value);
int regress_result__add_meta_num(struct regress_result *r, const char *key, double v);
int regress_result__add_meta_json(struct regress_result *r, const char *key, const char *json_text);
/* The metadata entry named key, or NULL. */
const struct regress_meta *regress_result__meta(const struct regress_result *r, const char *key);
/* --higher-is-better REGEX: every result of run whose name re matches becomes higher is
 * better. */
void regress_run__set_higher_is_better(struct regress_run *run, const regex_t *re);
/* The first result of run with runs that exited non-zero: -EINVAL with one sentence naming it,
 * its failed runs and their codes in why ("benchmark "job": 3 of 3 runs exited non-zero
 * (exit code 3)"); 0 when none did. */
int regress_run__refuse_failed(const struct regress_run *run, struct errtext *why);
void regress_run__free(struct regress_run *run);
void regress_baseline__free(struct regress_baseline *b);
void regress_baseline_set__free(struct regress_baseline_set *set);
void regress_verdict__free(struct regress_verdict *v);
void regress_check__free(struct regress_check *c);
void regress_history_report__free(struct regress_history_report *h);

/* Merges several runs into one result per benchmark name, in order of first appearance. For a
 * name seen in k runs: value is the mean of the run values; with k >= 2, stddev and n are
 * across runs, otherwise the run's own. Samples are pooled when every run has them, otherwise
 * with k >= 2 the run values become the samples (runs are compared, not calls). Units are
 * converted to the first run's. Returns 0, -EINVAL (why names the benchmark) or -ENOMEM. */
int regress__merge_runs(const struct regress_run *runs, size_t run_cnt, struct regress_run *out,
			struct errtext *why);

const struct regress_baseline *regress_baseline_set__find(const struct regress_baseline_set *set,
							  const char *name);

/* True when a verdict of severity s fails a check whose --fail-on level is fail_on. */
bool regress__fails(enum regress_severity s, enum regress_severity fail_on);

/* check(result): one verdict, with the result's own p as the adjusted p. Returns 0, -ENOENT
 * when the set has no baseline of that name, -EINVAL on incompatible units or directions
 * (why names the benchmark either way), or -ENOMEM. v is freed with regress_verdict__free. */
int regress__check_one(const struct regress_result *r, const struct regress_baseline_set *set,
		       const struct regress_opts *opts, struct regress_verdict *v,
		       struct errtext *why);

/* True when opts select the result named name: no filter, or the filter matches it. */
bool regress_opts__selects(const struct regress_opts *opts, const char *name);

/* check_all: every result with a baseline gets a verdict, p-values adjusted by
 * Benjamini-Hochberg over the batch; the others are listed in skipped, and those the filter
 * does not select in filtered (before any baseline lookup). Borrows results. */
int regress__check_all(const struct regress_result *results, size_t result_cnt,
		       const struct regress_baseline_set *set, const struct regress_opts *opts,
		       struct regress_check *out, struct errtext *why);

/* baseline save: the merged results become the baselines of their names (thresholds and floor
 * of an existing entry are kept), each appending {run, mean, stddev, n, label} to its history,
 * which keeps the newest history_max entries. Other entries stay as they are. */
int regress_baseline_set__update(struct regress_baseline_set *set, const struct regress_run *merged,
				 const char *label, size_t history_max, struct errtext *why);

/* Change points in the history means of every baseline (E-divisive means, seeded: the same
 * file gives the same report). */
int regress__history_analyze(const struct regress_baseline_set *set,
			     struct regress_history_report *out);

#endif
