/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* `perfan-bpf growth`: the growth gear (docs/growth.md) */
#ifndef PERFAN_CLI_CMD_GROWTH_H
#define PERFAN_CLI_CMD_GROWTH_H

int cmd__growth(int argc, char **argv);

#endif
