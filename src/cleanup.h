/* cleanup.h: what a scan does after each message and at its end for
 * --summary, --report and --move-to: feeds each record (scan-record.h) to
 * the summary and moves backscatter, then writes the summary, the page
 * and the mbox copies.  The scan loop calls it in input order. */
#pragma once

#include <stdio.h>

#include <glib.h>

#include "scan-record.h"

typedef struct {
	gboolean summary;	/* --summary: print it at the end */
	gboolean json;		/* ... as one JSON object */
	const char *report;	/* --report FILE.html, or NULL */
	const char *move_to;	/* --move-to FOLDER, or NULL */
	gboolean dry_run;	/* --dry-run */
	gboolean mbox_rewrite;	/* --mbox-rewrite */
	gboolean force_copy;	/* copy even on one file system (tests:
				 * BS_MOVE_FORCE_COPY=1) */
} BsCleanupOptions;

typedef struct _BsCleanup BsCleanup;

/* Makes the --move-to folder (unless dry_run).
 * Returns: (transfer full) (nullable) */
BsCleanup *bs_cleanup_new (const BsCleanupOptions *options, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
void bs_cleanup_free (BsCleanup *cleanup);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsCleanup, bs_cleanup_free)

/* Counts record, and moves it when it is backscatter in a Maildir or MH
 * folder (an mbox's are copied at the end).  Lines about moves go to
 * out (--dry-run) and err (failures). */
void bs_cleanup_add (BsCleanup *cleanup, const BsScanRecord *record,
    FILE *out, FILE *err);

/* Copies (and rewrites) the mboxes, prints the summary on out, writes the
 * report, and says on err how many moved.  FALSE when a message could not
 * be moved or the report not written (each said on err already). */
gboolean bs_cleanup_finish (BsCleanup *cleanup, FILE *out, FILE *err);
