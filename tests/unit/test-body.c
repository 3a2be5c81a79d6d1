/* test-body.c: readable text out of MIME parts. */
#include "body.h"
#include "input.h"

#include <string.h>

static GMimeMessage *
message (const char *text)
{
	GMimeMessage *m = bs_input_parse_bytes (text, strlen (text));

	g_assert_nonnull (m);
	return m;
}

static char *
html (const char *s)
{
	return bs_body_html_to_text (s, strlen (s));
}

static void
test_html_to_text (void)
{
	g_autofree char *t = html ("<html><head><style>p{color:red}</style>"
	    "<script>var a = '<b>';</script></head><body>"
	    "<p>Hello&nbsp;&amp; &lt;world&gt;</p>"
	    "<a href=\"http://example.org/x\">link</a></body></html>");

	/* Block tags break lines; links keep their targets. */
	g_assert_cmpstr (t, ==, "\nHello & <world>\n http://example.org/x link");
}

static void
test_html_script_style_dropped (void)
{
	g_autofree char *a = html ("before<SCRIPT type=\"text/javascript\">"
	    "document.write('secret');</SCRIPT>after");
	g_autofree char *b = html ("x<style>.c { color: red }</style>y");
	g_autofree char *c = html ("x<script>never closed");

	g_assert_cmpstr (a, ==, "beforeafter");
	g_assert_cmpstr (b, ==, "xy");
	g_assert_null (strstr (c, "never closed"));
}

static void
test_html_entities (void)
{
	g_autofree char *a = html ("&quot;q&quot; &#39;s&#39; &AMP; &lt;&gt;");
	g_autofree char *b = html ("&unknown; &copy; stay");

	g_assert_cmpstr (a, ==, "\"q\" 's' & <>");
	/* Entities it does not know are left as they are. */
	g_assert_cmpstr (b, ==, "&unknown; &copy; stay");
}

static void
test_html_links (void)
{
	g_autofree char *a = html ("<a href='https://a.example/1'>one</a> "
	    "<A HREF=\"https://b.example/2\" class=\"x\">two</A> "
	    "<a name=\"anchor\">three</a>");

	g_assert_cmpstr (a, ==, " https://a.example/1 one  https://b.example/2"
	    " two three");
}

static void
test_html_blocks_and_cr (void)
{
	g_autofree char *a = html ("one<br>two<br/>three<div>four</div>"
	    "<li>five\r\n");

	g_assert_cmpstr (a, ==, "one\ntwo\nthree\nfour\n\nfive\n");
}

static void
test_notification_first_plain (void)
{
	g_autoptr(GMimeMessage) m = message ("Subject: report\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"B\"\n"
	    "\n"
	    "--B\n"
	    "Content-Type: text/html\n"
	    "\n"
	    "<p>HTML version</p>\n"
	    "--B\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: quoted-printable\n"
	    "\n"
	    "First plain caf=C3=A9.\r\n"
	    "Second line.\r\n"
	    "Third line.\n"
	    "--B\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "Second plain.\n"
	    "--B--\n");
	g_autofree char *t = bs_body_notification (m, 1024);

	g_assert_nonnull (t);
	/* The first text/plain, not the HTML before it nor the plain
	 * after it; CRLF became LF. */
	g_assert_cmpstr (t, ==,
	    "First plain caf\xc3\xa9.\nSecond line.\nThird line.");
}

static void
test_notification_skips_attachments (void)
{
	g_autoptr(GMimeMessage) m = message ("Subject: report\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"B\"\n"
	    "\n"
	    "--B\n"
	    "Content-Type: text/plain; name=\"log.txt\"\n"
	    "Content-Disposition: attachment; filename=\"log.txt\"\n"
	    "\n"
	    "attached log\n"
	    "--B\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "the notification\n"
	    "--B--\n");
	g_autoptr(GMimeMessage) html_only = message ("Subject: report\n"
	    "Content-Type: text/html\n"
	    "\n"
	    "<p>Delivery&nbsp;failed</p>\n");
	g_autofree char *t = bs_body_notification (m, 1024);
	g_autofree char *h = bs_body_notification (html_only, 1024);

	/* An attached .txt file is not the notification. */
	g_assert_cmpstr (t, ==, "the notification");
	/* Without text/plain, the HTML reduced to text */
	g_assert_nonnull (h);
	g_assert_nonnull (strstr (h, "Delivery failed"));
	g_assert_null (strstr (h, "<p>"));
}

static void
test_part_text_cap (void)
{
	g_autoptr(GMimeMessage) m = message ("Subject: x\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "\n"
	    "ab\xc3\xa9" "cd\n");
	GMimeObject *part = g_mime_message_get_mime_part (m);
	g_autofree char *all = bs_body_part_text (part, 0);
	g_autofree char *two = bs_body_part_text (part, 2);
	g_autofree char *three = bs_body_part_text (part, 3);

	g_assert_cmpstr (all, ==, "ab\xc3\xa9" "cd\n");
	g_assert_cmpstr (two, ==, "ab");
	/* The cap falls inside "é": cut before it, never half of it. */
	g_assert_cmpstr (three, ==, "ab");
	g_assert_true (g_utf8_validate (three, -1, NULL));
	g_assert_null (bs_body_part_text (GMIME_OBJECT (m), 0));
}

/* The cap is applied as the part is decoded and converted (issue 10):
 * what comes out is the same prefix as when all of it was converted. */
static void
test_part_text_cap_converted (void)
{
	g_autoptr(GMimeMessage) thai = message ("Subject: x\n"
	    "Content-Type: text/plain; charset=tis-620\n"
	    "\n"
	    "\xa1\xa2\xa3\xa4\n");
	g_autoptr(GMimeMessage) qp = message ("Subject: x\n"
	    "Content-Type: text/plain; charset=iso-8859-1\n"
	    "Content-Transfer-Encoding: quoted-printable\n"
	    "\n"
	    "caf=E9 na=\n=EFve\n");
	g_autoptr(GMimeMessage) ascii = message ("Subject: x\n"
	    "Content-Type: text/plain; charset=us-ascii\n"
	    "\n"
	    "abcdef\xe9\n");
	GMimeObject *p;
	g_autofree char *all = NULL, *four = NULL, *six = NULL;
	g_autofree char *qp_all = NULL, *qp4 = NULL, *qp5 = NULL;
	g_autofree char *a3 = NULL;

	p = g_mime_message_get_mime_part (thai);
	all = bs_body_part_text (p, 0);
	four = bs_body_part_text (p, 4);
	six = bs_body_part_text (p, 6);
	g_assert_cmpstr (all, ==, "\xe0\xb8\x81\xe0\xb8\x82\xe0\xb8\x83"
	    "\xe0\xb8\x84\n");
	g_assert_cmpstr (four, ==, "\xe0\xb8\x81");
	g_assert_cmpstr (six, ==, "\xe0\xb8\x81\xe0\xb8\x82");
	p = g_mime_message_get_mime_part (qp);
	qp_all = bs_body_part_text (p, 0);
	qp4 = bs_body_part_text (p, 4);
	qp5 = bs_body_part_text (p, 5);
	g_assert_cmpstr (qp_all, ==, "caf\xc3\xa9 na\xc3\xafve\n");
	g_assert_cmpstr (qp4, ==, "caf");
	g_assert_cmpstr (qp5, ==, "caf\xc3\xa9");
	/* 8-bit past the cap does not matter: the prefix is ASCII. */
	p = g_mime_message_get_mime_part (ascii);
	a3 = bs_body_part_text (p, 3);
	g_assert_cmpstr (a3, ==, "abc");
}

static void
test_part_get_text_cap (void)
{
	g_autoptr(GMimeMessage) m = message ("Subject: x\n"
	    "Content-Type: application/octet-stream\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    "aGVsbG8gd29ybGQ=\n");
	GMimeObject *p = g_mime_message_get_mime_part (m);
	gsize len = 0;
	g_autofree char *all = bs_part_get_text (p, 0, &len);
	g_autofree char *five = NULL;

	g_assert_cmpstr (all, ==, "hello world");
	g_assert_cmpuint (len, ==, 11);
	five = bs_part_get_text (p, 5, &len);
	g_assert_cmpstr (five, ==, "hello");
	g_assert_cmpuint (len, ==, 5);
}

/* No text part: the serialised body, cut as it is written. */
static void
test_notification_raw_body_cap (void)
{
	g_autoptr(GMimeMessage) m = message ("Subject: x\n"
	    "Content-Type: application/octet-stream\n"
	    "\n"
	    "0123456789\n");
	g_autofree char *all = bs_body_notification (m, 4096);
	g_autofree char *some = bs_body_notification (m, 12);

	g_assert_nonnull (all);
	g_assert_nonnull (strstr (all, "0123456789"));
	g_assert_cmpuint (strlen (some), ==, 12);
	g_assert_true (strncmp (all, some, 12) == 0);
}

static gboolean
count_leaf (GMimeObject *part, gpointer user_data)
{
	GPtrArray *types = user_data;
	GMimeContentType *ct = g_mime_object_get_content_type (part);

	g_ptr_array_add (types, g_mime_content_type_get_mime_type (ct));
	return TRUE;
}

static gboolean
stop_at_html (GMimeObject *part, gpointer user_data)
{
	guint *n = user_data;

	(*n)++;
	return !g_mime_content_type_is_type (
	    g_mime_object_get_content_type (part), "text", "html");
}

static void
test_foreach_leaf (void)
{
	g_autoptr(GMimeMessage) m = message ("Subject: x\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"A\"\n"
	    "\n"
	    "--A\n"
	    "Content-Type: multipart/alternative; boundary=\"B\"\n"
	    "\n"
	    "--B\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "plain\n"
	    "--B\n"
	    "Content-Type: text/html\n"
	    "\n"
	    "<p>html</p>\n"
	    "--B--\n"
	    "--A\n"
	    "Content-Type: message/rfc822\n"
	    "\n"
	    "Subject: inner\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "inner\n"
	    "--A\n"
	    "Content-Type: image/png\n"
	    "\n"
	    "xx\n"
	    "--A--\n");
	GMimeObject *body = g_mime_message_get_mime_part (m);
	g_autoptr(GPtrArray) types = g_ptr_array_new_with_free_func (g_free);
	g_autoptr(GPtrArray) two = g_ptr_array_new_with_free_func (g_free);
	guint n = 0;

	/* Depth first, in order; an attached message is one leaf. */
	bs_body_foreach_leaf (body, 100, count_leaf, types);
	g_assert_cmpuint (types->len, ==, 4);
	g_assert_cmpstr (types->pdata[0], ==, "text/plain");
	g_assert_cmpstr (types->pdata[1], ==, "text/html");
	g_assert_cmpstr (types->pdata[2], ==, "message/rfc822");
	g_assert_cmpstr (types->pdata[3], ==, "image/png");
	/* At most max_parts leaves */
	bs_body_foreach_leaf (body, 2, count_leaf, two);
	g_assert_cmpuint (two->len, ==, 2);
	/* FALSE from the function stops the walk */
	bs_body_foreach_leaf (body, 100, stop_at_html, &n);
	g_assert_cmpuint (n, ==, 2);
}

int
main (int argc, char **argv)
{
	int ret;

	g_test_init (&argc, &argv, NULL);
	g_mime_init ();
	g_test_add_func ("/body/html-to-text", test_html_to_text);
	g_test_add_func ("/body/html-script-style-dropped",
	    test_html_script_style_dropped);
	g_test_add_func ("/body/html-entities", test_html_entities);
	g_test_add_func ("/body/html-links", test_html_links);
	g_test_add_func ("/body/html-blocks-and-cr", test_html_blocks_and_cr);
	g_test_add_func ("/body/notification-first-plain",
	    test_notification_first_plain);
	g_test_add_func ("/body/notification-skips-attachments",
	    test_notification_skips_attachments);
	g_test_add_func ("/body/part-text-cap", test_part_text_cap);
	g_test_add_func ("/body/part-text-cap-converted",
	    test_part_text_cap_converted);
	g_test_add_func ("/body/part-get-text-cap", test_part_get_text_cap);
	g_test_add_func ("/body/notification-raw-body-cap",
	    test_notification_raw_body_cap);
	g_test_add_func ("/body/foreach-leaf", test_foreach_leaf);
	ret = g_test_run ();
	g_mime_shutdown ();
	return ret;
}
