/* passthrough.h: filter mode, the raw message re-emitted with our header.
 *
 * The message goes out as the bytes that came in, never as a GMime
 * re-serialisation: the only changes are our X-Backscatter field at the top
 * of the header block and the removal of every field that a mail filter
 * downstream (procmail and formail, maildrop, Dovecot's Sieve) would take
 * for an X-Backscatter field, so that nobody can forge a verdict.  What
 * those readers take for the header block and its fields is described, as
 * one model, at the top of passthrough.c.
 */
#pragma once

#include <glib.h>

#define BS_PASSTHROUGH_ERROR (bs_passthrough_error_quark ())
GQuark bs_passthrough_error_quark (void);

typedef enum {
	BS_PASSTHROUGH_ERROR_WRITE,
	BS_PASSTHROUGH_ERROR_READ,
} BsPassthroughError;

/* Bytes of a line start that may be held back while it is still open
 * whether the line is an X-Backscatter field (a name broken up by CRs,
 * blanks before the colon).  A line still open after so many bytes counts
 * as one and is removed: removing too much there is harmless, missing a
 * forged field is not.  See passthrough.c. */
#define BS_PASSTHROUGH_HOLD_MAX 1024

/**
 * bs_passthrough_detect_eol:
 * @data: (array length=len) (nullable): the raw message, or its start
 * @len: length of @data
 *
 * The line ending our field gets.  Every reader of the output splits lines
 * at LF and drops a CR before it, so our field ends in "\r\n" when the
 * first LF of @data has a CR before it (CRLF mail), and in "\n" otherwise,
 * bare-CR mail and mail without any LF included.
 *
 * Returns: (transfer none): "\r\n" or "\n"
 */
const char *bs_passthrough_detect_eol (const guint8 *data, gsize len);

/**
 * bs_passthrough_format_header:
 * @value: the field value, e.g. "yes; score=7.5; threshold=5.0; tests=a,b"
 * @eol: the line ending to use, as from bs_passthrough_detect_eol()
 *
 * Formats "X-Backscatter: @value" folded into lines of at most 78 columns
 * (a tab counts as 8) where possible.  A line is broken only after a "; "
 * (the space gives way to the break) or a "," separator; each continuation
 * line starts with a tab.  A part too long for a line stays whole on its own
 * line.  CR and LF bytes in @value are replaced by spaces so that the value
 * can never start a field of its own.
 *
 * Returns: (transfer full): the complete header field, ending with @eol
 */
char *bs_passthrough_format_header (const char *value, const char *eol);

/**
 * bs_passthrough_write:
 * @data: (array length=len) (nullable): the raw message, or its start
 * @len: length of @data
 * @rest_fd: where the rest of the message is read from, until end of file,
 *   when @data is only its start; -1 when @data is the whole message
 * @value: the X-Backscatter value, see bs_passthrough_format_header()
 * @out_fd: where to write; not closed
 * @error: return location for a #GError
 *
 * Writes the message to @out_fd with our field "X-Backscatter: @value"
 * inserted at the top of the header block, ending as
 * bs_passthrough_detect_eol() says for @data.  A leading mbox "From " line
 * whose LF lies within @data stays first, and so do the lines that follow
 * it (or start the message) and would continue the field before them,
 * since they would continue ours otherwise.
 *
 * Every field of the header block that a downstream reader would take for
 * an X-Backscatter field is removed, with its continuation lines, wherever
 * it lies, in @data or after it: the message is scanned as it streams, in
 * constant memory.  Nothing else changes: NUL and 8-bit bytes, bare CRs,
 * header order, trailing whitespace and a last line without line ending
 * all go out as they came.  Empty input gives just our field.
 *
 * Short writes and EINTR are retried.  Output is buffered in blocks, so
 * after a failure an unknown part of the message has been written.
 *
 * Returns: %TRUE on success; %FALSE with %BS_PASSTHROUGH_ERROR_WRITE when a
 * write fails, or with %BS_PASSTHROUGH_ERROR_READ when reading @rest_fd
 * fails (the start of the message may have been written by then)
 */
gboolean bs_passthrough_write (const guint8 *data, gsize len, int rest_fd,
    const char *value, int out_fd, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* One removed field: bytes [start, end) of the input. */
typedef struct {
	gsize start;
	gsize end;
} BsPassthroughSpan;

typedef struct {
	gsize insert_at;	/* input offset our field goes before */
	gsize header_end;	/* offset after the empty line that ends
				 * the header block, or the input length */
	GArray *removed;	/* BsPassthroughSpan, in input order, with
				 * adjacent spans merged */
} BsPassthroughModel;

/**
 * bs_passthrough_model:
 * @data: (array length=len) (nullable): the whole message
 * @len: length of @data
 *
 * Runs the scan of bs_passthrough_write() without writing: where our field
 * goes, where the header block ends, and what is removed.  For tests and
 * the fuzz targets, which compare it with models of their own.
 *
 * Returns: (transfer full): the result; free with bs_passthrough_model_free()
 */
BsPassthroughModel *bs_passthrough_model (const guint8 *data, gsize len);
void bs_passthrough_model_free (BsPassthroughModel *model);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsPassthroughModel, bs_passthrough_model_free)

/**
 * bs_passthrough_copy_fd:
 * @in_fd: where to read until end of file; not closed
 * @out_fd: where to write; not closed
 * @error: return location for a #GError
 *
 * Copies @in_fd to @out_fd in fixed-size chunks, in constant memory, with
 * no scanning at all.
 *
 * Returns: %TRUE at end of file; %FALSE with %BS_PASSTHROUGH_ERROR_READ or
 * %BS_PASSTHROUGH_ERROR_WRITE
 */
gboolean bs_passthrough_copy_fd (int in_fd, int out_fd,
    GError **error) G_GNUC_WARN_UNUSED_RESULT;
