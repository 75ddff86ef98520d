/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What the BPF subcommands (leak, time) share before and around loading: the checks of errors
 * the user can cause or fix (no such process, not root, no BTF, no uprobes), libbpf's messages
 * for --verbose, and a monotonic clock in seconds. */
#ifndef PERFAN_CLI_BPF_H
#define PERFAN_CLI_BPF_H

#include <stdbool.h>
#include "target/target.h"

/* 0, or 2 after one line on stderr: pid (0: none given) does not exist, we are not root, the
 * kernel lacks BTF or uprobes */
int cli_bpf__preflight(int pid);
/* libbpf's messages on stderr with --verbose, silence otherwise */
void cli_bpf__verbose(bool on);
/* The session's nice value: above normal processes, so that it handles a traced process's new
 * code (exec, dlopen: unwind rows, mappings) before the process runs far into it or exits */
#define CLI_BPF_NICE (-10)
/* Raise our priority to CLI_BPF_NICE when it is lower (left as it is without CAP_SYS_NICE:
 * the agent's unit sets Nice= itself). Call it after a command is launched: a child would
 * inherit it. */
void cli_bpf__raise_priority(void);
/* The end of a launched command's session: its exit status when it has failed, or, when it
 * still runs (--duration ended the session first), a line saying it runs on untraced and its
 * pid. Without block, a running command is left running. */
void cli_bpf__reap(struct target *t, bool block);
/* CLOCK_MONOTONIC in seconds */
double cli_bpf__now_s(void);

#endif
