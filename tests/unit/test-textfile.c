/* test-textfile.c: settings files are read whole only when they are
 * regular files under the cap (issue 10, defect 6). */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "textfile.h"

#include "tmp-files.h"

static char *
make_dir (void)
{
	return bs_test_tmp_dir ("bs-textfile-XXXXXX");
}

static void
test_regular (void)
{
	g_autofree char *dir = make_dir ();
	g_autofree char *path = g_build_filename (dir, "a.conf", NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *got = NULL;
	gsize len = 0;

	g_assert_true (g_file_set_contents (path, "[limits]\nmax-size=1M\n",
	    -1, NULL));
	got = bs_textfile_read (path, &len, &error);
	g_assert_no_error (error);
	g_assert_cmpstr (got, ==, "[limits]\nmax-size=1M\n");
	g_assert_cmpuint (len, ==, 21);
	g_unlink (path);
	/* Empty is a file too. */
	g_assert_true (g_file_set_contents (path, "", 0, NULL));
	g_clear_pointer (&got, g_free);
	got = bs_textfile_read (path, &len, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (len, ==, 0);
	g_unlink (path);
	g_rmdir (dir);
}

static void
test_refused (void)
{
	g_autofree char *dir = make_dir ();
	g_autofree char *fifo = g_build_filename (dir, "fifo", NULL);
	g_autofree char *zero = g_build_filename (dir, "zero", NULL);
	g_autofree char *big = g_build_filename (dir, "big", NULL);
	g_autofree char *cap = g_build_filename (dir, "cap", NULL);
	g_autofree char *missing = g_build_filename (dir, "missing", NULL);
	const struct {
		const char *path;
		int code;
	} cases[] = {
		{ fifo, BS_TEXTFILE_ERROR_TYPE },
		{ zero, BS_TEXTFILE_ERROR_TYPE },
		{ dir, BS_TEXTFILE_ERROR_TYPE },
		{ big, BS_TEXTFILE_ERROR_SIZE },
		{ missing, BS_TEXTFILE_ERROR_OPEN },
	};
	g_autoptr(GError) error = NULL;
	g_autofree char *got = NULL;
	gsize i, len;
	int fd;

	g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
	g_assert_cmpint (symlink ("/dev/zero", zero), ==, 0);
	fd = open (big, O_WRONLY | O_CREAT, 0600);
	g_assert_cmpint (fd, >=, 0);
	g_assert_cmpint (ftruncate (fd, BS_TEXTFILE_MAX_SIZE + 1), ==, 0);
	close (fd);
	fd = open (cap, O_WRONLY | O_CREAT, 0600);
	g_assert_cmpint (ftruncate (fd, BS_TEXTFILE_MAX_SIZE), ==, 0);
	close (fd);
	for (i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autoptr(GError) e = NULL;
		char *none;

		g_test_message ("%s", cases[i].path);
		none = bs_textfile_read (cases[i].path, &len, &e);
		g_assert_null (none);
		g_assert_error (e, BS_TEXTFILE_ERROR, cases[i].code);
		g_assert_true (g_str_has_prefix (e->message, cases[i].path));
	}
	/* Exactly the cap is still a settings file. */
	got = bs_textfile_read (cap, &len, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (len, ==, BS_TEXTFILE_MAX_SIZE);
	g_unlink (fifo);
	g_unlink (zero);
	g_unlink (big);
	g_unlink (cap);
	g_rmdir (dir);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/textfile/regular", test_regular);
	g_test_add_func ("/textfile/refused", test_refused);
	return g_test_run ();
}
