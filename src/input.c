/* input.c: read one message and parse it. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ascii.h"
#include "header-decode.h"
#include "input.h"

#define READ_CHUNK (64 * 1024)

G_DEFINE_QUARK (bs-input-error-quark, bs_input_error)

void
bs_input_free (BsInput *input)
{
	if (input == NULL)
		return;
	g_free (input->name);
	/* The message reads from raw: drop it first. */
	g_clear_object (&input->message);
	g_clear_pointer (&input->raw, g_bytes_unref);
	g_free (input);
}

static BsInput *
out_of_memory (const char *name, gsize size, GError **error)
{
	g_set_error (error, BS_INPUT_ERROR, BS_INPUT_ERROR_MEMORY,
	    "%s: out of memory: cannot hold %" G_GSIZE_FORMAT " bytes of the "
	    "message", name, size);
	return NULL;
}

/* Reads fd to its end (or max_size + 1 bytes) into a buffer that starts at
 * the size st gives (64 KiB when it gives none) and doubles when full:
 * growing by a fixed step made realloc copy the whole buffer, and fault in
 * twice its pages, for a 2 KB message. */
static BsInput *
read_fd (int fd, const char *name, guint64 max_size, const struct stat *st,
    GError **error)
{
	guint64 cap = max_size == 0 ? G_MAXUINT64 : max_size + 1;
	gsize size = READ_CHUNK, len = 0;
	g_autofree guint8 *buf = NULL;
	BsInput *input;

	/* A file says how big it is: one read, one allocation. */
	if (st != NULL && S_ISREG (st->st_mode) && st->st_size > 0
	    && (guint64) st->st_size < G_MAXSIZE / 2)
		size = (gsize) st->st_size + 1;
	if ((guint64) size > cap)
		size = (gsize) cap;
	/* g_try_*: with --max-size 0 a message can be larger than memory,
	 * and g_malloc would abort the process (SIGTRAP) where the MTA must
	 * be told to try again later. */
	buf = g_try_malloc (size);
	if (buf == NULL)
		return out_of_memory (name, size, error);
	for (;;) {
		gssize n;

		if ((guint64) len >= cap)
			break;
		if (len == size) {
			guint8 *grown;

			size = (guint64) size * 2 > cap ? (gsize) cap : size * 2;
			grown = g_try_realloc (buf, size);
			if (grown == NULL)
				return out_of_memory (name, size, error);
			buf = grown;
		}
		n = read (fd, buf + len, size - len);
		if (n < 0) {
			int saved = errno;

			if (saved == EINTR)
				continue;
			g_set_error (error, BS_INPUT_ERROR,
			    BS_INPUT_ERROR_READ, "%s: read error: %s", name,
			    g_strerror (saved));
			return NULL;
		}
		if (n == 0)
			break;
		len += (gsize) n;
	}
	/* Doubling leaves up to half the buffer unused: give it back, so that
	 * a memory limit counts the message, not the buffer. */
	if (size - len > READ_CHUNK) {
		guint8 *shrunk = g_try_realloc (buf, MAX (len, 1));

		if (shrunk != NULL)
			buf = shrunk;
	}
	input = g_new0 (BsInput, 1);
	input->name = g_strdup (name);
	input->too_large = max_size != 0 && (guint64) len > max_size;
	input->raw = g_bytes_new_take (g_steal_pointer (&buf), len);
	return input;
}

BsInput *
bs_input_read_fd (int fd, const char *name, guint64 max_size, GError **error)
{
	struct stat st;

	return read_fd (fd, name, max_size, fstat (fd, &st) == 0 ? &st : NULL,
	    error);
}

BsInput *
bs_input_read_file (const char *path, guint64 max_size, GError **error)
{
	struct stat st;
	gboolean have_st;
	BsInput *input;
	int fd;

	fd = open (path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int saved = errno;

		g_set_error (error, BS_INPUT_ERROR, BS_INPUT_ERROR_OPEN,
		    "%s: cannot open: %s", path, g_strerror (saved));
		return NULL;
	}
	have_st = fstat (fd, &st) == 0;
	if (have_st && S_ISDIR (st.st_mode)) {
		close (fd);
		g_set_error (error, BS_INPUT_ERROR, BS_INPUT_ERROR_OPEN,
		    "%s: is a directory, not a message", path);
		return NULL;
	}
	input = read_fd (fd, path, max_size, have_st ? &st : NULL, error);
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

/* Without a warning callback in the options: one makes GMime check every
 * header against the ones before it, which took a third of the parse.
 * hostile: a field holds unclosed encoded-words (header-decode.h), which
 * GMime decodes as it parses the Subject and address fields. */
static GMimeMessage *
parse_stream (GMimeStream *stream, gboolean hostile)
{
	g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream (stream);

	g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
	return g_mime_parser_construct_message (parser,
	    bs_header_decode_options (hostile));
}

/* Does the line [p, p + l) start a header field: a name of printable
 * ASCII without ':', optional blanks, then ':'? */
static gboolean
is_field_start (const guint8 *p, gsize l)
{
	gsize i = 0;

	while (i < l && p[i] > ' ' && p[i] <= '~' && p[i] != ':')
		i++;
	if (i == 0)
		return FALSE;
	while (i < l && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i < l && p[i] == ':';
}

/* A closing delimiter ("--boundary--"), which opens no part. */
static gboolean
is_closing (const guint8 *p, gsize l)
{
	while (l > 0 && (p[l - 1] == '\n' || p[l - 1] == '\r'
	    || p[l - 1] == ' ' || p[l - 1] == '\t'))
		l--;
	return l >= 4 && p[l - 1] == '-' && p[l - 2] == '-';
}

/* Does the line [p, p + l) hold "message/" in any case?  It runs on every
 * header line of a message: look for the rare '/' with memchr, then at the
 * letters before it. */
static gboolean
names_message_type (const guint8 *p, gsize l)
{
	static const char word[] = "message";
	const gsize n = sizeof word - 1;
	const guint8 *end = p + l, *slash;

	for (slash = memchr (p + MIN (l, n), '/', l - MIN (l, n));
	    slash != NULL;
	    slash = memchr (slash + 1, '/', (gsize) (end - slash - 1))) {
		if (bs_ascii_starts_ci ((const char *) slash - n,
		    (const char *) slash, word))
			return TRUE;
	}
	return FALSE;
}

/* The first line end in [p, p + n): LF, or with bare_cr also CR, which
 * the parser of bare-CR mail reads as LF. */
static const guint8 *
find_eol (const guint8 *p, gsize n, gboolean bare_cr)
{
	const guint8 *end = p + n;

	if (!bare_cr)
		return memchr (p, '\n', n);
	/* One pass: memchr for LF would run to the end of a message that has
	 * none, once per line. */
	for (; p < end; p++) {
		if (*p == '\r' || *p == '\n')
			return p;
	}
	return NULL;
}

/* Checks the BS_INPUT_MAX_* limits in one pass over the raw bytes, without
 * allocating, where GMime would find headers: at the top, after a line
 * that starts with "--" (a boundary), and in the block after a header
 * block that names a message/ type or no Content-Type at all (an attached
 * message, or a digest's part).  Body text elsewhere is not counted.
 * bare_cr: data is bare-CR mail, read as GMime will see it (every CR an
 * LF, see CrStream).
 * words: counts unclosed encoded-words in every line and the lines folded
 * under it, body text too, wherever GMime may find a field.
 * Returns: (nullable) which limit the message exceeds, for the log. */
static const char *
check_structure (const guint8 *data, gsize len, gboolean bare_cr,
    BsDecodeScan *words)
{
	guint parts = 0, headers = 0;
	gsize field = 0;	/* bytes of the field being read, 0: none */
	gboolean in_header = TRUE;	/* in a header block */
	gboolean next_header = FALSE;	/* the block after it is one too */
	gboolean has_type = FALSE;	/* the block had a Content-Type */
	gsize pos = 0;

	while (pos < len) {
		const guint8 *p = data + pos;
		const guint8 *nl = find_eol (p, len - pos, bare_cr);
		gsize l = nl != NULL ? (gsize) (nl - p) + 1 : len - pos;
		gboolean blank = l == 1 || (l == 2 && p[0] == '\r');

		if (p[0] != ' ' && p[0] != '\t')
			words->open = 0;
		if (!words->hostile)
			bs_header_decode_scan (words, (const char *) p, l);
		if (l >= 2 && p[0] == '-' && p[1] == '-') {
			if (!is_closing (p, l) && ++parts > BS_INPUT_MAX_PARTS)
				return "more than BS_INPUT_MAX_PARTS parts";
			in_header = TRUE;
			has_type = FALSE;
			next_header = FALSE;
			field = 0;
		} else if (blank) {
			/* A header block ends; an attached message's own
			 * header block may follow. */
			if (in_header)
				next_header = next_header || !has_type;
			in_header = in_header && next_header;
			next_header = FALSE;
			has_type = FALSE;
			field = 0;
		} else if (!in_header) {
			/* body text */
		} else if (field > 0 && (p[0] == ' ' || p[0] == '\t')) {
			field += l;
		} else if (is_field_start (p, l)) {
			if (++headers > BS_INPUT_MAX_HEADERS)
				return "more than BS_INPUT_MAX_HEADERS header "
				    "fields";
			field = l;
			if (g_ascii_strncasecmp ((const char *) p,
			    "Content-Type", 12) == 0)
				has_type = TRUE;
		} else {
			field = 0;
		}
		if (in_header && field > 0 && names_message_type (p,
		    MIN (l, 256)))
			next_header = TRUE;
		if (field > BS_INPUT_MAX_FIELD)
			return "a header field longer than BS_INPUT_MAX_FIELD";
		pos += l;
	}
	return NULL;
}

GMimeMessage *
bs_input_parse_bytes (const char *data, gsize len)
{
	g_autoptr(GMimeStream) stream = NULL;
	BsDecodeScan words = { 0, FALSE };
	const char *why = check_structure ((const guint8 *) data, len, FALSE,
	    &words);

	if (why != NULL) {
		g_debug ("not parsed: %s", why);
		return NULL;
	}
	stream = g_mime_stream_mem_new_with_buffer (data, len);
	return parse_stream (stream, words.hostile);
}

static void
unwrap (gpointer data)
{
	GByteArray *wrap = data;

	(void) g_byte_array_steal (wrap, NULL);	/* not ours to free */
	g_byte_array_unref (wrap);
}

/* A stream over data without copying it: GMime's parts keep referring to
 * their parser's stream, so a copy (g_mime_stream_mem_new_with_buffer)
 * doubled the memory a large message takes.  data must outlive every
 * object made from the stream: BsInput keeps both. */
static GMimeStream *
borrow_stream (const guint8 *data, gsize len)
{
	GByteArray *wrap = g_byte_array_new_take ((guint8 *) data, len);
	GMimeStream *stream = g_mime_stream_mem_new_with_byte_array (wrap);

	g_mime_stream_mem_set_owner (GMIME_STREAM_MEM (stream), FALSE);
	g_object_set_data_full (G_OBJECT (stream), "bs-borrowed", wrap,
	    unwrap);
	return stream;
}

/* Bare-CR mail: GMime only knows LF and CRLF line ends.  A read-only
 * stream over the raw bytes that reads every CR as LF: one byte for one,
 * so offsets stay those of raw, and the substreams the parser makes for
 * part contents are more of the same.  A converted copy of the message
 * doubled the memory bare-CR mail takes. */
typedef struct {
	GMimeStream parent;
	GBytes *bytes;		/* holds data alive */
	const guint8 *data;
	gsize len;
} CrStream;

typedef struct {
	GMimeStreamClass parent_class;
} CrStreamClass;

static GType cr_stream_get_type (void);
G_DEFINE_TYPE (CrStream, cr_stream, GMIME_TYPE_STREAM)

static gint64
cr_stream_end (GMimeStream *stream)
{
	return stream->bound_end != -1 ? stream->bound_end :
	    (gint64) ((CrStream *) stream)->len;
}

static ssize_t
cr_stream_read (GMimeStream *stream, char *buf, size_t len)
{
	CrStream *cs = (CrStream *) stream;
	gint64 left = cr_stream_end (stream) - stream->position;
	size_t n, i;

	if (left < 0) {
		errno = EINVAL;
		return -1;
	}
	n = (guint64) left < len ? (size_t) left : len;
	memcpy (buf, cs->data + stream->position, n);
	for (i = 0; i < n; i++) {
		if (buf[i] == '\r')
			buf[i] = '\n';
	}
	stream->position += (gint64) n;
	return (ssize_t) n;
}

static ssize_t
cr_stream_write (GMimeStream *stream, const char *buf, size_t len)
{
	(void) stream;
	(void) buf;
	(void) len;
	errno = EBADF;
	return -1;
}

static gboolean
cr_stream_eos (GMimeStream *stream)
{
	return stream->position >= cr_stream_end (stream);
}

static int
cr_stream_reset (GMimeStream *stream)
{
	(void) stream;
	return 0;	/* g_mime_stream_reset has set the position */
}

static gint64
cr_stream_seek (GMimeStream *stream, gint64 offset, GMimeSeekWhence whence)
{
	gint64 real = stream->position;

	switch (whence) {
	case GMIME_STREAM_SEEK_SET:
		real = offset;
		break;
	case GMIME_STREAM_SEEK_END:
		real = cr_stream_end (stream) + offset;
		break;
	case GMIME_STREAM_SEEK_CUR:
		real = stream->position + offset;
		break;
	}
	if (real < stream->bound_start || real > cr_stream_end (stream)) {
		errno = EINVAL;
		return -1;
	}
	stream->position = real;
	return real;
}

static gint64
cr_stream_tell (GMimeStream *stream)
{
	return stream->position;
}

static gint64
cr_stream_length (GMimeStream *stream)
{
	return cr_stream_end (stream) - stream->bound_start;
}

static GMimeStream *cr_stream_new (GBytes *bytes, gsize offset, gint64 start,
    gint64 end);

static GMimeStream *
cr_stream_substream (GMimeStream *stream, gint64 start, gint64 end)
{
	CrStream *cs = (CrStream *) stream;
	gsize len;
	const guint8 *all = g_bytes_get_data (cs->bytes, &len);

	return cr_stream_new (cs->bytes, (gsize) (cs->data - all), start, end);
}

static void
cr_stream_finalize (GObject *object)
{
	g_clear_pointer (&((CrStream *) object)->bytes, g_bytes_unref);
	G_OBJECT_CLASS (cr_stream_parent_class)->finalize (object);
}

static void
cr_stream_class_init (CrStreamClass *klass)
{
	GMimeStreamClass *sc = GMIME_STREAM_CLASS (klass);

	G_OBJECT_CLASS (klass)->finalize = cr_stream_finalize;
	sc->read = cr_stream_read;
	sc->write = cr_stream_write;
	sc->eos = cr_stream_eos;
	sc->reset = cr_stream_reset;
	sc->seek = cr_stream_seek;
	sc->tell = cr_stream_tell;
	sc->length = cr_stream_length;
	sc->substream = cr_stream_substream;
}

static void
cr_stream_init (CrStream *cs)
{
	(void) cs;
}

/* A stream over bytes from offset on, bounded to [start, end) of that. */
static GMimeStream *
cr_stream_new (GBytes *bytes, gsize offset, gint64 start, gint64 end)
{
	CrStream *cs = g_object_new (cr_stream_get_type (), NULL);
	gsize len;
	const guint8 *data = g_bytes_get_data (bytes, &len);

	cs->bytes = g_bytes_ref (bytes);
	cs->data = data + offset;
	cs->len = len - offset;
	g_mime_stream_construct (GMIME_STREAM (cs), start, end);
	return GMIME_STREAM (cs);
}

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
	g_autoptr(GMimeStream) stream = NULL;
	gboolean bare_cr;
	gsize skip = 0;
	BsDecodeScan words = { 0, FALSE };
	const char *why;

	/* An empty GBytes may hold NULL, and NULL + 0 is undefined in C
	 * (found by fuzz-classify, tests/data/crashers/empty.eml). */
	if (data == NULL)
		data = (const guint8 *) "";
	bare_cr = len > 0 && is_bare_cr (data, len);
	/* An mbox "From " line is not a header; GMime would take it for
	 * broken header text. */
	if (len >= 5 && memcmp (data, "From ", 5) == 0) {
		const guint8 *nl = find_eol (data, len, bare_cr);

		skip = nl != NULL ? (gsize) (nl - data) + 1 : len;
	}
	g_clear_object (&input->message);
	input->refused = NULL;
	why = check_structure (data + skip, len - skip, bare_cr, &words);
	if (why != NULL) {
		g_debug ("%s: not parsed: %s", input->name, why);
		input->refused = "too-complex";
		return FALSE;
	}
	if (bare_cr)
		stream = cr_stream_new (input->raw, skip, 0, -1);
	else
		stream = borrow_stream (data + skip, len - skip);
	input->message = parse_stream (stream, words.hostile);
	return input->message != NULL;
}
