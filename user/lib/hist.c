// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Log-linear latency histograms (see hist.h). */
#include <errno.h>
#include <math.h>
#include <string.h>
#include "lib/hist.h"

size_t hist__bucket(uint64_t v)
{
	unsigned e;

	if (v < HIST_SUB)
		return (size_t)v;
	e = 63 - (unsigned)__builtin_clzll(v);
	if (e > HIST_MAX_EXP)
		return HIST_BUCKETS - 1;
	return HIST_SUB + (size_t)(e - HIST_SUB_BITS) * HIST_SUB +
	       (size_t)((v >> (e - HIST_SUB_BITS)) & (HIST_SUB - 1));
}

uint64_t hist__bucket_lower(size_t b)
{
	size_t k;

	if (b < HIST_SUB)
		return b;
	if (b >= HIST_BUCKETS)
		b = HIST_BUCKETS - 1;
	k = b - HIST_SUB;
	return (uint64_t)(HIST_SUB + k % HIST_SUB) << (k / HIST_SUB);
}

uint64_t hist__bucket_upper(size_t b)
{
	return b + 1 >= HIST_BUCKETS ? UINT64_MAX : hist__bucket_lower(b + 1);
}

uint64_t hist__error_at(double v)
{
	size_t b;

	if (!(v >= HIST_SUB))
		return 0; /* one bucket per value: exact (and NAN has no error to speak of) */
	b = hist__bucket(v >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)v);
	if (b == HIST_BUCKETS - 1)
		return UINT64_MAX;
	return hist__bucket_upper(b) - hist__bucket_lower(b);
}

static void add_sum(struct hist *h, uint64_t lo, uint64_t hi)
{
	uint64_t old = h->sum_lo;

	h->sum_lo += lo;
	h->sum_hi += hi + (h->sum_lo < old);
}

void hist__add(struct hist *h, uint64_t v)
{
	if (!h->count || v < h->min)
		h->min = v;
	if (!h->count || v > h->max)
		h->max = v;
	h->count++;
	h->buckets[hist__bucket(v)]++;
	add_sum(h, v, 0);
}

void hist__merge(struct hist *dst, const struct hist *src)
{
	if (!src->count)
		return;
	if (!dst->count) {
		dst->min = src->min;
		dst->max = src->max;
	} else if (!src->min && !src->max) {
		dst->min = dst->max = 0; /* src's are unknown, so ours become unknown */
	} else if (dst->min || dst->max) {
		dst->min = src->min < dst->min ? src->min : dst->min;
		dst->max = src->max > dst->max ? src->max : dst->max;
	}
	dst->count += src->count;
	for (size_t b = 0; b < HIST_BUCKETS; b++)
		dst->buckets[b] += src->buckets[b];
	add_sum(dst, src->sum_lo, src->sum_hi);
}

void hist__sub(struct hist *out, const struct hist *now, const struct hist *before)
{
	uint64_t lo = now->sum_lo - before->sum_lo;

	out->count = 0;
	for (size_t b = 0; b < HIST_BUCKETS; b++) {
		out->buckets[b] = now->buckets[b] - before->buckets[b];
		out->count += out->buckets[b];
	}
	out->sum_hi = now->sum_hi - before->sum_hi - (now->sum_lo < before->sum_lo);
	out->sum_lo = lo;
	out->min = out->max = 0;
}

static bool bounds_known(const struct hist *h)
{
	return h->count && (h->min || h->max);
}

static double clamp(const struct hist *h, double v)
{
	if (!bounds_known(h))
		return v;
	if (v < (double)h->min)
		return (double)h->min;
	if (v > (double)h->max)
		return (double)h->max;
	return v;
}

/* The upper bound used for reading: the last bucket is open, so the largest value stands in */
static double reading_upper(const struct hist *h, size_t b)
{
	if (b == HIST_BUCKETS - 1)
		return bounds_known(h) ? (double)h->max : 2.0 * (double)hist__bucket_lower(b);
	return (double)hist__bucket_upper(b);
}

double hist__quantile(const struct hist *h, double q)
{
	double rank, cum = 0;

	if (!h->count || !(q >= 0 && q <= 1))
		return NAN;
	rank = q * (double)h->count;
	for (size_t b = 0; b < HIST_BUCKETS; b++) {
		double c = (double)h->buckets[b], lower, v;

		if (!h->buckets[b] || cum + c < rank) {
			cum += c;
			continue;
		}
		lower = (double)hist__bucket_lower(b);
		if (b < HIST_SUB)
			v = lower; /* one value per bucket */
		else
			v = lower + (reading_upper(h, b) - lower) * (rank - cum) / c;
		return clamp(h, v);
	}
	return clamp(h, (double)h->max); /* counts changed under us: cannot happen on a copy */
}

double hist__mean(const struct hist *h)
{
	if (!h->count)
		return NAN;
	return ((double)h->sum_hi * 18446744073709551616.0 + (double)h->sum_lo) / (double)h->count;
}

static double midpoint(const struct hist *h, size_t b)
{
	double lower = (double)hist__bucket_lower(b);

	if (b < HIST_SUB)
		return lower;
	return clamp(h, (lower + reading_upper(h, b)) / 2);
}

/* The spread inside a bucket, taking its values as uniform over the bucket's range clipped
 * to [min, max] (Sheppard's correction): without it, values that all fall in one wide bucket
 * would show a stddev of 0 */
static double within_variance(const struct hist *h, size_t b)
{
	double w;

	if (b < HIST_SUB)
		return 0; /* one exact value per bucket */
	w = clamp(h, reading_upper(h, b)) - clamp(h, (double)hist__bucket_lower(b));
	return w * w / 12;
}

double hist__stddev(const struct hist *h)
{
	double mean = 0, ss = 0, n = (double)h->count;

	if (!h->count)
		return NAN;
	if (h->count == 1)
		return 0;
	for (size_t b = 0; b < HIST_BUCKETS; b++)
		if (h->buckets[b])
			mean += (double)h->buckets[b] * midpoint(h, b);
	mean /= n;
	for (size_t b = 0; b < HIST_BUCKETS; b++) {
		double d;

		if (!h->buckets[b])
			continue;
		d = midpoint(h, b) - mean;
		ss += (double)h->buckets[b] * (d * d + within_variance(h, b));
	}
	return sqrt(ss / (n - 1));
}

void hist__stats(const struct hist *h, struct hist_stats *out)
{
	out->count = h->count;
	out->mean = hist__mean(h);
	out->stddev = hist__stddev(h);
	out->min = bounds_known(h) ? (double)h->min : NAN;
	out->max = bounds_known(h) ? (double)h->max : NAN;
	out->p50 = hist__quantile(h, 0.50);
	out->p90 = hist__quantile(h, 0.90);
	out->p99 = hist__quantile(h, 0.99);
	out->p999 = hist__quantile(h, 0.999);
}

const char *hist__fmt_ns(double ns, char *buf, size_t len)
{
	static const struct {
		double scale;
		const char *unit;
	} units[] = { { 1e9, "s" }, { 1e6, "ms" }, { 1e3, "us" } };
	double v = ns;
	const char *unit = "ns";

	if (isnan(ns)) {
		snprintf(buf, len, "-");
		return buf;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		/* 999.96 us reads better as 1.00 ms */
		if (fabs(ns) >= units[i].scale * 0.9995) {
			v = ns / units[i].scale;
			unit = units[i].unit;
			break;
		}
	}
	if (!strcmp(unit, "ns") && fabs(v) >= 10)
		snprintf(buf, len, "%.0f %s", v, unit);
	else if (fabs(v) >= 99.95)
		snprintf(buf, len, "%.0f %s", v, unit);
	else if (fabs(v) >= 9.995)
		snprintf(buf, len, "%.1f %s", v, unit);
	else
		snprintf(buf, len, "%.2f %s", v, unit);
	return buf;
}

/* Which display row bucket b falls in, for rows_per_octave rows per power of two */
static size_t row_of(size_t b, unsigned rows_per_octave)
{
	size_t k;

	if (b < HIST_SUB)
		return b;
	k = b - HIST_SUB;
	return HIST_SUB + (k / HIST_SUB) * rows_per_octave +
	       (k % HIST_SUB) / (HIST_SUB / rows_per_octave);
}

int hist__print(FILE *out, const struct hist *h, unsigned rows_per_octave, const char *indent)
{
	enum { BAR = 40 };
	size_t first = HIST_BUCKETS, last = 0;
	uint64_t peak = 0, row_count;
	char lo[32], hi[32], bar[BAR + 1];

	if (rows_per_octave != 1 && rows_per_octave != 2 && rows_per_octave != 4 &&
	    rows_per_octave != 8 && rows_per_octave != 16)
		rows_per_octave = 4;
	for (size_t b = 0; b < HIST_BUCKETS; b++) {
		if (!h->buckets[b])
			continue;
		if (first == HIST_BUCKETS)
			first = b;
		last = b;
	}
	if (first == HIST_BUCKETS)
		return fprintf(out, "%s(no calls)\n", indent) < 0 ? -EIO : 0;
	/* widen to whole rows, and find the tallest row for the scale */
	while (first > 0 && row_of(first - 1, rows_per_octave) == row_of(first, rows_per_octave))
		first--;
	while (last + 1 < HIST_BUCKETS &&
	       row_of(last + 1, rows_per_octave) == row_of(last, rows_per_octave))
		last++;
	row_count = 0;
	for (size_t b = first; b <= last; b++) {
		row_count += h->buckets[b];
		if (b == last || row_of(b + 1, rows_per_octave) != row_of(b, rows_per_octave)) {
			peak = row_count > peak ? row_count : peak;
			row_count = 0;
		}
	}
	if (fprintf(out, "%s%-26s %10s  %s\n", indent, "range", "count", "distribution") < 0)
		return -EIO;
	row_count = 0;
	for (size_t b = first, row_start = first; b <= last; b++) {
		char range[80];
		size_t stars;

		row_count += h->buckets[b];
		if (b != last && row_of(b + 1, rows_per_octave) == row_of(b, rows_per_octave))
			continue;
		stars = peak ? (size_t)((row_count * BAR + peak - 1) / peak) : 0;
		memset(bar, '*', stars);
		memset(bar + stars, ' ', BAR - stars);
		bar[BAR] = '\0';
		hist__fmt_ns((double)hist__bucket_lower(row_start), lo, sizeof(lo));
		if (b == HIST_BUCKETS - 1)
			snprintf(hi, sizeof(hi), "inf");
		else
			hist__fmt_ns((double)hist__bucket_upper(b), hi, sizeof(hi));
		snprintf(range, sizeof(range), "[%s, %s)", lo, hi);
		if (fprintf(out, "%s%-26s %10llu  |%s|\n", indent, range,
			    (unsigned long long)row_count, bar) < 0)
			return -EIO;
		row_count = 0;
		row_start = b + 1;
	}
	return 0;
}
