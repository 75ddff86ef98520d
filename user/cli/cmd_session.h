/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* CLI entry points of the offline session commands: `diff`, `trend`, `report`. Each takes
 * the arguments after its subcommand name and returns the exit status (0 ok; 1 a suspected
 * leak with --fail-on-leak; 2 error: bad usage, unreadable or corrupt session file). */
#ifndef PERFAN_CMD_SESSION_H
#define PERFAN_CMD_SESSION_H

int cmd__diff(int argc, char **argv);
int cmd__trend(int argc, char **argv);
int cmd__report(int argc, char **argv);

#endif
