/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Human-readable byte counts for the text formatters of the session analyses (diff, trend):
 * "97.7 KiB", signed "+1.2 MiB" / "-512 B", and rates. Binary units, one decimal. */
#ifndef PERFAN_BYTES_FMT_H
#define PERFAN_BYTES_FMT_H

#include <stddef.h>
#include <stdint.h>

#define BYTES_FMT_LEN 32

/* "0 B", "1023 B", "97.7 KiB", ... up to TiB; returns buf */
const char *bytes__fmt(uint64_t bytes, char *buf, size_t len);
/* As bytes_fmt with a sign: "+97.7 KiB", "-512 B", "0 B" */
const char *bytes__fmt_signed(int64_t bytes, char *buf, size_t len);
/* A rate or slope, rounded to whole bytes first: "+1.1 MiB", "-3 B", "0 B" */
const char *bytes__fmt_real(double bytes, char *buf, size_t len);

#endif
