/* html-report.c: the summary as one HTML page with an SVG chart. */
#include <string.h>

#include "html-report.h"

#define CHART_W 760
#define CHART_H 220
#define PLOT_X 50
#define PLOT_Y 10
#define PLOT_W (CHART_W - PLOT_X - 10)
#define PLOT_H (CHART_H - PLOT_Y - 40)

char *
bs_html_escape (const char *text)
{
	g_autofree char *valid = g_utf8_make_valid (text, -1);
	GString *out = g_string_sized_new (strlen (valid));
	const char *p;

	for (p = valid; *p != '\0'; p = g_utf8_next_char (p)) {
		gunichar c = g_utf8_get_char (p);

		switch (c) {
		case '&':
			g_string_append (out, "&amp;");
			break;
		case '<':
			g_string_append (out, "&lt;");
			break;
		case '>':
			g_string_append (out, "&gt;");
			break;
		case '"':
			g_string_append (out, "&quot;");
			break;
		case '\'':
			g_string_append (out, "&#39;");
			break;
		default:
			if (c < 0x20 || (c >= 0x7f && c < 0xa0))
				g_string_append (out, "\xef\xbf\xbd");
			else
				g_string_append_len (out, p,
				    g_utf8_next_char (p) - p);
			break;
		}
	}
	return g_string_free (out, FALSE);
}

static void
append_table (GString *out, const BsSummary *s, BsSummaryTable table,
    const char *title, guint max)
{
	g_autoptr(GPtrArray) top = bs_summary_top (s, table, max);
	guint i;

	g_string_append_printf (out, "<section><h2>%s</h2>\n", title);
	if (top->len == 0) {
		g_string_append (out, "<p class=\"none\">none</p></section>\n");
		return;
	}
	g_string_append (out, "<table>\n");
	for (i = 0; i < top->len; i++) {
		const BsSummaryCount *c = top->pdata[i];
		g_autofree char *name = bs_html_escape (c->name);

		g_string_append_printf (out, "<tr><td class=\"n\">%"
		    G_GUINT64_FORMAT "</td><td>%s</td></tr>\n", c->count, name);
	}
	g_string_append (out, "</table></section>\n");
}

static void
append_chart (GString *out, const BsSummary *s)
{
	g_autoptr(BsSummaryTimeline) t = bs_summary_timeline (s);
	g_autofree char *unit = NULL;
	g_autofree char *first = NULL;
	g_autofree char *last = NULL;
	g_autofree char *peak_at = NULL;
	const BsSummaryBucket *peak;
	double bw;
	guint i;

	g_string_append (out, "<section class=\"wide\"><h2>Timeline of the "
	    "backscatter</h2>\n");
	if (t->unit == 0) {
		g_string_append (out, "<p class=\"none\">no dated backscatter"
		    "</p></section>\n");
		return;
	}
	unit = bs_summary_unit_name (t->unit);
	first = bs_summary_format_time (t->first);
	last = bs_summary_format_time (t->last);
	peak = &g_array_index (t->buckets, BsSummaryBucket, t->peak);
	peak_at = bs_summary_format_time (peak->start);
	g_string_append_printf (out, "<p>Started %s, peaked %s with %"
	    G_GUINT64_FORMAT " in that %s, stopped %s.", first, peak_at,
	    peak->count, unit, last);
	if (t->undated > 0)
		g_string_append_printf (out, " %" G_GUINT64_FORMAT " had no "
		    "Date.", t->undated);
	g_string_append (out, "</p>\n");
	g_string_append_printf (out, "<svg id=\"timeline\" "
	    "width=\"%d\" height=\"%d\" "
	    "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"backscatter per "
	    "%s\">\n", CHART_W, CHART_H, CHART_W, CHART_H, unit);
	g_string_append_printf (out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" "
	    "y2=\"%d\" stroke=\"#444\"/>\n", PLOT_X, PLOT_Y + PLOT_H,
	    PLOT_X + PLOT_W, PLOT_Y + PLOT_H);
	g_string_append_printf (out, "<text x=\"%d\" y=\"%d\" "
	    "text-anchor=\"end\">%" G_GUINT64_FORMAT "</text>\n", PLOT_X - 6,
	    PLOT_Y + 12, peak->count);
	g_string_append_printf (out, "<text x=\"%d\" y=\"%d\" "
	    "text-anchor=\"end\">0</text>\n", PLOT_X - 6, PLOT_Y + PLOT_H);
	bw = (double) PLOT_W / t->buckets->len;
	for (i = 0; i < t->buckets->len; i++) {
		const BsSummaryBucket *b = &g_array_index (t->buckets,
		    BsSummaryBucket, i);
		g_autofree char *when = bs_summary_format_time (b->start);
		double h = peak->count > 0 ? (double) PLOT_H * b->count /
		    peak->count : 0;
		char x[G_ASCII_DTOSTR_BUF_SIZE], y[G_ASCII_DTOSTR_BUF_SIZE];
		char w[G_ASCII_DTOSTR_BUF_SIZE], hh[G_ASCII_DTOSTR_BUF_SIZE];

		if (b->count == 0)
			continue;
		g_ascii_formatd (x, sizeof x, "%.2f", PLOT_X + i * bw +
		    (bw > 3 ? bw * 0.1 : 0));
		g_ascii_formatd (w, sizeof w, "%.2f", bw > 3 ? bw * 0.8 : bw);
		g_ascii_formatd (y, sizeof y, "%.2f", PLOT_Y + PLOT_H - h);
		g_ascii_formatd (hh, sizeof hh, "%.2f", h);
		g_string_append_printf (out, "<rect x=\"%s\" y=\"%s\" "
		    "width=\"%s\" height=\"%s\" fill=\"%s\"><title>%s: %"
		    G_GUINT64_FORMAT "</title></rect>\n", x, y, w, hh,
		    BS_HTML_REPORT_BAR_COLOUR, when, b->count);
	}
	{
		g_autofree char *from = bs_summary_format_time (
		    g_array_index (t->buckets, BsSummaryBucket, 0).start);
		g_autofree char *to = bs_summary_format_time (g_array_index (
		    t->buckets, BsSummaryBucket, t->buckets->len - 1).start);

		g_string_append_printf (out, "<text x=\"%d\" y=\"%d\">%s"
		    "</text>\n<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s"
		    "</text>\n", PLOT_X, PLOT_Y + PLOT_H + 20, from,
		    PLOT_X + PLOT_W, PLOT_Y + PLOT_H + 20, to);
	}
	g_string_append (out, "</svg></section>\n");
}

char *
bs_html_report_render (const BsSummary *s)
{
	GString *out = g_string_new (NULL);

	g_string_append (out, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\">\n"
	    /* Nothing from outside, even if a name slipped past escaping. */
	    "<meta http-equiv=\"Content-Security-Policy\" content=\""
	    "default-src 'none'; style-src 'unsafe-inline'\">\n"
	    "<title>backscatter-check report</title>\n<style>\n"
	    "body{font-family:sans-serif;margin:2em;color:#222;"
	    "background:#fff}\n"
	    "section{display:inline-block;vertical-align:top;"
	    "margin:0 2em 1.5em 0}\n"
	    "section.wide{display:block}\n"
	    "h1{font-size:1.5em}h2{font-size:1.1em}\n"
	    "td{padding:0 .6em 0 0}td.n{text-align:right}\n"
	    "svg text{font-size:12px;fill:#444}\n.none{color:#777}\n"
	    "</style></head><body>\n");
	g_string_append_printf (out, "<h1>backscatter-check: %" G_GUINT64_FORMAT
	    " messages, %" G_GUINT64_FORMAT " backscatter</h1>\n",
	    bs_summary_messages (s), bs_summary_backscatter (s));
	append_chart (out, s);
	append_table (out, s, BS_SUMMARY_VERDICTS, "Verdicts", 0);
	append_table (out, s, BS_SUMMARY_KINDS, "Kinds", 0);
	append_table (out, s, BS_SUMMARY_REASONS, "Reasons", 0);
	g_string_append (out, "<br>\n");
	append_table (out, s, BS_SUMMARY_SERVERS, "Bouncing servers", 10);
	append_table (out, s, BS_SUMMARY_SOURCES,
	    "Hosts that sent them the forged mail", 10);
	append_table (out, s, BS_SUMMARY_SENDERS, "Forged senders", 10);
	g_string_append (out, "</body></html>\n");
	return g_string_free (out, FALSE);
}

gboolean
bs_html_report_write (const BsSummary *s, const char *path, GError **error)
{
	g_autofree char *page = bs_html_report_render (s);

	if (!g_file_set_contents (path, page, -1, error)) {
		g_prefix_error (error, "--report: ");
		return FALSE;
	}
	return TRUE;
}
