/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Filling a struct code_event (code_event.h) in a BPF program, for both gears: at an exec
 * (the new comm and program path) and at an mmap of a file with PROT_EXEC (the file's identity
 * and, for MAP_FIXED, where its code will be). Each gear reserves the event in its own ring
 * buffer and counts its own losses. */
#ifndef PERFAN_CODE_EVENT_BPF_H
#define PERFAN_CODE_EVENT_BPF_H

#include "code_event.h"

#define CODE_MAP_FIXED 0x10
#define CODE_MAP_FIXED_NOREPLACE 0x100000

static __always_inline void code_event_init(struct code_event *e, __u32 tgid, __u32 kind)
{
	__builtin_memset(e, 0, sizeof(*e));
	e->tgid = tgid;
	e->kind = kind;
	e->ts_ns = bpf_ktime_get_ns();
}

/* CODE_EXEC: the current task's new comm and the program it runs */
static __always_inline void code_event_exec(struct code_event *e, struct linux_binprm *bprm)
{
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_probe_read_kernel_str(e->path, sizeof(e->path), BPF_CORE_READ(bprm, filename));
}

/* The file open at descriptor fd of the current process: its (dev, ino), 0 when none, and
 * its name */
static __always_inline void code_event_fd_file(struct code_event *e, __u64 fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds, *f = NULL;

	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return;
	fds = BPF_CORE_READ(fdt, fd);
	if (!fds || bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return;
	e->ino = BPF_CORE_READ(f, f_inode, i_ino);
	e->dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
	/* its name, for a process gone before user space opened the file through it */
	bpf_probe_read_kernel_str(e->path, sizeof(e->path),
				  BPF_CORE_READ(f, f_path.dentry, d_name.name));
}

/* CODE_MMAP, from the arguments of mmap(addr, len, prot, flags, fd, off) at sys_enter: the
 * file, and where its code goes when the address is fixed (how the dynamic linker maps a
 * library's code over the span it reserved) */
static __always_inline void code_event_mmap(struct code_event *e, struct pt_regs *regs)
{
	code_event_fd_file(e, BPF_CORE_READ(regs, r8));
	if (BPF_CORE_READ(regs, r10) & (CODE_MAP_FIXED | CODE_MAP_FIXED_NOREPLACE)) {
		e->addr = BPF_CORE_READ(regs, di);
		e->len = BPF_CORE_READ(regs, si);
		e->off = BPF_CORE_READ(regs, r9);
	}
}

#endif
