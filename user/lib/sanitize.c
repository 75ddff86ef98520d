// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Sanitizing untrusted text (see sanitize.h). A lone 0x9b is CSI on terminals that take 8-bit
 * controls, as ESC [ is on all of them: both go. */
#include <stdint.h>
#include "lib/sanitize.h"

/* Length of the valid UTF-8 sequence at s that is not a control character, or 0 */
static size_t good_char(const unsigned char *s)
{
	unsigned c = s[0];
	uint32_t cp;
	size_t n;

	if (c < 0x80)
		return c >= 0x20 && c != 0x7f;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond Unicode, and the C1 controls */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return n;
}

bool sanitize__is_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = good_char(p);

		if (!n)
			return false;
		p += n;
	}
	return true;
}

size_t sanitize__str(char *s)
{
	unsigned char *r = (unsigned char *)s, *w = r;
	size_t replaced = 0;

	while (*r) {
		size_t n = good_char(r);

		if (!n) {
			/* a C1 control is one character: one '?' for its two bytes */
			n = r[0] == 0xc2 && r[1] >= 0x80 && r[1] <= 0x9f ? 2 : 1;
			*w++ = '?';
			r += n;
			replaced++;
			continue;
		}
		while (n--)
			*w++ = *r++;
	}
	*w = '\0';
	return replaced;
}

void sanitize__controls(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}
