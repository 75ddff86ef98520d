/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* `perfan-bpf mark LABEL [--pid PID]`: ask the running leak session for PID to take a
 * labelled snapshot, and wait until it is stored. 0 stored; 2 no session, bad usage. */
#ifndef PERFAN_CMD_MARK_H
#define PERFAN_CMD_MARK_H

int cmd__mark(int argc, char **argv);

#endif
