/* received.c: the client of a Received field, in the dialects of Postfix,
 * Sendmail, Exim, qmail, Exchange and Gmail:
 *
 *   from HELO (RDNS [IP]) by ...                 Postfix, Sendmail, Gmail
 *   from RDNS ([IP] helo=HELO) by ...            Exim
 *   from RDNS (HELO helo) (IP) by ...            qmail
 *   from HELO ([IP]) by ... Microsoft SMTPSVC    IIS
 */
#include <string.h>

#include <gio/gio.h>

#include "received.h"

void
bs_hop_free (gpointer data)
{
	BsHop *hop = data;

	if (hop == NULL)
		return;
	g_free (hop->helo);
	g_free (hop->rdns);
	g_free (hop->ip);
	g_free (hop->by);
	g_free (hop->with);
	g_free (hop);
}

/* The next token: up to white space or one of the stop characters. */
static char *
token (const char *p, const char *stop)
{
	const char *e = p;

	while (*e != '\0' && *e != ' ' && *e != '\t' && strchr (stop, *e) == NULL)
		e++;
	return e > p ? g_strndup (p, (gsize) (e - p)) : NULL;
}

static gboolean
is_ip (const char *s)
{
	g_autoptr(GInetAddress) a = NULL;

	if (s == NULL)
		return FALSE;
	if (g_ascii_strncasecmp (s, "IPv6:", 5) == 0)
		s += 5;
	a = g_inet_address_new_from_string (s);
	return a != NULL;
}

/* "[192.0.2.1]" or "192.0.2.1" or "[IPv6:2001:db8::1]" to the bare form. */
static char *
strip_ip (const char *s)
{
	g_autofree char *t = NULL;
	gsize len;
	char *p;

	if (s == NULL)
		return NULL;
	t = g_strdup (s);
	p = t;
	if (*p == '[' || *p == '(')
		p++;
	/* "[192.0.2.1]:4444" (Exim with port logging): the port goes */
	if (strchr (p, ']') != NULL)
		*strchr (p, ']') = '\0';
	len = strlen (p);
	while (len > 0 && (p[len - 1] == ']' || p[len - 1] == ')'
	    || p[len - 1] == ',' || p[len - 1] == ';'))
		p[--len] = '\0';
	if (g_ascii_strncasecmp (p, "IPv6:", 5) == 0)
		p += 5;
	/* "192.0.2.1:25" (a port) */
	if (strchr (p, ':') == strrchr (p, ':') && strchr (p, '.') != NULL
	    && strchr (p, ':') != NULL)
		*strchr (p, ':') = '\0';
	return is_ip (p) ? g_strdup (p) : NULL;
}

/* An address literal is short: "[IPv6:" 45 characters "%zone]:port". */
#define IP_TOKEN_MAX 96

/* qmail's "(192.0.2.1)", IIS's "(192.0.2.1)": the first word of the
 * comment, after "(" or a space, that is an address.  A word is read only
 * as far as an address could reach, so that "(a(a(a..." (every "a" a
 * candidate, none ending) costs a bounded read per candidate, not the
 * rest of the comment: linear, where token () on each was quadratic. */
static char *
bare_ip (const char *comment)
{
	const char *c, *e;
	char *ip;

	for (c = comment; *c != '\0'; c++) {
		if ((c != comment && c[-1] != '(' && c[-1] != ' ')
		    || !g_ascii_isxdigit (*c))
			continue;
		for (e = c; e - c <= IP_TOKEN_MAX && *e != '\0' && *e != ' '
		    && *e != '\t' && *e != ')' && *e != ']'; e++)
			;
		if (e - c > IP_TOKEN_MAX)
			continue;
		{
			g_autofree char *t = g_strndup (c, (gsize) (e - c));

			ip = strip_ip (t);
		}
		if (ip != NULL)
			return ip;
	}
	return NULL;
}

/* RFC 3848's protocols of a client that logged in: the "a" of "esmtpa". */
static gboolean
protocol_is_authenticated (const char *with)
{
	static const char *const protocols[] = {
		"esmtpa", "esmtpsa", "lmtpa", "lmtpsa", "utf8smtpa",
		"utf8smtpsa", "utf8lmtpa", "utf8lmtpsa", NULL,
	};

	return with != NULL && g_strv_contains (protocols, with);
}

/* Does the server's own text of the field say the client logged in?
 * lower is the field with the client's HELO blanked out: a client may
 * greet with "esmtpsa" or "(authenticated", and what it says of itself
 * proves nothing. */
static gboolean
says_authenticated (const char *lower, const char *with)
{
	return protocol_is_authenticated (with)
	    || strstr (lower, "(authenticated sender") != NULL
	    || strstr (lower, "authenticated as") != NULL
	    || strstr (lower, "(authenticated") != NULL;
}

/* Blanks the first occurrence of word at or after from, so that what the
 * client wrote is not read as the server's. */
static void
blank_word (char *from, const char *word)
{
	char *at;

	if (word == NULL || *word == '\0' || from == NULL)
		return;
	at = strstr (from, word);
	if (at != NULL)
		memset (at, ' ', strlen (word));
}

BsHop *
bs_hop_parse (const char *value)
{
	BsHop *hop = g_new0 (BsHop, 1);
	g_autofree char *lower = NULL;
	const char *p, *by, *comment_end;
	g_autofree char *first = NULL;
	g_autofree char *comment = NULL;

	if (value == NULL)
		return hop;
	lower = g_ascii_strdown (value, -1);
	by = strstr (lower, " by ");
	if (g_str_has_prefix (lower, "by "))
		by = lower;
	if (by != NULL) {
		const char *with;

		hop->by = token (by + (by == lower ? 3 : 4), "();");
		with = strstr (by, " with ");
		if (with != NULL)
			hop->with = token (with + 6, "();");
	}
	p = lower;
	while (*p == ' ')
		p++;
	if (!g_str_has_prefix (p, "from ")) {
		hop->authenticated = says_authenticated (lower, hop->with);
		return hop;
	}
	hop->has_from = TRUE;
	p += 5;
	while (*p == ' ')
		p++;
	first = token (p, "(");
	if (first != NULL)
		p += strlen (first);
	/* The comment runs from here to " by " (it may hold several
	 * parenthesised groups). */
	comment_end = by != NULL && by >= p ? by : p + strlen (p);
	comment = g_strndup (p, (gsize) (comment_end - p));

	{
		const char *h = strstr (comment, "helo=");
		const char *q = strstr (comment, "helo ");
		const char *br = strchr (comment, '[');

		if (br != NULL) {
			g_autofree char *t = token (br, ")");

			hop->ip = strip_ip (t);
		}
		if (hop->ip == NULL)
			hop->ip = bare_ip (comment);
		if (h != NULL) {
			/* Exim: the first word is the rDNS name */
			hop->helo = token (h + 5, ")]");
			hop->rdns = first != NULL && !is_ip (first)
			    && first[0] != '[' ? g_strdup (first) : NULL;
		} else if (q != NULL) {
			/* qmail */
			hop->helo = token (q + 5, ")]");
			hop->rdns = g_strdup (first);
		} else {
			/* Postfix, Sendmail, Gmail, IIS */
			const char *c = strchr (comment, '(');

			hop->helo = g_strdup (first);
			if (c != NULL) {
				g_autofree char *t = token (c + 1, ")[");

				if (t != NULL && !is_ip (t) && t[0] != '['
				    && strchr (t, '@') == NULL
				    && strcmp (t, "may") != 0
				    && strcmp (t, "authenticated") != 0
				    && strcmp (t, "using") != 0
				    && strcmp (t, "envelope-from") != 0)
					hop->rdns = g_steal_pointer (&t);
			}
		}
	}
	/* Exim's "from [192.0.2.1] (helo=x)": the address comes first when
	 * the server found no name for it. */
	if (hop->ip == NULL && first != NULL && first[0] == '[')
		hop->ip = strip_ip (first);
	/* "from [192.0.2.1] (HELO x)": a bracketed first word is the
	 * client's address, and the server found no name for it. */
	if (hop->rdns != NULL && (hop->rdns[0] == '[' || is_ip (hop->rdns))) {
		if (hop->ip == NULL)
			hop->ip = strip_ip (hop->rdns);
		g_clear_pointer (&hop->rdns, g_free);
	}
	if (hop->helo != NULL && hop->ip == NULL)
		hop->ip = strip_ip (hop->helo);
	/* "from [192.0.2.1] by ..." with nothing between (Yahoo, Message
	 * Labs): the server wrote the address it saw, and no greeting. */
	if (first != NULL && first[0] == '[' && hop->ip != NULL
	    && comment[strspn (comment, " \t")] == '\0'
	    && g_strcmp0 (hop->helo, first) == 0)
		g_clear_pointer (&hop->helo, g_free);
	if (hop->rdns != NULL) {
		gsize len = strlen (hop->rdns);

		if (len > 0 && hop->rdns[len - 1] == '.')
			hop->rdns[len - 1] = '\0';
	}
	/* Sendmail: "(host.example [192.0.2.1] (may be forged))": the name
	 * did not resolve back to the address, so the client's owner chose
	 * it.  It is no name the server vouches for. */
	if (strstr (comment, "may be forged") != NULL) {
		hop->rdns_forged = TRUE;
		g_clear_pointer (&hop->rdns, g_free);
	}
	{
		g_autofree char *server = g_strdup (lower);
		gsize skip = (gsize) (p - lower);

		/* The HELO is the first word (Postfix, Sendmail) or follows
		 * "helo=" or "helo " (Exim, qmail). */
		if (first != NULL && hop->helo != NULL
		    && strcmp (first, hop->helo) == 0) {
			blank_word (server + skip - strlen (first), first);
		} else {
			char *h = strstr (server + skip, "helo=");

			if (h == NULL)
				h = strstr (server + skip, "helo ");
			if (h != NULL)
				blank_word (h + 5, hop->helo);
		}
		hop->authenticated = says_authenticated (server, hop->with);
	}
	return hop;
}

gboolean
bs_ip_is_internal (const char *ip)
{
	g_autoptr(GInetAddress) a = NULL;

	if (ip == NULL)
		return FALSE;
	a = g_inet_address_new_from_string (ip);
	if (a == NULL)
		return FALSE;
	/* GLib's site-local is fec0::/10 only; RFC 4193 is fc00::/7. */
	if (g_inet_address_get_family (a) == G_SOCKET_FAMILY_IPV6
	    && (g_inet_address_to_bytes (a)[0] & 0xfe) == 0xfc)
		return TRUE;
	return g_inet_address_get_is_loopback (a)
	    || g_inet_address_get_is_site_local (a)
	    || g_inet_address_get_is_link_local (a);
}
