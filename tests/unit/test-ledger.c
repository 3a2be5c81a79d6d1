/* test-ledger.c: the sent-mail ledger on real SQLite files, and the
 * mailbox reader on real Maildir, MH and mbox folders. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gmime/gmime.h>
#include <sqlite3.h>

#include "ledger.h"
#include "mailbox.h"

#define DAY 86400
#define T0 1272000000	/* 2010-04-23 */

static char *
tmp_dir (void)
{
	g_autoptr(GError) error = NULL;
	char *dir = g_dir_make_tmp ("test-ledger-XXXXXX", &error);

	g_assert_no_error (error);
	return dir;
}

static void
rm_rf (const char *path)
{
	g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", path);

	g_assert_cmpint (system (cmd), ==, 0);
}

static void
learn (BsLedger *l, const char *id, gint64 date, gboolean want_new)
{
	g_autoptr(GError) error = NULL;
	BsLedgerEntry e = { id, date, "Kim@Example.org", "bob@example.net",
	    "hello" };
	gboolean is_new = FALSE;

	g_assert_true (bs_ledger_add (l, &e, &is_new, &error));
	g_assert_no_error (error);
	g_assert_cmpint (is_new, ==, want_new);
}

/* A ledger with ids a0..a9, one a day from T0. */
static char *
make_ledger (const char *dir)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(BsLedger) l = NULL;
	char *path = g_build_filename (dir, "sub", "dir", "sent.sqlite", NULL);
	guint i;

	l = bs_ledger_open_write (path, &error);
	g_assert_no_error (error);
	g_assert_true (bs_ledger_begin (l, &error));
	for (i = 0; i < 10; i++) {
		g_autofree char *id = g_strdup_printf ("a%u@example.org", i);

		learn (l, id, T0 + (gint64) i * DAY, TRUE);
	}
	g_assert_true (bs_ledger_commit (l, &error));
	g_assert_no_error (error);
	return path;
}

static void
test_learn_lookup (void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = tmp_dir ();
	g_autofree char *path = make_ledger (dir);
	g_autoptr(BsLedger) w = NULL;
	g_autoptr(BsLedger) r = NULL;
	g_autoptr(GPtrArray) addrs = NULL;
	BsLedgerLookup res;
	struct stat st;

	/* Created with its folders, private. */
	g_assert_cmpint (stat (path, &st), ==, 0);
	g_assert_cmpint (st.st_mode & 0777, ==, 0600);

	/* Learning the same again adds nothing. */
	w = bs_ledger_open_write (path, &error);
	g_assert_no_error (error);
	g_assert_true (bs_ledger_begin (w, &error));
	learn (w, "a3@example.org", T0 + 3 * DAY, FALSE);
	learn (w, "b@example.org", 0, TRUE);
	g_assert_true (bs_ledger_commit (w, &error));
	g_clear_pointer (&w, bs_ledger_close);

	r = bs_ledger_open_read (path, &error);
	g_assert_no_error (error);
	/* Found, however the field was written. */
	g_assert_true (bs_ledger_lookup (r, "<a3@example.org>", T0, &res,
	    &error));
	g_assert_true (res.found);
	g_assert_cmpint (res.found_date, ==, T0 + 3 * DAY);
	g_assert_cmpint (res.total, ==, 11);
	g_assert_true (bs_ledger_lookup (r, " <a3@example.org> (comment)", T0,
	    &res, &error));
	g_assert_true (res.found);
	/* Not found; mail 3 days each side of T0 + 5 days. */
	g_assert_true (bs_ledger_lookup (r, "<zz@example.org>", T0 + 5 * DAY,
	    &res, &error));
	g_assert_false (res.found);
	g_assert_cmpint (res.before, ==, 4);
	g_assert_cmpint (res.after, ==, 3);
	g_assert_cmpint (res.first, ==, T0);
	g_assert_cmpint (res.last, ==, T0 + 9 * DAY);
	addrs = bs_ledger_addresses (r, 10, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (addrs->len, ==, 1);
	g_assert_cmpstr (addrs->pdata[0], ==, "kim@example.org");
	rm_rf (dir);
}

static BsFacts *
bounce_of (const char *id, gint64 date)
{
	BsFacts *f = bs_facts_new ();

	f->kind = BS_KIND_DSN;
	f->original->found = TRUE;
	f->original->message_id = g_strdup (id);
	f->original->date_unix = date;
	return f;
}

static void
test_judge (void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = tmp_dir ();
	g_autofree char *path = make_ledger (dir);
	g_autoptr(BsLedger) r = bs_ledger_open_read (path, &error);
	g_autoptr(BsFacts) sent = bounce_of ("<a2@example.org>", T0);
	g_autoptr(BsFacts) unsent = bounce_of ("<spam@example.org>",
	    T0 + 4 * DAY);
	g_autoptr(BsFacts) far = bounce_of ("<spam@example.org>",
	    T0 + 40 * DAY);
	g_autoptr(BsFacts) undated = bounce_of ("<spam@example.org>", 0);
	g_autoptr(BsFacts) no_id = bounce_of (NULL, T0);

	g_assert_no_error (error);
	g_assert_true (bs_ledger_judge (r, sent, &error));
	g_assert_true (sent->ledger_sent);
	g_assert_false (sent->ledger_unsent);
	g_assert_cmpstr (sent->ledger_detail, ==, "Message-ID "
	    "<a2@example.org> is one of the 10 messages you sent (dated "
	    "2010-04-25)");

	g_assert_true (bs_ledger_judge (r, unsent, &error));
	g_assert_false (unsent->ledger_sent);
	g_assert_true (unsent->ledger_unsent);
	g_assert_cmpstr (unsent->ledger_detail, ==, "Message-ID "
	    "<spam@example.org> is not among the 10 messages you sent (the "
	    "ledger covers 2010-04-23 .. 2010-05-02, 7 of them within 3 days "
	    "of its Date)");

	/* Outside what the ledger covers, or no Date or Message-ID: no
	 * say. */
	g_assert_true (bs_ledger_judge (r, far, &error));
	g_assert_false (far->ledger_sent || far->ledger_unsent);
	g_assert_null (far->ledger_detail);
	g_assert_true (bs_ledger_judge (r, undated, &error));
	g_assert_false (undated->ledger_sent || undated->ledger_unsent);
	g_assert_true (bs_ledger_judge (r, no_id, &error));
	g_assert_false (no_id->ledger_sent || no_id->ledger_unsent);
	rm_rf (dir);
}

/* An original without a Message-ID, as Exim's delay warnings and many
 * prose bounces return it: Date, Subject, To. */
static BsFacts *
unidentified_bounce (gint64 date, const char *subject, const char *to,
    const char *failed)
{
	BsFacts *f = bounce_of (NULL, date);

	f->original->subject = g_strdup (subject);
	f->original->to = g_strdup (to);
	if (failed != NULL) {
		BsRecipient *r = bs_recipient_new ();

		r->recipient = g_strdup (failed);
		bs_dsn_add_recipient (f->dsn, r);
	}
	return f;
}

static void
test_judge_unidentified (void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = tmp_dir ();
	g_autofree char *path = make_ledger (dir);
	g_autoptr(BsLedger) r = bs_ledger_open_read (path, &error);
	g_autoptr(BsLedger) w = NULL;
	/* a1 was sent at T0 + 1 day, "hello", to bob@example.net. */
	g_autoptr(BsFacts) by_to = unidentified_bounce (T0 + DAY, "hello",
	    "Bob <BOB@example.net>", NULL);
	g_autoptr(BsFacts) by_dsn = unidentified_bounce (T0 + DAY, "hello",
	    "someone@example.com", "bob@example.net");
	g_autoptr(BsFacts) other_subject = unidentified_bounce (T0 + DAY,
	    "hello!", "bob@example.net", NULL);
	g_autoptr(BsFacts) other_rcpt = unidentified_bounce (T0 + DAY,
	    "hello", "eve@example.com", "eve@example.com");
	g_autoptr(BsFacts) forged = unidentified_bounce (T0 + DAY + 3600,
	    "hello", "bob@example.net", NULL);
	g_autoptr(BsFacts) far = unidentified_bounce (T0 + 40 * DAY,
	    "hello", "bob@example.net", NULL);
	BsLedgerMatch m;
	gboolean is_new;
	const char *const rcpts[] = { "bob@example.net", NULL };

	g_assert_no_error (error);
	g_assert_true (bs_ledger_match (r, T0 + DAY, "hello", rcpts, &m,
	    &error));
	g_assert_cmpint (m, ==, BS_LEDGER_MATCH_SENT);
	g_assert_true (bs_ledger_match (r, T0 + DAY + 1, "hello", rcpts, &m,
	    &error));
	g_assert_cmpint (m, ==, BS_LEDGER_MATCH_NONE);

	/* Date, Subject and a recipient (the original's To, or the one the
	 * bouncing server names) of a sent message: the owner's. */
	g_assert_true (bs_ledger_judge (r, by_to, &error));
	g_assert_true (by_to->ledger_sent);
	g_assert_cmpstr (by_to->ledger_detail, ==, "the original has no "
	    "Message-ID, but one of the 10 messages you sent has its Date "
	    "(2010-04-24 05:20:00 UTC), Subject and a recipient");
	g_assert_true (bs_ledger_judge (r, by_dsn, &error));
	g_assert_true (by_dsn->ledger_sent);

	/* That second, but another Subject or recipient: a bouncer may have
	 * rewritten it, so no say either way. */
	g_assert_true (bs_ledger_judge (r, other_subject, &error));
	g_assert_false (other_subject->ledger_sent
	    || other_subject->ledger_unsent);
	g_assert_true (bs_ledger_judge (r, other_rcpt, &error));
	g_assert_false (other_rcpt->ledger_sent || other_rcpt->ledger_unsent);

	/* Nothing sent at that second, in a period the ledger covers:
	 * never sent, whatever the forger copied. */
	g_assert_true (bs_ledger_judge (r, forged, &error));
	g_assert_false (forged->ledger_sent);
	g_assert_true (forged->ledger_unsent);
	g_assert_cmpstr (forged->ledger_detail, ==, "the original has no "
	    "Message-ID, and none of the 10 messages you sent, all with one, "
	    "is dated 2010-04-24 06:20:00 UTC (the ledger covers 2010-04-23 "
	    ".. 2010-05-02, 5 of them within 3 days of it)");
	g_assert_true (bs_ledger_judge (r, far, &error));
	g_assert_false (far->ledger_sent || far->ledger_unsent);
	g_clear_pointer (&r, bs_ledger_close);

	/* Once the owner is known to send mail without a Message-ID, its
	 * absence proves nothing; a match still does. */
	w = bs_ledger_open_write (path, &error);
	g_assert_no_error (error);
	g_assert_true (bs_ledger_begin (w, &error));
	{
		BsLedgerEntry e = { NULL, T0, "kim@example.org", NULL, NULL };

		g_assert_true (bs_ledger_add (w, &e, &is_new, &error));
		g_assert_false (is_new);
	}
	g_assert_true (bs_ledger_commit (w, &error));
	g_clear_pointer (&w, bs_ledger_close);
	r = bs_ledger_open_read (path, &error);
	g_assert_no_error (error);
	g_clear_pointer (&forged->ledger_detail, g_free);
	forged->ledger_unsent = FALSE;
	g_assert_true (bs_ledger_judge (r, forged, &error));
	g_assert_false (forged->ledger_sent || forged->ledger_unsent);
	by_to->ledger_sent = FALSE;
	g_assert_true (bs_ledger_judge (r, by_to, &error));
	g_assert_true (by_to->ledger_sent);
	rm_rf (dir);
}

static void
sql (const char *path, const char *stmt)
{
	sqlite3 *db = NULL;

	g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
	g_assert_cmpint (sqlite3_exec (db, stmt, NULL, NULL, NULL), ==,
	    SQLITE_OK);
	sqlite3_close (db);
}

static void
test_bad_files (void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = tmp_dir ();
	g_autofree char *path = make_ledger (dir);
	g_autofree char *missing = g_build_filename (dir, "none.sqlite", NULL);
	g_autofree char *junk = g_build_filename (dir, "junk.sqlite", NULL);
	g_autofree char *other = g_build_filename (dir, "other.sqlite", NULL);
	BsLedger *l;

	l = bs_ledger_open_read (missing, &error);
	g_assert_null (l);
	g_assert_error (error, BS_LEDGER_ERROR, BS_LEDGER_ERROR_OPEN);
	g_clear_error (&error);

	g_assert_true (g_file_set_contents (junk, "this is no database, but "
	    "it is long enough to look like one to a reader that only looks "
	    "at the size of the file it was given", -1, NULL));
	l = bs_ledger_open_read (junk, &error);
	g_assert_null (l);
	g_assert_error (error, BS_LEDGER_ERROR, BS_LEDGER_ERROR_SCHEMA);
	g_clear_error (&error);
	l = bs_ledger_open_write (junk, &error);
	g_assert_null (l);
	g_assert_nonnull (error);
	g_clear_error (&error);

	/* Some other program's SQLite file is left alone. */
	sql (other, "CREATE TABLE notes (x)");
	l = bs_ledger_open_write (other, &error);
	g_assert_null (l);
	g_assert_error (error, BS_LEDGER_ERROR, BS_LEDGER_ERROR_SCHEMA);
	g_clear_error (&error);
	l = bs_ledger_open_read (other, &error);
	g_assert_null (l);
	g_assert_error (error, BS_LEDGER_ERROR, BS_LEDGER_ERROR_SCHEMA);
	g_clear_error (&error);

	/* A newer schema is neither read nor written. */
	sql (path, "PRAGMA user_version = 99");
	l = bs_ledger_open_read (path, &error);
	g_assert_null (l);
	g_assert_error (error, BS_LEDGER_ERROR, BS_LEDGER_ERROR_NEWER);
	g_clear_error (&error);
	l = bs_ledger_open_write (path, &error);
	g_assert_null (l);
	g_assert_error (error, BS_LEDGER_ERROR, BS_LEDGER_ERROR_NEWER);
	rm_rf (dir);
}

/* An empty file is schema 0; the first learner migrates it.  Read before
 * that, it is a ledger a first learner is still creating: it knows
 * nothing, and says so without an error (a reader racing that learner
 * warned, in the concurrency test). */
static void
test_migrate (void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = tmp_dir ();
	g_autofree char *path = g_build_filename (dir, "l.sqlite", NULL);
	BsLedgerLookup r;
	BsLedger *l;

	g_assert_true (g_file_set_contents (path, "", 0, NULL));
	l = bs_ledger_open_read (path, &error);
	g_assert_no_error (error);
	g_assert_nonnull (l);
	g_assert_true (bs_ledger_lookup (l, "<a@example.org>", 1700000000, &r,
	    &error));
	g_assert_no_error (error);
	g_assert_false (r.found);
	g_assert_cmpint (r.total, ==, 0);
	bs_ledger_close (l);
	l = bs_ledger_open_write (path, &error);
	g_assert_no_error (error);
	bs_ledger_close (l);
	l = bs_ledger_open_read (path, &error);
	g_assert_no_error (error);
	bs_ledger_close (l);
	rm_rf (dir);
}

static void
test_expire (void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = tmp_dir ();
	g_autofree char *path = make_ledger (dir);
	g_autoptr(BsLedger) w = bs_ledger_open_write (path, &error);
	g_autoptr(BsLedger) r = NULL;
	BsLedgerLookup res;
	gint64 removed = 0;

	g_assert_no_error (error);
	/* "Now" is T0 + 12 days: keep 5 days, so a0..a6 go. */
	g_assert_true (bs_ledger_expire (w, 5, T0 + 12 * DAY, &removed,
	    &error));
	g_assert_cmpint (removed, ==, 7);
	r = bs_ledger_open_read (path, &error);
	g_assert_no_error (error);
	g_assert_true (bs_ledger_lookup (r, "<a8@example.org>", 0, &res,
	    &error));
	g_assert_true (res.found);
	g_assert_cmpint (res.total, ==, 3);
	g_assert_cmpint (res.first, ==, T0 + 7 * DAY);
	rm_rf (dir);
}

/* A reader in a folder it cannot write, after the writer is gone: from
 * the -wal and -shm files kept for it, or as immutable without them. */
static void
test_read_only_dir (void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = tmp_dir ();
	g_autofree char *path = make_ledger (dir);
	g_autofree char *sub = g_path_get_dirname (path);
	g_autofree char *shm = g_strconcat (path, "-shm", NULL);
	g_autofree char *wal = g_strconcat (path, "-wal", NULL);
	BsLedger *l;
	BsLedgerLookup res;

	if (geteuid () == 0) {
		g_test_skip ("root writes any folder");
		rm_rf (dir);
		return;
	}
	g_assert_true (g_file_test (shm, G_FILE_TEST_EXISTS));
	g_assert_cmpint (g_chmod (sub, 0555), ==, 0);
	l = bs_ledger_open_read (path, &error);
	g_assert_no_error (error);
	g_assert_true (bs_ledger_lookup (l, "<a1@example.org>", 0, &res,
	    &error));
	g_assert_true (res.found);
	bs_ledger_close (l);

	g_assert_cmpint (g_chmod (sub, 0755), ==, 0);
	sql (path, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode "
	    "= DELETE");
	g_unlink (shm);
	g_unlink (wal);
	sql (path, "PRAGMA journal_mode = WAL");
	g_unlink (shm);
	g_unlink (wal);
	g_assert_cmpint (g_chmod (sub, 0555), ==, 0);
	l = bs_ledger_open_read (path, &error);
	g_assert_no_error (error);
	g_assert_true (bs_ledger_lookup (l, "<a1@example.org>", 0, &res,
	    &error));
	g_assert_true (res.found);
	bs_ledger_close (l);
	g_assert_cmpint (g_chmod (sub, 0755), ==, 0);
	rm_rf (dir);
}

/* --- mailbox ---------------------------------------------------------- */

static const char msg_fmt[] =
	"From: Kim <kim@example.org>\n"
	"To: Bob <bob@example.net>, team: ann@example.net;\n"
	"Cc: carl@example.net\n"
	"Subject: =?UTF-8?Q?caf=C3=A9?=\n"
	"Date: Fri, 23 Apr 2010 05:20:00 +0000\n"
	"%s"
	"\n"
	"body line\n"
	"Message-ID: <not-this@example.org>\n";

static void
put (const char *dir, const char *name, const char *id_line)
{
	g_autofree char *path = g_build_filename (dir, name, NULL);
	g_autofree char *text = g_strdup_printf (msg_fmt, id_line);

	g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static gboolean
collect (const BsSentMessage *m, gpointer data, GError **error)
{
	GPtrArray *ids = data;

	g_ptr_array_add (ids, g_strdup (m->message_id != NULL ?
	    m->message_id : "(none)"));
	if (m->message_id != NULL) {
		g_assert_cmpint (m->date, ==, T0);
		g_assert_cmpstr (m->from, ==, "kim@example.org");
		g_assert_cmpstr (m->recipients, ==, "bob@example.net, "
		    "ann@example.net, carl@example.net");
		g_assert_cmpstr (m->subject, ==, "caf\xc3\xa9");
	}
	return TRUE;
}

static char *
read_ids (const char *path, BsMailboxKind want)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
	BsMailboxKind kind;

	g_assert_true (bs_mailbox_kind (path, &kind, &error));
	g_assert_cmpint (kind, ==, want);
	g_assert_true (bs_mailbox_read (path, collect, ids, &error));
	g_assert_no_error (error);
	g_ptr_array_add (ids, NULL);
	return g_strjoinv (" ", (char **) ids->pdata);
}

static void
test_mailboxes (void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = tmp_dir ();
	g_autofree char *md = g_build_filename (dir, "Maildir", NULL);
	g_autofree char *cur = g_build_filename (md, "cur", NULL);
	g_autofree char *new = g_build_filename (md, "new", NULL);
	g_autofree char *mh = g_build_filename (dir, "mh", NULL);
	g_autofree char *mbox = g_build_filename (dir, "Sent.mbox", NULL);
	g_autofree char *one = g_build_filename (dir, "one.eml", NULL);
	g_autofree char *plain = g_build_filename (dir, "plain", NULL);
	g_autofree char *ids = NULL;
	g_autofree char *m1 = g_strdup_printf (msg_fmt,
	    "Message-ID: <m1@example.org>\n");
	g_autofree char *m2 = g_strdup_printf (msg_fmt,
	    "Message-Id:\n  <m2@example.org> (folded)\n");
	g_autofree char *box = g_strconcat ("From kim@example.org Fri Apr 23 "
	    "05:20:00 2010\n", m1, "\nFrom kim@example.org Fri Apr 23 "
	    "05:20:00 2010\n", m2, NULL);
	BsMailboxKind kind;

	g_assert_cmpint (g_mkdir_with_parents (cur, 0700), ==, 0);
	g_assert_cmpint (g_mkdir_with_parents (new, 0700), ==, 0);
	g_assert_cmpint (g_mkdir_with_parents (mh, 0700), ==, 0);
	put (cur, "1.host:2,S", "Message-ID: <c1@example.org>\n");
	put (cur, "2.host:2,S", "");
	put (new, "3.host", "Message-ID:  <n1@example.org>\n");
	ids = read_ids (md, BS_MAILBOX_MAILDIR);
	g_assert_cmpstr (ids, ==, "c1@example.org (none) n1@example.org");
	g_clear_pointer (&ids, g_free);

	put (mh, "1", "Message-ID: <h1@example.org>\n");
	put (mh, "12", "Message-ID: <h12@example.org>\n");
	put (mh, ".mh_sequences", "");
	put (mh, "notes.txt", "Message-ID: <no@example.org>\n");
	ids = read_ids (mh, BS_MAILBOX_MH);
	g_assert_cmpstr (ids, ==, "h1@example.org h12@example.org");
	g_clear_pointer (&ids, g_free);

	g_assert_true (g_file_set_contents (mbox, box, -1, NULL));
	ids = read_ids (mbox, BS_MAILBOX_MBOX);
	g_assert_cmpstr (ids, ==, "m1@example.org m2@example.org");
	g_clear_pointer (&ids, g_free);

	g_assert_true (g_file_set_contents (one, m2, -1, NULL));
	ids = read_ids (one, BS_MAILBOX_MESSAGE);
	g_assert_cmpstr (ids, ==, "m2@example.org");

	/* A folder that is no mailbox, and no file at all. */
	g_assert_cmpint (g_mkdir (plain, 0700), ==, 0);
	g_assert_false (bs_mailbox_kind (plain, &kind, &error));
	g_assert_error (error, BS_MAILBOX_ERROR, BS_MAILBOX_ERROR_KIND);
	g_clear_error (&error);
	g_assert_false (bs_mailbox_kind ("/nonexistent/x", &kind,
	    &error));
	g_assert_error (error, BS_MAILBOX_ERROR, BS_MAILBOX_ERROR_OPEN);
	rm_rf (dir);
}

/* Learning and lookup agree on the Message-ID, however it is written. */
static void
test_normalise (void)
{
	static const char *const forms[] = {
		"<x.1@example.org>", " <x.1@example.org> ",
		"<x.1@example.org> (comment)", "\n <x.1@example.org>",
		NULL,
	};
	guint i;

	for (i = 0; forms[i] != NULL; i++) {
		g_autofree char *text = g_strdup_printf ("Message-ID:%s\n"
		    "From: kim@example.org\n\n", forms[i]);
		g_autoptr(BsSentMessage) m = bs_mailbox_parse_message (text,
		    strlen (text));
		g_autofree char *id = bs_ledger_normalise_id (forms[i]);

		g_assert_cmpstr (m->message_id, ==, "x.1@example.org");
		g_assert_cmpstr (id, ==, "x.1@example.org");
	}
}

int
main (int argc, char **argv)
{
	int rc;

	g_test_init (&argc, &argv, NULL);
	g_mime_init ();
	g_test_add_func ("/ledger/learn-lookup", test_learn_lookup);
	g_test_add_func ("/ledger/judge", test_judge);
	g_test_add_func ("/ledger/judge-unidentified", test_judge_unidentified);
	g_test_add_func ("/ledger/bad-files", test_bad_files);
	g_test_add_func ("/ledger/migrate", test_migrate);
	g_test_add_func ("/ledger/expire", test_expire);
	g_test_add_func ("/ledger/read-only-dir", test_read_only_dir);
	g_test_add_func ("/mailbox/kinds", test_mailboxes);
	g_test_add_func ("/mailbox/normalise", test_normalise);
	rc = g_test_run ();
	g_mime_shutdown ();
	return rc;
}
