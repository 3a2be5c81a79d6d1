/* mailbox.c: mailboxes: what they are, their message files, an mbox one
 * message at a time; and the sent mail learning reads.  For learning, a
 * Maildir or MH message is read only up to the end of its header, which
 * is all the ledger keeps: learning a folder then costs little more than
 * listing it. */
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

/* The mbox reader.  buf holds the unread bytes buf[start..end), which
 * begin at file offset pos. */
#define BS_MBOX_CHUNK (64 * 1024)

struct BsMbox {
	int fd;			/* -1: reading data */
	const guint8 *data;
	gsize data_len, data_pos;
	guint8 *buf;
	gsize start, end;
	gboolean eof;
	guint64 pos;
	guint64 file_size;
	guint count;
	gboolean begun;		/* positioned at a From line */
};

BsMbox *
bs_mbox_open (const char *path, GError **error)
{
	BsMbox *mbox;
	struct stat st;
	int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		int saved = errno;

		g_set_error (error, BS_MAILBOX_ERROR, BS_MAILBOX_ERROR_OPEN,
		    "%s: cannot open: %s", path, g_strerror (saved));
		return NULL;
	}
	mbox = g_new0 (BsMbox, 1);
	mbox->fd = fd;
	mbox->buf = g_malloc (BS_MBOX_CHUNK);
	if (fstat (fd, &st) == 0 && S_ISREG (st.st_mode))
		mbox->file_size = (guint64) st.st_size;
	return mbox;
}

BsMbox *
bs_mbox_new_for_data (const char *data, gsize len)
{
	BsMbox *mbox = g_new0 (BsMbox, 1);

	mbox->fd = -1;
	mbox->data = (const guint8 *) data;
	mbox->data_len = len;
	mbox->buf = g_malloc (BS_MBOX_CHUNK);
	return mbox;
}

void
bs_mbox_free (BsMbox *mbox)
{
	if (mbox == NULL)
		return;
	if (mbox->fd >= 0)
		close (mbox->fd);
	g_free (mbox->buf);
	g_free (mbox);
}

guint64
bs_mbox_position (const BsMbox *mbox)
{
	return mbox->pos;
}

guint64
bs_mbox_file_size (const BsMbox *mbox)
{
	return mbox->file_size;
}

/* Makes at least want unread bytes (want <= BS_MBOX_CHUNK) be in buf,
 * unless the input ends first. */
static gboolean
fill (BsMbox *mb, gsize want, GError **error)
{
	if (mb->end - mb->start >= want || mb->eof)
		return TRUE;
	if (mb->start > 0) {
		memmove (mb->buf, mb->buf + mb->start, mb->end - mb->start);
		mb->end -= mb->start;
		mb->start = 0;
	}
	while (mb->end < want && !mb->eof) {
		gsize room = BS_MBOX_CHUNK - mb->end;
		ssize_t n;

		if (mb->fd < 0) {
			n = (ssize_t) MIN (room, mb->data_len - mb->data_pos);
			memcpy (mb->buf + mb->end, mb->data + mb->data_pos,
			    (gsize) n);
			mb->data_pos += (gsize) n;
		} else {
			n = read (mb->fd, mb->buf + mb->end, room);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				int saved = errno;

				g_set_error (error, BS_MAILBOX_ERROR,
				    BS_MAILBOX_ERROR_OPEN, "cannot read: %s",
				    g_strerror (saved));
				return FALSE;
			}
		}
		if (n == 0)
			mb->eof = TRUE;
		mb->end += (gsize) n;
	}
	return TRUE;
}

static void
consume (BsMbox *mb, gsize n)
{
	mb->start += n;
	mb->pos += n;
}

static gboolean
at_from (const BsMbox *mb)
{
	return mb->end - mb->start >= 5
	    && memcmp (mb->buf + mb->start, "From ", 5) == 0;
}

/* Reads past the rest of a line, up to (not past) its newline. */
static gboolean
skip_line (BsMbox *mb, GError **error)
{
	for (;;) {
		const guint8 *nl;

		if (mb->start == mb->end && !fill (mb, 1, error))
			return FALSE;
		if (mb->start == mb->end)
			return TRUE;
		nl = memchr (mb->buf + mb->start, '\n', mb->end - mb->start);
		if (nl != NULL) {
			consume (mb, (gsize) (nl - (mb->buf + mb->start)));
			return TRUE;
		}
		consume (mb, mb->end - mb->start);
	}
}

/* Finds the first From line, past anything before it: at the start, or
 * after a newline. */
static gboolean
find_first (BsMbox *mb, GError **error)
{
	for (;;) {
		const guint8 *p;

		if (!fill (mb, BS_MBOX_CHUNK, error))
			return FALSE;
		if (at_from (mb) || mb->start == mb->end)
			return TRUE;
		p = memmem (mb->buf + mb->start, mb->end - mb->start,
		    "\nFrom ", 6);
		if (p != NULL) {
			consume (mb, (gsize) (p + 1 - (mb->buf + mb->start)));
			return TRUE;
		}
		if (mb->eof) {
			consume (mb, mb->end - mb->start);
			return TRUE;
		}
		consume (mb, mb->end - mb->start - 5);
	}
}

/* Reads n bytes of the message: the first skip of them are not its own
 * (the From line's newline); the rest are appended, or only counted when
 * the message is past max. */
static void
take (BsMbox *mb, gsize *skip, gsize n, GByteArray **out, guint64 max,
    guint64 *size)
{
	gsize s = MIN (*skip, n);

	consume (mb, s);
	*skip -= s;
	n -= s;
	if (*out != NULL && max > 0 && *size + n > max)
		g_clear_pointer (out, g_byte_array_unref);
	if (*out != NULL)
		g_byte_array_append (*out, mb->buf + mb->start, (guint) n);
	*size += n;
	consume (mb, n);
}

gboolean
bs_mbox_next (BsMbox *mb, guint64 max, BsMboxMessage *m, GError **error)
{
	g_autoptr(GByteArray) out = NULL;
	guint64 size = 0;
	gsize skip = 1;

	memset (m, 0, sizeof *m);
	if (!mb->begun) {
		if (!find_first (mb, error))
			return FALSE;
		mb->begun = TRUE;
	}
	if (!fill (mb, 5, error))
		return FALSE;
	if (!at_from (mb))
		return FALSE;	/* the end */
	m->number = ++mb->count;
	m->offset = mb->pos;
	/* The From line, up to its newline, which the search below starts
	 * from: an empty message's next From line is then found as
	 * "\nFrom " like any other. */
	if (!skip_line (mb, error) || !fill (mb, 6, error))
		return FALSE;
	out = g_byte_array_new ();
	for (;;) {
		gsize avail = mb->end - mb->start;
		const guint8 *p = memmem (mb->buf + mb->start, avail,
		    "\nFrom ", 6);

		if (p != NULL) {
			take (mb, &skip, (gsize) (p + 1 - (mb->buf
			    + mb->start)), &out, max, &size);
			break;
		}
		if (mb->eof) {
			take (mb, &skip, avail, &out, max, &size);
			break;
		}
		/* Not at the end, so fill left at least 6 bytes: keep the
		 * last 5, where a separator may begin. */
		take (mb, &skip, avail - 5, &out, max, &size);
		if (!fill (mb, BS_MBOX_CHUNK, error))
			return FALSE;
	}
	/* The empty line a writer adds before the next From line. */
	if (out != NULL && out->len >= 2 && out->data[out->len - 1] == '\n'
	    && out->data[out->len - 2] == '\n') {
		g_byte_array_set_size (out, out->len - 1);
		size--;
	} else if (out != NULL && out->len >= 4
	    && memcmp (out->data + out->len - 4, "\r\n\r\n", 4) == 0) {
		g_byte_array_set_size (out, out->len - 2);
		size -= 2;
	}
	/* A message with no line end of its own but the one its writer
	 * put to end it: bare-CR mail (old Macs, some gateways), which
	 * must stay without LF to be read as it is in a file. */
	if (out != NULL && out->len > 2 && out->data[out->len - 1] == '\n'
	    && memchr (out->data, '\n', out->len - 1) == NULL
	    && memchr (out->data, '\r', out->len - 2) != NULL) {
		g_byte_array_set_size (out, out->len - 1);
		size--;
	}
	m->size = size;
	if (out != NULL)
		m->data = g_byte_array_free_to_bytes (g_steal_pointer (&out));
	return TRUE;
}

static gboolean
read_mbox_messages (BsMbox *mbox, const char *name, BsMailboxFunc func,
    gpointer data, GError **error)
{
	g_autoptr(GError) local = NULL;
	BsMboxMessage m;

	/* Learning needs the header only: a longer message is learned
	 * from its start. */
	while (bs_mbox_next (mbox, 0, &m, &local)) {
		g_autoptr(GBytes) bytes = m.data;
		g_autoptr(BsSentMessage) sm = NULL;
		gsize len = 0;
		const char *d = bytes != NULL ? g_bytes_get_data (bytes, &len) :
		    NULL;

		/* An empty message's bytes are NULL. */
		if (d == NULL)
			d = "";

		sm = bs_mailbox_parse_message (d, len);
		if (!func (sm, data, error))
			return FALSE;
	}
	if (local != NULL) {
		g_set_error (error, BS_MAILBOX_ERROR, BS_MAILBOX_ERROR_OPEN,
		    "%s: %s", name, local->message);
		return FALSE;
	}
	return TRUE;
}

gboolean
bs_mailbox_read_mbox_data (const char *data, gsize len, BsMailboxFunc func,
    gpointer user_data, GError **error)
{
	g_autoptr(BsMbox) mbox = bs_mbox_new_for_data (data, len);

	return read_mbox_messages (mbox, "mbox", func, user_data, error);
}

static gboolean
read_mbox (const char *path, BsMailboxFunc func, gpointer data,
    GError **error)
{
	g_autoptr(BsMbox) mbox = bs_mbox_open (path, error);

	if (mbox == NULL)
		return FALSE;
	return read_mbox_messages (mbox, path, func, data, error);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
	return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* MH messages in number order: "9" before "10". */
static int
compare_numbers (gconstpointer a, gconstpointer b)
{
	const char *x = *(const char *const *) a, *y = *(const char *const *) b;
	gsize lx = strlen (x), ly = strlen (y);

	if (lx != ly)
		return lx < ly ? -1 : 1;
	return strcmp (x, y);
}

/* The files of dir (only the numbered ones in MH), sorted, appended to
 * paths. */
static gboolean
list_folder (const char *dir, gboolean numbered, GPtrArray *paths,
    GError **error)
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
	g_ptr_array_sort (names, numbered ? compare_numbers : compare_names);
	for (i = 0; i < names->len; i++) {
		g_autofree char *p = g_build_filename (dir, names->pdata[i],
		    NULL);

		/* A subfolder of an MH folder is another folder. */
		if (numbered && g_file_test (p, G_FILE_TEST_IS_DIR))
			continue;
		g_ptr_array_add (paths, g_steal_pointer (&p));
	}
	return TRUE;
}

GPtrArray *
bs_mailbox_list (const char *path, BsMailboxKind kind, GError **error)
{
	g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);

	switch (kind) {
	case BS_MAILBOX_MESSAGE:
	case BS_MAILBOX_MBOX:
		g_ptr_array_add (paths, g_strdup (path));
		break;
	case BS_MAILBOX_MAILDIR: {
		g_autofree char *cur = g_build_filename (path, "cur", NULL);
		g_autofree char *new = g_build_filename (path, "new", NULL);

		if ((g_file_test (cur, G_FILE_TEST_IS_DIR)
		    && !list_folder (cur, FALSE, paths, error))
		    || (g_file_test (new, G_FILE_TEST_IS_DIR)
		    && !list_folder (new, FALSE, paths, error)))
			return NULL;
		break;
	}
	case BS_MAILBOX_MH:
		if (!list_folder (path, TRUE, paths, error))
			return NULL;
		break;
	}
	return g_steal_pointer (&paths);
}

GPtrArray *
bs_mailbox_subfolders (const char *path, BsMailboxKind kind)
{
	GPtrArray *dirs = g_ptr_array_new_with_free_func (g_free);
	g_autoptr(GDir) d = g_dir_open (path, 0, NULL);
	const char *name;

	while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
		g_autofree char *p = NULL;

		if (kind == BS_MAILBOX_MAILDIR && (strcmp (name, "cur") == 0
		    || strcmp (name, "new") == 0 || strcmp (name, "tmp") == 0))
			continue;
		/* In a Maildir only the Maildir++ folders; elsewhere no
		 * hidden folder (.git, an MH folder's own dot files). */
		if ((kind == BS_MAILBOX_MAILDIR) != (name[0] == '.'))
			continue;
		p = g_build_filename (path, name, NULL);
		if (!g_file_test (p, G_FILE_TEST_IS_DIR)
		    || g_file_test (p, G_FILE_TEST_IS_SYMLINK))
			continue;
		if (kind == BS_MAILBOX_MAILDIR && !is_dir (p, "cur")
		    && !is_dir (p, "new"))
			continue;
		g_ptr_array_add (dirs, g_steal_pointer (&p));
	}
	g_ptr_array_sort (dirs, compare_names);
	return dirs;
}

/* Every message file of a folder, read up to the end of its header. */
static gboolean
read_folder (const char *path, BsMailboxKind kind, BsMailboxFunc func,
    gpointer data, GError **error)
{
	g_autoptr(GPtrArray) paths = bs_mailbox_list (path, kind, error);
	guint i;

	if (paths == NULL)
		return FALSE;
	for (i = 0; i < paths->len; i++) {
		/* Maildir clients rename new/ to cur/ at any moment. */
		if (!read_one_file (paths->pdata[i], TRUE, func, data, error))
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
	case BS_MAILBOX_MAILDIR:
	case BS_MAILBOX_MH:
		return read_folder (path, kind, func, data, error);
	}
	return FALSE;
}
