/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Private to the results files (results_read.c, results_import.c, results_write.c): a JSON
 * document being read, the validated getters of its members, which report the first problem as
 * one sentence naming the file, and the helpers that build results from what they return. */
#ifndef PERFAN_RESULTS_DOC_H
#define PERFAN_RESULTS_DOC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/errtext.h"
#include "regress/regress.h"
#include "regress/results_io.h"

/* Room for results__where_item's `benchmark 3 ("name")`, the prefix of a message */
#define RESULTS_WHERE_LEN 160

struct results_doc {
	const char *path;    /* names the data in messages */
	struct errtext *why; /* or NULL */
	enum results_metric metric;
};

/* "path: <message>" into c->why, cut to REGRESS_ERRLEN - 1 bytes and made one line; always
 * returns -EINVAL. */
int results_doc__fail(struct results_doc *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "cannot <what> <path>: <strerror(-err)>" into why (may be NULL), cut and made one line as
 * above; returns err. */
int results__fail_errno(struct errtext *why, int err, const char *what, const char *path);

/* A member that is absent or null is "not given": NULL. */
json_t *results__member(json_t *obj, const char *key);
/* where = "<what> <idx + 1>", followed by ("<name>") when name is not NULL. */
void results__where_item(char *where, const char *what, size_t idx, const char *name);

/* The getters below return 0, -EINVAL through results_doc__fail (where names the object in the
 * message) or -ENOMEM. An absent member gives dflt, NAN, 0, false or NULL, or fails when it is
 * required. */
int results_doc__num(struct results_doc *c, json_t *obj, const char *key, const char *where,
		     bool required, double dflt, double *out);
int results_doc__pos(struct results_doc *c, json_t *obj, const char *key, const char *where,
		     bool required, double *out);
int results_doc__nonneg(struct results_doc *c, json_t *obj, const char *key, const char *where,
			double dflt, double *out);
int results_doc__count(struct results_doc *c, json_t *obj, const char *key, const char *where,
		       size_t *out);
int results_doc__bool(struct results_doc *c, json_t *obj, const char *key, const char *where,
		      bool *out);
/* A copy of a string member (the caller frees it); a copy of dflt (may be NULL) when absent. */
int results_doc__str(struct results_doc *c, json_t *obj, const char *key, const char *where,
		     const char *dflt, char **out);
/* A string member that must be there and not be empty. */
int results_doc__name(struct results_doc *c, json_t *obj, const char *key, const char *where,
		      char **out);
/* arr (the member key, may be NULL) as positive samples in a new array of *cnt numbers. */
int results_doc__samples(struct results_doc *c, json_t *arr, const char *key, const char *where,
			 double **out, size_t *cnt);
/* "metadata" and "histogram" of obj into r. */
int results_doc__meta(struct results_doc *c, json_t *obj, const char *where,
		      struct regress_result *r);
int results_doc__histogram(struct results_doc *c, json_t *obj, const char *where,
			   struct regress_result *r);

/* The summaries the file did not give, from r's samples or, without a value, its histogram. */
int results_doc__fill_from_samples(struct results_doc *c, const char *where,
				   struct regress_result *r);
int results_doc__fill_from_histogram(struct results_doc *c, const char *where,
				     struct regress_result *r);
/* -EINVAL naming the first benchmark that appears twice in run, 0 or -ENOMEM. */
int results_doc__check_unique(struct results_doc *c, const struct regress_run *run);

/* One more metadata entry, kept sorted by key: 0 or -ENOMEM. */
int results__add_meta(struct regress_result *r, const char *key, const char *value);
/* An empty result: summaries NAN. */
void results__init_result(struct regress_result *r);
/* Grows run->results (capacity *cap) by one initialized result; NULL when out of memory. */
struct regress_result *results__add_result(struct regress_run *run, size_t *cap);

#endif
