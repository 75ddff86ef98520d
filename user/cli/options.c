// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The option tables of the subcommands (see options.h): getopt_long's tables built from the
 * rows, the values checked and stored, the generated --help, and every complaint about the
 * command line as one line through cli__error(). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "cli/cli_util.h"
#include "cli/options.h"

/* getopt_long's value for the long option of row i (above every short letter) */
#define LONG_BASE 256

static bool takes_value(const struct opt *o)
{
	return o->kind != OPT_FLAG && (o->kind != OPT_CUSTOM || o->arg);
}

int opts__choice(const char *const *choices, const char *value)
{
	for (int i = 0; choices && choices[i]; i++)
		if (!strcmp(choices[i], value))
			return i;
	return -1;
}

/* "a", "a or b", "a, b or c" */
static void say_choices(const char *const *choices, char *buf, size_t size)
{
	size_t len = 0, n = 0;

	buf[0] = '\0';
	while (choices && choices[n])
		n++;
	for (size_t i = 0; i < n && len < size; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
		int w = snprintf(buf + len, size - len, "%s%s", sep, choices[i]);

		if (w < 0)
			break;
		len += (size_t)w;
	}
}

/* A byte count with the largest suffix that divides it: 4096 -> "4K" */
static void say_size(uint64_t v, char *buf, size_t size)
{
	static const char suffix[] = "GMK";

	for (int i = 0; i < 3; i++) {
		unsigned shift = 30 - 10 * i;

		if (v && !(v & ((1ull << shift) - 1))) {
			snprintf(buf, size, "%" PRIu64 "%c", v >> shift, suffix[i]);
			return;
		}
	}
	snprintf(buf, size, "%" PRIu64, v);
}

/* What a value of row o should have been: its `wants` (or a noun for its kind) and its range */
static void say_wants(const struct opt *o, char *buf, size_t size)
{
	static const char *const noun[] = {
		[OPT_U64] = "a number",
		[OPT_SIZE] = "a size in bytes (or with K, M or G)",
		[OPT_SECONDS] = "a number of seconds",
		[OPT_DECIMAL] = "a number",
		[OPT_STRING] = "a value",
		[OPT_CUSTOM] = "another value",
	};
	const char *what = o->wants ? o->wants : noun[o->kind] ? noun[o->kind] : "a value";
	char lo[32], hi[32];

	switch (o->kind) {
	case OPT_U64:
		/* a limit at INT_MAX or above is what the variable holds, not advice */
		if (o->max < INT_MAX)
			snprintf(buf, size, "%s from %" PRIu64 " to %" PRIu64, what, o->min,
				 o->max);
		else if (o->min && !o->wants)
			snprintf(buf, size, "%s of at least %" PRIu64, what, o->min);
		else
			snprintf(buf, size, "%s", what);
		break;
	case OPT_SIZE:
		say_size(o->min, lo, sizeof(lo));
		say_size(o->max, hi, sizeof(hi));
		snprintf(buf, size, "%s from %s to %s", what, lo, hi);
		break;
	case OPT_SECONDS:
		snprintf(buf, size, "%s > 0 and <= %.15g", what, o->max_s);
		break;
	case OPT_DECIMAL:
		if (o->lt > o->gt)
			snprintf(buf, size, "%s in (%.15g, %.15g)", what, o->gt, o->lt);
		else
			snprintf(buf, size, "%s", what);
		break;
	default:
		snprintf(buf, size, "%s", what);
		break;
	}
}

/* The one line for a value that row o does not take. Returns 2. */
static int bad_value(const char *cmd, const struct opt *o, const char *value)
{
	char wants[512];

	if (o->choices) {
		say_choices(o->choices, wants, sizeof(wants));
		return cli__error("%s: unknown --%s '%s'; use %s", cmd, o->name, value, wants);
	}
	say_wants(o, wants, sizeof(wants));
	if (o->kind == OPT_STRING)
		return cli__error("%s: --%s wants %s", cmd, o->name, wants);
	return cli__error("%s: --%s wants %s, not '%s'", cmd, o->name, wants, value);
}

/* getopt_long's '?' and ':' (with opterr off it prints nothing itself). Returns 2. */
static int option_error(const char *cmd, int c, char **argv)
{
	const char *opt = argv[optind - 1];
	const char *eq = strchr(opt, '=');

	if (c == ':')
		return cli__error("%s: option '%s' needs a value; see 'perfan-bpf %s --help'", cmd,
				  opt, cmd);
	/* a known long option given a value it does not take: --fail-on-leak=yes */
	if (optopt && !strncmp(opt, "--", 2) && eq)
		return cli__error("%s: option '%.*s' takes no value; see 'perfan-bpf %s --help'",
				  cmd, (int)(eq - opt), opt, cmd);
	if (optopt && optopt < LONG_BASE)
		return cli__error("%s: unknown option '-%c'; see 'perfan-bpf %s --help'", cmd,
				  optopt, cmd);
	return cli__error("%s: unknown option '%s'; see 'perfan-bpf %s --help'", cmd, opt, cmd);
}

/* Checks value against row o and stores it. 0 or the exit status of the error printed. */
static int opt_set(const char *cmd, const struct opt *o, const char *value)
{
	uint64_t u;
	double d;
	int i, err;

	switch (o->kind) {
	case OPT_FLAG:
		if (o->dest)
			*(bool *)o->dest = true;
		break;
	case OPT_STRING:
	case OPT_TEXT:
		if (o->kind == OPT_STRING && !*value)
			return bad_value(cmd, o, value);
		if (o->dest)
			*(const char **)o->dest = value;
		break;
	case OPT_U64:
	case OPT_SIZE:
		err = o->kind == OPT_U64 ? cli__parse_u64(value, o->min, o->max, &u)
					 : cli__parse_bytes(value, o->min, o->max, &u);
		if (err)
			return bad_value(cmd, o, value);
		if (o->dest)
			*(uint64_t *)o->dest = u;
		break;
	case OPT_SECONDS:
	case OPT_DECIMAL:
		err = o->kind == OPT_SECONDS ? cli__parse_seconds(value, o->max_s, &d)
					     : cli__parse_decimal(value, &d);
		if (!err && o->kind == OPT_DECIMAL && o->lt > o->gt && !(d > o->gt && d < o->lt))
			err = -EINVAL;
		if (err)
			return bad_value(cmd, o, value);
		if (o->dest)
			*(double *)o->dest = d;
		break;
	case OPT_CHOICE:
		i = opts__choice(o->choices, value);
		if (i < 0)
			return bad_value(cmd, o, value);
		if (o->dest)
			*(int *)o->dest = i;
		break;
	case OPT_CUSTOM:
		err = o->parse ? o->parse(cmd, o, value) : -EINVAL;
		if (err == -EINVAL)
			return bad_value(cmd, o, value ? value : "");
		if (err)
			return err;
		break;
	}
	if (o->given)
		*o->given = true;
	return 0;
}

/* Writes text's lines (separated by '\n'), each but the first indented by indent columns */
static void put_lines(FILE *out, const char *text, int indent)
{
	for (const char *line = text; line;) {
		const char *nl = strchr(line, '\n');
		int len = nl ? (int)(nl - line) : (int)strlen(line);

		if (line != text && len)
			fprintf(out, "%*s", indent, "");
		fprintf(out, "%.*s\n", len, line);
		line = nl && nl[1] ? nl + 1 : NULL;
	}
}

static void put_row(FILE *out, char letter, const char *name, const char *arg, const char *help)
{
	char left[128];
	int len;

	len = snprintf(left, sizeof(left), "  %c%c%c --%s%s%s", letter ? '-' : ' ',
		       letter ? letter : ' ', letter ? ',' : ' ', name, arg ? " " : "",
		       arg ? arg : "");
	if (!help || !*help) {
		fprintf(out, "%s\n", left);
		return;
	}
	/* an option too long for the column has its text two spaces after it */
	fprintf(out, "%s%*s", left, len + 2 <= OPTS_HELP_COL ? OPTS_HELP_COL - len : 2, "");
	put_lines(out, help, OPTS_HELP_COL);
}

int opts__print_help(const struct cmd_spec *spec, FILE *out)
{
	int indent = (int)strlen("usage: perfan-bpf  ") + (int)strlen(spec->name);

	fprintf(out, "usage: perfan-bpf %s%s", spec->name, spec->usage ? " " : "\n");
	if (spec->usage)
		put_lines(out, spec->usage, indent);
	if (spec->about) {
		fputc('\n', out);
		put_lines(out, spec->about, 0);
	}
	fputc('\n', out);
	for (const struct opt *o = spec->opts; o && o->name; o++)
		put_row(out, o->letter, o->name,
			takes_value(o) ? (o->arg ? o->arg : "VALUE") : NULL, o->help);
	put_row(out, 'h', "help", NULL, "this text");
	if (spec->footer) {
		fputc('\n', out);
		put_lines(out, spec->footer, 0);
	}
	if (fflush(out) || ferror(out))
		return -EIO;
	return 0;
}

int opts__parse(const struct cmd_spec *spec, int argc, char **argv, int *first_arg)
{
	struct option longopts[OPTS_MAX_ROWS + 2] = {};
	char shortopts[2 * OPTS_MAX_ROWS + 8];
	size_t n = 0, s = 0;
	const struct opt *o;
	int c;

	/* '+': stop at the first non-option; ':': a missing value returns ':' */
	if (spec->stop_at_nonopt)
		shortopts[s++] = '+';
	shortopts[s++] = ':';
	for (o = spec->opts; o && o->name; o++, n++) {
		if (n == OPTS_MAX_ROWS)
			return cli__error("%s: more than %d options in its table", spec->name,
					  OPTS_MAX_ROWS);
		longopts[n].name = o->name;
		longopts[n].has_arg = takes_value(o) ? required_argument : no_argument;
		longopts[n].val = LONG_BASE + (int)n;
		if (o->letter) {
			shortopts[s++] = o->letter;
			if (takes_value(o))
				shortopts[s++] = ':';
		}
	}
	longopts[n].name = "help";
	longopts[n].val = 'h';
	shortopts[s++] = 'h';
	shortopts[s] = '\0';

	optind = 0; /* glibc: a full reset, whatever parsed options before */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		int err;

		if (c == 'h') {
			opts__print_help(spec, stdout);
			return OPTS_HELP;
		}
		if (c == '?' || c == ':')
			return option_error(spec->name, c, argv);
		if (c >= LONG_BASE) {
			o = &spec->opts[c - LONG_BASE];
		} else {
			for (o = spec->opts; o->name && o->letter != c; o++)
				;
			if (!o->name) /* not reached: getopt returns only letters it was given */
				return option_error(spec->name, '?', argv);
		}
		err = opt_set(spec->name, o, takes_value(o) ? optarg : NULL);
		if (err)
			return err;
	}
	*first_arg = optind;
	return 0;
}

int opts__command(int argc, char **argv, int first, char ***command)
{
	*command = NULL;
	if (first >= argc)
		return 0;
	/* getopt leaves "--" consumed: anything left is the command, when "--" said so */
	if (strcmp(argv[first - 1], "--"))
		return cli__error("unexpected argument '%s'; a command to run goes after '--'",
				  argv[first]);
	*command = argv + first;
	return 0;
}
