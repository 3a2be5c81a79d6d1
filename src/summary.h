/* summary.h: the picture of an attack for a person, from the records of
 * a scan (scan-record.h): totals per verdict, kind and reason, the top
 * bouncing servers, sources and forged senders, and the timeline of the
 * backscatter.  Memory grows with the distinct names and hours seen, never
 * with the messages. */
#pragma once

#include <glib.h>

#include "scan-record.h"

typedef struct _BsSummary BsSummary;

typedef enum {
	BS_SUMMARY_VERDICTS,	/* every message */
	BS_SUMMARY_KINDS,	/* every bounce or other automated reply */
	BS_SUMMARY_REASONS,	/* every bounce with a reason class */
	BS_SUMMARY_SERVERS,	/* backscatter only, from here on */
	BS_SUMMARY_SOURCES,
	BS_SUMMARY_SENDERS,
	BS_SUMMARY_N_TABLES,
} BsSummaryTable;

typedef struct {
	const char *name;	/* owned by the summary */
	guint64 count;
} BsSummaryCount;

typedef struct {
	gint64 start;		/* unix seconds, UTC-aligned */
	guint64 count;
} BsSummaryBucket;

typedef struct {
	gint64 unit;		/* seconds per bucket: 3600, 86400 or a
				 * multiple of 86400; 0 when no dated
				 * backscatter was seen */
	GArray *buckets;	/* BsSummaryBucket, oldest first, gapless */
	guint peak;		/* index of the first fullest bucket */
	gint64 first, last;	/* the first and last backscatter's Date */
	guint64 dated, undated;	/* backscatter with and without a Date */
} BsSummaryTimeline;

BsSummary *bs_summary_new (void);
void bs_summary_free (BsSummary *summary);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsSummary, bs_summary_free)

void bs_summary_add (BsSummary *summary, const BsScanRecord *record);
guint64 bs_summary_messages (const BsSummary *summary);
guint64 bs_summary_backscatter (const BsSummary *summary);

/* The most frequent names of table, most first, ties by name; at most
 * max (0: all).  The verdicts table always holds all four verdicts.
 * Returns: (transfer container) BsSummaryCount, valid while summary is */
GPtrArray *bs_summary_top (const BsSummary *summary, BsSummaryTable table,
    guint max);

/* Buckets per hour over a span of up to 3 days, else per day, or per N
 * days so that there are at most 120.  Returns: (transfer full) */
BsSummaryTimeline *bs_summary_timeline (const BsSummary *summary);
void bs_summary_timeline_free (BsSummaryTimeline *timeline);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsSummaryTimeline, bs_summary_timeline_free)

/* "hour", "day" or "3 days".  Returns: (transfer full) */
char *bs_summary_unit_name (gint64 unit);
/* "2026-11-27 14:00 UTC".  Returns: (transfer full) */
char *bs_summary_format_time (gint64 t);

/* The --summary text, with bar charts at most bar_width wide.
 * Returns: (transfer full) */
char *bs_summary_text (const BsSummary *summary, guint bar_width);
/* The --summary --json object, no newline.
 * Returns: (transfer full) (nullable) NULL when json-glib cannot be
 * loaded. */
char *bs_summary_json (const BsSummary *summary, GError **error);
