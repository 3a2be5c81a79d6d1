/* keyfile-line.h: where in a key file a group or key is.  GKeyFile does
 * not keep line numbers, and errors must name the line a person has to
 * fix. */
#pragma once

#include <glib.h>

/* Returns the 1-based line of key in [group] of contents (of the group
 * header when key is NULL), or 0 when it is not there. */
guint bs_keyfile_line (const char *contents, const char *group,
    const char *key);
