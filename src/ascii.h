/* ascii.h: ASCII case folding inline, for loops over every byte of a text
 * (g_ascii_tolower and g_ascii_strncasecmp are calls into GLib). */
#pragma once

#include <glib.h>

static inline char
bs_ascii_lower (char c)
{
	return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
}

/* Does [p, end) start with lit (lower case), in any case? */
static inline gboolean
bs_ascii_starts_ci (const char *p, const char *end, const char *lit)
{
	for (; *lit != '\0'; p++, lit++) {
		if (p >= end || bs_ascii_lower (*p) != *lit)
			return FALSE;
	}
	return TRUE;
}
