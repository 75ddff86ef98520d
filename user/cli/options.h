/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Declarative command-line options: a command is a table of rows, one per option (its flag,
 * argument, help line, destination, range or choices); one parser fills the destinations,
 * prints the generated --help, and turns a bad command line into one line on stderr. */
#ifndef PERFAN_CLI_OPTIONS_H
#define PERFAN_CLI_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* opts__parse's result after printing the help on stdout: the command then exits 0 */
#define OPTS_HELP (-1000)
/* The most rows a table may hold (getopt's tables are built on the stack) */
#define OPTS_MAX_ROWS 48
/* The column of the options' help text in --help */
#define OPTS_HELP_COL 26

enum opt_kind {
	OPT_FLAG,    /* bool *dest = true; takes no value */
	OPT_STRING,  /* const char **dest = the value, which must not be empty */
	OPT_TEXT,    /* const char **dest = the value, even empty (the command judges it) */
	OPT_U64,     /* uint64_t *dest: cli__parse_u64 in [min, max] */
	OPT_SECONDS, /* double *dest: cli__parse_seconds in (0, max_s] */
	OPT_DECIMAL, /* double *dest: cli__parse_decimal, strictly between gt and lt if lt > gt */
	OPT_SIZE,    /* uint64_t *dest: cli__parse_bytes (K, M, G suffixes) in [min, max] */
	OPT_CHOICE,  /* int *dest = the index of the value in choices */
	OPT_CUSTOM,  /* parse(); it takes a value when arg is set, else none */
		     /* -h and --help are every command's: no row has them */
};

struct opt;

/* A custom row's parser; it stores through opt->dest itself. value is NULL for a row without
 * arg. Returns 0; -EINVAL for a bad value (opts__parse then prints the standard line with the
 * row's choices or `wants`); or, after printing its own line with cli__error(), the exit
 * status cli__error() returned. */
typedef int (*opt_parse_fn)(const char *cmd, const struct opt *opt, const char *value);

struct opt {
	const char *name; /* the long name, without "--" */
	char letter;	  /* the short letter, or 0 */
	enum opt_kind kind;
	const char *arg;  /* the value's name in the help: "N", "SEC", "FILE" */
	const char *help; /* one or more lines, separated by '\n', no final '\n' */
	void *dest;
	uint64_t min, max;	    /* OPT_U64, OPT_SIZE: inclusive */
	double max_s;		    /* OPT_SECONDS */
	double gt, lt;		    /* OPT_DECIMAL: exclusive bounds, used when lt > gt */
	const char *const *choices; /* OPT_CHOICE, and OPT_CUSTOM's error: NULL-terminated */
	/* what a bad value should have been, for its error: "a number of objects" (default: a
	 * noun for the kind, "a number"), then the range: "... from 1 to 1000". A maximum of
	 * INT_MAX or more is the variable's limit, not advice: then only a default noun gets the
	 * minimum ("a number of at least 2"). */
	const char *wants;
	opt_parse_fn parse; /* OPT_CUSTOM */
	bool *given;	    /* if set, true once the option appeared */
};

struct cmd_spec {
	const char *name; /* as shown: "diff", "baseline save" */
	/* what follows "usage: perfan-bpf NAME ": lines separated by '\n', the next ones
	 * printed under the first */
	const char *usage;
	const char *about;	/* a paragraph on what the command does */
	const struct opt *opts; /* ended by a row whose name is NULL; -h, --help is added */
	const char *footer;	/* e.g. the exit statuses; may be NULL */
	/* true: the first non-option ends the options (for `-- COMMAND ARGS`); false: positional
	 * arguments may come before, between and after the options */
	bool stop_at_nonopt;
};

/* Parses argv[1..argc) (argv[0] is the command's name) against spec and fills the
 * destinations of the options that appear; the others keep what the caller put there (the
 * defaults). Returns 0 with the positional arguments at argv[*first_arg..argc), or OPTS_HELP
 * after printing the help on stdout, or 2 after one line on stderr ("perfan-bpf: CMD: ...").
 * Uses getopt_long, so it resets optind. */
int opts__parse(const struct cmd_spec *spec, int argc, char **argv, int *first_arg);
/* For a spec that stops at the first non-option: the command after "--" (argv[first..argc))
 * into *command, NULL when there is none. 0, or 2 after one line on stderr when arguments
 * are left that do not follow "--". */
int opts__command(int argc, char **argv, int first, char ***command);
/* The exit status for a non-zero result of opts__parse: 0 after --help, else rc */
static inline int opts__status(int rc)
{
	return rc == OPTS_HELP ? 0 : rc;
}
/* Writes spec's help: the usage lines, the paragraph, one line per option ("  -t, --top N" with
 * the help text at column OPTS_HELP_COL, continuation lines under it), then the footer.
 * 0 or -EIO. */
int opts__print_help(const struct cmd_spec *spec, FILE *out);
/* The index of value in the NULL-terminated choices, or -1 */
int opts__choice(const char *const *choices, const char *value);

#endif
