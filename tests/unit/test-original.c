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

/* The 4-line gap: an inline copy whose first field is a DKIM-Signature
 * folded over many lines starts at that field, not at a later one. */
static void
test_inline_long_first_field (void)
{
	static const char text[] =
	    "The following address failed: nobody@example.com\n"
	    "\n"
	    "------ This is a copy of the message, including all the headers. ------\n"
	    "\n"
	    "DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=sel;\n"
	    "\tc=relaxed/relaxed; t=1717236000;\n"
	    "\th=from:to:subject:date:message-id;\n"
	    "\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\n"
	    "\tb=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
	    "\t BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB\n"
	    "\t CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC=\n"
	    "Received: from laptop by mail.example.org; Mon, 1 Jan 2024\n"
	    "Message-ID: <dkim@example.org>\n"
	    "From: Kim <kim@example.org>\n"
	    "Subject: Signed\n"
	    "\n"
	    "body\n";
	gssize at = bs_original_find_inline (text, strlen (text), rules, TRUE);

	g_assert_cmpint (at, ==, (gssize) (strstr (text, "DKIM-Signature")
	    - text));
}

/* MIME part headers alone are no original (Content-Type and
 * MIME-Version no longer make a header block). */
static void
test_inline_part_header_not_copy (void)
{
	static const char text[] =
	    "notice\n"
	    "Content-Type: text/plain\n"
	    "MIME-Version: 1.0\n"
	    "\n"
	    "nothing else\n";

	g_assert_cmpint (bs_original_find_inline (text, strlen (text), rules,
	    FALSE), ==, -1);
}

#define COPY(n) \
	"Received: from mail.example.org (mail.example.org [192.0.2.25])\n" \
	"\tby mx.example.com with ESMTPS id 1; Mon, 1 Jan 2024 10:00:00 +0000\n" \
	"Message-ID: <" n "@example.org>\n" \
	"From: Kim <kim@example.org>\n" \
	"To: nobody@example.com\n" \
	"Subject: Shape " n "\n" \
	"Date: Mon, 1 Jan 2024 09:59:00 +0000\n"

static BsOriginal *
find (const char *text)
{
	g_autoptr(GMimeMessage) m = message (text);

	return bs_original_find (m, rules);
}

static void
assert_copy (const BsOriginal *o, const char *via, const char *id,
    const char *subject)
{
	g_assert_true (o->found);
	g_assert_cmpstr (o->via, ==, via);
	g_assert_cmpstr (o->message_id, ==, id);
	g_assert_cmpstr (o->from_address, ==, "kim@example.org");
	g_assert_cmpstr (o->subject, ==, subject);
}

/* The copy's header right after the boundary: GMime takes it for the
 * part's own. */
static void
test_headerless_part (void)
{
	g_autoptr(BsOriginal) o = find (REPORT_HEAD
	    "Content-Type: multipart/mixed; boundary=\"B\"\n\n"
	    "--B\nContent-Type: text/plain\n\nnobody@example.com [User unknown]\n\n"
	    "--B\n" COPY ("headerless")
	    "Content-Type: text/plain\n\nHello\n--B--\n");

	assert_copy (o, "inline", "<headerless@example.org>", "Shape headerless");
	g_assert_cmpuint (o->received->len, ==, 1);
}

/* The declared boundary is not the one used: parsed again. */
static void
test_wrong_boundary (void)
{
	g_autoptr(BsOriginal) o = find (REPORT_HEAD
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    "\tboundary=\"declared\"\n\n"
	    "--used\nContent-Type: text/plain\n\nfailed\n\n"
	    "--used\nContent-Type: message/rfc822\n\n" COPY ("wrong")
	    "\nHello\n\n--used--\n");

	assert_copy (o, "message/rfc822", "<wrong@example.org>", "Shape wrong");
}

/* No boundary at all in the body: the copy is found as text. */
static void
test_no_boundary (void)
{
	g_autoptr(BsOriginal) o = find (REPORT_HEAD
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    "\tboundary=\"missing\"\n\n"
	    "Reporting-MTA: dns; mx.example.com\n\n"
	    "Final-Recipient: rfc822; nobody@example.com\nAction: failed\n\n"
	    COPY ("noboundary") "\nHello\n");

	assert_copy (o, "inline", "<noboundary@example.org>",
	    "Shape noboundary");
}

/* A copy attached as application/octet-stream (base64). */
static void
test_octet_stream (void)
{
	g_autofree char *b64 = g_base64_encode ((const guchar *) COPY ("octet")
	    "\nHello\n", strlen (COPY ("octet") "\nHello\n"));
	g_autofree char *text = g_strdup_printf (REPORT_HEAD
	    "Content-Type: multipart/mixed; boundary=\"B\"\n\n"
	    "--B\nContent-Type: text/plain\n\nfailed\n\n"
	    "--B\nContent-Type: application/octet-stream; name=\"m.eml\"\n"
	    "Content-Transfer-Encoding: base64\n\n%s\n--B--\n", b64);
	g_autoptr(BsOriginal) o = find (text);

	assert_copy (o, "attachment", "<octet@example.org>", "Shape octet");
}

/* A report returned inside a report: the original is the inner one, and
 * the hops that count are those of the report that held it. */
static void
test_nested_report (void)
{
	g_autoptr(BsOriginal) o = find (REPORT_HEAD
	    "Content-Type: multipart/mixed; boundary=\"O\"\n\n"
	    "--O\nContent-Type: text/plain\n\nreturned by a remote system\n\n"
	    "--O\nContent-Type: message/rfc822\n\n"
	    "Received: from mx.example.com (mx.example.com [203.0.113.5])\n"
	    "\tby gw.example.net; Mon, 1 Jan 2024 10:00:02 +0000\n"
	    REPORT_HEAD
	    "Content-Type: multipart/report; report-type=delivery-status; "
	    "boundary=\"B\"\n\n"
	    STATUS_PART
	    "--B\nContent-Type: message/rfc822\n\n" COPY ("nested")
	    "\nHello\n\n--B--\n\n--O--\n");

	assert_copy (o, "message/rfc822", "<nested@example.org>",
	    "Shape nested");
	g_assert_true (o->nested);
	g_assert_cmpuint (o->carrier_received->len, ==, 1);
	g_assert_nonnull (strstr (o->carrier_received->pdata[0],
	    "gw.example.net"));
}

/* Adjacent base64 words: GMime alone dropped the second. */
static void
test_subject_base64_words (void)
{
	g_autoptr(BsOriginal) o = find (REPORT_HEAD
	    "Content-Type: multipart/report; report-type=delivery-status; "
	    "boundary=\"B\"\n\n"
	    STATUS_PART
	    "--B\nContent-Type: text/rfc822-headers\n\n"
	    "Message-ID: <words@example.org>\nFrom: kim@example.org\n"
	    "Subject: =?utf-8?B?44OQ44Km44Oz44K544Oh44O844Or44Gu44OG44K544OIKOaXpQ==?=\n"
	    " =?utf-8?B?5pys6KqeKQ==?=\n\n--B--\n");

	g_assert_cmpstr (o->subject, ==, "バウンスメールのテスト(日本語)");
}

/* Summaries the report writes of the original: an indented block, and
 * the header list of an Amazon SES notification.  Summaries count as no
 * copy in scoring. */
static void
test_summary_shapes (void)
{
	g_autoptr(BsOriginal) block = find (REPORT_HEAD
	    "Content-Type: text/plain\n\n"
	    "Your message\n\n"
	    "  To:      nobody@example.com\n"
	    "  Subject: Block summary\n"
	    "  Sent:    Mon, 1 Jan 2024 09:59:00 +0000\n\n"
	    "did not reach the following recipient(s):\n");
	g_autoptr(BsOriginal) ses = find (REPORT_HEAD
	    "Content-Type: text/plain\n\n"
	    "{\"notificationType\":\"Bounce\",\"mail\":{\"headers\":["
	    "{\"name\":\"From\",\"value\":\"kim@example.org\"},{\"name\":\"To\","
	    "\"value\":\"nobody@example.com\"},{\"name\":\"Subject\",\"value\":"
	    "\"SES \\u00e9t\\u00e9\"}]}}\n");

	g_assert_cmpstr (block->via, ==, "summary");
	g_assert_cmpstr (block->subject, ==, "Block summary");
	g_assert_cmpstr (block->to, ==, "nobody@example.com");
	g_assert_cmpstr (ses->via, ==, "summary");
	g_assert_cmpstr (ses->from_address, ==, "kim@example.org");
	g_assert_cmpstr (ses->subject, ==, "SES été");
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
	g_test_add_func ("/original/inline-long-first-field",
	    test_inline_long_first_field);
	g_test_add_func ("/original/inline-part-header-not-copy",
	    test_inline_part_header_not_copy);
	g_test_add_func ("/original/headerless-part", test_headerless_part);
	g_test_add_func ("/original/wrong-boundary", test_wrong_boundary);
	g_test_add_func ("/original/no-boundary", test_no_boundary);
	g_test_add_func ("/original/octet-stream", test_octet_stream);
	g_test_add_func ("/original/nested-report", test_nested_report);
	g_test_add_func ("/original/subject-base64-words",
	    test_subject_base64_words);
	g_test_add_func ("/original/summary-shapes", test_summary_shapes);
	ret = g_test_run ();
	bs_rules_free (rules);
	g_mime_shutdown ();
	return ret;
}
