/* test-header-decode.c: which values GMime decodes strictly, and that
 * what it decodes stays whole (header-decode.h). */
#include "header-decode.h"
#include "input.h"

#include <string.h>

/* n copies of word, then tail. */
static char *
repeat (const char *word, guint n, const char *tail)
{
	GString *s = g_string_new (NULL);
	guint i;

	for (i = 0; i < n; i++)
		g_string_append (s, word);
	g_string_append (s, tail);
	return g_string_free (s, FALSE);
}

static gboolean
hostile (const char *value)
{
	BsDecodeScan scan = { 0, FALSE };

	return bs_header_decode_scan (&scan, value, strlen (value));
}

static void
test_scan (void)
{
	const guint max = BS_HEADER_DECODE_MAX_OPEN;
	g_autofree char *closed = repeat ("=?utf-8?q?a?= ", 5000, "");
	g_autofree char *at_max = repeat ("=?utf-8?q?a ", max, "");
	g_autofree char *past = repeat ("=?utf-8?q?a ", max + 1, "");
	g_autofree char *closed_late = repeat ("=?utf-8?q?a ", max, "?= x");
	g_autofree char *tight = repeat ("=?utf-8?b?QUFB", max + 1, "?=");
	BsDecodeScan scan = { 0, FALSE };
	guint i;

	/* Closed words, however many, and a few open ones, are ordinary. */
	g_assert_false (hostile ("plain text, no words"));
	g_assert_false (hostile (closed));
	g_assert_false (hostile ("Re: =?utf-8?q?cut off"));
	g_assert_false (hostile (at_max));
	g_assert_true (hostile (past));
	/* A "?=" closes all open before it; past the limit stays past. */
	g_assert_false (hostile (closed_late));
	g_assert_true (hostile (tight));
	/* The lines of one field count together. */
	for (i = 0; i <= max; i++)
		bs_header_decode_scan (&scan, "\t=?utf-8?q?a\n", 13);
	g_assert_true (scan.hostile);
	g_assert_null (bs_header_decode_options (FALSE));
	g_assert_nonnull (bs_header_decode_options (TRUE));
	g_assert_true (bs_header_decode_options (TRUE)
	    == bs_header_decode_options (TRUE));
}

/* What is not hostile decodes as GMime's defaults decode it: the lenient
 * mode, which splits words glued to text. */
static void
test_ordinary (void)
{
	static const char *const values[] = {
		"=?utf-8?q?caf=C3=A9?= bar",
		"foo=?utf-8?q?bar?=baz",
		"=?iso-8859-1?q?hello world?=",
		"=?utf-8?b?QUFB?= =?utf-8?b?QkJC?=",
		"Re: =?utf-8?q?cut off",
		NULL,
	};
	guint i;

	for (i = 0; values[i] != NULL; i++) {
		g_autofree char *ours = bs_header_decode_text (values[i]);
		g_autofree char *gmime = g_mime_utils_header_decode_text (NULL,
		    values[i]);

		g_assert_cmpstr (ours, ==, gmime);
	}
	g_assert_null (bs_header_decode_text (NULL));
	g_assert_null (bs_header_decode_addresses (NULL));
}

/* A hostile value is decoded whole, not cut: its well-formed words too. */
static void
test_hostile_whole (void)
{
	g_autofree char *subject = repeat ("=?utf-8?q?a ", 3000,
	    "=?utf-8?q?caf=C3=A9?=");
	g_autofree char *from = repeat ("=?utf-8?q?a ", 3000,
	    "<user@example.org>");
	g_autofree char *text = bs_header_decode_text (subject);
	g_autoptr(InternetAddressList) list = bs_header_decode_addresses (from);
	InternetAddress *ia;

	g_assert_true (g_str_has_prefix (text, "=?utf-8?q?a =?utf-8?q?a "));
	g_assert_true (g_str_has_suffix (text, " café"));
	g_assert_cmpuint (strlen (text), ==, 3000 * 12 + strlen ("café"));
	g_assert_cmpint (internet_address_list_length (list), ==, 1);
	ia = internet_address_list_get_address (list, 0);
	g_assert_cmpstr (internet_address_mailbox_get_addr (
	    INTERNET_ADDRESS_MAILBOX (ia)), ==, "user@example.org");
}

/* The message From, Subject and junk (a field of n open words). */
static GMimeMessage *
parse (const char *subject, guint n)
{
	g_autofree char *words = repeat (" =?utf-8?q?a", n, "");
	g_autofree char *raw = g_strconcat (
	    "From: =?utf-8?q?J=C3=BCrgen?= <j@example.org>\n"
	    "To: bob@example.net\nSubject: ", subject, "\n"
	    "X-Junk:", words, "\n\nbody\n", NULL);

	return bs_input_parse_bytes (raw, strlen (raw));
}

/* The parser decodes a message's Subject and From as it parses them: a
 * hostile field anywhere makes it decode the message strictly, the
 * well-formed words of every field still decoded, a word glued to text
 * no longer. */
static void
test_parse (void)
{
	const guint max = BS_HEADER_DECODE_MAX_OPEN;
	g_autoptr(GMimeMessage) ordinary = parse ("x=?utf-8?q?caf=C3=A9?=",
	    max);
	g_autoptr(GMimeMessage) glued = parse ("x=?utf-8?q?caf=C3=A9?=",
	    3000);
	g_autoptr(GMimeMessage) m = parse ("=?utf-8?q?caf=C3=A9?=", 3000);
	InternetAddressList *from;

	g_assert_nonnull (ordinary);
	g_assert_cmpstr (g_mime_message_get_subject (ordinary), ==, "xcafé");
	g_assert_nonnull (glued);
	g_assert_cmpstr (g_mime_message_get_subject (glued), ==,
	    "x=?utf-8?q?caf=C3=A9?=");
	g_assert_nonnull (m);
	g_assert_cmpstr (g_mime_message_get_subject (m), ==, "café");
	from = g_mime_message_get_from (m);
	g_assert_cmpint (internet_address_list_length (from), ==, 1);
	g_assert_cmpstr (internet_address_get_name (
	    internet_address_list_get_address (from, 0)), ==, "Jürgen");
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_mime_init ();
	g_test_add_func ("/header-decode/scan", test_scan);
	g_test_add_func ("/header-decode/ordinary", test_ordinary);
	g_test_add_func ("/header-decode/hostile-whole", test_hostile_whole);
	g_test_add_func ("/header-decode/parse", test_parse);
	return g_test_run ();
}
