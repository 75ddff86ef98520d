// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* JSON formatter of the leak report (schema in docs/leak.md), built with jansson so that
 * escaping of paths and names is the library's job; the shapes of counts, frames and losses
 * are leak_json.h's, shared with the session file. */
#include <errno.h>
#include <jansson.h>
#include "analysis/report.h"
#include "lib/json_put.h"
#include "output/report_format.h"
#include "session/leak_json.h"

#define LEAK_REPORT_SCHEMA_VERSION 1

static json_t *stack_json(const struct report_stack *s)
{
	json_t *obj = leak_json__counts(&s->counts);
	int err = obj ? 0 : -ENOMEM;

	if (!err) {
		json__put(obj, "pid", json_integer(s->pid), &err);
		json__put(obj, "stack_id", json_integer((json_int_t)s->stack_id), &err);
		json__put(obj, "truncated", json_boolean(s->truncated), &err);
		json__put(obj, "frames", leak_json__frames(s->frames, s->frame_cnt), &err);
	}
	if (err) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

int report__write_json(const struct leak_report *rep, const struct report_format_opts *opts,
		       FILE *out)
{
	struct report_cursor c = {};
	const struct report_stack *s;
	json_t *doc, *lost, *stacks;
	int err = -ENOMEM;

	doc = json_pack("{s:i,s:i,s:f,s:b,s:o,s:o}", "schema_version", LEAK_REPORT_SCHEMA_VERSION,
			"pid", rep->pid, "duration_s", rep->duration_s, "final", rep->final,
			"command", leak_json__str(rep->command), "totals",
			leak_json__counts(&rep->totals));
	lost = leak_json__lost(rep->lost, rep->kind == SESSION_KIND_GROWTH);
	stacks = json_array();
	if (!doc || !lost || !stacks)
		goto cleanup;
	while ((s = report__next_shown(rep, opts, &c)))
		if (json_array_append_new(stacks, stack_json(s)))
			goto cleanup;
	err = 0;
	json__put(doc, "lost", json_incref(lost), &err);
	json__put(doc, "truncated_stacks",
		  json_integer((json_int_t)report__truncated_cnt(rep, opts, NULL)), &err);
	json__put(doc, "stacks", json_incref(stacks), &err);
	if (err)
		goto cleanup;
	if (json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) || fputc('\n', out) == EOF)
		err = -EIO;
cleanup:
	json_decref(lost);
	json_decref(stacks);
	json_decref(doc);
	return err;
}
