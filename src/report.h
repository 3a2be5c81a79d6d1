/* report.h: what we tell people and programs about one message. */
#pragma once

#include "facts.h"
#include "score.h"

/* One JSON object, no newline: the --json line.  file is the name shown.
 * Returns: (transfer full) (nullable) NULL when json-glib cannot be loaded
 * (bs_json_api says why). */
char *bs_report_json (const char *file, const BsFacts *facts,
    const BsScore *score);

/* The same for the Nth message (from 1) of an mbox file, whose From line
 * is at byte offset: "file", "message", "offset"; message 0 is a file of
 * its own, as bs_report_json. */
char *bs_report_json_at (const char *file, guint message, guint64 offset,
    const BsFacts *facts, const BsScore *score);

/* The readable --explain report, ending in a newline.
 * Returns: (transfer full) */
char *bs_report_explain (const char *file, const BsFacts *facts,
    const BsScore *score);

/* "FILE: VERDICT score=N kind=K".  Returns: (transfer full) */
char *bs_report_line (const char *file, const BsFacts *facts,
    const BsScore *score);

/* The X-Backscatter value: "yes; score=..; threshold=..; kind=..; tests=..".
 * Returns: (transfer full) */
char *bs_report_header_value (const BsFacts *facts, const BsScore *score);

/* The X-Backscatter value of a message we did not classify.
 * Returns: (transfer full) */
char *bs_report_header_unknown (const char *reason);

/* The --json line of a message we did not classify.
 * Returns: (transfer full) (nullable) as bs_report_json */
char *bs_report_json_unknown (const char *file, const char *reason,
    double threshold);
char *bs_report_json_unknown_at (const char *file, guint message,
    guint64 offset, const char *reason, double threshold);

/* name as ls -b shows it, for the lines of verdict mode and --explain: a
 * newline, a control character or a byte that is not UTF-8 is escaped.
 * Returns: (transfer full) */
char *bs_report_quote_name (const char *name);
/* text as a JSON string may hold it: valid UTF-8, and control characters
 * other than tab and newline as U+FFFD (json-glib 1.6 writes some of them
 * unescaped).  Returns: (transfer full) (nullable) NULL for NULL. */
char *bs_report_json_text (const char *text);
