// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Growth trends over a session's snapshots (see trend.h for the classification rules): the
 * union of all stacks, one live-bytes series each, statistics, class, slopes, a total order. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/trend.h"

static uint64_t add_clamped(uint64_t a, uint64_t b)
{
	if (a > INT64_MAX || b > INT64_MAX - a)
		return INT64_MAX;
	return a + b;
}

/* Least-squares slope of y over x; 0 when x does not vary */
static double ls_slope(const double *x, const uint64_t *y, size_t n)
{
	double xm = 0, sxy = 0, sxx = 0;

	for (size_t i = 0; i < n; i++)
		xm += x[i];
	xm /= (double)n;
	/* sum (x - xm)(y - ym) = sum (x - xm) y: no mean of y needed, fewer rounding steps */
	for (size_t i = 0; i < n; i++) {
		sxy += (x[i] - xm) * (double)y[i];
		sxx += (x[i] - xm) * (x[i] - xm);
	}
	return sxx > 0 ? sxy / sxx : 0;
}

/* The rule tail_held of trend.h, in integers: growth in the tail at most a quarter of the rate
 * before it, 4 * (last - y[ts]) * ts <= (y[ts] - first) * tail_intervals, in 128 bits since
 * byte counts reach 2^63 */
static bool tail_held(const uint64_t *y, const struct trend_series_stats *st)
{
	size_t ts = st->tail_start, m = st->n - 1;
	size_t hold_min = (m + 2) / 3 ? (m + 2) / 3 : 1;
	uint64_t at = y[ts], tail_growth;

	if (!ts || at <= st->first || st->tail_intervals < hold_min)
		return false;
	tail_growth = st->last > at ? st->last - at : 0;
	return (unsigned __int128)4 * tail_growth * ts <=
	       (unsigned __int128)(at - st->first) * st->tail_intervals;
}

void trend__series_stats(const uint64_t *y, size_t n, struct trend_series_stats *st)
{
	double xm = ((double)n - 1) / 2, sxy = 0, sxx = 0;
	uint64_t low;
	bool in_spike = false;

	memset(st, 0, sizeof(*st));
	st->n = n;
	if (!n)
		return;
	st->first = y[0];
	st->last = y[n - 1];
	st->peak = st->base = y[0];
	for (size_t i = 1; i < n; i++) {
		if (y[i] > st->peak) {
			st->peak = y[i];
			st->peak_idx = i;
		}
		if (y[i] < st->base)
			st->base = y[i];
	}
	st->band = st->peak / 10;
	for (size_t i = 0; i + 1 < n; i++) {
		if (y[i + 1] > y[i])
			st->grew++;
		else if (y[i + 1] < y[i])
			st->shrank++;
		else
			st->unchanged++;
		if (y[i] > y[i + 1] && y[i] - y[i + 1] > st->band)
			st->drops++;
	}
	st->tail_start = n - 1;
	while (st->tail_start > 0) {
		uint64_t v = y[st->tail_start - 1];
		uint64_t dist = v > st->last ? v - st->last : st->last - v;

		if (dist > st->band)
			break;
		st->tail_start--;
	}
	st->tail_intervals = n - 1 - st->tail_start;
	st->tail_held = tail_held(y, st);
	/* completed spikes: rose beyond the band above the low since the last return, then
	 * came back within the band of that low */
	low = y[0];
	for (size_t i = 1; i < n; i++) {
		if (!in_spike) {
			if (y[i] < low)
				low = y[i];
			else if (y[i] - low > st->band)
				in_spike = true;
		} else if (y[i] <= low || y[i] - low <= st->band) {
			st->returns++;
			in_spike = false;
			low = y[i];
		}
	}
	/* x = the snapshot index: sum (x - xm)^2 has a closed form, but the loop is as exact */
	for (size_t i = 0; i < n; i++) {
		sxy += ((double)i - xm) * (double)y[i];
		sxx += ((double)i - xm) * ((double)i - xm);
	}
	st->slope_per_snapshot = sxx > 0 ? sxy / sxx : 0;
}

enum trend_class trend__classify(const struct trend_series_stats *st)
{
	bool grew_overall = st->last > st->first && st->last - st->first > st->band;

	if (st->peak - st->base <= st->band)
		return TREND_FLAT;
	if (grew_overall && st->last >= st->peak - st->band && st->grew >= 2 &&
	    4 * st->grew >= 3 * (st->grew + st->drops) && !st->tail_held)
		return TREND_LEAK;
	if (grew_overall && st->tail_held)
		return TREND_PLATEAU;
	if (st->returns >= 1)
		return TREND_TRANSIENT;
	if (st->first > st->last && st->first - st->last > st->band)
		return TREND_SHRINKING;
	return TREND_IRREGULAR;
}

const char *trend__class_name(enum trend_class cls)
{
	static const char *const names[TREND_CLASS__MAX] = {
		[TREND_FLAT] = "flat",		 [TREND_LEAK] = "leak",
		[TREND_PLATEAU] = "plateau",	 [TREND_TRANSIENT] = "transient",
		[TREND_SHRINKING] = "shrinking", [TREND_IRREGULAR] = "irregular",
	};

	return (unsigned)cls < TREND_CLASS__MAX ? names[cls] : "?";
}

/* ---- over a session ---- */

struct key {
	uint32_t pid;
	uint64_t stack_id;
};

static int key_cmp(const void *pa, const void *pb)
{
	const struct key *a = pa, *b = pb;

	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->stack_id != b->stack_id)
		return a->stack_id < b->stack_id ? -1 : 1;
	return 0;
}

/* Live bytes of a stack in a snapshot: 0 without a row; the sum when a corrupt file listed
 * it twice (rows are sorted, so duplicates are adjacent) */
static uint64_t live_bytes_of(const struct snapshot *snap, const struct key *k)
{
	size_t lo = 0, hi = snap->row_cnt;
	uint64_t sum = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct key mk = { snap->rows[mid].pid, snap->rows[mid].stack_id };

		if (key_cmp(&mk, k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < snap->row_cnt && snap->rows[lo].pid == k->pid &&
	       snap->rows[lo].stack_id == k->stack_id;
	     lo++)
		sum = add_clamped(sum, snap->rows[lo].counts.live_bytes);
	return sum;
}

/* The union of all snapshots' stack keys, sorted and unique */
static int all_keys(const struct session *s, struct key **out, size_t *cnt)
{
	size_t total = 0, n = 0;
	struct key *keys;

	for (size_t i = 0; i < s->snap_cnt; i++) {
		if (s->snaps[i].row_cnt > SIZE_MAX / sizeof(*keys) - total)
			return -ENOMEM;
		total += s->snaps[i].row_cnt;
	}
	keys = total ? malloc(total * sizeof(*keys)) : NULL;
	if (total && !keys)
		return -ENOMEM;
	for (size_t i = 0; i < s->snap_cnt; i++)
		for (size_t r = 0; r < s->snaps[i].row_cnt; r++)
			keys[n++] = (struct key){ s->snaps[i].rows[r].pid,
						  s->snaps[i].rows[r].stack_id };
	if (n)
		qsort(keys, n, sizeof(*keys), key_cmp);
	*cnt = 0;
	for (size_t i = 0; i < n; i++)
		if (!*cnt || key_cmp(&keys[*cnt - 1], &keys[i]))
			keys[(*cnt)++] = keys[i];
	/* each stack was in every snapshot, most often: a third of it is left */
	if (*cnt && *cnt < n) {
		struct key *fit = realloc(keys, *cnt * sizeof(*keys));

		keys = fit ? fit : keys;
	}
	*out = keys;
	return 0;
}

/* The time axis: a clock that strictly increases over the snapshots, in seconds from the
 * first; NONE when neither does (then nothing is per hour) */
static enum trend_time_axis time_axis(const struct session *s, double *t)
{
	bool mono = true, elapsed = true;

	for (size_t i = 1; i < s->snap_cnt; i++) {
		mono = mono && s->snaps[i].mono_ns > s->snaps[i - 1].mono_ns;
		elapsed = elapsed && s->snaps[i].elapsed_s > s->snaps[i - 1].elapsed_s;
	}
	/* elapsed_s is any JSON number: a span beyond a double (inf) is no axis at all */
	if (elapsed && s->snap_cnt &&
	    !isfinite(s->snaps[s->snap_cnt - 1].elapsed_s - s->snaps[0].elapsed_s))
		elapsed = false;
	for (size_t i = 0; i < s->snap_cnt; i++) {
		if (mono) /* as doubles: a difference of corrupt int64 values cannot overflow */
			t[i] = ((double)s->snaps[i].mono_ns - (double)s->snaps[0].mono_ns) / 1e9;
		else
			t[i] = elapsed ? s->snaps[i].elapsed_s - s->snaps[0].elapsed_s : 0;
	}
	if (mono)
		return TREND_TIME_MONO;
	return elapsed ? TREND_TIME_ELAPSED : TREND_TIME_NONE;
}

static int class_rank(enum trend_class cls)
{
	static const int rank[TREND_CLASS__MAX] = {
		[TREND_LEAK] = 0,      [TREND_PLATEAU] = 1,   [TREND_TRANSIENT] = 2,
		[TREND_IRREGULAR] = 3, [TREND_SHRINKING] = 4, [TREND_FLAT] = 5,
	};

	return rank[cls];
}

static int stack_cmp(const void *pa, const void *pb)
{
	const struct trend_stack *a = pa, *b = pb;
	int ra = class_rank(a->cls), rb = class_rank(b->cls);
	/* values are clamped to INT64_MAX, so differences fit */
	int64_t ga = (int64_t)a->st.last - (int64_t)a->st.first;
	int64_t gb = (int64_t)b->st.last - (int64_t)b->st.first;

	if (ra != rb)
		return ra < rb ? -1 : 1;
	if (ga != gb)
		return ga > gb ? -1 : 1;
	if (a->st.peak != b->st.peak)
		return a->st.peak > b->st.peak ? -1 : 1;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->stack_id != b->stack_id)
		return a->stack_id < b->stack_id ? -1 : 1;
	return 0;
}

/* Up to this many stacks kept, the first ones of the order are picked as the stacks come, by
 * insertion; beyond, all are sorted and the rest cut */
#define TREND_PICK_MAX 256

/* ts into the first cap stacks of out in order, where ts is stacks[stack_cnt] (a spare slot):
 * after the stacks better than it, the worst one dropped when they were cap already */
static void pick(struct session_trend *out, size_t cap)
{
	struct trend_stack x = out->stacks[out->stack_cnt];
	size_t j = out->stack_cnt < cap ? out->stack_cnt : cap - 1;

	if (out->stack_cnt == cap && stack_cmp(&x, &out->stacks[cap - 1]) >= 0)
		return;
	for (; j > 0 && stack_cmp(&x, &out->stacks[j - 1]) < 0; j--)
		out->stacks[j] = out->stacks[j - 1];
	out->stacks[j] = x;
	if (out->stack_cnt < cap)
		out->stack_cnt++;
}

/* drop: each snapshot's rows are freed once its values are taken (trend__compute_dropping);
 * keep: the first stacks of the order kept, at most (the counts are over all) */
static int compute(struct session *s, struct session_trend *out, bool drop, size_t keep)
{
	size_t cap;
	size_t n = s->snap_cnt, key_cnt = 0;
	struct key *keys = NULL;
	uint64_t *series = NULL; /* key k's value in snapshot i: series[k * n + i] */
	double *t = NULL;
	int err;

	memset(out, 0, sizeof(*out));
	if (n < TREND_MIN_SNAPSHOTS)
		return -EINVAL;
	out->s = s;
	out->snap_cnt = n;
	t = calloc(n, sizeof(*t));
	err = t ? all_keys(s, &keys, &key_cnt) : -ENOMEM;
	if (err)
		goto cleanup;
	out->time_axis = time_axis(s, t);
	out->span_s = t[n - 1];
	if (key_cnt && (key_cnt > SIZE_MAX / n / sizeof(*series) ||
			!(series = malloc(key_cnt * n * sizeof(*series))))) {
		err = -ENOMEM;
		goto cleanup;
	}
	/* snapshot by snapshot, so that each one's rows can go as soon as they are read */
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < key_cnt; k++)
			series[k * n + i] = live_bytes_of(&s->snaps[i], &keys[k]);
		if (drop)
			snapshot__drop_rows(&s->snaps[i]);
	}
	out->by_process = !s->pid;
	/* a spare slot for the one being picked */
	cap = keep && keep <= TREND_PICK_MAX && keep < key_cnt ? keep : key_cnt;
	out->stacks = key_cnt ? calloc(cap + 1, sizeof(*out->stacks)) : NULL;
	if (key_cnt && !out->stacks) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t k = 0; k < key_cnt; k++) {
		struct trend_stack *ts = &out->stacks[out->stack_cnt];
		const uint64_t *y = &series[k * n];
		const struct stack_entry *e;
		bool live = false;

		for (size_t i = 0; i < n; i++)
			live = live || y[i];
		if (!live) /* never held anything: nothing to say */
			continue;
		ts->live_bytes = (uint64_t *)y;
		ts->pid = keys[k].pid;
		ts->stack_id = keys[k].stack_id;
		trend__series_stats(ts->live_bytes, n, &ts->st);
		ts->cls = trend__classify(&ts->st);
		ts->bytes_per_hour = out->time_axis == TREND_TIME_NONE
					     ? NAN
					     : ls_slope(t, ts->live_bytes, n) * 3600;
		e = stacktab__get(s->stacks, ts->pid, ts->stack_id);
		ts->frames = e ? e->frames : NULL;
		ts->frame_cnt = e ? e->frame_cnt : 0;
		out->class_cnt[ts->cls]++;
		out->by_process = out->by_process || ts->pid != s->pid;
		if (cap < key_cnt)
			pick(out, cap);
		else
			out->stack_cnt++;
	}
	if (cap == key_cnt && out->stack_cnt)
		qsort(out->stacks, out->stack_cnt, sizeof(*out->stacks), stack_cmp);
	if (keep && out->stack_cnt > keep)
		out->stack_cnt = keep;
cleanup:
	out->series = series; /* the stacks' series point into it */
	free(keys);
	free(t);
	if (err)
		trend__free(out);
	return err;
}

int trend__compute(const struct session *s, struct session_trend *out)
{
	/* not dropping, nothing of s is written */
	return compute((struct session *)s, out, false, 0);
}

int trend__compute_dropping(struct session *s, struct session_trend *out)
{
	return compute(s, out, true, 0);
}

int trend__compute_top(const struct session *s, size_t keep, struct session_trend *out)
{
	return compute((struct session *)s, out, false, keep);
}

void trend__free(struct session_trend *t)
{
	if (!t)
		return;
	free(t->series);
	free(t->stacks);
	memset(t, 0, sizeof(*t));
}
