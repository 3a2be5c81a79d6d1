/* progress.h: a progress line on a terminal: messages done of the total
 * (folders and files are counted; an mbox is measured in bytes), the rate
 * and the time left; drawn at most 10 times a second, cleared at the end. */
#pragma once

#include <glib.h>

typedef struct BsProgress BsProgress;

/* Draws on fd.  Returns: (transfer full) */
BsProgress *bs_progress_new (int fd);
/* Message files to do, and bytes of mbox files to read. */
void bs_progress_set_total (BsProgress *p, guint64 files, guint64 mbox_bytes);
/* What is done: message files, mbox messages, mbox bytes read. */
void bs_progress_update (BsProgress *p, guint64 files, guint64 mbox_messages,
    guint64 mbox_bytes);
/* Clears the line, if one was drawn, and frees p. */
void bs_progress_finish (BsProgress *p);
