/* header-decode.h: let GMime decode RFC 2047 encoded-words in header
 * values in time linear in them. */
#pragma once

#include "gmime-compat.h"

/* GMime 3.2 decodes headers in its lenient (RFC 2047 "loose") mode by
 * default, and that mode looks for the "?=" that ends an encoded-word to
 * the end of the value, once for every "=?" it finds.  A value whose "=?"
 * are never closed costs it time quadratic in the value: a Subject of
 * 16000 "=?utf-8?q?a" took 4 s to parse.  Past this many "=?" in one
 * field with no "?=" between them (no mail writes even one unclosed), a
 * value or a message is decoded in the strict mode instead, which takes
 * encoded-words only whole and whitespace-delimited, in one pass.  So the
 * lenient scans cost at most this many times the value's length. */
#define BS_HEADER_DECODE_MAX_OPEN 16

/* A field read piece by piece (the lines of a folded field). */
typedef struct {
	guint open;		/* "=?" since the last "?=" */
	gboolean hostile;	/* open went past BS_HEADER_DECODE_MAX_OPEN */
} BsDecodeScan;

/* Reads [p, p + len) of the field scan->open counts in; set scan->open
 * to 0 where a field starts.  Returns scan->hostile. */
gboolean bs_header_decode_scan (BsDecodeScan *scan, const char *p,
    gsize len);

/* The parser options to decode with: NULL (GMime's defaults, lenient)
 * for what is not hostile, the strict mode's (static, never freed) for
 * what is. */
GMimeParserOptions *bs_header_decode_options (gboolean hostile);

/* g_mime_utils_header_decode_text and internet_address_list_parse on
 * value, in the mode its scan picks.  NULL when value is NULL. */
char *bs_header_decode_text (const char *value);
InternetAddressList *bs_header_decode_addresses (const char *value);
