/* milter-policy.h: what backscatter-milter decides without libmilter:
 * its [milter] settings, which mail it looks at, which header fields are
 * forged verdicts, and what it does with a verdict.  Pure functions, so
 * that the unit tests need no MTA. */
#pragma once

#include <glib.h>

#include "rules.h"
#include "score.h"

#define BS_MILTER_ERROR (bs_milter_error_quark ())
GQuark bs_milter_error_quark (void);

typedef enum {
	BS_MILTER_ERROR_CONFIG,
} BsMilterError;

typedef enum {
	BS_MILTER_ACTION_HEADER,	/* add X-Backscatter, accept */
	BS_MILTER_ACTION_REJECT,	/* 550 5.7.1 */
	BS_MILTER_ACTION_QUARANTINE,	/* smfi_quarantine, with the header */
	BS_MILTER_ACTION_DISCARD,	/* accept and drop */
} BsMilterAction;

/* Defaults of the [milter] keys (data/backscatter-check.conf.example). */
#define BS_MILTER_DEFAULT_MAX_SIZE (2 * 1024 * 1024)
#define BS_MILTER_DEFAULT_BUDGET_MS 10000
#define BS_MILTER_DEFAULT_WORKERS 4
#define BS_MILTER_DEFAULT_REMOTE_MAILERS "smtp;esmtp;smtp8;dsmtp;relay"

typedef struct {
	BsMilterAction action;		/* action= */
	/* reject, quarantine and discard act on a backscatter verdict
	 * decided by this tier or a higher one (reject-tier=), with at
	 * least this score (reject-score=; NAN: the threshold).  Below
	 * that bar the message gets the header, as with action=header. */
	BsTier act_tier;
	double act_score;
	guint64 max_size;		/* max-size=: larger is not classified */
	guint budget_ms;		/* time-budget= (seconds in the file) */
	guint workers;			/* workers=: classifying threads */
	char **remote_mailers;		/* remote-mailers= {rcpt_mailer}s */
	gboolean learn;			/* learn=: authenticated mail */
	char *socket;			/* socket=, or NULL */
} BsMilterConfig;

/* Returns: (transfer full) the defaults */
BsMilterConfig *bs_milter_config_new (void);
void bs_milter_config_free (BsMilterConfig *mc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsMilterConfig, bs_milter_config_free)

/* Reads the [milter] group of the config file at path into mc; errors
 * name the file and line. */
gboolean bs_milter_config_load (BsMilterConfig *mc, const char *path,
    GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* "header", "reject", "quarantine", "discard".  Returns: (transfer none) */
const char *bs_milter_action_to_string (BsMilterAction action);

/* Would a mail filter downstream read a header field of this name, as the
 * MTA passes it, as X-Backscatter?  Case, CRs anywhere (maildrop drops
 * them) and blanks at the end (before the colon) do not count; see
 * passthrough.c's model. */
gboolean bs_milter_forged_name (const char *name);

/* Does this field mark the message as an automatic one (RFC 3834
 * Auto-Submitted other than "no", Precedence bulk, junk or auto_reply,
 * X-Autoreply, X-Autorespond), so that it is classified though its
 * envelope sender is not null? */
gboolean bs_milter_auto_marked (const char *name, const char *value);

/* Is the MAIL FROM argument the null sender "<>"? */
gboolean bs_milter_null_sender (const char *mail_from);

/* Is a recipient with this {rcpt_mailer} delivered here?  NULL (the MTA
 * sent no macro) counts as local. */
gboolean bs_milter_local_mailer (const BsMilterConfig *mc,
    const char *rcpt_mailer);

/* What to do with a classified message: the configured action when the
 * verdict is backscatter and passes the bar, else
 * BS_MILTER_ACTION_HEADER. */
BsMilterAction bs_milter_decide (const BsMilterConfig *mc,
    const BsScore *score);

/* The text of the 550 5.7.1 reply: one line of printable ASCII, no '%',
 * at most 400 bytes.  Returns: (transfer full) */
char *bs_milter_reply_text (const char *header_value);
