/* ledger-pg.c: the sent-mail ledger in PostgreSQL (ledger-backend.h), for
 * a fleet: the submission servers learn into one database and every MX
 * reads it.  The schema is SQLite's, step for step; its version lives in
 * a table (ledger_schema) where SQLite has PRAGMA user_version.  Each
 * question is one statement, one round trip; a lost connection is an
 * error the caller turns into one warning, never into lost mail. */
#include <dlfcn.h>
#include <string.h>

#include <libpq-fe.h>

#include "build-config.h"
#include "ledger-backend.h"

/* The libpq functions we call.  libpq is opened at the first PostgreSQL
 * ledger, never at start: it brings libssl, libcrypto, GSSAPI and LDAP
 * with it, thousands of relocations that a process classifying one
 * message against an SQLite ledger, or none, must not pay for.  As
 * ledger-sqlite.c does for libsqlite3. */
static struct {
	__typeof__ (PQconnectdbParams) *connectdb_params;
	__typeof__ (PQstatus) *status;
	__typeof__ (PQerrorMessage) *error_message;
	__typeof__ (PQfinish) *finish;
	__typeof__ (PQreset) *reset;
	__typeof__ (PQexec) *exec;
	__typeof__ (PQexecParams) *exec_params;
	__typeof__ (PQprepare) *prepare;
	__typeof__ (PQexecPrepared) *exec_prepared;
	__typeof__ (PQresultStatus) *result_status;
	__typeof__ (PQresultErrorField) *result_error_field;
	__typeof__ (PQresultErrorMessage) *result_error_message;
	__typeof__ (PQclear) *clear;
	__typeof__ (PQntuples) *ntuples;
	__typeof__ (PQgetvalue) *getvalue;
	__typeof__ (PQgetisnull) *getisnull;
	__typeof__ (PQcmdTuples) *cmd_tuples;
} pq;

/* libpq's libraries (libssl, libcrypto, GSSAPI, LDAP) are linked
 * BIND_NOW: thousands of relocations made at once, most of them to
 * their own functions.  RTLD_DEEPBIND looks those up in them first
 * instead of in every library of the process before them.  The
 * sanitizers' runtimes refuse it (it would bypass their malloc). */
#if defined(__SANITIZE_ADDRESS__)
#define BS_PQ_DEEPBIND 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define BS_PQ_DEEPBIND 0
#endif
#endif
#ifndef BS_PQ_DEEPBIND
#define BS_PQ_DEEPBIND RTLD_DEEPBIND
#endif

static const char *
dl_why (void)
{
	const char *e = dlerror ();

	return g_intern_string (e != NULL ? e : "a function is missing");
}

/* Returns: NULL when loaded, else why not (static). */
static const char *
load_once (void)
{
	void *module;

	module = dlopen (BS_LIBPQ_SONAME, RTLD_LAZY | RTLD_LOCAL |
	    BS_PQ_DEEPBIND);
	if (module == NULL)
		return dl_why ();
#define FIND(f, name) ((*(void **) &pq.f = dlsym (module, name)) != NULL)
	if (!FIND (connectdb_params, "PQconnectdbParams")
	    || !FIND (status, "PQstatus")
	    || !FIND (error_message, "PQerrorMessage")
	    || !FIND (finish, "PQfinish")
	    || !FIND (reset, "PQreset")
	    || !FIND (exec, "PQexec")
	    || !FIND (exec_params, "PQexecParams")
	    || !FIND (prepare, "PQprepare")
	    || !FIND (exec_prepared, "PQexecPrepared")
	    || !FIND (result_status, "PQresultStatus")
	    || !FIND (result_error_field, "PQresultErrorField")
	    || !FIND (result_error_message, "PQresultErrorMessage")
	    || !FIND (clear, "PQclear")
	    || !FIND (ntuples, "PQntuples")
	    || !FIND (getvalue, "PQgetvalue")
	    || !FIND (getisnull, "PQgetisnull")
	    || !FIND (cmd_tuples, "PQcmdTuples")) {
		const char *why = dl_why ();

		dlclose (module);
		return why;
	}
#undef FIND
	/* Kept open for the life of the process. */
	return NULL;
}

/* Once per process, also when a milter's threads open ledgers at once. */
static gboolean
load_libpq (GError **error)
{
	static gsize done;
	static const char *why;

	if (g_once_init_enter (&done)) {
		why = load_once ();
		g_once_init_leave (&done, 1);
	}
	if (why != NULL) {
		g_set_error (error, BS_LEDGER_ERROR, BS_LEDGER_ERROR_OPEN,
		    "cannot load %s: %s", BS_LIBPQ_SONAME, why);
		return FALSE;
	}
	return TRUE;
}

/* The statements run once per message, each prepared at its second use
 * on a connection: planned once instead of at every message (the
 * lookup's planning took longer than its execution), and sent as a name
 * and its parameters.  Not at the first: a process that classifies one
 * message would pay a round trip more for it. */
typedef enum {
	STMT_LOOKUP,
	STMT_AT_DATE,
	STMT_ADD,
	STMT_ADDRESSES,
	STMT_NONE,		/* not prepared: without parameters */
} StmtId;

typedef struct {
	BsLedger base;		/* first: a BsLedger * is one of these */
	PGconn *conn;
	guint used;		/* bit 1 << StmtId: run on conn */
	guint prepared;		/* bit 1 << StmtId: prepared on conn */
} Pg;

#define PG(l) ((Pg *) (l))

/* Serialises first learners creating the tables: a transaction-scoped
 * advisory lock ("bsledger" in ASCII). */
#define SCHEMA_LOCK "7598233440478946674"

/* Schema steps, as ledger-sqlite.c's: migrations[v] takes a ledger from
 * version v to v + 1.  The primary key is the index on the Message-ID. */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE sent ("
	" message_id TEXT PRIMARY KEY,"
	" date BIGINT,"
	" sender TEXT,"
	" recipients TEXT,"
	" subject_hash TEXT,"
	" learned BIGINT NOT NULL);"
	"CREATE INDEX sent_date ON sent (date);"
	"CREATE TABLE owner ("
	" kind TEXT NOT NULL,"
	" value TEXT NOT NULL,"
	" count BIGINT NOT NULL,"
	" PRIMARY KEY (kind, value));"
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL);"
	"INSERT INTO meta VALUES ('count', 0), ('first', 0), ('last', 0),"
	" ('last-learn', 0);",
};
G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == BS_LEDGER_SCHEMA_VERSION);

/* The first line of libpq's message, without its newline. */
static char *
first_line (const char *msg)
{
	const char *nl = msg != NULL ? strchr (msg, '\n') : NULL;

	if (msg == NULL || *msg == '\0')
		return g_strdup ("unknown error");
	return nl != NULL ? g_strndup (msg, (gsize) (nl - msg)) :
	    g_strdup (msg);
}

static gboolean
pg_fail (Pg *l, PGresult *res, const char *what, GError **error)
{
	const char *state = res != NULL ? pq.result_error_field (res,
	    PG_DIAG_SQLSTATE) : NULL;
	g_autofree char *msg = first_line (res != NULL &&
	    *pq.result_error_message (res) != '\0' ?
	    pq.result_error_message (res) : pq.error_message (l->conn));
	int code = BS_LEDGER_ERROR_DB;

	if (pq.status (l->conn) != CONNECTION_OK)
		code = BS_LEDGER_ERROR_OPEN;	/* the connection is gone */
	else if (g_strcmp0 (state, "42P01") == 0)
		code = BS_LEDGER_ERROR_SCHEMA;	/* undefined_table */
	else if (state != NULL && (g_str_has_prefix (state, "40")
	    || strcmp (state, "55P03") == 0 || strcmp (state, "57014") == 0))
		code = BS_LEDGER_ERROR_BUSY;	/* deadlock, lock, timeout */
	g_set_error (error, BS_LEDGER_ERROR, code, "%s: %s: %s",
	    l->base.name, what, msg);
	pq.clear (res);
	return FALSE;
}

/* A new server session knows none of the old one's statements. */
static void
reconnect (Pg *l)
{
	pq.reset (l->conn);
	l->used = 0;
	l->prepared = 0;
}

/* A connection that broke since the last statement (the server
 * restarted) is made again once, so that a long-running milter goes on. */
static gboolean
ensure_connected (Pg *l, GError **error)
{
	if (pq.status (l->conn) == CONNECTION_OK)
		return TRUE;
	if (l->base.in_transaction)
		return pg_fail (l, NULL, "connection lost", error);
	reconnect (l);
	if (pq.status (l->conn) == CONNECTION_OK)
		return TRUE;
	return pg_fail (l, NULL, "connection lost", error);
}

/* Names of the prepared statements, by StmtId. */
static const char *const stmt_names[] = {
	"bs_lookup", "bs_at_date", "bs_add", "bs_addresses",
};
G_STATIC_ASSERT (G_N_ELEMENTS (stmt_names) == STMT_NONE);

/* The session no longer has the statements we prepared on it, or they
 * no longer fit: a pooler handed the connection to another session, or
 * ran DISCARD ALL (26000, no such prepared statement), or another server
 * of the fleet changed the schema (0A000, "cached plan must not change
 * result type"). */
static gboolean
forgotten (PGresult *res)
{
	const char *state = pq.result_error_field (res, PG_DIAG_SQLSTATE);

	return state != NULL && (strcmp (state, "26000") == 0
	    || strcmp (state, "0A000") == 0);
}

/* Sends sql once, as statement id (prepared the second time on a
 * connection); or STMT_NONE, without parameters, as a simple query
 * (which may hold several statements). */
static PGresult *
send (Pg *l, StmtId id, const char *sql, int n, const char *const *params)
{
	guint bit = 1u << id;
	PGresult *res;

	if (id == STMT_NONE)
		return pq.exec (l->conn, sql);
	if ((l->used & bit) == 0) {
		l->used |= bit;
		return pq.exec_params (l->conn, sql, n, NULL, params, NULL,
		    NULL, 0);
	}
	if ((l->prepared & bit) == 0) {
		res = pq.prepare (l->conn, stmt_names[id], sql, n, NULL);
		if (res == NULL || pq.result_status (res) != PGRES_COMMAND_OK)
			return res;
		pq.clear (res);
		l->prepared |= bit;
	}
	res = pq.exec_prepared (l->conn, stmt_names[id], n, params, NULL,
	    NULL, 0);
	if (res != NULL && pq.result_status (res) == PGRES_FATAL_ERROR
	    && !l->base.in_transaction && forgotten (res)) {
		/* Forget them all here too (DEALLOCATE ALL never fails on a
		 * name), run it unprepared; each is prepared again at its
		 * next use. */
		pq.clear (res);
		pq.clear (pq.exec (l->conn, "DEALLOCATE ALL"));
		l->prepared = 0;
		res = pq.exec_params (l->conn, sql, n, NULL, params, NULL,
		    NULL, 0);
	}
	return res;
}

/* Runs sql with text parameters (NULL for SQL NULL), as send() does.
 * Returns: (transfer full) (nullable) the result, or NULL with error. */
static PGresult *
run (Pg *l, StmtId id, const char *sql, int n, const char *const *params,
    const char *what, GError **error)
{
	PGresult *res;
	ExecStatusType st;

	if (!ensure_connected (l, error))
		return NULL;
	res = send (l, id, sql, n, params);
	st = res != NULL ? pq.result_status (res) : PGRES_FATAL_ERROR;
	/* libpq learns that a server restarted only when a statement
	 * fails: outside a transaction, connect again and try once more. */
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK
	    && pq.status (l->conn) != CONNECTION_OK
	    && !l->base.in_transaction) {
		pq.clear (res);
		reconnect (l);
		if (pq.status (l->conn) != CONNECTION_OK)
			res = NULL;
		else
			res = send (l, id, sql, n, params);
		st = res != NULL ? pq.result_status (res) :
		    PGRES_FATAL_ERROR;
	}
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		pg_fail (l, res, what, error);
		return NULL;
	}
	return res;
}

static gboolean
exec (Pg *l, const char *sql, GError **error)
{
	PGresult *res = run (l, STMT_NONE, sql, 0, NULL, sql, error);

	pq.clear (res);
	return res != NULL;
}

static gint64
value_int (PGresult *res, int row, int col)
{
	if (row >= pq.ntuples (res) || pq.getisnull (res, row, col))
		return 0;
	return g_ascii_strtoll (pq.getvalue (res, row, col), NULL, 10);
}

/* The URL as messages show it: without a password in it. */
static char *
display_name (const char *url)
{
	const char *hosts = strstr (url, "://");
	const char *at, *slash, *colon;
	GString *s;
	char *p;

	if (hosts == NULL)
		return g_strdup (url);
	hosts += 3;
	slash = strpbrk (hosts, "/?");
	at = strchr (hosts, '@');
	s = g_string_new (NULL);
	colon = at != NULL && (slash == NULL || at < slash) ?
	    memchr (hosts, ':', (gsize) (at - hosts)) : NULL;
	if (colon != NULL) {
		g_string_append_len (s, url, colon - url);
		g_string_append (s, at);
	} else {
		g_string_append (s, url);
	}
	p = strstr (s->str, "password=");
	if (p != NULL) {
		gsize start = (gsize) (p - s->str) + strlen ("password=");
		gsize end = start;

		while (end < s->len && s->str[end] != '&')
			end++;
		g_string_erase (s, (gssize) start, (gssize) (end - start));
		g_string_insert (s, (gssize) start, "...");
	}
	return g_string_free (s, FALSE);
}

static void
lg_close (BsLedger *ledger)
{
	Pg *l = PG (ledger);

	if (l->conn != NULL)
		pq.finish (l->conn);
}

static gboolean
migrate (Pg *l, GError **error)
{
	PGresult *res;
	gint64 version = 0;
	gboolean has_rows, has_sent;
	guint v;

	if (!exec (l, "BEGIN", error))
		return FALSE;
	if (!exec (l, "SELECT pg_advisory_xact_lock (" SCHEMA_LOCK ")", error)
	    || !exec (l, "CREATE TABLE IF NOT EXISTS ledger_schema ("
	    "version INTEGER NOT NULL)", error))
		goto fail;
	res = run (l, STMT_NONE, "SELECT (SELECT max(version) FROM "
	    "ledger_schema), to_regclass ('sent') IS NOT NULL", 0, NULL,
	    "cannot read the schema version", error);
	if (res == NULL)
		goto fail;
	has_rows = !pq.getisnull (res, 0, 0);
	version = value_int (res, 0, 0);
	has_sent = strcmp (pq.getvalue (res, 0, 1), "t") == 0;
	pq.clear (res);
	if (version > BS_LEDGER_SCHEMA_VERSION) {
		g_set_error (error, BS_LEDGER_ERROR, BS_LEDGER_ERROR_NEWER,
		    "%s: written by a newer backscatter-check (schema %"
		    G_GINT64_FORMAT ", this one knows %d)", l->base.name,
		    version, BS_LEDGER_SCHEMA_VERSION);
		goto fail;
	}
	if (!has_rows && has_sent) {
		g_set_error (error, BS_LEDGER_ERROR, BS_LEDGER_ERROR_SCHEMA,
		    "%s: has a table \"sent\", but is not a sent-mail ledger",
		    l->base.name);
		goto fail;
	}
	for (v = (guint) version; v < BS_LEDGER_SCHEMA_VERSION; v++) {
		if (!exec (l, migrations[v], error))
			goto fail;
	}
	if ((guint) version < BS_LEDGER_SCHEMA_VERSION) {
		g_autofree char *set = g_strdup_printf ("DELETE FROM "
		    "ledger_schema; INSERT INTO ledger_schema VALUES (%d)",
		    BS_LEDGER_SCHEMA_VERSION);

		if (!exec (l, set, error))
			goto fail;
	}
	return exec (l, "COMMIT", error);
fail:
	pq.clear (pq.exec (l->conn, "ROLLBACK"));
	return FALSE;
}

static gboolean
check_version (Pg *l, GError **error)
{
	g_autoptr(GError) local = NULL;
	PGresult *res = run (l, STMT_NONE, "SELECT max(version) FROM "
	    "ledger_schema", 0, NULL, "cannot read the schema version", &local);
	gint64 version;

	if (res == NULL) {
		/* No table yet: nothing was ever learned here. */
		if (g_error_matches (local, BS_LEDGER_ERROR,
		    BS_LEDGER_ERROR_SCHEMA)) {
			l->base.empty = TRUE;
			return TRUE;
		}
		g_propagate_error (error, g_steal_pointer (&local));
		return FALSE;
	}
	version = value_int (res, 0, 0);
	pq.clear (res);
	if (version > BS_LEDGER_SCHEMA_VERSION) {
		g_set_error (error, BS_LEDGER_ERROR, BS_LEDGER_ERROR_NEWER,
		    "%s: written by a newer backscatter-check (schema %"
		    G_GINT64_FORMAT ", this one reads %d)", l->base.name,
		    version, BS_LEDGER_SCHEMA_VERSION);
		return FALSE;
	}
	if (version == 0) {
		l->base.empty = TRUE;
		return TRUE;
	}
	if (version < BS_LEDGER_SCHEMA_VERSION) {
		g_set_error (error, BS_LEDGER_ERROR, BS_LEDGER_ERROR_SCHEMA,
		    "%s: an older ledger (schema %" G_GINT64_FORMAT "); "
		    "--learn-sent brings it up to date", l->base.name, version);
		return FALSE;
	}
	return TRUE;
}

static gboolean
lg_begin (BsLedger *ledger, GError **error)
{
	return exec (PG (ledger), "BEGIN", error);
}

static void
lg_rollback (BsLedger *ledger)
{
	Pg *l = PG (ledger);

	if (pq.status (l->conn) == CONNECTION_OK)
		pq.clear (pq.exec (l->conn, "ROLLBACK"));
}

static gboolean
lg_add (BsLedger *ledger, const BsLedgerEntry *e, const char *hash,
    gboolean *is_new, GError **error)
{
	Pg *l = PG (ledger);
	g_autofree char *date = e->date != 0 ? g_strdup_printf ("%"
	    G_GINT64_FORMAT, e->date) : NULL;
	g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT,
	    ledger->now);
	g_autofree char *from = e->from != NULL && *e->from != '\0' ?
	    g_ascii_strdown (e->from, -1) : NULL;
	const char *at = strrchr (e->message_id, '@');
	g_autofree char *domain = at != NULL && at[1] != '\0' ?
	    g_ascii_strdown (at + 1, -1) : NULL;
	const char *params[] = { e->message_id, date, e->from, e->recipients,
	    hash, now, from, domain };
	PGresult *res;

	/* The row and what it teaches about the owner, in one round trip;
	 * the owner is counted only for a new Message-ID. */
	res = run (l, STMT_ADD, "WITH ins AS (INSERT INTO sent (message_id, "
	    "date, sender, recipients, subject_hash, learned) VALUES ($1, $2, "
	    "$3, $4, $5, $6) ON CONFLICT (message_id) DO NOTHING RETURNING 1), "
	    "o AS (INSERT INTO owner (kind, value, count) SELECT k, v, 1 FROM "
	    "ins, (VALUES ('from', $7::text), ('msgid-domain', $8::text)) AS x (k, v) "
	    "WHERE v IS NOT NULL ON CONFLICT (kind, value) DO UPDATE SET "
	    "count = owner.count + 1) SELECT count(*) FROM ins",
	    G_N_ELEMENTS (params), params, "cannot record", error);
	if (res == NULL)
		return FALSE;
	*is_new = value_int (res, 0, 0) > 0;
	pq.clear (res);
	if (*is_new)
		bs_ledger_tally (ledger, e);
	return TRUE;
}

static gboolean
lg_commit (BsLedger *ledger, GError **error)
{
	Pg *l = PG (ledger);
	g_autofree char *sql = NULL;

	sql = g_strdup_printf ("UPDATE meta SET value = CASE key"
	    " WHEN 'count' THEN value + %" G_GINT64_FORMAT
	    " WHEN 'first' THEN CASE WHEN value = 0 OR (%" G_GINT64_FORMAT
	    " != 0 AND %" G_GINT64_FORMAT " < value) THEN %" G_GINT64_FORMAT
	    " ELSE value END"
	    " WHEN 'last' THEN greatest (value, %" G_GINT64_FORMAT ")"
	    " WHEN 'last-learn' THEN %" G_GINT64_FORMAT " ELSE value END"
	    " WHERE key IN ('count', 'first', 'last', 'last-learn');"
	    "INSERT INTO meta VALUES ('no-id', %" G_GINT64_FORMAT ") ON "
	    "CONFLICT (key) DO UPDATE SET value = meta.value + "
	    "excluded.value; COMMIT",
	    ledger->added, ledger->first, ledger->first, ledger->first,
	    ledger->last, ledger->now, ledger->unidentified);
	return exec (l, sql, error);
}

static gboolean
lg_expire (BsLedger *ledger, gint64 cutoff, gint64 *removed,
    GError **error)
{
	Pg *l = PG (ledger);
	g_autofree char *sql = g_strdup_printf ("DELETE FROM sent WHERE "
	    "date < %" G_GINT64_FORMAT, cutoff);
	PGresult *res = run (l, STMT_NONE, sql, 0, NULL, "cannot expire",
	    error);

	if (res == NULL)
		return FALSE;
	*removed = g_ascii_strtoll (pq.cmd_tuples (res), NULL, 10);
	pq.clear (res);
	return exec (l, "UPDATE meta SET value = CASE key WHEN 'first' THEN "
	    "coalesce ((SELECT min(date) FROM sent), 0) WHEN 'last' THEN "
	    "coalesce ((SELECT max(date) FROM sent), 0) END WHERE key IN "
	    "('first', 'last')", error);
}

/* Everything a lookup needs, in one statement: the row, the meta counts,
 * and (when the Message-ID is not found) how much mail is near date.
 * Each part is an index scan of a few pages (EXPLAIN on 10 million rows:
 * 9 to 18 buffers).  The counts read at most BS_LEDGER_NEAR_MAX entries
 * of sent_date; the ORDER BY keeps the planner from a sequential scan
 * that the LIMIT makes look cheap, but which on a ledger learned in
 * Date order would read every row before the window. */
#define WINDOW G_STRINGIFY (BS_LEDGER_WINDOW_DAYS) " * 86400"
#define NEAR(lo, hi) "(SELECT count(*) FROM (SELECT 1 FROM sent WHERE " \
	"date BETWEEN " lo " AND " hi " ORDER BY date LIMIT " \
	G_STRINGIFY (BS_LEDGER_NEAR_MAX) ") AS n)"

static gboolean
lg_lookup (BsLedger *ledger, const char *id, gint64 date,
    BsLedgerLookup *out, GError **error)
{
	Pg *l = PG (ledger);
	g_autofree char *d = g_strdup_printf ("%" G_GINT64_FORMAT, date);
	const char *params[] = { id, d };
	PGresult *res;

	res = run (l, STMT_LOOKUP, "WITH f AS (SELECT date FROM sent WHERE "
	    "message_id = $1) SELECT EXISTS (SELECT 1 FROM f),"
	    " (SELECT date FROM f),"
	    " (SELECT value FROM meta WHERE key = 'count'),"
	    " (SELECT value FROM meta WHERE key = 'first'),"
	    " (SELECT value FROM meta WHERE key = 'last'),"
	    " (SELECT value FROM meta WHERE key = 'no-id'),"
	    " CASE WHEN $2::bigint = 0 OR EXISTS (SELECT 1 FROM f) THEN 0"
	    " ELSE " NEAR ("$2::bigint - " WINDOW, "$2::bigint") " END,"
	    " CASE WHEN $2::bigint = 0 OR EXISTS (SELECT 1 FROM f) THEN 0"
	    " ELSE " NEAR ("$2::bigint + 1", "$2::bigint + " WINDOW) " END",
	    G_N_ELEMENTS (params), params, "cannot read", error);
	if (res == NULL)
		return FALSE;
	out->found = strcmp (pq.getvalue (res, 0, 0), "t") == 0;
	out->found_date = value_int (res, 0, 1);
	out->total = value_int (res, 0, 2);
	out->first = value_int (res, 0, 3);
	out->last = value_int (res, 0, 4);
	out->unidentified = value_int (res, 0, 5);
	out->before = value_int (res, 0, 6);
	out->after = value_int (res, 0, 7);
	pq.clear (res);
	return TRUE;
}

static gboolean
lg_at_date (BsLedger *ledger, gint64 date, GPtrArray *hashes,
    GPtrArray *recipients, GError **error)
{
	Pg *l = PG (ledger);
	g_autofree char *d = g_strdup_printf ("%" G_GINT64_FORMAT, date);
	const char *params[] = { d };
	PGresult *res;
	int i, n;

	res = run (l, STMT_AT_DATE, "SELECT coalesce (subject_hash, ''), "
	    "coalesce (recipients, '') FROM sent WHERE date = $1 LIMIT 1000",
	    1, params, "cannot read", error);
	if (res == NULL)
		return FALSE;
	n = pq.ntuples (res);
	for (i = 0; i < n; i++) {
		g_ptr_array_add (hashes, g_strdup (pq.getvalue (res, i, 0)));
		g_ptr_array_add (recipients, g_strdup (pq.getvalue (res, i, 1)));
	}
	pq.clear (res);
	return TRUE;
}

static GPtrArray *
lg_addresses (BsLedger *ledger, guint max, GError **error)
{
	Pg *l = PG (ledger);
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
	g_autofree char *m = g_strdup_printf ("%u", max);
	const char *params[] = { m };
	PGresult *res;
	int i, n;

	res = run (l, STMT_ADDRESSES, "SELECT value FROM owner WHERE kind = "
	    "'from' ORDER BY count DESC, value LIMIT $1", 1, params,
	    "cannot read", error);
	if (res == NULL)
		return NULL;
	n = pq.ntuples (res);
	for (i = 0; i < n; i++)
		g_ptr_array_add (out, g_strdup (pq.getvalue (res, i, 0)));
	pq.clear (res);
	return g_steal_pointer (&out);
}

static const BsLedgerOps pg_ops = {
	lg_close, lg_begin, lg_add, lg_commit, lg_rollback,
	lg_expire, lg_lookup, lg_at_date, lg_addresses,
};

BsLedger *
bs_ledger_pg_open (const char *url, gboolean writable, GError **error)
{
	/* Later keywords override earlier ones, and the URL's own settings
	 * (dbname is expanded where it stands) override ours: a filter does
	 * not wait long for a server, nor on a statement; a reader never
	 * writes; and libpq writes no NOTICE on stderr. */
	const char *const keys[] = { "connect_timeout", "options",
	    "fallback_application_name", "dbname", NULL };
	const char *const values[] = { "5", writable ?
	    "-c statement_timeout=60000 -c client_min_messages=warning" :
	    "-c statement_timeout=5000 -c default_transaction_read_only=on "
	    "-c client_min_messages=warning", "backscatter-check", url,
	    NULL };
	Pg *l;

	if (!load_libpq (error))
		return NULL;
	l = g_new0 (Pg, 1);
	l->base.ops = &pg_ops;
	l->base.name = display_name (url);
	l->base.writable = writable;
	l->conn = pq.connectdb_params (keys, values, 1);
	if (l->conn == NULL || pq.status (l->conn) != CONNECTION_OK) {
		g_autofree char *msg = first_line (l->conn != NULL ?
		    pq.error_message (l->conn) : "out of memory");

		g_set_error (error, BS_LEDGER_ERROR, BS_LEDGER_ERROR_OPEN,
		    "%s: cannot connect: %s", l->base.name, msg);
		bs_ledger_close (&l->base);
		return NULL;
	}
	if (!(writable ? migrate (l, error) : check_version (l, error))) {
		bs_ledger_close (&l->base);
		return NULL;
	}
	return &l->base;
}
