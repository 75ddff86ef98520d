/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Formatters of the growth trend (trend.h): text that reads like a diagnosis, one line per
 * stack that moved, and JSON (jansson) with every stack's series and numbers. */
#ifndef PERFAN_TREND_REPORT_H
#define PERFAN_TREND_REPORT_H

#include <stdio.h>
#include "analysis/trend.h"
#include "output/report_format.h"

#define TREND_REPORT_SCHEMA_VERSION 1

typedef int (*trend_formatter)(const struct session_trend *t, FILE *out);

/* A summary line, one diagnosis line per stack that is not flat, e.g.
 *   keep_sessions (server.c:212): 1.2 MiB -> 9.8 MiB over 8 snapshots, +1.1 MiB per
 *   snapshot (+40.2 MiB/h), grew in 7/7 intervals -- leak
 * and a verdict. 0 or -EIO. */
int trend_report__write_text(const struct session_trend *t, FILE *out);
/* One JSON document with every stack (flat ones too). 0, -ENOMEM or -EIO. */
int trend_report__write_json(const struct session_trend *t, FILE *out);
/* "text" or "json"; NULL for another name */
trend_formatter trend_report__formatter(const char *name);

#endif
