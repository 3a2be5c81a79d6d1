/* ledger.c: the sent-mail ledger in SQLite.  Learners write in WAL mode,
 * one BEGIN IMMEDIATE transaction per learn, so that many deliveries at
 * once queue on the lock instead of failing; classifiers open the file
 * read-only and never block them. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <gmime/gmime.h>
#include <dlfcn.h>
#include <sqlite3.h>

#include "build-config.h"

#ifndef BS_SQLITE_STATIC
#define BS_SQLITE_STATIC 0
#endif

#include "ledger.h"

G_DEFINE_QUARK (bs-ledger-error-quark, bs_ledger_error)

/* The SQLite functions we call.  libsqlite3 is linked statically where
 * meson finds libsqlite3.a (BS_SQLITE_STATIC); else it is opened at the
 * first ledger use: linked like the other libraries, its 1,600 symbol
 * relocations cost every process 1.5M instructions of dynamic linking
 * (a fifth of a run), also for the messages that never reach the ledger.
 * As json-api.c does for json-glib. */
static struct {
	__typeof__ (sqlite3_bind_int) *bind_int;
	__typeof__ (sqlite3_bind_int64) *bind_int64;
	__typeof__ (sqlite3_bind_null) *bind_null;
	__typeof__ (sqlite3_bind_text) *bind_text;
	__typeof__ (sqlite3_busy_timeout) *busy_timeout;
	__typeof__ (sqlite3_changes) *changes;
	__typeof__ (sqlite3_clear_bindings) *clear_bindings;
	__typeof__ (sqlite3_close) *close;
	__typeof__ (sqlite3_column_int64) *column_int64;
	__typeof__ (sqlite3_column_text) *column_text;
	__typeof__ (sqlite3_errmsg) *errmsg;
	__typeof__ (sqlite3_errstr) *errstr;
	__typeof__ (sqlite3_exec) *exec;
	__typeof__ (sqlite3_file_control) *file_control;
	__typeof__ (sqlite3_finalize) *finalize;
	__typeof__ (sqlite3_open_v2) *open_v2;
	__typeof__ (sqlite3_prepare_v2) *prepare_v2;
	__typeof__ (sqlite3_prepare_v3) *prepare_v3;
	__typeof__ (sqlite3_reset) *reset;
	__typeof__ (sqlite3_step) *step;
} sq;

#define FIND(f) ((*(void **) &sq.f = dlsym (module, "sqlite3_" #f)) != NULL)

/* The sanitizers' runtimes refuse RTLD_DEEPBIND (it would bypass their
 * malloc). */
#if defined(__SANITIZE_ADDRESS__)
#define BS_DEEPBIND 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define BS_DEEPBIND 0
#endif
#endif
#ifndef BS_DEEPBIND
#define BS_DEEPBIND RTLD_DEEPBIND
#endif

#if BS_SQLITE_STATIC
static gboolean
open_sqlite (GError **error)
{
	(void) error;
	sq.bind_int = sqlite3_bind_int;
	sq.bind_int64 = sqlite3_bind_int64;
	sq.bind_null = sqlite3_bind_null;
	sq.bind_text = sqlite3_bind_text;
	sq.busy_timeout = sqlite3_busy_timeout;
	sq.changes = sqlite3_changes;
	sq.clear_bindings = sqlite3_clear_bindings;
	sq.close = sqlite3_close;
	sq.column_int64 = sqlite3_column_int64;
	sq.column_text = sqlite3_column_text;
	sq.errmsg = sqlite3_errmsg;
	sq.errstr = sqlite3_errstr;
	sq.exec = sqlite3_exec;
	sq.file_control = sqlite3_file_control;
	sq.finalize = sqlite3_finalize;
	sq.open_v2 = sqlite3_open_v2;
	sq.prepare_v2 = sqlite3_prepare_v2;
	sq.prepare_v3 = sqlite3_prepare_v3;
	sq.reset = sqlite3_reset;
	sq.step = sqlite3_step;
	return TRUE;
}
#else
/* Under load_sqlite's lock. */
static gboolean
open_sqlite (GError **error)
{
	void *module;

	/* libsqlite3 is linked with BIND_NOW: its 1,600 relocations are all
	 * made at once, most of them to its own functions.  RTLD_DEEPBIND
	 * looks those up in it first instead of in every library of the
	 * process before it: 2.5M instructions become 0.5M. */
	module = dlopen (BS_SQLITE_SONAME, RTLD_LAZY | RTLD_LOCAL | BS_DEEPBIND);
	if (module == NULL) {
		g_set_error (error, BS_LEDGER_ERROR, BS_LEDGER_ERROR_OPEN,
		    "cannot load %s: %s", BS_SQLITE_SONAME, dlerror ());
		return FALSE;
	}
	if (!FIND (bind_int)
	    || !FIND (bind_int64)
	    || !FIND (bind_null)
	    || !FIND (bind_text)
	    || !FIND (busy_timeout)
	    || !FIND (changes)
	    || !FIND (clear_bindings)
	    || !FIND (close)
	    || !FIND (column_int64)
	    || !FIND (column_text)
	    || !FIND (errmsg)
	    || !FIND (errstr)
	    || !FIND (exec)
	    || !FIND (file_control)
	    || !FIND (finalize)
	    || !FIND (open_v2)
	    || !FIND (prepare_v2)
	    || !FIND (prepare_v3)
	    || !FIND (reset)
	    || !FIND (step)) {
		g_set_error (error, BS_LEDGER_ERROR, BS_LEDGER_ERROR_OPEN,
		    "%s lacks a function: %s", BS_SQLITE_SONAME, dlerror ());
		dlclose (module);
		return FALSE;
	}
	/* Kept open for the life of the process. */
	return TRUE;
}

#endif

/* Once per process, whichever thread's engine opens a ledger first. */
static gboolean
load_sqlite (GError **error)
{
	static GMutex lock;
	static gint loaded;
	gboolean ok = TRUE;

	if (g_atomic_int_get (&loaded))
		return TRUE;
	g_mutex_lock (&lock);
	if (!loaded) {
		ok = open_sqlite (error);
		if (ok)
			g_atomic_int_set (&loaded, TRUE);
	}
	g_mutex_unlock (&lock);
	return ok;
}

#undef FIND

struct BsLedger {
	sqlite3 *db;
	char *path;
	gboolean writable;
	/* Read-only, and no table yet: a first learner is creating it (its
	 * schema commits in one transaction), so it knows nothing. */
	gboolean empty;
	gboolean in_transaction;
	gint64 now;			/* learned= of this transaction */
	gint64 added;			/* new messages in it */
	gint64 first, last;		/* their oldest and newest Date, or 0 */
	sqlite3_stmt *insert;
	sqlite3_stmt *owner;
	sqlite3_stmt *find;
	sqlite3_stmt *stats;
	sqlite3_stmt *range;
	sqlite3_stmt *addresses;
};

/* Schema steps: migrations[v] takes a ledger from version v to v + 1.
 * A new version appends a step; old files are brought forward when a
 * learner next opens them.  The count and the first and last Dates live
 * in meta, kept by the learners: count(*) over a million rows is not one
 * lookup, and a reader pays for every statement and trigger it parses. */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE sent ("
	" message_id TEXT PRIMARY KEY,"	/* as GMime decodes it */
	" date INTEGER,"		/* unix seconds of Date, NULL unknown */
	" sender TEXT,"			/* From address */
	" recipients TEXT,"		/* To, Cc, Bcc addresses */
	" subject_hash TEXT,"		/* SHA-256 of the Subject */
	" learned INTEGER NOT NULL"	/* unix seconds */
	") WITHOUT ROWID;"
	"CREATE INDEX sent_date ON sent (date);"
	"CREATE TABLE owner ("		/* what learning found out */
	" kind TEXT NOT NULL,"		/* 'from' or 'msgid-domain' */
	" value TEXT NOT NULL,"
	" count INTEGER NOT NULL,"
	" PRIMARY KEY (kind, value)"
	") WITHOUT ROWID;"
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
	"INSERT INTO meta VALUES ('count', 0), ('first', 0), ('last', 0),"
	" ('last-learn', 0);",
};
G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == BS_LEDGER_SCHEMA_VERSION);

static int
error_code (int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return BS_LEDGER_ERROR_BUSY;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return BS_LEDGER_ERROR_SCHEMA;
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return BS_LEDGER_ERROR_OPEN;
	default:
		return BS_LEDGER_ERROR_DB;
	}
}

static gboolean
db_fail (BsLedger *l, int rc, const char *what, GError **error)
{
	g_set_error (error, BS_LEDGER_ERROR, error_code (rc), "%s: %s: %s",
	    l->path, what, l->db != NULL ? sq.errmsg (l->db) :
	    sq.errstr (rc));
	return FALSE;
}

static gboolean
exec (BsLedger *l, const char *sql, GError **error)
{
	int rc = sq.exec (l->db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return db_fail (l, rc, sql, error);
	return TRUE;
}

static gboolean
prepare (BsLedger *l, sqlite3_stmt **st, const char *sql, GError **error)
{
	int rc = sq.prepare_v3 (l->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    st, NULL);

	if (rc != SQLITE_OK) {
		/* A table we need is missing: some other SQLite file. */
		g_set_error (error, BS_LEDGER_ERROR, rc == SQLITE_ERROR ?
		    BS_LEDGER_ERROR_SCHEMA : error_code (rc), "%s: not a "
		    "sent-mail ledger (%s)", l->path, sq.errmsg (l->db));
		return FALSE;
	}
	return TRUE;
}

/* Runs a one-value query; FALSE with error on failure. */
static gboolean
query_int (BsLedger *l, const char *sql, gint64 *out, GError **error)
{
	sqlite3_stmt *st = NULL;
	int rc = sq.prepare_v2 (l->db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK)
		rc = sq.step (st);
	if (rc == SQLITE_ROW) {
		*out = sq.column_int64 (st, 0);
		sq.finalize (st);
		return TRUE;
	}
	sq.finalize (st);
	return db_fail (l, rc, "cannot read", error);
}

void
bs_ledger_close (BsLedger *l)
{
	if (l == NULL)
		return;
	if (l->db == NULL)
		goto out;	/* libsqlite3 may not even be loaded */
	if (l->in_transaction)
		bs_ledger_rollback (l);
	sq.finalize (l->insert);
	sq.finalize (l->owner);
	sq.finalize (l->find);
	sq.finalize (l->stats);
	sq.finalize (l->range);
	sq.finalize (l->addresses);
	sq.close (l->db);
out:
	g_free (l->path);
	g_free (l);
}

char *
bs_ledger_default_path (void)
{
	return g_build_filename (g_get_user_data_dir (), "backscatter-check",
	    "sent.sqlite", NULL);
}

static BsLedger *
ledger_new (const char *path)
{
	BsLedger *l = g_new0 (BsLedger, 1);

	l->path = g_strdup (path);
	return l;
}

static gboolean
migrate (BsLedger *l, GError **error)
{
	gint64 version = 0, objects = 0;
	g_autofree char *set = NULL;

	/* Under the write lock, so that two first learners do not both
	 * create the tables. */
	if (!exec (l, "BEGIN IMMEDIATE", error))
		return FALSE;
	if (!query_int (l, "PRAGMA user_version", &version, error)
	    || !query_int (l, "SELECT count(*) FROM sqlite_master", &objects,
	    error))
		goto fail;
	if (version > BS_LEDGER_SCHEMA_VERSION) {
		g_set_error (error, BS_LEDGER_ERROR, BS_LEDGER_ERROR_NEWER,
		    "%s: written by a newer backscatter-check (schema %"
		    G_GINT64_FORMAT ", this one knows %d)", l->path, version,
		    BS_LEDGER_SCHEMA_VERSION);
		goto fail;
	}
	if (version == 0 && objects > 0) {
		g_set_error (error, BS_LEDGER_ERROR, BS_LEDGER_ERROR_SCHEMA,
		    "%s: an SQLite file, but not a sent-mail ledger", l->path);
		goto fail;
	}
	for (; version < BS_LEDGER_SCHEMA_VERSION; version++) {
		if (!exec (l, migrations[version], error))
			goto fail;
	}
	set = g_strdup_printf ("PRAGMA user_version = %d",
	    BS_LEDGER_SCHEMA_VERSION);
	if (!exec (l, set, error) || !exec (l, "COMMIT", error))
		goto fail;
	return TRUE;
fail:
	sq.exec (l->db, "ROLLBACK", NULL, NULL, NULL);
	return FALSE;
}

/* WAL lets readers go on while one learner writes.  Changing the journal
 * mode takes an exclusive lock that the busy handler does not wait for,
 * so a learner that meets another one retries. */
static gboolean
set_wal (BsLedger *l, GError **error)
{
	int tries, rc = SQLITE_OK;

	for (tries = 0; tries < BS_LEDGER_BUSY_MS / 10; tries++) {
		sqlite3_stmt *st = NULL;

		rc = sq.prepare_v2 (l->db, "PRAGMA journal_mode = WAL",
		    -1, &st, NULL);
		if (rc == SQLITE_OK)
			rc = sq.step (st);
		if (rc == SQLITE_ROW && g_ascii_strcasecmp ((const char *)
		    sq.column_text (st, 0), "wal") == 0) {
			sq.finalize (st);
			return TRUE;
		}
		sq.finalize (st);
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED
		    && rc != SQLITE_ROW)
			break;
		g_usleep (10000);
	}
	return db_fail (l, rc, "cannot switch to WAL", error);
}

BsLedger *
bs_ledger_open_write (const char *path, GError **error)
{
	g_autoptr(BsLedger) l = ledger_new (path);
	g_autofree char *dir = g_path_get_dirname (path);
	int fd, rc, one = 1;

	if (!load_sqlite (error))
		return NULL;
	if (g_mkdir_with_parents (dir, 0700) != 0) {
		int saved = errno;

		g_set_error (error, BS_LEDGER_ERROR, BS_LEDGER_ERROR_OPEN,
		    "%s: cannot create the folder: %s", dir,
		    g_strerror (saved));
		return NULL;
	}
	/* Created by us, so that it is 0600 whatever the umask; SQLite
	 * gives its -wal and -shm files the same mode. */
	fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		close (fd);
	} else if (errno != EEXIST) {
		int saved = errno;

		g_set_error (error, BS_LEDGER_ERROR, BS_LEDGER_ERROR_OPEN,
		    "%s: cannot create: %s", path, g_strerror (saved));
		return NULL;
	}
	rc = sq.open_v2 (path, &l->db, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		db_fail (l, rc, "cannot open", error);
		return NULL;
	}
	l->writable = TRUE;
	sq.busy_timeout (l->db, BS_LEDGER_BUSY_MS);
	/* Keep -wal and -shm when the last writer closes: a reader in a
	 * folder it cannot write then still finds them. */
	sq.file_control (l->db, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
	if (!set_wal (l, error)
	    || !exec (l, "PRAGMA synchronous = NORMAL", error)
	    || !migrate (l, error))
		return NULL;
	if (!prepare (l, &l->insert, "INSERT OR IGNORE INTO sent (message_id, "
	    "date, sender, recipients, subject_hash, learned) VALUES (?1, ?2, "
	    "?3, ?4, ?5, ?6)", error)
	    || !prepare (l, &l->owner, "INSERT INTO owner (kind, value, count) "
	    "VALUES (?1, ?2, 1) ON CONFLICT (kind, value) DO UPDATE SET "
	    "count = count + 1", error))
		return NULL;
	return g_steal_pointer (&l);
}

static gboolean
check_version (BsLedger *l, GError **error)
{
	gint64 version = 0;

	if (!query_int (l, "PRAGMA user_version", &version, error))
		return FALSE;
	if (version > BS_LEDGER_SCHEMA_VERSION) {
		g_set_error (error, BS_LEDGER_ERROR, BS_LEDGER_ERROR_NEWER,
		    "%s: written by a newer backscatter-check (schema %"
		    G_GINT64_FORMAT ", this one reads %d)", l->path, version,
		    BS_LEDGER_SCHEMA_VERSION);
		return FALSE;
	}
	if (version == 0 && !l->writable) {
		gint64 tables = -1;

		if (!query_int (l, "SELECT count(*) FROM sqlite_master",
		    &tables, error))
			return FALSE;
		if (tables == 0) {
			l->empty = TRUE;
			return TRUE;
		}
	}
	if (version < BS_LEDGER_SCHEMA_VERSION) {
		g_set_error (error, BS_LEDGER_ERROR, BS_LEDGER_ERROR_SCHEMA,
		    "%s: %s (schema %" G_GINT64_FORMAT "); --learn-sent "
		    "brings it up to date", l->path, version == 0 ?
		    "not a sent-mail ledger" : "an older ledger", version);
		return FALSE;
	}
	return TRUE;
}

/* A read-only WAL reader needs the -shm file, and creates it when it is
 * missing; in a folder it cannot write that fails, and then the file is
 * read as immutable: no one can be writing it there either. */
static gboolean
open_immutable (BsLedger *l, GError **error)
{
	g_autofree char *abs = g_canonicalize_filename (l->path, NULL);
	g_autofree char *esc = g_uri_escape_string (abs,
	    G_URI_RESERVED_CHARS_ALLOWED_IN_PATH, FALSE);
	g_autofree char *uri = g_strconcat ("file:", esc, "?immutable=1",
	    NULL);
	int rc;

	sq.close (l->db);
	l->db = NULL;
	rc = sq.open_v2 (uri, &l->db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_URI, NULL);
	if (rc != SQLITE_OK)
		return db_fail (l, rc, "cannot open", error);
	return TRUE;
}

BsLedger *
bs_ledger_open_read (const char *path, GError **error)
{
	g_autoptr(BsLedger) l = ledger_new (path);
	g_autoptr(GError) local = NULL;
	g_autofree char *dir = g_path_get_dirname (path);
	int rc;

	if (!load_sqlite (error))
		return NULL;
	if (access (path, R_OK) != 0) {
		int saved = errno;

		g_set_error (error, BS_LEDGER_ERROR, BS_LEDGER_ERROR_OPEN,
		    "%s: %s", path, g_strerror (saved));
		return NULL;
	}
	rc = sq.open_v2 (path, &l->db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		db_fail (l, rc, "cannot open", error);
		return NULL;
	}
	sq.busy_timeout (l->db, BS_LEDGER_BUSY_MS);
	if (!check_version (l, &local)) {
		if (!g_error_matches (local, BS_LEDGER_ERROR,
		    BS_LEDGER_ERROR_OPEN) && !g_error_matches (local,
		    BS_LEDGER_ERROR, BS_LEDGER_ERROR_DB)) {
			g_propagate_error (error, g_steal_pointer (&local));
			return NULL;
		}
		if (access (dir, W_OK) == 0) {
			g_propagate_error (error, g_steal_pointer (&local));
			return NULL;
		}
		g_clear_error (&local);
		if (!open_immutable (l, error) || !check_version (l, error))
			return NULL;
	}
	if (l->empty)
		return g_steal_pointer (&l);
	if (!prepare (l, &l->find, "SELECT date FROM sent WHERE "
	    "message_id = ?1", error)
	    || !prepare (l, &l->stats, "SELECT key, value FROM meta", error)
	    || !prepare (l, &l->range, "SELECT count(*) FROM sent WHERE "
	    "date BETWEEN ?1 AND ?2", error))
		return NULL;
	return g_steal_pointer (&l);
}

gboolean
bs_ledger_begin (BsLedger *l, GError **error)
{
	g_return_val_if_fail (l->writable && !l->in_transaction, FALSE);
	if (!exec (l, "BEGIN IMMEDIATE", error))
		return FALSE;
	l->in_transaction = TRUE;
	l->now = g_get_real_time () / G_USEC_PER_SEC;
	l->added = l->first = l->last = 0;
	return TRUE;
}

static gboolean
step_done (BsLedger *l, sqlite3_stmt *st, const char *what, GError **error)
{
	int rc = sq.step (st);

	sq.reset (st);
	sq.clear_bindings (st);
	if (rc != SQLITE_DONE)
		return db_fail (l, rc, what, error);
	return TRUE;
}

static gboolean
add_owner (BsLedger *l, const char *kind, const char *value, GError **error)
{
	g_autofree char *lower = NULL;

	if (value == NULL || *value == '\0')
		return TRUE;
	lower = g_ascii_strdown (value, -1);
	sq.bind_text (l->owner, 1, kind, -1, SQLITE_STATIC);
	sq.bind_text (l->owner, 2, lower, -1, SQLITE_STATIC);
	return step_done (l, l->owner, "cannot record the owner", error);
}

gboolean
bs_ledger_add (BsLedger *l, const BsLedgerEntry *e, gboolean *is_new,
    GError **error)
{
	g_autofree char *hash = NULL;
	const char *at;

	g_return_val_if_fail (l->in_transaction && e->message_id != NULL,
	    FALSE);
	if (e->subject != NULL)
		hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256,
		    e->subject, -1);
	sq.bind_text (l->insert, 1, e->message_id, -1, SQLITE_STATIC);
	if (e->date != 0)
		sq.bind_int64 (l->insert, 2, e->date);
	else
		sq.bind_null (l->insert, 2);
	sq.bind_text (l->insert, 3, e->from, -1, SQLITE_STATIC);
	sq.bind_text (l->insert, 4, e->recipients, -1, SQLITE_STATIC);
	sq.bind_text (l->insert, 5, hash, -1, SQLITE_STATIC);
	sq.bind_int64 (l->insert, 6, l->now);
	if (!step_done (l, l->insert, "cannot record", error))
		return FALSE;
	*is_new = sq.changes (l->db) > 0;
	if (!*is_new)
		return TRUE;
	l->added++;
	if (e->date != 0 && (l->first == 0 || e->date < l->first))
		l->first = e->date;
	if (e->date != 0 && e->date > l->last)
		l->last = e->date;
	at = strrchr (e->message_id, '@');
	return add_owner (l, "from", e->from, error)
	    && add_owner (l, "msgid-domain", at != NULL ? at + 1 : NULL,
	    error);
}

gboolean
bs_ledger_commit (BsLedger *l, GError **error)
{
	g_autofree char *sql = NULL;

	g_return_val_if_fail (l->in_transaction, FALSE);
	sql = g_strdup_printf ("UPDATE meta SET value = CASE key"
	    " WHEN 'count' THEN value + %" G_GINT64_FORMAT
	    " WHEN 'first' THEN CASE WHEN value = 0 OR (%" G_GINT64_FORMAT
	    " != 0 AND %" G_GINT64_FORMAT " < value) THEN %" G_GINT64_FORMAT
	    " ELSE value END"
	    " WHEN 'last' THEN max(value, %" G_GINT64_FORMAT ")"
	    " WHEN 'last-learn' THEN %" G_GINT64_FORMAT " ELSE value END",
	    l->added, l->first, l->first, l->first, l->last, l->now);
	if (!exec (l, sql, error) || !exec (l, "COMMIT", error)) {
		bs_ledger_rollback (l);
		return FALSE;
	}
	l->in_transaction = FALSE;
	return TRUE;
}

void
bs_ledger_rollback (BsLedger *l)
{
	if (!l->in_transaction)
		return;
	sq.exec (l->db, "ROLLBACK", NULL, NULL, NULL);
	l->in_transaction = FALSE;
}

gboolean
bs_ledger_expire (BsLedger *l, guint days, gint64 now, gint64 *removed,
    GError **error)
{
	g_autofree char *sql = g_strdup_printf ("DELETE FROM sent WHERE "
	    "date < %" G_GINT64_FORMAT, now - (gint64) days * 86400);

	if (!bs_ledger_begin (l, error))
		return FALSE;
	if (!exec (l, sql, error)) {
		bs_ledger_rollback (l);
		return FALSE;
	}
	*removed = sq.changes (l->db);
	l->added = -*removed;
	/* The oldest Date is gone; the newest only when all is. */
	if (!exec (l, "UPDATE meta SET value = CASE key WHEN 'first' THEN "
	    "coalesce ((SELECT min(date) FROM sent), 0) WHEN 'last' THEN "
	    "coalesce ((SELECT max(date) FROM sent), 0) END WHERE key IN "
	    "('first', 'last')", error)) {
		bs_ledger_rollback (l);
		return FALSE;
	}
	return bs_ledger_commit (l, error);
}

char *
bs_ledger_normalise_id (const char *message_id)
{
	char *id;

	if (message_id == NULL)
		return NULL;
	id = g_mime_utils_decode_message_id (message_id);
	if (id != NULL && *id == '\0')
		g_clear_pointer (&id, g_free);
	return id;
}

static gboolean
step_row (BsLedger *l, sqlite3_stmt *st, gboolean *row, GError **error)
{
	int rc = sq.step (st);

	*row = rc == SQLITE_ROW;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sq.reset (st);
		return db_fail (l, rc, "cannot read", error);
	}
	return TRUE;
}

static gboolean
count_range (BsLedger *l, gint64 from, gint64 to, gint64 *out,
    GError **error)
{
	gboolean row;

	sq.bind_int64 (l->range, 1, from);
	sq.bind_int64 (l->range, 2, to);
	if (!step_row (l, l->range, &row, error))
		return FALSE;
	*out = row ? sq.column_int64 (l->range, 0) : 0;
	sq.reset (l->range);
	return TRUE;
}

gboolean
bs_ledger_lookup (BsLedger *l, const char *message_id, gint64 date,
    BsLedgerLookup *out, GError **error)
{
	g_autofree char *id = bs_ledger_normalise_id (message_id);
	gint64 w = (gint64) BS_LEDGER_WINDOW_DAYS * 86400;
	gboolean row;

	memset (out, 0, sizeof *out);
	if (l->empty)
		return TRUE;
	g_return_val_if_fail (l->find != NULL, FALSE);
	if (id != NULL) {
		sq.bind_text (l->find, 1, id, -1, SQLITE_STATIC);
		if (!step_row (l, l->find, &row, error))
			return FALSE;
		out->found = row;
		if (row)
			out->found_date = sq.column_int64 (l->find, 0);
		sq.reset (l->find);
		sq.clear_bindings (l->find);
	}
	for (row = TRUE; row;) {
		const char *key;

		if (!step_row (l, l->stats, &row, error))
			return FALSE;
		if (!row)
			break;
		key = (const char *) sq.column_text (l->stats, 0);
		if (g_strcmp0 (key, "count") == 0)
			out->total = sq.column_int64 (l->stats, 1);
		else if (g_strcmp0 (key, "first") == 0)
			out->first = sq.column_int64 (l->stats, 1);
		else if (g_strcmp0 (key, "last") == 0)
			out->last = sq.column_int64 (l->stats, 1);
	}
	sq.reset (l->stats);
	if (date != 0 && !out->found
	    && (!count_range (l, date - w, date, &out->before, error)
	    || !count_range (l, date + 1, date + w, &out->after, error)))
		return FALSE;
	return TRUE;
}

GPtrArray *
bs_ledger_addresses (BsLedger *l, guint max, GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
	gboolean row = TRUE;

	if (l->empty)
		return g_steal_pointer (&out);
	if (l->addresses == NULL && !prepare (l, &l->addresses, "SELECT value "
	    "FROM owner WHERE kind = 'from' ORDER BY count DESC, value LIMIT "
	    "?1", error))
		return NULL;
	sq.bind_int (l->addresses, 1, (int) max);
	while (row) {
		if (!step_row (l, l->addresses, &row, error))
			return NULL;
		if (row)
			g_ptr_array_add (out, g_strdup ((const char *)
			    sq.column_text (l->addresses, 0)));
	}
	sq.reset (l->addresses);
	return g_steal_pointer (&out);
}

/* 1355 -> "1,355", as people read counts. */
static char *
thousands (gint64 n)
{
	g_autofree char *digits = g_strdup_printf ("%" G_GINT64_FORMAT, n);
	GString *s = g_string_new (NULL);
	gsize len = strlen (digits), i;

	for (i = 0; i < len; i++) {
		if (i > 0 && digits[i - 1] != '-' && (len - i) % 3 == 0)
			g_string_append_c (s, ',');
		g_string_append_c (s, digits[i]);
	}
	return g_string_free (s, FALSE);
}

static char *
day (gint64 t)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (t);

	return dt != NULL ? g_date_time_format (dt, "%Y-%m-%d") :
	    g_strdup ("?");
}

gboolean
bs_ledger_judge (BsLedger *l, BsFacts *facts, GError **error)
{
	const BsOriginal *o = facts->original;
	g_autofree char *id = NULL;
	g_autofree char *total = NULL;
	g_autofree char *first = NULL;
	g_autofree char *last = NULL;
	BsLedgerLookup r;

	if (!o->found || (id = bs_ledger_normalise_id (o->message_id)) == NULL)
		return TRUE;
	if (!bs_ledger_lookup (l, o->message_id, o->date_unix, &r, error))
		return FALSE;
	total = thousands (r.total);
	if (r.found) {
		g_autofree char *sent = day (r.found_date);

		facts->ledger_sent = TRUE;
		g_free (facts->ledger_detail);
		facts->ledger_detail = g_strdup_printf ("Message-ID <%s> is "
		    "one of the %s messages you sent (dated %s)", id, total,
		    r.found_date != 0 ? sent : "?");
		return TRUE;
	}
	first = day (r.first);
	last = day (r.last);
	/* Mail sent near the Date says the owner kept copies then, and mail
	 * dated after it that the ledger was fed past it. */
	if (o->date_unix != 0 && r.before + r.after > 0
	    && r.first <= o->date_unix && r.last >= o->date_unix) {
		g_autofree char *near = thousands (r.before + r.after);

		facts->ledger_unsent = TRUE;
		g_free (facts->ledger_detail);
		facts->ledger_detail = g_strdup_printf ("Message-ID <%s> is not "
		    "among the %s messages you sent (the ledger covers %s .. "
		    "%s, %s of them within %d days of its Date)", id, total,
		    first, last, near, BS_LEDGER_WINDOW_DAYS);
		return TRUE;
	}
	g_debug ("ledger: <%s> not among %s messages, but the ledger covers "
	    "%s .. %s with %" G_GINT64_FORMAT " before and %" G_GINT64_FORMAT
	    " after its Date within %d days: no say", id, total, first, last,
	    r.before, r.after, BS_LEDGER_WINDOW_DAYS);
	return TRUE;
}
