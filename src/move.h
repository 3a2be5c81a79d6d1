/* move.h: --move-to: put backscatter into a Maildir without ever losing
 * a message.
 *
 * A Maildir or MH message is moved: rename(2) on one file system (never
 * over a file of the same name), else copy into the folder's tmp/, fsync
 * the copy, link it into place, fsync the directory, and only then unlink
 * the source.  A kill at any moment leaves the message in the source, or
 * in both places (a copy in flight), never in neither.
 *
 * An mbox message is copied; the mbox is rewritten only when asked (under
 * a dotlock and an fcntl lock, as mutt takes them), after every copy is
 * fsynced: a new file with the rest, fsynced, renamed over the mbox. */
#pragma once

#include <glib.h>

#define BS_MOVE_ERROR (bs_move_error_quark ())
GQuark bs_move_error_quark (void);

typedef enum {
	BS_MOVE_ERROR_FOLDER,	/* FOLDER cannot be made or is no Maildir */
	BS_MOVE_ERROR_NOT_FOLDER,	/* the message is in no Maildir or MH
					 * folder */
	BS_MOVE_ERROR_EXISTS,	/* a message of that name is there already */
	BS_MOVE_ERROR_IO,	/* reading, writing or syncing failed */
	BS_MOVE_ERROR_LOCK,	/* the mbox is locked by someone else */
	BS_MOVE_ERROR_CHANGED,	/* the mbox has no From line at the offset */
} BsMoveError;

typedef struct _BsMover BsMover;

/* A Maildir at folder, created with cur/, new/ and tmp/ when missing
 * (not under dry_run).  Returns: (transfer full) (nullable) */
BsMover *bs_mover_new (const char *folder, gboolean dry_run, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
void bs_mover_free (BsMover *mover);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsMover, bs_mover_free)

/* Copy, as across file systems, even where rename(2) would do (tests). */
void bs_mover_set_force_copy (BsMover *mover, gboolean force_copy);

/* Moves the Maildir or MH message at path into the folder: a Maildir
 * file keeps its subfolder (cur or new) and its name with its flags; an
 * MH message gets a Maildir name in new/ made of its device and inode.  *dest is where it went, or
 * would go under dry_run.  On failure the message is where it was. */
gboolean bs_mover_move_file (BsMover *mover, const char *path, char **dest,
    GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Called for each message of an mbox: dest where it was copied (or would
 * be), or error why not. */
typedef void (*BsMoverNotify) (const char *mbox, gint64 offset,
    const char *dest, const GError *error, gpointer data);

/* Copies the messages of mbox whose From lines are at offsets (any order)
 * into the folder, cur/ with their Status flags when read, else new/.
 * With rewrite, then drops the copied ones from the mbox.  Returns FALSE
 * when the mbox cannot be read or locked or rewritten (the copies made
 * stay); a message that cannot be copied is only notified, and stays. */
gboolean bs_mover_copy_mbox (BsMover *mover, const char *mbox,
    const gint64 *offsets, guint n_offsets, gboolean rewrite,
    BsMoverNotify notify, gpointer data, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* Where the message at data (an mbox From line) ends: at the next line
 * that starts with "From ", or at len.  GMime splits an mbox the same. */
gsize bs_mbox_message_end (const char *data, gsize len, gsize start);

/* The message of an mbox extent as a Maildir file holds it: without the
 * From line and the blank line that ends it, with one '>' taken off each
 * ">From " line (mboxrd; mboxo quotes the same way).  *flags gets the
 * Maildir flags of its Status and X-Status fields ("" when unread: it
 * goes to new/).  Returns: (transfer full) */
GString *bs_mbox_unquote (const char *data, gsize len, char **flags);
