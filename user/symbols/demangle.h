/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Symbol names as a programmer wrote them: C++ (Itanium ABI, through the system's
 * __cxa_demangle from libstdc++, loaded on first use) and Rust (legacy "_ZN...17h<hash>E" and
 * v0 "_R..." manglings, decoded here). Pure: takes a string, returns a string. */
#ifndef PERFAN_DEMANGLE_H
#define PERFAN_DEMANGLE_H

/* The demangled form of `raw` (malloc'ed, the caller frees it), or NULL when raw is not a
 * mangled name this module knows (a C name) or cannot be decoded: then use raw as it is. */
char *demangle__name(const char *raw);

#endif
