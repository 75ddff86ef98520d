// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer target for the regression detector's readers (user/results_io.c): every input is
 * read as a results file (any of the four formats) and as a baseline file. What a reader accepts
 * must hold its promises and survive the rest of the pipeline: values positive and finite, the
 * perfan-bpf file written from it reads back, merging, baseline update, check and all three
 * reports, history analysis. A broken promise aborts, so the fuzzer reports it.
 * Built by `make fuzz-regress`; run by tests/fuzz/run_regress.sh. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regress/regress.h"
#include "regress/regress_report.h"
#include "regress/results_io.h"

static FILE *sink;

#define PROMISE(cond)                                                                              \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_regress: broken promise: %s\n", #cond);              \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static void check_result(const struct regress_result *r)
{
	PROMISE(r->name && *r->name && r->unit);
	PROMISE(isfinite(r->value) && r->value > 0);
	PROMISE(isnan(r->stddev) || r->stddev >= 0);
	for (size_t i = 0; i < r->sample_cnt; i++)
		PROMISE(isfinite(r->samples[i]) && r->samples[i] > 0);
}

static char *write_results(const struct regress_run *run, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	PROMISE(f);
	PROMISE(results__write(f, run) == 0);
	fclose(f);
	return buf;
}

static void reports(const struct regress_check *chk)
{
	PROMISE(regress_report__write(chk, REGRESS_FORMAT_TEXT, sink) == 0);
	PROMISE(regress_report__write(chk, REGRESS_FORMAT_MARKDOWN, sink) == 0);
	PROMISE(regress_report__write(chk, REGRESS_FORMAT_JSON, sink) == 0);
}

static void history(const struct regress_baseline_set *set)
{
	struct regress_history_report rep;

	if (regress__history_analyze(set, &rep))
		return;
	PROMISE(regress_report__write_history(&rep, "fuzz", REGRESS_FORMAT_TEXT, sink) == 0);
	PROMISE(regress_report__write_history(&rep, "fuzz", REGRESS_FORMAT_JSON, sink) == 0);
	regress_history_report__free(&rep);
}

static void as_results(const char *data, size_t size)
{
	struct regress_run run, again, merged;
	struct regress_baseline_set set = {};
	struct regress_check chk;
	struct regress_opts opts;
	struct errtext err;
	char *out;
	size_t len;

	if (results__read_buf(data, size, "fuzz.json", &run, &err)) {
		PROMISE(memchr(err.msg, 0, sizeof(err.msg)) && !strchr(err.msg, '\n'));
		return;
	}
	PROMISE(run.result_cnt > 0);
	for (size_t i = 0; i < run.result_cnt; i++)
		check_result(&run.results[i]);
	/* what perfan-bpf writes, it reads */
	out = write_results(&run, &len);
	PROMISE(results__read_buf(out, len, "again.json", &again, &err) == 0);
	PROMISE(again.result_cnt == run.result_cnt);
	regress_run__free(&again);
	free(out);
	if (regress__merge_runs(&run, 1, &merged, &err) == 0) {
		if (regress_baseline_set__update(&set, &merged, "fuzz", 4, &err) == 0) {
			regress_opts__init(&opts);
			if (regress__check_all(merged.results, merged.result_cnt, &set, &opts, &chk,
					       &err) == 0) {
				reports(&chk);
				regress_check__free(&chk);
			}
			history(&set);
		}
		regress_run__free(&merged);
	}
	regress_baseline_set__free(&set);
	regress_run__free(&run);
}

static void as_baseline(const char *data, size_t size)
{
	struct regress_baseline_set set;
	struct errtext err;

	if (baseline__read_buf(data, size, "fuzz.json", &set, &err))
		return;
	for (size_t i = 0; i < set.cnt; i++) {
		PROMISE(isfinite(set.items[i].mean) && set.items[i].mean > 0);
		PROMISE(set.items[i].warning_threshold > 0 &&
			set.items[i].critical_threshold >= set.items[i].warning_threshold);
	}
	PROMISE(baseline__write(sink, &set) == 0);
	history(&set);
	regress_baseline_set__free(&set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!sink)
		sink = fopen("/dev/null", "w");
	as_results((const char *)data, size);
	as_baseline((const char *)data, size);
	return 0;
}
