/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The session file of a live command (leak, growth): --output FILE, else the default name in
 * the current directory (a warning and no file when every name is taken), or none with
 * --no-output; the errors the user can cause, as one line each. */
#ifndef PERFAN_CLI_SESSION_OPEN_H
#define PERFAN_CLI_SESSION_OPEN_H

#include <stdbool.h>
#include <stddef.h>
#include "session/live_session.h"

/* Open *out with lo (its path is set here). path (len bytes) gets the file's name, "" when
 * there is none. 0, or 2 after one line on stderr. */
int session_open(struct live_session_opts *lo, const char *output, bool no_output, char *path,
		 size_t len, struct live_session **out);

#endif
