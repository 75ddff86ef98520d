// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Empty programs for the benchmark floor: the cost of the uprobe traps alone, on the same
 * probe set and offsets that perfan-bpf uses (tools/bench). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("uprobe")
int empty_enter(struct pt_regs *ctx)
{
	return 0;
}

SEC("uretprobe")
int empty_return(struct pt_regs *ctx)
{
	return 0;
}
