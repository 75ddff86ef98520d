// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Human-readable byte counts (see bytes_fmt.h). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include "lib/bytes_fmt.h"

static const char *fmt(const char *sign, uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = 0;

	/* 1023.96 KiB would print as "1024.0 KiB": move up a unit once it rounds to 1024 */
	while (u < 4 && (u ? v >= 1023.95 : v >= 1024)) {
		v /= 1024;
		u++;
	}
	if (!u)
		snprintf(buf, len, "%s%" PRIu64 " B", sign, bytes);
	else
		snprintf(buf, len, "%s%.1f %s", sign, v, units[u]);
	return buf;
}

const char *bytes__fmt(uint64_t bytes, char *buf, size_t len)
{
	return fmt("", bytes, buf, len);
}

const char *bytes__fmt_signed(int64_t bytes, char *buf, size_t len)
{
	/* the magnitude of INT64_MIN does not fit in int64_t: negate in uint64_t */
	if (bytes < 0)
		return fmt("-", -(uint64_t)bytes, buf, len);
	return fmt(bytes ? "+" : "", (uint64_t)bytes, buf, len);
}

const char *bytes__fmt_real(double bytes, char *buf, size_t len)
{
	double r = round(bytes);

	if (!isfinite(r))
		snprintf(buf, len, "?");
	else if (r >= 0x1p63)
		fmt("+", UINT64_MAX, buf, len);
	else if (r <= -0x1p63)
		fmt("-", UINT64_MAX, buf, len);
	else
		bytes__fmt_signed((int64_t)r, buf, len);
	return buf;
}
