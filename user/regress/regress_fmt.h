/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Number and text helpers shared by the detector's reports (regress_report.c,
 * regress_check_json.c, regress_history_report.c): private to user/regress. */
#ifndef PERFAN_REGRESS_FMT_H
#define PERFAN_REGRESS_FMT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "regress/regress.h"

/* schema_version of the JSON reports */
#define REGRESS_REPORT_SCHEMA_VERSION 1

/* "+12.3%", "-" for NaN, "+inf"/"-inf" */
const char *regress_fmt__pct(char *buf, size_t len, double frac);
/* s with Markdown's special characters escaped */
void regress_fmt__md_text(FILE *out, const char *s);
/* a JSON real, or null when not finite */
json_t *regress_fmt__num(double v);
/* root (consumed) indented, then a newline; 0, -ENOMEM for NULL, -EIO */
int regress_fmt__dump_json(json_t *root, FILE *out);
/* Operations per second for a time per operation; NAN for other units */
double regress_fmt__ops_per_sec(double v, const char *unit);
/* The one-line verdict of a check: "FAIL: 1 regression at or above critical (...)" */
void regress_fmt__verdict_line(const struct regress_check *c, char *buf, size_t len);
/* The JSON document of a check (regress_check_json.c); NULL when out of memory */
json_t *regress_fmt__check_json(const struct regress_check *c);

#endif
