/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* CLI entry points of the regression detector: `check`, `baseline save`, `history`.
 * Each takes the arguments after its subcommand name and returns the process exit status
 * (0 ok, 1 regression found at the --fail-on level, 2 error). */
#ifndef PERFAN_CMD_REGRESS_H
#define PERFAN_CMD_REGRESS_H

int cmd__check(int argc, char **argv);
int cmd__baseline(int argc, char **argv);
int cmd__history(int argc, char **argv);

#endif
