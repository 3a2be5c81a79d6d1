/* input.h: read one message under a size cap, and parse it with GMime. */
#pragma once

#include "gmime-compat.h"

#define BS_INPUT_ERROR (bs_input_error_quark ())
GQuark bs_input_error_quark (void);

typedef enum {
	BS_INPUT_ERROR_OPEN,	/* a named file cannot be opened */
	BS_INPUT_ERROR_READ,	/* read failed part-way */
	BS_INPUT_ERROR_MEMORY,	/* no memory to hold the message */
} BsInputError;

/* Structure past which a message is not parsed, checked on the raw bytes
 * before GMime sees them (bs_input_parse: reason "too-complex").  GMime
 * builds an object of about 1 KiB per part and 0.5 KiB per header field,
 * and decodes a field word by word at some 60 bytes per byte, so these
 * bound what a hostile message makes it allocate.  GMime itself stops
 * nesting at 1024 levels (deeper parts stay leaves). */
#define BS_INPUT_MAX_PARTS 20000	/* lines that open a MIME part */
#define BS_INPUT_MAX_HEADERS 50000	/* header fields, all parts together */
#define BS_INPUT_MAX_FIELD (256 * 1024)	/* bytes of one field, all its lines */

typedef struct {
	char *name;		/* file name, or "-" for stdin */
	GBytes *raw;		/* what was read: all of it, or max_size + 1
				 * bytes when the message is larger */
	gboolean too_large;	/* raw is only a prefix; the rest is unread */
	GMimeMessage *message;	/* after bs_input_parse, or NULL */
	const char *refused;	/* static: why bs_input_parse did not parse
				 * ("too-complex"), or NULL */
} BsInput;

/* Reads fd to its end, or up to max_size + 1 bytes when max_size is not 0.
 * Returns: (transfer full) (nullable) the input; NULL on a read error, or
 * BS_INPUT_ERROR_MEMORY when the buffer cannot grow to hold the message
 * (what is read so far is dropped; fd is not read to its end). */
BsInput *bs_input_read_fd (int fd, const char *name, guint64 max_size,
    GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Opens and reads a file; BS_INPUT_ERROR_OPEN when it cannot be opened or
 * is a directory. */
BsInput *bs_input_read_file (const char *path, guint64 max_size,
    GError **error) G_GNUC_WARN_UNUSED_RESULT;
void bs_input_free (BsInput *input);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsInput, bs_input_free)

/* Reads and discards the rest of fd, so that the writer of a pipe never
 * sees it closed early (Sieve fails the action otherwise). */
gboolean bs_input_drain (int fd, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Parses input->raw into input->message, which keeps referring to raw (no
 * copy).  Bare-CR mail is read through a stream that turns each CR into
 * LF, and a leading mbox "From " line is skipped; raw is untouched.
 * Returns FALSE when GMime finds no message at all, or when the message
 * exceeds a BS_INPUT_MAX_* limit (input->refused says so). */
gboolean bs_input_parse (BsInput *input);

/* Parses bytes (for instance an original quoted inline) as a message.
 * Returns: (transfer full) (nullable) NULL also past a BS_INPUT_MAX_* limit */
GMimeMessage *bs_input_parse_bytes (const char *data, gsize len);
