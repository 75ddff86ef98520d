// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* JSON formatter of the leak report (schema in docs/leak.md), built with jansson so that
 * escaping of paths and names is the library's job; the shapes of counts, frames and losses
 * are leak_json.h's, shared with the session file. */
#include <errno.h>
#include <jansson.h>
#include "leak_json.h"
#include "report.h"

#define LEAK_REPORT_SCHEMA_VERSION 1

static json_t *stack_json(const struct report_stack *s)
{
	json_t *obj = leak_json__counts(&s->counts), *frames = json_array();

	if (!obj || !frames)
		goto fail;
	for (size_t i = 0; i < s->frame_cnt; i++)
		if (json_array_append_new(frames, leak_json__frame(&s->frames[i])))
			goto fail;
	if (json_object_set_new(obj, "pid", json_integer(s->pid)) ||
	    json_object_set_new(obj, "stack_id", json_integer((json_int_t)s->stack_id)) ||
	    json_object_set_new(obj, "truncated", json_boolean(s->truncated)))
		goto fail;
	if (json_object_set_new(obj, "frames", frames)) {
		frames = NULL; /* set_new consumed it, even on failure */
		goto fail;
	}
	return obj;
fail:
	json_decref(frames);
	json_decref(obj);
	return NULL;
}

int report__write_json(const struct leak_report *rep, const struct report_format_opts *opts,
		       FILE *out)
{
	json_t *doc, *lost, *stacks;
	size_t shown = 0;
	int err = -ENOMEM;

	doc = json_pack("{s:i,s:i,s:f,s:b,s:o,s:o}", "schema_version", LEAK_REPORT_SCHEMA_VERSION,
			"pid", rep->pid, "duration_s", rep->duration_s, "final", rep->final,
			"command", leak_json__str(rep->command), "totals",
			leak_json__counts(&rep->totals));
	lost = leak_json__lost(rep->lost);
	stacks = json_array();
	if (!doc || !lost || !stacks)
		goto cleanup;
	for (size_t i = 0; i < rep->stack_cnt; i++) {
		const struct report_stack *s = &rep->stacks[i];

		if (opts->top && shown >= opts->top)
			break;
		if (!s->counts.live_objects && !opts->show_freed)
			continue;
		shown++;
		if (json_array_append_new(stacks, stack_json(s)))
			goto cleanup;
	}
	err = json_object_set(doc, "lost", lost) ||
			      json_object_set_new(doc, "truncated_stacks",
						  json_integer((json_int_t)report__truncated_cnt(
							  rep, opts, NULL))) ||
			      json_object_set(doc, "stacks", stacks)
		      ? -ENOMEM
		      : 0;
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
