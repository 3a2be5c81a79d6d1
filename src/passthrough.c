/* passthrough.c: filter mode, the raw message re-emitted with our header.
 *
 * We scan the raw bytes ourselves rather than ask GMime, because GMime
 * would re-serialise the message, and because what counts is not what a
 * parser of ours makes of the header but what the filters that read our
 * output do: procmail (and formail), maildrop and Dovecot's Sieve.  A
 * field that any of them takes for X-Backscatter must go, wherever it is.
 *
 * THE MODEL.  How those readers see a header block, from their sources
 * (procmail 3.22 mailfold.c readmail() and formail.c/fields.c readhead(),
 * courier-libs rfc2045.c and rfc2045header.c as maildrop 2.9 uses them,
 * Dovecot 2.3 lib-mail/message-header-parser.c) and checked against the
 * real programs by tests/pipeline/hostile.sh:
 *
 *   - Lines end at LF, for all of them.  A CR is an ordinary byte (procmail,
 *     formail), one CR before LF is dropped (Dovecot), or every CR in a
 *     header is dropped (maildrop).  Nobody ends a line at a bare CR.
 *   - The header block ends at the first empty line, but "empty" differs:
 *     Dovecot takes "\n" and "\r\n", maildrop a line of nothing but CRs
 *     (it skips CRs at the start of a field, and stops at a field that
 *     starts with one), procmail only "\n" (LF LF), and procmail stops
 *     looking at a NUL (strchr), so that after a NUL in the header the whole
 *     message is header to it.  formail stops earlier, at the first line
 *     that is no field.  Their header blocks nest: formail's and maildrop's
 *     inside Dovecot's inside procmail's.  So the header block here is
 *     procmail's: it ends after the first "\n" line, unless a NUL comes
 *     before it, and then it runs to the end.  For CRLF mail this is the
 *     whole message: procmail really does match a body line of CRLF mail
 *     against "^X-Backscatter:".
 *   - A field name is X-Backscatter, in any case, when the line starts with
 *     the name, then blanks (space, tab), then ':' (procmail's
 *     "^X-Backscatter *:", formail, Dovecot, which strips blanks before the
 *     colon); or then NUL (Dovecot and maildrop read names as C strings);
 *     or then the end of the input (maildrop).  maildrop drops CRs first,
 *     so CRs anywhere in the name and the blanks, and before it, count as
 *     nothing: "\rX-Back\rscatter\r:" is an X-Backscatter field to it.
 *   - A line continues the field before it when it starts with a blank:
 *     space or tab (Dovecot, formail), or space, tab, VT or FF after any
 *     CRs (maildrop's isspace() after dropping CRs).  Removing a field
 *     removes all such lines after it, or they would continue the field
 *     before it, which may be ours.
 *
 * We take the union: a line of the header block is removed, with its
 * continuation lines, when any reader may take it for an X-Backscatter
 * field.  A removed line ends at its LF or at a bare CR (a CR before
 * anything but LF): in bare-CR mail the readers see the whole message as
 * one line, and removing that line would lose the mail.  What follows the
 * bare CR is decided afresh, as a line after a removed field: with the
 * name before it gone, the readers see it as the start of a line (and its
 * blank start, if it has one, as a continuation, so it goes too).
 * Where telling would need unbounded look-ahead (a name followed
 * by a megabyte of blanks or CRs), BS_PASSTHROUGH_HOLD_MAX bytes decide
 * and the line goes.  Dovecot's 1000-byte limit on names is not modelled
 * either, in the same direction: removing a line nobody reads as a field
 * is harmless, keeping one somebody does is not.
 *
 * Our field goes first, after a leading mbox "From " line, or else after
 * the LFs that start the message (procmail and formail skip them and read
 * the header after them; Dovecot and maildrop see no header there at all,
 * and so do not see ours either), and after the lines that would continue
 * the line before them (a blank line-start at the very top): before them,
 * they would continue our field.  It ends in
 * LF, or CRLF in CRLF mail; the readers above split lines there.  Whatever
 * it sees, every reader then reads our field as a field of its own and
 * every removed field as gone, since the scan treats the message as the
 * readers see our output: with our field before it.
 *
 * The scan is a state machine fed in chunks, so that the part of a
 * too-large message that is never held in memory is scanned all the same.
 * Only an undecided line start is copied aside (at most
 * BS_PASSTHROUGH_HOLD_MAX bytes); output goes through a buffer, so that
 * the corpus sees few write(2) calls.
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
#define OUT_BUFFER (64 * 1024)

G_DEFINE_QUARK (bs-passthrough-error-quark, bs_passthrough_error)

const char *
bs_passthrough_detect_eol (const guint8 *data, gsize len)
{
	const guint8 *nl;

	g_return_val_if_fail (data != NULL || len == 0, "\n");

	if (len == 0)
		return "\n";
	nl = memchr (data, '\n', len);
	if (nl != NULL && nl > data && nl[-1] == '\r')
		return "\r\n";
	return "\n";
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


/* Where the scan is in the current line. */
typedef enum {
	AT_START,	/* nothing decided; held: only CRs, maybe none */
	IN_NAME,	/* held: a prefix of the name, with CRs */
	IN_TAIL,	/* held: the whole name, then blanks and CRs */
	REST_KEEP,	/* decided: the line goes out, up to its LF */
	REST_DROP,	/* decided: the line is removed, up to its LF or
			 * a bare CR (drop_rest) */
	IN_BODY,	/* after the header block: all goes out */
} ScanState;

/* What a line start turned out to be. */
typedef enum {
	LINE_OTHER,	/* some other line: kept */
	LINE_OURS,	/* an X-Backscatter field: removed */
	LINE_CONT,	/* continues the field before it */
	LINE_END,	/* the empty line that ends the header block */
} LineKind;

typedef struct {
	ScanState state;
	gsize name_pos;		/* IN_NAME: bytes of the name matched */
	bool top;		/* our field is still to be written */
	bool lead;		/* still in the LFs that start the input */
	bool removing;		/* the current field is being removed */
	bool cr_pending;	/* REST_DROP: a CR ended the last chunk */
	bool nul_seen;		/* a NUL went out in the header block */
	guint8 hold[BS_PASSTHROUGH_HOLD_MAX];
	gsize held;
	const char *field;	/* our field, formatted */
	/* The sink: a descriptor, or (out_fd < 0) a model to fill. */
	int out_fd;
	guint8 *buf;
	gsize buf_len;
	BsPassthroughModel *model;
	gsize offset;		/* input bytes consumed so far */
} Scan;

static gboolean
flush_out (Scan *s, GError **error)
{
	gsize n = s->buf_len;

	s->buf_len = 0;
	return write_all (s->out_fd, s->buf, n, error);
}

/* Appends to the output, through the buffer unless it is a long run. */
static gboolean
put (Scan *s, const guint8 *p, gsize n, GError **error)
{
	if (s->out_fd < 0 || n == 0)
		return TRUE;
	if (n >= OUT_BUFFER / 2) {
		return flush_out (s, error) &&
		    write_all (s->out_fd, p, n, error);
	}
	if (s->buf_len + n > OUT_BUFFER && !flush_out (s, error))
		return FALSE;
	memcpy (s->buf + s->buf_len, p, n);
	s->buf_len += n;
	return TRUE;
}

/* Input that goes out.  A NUL in the header block makes procmail read
 * the rest of the message as header too. */
static gboolean
keep (Scan *s, const guint8 *p, gsize n, GError **error)
{
	if (!s->nul_seen && s->state != IN_BODY && memchr (p, '\0', n) != NULL)
		s->nul_seen = true;
	s->offset += n;
	return put (s, p, n, error);
}

/* Input that is removed. */
static void
drop (Scan *s, gsize n)
{
	BsPassthroughSpan span = { s->offset, s->offset + n };
	BsPassthroughSpan *last;

	s->offset += n;
	if (s->model == NULL || n == 0)
		return;
	if (s->model->removed->len > 0) {
		last = &g_array_index (s->model->removed, BsPassthroughSpan,
		    s->model->removed->len - 1);
		if (last->end == span.start) {
			last->end = span.end;
			return;
		}
	}
	g_array_append_val (s->model->removed, span);
}

static gboolean
write_ours (Scan *s, GError **error)
{
	if (!s->top)
		return TRUE;
	s->top = false;
	if (s->model != NULL)
		s->model->insert_at = s->offset;
	return put (s, (const guint8 *) s->field, strlen (s->field), error);
}

/* A line start is decided: deal with the held bytes, and set the state for
 * the rest of the line (the deciding byte included). */
static gboolean
decide (Scan *s, LineKind kind, GError **error)
{
	gsize held = s->held;

	s->held = 0;
	switch (kind) {
	case LINE_CONT:
		/* At the top, it goes before our field rather than continue
		 * it; elsewhere it shares the fate of its field. */
		if (!s->top && s->removing) {
			drop (s, held);
			s->state = REST_DROP;
			return TRUE;
		}
		s->state = REST_KEEP;
		return keep (s, s->hold, held, error);
	case LINE_OURS:
		s->removing = true;
		s->state = REST_DROP;
		if (!write_ours (s, error))
			return FALSE;
		drop (s, held);
		return TRUE;
	case LINE_OTHER:
	case LINE_END:
		s->removing = false;
		s->state = REST_KEEP;
		return write_ours (s, error) && keep (s, s->hold, held, error);
	}
	return TRUE;
}

static bool
is_blank (guint8 c)
{
	return c == ' ' || c == '\t';
}

/*
 * One byte of an undecided line start.  Returns true when it decided the
 * line (*kind set; the byte itself is not held), false when the byte was
 * held.
 */
static bool
classify_byte (Scan *s, guint8 c, LineKind *kind)
{
	static const char name[] = "x-backscatter";
	const gsize name_len = sizeof name - 1;

	/* CRs are nothing to maildrop, and nothing else decides on them. */
	if (c == '\r' || (s->state == IN_TAIL && is_blank (c))) {
		if (s->held == sizeof s->hold) {
			*kind = LINE_OURS;	/* open too long: see above */
			return true;
		}
		s->hold[s->held++] = c;
		return false;
	}
	switch (s->state) {
	case AT_START:
		if (c == '\n') {
			*kind = s->held == 0 && !s->nul_seen ? LINE_END :
			    LINE_OTHER;
			return true;
		}
		if (is_blank (c) || c == '\v' || c == '\f') {
			*kind = LINE_CONT;
			return true;
		}
		if (c != 'x' && c != 'X') {
			*kind = LINE_OTHER;
			return true;
		}
		s->state = IN_NAME;
		s->name_pos = 1;
		break;
	case IN_NAME:
		if (g_ascii_tolower ((gchar) c) != name[s->name_pos]) {
			*kind = LINE_OTHER;
			return true;
		}
		if (++s->name_pos == name_len)
			s->state = IN_TAIL;
		break;
	case IN_TAIL:
		*kind = c == ':' || c == '\0' ? LINE_OURS : LINE_OTHER;
		return true;
	case REST_KEEP:
	case REST_DROP:
	case IN_BODY:
		g_assert_not_reached ();
	}
	if (s->held == sizeof s->hold) {
		*kind = LINE_OURS;
		return true;
	}
	s->hold[s->held++] = c;
	return false;
}

/*
 * The rest of a removed line, up to its LF, or up to a bare CR: the readers
 * see one line there, but what follows a bare CR in bare-CR mail is the
 * rest of the message, and once the name before it is gone, it is read as
 * a line of its own.  So it is decided afresh, as a line start after a
 * removed field.  Returns where the scan goes on.
 */
static const guint8 *
drop_rest (Scan *s, const guint8 *p, const guint8 *end)
{
	const guint8 *q = p;

	if (s->cr_pending) {
		/* The CR that ended the last chunk. */
		s->cr_pending = false;
		if (*q != '\n') {
			s->state = AT_START;
			return q;
		}
		drop (s, 1);
		s->state = AT_START;
		return q + 1;
	}
	for (; q < end; q++) {
		if (*q == '\n') {
			drop (s, (gsize) (q - p) + 1);
			s->state = AT_START;
			return q + 1;
		}
		if (*q != '\r')
			continue;
		if (q + 1 == end) {
			s->cr_pending = true;
			break;
		}
		if (q[1] != '\n') {
			drop (s, (gsize) (q - p) + 1);
			s->state = AT_START;
			return q + 1;
		}
	}
	drop (s, (gsize) (end - p));
	return end;
}

static gboolean
scan_feed (Scan *s, const guint8 *p, gsize n, GError **error)
{
	const guint8 *end = p + n;
	const guint8 *nl;
	LineKind kind;
	gsize run;

	while (p < end) {
		switch (s->state) {
		case IN_BODY:
			return keep (s, p, (gsize) (end - p), error);
		case REST_KEEP:
			nl = memchr (p, '\n', (gsize) (end - p));
			run = nl != NULL ? (gsize) (nl - p) + 1 :
			    (gsize) (end - p);
			if (!keep (s, p, run, error))
				return FALSE;
			p += run;
			if (nl != NULL)
				s->state = AT_START;
			break;
		case REST_DROP:
			p = drop_rest (s, p, end);
			break;
		case AT_START:
		case IN_NAME:
		case IN_TAIL:
			/* procmail and formail skip LFs at the very start
			 * and read the header after them: ours goes there
			 * too, or the header they knew would become body. */
			if (s->lead && s->state == AT_START && s->held == 0 &&
			    *p == '\n') {
				if (!keep (s, p, 1, error))
					return FALSE;
				p++;
				break;
			}
			s->lead = false;
			if (!classify_byte (s, *p, &kind)) {
				p++;	/* held, not yet consumed */
				break;
			}
			if (!decide (s, kind, error))
				return FALSE;
			if (kind == LINE_END) {
				if (!keep (s, p, 1, error))
					return FALSE;
				p++;
				s->state = IN_BODY;
				if (s->model != NULL)
					s->model->header_end = s->offset;
			}
			break;
		}
	}
	return TRUE;
}

/* The end of the input, in whatever state. */
static gboolean
scan_finish (Scan *s, GError **error)
{
	switch (s->state) {
	case AT_START:
	case IN_NAME:
		/* An unterminated last line that is no field of ours. */
		if (!decide (s, LINE_OTHER, error))
			return FALSE;
		break;
	case IN_TAIL:
		/* maildrop reads a name that ends the input as a field. */
		if (!decide (s, LINE_OURS, error))
			return FALSE;
		break;
	case REST_KEEP:
	case REST_DROP:
	case IN_BODY:
		break;
	}
	/* Still at the top: the input ends in its first lines.  Our field
	 * goes last, glued to an unterminated blank-started line if that is
	 * how the input ends: invisible, but nothing forged or lost. */
	if (!write_ours (s, error))
		return FALSE;
	if (s->model != NULL && s->state != IN_BODY)
		s->model->header_end = s->offset;
	return s->out_fd < 0 || flush_out (s, error);
}

/* Sets up a scan of a message that starts with data[0..len). */
static gsize
scan_init (Scan *s, const guint8 *data, gsize len, const char *field)
{
	const guint8 *nl;

	memset (s, 0, sizeof *s);
	s->state = AT_START;
	s->top = true;
	s->field = field;
	s->out_fd = -1;
	/* An mbox "From " line stays first, if it ends where we can see it
	 * before anything is written; one that does not goes after ours. */
	if (len >= 5 && memcmp (data, "From ", 5) == 0 &&
	    (nl = memchr (data, '\n', len)) != NULL)
		return (gsize) (nl - data) + 1;
	s->lead = true;
	return 0;
}

gboolean
bs_passthrough_write (const guint8 *data, gsize len, int rest_fd,
    const char *value, int out_fd, GError **error)
{
	g_autofree char *field = NULL;
	g_autofree guint8 *buf = NULL;
	g_autofree guint8 *chunk = NULL;
	Scan s;
	gsize from;
	ssize_t n;
	int saved;

	g_return_val_if_fail (data != NULL || len == 0, FALSE);
	g_return_val_if_fail (value != NULL, FALSE);
	g_return_val_if_fail (out_fd >= 0, FALSE);
	g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

	/* Empty input may come as NULL; NULL + 0 is undefined in C. */
	if (data == NULL)
		data = (const guint8 *) "";
	field = bs_passthrough_format_header (value,
	    bs_passthrough_detect_eol (data, len));
	from = scan_init (&s, data, len, field);
	buf = g_malloc (OUT_BUFFER);
	s.buf = buf;
	s.out_fd = out_fd;
	if (!keep (&s, data, from, error) ||
	    !scan_feed (&s, data + from, len - from, error))
		return FALSE;

	if (rest_fd >= 0) {
		chunk = g_malloc (COPY_CHUNK);
		for (;;) {
			n = read (rest_fd, chunk, COPY_CHUNK);
			if (n == 0)
				break;
			if (n > 0) {
				if (!scan_feed (&s, chunk, (gsize) n, error))
					return FALSE;
				continue;
			}
			saved = errno;
			if (saved == EINTR)
				continue;
			if ((saved == EAGAIN || saved == EWOULDBLOCK) &&
			    wait_fd (rest_fd, POLLIN))
				continue;
			/* What is buffered goes out: the reader sees where
			 * the message broke off, as with an unbuffered copy. */
			if (!flush_out (&s, error))
				return FALSE;
			g_set_error (error, BS_PASSTHROUGH_ERROR,
			    BS_PASSTHROUGH_ERROR_READ,
			    "cannot read the message: %s", g_strerror (saved));
			return FALSE;
		}
	}
	return scan_finish (&s, error);
}

BsPassthroughModel *
bs_passthrough_model (const guint8 *data, gsize len)
{
	BsPassthroughModel *model = g_new0 (BsPassthroughModel, 1);
	Scan s;
	gsize from;

	g_return_val_if_fail (data != NULL || len == 0, NULL);

	if (data == NULL)
		data = (const guint8 *) "";
	model->removed = g_array_new (FALSE, FALSE, sizeof (BsPassthroughSpan));
	from = scan_init (&s, data, len, "");
	s.model = model;
	/* Nothing is written, so nothing can fail. */
	if (!keep (&s, data, from, NULL) ||
	    !scan_feed (&s, data + from, len - from, NULL) ||
	    !scan_finish (&s, NULL))
		g_return_val_if_reached (model);
	return model;
}

void
bs_passthrough_model_free (BsPassthroughModel *model)
{
	if (model == NULL)
		return;
	g_array_unref (model->removed);
	g_free (model);
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
