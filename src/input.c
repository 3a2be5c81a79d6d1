/* input.c: read one message and parse it. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"

#define READ_CHUNK (64 * 1024)

G_DEFINE_QUARK (bs-input-error-quark, bs_input_error)

void
bs_input_free (BsInput *input)
{
	if (input == NULL)
		return;
	g_free (input->name);
	g_clear_pointer (&input->raw, g_bytes_unref);
	g_clear_object (&input->message);
	g_free (input);
}

BsInput *
bs_input_read_fd (int fd, const char *name, guint64 max_size, GError **error)
{
	g_autoptr(GByteArray) buf = g_byte_array_new ();
	guint64 cap = max_size == 0 ? G_MAXUINT64 : max_size + 1;
	BsInput *input;

	for (;;) {
		gsize want = READ_CHUNK;
		gssize n;

		if ((guint64) buf->len >= cap)
			break;
		if ((guint64) buf->len + want > cap)
			want = (gsize) (cap - buf->len);
		g_byte_array_set_size (buf, buf->len + want);
		n = read (fd, buf->data + buf->len - want, want);
		if (n < 0) {
			int saved = errno;

			g_byte_array_set_size (buf, buf->len - want);
			if (saved == EINTR)
				continue;
			g_set_error (error, BS_INPUT_ERROR,
			    BS_INPUT_ERROR_READ, "%s: read error: %s", name,
			    g_strerror (saved));
			return NULL;
		}
		g_byte_array_set_size (buf, buf->len - want + (gsize) n);
		if (n == 0)
			break;
	}
	input = g_new0 (BsInput, 1);
	input->name = g_strdup (name);
	input->too_large = max_size != 0 && (guint64) buf->len > max_size;
	input->raw = g_byte_array_free_to_bytes (g_steal_pointer (&buf));
	return input;
}

BsInput *
bs_input_read_file (const char *path, guint64 max_size, GError **error)
{
	struct stat st;
	BsInput *input;
	int fd;

	fd = open (path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int saved = errno;

		g_set_error (error, BS_INPUT_ERROR, BS_INPUT_ERROR_OPEN,
		    "%s: cannot open: %s", path, g_strerror (saved));
		return NULL;
	}
	if (fstat (fd, &st) == 0 && S_ISDIR (st.st_mode)) {
		close (fd);
		g_set_error (error, BS_INPUT_ERROR, BS_INPUT_ERROR_OPEN,
		    "%s: is a directory, not a message", path);
		return NULL;
	}
	input = bs_input_read_fd (fd, path, max_size, error);
	close (fd);
	return input;
}

gboolean
bs_input_drain (int fd, GError **error)
{
	char buf[READ_CHUNK];

	for (;;) {
		gssize n = read (fd, buf, sizeof buf);

		if (n == 0)
			return TRUE;
		if (n < 0 && errno != EINTR) {
			int saved = errno;

			g_set_error (error, BS_INPUT_ERROR, BS_INPUT_ERROR_READ,
			    "read error: %s", g_strerror (saved));
			return FALSE;
		}
	}
}

static void
count_warning (gint64 offset, GMimeParserWarning errcode, const char *item,
    gpointer user_data)
{
	guint *warnings = user_data;

	(*warnings)++;
}

GMimeMessage *
bs_input_parse_bytes (const char *data, gsize len, guint *warnings)
{
	g_autoptr(GMimeStream) stream = NULL;
	g_autoptr(GMimeParser) parser = NULL;
	GMimeParserOptions *options;
	GMimeMessage *message;
	guint dummy = 0;

	if (warnings == NULL)
		warnings = &dummy;
	stream = g_mime_stream_mem_new_with_buffer (data, len);
	parser = g_mime_parser_new_with_stream (stream);
	g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
	options = g_mime_parser_options_new ();
	g_mime_parser_options_set_warning_callback (options, count_warning,
	    warnings);
	message = g_mime_parser_construct_message (parser, options);
	g_mime_parser_options_free (options);
	return message;
}

/* Bare-CR mail: GMime only knows LF and CRLF line ends. */
static gboolean
is_bare_cr (const guint8 *data, gsize len)
{
	gsize scan = MIN (len, 64 * 1024);

	return memchr (data, '\n', scan) == NULL
	    && memchr (data, '\r', scan) != NULL;
}

gboolean
bs_input_parse (BsInput *input)
{
	gsize len;
	const guint8 *data = g_bytes_get_data (input->raw, &len);
	g_autofree guint8 *copy = NULL;
	gsize skip = 0;

	if (len > 0 && is_bare_cr (data, len)) {
		gsize i;

		copy = g_memdup2 (data, len);
		for (i = 0; i < len; i++) {
			if (copy[i] == '\r')
				copy[i] = '\n';
		}
		data = copy;
	}
	/* An mbox "From " line is not a header; GMime would take it for
	 * broken header text. */
	if (len >= 5 && memcmp (data, "From ", 5) == 0) {
		const guint8 *nl = memchr (data, '\n', len);

		skip = nl != NULL ? (gsize) (nl - data) + 1 : len;
	}
	g_clear_object (&input->message);
	input->message = bs_input_parse_bytes ((const char *) data + skip,
	    len - skip, &input->parser_warnings);
	return input->message != NULL;
}
