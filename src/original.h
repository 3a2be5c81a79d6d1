/* original.h: the message a report is about, found and summarised. */
#pragma once

#include <glib.h>

/* GMime's types by name only, so that the plain records here (read by
 * score.c) bring no GMime header with them; callers of the functions that
 * take them include gmime-compat.h. */
typedef struct _GMimeMessage GMimeMessage;
typedef struct _InternetAddressList InternetAddressList;

#include "rules.h"

typedef struct {
	gboolean found;
	const char *via;	/* static: "message/rfc822", "text/rfc822-headers",
				 * "message/global", "message/global-headers",
				 * "inline", "attachment" (a part of another
				 * type, application/octet-stream say, that
				 * holds a copy), "summary" (only fields the
				 * report names: Subject, Date, From, To), or
				 * NULL */
	gboolean headers_only;	/* no body came back */
	gboolean unparsable;	/* a part was there but held no message */
	gboolean nested;	/* found inside a returned report (a bounce
				 * forwarded or bounced again): no Received
				 * line of it was written by the server that
				 * sent us the report; carrier_received were */
	GPtrArray *carrier_received;	/* of a nested original: the Received
				 * values of the report that held it, top
				 * first (else empty) */
	char *message_id;	/* as written, unfolded */
	char *msgid_domain;	/* the domain of Message-ID as GMime parses it,
				 * lowercase (bs_original_msgid_domain), or NULL */
	char *from;		/* as written, decoded */
	char *from_address;	/* bare address of From */
	char *from_name;	/* display name of From, or NULL */
	char *to;
	char *subject;
	char *date;
	gint64 date_unix;	/* 0 when Date is missing or unparsable */
	char *return_path;	/* bare address */
	char *sender;		/* bare address */
	char *x_mailer;		/* X-Mailer or User-Agent */
	GPtrArray *received;	/* unfolded Received values, top first */
	GPtrArray *dkim_domains;	/* d= of each DKIM-Signature */
	char *body_text;	/* readable text of the body, capped */
	gboolean html_only;	/* an HTML body with no plain alternative */
	GPtrArray *attachments;	/* file names of attachments */
	guint header_count;
} BsOriginal;

BsOriginal *bs_original_new (void);
void bs_original_free (BsOriginal *original);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsOriginal, bs_original_free)

/* Looks for the returned original: an attached message/rfc822 or
 * message/global, a text/rfc822-headers or message/global-headers part, or
 * a copy quoted inline after a marker line (pattern set original-marker)
 * or recognisable by its header block, a part with no header of its own,
 * an attachment of another type that holds a copy, the original of a
 * returned report (nested), a multipart with a wrong boundary parsed
 * again, or a summary of its fields.  Never returns NULL; found says
 * whether anything was there.  Returns: (transfer full) */
BsOriginal *bs_original_find (GMimeMessage *report, const BsRules *rules);

/* Where in text an inline copy of the original starts: after a line that
 * matches original-marker, or at a run of header lines.  Returns the offset
 * of its first header line, or -1. */
gssize bs_original_find_inline (const char *text, gsize len,
    const BsRules *rules, gboolean need_marker);

/* Copies the quoted copy that starts at start out of text, at most max
 * bytes, with the quote prefix ("> ", indentation) of its first line taken
 * off every line.  proof.c cuts a copy's bytes out the same way.
 * Returns: (transfer full) */
GString *bs_original_unquote (const char *text, gsize len, gsize start,
    gsize max);

/* Fills original from a parsed message (an attached original or the parse
 * of its inline or header-only copy). */
void bs_original_fill (BsOriginal *original, GMimeMessage *message);

/* Returns: (transfer full) (nullable) the domain of a Message-ID field
 * (g_mime_utils_decode_message_id: no brackets, comments or folding),
 * lowercase; NULL when it has none. */
char *bs_original_msgid_domain (const char *message_id);

/* Returns: (transfer full) (nullable) the bare address in a header value. */
char *bs_address_from_header (const char *value, char **name);
/* The same, of a list GMime parsed already (g_mime_message_get_from). */
char *bs_address_first (InternetAddressList *list, char **name);
