// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* JSON formatter of the leak report (schema in docs/leak.md), streamed (lib/json_out.h): a
 * report of 100,000 stacks is written as it is walked, with no tree in memory; the bytes are
 * those jansson printed before (JSON_INDENT(2), keys in order, reals to 17 digits). The shapes
 * of counts, frames and losses are leak_json.h's, shared with the session file. */
#include <errno.h>
#include "analysis/report.h"
#include "lib/json_out.h"
#include "output/report_format.h"
#include "session/leak_json.h"

#define LEAK_REPORT_SCHEMA_VERSION 1

/* "live_usable_bytes": what the allocator holds for the live objects (its usable sizes), null
 * when the allocator does not tell (tcmalloc, mimalloc, a session file) */
static void usable_json(struct json_out *o, const struct stack_counts *c)
{
	json_out__key(o, "live_usable_bytes");
	if (stack_counts__usable_known(c))
		json_out__int(o, (int64_t)c->live_usable_bytes);
	else
		json_out__null(o);
}

static void stack_json(struct json_out *o, const struct report_stack *s)
{
	json_out__obj_begin(o);
	leak_json__out_counts_members(o, &s->counts);
	usable_json(o, &s->counts);
	json_out__key_int(o, "pid", s->pid);
	json_out__key_int(o, "stack_id", (int64_t)s->stack_id);
	json_out__key_bool(o, "truncated", s->truncated);
	json_out__key(o, "frames");
	leak_json__out_frames(o, s->frames, s->frame_cnt);
	json_out__obj_end(o);
}

/* One process of "processes": its stacks' sums, its anonymous memory and what of its growth
 * the live heap does not explain (null where not known) */
static void proc_json(struct json_out *o, const struct report_proc *p)
{
	json_out__obj_begin(o);
	json_out__key_int(o, "pid", p->pid);
	json_out__key(o, "ppid");
	if (p->ppid)
		json_out__int(o, p->ppid);
	else
		json_out__null(o);
	json_out__key_str(o, "comm", p->comm[0] ? p->comm : NULL);
	leak_json__out_counts_members(o, &p->counts);
	usable_json(o, &p->counts);
	json_out__key(o, "anon_bytes");
	if (p->mem_known)
		json_out__int(o, (int64_t)p->anon_bytes);
	else
		json_out__null(o);
	json_out__key(o, "anon_growth_bytes");
	if (p->mem_known && p->growth_known)
		json_out__int(o, p->anon_growth_bytes);
	else
		json_out__null(o);
	json_out__key(o, "untracked_growth_bytes");
	if (p->mem_known && p->growth_known)
		json_out__int(o, p->untracked_growth_bytes);
	else
		json_out__null(o);
	json_out__obj_end(o);
}

/* "code": what new code did to the session (execs, early walks), only when it did anything */
static void code_json(struct json_out *o, const struct report_code *c)
{
	if (!c->execs_total && !c->exec_cnt && !c->early_walks && !c->events_lost)
		return;
	json_out__key(o, "code");
	json_out__obj_begin(o);
	json_out__key(o, "execs");
	json_out__arr_begin(o);
	for (size_t i = 0; i < c->exec_cnt; i++) {
		const struct report_exec *e = &c->execs[i];

		json_out__obj_begin(o);
		json_out__key_int(o, "pid", e->pid);
		json_out__key_real(o, "at_s", e->at_s);
		json_out__key_str(o, "path", e->path);
		json_out__key_str(o, "comm", e->comm);
		json_out__key_str(o, "allocator", e->allocator);
		json_out__key_bool(o, "traced", !e->untraced);
		json_out__obj_end(o);
	}
	json_out__arr_end(o);
	json_out__key_int(o, "execs_total", (int64_t)c->execs_total);
	json_out__key_int(o, "early_walks", (int64_t)c->early_walks);
	json_out__key_int(o, "rewalked", (int64_t)c->rewalked);
	json_out__key_int(o, "rewalked_same", (int64_t)c->rewalked_same);
	json_out__key_int(o, "not_rewalked", (int64_t)c->not_rewalked);
	json_out__key_int(o, "folded_stacks", (int64_t)c->folded);
	json_out__key_int(o, "left_stacks", (int64_t)c->left);
	json_out__key_int(o, "left_objects", (int64_t)c->left_objects);
	json_out__key_int(o, "events_lost", (int64_t)c->events_lost);
	json_out__obj_end(o);
}

int report__write_json(const struct leak_report *rep, const struct report_format_opts *opts,
		       FILE *out)
{
	struct json_out *o = json_out__new_file(out, &(struct json_out_opts){ .indent = 2 });
	struct report_cursor c = {};
	const struct report_stack *s;

	if (!o)
		return -ENOMEM;
	json_out__obj_begin(o);
	json_out__key_int(o, "schema_version", LEAK_REPORT_SCHEMA_VERSION);
	json_out__key_int(o, "pid", (int)rep->pid);
	json_out__key_real(o, "duration_s", rep->duration_s);
	json_out__key_bool(o, "final", rep->final);
	json_out__key_str(o, "command", rep->command);
	json_out__key(o, "totals");
	json_out__obj_begin(o);
	leak_json__out_counts_members(o, &rep->totals);
	usable_json(o, &rep->totals);
	json_out__obj_end(o);
	json_out__key(o, "lost");
	leak_json__out_lost(o, rep->lost, rep->kind == SESSION_KIND_GROWTH);
	json_out__key_int(o, "truncated_stacks", (int64_t)report__truncated_cnt(rep, opts, NULL));
	code_json(o, &rep->code);
	if (rep->proc_cnt) {
		json_out__key(o, "processes");
		json_out__arr_begin(o);
		for (size_t i = 0; i < rep->proc_cnt; i++)
			proc_json(o, &rep->procs[i]);
		json_out__arr_end(o);
	}
	json_out__key(o, "stacks");
	json_out__arr_begin(o);
	while ((s = report__next_shown(rep, opts, &c)) && !json_out__err(o))
		stack_json(o, s);
	json_out__arr_end(o);
	json_out__obj_end(o);
	json_out__raw(o, "\n", 1);
	return json_out__close(o);
}
