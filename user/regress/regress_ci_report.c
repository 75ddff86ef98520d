// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A check for CI servers: GitHub Actions workflow commands (annotations on the run) and JUnit XML
 * (Jenkins, GitLab test reports). Like regress_report.c they print the model only; which
 * verdict fails was decided in regress_check.c. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "regress/regress_report.h"

/* GitHub's escaping of workflow command data: %, CR and LF (actions/toolkit escapeData); a
 * property value also escapes : and , (escapeProperty). */
static void gh_escape(FILE *out, const char *s, bool property)
{
	for (; *s; s++) {
		if (*s == '%')
			fputs("%25", out);
		else if (*s == '\r')
			fputs("%0D", out);
		else if (*s == '\n')
			fputs("%0A", out);
		else if (property && *s == ':')
			fputs("%3A", out);
		else if (property && *s == ',')
			fputs("%2C", out);
		else
			fputc(*s, out);
	}
}

/* "+40.0% (CRITICAL): 14.000 ms against a baseline of 10.000 ms, 1.40× slower; deviation beyond
 * threshold" */
static void verdict_message(const struct regress_verdict *v, char *buf, size_t len)
{
	char cur[48], base[48], ratio[48], why[160];

	snprintf(buf, len, "%+.1f%% (%s): %s against a baseline of %s, %s; %s", v->change * 100,
		 regress_severity__name(v->severity),
		 regress_report__value(cur, sizeof(cur), v->current, v->unit),
		 regress_report__value(base, sizeof(base), v->baseline, v->unit),
		 regress_report__ratio(v, ratio, sizeof(ratio)),
		 regress_report__reason(v, why, sizeof(why)));
}

/* The workflow command of a verdict, NULL for none (INFO, and whatever neither fails nor warns). */
static const char *gh_command(const struct regress_verdict *v, enum regress_severity fail_on)
{
	if (v->severity == REGRESS_ERROR || regress__fails(v->severity, fail_on))
		return "error";
	if (v->severity == REGRESS_WARNING || v->severity == REGRESS_CRITICAL ||
	    v->severity == REGRESS_INCONCLUSIVE)
		return "warning";
	if (v->severity == REGRESS_IMPROVED)
		return "notice";
	return NULL;
}

int regress_report__write_github(const struct regress_check *c, FILE *out)
{
	char msg[512];
	size_t i;

	for (i = 0; i < c->verdict_cnt; i++) {
		const struct regress_verdict *v = &c->verdicts[i];
		const char *cmd = gh_command(v, c->opts.fail_on);

		if (!cmd)
			continue;
		verdict_message(v, msg, sizeof(msg));
		fprintf(out, "::%s title=", cmd);
		gh_escape(out, "perfan-bpf: ", true);
		gh_escape(out, v->name, true);
		fputs("::", out);
		gh_escape(out, msg, false);
		fputc('\n', out);
	}
	return ferror(out) ? -EIO : 0;
}

/* XML-escapes text for an attribute or element. Control characters other than tab, LF and CR
 * are not allowed in XML 1.0 at all, even escaped: they become '?'. */
static void xml_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '&')
			fputs("&amp;", out);
		else if (ch == '<')
			fputs("&lt;", out);
		else if (ch == '>')
			fputs("&gt;", out);
		else if (ch == '"')
			fputs("&quot;", out);
		else if (ch == '\'')
			fputs("&apos;", out);
		else if (ch == '\n' || ch == '\r' || ch == '\t')
			fprintf(out, "&#%d;", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fputc('?', out);
		else
			fputc(ch, out);
	}
}

/* A testcase's time: the current mean in seconds for a time unit, else 0. */
static double case_seconds(const struct regress_verdict *v)
{
	double sec = v->current * regress__unit_seconds(v->unit);

	return isfinite(sec) && sec > 0 ? sec : 0;
}

static bool junit_fails(const struct regress_verdict *v, enum regress_severity fail_on)
{
	return v->severity == REGRESS_ERROR || regress__fails(v->severity, fail_on);
}

static void junit_skipped(FILE *out, const char *name, const char *why)
{
	fputs("    <testcase classname=\"perfan-bpf\" name=\"", out);
	xml_text(out, name);
	fprintf(out, "\" time=\"0\">\n      <skipped message=\"%s\"/>\n    </testcase>\n", why);
}

int regress_report__write_junit(const struct regress_check *c, FILE *out)
{
	size_t i, failures = 0, tests = c->verdict_cnt + c->skipped_cnt + c->filtered_cnt;
	double total = 0;
	char msg[512];

	for (i = 0; i < c->verdict_cnt; i++) {
		failures += junit_fails(&c->verdicts[i], c->opts.fail_on);
		total += case_seconds(&c->verdicts[i]);
	}
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(out,
		"<testsuite name=\"perfan-bpf check\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
		"skipped=\"%zu\" time=\"%.6f\">\n",
		tests, failures, c->skipped_cnt + c->filtered_cnt, total);
	for (i = 0; i < c->verdict_cnt; i++) {
		const struct regress_verdict *v = &c->verdicts[i];

		fputs("    <testcase classname=\"perfan-bpf\" name=\"", out);
		xml_text(out, v->name);
		fprintf(out, "\" time=\"%.6f\"", case_seconds(v));
		if (!junit_fails(v, c->opts.fail_on)) {
			fputs("/>\n", out);
			continue;
		}
		verdict_message(v, msg, sizeof(msg));
		fputs(">\n      <failure message=\"", out);
		xml_text(out, msg);
		fprintf(out, "\" type=\"%s\">", regress_severity__name(v->severity));
		xml_text(out, msg);
		fputs("</failure>\n    </testcase>\n", out);
	}
	for (i = 0; i < c->skipped_cnt; i++)
		junit_skipped(out, c->skipped[i], "no baseline");
	for (i = 0; i < c->filtered_cnt; i++)
		junit_skipped(out, c->filtered[i], "not selected by --filter");
	fputs("</testsuite>\n", out);
	return ferror(out) ? -EIO : 0;
}
