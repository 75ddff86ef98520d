// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Text and Markdown presentation of a regression check, and the dispatch to the other formats
 * (JSON: regress_check_json.c; a history report: regress_history_report.c). Numbers are
 * formatted here (time units scaled for reading, ops/s for times); every decision shown was
 * taken in regress_check.c or regress_baseline.c, so the formats always agree. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lib/json_put.h"
#include "regress/regress_fmt.h"
#include "regress/regress_report.h"

#define NAME_MIN_WIDTH 9
#define NAME_MAX_WIDTH 48

int regress_format__parse(const char *s, enum regress_format *out)
{
	if (!strcmp(s, "text"))
		*out = REGRESS_FORMAT_TEXT;
	else if (!strcmp(s, "json"))
		*out = REGRESS_FORMAT_JSON;
	else if (!strcmp(s, "markdown"))
		*out = REGRESS_FORMAT_MARKDOWN;
	else if (!strcmp(s, "github"))
		*out = REGRESS_FORMAT_GITHUB;
	else
		return -EINVAL;
	return 0;
}

const char *regress_report__mark(enum regress_severity s)
{
	switch (s) {
	case REGRESS_INFO:
		return "\u2713";
	case REGRESS_WARNING:
		return "\u26a0";
	case REGRESS_CRITICAL:
		return "\u2717";
	case REGRESS_IMPROVED:
		return "\u2191";
	case REGRESS_ERROR:
		return "!";
	default:
		return "?";
	}
}

/* "3", "3, 255", "3 and a signal": the distinct exit codes of the failed runs. */
static const char *fmt_exit_codes(char *buf, size_t len, const struct regress_verdict *v)
{
	size_t i, at = 0;

	buf[0] = '\0';
	for (i = 0; i < v->exit_code_cnt && at < len; i++) {
		const char *sep = i ? ", " : "";

		if (v->exit_codes[i] == REGRESS_EXIT_SIGNAL)
			at += snprintf(buf + at, len - at, "%skilled by a signal", sep);
		else
			at += snprintf(buf + at, len - at, "%s%d", sep, v->exit_codes[i]);
	}
	return buf;
}

/* "1 sample" when both sides are one value, else which side is; "run" for rounds of one run
 * (pytest-benchmark), which count as one value. */
static const char *one_value_text(const struct regress_verdict *v)
{
	if (v->n_current <= 1 && v->n_baseline <= 1)
		return v->rounds ? "threshold rule: 1 run" : "threshold rule: 1 sample";
	if (v->n_current <= 1)
		return v->rounds ? "threshold rule: 1 current run"
				 : "threshold rule: 1 current sample";
	return "threshold rule: 1 baseline sample";
}

static const char *reason_text(const struct regress_verdict *v, char *buf, size_t len)
{
	char codes[64];

	switch (v->reason) {
	case REGRESS_REASON_WITHIN:
		return v->method == REGRESS_METHOD_SIMPLE ? "within thresholds"
							  : "no significant change";
	case REGRESS_REASON_THRESHOLD:
		return "deviation beyond threshold";
	case REGRESS_REASON_SIGNIFICANT:
		return "significant";
	case REGRESS_REASON_SIGNIFICANT_SMALL:
		return "significant, below the warning threshold";
	case REGRESS_REASON_NOT_SIGNIFICANT:
		return "not significant";
	case REGRESS_REASON_NOISE_FLOOR:
		return "interval does not clear the noise floor";
	case REGRESS_REASON_FEW_SAMPLES:
		if (v->need_samples)
			snprintf(buf, len, "need \u2265 %zu samples", v->need_samples);
		else
			snprintf(buf, len, "too few samples");
		return buf;
	case REGRESS_REASON_NO_SPREAD:
		return "threshold rule: no samples or spread";
	case REGRESS_REASON_ONE_VALUE:
		return one_value_text(v);
	case REGRESS_REASON_LOW_N:
		snprintf(buf, len, "low-n: threshold rule on the shift, %zu vs %zu samples",
			 v->n_current, v->n_baseline);
		return buf;
	case REGRESS_REASON_EXIT_CODES:
		snprintf(buf, len, "%zu of %zu runs exited non-zero: exit code%s %s",
			 v->failed_runs, v->runs, v->exit_code_cnt == 1 ? "" : "s",
			 fmt_exit_codes(codes, sizeof(codes), v));
		return buf;
	}
	return "?";
}

const char *regress_report__reason(const struct regress_verdict *v, char *buf, size_t len)
{
	return reason_text(v, buf, len);
}

/* A value in its unit; times are scaled to s, ms, us or ns for reading. */
static const char *fmt_value(char *buf, size_t len, double v, const char *unit)
{
	double sec = v * regress__unit_seconds(unit);

	if (isnan(v))
		snprintf(buf, len, "-");
	else if (isnan(sec))
		snprintf(buf, len, "%.4g%s%s", v, *unit ? " " : "", unit);
	else if (sec >= 1)
		snprintf(buf, len, "%.3f s", sec);
	else if (sec >= 1e-3)
		snprintf(buf, len, "%.3f ms", sec * 1e3);
	else if (sec >= 1e-6)
		snprintf(buf, len, "%.3f us", sec * 1e6);
	else
		snprintf(buf, len, "%.2f ns", sec * 1e9);
	return buf;
}

const char *regress_report__value(char *buf, size_t len, double v, const char *unit)
{
	return fmt_value(buf, len, v, unit);
}

const char *regress_report__ratio(const struct regress_verdict *v, char *buf, size_t len)
{
	double r = v->higher_is_better ? v->baseline / v->current : v->current / v->baseline;
	bool speed = v->higher_is_better || !isnan(regress__unit_seconds(v->unit));
	char num[32];

	if (!isfinite(r) || r <= 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	snprintf(num, sizeof(num), "%.2f", r >= 1 ? r : 1 / r);
	if (!strcmp(num, "1.00"))
		snprintf(buf, len, "1.00\u00d7 same");
	else if (r > 1)
		snprintf(buf, len, "%s\u00d7 %s", num, speed ? "slower" : "worse");
	else
		snprintf(buf, len, "%s\u00d7 %s", num, speed ? "faster" : "better");
	return buf;
}

double regress_fmt__ops_per_sec(double v, const char *unit)
{
	double sec = v * regress__unit_seconds(unit);

	return sec > 0 ? 1 / sec : NAN;
}

static const char *fmt_ops(char *buf, size_t len, double ops)
{
	if (isnan(ops))
		snprintf(buf, len, "-");
	else if (ops >= 1000)
		snprintf(buf, len, "%.0f", ops);
	else
		snprintf(buf, len, "%.2f", ops);
	return buf;
}

const char *regress_fmt__pct(char *buf, size_t len, double frac)
{
	if (isnan(frac))
		snprintf(buf, len, "-");
	else if (isinf(frac))
		snprintf(buf, len, "%s", frac > 0 ? "+inf" : "-inf");
	else
		snprintf(buf, len, "%+.1f%%", frac * 100);
	return buf;
}

/* A share that has no direction (cv, minimum detectable effect): no sign. */
static const char *fmt_share(char *buf, size_t len, double frac)
{
	if (isnan(frac))
		snprintf(buf, len, "-");
	else if (isinf(frac))
		snprintf(buf, len, "inf");
	else
		snprintf(buf, len, "%.1f%%", frac * 100);
	return buf;
}

static const char *fmt_p(char *buf, size_t len, double p)
{
	if (isnan(p))
		snprintf(buf, len, "-");
	else if (p < 1e-4)
		snprintf(buf, len, "%.1e", p);
	else
		snprintf(buf, len, "%.4f", p);
	return buf;
}

/* The robust shift and its interval, shown in the direction of "change" (the verdict keeps
 * them in the bad direction: negated for higher-is-better). */
static const char *fmt_ci(char *buf, size_t len, const struct regress_verdict *v)
{
	double sign = v->higher_is_better ? -1 : 1;
	double lo = v->higher_is_better ? -v->ci_hi : v->ci_lo;
	double hi = v->higher_is_better ? -v->ci_lo : v->ci_hi;
	char est[24], a[24], b[24];

	if (isnan(v->estimate)) {
		snprintf(buf, len, "-");
		return buf;
	}
	if (isnan(lo) || isnan(hi)) /* too few samples for any interval */
		snprintf(buf, len, "%s [-]",
			 regress_fmt__pct(est, sizeof(est), sign * v->estimate));
	else
		snprintf(buf, len, "%s [%s, %s]",
			 regress_fmt__pct(est, sizeof(est), sign * v->estimate),
			 regress_fmt__pct(a, sizeof(a), lo), regress_fmt__pct(b, sizeof(b), hi));
	return buf;
}

static int name_width(const struct regress_check *c)
{
	size_t w = NAME_MIN_WIDTH, i;

	for (i = 0; i < c->result_cnt; i++)
		if (strlen(c->results[i].name) > w)
			w = strlen(c->results[i].name);
	return (int)(w > NAME_MAX_WIDTH ? NAME_MAX_WIDTH : w);
}

static size_t regression_cnt(const struct regress_check *c)
{
	return c->counts[REGRESS_WARNING] + c->counts[REGRESS_CRITICAL];
}

/* Markdown-escapes text for a table cell. */
void regress_fmt__md_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (strchr("\\`*_[]<>|#", *s))
			fputc('\\', out);
		fputc(*s, out);
	}
}

void regress_fmt__verdict_line(const struct regress_check *c, char *buf, size_t len)
{
	enum regress_severity fail_on = c->opts.fail_on;
	size_t failing = 0, errors = c->counts[REGRESS_ERROR], at;

	for (size_t s = 0; s < REGRESS_SEVERITY_CNT; s++)
		if (s != REGRESS_ERROR && regress__fails(s, fail_on))
			failing += c->counts[s];
	at = snprintf(buf, len, "%s: ", c->failed ? "FAIL" : "PASS");
	if (errors && at < len)
		at += snprintf(buf + at, len - at, "%zu error%s, ", errors, errors == 1 ? "" : "s");
	if (at < len)
		snprintf(buf + at, len - at,
			 "%zu %s%s at or above %s (%zu critical, %zu warning, %zu improved, "
			 "%zu inconclusive, %zu ok, %zu skipped)",
			 failing, fail_on == REGRESS_INCONCLUSIVE ? "verdict" : "regression",
			 failing == 1 ? "" : "s", regress_level__name(fail_on),
			 c->counts[REGRESS_CRITICAL], c->counts[REGRESS_WARNING],
			 c->counts[REGRESS_IMPROVED], c->counts[REGRESS_INCONCLUSIVE],
			 c->counts[REGRESS_INFO], c->skipped_cnt);
}

/* The line of an ERROR or an INCONCLUSIVE verdict in the summary: what went wrong, and what to
 * do about it. */
static void text_problem(const struct regress_verdict *v, double alpha, bool md, FILE *out)
{
	char r[160], pct[32], p[32];

	fprintf(out, md ? "- %s **" : "  %s ", regress_report__mark(v->severity));
	if (md)
		regress_fmt__md_text(out, v->name);
	else
		fputs(v->name, out);
	if (v->severity == REGRESS_ERROR) {
		fprintf(out,
			"%s: %s; fix the command, or pass --allow-exit-codes if they are expected\n",
			md ? "**" : "", reason_text(v, r, sizeof(r)));
		return;
	}
	if (v->reason == REGRESS_REASON_NOT_SIGNIFICANT)
		fprintf(out,
			"%s: %s worse by the shift estimate, but not significant (p adj %s > alpha "
			"%g); take more samples\n",
			md ? "**" : "", regress_fmt__pct(pct, sizeof(pct), v->estimate),
			fmt_p(p, sizeof(p), v->p_worse_adj), alpha);
	else if (v->reason == REGRESS_REASON_NOISE_FLOOR)
		fprintf(out,
			"%s: %s worse by the shift estimate, but its interval reaches down to %s, "
			"within the noise floor; take more samples\n",
			md ? "**" : "", regress_fmt__pct(pct, sizeof(pct), v->estimate),
			regress_fmt__pct(p, sizeof(p), v->ci_lo));
	else
		fprintf(out, "%s: %s\n", md ? "**" : "", reason_text(v, r, sizeof(r)));
}

static void text_problems(const struct regress_check *c, enum regress_severity s, const char *title,
			  bool md, FILE *out)
{
	size_t i;

	if (!c->counts[s])
		return;
	fprintf(out, md ? "\n#### %s\n\n" : "\n%s\n", title);
	for (i = 0; i < c->verdict_cnt; i++)
		if (c->verdicts[i].severity == s)
			text_problem(&c->verdicts[i], c->opts.alpha, md, out);
}

/* The deviation a verdict's severity was judged by: the shift estimate for low-n */
static double verdict_deviation(const struct regress_verdict *v)
{
	return v->reason == REGRESS_REASON_LOW_N ? v->estimate : v->deviation;
}

static void text_regression(const struct regress_verdict *v, FILE *out)
{
	char cur[48], base[48], pct[32], ci[80], p[32], pa[32];

	fprintf(out, "  %s %s: %s worse%s (%s), %s against a baseline of %s",
		regress_report__mark(v->severity), v->name,
		regress_fmt__pct(pct, sizeof(pct), verdict_deviation(v)),
		v->reason == REGRESS_REASON_LOW_N ? " by the shift estimate" : "",
		regress_severity__name(v->severity),
		fmt_value(cur, sizeof(cur), v->current, v->unit),
		fmt_value(base, sizeof(base), v->baseline, v->unit));
	if (v->reason == REGRESS_REASON_LOW_N)
		fprintf(out,
			"; shift %s; low-n: threshold rule on the shift (%zu vs %zu samples cannot "
			"reach alpha over %zu benchmarks)",
			fmt_ci(ci, sizeof(ci), v), v->n_current, v->n_baseline, v->family_cnt);
	else if (v->method != REGRESS_METHOD_SIMPLE)
		fprintf(out, "; shift %s, p %s, adjusted %s", fmt_ci(ci, sizeof(ci), v),
			fmt_p(p, sizeof(p), v->p_worse), fmt_p(pa, sizeof(pa), v->p_worse_adj));
	fputc('\n', out);
}

/* Spaces that fill a ratio to 13 columns: its "×" is two bytes but one column. */
static int ratio_pad(const char *ratio)
{
	int cols = (int)strlen(ratio) - (strstr(ratio, "\u00d7") ? 1 : 0);

	return cols < 13 ? 13 - cols : 0;
}

static void write_text(const struct regress_check *c, FILE *out)
{
	int w = name_width(c);
	char a[48], b[48], d[48], e[80], f[32], g[32], r[160], x[48], line[256];
	size_t i;

	fprintf(out, "Results\n");
	fprintf(out, "  %-*s %14s %14s %14s\n", w, "benchmark", "mean", "median", "ops/s");
	for (i = 0; i < c->result_cnt; i++) {
		const struct regress_result *res = &c->results[i];

		fprintf(out, "  %-*s %14s %14s %14s\n", w, res->name,
			fmt_value(a, sizeof(a), res->value, res->unit),
			fmt_value(b, sizeof(b), res->median, res->unit),
			fmt_ops(d, sizeof(d), regress_fmt__ops_per_sec(res->value, res->unit)));
	}

	fprintf(out, "\nComparison (mode %s, alpha %g, fail on %s)\n",
		regress_mode__name(c->opts.mode), c->opts.alpha,
		regress_level__name(c->opts.fail_on));
	fprintf(out, "     %-*s %14s %14s %8s  %-13s %-28s %8s %8s  %s\n", w, "benchmark",
		"current", "baseline", "change", "ratio", "shift [interval]", "p", "p adj",
		"verdict");
	for (i = 0; i < c->verdict_cnt; i++) {
		const struct regress_verdict *v = &c->verdicts[i];

		regress_report__ratio(v, x, sizeof(x));
		fprintf(out, "  %s  %-*s %14s %14s %8s  %s%*s %-28s %8s %8s  %s (%s)%s\n",
			regress_report__mark(v->severity), w, v->name,
			fmt_value(a, sizeof(a), v->current, v->unit),
			fmt_value(b, sizeof(b), v->baseline, v->unit),
			regress_fmt__pct(d, sizeof(d), v->change), x, ratio_pad(x), "",
			fmt_ci(e, sizeof(e), v), fmt_p(f, sizeof(f), v->p_worse),
			fmt_p(g, sizeof(g), v->p_worse_adj), regress_severity__name(v->severity),
			reason_text(v, r, sizeof(r)), v->noisy ? " noisy" : "");
	}

	fprintf(out, "\nDiagnostics\n");
	for (i = 0; i < c->verdict_cnt; i++) {
		const struct regress_verdict *v = &c->verdicts[i];

		fprintf(out,
			"  %-*s %s: cv %s / %s (current / baseline), outliers %zu / %zu, "
			"min. detectable effect %s%s",
			w, v->name, regress_method__name(v->method),
			fmt_share(a, sizeof(a), v->cv_current),
			fmt_share(b, sizeof(b), v->cv_baseline), v->outliers_current,
			v->outliers_baseline, fmt_share(d, sizeof(d), v->mde),
			v->noisy ? ", noisy" : "");
		if (!isnan(v->overhead))
			fprintf(out, ", probe overhead %s%s",
				fmt_value(e, sizeof(e), v->overhead, v->unit),
				v->near_overhead ? " (near it)" : "");
		if (v->failed_runs && v->severity != REGRESS_ERROR)
			fprintf(out, ", %zu of %zu runs exited non-zero (allowed)", v->failed_runs,
				v->runs);
		if (v->rounds)
			fprintf(out, ", rounds of one run: compared as one value");
		if (v->reason == REGRESS_REASON_LOW_N)
			fprintf(out,
				", low-n: %zu vs %zu samples give p >= %s, which cannot pass the "
				"correction for %zu benchmarks at alpha %g (%zu current samples "
				"would)",
				v->n_current, v->n_baseline, fmt_p(f, sizeof(f), v->min_p),
				v->family_cnt, c->opts.alpha, v->need_samples);
		fputc('\n', out);
	}

	fprintf(out, "\nRegressions detected\n");
	if (!regression_cnt(c))
		fprintf(out, "  none\n");
	for (i = 0; i < c->verdict_cnt; i++)
		if (c->verdicts[i].severity == REGRESS_WARNING ||
		    c->verdicts[i].severity == REGRESS_CRITICAL)
			text_regression(&c->verdicts[i], out);
	text_problems(c, REGRESS_ERROR, "Errors (the benchmark failed)", false, out);
	text_problems(c, REGRESS_INCONCLUSIVE, "Inconclusive", false, out);
	if (c->skipped_cnt) {
		fprintf(out, "\nSkipped (no baseline)\n");
		for (i = 0; i < c->skipped_cnt; i++)
			fprintf(out, "  %s\n", c->skipped[i]);
	}
	if (c->filtered_cnt) {
		fprintf(out, "\nNot selected by the filter\n");
		for (i = 0; i < c->filtered_cnt; i++)
			fprintf(out, "  %s\n", c->filtered[i]);
	}
	regress_fmt__verdict_line(c, line, sizeof(line));
	fprintf(out, "\nVerdict: %s\n", line);
}

static void write_markdown(const struct regress_check *c, FILE *out)
{
	char a[48], b[48], d[48], e[80], f[32], g[32], r[160], line[256];
	size_t i;

	regress_fmt__verdict_line(c, line, sizeof(line));
	fprintf(out, "### perfan-bpf check: %s %s\n\n", c->failed ? "\u2717" : "\u2713", line);
	fprintf(out, "#### Results\n\n| benchmark | mean | median | ops/s |\n"
		     "| --- | ---: | ---: | ---: |\n");
	for (i = 0; i < c->result_cnt; i++) {
		const struct regress_result *res = &c->results[i];

		fputs("| ", out);
		regress_fmt__md_text(out, res->name);
		fprintf(out, " | %s | %s | %s |\n", fmt_value(a, sizeof(a), res->value, res->unit),
			fmt_value(b, sizeof(b), res->median, res->unit),
			fmt_ops(d, sizeof(d), regress_fmt__ops_per_sec(res->value, res->unit)));
	}
	fprintf(out,
		"\n#### Comparison (mode %s, alpha %g)\n\n"
		"| | benchmark | current | baseline | change | shift [interval] | p | p adj "
		"| verdict |\n| :-: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n",
		regress_mode__name(c->opts.mode), c->opts.alpha);
	for (i = 0; i < c->verdict_cnt; i++) {
		const struct regress_verdict *v = &c->verdicts[i];

		fprintf(out, "| %s | ", regress_report__mark(v->severity));
		regress_fmt__md_text(out, v->name);
		fprintf(out, " | %s | %s | %s | %s | %s | %s | %s (%s)%s |\n",
			fmt_value(a, sizeof(a), v->current, v->unit),
			fmt_value(b, sizeof(b), v->baseline, v->unit),
			regress_fmt__pct(d, sizeof(d), v->change), fmt_ci(e, sizeof(e), v),
			fmt_p(f, sizeof(f), v->p_worse), fmt_p(g, sizeof(g), v->p_worse_adj),
			regress_severity__name(v->severity), reason_text(v, r, sizeof(r)),
			v->noisy ? " noisy" : "");
	}
	fprintf(out, "\n#### Regressions detected\n\n");
	if (!regression_cnt(c))
		fprintf(out, "None.\n");
	for (i = 0; i < c->verdict_cnt; i++) {
		const struct regress_verdict *v = &c->verdicts[i];

		if (v->severity != REGRESS_WARNING && v->severity != REGRESS_CRITICAL)
			continue;
		fprintf(out, "- %s **", regress_report__mark(v->severity));
		regress_fmt__md_text(out, v->name);
		fprintf(out, "**: %s worse%s (%s), %s against %s\n",
			regress_fmt__pct(d, sizeof(d), verdict_deviation(v)),
			v->reason == REGRESS_REASON_LOW_N ? " by the shift estimate" : "",
			regress_severity__name(v->severity),
			fmt_value(a, sizeof(a), v->current, v->unit),
			fmt_value(b, sizeof(b), v->baseline, v->unit));
	}
	text_problems(c, REGRESS_ERROR, "Errors (the benchmark failed)", true, out);
	text_problems(c, REGRESS_INCONCLUSIVE, "Inconclusive", true, out);
	if (c->skipped_cnt) {
		fprintf(out, "\n**Skipped (no baseline):**");
		for (i = 0; i < c->skipped_cnt; i++) {
			fputs(i ? ", " : " ", out);
			regress_fmt__md_text(out, c->skipped[i]);
		}
		fputc('\n', out);
	}
	if (c->filtered_cnt) {
		fprintf(out, "\n**Not selected by the filter:**");
		for (i = 0; i < c->filtered_cnt; i++) {
			fputs(i ? ", " : " ", out);
			regress_fmt__md_text(out, c->filtered[i]);
		}
		fputc('\n', out);
	}
	fprintf(out,
		"\n<details><summary>Diagnostics</summary>\n\n"
		"| benchmark | test | cv current | cv baseline | outliers | "
		"min. detectable effect | noisy |\n| --- | --- | ---: | ---: | ---: | ---: | :-: |\n");
	for (i = 0; i < c->verdict_cnt; i++) {
		const struct regress_verdict *v = &c->verdicts[i];

		fputs("| ", out);
		regress_fmt__md_text(out, v->name);
		fprintf(out, " | %s | %s | %s | %zu / %zu | %s | %s |\n",
			regress_method__name(v->method), fmt_share(a, sizeof(a), v->cv_current),
			fmt_share(b, sizeof(b), v->cv_baseline), v->outliers_current,
			v->outliers_baseline, fmt_share(d, sizeof(d), v->mde),
			v->noisy ? "yes" : "no");
	}
	fprintf(out, "\n</details>\n\n**Verdict:** %s\n", line);
}

int regress_fmt__dump_json(json_t *root, FILE *out)
{
	int err = 0;

	if (!root)
		return -ENOMEM;
	if (json_dumpf(root, out, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) ||
	    fputc('\n', out) == EOF)
		err = -EIO;
	json_decref(root);
	return err;
}

int regress_report__write(const struct regress_check *c, enum regress_format fmt, FILE *out)
{
	switch (fmt) {
	case REGRESS_FORMAT_JSON:
		return regress_fmt__dump_json(regress_fmt__check_json(c), out);
	case REGRESS_FORMAT_MARKDOWN:
		write_markdown(c, out);
		break;
	case REGRESS_FORMAT_GITHUB:
		return regress_report__write_github(c, out);
	default:
		write_text(c, out);
		break;
	}
	return ferror(out) ? -EIO : 0;
}

/* --- history ------------------------------------------------------------------------------ */
