// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Reading session files for the commands and drawing a snapshot (see render.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli/cli_util.h"
#include "cli/render.h"
#include "output/formats.h"
#include "session/session_file.h"

/* Reading a large session takes seconds: say so on a terminal, then erase the line */
#define PROGRESS_BYTES (32u << 20)

int render__load(const char *cmd, const char *path, struct session *s, bool *cut_tail)
{
	return render__load_keeping(cmd, path, s, cut_tail, NULL);
}

int render__load_keeping(const char *cmd, const char *path, struct session *s, bool *cut_tail,
			 const struct session_rows_keep *keep)
{
	struct session_read_info info;
	bool progress = false;
	struct stat st;
	int err;

	if (isatty(STDERR_FILENO) && !stat(path, &st) && st.st_size >= PROGRESS_BYTES) {
		fprintf(stderr, "perfan-bpf: %s: reading %s (%lld MiB)...\r", cmd, path,
			(long long)(st.st_size >> 20));
		progress = true;
	}
	err = session_file__read_keeping(path, s, &info, keep);
	if (progress)
		fputs("\033[K", stderr); /* erase the progress line */

	if (err == -EINVAL && strstr(info.error.msg, "not a perfan-bpf session file"))
		return cli__error("%s: cannot use %s: %s; pass a session file written by "
				  "'perfan-bpf leak --output'",
				  cmd, path, info.error.msg);
	if (err == -EINVAL)
		return cli__error("%s: cannot use %s: %s", cmd, path, info.error.msg);
	if (err == -ENOMEM)
		return cli__error("%s: out of memory reading %s", cmd, path);
	if (err)
		return cli__error("%s: cannot read %s: %s", cmd, path, strerror(-err));
	if (!s->snap_cnt)
		return cli__error("%s: %s holds no snapshot yet; take one with 'perfan-bpf mark "
				  "LABEL --pid PID' or let the session end",
				  cmd, path);
	*cut_tail = info.truncated_tail;
	return 0;
}

void render__warn_cut_tail(bool cut_tail, const char *path, const struct session *s)
{
	if (cut_tail)
		fprintf(stderr,
			"perfan-bpf: warning: %s ends in a record cut mid-write (a killed "
			"session?); using the %zu complete snapshot%s before it\n",
			path, s->snap_cnt, s->snap_cnt == 1 ? "" : "s");
}

const struct snapshot *render__find_label(const char *cmd, const struct session *s,
					  const char *path, const char *label, int *rc)
{
	const struct snapshot *snap = session__find(s, label);
	char list[512];
	size_t len = 0;

	if (snap)
		return snap;
	list[0] = '\0';
	for (size_t i = 0; i < s->snap_cnt && len < sizeof(list); i++) {
		int n = snprintf(list + len, sizeof(list) - len, "%s'%s'", i ? ", " : "",
				 s->snaps[i].label);

		if (n < 0 || (size_t)n >= sizeof(list) - len) {
			snprintf(list + len, sizeof(list) - len, ", ...");
			break;
		}
		len += (size_t)n;
	}
	*rc = cli__error("%s: no snapshot labelled '%s' in %s; its labels: %s", cmd, label, path,
			 list);
	return NULL;
}

int render__session_file(const char *cmd, const char *path, const char *label, const char *format,
			 FILE *out)
{
	struct formats_report_opts o = { .format = formats__by_name(format), .source = path };
	const struct snapshot *snap;
	struct session s = {};
	bool cut_tail = false;
	int rc, err;

	if ((int)o.format < 0)
		return cli__error("%s: unknown format '%s'", cmd, format);
	rc = render__load(cmd, path, &s, &cut_tail);
	if (rc)
		goto out;
	snap = render__find_label(cmd, &s, path, label, &rc);
	if (!snap)
		goto out;
	render__warn_cut_tail(cut_tail, path, &s);
	err = formats__report(&s, snap, &o, out);
	if (err == -ENOMEM)
		rc = cli__error("%s: out of memory formatting the output", cmd);
	else if (err || fflush(out) || ferror(out))
		rc = cli__error("%s: cannot write the output: %s", cmd,
				strerror(err && err != -EIO ? -err
					 : errno	    ? errno
							    : EIO));
out:
	session__free(&s);
	return rc;
}
