/* header-decode.c: let GMime decode RFC 2047 encoded-words in header
 * values in time linear in them (see header-decode.h). */
#include <string.h>

#include "header-decode.h"

gboolean
bs_header_decode_scan (BsDecodeScan *scan, const char *p, gsize len)
{
	const char *end = p + len;
	const char *q = p;

	/* '?' is rare in header text: memchr to each, then look at its
	 * neighbours ("=?=" both opens and closes, as GMime may read it). */
	while (q < end && (q = memchr (q, '?', (gsize) (end - q))) != NULL) {
		if (q > p && q[-1] == '=')
			scan->open++;
		if (q + 1 < end && q[1] == '=')
			scan->open = 0;
		if (scan->open > BS_HEADER_DECODE_MAX_OPEN)
			scan->hostile = TRUE;
		q++;
	}
	return scan->hostile;
}

static gpointer
strict_new (gpointer data)
{
	GMimeParserOptions *options = g_mime_parser_options_new ();

	(void) data;
	g_mime_parser_options_set_rfc2047_compliance_mode (options,
	    GMIME_RFC_COMPLIANCE_STRICT);
	return options;
}

GMimeParserOptions *
bs_header_decode_options (gboolean hostile)
{
	static GOnce strict = G_ONCE_INIT;

	if (!hostile)
		return NULL;
	return g_once (&strict, strict_new, NULL);
}

static GMimeParserOptions *
options_for (const char *value)
{
	BsDecodeScan scan = { 0, FALSE };

	return bs_header_decode_options (bs_header_decode_scan (&scan, value,
	    strlen (value)));
}

char *
bs_header_decode_text (const char *value)
{
	if (value == NULL)
		return NULL;
	return g_mime_utils_header_decode_text (options_for (value), value);
}

InternetAddressList *
bs_header_decode_addresses (const char *value)
{
	if (value == NULL)
		return NULL;
	return internet_address_list_parse (options_for (value), value);
}
