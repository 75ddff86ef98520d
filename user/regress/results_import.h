/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Private to results_read.c: the importers of other tools' JSON (results_import.c), called once
 * results__read_buf has told the format apart by its content. Each fills run (run->format names
 * the tool) and returns 0, -EINVAL through results_doc__fail or -ENOMEM; the caller frees run. */
#ifndef PERFAN_RESULTS_IMPORT_H
#define PERFAN_RESULTS_IMPORT_H

#include <jansson.h>

#include "regress/regress.h"
#include "regress/results_doc.h"

/* "benchmarks" with "machine_info" or "commit_info": one result per benchmark, in seconds */
int results_doc__import_pytest_benchmark(struct results_doc *c, json_t *root,
					 struct regress_run *run);
/* "benchmarks" with "context": repetitions of a run_name become the samples of one result */
int results_doc__import_google_benchmark(struct results_doc *c, json_t *root,
					 struct regress_run *run);
/* "results" whose first entry has a "command": one result per command, in seconds */
int results_doc__import_hyperfine(struct results_doc *c, json_t *root, struct regress_run *run);

#endif
