/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Log-linear latency histograms (log2 bucket + 4 bits of mantissa, as bpf/timing.h): bucket
 * bounds, merging, quantiles with interpolation inside a bucket and their error bound, mean,
 * stddev, and a funclatency-style text histogram. Pure: values in, numbers and text out. */
#ifndef PERFAN_HIST_H
#define PERFAN_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define HIST_SUB_BITS 4
#define HIST_SUB (1 << HIST_SUB_BITS)
#define HIST_MAX_EXP 47 /* the last bucket is open: from 31 * 2^43 ns (76 hours) up */
#define HIST_BUCKETS (HIST_SUB + (HIST_MAX_EXP - HIST_SUB_BITS + 1) * HIST_SUB)
/* A quantile read from a bucket of values >= HIST_SUB is off by less than the bucket's width,
 * which is at most 1/HIST_SUB of the value: 6.25 %. Values below HIST_SUB are exact. */
#define HIST_REL_ERROR (1.0 / HIST_SUB)

struct hist {
	uint64_t count;	 /* = the sum of buckets */
	uint64_t sum_lo; /* 128-bit sum of the values: sum_hi * 2^64 + sum_lo */
	uint64_t sum_hi;
	uint64_t min, max; /* meaningful when count > 0; 0 and 0 when unknown (a difference) */
	uint64_t buckets[HIST_BUCKETS];
};

struct hist_stats {
	uint64_t count;
	double mean, stddev; /* NAN when count is 0; stddev 0 for one value */
	double min, max;     /* NAN when unknown */
	double p50, p90, p99, p999;
};

/* The bucket of value v, and the bounds [lower, upper) of bucket b (the last bucket's upper
 * bound is UINT64_MAX) */
size_t hist__bucket(uint64_t v);
uint64_t hist__bucket_lower(size_t b);
uint64_t hist__bucket_upper(size_t b);
/* Width of the bucket holding v: the most any quantile near v can be off by */
uint64_t hist__error_at(double v);

void hist__add(struct hist *h, uint64_t v);
/* dst += src */
void hist__merge(struct hist *dst, const struct hist *src);
/* out = now - before, for one interval: counts and sums; min and max become unknown (0) */
void hist__sub(struct hist *out, const struct hist *now, const struct hist *before);

/* The q-quantile (0 <= q <= 1): the bucket holding rank q * count, interpolated linearly
 * inside it, clamped to [min, max] when they are known. NAN for an empty histogram. */
double hist__quantile(const struct hist *h, double q);
/* Exact, from the 128-bit sum */
double hist__mean(const struct hist *h);
/* From the buckets: each value taken at its bucket's midpoint (clamped to [min, max]) plus
 * the spread of a uniform distribution over the bucket's range clipped to [min, max];
 * divisor count - 1 */
double hist__stddev(const struct hist *h);
void hist__stats(const struct hist *h, struct hist_stats *out);

/* "812 ns", "1.23 us", "45.6 ms", "2.00 s": three significant digits */
const char *hist__fmt_ns(double ns, char *buf, size_t len);

/* The histogram as rows "[lower, upper)  count  |****  |" from the first to the last
 * non-empty row; rows_per_octave (1, 2, 4, 8 or 16) merges buckets for reading. 0 or -EIO. */
int hist__print(FILE *out, const struct hist *h, unsigned rows_per_octave, const char *indent);

#endif
