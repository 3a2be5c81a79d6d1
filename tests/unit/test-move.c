/* test-move.c: move.c on folders and mboxes made in a temp dir. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "move.h"

#include "tmp-files.h"

static char *
tmp_dir (void)
{
	return bs_test_tmp_dir ("test-move-XXXXXX");
}

static void
put (const char *dir, const char *name, const char *text)
{
	g_autofree char *path = g_build_filename (dir, name, NULL);
	g_autofree char *parent = g_path_get_dirname (path);
	g_autoptr(GError) error = NULL;

	g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
	g_file_set_contents (path, text, -1, &error);
	g_assert_no_error (error);
}

static char *
get (const char *dir, const char *name)
{
	g_autofree char *path = g_build_filename (dir, name, NULL);
	char *text = NULL;

	if (!g_file_get_contents (path, &text, NULL, NULL))
		return NULL;
	return text;
}

static void
make_maildir (const char *top)
{
	put (top, "cur/1.M1P1.h:2,RS", "From: a\n\none\n");
	put (top, "new/2.M2P2.h", "From: b\n\ntwo\n");
	put (top, "tmp/.keep", "");
}

static void
check_maildir_move (gboolean force_copy)
{
	g_autofree char *top = tmp_dir ();
	g_autofree char *src = g_build_filename (top, "in", NULL);
	g_autofree char *folder = g_build_filename (top, "junk", NULL);
	g_autofree char *a = g_build_filename (src, "cur/1.M1P1.h:2,RS", NULL);
	g_autofree char *b = g_build_filename (src, "new/2.M2P2.h", NULL);
	g_autofree char *dest = NULL;
	g_autofree char *dest2 = NULL;
	g_autofree char *moved = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(BsMover) m = NULL;

	make_maildir (src);
	m = bs_mover_new (folder, FALSE, &error);
	g_assert_no_error (error);
	bs_mover_set_force_copy (m, force_copy);
	g_assert_true (bs_mover_move_file (m, a, &dest, &error));
	g_assert_no_error (error);
	g_assert_true (g_str_has_suffix (dest, "junk/cur/1.M1P1.h:2,RS"));
	g_assert_false (g_file_test (a, G_FILE_TEST_EXISTS));
	moved = get (folder, "cur/1.M1P1.h:2,RS");
	g_assert_cmpstr (moved, ==, "From: a\n\none\n");
	g_assert_true (bs_mover_move_file (m, b, &dest2, &error));
	g_assert_true (g_str_has_suffix (dest2, "junk/new/2.M2P2.h"));
	/* A message of the folder itself stays as it is. */
	g_clear_pointer (&dest, g_free);
	g_assert_true (bs_mover_move_file (m, dest2, &dest, &error));
	g_assert_no_error (error);
	g_assert_true (g_file_test (dest2, G_FILE_TEST_EXISTS));
	g_assert_true (g_file_test (folder, G_FILE_TEST_IS_DIR));
	/* Nothing left in tmp/ by a copy. */
	{
		g_autofree char *t = g_build_filename (folder, "tmp", NULL);
		g_autoptr(GDir) d = g_dir_open (t, 0, NULL);

		g_assert_null (g_dir_read_name (d));
	}
}

static void
test_maildir_rename (void)
{
	check_maildir_move (FALSE);
}

static void
test_maildir_copy (void)
{
	check_maildir_move (TRUE);
}

static void
test_exists (void)
{
	g_autofree char *top = tmp_dir ();
	g_autofree char *src = g_build_filename (top, "in", NULL);
	g_autofree char *folder = g_build_filename (top, "junk", NULL);
	g_autofree char *a = g_build_filename (src, "cur/1.M1P1.h:2,RS", NULL);
	g_autofree char *kept = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(BsMover) m = NULL;
	int copy;

	make_maildir (src);
	put (folder, "cur/1.M1P1.h:2,RS", "another\n");
	/* The same bytes there: a copy a kill interrupted; the source goes. */
	put (src, "new/3.M3P3.h", "same\n");
	put (folder, "new/3.M3P3.h", "same\n");
	{
		g_autofree char *c = g_build_filename (src, "new/3.M3P3.h", NULL);

		m = bs_mover_new (folder, FALSE, &error);
		g_assert_true (bs_mover_move_file (m, c, NULL, &error));
		g_assert_no_error (error);
		g_assert_false (g_file_test (c, G_FILE_TEST_EXISTS));
		g_clear_pointer (&m, bs_mover_free);
	}
	for (copy = 0; copy < 2; copy++) {
		m = bs_mover_new (folder, FALSE, &error);
		bs_mover_set_force_copy (m, copy);
		g_assert_false (bs_mover_move_file (m, a, NULL, &error));
		g_assert_error (error, BS_MOVE_ERROR, BS_MOVE_ERROR_EXISTS);
		g_clear_error (&error);
		g_assert_true (g_file_test (a, G_FILE_TEST_EXISTS));
		kept = get (folder, "cur/1.M1P1.h:2,RS");
		g_assert_cmpstr (kept, ==, "another\n");
		g_clear_pointer (&kept, g_free);
		g_clear_pointer (&m, bs_mover_free);
	}
}

static void
test_mh (void)
{
	g_autofree char *top = tmp_dir ();
	g_autofree char *src = g_build_filename (top, "inbox", NULL);
	g_autofree char *folder = g_build_filename (top, "junk", NULL);
	g_autofree char *msg = g_build_filename (src, "7", NULL);
	g_autofree char *plain = g_build_filename (top, "message.eml", NULL);
	g_autofree char *dest = NULL;
	g_autofree char *text = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(BsMover) m = NULL;

	put (src, "7", "From: c\n\nseven\n");
	put (top, "message.eml", "From: d\n\n");
	m = bs_mover_new (folder, FALSE, &error);
	g_assert_true (bs_mover_move_file (m, msg, &dest, &error));
	g_assert_no_error (error);
	g_assert_nonnull (strstr (dest, "/junk/new/"));
	g_assert_false (g_file_test (msg, G_FILE_TEST_EXISTS));
	g_assert_true (g_file_get_contents (dest, &text, NULL, NULL));
	g_assert_cmpstr (text, ==, "From: c\n\nseven\n");
	/* A message file of no folder stays. */
	g_assert_false (bs_mover_move_file (m, plain, NULL, &error));
	g_assert_error (error, BS_MOVE_ERROR, BS_MOVE_ERROR_NOT_FOLDER);
	g_assert_true (g_file_test (plain, G_FILE_TEST_EXISTS));
}

static void
test_dry_run (void)
{
	g_autofree char *top = tmp_dir ();
	g_autofree char *src = g_build_filename (top, "in", NULL);
	g_autofree char *folder = g_build_filename (top, "junk", NULL);
	g_autofree char *a = g_build_filename (src, "cur/1.M1P1.h:2,RS", NULL);
	g_autofree char *dest = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(BsMover) m = bs_mover_new (folder, TRUE, &error);

	make_maildir (src);
	g_assert_true (bs_mover_move_file (m, a, &dest, &error));
	g_assert_true (g_str_has_suffix (dest, "junk/cur/1.M1P1.h:2,RS"));
	g_assert_true (g_file_test (a, G_FILE_TEST_EXISTS));
	g_assert_false (g_file_test (folder, G_FILE_TEST_EXISTS));
}

static void
test_unquote (void)
{
	const char *mbox = "From MAILER-DAEMON Fri Nov 27 14:00:00 2026\n"
	    "Status: RO\nX-Status: AF\nSubject: x\n\n>From here\n>>From there\n"
	    "> From not\n\n";
	g_autofree char *flags = NULL;
	g_autoptr(GString) text = bs_mbox_unquote (mbox, strlen (mbox),
	    &flags);

	g_assert_cmpstr (text->str, ==, "Status: RO\nX-Status: AF\n"
	    "Subject: x\n\nFrom here\n>From there\n> From not\n");
	g_assert_cmpstr (flags, ==, "FRS");
}

static void
test_message_end (void)
{
	const char *mbox = "From a\n\nx\nFrom b\n\ny\n>From c\n";

	g_assert_cmpuint (bs_mbox_message_end (mbox, strlen (mbox), 0), ==, 10);
	g_assert_cmpuint (bs_mbox_message_end (mbox, strlen (mbox), 10), ==,
	    strlen (mbox));
}

typedef struct {
	guint copied, failed;
} Notes;

static void
note (const char *mbox, gint64 offset, const char *dest, const GError *error,
    gpointer data)
{
	Notes *n = data;

	if (dest != NULL)
		n->copied++;
	else
		n->failed++;
}

#define MSG1 "From a@example.org Fri Nov 27 14:00:00 2026\nSubject: 1\n\none\n\n"
#define MSG2 "From b@example.org Fri Nov 27 14:00:01 2026\nSubject: 2\n\ntwo\n\n"
#define MSG3 "From c@example.org Fri Nov 27 14:00:02 2026\nSubject: 3\n\nthree\n"

static void
test_mbox (void)
{
	g_autofree char *top = tmp_dir ();
	g_autofree char *mbox = g_build_filename (top, "mbox", NULL);
	g_autofree char *folder = g_build_filename (top, "junk", NULL);
	g_autofree char *text = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(BsMover) m = NULL;
	gint64 offsets[] = { (gint64) strlen (MSG1 MSG2), 0, 5 };
	Notes n = { 0, 0 };
	struct stat st;

	put (top, "mbox", MSG1 MSG2 MSG3);
	g_assert_cmpint (chmod (mbox, 0640), ==, 0);
	m = bs_mover_new (folder, FALSE, &error);
	/* Copies only: the mbox stays as it was. */
	g_assert_true (bs_mover_copy_mbox (m, mbox, offsets, 2, FALSE, note,
	    &n, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (n.copied, ==, 2);
	text = get (top, "mbox");
	g_assert_cmpstr (text, ==, MSG1 MSG2 MSG3);
	g_clear_pointer (&text, g_free);
	/* Rewritten: the copied messages go, the mode stays; a bad offset
	 * is left alone. */
	n.copied = 0;
	g_assert_true (bs_mover_copy_mbox (m, mbox, offsets, 3, TRUE, note,
	    &n, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (n.copied, ==, 2);
	g_assert_cmpuint (n.failed, ==, 1);
	text = get (top, "mbox");
	g_assert_cmpstr (text, ==, MSG2);
	g_assert_cmpint (stat (mbox, &st), ==, 0);
	g_assert_cmpint (st.st_mode & 0777, ==, 0640);
	{
		g_autofree char *lock = g_strconcat (mbox, ".lock", NULL);
		g_autofree char *new_dir = g_build_filename (folder, "new",
		    NULL);
		g_autoptr(GDir) d = g_dir_open (new_dir, 0, NULL);
		guint count = 0;

		g_assert_false (g_file_test (lock, G_FILE_TEST_EXISTS));
		while (g_dir_read_name (d) != NULL)
			count++;
		g_assert_cmpuint (count, ==, 4);
	}
}

static void
test_stale_dotlock (void)
{
	g_autofree char *top = tmp_dir ();
	g_autofree char *mbox = g_build_filename (top, "mbox", NULL);
	g_autofree char *folder = g_build_filename (top, "junk", NULL);
	g_autofree char *pid = NULL;
	g_autofree char *text = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(BsMover) m = NULL;
	gint64 offsets[] = { 0 };
	pid_t child;
	int status;

	/* The pid of a process that is gone (spawned, not forked: a forked
	 * child would be a second test process under valgrind). */
	{
		char *argv[] = { (char *) "true", NULL };

		g_assert_true (g_spawn_async (NULL, argv, NULL,
		    G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH, NULL, NULL,
		    &child, &error));
		g_assert_cmpint (waitpid (child, &status, 0), ==, child);
	}
	pid = g_strdup_printf ("%d\n", (int) child);
	put (top, "mbox", MSG1 MSG3);
	put (top, "mbox.lock", pid);
	m = bs_mover_new (folder, FALSE, &error);
	g_assert_true (bs_mover_copy_mbox (m, mbox, offsets, 1, TRUE, NULL,
	    NULL, &error));
	g_assert_no_error (error);
	text = get (top, "mbox");
	g_assert_cmpstr (text, ==, MSG3);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/move/maildir-rename", test_maildir_rename);
	g_test_add_func ("/move/maildir-copy", test_maildir_copy);
	g_test_add_func ("/move/exists", test_exists);
	g_test_add_func ("/move/mh", test_mh);
	g_test_add_func ("/move/dry-run", test_dry_run);
	g_test_add_func ("/move/mbox-unquote", test_unquote);
	g_test_add_func ("/move/mbox-message-end", test_message_end);
	g_test_add_func ("/move/mbox", test_mbox);
	g_test_add_func ("/move/stale-dotlock", test_stale_dotlock);
	return g_test_run ();
}
