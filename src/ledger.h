/* ledger.h: the owner's sent-mail ledger, the Message-IDs (and Dates,
 * Subjects, recipients) the owner sent, learned from the Sent folder or
 * the submission server; and what it says about the original a bounce
 * returns.  It is an SQLite file by default, or a PostgreSQL database
 * that a fleet of servers shares ("postgresql://..."); callers cannot
 * tell the two apart. */
#pragma once

#include <glib.h>

#include "facts.h"

#define BS_LEDGER_ERROR (bs_ledger_error_quark ())
GQuark bs_ledger_error_quark (void);

typedef enum {
	BS_LEDGER_ERROR_OPEN,		/* missing, unreadable, not creatable */
	BS_LEDGER_ERROR_SCHEMA,		/* not a ledger, or corrupt */
	BS_LEDGER_ERROR_NEWER,		/* written by a newer version */
	BS_LEDGER_ERROR_BUSY,		/* locked past the busy timeout */
	BS_LEDGER_ERROR_DB,		/* any other SQLite failure */
} BsLedgerError;

/* The schema this version writes (PRAGMA user_version). */
#define BS_LEDGER_SCHEMA_VERSION 1
/* The ledger "covers" an original's Date when it holds mail sent within
 * this many days of it, and spans it: mail dated before and after it. */
#define BS_LEDGER_WINDOW_DAYS 3
/* How long a learner or a reader waits for a lock, in milliseconds. */
#define BS_LEDGER_BUSY_MS 10000

typedef struct BsLedger BsLedger;

/* One sent message, as learning records it. */
typedef struct {
	const char *message_id;	/* normalised (bs_ledger_normalise_id) */
	gint64 date;		/* unix seconds of Date, 0 when unknown */
	const char *from;	/* bare address, nullable */
	const char *recipients;	/* To, Cc, Bcc addresses, ", ", nullable */
	const char *subject;	/* decoded, nullable; only its hash is kept */
} BsLedgerEntry;

/* What the ledger says about one Message-ID and Date. */
typedef struct {
	gboolean found;
	gint64 found_date;	/* its Date in the ledger, when found */
	gint64 total;		/* messages in the ledger */
	gint64 first, last;	/* Dates of the oldest and newest, or 0 */
	gint64 before, after;	/* messages within the window each side */
	gint64 unidentified;	/* sent messages learning saw without a
				 * Message-ID (and could not record) */
} BsLedgerLookup;

/* What the ledger says about an original without a Message-ID, from
 * its exact Date, Subject and recipients. */
typedef enum {
	BS_LEDGER_MATCH_NONE,	/* nothing was sent at that second */
	BS_LEDGER_MATCH_OTHER,	/* something was, with another Subject or
				 * to other recipients */
	BS_LEDGER_MATCH_SENT,	/* sent: same Date, Subject, a recipient */
} BsLedgerMatch;

/* Returns: (transfer full) $XDG_DATA_HOME/backscatter-check/sent.sqlite */
char *bs_ledger_default_path (void);
/* Does spec name a PostgreSQL ledger (postgresql:// or postgres://, as
 * libpq's connection URIs) rather than an SQLite file? */
gboolean bs_ledger_is_url (const char *spec);

/* Opens path for learning, creating it (mode 0600) and its folders when
 * missing, and bringing its schema to the current version.  A URL
 * (bs_ledger_is_url) connects to PostgreSQL and creates the tables there.
 * Returns: (transfer full) (nullable) */
BsLedger *bs_ledger_open_write (const char *path, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* Opens path read-only (SQLITE_OPEN_READONLY), also in a directory the
 * reader cannot write, or connects to the URL.  Fails on a newer or
 * missing schema.
 * Returns: (transfer full) (nullable) */
BsLedger *bs_ledger_open_read (const char *path, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
void bs_ledger_close (BsLedger *ledger);
/* The path, or the URL without its password, for messages.
 * Returns: (transfer none) */
const char *bs_ledger_name (const BsLedger *ledger);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsLedger, bs_ledger_close)

/* One learn is one transaction (BEGIN IMMEDIATE .. COMMIT). */
gboolean bs_ledger_begin (BsLedger *ledger, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* Records entry; *is_new says whether its Message-ID was new.  An entry
 * without a Message-ID is only counted (BsLedgerLookup.unidentified):
 * the ledger then knows the owner sends such mail. */
gboolean bs_ledger_add (BsLedger *ledger, const BsLedgerEntry *entry,
    gboolean *is_new, GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean bs_ledger_commit (BsLedger *ledger, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
void bs_ledger_rollback (BsLedger *ledger);
/* Deletes messages dated more than days before now; *removed counts
 * them.  Its own transaction. */
gboolean bs_ledger_expire (BsLedger *ledger, guint days, gint64 now,
    gint64 *removed, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* One indexed lookup of message_id (normalised here) and counts around
 * date (0: unknown). */
gboolean bs_ledger_lookup (BsLedger *ledger, const char *message_id,
    gint64 date, BsLedgerLookup *out, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* Looks for mail sent at exactly date (unix seconds) with subject and at
 * least one of recipients (bare addresses, any case), the record of a
 * message without a Message-ID. */
gboolean bs_ledger_match (BsLedger *ledger, gint64 date, const char *subject,
    const char *const *recipients, BsLedgerMatch *out, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* Returns: (transfer full) the From addresses learned, most used first,
 * at most max. */
GPtrArray *bs_ledger_addresses (BsLedger *ledger, guint max, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* Fills facts->ledger_sent, ledger_unsent and ledger_detail from the
 * returned original's Message-ID and Date, or, when it has none, from
 * its Date, Subject and recipients (bs_ledger_match).  Leaves them alone
 * when the ledger does not cover the Date. */
gboolean bs_ledger_judge (BsLedger *ledger, BsFacts *facts, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* The Message-ID as GMime decodes it (no angle brackets, no comments or
 * folding), the same at learning and at lookup.
 * Returns: (transfer full) (nullable) NULL when nothing is left. */
char *bs_ledger_normalise_id (const char *message_id);
