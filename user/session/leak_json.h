/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The JSON shapes of the leak model shared by the leak report and the session file: counts,
 * frames and loss counters, encoded and decoded (jansson). Decoding validates types and
 * ranges and says what is wrong in one line. */
#ifndef PERFAN_LEAK_JSON_H
#define PERFAN_LEAK_JSON_H

#include <jansson.h>
#include "lib/errtext.h"
#include "lib/stack.h"
#include "session/session.h"

json_t *leak_json__counts(const struct stack_counts *c);
json_t *leak_json__frame(const struct frame *f);
/* The array of frames[0..cnt), or NULL when out of memory */
json_t *leak_json__frames(const struct frame *frames, size_t cnt);
/* The counters of the gear that kept them (report_lost__applies) */
json_t *leak_json__lost(const uint64_t lost[REPORT_LOST__MAX], bool growth);
/* A process of a growth snapshot: the keys of `processes[]` (docs/growth.md) */
json_t *leak_json__proc(const struct proc_row *p);
/* NULL stays JSON null */
json_t *leak_json__str(const char *s);
/* Write a report document (indented, keys in order, reals to 12 digits) and a newline, then
 * release it. 0, -ENOMEM for a NULL doc, or -EIO. */
int leak_json__write_doc(json_t *doc, FILE *out);

/* Decoders: 0, or -EINVAL with a reason in why. Strings in a decoded frame are handed to
 * intern(ctx, s), which returns a copy that outlives the JSON (NULL on failure). */
typedef const char *(*leak_json_intern_fn)(void *ctx, const char *s);
int leak_json__parse_counts(const json_t *obj, struct stack_counts *c, struct errtext *why);
int leak_json__parse_frame(const json_t *obj, struct frame *f, leak_json_intern_fn intern,
			   void *ctx, struct errtext *why);
/* Unknown keys are ignored (newer writers); missing ones stay 0 */
int leak_json__parse_lost(const json_t *obj, uint64_t lost[REPORT_LOST__MAX], struct errtext *why);
/* Missing optional keys stay 0; comm is sanitized */
int leak_json__parse_proc(const json_t *obj, struct proc_row *p, struct errtext *why);
/* A non-negative integer member; -EINVAL when absent or not one */
int leak_json__get_u64(const json_t *obj, const char *key, uint64_t *v, struct errtext *why);

#endif
