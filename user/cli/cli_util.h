/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Small helpers shared by the subcommands: strict number parsing and the one-line error that
 * every user error goes through (options.c prints the command line's complaints with it). */
#ifndef PERFAN_CLI_UTIL_H
#define PERFAN_CLI_UTIL_H

#include <stdbool.h>
#include <stdint.h>

/* Numbers on the command line are plain decimal, nothing else: what strtoul and strtod also
 * take (a sign, leading spaces, "0x10", "1e3", "inf", "nan") is an error, so that
 * "--duration 0x10" is refused rather than read as 16 s. */

/* Parse a whole decimal number, [0-9]+ and nothing else, in [min, max]. 0 or -EINVAL. */
int cli__parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Parse a plain decimal number: [0-9]+ optionally followed by '.' and [0-9]+ ("5", "0.5",
 * "10.25"; not ".5", "5.", "+5", "-1", " 5", "1e3", "0x10", "inf"). Any value it takes is
 * finite and >= 0. 0 or -EINVAL. */
int cli__parse_decimal(const char *s, double *out);
/* Parse seconds, a plain decimal number (parse_decimal) in (0, max]. 0 or -EINVAL. */
int cli__parse_seconds(const char *s, double max, double *out);
/* Parse a size in bytes: [0-9]+ optionally followed by K, M or G (KiB, MiB, GiB), in
 * [min, max]. 0 or -EINVAL. */
int cli__parse_bytes(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Print "perfan-bpf: <message>\n" on stderr and return 2, the exit status of a user error.
 * Control characters in the message (a path or a name holding a newline) become '?', so the
 * error is always exactly one line. A subcommand's message starts with its name: "diff: ...". */
int cli__error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
