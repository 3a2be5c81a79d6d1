/* scan-record.h: what the scan of a mailbox hands on about each message,
 * as plain data: the summary (summary.c), the HTML report (html-report.c)
 * and the move (move.c) read only this, never the facts or a GMime tree,
 * so that each is tested without the scan loop. */
#pragma once

#include <glib.h>

#include "facts.h"
#include "score.h"

typedef struct {
	/* Where the message is. */
	char *file;		/* the message's own file (a Maildir or MH
				 * file, or a single message), or the mbox */
	guint64 message;	/* 1-based number in the mbox; 0 otherwise */
	gint64 offset;		/* byte offset of the mbox From line; -1
				 * otherwise */

	/* What it is. */
	const char *unclassified;	/* (transfer none): why it was not
					 * classified ("too-large",
					 * "parse-error", "too-complex"), or
					 * NULL; verdict is then NOT_BOUNCE */
	BsVerdict verdict;
	BsKind kind;
	char *reason;		/* reason class of the first failed
				 * recipient ("user-unknown"), or NULL */
	/* The bouncing server as it names itself: the "by" of the vouched
	 * Received hop of the returned original (the hop it wrote), else
	 * the domain of the report's From; NULL when neither is known. */
	char *server;
	/* The host that handed the forged original to that server: the
	 * vouched hop's client, as "IP" or "IP (rDNS)" when the server's
	 * reverse lookup was not marked forged; NULL when unknown. */
	char *source;
	/* The forged sender: the original's From address, else its
	 * Return-Path or Sender; NULL when the original gave none. */
	char *forged_sender;
	gint64 date;		/* the report's Date, unix seconds; 0 unknown */
} BsScanRecord;

BsScanRecord *bs_scan_record_new (const char *file, guint64 message,
    gint64 offset);
void bs_scan_record_free (BsScanRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsScanRecord, bs_scan_record_free)

/* Fills what it is from a classification. */
void bs_scan_record_fill (BsScanRecord *record, const BsFacts *facts,
    const BsScore *score);

/* "backscatter", "legitimate", "not-bounce" or "unknown" (unclassified).
 * Returns: (transfer none) */
const char *bs_scan_record_verdict (const BsScanRecord *record);
