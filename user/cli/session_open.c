// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The session file of a live command (see session_open.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cli/cli_util.h"
#include "cli/session_open.h"
#include "lib/safe_file.h"

int session_open(struct live_session_opts *lo, const char *output, bool no_output, char *path,
		 size_t len, struct live_session **out)
{
	int err;

	path[0] = '\0';
	lo->path = NULL;
	if (no_output)
		return live_session__open(lo, out) ? cli__error("cannot set up the session: out of "
								"memory")
						   : 0;
	if (output) {
		snprintf(path, len, "%s", output);
		lo->path = path;
		err = live_session__open(lo, out);
		return err ? cli__error("cannot create the session file '%s': %s", path,
					err == -EEXIST ? SAFE_FILE_EXISTS_HINT : strerror(-err))
			   : 0;
	}
	err = live_session__open_default(lo, path, len, out);
	if (!err)
		return 0;
	fprintf(stderr,
		"perfan-bpf: warning: no session file: cannot create '%s': %s (use --output "
		"FILE)\n",
		path, strerror(-err));
	path[0] = '\0';
	lo->path = NULL;
	return live_session__open(lo, out) ? cli__error("cannot set up the session: out of memory")
					   : 0;
}
