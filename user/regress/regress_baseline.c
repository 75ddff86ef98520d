// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Baselines over time: `baseline save` makes merged results the baselines of their names with a
 * bounded history of every save, and `history` finds change points in those histories
 * (E-divisive means, seeded, so the same file gives the same report). */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "regress/regress.h"
#include "regress/regress_internal.h"
#include "regress/stats.h"

/* History change points: segments of at least 3 runs, 199 permutations at 5%, fixed seed. */
#define HISTORY_MIN_SIZE 3
#define HISTORY_PERMUTATIONS 199
#define HISTORY_SIG_LEVEL 0.05
#define HISTORY_SEED 0x70657266616e3031ULL

static double *scaled_copy(const double *x, size_t n, double factor)
{
	double *out;
	size_t i;

	out = malloc((n ? n : 1) * sizeof(*out));
	if (!out)
		return NULL;
	for (i = 0; i < n; i++)
		out[i] = x[i] * factor;
	return out;
}

static int cmp_baseline(const void *a, const void *b)
{
	return strcmp(((const struct regress_baseline *)a)->name,
		      ((const struct regress_baseline *)b)->name);
}

/* Makes b describe r (converted to r's unit) and appends a history entry. */
static int baseline_take(struct regress_baseline *b, const struct regress_result *r,
			 const char *label, size_t history_max, struct errtext *why)
{
	struct regress_history *h;
	uint64_t next_run = 1;
	double f = 1;
	size_t i;

	if (b->unit && regress__unit_factor(b->unit, r->unit, &f))
		return regress__fail(why, -EINVAL,
				     "benchmark \"%s\" is now measured in \"%s\" but its baseline in \"%s\"; "
				     "save it to a new baseline file",
				     r->name, r->unit, b->unit);
	for (i = 0; i < b->history_cnt; i++) { /* history and floor follow the unit */
		b->history[i].mean *= f;
		b->history[i].stddev *= f;
	}
	b->abs_floor *= f;
	free(b->unit);
	b->unit = strdup(r->unit);
	free(b->samples);
	b->samples = NULL;
	b->sample_cnt = 0;
	if (!b->unit)
		return -ENOMEM;
	if (r->sample_cnt && !r->samples_within_run) {
		b->samples = scaled_copy(r->samples, r->sample_cnt, 1);
		if (!b->samples)
			return -ENOMEM;
		b->sample_cnt = r->sample_cnt;
		regress__quartiles(b->samples, b->sample_cnt, &b->q25, &b->q50, &b->q75);
	} else {
		b->q25 = r->q25;
		b->q50 = r->median;
		b->q75 = r->q75;
	}
	b->mean = r->value;
	b->stddev = r->stddev;
	b->n = r->n ? r->n : r->sample_cnt;
	if (r->samples_within_run) { /* one run of rounds is one value: its mean (issue 14) */
		b->stddev = NAN;
		b->n = 1;
	}
	b->higher_is_better = r->higher_is_better;

	if (b->history_cnt)
		next_run = b->history[b->history_cnt - 1].run + 1;
	while (b->history_cnt && b->history_cnt >= history_max) { /* drop the oldest */
		free(b->history[0].label);
		memmove(b->history, b->history + 1, (b->history_cnt - 1) * sizeof(*b->history));
		b->history_cnt--;
	}
	if (!history_max)
		return 0;
	h = realloc(b->history, (b->history_cnt + 1) * sizeof(*h));
	if (!h)
		return -ENOMEM;
	b->history = h;
	h = &b->history[b->history_cnt];
	*h = (struct regress_history){ next_run, b->mean, b->stddev, b->n, NULL };
	if (label) {
		h->label = strdup(label);
		if (!h->label)
			return -ENOMEM;
	}
	b->history_cnt++;
	return 0;
}

int regress_baseline_set__update(struct regress_baseline_set *set, const struct regress_run *merged,
				 const char *label, size_t history_max, struct errtext *why)
{
	size_t n = merged->result_cnt, have_cnt = set->cnt, new_cnt = 0, i, j;
	struct regress_name_ref *have = NULL, *byname = NULL;
	/* per result: the index of its entry in set->items; SIZE_MAX for a new name until the
	 * name's first result adds the entry; lead: that first result */
	size_t *target = NULL, *lead = NULL;
	int err = 0;

	have = regress_name_ref__index(set);
	byname = calloc(n ? n : 1, sizeof(*byname));
	target = calloc(n ? n : 1, sizeof(*target));
	lead = calloc(n ? n : 1, sizeof(*lead));
	if (!have || !byname || !target || !lead) {
		err = -ENOMEM;
		goto cleanup;
	}
	/* an entry is found by name, the first of its name as a linear search would */
	for (i = 0; i < n; i++)
		byname[i] = (struct regress_name_ref){ merged->results[i].name, i };
	if (n)
		qsort(byname, n, sizeof(*byname), regress_name_ref__cmp);
	for (i = 0; i < n; i = j) {
		size_t found = regress_name_ref__find(have, have_cnt, byname[i].name);

		j = regress_name_ref__run_end(byname, n, i);
		new_cnt += found == SIZE_MAX;
		for (size_t m = i; m < j; m++) {
			target[byname[m].pos] = found;
			lead[byname[m].pos] = byname[i].pos;
		}
	}
	if (new_cnt) { /* room for every new entry at once */
		struct regress_baseline *items =
			realloc(set->items, (set->cnt + new_cnt) * sizeof(*items));

		if (!items) {
			err = -ENOMEM;
			goto cleanup;
		}
		set->items = items;
	}
	for (i = 0; i < n; i++) {
		const struct regress_result *r = &merged->results[i];
		struct regress_baseline *b;

		if (target[i] == SIZE_MAX && lead[i] != i)
			target[i] = target[lead[i]]; /* added by the name's first result */
		if (target[i] == SIZE_MAX) {
			target[i] = set->cnt;
			b = &set->items[set->cnt++];
			memset(b, 0, sizeof(*b));
			b->warning_threshold = REGRESS_WARNING_DEFAULT;
			b->critical_threshold = REGRESS_CRITICAL_DEFAULT;
			b->name = strdup(r->name);
			if (!b->name) {
				err = -ENOMEM;
				goto cleanup;
			}
		}
		err = baseline_take(&set->items[target[i]], r, label, history_max, why);
		if (err)
			goto cleanup;
	}
	qsort(set->items, set->cnt, sizeof(*set->items), cmp_baseline);
cleanup:
	free(have);
	free(byname);
	free(target);
	free(lead);
	return err;
}

static double median_of_means(const struct regress_history *h, size_t from, size_t to)
{
	double *x, m = NAN;
	size_t i;

	x = malloc((to - from) * sizeof(*x));
	if (!x)
		return NAN;
	for (i = from; i < to; i++)
		x[i - from] = h[i].mean;
	stats__median(x, to - from, &m);
	free(x);
	return m;
}

static int history_item(const struct regress_baseline *b, struct regress_history_item *it)
{
	struct stats_edivisive_opts eo = {
		.min_size = HISTORY_MIN_SIZE,
		.permutations = HISTORY_PERMUTATIONS,
		.sig_level = HISTORY_SIG_LEVEL,
		.seed = HISTORY_SEED,
	};
	struct stats_change_point *cps = NULL;
	/* a hand-edited file may hold more than save keeps: look at the newest runs only */
	size_t first = b->history_cnt > REGRESS_HISTORY_MAX_LIMIT
			       ? b->history_cnt - REGRESS_HISTORY_MAX_LIMIT
			       : 0;
	size_t cp_cnt = 0, i, cnt = b->history_cnt - first;
	const struct regress_history *h = b->history_cnt ? b->history + first : NULL;
	double *means;
	int err;

	it->name = b->name;
	it->unit = b->unit;
	it->run_cnt = cnt;
	it->too_short = cnt < 2 * HISTORY_MIN_SIZE;
	if (it->too_short)
		return 0;
	means = malloc(cnt * sizeof(*means));
	if (!means)
		return -ENOMEM;
	for (i = 0; i < cnt; i++)
		means[i] = h[i].mean;
	err = stats__edivisive(means, cnt, &eo, &cps, &cp_cnt);
	free(means);
	if (err || !cp_cnt)
		return err;
	it->cps = calloc(cp_cnt, sizeof(*it->cps));
	if (!it->cps) {
		free(cps);
		return -ENOMEM;
	}
	for (i = 0; i < cp_cnt; i++) {
		size_t at = cps[i].index, from = i ? cps[i - 1].index : 0;
		size_t to = i + 1 < cp_cnt ? cps[i + 1].index : cnt;
		struct regress_history_cp *cp = &it->cps[i];

		cp->index = first + at;
		cp->run = h[at].run;
		cp->label = h[at].label;
		cp->before = median_of_means(h, from, at);
		cp->after = median_of_means(h, at, to);
		cp->p = cps[i].p;
	}
	it->cp_cnt = cp_cnt;
	free(cps);
	return 0;
}

int regress__history_analyze(const struct regress_baseline_set *set,
			     struct regress_history_report *out)
{
	size_t i;
	int err = 0;

	memset(out, 0, sizeof(*out));
	out->min_runs = 2 * HISTORY_MIN_SIZE;
	out->permutations = HISTORY_PERMUTATIONS;
	out->sig_level = HISTORY_SIG_LEVEL;
	out->items = calloc(set->cnt ? set->cnt : 1, sizeof(*out->items));
	if (!out->items)
		return -ENOMEM;
	for (i = 0; i < set->cnt; i++) {
		err = history_item(&set->items[i], &out->items[i]);
		if (err)
			break;
		out->item_cnt++;
	}
	if (err)
		regress_history_report__free(out);
	return err;
}
