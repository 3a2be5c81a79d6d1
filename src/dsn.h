/* dsn.h: RFC 3464 / RFC 6533 delivery status notifications. */
#pragma once

#include <glib.h>

/* GMime's types by name only, so that the plain records here (read by
 * score.c) bring no GMime header with them; callers of the functions that
 * take them include gmime-compat.h. */
typedef struct _GMimeMessage GMimeMessage;

typedef struct {
	char *recipient;		/* bare address (Final-Recipient) */
	char *original_recipient;
	char *action;			/* failed, delayed, delivered, ... */
	char *status;			/* "5.1.1" */
	char *remote_mta;
	char *diagnostic;		/* Diagnostic-Code, unfolded */
	char *reason;			/* filled by the reason classifier */
} BsRecipient;

typedef struct {
	char *reporting_mta;
	char *arrival_date;
	char *envelope_id;
	char *received_from_mta;
	GPtrArray *recipients;		/* BsRecipient */
	gboolean structured;		/* from a delivery-status part */
	guint truncated_recipients;	/* beyond BS_DSN_MAX_RECIPIENTS */
} BsDsn;

/* A DSN naming more recipients than this is cut short (and says so). */
#define BS_DSN_MAX_RECIPIENTS 1000

BsDsn *bs_dsn_new (void);
void bs_dsn_free (BsDsn *dsn);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsDsn, bs_dsn_free)

BsRecipient *bs_recipient_new (void);
void bs_recipient_free (gpointer recipient);
/* Appends a recipient unless the cap is reached.  Takes ownership. */
void bs_dsn_add_recipient (BsDsn *dsn, BsRecipient *recipient);

/* Parses the text of a message/delivery-status body: a per-message group,
 * then one group per recipient, separated by blank lines, with folded
 * lines.  Never fails: what cannot be read is left out.
 * Returns: (transfer full) */
BsDsn *bs_dsn_parse_fields (const char *text, gsize len);

/* Finds a delivery-status part (message/delivery-status or
 * message/global-delivery-status) in the top levels of message.
 * Returns: (transfer full) (nullable) the parsed DSN. */
BsDsn *bs_dsn_parse (GMimeMessage *message);

/* Strips "rfc822;" and angle brackets from an address-type field value.
 * Returns: (transfer full) */
char *bs_dsn_clean_address (const char *value);

