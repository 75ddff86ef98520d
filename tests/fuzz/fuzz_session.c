// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer target of the session-file reader (session_file__read) and of the offline analyses
 * on whatever it accepts: each input is written to a memfd and read through /proc/self/fd/N,
 * as a file on disk would be (plain or gzip). The contract checked beyond "no crash, no
 * sanitizer report": success leaves no error text; failure leaves one line of it. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "diff.h"
#include "diff_report.h"
#include "report.h"
#include "session.h"
#include "session_file.h"
#include "trend.h"
#include "trend_report.h"

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

/* What the diff, trend and report commands do with a session that was read */
static void analyse(const struct session *s)
{
	const struct diff_format_opts all = { .top = 0 };
	const struct report_format_opts ropts = { .top = 0, .show_freed = true };
	struct snapshot_diff d;
	struct session_trend t;
	struct leak_report rep = {};

	if (!diff__compute(s, &s->snaps[0], &s->snaps[s->snap_cnt - 1],
			   &(struct diff_opts){ DIFF_DEFAULT_LEAK_THRESHOLD }, &d)) {
		diff_report__write_text(&d, &all, sink());
		diff_report__write_json(&d, &all, sink());
		diff__free(&d);
	}
	if (s->snap_cnt >= TREND_MIN_SNAPSHOTS && !trend__compute(s, &t)) {
		trend_report__write_text(&t, sink());
		trend_report__write_json(&t, sink());
		trend__free(&t);
	}
	if (!session__report(s, &s->snaps[s->snap_cnt - 1], &rep)) {
		report__write_text(&rep, &ropts, sink());
		report__write_json(&rep, &ropts, sink());
		report__free(&rep);
	}
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
	if (!rc && info.error[0])
		abort(); /* an error text without an error */
	if (rc && (!info.error[0] || strchr(info.error, '\n')))
		abort(); /* an error must say what in one line */
	if (!rc && s.snap_cnt)
		analyse(&s);
	session__free(&s);
	close(fd);
	return 0;
}
