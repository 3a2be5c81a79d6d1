/* textfile.c: read a settings file whole, never blocking, under a cap. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "textfile.h"

G_DEFINE_QUARK (bs-textfile-error-quark, bs_textfile_error)

char *
bs_textfile_read (const char *path, gsize *len, GError **error)
{
	g_autofree char *buf = NULL;
	struct stat st;
	gsize n = 0, size;
	int fd, saved;

	/* O_NONBLOCK: open(2) of a FIFO with no writer would wait for one.
	 * It changes nothing for a regular file, the only kind we read. */
	fd = open (path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		saved = errno;
		g_set_error (error, BS_TEXTFILE_ERROR, BS_TEXTFILE_ERROR_OPEN,
		    "%s: cannot open: %s", path, g_strerror (saved));
		return NULL;
	}
	if (fstat (fd, &st) != 0) {
		saved = errno;
		close (fd);
		g_set_error (error, BS_TEXTFILE_ERROR, BS_TEXTFILE_ERROR_READ,
		    "%s: cannot stat: %s", path, g_strerror (saved));
		return NULL;
	}
	if (!S_ISREG (st.st_mode)) {
		close (fd);
		g_set_error (error, BS_TEXTFILE_ERROR, BS_TEXTFILE_ERROR_TYPE,
		    "%s: not a regular file", path);
		return NULL;
	}
	if (st.st_size > BS_TEXTFILE_MAX_SIZE)
		goto too_large;
	/* Sized by fstat, grown should the file grow meanwhile, and never
	 * past one byte over the cap: that byte tells "too large" from
	 * "exactly the cap". */
	size = (gsize) st.st_size + 1;
	buf = g_malloc (size + 1);
	for (;;) {
		ssize_t r;

		if (n == size) {
			size = MIN (size * 2, (gsize) BS_TEXTFILE_MAX_SIZE + 1);
			buf = g_realloc (buf, size + 1);
		}
		r = read (fd, buf + n, size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			saved = errno;
			close (fd);
			g_set_error (error, BS_TEXTFILE_ERROR,
			    BS_TEXTFILE_ERROR_READ, "%s: read error: %s", path,
			    g_strerror (saved));
			return NULL;
		}
		if (r == 0)
			break;
		n += (gsize) r;
		if (n > BS_TEXTFILE_MAX_SIZE)
			goto too_large;
	}
	close (fd);
	buf[n] = '\0';
	*len = n;
	return g_steal_pointer (&buf);

too_large:
	close (fd);
	g_set_error (error, BS_TEXTFILE_ERROR, BS_TEXTFILE_ERROR_SIZE,
	    "%s: larger than %u bytes, not a settings file", path,
	    (unsigned) BS_TEXTFILE_MAX_SIZE);
	return NULL;
}
