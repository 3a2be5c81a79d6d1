/* bounce-text.c: read failed recipients out of bounce prose. */
#include <string.h>

#include "bounce-text.h"

char *
bs_bounce_text_status (const char *text)
{
	const char *p;

	if (text == NULL)
		return NULL;
	/* class "." subject "." detail, RFC 3463: 2, 4 or 5, then 1-3
	 * digits twice, not inside a longer number or dotted quad. */
	for (p = text; *p != '\0'; p++) {
		const char *q = p;
		guint d;

		if ((*p != '2' && *p != '4' && *p != '5')
		    || (p > text && (g_ascii_isdigit (p[-1]) || p[-1] == '.')))
			continue;
		q++;
		if (*q++ != '.')
			continue;
		for (d = 0; d < 3 && g_ascii_isdigit (*q); d++)
			q++;
		if (d == 0 || *q++ != '.')
			continue;
		for (d = 0; d < 3 && g_ascii_isdigit (*q); d++)
			q++;
		if (d == 0 || g_ascii_isdigit (*q) || (*q == '.'
		    && g_ascii_isdigit (q[1])))
			continue;
		return g_strndup (p, (gsize) (q - p));
	}
	return NULL;
}

static gboolean
already_listed (BsDsn *dsn, const char *addr)
{
	guint i;

	for (i = 0; i < dsn->recipients->len; i++) {
		const BsRecipient *r = dsn->recipients->pdata[i];

		if (r->recipient != NULL
		    && g_ascii_strcasecmp (r->recipient, addr) == 0)
			return TRUE;
	}
	return FALSE;
}

/* The diagnostic: from the end of the match to the next blank line. */
static char *
diagnostic_after (const char *text, gsize len, gsize start, gsize line_start)
{
	GString *out = g_string_new (NULL);
	gsize pos = start;
	gboolean space = FALSE;

	/* When the match ends its line, the diagnostic is the paragraph
	 * below; when text follows on the same line, it starts there. */
	while (pos < len && out->len < BS_DIAGNOSTIC_MAX) {
		char c = text[pos];

		if (c == '\n') {
			gsize q = pos + 1;

			while (q < len && (text[q] == ' ' || text[q] == '\t'
			    || text[q] == '\r'))
				q++;
			if (q >= len || text[q] == '\n')
				break;
			space = TRUE;
			pos++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			space = TRUE;
			pos++;
			continue;
		}
		if (space && out->len > 0)
			g_string_append_c (out, ' ');
		space = FALSE;
		g_string_append_c (out, c);
		pos++;
	}
	(void) line_start;
	/* Leading punctuation of "<addr>: host said" is not diagnostic. */
	while (out->len > 0 && (out->str[0] == ':' || out->str[0] == '>'
	    || out->str[0] == '.' || out->str[0] == ' '))
		g_string_erase (out, 0, 1);
	if (out->len == 0) {
		g_string_free (out, TRUE);
		return NULL;
	}
	return g_string_free (out, FALSE);
}

void
bs_bounce_text_recipients (const char *text, gsize len, const BsRules *rules,
    BsDsn *dsn)
{
	const BsRule *set = bs_rules_get_set (rules, "recipient-line");
	gsize offset = 0;
	BsRuleMatch m;

	if (text == NULL)
		return;
	while (offset < len && bs_rule_match (set, text, len, offset, "rcpt",
	    &m)) {
		g_autofree char *addr = NULL;
		BsRecipient *r;

		offset = m.end > offset ? m.end : offset + 1;
		if (m.group_start < 0 || m.group_end <= m.group_start)
			continue;
		addr = g_strndup (text + m.group_start,
		    (gsize) (m.group_end - m.group_start));
		g_strstrip (addr);
		if (strchr (addr, '@') == NULL || already_listed (dsn, addr))
			continue;
		r = bs_recipient_new ();
		r->recipient = g_steal_pointer (&addr);
		r->action = g_strdup ("failed");
		r->diagnostic = diagnostic_after (text, len, m.end, m.start);
		r->status = bs_bounce_text_status (r->diagnostic);
		bs_dsn_add_recipient (dsn, r);
		if (dsn->truncated_recipients > 0)
			break;
	}
}
