/* dsn.c: parse message/delivery-status and message/global-delivery-status.
 *
 * GMime gives these parts as leaves, so the field groups are read here:
 * RFC 3464 section 2 (per-message fields, then per-recipient groups).
 */
#include <string.h>

#include "body.h"
#include "dsn.h"

/* How much of a delivery-status part we read: 10,000 recipients of a
 * hostile DSN are about 2 MB, and more than that tells us nothing new. */
#define BS_DSN_MAX_BYTES (4 * 1024 * 1024)

BsDsn *
bs_dsn_new (void)
{
	BsDsn *dsn = g_new0 (BsDsn, 1);

	dsn->recipients = g_ptr_array_new_with_free_func (bs_recipient_free);
	return dsn;
}

void
bs_dsn_free (BsDsn *dsn)
{
	if (dsn == NULL)
		return;
	g_free (dsn->reporting_mta);
	g_free (dsn->arrival_date);
	g_free (dsn->envelope_id);
	g_free (dsn->received_from_mta);
	g_ptr_array_unref (dsn->recipients);
	g_free (dsn);
}

BsRecipient *
bs_recipient_new (void)
{
	return g_new0 (BsRecipient, 1);
}

void
bs_recipient_free (gpointer data)
{
	BsRecipient *r = data;

	if (r == NULL)
		return;
	g_free (r->recipient);
	g_free (r->original_recipient);
	g_free (r->action);
	g_free (r->status);
	g_free (r->remote_mta);
	g_free (r->diagnostic);
	g_free (r->reason);
	g_free (r);
}

void
bs_dsn_add_recipient (BsDsn *dsn, BsRecipient *recipient)
{
	if (dsn->recipients->len >= BS_DSN_MAX_RECIPIENTS) {
		dsn->truncated_recipients++;
		bs_recipient_free (recipient);
		return;
	}
	g_ptr_array_add (dsn->recipients, recipient);
}

char *
bs_dsn_clean_address (const char *value)
{
	const char *semi, *start, *end;

	if (value == NULL)
		return NULL;
	/* "rfc822; <user@example.org>" or "utf-8; user@example.org" */
	semi = strchr (value, ';');
	start = semi != NULL ? semi + 1 : value;
	while (*start == ' ' || *start == '\t' || *start == '<'
	    || *start == '"')
		start++;
	end = start + strlen (start);
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'
	    || end[-1] == '>' || end[-1] == '"'))
		end--;
	return g_strndup (start, (gsize) (end - start));
}

/* Collapses runs of white space, as unfolding does. */
static char *
unfold (const char *s, gsize len)
{
	GString *out = g_string_sized_new (len);
	gboolean space = FALSE;
	gsize i;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '\r' || c == '\n' || c == ' ' || c == '\t') {
			space = TRUE;
			continue;
		}
		if (space && out->len > 0)
			g_string_append_c (out, ' ');
		space = FALSE;
		g_string_append_c (out, c);
	}
	return g_string_free (out, FALSE);
}

static void
take (char **field, char *value)
{
	/* The first occurrence of a field wins; duplicates are noise. */
	if (*field == NULL)
		*field = value;
	else
		g_free (value);
}

static gboolean
set_field (BsDsn *dsn, BsRecipient *r, const char *name, gsize nlen,
    char *value)
{
#define IS(s) (nlen == strlen (s) && g_ascii_strncasecmp (name, s, nlen) == 0)
	if (r != NULL) {
		if (IS ("Final-Recipient")) {
			take (&r->recipient, bs_dsn_clean_address (value));
		} else if (IS ("Original-Recipient")) {
			take (&r->original_recipient,
			    bs_dsn_clean_address (value));
		} else if (IS ("Action")) {
			take (&r->action, g_ascii_strdown (g_strstrip (value),
			    -1));
		} else if (IS ("Status")) {
			/* "5.1.1 (user unknown)" keeps only the code */
			char *sp = strpbrk (value, " \t(");

			if (sp != NULL)
				*sp = '\0';
			take (&r->status, g_strdup (value));
		} else if (IS ("Remote-MTA")) {
			take (&r->remote_mta, bs_dsn_clean_address (value));
		} else if (IS ("Diagnostic-Code")) {
			const char *semi = strchr (value, ';');

			take (&r->diagnostic, g_strdup (g_strstrip (
			    (char *) (semi != NULL ? semi + 1 : value))));
		} else {
			g_free (value);
			return FALSE;
		}
		g_free (value);
		return TRUE;
	}
	if (IS ("Reporting-MTA")) {
		take (&dsn->reporting_mta, bs_dsn_clean_address (value));
	} else if (IS ("Arrival-Date")) {
		take (&dsn->arrival_date, g_strdup (value));
	} else if (IS ("Original-Envelope-Id")) {
		take (&dsn->envelope_id, g_strdup (value));
	} else if (IS ("Received-From-MTA")) {
		take (&dsn->received_from_mta, bs_dsn_clean_address (value));
	} else {
		g_free (value);
		return FALSE;
	}
	g_free (value);
	return TRUE;
#undef IS
}

/* Does the line [p, p + l) hold the field name (white space may come
 * before the colon, as Mimecast writes "Final-Recipient : ...")? */
static gboolean
line_is_field (const char *p, gsize l, const char *name)
{
	gsize n = strlen (name);

	if (l <= n || g_ascii_strncasecmp (p, name, n) != 0)
		return FALSE;
	while (n < l && (p[n] == ' ' || p[n] == '\t'))
		n++;
	return n < l && p[n] == ':';
}

/* Is this group a recipient group?  RFC 3464 requires Final-Recipient and
 * Action; some MTAs drop the per-message group or merge it, so any group
 * naming a recipient counts. */
static gboolean
group_names_recipient (const char *p, const char *end)
{
	while (p < end) {
		const char *nl = memchr (p, '\n', (gsize) (end - p));
		gsize l = (gsize) ((nl != NULL ? nl : end) - p);

		if (line_is_field (p, l, "Final-Recipient")
		    || line_is_field (p, l, "Original-Recipient"))
			return TRUE;
		p = nl != NULL ? nl + 1 : end;
	}
	return FALSE;
}

BsDsn *
bs_dsn_parse_fields (const char *text, gsize len)
{
	BsDsn *dsn = bs_dsn_new ();
	const char *p = text, *end = text + len;

	dsn->structured = TRUE;
	while (p < end) {
		const char *gend, *q;
		BsRecipient *r = NULL;

		/* Skip blank lines between groups. */
		while (p < end && (*p == '\n' || *p == '\r' || *p == ' '
		    || *p == '\t')) {
			const char *nl = memchr (p, '\n', (gsize) (end - p));
			const char *s = p;

			while (s < end && (*s == ' ' || *s == '\t' || *s == '\r'))
				s++;
			if (s < end && *s != '\n')
				break;
			p = nl != NULL ? nl + 1 : end;
		}
		if (p >= end)
			break;
		/* A group ends at the first blank line. */
		for (gend = p; gend < end; ) {
			const char *nl = memchr (gend, '\n', (gsize) (end - gend));
			const char *s;

			if (nl == NULL) {
				gend = end;
				break;
			}
			s = nl + 1;
			while (s < end && (*s == ' ' || *s == '\t' || *s == '\r'))
				s++;
			if (s >= end || *s == '\n') {
				gend = nl + 1;
				break;
			}
			gend = nl + 1;
		}
		if (group_names_recipient (p, gend))
			r = bs_recipient_new ();
		for (q = p; q < gend; ) {
			const char *line_end = q, *colon, *vend;

			/* A field runs to the next line that does not start
			 * with white space (RFC 5322 folding). */
			for (;;) {
				const char *nl = memchr (line_end, '\n',
				    (gsize) (gend - line_end));

				if (nl == NULL) {
					line_end = gend;
					break;
				}
				line_end = nl + 1;
				if (line_end >= gend || (*line_end != ' '
				    && *line_end != '\t'))
					break;
			}
			colon = memchr (q, ':', (gsize) (line_end - q));
			vend = line_end;
			if (colon != NULL && colon > q) {
				const char *n = q;
				gsize nlen = (gsize) (colon - q);

				while (nlen > 0 && (n[nlen - 1] == ' '
				    || n[nlen - 1] == '\t'))
					nlen--;
				set_field (dsn, r, n, nlen, unfold (colon + 1,
				    (gsize) (vend - colon - 1)));
			}
			q = line_end;
		}
		if (r != NULL) {
			if (r->recipient == NULL && r->original_recipient != NULL)
				r->recipient = g_strdup (r->original_recipient);
			bs_dsn_add_recipient (dsn, r);
		}
		p = gend;
	}
	return dsn;
}

static gboolean
is_delivery_status (GMimeObject *part)
{
	GMimeContentType *ct = g_mime_object_get_content_type (part);

	return g_mime_content_type_is_type (ct, "message", "delivery-status")
	    || g_mime_content_type_is_type (ct, "message",
	    "global-delivery-status")
	    /* Some MTAs label it text/delivery-status. */
	    || g_mime_content_type_is_type (ct, "text", "delivery-status");
}

static GMimeObject *
find_status_part (GMimeObject *object, guint depth)
{
	GMimeMultipart *mp;
	int i, n;

	if (object == NULL || depth > 3)
		return NULL;
	if (GMIME_IS_PART (object))
		return is_delivery_status (object) ? object : NULL;
	if (!GMIME_IS_MULTIPART (object))
		return NULL;
	mp = GMIME_MULTIPART (object);
	n = g_mime_multipart_get_count (mp);
	for (i = 0; i < n; i++) {
		GMimeObject *found = find_status_part (
		    g_mime_multipart_get_part (mp, i), depth + 1);

		if (found != NULL)
			return found;
	}
	return NULL;
}

BsDsn *
bs_dsn_parse (GMimeMessage *message)
{
	GMimeObject *part;
	g_autofree char *text = NULL;
	gsize len = 0;

	part = find_status_part (g_mime_message_get_mime_part (message), 0);
	if (part == NULL)
		return NULL;
	text = bs_part_get_text (part, BS_DSN_MAX_BYTES, &len);
	if (text == NULL)
		return bs_dsn_new ();
	return bs_dsn_parse_fields (text, len);
}
