/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Small helpers shared by the subcommands: strict number parsing and the one-line error. */
#ifndef PERFAN_CLI_UTIL_H
#define PERFAN_CLI_UTIL_H

#include <stdbool.h>
#include <stdint.h>

/* Parse a whole decimal number in [min, max]. 0 or -EINVAL. */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Parse seconds (decimal fraction allowed) in (0, max]. 0 or -EINVAL. */
int parse_seconds(const char *s, double max, double *out);
/* Print "perfan-bpf: <message>\n" on stderr and return 2, the exit status of a user error */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
