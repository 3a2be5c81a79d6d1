/* mailbox.h: read the owner's sent mail for learning: one message, an
 * mbox file, a Maildir (cur/ and new/) or an MH folder, each recognised by
 * what it is; and the few header fields the ledger keeps of each. */
#pragma once

#include <glib.h>

#define BS_MAILBOX_ERROR (bs_mailbox_error_quark ())
GQuark bs_mailbox_error_quark (void);

typedef enum {
	BS_MAILBOX_ERROR_OPEN,		/* cannot open or read */
	BS_MAILBOX_ERROR_KIND,		/* a folder that is no mailbox */
} BsMailboxError;

typedef enum {
	BS_MAILBOX_MESSAGE,		/* a file holding one message */
	BS_MAILBOX_MBOX,		/* a file starting with "From " */
	BS_MAILBOX_MAILDIR,		/* a folder with cur/ or new/ */
	BS_MAILBOX_MH,			/* a folder of numbered files */
} BsMailboxKind;

/* Only as much of a message's header as only reading needs. */
#define BS_MAILBOX_HEADER_MAX (256 * 1024)

typedef struct {
	char *message_id;	/* as GMime decodes it, or NULL */
	gint64 date;		/* unix seconds, 0 when missing or bad */
	char *from;		/* bare address, or NULL */
	char *recipients;	/* To, Cc and Bcc addresses, ", " between */
	char *subject;		/* decoded, or NULL */
} BsSentMessage;

void bs_sent_message_free (BsSentMessage *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsSentMessage, bs_sent_message_free)

/* Called for each message; return FALSE with error to stop reading. */
typedef gboolean (*BsMailboxFunc) (const BsSentMessage *m, gpointer data,
    GError **error);

/* What path is.  FALSE when it cannot be opened or is a folder that is
 * neither a Maildir nor an MH folder. */
gboolean bs_mailbox_kind (const char *path, BsMailboxKind *kind,
    GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Calls func for every message in path.  A message file of a folder that
 * vanishes while reading (a Maildir client moved it) is passed over. */
gboolean bs_mailbox_read (const char *path, BsMailboxFunc func,
    gpointer data, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The fields of one message held in memory (its header is enough).
 * Returns: (transfer full) never NULL; fields are NULL when absent. */
BsSentMessage *bs_mailbox_parse_message (const char *data, gsize len);
/* Calls func for every message of an mbox held in memory. */
gboolean bs_mailbox_read_mbox_data (const char *data, gsize len,
    BsMailboxFunc func, gpointer user_data, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* "message", "mbox", "Maildir", "MH folder".  Returns: (transfer none) */
const char *bs_mailbox_kind_to_string (BsMailboxKind kind);
