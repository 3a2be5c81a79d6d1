/* fuzz-cleanup.c: what --move-to and --summary/--report make of bytes
 * from mail: every message of the bytes as an mbox, cut out
 * (bs_mbox_message_end) and unquoted for a Maildir (bs_mbox_unquote); and
 * the bytes as a name from mail in the summary's text and HTML page. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "html-report.h"
#include "move.h"
#include "summary.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	const char *text = (const char *) data;
	g_autoptr(BsSummary) s = bs_summary_new ();
	g_autoptr(BsScanRecord) r = bs_scan_record_new ("f", 1, 0);
	g_autofree char *name = g_strndup (text, size);
	g_autofree char *summary = NULL;
	g_autofree char *page = NULL;
	gsize at = 0;

	while (at < size) {
		gsize end;

		if (size - at < 5 || memcmp (text + at, "From ", 5) != 0
		    || (at > 0 && text[at - 1] != '\n')) {
			const char *nl = memchr (text + at, '\n', size - at);

			if (nl == NULL)
				break;
			at = (gsize) (nl + 1 - text);
			continue;
		}
		end = bs_mbox_message_end (text, size, at);
		if (end <= at || end > size)
			abort ();
		{
			g_autofree char *flags = NULL;
			g_autoptr(GString) m = bs_mbox_unquote (text + at,
			    end - at, &flags);

			/* Unquoting only ever takes bytes away. */
			if (m->len > end - at || strlen (flags) > 4)
				abort ();
		}
		at = end;
	}

	/* A name from mail, in every place the summary shows one. */
	r->verdict = BS_VERDICT_BACKSCATTER;
	r->kind = BS_KIND_DSN;
	r->reason = g_strdup (name);
	r->server = g_strdup (name);
	r->source = g_strdup (name);
	r->forged_sender = g_strdup (name);
	r->date = size >= 8 ? (gint64) (((guint64) data[0] << 40)
	    | ((guint64) data[1] << 32) | ((guint64) data[2] << 24)) : 0;
	bs_summary_add (s, r);
	summary = bs_summary_text (s, 20);
	page = bs_html_report_render (s);
	/* Nothing from mail opens a tag. */
	if (strstr (page, "<script") != NULL || strchr (summary, '\n') == NULL)
		abort ();
	return 0;
}
