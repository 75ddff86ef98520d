/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* perfan-bpf's public header for programs it traces.
 *
 *     #include <perfan.h>
 *     PERFAN_MARK("after-load");
 *
 * PERFAN_MARK(label) is a USDT probe `perfan:mark` (systemtap's <sys/sdt.h>, Debian package
 * systemtap-sdt-dev) whose argument is the label, a NUL-terminated string (up to 127 bytes are
 * read). When a `perfan-bpf leak` session traces the process, reaching it makes the session
 * take a snapshot with that label, within milliseconds; the program is not stopped. When no
 * session runs, the probe is a single no-op instruction. */
#ifndef PERFAN_H
#define PERFAN_H

#include <sys/sdt.h>

#define PERFAN_MARK(label) STAP_PROBE1(perfan, mark, (const char *)(label))

#endif
