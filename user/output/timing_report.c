// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Text report and results of `perfan-bpf time` (see timing_report.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "output/timing_report.h"

static const char *const stat_names[] = {
	[TIMING_STAT_P50] = "p50",
	[TIMING_STAT_MEAN] = "mean",
	[TIMING_STAT_P90] = "p90",
	[TIMING_STAT_P99] = "p99",
};

static const char *const loss_text[TIMING_LOSS__MAX] = {
	[TIMING_LOSS_STALE] = "stale entries dropped by the stack-pointer check (longjmp, "
			      "exception, or a return never seen)",
	[TIMING_LOSS_DEPTH_LIMIT] = "calls nested deeper than the kernel's 64 return probes per "
				    "thread: not timed",
	[TIMING_LOSS_STACK_FULL] = "calls nested deeper than 128 timed calls: not timed",
	[TIMING_LOSS_UNMATCHED] = "returns without their entry (in flight at attach, or not "
				  "recorded)",
	[TIMING_LOSS_STATE] = "calls not timed: per-thread state could not be created",
	[TIMING_LOSS_HIST_FULL] = "calls not recorded: histogram map full (raise --max-hists)",
};

static const char *const loss_keys[TIMING_LOSS__MAX] = {
	[TIMING_LOSS_STALE] = "stale_dropped",	 [TIMING_LOSS_DEPTH_LIMIT] = "depth_limited",
	[TIMING_LOSS_STACK_FULL] = "stack_full", [TIMING_LOSS_UNMATCHED] = "unmatched_returns",
	[TIMING_LOSS_STATE] = "state_failures",	 [TIMING_LOSS_HIST_FULL] = "hist_full",
};

int timing_stat__parse(const char *s, enum timing_stat *out)
{
	for (size_t i = 0; i < sizeof(stat_names) / sizeof(stat_names[0]); i++) {
		if (!strcmp(s, stat_names[i])) {
			*out = (enum timing_stat)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *timing_stat__name(enum timing_stat stat)
{
	return stat_names[stat];
}

double timing_stat__of(const struct hist *h, enum timing_stat stat)
{
	switch (stat) {
	case TIMING_STAT_MEAN:
		return hist__mean(h);
	case TIMING_STAT_P90:
		return hist__quantile(h, 0.90);
	case TIMING_STAT_P99:
		return hist__quantile(h, 0.99);
	case TIMING_STAT_P50:
	default:
		return hist__quantile(h, 0.50);
	}
}

const char *timing_report__kind(bool ret_insn, bool entry_stepped)
{
	static const char *const kinds[TIMING_CAL_KINDS] = {
		"uretprobe, entry emulated",
		"uretprobe, entry single-stepped",
		"return instructions, entry emulated",
		"return instructions, entry single-stepped",
	};

	return kinds[timing_calibration__index(ret_insn, entry_stepped)];
}

double timing_report__overhead(const struct timing_report *r, const struct timing_func_report *f)
{
	const struct timing_calibration *c =
		r->cal[timing_calibration__index(f->ret_insn, f->entry_stepped)];

	return c ? c->p50_ns : NAN;
}

double timing_report__nested_share(const struct timing_report *r,
				   const struct timing_func_report *f)
{
	double mean = hist__mean(f->h), cost;

	if (!f->nested.calls || !f->h->count || isnan(mean))
		return 0;
	cost = (double)f->nested.cost_ns / (double)f->h->count;
	if (r->subtract_nested)
		mean += cost; /* what it measured before the subtraction (about: clamped at 0) */
	return mean > 0 ? fmin(cost / mean, 1.0) : 1.0;
}

bool timing_report__near_overhead(const struct timing_report *r, const struct timing_func_report *f)
{
	double o = timing_report__overhead(r, f), p50 = hist__quantile(f->h, 0.5);

	return !isnan(o) && !isnan(p50) && p50 < TIMING_NEAR_OVERHEAD_FACTOR * o;
}

static const char *probe_kind(bool ret_insn)
{
	return ret_insn ? "probes on return instructions" : "uretprobe";
}

static int print_stats(FILE *out, const char *indent, const struct hist *h, bool interval)
{
	char a[32], b[32], c[32], d[32], e[32];
	struct hist_stats st;

	hist__stats(h, &st);
	if (fprintf(out, "%scalls %llu   mean %s   stddev %s", indent, (unsigned long long)st.count,
		    hist__fmt_ns(st.mean, a, sizeof(a)), hist__fmt_ns(st.stddev, b, sizeof(b))) < 0)
		return -EIO;
	if (!interval && fprintf(out, "   min %s   max %s", hist__fmt_ns(st.min, a, sizeof(a)),
				 hist__fmt_ns(st.max, b, sizeof(b))) < 0)
		return -EIO;
	if (fprintf(out, "\n%sp50 %s   p90 %s   p99 %s   p99.9 %s", indent,
		    hist__fmt_ns(st.p50, a, sizeof(a)), hist__fmt_ns(st.p90, b, sizeof(b)),
		    hist__fmt_ns(st.p99, c, sizeof(c)), hist__fmt_ns(st.p999, d, sizeof(d))) < 0)
		return -EIO;
	if (st.count && st.p50 >= HIST_SUB &&
	    fprintf(out, "   (quantiles within %s here, %.2f%% at most)",
		    hist__fmt_ns((double)hist__error_at(st.p50), e, sizeof(e)),
		    100 * HIST_REL_ERROR) < 0)
		return -EIO;
	return fputc('\n', out) == EOF ? -EIO : 0;
}

/* The timed calls inside this function's calls: their traps are in its durations (or were
 * subtracted from them) */
static int print_nested(const struct timing_report *r, const struct timing_func_report *f,
			FILE *out)
{
	double share = timing_report__nested_share(r, f), per_call, cost;
	char a[32];

	if (!f->nested.calls || !f->h->count)
		return 0;
	per_call = (double)f->nested.calls / (double)f->h->count;
	cost = (double)f->nested.cost_ns / (double)f->h->count;
	if (fprintf(out,
		    "  nested probe calls %llu (%.4g per call): their traps, about %s per call, "
		    "%s %.1f%% of the mean\n",
		    (unsigned long long)f->nested.calls, per_call, hist__fmt_ns(cost, a, sizeof(a)),
		    r->subtract_nested ? "are subtracted; they were" : "are", 100 * share) < 0)
		return -EIO;
	if (share < TIMING_NESTED_SHARE)
		return 0;
	if (!r->subtract_nested)
		return fprintf(out,
			       "  ! %.0f%% of this time is the traps of the timed calls inside it: "
			       "time it without them, or add --subtract-nested\n",
			       100 * share) < 0
			       ? -EIO
			       : 0;
	if (share >= 0.5)
		return fprintf(out,
			       "  ! the subtracted traps were %.0f%% of the raw mean: what is left is "
			       "within their noise\n",
			       100 * share) < 0
			       ? -EIO
			       : 0;
	return 0;
}

static int print_func(const struct timing_report *r, const struct timing_func_report *f, FILE *out)
{
	const char *base = strrchr(r->binary, '/');
	double o = timing_report__overhead(r, f), p50 = hist__quantile(f->h, 0.5);
	char a[32];
	int err;

	base = base ? base + 1 : r->binary;
	if (fprintf(out, "%s:%s   (%s)\n", base, f->name, probe_kind(f->ret_insn)) < 0)
		return -EIO;
	err = print_stats(out, "  ", f->h, r->interval);
	if (err)
		return err;
	if (!isnan(o)) {
		if (fprintf(out,
			    "  probe overhead %s per call (empty function, p50; entry probe %s)",
			    hist__fmt_ns(o, a, sizeof(a)),
			    f->entry_stepped ? "single-stepped" : "emulated") < 0)
			return -EIO;
		if (!isnan(p50) && p50 > 0 && fprintf(out, ": %.1f%% of p50", 100 * o / p50) < 0)
			return -EIO;
		if (fputc('\n', out) == EOF)
			return -EIO;
	}
	if (timing_report__near_overhead(r, f) &&
	    fprintf(out,
		    "  ! p50 is under %.0fx the probe overhead: this time is mostly the "
		    "probe's\n",
		    TIMING_NEAR_OVERHEAD_FACTOR) < 0)
		return -EIO;
	err = print_nested(r, f, out);
	if (err)
		return err;
	for (int k = 0; k < TIMING_LOSS__MAX; k++)
		if (f->losses[k] && fprintf(out, "  lost: %llu %s\n",
					    (unsigned long long)f->losses[k], loss_text[k]) < 0)
			return -EIO;
	if (f->no_returns &&
	    fprintf(out,
		    "  note: %s has no return instruction (it never returns, or leaves by "
		    "tail jumps): its calls cannot be timed by return-instruction probes\n",
		    f->name) < 0)
		return -EIO;
	if (f->tail_exits &&
	    fprintf(out,
		    "  note: %zu tail jump%s out of %s: calls that leave that way are not "
		    "timed (counted as stale)\n",
		    f->tail_exits, f->tail_exits == 1 ? "" : "s", f->name) < 0)
		return -EIO;
	if (f->run_cnt) {
		if (fprintf(out, "  per run:") < 0)
			return -EIO;
		for (size_t i = 0; i < f->run_cnt; i++)
			if (fprintf(out, " %s", hist__fmt_ns(f->run_stats[i], a, sizeof(a))) < 0)
				return -EIO;
		if (fputc('\n', out) == EOF)
			return -EIO;
	}
	if (f->h->count) {
		err = hist__print(out, f->h, r->rows_per_octave, "  ");
		if (err)
			return err;
	}
	for (size_t i = 0; i < f->part_cnt; i++) {
		char name[64] = "", label[96];

		if (r->by == TIMING_PER_THREAD && r->thread_name)
			r->thread_name(r->thread_name_ctx, f->parts[i].id, name, sizeof(name));
		snprintf(label, sizeof(label), "%s %u%s%s%s",
			 r->by == TIMING_PER_THREAD ? "tid" : "pid", f->parts[i].id,
			 *name ? " (" : "", name, *name ? ")" : "");
		if (fprintf(out, "  %s\n", label) < 0)
			return -EIO;
		err = print_stats(out, "    ", f->parts[i].h, r->interval);
		if (err)
			return err;
	}
	return fputc('\n', out) == EOF ? -EIO : 0;
}

int timing_report__text(const struct timing_report *r, FILE *out)
{
	char who[64];
	int err;

	if (r->pid)
		snprintf(who, sizeof(who), "pid %d", r->pid);
	else
		snprintf(who, sizeof(who), "every process");
	/* the process by its program; a library given with --binary after it */
	if (fprintf(out, "%s of %s (%s%s%s) after %.1f s\n\n",
		    r->final	  ? "Timing"
		    : r->interval ? "Interval"
				  : "So far",
		    who, r->program ? r->program : r->binary, r->program ? "; functions in " : "",
		    r->program ? r->binary : "", r->duration_s) < 0)
		return -EIO;
	for (size_t i = 0; i < r->cnt; i++) {
		err = print_func(r, &r->funcs[i], out);
		if (err)
			return err;
	}
	return fflush(out) ? -EIO : 0;
}

/* ---- results ---- */

static int add_num(struct regress_result *res, const char *key, double v)
{
	return regress_result__add_meta_num(res, key, v);
}

static int add_str(struct regress_result *res, const char *key, const char *v)
{
	return regress_result__add_meta(res, key, v);
}

static int add_bool(struct regress_result *res, const char *key, bool v)
{
	return regress_result__add_meta_json(res, key, v ? "true" : "false");
}

static int fill_result(const struct timing_report *r, const struct timing_func_report *f,
		       enum timing_stat stat, struct regress_result *res)
{
	struct hist_stats st;
	double o = timing_report__overhead(r, f), calls;
	size_t nb = 0;
	int err = 0;

	hist__stats(f->h, &st);
	calls = (double)st.count;
	if (asprintf(&res->name, "%s%s%s", r->name ? r->name : "", r->name ? ":" : "", f->name) <
	    0) {
		res->name = NULL;
		return -ENOMEM;
	}
	res->unit = strdup("ns");
	if (!res->unit)
		return -ENOMEM;
	res->stddev = res->median = res->q25 = res->q75 = NAN;
	res->overhead = o;
	if (f->run_cnt) {
		double sum = 0;

		res->samples = malloc(f->run_cnt * sizeof(*res->samples));
		if (!res->samples)
			return -ENOMEM;
		for (size_t i = 0; i < f->run_cnt; i++) {
			res->samples[i] = f->run_stats[i];
			sum += f->run_stats[i];
		}
		res->sample_cnt = f->run_cnt;
		res->value = sum / (double)f->run_cnt;
	} else {
		/* one session: calls are not independent measurements, so no n or stddev */
		res->value = timing_stat__of(f->h, stat);
	}
	for (size_t b = 0; b < HIST_BUCKETS; b++)
		nb += f->h->buckets[b] != 0;
	res->buckets = calloc(nb ? nb : 1, sizeof(*res->buckets));
	if (!res->buckets)
		return -ENOMEM;
	for (size_t b = 0; b < HIST_BUCKETS; b++) {
		struct regress_bucket *k;

		if (!f->h->buckets[b])
			continue;
		k = &res->buckets[res->bucket_cnt++];
		k->lower = (double)hist__bucket_lower(b);
		k->upper = b == HIST_BUCKETS - 1 ? fmax((double)f->h->max, k->lower)
						 : (double)hist__bucket_upper(b);
		k->count = f->h->buckets[b];
	}
	err = add_str(res, "stat", timing_stat__name(stat)) ?: add_num(res, "calls", calls) ?:
	      add_num(res, "mean_ns", st.mean) ?: add_num(res, "stddev_ns", st.stddev) ?:
	      add_num(res, "min_ns", st.min) ?: add_num(res, "max_ns", st.max) ?:
	      add_num(res, "p50_ns", st.p50) ?: add_num(res, "p90_ns", st.p90) ?:
	      add_num(res, "p99_ns", st.p99) ?: add_num(res, "p99.9_ns", st.p999) ?:
	      add_num(res, "quantile_error", HIST_REL_ERROR) ?: add_num(res, "overhead_ns", o) ?:
	      add_bool(res, "near_overhead", timing_report__near_overhead(r, f)) ?:
	      add_str(res, "probe", f->ret_insn ? "return-instructions" : "uretprobe") ?:
	      add_str(res, "entry_probe", f->entry_stepped ? "single-stepped" : "emulated") ?:
	      add_num(res, "entry_probe_offset", (double)f->entry_skip) ?:
	      add_num(res, "nested_probe_calls", (double)f->nested.calls) ?:
	      add_num(res, "nested_probe_calls_per_call", calls ? f->nested.calls / calls : 0) ?:
	      add_num(res, "nested_probe_cost_ns", calls ? f->nested.cost_ns / calls : 0) ?:
	      add_bool(res, "nested_subtracted", r->subtract_nested) ?:
	      add_str(res, "binary", r->binary) ?: add_str(res, "tool", "perfan-bpf time");
	if (!err && r->program)
		err = add_str(res, "program", r->program);
	if (!err && f->run_cnt)
		err = add_num(res, "runs", (double)f->run_cnt);
	for (int k = 0; !err && k < TIMING_LOSS__MAX; k++)
		err = add_num(res, loss_keys[k], (double)f->losses[k]);
	return err;
}

int timing_report__results(const struct timing_report *r, enum timing_stat stat,
			   struct regress_run *run)
{
	int err = 0;

	memset(run, 0, sizeof(*run));
	run->format = "perfan";
	run->results = calloc(r->cnt ? r->cnt : 1, sizeof(*run->results));
	if (!run->results)
		return -ENOMEM;
	for (size_t i = 0; i < r->cnt && !err; i++) {
		const struct timing_func_report *f = &r->funcs[i];
		double v = f->run_cnt ? 1 : timing_stat__of(f->h, stat);

		if (!f->h->count || !(v > 0))
			continue; /* a result must be positive: no calls, nothing to compare */
		err = fill_result(r, f, stat, &run->results[run->result_cnt++]);
	}
	if (err)
		regress_run__free(run);
	return err;
}
