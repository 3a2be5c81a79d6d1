/* bounce-text.h: failed recipients and diagnostics from the prose of
 * non-standard bounces (qmail, old Exim, Exchange, Lotus, ...). */
#pragma once

#include "dsn.h"
#include "rules.h"

/* Diagnostics longer than this are cut: they are for people. */
#define BS_DIAGNOSTIC_MAX 1000

/* Adds to dsn a recipient for each match of the recipient-line set in
 * text (up to the original's copy, if limit is not 0), with the text that
 * follows the match up to the next blank line as its diagnostic and the
 * first RFC 3463 status code in that as its status. */
void bs_bounce_text_recipients (const char *text, gsize len,
    const BsRules *rules, BsDsn *dsn);

/* Some prose bounces copy the delivery-status fields into their text
 * ("Final-Recipient: ...", "Status: 5.1.1", "Diagnostic-Code: ...",
 * Amazon WorkMail): the status and diagnostic they give a recipient of
 * dsn that has none. */
void bs_bounce_text_inline_fields (const char *text, gsize len, BsDsn *dsn);

/* Gives each recipient of dsn that has no diagnostic the first SMTP
 * failure reply ("550 5.1.1 User unknown", with the lines of a multiline
 * reply) found in text, and the status it names. */
void bs_bounce_text_reply_diagnostics (const char *text, gsize len,
    BsDsn *dsn);

/* Some prose bounces copy the delivery-status fields into their text
 * ("Final-Recipient: ...", "Status: 5.1.1", "Diagnostic-Code: ...",
 * Amazon WorkMail): the status and diagnostic they give a recipient of
 * dsn replace those read from the prose. */
void bs_bounce_text_inline_fields (const char *text, gsize len, BsDsn *dsn);

/* Gives each recipient of dsn that has no diagnostic the first SMTP
 * failure reply ("550 5.1.1 User unknown", with the lines of a multiline
 * reply) found in text, and the status it names. */
void bs_bounce_text_reply_diagnostics (const char *text, gsize len,
    BsDsn *dsn);

/* Returns: (transfer full) (nullable) the first enhanced status code
 * ("5.1.1") in text. */
char *bs_bounce_text_status (const char *text);
