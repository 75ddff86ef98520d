// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The live leak view (see live_view.h). */
#include <inttypes.h>
#include <string.h>
#include "lib/bytes_fmt.h"
#include "lib/stack_name.h"
#include "output/live_view.h"

/* Terminal columns of UTF-8 text: every byte but continuation bytes */
static size_t columns(const char *s)
{
	size_t c = 0;

	for (; *s; s++)
		c += ((unsigned char)*s & 0xc0) != 0x80;
	return c;
}

/* Appends s to line (of size len) when it fits in cols columns; false when it does not */
static bool add(char *line, size_t len, int cols, const char *s)
{
	size_t n = strlen(line), m = strlen(s);

	if (n + m >= len || columns(line) + columns(s) > (size_t)cols)
		return false;
	memcpy(line + n, s, m + 1);
	return true;
}

static void lost_line(FILE *out, const struct leak_report *rep)
{
	bool any = false;

	fputs("lost:", out);
	for (int k = 0; k < REPORT_LOST__MAX; k++) {
		if (!rep->lost[k] || !report_lost__applies(k, rep->kind == SESSION_KIND_GROWTH))
			continue;
		fprintf(out, "%s %s %" PRIu64, any ? "," : "", report_lost__name(k), rep->lost[k]);
		any = true;
	}
	fputs(any ? "\n" : " nothing\n", out);
}

void live_view__draw(FILE *out, const struct leak_report *rep, const struct live_view *v)
{
	int rows = v->rows > 0 ? v->rows : 24, cols = v->cols > 0 ? v->cols : 80;
	char b1[BYTES_FMT_LEN], b2[BYTES_FMT_LEN], line[1024];
	size_t live_stacks = report__live_stack_cnt(rep);
	/* the live stacks, one a row, as many as fit between the 5 header rows and the last */
	struct report_format_opts fit = { .top = rows > 6 ? (size_t)(rows - 6) : 0 };
	struct report_cursor c = {};
	const struct report_stack *s;

	fputs("\033[H\033[2J", out); /* cursor home, clear screen */
	fprintf(out, "perfan-bpf  %s  %.0f s", v->target, v->elapsed_s);
	if (v->snapshots)
		fprintf(out, "  %u snapshot%s", v->snapshots, v->snapshots == 1 ? "" : "s");
	fputs("  Ctrl-C for the final report\n", out);
	fprintf(out, "heap: %s live in %" PRIu64 " objects from %zu stacks   ",
		bytes__fmt(rep->totals.live_bytes, b1, sizeof(b1)), rep->totals.live_objects,
		live_stacks);
	if (v->mem_known)
		fprintf(out, "RSS: %s (anon %s)   ", bytes__fmt(v->rss_bytes, b1, sizeof(b1)),
			bytes__fmt(v->anon_bytes, b2, sizeof(b2)));
	fprintf(out, "%.0f events/s\n", v->events_per_s);
	lost_line(out, rep);
	fprintf(out, "\n%4s %11s %9s  %s\n", "#", "LIVE", "OBJECTS", "STACK (callers after ←)");
	while (rows > 6 && (s = report__next_shown(rep, &fit, &c))) {
		const struct frame *first;
		char name[256];

		snprintf(line, sizeof(line), "%4zu %11s %9" PRIu64 "  %s", c.shown,
			 bytes__fmt(s->counts.live_bytes, b1, sizeof(b1)), s->counts.live_objects,
			 stack_name__text(s->frames, s->frame_cnt, v->allocator, s->stack_id, name,
					  sizeof(name)));
		first = stack_name__frame(s->frames, s->frame_cnt, v->allocator);
		/* the callers, as many as fit */
		for (size_t f = first ? (size_t)(first - s->frames) + 1 : s->frame_cnt;
		     f < s->frame_cnt; f++) {
			char caller[300];

			/* callers by function name alone, so more of them fit */
			snprintf(caller, sizeof(caller), " ← %s",
				 s->frames[f].function
					 ? s->frames[f].function
					 : stack_name__text(s->frames + f, 1, NULL, s->stack_id,
							    name, sizeof(name)));
			if (!add(line, sizeof(line), cols, caller))
				break;
		}
		fprintf(out, "%.*s\n", (int)sizeof(line), line);
	}
	if (c.shown < live_stacks)
		fprintf(out, "     (%zu more stacks with live memory)\n", live_stacks - c.shown);
	fflush(out);
}
