/* progress.c: the progress line of a scan. */
#include <string.h>
#include <unistd.h>

#include "progress.h"

#define BS_PROGRESS_INTERVAL (G_USEC_PER_SEC / 10)

struct BsProgress {
	int fd;
	gint64 started;
	gint64 drawn_at;	/* 0: nothing drawn yet */
	guint64 files_total;
	guint64 bytes_total;
	gboolean shown;
};

BsProgress *
bs_progress_new (int fd)
{
	BsProgress *p = g_new0 (BsProgress, 1);

	p->fd = fd;
	p->started = g_get_monotonic_time ();
	return p;
}

void
bs_progress_set_total (BsProgress *p, guint64 files, guint64 mbox_bytes)
{
	p->files_total = files;
	p->bytes_total = mbox_bytes;
}

static void
put (BsProgress *p, const char *text, gsize len)
{
	while (len > 0) {
		ssize_t n = write (p->fd, text, len);

		if (n <= 0)
			return;		/* a progress line is worth no error */
		text += n;
		len -= (gsize) n;
	}
}

static void
append_size (GString *s, guint64 bytes)
{
	if (bytes >= (guint64) 1 << 30)
		g_string_append_printf (s, "%.1f GB", bytes / 1073741824.0);
	else
		g_string_append_printf (s, "%.1f MB", bytes / 1048576.0);
}

void
bs_progress_update (BsProgress *p, guint64 files, guint64 mbox_messages,
    guint64 mbox_bytes)
{
	gint64 now = g_get_monotonic_time ();
	double elapsed = (now - p->started) / (double) G_USEC_PER_SEC;
	guint64 done = files + mbox_messages;
	double total, fraction;
	g_autoptr(GString) s = NULL;

	if (p->drawn_at != 0 && now - p->drawn_at < BS_PROGRESS_INTERVAL)
		return;
	p->drawn_at = now;
	/* An mbox's messages are not counted ahead: as many more as its
	 * bytes still to read hold, at the rate so far. */
	total = (double) p->files_total;
	if (p->bytes_total > 0 && mbox_bytes > 0)
		total += mbox_messages * (double) p->bytes_total / mbox_bytes;
	fraction = total > 0 ? done / total : 0.0;
	s = g_string_new ("\r\033[Kbackscatter-check: ");
	if (p->bytes_total == 0) {
		g_string_append_printf (s, "%" G_GUINT64_FORMAT "/%"
		    G_GUINT64_FORMAT " messages", done, p->files_total);
	} else {
		g_string_append_printf (s, "%" G_GUINT64_FORMAT " messages, "
		    "%.0f%% of ", done, 100.0 * MIN (fraction, 1.0));
		append_size (s, p->bytes_total + 0);
	}
	if (elapsed > 0.2) {
		g_string_append_printf (s, ", %.0f/s", done / elapsed);
		if (fraction > 0.0 && fraction < 1.0) {
			guint64 left = (guint64) (elapsed * (1.0 - fraction)
			    / fraction + 0.5);

			g_string_append_printf (s, ", %" G_GUINT64_FORMAT
			    ":%02u left", left / 60, (guint) (left % 60));
		}
	}
	put (p, s->str, s->len);
	p->shown = TRUE;
}

void
bs_progress_finish (BsProgress *p)
{
	if (p == NULL)
		return;
	if (p->shown)
		put (p, "\r\033[K", 4);
	g_free (p);
}
