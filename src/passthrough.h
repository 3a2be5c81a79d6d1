/* passthrough.h: filter mode, the raw message re-emitted with our header.
 *
 * The message goes out as the bytes that came in, never as a GMime
 * re-serialisation: the only changes are our X-Backscatter field at the top
 * of the header block and the removal of any X-Backscatter field the sender
 * put there, so that nobody can forge a verdict.
 */
#pragma once

#include <glib.h>

#define BS_PASSTHROUGH_ERROR (bs_passthrough_error_quark ())
GQuark bs_passthrough_error_quark (void);

typedef enum {
	BS_PASSTHROUGH_ERROR_WRITE,
	BS_PASSTHROUGH_ERROR_READ,
} BsPassthroughError;

/**
 * bs_passthrough_detect_eol:
 * @data: (array length=len) (nullable): the raw message
 * @len: length of @data
 *
 * Finds the message's line ending from its first line ending: "\r\n",
 * "\r" or "\n".  A "\r" that is the last byte of @data counts as "\r".
 *
 * Returns: (transfer none): a static string, "\n" when @data has no line
 * ending at all
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
 * @data: (array length=len) (nullable): the raw message, or a prefix of it
 * @len: length of @data
 * @complete: %TRUE when @data is the whole message
 * @value: the X-Backscatter value, see bs_passthrough_format_header()
 * @out_fd: where to write; not closed
 * @error: return location for a #GError
 *
 * Writes @data to @out_fd with the field "X-Backscatter: @value" inserted at
 * the top of the header block, in the message's own line ending (see
 * bs_passthrough_detect_eol()).  A leading mbox "From " line stays first and
 * our field follows it.  Every X-Backscatter field in the header block (the
 * name in any case, with its continuation lines) is removed.  The header block
 * ends at the first empty line or at the end of @data; whatever follows,
 * including an "X-Backscatter:" line in the body, is copied unchanged.
 * Nothing else changes: NUL and 8-bit bytes, header order, trailing
 * whitespace and a last line without line ending all go out as they came.
 *
 * Empty @data gives just our header field (a valid tiny message).  Data
 * without a header block (garbage, binary) still gets our field on top and
 * loses no byte.
 *
 * When @complete is %FALSE, @data is only a prefix and the caller copies the
 * rest (bs_passthrough_copy_fd()).  If the header block does not end inside
 * the prefix, the X-Backscatter fields that end inside it are removed, and a
 * field that reaches the end of the prefix is copied unchanged, because its
 * continuation lines may lie beyond it and would otherwise be left behind,
 * glued to the field before.
 *
 * Short writes and EINTR are retried.
 *
 * Returns: %TRUE on success; %FALSE with %BS_PASSTHROUGH_ERROR_WRITE when a
 * write fails, after which an unknown part of the message has been written
 */
gboolean bs_passthrough_write (const guint8 *data, gsize len,
    gboolean complete, const char *value, int out_fd,
    GError **error) G_GNUC_WARN_UNUSED_RESULT;

/**
 * bs_passthrough_copy_fd:
 * @in_fd: where to read until end of file; not closed
 * @out_fd: where to write; not closed
 * @error: return location for a #GError
 *
 * Copies @in_fd to @out_fd in fixed-size chunks, in constant memory, for the
 * rest of a message that is too large to hold.
 *
 * Returns: %TRUE at end of file; %FALSE with %BS_PASSTHROUGH_ERROR_READ or
 * %BS_PASSTHROUGH_ERROR_WRITE
 */
gboolean bs_passthrough_copy_fd (int in_fd, int out_fd,
    GError **error) G_GNUC_WARN_UNUSED_RESULT;
