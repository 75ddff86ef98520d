// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* JSON formatter of the leak report (schema in docs/leak-report-format.md), built with jansson
 * so that escaping of paths and names is the library's job. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include "report.h"

#define LEAK_REPORT_SCHEMA_VERSION 1

static json_t *counts_json(const struct stack_counts *c)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "live_bytes", (json_int_t)c->live_bytes,
			 "live_objects", (json_int_t)c->live_objects, "alloc_bytes",
			 (json_int_t)c->alloc_bytes, "alloc_objects", (json_int_t)c->alloc_objects,
			 "freed_bytes", (json_int_t)c->freed_bytes, "freed_objects",
			 (json_int_t)c->freed_objects);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *frame_json(const struct frame *f)
{
	char addr[24];

	snprintf(addr, sizeof(addr), "0x%" PRIx64, f->address);
	return json_pack("{s:s,s:o,s:o,s:o,s:I,s:o,s:o,s:b}", "address", addr, "module",
			 str_or_null(f->module), "build_id", str_or_null(f->build_id), "function",
			 str_or_null(f->function), "offset", (json_int_t)f->offset, "file",
			 str_or_null(f->file), "line",
			 f->file ? json_integer(f->line) : json_null(), "inlined", f->inlined);
}

static json_t *stack_json(const struct report_stack *s)
{
	json_t *obj = counts_json(&s->counts), *frames = json_array();

	if (!obj || !frames)
		goto fail;
	for (size_t i = 0; i < s->frame_cnt; i++)
		if (json_array_append_new(frames, frame_json(&s->frames[i])))
			goto fail;
	if (json_object_set_new(obj, "pid", json_integer(s->pid)) ||
	    json_object_set_new(obj, "stack_id", json_integer((json_int_t)s->stack_id)) ||
	    json_object_set_new(obj, "frames", frames))
		goto fail_obj;
	return obj;
fail:
	json_decref(frames);
fail_obj:
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
			"command", str_or_null(rep->command), "totals", counts_json(&rep->totals));
	lost = json_object();
	stacks = json_array();
	if (!doc || !lost || !stacks)
		goto cleanup;
	for (int k = 0; k < REPORT_LOST__MAX; k++)
		if (json_object_set_new(lost, report__lost_name(k), json_integer(rep->lost[k])))
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
	err = json_object_set(doc, "lost", lost) || json_object_set(doc, "stacks", stacks) ? -ENOMEM
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
