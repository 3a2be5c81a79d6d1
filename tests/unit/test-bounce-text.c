/* test-bounce-text.c: failed recipients out of bounce prose, with the
 * built-in rules. */
#include "bounce-text.h"

#include <string.h>

static BsRules *rules;

static const BsRecipient *
rcpt (const BsDsn *dsn, guint i)
{
	g_assert_cmpuint (i, <, dsn->recipients->len);
	return dsn->recipients->pdata[i];
}

/* Reads text up to the copy of the original, as the classifier does. */
static BsDsn *
read_text (const char *text, const char *stop)
{
	BsDsn *dsn = bs_dsn_new ();
	const char *end = stop != NULL ? strstr (text, stop) : NULL;

	bs_bounce_text_recipients (text, end != NULL ? (gsize) (end - text) :
	    strlen (text), rules, dsn);
	return dsn;
}

static void
test_postfix (void)
{
	g_autoptr(BsDsn) dsn = read_text (
	    "This is the mail system at host mail.example.net.\n"
	    "\n"
	    "I'm sorry to have to inform you that your message could not\n"
	    "be delivered to one or more recipients. It's attached below.\n"
	    "\n"
	    "                   The mail system\n"
	    "\n"
	    "<nobody@example.com>: host mx.example.com[192.0.2.1] said: 550"
	    " 5.1.1\n"
	    "    <nobody@example.com>: Recipient address rejected: User"
	    " unknown (in reply\n"
	    "    to RCPT TO command)\n"
	    "\n"
	    "<full@example.com>: host mx.example.com[192.0.2.1] said: 552"
	    " 5.2.2 Mailbox\n"
	    "    full (in reply to RCPT TO command)\n", NULL);
	const BsRecipient *r;

	g_assert_false (dsn->structured);
	g_assert_cmpuint (dsn->recipients->len, ==, 2);
	r = rcpt (dsn, 0);
	g_assert_cmpstr (r->recipient, ==, "nobody@example.com");
	g_assert_cmpstr (r->action, ==, "failed");
	g_assert_cmpstr (r->status, ==, "5.1.1");
	g_assert_cmpstr (r->diagnostic, ==,
	    "host mx.example.com[192.0.2.1] said: 550 5.1.1 "
	    "<nobody@example.com>: Recipient address rejected: User unknown "
	    "(in reply to RCPT TO command)");
	r = rcpt (dsn, 1);
	g_assert_cmpstr (r->recipient, ==, "full@example.com");
	g_assert_cmpstr (r->status, ==, "5.2.2");
	g_assert_cmpstr (r->diagnostic, ==,
	    "host mx.example.com[192.0.2.1] said: 552 5.2.2 Mailbox full "
	    "(in reply to RCPT TO command)");
}

static void
test_qmail (void)
{
	g_autoptr(BsDsn) dsn = read_text (
	    "Hi. This is the qmail-send program at mail.example.net.\n"
	    "I'm afraid I wasn't able to deliver your message to the"
	    " following addresses.\n"
	    "This is a permanent error; I've given up. Sorry it didn't work"
	    " out.\n"
	    "\n"
	    "<nobody@example.com>:\n"
	    "192.0.2.1 does not like recipient.\n"
	    "Remote host said: 550 5.1.1 <nobody@example.com>... User"
	    " unknown\n"
	    "Giving up on 192.0.2.1.\n"
	    "\n"
	    "--- Below this line is a copy of the message.\n"
	    "\n"
	    "Return-Path: <kim@example.org>\n"
	    "From: kim@example.org\n"
	    "To: other@example.com\n", "--- Below this line");
	const BsRecipient *r;

	g_assert_cmpuint (dsn->recipients->len, ==, 1);
	r = rcpt (dsn, 0);
	g_assert_cmpstr (r->recipient, ==, "nobody@example.com");
	g_assert_cmpstr (r->status, ==, "5.1.1");
	g_assert_cmpstr (r->diagnostic, ==,
	    "192.0.2.1 does not like recipient. Remote host said: 550 5.1.1 "
	    "<nobody@example.com>... User unknown Giving up on 192.0.2.1.");
}

static void
test_exim (void)
{
	g_autoptr(BsDsn) dsn = read_text (
	    "This message was created automatically by mail delivery"
	    " software.\n"
	    "\n"
	    "A message that you sent could not be delivered to one or more"
	    " of its\n"
	    "recipients. This is a permanent error. The following"
	    " address(es) failed:\n"
	    "\n"
	    "  nobody@example.com\n"
	    "    host mx.example.com [192.0.2.1]\n"
	    "    SMTP error from remote mail server after RCPT"
	    " TO:<nobody@example.com>:\n"
	    "    550 5.1.1 User unknown\n"
	    "\n"
	    "------ This is a copy of the message, including all the"
	    " headers. ------\n"
	    "From: kim@example.org\n", "------ This is a copy");
	const BsRecipient *r;

	g_assert_cmpuint (dsn->recipients->len, ==, 1);
	r = rcpt (dsn, 0);
	g_assert_cmpstr (r->recipient, ==, "nobody@example.com");
	g_assert_cmpstr (r->status, ==, "5.1.1");
	g_assert_cmpstr (r->diagnostic, ==,
	    "host mx.example.com [192.0.2.1] SMTP error from remote mail "
	    "server after RCPT TO:<nobody@example.com>: 550 5.1.1 User "
	    "unknown");
}

static void
test_sendmail (void)
{
	g_autoptr(BsDsn) dsn = read_text (
	    "The original message was received at Mon, 1 Jan 2024 10:00:00"
	    " +0000\n"
	    "from client.example.org [192.0.2.9]\n"
	    "\n"
	    "   ----- The following addresses had permanent fatal errors"
	    " -----\n"
	    "<nobody@example.com>\n"
	    "    (reason: 550 5.1.1 <nobody@example.com>... User unknown)\n"
	    "\n"
	    "   ----- Transcript of session follows -----\n"
	    "... while talking to mx.example.com.:\n"
	    ">>> RCPT To:<nobody@example.com>\n"
	    "<<< 550 5.1.1 <nobody@example.com>... User unknown\n"
	    "550 5.1.1 <nobody@example.com>... User unknown\n", NULL);
	const BsRecipient *r;

	/* The transcript names the same address again: listed once. */
	g_assert_cmpuint (dsn->recipients->len, ==, 1);
	r = rcpt (dsn, 0);
	g_assert_cmpstr (r->recipient, ==, "nobody@example.com");
	g_assert_cmpstr (r->status, ==, "5.1.1");
	g_assert_cmpstr (r->diagnostic, ==,
	    "(reason: 550 5.1.1 <nobody@example.com>... User unknown)");
}

static void
test_no_recipients (void)
{
	g_autoptr(BsDsn) a = read_text (
	    "Hello Kim,\n\nplease call me at 555-1234 about the 5 pm meeting."
	    "\nThanks, Bob\n", NULL);
	g_autoptr(BsDsn) b = read_text ("", NULL);
	g_autoptr(BsDsn) c = bs_dsn_new ();

	g_assert_cmpuint (a->recipients->len, ==, 0);
	g_assert_cmpuint (b->recipients->len, ==, 0);
	bs_bounce_text_recipients (NULL, 0, rules, c);
	g_assert_cmpuint (c->recipients->len, ==, 0);
}

static void
test_already_listed (void)
{
	g_autoptr(BsDsn) dsn = bs_dsn_new ();
	BsRecipient *r = bs_recipient_new ();
	const char *text = "<Nobody@Example.com>: host mx.example.com said:"
	    " 550 5.1.1 unknown\n";

	/* A recipient the delivery-status part named already is not
	 * added again from the prose. */
	r->recipient = g_strdup ("nobody@example.com");
	r->status = g_strdup ("5.1.1");
	bs_dsn_add_recipient (dsn, r);
	bs_bounce_text_recipients (text, strlen (text), rules, dsn);
	g_assert_cmpuint (dsn->recipients->len, ==, 1);
}

static void
test_status (void)
{
	static const struct {
		const char *text;
		const char *status;
	} cases[] = {
		{ "550 5.1.1 user unknown", "5.1.1" },
		{ "452 4.2.2 over quota", "4.2.2" },
		{ "(#5.1.1)", "5.1.1" },
		{ "status 5.7.26, unauthenticated", "5.7.26" },
		{ "ends with 5.1.1.", "5.1.1" },
		{ "2.0.0 ok", "2.0.0" },
		{ "192.168.1.1", NULL },
		{ "10.5.1.1.2", NULL },
		{ "host 192.0.2.5 said", NULL },
		{ "5.1.1234", NULL },
		{ "3.1.1 not a class", NULL },
		{ "5.1. broken", NULL },
		{ "5..1", NULL },
		{ "", NULL },
	};
	gsize i;

	for (i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autofree char *s = bs_bounce_text_status (cases[i].text);

		g_test_message ("status in \"%s\"", cases[i].text);
		g_assert_cmpstr (s, ==, cases[i].status);
	}
	g_assert_null (bs_bounce_text_status (NULL));
}

/* A list of "addr: reason" lines with no blank line between them: each
 * recipient gets its own line's reason, whole (OpenSMTPD). */
static void
test_list_without_blank_lines (void)
{
	g_autoptr(BsDsn) dsn = read_text (
	    "    An error has occurred while attempting to deliver a message "
	    "for\n    the following list of recipients:\n"
	    "\n"
	    "full@example.jp: 550 5.2.2 <full@example.jp>... Mailbox Full\n"
	    "gone@example.jp: 550 5.1.1 <gone@example.jp>... User Unknown\n"
	    "\n"
	    "    Below is a copy of the original message:\n", "    Below");

	g_assert_cmpuint (dsn->recipients->len, ==, 2);
	g_assert_cmpstr (rcpt (dsn, 0)->recipient, ==, "full@example.jp");
	g_assert_cmpstr (rcpt (dsn, 0)->diagnostic, ==,
	    "550 5.2.2 <full@example.jp>... Mailbox Full");
	g_assert_cmpstr (rcpt (dsn, 0)->status, ==, "5.2.2");
	g_assert_cmpstr (rcpt (dsn, 1)->recipient, ==, "gone@example.jp");
	g_assert_cmpstr (rcpt (dsn, 1)->diagnostic, ==,
	    "550 5.1.1 <gone@example.jp>... User Unknown");
	g_assert_cmpstr (rcpt (dsn, 1)->status, ==, "5.1.1");
}

/* Exchange 2003: "addr on <date>", then the reason indented below. */
static void
test_exchange2003 (void)
{
	g_autoptr(BsDsn) dsn = read_text (
	    "Your message did not reach some or all of the intended "
	    "recipients.\n"
	    "\n"
	    "The following recipient(s) could not be reached:\n"
	    "\n"
	    "kim@example.jp on Thu, 29 Apr 2010 00:00:00 -0000\n"
	    "    The recipient name is not recognized\n"
	    "    MSEXCH:IMS:NNN:CAT 0 (000C05A6) Unknown Recipient\n", NULL);

	g_assert_cmpuint (dsn->recipients->len, ==, 1);
	g_assert_cmpstr (rcpt (dsn, 0)->recipient, ==, "kim@example.jp");
	g_assert_cmpstr (rcpt (dsn, 0)->diagnostic, ==, "The recipient name is "
	    "not recognized MSEXCH:IMS:NNN:CAT 0 (000C05A6) Unknown "
	    "Recipient");
}

int
main (int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	int ret;

	g_test_init (&argc, &argv, NULL);
	rules = bs_rules_load_builtin (FALSE, &error);
	g_assert_no_error (error);
	g_test_add_func ("/bounce-text/postfix", test_postfix);
	g_test_add_func ("/bounce-text/exchange2003", test_exchange2003);
	g_test_add_func ("/bounce-text/list-without-blank-lines",
	    test_list_without_blank_lines);
	g_test_add_func ("/bounce-text/qmail", test_qmail);
	g_test_add_func ("/bounce-text/exim", test_exim);
	g_test_add_func ("/bounce-text/sendmail", test_sendmail);
	g_test_add_func ("/bounce-text/no-recipients", test_no_recipients);
	g_test_add_func ("/bounce-text/already-listed", test_already_listed);
	g_test_add_func ("/bounce-text/status", test_status);
	ret = g_test_run ();
	bs_rules_free (rules);
	return ret;
}
