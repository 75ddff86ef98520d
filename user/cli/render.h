/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The commands' side of reading a session file and drawing one of its snapshots: one-line
 * errors (exit status 2) for files that cannot be used and labels that are not there, and
 * the path from a session file's snapshot to a format on a stream, shared by `report` and the
 * end of a live `leak` session (output/formats.h does the drawing). */
#ifndef PERFAN_CLI_RENDER_H
#define PERFAN_CLI_RENDER_H

#include <stdbool.h>
#include <stdio.h>
#include "session/session.h"

/* Reads the session file, with a one-line error (and exit status 2) when it cannot be used.
 * The session must hold a snapshot. *cut_tail tells whether its last record was cut: the
 * command warns about it (render__warn_cut_tail) once it knows it has no error to report, so
 * an error stays the one line on stderr. 0 or 2. */
int render__load(const char *cmd, const char *path, struct session *s, bool *cut_tail);
/* The same, keeping the rows of the snapshots keep says only (session_file__read_keeping) */
int render__load_keeping(const char *cmd, const char *path, struct session *s, bool *cut_tail,
			 const struct session_rows_keep *keep);
void render__warn_cut_tail(bool cut_tail, const char *path, const struct session *s);
/* The snapshot labelled `label`, or NULL after a one-line error listing the labels there are
 * (*rc: the exit status) */
const struct snapshot *render__find_label(const char *cmd, const struct session *s,
					  const char *path, const char *label, int *rc);
/* Draws the snapshot labelled label of the session file at path in format (formats.h
 * names) on out, as `perfan-bpf report PATH --label LABEL --format FORMAT` does. 0 or 2. */
int render__session_file(const char *cmd, const char *path, const char *label, const char *format,
			 FILE *out);

#endif
