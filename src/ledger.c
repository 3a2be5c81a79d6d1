/* ledger.c: the sent-mail ledger's one interface over its stores
 * (ledger-backend.h: an SQLite file, ledger-sqlite.c, or a PostgreSQL
 * database, ledger-pg.c), and what the ledger says about a returned
 * original.  The stores keep and count; the judging is done here once. */
#include <string.h>

#include <gmime/gmime.h>

#include "gmime-compat.h"
#include "header-decode.h"
#include "ledger-backend.h"

G_DEFINE_QUARK (bs-ledger-error-quark, bs_ledger_error)

char *
bs_ledger_default_path (void)
{
	return g_build_filename (g_get_user_data_dir (), "backscatter-check",
	    "sent.sqlite", NULL);
}

gboolean
bs_ledger_is_url (const char *spec)
{
	return spec != NULL && (g_str_has_prefix (spec, "postgresql://")
	    || g_str_has_prefix (spec, "postgres://"));
}

BsLedger *
bs_ledger_open_write (const char *path, GError **error)
{
	if (bs_ledger_is_url (path))
		return bs_ledger_pg_open (path, TRUE, error);
	return bs_ledger_sqlite_open (path, TRUE, error);
}

/* The times in the debug lines of opening and judging are what
 * bench/fleet.py reads: a lookup's latency as the classifier sees it. */
BsLedger *
bs_ledger_open_read (const char *path, GError **error)
{
	gint64 start = g_get_monotonic_time ();
	BsLedger *l = bs_ledger_is_url (path) ? bs_ledger_pg_open (path, FALSE,
	    error) : bs_ledger_sqlite_open (path, FALSE, error);

	g_debug ("ledger: opened in %" G_GINT64_FORMAT " us",
	    g_get_monotonic_time () - start);
	return l;
}

void
bs_ledger_close (BsLedger *l)
{
	if (l == NULL)
		return;
	if (l->in_transaction)
		bs_ledger_rollback (l);
	l->ops->close (l);
	g_free (l->name);
	g_free (l);
}

const char *
bs_ledger_name (const BsLedger *l)
{
	return l->name;
}

gboolean
bs_ledger_begin (BsLedger *l, GError **error)
{
	g_return_val_if_fail (l->writable && !l->in_transaction, FALSE);
	if (!l->ops->begin (l, error))
		return FALSE;
	l->in_transaction = TRUE;
	l->now = g_get_real_time () / G_USEC_PER_SEC;
	l->added = l->first = l->last = l->unidentified = 0;
	return TRUE;
}

void
bs_ledger_tally (BsLedger *l, const BsLedgerEntry *e)
{
	l->added++;
	if (e->date != 0 && (l->first == 0 || e->date < l->first))
		l->first = e->date;
	if (e->date != 0 && e->date > l->last)
		l->last = e->date;
}

/* The Subject as a ledger keeps it: its SHA-256, "" when there is none. */
static char *
subject_hash (const char *subject)
{
	if (subject == NULL)
		return NULL;
	return g_compute_checksum_for_string (G_CHECKSUM_SHA256, subject, -1);
}

gboolean
bs_ledger_add (BsLedger *l, const BsLedgerEntry *e, gboolean *is_new,
    GError **error)
{
	g_autofree char *hash = NULL;

	g_return_val_if_fail (l->in_transaction, FALSE);
	*is_new = FALSE;
	if (e->message_id == NULL) {
		l->unidentified++;
		return TRUE;
	}
	hash = subject_hash (e->subject);
	return l->ops->add (l, e, hash, is_new, error);
}

gboolean
bs_ledger_commit (BsLedger *l, GError **error)
{
	g_return_val_if_fail (l->in_transaction, FALSE);
	if (!l->ops->commit (l, error)) {
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
	l->ops->rollback (l);
	l->in_transaction = FALSE;
}

gboolean
bs_ledger_expire (BsLedger *l, guint days, gint64 now, gint64 *removed,
    GError **error)
{
	if (!bs_ledger_begin (l, error))
		return FALSE;
	if (!l->ops->expire (l, now - (gint64) days * 86400, removed, error)) {
		bs_ledger_rollback (l);
		return FALSE;
	}
	l->added = -*removed;
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

gboolean
bs_ledger_lookup (BsLedger *l, const char *message_id, gint64 date,
    BsLedgerLookup *out, GError **error)
{
	g_autofree char *id = bs_ledger_normalise_id (message_id);

	memset (out, 0, sizeof *out);
	if (l->empty)
		return TRUE;
	return l->ops->lookup (l, id, date, out, error);
}

/* Is address one of list, a ", "-separated list as learning writes? */
static gboolean
in_list (const char *list, const char *address)
{
	gsize len = strlen (address);
	const char *p = list;

	while (p != NULL && *p != '\0') {
		const char *end = strchr (p, ',');
		gsize n = end != NULL ? (gsize) (end - p) : strlen (p);

		if (n == len && g_ascii_strncasecmp (p, address, len) == 0)
			return TRUE;
		p = end != NULL ? end + 1 : NULL;
		while (p != NULL && *p == ' ')
			p++;
	}
	return FALSE;
}

gboolean
bs_ledger_match (BsLedger *l, gint64 date, const char *subject,
    const char *const *recipients, BsLedgerMatch *out, GError **error)
{
	g_autoptr(GPtrArray) hashes = g_ptr_array_new_with_free_func (g_free);
	g_autoptr(GPtrArray) rcpts = g_ptr_array_new_with_free_func (g_free);
	g_autofree char *hash = subject_hash (subject);
	guint i, j;

	*out = BS_LEDGER_MATCH_NONE;
	if (l->empty || date == 0)
		return TRUE;
	if (!l->ops->at_date (l, date, hashes, rcpts, error))
		return FALSE;
	for (i = 0; i < hashes->len; i++) {
		*out = BS_LEDGER_MATCH_OTHER;
		if (strcmp (hashes->pdata[i], hash != NULL ? hash : "") != 0)
			continue;
		for (j = 0; recipients != NULL && recipients[j] != NULL; j++) {
			if (in_list (rcpts->pdata[i], recipients[j])) {
				*out = BS_LEDGER_MATCH_SENT;
				return TRUE;
			}
		}
	}
	return TRUE;
}

GPtrArray *
bs_ledger_addresses (BsLedger *l, guint max, GError **error)
{
	if (l->empty)
		return g_ptr_array_new_with_free_func (g_free);
	return l->ops->addresses (l, max, error);
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

static char *
second (gint64 t)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (t);

	return dt != NULL ? g_date_time_format (dt, "%Y-%m-%d %H:%M:%S UTC") :
	    g_strdup ("?");
}

/* The addresses the original went to: the failed recipients the
 * bouncing server names, and the original's To.  Returns: (transfer
 * full) a NULL-terminated list. */
static GStrv
original_recipients (const BsFacts *facts)
{
	g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
	const BsOriginal *o = facts->original;
	guint i;

	for (i = 0; facts->dsn != NULL && i < facts->dsn->recipients->len;
	    i++) {
		const BsRecipient *r = facts->dsn->recipients->pdata[i];

		if (r->recipient != NULL)
			g_strv_builder_add (b, r->recipient);
	}
	if (o->to != NULL) {
		g_autoptr(InternetAddressList) list =
		    bs_header_decode_addresses (o->to);
		int n = list != NULL ? internet_address_list_length (list) : 0;
		int k;

		for (k = 0; k < n && k < 100; k++) {
			InternetAddress *ia = internet_address_list_get_address (
			    list, k);

			if (INTERNET_ADDRESS_IS_MAILBOX (ia))
				g_strv_builder_add (b,
				    internet_address_mailbox_get_addr (
				    INTERNET_ADDRESS_MAILBOX (ia)));
		}
	}
	return g_strv_builder_end (b);
}

/* How many were sent near the Date, as the explanation says it: the
 * stores stop counting at BS_LEDGER_NEAR_MAX each side. */
static char *
near_count (const BsLedgerLookup *r)
{
	g_autofree char *n = thousands (r->before + r->after);

	if (r->before >= BS_LEDGER_NEAR_MAX || r->after >= BS_LEDGER_NEAR_MAX)
		return g_strconcat ("at least ", n, NULL);
	return g_steal_pointer (&n);
}

/* Mail sent near the Date says the owner kept copies then, and mail
 * dated after it that the ledger was fed past it. */
static gboolean
covers (const BsLedgerLookup *r, gint64 date)
{
	return date != 0 && r->before + r->after > 0 && r->first <= date
	    && r->last >= date;
}

/* An original without a Message-ID.  Only the owner holds the exact Date,
 * Subject and recipients of what they sent: all three matching one sent
 * message is the owner's mail.  Nothing sent at that second, while the
 * ledger covers it and the owner's mail always had a Message-ID, is mail
 * the owner never sent.  Something sent then, with another Subject or to
 * others, may be a bouncer's rewriting: no say. */
static gboolean
judge_unidentified (BsLedger *l, BsFacts *facts, GError **error)
{
	const BsOriginal *o = facts->original;
	g_auto(GStrv) rcpts = original_recipients (facts);
	g_autofree char *total = NULL;
	g_autofree char *when = NULL;
	BsLedgerLookup r;
	BsLedgerMatch m;

	if (o->date_unix == 0)
		return TRUE;
	if (!bs_ledger_match (l, o->date_unix, o->subject,
	    (const char *const *) rcpts, &m, error)
	    || !bs_ledger_lookup (l, NULL, o->date_unix, &r, error))
		return FALSE;
	total = thousands (r.total);
	when = second (o->date_unix);
	switch (m) {
	case BS_LEDGER_MATCH_SENT:
		facts->ledger_sent = TRUE;
		g_free (facts->ledger_detail);
		facts->ledger_detail = g_strdup_printf ("the original has no "
		    "Message-ID, but one of the %s messages you sent has its "
		    "Date (%s), Subject and a recipient", total, when);
		return TRUE;
	case BS_LEDGER_MATCH_NONE:
		/* A summary's Date is the bouncer's rendering ("Sent:
		 * 12/1/2026 5:38 PM"): no seconds, often no zone.  Missing
		 * the exact second then says nothing. */
		if (covers (&r, o->date_unix) && r.unidentified == 0
		    && g_strcmp0 (o->via, "summary") != 0) {
			g_autofree char *first = day (r.first);
			g_autofree char *last = day (r.last);
			g_autofree char *near = near_count (&r);

			facts->ledger_unsent = TRUE;
			g_free (facts->ledger_detail);
			facts->ledger_detail = g_strdup_printf ("the original "
			    "has no Message-ID, and none of the %s messages you "
			    "sent, all with one, is dated %s (the ledger covers "
			    "%s .. %s, %s of them within %d days of it)", total,
			    when, first, last, near, BS_LEDGER_WINDOW_DAYS);
			return TRUE;
		}
		break;
	case BS_LEDGER_MATCH_OTHER:
		break;
	}
	g_debug ("ledger: original without Message-ID dated %s: %s", when,
	    m == BS_LEDGER_MATCH_OTHER ? "sent mail of that second differs "
	    "in Subject or recipients, no say" : r.unidentified > 0 ? "the owner "
	    "sends mail without one, no say" : "not covered, no say");
	return TRUE;
}

static gboolean
judge (BsLedger *l, BsFacts *facts, GError **error)
{
	const BsOriginal *o = facts->original;
	g_autofree char *id = NULL;
	g_autofree char *total = NULL;
	g_autofree char *first = NULL;
	g_autofree char *last = NULL;
	BsLedgerLookup r;

	if (!o->found)
		return TRUE;
	if ((id = bs_ledger_normalise_id (o->message_id)) == NULL)
		return judge_unidentified (l, facts, error);
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
	if (covers (&r, o->date_unix)) {
		g_autofree char *near = near_count (&r);

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

gboolean
bs_ledger_judge (BsLedger *l, BsFacts *facts, GError **error)
{
	gint64 start = g_get_monotonic_time ();
	gboolean ok = judge (l, facts, error);

	g_debug ("ledger: judged in %" G_GINT64_FORMAT " us",
	    g_get_monotonic_time () - start);
	return ok;
}
