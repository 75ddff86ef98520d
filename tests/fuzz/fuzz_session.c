// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer target of the session-file reader (session_file__read) and of the offline analyses
 * and every output format (text, json, folded, pprof, svg, html) on whatever it accepts: each input is written to a memfd and read through /proc/self/fd/N,
 * as a file on disk would be (plain or gzip). The contract checked beyond "no crash, no
 * sanitizer report": success leaves no error text; failure leaves one line of it. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "analysis/diff.h"
#include "analysis/profile.h"
#include "analysis/report.h"
#include "analysis/trend.h"
#include "output/diff_report.h"
#include "output/flamegraph.h"
#include "output/folded.h"
#include "output/html_report.h"
#include "output/pprof.h"
#include "output/report_format.h"
#include "output/trend_report.h"
#include "session/session.h"
#include "session/session_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *sink(void)
{
	static FILE *null_out;

	if (!null_out)
		null_out = fopen("/dev/null", "w");
	if (!null_out)
		abort();
	return null_out;
}

/* The picture and profile formats of one profile */
static void pictures(const struct profile *p, enum profile_value v)
{
	const struct folded_opts fo = { .value = v };
	const struct flamegraph_opts go = { .value = v };

	folded__write(p, &fo, sink());
	pprof__write(p, sink());
	flamegraph__write(p, &go, sink());
}

/* What the diff, trend and report commands do with a session that was read */
static void analyse(const struct session *s)
{
	const struct diff_format_opts all = { .top = 0 };
	const struct report_format_opts ropts = { .top = 0, .show_freed = true };
	const struct snapshot *last = &s->snaps[s->snap_cnt - 1];
	struct profile snap_p = {}, diff_p = {};
	bool have_snap_p = false, have_diff_p = false, have_d, have_t;
	struct snapshot_diff d;
	struct session_trend t;
	struct leak_report rep = {};

	have_d = !diff__compute(s, &s->snaps[0], last,
				&(struct diff_opts){ DIFF_DEFAULT_LEAK_THRESHOLD }, &d);
	if (have_d) {
		diff_report__write_text(&d, &all, sink());
		diff_report__write_json(&d, &all, sink());
		have_diff_p = !profile__from_diff(&diff_p, &d);
		if (have_diff_p)
			pictures(&diff_p, PV_DELTA_BYTES);
	}
	have_t = s->snap_cnt >= TREND_MIN_SNAPSHOTS && !trend__compute(s, &t);
	if (have_t) {
		trend_report__write_text(&t, sink());
		trend_report__write_json(&t, sink());
	}
	if (!session__report(s, last, &rep)) {
		report__write_text(&rep, &ropts, sink());
		report__write_json(&rep, &ropts, sink());
		have_snap_p = !profile__from_report(&snap_p, s, last, &rep);
		if (have_snap_p) {
			struct html_report_input in = {
				.s = s,
				.source = "fuzz",
				.snap = last,
				.rep = &rep,
				.snap_profile = &snap_p,
				.trend = have_t ? &t : NULL,
				.diff_profile = have_diff_p && s->snap_cnt > 1 ? &diff_p : NULL,
				.diff = have_d && s->snap_cnt > 1 ? &d : NULL,
			};

			pictures(&snap_p, PV_LIVE_BYTES);
			html_report__write(&in, sink());
			profile__free(&snap_p);
		}
		report__free(&rep);
	}
	if (have_diff_p)
		profile__free(&diff_p);
	if (have_t)
		trend__free(&t);
	if (have_d)
		diff__free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct session_read_info info;
	struct session s;
	char path[64];
	size_t done = 0;
	int fd, rc;

	fd = memfd_create("fuzz-session", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);

		if (n <= 0)
			abort();
		done += (size_t)n;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rc = session_file__read(path, &s, &info);
	if (!rc && info.error.msg[0])
		abort(); /* an error text without an error */
	if (rc && (!info.error.msg[0] || strchr(info.error.msg, '\n')))
		abort(); /* an error must say what in one line */
	if (!rc && s.snap_cnt)
		analyse(&s);
	session__free(&s);
	close(fd);
	return 0;
}
