// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* SVG flame graphs (see flamegraph.h): the frame tree (frame_tree.h) laid out left to right in
 * name order, one <g> with a <title>, a <rect> and a clipped label per frame wider than
 * MIN_PX; narrower frames are left out, so a profile of 100,000 stacks stays a readable
 * size. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/frame_tree.h"
#include "lib/bytes_fmt.h"
#include "output/flamegraph.h"

#define FRAME_H 16
#define TOP_PAD 56
#define BOTTOM_PAD 40
#define SIDE_PAD 10
#define MIN_PX 0.3
#define CHAR_PX 7.0 /* a 12 px monospace glyph */

/* Colours of modules, in the order of their names (the legend shows them) */
static const char *const palette[] = {
	"#e8743b", "#f2b447", "#5fa55a", "#4a90c2", "#b07cc6", "#d95f87", "#8c9c3c", "#3fb1a8",
};
#define PALETTE_CNT (sizeof(palette) / sizeof(palette[0]))

static size_t utf8_len(const unsigned char *s)
{
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0 && s[0] >= 0xc2)
		n = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((s[0] & 0xf8) == 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void xml__escape(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	while (*p) {
		size_t n = utf8_len(p);

		if (!n) {
			fputc('?', out);
			p++;
			continue;
		}
		if (n > 1) {
			fwrite(p, 1, n, out);
			p += n;
			continue;
		}
		switch (*p) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&apos;", out);
			break;
		case '\n':
			fputs("&#10;", out);
			break;
		default:
			fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, out);
		}
		p++;
	}
}

struct draw {
	const struct profile *p;
	const struct frame_tree *t;
	FILE *out;
	double scale; /* px per unit of width */
	unsigned width_px, height_px;
	const char **modules; /* sorted, for colours */
	size_t module_cnt;
	int64_t max_abs_delta;
	enum profile_value value;
};

/* |v| without llabs's undefined INT64_MIN (sums are saturated short of it, but be safe) */
static int64_t abs_i64(int64_t v)
{
	return v >= 0 ? v : v == INT64_MIN ? INT64_MAX : -v;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static size_t module_idx(const struct draw *d, const char *module)
{
	const char **hit =
		module ? bsearch(&module, d->modules, d->module_cnt, sizeof(*d->modules), str_cmp)
		       : NULL;

	return hit ? (size_t)(hit - d->modules) : SIZE_MAX;
}

static void fill(const struct draw *d, const struct frame_tree_node *n, char *buf, size_t len)
{
	if (d->t->is_diff) {
		int64_t delta = d->value == PV_DELTA_OBJECTS ? n->delta_objects : n->delta_bytes;
		double r = d->max_abs_delta ? (double)abs_i64(delta) / (double)d->max_abs_delta : 0;
		int c = (int)lround(235 - 175 * (r > 1 ? 1 : r));

		if (delta > 0)
			snprintf(buf, len, "rgb(255,%d,%d)", c, c);
		else if (delta < 0)
			snprintf(buf, len, "rgb(%d,%d,255)", c, c);
		else
			snprintf(buf, len, "rgb(235,235,235)");
		return;
	}
	if (!n->frame || !n->frame->module) {
		snprintf(buf, len, "#b8b8b8");
		return;
	}
	snprintf(buf, len, "%s", palette[module_idx(d, n->frame->module) % PALETTE_CNT]);
}

static void tooltip(const struct draw *d, const struct frame_tree_node *n)
{
	const struct frame *f = n->frame;
	const struct frame_tree_node *root = &d->t->nodes[0];
	char b1[BYTES_FMT_LEN], b2[BYTES_FMT_LEN], b3[BYTES_FMT_LEN];
	FILE *out = d->out;

	fputs("<title>", out);
	xml__escape(out, frame_tree__name(d->t, n));
	if (f && f->file) {
		fputs(" (", out);
		xml__escape(out, f->file);
		fprintf(out, ":%" PRIu32 "%s)", f->line, n->mixed_lines ? " and other lines" : "");
	}
	if (f && f->inlined)
		fputs(" [inlined]", out);
	if (f && f->module) {
		fputs("&#10;module: ", out);
		xml__escape(out, profile__basename(f->module));
	}
	if (d->t->is_diff) {
		fprintf(out, "&#10;change: %s (%+" PRId64 " B), %+" PRId64 " objects",
			bytes__fmt_signed(n->delta_bytes, b1, sizeof(b1)), n->delta_bytes,
			n->delta_objects);
		fprintf(out, "&#10;%s \u2192 %s, %" PRId64 " \u2192 %" PRId64 " objects",
			bytes__fmt((uint64_t)n->base_bytes, b2, sizeof(b2)),
			bytes__fmt((uint64_t)n->bytes, b3, sizeof(b3)), n->base_objects,
			n->objects);
	} else {
		fprintf(out, "&#10;%s (%" PRId64 " B), %" PRId64 " objects",
			bytes__fmt((uint64_t)n->bytes, b1, sizeof(b1)), n->bytes, n->objects);
	}
	fprintf(out, "&#10;%.2f%% of the %s",
		root->width ? 100.0 * (double)n->width / (double)root->width : 0.0,
		d->t->is_diff ? "larger of the two" : "total");
	fputs("</title>", out);
}

/* Draws node idx at x, at most max_w px wide: children fill their parent from the left, so
 * they never get more than it has left. That bound only bites in a saturated tree
 * (frame_tree.h), where children's widths may add up to more than their parent's. */
static void draw_node(const struct draw *d, uint32_t idx, double x, double max_w)
{
	const struct frame_tree_node *n = &d->t->nodes[idx];
	double w = (double)n->width * d->scale, left;
	double y = d->height_px - BOTTOM_PAD - (double)(n->depth + 1) * FRAME_H;
	char colour[32];
	const char *name = frame_tree__name(d->t, n);
	size_t fit;

	if (d->t->saturated && w > max_w)
		w = max_w;
	if (w < MIN_PX)
		return;
	fill(d, n, colour, sizeof(colour));
	fputs("<g class=\"f\">", d->out);
	tooltip(d, n);
	fprintf(d->out, "<rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>", x,
		y, w, FRAME_H - 1, colour);
	fit = w > 3 * CHAR_PX ? (size_t)((w - 6) / CHAR_PX) : 0;
	if (fit >= 3) {
		char label[512];
		size_t len = strlen(name);

		if (len > fit) {
			/* cut on a character boundary, then mark the cut */
			size_t cut = fit - 2;

			while (cut > 0 && ((unsigned char)name[cut] & 0xc0) == 0x80)
				cut--;
			snprintf(label, sizeof(label), "%.*s..", (int)cut, name);
		} else {
			snprintf(label, sizeof(label), "%s", name);
		}
		fprintf(d->out, "<text x=\"%.1f\" y=\"%.0f\">", x + 3, y + FRAME_H - 4);
		xml__escape(d->out, label);
		fputs("</text>", d->out);
	}
	fputs("</g>\n", d->out);
	left = w; /* of the parent, for its next child */
	for (uint32_t c = n->first_child; c != FRAME_TREE_NONE; c = d->t->nodes[c].next_sibling) {
		const struct frame_tree_node *cn = &d->t->nodes[c];
		double cw;

		/* the siblings too narrow to draw, left out of the tree, still take their room */
		for (uint32_t g = 0; g < cn->gap_cnt; g++) {
			cw = (double)d->t->gaps[cn->gap_first + g] * d->scale;
			if (d->t->saturated) {
				if (cw > left)
					cw = left;
				left -= cw;
			}
			x += cw;
		}
		cw = (double)cn->width * d->scale;
		if (d->t->saturated) {
			if (cw > left)
				cw = left;
			left -= cw;
		}
		draw_node(d, c, x, cw);
		x += cw;
	}
}

static void title(const struct draw *d)
{
	const struct profile *p = d->p;
	const struct frame_tree_node *root = &d->t->nodes[0];
	char b1[BYTES_FMT_LEN];
	FILE *out = d->out;

	fprintf(out, "<text class=\"title\" x=\"%u\" y=\"24\" text-anchor=\"middle\">",
		d->width_px / 2);
	if (p->is_diff)
		fputs(p->kind == SESSION_KIND_GROWTH ? "Change of held growth of "
						     : "Heap change of ",
		      out);
	else if (p->kind == SESSION_KIND_GROWTH)
		fputs((d->value == PV_ALLOC_BYTES || d->value == PV_ALLOC_OBJECTS)
			      ? "New memory first touched by "
			      : "Memory growth held by ",
		      out);
	else
		fputs((d->value == PV_ALLOC_BYTES || d->value == PV_ALLOC_OBJECTS)
			      ? "Allocated memory of "
			      : "Live heap of ",
		      out);
	if (p->pid)
		fprintf(out, "pid %" PRIu32, p->pid);
	else
		fputs("every process", out);
	if (p->command) {
		fputs(" (", out);
		xml__escape(out, p->command);
		fputc(')', out);
	}
	if (p->is_diff) {
		fputs(", snapshot \u201c", out);
		xml__escape(out, p->base_label);
		fputs("\u201d \u2192 \u201c", out);
		xml__escape(out, p->label);
		fputs("\u201d</text>\n", out);
	} else {
		fputs(", snapshot \u201c", out);
		xml__escape(out, p->label);
		fputs("\u201d</text>\n", out);
	}
	fprintf(out, "<text class=\"sub\" x=\"%u\" y=\"44\" text-anchor=\"middle\">",
		d->width_px / 2);
	if (p->is_diff)
		fprintf(out,
			"total change %s (%+" PRId64 " B), %+" PRId64
			" objects; width: the larger of the two snapshots; red grew, blue "
			"shrank",
			bytes__fmt_signed(p->total[PV_DELTA_BYTES], b1, sizeof(b1)),
			p->total[PV_DELTA_BYTES], p->total[PV_DELTA_OBJECTS]);
	else
		fprintf(out, "total %s (%" PRId64 " B) in %" PRId64 " objects; width: %s",
			bytes__fmt((uint64_t)root->bytes, b1, sizeof(b1)), root->bytes,
			root->objects, profile__value_name(d->value));
	if (d->t->saturated)
		fputs("; some sums exceed 2^63-1 and were capped there (a corrupt file?)", out);
	fputs("</text>\n", out);
}

static void legend(const struct draw *d)
{
	double x = SIDE_PAD;
	double y = d->height_px - BOTTOM_PAD + 14;

	if (d->t->is_diff)
		return;
	for (size_t i = 0; i < d->module_cnt; i++) {
		const char *name = profile__basename(d->modules[i]);

		fprintf(d->out,
			"<g class=\"legend\"><rect x=\"%.0f\" y=\"%.0f\" width=\"12\" height=\"12\" "
			"fill=\"%s\"/><text x=\"%.0f\" y=\"%.0f\">",
			x, y, palette[i % PALETTE_CNT], x + 16, y + 10);
		xml__escape(d->out, name);
		fputs("</text></g>\n", d->out);
		x += 16 + CHAR_PX * (double)strlen(name) + 20;
	}
}

/* The modules of the drawn frames, sorted and unique */
static int collect_modules(struct draw *d)
{
	const struct frame_tree *t = d->t;
	const char **m = malloc((t->cnt + 1) * sizeof(*m));
	size_t n = 0;

	if (!m)
		return -ENOMEM;
	for (size_t i = 0; i < t->cnt; i++)
		if (t->nodes[i].frame && t->nodes[i].frame->module &&
		    (double)t->nodes[i].width * d->scale >= MIN_PX)
			m[n++] = t->nodes[i].frame->module;
	if (n)
		qsort(m, n, sizeof(*m), str_cmp);
	d->module_cnt = 0;
	for (size_t i = 0; i < n; i++)
		if (!d->module_cnt || strcmp(m[d->module_cnt - 1], m[i]))
			m[d->module_cnt++] = m[i];
	d->modules = m;
	return 0;
}

int flamegraph__write(const struct profile *p, const struct flamegraph_opts *opts, FILE *out)
{
	struct frame_tree t;
	struct draw d = { .p = p, .t = &t, .out = out, .value = opts->value };
	int err;

	d.width_px = opts->width_px ? opts->width_px : 1200;
	/* only what is drawn: 100,000 stacks make over a million nodes, a few thousand wide
	 * enough to see */
	err = frame_tree__build_drawn(&t, p, opts->value, d.width_px - 2.0 * SIDE_PAD, MIN_PX);
	if (err)
		return err;
	d.height_px = TOP_PAD + (t.max_depth + 1) * FRAME_H + BOTTOM_PAD;
	d.scale = t.nodes[0].width ? (d.width_px - 2.0 * SIDE_PAD) / (double)t.nodes[0].width : 0;
	d.max_abs_delta = opts->value == PV_DELTA_OBJECTS ? t.max_abs_delta_objects
							  : t.max_abs_delta_bytes;
	err = collect_modules(&d);
	if (err)
		goto out;
	if (!opts->embedded)
		fputs("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n", out);
	fprintf(out,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%u\" "
		"height=\"%u\" viewBox=\"0 0 %u %u\" class=\"flamegraph\">\n",
		d.width_px, d.height_px, d.width_px, d.height_px);
	fputs("<style>.flamegraph text{font-family:monospace;font-size:12px;fill:#000}"
	      ".flamegraph .title{font-size:16px;font-weight:bold}"
	      ".flamegraph .f:hover rect{stroke:#000;stroke-width:1}</style>\n",
	      out);
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%u\" height=\"%u\" fill=\"#fdfdf6\"/>\n",
		d.width_px, d.height_px);
	title(&d);
	if (!t.nodes[0].width)
		fprintf(out,
			"<text x=\"%u\" y=\"%u\" text-anchor=\"middle\">nothing to draw: no "
			"stack has a %s</text>\n",
			d.width_px / 2, d.height_px / 2, profile__value_name(opts->value));
	else
		draw_node(&d, 0, SIDE_PAD, d.width_px - 2.0 * SIDE_PAD);
	legend(&d);
	fputs("</svg>\n", out);
	if (ferror(out))
		err = -EIO;
out:
	free(d.modules);
	frame_tree__free(&t);
	return err;
}
