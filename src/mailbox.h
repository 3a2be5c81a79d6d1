/* mailbox.h: mailboxes, for learning the owner's sent mail and for
 * classifying what arrived: one message, an mbox file, a Maildir (cur/ and
 * new/) or an MH folder, each recognised by what it is; an mbox read one
 * message at a time; and the few header fields the ledger keeps of each
 * sent message. */
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
/* The message files of a Maildir (cur/, then new/) or an MH folder (its
 * numbered files, in number order), each folder's sorted so that a run is
 * repeatable; dot files are no messages.
 * Returns: (transfer full) (element-type filename) full paths, or NULL
 * when path cannot be listed. */
GPtrArray *bs_mailbox_list (const char *path, BsMailboxKind kind,
    GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The folders below path that -r walks, sorted: Maildir++ subfolders of a
 * Maildir (".Sent", ".Junk", ...: dot folders that are Maildirs), and
 * every other subfolder of anything but cur/, new/ and tmp/.
 * Returns: (transfer full) (element-type filename) full paths. */
GPtrArray *bs_mailbox_subfolders (const char *path, BsMailboxKind kind);

/* An mbox read one message at a time, in constant memory: messages begin
 * at a line that starts with "From " (the rule of GMime's mbox parser,
 * GMIME_FORMAT_MBOX).  Writers quote a body line that starts so as
 * ">From " (mutt, Dovecot, Postfix's local(8)), which is no separator and
 * stays as it is (mboxo: a reader cannot tell a quoted line from one that
 * was written so).  The From line is not part of the message, nor is the
 * empty line a writer puts after each message. */
typedef struct BsMbox BsMbox;

typedef struct {
	guint number;		/* 1 for the first message */
	guint64 offset;		/* byte offset of its From line */
	guint64 size;		/* bytes of the message */
	GBytes *data;		/* (nullable) the message; NULL: over max */
} BsMboxMessage;

/* Returns: (transfer full) (nullable) NULL when path cannot be opened. */
BsMbox *bs_mbox_open (const char *path, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* data must outlive the reader.  Returns: (transfer full) */
BsMbox *bs_mbox_new_for_data (const char *data, gsize len);
void bs_mbox_free (BsMbox *mbox);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsMbox, bs_mbox_free)
/* Reads the next message into m (m->data: transfer full).  A message
 * larger than max bytes (0: no limit) is read past, never held: m->data
 * is NULL and m->size says how large it is.  FALSE at the end (error not
 * set) or when reading fails (error set). */
gboolean bs_mbox_next (BsMbox *mbox, guint64 max, BsMboxMessage *m,
    GError **error);
/* Bytes read so far, and the size of the file when it was opened (0 for
 * data), for progress. */
guint64 bs_mbox_position (const BsMbox *mbox);
guint64 bs_mbox_file_size (const BsMbox *mbox);

/* "message", "mbox", "Maildir", "MH folder".  Returns: (transfer none) */
const char *bs_mailbox_kind_to_string (BsMailboxKind kind);
