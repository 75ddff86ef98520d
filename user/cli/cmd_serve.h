/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* `perfan-bpf serve`: the agent (docs/agent.md) */
#ifndef PERFAN_CLI_CMD_SERVE_H
#define PERFAN_CLI_CMD_SERVE_H

int cmd__serve(int argc, char **argv);

#endif
