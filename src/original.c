/* original.c: find the message a report is about, and summarise it. */
#include <string.h>

#include "body.h"
#include "dsn.h"
#include "header-decode.h"
#include "input.h"
#include "original.h"

/* How many leaf parts of a report we look at, and how many Received
 * lines and attachments of an original we keep. */
#define BS_ORIGINAL_MAX_PARTS 200
#define BS_ORIGINAL_MAX_RECEIVED 64
#define BS_ORIGINAL_MAX_ATTACHMENTS 64
/* An inline copy of the original starts within this many lines of its
 * marker (blank lines and a line or two of MTA chatter). */
#define BS_MARKER_LOOKAHEAD 6
/* How much of a quoted original we parse. */
#define BS_INLINE_MAX (1024 * 1024)

BsOriginal *
bs_original_new (void)
{
	BsOriginal *o = g_new0 (BsOriginal, 1);

	o->received = g_ptr_array_new_with_free_func (g_free);
	o->carrier_received = g_ptr_array_new_with_free_func (g_free);
	o->dkim_domains = g_ptr_array_new_with_free_func (g_free);
	o->attachments = g_ptr_array_new_with_free_func (g_free);
	return o;
}

void
bs_original_free (BsOriginal *o)
{
	if (o == NULL)
		return;
	g_free (o->message_id);
	g_free (o->msgid_domain);
	g_free (o->from);
	g_free (o->from_address);
	g_free (o->from_name);
	g_free (o->to);
	g_free (o->subject);
	g_free (o->date);
	g_free (o->return_path);
	g_free (o->sender);
	g_free (o->x_mailer);
	g_ptr_array_unref (o->received);
	g_ptr_array_unref (o->carrier_received);
	g_ptr_array_unref (o->dkim_domains);
	g_free (o->body_text);
	g_ptr_array_unref (o->attachments);
	g_free (o);
}

static char *
unfold_value (const char *raw)
{
	GString *out;
	gboolean space = FALSE;
	const char *p;

	if (raw == NULL)
		return NULL;
	out = g_string_new (NULL);
	for (p = raw; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n' || *p == ' ' || *p == '\t') {
			space = TRUE;
			continue;
		}
		if (space && out->len > 0)
			g_string_append_c (out, ' ');
		space = FALSE;
		g_string_append_c (out, *p);
	}
	return g_string_free (out, FALSE);
}

char *
bs_address_from_header (const char *value, char **name)
{
	g_autoptr(InternetAddressList) list = NULL;

	if (name != NULL)
		*name = NULL;
	if (value == NULL)
		return NULL;
	list = bs_header_decode_addresses (value);
	return bs_address_first (list, name);
}

char *
bs_address_first (InternetAddressList *list, char **name)
{
	InternetAddress *ia;
	const char *addr;

	if (name != NULL)
		*name = NULL;
	if (list == NULL || internet_address_list_length (list) == 0)
		return NULL;
	ia = internet_address_list_get_address (list, 0);
	if (!INTERNET_ADDRESS_IS_MAILBOX (ia))
		return NULL;
	addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia));
	if (addr == NULL || *addr == '\0')
		return NULL;
	if (name != NULL) {
		const char *n = internet_address_get_name (ia);

		*name = n != NULL && *n != '\0' ? g_strdup (n) : NULL;
	}
	return g_strdup (addr);
}

static char *
dkim_domain (const char *value)
{
	g_auto(GStrv) tags = g_strsplit (value, ";", -1);
	gsize i;

	for (i = 0; tags[i] != NULL; i++) {
		char *t = g_strstrip (tags[i]);

		if (t[0] == 'd' && (t[1] == '=' || (t[1] == ' '
		    && strchr (t, '=') != NULL))) {
			const char *v = strchr (t, '=') + 1;
			char *d = g_ascii_strdown (v, -1);

			return g_strstrip (d);
		}
	}
	return NULL;
}

typedef struct {
	BsOriginal *original;
	gboolean have_plain;
	gboolean have_html;
	GString *text;
} BodyScan;

static gboolean
scan_body_part (GMimeObject *part, gpointer user_data)
{
	BodyScan *scan = user_data;
	GMimeContentType *ct = g_mime_object_get_content_type (part);
	GMimeContentDisposition *disp =
	    g_mime_object_get_content_disposition (part);
	const char *filename = GMIME_IS_PART (part) ?
	    g_mime_part_get_filename (GMIME_PART (part)) : NULL;
	gboolean attachment = filename != NULL || (disp != NULL
	    && g_mime_content_disposition_is_attachment (disp));

	if (attachment || !g_mime_content_type_is_type (ct, "text", "*")) {
		if (scan->original->attachments->len < BS_ORIGINAL_MAX_ATTACHMENTS)
			/* g_mime_content_type_get_mime_type is (transfer
			 * full): no g_strdup, which leaked it (found by
			 * fuzz-classify, tests/data/crashers). */
			g_ptr_array_add (scan->original->attachments,
			    filename != NULL ? g_strdup (filename) :
			    g_mime_content_type_get_mime_type (ct));
		return TRUE;
	}
	if (g_mime_content_type_is_type (ct, "text", "html"))
		scan->have_html = TRUE;
	else
		scan->have_plain = TRUE;
	if (scan->text->len < BS_BODY_MAX_TEXT) {
		g_autofree char *t = bs_body_part_text (part,
		    BS_BODY_MAX_TEXT - scan->text->len);

		if (t != NULL) {
			g_string_append (scan->text, t);
			g_string_append_c (scan->text, '\n');
		}
	}
	return TRUE;
}

/* GMime joins the payloads of adjacent base64 encoded-words of one
 * charset before decoding them (a character may be split between words),
 * and its decoder stops at the first word's "=" padding: "=?utf-8?B?...pQ==?=
 * =?utf-8?B?5pys6KqeKQ==?=" lost the second word.  Joined here as bytes
 * and encoded again as one word, it decodes whole.  Returns: (transfer
 * full) (nullable) the value to decode instead, or NULL to keep GMime's. */
static char *
join_base64_words (const char *raw)
{
	GString *out = g_string_new (NULL);
	g_autoptr(GByteArray) run = g_byte_array_new ();
	g_autofree char *charset = NULL;
	const char *p = raw;
	gboolean changed = FALSE;
	guint words = 0;
	gsize n;

	while (*p != '\0') {
		const char *q, *cs_end, *text, *end;

		/* An encoded word is at most 75 characters (RFC 2047 2):
		 * looking no further keeps this linear. */
		for (n = 0; p[0] == '=' && p[1] == '?' && n < 64
		    && p[2 + n] != '\0' && p[2 + n] != '?'; n++)
			;
		cs_end = p + 2 + n;
		if (p[0] != '=' || p[1] != '?' || *cs_end != '?'
		    || (cs_end[1] != 'B'
		    && cs_end[1] != 'b') || cs_end[2] != '?'
		    || (end = g_strstr_len (cs_end + 3, 998, "?=")) == NULL) {
			/* Blanks between two words go; anything else ends
			 * the run. */
			for (q = p; *q == ' ' || *q == '\t' || *q == '\r'
			    || *q == '\n'; q++)
				;
			if (q > p && run->len > 0 && q[0] == '=' && q[1] == '?') {
				p = q;
				continue;
			}
			if (run->len > 0) {
				g_autofree char *b = g_base64_encode (run->data,
				    run->len);

				g_string_append_printf (out, "=?%s?B?%s?=%s",
				    charset, b, p[0] == '=' && p[1] == '?' ?
				    " " : "");
				g_byte_array_set_size (run, 0);
				changed |= words > 1;
				words = 0;
			}
			g_string_append_c (out, *p++);
			continue;
		}
		text = cs_end + 3;
		if (run->len > 0 && (strlen (charset) != (gsize) (cs_end - p - 2)
		    || g_ascii_strncasecmp (charset, p + 2, strlen (charset))
		    != 0)) {
			g_autofree char *b = g_base64_encode (run->data, run->len);

			g_string_append_printf (out, "=?%s?B?%s?= ", charset, b);
			g_byte_array_set_size (run, 0);
			changed |= words > 1;
			words = 0;
		}
		if (run->len == 0) {
			g_free (charset);
			charset = g_strndup (p + 2, (gsize) (cs_end - p - 2));
		}
		{
			g_autofree char *enc = g_strndup (text, (gsize) (end - text));
			gsize blen = 0;
			g_autofree guchar *bytes = g_base64_decode (enc, &blen);

			g_byte_array_append (run, bytes, (guint) blen);
		}
		words++;
		p = end + 2;
	}
	if (run->len > 0) {
		g_autofree char *b = g_base64_encode (run->data, run->len);

		g_string_append_printf (out, "=?%s?B?%s?=", charset, b);
		changed |= words > 1;
	}
	if (!changed) {
		g_string_free (out, TRUE);
		return NULL;
	}
	return g_string_free (out, FALSE);
}

/* The decoded Subject, whole (join_base64_words). */
static char *
decoded_subject (GMimeMessage *message)
{
	GMimeHeaderList *headers = g_mime_object_get_header_list (
	    GMIME_OBJECT (message));
	GMimeHeader *h = g_mime_header_list_get_header (headers, "Subject");
	const char *raw = h != NULL ? g_mime_header_get_raw_value (h) : NULL;
	g_autofree char *unfolded = NULL;
	g_autofree char *joined = NULL;

	if (raw != NULL && strstr (raw, "?=") != NULL) {
		unfolded = unfold_value (raw);
		joined = join_base64_words (unfolded);
	}
	if (joined != NULL)
		return g_strstrip (bs_header_decode_text (joined));
	return g_strdup (g_mime_message_get_subject (message));
}

void
bs_original_fill (BsOriginal *o, GMimeMessage *message)
{
	GMimeHeaderList *headers = g_mime_object_get_header_list (
	    GMIME_OBJECT (message));
	GMimeObject *body = g_mime_message_get_mime_part (message);
	const char *v;
	GDateTime *date;
	int i, n;

	o->found = TRUE;
	n = g_mime_header_list_get_count (headers);
	o->header_count = (guint) n;
	for (i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at (headers, i);
		const char *name = g_mime_header_get_name (h);

		if (g_ascii_strcasecmp (name, "Received") == 0) {
			if (o->received->len < BS_ORIGINAL_MAX_RECEIVED)
				g_ptr_array_add (o->received, unfold_value (
				    g_mime_header_get_raw_value (h)));
		} else if (g_ascii_strcasecmp (name, "DKIM-Signature") == 0) {
			g_autofree char *u = unfold_value (
			    g_mime_header_get_raw_value (h));
			char *d = u != NULL ? dkim_domain (u) : NULL;

			if (d != NULL)
				g_ptr_array_add (o->dkim_domains, d);
		} else if (g_ascii_strcasecmp (name, "Return-Path") == 0
		    && o->return_path == NULL) {
			o->return_path = bs_address_from_header (
			    g_mime_header_get_value (h), NULL);
			if (o->return_path == NULL)
				o->return_path = g_strdup ("");
		} else if ((g_ascii_strcasecmp (name, "X-Mailer") == 0
		    || g_ascii_strcasecmp (name, "User-Agent") == 0)
		    && o->x_mailer == NULL) {
			o->x_mailer = g_strdup (g_mime_header_get_value (h));
		}
	}
	v = g_mime_object_get_header (GMIME_OBJECT (message), "Message-ID");
	o->message_id = unfold_value (v);
	o->msgid_domain = bs_original_msgid_domain (o->message_id);
	v = g_mime_object_get_header (GMIME_OBJECT (message), "From");
	o->from = unfold_value (v);
	/* GMime parsed From and Sender already. */
	if (v != NULL)
		o->from_address = bs_address_first (
		    g_mime_message_get_from (message), &o->from_name);
	if (g_mime_object_get_header (GMIME_OBJECT (message), "Sender"))
		o->sender = bs_address_first (g_mime_message_get_sender (
		    message), NULL);
	o->to = unfold_value (g_mime_object_get_header (GMIME_OBJECT (message),
	    "To"));
	o->subject = decoded_subject (message);
	o->date = unfold_value (g_mime_object_get_header (GMIME_OBJECT (message),
	    "Date"));
	date = g_mime_message_get_date (message);
	if (date != NULL)
		o->date_unix = g_date_time_to_unix (date);

	if (body == NULL) {
		o->headers_only = TRUE;
	} else {
		BodyScan scan = { o, FALSE, FALSE, g_string_new (NULL) };

		bs_body_foreach_leaf (body, BS_ORIGINAL_MAX_PARTS,
		    scan_body_part, &scan);
		o->html_only = scan.have_html && !scan.have_plain;
		o->body_text = g_string_free (scan.text, FALSE);
		if (*o->body_text == '\0' && o->attachments->len == 0)
			o->headers_only = TRUE;
	}
}

/* Does this line look like a header field ("Name: value")? */
static gboolean
is_header_line (const char *line, gsize len)
{
	gsize i;

	for (i = 0; i < len && i < 78; i++) {
		char c = line[i];

		if (c == ':')
			return i > 0;
		if (c <= ' ' || c > '~')
			return FALSE;
	}
	return FALSE;
}

/* The fields that mark the start of a real message header.  Not
 * Content-Type or MIME-Version: every MIME part header has those, and a
 * part header seen as text (broken MIME, a raw body) is no original. */
static gboolean
is_key_header (const char *line, gsize len)
{
	static const char *const names[] = {
		"Received:", "Return-Path:", "From:", "To:", "Subject:",
		"Message-ID:", "Date:", "DKIM-Signature:",
		"Delivered-To:", "X-Mailer:", "Reply-To:",
		"Sender:", "ARC-Seal:", "Authentication-Results:",
		"X-Received:", "Received-SPF:", NULL,
	};
	gsize i;

	for (i = 0; names[i] != NULL; i++) {
		gsize nl = strlen (names[i]);

		if (len >= nl && g_ascii_strncasecmp (line, names[i], nl) == 0)
			return TRUE;
	}
	return FALSE;
}

static gsize
line_end (const char *text, gsize len, gsize pos)
{
	const char *nl = memchr (text + pos, '\n', len - pos);

	return nl != NULL ? (gsize) (nl - text) : len;
}

/* At pos: after optional quote prefix, two header fields in a row, at
 * least one of them a field every message has.  Fields are counted, not
 * lines: a copy may start with a DKIM-Signature or ARC-Seal folded over
 * many lines.  At most BS_BLOCK_LINES lines are read, so that a search
 * that calls this at every line stays linear. */
#define BS_BLOCK_FIELDS 4
#define BS_BLOCK_LINES 40
static gboolean
header_block_at (const char *text, gsize len, gsize pos, gsize prefix)
{
	guint fields = 0, key = 0;
	guint lines;

	for (lines = 0; lines < BS_BLOCK_LINES && fields < BS_BLOCK_FIELDS
	    && pos < len; lines++) {
		gsize e = line_end (text, len, pos);
		const char *line = text + pos + MIN (prefix, e - pos);
		gsize l = e - pos - MIN (prefix, e - pos);

		if (l > 0 && (line[0] == ' ' || line[0] == '\t')
		    && fields > 0) {
			pos = e + 1;
			continue;	/* a folded continuation */
		}
		if (!is_header_line (line, l))
			break;
		fields++;
		if (is_key_header (line, l))
			key++;
		pos = e + 1;
	}
	return fields >= 2 && key >= 1;
}

/* As bs_original_find_inline; with at_start, a bare header block may
 * also start on the first line (a part that is nothing but the copy). */
static gssize
find_inline (const char *text, gsize len, const BsRules *rules,
    gboolean need_marker, gboolean at_start)
{
	const BsRule *marker = bs_rules_get_set (rules, "original-marker");
	gsize pos = 0;

	while (pos < len) {
		gsize e = line_end (text, len, pos);
		BsRuleMatch m;

		/* A marker line is short; matching the set on each line keeps
		 * ^ and $ meaning the line. */
		if (e - pos < 200 && bs_rule_match (marker, text + pos, e - pos,
		    0, NULL, &m)) {
			gsize q = e + 1;
			guint k;

			for (k = 0; k < BS_MARKER_LOOKAHEAD && q < len; k++) {
				gsize qe = line_end (text, len, q);
				gsize indent = 0;

				while (q + indent < qe && (text[q + indent] == ' '
				    || text[q + indent] == '\t'
				    || text[q + indent] == '>'))
					indent++;
				if (header_block_at (text, len, q, indent))
					return (gssize) q;
				q = qe + 1;
			}
		}
		if (!need_marker && (pos > 0 || at_start)
		    && header_block_at (text, len, pos, 0))
			return (gssize) pos;
		pos = e + 1;
	}
	return -1;
}

gssize
bs_original_find_inline (const char *text, gsize len, const BsRules *rules,
    gboolean need_marker)
{
	return find_inline (text, len, rules, need_marker, FALSE);
}

GString *
bs_original_unquote (const char *text, gsize len, gsize start, gsize max)
{
	GString *out = g_string_sized_new (MIN (len - start, max));
	gsize prefix = 0, pos = start;

	while (start + prefix < len && (text[start + prefix] == ' '
	    || text[start + prefix] == '\t' || text[start + prefix] == '>'))
		prefix++;
	while (pos < len && out->len < max) {
		gsize e = line_end (text, len, pos);
		gsize skip = 0;

		while (skip < prefix && pos + skip < e
		    && (text[pos + skip] == ' ' || text[pos + skip] == '\t'
		    || text[pos + skip] == '>'))
			skip++;
		g_string_append_len (out, text + pos + skip, e - pos - skip);
		g_string_append_c (out, '\n');
		pos = e + 1;
	}
	return out;
}

static gboolean
parse_into (BsOriginal *o, const char *data, gsize len)
{
	g_autoptr(GMimeMessage) message = bs_input_parse_bytes (data, len);

	if (message == NULL || g_mime_header_list_get_count (
	    g_mime_object_get_header_list (GMIME_OBJECT (message))) == 0) {
		o->unparsable = TRUE;
		return FALSE;
	}
	bs_original_fill (o, message);
	return TRUE;
}

/* How deep an original is looked for inside returned reports (a
 * forwarded bounce, a bounce of a bounce), and inside a multipart body
 * parsed again with the boundary it really uses. */
#define BS_ORIGINAL_MAX_NESTING 3

typedef struct {
	BsOriginal *original;
	const BsRules *rules;
	guint depth;
	BsOriginal *nested;		/* found inside a returned report */
	GMimeObject *headers_part;	/* a text/rfc822-headers leaf */
	const char *headers_via;
	GMimeObject *headerless;	/* a part whose header is the copy's */
	GPtrArray *blobs;		/* other attachments that may be a copy */
	GPtrArray *texts;		/* text leaves, for inline search */
} FindState;

static BsOriginal *find_in (GMimeObject *body, const BsRules *rules,
    guint depth);

/* Is this returned message itself a report about another one (a bounce
 * forwarded, or bounced again)?  Then the original is inside it.  What
 * the inner report says is the forger's as much as the rest, and is used
 * only to look further in. */
static gboolean
is_report (GMimeMessage *inner, const BsRules *rules)
{
	GMimeObject *body = g_mime_message_get_mime_part (inner);
	const char *from = g_mime_object_get_header (GMIME_OBJECT (inner),
	    "From");
	BsRuleMatch m;

	if (body != NULL && g_mime_content_type_is_type (
	    g_mime_object_get_content_type (body), "multipart", "report"))
		return TRUE;
	return from != NULL && bs_rule_match (bs_rules_get_set (rules,
	    "bounce-sender"), from, strlen (from), 0, NULL, &m);
}

/* A part with no header of its own: the copy's header came right after
 * the boundary, so GMime took it for the part's.  Fields no MIME part
 * header holds say so. */
static gboolean
is_headerless_copy (GMimeObject *part)
{
	static const char *const names[] = {
		"Message-ID", "From", "Subject", "Date", "Received",
		"Return-Path", "To", "DKIM-Signature", NULL,
	};
	GMimeHeaderList *headers = g_mime_object_get_header_list (part);
	guint i, n = 0;

	for (i = 0; names[i] != NULL; i++) {
		if (g_mime_header_list_contains (headers, names[i]))
			n++;
	}
	return n >= 2;
}

static gboolean
is_attachment (GMimeObject *part)
{
	GMimeContentDisposition *disp =
	    g_mime_object_get_content_disposition (part);

	return (GMIME_IS_PART (part) && g_mime_part_get_filename (
	    GMIME_PART (part)) != NULL) || (disp != NULL
	    && g_mime_content_disposition_is_attachment (disp));
}

static gboolean
find_part (GMimeObject *part, gpointer user_data)
{
	FindState *st = user_data;
	GMimeContentType *ct = g_mime_object_get_content_type (part);

	if (GMIME_IS_MESSAGE_PART (part)) {
		GMimeMessage *inner = g_mime_message_part_get_message (
		    GMIME_MESSAGE_PART (part));

		if (inner == NULL || g_mime_header_list_get_count (
		    g_mime_object_get_header_list (GMIME_OBJECT (inner))) == 0) {
			st->original->unparsable = TRUE;
			return TRUE;
		}
		if (st->depth < BS_ORIGINAL_MAX_NESTING
		    && is_report (inner, st->rules)) {
			BsOriginal *deeper = find_in (g_mime_message_get_mime_part (
			    inner), st->rules, st->depth + 1);

			if (deeper->found && g_strcmp0 (deeper->via,
			    "summary") != 0) {
				BsOriginal *carrier = bs_original_new ();
				GPtrArray *r;

				/* The report's own hops are what the server
				 * that returned it wrote. */
				bs_original_fill (carrier, inner);
				r = deeper->carrier_received;
				deeper->carrier_received = carrier->received;
				carrier->received = r;
				bs_original_free (carrier);
				deeper->nested = TRUE;
				st->nested = deeper;
				return FALSE;
			}
			bs_original_free (deeper);
		}
		bs_original_fill (st->original, inner);
		st->original->via = g_mime_content_type_is_type (ct, "message",
		    "global") ? "message/global" : "message/rfc822";
		return FALSE;
	}
	if (st->headers_part == NULL
	    && (g_mime_content_type_is_type (ct, "text", "rfc822-headers")
	    || g_mime_content_type_is_type (ct, "message", "global-headers")
	    || g_mime_content_type_is_type (ct, "message", "rfc822-headers"))) {
		st->headers_part = part;
		st->headers_via = g_mime_content_type_is_type (ct, "message",
		    "global-headers") ? "message/global-headers" :
		    "text/rfc822-headers";
		return TRUE;
	}
	/* message/rfc822 that GMime left as a leaf (for instance base64
	 * encoded, which RFC 2046 forbids but MTAs do). */
	if (g_mime_content_type_is_type (ct, "message", "rfc822")
	    || g_mime_content_type_is_type (ct, "message", "global")) {
		gsize len = 0;
		g_autofree char *t = bs_part_get_text (part, BS_INLINE_MAX, &len);

		if (t != NULL && parse_into (st->original, t, len)) {
			st->original->via = "message/rfc822";
			return FALSE;
		}
		return TRUE;
	}
	if (st->headerless == NULL && is_headerless_copy (part))
		st->headerless = part;
	if (GMIME_IS_TEXT_PART (part) && st->texts->len < 16)
		g_ptr_array_add (st->texts, part);
	else if (!GMIME_IS_TEXT_PART (part) && st->blobs->len < 16
	    && (is_attachment (part) || g_mime_content_type_is_type (ct,
	    "application", "octet-stream")))
		g_ptr_array_add (st->blobs, part);
	return TRUE;
}

/* Where a text that is nothing but a copy starts (after blank lines), or
 * -1. */
static gssize
copy_at_start (const char *t)
{
	gsize start = 0, len = strlen (t);

	while (start < len && (t[start] == '\n' || t[start] == '\r'))
		start++;
	return header_block_at (t, len, start, 0) ? (gssize) start : -1;
}

/* A copy declared as something else (application/octet-stream, a .eml
 * or .txt file): its decoded content starts with the copy's header. */
static gboolean
find_blob (BsOriginal *o, GMimeObject *part)
{
	gsize len = 0, start = 0;
	g_autofree char *t = bs_part_get_text (part, BS_INLINE_MAX, &len);

	if (t == NULL)
		return FALSE;
	while (start < len && (t[start] == '\n' || t[start] == '\r'))
		start++;
	if (!header_block_at (t, len, start, 0)
	    || !parse_into (o, t + start, len - start))
		return FALSE;
	o->via = "attachment";
	return TRUE;
}

/* The part GMime took the copy's header for: written out again, it is
 * the copy. */
static gboolean
find_headerless (BsOriginal *o, GMimeObject *part)
{
	g_autofree char *t = g_mime_object_to_string (part, NULL);

	if (t == NULL || !parse_into (o, t, strlen (t)))
		return FALSE;
	o->via = "inline";
	return TRUE;
}

/* The boundary a broken multipart really uses: the first line of its text
 * that starts "--", has no space, and comes again.  Returns: (transfer
 * full) (nullable) the boundary without its dashes. */
static char *
used_boundary (const char *text, gsize len)
{
	gsize pos = 0;
	guint seen = 0;

	/* The first few lines that look like a delimiter: each costs a
	 * search of the rest of the text. */
	while (pos < len && seen < 8) {
		gsize e = line_end (text, len, pos), l = e - pos, i;

		if (l > 2 && l <= 72 && text[pos] == '-' && text[pos + 1] == '-') {
			g_autofree char *b = NULL;
			gboolean plain = TRUE;

			while (l > 2 && text[pos + l - 1] == '\r')
				l--;
			for (i = 2; i < l && plain; i++)
				plain = text[pos + i] > ' ' && text[pos + i] <= '~'
				    && text[pos + i] != '"';
			b = g_strndup (text + pos + 2, l - 2);
			/* Seen again further on: a delimiter, not a rule. */
			if (plain && e < len && g_strstr_len (text + e, len - e,
			    b) != NULL)
				return g_steal_pointer (&b);
			seen++;
		}
		pos = e + 1;
	}
	return NULL;
}

/* The first multipart in the tree with no part: its boundary parameter
 * is missing or wrong. */
static GMimeObject *
empty_multipart (GMimeObject *object, guint depth)
{
	int i, n;

	if (object == NULL || !GMIME_IS_MULTIPART (object) || depth > 8)
		return NULL;
	n = g_mime_multipart_get_count (GMIME_MULTIPART (object));
	if (n == 0)
		return object;
	for (i = 0; i < n && i < 16; i++) {
		GMimeObject *e = empty_multipart (g_mime_multipart_get_part (
		    GMIME_MULTIPART (object), i), depth + 1);

		if (e != NULL)
			return e;
	}
	return NULL;
}

/* A multipart whose declared boundary never occurs (GMime then sees no
 * part, only its prologue): parse the text again with the boundary it
 * uses, else search it as text. */
static BsOriginal *
find_broken (GMimeObject *body, const BsRules *rules, guint depth)
{
	const char *text = g_mime_multipart_get_prologue (GMIME_MULTIPART (body));
	g_autofree char *boundary = NULL;
	gsize len;
	gssize at;

	if (text == NULL || depth >= BS_ORIGINAL_MAX_NESTING)
		return NULL;
	len = strlen (text);
	boundary = used_boundary (text, len);
	if (boundary != NULL) {
		g_autoptr(GString) s = g_string_new (NULL);
		g_autoptr(GMimeMessage) again = NULL;

		g_string_append_printf (s, "MIME-Version: 1.0\nContent-Type: "
		    "multipart/mixed; boundary=\"%s\"\n\n", boundary);
		g_string_append_len (s, text, (gssize) len);
		again = bs_input_parse_bytes (s->str, s->len);
		if (again != NULL) {
			BsOriginal *o = find_in (g_mime_message_get_mime_part (
			    again), rules, depth + 1);

			if (o->found)
				return o;
			bs_original_free (o);
		}
	}
	at = find_inline (text, len, rules, TRUE, FALSE);
	if (at < 0)
		at = find_inline (text, len, rules, FALSE, FALSE);
	if (at >= 0) {
		BsOriginal *o = bs_original_new ();
		g_autoptr(GString) copy = bs_original_unquote (text, len,
		    (gsize) at, BS_INLINE_MAX);

		if (parse_into (o, copy->str, copy->len)) {
			o->via = "inline";
			return o;
		}
		bs_original_free (o);
	}
	return NULL;
}

/* Appends "Name: value" from the phrase group of set, if it matches. */
static gboolean
summary_field (GString *out, const char *name, const BsRules *rules,
    const char *set, const char *text, gsize len)
{
	BsRuleMatch m;

	if (!bs_rule_match (bs_rules_get_set (rules, set), text, len, 0,
	    "phrase", &m) || m.group_start < 0)
		return FALSE;
	g_string_append_printf (out, "%s: %.*s\n", name,
	    (int) (m.group_end - m.group_start), text + m.group_start);
	return TRUE;
}

/* The fields a report names of its original, as a header block of their
 * own: an original without a body, found as a summary. */
static gboolean
take_summary (BsOriginal *o, GString *headers)
{
	g_string_append_c (headers, '\n');
	if (!parse_into (o, headers->str, headers->len))
		return FALSE;
	o->via = "summary";
	o->headers_only = TRUE;
	return TRUE;
}

/* Some reports (Exim's delay warnings) return no copy but name the
 * original's Subject and Date in prose: a summary is better than
 * nothing, and is reported as such (via "summary"). */
static gboolean
find_summary (BsOriginal *o, const char *text, const BsRules *rules)
{
	g_autoptr(GString) headers = g_string_new (NULL);
	gsize len = strlen (text);
	gboolean subject, date;

	subject = summary_field (headers, "Subject", rules, "summary-subject",
	    text, len);
	date = summary_field (headers, "Date", rules, "summary-date", text,
	    len);
	if (!subject && !date)
		return FALSE;
	return take_summary (o, headers);
}

/* What a report says of the original in an indented block of its own
 * ("Your message / To: ... / Subject: ... / Sent: ...", Exchange,
 * MailMarshal, James): the Subject, From, To and date, as a summary. */
static gboolean
find_summary_block (BsOriginal *o, const char *text)
{
	static const struct {
		const char *label;
		const char *field;
	} labels[] = {
		{ "subject", "Subject" }, { "from", "From" }, { "to", "To" },
		{ "cc", "Cc" }, { "sent", "Date" }, { "sent date", "Date" },
		{ "date", "Date" },
	};
	g_autoptr(GString) headers = g_string_new (NULL);
	gsize len = strlen (text), pos = 0, indent = 0;
	guint known = 0, lines = 0;

	while (pos < len) {
		gsize e = line_end (text, len, pos), i = pos, colon;
		gboolean field = FALSE;
		guint k;

		while (i < e && (text[i] == ' ' || text[i] == '\t'))
			i++;
		for (colon = i; colon < e && colon < i + 20
		    && text[colon] != ':'; colon++)
			;
		if (i > pos && colon < e && text[colon] == ':'
		    && (known == 0 || i - pos == indent)) {
			field = TRUE;
			for (k = 0; k < G_N_ELEMENTS (labels); k++) {
				gsize ll = strlen (labels[k].label);
				const char *v = text + colon + 1;

				if (colon - i != ll || g_ascii_strncasecmp (
				    text + i, labels[k].label, ll) != 0)
					continue;
				while (v < text + e && (*v == ' ' || *v == '\t'))
					v++;
				g_string_append_printf (headers, "%s: %.*s\n",
				    labels[k].field, (int) (text + e - v), v);
				if (known++ == 0)
					indent = i - pos;
				break;
			}
		}
		if (!field || ++lines > 16) {
			if (known >= 2)
				break;
			g_string_truncate (headers, 0);
			known = 0;
			lines = 0;
		}
		pos = e + 1;
	}
	if (known < 2)
		return FALSE;
	return take_summary (o, headers);
}

/* One JSON string at p (its opening quote), unescaped into out (NULL:
 * skipped).  Returns where it ends, past its closing quote, or NULL. */
static const char *
json_string (const char *p, const char *end, GString *out)
{
	for (p++; p < end && *p != '"'; p++) {
		if (*p != '\\') {
			if (out != NULL && *p != '\n' && *p != '\r')
				g_string_append_c (out, *p);
			continue;
		}
		if (++p >= end)
			return NULL;
		if (*p == 'u' && end - p > 4 && g_ascii_isxdigit (p[1])
		    && g_ascii_isxdigit (p[2]) && g_ascii_isxdigit (p[3])
		    && g_ascii_isxdigit (p[4])) {
			gunichar c = (gunichar) g_ascii_strtoull (
			    (char[]) { p[1], p[2], p[3], p[4], 0 }, NULL, 16);

			if (out != NULL)
				g_string_append_unichar (out, c < 0x20
				    || (c >= 0xd800 && c < 0xe000) ? 0xfffd : c);
			p += 4;
		} else if (out != NULL) {
			g_string_append_c (out, *p == 'n' || *p == 'r'
			    || *p == 't' ? ' ' : *p);
		}
	}
	return p < end ? p + 1 : NULL;
}

/* An Amazon SES notification (JSON, sent by SNS as mail) lists the
 * header of the message it is about: "headers":[{"name":"From",
 * "value":"..."},...].  Those fields, as a summary.  Sendmail's cut of
 * long lines ("!" newline space) is undone first. */
static gboolean
find_json_headers (BsOriginal *o, const char *text)
{
	g_autoptr(GString) joined = g_string_new (NULL);
	g_autoptr(GString) headers = g_string_new (NULL);
	g_autoptr(GString) name = g_string_new (NULL);
	g_autoptr(GString) value = g_string_new (NULL);
	const char *p, *end, *at;
	gboolean escaped;
	guint fields = 0;

	at = strstr (text, "\"headers\":[");
	/* The notification as a string inside SNS's own JSON: one level of
	 * escapes more. */
	escaped = at == NULL && (at = strstr (text, "\\\"headers\\\":[")) != NULL;
	if (at == NULL)
		return FALSE;
	for (p = at; *p != '\0' && joined->len < BS_BODY_MAX_TEXT; p++) {
		if (p[0] == '!' && p[1] == '\n' && p[2] == ' ')
			p += 2;
		else if (escaped && p[0] == '\\' && p[1] != '\0')
			g_string_append_c (joined, *++p);
		else
			g_string_append_c (joined, *p);
	}
	p = joined->str + strlen ("\"headers\":[");
	end = joined->str + joined->len;
	while (p != NULL && p < end && *p == '{' && fields < 200) {
		const char *key = p + 1;

		g_string_truncate (name, 0);
		g_string_truncate (value, 0);
		/* {"name":"...","value":"..."} in either order */
		while (key != NULL && key < end && *key == '"') {
			gboolean is_name = g_str_has_prefix (key, "\"name\":\"");
			gboolean is_value = g_str_has_prefix (key, "\"value\":\"");

			key = json_string (key, end, NULL);
			if (key == NULL || key >= end || *key != ':'
			    || key + 1 >= end || key[1] != '"')
				return FALSE;
			key = json_string (key + 1, end, is_name ? name :
			    is_value ? value : NULL);
			if (key != NULL && key < end && *key == ',')
				key++;
		}
		if (key == NULL || key >= end || *key != '}')
			break;
		if (name->len > 0 && strchr (name->str, ':') == NULL) {
			g_string_append_printf (headers, "%s: %s\n", name->str,
			    value->str);
			fields++;
		}
		p = key + 1;
		if (p < end && *p == ',')
			p++;
	}
	if (fields < 2 || !header_block_at (headers->str, headers->len, 0, 0))
		return FALSE;
	return take_summary (o, headers);
}

static BsOriginal *
find_in (GMimeObject *body, const BsRules *rules, guint depth)
{
	BsOriginal *o = bs_original_new ();
	g_autoptr(GPtrArray) texts = g_ptr_array_new ();
	g_autoptr(GPtrArray) blobs = g_ptr_array_new ();
	FindState st = { o, rules, depth, NULL, NULL, NULL, NULL, blobs,
	    texts };
	GMimeObject *empty;
	guint i, pass;

	bs_body_foreach_leaf (body, BS_ORIGINAL_MAX_PARTS, find_part, &st);
	if (st.nested != NULL) {
		bs_original_free (o);
		return st.nested;
	}
	if (o->found)
		return o;
	if (st.headers_part != NULL) {
		gsize len = 0;
		g_autofree char *t = bs_part_get_text (st.headers_part,
		    BS_INLINE_MAX, &len);

		if (t != NULL) {
			/* Headers alone: close the block so GMime sees an
			 * empty body, not a header it has to guess about. */
			g_autoptr(GString) s = g_string_new_len (t, len);

			g_string_append (s, "\n\n");
			if (parse_into (o, s->str, s->len)) {
				o->via = st.headers_via;
				o->headers_only = TRUE;
				return o;
			}
		}
	}
	if (st.headerless != NULL && find_headerless (o, st.headerless)) {
		o->unparsable = FALSE;
		return o;
	}
	for (i = 0; i < blobs->len; i++) {
		if (find_blob (o, blobs->pdata[i])) {
			o->unparsable = FALSE;
			return o;
		}
	}
	/* Inline: a marker line in any text part first; then a later text
	 * part or an attached text file that is nothing but the copy; then
	 * a bare header block in any part but on the first line of the
	 * first. */
	for (pass = 0; pass < 3; pass++) {
		for (i = 0; i < texts->len; i++) {
			gboolean whole = i > 0 || is_attachment (texts->pdata[i]);
			g_autofree char *t = NULL;
			gssize at;

			if (pass == 1 && !whole)
				continue;
			t = bs_body_part_text (texts->pdata[i], BS_INLINE_MAX);
			if (t == NULL)
				continue;
			if (pass == 0)
				at = find_inline (t, strlen (t), rules, TRUE, FALSE);
			else if (pass == 1)
				at = copy_at_start (t);
			else
				at = find_inline (t, strlen (t), rules, FALSE,
				    whole);
			if (at >= 0) {
				g_autoptr(GString) copy = bs_original_unquote (t,
				    strlen (t), (gsize) at, BS_INLINE_MAX);

				if (parse_into (o, copy->str, copy->len)) {
					o->via = "inline";
					o->unparsable = FALSE;
					return o;
				}
			}
		}
	}
	if ((empty = empty_multipart (body, 0)) != NULL) {
		BsOriginal *broken = find_broken (empty, rules, depth);

		if (broken != NULL) {
			bs_original_free (o);
			return broken;
		}
	}
	if (texts->len > 0) {
		g_autofree char *t = bs_body_part_text (texts->pdata[0],
		    BS_INLINE_MAX);

		if (t != NULL && (find_summary (o, t, rules)
		    || find_summary_block (o, t) || find_json_headers (o, t)))
			o->unparsable = FALSE;
	}
	return o;
}

BsOriginal *
bs_original_find (GMimeMessage *report, const BsRules *rules)
{
	return find_in (g_mime_message_get_mime_part (report), rules, 0);
}

char *
bs_original_msgid_domain (const char *message_id)
{
	g_autofree char *id = NULL;
	const char *at;

	if (message_id == NULL)
		return NULL;
	id = g_mime_utils_decode_message_id (message_id);
	/* The domain of the addr-spec GMime parsed: after its last '@' (a
	 * quoted local part may hold one). */
	at = id != NULL ? strrchr (id, '@') : NULL;
	if (at == NULL || at[1] == '\0')
		return NULL;
	return g_ascii_strdown (at + 1, -1);
}
