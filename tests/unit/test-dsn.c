/* test-dsn.c: RFC 3464 / RFC 6533 delivery-status fields. */
#include "body.h"
#include "dsn.h"
#include "input.h"

#include <string.h>

static BsDsn *
parse (const char *text)
{
	return bs_dsn_parse_fields (text, strlen (text));
}

static const BsRecipient *
rcpt (const BsDsn *dsn, guint i)
{
	g_assert_cmpuint (i, <, dsn->recipients->len);
	return dsn->recipients->pdata[i];
}

#define FULL_DSN(NL) \
	"Reporting-MTA: dns; mail.example.net" NL \
	"X-Postfix-Queue-ID: 4ABC123" NL \
	"Arrival-Date: Mon, 1 Jan 2024 10:00:00 +0000" NL \
	"Original-Envelope-Id: ABC123" NL \
	"Received-From-MTA: dns; client.example.org" NL \
	NL \
	"Final-Recipient: rfc822; alice@example.com" NL \
	"Original-Recipient: rfc822;Alice@Example.com" NL \
	"Action: Failed" NL \
	"Status: 5.1.1" NL \
	"Remote-MTA: dns; mx.example.com" NL \
	"Diagnostic-Code: smtp; 550 5.1.1 <alice@example.com>: User unknown" NL \
	NL \
	"Final-Recipient: rfc822; bob@example.com" NL \
	"Action: delayed" NL \
	"Status: 4.4.1" NL \
	NL \
	"Final-Recipient: rfc822; carol@example.com" NL \
	"Action: delivered" NL \
	"Status: 2.0.0" NL

static void
check_full (const BsDsn *dsn)
{
	const BsRecipient *r;

	g_assert_true (dsn->structured);
	g_assert_cmpstr (dsn->reporting_mta, ==, "mail.example.net");
	g_assert_cmpstr (dsn->arrival_date, ==,
	    "Mon, 1 Jan 2024 10:00:00 +0000");
	g_assert_cmpstr (dsn->envelope_id, ==, "ABC123");
	g_assert_cmpstr (dsn->received_from_mta, ==, "client.example.org");
	g_assert_cmpuint (dsn->recipients->len, ==, 3);
	g_assert_cmpuint (dsn->truncated_recipients, ==, 0);

	r = rcpt (dsn, 0);
	g_assert_cmpstr (r->recipient, ==, "alice@example.com");
	g_assert_cmpstr (r->original_recipient, ==, "Alice@Example.com");
	g_assert_cmpstr (r->action, ==, "failed");
	g_assert_cmpstr (r->status, ==, "5.1.1");
	g_assert_cmpstr (r->remote_mta, ==, "mx.example.com");
	g_assert_cmpstr (r->diagnostic, ==,
	    "550 5.1.1 <alice@example.com>: User unknown");
	g_assert_null (r->reason);

	r = rcpt (dsn, 1);
	g_assert_cmpstr (r->recipient, ==, "bob@example.com");
	g_assert_null (r->original_recipient);
	g_assert_cmpstr (r->action, ==, "delayed");
	g_assert_cmpstr (r->status, ==, "4.4.1");
	g_assert_null (r->remote_mta);
	g_assert_null (r->diagnostic);

	r = rcpt (dsn, 2);
	g_assert_cmpstr (r->recipient, ==, "carol@example.com");
	g_assert_cmpstr (r->action, ==, "delivered");
	g_assert_cmpstr (r->status, ==, "2.0.0");
}

static void
test_groups (void)
{
	g_autoptr(BsDsn) dsn = parse (FULL_DSN ("\n"));

	check_full (dsn);
}

static void
test_crlf (void)
{
	g_autoptr(BsDsn) dsn = parse (FULL_DSN ("\r\n"));

	check_full (dsn);
}

static void
test_blank_lines_with_white_space (void)
{
	/* A "blank" line of spaces and tabs still ends a group, and extra
	 * blank lines between groups do not make empty ones. */
	g_autoptr(BsDsn) dsn = parse (
	    "\n\nReporting-MTA: dns; mx.example.net\n"
	    " \t\n"
	    "\n"
	    "Final-Recipient: rfc822; a@example.com\n"
	    "Action: failed\n"
	    "\t\n"
	    "Final-Recipient: rfc822; b@example.com\n"
	    "Action: failed\n\n\n");

	g_assert_cmpstr (dsn->reporting_mta, ==, "mx.example.net");
	g_assert_cmpuint (dsn->recipients->len, ==, 2);
	g_assert_cmpstr (rcpt (dsn, 0)->recipient, ==, "a@example.com");
	g_assert_cmpstr (rcpt (dsn, 1)->recipient, ==, "b@example.com");
}

static void
test_folded (void)
{
	g_autoptr(BsDsn) dsn = parse (
	    "Reporting-MTA: dns;\n"
	    "  mx.example.net\n"
	    "\n"
	    "Final-Recipient: rfc822; a@example.com\n"
	    "Action: failed\n"
	    "Status: 5.2.2\n"
	    "Diagnostic-Code: smtp; 552-5.2.2 The email account that you"
	    " tried to reach is\n"
	    "    over quota.\n"
	    "\tPlease direct the recipient to\n"
	    " the help page\n"
	    "Remote-MTA: dns; mx.example.com\n");
	const BsRecipient *r;

	g_assert_cmpstr (dsn->reporting_mta, ==, "mx.example.net");
	g_assert_cmpuint (dsn->recipients->len, ==, 1);
	r = rcpt (dsn, 0);
	g_assert_cmpstr (r->diagnostic, ==,
	    "552-5.2.2 The email account that you tried to reach is over "
	    "quota. Please direct the recipient to the help page");
	/* The field after the folded one is a field of its own. */
	g_assert_cmpstr (r->remote_mta, ==, "mx.example.com");
	g_assert_cmpstr (r->status, ==, "5.2.2");
}

static void
test_no_trailing_newline (void)
{
	g_autoptr(BsDsn) dsn = parse (
	    "Final-Recipient: rfc822; a@example.com\r\n"
	    "Action: failed\r\n"
	    "Status: 5.0.0");

	g_assert_cmpuint (dsn->recipients->len, ==, 1);
	g_assert_cmpstr (rcpt (dsn, 0)->status, ==, "5.0.0");
}

static void
test_missing_per_message (void)
{
	g_autoptr(BsDsn) dsn = parse (
	    "Final-Recipient: rfc822; a@example.com\n"
	    "Action: failed\n"
	    "Status: 5.1.1\n");

	g_assert_null (dsn->reporting_mta);
	g_assert_null (dsn->arrival_date);
	g_assert_cmpuint (dsn->recipients->len, ==, 1);
	g_assert_cmpstr (rcpt (dsn, 0)->recipient, ==, "a@example.com");
	g_assert_cmpstr (rcpt (dsn, 0)->action, ==, "failed");
}

static void
test_per_message_only (void)
{
	/* A group without a recipient field names no recipient, even with
	 * recipient-looking fields in it. */
	g_autoptr(BsDsn) dsn = parse (
	    "Reporting-MTA: dns; mx.example.net\n"
	    "Action: failed\n"
	    "Status: 5.1.1\n");

	g_assert_cmpstr (dsn->reporting_mta, ==, "mx.example.net");
	g_assert_cmpuint (dsn->recipients->len, ==, 0);
}

static void
test_status_comment (void)
{
	g_autoptr(BsDsn) dsn = parse (
	    "Final-Recipient: rfc822; a@example.com\n"
	    "Action: failed\n"
	    "Status: 5.0.0 (permanent failure)\n"
	    "\n"
	    "Final-Recipient: rfc822; b@example.com\n"
	    "Action: failed\n"
	    "Status: 5.1.1(unknown user)\n"
	    "\n"
	    "Final-Recipient: rfc822; c@example.com\n"
	    "Action: failed\n"
	    "Status:    4.4.7\t\n");

	g_assert_cmpuint (dsn->recipients->len, ==, 3);
	g_assert_cmpstr (rcpt (dsn, 0)->status, ==, "5.0.0");
	g_assert_cmpstr (rcpt (dsn, 1)->status, ==, "5.1.1");
	g_assert_cmpstr (rcpt (dsn, 2)->status, ==, "4.4.7");
}

static void
test_original_recipient_only (void)
{
	g_autoptr(BsDsn) dsn = parse (
	    "Reporting-MTA: dns; mx.example.net\n"
	    "\n"
	    "Original-Recipient: rfc822; <carol@example.com>\n"
	    "Action: failed\n"
	    "Status: 5.1.1\n");
	const BsRecipient *r;

	g_assert_cmpuint (dsn->recipients->len, ==, 1);
	r = rcpt (dsn, 0);
	g_assert_cmpstr (r->recipient, ==, "carol@example.com");
	g_assert_cmpstr (r->original_recipient, ==, "carol@example.com");
}

static void
test_first_field_wins (void)
{
	g_autoptr(BsDsn) dsn = parse (
	    "Final-Recipient: rfc822; a@example.com\n"
	    "Final-Recipient: rfc822; b@example.com\n"
	    "action: FAILED\n"
	    "ACTION: delivered\n"
	    "status: 5.1.1\n");
	const BsRecipient *r;

	g_assert_cmpuint (dsn->recipients->len, ==, 1);
	r = rcpt (dsn, 0);
	/* Field names in any case; the first of each wins. */
	g_assert_cmpstr (r->recipient, ==, "a@example.com");
	g_assert_cmpstr (r->action, ==, "failed");
	g_assert_cmpstr (r->status, ==, "5.1.1");
}

static void
test_clean_address (void)
{
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{ "rfc822; <user@example.org>", "user@example.org" },
		{ "RFC822;user@example.org", "user@example.org" },
		{ "rfc822;\t user@example.org \t", "user@example.org" },
		{ "<user@example.org>", "user@example.org" },
		{ "  plain@example.org  ", "plain@example.org" },
		{ "rfc822; \"quoted@example.org\"", "quoted@example.org" },
		{ "dns; mx.example.net", "mx.example.net" },
		{ "utf-8; j\xc3\xb6rg@b\xc3\xbc" "cher.example",
		  "j\xc3\xb6rg@b\xc3\xbc" "cher.example" },
		{ "rfc822;", "" },
		{ "", "" },
	};
	gsize i;

	for (i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autofree char *out = bs_dsn_clean_address (cases[i].in);

		g_assert_cmpstr (out, ==, cases[i].out);
	}
	g_assert_null (bs_dsn_clean_address (NULL));
}

static void
test_utf8_type (void)
{
	/* RFC 6533: message/global-delivery-status uses utf-8 address
	 * types with raw UTF-8. */
	g_autoptr(BsDsn) dsn = parse (
	    "Reporting-MTA: dns; mx.example.net\n"
	    "\n"
	    "Original-Recipient: utf-8; J\xc3\xb6rg@b\xc3\xbc" "cher.example\n"
	    "Final-Recipient: utf-8; j\xc3\xb6rg@b\xc3\xbc" "cher.example\n"
	    "Action: failed\n"
	    "Status: 5.1.1\n"
	    "Diagnostic-Code: smtp; 550 5.1.1 Benutzer unbekannt: "
	    "j\xc3\xb6rg\n");
	const BsRecipient *r;

	g_assert_cmpuint (dsn->recipients->len, ==, 1);
	r = rcpt (dsn, 0);
	g_assert_cmpstr (r->recipient, ==,
	    "j\xc3\xb6rg@b\xc3\xbc" "cher.example");
	g_assert_cmpstr (r->original_recipient, ==,
	    "J\xc3\xb6rg@b\xc3\xbc" "cher.example");
	g_assert_cmpstr (r->diagnostic, ==,
	    "550 5.1.1 Benutzer unbekannt: j\xc3\xb6rg");
}

static void
test_too_many_recipients (void)
{
	g_autoptr(GString) text = g_string_new (
	    "Reporting-MTA: dns; mx.example.net\n\n");
	g_autoptr(BsDsn) dsn = NULL;
	guint i, n = BS_DSN_MAX_RECIPIENTS + 5;

	for (i = 0; i < n; i++)
		g_string_append_printf (text, "Final-Recipient: rfc822; "
		    "u%u@example.com\nAction: failed\nStatus: 5.1.1\n\n", i);
	dsn = bs_dsn_parse_fields (text->str, text->len);
	g_assert_cmpuint (dsn->recipients->len, ==, BS_DSN_MAX_RECIPIENTS);
	g_assert_cmpuint (dsn->truncated_recipients, ==, 5);
	g_assert_cmpstr (rcpt (dsn, 0)->recipient, ==, "u0@example.com");
	g_assert_cmpstr (rcpt (dsn, BS_DSN_MAX_RECIPIENTS - 1)->recipient, ==,
	    "u999@example.com");
}

static void
test_add_recipient_cap (void)
{
	g_autoptr(BsDsn) dsn = bs_dsn_new ();
	guint i;

	for (i = 0; i < BS_DSN_MAX_RECIPIENTS + 2; i++) {
		BsRecipient *r = bs_recipient_new ();

		r->recipient = g_strdup_printf ("u%u@example.com", i);
		bs_dsn_add_recipient (dsn, r);
	}
	g_assert_cmpuint (dsn->recipients->len, ==, BS_DSN_MAX_RECIPIENTS);
	g_assert_cmpuint (dsn->truncated_recipients, ==, 2);
	g_assert_false (dsn->structured);
}

static void
test_garbage (void)
{
	static const char binary[] = "\x01\x02\xff\0: :\n\n\0\0\n";
	g_autoptr(BsDsn) a = parse ("This is not a delivery status at all.\n"
	    "No fields here\n\n:::\n: value without a name\n\n\n");
	g_autoptr(BsDsn) b = bs_dsn_parse_fields (binary, sizeof binary - 1);
	g_autoptr(BsDsn) c = bs_dsn_parse_fields ("", 0);
	g_autoptr(BsDsn) d = parse ("Final-Recipient\nAction failed\n");

	g_assert_cmpuint (a->recipients->len, ==, 0);
	g_assert_null (a->reporting_mta);
	g_assert_cmpuint (b->recipients->len, ==, 0);
	g_assert_cmpuint (c->recipients->len, ==, 0);
	g_assert_null (c->reporting_mta);
	g_assert_cmpuint (d->recipients->len, ==, 0);
}

/* --- bs_dsn_parse on whole messages ------------------------------------ */

#define REPORT_HEAD \
	"From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n" \
	"To: kim@example.org\n" \
	"Subject: Undelivered Mail Returned to Sender\n" \
	"MIME-Version: 1.0\n"

static GMimeMessage *
message (const char *text)
{
	GMimeMessage *m = bs_input_parse_bytes (text, strlen (text));

	g_assert_nonnull (m);
	return m;
}

static void
test_parse_message (void)
{
	g_autoptr(GMimeMessage) m = message (REPORT_HEAD
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    "\tboundary=\"BOUND\"\n"
	    "\n"
	    "--BOUND\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "Final-Recipient: rfc822; decoy@example.com\n"
	    "\n"
	    "--BOUND\n"
	    "Content-Type: message/delivery-status\n"
	    "\n"
	    "Reporting-MTA: dns; mx.example.net\n"
	    "\n"
	    "Final-Recipient: rfc822; nobody@example.com\n"
	    "Action: failed\n"
	    "Status: 5.1.1\n"
	    "Diagnostic-Code: smtp; 550 5.1.1 user unknown\n"
	    "\n"
	    "--BOUND\n"
	    "Content-Type: text/rfc822-headers\n"
	    "\n"
	    "From: kim@example.org\n"
	    "To: nobody@example.com\n"
	    "Subject: hi\n"
	    "\n"
	    "--BOUND--\n");
	g_autoptr(BsDsn) dsn = bs_dsn_parse (m);

	g_assert_nonnull (dsn);
	g_assert_true (dsn->structured);
	g_assert_cmpstr (dsn->reporting_mta, ==, "mx.example.net");
	g_assert_cmpuint (dsn->recipients->len, ==, 1);
	g_assert_cmpstr (rcpt (dsn, 0)->recipient, ==, "nobody@example.com");
	g_assert_cmpstr (rcpt (dsn, 0)->diagnostic, ==, "550 5.1.1 user unknown");
}

static void
test_parse_global_base64 (void)
{
	/* message/global-delivery-status, base64 encoded (RFC 6533 allows
	 * it); decoding gives the fields.  The base64 is of:
	 * "Reporting-MTA: dns; mx.example.net\n\n"
	 * "Final-Recipient: utf-8; j\xc3\xb6rg@example.com\nAction: failed\n" */
	g_autoptr(GMimeMessage) m = message (REPORT_HEAD
	    "Content-Type: multipart/report; "
	    "report-type=global-delivery-status; boundary=\"B\"\n"
	    "\n"
	    "--B\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "\n"
	    "Sorry.\n"
	    "--B\n"
	    "Content-Type: message/global-delivery-status\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    "UmVwb3J0aW5nLU1UQTogZG5zOyBteC5leGFtcGxlLm5ldAoKRmluYWwtUmVjaXBp\n"
	    "ZW50OiB1dGYtODsgasO2cmdAZXhhbXBsZS5jb20KQWN0aW9uOiBmYWlsZWQK\n"
	    "--B--\n");
	g_autoptr(BsDsn) dsn = bs_dsn_parse (m);

	g_assert_nonnull (dsn);
	g_assert_cmpstr (dsn->reporting_mta, ==, "mx.example.net");
	g_assert_cmpuint (dsn->recipients->len, ==, 1);
	g_assert_cmpstr (rcpt (dsn, 0)->recipient, ==,
	    "j\xc3\xb6rg@example.com");
	g_assert_cmpstr (rcpt (dsn, 0)->action, ==, "failed");
}

static void
test_parse_no_status_part (void)
{
	g_autoptr(GMimeMessage) plain = message (REPORT_HEAD
	    "Content-Type: text/plain\n"
	    "\n"
	    "Final-Recipient: rfc822; nobody@example.com\n"
	    "Action: failed\n");
	g_autoptr(GMimeMessage) mixed = message (REPORT_HEAD
	    "Content-Type: multipart/mixed; boundary=\"B\"\n"
	    "\n"
	    "--B\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "hello\n"
	    "--B\n"
	    "Content-Type: message/rfc822\n"
	    "\n"
	    "From: a@example.org\n"
	    "Subject: inner\n"
	    "\n"
	    "body\n"
	    "--B--\n");
	BsDsn *dsn;

	/* Delivery-status text in a text/plain body is not a DSN. */
	dsn = bs_dsn_parse (plain);
	g_assert_null (dsn);
	dsn = bs_dsn_parse (mixed);
	g_assert_null (dsn);
}

static void
test_part_get_text (void)
{
	g_autoptr(GMimeMessage) m = message ("Subject: x\n"
	    "Content-Type: text/plain\n"
	    "Content-Transfer-Encoding: quoted-printable\n"
	    "\n"
	    "caf=C3=A9 =3D ok\n");
	GMimeObject *part = g_mime_message_get_mime_part (m);
	g_autofree char *all = NULL;
	g_autofree char *some = NULL;
	gsize len = 0;

	all = bs_part_get_text (part, 0, &len);
	g_assert_cmpstr (all, ==, "caf\xc3\xa9 = ok\n");
	g_assert_cmpuint (len, ==, 11);
	some = bs_part_get_text (part, 3, &len);
	g_assert_cmpstr (some, ==, "caf");
	g_assert_cmpuint (len, ==, 3);
	g_assert_null (bs_part_get_text (GMIME_OBJECT (m), 0, NULL));
}

/* Mimecast writes a space before each colon; RFC 5322's obsolete syntax
 * allows it, and the fields are the same. */
static void
test_space_before_colon (void)
{
	g_autoptr(BsDsn) dsn = parse ("Reporting-MTA : dns;mx.example.net\n"
	    "\n"
	    "Action : failed\n"
	    "Status : 5.0.0\n"
	    "Diagnostic-Code : smtp;550 5.7.54 relaying denied\n"
	    "Remote-MTA : example.net\n"
	    "Final-Recipient : rfc/822;bob@example.net\n");
	g_autoptr(BsDsn) other = parse ("Final-Recipients : rfc822;x@y.z\n"
	    "Action: failed\n");

	g_assert_cmpuint (dsn->recipients->len, ==, 1);
	g_assert_cmpstr (rcpt (dsn, 0)->recipient, ==, "bob@example.net");
	g_assert_cmpstr (rcpt (dsn, 0)->action, ==, "failed");
	g_assert_cmpstr (rcpt (dsn, 0)->status, ==, "5.0.0");
	g_assert_cmpstr (rcpt (dsn, 0)->diagnostic, ==,
	    "550 5.7.54 relaying denied");
	/* A name that only starts like the field is not the field. */
	g_assert_cmpuint (other->recipients->len, ==, 0);
}

int
main (int argc, char **argv)
{
	int ret;

	g_test_init (&argc, &argv, NULL);
	g_mime_init ();
	g_test_add_func ("/dsn/groups", test_groups);
	g_test_add_func ("/dsn/space-before-colon", test_space_before_colon);
	g_test_add_func ("/dsn/crlf", test_crlf);
	g_test_add_func ("/dsn/blank-lines-with-white-space",
	    test_blank_lines_with_white_space);
	g_test_add_func ("/dsn/folded-lines", test_folded);
	g_test_add_func ("/dsn/no-trailing-newline", test_no_trailing_newline);
	g_test_add_func ("/dsn/missing-per-message", test_missing_per_message);
	g_test_add_func ("/dsn/per-message-only", test_per_message_only);
	g_test_add_func ("/dsn/status-comment", test_status_comment);
	g_test_add_func ("/dsn/original-recipient-only",
	    test_original_recipient_only);
	g_test_add_func ("/dsn/first-field-wins", test_first_field_wins);
	g_test_add_func ("/dsn/clean-address", test_clean_address);
	g_test_add_func ("/dsn/utf8-type", test_utf8_type);
	g_test_add_func ("/dsn/too-many-recipients", test_too_many_recipients);
	g_test_add_func ("/dsn/add-recipient-cap", test_add_recipient_cap);
	g_test_add_func ("/dsn/garbage", test_garbage);
	g_test_add_func ("/dsn/parse-message", test_parse_message);
	g_test_add_func ("/dsn/parse-global-base64", test_parse_global_base64);
	g_test_add_func ("/dsn/parse-no-status-part",
	    test_parse_no_status_part);
	g_test_add_func ("/dsn/part-get-text", test_part_get_text);
	ret = g_test_run ();
	g_mime_shutdown ();
	return ret;
}
