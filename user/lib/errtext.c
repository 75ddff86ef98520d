// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* One-sentence error texts (see errtext.h): printf into a fixed buffer the caller owns, so
 * reporting a failure never allocates and never fails itself. */
#include <stdio.h>
#include "lib/errtext.h"

void errtext__clear(struct errtext *e)
{
	if (e)
		e->msg[0] = '\0';
}

void errtext__vset(struct errtext *e, const char *fmt, va_list ap)
{
	if (e)
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

void errtext__set(struct errtext *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errtext__vset(e, fmt, ap);
	va_end(ap);
}

void errtext__cut(struct errtext *e, size_t max_len)
{
	if (e && max_len < sizeof(e->msg))
		e->msg[max_len] = '\0';
}
