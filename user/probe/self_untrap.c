// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Our own copy of probed code, its breakpoints taken out (see self_untrap.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "probe/attach.h"
#include "probe/self_untrap.h"
#include "target/procmaps.h"

#define INT3 0xcc

/* Our address of file offset off in an executable mapping of (dev, ino); 0 when none */
static uintptr_t our_address(const struct proc_maps *maps, dev_t dev, ino_t ino, uint64_t off)
{
	for (size_t i = 0; i < maps->cnt; i++) {
		const struct proc_map *m = &maps->maps[i];

		if (m->exec && m->inode == ino && m->dev_major == major(dev) &&
		    m->dev_minor == minor(dev) && off >= m->offset &&
		    off - m->offset < m->end - m->start)
			return (uintptr_t)(m->start + (off - m->offset));
	}
	return 0;
}

int self_untrap__file(const char *path, const uint64_t *offs, size_t cnt)
{
	struct proc_maps maps = {};
	int fd, mem = -1, n = 0, err;
	struct stat st;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	err = proc_maps__read("/proc/self/maps", &maps);
	for (size_t i = 0; !err && i < cnt; i++) {
		uintptr_t at = our_address(&maps, st.st_dev, st.st_ino, offs[i]);
		uint8_t orig;

		/* the breakpoint is one byte over the instruction's first: ours holds it while
		 * the file does not (a probe on an int3 of the file's own stays) */
		if (!at || *(volatile const uint8_t *)at != INT3)
			continue;
		if (pread(fd, &orig, 1, (off_t)offs[i]) != 1) {
			err = -EIO;
			break;
		}
		if (orig == INT3)
			continue;
		if (mem < 0 && (mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC)) < 0) {
			err = -errno;
			break;
		}
		/* one byte, written at once: a thread of ours there meets either the breakpoint
		 * (the probe, still registered, runs the instruction for it) or the instruction */
		if (pwrite(mem, &orig, 1, (off_t)at) != 1) {
			err = errno ? -errno : -EIO;
			break;
		}
		n++;
	}
	if (mem >= 0)
		close(mem);
	close(fd);
	proc_maps__free(&maps);
	return err ? err : n;
}

int self_untrap__plan(const struct allocator *alloc, const struct probe_plan *plan)
{
	uint64_t offs[PROBE_SITES_MAX + RET_PROBES_MAX];
	int total = 0;

	for (int m = 0; m < alloc->mod_cnt; m++) {
		size_t cnt = 0;
		int n;

		for (int i = 0; i < plan->cnt; i++)
			if (plan->sites[i].mod == m)
				offs[cnt++] = plan->sites[i].probe_off;
		for (int i = 0; i < plan->ret_cnt; i++)
			if (plan->rets[i].mod == m)
				offs[cnt++] = plan->rets[i].off;
		if (!cnt)
			continue;
		n = self_untrap__file(alloc->mods[m].path, offs, cnt);
		if (n < 0)
			return n;
		total += n;
	}
	return total;
}
