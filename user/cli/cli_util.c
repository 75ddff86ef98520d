// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Small helpers shared by the subcommands (see cli_util.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli_util.h"
#include "lib/sanitize.h"

/* The length of the run of decimal digits at s */
static size_t digits(const char *s)
{
	size_t n = 0;

	while (s[n] >= '0' && s[n] <= '9')
		n++;
	return n;
}

int cli__parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	size_t n;

	if (!s)
		return -EINVAL;
	n = digits(s);
	if (!n || s[n]) /* strtoull alone would take "+5", " 5" and "-1" */
		return -EINVAL;
	errno = 0;
	v = strtoull(s, NULL, 10);
	if (errno || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int cli__parse_decimal(const char *s, double *out)
{
	size_t n, f = 0;
	double v;

	if (!s)
		return -EINVAL;
	n = digits(s);
	if (!n)
		return -EINVAL;
	if (s[n] == '.') {
		f = digits(s + n + 1);
		if (!f)
			return -EINVAL;
		f++; /* the point */
	}
	if (s[n + f])
		return -EINVAL;
	/* only digits and one point are left: strtod reads them exactly as written (the
	 * program never calls setlocale, so the point is '.') */
	errno = 0;
	v = strtod(s, NULL);
	if (errno || !isfinite(v))
		return -EINVAL;
	*out = v;
	return 0;
}

int cli__parse_seconds(const char *s, double max, double *out)
{
	double v;

	if (cli__parse_decimal(s, &v) || v <= 0 || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int cli__parse_bytes(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char num[32];
	size_t n = s ? strlen(s) : 0;
	unsigned shift = 0;
	uint64_t v;

	if (n && strchr("KMG", s[n - 1])) {
		shift = s[n - 1] == 'K' ? 10 : s[n - 1] == 'M' ? 20 : 30;
		n--;
	}
	if (!n || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n);
	num[n] = '\0';
	/* max >> shift first: v << shift cannot wrap */
	if (cli__parse_u64(num, 0, max >> shift, &v) || v << shift < min)
		return -EINVAL;
	*out = v << shift;
	return 0;
}

int cli__error(const char *fmt, ...)
{
	char msg[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sanitize__controls(msg);
	fprintf(stderr, "perfan-bpf: %s\n", msg);
	return 2;
}
