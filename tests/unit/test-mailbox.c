/* test-mailbox.c: the mbox reader (bs_mbox_next) against hand-made
 * mboxes and against a plain line-by-line split of generated ones, whose
 * separators fall on every side of the reader's 64 KiB chunks; the
 * folders of bs_mailbox_list and bs_mailbox_subfolders. */
#include <string.h>

#include <glib/gstdio.h>

#include "mailbox.h"

typedef struct {
	guint number;
	guint64 offset;
	guint64 size;
	char *data;		/* NULL: over max */
} Got;

static void
got_free (gpointer p)
{
	Got *g = p;

	g_free (g->data);
	g_free (g);
}

static GPtrArray *
read_all (BsMbox *mbox, guint64 max)
{
	GPtrArray *all = g_ptr_array_new_with_free_func (got_free);
	g_autoptr(GError) error = NULL;
	BsMboxMessage m;

	while (bs_mbox_next (mbox, max, &m, &error)) {
		Got *g = g_new0 (Got, 1);

		g->number = m.number;
		g->offset = m.offset;
		g->size = m.size;
		if (m.data != NULL) {
			gsize len;
			const char *d = g_bytes_get_data (m.data, &len);

			g->data = g_strndup (d != NULL ? d : "", len);
			g_assert_cmpuint (len, ==, m.size);
			g_bytes_unref (m.data);
		}
		g_ptr_array_add (all, g);
	}
	g_assert_no_error (error);
	return all;
}

static GPtrArray *
read_data (const char *text, guint64 max)
{
	g_autoptr(BsMbox) mbox = bs_mbox_new_for_data (text, strlen (text));

	return read_all (mbox, max);
}

#define GOT(a, i) ((Got *) (a)->pdata[i])

static void
test_mbox_basic (void)
{
	static const char text[] =
	    "From kim@example.org Mon Nov 30 10:00:00 2026\n"
	    "Subject: one\n"
	    "\n"
	    "body\n"
	    ">From here, a quoted line\n"
	    "\n"
	    "From lee@example.net Mon Nov 30 11:00:00 2026\n"
	    "Subject: two\n"
	    "\n"
	    "two\n";
	g_autoptr(GPtrArray) all = read_data (text, 0);

	g_assert_cmpuint (all->len, ==, 2);
	g_assert_cmpuint (GOT (all, 0)->number, ==, 1);
	g_assert_cmpuint (GOT (all, 0)->offset, ==, 0);
	g_assert_cmpstr (GOT (all, 0)->data, ==,
	    "Subject: one\n\nbody\n>From here, a quoted line\n");
	g_assert_cmpuint (GOT (all, 1)->number, ==, 2);
	g_assert_cmpuint (GOT (all, 1)->offset, ==,
	    strstr (text, "From lee") - text);
	g_assert_cmpstr (GOT (all, 1)->data, ==, "Subject: two\n\ntwo\n");
}

static void
test_mbox_edges (void)
{
	g_autoptr(GPtrArray) empty = read_data ("", 0);
	g_autoptr(GPtrArray) junk = read_data ("junk\nFrom a\nX: 1\n", 0);
	g_autoptr(GPtrArray) bare = read_data ("From a\nFrom b\n\nFrom c", 0);
	g_autoptr(GPtrArray) crlf = read_data ("From a\r\nX: 1\r\n\r\n"
	    "From b\r\nX: 2\r\n", 0);
	g_autoptr(GPtrArray) none = read_data ("Subject: no mbox\n", 0);
	g_autoptr(GPtrArray) cr = read_data ("From a\nX: 1\rY: 2\r\rz\r\n\n"
	    "From b\nX: 3\n", 0);

	g_assert_cmpuint (empty->len, ==, 0);
	g_assert_cmpuint (none->len, ==, 0);
	/* What comes before the first From line is no message. */
	g_assert_cmpuint (junk->len, ==, 1);
	g_assert_cmpuint (GOT (junk, 0)->offset, ==, 5);
	g_assert_cmpstr (GOT (junk, 0)->data, ==, "X: 1\n");
	/* Empty messages, and a last From line without a newline. */
	g_assert_cmpuint (bare->len, ==, 3);
	g_assert_cmpstr (GOT (bare, 0)->data, ==, "");
	g_assert_cmpstr (GOT (bare, 1)->data, ==, "\n");
	g_assert_cmpstr (GOT (bare, 2)->data, ==, "");
	g_assert_cmpuint (GOT (bare, 2)->offset, ==, 15);
	g_assert_cmpuint (crlf->len, ==, 2);
	g_assert_cmpstr (GOT (crlf, 0)->data, ==, "X: 1\r\n");
	g_assert_cmpstr (GOT (crlf, 1)->data, ==, "X: 2\r\n");
	/* Bare-CR mail stays bare CR: the writer's line end is its own. */
	g_assert_cmpuint (cr->len, ==, 2);
	g_assert_cmpstr (GOT (cr, 0)->data, ==, "X: 1\rY: 2\r\rz\r");
}

static void
test_mbox_too_large (void)
{
	GString *text = g_string_new ("From a\nSubject: big\n\n");
	g_autoptr(GPtrArray) all = NULL;
	guint i;

	for (i = 0; i < 20000; i++)
		g_string_append (text, "0123456789 line of a large message\n");
	g_string_append (text, "\nFrom b\nSubject: small\n\nx\n");
	all = read_data (text->str, 100000);
	g_assert_cmpuint (all->len, ==, 2);
	g_assert_null (GOT (all, 0)->data);
	g_assert_cmpuint (GOT (all, 0)->size, >, 100000);
	g_assert_cmpstr (GOT (all, 1)->data, ==, "Subject: small\n\nx\n");
	g_assert_cmpuint (GOT (all, 1)->offset, ==,
	    strstr (text->str, "From b") - text->str);
	g_string_free (text, TRUE);
}

/* Messages of every size around the reader's chunk, split as a person
 * would: at each line that starts with "From ". */
static void
test_mbox_chunks (void)
{
	g_autoptr(GString) text = g_string_new (NULL);
	g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func (g_free);
	g_autoptr(GArray) offsets = g_array_new (FALSE, FALSE,
	    sizeof (guint64));
	g_autoptr(GPtrArray) all = NULL;
	g_autoptr(GPtrArray) from_file = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *path = NULL;
	g_autoptr(BsMbox) mbox = NULL;
	guint32 seed = 7;
	guint i;
	int fd;

	for (i = 0; i < 60; i++) {
		GString *m = g_string_new ("Subject: chunk\n\n");
		gsize target = 65536 - 40 + (i % 12) * 7 + (i / 12) * 9000;
		guint64 at = text->len;

		while (m->len < target) {
			seed = seed * 1103515245 + 12345;
			g_string_append_printf (m, "%s%.*s\n", (seed >> 16) % 9 == 0 ?
			    ">From " : "", (int) ((seed >> 8) % 70),
			    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
			    "abcdefghijklmnopqrstuvwxyz");
		}
		g_array_append_val (offsets, at);
		g_string_append_printf (text, "From sender%u@example.org Mon Nov "
		    "30 10:00:00 2026\n%s\n", i, m->str);
		g_ptr_array_add (want, g_string_free (m, FALSE));
	}
	all = read_data (text->str, 0);
	g_assert_cmpuint (all->len, ==, want->len);
	for (i = 0; i < want->len; i++) {
		g_assert_cmpuint (GOT (all, i)->number, ==, i + 1);
		g_assert_cmpuint (GOT (all, i)->offset, ==,
		    g_array_index (offsets, guint64, i));
		g_assert_cmpstr (GOT (all, i)->data, ==, want->pdata[i]);
	}
	/* The same from a file. */
	fd = g_file_open_tmp ("test-mailbox-XXXXXX", &path, &error);
	g_assert_no_error (error);
	close (fd);
	g_assert_true (g_file_set_contents (path, text->str, text->len,
	    &error));
	mbox = bs_mbox_open (path, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (bs_mbox_file_size (mbox), ==, text->len);
	from_file = read_all (mbox, 0);
	g_assert_cmpuint (bs_mbox_position (mbox), ==, text->len);
	g_assert_cmpuint (from_file->len, ==, want->len);
	for (i = 0; i < want->len; i++)
		g_assert_cmpstr (GOT (from_file, i)->data, ==, want->pdata[i]);
	g_unlink (path);
}

static void
touch (const char *dir, const char *name)
{
	g_autofree char *p = g_build_filename (dir, name, NULL);
	g_autofree char *parent = g_path_get_dirname (p);

	g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
	g_assert_true (g_file_set_contents (p, "Subject: x\n\nx\n", -1, NULL));
}

static void
test_folders (void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp ("test-mailbox-XXXXXX", &error);
	g_autofree char *md = g_build_filename (dir, "Mail", NULL);
	g_autofree char *mh = g_build_filename (dir, "mh", NULL);
	g_autoptr(GPtrArray) list = NULL;
	g_autoptr(GPtrArray) subs = NULL;
	g_autoptr(GPtrArray) mhlist = NULL;
	g_autofree char *cmd = NULL;
	BsMailboxKind kind;

	g_assert_no_error (error);
	touch (md, "cur/2:2,S");
	touch (md, "cur/1:2,");
	touch (md, "new/3");
	g_assert_cmpint (g_mkdir_with_parents (md, 0700), ==, 0);
	touch (md, ".Sent/cur/4:2,S");
	touch (md, ".Junk/new/5");
	touch (md, ".notmaildir/x");
	touch (mh, "10");
	touch (mh, "9");
	touch (mh, ".mh_sequences");
	touch (mh, "sub/1");
	g_assert_true (bs_mailbox_kind (md, &kind, &error));
	g_assert_cmpint (kind, ==, BS_MAILBOX_MAILDIR);
	list = bs_mailbox_list (md, kind, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (list->len, ==, 3);
	g_assert_true (g_str_has_suffix (list->pdata[0], "/cur/1:2,"));
	g_assert_true (g_str_has_suffix (list->pdata[1], "/cur/2:2,S"));
	g_assert_true (g_str_has_suffix (list->pdata[2], "/new/3"));
	subs = bs_mailbox_subfolders (md, kind);
	g_assert_cmpuint (subs->len, ==, 2);
	g_assert_true (g_str_has_suffix (subs->pdata[0], "/.Junk"));
	g_assert_true (g_str_has_suffix (subs->pdata[1], "/.Sent"));
	g_assert_true (bs_mailbox_kind (mh, &kind, &error));
	g_assert_cmpint (kind, ==, BS_MAILBOX_MH);
	mhlist = bs_mailbox_list (mh, kind, &error);
	g_assert_cmpuint (mhlist->len, ==, 2);
	g_assert_true (g_str_has_suffix (mhlist->pdata[0], "/9"));
	g_assert_true (g_str_has_suffix (mhlist->pdata[1], "/10"));
	g_clear_pointer (&subs, g_ptr_array_unref);
	subs = bs_mailbox_subfolders (mh, kind);
	g_assert_cmpuint (subs->len, ==, 1);
	cmd = g_strdup_printf ("rm -rf '%s'", dir);
	g_assert_cmpint (system (cmd), ==, 0);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/mbox/basic", test_mbox_basic);
	g_test_add_func ("/mbox/edges", test_mbox_edges);
	g_test_add_func ("/mbox/too-large", test_mbox_too_large);
	g_test_add_func ("/mbox/chunks", test_mbox_chunks);
	g_test_add_func ("/mailbox/folders", test_folders);
	return g_test_run ();
}
