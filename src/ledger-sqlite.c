/* ledger-sqlite.c: the sent-mail ledger in an SQLite file, the default
 * store (ledger-backend.h).  Learners write in WAL mode,
 * one BEGIN IMMEDIATE transaction per learn, so that many deliveries at
 * once queue on the lock instead of failing; classifiers open the file
 * read-only and never block them. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <dlfcn.h>
#include <sqlite3.h>

#include "build-config.h"

#ifndef BS_SQLITE_STATIC
#define BS_SQLITE_STATIC 0
#endif

#include "ledger-backend.h"

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

typedef struct {
	BsLedger base;			/* first: a BsLedger * is one of these */
	sqlite3 *db;
	char *path;
	sqlite3_stmt *insert;
	sqlite3_stmt *owner;
	sqlite3_stmt *find;
	sqlite3_stmt *stats;
	sqlite3_stmt *range;
	sqlite3_stmt *addresses;
	sqlite3_stmt *at_date;
} Lite;

#define LITE(l) ((Lite *) (l))
/* Schema steps: migrations[v] takes a ledger from version v to v + 1.
 * A new version appends a step, here and in ledger-pg.c; old files are
 * brought forward when a learner next opens them.  The count and the
 * first and last Dates live in meta, kept by the learners: count(*) over
 * a million rows is not one lookup, and a reader pays for every
 * statement and trigger it parses. */
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
db_fail (Lite *l, int rc, const char *what, GError **error)
{
	g_set_error (error, BS_LEDGER_ERROR, error_code (rc), "%s: %s: %s",
	    l->path, what, l->db != NULL ? sq.errmsg (l->db) :
	    sq.errstr (rc));
	return FALSE;
}

static gboolean
exec (Lite *l, const char *sql, GError **error)
{
	int rc = sq.exec (l->db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return db_fail (l, rc, sql, error);
	return TRUE;
}

static gboolean
prepare (Lite *l, sqlite3_stmt **st, const char *sql, GError **error)
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
query_int (Lite *l, const char *sql, gint64 *out, GError **error)
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

static void
lite_rollback (BsLedger *ledger)
{
	Lite *l = LITE (ledger);

	sq.exec (l->db, "ROLLBACK", NULL, NULL, NULL);
}

static void
lite_close (BsLedger *ledger)
{
	Lite *l = LITE (ledger);

	if (l->db == NULL)
		goto out;	/* libsqlite3 may not even be loaded */
	/* Leave no WAL behind: a reader that opens a ledger with a WAL of
	 * frames and no live -shm rebuilds the index from every frame, 0.5M
	 * instructions for a WAL of 1,355 messages, on every bounce.  Best
	 * effort: a reader still in it makes it wait, then give up. */
	if (ledger->writable)
		sq.exec (l->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL,
		    NULL);
	sq.finalize (l->insert);
	sq.finalize (l->owner);
	sq.finalize (l->find);
	sq.finalize (l->stats);
	sq.finalize (l->range);
	sq.finalize (l->addresses);
	sq.finalize (l->at_date);
	sq.close (l->db);
out:
	g_free (l->path);
}

static gboolean
migrate (Lite *l, GError **error)
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
set_wal (Lite *l, GError **error)
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

static gboolean
open_write (Lite *l, GError **error)
{
	g_autofree char *dir = g_path_get_dirname (l->path);
	int fd, rc, one = 1;

	if (g_mkdir_with_parents (dir, 0700) != 0) {
		int saved = errno;

		g_set_error (error, BS_LEDGER_ERROR, BS_LEDGER_ERROR_OPEN,
		    "%s: cannot create the folder: %s", dir,
		    g_strerror (saved));
		return FALSE;
	}
	/* Created by us, so that it is 0600 whatever the umask; SQLite
	 * gives its -wal and -shm files the same mode. */
	fd = open (l->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		close (fd);
	} else if (errno != EEXIST) {
		int saved = errno;

		g_set_error (error, BS_LEDGER_ERROR, BS_LEDGER_ERROR_OPEN,
		    "%s: cannot create: %s", l->path, g_strerror (saved));
		return FALSE;
	}
	rc = sq.open_v2 (l->path, &l->db, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK)
		return db_fail (l, rc, "cannot open", error);
	sq.busy_timeout (l->db, BS_LEDGER_BUSY_MS);
	/* Keep -wal and -shm when the last writer closes: a reader in a
	 * folder it cannot write then still finds them. */
	sq.file_control (l->db, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
	return set_wal (l, error)
	    && exec (l, "PRAGMA synchronous = NORMAL", error)
	    && migrate (l, error)
	    && prepare (l, &l->insert, "INSERT OR IGNORE INTO sent (message_id, "
	    "date, sender, recipients, subject_hash, learned) VALUES (?1, ?2, "
	    "?3, ?4, ?5, ?6)", error)
	    && prepare (l, &l->owner, "INSERT INTO owner (kind, value, count) "
	    "VALUES (?1, ?2, 1) ON CONFLICT (kind, value) DO UPDATE SET "
	    "count = count + 1", error);
}

static gboolean
check_version (Lite *l, GError **error)
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
	if (version == 0 && !l->base.writable) {
		gint64 tables = -1;

		if (!query_int (l, "SELECT count(*) FROM sqlite_master",
		    &tables, error))
			return FALSE;
		if (tables == 0) {
			l->base.empty = TRUE;
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
open_immutable (Lite *l, GError **error)
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

static gboolean
open_read (Lite *l, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autofree char *dir = g_path_get_dirname (l->path);
	int rc;

	if (access (l->path, R_OK) != 0) {
		int saved = errno;

		g_set_error (error, BS_LEDGER_ERROR, BS_LEDGER_ERROR_OPEN,
		    "%s: %s", l->path, g_strerror (saved));
		return FALSE;
	}
	rc = sq.open_v2 (l->path, &l->db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK)
		return db_fail (l, rc, "cannot open", error);
	sq.busy_timeout (l->db, BS_LEDGER_BUSY_MS);
	if (!check_version (l, &local)) {
		if (!g_error_matches (local, BS_LEDGER_ERROR,
		    BS_LEDGER_ERROR_OPEN) && !g_error_matches (local,
		    BS_LEDGER_ERROR, BS_LEDGER_ERROR_DB)) {
			g_propagate_error (error, g_steal_pointer (&local));
			return FALSE;
		}
		if (access (dir, W_OK) == 0) {
			g_propagate_error (error, g_steal_pointer (&local));
			return FALSE;
		}
		g_clear_error (&local);
		if (!open_immutable (l, error) || !check_version (l, error))
			return FALSE;
	}
	if (l->base.empty)
		return TRUE;
	return prepare (l, &l->find, "SELECT date FROM sent WHERE "
	    "message_id = ?1", error)
	    && prepare (l, &l->stats, "SELECT key, value FROM meta", error)
	    && prepare (l, &l->range, "SELECT count(*) FROM (SELECT 1 FROM "
	    "sent WHERE date BETWEEN ?1 AND ?2 LIMIT " G_STRINGIFY (
	    BS_LEDGER_NEAR_MAX) ")", error);
}

static gboolean
lite_begin (BsLedger *ledger, GError **error)
{
	return exec (LITE (ledger), "BEGIN IMMEDIATE", error);
}

static gboolean
step_done (Lite *l, sqlite3_stmt *st, const char *what, GError **error)
{
	int rc = sq.step (st);

	sq.reset (st);
	sq.clear_bindings (st);
	if (rc != SQLITE_DONE)
		return db_fail (l, rc, what, error);
	return TRUE;
}

static gboolean
add_owner (Lite *l, const char *kind, const char *value, GError **error)
{
	g_autofree char *lower = NULL;

	if (value == NULL || *value == '\0')
		return TRUE;
	lower = g_ascii_strdown (value, -1);
	sq.bind_text (l->owner, 1, kind, -1, SQLITE_STATIC);
	sq.bind_text (l->owner, 2, lower, -1, SQLITE_STATIC);
	return step_done (l, l->owner, "cannot record the owner", error);
}

static gboolean
lite_add (BsLedger *ledger, const BsLedgerEntry *e, const char *hash,
    gboolean *is_new, GError **error)
{
	Lite *l = LITE (ledger);
	const char *at;

	sq.bind_text (l->insert, 1, e->message_id, -1, SQLITE_STATIC);
	if (e->date != 0)
		sq.bind_int64 (l->insert, 2, e->date);
	else
		sq.bind_null (l->insert, 2);
	sq.bind_text (l->insert, 3, e->from, -1, SQLITE_STATIC);
	sq.bind_text (l->insert, 4, e->recipients, -1, SQLITE_STATIC);
	sq.bind_text (l->insert, 5, hash, -1, SQLITE_STATIC);
	sq.bind_int64 (l->insert, 6, ledger->now);
	if (!step_done (l, l->insert, "cannot record", error))
		return FALSE;
	*is_new = sq.changes (l->db) > 0;
	if (!*is_new)
		return TRUE;
	bs_ledger_tally (ledger, e);
	at = strrchr (e->message_id, '@');
	return add_owner (l, "from", e->from, error)
	    && add_owner (l, "msgid-domain", at != NULL ? at + 1 : NULL,
	    error);
}

static gboolean
lite_commit (BsLedger *ledger, GError **error)
{
	Lite *l = LITE (ledger);
	g_autofree char *sql = NULL;
	g_autofree char *noid = NULL;

	sql = g_strdup_printf ("UPDATE meta SET value = CASE key"
	    " WHEN 'count' THEN value + %" G_GINT64_FORMAT
	    " WHEN 'first' THEN CASE WHEN value = 0 OR (%" G_GINT64_FORMAT
	    " != 0 AND %" G_GINT64_FORMAT " < value) THEN %" G_GINT64_FORMAT
	    " ELSE value END"
	    " WHEN 'last' THEN max(value, %" G_GINT64_FORMAT ")"
	    " WHEN 'last-learn' THEN %" G_GINT64_FORMAT " ELSE value END",
	    ledger->added, ledger->first, ledger->first, ledger->first,
	    ledger->last, ledger->now);
	/* A key that older versions did not write: no schema step. */
	if (ledger->unidentified > 0)
		noid = g_strdup_printf ("INSERT INTO meta VALUES ('no-id', %"
		    G_GINT64_FORMAT ") ON CONFLICT (key) DO UPDATE SET "
		    "value = value + excluded.value", ledger->unidentified);
	return exec (l, sql, error)
	    && (noid == NULL || exec (l, noid, error))
	    && exec (l, "COMMIT", error);
}

static gboolean
lite_expire (BsLedger *ledger, gint64 cutoff, gint64 *removed,
    GError **error)
{
	Lite *l = LITE (ledger);
	g_autofree char *sql = g_strdup_printf ("DELETE FROM sent WHERE "
	    "date < %" G_GINT64_FORMAT, cutoff);

	if (!exec (l, sql, error))
		return FALSE;
	*removed = sq.changes (l->db);
	/* The oldest Date is gone; the newest only when all is. */
	return exec (l, "UPDATE meta SET value = CASE key WHEN 'first' THEN "
	    "coalesce ((SELECT min(date) FROM sent), 0) WHEN 'last' THEN "
	    "coalesce ((SELECT max(date) FROM sent), 0) END WHERE key IN "
	    "('first', 'last')", error);
}

static gboolean
step_row (Lite *l, sqlite3_stmt *st, gboolean *row, GError **error)
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
count_range (Lite *l, gint64 from, gint64 to, gint64 *out, GError **error)
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

static gboolean
lite_lookup (BsLedger *ledger, const char *id, gint64 date,
    BsLedgerLookup *out, GError **error)
{
	Lite *l = LITE (ledger);
	gint64 w = BS_LEDGER_WINDOW_SECONDS;
	gboolean row;

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
		gint64 v;

		if (!step_row (l, l->stats, &row, error))
			return FALSE;
		if (!row)
			break;
		key = (const char *) sq.column_text (l->stats, 0);
		v = sq.column_int64 (l->stats, 1);
		if (g_strcmp0 (key, "count") == 0)
			out->total = v;
		else if (g_strcmp0 (key, "first") == 0)
			out->first = v;
		else if (g_strcmp0 (key, "last") == 0)
			out->last = v;
		else if (g_strcmp0 (key, "no-id") == 0)
			out->unidentified = v;
	}
	sq.reset (l->stats);
	if (date != 0 && !out->found
	    && (!count_range (l, date - w, date, &out->before, error)
	    || !count_range (l, date + 1, date + w, &out->after, error)))
		return FALSE;
	return TRUE;
}

static gboolean
lite_at_date (BsLedger *ledger, gint64 date, GPtrArray *hashes,
    GPtrArray *recipients, GError **error)
{
	Lite *l = LITE (ledger);
	gboolean row = TRUE;

	/* Only bounces without a Message-ID ask: prepared when first. */
	if (l->at_date == NULL && !prepare (l, &l->at_date, "SELECT "
	    "subject_hash, recipients FROM sent WHERE date = ?1", error))
		return FALSE;
	sq.bind_int64 (l->at_date, 1, date);
	while (row) {
		const char *h, *r;

		if (!step_row (l, l->at_date, &row, error))
			return FALSE;
		if (!row)
			break;
		h = (const char *) sq.column_text (l->at_date, 0);
		r = (const char *) sq.column_text (l->at_date, 1);
		g_ptr_array_add (hashes, g_strdup (h != NULL ? h : ""));
		g_ptr_array_add (recipients, g_strdup (r != NULL ? r : ""));
	}
	sq.reset (l->at_date);
	return TRUE;
}

static GPtrArray *
lite_addresses (BsLedger *ledger, guint max, GError **error)
{
	Lite *l = LITE (ledger);
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
	gboolean row = TRUE;

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

static const BsLedgerOps lite_ops = {
	lite_close, lite_begin, lite_add, lite_commit, lite_rollback,
	lite_expire, lite_lookup, lite_at_date, lite_addresses,
};

BsLedger *
bs_ledger_sqlite_open (const char *path, gboolean writable, GError **error)
{
	Lite *l;

	if (!load_sqlite (error))
		return NULL;
	l = g_new0 (Lite, 1);
	l->base.ops = &lite_ops;
	l->base.name = g_strdup (path);
	l->base.writable = writable;
	l->path = g_strdup (path);
	if (!(writable ? open_write (l, error) : open_read (l, error))) {
		bs_ledger_close (&l->base);
		return NULL;
	}
	return &l->base;
}
