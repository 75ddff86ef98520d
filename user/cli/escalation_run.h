/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The growth gear's escalation: exact tracing of one process for a bounded window, run as the
 * exact gear itself (`perfan-bpf leak --pid PID --duration SEC --format json --no-output` from
 * our own executable) beside the growth session, its JSON report read back into the growth
 * report model. */
#ifndef PERFAN_CLI_ESCALATION_RUN_H
#define PERFAN_CLI_ESCALATION_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "analysis/growth_report.h"

struct esc_run {
	pid_t child; /* 0: not running */
	int out_fd, err_fd;
	char *out; /* its stdout so far */
	size_t out_len, out_cap;
	char err[512]; /* the end of its stderr */
	size_t err_len;
	bool done;
	struct escalation e;
};

/* Start tracing pid for window_s seconds. 0 or -errno. */
int esc_run__start(struct esc_run *r, uint32_t pid, double window_s);
/* Read what it wrote; when it has exited, fill r->e and set r->done. Never blocks. */
void esc_run__poll(struct esc_run *r);
/* End it now (SIGINT: it reports what it has) and wait for its report, at most a few seconds */
void esc_run__finish(struct esc_run *r);
void esc_run__free(struct esc_run *r);

#endif
