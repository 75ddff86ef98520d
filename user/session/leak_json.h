/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The JSON shapes of the leak model shared by the leak report, the diff, trend and growth
 * reports and the session file: counts, frames, loss counters and processes, encoded (streamed
 * through lib/json_out.h: no tree, however many stacks) and decoded (jansson, one session
 * record at a time). Decoding validates types and ranges and says what is wrong in one line. */
#ifndef PERFAN_LEAK_JSON_H
#define PERFAN_LEAK_JSON_H

#include <jansson.h>
#include "lib/errtext.h"
#include "lib/json_out.h"
#include "lib/stack.h"
#include "session/session.h"

/* Encoders (the bytes jansson printed from the trees of earlier versions). _members write their keys into the object the
 * caller opened (and may add to); the others write one value (after its key, inside an
 * object). Errors stay in o (json_out.h). */
void leak_json__out_counts_members(struct json_out *o, const struct stack_counts *c);
void leak_json__out_frame(struct json_out *o, const struct frame *f);
void leak_json__out_frames(struct json_out *o, const struct frame *frames, size_t cnt);
void leak_json__out_lost(struct json_out *o, const uint64_t lost[REPORT_LOST__MAX], bool growth);
void leak_json__out_proc_members(struct json_out *o, const struct proc_row *p);
/* A writer of a report document into out: indented by 2, reals to 12 digits (the diff,
 * trend and growth reports); NULL with errno set */
struct json_out *leak_json__doc_out(FILE *out);
/* Ends a document of leak_json__doc_out with its newline and closes the writer: 0 or the
 * first error (json_out.h) */
int leak_json__doc_close(struct json_out *o);

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
