// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Small helpers shared by the subcommands (see cli_util.h). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli_util.h"

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_seconds(const char *s, double max, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v <= 0 || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int usage_error(const char *fmt, ...)
{
	char msg[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (char *c = msg; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	fprintf(stderr, "perfan-bpf: %s\n", msg);
	return 2;
}

int option_error(const char *cmd, int c, char **argv)
{
	const char *opt = argv[optind - 1];

	if (c == ':')
		return usage_error("%s: option '%s' needs a value; see 'perfan-bpf %s --help'", cmd,
				   opt, cmd);
	if (optopt && !strncmp(opt, "--", 2) && strchr(opt, '=')) /* --fail-on-leak=yes */
		return usage_error("%s: option '%.*s' takes no value; see 'perfan-bpf %s --help'",
				   cmd, (int)(strchr(opt, '=') - opt), opt, cmd);
	if (optopt && optopt < 256)
		return usage_error("%s: unknown option '-%c'; see 'perfan-bpf %s --help'", cmd,
				   optopt, cmd);
	return usage_error("%s: unknown option '%s'; see 'perfan-bpf %s --help'", cmd, opt, cmd);
}
