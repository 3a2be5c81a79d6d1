/* tmp-files.h: temporary files and folders for the unit tests, which
 * each program removes itself. */
#pragma once

#include <unistd.h>

#include <glib.h>

/* Writes contents to a new file named after tmpl (g_file_open_tmp).
 * Returns: (transfer full) its path. */
static inline char *
bs_test_tmp_file (const char *tmpl, const char *contents)
{
	g_autoptr(GError) error = NULL;
	char *path = NULL;
	int fd = g_file_open_tmp (tmpl, &path, &error);

	g_assert_no_error (error);
	close (fd);
	g_file_set_contents (path, contents, -1, &error);
	g_assert_no_error (error);
	return path;
}

/* Returns: (transfer full) a new folder named after tmpl. */
static inline char *
bs_test_tmp_dir (const char *tmpl)
{
	g_autoptr(GError) error = NULL;
	char *dir = g_dir_make_tmp (tmpl, &error);

	g_assert_no_error (error);
	return dir;
}
