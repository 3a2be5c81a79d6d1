/* cleanup.c: --summary, --report and --move-to over the records of a
 * scan; see cleanup.h. */
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "html-report.h"
#include "move.h"
#include "report.h"
#include "summary.h"

/* The chart of --summary fits an 80-column terminal. */
#define BAR_WIDTH 50

struct _BsCleanup {
	BsCleanupOptions options;
	char *report;
	BsSummary *summary;
	BsMover *mover;
	/* mbox path -> GArray of the From-line offsets of its backscatter;
	 * the mboxes in the order first seen. */
	GHashTable *mboxes;
	GPtrArray *mbox_order;
	guint64 moved, copied, failed;
	FILE *out, *err;
};

BsCleanup *
bs_cleanup_new (const BsCleanupOptions *options, GError **error)
{
	g_autoptr(BsCleanup) c = g_new0 (BsCleanup, 1);

	c->options = *options;
	c->report = g_strdup (options->report);
	c->options.report = c->report;
	c->options.move_to = NULL;
	c->summary = bs_summary_new ();
	c->mboxes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
	    (GDestroyNotify) g_array_unref);
	c->mbox_order = g_ptr_array_new_with_free_func (g_free);
	if (options->move_to != NULL) {
		c->mover = bs_mover_new (options->move_to, options->dry_run,
		    error);
		if (c->mover == NULL)
			return NULL;
		bs_mover_set_force_copy (c->mover, options->force_copy);
	}
	return g_steal_pointer (&c);
}

void
bs_cleanup_free (BsCleanup *c)
{
	if (c == NULL)
		return;
	g_free (c->report);
	bs_summary_free (c->summary);
	bs_mover_free (c->mover);
	g_hash_table_destroy (c->mboxes);
	g_ptr_array_free (c->mbox_order, TRUE);
	g_free (c);
}

static void
say (FILE *f, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
say (FILE *f, const char *fmt, ...)
{
	va_list ap;

	if (f == stderr)
		fputs ("backscatter-check: ", f);
	va_start (ap, fmt);
	vfprintf (f, fmt, ap);
	va_end (ap);
	fputc ('\n', f);
}

void
bs_cleanup_add (BsCleanup *c, const BsScanRecord *r, FILE *out, FILE *err)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dest = NULL;
	g_autofree char *shown = NULL;
	GArray *offsets;

	bs_summary_add (c->summary, r);
	if (c->mover == NULL || r->unclassified != NULL
	    || r->verdict != BS_VERDICT_BACKSCATTER)
		return;
	if (r->offset >= 0) {
		/* One mbox named twice (-r over its folder and by name, a
		 * symbolic link, ./mbox and mbox) is one mbox: rewriting it
		 * twice with the first scan's offsets would hit other mail. */
		g_autofree char *real = realpath (r->file, NULL);
		const char *key = real != NULL ? real : r->file;

		offsets = g_hash_table_lookup (c->mboxes, key);
		if (offsets == NULL) {
			offsets = g_array_new (FALSE, FALSE, sizeof (gint64));
			g_hash_table_insert (c->mboxes, g_strdup (key),
			    offsets);
			g_ptr_array_add (c->mbox_order, g_strdup (key));
		}
		/* Offsets come in file order; the same again is the same
		 * message. */
		if (offsets->len > 0 && g_array_index (offsets, gint64,
		    offsets->len - 1) >= r->offset)
			return;
		g_array_append_val (offsets, r->offset);
		return;
	}
	shown = bs_report_quote_name (r->file);
	if (strcmp (r->file, "-") == 0) {
		say (err, "-: standard input cannot be moved");
		c->failed++;
	} else if (!bs_mover_move_file (c->mover, r->file, &dest, &error)) {
		say (err, "%s: not moved: %s", shown, error->message);
		c->failed++;
	} else if (c->options.dry_run) {
		g_autofree char *to = bs_report_quote_name (dest);

		/* stdout carries the JSON alone. */
		say (c->options.json ? err : out, "would move %s -> %s", shown,
		    to);
		c->moved++;
	} else {
		g_debug ("moved %s to %s", r->file, dest);
		c->moved++;
	}
}

static void
mbox_note (const char *mbox, gint64 offset, const char *dest,
    const GError *error, gpointer data)
{
	BsCleanup *c = data;
	g_autofree char *shown = bs_report_quote_name (mbox);

	if (dest == NULL) {
		say (c->err, "%s: message at byte %" G_GINT64_FORMAT " not "
		    "copied: %s", shown, offset, error->message);
		c->failed++;
		return;
	}
	c->copied++;
	if (c->options.dry_run) {
		g_autofree char *to = bs_report_quote_name (dest);

		say (c->out, "would copy %s at byte %" G_GINT64_FORMAT " -> %s",
		    shown, offset, to);
	}
}

gboolean
bs_cleanup_finish (BsCleanup *c, FILE *out, FILE *err)
{
	gboolean ok = TRUE;
	guint i;

	c->out = c->options.json ? err : out;
	c->err = err;
	for (i = 0; c->mover != NULL && i < c->mbox_order->len; i++) {
		const char *mbox = c->mbox_order->pdata[i];
		GArray *offsets = g_hash_table_lookup (c->mboxes, mbox);
		g_autoptr(GError) error = NULL;
		g_autofree char *shown = bs_report_quote_name (mbox);

		if (!bs_mover_copy_mbox (c->mover, mbox, (gint64 *) (gpointer)
		    offsets->data, offsets->len, c->options.mbox_rewrite,
		    mbox_note, c, &error)) {
			say (err, "%s: %s", shown, error->message);
			ok = FALSE;
		}
	}
	if (c->options.summary && c->options.json) {
		g_autoptr(GError) error = NULL;
		g_autofree char *json = bs_summary_json (c->summary, &error);

		if (json == NULL) {
			say (err, "--json: %s", error->message);
			ok = FALSE;
		} else {
			fprintf (out, "%s\n", json);
		}
	} else if (c->options.summary) {
		g_autofree char *text = bs_summary_text (c->summary, BAR_WIDTH);

		fputs (text, out);
	}
	if (c->report != NULL) {
		g_autoptr(GError) error = NULL;

		if (!bs_html_report_write (c->summary, c->report, &error)) {
			say (err, "%s", error->message);
			ok = FALSE;
		}
	}
	if (c->mover != NULL) {
		gboolean dry = c->options.dry_run;

		say (err, "%s %" G_GUINT64_FORMAT " backscatter message%s, "
		    "%s %" G_GUINT64_FORMAT " from mboxes%s, %" G_GUINT64_FORMAT
		    " left where %s", dry ? "would move" : "moved", c->moved,
		    c->moved == 1 ? "" : "s", dry ? "would copy" : "copied",
		    c->copied, c->options.mbox_rewrite ? (dry ? " and rewrite "
		    "them" : " (rewritten without them)") : "", c->failed,
		    c->failed == 1 ? "it was" : "they were");
	}
	return ok && c->failed == 0;
}
