/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The one rule for text that comes from a traced process (USDT labels, symbol and file names
 * from its files, paths from /proc) or from a file a user hands us: what reaches a terminal
 * or a report must not carry terminal controls. ASCII controls (0x00-0x1f, 0x7f), C1
 * controls (U+0080-U+009F) and every byte that is not part of valid UTF-8 become '?';
 * valid UTF-8 text is kept as it is. Applied where such text enters, never per format. */
#ifndef PERFAN_SANITIZE_H
#define PERFAN_SANITIZE_H

#include <stdbool.h>
#include <stddef.h>

/* true when s needs no change */
bool sanitize__is_clean(const char *s);
/* In place; the result is never longer. Returns the number of characters replaced. */
size_t sanitize__str(char *s);
/* The weaker rule for our own one-line messages (they may quote a file name in any
 * encoding): only ASCII controls (0x00-0x1f, 0x7f) become '?', so a message stays one line */
void sanitize__controls(char *s);

#endif
