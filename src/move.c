/* move.c: --move-to, a move that loses nothing; see move.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "move.h"

G_DEFINE_QUARK (bs-move-error-quark, bs_move_error)

/* A dotlock older than this, or of a process that is gone, is stale. */
#define DOTLOCK_STALE_SECONDS 300
#define LOCK_TRIES 20
#define LOCK_WAIT_USEC (250 * 1000)

struct _BsMover {
	char *folder;
	gboolean dry_run;
	gboolean force_copy;
	char *host;		/* for Maildir names: no '/' or ':' */
	guint sequence;
};

static gboolean
io_error (GError **error, int saved, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
io_error (GError **error, int saved, const char *fmt, ...)
{
	g_autofree char *what = NULL;
	va_list ap;

	va_start (ap, fmt);
	what = g_strdup_vprintf (fmt, ap);
	va_end (ap);
	g_set_error (error, BS_MOVE_ERROR, BS_MOVE_ERROR_IO, "%s: %s", what,
	    g_strerror (saved));
	return FALSE;
}

static gboolean
sync_dir (const char *dir, GError **error)
{
	int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int saved;

	if (fd < 0)
		return io_error (error, errno, "cannot open %s", dir);
	if (fsync (fd) != 0 && errno != EINVAL) {
		saved = errno;
		close (fd);
		return io_error (error, saved, "cannot sync %s", dir);
	}
	close (fd);
	return TRUE;
}

static gboolean
make_dir (const char *path, GError **error)
{
	struct stat st;

	if (g_mkdir_with_parents (path, 0700) != 0) {
		g_set_error (error, BS_MOVE_ERROR, BS_MOVE_ERROR_FOLDER,
		    "cannot make %s: %s", path, g_strerror (errno));
		return FALSE;
	}
	if (stat (path, &st) != 0 || !S_ISDIR (st.st_mode)) {
		g_set_error (error, BS_MOVE_ERROR, BS_MOVE_ERROR_FOLDER,
		    "%s is not a directory", path);
		return FALSE;
	}
	return TRUE;
}

BsMover *
bs_mover_new (const char *folder, gboolean dry_run, GError **error)
{
	g_autoptr(BsMover) m = g_new0 (BsMover, 1);
	static const char *const subs[] = { "cur", "new", "tmp" };
	GString *host = g_string_new (NULL);
	const char *p;
	guint i;

	m->folder = g_strdup (folder);
	m->dry_run = dry_run;
	/* Maildir names escape '/' and ':' of the host name in octal. */
	for (p = g_get_host_name (); *p != '\0'; p++) {
		if (*p == '/')
			g_string_append (host, "\\057");
		else if (*p == ':')
			g_string_append (host, "\\072");
		else
			g_string_append_c (host, *p);
	}
	m->host = g_string_free (host, FALSE);
	if (dry_run)
		return g_steal_pointer (&m);
	for (i = 0; i < G_N_ELEMENTS (subs); i++) {
		g_autofree char *sub = g_build_filename (folder, subs[i], NULL);

		if (!make_dir (sub, error)) {
			g_prefix_error (error, "--move-to: ");
			return NULL;
		}
	}
	return g_steal_pointer (&m);
}

void
bs_mover_free (BsMover *m)
{
	if (m == NULL)
		return;
	g_free (m->folder);
	g_free (m->host);
	g_free (m);
}

void
bs_mover_set_force_copy (BsMover *m, gboolean force_copy)
{
	m->force_copy = force_copy;
}

/* A new Maildir base name: time, microseconds, pid and a sequence number
 * make it unique on this host. */
static char *
new_name (BsMover *m)
{
	gint64 now = g_get_real_time ();

	return g_strdup_printf ("%" G_GINT64_FORMAT ".M%06dP%dQ%u.%s",
	    now / G_USEC_PER_SEC, (int) (now % G_USEC_PER_SEC), (int) getpid (),
	    ++m->sequence, m->host);
}

/* Puts the file at from at to, never over a file that is there: rename
 * without replacing where the file system can, else link and unlink. */
static int
place (const char *from, const char *to)
{
	if (renameat2 (AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (link (from, to) != 0)
		return -1;
	(void) unlink (from);
	return 0;
}

static gboolean
write_all (int fd, const char *data, gsize len)
{
	while (len > 0) {
		ssize_t n = write (fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return FALSE;
		data += n;
		len -= (gsize) n;
	}
	return TRUE;
}

/* Writes a new file in tmp/ from data or from the file open at src_fd,
 * synced to disk.  Returns: (transfer full) its path, or NULL. */
static char *
write_tmp (BsMover *m, const char *data, gsize len, int src_fd,
    GError **error)
{
	g_autofree char *name = new_name (m);
	g_autofree char *tmp = g_build_filename (m->folder, "tmp", name, NULL);
	char buf[65536];
	int fd, saved;
	ssize_t n;

	fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		io_error (error, errno, "cannot create %s", tmp);
		return NULL;
	}
	if (src_fd < 0) {
		if (!write_all (fd, data, len))
			goto fail;
	} else {
		for (;;) {
			n = read (src_fd, buf, sizeof buf);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				goto fail;
			if (n == 0)
				break;
			if (!write_all (fd, buf, (gsize) n))
				goto fail;
		}
	}
	if (fsync (fd) != 0)
		goto fail;
	if (close (fd) != 0) {
		fd = -1;
		goto fail;
	}
	return g_steal_pointer (&tmp);
fail:
	saved = errno;
	if (fd >= 0)
		close (fd);
	(void) unlink (tmp);
	io_error (error, saved, "cannot write %s", tmp);
	return NULL;
}

static gboolean
is_mh_name (const char *name)
{
	const char *p;

	if (*name == '\0')
		return FALSE;
	for (p = name; *p != '\0'; p++) {
		if (!g_ascii_isdigit (*p))
			return FALSE;
	}
	return TRUE;
}

/* Where the message at path goes in the folder. */
static char *
destination (BsMover *m, const char *path, GError **error)
{
	g_autofree char *base = g_path_get_basename (path);
	g_autofree char *dir = g_path_get_dirname (path);
	g_autofree char *sub = g_path_get_basename (dir);
	g_autofree char *top = g_path_get_dirname (dir);
	g_autofree char *tmp = g_build_filename (top, "tmp", NULL);
	g_autofree char *other = g_build_filename (top,
	    strcmp (sub, "cur") == 0 ? "new" : "cur", NULL);
	g_autofree char *name = NULL;

	if ((strcmp (sub, "cur") == 0 || strcmp (sub, "new") == 0)
	    && (g_file_test (tmp, G_FILE_TEST_IS_DIR)
	    || g_file_test (other, G_FILE_TEST_IS_DIR)))
		return g_build_filename (m->folder, sub, base, NULL);
	if (is_mh_name (base)) {
		struct stat st;

		/* A name made of the file's device and inode ("time.VdevIino.
		 * host", as the Maildir spec suggests) is the same when a
		 * move that a kill cut short is done again: the copy is found
		 * rather than made twice. */
		if (stat (path, &st) != 0) {
			g_set_error (error, BS_MOVE_ERROR, BS_MOVE_ERROR_IO,
			    "cannot stat %s: %s", path, g_strerror (errno));
			return NULL;
		}
		name = g_strdup_printf ("%" G_GINT64_FORMAT ".V%" G_GINT64_MODIFIER
		    "xI%" G_GINT64_MODIFIER "x.%s", (gint64) st.st_mtime,
		    (guint64) st.st_dev, (guint64) st.st_ino, m->host);
		return g_build_filename (m->folder, "new", name, NULL);
	}
	g_set_error (error, BS_MOVE_ERROR, BS_MOVE_ERROR_NOT_FOLDER,
	    "%s is in no Maildir or MH folder", path);
	return NULL;
}

/* Do the files at a and b hold the same bytes? */
static gboolean
same_content (const char *a, const char *b)
{
	g_autoptr(GMappedFile) x = g_mapped_file_new (a, FALSE, NULL);
	g_autoptr(GMappedFile) y = g_mapped_file_new (b, FALSE, NULL);
	gsize len;

	if (x == NULL || y == NULL)
		return FALSE;
	len = g_mapped_file_get_length (x);
	return len == g_mapped_file_get_length (y) && (len == 0 || memcmp (
	    g_mapped_file_get_contents (x), g_mapped_file_get_contents (y),
	    len) == 0);
}

/* A file of that name is in the folder already.  The same bytes are a
 * copy in flight that a kill interrupted: the source may go now, as it
 * would have.  Other bytes are someone else's message: both stay. */
static gboolean
settle_existing (const char *path, const char *dest, GError **error)
{
	if (!same_content (path, dest)) {
		g_set_error (error, BS_MOVE_ERROR, BS_MOVE_ERROR_EXISTS,
		    "%s is there already", dest);
		return FALSE;
	}
	if (unlink (path) != 0)
		return io_error (error, errno, "%s is there already, but cannot "
		    "remove %s", dest, path);
	return TRUE;
}

gboolean
bs_mover_move_file (BsMover *m, const char *path, char **dest_out,
    GError **error)
{
	g_autofree char *dest = destination (m, path, error);
	g_autofree char *dest_dir = NULL;
	g_autofree char *src_dir = NULL;
	g_autofree char *tmp = NULL;
	struct stat src_st, dest_st;
	int fd, saved;

	if (dest == NULL)
		return FALSE;
	/* A message of the folder itself (a scan with -r reads it too):
	 * there already, and never "settled" by removing it. */
	if (stat (path, &src_st) == 0 && stat (dest, &dest_st) == 0
	    && src_st.st_dev == dest_st.st_dev
	    && src_st.st_ino == dest_st.st_ino) {
		if (dest_out != NULL)
			*dest_out = g_steal_pointer (&dest);
		return TRUE;
	}
	if (m->dry_run) {
		if (dest_out != NULL)
			*dest_out = g_steal_pointer (&dest);
		return TRUE;
	}
	dest_dir = g_path_get_dirname (dest);
	src_dir = g_path_get_dirname (path);
	if (!m->force_copy && place (path, dest) == 0)
		goto moved;
	if (!m->force_copy && errno != EXDEV) {
		saved = errno;
		if (saved == EEXIST) {
			if (!settle_existing (path, dest, error))
				return FALSE;
			goto moved;
		}
		return io_error (error, saved, "cannot move %s to %s", path,
		    dest);
	}
	/* Across file systems: the copy is safe on disk, under its final
	 * name, before the source goes. */
	fd = open (path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return io_error (error, errno, "cannot open %s", path);
	tmp = write_tmp (m, NULL, 0, fd, error);
	close (fd);
	if (tmp == NULL)
		return FALSE;
	if (place (tmp, dest) != 0) {
		saved = errno;
		(void) unlink (tmp);
		if (saved == EEXIST) {
			if (!settle_existing (path, dest, error))
				return FALSE;
			goto moved;
		}
		return io_error (error, saved, "cannot link %s", dest);
	}
	if (!sync_dir (dest_dir, error))
		return FALSE;	/* the source stays: both places */
	if (unlink (path) != 0)
		return io_error (error, errno, "copied to %s, but cannot remove "
		    "%s", dest, path);
moved:
	if (!sync_dir (dest_dir, error) || !sync_dir (src_dir, error))
		return FALSE;
	if (dest_out != NULL)
		*dest_out = g_steal_pointer (&dest);
	return TRUE;
}

gsize
bs_mbox_message_end (const char *data, gsize len, gsize start)
{
	const char *p = data + start, *end = data + len;

	for (;;) {
		p = memchr (p, '\n', (gsize) (end - p));
		if (p == NULL)
			return len;
		p++;
		if ((gsize) (end - p) >= 5 && memcmp (p, "From ", 5) == 0)
			return (gsize) (p - data);
	}
}

static gboolean
header_named (const char *line, gsize len, const char *name)
{
	gsize n = strlen (name);

	return len > n && line[n] == ':' && g_ascii_strncasecmp (line, name,
	    n) == 0;
}

GString *
bs_mbox_unquote (const char *data, gsize len, char **flags)
{
	GString *out = g_string_sized_new (len);
	const char *p = data, *end = data + len, *nl, *q;
	gboolean in_header = TRUE, seen = FALSE, replied = FALSE;
	gboolean flagged = FALSE, deleted = FALSE;

	/* The From line. */
	nl = memchr (p, '\n', len);
	p = nl != NULL ? nl + 1 : end;
	/* The blank line before the next From line is the mbox's. */
	if (end - p >= 2 && end[-1] == '\n' && end[-2] == '\n')
		end--;
	else if (end - p >= 4 && memcmp (end - 4, "\r\n\r\n", 4) == 0)
		end -= 2;
	while (p < end) {
		gsize line_len;

		nl = memchr (p, '\n', (gsize) (end - p));
		line_len = nl != NULL ? (gsize) (nl + 1 - p) : (gsize) (end - p);
		if (in_header && (line_len == 1 || (line_len == 2
		    && p[0] == '\r')))
			in_header = FALSE;
		if (in_header && header_named (p, line_len, "Status")) {
			for (q = p + 7; q < p + line_len; q++)
				seen = seen || *q == 'R';
		} else if (in_header && header_named (p, line_len, "X-Status")) {
			for (q = p + 9; q < p + line_len; q++) {
				replied = replied || *q == 'A';
				flagged = flagged || *q == 'F';
				deleted = deleted || *q == 'D';
			}
		}
		if (p[0] == '>') {
			for (q = p; q < p + line_len && *q == '>'; q++)
				;
			if ((gsize) (p + line_len - q) >= 5
			    && memcmp (q, "From ", 5) == 0) {
				p++;
				line_len--;
			}
		}
		g_string_append_len (out, p, (gssize) line_len);
		p += line_len;
	}
	/* Maildir flags in ASCII order. */
	*flags = g_strdup_printf ("%s%s%s%s", flagged ? "F" : "",
	    replied ? "R" : "", seen ? "S" : "", deleted ? "T" : "");
	return out;
}

/* mutt's dotlock: FILE.lock made with O_EXCL, holding our pid; one left
 * by a process that is gone, or very old, is taken away. */
static gboolean
dotlock (const char *lock, GError **error)
{
	guint i;

	for (i = 0; i < LOCK_TRIES; i++) {
		g_autofree char *pid = g_strdup_printf ("%d\n", (int) getpid ());
		g_autofree char *held = NULL;
		struct stat st;
		int fd = open (lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0644);
		guint64 other;

		if (fd >= 0) {
			gboolean ok = write_all (fd, pid, strlen (pid))
			    && fsync (fd) == 0;

			close (fd);
			if (ok)
				return TRUE;
			(void) unlink (lock);
			return io_error (error, errno, "cannot write %s", lock);
		}
		if (errno != EEXIST)
			return io_error (error, errno, "cannot create %s", lock);
		if (g_file_get_contents (lock, &held, NULL, NULL)
		    && g_ascii_string_to_unsigned (g_strstrip (held), 10, 1,
		    G_MAXINT, &other, NULL) && kill ((pid_t) other, 0) != 0
		    && errno == ESRCH) {
			(void) unlink (lock);
			continue;
		}
		if (stat (lock, &st) == 0
		    && time (NULL) - st.st_mtime > DOTLOCK_STALE_SECONDS) {
			(void) unlink (lock);
			continue;
		}
		g_usleep (LOCK_WAIT_USEC);
	}
	g_set_error (error, BS_MOVE_ERROR, BS_MOVE_ERROR_LOCK,
	    "%s is held by another program", lock);
	return FALSE;
}

static gboolean
fcntl_lock (int fd, short type, const char *path, GError **error)
{
	struct flock fl = { 0 };
	guint i;

	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	for (i = 0; i < LOCK_TRIES; i++) {
		if (fcntl (fd, F_SETLK, &fl) == 0)
			return TRUE;
		if (errno != EACCES && errno != EAGAIN && errno != EINTR)
			return io_error (error, errno, "cannot lock %s", path);
		g_usleep (LOCK_WAIT_USEC);
	}
	g_set_error (error, BS_MOVE_ERROR, BS_MOVE_ERROR_LOCK,
	    "%s is locked by another program", path);
	return FALSE;
}

static gint
compare_gint64 (gconstpointer a, gconstpointer b)
{
	gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

	return x < y ? -1 : x > y;
}

/* Copies one mbox message into the folder.  Returns: (transfer full)
 * where it went, or NULL. */
static char *
copy_one (BsMover *m, const char *data, gsize len, GError **error)
{
	g_autofree char *flags = NULL;
	g_autoptr(GString) text = bs_mbox_unquote (data, len, &flags);
	g_autofree char *name = new_name (m);
	g_autofree char *file = NULL;
	g_autofree char *dest = NULL;
	g_autofree char *tmp = NULL;
	int saved;

	/* Read mail goes to cur/ with its flags; unread mail is new. */
	if (*flags != '\0') {
		file = g_strdup_printf ("%s:2,%s", name, flags);
		dest = g_build_filename (m->folder, "cur", file, NULL);
	} else {
		dest = g_build_filename (m->folder, "new", name, NULL);
	}
	if (m->dry_run)
		return g_steal_pointer (&dest);
	tmp = write_tmp (m, text->str, text->len, -1, error);
	if (tmp == NULL)
		return NULL;
	if (place (tmp, dest) != 0) {
		saved = errno;
		(void) unlink (tmp);
		io_error (error, saved, "cannot link %s", dest);
		return NULL;
	}
	return g_steal_pointer (&dest);
}

/* Writes the mbox without the extents at moved (sorted), synced, and
 * renames it over the mbox. */
static gboolean
rewrite_mbox (const char *mbox, int mbox_fd, const char *data, gsize len,
    const GArray *moved, GError **error)
{
	g_autofree char *dir = g_path_get_dirname (mbox);
	g_autofree char *base = g_path_get_basename (mbox);
	g_autofree char *tmp_name = g_strdup_printf (".%s.bs-rewrite.%d", base,
	    (int) getpid ());
	g_autofree char *tmp = g_build_filename (dir, tmp_name, NULL);
	struct stat st;
	gsize at = 0;
	guint i;
	int fd, saved;

	if (fstat (mbox_fd, &st) != 0)
		return io_error (error, errno, "cannot stat %s", mbox);
	(void) unlink (tmp);	/* one of ours, left by a kill */
	fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return io_error (error, errno, "cannot create %s", tmp);
	/* Its owner's mode and, where we may, owner. */
	if (fchmod (fd, st.st_mode & 07777) != 0)
		goto fail;
	if (fchown (fd, st.st_uid, st.st_gid) != 0 && errno != EPERM)
		goto fail;
	for (i = 0; i < moved->len; i++) {
		gsize start = (gsize) g_array_index (moved, gint64, i);
		gsize end = bs_mbox_message_end (data, len, start);

		if (!write_all (fd, data + at, start - at))
			goto fail;
		at = end;
	}
	if (!write_all (fd, data + at, len - at) || fsync (fd) != 0)
		goto fail;
	if (close (fd) != 0) {
		fd = -1;
		goto fail;
	}
	/* A writer that ignores our locks (flock(2) only) may have added
	 * mail meanwhile: renaming over it would lose that.  The copies
	 * are made, so leaving the mbox as it is loses nothing. */
	{
		struct stat now;

		if (fstat (mbox_fd, &now) != 0 || now.st_size != st.st_size
		    || (gsize) now.st_size != len
		    || now.st_mtim.tv_sec != st.st_mtim.tv_sec
		    || now.st_mtim.tv_nsec != st.st_mtim.tv_nsec) {
			(void) unlink (tmp);
			g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_AGAIN,
			    "%s changed while it was rewritten; left as it "
			    "was (its backscatter is copied)", mbox);
			return FALSE;
		}
	}
	if (rename (tmp, mbox) != 0) {
		saved = errno;
		(void) unlink (tmp);
		return io_error (error, saved, "cannot rename %s to %s", tmp,
		    mbox);
	}
	return sync_dir (dir, error);
fail:
	saved = errno;
	if (fd >= 0)
		close (fd);
	(void) unlink (tmp);
	return io_error (error, saved, "cannot write %s", tmp);
}

gboolean
bs_mover_copy_mbox (BsMover *m, const char *mbox, const gint64 *offsets,
    guint n_offsets, gboolean rewrite, BsMoverNotify notify, gpointer data,
    GError **error)
{
	g_autofree char *lock = g_strconcat (mbox, ".lock", NULL);
	g_autoptr(GArray) sorted = g_array_sized_new (FALSE, FALSE,
	    sizeof (gint64), n_offsets);
	g_autoptr(GArray) copied = g_array_new (FALSE, FALSE, sizeof (gint64));
	g_autoptr(GMappedFile) map = NULL;
	g_autofree char *cur = g_build_filename (m->folder, "cur", NULL);
	g_autofree char *new_dir = g_build_filename (m->folder, "new", NULL);
	gboolean locked = FALSE, ok = FALSE;
	const char *text;
	gsize len;
	guint i;
	int fd;

	rewrite = rewrite && !m->dry_run;
	g_array_append_vals (sorted, offsets, n_offsets);
	g_array_sort (sorted, compare_gint64);
	fd = open (mbox, (rewrite ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return io_error (error, errno, "cannot open %s", mbox);
	if (rewrite) {
		if (!dotlock (lock, error))
			goto out;
		locked = TRUE;
	}
	/* Writers wait while we read, and everyone while we rewrite. */
	if (!fcntl_lock (fd, rewrite ? F_WRLCK : F_RDLCK, mbox, error))
		goto out;
	map = g_mapped_file_new_from_fd (fd, FALSE, error);
	if (map == NULL)
		goto out;
	text = g_mapped_file_get_contents (map);
	len = g_mapped_file_get_length (map);
	for (i = 0; i < sorted->len; i++) {
		gint64 off = g_array_index (sorted, gint64, i);
		g_autoptr(GError) why = NULL;
		g_autofree char *dest = NULL;

		if (i > 0 && off == g_array_index (sorted, gint64, i - 1))
			continue;
		if (off < 0 || (guint64) off + 5 > len
		    || memcmp (text + off, "From ", 5) != 0
		    || (off > 0 && text[off - 1] != '\n')) {
			g_set_error (&why, BS_MOVE_ERROR, BS_MOVE_ERROR_CHANGED,
			    "no From line at byte %" G_GINT64_FORMAT
			    ": changed since it was read; left", off);
		} else {
			dest = copy_one (m, text + off, bs_mbox_message_end (
			    text, len, (gsize) off) - (gsize) off, &why);
		}
		if (dest != NULL)
			g_array_append_val (copied, off);
		if (notify != NULL)
			notify (mbox, off, dest, why, data);
	}
	if (m->dry_run) {
		ok = TRUE;
		goto out;
	}
	/* The copies are on disk before the mbox loses a byte. */
	if (copied->len > 0 && (!sync_dir (cur, error)
	    || !sync_dir (new_dir, error)))
		goto out;
	if (rewrite && copied->len > 0
	    && !rewrite_mbox (mbox, fd, text, len, copied, error))
		goto out;
	ok = TRUE;
out:
	g_clear_pointer (&map, g_mapped_file_unref);
	if (locked)
		(void) unlink (lock);
	close (fd);	/* and with it the fcntl lock */
	return ok;
}
