/* original.c: find the message a report is about, and summarise it. */
#include <string.h>

#include "body.h"
#include "dsn.h"
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
	list = internet_address_list_parse (NULL, value);
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
	o->subject = g_strdup (g_mime_message_get_subject (message));
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

/* The fields that mark the start of a real message header. */
static gboolean
is_key_header (const char *line, gsize len)
{
	static const char *const names[] = {
		"Received:", "Return-Path:", "From:", "To:", "Subject:",
		"Message-ID:", "Date:", "DKIM-Signature:", "MIME-Version:",
		"Delivered-To:", "X-Mailer:", "Reply-To:", "Content-Type:",
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

/* At pos: after optional quote prefix, two header lines in a row, at least
 * one of them a field every message has. */
static gboolean
header_block_at (const char *text, gsize len, gsize pos, gsize prefix)
{
	guint header_lines = 0, key = 0;
	guint lines;

	for (lines = 0; lines < 4 && pos < len; lines++) {
		gsize e = line_end (text, len, pos);
		const char *line = text + pos + MIN (prefix, e - pos);
		gsize l = e - pos - MIN (prefix, e - pos);

		if (l > 0 && (line[0] == ' ' || line[0] == '\t')
		    && header_lines > 0) {
			pos = e + 1;
			continue;	/* a folded continuation */
		}
		if (!is_header_line (line, l))
			break;
		header_lines++;
		if (is_key_header (line, l))
			key++;
		pos = e + 1;
	}
	return header_lines >= 2 && key >= 1;
}

gssize
bs_original_find_inline (const char *text, gsize len, const BsRules *rules,
    gboolean need_marker)
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
		if (!need_marker && header_block_at (text, len, pos, 0)
		    && pos > 0)
			return (gssize) pos;
		pos = e + 1;
	}
	return -1;
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

typedef struct {
	BsOriginal *original;
	const BsRules *rules;
	GMimeObject *headers_part;	/* a text/rfc822-headers leaf */
	const char *headers_via;
	GPtrArray *texts;		/* text leaves, for inline search */
} FindState;

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
	if (GMIME_IS_TEXT_PART (part) && st->texts->len < 16)
		g_ptr_array_add (st->texts, part);
	return TRUE;
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
	g_string_append_c (headers, '\n');
	if (!parse_into (o, headers->str, headers->len))
		return FALSE;
	o->via = "summary";
	o->headers_only = TRUE;
	return TRUE;
}

BsOriginal *
bs_original_find (GMimeMessage *report, const BsRules *rules)
{
	BsOriginal *o = bs_original_new ();
	g_autoptr(GPtrArray) texts = g_ptr_array_new ();
	FindState st = { o, rules, NULL, NULL, texts };
	guint i;

	bs_body_foreach_leaf (g_mime_message_get_mime_part (report),
	    BS_ORIGINAL_MAX_PARTS, find_part, &st);
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
	/* Inline: marker first in every text part, then a bare header
	 * block in any part but the first line of the first. */
	for (i = 0; i < texts->len; i++) {
		g_autofree char *t = bs_body_part_text (texts->pdata[i],
		    BS_INLINE_MAX);
		gssize at;

		if (t == NULL)
			continue;
		at = bs_original_find_inline (t, strlen (t), rules, TRUE);
		if (at < 0)
			at = bs_original_find_inline (t, strlen (t), rules,
			    FALSE);
		if (at >= 0) {
			g_autoptr(GString) copy = bs_original_unquote (t, strlen (t),
			    (gsize) at, BS_INLINE_MAX);

			if (parse_into (o, copy->str, copy->len)) {
				o->via = "inline";
				o->unparsable = FALSE;
				return o;
			}
		}
	}
	if (texts->len > 0) {
		g_autofree char *t = bs_body_part_text (texts->pdata[0],
		    BS_INLINE_MAX);

		if (t != NULL && find_summary (o, t, rules))
			o->unparsable = FALSE;
	}
	return o;
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
