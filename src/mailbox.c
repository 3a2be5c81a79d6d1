/* mailbox.c: the sent mail learning reads.  A Maildir or MH message is
 * read only up to the end of its header, which is all the ledger keeps:
 * learning a folder then costs little more than listing it. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gmime-compat.h"
#include "input.h"
#include "mailbox.h"
#include "original.h"

G_DEFINE_QUARK (bs-mailbox-error-quark, bs_mailbox_error)

void
bs_sent_message_free (BsSentMessage *m)
{
	if (m == NULL)
		return;
	g_free (m->message_id);
	g_free (m->from);
	g_free (m->recipients);
	g_free (m->subject);
	g_free (m);
}

const char *
bs_mailbox_kind_to_string (BsMailboxKind kind)
{
	switch (kind) {
	case BS_MAILBOX_MESSAGE:
		return "message";
	case BS_MAILBOX_MBOX:
		return "mbox";
	case BS_MAILBOX_MAILDIR:
		return "Maildir";
	case BS_MAILBOX_MH:
		return "MH folder";
	}
	return "message";
}

static void
add_addresses (GString *out, InternetAddressList *list, guint depth)
{
	int i, n;

	if (list == NULL || depth > 4)
		return;
	n = internet_address_list_length (list);
	for (i = 0; i < n; i++) {
		InternetAddress *ia = internet_address_list_get_address (list,
		    i);

		if (INTERNET_ADDRESS_IS_GROUP (ia)) {
			add_addresses (out, internet_address_group_get_members (
			    INTERNET_ADDRESS_GROUP (ia)), depth + 1);
		} else if (INTERNET_ADDRESS_IS_MAILBOX (ia)) {
			const char *a = internet_address_mailbox_get_addr (
			    INTERNET_ADDRESS_MAILBOX (ia));

			if (a == NULL || *a == '\0')
				continue;
			if (out->len > 0)
				g_string_append (out, ", ");
			g_string_append (out, a);
		}
	}
}

static BsSentMessage *
summarise (GMimeMessage *msg)
{
	BsSentMessage *m = g_new0 (BsSentMessage, 1);
	g_autoptr(GString) rcpt = g_string_new (NULL);
	const char *id;
	GDateTime *date;

	if (msg == NULL)
		return m;
	/* g_mime_message_get_message_id decodes the field as lookups do
	 * (g_mime_utils_decode_message_id): no brackets, no comments. */
	id = g_mime_message_get_message_id (msg);
	if (id != NULL && *id != '\0')
		m->message_id = g_strdup (id);
	date = g_mime_message_get_date (msg);
	if (date != NULL)
		m->date = g_date_time_to_unix (date);
	m->from = bs_address_first (g_mime_message_get_from (msg), NULL);
	add_addresses (rcpt, g_mime_message_get_addresses (msg,
	    GMIME_ADDRESS_TYPE_TO), 0);
	add_addresses (rcpt, g_mime_message_get_addresses (msg,
	    GMIME_ADDRESS_TYPE_CC), 0);
	add_addresses (rcpt, g_mime_message_get_addresses (msg,
	    GMIME_ADDRESS_TYPE_BCC), 0);
	if (rcpt->len > 0)
		m->recipients = g_strdup (rcpt->str);
	if (g_mime_message_get_subject (msg) != NULL)
		m->subject = g_strdup (g_mime_message_get_subject (msg));
	return m;
}

/* Where the header ends: after the first empty line, or len. */
static gsize
header_end (const char *data, gsize len)
{
	const char *p = data, *end = data + len;

	while (p < end) {
		const char *nl = memchr (p, '\n', (gsize) (end - p));

		if (nl == NULL)
			return len;
		if (nl == p || (nl == p + 1 && *p == '\r'))
			return (gsize) (nl + 1 - data);
		p = nl + 1;
	}
	return len;
}

BsSentMessage *
bs_mailbox_parse_message (const char *data, gsize len)
{
	g_autoptr(GMimeMessage) msg = NULL;
	gsize hlen;

	/* A leading mbox "From " line is no header field. */
	if (len >= 5 && memcmp (data, "From ", 5) == 0) {
		const char *nl = memchr (data, '\n', len);

		if (nl == NULL)
			return g_new0 (BsSentMessage, 1);
		len -= (gsize) (nl + 1 - data);
		data = nl + 1;
	}
	hlen = header_end (data, len);
	msg = bs_input_parse_bytes (data, hlen);
	return summarise (msg);
}

/* Reads the file up to the end of its header (or BS_MAILBOX_HEADER_MAX).
 * Returns: (transfer full) (nullable) NULL with errno set. */
static GByteArray *
read_header (const char *path)
{
	g_autoptr(GByteArray) buf = g_byte_array_new ();
	gsize scanned = 0;
	int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return NULL;
	while (buf->len < BS_MAILBOX_HEADER_MAX) {
		guint8 chunk[16384];
		ssize_t n = read (fd, chunk, sizeof chunk);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int saved = errno;

			close (fd);
			errno = saved;
			return NULL;
		}
		if (n == 0)
			break;
		g_byte_array_append (buf, chunk, (guint) n);
		/* Look again from a line before the new bytes. */
		scanned = scanned > 2 ? scanned - 2 : 0;
		if (header_end ((const char *) buf->data + scanned,
		    buf->len - scanned) < buf->len - scanned)
			break;
		scanned = buf->len;
	}
	close (fd);
	return g_steal_pointer (&buf);
}

static gboolean
read_one_file (const char *path, gboolean may_vanish, BsMailboxFunc func,
    gpointer data, GError **error)
{
	g_autoptr(GByteArray) buf = read_header (path);
	g_autoptr(BsSentMessage) m = NULL;

	if (buf == NULL) {
		int saved = errno;

		if (may_vanish && saved == ENOENT)
			return TRUE;
		g_set_error (error, BS_MAILBOX_ERROR, BS_MAILBOX_ERROR_OPEN,
		    "%s: cannot read: %s", path, g_strerror (saved));
		return FALSE;
	}
	m = bs_mailbox_parse_message ((const char *) buf->data, buf->len);
	return func (m, data, error);
}

static gboolean
is_number (const char *s)
{
	if (*s == '\0')
		return FALSE;
	for (; *s != '\0'; s++) {
		if (!g_ascii_isdigit (*s))
			return FALSE;
	}
	return TRUE;
}

static gboolean
is_dir (const char *dir, const char *sub)
{
	g_autofree char *p = g_build_filename (dir, sub, NULL);

	return g_file_test (p, G_FILE_TEST_IS_DIR);
}

/* An MH folder: its messages are files named by numbers, and MH writes
 * .mh_sequences beside them. */
static gboolean
looks_mh (const char *path)
{
	g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
	g_autofree char *seq = g_build_filename (path, ".mh_sequences", NULL);
	const char *name;

	if (g_file_test (seq, G_FILE_TEST_EXISTS))
		return TRUE;
	while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
		if (is_number (name))
			return TRUE;
	}
	return FALSE;
}

gboolean
bs_mailbox_kind (const char *path, BsMailboxKind *kind, GError **error)
{
	struct stat st;
	char head[5];
	ssize_t n;
	int fd;

	if (stat (path, &st) != 0) {
		int saved = errno;

		g_set_error (error, BS_MAILBOX_ERROR, BS_MAILBOX_ERROR_OPEN,
		    "%s: cannot open: %s", path, g_strerror (saved));
		return FALSE;
	}
	if (S_ISDIR (st.st_mode)) {
		if (is_dir (path, "cur") || is_dir (path, "new")) {
			*kind = BS_MAILBOX_MAILDIR;
			return TRUE;
		}
		if (looks_mh (path)) {
			*kind = BS_MAILBOX_MH;
			return TRUE;
		}
		g_set_error (error, BS_MAILBOX_ERROR, BS_MAILBOX_ERROR_KIND,
		    "%s: a folder that is neither a Maildir (cur/, new/) nor "
		    "an MH folder (numbered files)", path);
		return FALSE;
	}
	fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int saved = errno;

		g_set_error (error, BS_MAILBOX_ERROR, BS_MAILBOX_ERROR_OPEN,
		    "%s: cannot open: %s", path, g_strerror (saved));
		return FALSE;
	}
	n = read (fd, head, sizeof head);
	close (fd);
	*kind = n == 5 && memcmp (head, "From ", 5) == 0 ? BS_MAILBOX_MBOX :
	    BS_MAILBOX_MESSAGE;
	return TRUE;
}

static gboolean
read_mbox_stream (GMimeStream *stream, BsMailboxFunc func, gpointer data,
    GError **error)
{
	g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream (stream);

	g_mime_parser_set_format (parser, GMIME_FORMAT_MBOX);
	while (!g_mime_parser_eos (parser)) {
		g_autoptr(GMimeMessage) msg = g_mime_parser_construct_message (
		    parser, NULL);
		g_autoptr(BsSentMessage) m = NULL;

		if (msg == NULL)
			break;
		m = summarise (msg);
		if (!func (m, data, error))
			return FALSE;
	}
	return TRUE;
}

gboolean
bs_mailbox_read_mbox_data (const char *data, gsize len, BsMailboxFunc func,
    gpointer user_data, GError **error)
{
	g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer (data,
	    len);

	return read_mbox_stream (stream, func, user_data, error);
}

static gboolean
read_mbox (const char *path, BsMailboxFunc func, gpointer data,
    GError **error)
{
	g_autoptr(GMimeStream) stream = NULL;
	int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		int saved = errno;

		g_set_error (error, BS_MAILBOX_ERROR, BS_MAILBOX_ERROR_OPEN,
		    "%s: cannot open: %s", path, g_strerror (saved));
		return FALSE;
	}
	stream = g_mime_stream_fs_new (fd);	/* owns fd */
	return read_mbox_stream (stream, func, data, error);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
	return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* Every file of dir (only the numbered ones in MH), sorted so that a run is
 * repeatable. */
static gboolean
read_folder (const char *dir, gboolean numbered, BsMailboxFunc func,
    gpointer data, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(GDir) d = g_dir_open (dir, 0, &local);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
	const char *name;
	guint i;

	if (d == NULL) {
		g_set_error (error, BS_MAILBOX_ERROR, BS_MAILBOX_ERROR_OPEN,
		    "%s", local->message);
		return FALSE;
	}
	while ((name = g_dir_read_name (d)) != NULL) {
		if (name[0] == '.' || (numbered && !is_number (name)))
			continue;
		g_ptr_array_add (names, g_strdup (name));
	}
	g_ptr_array_sort (names, compare_names);
	for (i = 0; i < names->len; i++) {
		g_autofree char *p = g_build_filename (dir, names->pdata[i],
		    NULL);

		/* Maildir clients rename new/ to cur/ at any moment. */
		if (!read_one_file (p, TRUE, func, data, error))
			return FALSE;
	}
	return TRUE;
}

gboolean
bs_mailbox_read (const char *path, BsMailboxFunc func, gpointer data,
    GError **error)
{
	BsMailboxKind kind;

	if (!bs_mailbox_kind (path, &kind, error))
		return FALSE;
	switch (kind) {
	case BS_MAILBOX_MESSAGE:
		return read_one_file (path, FALSE, func, data, error);
	case BS_MAILBOX_MBOX:
		return read_mbox (path, func, data, error);
	case BS_MAILBOX_MAILDIR: {
		g_autofree char *cur = g_build_filename (path, "cur", NULL);
		g_autofree char *new = g_build_filename (path, "new", NULL);

		return (!g_file_test (cur, G_FILE_TEST_IS_DIR)
		    || read_folder (cur, FALSE, func, data, error))
		    && (!g_file_test (new, G_FILE_TEST_IS_DIR)
		    || read_folder (new, FALSE, func, data, error));
	}
	case BS_MAILBOX_MH:
		return read_folder (path, TRUE, func, data, error);
	}
	return FALSE;
}
