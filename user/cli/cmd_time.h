/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* `perfan-bpf time`: latency histograms of functions in a live process or a launched command,
 * printed and written as regression-detector results. */
#ifndef PERFAN_CMD_TIME_H
#define PERFAN_CMD_TIME_H

int cmd__time(int argc, char **argv);

#endif
