/* textfile.h: read a small settings file (the config, a rule file) whole,
 * safely: only a regular file, opened without blocking, under a size cap.
 * g_file_get_contents() would wait forever on a FIFO and read /dev/zero
 * or a 1 GB file to the end. */
#pragma once

#include <glib.h>

/* Larger than any config or rule file a person writes (the built-in rules
 * are 60 KB in all), small enough to read whole at every start. */
#define BS_TEXTFILE_MAX_SIZE (4 * 1024 * 1024)

#define BS_TEXTFILE_ERROR (bs_textfile_error_quark ())
GQuark bs_textfile_error_quark (void);

typedef enum {
	BS_TEXTFILE_ERROR_OPEN,		/* missing, unreadable */
	BS_TEXTFILE_ERROR_TYPE,		/* not a regular file */
	BS_TEXTFILE_ERROR_SIZE,		/* over BS_TEXTFILE_MAX_SIZE */
	BS_TEXTFILE_ERROR_READ,
} BsTextfileError;

/* Reads path whole into a NUL-terminated buffer (*len excludes the NUL).
 * Error messages start with path.  Returns: (transfer full) or NULL */
char *bs_textfile_read (const char *path, gsize *len, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
