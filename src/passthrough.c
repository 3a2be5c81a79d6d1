/* passthrough.c: filter mode, the raw message re-emitted with our header.
 *
 * We scan the raw bytes ourselves rather than ask GMime, because GMime
 * would re-serialise the message and because the scan must follow the very
 * line structure we copy.  Everything we do not remove is written with
 * write(2) in as few contiguous runs as possible: one run before our field,
 * our field, then one run per gap between removed fields.
 */
#include "passthrough.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#define FIELD_NAME "X-Backscatter"
#define FOLD_COLUMNS 78
#define TAB_WIDTH 8
#define COPY_CHUNK (64 * 1024)

/* How lines end: LF covers CRLF too, since CRLF lines end at their "\n". */
typedef enum {
	EOL_LF,
	EOL_CRLF,
	EOL_CR,
} EolKind;

/* One line of the message: [start, content_end) is its text, [content_end,
 * next) its line ending, which is empty when the line is not terminated. */
typedef struct {
	gsize start;
	gsize content_end;
	gsize next;
	bool terminated;
} Line;

G_DEFINE_QUARK (bs-passthrough-error-quark, bs_passthrough_error)

static EolKind
detect_eol_kind (const guint8 *data, gsize len)
{
	gsize i;

	for (i = 0; i < len; i++) {
		if (data[i] == '\n')
			return EOL_LF;
		if (data[i] == '\r') {
			if (i + 1 < len && data[i + 1] == '\n')
				return EOL_CRLF;
			return EOL_CR;
		}
	}
	return EOL_LF;
}

const char *
bs_passthrough_detect_eol (const guint8 *data, gsize len)
{
	g_return_val_if_fail (data != NULL || len == 0, "\n");

	switch (detect_eol_kind (data, len)) {
	case EOL_LF:
		return "\n";
	case EOL_CRLF:
		return "\r\n";
	case EOL_CR:
		return "\r";
	}
	return "\n";
}

/*
 * Finds the line that starts at pos.  For LF and CRLF mail a line ends at
 * "\n" (a "\r" before it belongs to the ending, so "\r\n" alone is an empty
 * line), and a lone "\r" is just a byte of the line, as MTAs see it.  For
 * bare-CR mail "\r", "\r\n" and "\n" all end a line.  In a prefix (!complete)
 * a "\r" at the very end may be the first half of "\r\n", so such a line
 * counts as not terminated.
 */
static Line
next_line (const guint8 *data, gsize len, gsize pos, EolKind kind,
    bool complete)
{
	Line l = { pos, len, len, false };
	const guint8 *nl;
	gsize i;

	switch (kind) {
	case EOL_LF:
	case EOL_CRLF:
		nl = memchr (data + pos, '\n', len - pos);
		if (nl == NULL)
			return l;
		i = (gsize) (nl - data);
		l.content_end = (i > pos && data[i - 1] == '\r') ? i - 1 : i;
		l.next = i + 1;
		l.terminated = true;
		return l;
	case EOL_CR:
		for (i = pos; i < len; i++) {
			if (data[i] == '\n') {
				l.content_end = i;
				l.next = i + 1;
				l.terminated = true;
				return l;
			}
			if (data[i] == '\r') {
				if (i + 1 == len && !complete)
					return l;
				l.content_end = i;
				l.next = (i + 1 < len && data[i + 1] == '\n') ?
				    i + 2 : i + 1;
				l.terminated = true;
				return l;
			}
		}
		return l;
	}
	return l;
}

/* Does this line start an X-Backscatter field?  Name in any case, then
 * optional blanks (obsolete syntax, still seen), then ':'.  A longer name
 * such as X-Backscatter-Foo is somebody else's field. */
static bool
is_our_field (const guint8 *data, const Line *l)
{
	static const char name[] = FIELD_NAME;
	gsize n = sizeof name - 1;
	gsize i;

	if (l->content_end - l->start < n)
		return false;
	for (i = 0; i < n; i++) {
		if (g_ascii_tolower ((gchar) data[l->start + i]) !=
		    g_ascii_tolower (name[i]))
			return false;
	}
	for (i = l->start + n; i < l->content_end; i++) {
		if (data[i] != ' ' && data[i] != '\t')
			break;
	}
	return i < l->content_end && data[i] == ':';
}

/* Waits until fd is ready, for a descriptor someone made non-blocking. */
static gboolean
wait_fd (int fd, short events)
{
	struct pollfd pfd = { fd, events, 0 };

	for (;;) {
		if (poll (&pfd, 1, -1) >= 0)
			return TRUE;
		if (errno != EINTR)
			return FALSE;
	}
}

static gboolean
write_all (int fd, const guint8 *buf, gsize len, GError **error)
{
	ssize_t n;
	int saved;

	while (len > 0) {
		n = write (fd, buf, MIN (len, (gsize) G_MAXSSIZE));
		if (n > 0) {
			buf += n;
			len -= (gsize) n;
			continue;
		}
		/* write(2) returning 0 for a non-empty buffer makes no
		 * progress; report it rather than spin. */
		saved = n < 0 ? errno : ENOSPC;
		if (saved == EINTR)
			continue;
		if ((saved == EAGAIN || saved == EWOULDBLOCK) &&
		    wait_fd (fd, POLLOUT))
			continue;
		g_set_error (error, BS_PASSTHROUGH_ERROR,
		    BS_PASSTHROUGH_ERROR_WRITE, "cannot write the message: %s",
		    g_strerror (saved));
		return FALSE;
	}
	return TRUE;
}

/* Column after text, counting a tab to the next multiple of TAB_WIDTH. */
static gsize
advance (gsize col, const char *text, gsize len)
{
	gsize i;

	for (i = 0; i < len; i++) {
		if (text[i] == '\t')
			col = (col / TAB_WIDTH + 1) * TAB_WIDTH;
		else
			col++;
	}
	return col;
}

char *
bs_passthrough_format_header (const char *value, const char *eol)
{
	g_autofree char *clean = NULL;
	GString *out;
	const char *p;
	const char *q;
	const char *end;
	const char *next;
	const char *sep = "";
	const char *next_sep;
	gsize col;
	gsize joined;
	bool first = true;

	g_return_val_if_fail (value != NULL, NULL);
	g_return_val_if_fail (eol != NULL && *eol != '\0', NULL);

	/* A line break inside the value would let it start a field of its
	 * own; outer blanks would leave a blank continuation line. */
	clean = g_strdup (value);
	g_strdelimit (clean, "\r\n", ' ');
	g_strstrip (clean);

	out = g_string_new (FIELD_NAME ": ");
	col = out->len;
	for (p = clean; *p != '\0'; p = next) {
		/* The part runs up to and including the next separator.  After
		 * g_strstrip there is always text after a separator. */
		end = NULL;
		next = NULL;
		next_sep = "";
		for (q = p; *q != '\0'; q++) {
			if (q[0] == ';' && q[1] == ' ') {
				end = q + 1;
				next = q + 2;
				next_sep = " ";
				break;
			}
			if (q[0] == ',') {
				end = q + 1;
				next = q + 1;
				break;
			}
		}
		if (end == NULL) {
			end = q;
			next = q;
		}

		joined = advance (advance (col, sep, strlen (sep)), p,
		    (gsize) (end - p));
		if (!first && joined > FOLD_COLUMNS) {
			g_string_append (out, eol);
			g_string_append_c (out, '\t');
			col = advance (TAB_WIDTH, p, (gsize) (end - p));
		} else {
			g_string_append (out, sep);
			col = joined;
		}
		g_string_append_len (out, p, end - p);
		sep = next_sep;
		first = false;
	}
	g_string_append (out, eol);
	return g_string_free (out, FALSE);
}

gboolean
bs_passthrough_write (const guint8 *data, gsize len, gboolean complete,
    const char *value, int out_fd, GError **error)
{
	g_autofree char *header = NULL;
	EolKind kind;
	Line l;
	gsize top = 0;
	gsize run = 0;
	gsize pos;
	gsize field_end;
	bool field_open;

	g_return_val_if_fail (data != NULL || len == 0, FALSE);
	g_return_val_if_fail (value != NULL, FALSE);
	g_return_val_if_fail (out_fd >= 0, FALSE);
	g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

	/* Empty input may come as NULL; NULL + 0 is undefined in C. */
	if (data == NULL)
		data = (const guint8 *) "";
	kind = detect_eol_kind (data, len);
	header = bs_passthrough_format_header (value,
	    bs_passthrough_detect_eol (data, len));

	/* An mbox "From " line must stay first.  One that never ends (or
	 * whose end lies beyond a prefix) has no "after"; our field then goes
	 * on top rather than be glued to its end. */
	if (len >= 5 && memcmp (data, "From ", 5) == 0) {
		l = next_line (data, len, 0, kind, complete);
		if (l.terminated)
			top = l.next;
	}

	if (!write_all (out_fd, data, top, error))
		return FALSE;
	if (!write_all (out_fd, (const guint8 *) header, strlen (header),
	    error))
		return FALSE;

	run = top;
	pos = top;
	while (pos < len) {
		l = next_line (data, len, pos, kind, complete);
		if (l.terminated && l.content_end == l.start)
			break;	/* the empty line: the body follows */
		if (!is_our_field (data, &l)) {
			pos = l.next;
			continue;
		}

		field_end = l.next;
		field_open = !l.terminated;
		while (!field_open && field_end < len &&
		    (data[field_end] == ' ' || data[field_end] == '\t')) {
			l = next_line (data, len, field_end, kind, complete);
			field_end = l.next;
			field_open = !l.terminated;
		}

		/* In a prefix, a field that reaches its end may continue in
		 * the part the caller copies; removing only its start would
		 * glue the rest to the field before.  Keep it and stop. */
		if (!complete && (field_open || field_end == len))
			break;

		if (!write_all (out_fd, data + run, pos - run, error))
			return FALSE;
		run = field_end;
		pos = field_end;
	}

	return write_all (out_fd, data + run, len - run, error);
}

gboolean
bs_passthrough_copy_fd (int in_fd, int out_fd, GError **error)
{
	g_autofree guint8 *buf = NULL;
	ssize_t n;
	int saved;

	g_return_val_if_fail (in_fd >= 0, FALSE);
	g_return_val_if_fail (out_fd >= 0, FALSE);
	g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

	buf = g_malloc (COPY_CHUNK);
	for (;;) {
		n = read (in_fd, buf, COPY_CHUNK);
		if (n == 0)
			return TRUE;
		if (n > 0) {
			if (!write_all (out_fd, buf, (gsize) n, error))
				return FALSE;
			continue;
		}
		saved = errno;
		if (saved == EINTR)
			continue;
		if ((saved == EAGAIN || saved == EWOULDBLOCK) &&
		    wait_fd (in_fd, POLLIN))
			continue;
		g_set_error (error, BS_PASSTHROUGH_ERROR,
		    BS_PASSTHROUGH_ERROR_READ, "cannot read the message: %s",
		    g_strerror (saved));
		return FALSE;
	}
}
