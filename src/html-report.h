/* html-report.h: the --report page: the summary of a scan as one
 * self-contained HTML file, its timeline an inline SVG bar chart.  Nothing
 * on it is loaded from anywhere (no script, font, image or style sheet by
 * URL; a Content-Security-Policy forbids them), and every name from mail
 * is escaped. */
#pragma once

#include <glib.h>

#include "summary.h"

/* The colour of the chart's bars, for tests that look at a rendering. */
#define BS_HTML_REPORT_BAR_COLOUR "#d7263d"

/* Returns: (transfer full) the page. */
char *bs_html_report_render (const BsSummary *summary);

/* Writes the page to path (replacing it atomically). */
gboolean bs_html_report_write (const BsSummary *summary, const char *path,
    GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* text with &, <, >, " and ' escaped, made valid UTF-8, control
 * characters shown as U+FFFD.  Returns: (transfer full) */
char *bs_html_escape (const char *text);
