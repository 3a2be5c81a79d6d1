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
	 * below; when text follows on the same line, it starts there, unless
	 * that text goes on a sentence the address is part of ("Unable to
	 * deliver to <addr> (and other recipients ...)."): then the whole
	 * line is the diagnostic. */
	while (pos < len && (text[pos] == ' ' || text[pos] == '\t'))
		pos++;
	if (pos < len && text[pos] == '(') {
		gsize back = 0;

		/* to the start of the line, or a sentence's length back */
		while (line_start > 0 && text[line_start - 1] != '\n'
		    && back++ < BS_DIAGNOSTIC_MAX)
			line_start--;
		pos = line_start;
		/* without a label of the line ("Reason: ") */
		for (back = pos; back < len && back < pos + 20
		    && g_ascii_isalpha (text[back]); back++)
			;
		if (back > pos && back + 1 < len && text[back] == ':'
		    && text[back + 1] == ' ')
			pos = back + 1;
	}
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
	/* Leading punctuation of "<addr>: host said" is not diagnostic. */
	while (out->len > 0 && (out->str[0] == ':' || out->str[0] == '>'
	    || out->str[0] == '.' || out->str[0] == ' '))
		g_string_erase (out, 0, 1);
	/* Nor the closing bracket of "addr [User unknown]" or "<addr>
	 * (unrecoverable error)", whose opening one the match took. */
	if (out->len > 0 && ((out->str[out->len - 1] == ']'
	    && strchr (out->str, '[') == NULL) || (out->str[out->len - 1] == ')'
	    && strchr (out->str, '(') == NULL)))
		g_string_truncate (out, out->len - 1);
	if (out->len == 0) {
		g_string_free (out, TRUE);
		return NULL;
	}
	return g_string_free (out, FALSE);
}

/* Is the line at p..e a heading ("For the following reason:",
 * "----- Non-delivered information -----")? */
static gboolean
heading_line (const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	if (e - p >= 3 && ((p[0] == '-' && p[1] == '-' && p[2] == '-')
	    || (p[0] == '=' && p[1] == '=' && p[2] == '=')))
		return TRUE;
	return e > p && e - p < 80 && e[-1] == ':';
}

/* When nothing follows a recipient's line, its reason is often the
 * paragraph under the next heading.  Returns: (transfer full) (nullable) */
static char *
diagnostic_under_heading (const char *text, gsize limit, gsize pos)
{
	const char *nl;
	guint blank = 0;

	/* past the recipient's line and the blank lines below it */
	nl = memchr (text + pos, '\n', limit - pos);
	if (nl == NULL)
		return NULL;
	pos = (gsize) (nl - text) + 1;
	while (pos < limit && blank < 4) {
		const char *e = memchr (text + pos, '\n', limit - pos);
		gsize end = e != NULL ? (gsize) (e - text) : limit, i;

		for (i = pos; i < end && (text[i] == ' ' || text[i] == '\t'
		    || text[i] == '\r'); i++)
			;
		if (i < end)
			break;
		blank++;
		pos = end + 1;
	}
	if (pos >= limit || blank == 0)
		return NULL;
	{
		const char *e = memchr (text + pos, '\n', limit - pos);
		gsize end = e != NULL ? (gsize) (e - text) : limit;

		if (!heading_line (text + pos, text + end) || end >= limit)
			return NULL;
		/* the paragraph under it, after blank lines */
		for (pos = end + 1; pos < limit && (text[pos] == '\n'
		    || text[pos] == ' ' || text[pos] == '\t'
		    || text[pos] == '\r'); pos++)
			;
		if (pos >= limit)
			return NULL;
		return diagnostic_after (text, limit, pos, pos);
	}
}

static gboolean reply_line (const char *p, const char *end);

/* The first SMTP failure reply between pos and limit (with the lines of
 * a multiline reply).  Returns: (transfer full) (nullable) */
static char *
reply_below (const char *text, gsize limit, gsize pos)
{
	const char *p = text + pos, *end = text + limit;
	GString *reply = NULL;

	while (p < end) {
		const char *nl = memchr (p, '\n', (gsize) (end - p));
		const char *e = nl != NULL ? nl : end;

		if (reply_line (p, e) && (reply == NULL || (reply->len
		    < BS_DIAGNOSTIC_MAX && reply->str[3] == '-'))) {
			while (*p == ' ' || *p == '\t')
				p++;
			if (reply == NULL)
				reply = g_string_new (NULL);
			else
				g_string_append_c (reply, ' ');
			while (e > p && (e[-1] == '\r' || e[-1] == ' '))
				e--;
			g_string_append_len (reply, p, e - p);
			if (p[3] == ' ')
				break;
		} else if (reply != NULL) {
			break;
		}
		p = (nl != NULL ? nl : end) + 1;
	}
	if (reply != NULL && reply->len > BS_DIAGNOSTIC_MAX)
		g_string_truncate (reply, BS_DIAGNOSTIC_MAX);
	return reply != NULL ? g_string_free (reply, FALSE) : NULL;
}

/* The address a recipient line names. */
static char *
line_address (const char *text, const BsRuleMatch *l)
{
	char *addr = g_strndup (text + l->group_start,
	    (gsize) (l->group_end - l->group_start));

	return g_strstrip (addr);
}

void
bs_bounce_text_recipients (const char *text, gsize len, const BsRules *rules,
    BsDsn *dsn)
{
	const BsRule *set = bs_rules_get_set (rules, "recipient-line");
	g_autoptr(GArray) lines = NULL;
	g_autoptr(GPtrArray) addrs = NULL;
	g_autofree gsize *limits = NULL;
	gsize offset = 0, line, end;
	BsRuleMatch m;
	guint i;

	if (text == NULL)
		return;
	/* Every recipient line first: a diagnostic runs to the next blank
	 * line or the next line naming another recipient, whichever comes
	 * first, so that a list of "addr: reason" lines gives each its own
	 * reason.  (Postfix folds a reason onto a line that names the same
	 * address again: that line does not end it.) */
	lines = g_array_new (FALSE, FALSE, sizeof (BsRuleMatch));
	addrs = g_ptr_array_new_with_free_func (g_free);
	/* One line at a time (with its newline, so that "$" and look-aheads
	 * see what they saw in the whole text): searching the whole rest of
	 * the text for each match ran every alternative to the end of the
	 * text once per line found, quadratic in the number of lines.  No
	 * pattern of the set reads past a newline. */
	for (line = 0; line < len && lines->len <= 4 * BS_DSN_MAX_RECIPIENTS;
	    line = end) {
		const char *nl = memchr (text + line, '\n', len - line);

		end = nl != NULL ? (gsize) (nl - text) + 1 : len;
		if (offset < line)
			offset = line;
		while (offset < end && lines->len <= 4 * BS_DSN_MAX_RECIPIENTS
		    && bs_rule_match (set, text, end, offset, "rcpt", &m)) {
			offset = m.end > offset ? m.end : offset + 1;
			if (m.group_start >= 0 && m.group_end > m.group_start) {
				g_array_append_val (lines, m);
				g_ptr_array_add (addrs, line_address (text, &m));
			}
		}
	}
	limits = g_new (gsize, lines->len + 1);
	for (i = lines->len; i-- > 0;) {
		if (i + 1 == lines->len)
			limits[i] = len;
		else if (g_ascii_strcasecmp (addrs->pdata[i],
		    addrs->pdata[i + 1]) != 0)
			limits[i] = g_array_index (lines, BsRuleMatch,
			    i + 1).start;
		else
			limits[i] = limits[i + 1];
	}
	for (i = 0; i < lines->len; i++) {
		const BsRuleMatch *l = &g_array_index (lines, BsRuleMatch, i);
		const char *addr = addrs->pdata[i];
		BsRecipient *r;

		if (strchr (addr, '@') == NULL || already_listed (dsn, addr))
			continue;
		r = bs_recipient_new ();
		r->recipient = g_strdup (addr);
		r->action = g_strdup ("failed");
		r->diagnostic = diagnostic_after (text, MAX (limits[i], l->end),
		    l->end, l->start);
		/* "addr <addr>": the address again says nothing. */
		if (r->diagnostic != NULL && (g_ascii_strcasecmp (r->diagnostic,
		    addr) == 0 || (r->diagnostic[0] == '<'
		    && g_ascii_strncasecmp (r->diagnostic + 1, addr,
		    strlen (addr)) == 0 && strcmp (r->diagnostic + 1
		    + strlen (addr), ">") == 0)))
			g_clear_pointer (&r->diagnostic, g_free);
		if (r->diagnostic == NULL)
			r->diagnostic = reply_below (text, MAX (limits[i],
			    l->end), l->end);
		if (r->diagnostic == NULL)
			r->diagnostic = diagnostic_under_heading (text,
			    MAX (limits[i], l->end), l->end);
		r->status = bs_bounce_text_status (r->diagnostic);
		bs_dsn_add_recipient (dsn, r);
		if (dsn->truncated_recipients > 0)
			break;
	}
}

/* Does the line at p (to end) start with an SMTP failure reply, "550 " or
 * "550-" (RFC 5321 4.2), after blanks? */
static gboolean
reply_line (const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return end - p > 4 && (p[0] == '4' || p[0] == '5')
	    && g_ascii_isdigit (p[1]) && g_ascii_isdigit (p[2])
	    && (p[3] == ' ' || p[3] == '-') && p[4] > ' ';
}

void
bs_bounce_text_reply_diagnostics (const char *text, gsize len, BsDsn *dsn)
{
	g_autofree char *reply = NULL;
	guint i;

	if (text == NULL)
		return;
	for (i = 0; i < dsn->recipients->len; i++) {
		const BsRecipient *r = dsn->recipients->pdata[i];

		if (r->diagnostic == NULL)
			break;
	}
	if (i == dsn->recipients->len)
		return;
	reply = reply_below (text, len, 0);
	if (reply == NULL)
		return;
	for (i = 0; i < dsn->recipients->len; i++) {
		BsRecipient *r = dsn->recipients->pdata[i];

		if (r->diagnostic != NULL)
			continue;
		r->diagnostic = g_strdup (reply);
		if (r->status == NULL)
			r->status = bs_bounce_text_status (r->diagnostic);
	}
}

/* Where a line starting name (caseless) starts in text, or NULL. */
static const char *
line_starting (const char *text, const char *end, const char *name)
{
	gsize nl = strlen (name);
	const char *p = text;

	while (p < end) {
		const char *e = memchr (p, '\n', (gsize) (end - p));

		if ((gsize) (end - p) >= nl && g_ascii_strncasecmp (p, name,
		    nl) == 0)
			return p;
		if (e == NULL)
			break;
		p = e + 1;
	}
	return NULL;
}

void
bs_bounce_text_inline_fields (const char *text, gsize len, BsDsn *dsn)
{
	const char *end = text + len, *first, *start;
	g_autoptr(GString) fields = NULL;
	g_autoptr(BsDsn) inline_dsn = NULL;
	guint i, j;

	if (text == NULL || dsn->recipients->len == 0)
		return;
	first = line_starting (text, end, "Final-Recipient:");
	if (first == NULL)
		return;
	start = line_starting (text, first, "Reporting-MTA:");
	/* The per-message group comes first; without one, an empty one. */
	fields = g_string_new (start != NULL ? NULL : "X-Inline: yes\n\n");
	g_string_append_len (fields, start != NULL ? start : first,
	    end - (start != NULL ? start : first));
	inline_dsn = bs_dsn_parse_fields (fields->str, fields->len);
	for (i = 0; i < inline_dsn->recipients->len; i++) {
		BsRecipient *from = inline_dsn->recipients->pdata[i];

		for (j = 0; j < dsn->recipients->len; j++) {
			BsRecipient *to = dsn->recipients->pdata[j];

			if (from->recipient == NULL || to->recipient == NULL
			    || g_ascii_strcasecmp (from->recipient,
			    to->recipient) != 0)
				continue;
			/* The fields say it better than the prose does. */
			if (from->status != NULL) {
				g_free (to->status);
				to->status = g_steal_pointer (&from->status);
			}
			if (from->diagnostic != NULL) {
				g_free (to->diagnostic);
				to->diagnostic = g_steal_pointer (
				    &from->diagnostic);
			}
		}
	}
}
