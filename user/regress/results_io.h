/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Results and baseline files of the regression detector (docs/results-format.md): perfan-bpf's
 * own JSON with a schema_version (read by results_read.c, written by results_write.c), and the
 * JSON of pytest-benchmark, Google Benchmark and hyperfine, imported as results and told apart
 * by their content (results_import.c). */
#ifndef PERFAN_RESULTS_IO_H
#define PERFAN_RESULTS_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "regress/regress.h"

#define RESULTS_SCHEMA_VERSION 1

/* Every reader returns 0, -EINVAL for a file that is not what it should be, -errno when it
 * cannot be read, -ENOMEM; on error why holds one sentence naming the file and the problem
 * (cut as regress.h says at REGRESS_ERRLEN) and the output is left empty. The caller frees the
 * output with regress_run__free or regress_baseline_set__free. */

/* Which time of a Google Benchmark run is the measurement (--metric): its wall-clock
 * real_time (the default) or its cpu_time. Other formats have only a wall-clock time. */
enum results_metric {
	RESULTS_METRIC_REAL_TIME,
	RESULTS_METRIC_CPU_TIME,
};

struct results_read_opts {
	enum results_metric metric;
};

/* "real_time" or "cpu_time": 0, or -EINVAL */
int results_metric__parse(const char *s, enum results_metric *out);
const char *results_metric__name(enum results_metric m);

/* A results file in any supported format; run->format says which. opts may be NULL (the
 * defaults). A file of a format without the --metric asked for is an error. */
int results__read_file(const char *path, struct regress_run *run, struct errtext *why);
int results__read_file_opts(const char *path, const struct results_read_opts *opts,
			    struct regress_run *run, struct errtext *why);
/* The same from memory; path only names the data in messages and in run->source. */
int results__read_buf(const char *data, size_t len, const char *path, struct regress_run *run,
		      struct errtext *why);
int results__read_buf_opts(const char *data, size_t len, const char *path,
			   const struct results_read_opts *opts, struct regress_run *run,
			   struct errtext *why);

/* A baseline file written by `perfan-bpf baseline save`; items come back sorted by name. */
int baseline__read_file(const char *path, struct regress_baseline_set *set, struct errtext *why);
int baseline__read_buf(const char *data, size_t len, const char *path,
		       struct regress_baseline_set *set, struct errtext *why);

/* Writers produce perfan-bpf's own format (schema_version RESULTS_SCHEMA_VERSION), keys in a
 * fixed order and reals with 15 significant digits, so equal data give equal bytes. The _file
 * variants create a new 0600 file (safe_file.h): an existing path is replaced only with force
 * (-EEXIST otherwise). Return 0 or -errno, with one sentence in why. */
int results__write(FILE *out, const struct regress_run *run);
int results__write_file(const char *path, bool force, const struct regress_run *run,
			struct errtext *why);
int baseline__write(FILE *out, const struct regress_baseline_set *set);
int baseline__write_file(const char *path, bool force, const struct regress_baseline_set *set,
			 struct errtext *why);

#endif
