/* test-original.c: finding the returned original and summarising it. */
#include "input.h"
#include "original.h"

#include <string.h>

static BsRules *rules;

static GMimeMessage *
message (const char *text)
{
	GMimeMessage *m = bs_input_parse_bytes (text, strlen (text));

	g_assert_nonnull (m);
	return m;
}

#define REPORT_HEAD \
	"From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\n" \
	"To: kim@example.org\n" \
	"Subject: Undelivered Mail Returned to Sender\n" \
	"MIME-Version: 1.0\n"

#define STATUS_PART \
	"--B\n" \
	"Content-Type: text/plain\n" \
	"\n" \
	"The mail system could not deliver your message.\n" \
	"\n" \
	"--B\n" \
	"Content-Type: message/delivery-status\n" \
	"\n" \
	"Reporting-MTA: dns; mx.example.com\n" \
	"\n" \
	"Final-Recipient: rfc822; nobody@example.com\n" \
	"Action: failed\n" \
	"Status: 5.1.1\n" \
	"\n"

static void
test_message_rfc822 (void)
{
	g_autoptr(GMimeMessage) m = message (REPORT_HEAD
	    "Content-Type: multipart/report; report-type=delivery-status; "
	    "boundary=\"B\"\n"
	    "\n"
	    STATUS_PART
	    "--B\n"
	    "Content-Type: message/rfc822\n"
	    "\n"
	    "Received: from mail.example.org (mail.example.org [192.0.2.25])\n"
	    "\tby mx.example.com (Postfix) with ESMTPS id 4AAA;\n"
	    "\tMon, 1 Jan 2024 10:00:00 +0000\n"
	    "Received: from laptop (unknown [198.51.100.9]) by "
	    "mail.example.org with ESMTPSA id 4BBB\n"
	    "Message-ID: <123@example.org>\n"
	    "From: Kim <kim@example.org>\n"
	    "To: nobody@example.com\n"
	    "Subject: Hello there\n"
	    "Date: Mon, 1 Jan 2024 09:59:00 +0000\n"
	    "DKIM-Signature: v=1; a=rsa-sha256; d=Example.ORG; s=sel;\n"
	    "\tb=abc\n"
	    "Return-Path: <kim@example.org>\n"
	    "X-Mailer: TestMailer 1.0\n"
	    "\n"
	    "Body text here.\n"
	    "\n"
	    "--B--\n");
	g_autoptr(BsOriginal) o = bs_original_find (m, rules);

	g_assert_true (o->found);
	g_assert_cmpstr (o->via, ==, "message/rfc822");
	g_assert_false (o->headers_only);
	g_assert_false (o->unparsable);
	g_assert_cmpstr (o->message_id, ==, "<123@example.org>");
	g_assert_cmpstr (o->msgid_domain, ==, "example.org");
	g_assert_cmpstr (o->from, ==, "Kim <kim@example.org>");
	g_assert_cmpstr (o->from_address, ==, "kim@example.org");
	g_assert_cmpstr (o->from_name, ==, "Kim");
	g_assert_cmpstr (o->to, ==, "nobody@example.com");
	g_assert_cmpstr (o->subject, ==, "Hello there");
	g_assert_cmpstr (o->date, ==, "Mon, 1 Jan 2024 09:59:00 +0000");
	g_assert_cmpint (o->date_unix, ==, G_GINT64_CONSTANT (1704103140));
	g_assert_cmpstr (o->return_path, ==, "kim@example.org");
	g_assert_cmpstr (o->x_mailer, ==, "TestMailer 1.0");
	g_assert_null (o->sender);
	g_assert_cmpuint (o->header_count, ==, 10);
	g_assert_cmpuint (o->received->len, ==, 2);
	/* Unfolded, top first */
	g_assert_cmpstr (o->received->pdata[0], ==,
	    "from mail.example.org (mail.example.org [192.0.2.25]) by "
	    "mx.example.com (Postfix) with ESMTPS id 4AAA; Mon, 1 Jan 2024 "
	    "10:00:00 +0000");
	g_assert_cmpstr (o->received->pdata[1], ==,
	    "from laptop (unknown [198.51.100.9]) by mail.example.org with "
	    "ESMTPSA id 4BBB");
	g_assert_cmpuint (o->dkim_domains->len, ==, 1);
	g_assert_cmpstr (o->dkim_domains->pdata[0], ==, "example.org");
	g_assert_nonnull (o->body_text);
	g_assert_nonnull (strstr (o->body_text, "Body text here."));
	g_assert_false (o->html_only);
	g_assert_cmpuint (o->attachments->len, ==, 0);
}

static void
test_rfc822_headers (void)
{
	g_autoptr(GMimeMessage) m = message (REPORT_HEAD
	    "Content-Type: multipart/report; report-type=delivery-status; "
	    "boundary=\"B\"\n"
	    "\n"
	    STATUS_PART
	    "--B\n"
	    "Content-Type: text/rfc822-headers\n"
	    "\n"
	    "Received: from mail.example.org (mail.example.org [192.0.2.25])"
	    " by mx.example.com (Postfix) with ESMTPS id 4AAA\n"
	    "Message-ID: <hdr-1@example.org>\n"
	    "From: kim@example.org\n"
	    "To: nobody@example.com\n"
	    "Subject: Headers only\n"
	    "--B--\n");
	g_autoptr(BsOriginal) o = bs_original_find (m, rules);

	g_assert_true (o->found);
	g_assert_cmpstr (o->via, ==, "text/rfc822-headers");
	g_assert_true (o->headers_only);
	g_assert_cmpstr (o->message_id, ==, "<hdr-1@example.org>");
	g_assert_cmpstr (o->subject, ==, "Headers only");
	g_assert_cmpstr (o->from_address, ==, "kim@example.org");
	g_assert_null (o->from_name);
	g_assert_cmpuint (o->received->len, ==, 1);
}

#define QMAIL_TEXT \
	"Hi. This is the qmail-send program at mx.example.com.\n" \
	"I'm afraid I wasn't able to deliver your message to the following" \
	" addresses.\n" \
	"\n" \
	"<nobody@example.com>:\n" \
	"Sorry, no mailbox here by that name. (#5.1.1)\n" \
	"\n" \
	"--- Below this line is a copy of the message.\n" \
	"\n" \
	"Return-Path: <kim@example.org>\n" \
	"Received: (qmail 1234 invoked from network); 1 Jan 2024 10:00:00" \
	" -0000\n" \
	"Message-ID: <inline-1@example.org>\n" \
	"From: kim@example.org\n" \
	"To: nobody@example.com\n" \
	"Subject: Inline test\n" \
	"\n" \
	"Inline body.\n"

static void
test_inline_marker (void)
{
	g_autoptr(GMimeMessage) m = message ("From: MAILER-DAEMON@mx.example.com\n"
	    "To: kim@example.org\n"
	    "Subject: failure notice\n"
	    "\n"
	    QMAIL_TEXT);
	g_autoptr(BsOriginal) o = bs_original_find (m, rules);

	g_assert_true (o->found);
	g_assert_cmpstr (o->via, ==, "inline");
	g_assert_cmpstr (o->message_id, ==, "<inline-1@example.org>");
	g_assert_cmpstr (o->subject, ==, "Inline test");
	g_assert_cmpstr (o->return_path, ==, "kim@example.org");
	g_assert_cmpuint (o->received->len, ==, 1);
	g_assert_nonnull (o->body_text);
	g_assert_nonnull (strstr (o->body_text, "Inline body."));
	/* The notification text above the marker is not the original. */
	g_assert_null (strstr (o->body_text, "qmail-send"));
}

static void
test_inline_quoted (void)
{
	g_autoptr(GMimeMessage) m = message ("From: postmaster@mx.example.com\n"
	    "To: kim@example.org\n"
	    "Subject: Delivery failure\n"
	    "\n"
	    "Your message could not be delivered.\n"
	    "\n"
	    "   ------ Original message follows ------\n"
	    "\n"
	    "> Received: from mail.example.org by mx.example.com; Mon, 1 Jan"
	    " 2024\n"
	    "> \tid 4QQQ\n"
	    "> Message-ID: <quoted-1@example.org>\n"
	    "> From: Kim <kim@example.org>\n"
	    "> Subject: Quoted test\n"
	    ">\n"
	    "> Quoted body\n");
	g_autoptr(BsOriginal) o = bs_original_find (m, rules);

	g_assert_true (o->found);
	g_assert_cmpstr (o->via, ==, "inline");
	g_assert_cmpstr (o->message_id, ==, "<quoted-1@example.org>");
	g_assert_cmpstr (o->subject, ==, "Quoted test");
	g_assert_cmpstr (o->from_address, ==, "kim@example.org");
	g_assert_cmpuint (o->received->len, ==, 1);
	g_assert_cmpstr (o->received->pdata[0], ==,
	    "from mail.example.org by mx.example.com; Mon, 1 Jan 2024 id 4QQQ");
	g_assert_nonnull (strstr (o->body_text, "Quoted body"));
	g_assert_null (strstr (o->body_text, ">"));
}

static void
test_inline_indented (void)
{
	g_autoptr(GMimeMessage) m = message ("From: postmaster@mx.example.com\n"
	    "To: kim@example.org\n"
	    "Subject: Undeliverable\n"
	    "\n"
	    "Delivery has failed to these recipients:\n"
	    "\n"
	    "    nobody@example.com\n"
	    "\n"
	    "Original message headers:\n"
	    "\n"
	    "    Message-ID: <indent-1@example.org>\n"
	    "    From: kim@example.org\n"
	    "    To: nobody@example.com\n"
	    "    Subject: Indented test\n");
	g_autoptr(BsOriginal) o = bs_original_find (m, rules);

	g_assert_true (o->found);
	g_assert_cmpstr (o->via, ==, "inline");
	g_assert_cmpstr (o->message_id, ==, "<indent-1@example.org>");
	g_assert_cmpstr (o->subject, ==, "Indented test");
	g_assert_cmpstr (o->to, ==, "nobody@example.com");
}

static void
test_no_original (void)
{
	g_autoptr(GMimeMessage) report = message (REPORT_HEAD
	    "Content-Type: multipart/report; report-type=delivery-status; "
	    "boundary=\"B\"\n"
	    "\n"
	    STATUS_PART
	    "--B--\n");
	g_autoptr(GMimeMessage) prose = message (
	    "From: MAILER-DAEMON@mx.example.com\n"
	    "Subject: failure notice\n"
	    "\n"
	    "Your message to nobody@example.com could not be delivered.\n"
	    "Reason: user unknown.\n");
	g_autoptr(BsOriginal) a = bs_original_find (report, rules);
	g_autoptr(BsOriginal) b = bs_original_find (prose, rules);

	g_assert_false (a->found);
	g_assert_null (a->via);
	g_assert_null (a->message_id);
	g_assert_cmpuint (a->received->len, ==, 0);
	g_assert_false (a->unparsable);
	g_assert_false (b->found);
	g_assert_null (b->via);
}

static void
test_summary (void)
{
	/* Exim's delay warning names the original but returns no copy. */
	g_autoptr(GMimeMessage) warning = message (
	    "From: Mail Delivery System <Mailer-Daemon@mx.example.com>\n"
	    "Subject: Warning: message 1KNmHQ-000Md3-Kj delayed 24 hours\n"
	    "\n"
	    "The message identifier is:     1KNmHQ-000Md3-Kj\n"
	    "The subject of the message is: Quarterly figures\n"
	    "The date of the message is:    Tue, 29 Jul 2008 17:18:08 +0700\n"
	    "\n"
	    "The addresses to which the message has not yet been delivered are:\n"
	    "\n"
	    "  someone@example.net\n");
	g_autoptr(BsOriginal) o = bs_original_find (warning, rules);

	g_assert_true (o->found);
	g_assert_cmpstr (o->via, ==, "summary");
	g_assert_true (o->headers_only);
	g_assert_cmpstr (o->subject, ==, "Quarterly figures");
	g_assert_cmpstr (o->date, ==, "Tue, 29 Jul 2008 17:18:08 +0700");
	g_assert_null (o->message_id);
	g_assert_cmpuint (o->received->len, ==, 0);
}

static void
test_empty_rfc822 (void)
{
	g_autoptr(GMimeMessage) m = message (REPORT_HEAD
	    "Content-Type: multipart/report; report-type=delivery-status; "
	    "boundary=\"B\"\n"
	    "\n"
	    STATUS_PART
	    "--B\n"
	    "Content-Type: message/rfc822\n"
	    "\n"
	    "--B--\n");
	g_autoptr(BsOriginal) o = bs_original_find (m, rules);

	/* A part meant for the original that holds none */
	g_assert_false (o->found);
	g_assert_true (o->unparsable);
}

static void
test_find_inline_offsets (void)
{
	const char *text = QMAIL_TEXT;
	const char *no_marker = "Your message was not delivered.\n"
	    "From: kim@example.org\n"
	    "Subject: hi\n"
	    "\n"
	    "body\n";
	const char *at_start = "From: kim@example.org\nSubject: hi\n\nbody\n";
	const char *marker_only = "--- Below this line is a copy of the "
	    "message.\n\nSorry, no copy kept.\n";
	gssize expected;

	/* After the marker: the first header line */
	expected = strstr (text, "Return-Path:") - text;
	g_assert_cmpint (bs_original_find_inline (text, strlen (text), rules,
	    TRUE), ==, expected);
	g_assert_cmpint (bs_original_find_inline (text, strlen (text), rules,
	    FALSE), ==, expected);
	/* A header block without a marker counts only when asked to */
	g_assert_cmpint (bs_original_find_inline (no_marker,
	    strlen (no_marker), rules, TRUE), ==, -1);
	g_assert_cmpint (bs_original_find_inline (no_marker,
	    strlen (no_marker), rules, FALSE), ==, 32);
	/* ... and never at the very start (that is the report's own) */
	g_assert_cmpint (bs_original_find_inline (at_start, strlen (at_start),
	    rules, FALSE), ==, -1);
	/* A marker followed by no header block */
	g_assert_cmpint (bs_original_find_inline (marker_only,
	    strlen (marker_only), rules, TRUE), ==, -1);
	/* One header line alone is not a block */
	g_assert_cmpint (bs_original_find_inline ("x\nSubject: hi\n\nbody\n",
	    20, rules, FALSE), ==, -1);
	g_assert_cmpint (bs_original_find_inline ("", 0, rules, FALSE), ==,
	    -1);
}

static void
test_address_from_header (void)
{
	char *name = (char *) "unset";
	g_autofree char *a = bs_address_from_header ("Kim <kim@example.org>",
	    &name);
	g_autofree char *a_name = name;
	g_autofree char *b = NULL;
	char *none;

	g_assert_cmpstr (a, ==, "kim@example.org");
	g_assert_cmpstr (a_name, ==, "Kim");
	b = bs_address_from_header ("kim@example.org, bob@example.org", &name);
	g_assert_cmpstr (b, ==, "kim@example.org");
	g_assert_null (name);
	none = bs_address_from_header ("undisclosed-recipients:;", NULL);
	g_assert_null (none);
	none = bs_address_from_header ("", &name);
	g_assert_null (none);
	g_assert_null (name);
	none = bs_address_from_header (NULL, NULL);
	g_assert_null (none);
}

/* The domain of the addr-spec GMime parses out of the field, lowercase. */
static void
test_msgid_domain (void)
{
	static const struct {
		const char *id;
		const char *domain;
	} cases[] = {
		{ "<abc.123@Mail.Example.ORG>", "mail.example.org" },
		{ "<abc@example.org> (comment)", "example.org" },
		{ "(comment) <abc@example.org>", "example.org" },
		{ "abc@example.org", "example.org" },
		{ "<abc@example.org\r\n >", "example.org" },
		{ "<\"a@b\"@c.example>", "c.example" },
		/* GMime takes the addr-spec a@b; the rest is junk */
		{ "<a@b@c.example>", "b" },
		{ "<abc@1.example> <def@2.example>", "1.example" },
		{ "<abc@>", NULL },
		{ "<no-at-sign>", NULL },
		{ "", NULL },
	};
	gsize i;

	for (i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autofree char *d = bs_original_msgid_domain (cases[i].id);

		g_test_message ("Message-ID %s", cases[i].id);
		g_assert_cmpstr (d, ==, cases[i].domain);
	}
	g_assert_null (bs_original_msgid_domain (NULL));
}

int
main (int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	int ret;

	g_test_init (&argc, &argv, NULL);
	g_mime_init ();
	rules = bs_rules_load_builtin (FALSE, &error);
	g_assert_no_error (error);
	g_test_add_func ("/original/message-rfc822", test_message_rfc822);
	g_test_add_func ("/original/rfc822-headers", test_rfc822_headers);
	g_test_add_func ("/original/inline-marker", test_inline_marker);
	g_test_add_func ("/original/inline-quoted", test_inline_quoted);
	g_test_add_func ("/original/inline-indented", test_inline_indented);
	g_test_add_func ("/original/none", test_no_original);
	g_test_add_func ("/original/summary", test_summary);
	g_test_add_func ("/original/empty-rfc822", test_empty_rfc822);
	g_test_add_func ("/original/find-inline-offsets",
	    test_find_inline_offsets);
	g_test_add_func ("/original/address-from-header",
	    test_address_from_header);
	g_test_add_func ("/original/msgid-domain", test_msgid_domain);
	ret = g_test_run ();
	bs_rules_free (rules);
	g_mime_shutdown ();
	return ret;
}
