/* fuzz-mailbox.c: the readers --learn-sent runs on the owner's mail: one
 * message read up to the end of its header (bs_mailbox_parse_message,
 * with and without a leading "From " line), and the bytes as an mbox
 * (bs_mailbox_read_mbox_data); and the mbox reader a scan runs
 * (bs_mbox_next), with and without a size cap: messages in order, each
 * within the input, a capped one never held. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "ledger.h"
#include "mailbox.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
	g_mime_init ();
	return 0;
}

static void
check (const BsSentMessage *m)
{
	g_autofree char *again = NULL;

	/* What learning stores is what a lookup finds: normalising an id
	 * that GMime decoded gives it back unchanged. */
	if (m->message_id == NULL)
		return;
	if (*m->message_id == '\0')
		abort ();
	again = bs_ledger_normalise_id (m->message_id);
	(void) again;
}

static gboolean
each (const BsSentMessage *m, gpointer data, GError **error)
{
	guint *n = data;

	check (m);
	return ++*n < 10000;
}

static void
split (const char *data, size_t size, guint64 max)
{
	g_autoptr(BsMbox) mbox = bs_mbox_new_for_data (data, size);
	g_autoptr(GError) error = NULL;
	guint64 last = 0, total = 0;
	guint number = 0;
	BsMboxMessage m;

	while (bs_mbox_next (mbox, max, &m, &error)) {
		g_autoptr(GBytes) bytes = m.data;

		if (m.number != ++number || (number > 1 && m.offset <= last)
		    || m.offset + m.size > size || memcmp (data + m.offset,
		    "From ", 5) != 0)
			abort ();
		if (bytes != NULL && (g_bytes_get_size (bytes) != m.size
		    || (max > 0 && m.size > max)))
			abort ();
		if (bytes == NULL && (max == 0 || m.size <= max))
			abort ();
		last = m.offset;
		total += m.size;
	}
	if (error != NULL || total > size || bs_mbox_position (mbox) > size)
		abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(BsSentMessage) one = NULL;
	g_autofree char *with_from = NULL;
	guint n = 0;

	one = bs_mailbox_parse_message ((const char *) data, size);
	check (one);
	g_clear_pointer (&one, bs_sent_message_free);
	with_from = g_malloc (size + 32);
	memcpy (with_from, "From kim@example.org Fri Apr 23\n", 32);
	memcpy (with_from + 32, data, size);
	one = bs_mailbox_parse_message (with_from, size + 32);
	check (one);
	if (!bs_mailbox_read_mbox_data (with_from, size + 32, each, &n,
	    &error))
		g_clear_error (&error);
	split ((const char *) data, size, 0);
	split (with_from, size + 32, 0);
	split (with_from, size + 32, 64);
	return 0;
}
