/* body.h: readable text out of MIME parts. */
#pragma once

#include "gmime-compat.h"

/* How much text of one part the recognisers and rules look at. */
#define BS_BODY_MAX_TEXT (256 * 1024)

/* Returns: (transfer full) (nullable) the decoded content of a leaf part
 * (transfer encoding undone, charset untouched), at most max bytes (0: all),
 * up to its first NUL; *len (nullable) is its length. */
char *bs_part_get_text (GMimeObject *part, gsize max, gsize *len);

/* Returns: (transfer full) (nullable) the text of a text/plain or text/html
 * leaf (HTML reduced to its text), converted to UTF-8, at most max bytes,
 * with CRLF turned into LF. */
char *bs_body_part_text (GMimeObject *part, gsize max);

/* The notification text of a report: the first text part of message that
 * is not inside an attached message.  Returns: (transfer full) (nullable) */
char *bs_body_notification (GMimeMessage *message, gsize max);

/* Calls func for each leaf part of object, not descending into attached
 * messages, up to max_parts leaves; depth-first, in order. */
typedef gboolean (*BsPartFunc) (GMimeObject *part, gpointer user_data);
void bs_body_foreach_leaf (GMimeObject *object, guint max_parts,
    BsPartFunc func, gpointer user_data);

/* Reduces HTML to text: drops tags, scripts and styles, decodes a few
 * entities.  Returns: (transfer full) */
char *bs_body_html_to_text (const char *html, gsize len);
