/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* `perfan-bpf leak` (and the bare `perfan-bpf --pid PID`): returns the exit status. */
#ifndef PERFAN_CMD_LEAK_H
#define PERFAN_CMD_LEAK_H

int cmd__leak(int argc, char **argv);

#endif
