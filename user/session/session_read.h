/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Internal to the session-file reader (session_file.c): the state of a read, shared by the
 * readers of each schema: session_read_v1.c (JSON objects, read with jansson) and
 * session_read_v2.c (compact records, read with the pull scanner of lib/jscan.h). */
#ifndef PERFAN_SESSION_READ_H
#define PERFAN_SESSION_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <zlib.h>
#include "session/session.h"
#include "session/session_file.h"

struct v2_reader;

struct reader {
	gzFile gz;
	char *buf;
	size_t cap;
	struct session *s;
	struct session_read_info *info;
	size_t line;	      /* 1-based number of the record being read */
	bool gz_cut;	      /* the gzip stream ended early (Z_BUF_ERROR) */
	int version;	      /* the header's schema_version */
	struct v2_reader *v2; /* schema 2's tables */
};

/* Sets info->error to "record N: what[: detail]"; returns -EINVAL */
int session_read__fail(struct reader *r, const char *what, const char *detail);

/* One record (not the header) of a schema 1 file: 0, -EINVAL (error set) or -ENOMEM */
int session_read_v1__record(struct reader *r, const char *text, size_t len);

/* Schema 2: the tables are made on the first record and freed by _end (also after a failure) */
int session_read_v2__record(struct reader *r, const char *text, size_t len);
void session_read_v2__end(struct reader *r);

#endif
