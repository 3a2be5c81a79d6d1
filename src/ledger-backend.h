/* ledger-backend.h: what a ledger store does, for ledger.c.  Each store
 * (ledger-sqlite.c, ledger-pg.c) keeps the same schema and answers the
 * same questions; ledger.c decides what the answers mean, so that no
 * caller can tell the stores apart. */
#pragma once

#include "ledger.h"

typedef struct {
	void (*close) (BsLedger *ledger);
	gboolean (*begin) (BsLedger *ledger, GError **error);
	/* subject_hash: nullable.  *is_new: the Message-ID was new. */
	gboolean (*add) (BsLedger *ledger, const BsLedgerEntry *entry,
	    const char *subject_hash, gboolean *is_new, GError **error);
	/* Adds to the meta counts kept for readers, then commits. */
	gboolean (*commit) (BsLedger *ledger, GError **error);
	void (*rollback) (BsLedger *ledger);
	/* Deletes what is dated before cutoff, in its own transaction. */
	gboolean (*expire) (BsLedger *ledger, gint64 cutoff, gint64 *removed,
	    GError **error);
	/* id: normalised, nullable.  Fills every field of out but
	 * unidentified's meaning is the caller's. */
	gboolean (*lookup) (BsLedger *ledger, const char *id, gint64 date,
	    BsLedgerLookup *out, GError **error);
	/* Appends to hashes and recipients (both char *, "" for NULL) one
	 * pair per message dated exactly date. */
	gboolean (*at_date) (BsLedger *ledger, gint64 date, GPtrArray *hashes,
	    GPtrArray *recipients, GError **error);
	GPtrArray *(*addresses) (BsLedger *ledger, guint max, GError **error);
} BsLedgerOps;

/* Every store's handle starts with this. */
struct BsLedger {
	const BsLedgerOps *ops;
	char *name;		/* for messages: the path, or the URL without
				 * its password */
	gboolean writable;
	gboolean in_transaction;
	/* Read-only, and no table yet: a first learner is creating it, so
	 * it knows nothing. */
	gboolean empty;
	/* The transaction's learned= and what it added, for meta. */
	gint64 now;
	gint64 added;
	gint64 first, last;	/* oldest and newest new Date, or 0 */
	gint64 unidentified;	/* messages seen without a Message-ID */
};

/* Counts of the mail near a Date, each side, stop at this many: whether
 * there is any is what matters, counting costs a step per row (165,000
 * instructions for the 550 rows of 6 days in a ledger of a million
 * messages over 30 years), and a fleet's ledger holds 100,000 a week. */
#define BS_LEDGER_NEAR_MAX 100
#define BS_LEDGER_WINDOW_SECONDS ((gint64) BS_LEDGER_WINDOW_DAYS * 86400)

BsLedger *bs_ledger_sqlite_open (const char *path, gboolean writable,
    GError **error) G_GNUC_WARN_UNUSED_RESULT;
BsLedger *bs_ledger_pg_open (const char *url, gboolean writable,
    GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Records the first and last Date and the count of a new message in the
 * transaction's tallies. */
void bs_ledger_tally (BsLedger *ledger, const BsLedgerEntry *entry);
