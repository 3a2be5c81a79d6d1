/* dkim.c: the owner's DKIM signatures of a returned original, verified by
 * libopendkim with keys from a file (opendkim's test form) or DNS. */
#include <string.h>

/* By its directory: our own dkim.h shadows the bare name. */
#include <opendkim/dkim.h>
#include <gmodule.h>

#include "build-config.h"
#include "dkim.h"
#include "textfile.h"

G_DEFINE_QUARK (bs-dkim-error-quark, bs_dkim_error)

/* libopendkim is opened when a DKIM key is configured, not linked: it
 * brings libcrypto and libdb, whose loading every run would pay for,
 * most of them with no key at all (as json-api.c does for --json). */
#define API(name) __typeof__ (name) *name
static struct {
	API (dkim_init);
	API (dkim_close);
	API (dkim_options);
	API (dkim_set_prescreen);
	API (dkim_set_key_lookup);
	API (dkim_set_user_context);
	API (dkim_get_user_context);
	API (dkim_sig_getdomain);
	API (dkim_sig_getselector);
	API (dkim_sig_ignore);
	API (dkim_verify);
	API (dkim_chunk);
	API (dkim_eom);
	API (dkim_getsiglist);
	API (dkim_sig_getflags);
	API (dkim_sig_geterror);
	API (dkim_sig_getbh);
	API (dkim_sig_geterrorstr);
	API (dkim_free);
} lib;
#undef API

#define FIND(name) find (module, #name, (gpointer *) &lib.name, error)

static gboolean
find (GModule *module, const char *name, gpointer *where, GError **error)
{
	if (g_module_symbol (module, name, where) && *where != NULL)
		return TRUE;
	g_set_error (error, BS_DKIM_ERROR, BS_DKIM_ERROR_LIBRARY, "%s has no %s",
	    BS_OPENDKIM_SONAME, name);
	return FALSE;
}

/* Under start_lock. */
static gboolean
open_library (GError **error)
{
	static gboolean loaded;
	GModule *module;

	if (loaded)
		return TRUE;
	module = g_module_open (BS_OPENDKIM_SONAME, G_MODULE_BIND_LAZY
	    | G_MODULE_BIND_LOCAL);
	if (module == NULL) {
		g_set_error (error, BS_DKIM_ERROR, BS_DKIM_ERROR_LIBRARY,
		    "cannot load %s (DKIM keys are configured): %s",
		    BS_OPENDKIM_SONAME, g_module_error ());
		return FALSE;
	}
	if (!FIND (dkim_init) || !FIND (dkim_close) || !FIND (dkim_options)
	    || !FIND (dkim_set_prescreen) || !FIND (dkim_set_key_lookup)
	    || !FIND (dkim_set_user_context) || !FIND (dkim_get_user_context)
	    || !FIND (dkim_sig_getdomain) || !FIND (dkim_sig_getselector)
	    || !FIND (dkim_sig_ignore) || !FIND (dkim_verify)
	    || !FIND (dkim_chunk) || !FIND (dkim_eom) || !FIND (dkim_getsiglist)
	    || !FIND (dkim_sig_getflags) || !FIND (dkim_sig_geterror)
	    || !FIND (dkim_sig_getbh) || !FIND (dkim_sig_geterrorstr)
	    || !FIND (dkim_free)) {
		g_module_close (module);
		return FALSE;
	}
	g_module_make_resident (module);
	loaded = TRUE;
	return TRUE;
}

/* DNS, when it is on, must not hold up delivery for long. */
#define BS_DKIM_DNS_TIMEOUT 5
/* A key record longer than this is no RSA or Ed25519 key anyone uses
 * (an RSA 8192 key is 1.4 KB of base64). */
#define BS_DKIM_MAX_RECORD 4096
#define BS_DKIM_MAX_NAME 512

struct BsDkimKeys {
	GHashTable *records;	/* "selector._domainkey.domain" -> record */
	GHashTable *domains;	/* domain -> itself */
};

/* Opening libopendkim and starting a BsDkim: worker threads share one
 * BsDkim (in the config), and the first of them to verify starts it.
 * One DKIM_LIB serves many threads, as in opendkim's own milter; each
 * verification has its own DKIM handle. */
static GMutex start_lock;

struct BsDkim {
	DKIM_LIB *lib;		/* NULL until the first verification */
	BsDkimKeys *keys;	/* nullable */
	gboolean dns;
	gboolean failed;	/* libopendkim would not load or start */
};

void
bs_dkim_keys_free (BsDkimKeys *keys)
{
	if (keys == NULL)
		return;
	g_hash_table_unref (keys->records);
	g_hash_table_unref (keys->domains);
	g_free (keys);
}

guint
bs_dkim_keys_count (const BsDkimKeys *keys)
{
	return g_hash_table_size (keys->records);
}

const char *
bs_dkim_keys_lookup (const BsDkimKeys *keys, const char *selector,
    const char *domain)
{
	g_autofree char *name = g_strdup_printf ("%s._domainkey.%s", selector,
	    domain);
	g_autofree char *lower = g_ascii_strdown (name, -1);

	return g_hash_table_lookup (keys->records, lower);
}

gboolean
bs_dkim_keys_has_domain (const BsDkimKeys *keys, const char *domain)
{
	g_autofree char *lower = NULL;

	if (domain == NULL)
		return FALSE;
	lower = g_ascii_strdown (domain, -1);
	return g_hash_table_contains (keys->domains, lower);
}

static gboolean
is_space (char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Does the word at p (up to end) equal w, followed by a space? */
static gboolean
word_is (const char *p, const char *end, const char *w)
{
	gsize n = strlen (w);

	return (gsize) (end - p) > n && g_ascii_strncasecmp (p, w, n) == 0
	    && is_space (p[n]);
}

static gboolean
bad_line (GError **error, const char *name, guint line, const char *what)
{
	g_set_error (error, BS_DKIM_ERROR, BS_DKIM_ERROR_KEYS, "%s:%u: %s",
	    name, line, what);
	return FALSE;
}

/* Reads the record after the name, from p: either plain text to the end
 * of the line, or zone-file strings ("..." "...", in parentheses that may
 * span lines, then a ";" comment).  *pp and *line move past it. */
static gboolean
read_record (const char **pp, const char *end, guint *line, GString *out,
    const char *name, GError **error)
{
	const char *p = *pp;
	guint first = *line;
	int depth = 0;
	gboolean quoted = FALSE, zone = FALSE;

	while (p < end && is_space (*p))
		p++;
	/* A TTL, then "IN" and "TXT", as a zone file writes them. */
	while (p < end && g_ascii_isdigit (*p)) {
		const char *q = p;

		while (q < end && g_ascii_isdigit (*q))
			q++;
		if (q == end || !is_space (*q))
			break;
		p = q;
		while (p < end && is_space (*p))
			p++;
	}
	if (word_is (p, end, "IN")) {
		p += 2;
		while (p < end && is_space (*p))
			p++;
	}
	if (word_is (p, end, "TXT")) {
		p += 3;
		while (p < end && is_space (*p))
			p++;
	}
	zone = p < end && (*p == '"' || *p == '(');
	if (!zone) {
		const char *e = memchr (p, '\n', (gsize) (end - p));

		if (e == NULL)
			e = end;
		g_string_append_len (out, p, e - p);
		while (out->len > 0 && is_space (out->str[out->len - 1]))
			g_string_truncate (out, out->len - 1);
		*pp = e;
		return TRUE;
	}
	while (p < end) {
		char c = *p;

		if (quoted) {
			if (c == '\\' && p + 1 < end && p[1] != '\n') {
				g_string_append_c (out, p[1]);
				p += 2;
				continue;
			}
			if (c == '\n')
				return bad_line (error, name, first,
				    "a quoted string does not end on its line");
			if (c == '"')
				quoted = FALSE;
			else
				g_string_append_c (out, c);
			p++;
		} else if (c == '"') {
			quoted = TRUE;
			p++;
		} else if (c == '(') {
			if (++depth > 1)
				return bad_line (error, name, first,
				    "nested parentheses");
			p++;
		} else if (c == ')') {
			if (--depth < 0)
				return bad_line (error, name, first,
				    "\")\" without \"(\"");
			p++;
		} else if (c == ';') {
			while (p < end && *p != '\n')
				p++;
		} else if (c == '\n') {
			if (depth == 0)
				break;
			(*line)++;
			p++;
		} else if (is_space (c)) {
			p++;
		} else {
			return bad_line (error, name, first, "text outside "
			    "the quoted strings of the record");
		}
		if (out->len > BS_DKIM_MAX_RECORD)
			return bad_line (error, name, first, "record too long");
	}
	if (quoted || depth != 0)
		return bad_line (error, name, first, "the record does not end "
		    "(a quote or parenthesis is open)");
	*pp = p;
	return TRUE;
}

BsDkimKeys *
bs_dkim_keys_parse (const char *data, gsize len, const char *name,
    GError **error)
{
	g_autoptr(BsDkimKeys) keys = g_new0 (BsDkimKeys, 1);
	const char *p = data, *end = data + len;
	guint line = 1;

	keys->records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
	    g_free);
	keys->domains = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
	    NULL);
	while (p < end) {
		g_autoptr(GString) record = g_string_new (NULL);
		g_autofree char *key = NULL;
		const char *n, *dk;
		guint at = line;

		while (p < end && is_space (*p))
			p++;
		if (p < end && (*p == '#' || *p == ';')) {
			while (p < end && *p != '\n')
				p++;
		}
		if (p < end && *p == '\n') {
			p++;
			line++;
			continue;
		}
		if (p >= end)
			break;
		n = p;
		while (p < end && !is_space (*p) && *p != '\n')
			p++;
		if (memchr (n, '\0', (gsize) (p - n)) != NULL
		    || (gsize) (p - n) > BS_DKIM_MAX_NAME) {
			bad_line (error, name, at, "not a key name");
			return NULL;
		}
		key = g_ascii_strdown (n, p - n);
		if (key[0] != '\0' && key[strlen (key) - 1] == '.')
			key[strlen (key) - 1] = '\0';
		dk = strstr (key, "._domainkey.");
		if (dk == NULL || dk == key || dk[12] == '\0') {
			bad_line (error, name, at, "the name is not "
			    "SELECTOR._domainkey.DOMAIN");
			return NULL;
		}
		if (!read_record (&p, end, &line, record, name, error))
			return NULL;
		if (record->len == 0 || memchr (record->str, '\0',
		    record->len) != NULL || strstr (record->str, "p=") == NULL) {
			bad_line (error, name, at, "no key record (p=...)");
			return NULL;
		}
		if (record->len > BS_DKIM_MAX_RECORD) {
			bad_line (error, name, at, "record too long");
			return NULL;
		}
		g_hash_table_add (keys->domains, g_strdup (dk + 12));
		g_hash_table_replace (keys->records, g_steal_pointer (&key),
		    g_string_free (g_steal_pointer (&record), FALSE));
	}
	return g_steal_pointer (&keys);
}

BsDkimKeys *
bs_dkim_keys_load (const char *path, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autofree char *data = NULL;
	gsize len;

	data = bs_textfile_read (path, &len, &local);
	if (data == NULL) {
		g_set_error (error, BS_DKIM_ERROR, BS_DKIM_ERROR_KEYS, "%s",
		    local->message);
		return NULL;
	}
	return bs_dkim_keys_parse (data, len, path, error);
}

/* --- verifying ---------------------------------------------------------- */

typedef struct {
	BsDkim *self;
	BsDkimOwnerFunc is_owner;
	gpointer owner_data;
} Job;

static DKIM_CBSTAT
prescreen (DKIM *d, DKIM_SIGINFO **sigs, int nsigs)
{
	Job *job = lib.dkim_get_user_context (d);
	int i;

	/* Only the owner's signatures prove anything, and only theirs are
	 * worth a key lookup. */
	for (i = 0; i < nsigs; i++) {
		const char *domain = (const char *) lib.dkim_sig_getdomain (sigs[i]);

		if (domain == NULL || !job->is_owner (domain, job->owner_data))
			lib.dkim_sig_ignore (sigs[i]);
	}
	return DKIM_CBSTAT_CONTINUE;
}

static DKIM_CBSTAT
key_lookup (DKIM *d, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
	Job *job = lib.dkim_get_user_context (d);
	const char *selector = (const char *) lib.dkim_sig_getselector (sig);
	const char *domain = (const char *) lib.dkim_sig_getdomain (sig);
	const char *record = NULL;

	if (selector != NULL && domain != NULL)
		record = bs_dkim_keys_lookup (job->self->keys, selector, domain);
	if (record == NULL)
		return job->self->dns ? DKIM_CBSTAT_DEFAULT :
		    DKIM_CBSTAT_NOTFOUND;
	if (strlen (record) >= buflen)
		return DKIM_CBSTAT_ERROR;
	memcpy (buf, record, strlen (record) + 1);
	return DKIM_CBSTAT_CONTINUE;
}

BsDkim *
bs_dkim_new (BsDkimKeys *keys, gboolean dns, GError **error)
{
	BsDkim *dkim = g_new0 (BsDkim, 1);

	/* libopendkim starts on the first signature to verify: loading it
	 * (and libcrypto) costs more than classifying a message, and most
	 * messages are no bounce with the owner's signature. */
	dkim->keys = keys;
	dkim->dns = dns;
	return dkim;
}

gboolean
bs_dkim_start (BsDkim *dkim, GError **error)
{
	unsigned int timeout = BS_DKIM_DNS_TIMEOUT;
	/* Bare LF from GMime's output becomes CRLF, as canonicalization
	 * needs. */
	unsigned int flags = DKIM_LIBFLAGS_FIXCRLF;
	DKIM_LIB *dl;

	if (g_atomic_pointer_get (&dkim->lib) != NULL)
		return TRUE;
	g_mutex_lock (&start_lock);
	if (dkim->lib != NULL) {
		g_mutex_unlock (&start_lock);
		return TRUE;
	}
	if (!open_library (error)) {
		g_mutex_unlock (&start_lock);
		return FALSE;
	}
	dl = lib.dkim_init (NULL, NULL);
	if (dl == NULL) {
		g_mutex_unlock (&start_lock);
		g_set_error (error, BS_DKIM_ERROR, BS_DKIM_ERROR_LIBRARY,
		    "libopendkim could not start");
		return FALSE;
	}
	(void) lib.dkim_options (dl, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS,
	    &flags, sizeof flags);
	(void) lib.dkim_options (dl, DKIM_OP_SETOPT, DKIM_OPTS_TIMEOUT,
	    &timeout, sizeof timeout);
	(void) lib.dkim_set_prescreen (dl, prescreen);
	if (dkim->keys != NULL)
		(void) lib.dkim_set_key_lookup (dl, key_lookup);
	g_atomic_pointer_set (&dkim->lib, dl);
	g_mutex_unlock (&start_lock);
	return TRUE;
}

void
bs_dkim_free (BsDkim *dkim)
{
	if (dkim == NULL)
		return;
	if (dkim->lib != NULL)
		lib.dkim_close (dkim->lib);
	bs_dkim_keys_free (dkim->keys);
	g_free (dkim);
}

gboolean
bs_dkim_knows_domain (const BsDkim *dkim, const char *domain)
{
	return dkim->keys != NULL && bs_dkim_keys_has_domain (dkim->keys,
	    domain);
}

static gboolean
no_key (int err)
{
	return err == DKIM_SIGERROR_NOKEY || err == DKIM_SIGERROR_KEYFAIL
	    || err == DKIM_SIGERROR_DNSSYNTAX || err == DKIM_SIGERROR_MULTIREPLY;
}

BsDkimResult
bs_dkim_verify (BsDkim *dkim, const char *data, gsize len,
    BsDkimOwnerFunc is_owner, gpointer owner_data, char **detail)
{
	Job job = { dkim, is_owner, owner_data };
	g_autoptr(GError) local = NULL;
	BsDkimResult best = BS_DKIM_NONE;
	g_autofree char *why = NULL;
	DKIM_SIGINFO **sigs = NULL;
	DKIM_STAT st;
	DKIM *d;
	int nsigs = 0, i;

	if (detail != NULL)
		*detail = NULL;
	if (g_atomic_int_get (&dkim->failed))
		return BS_DKIM_NONE;
	if (!bs_dkim_start (dkim, &local)) {
		/* Falls open: no proof either way, said once. */
		if (g_atomic_int_compare_and_exchange (&dkim->failed, FALSE,
		    TRUE))
			g_printerr ("backscatter-check: DKIM not verified: "
			    "%s\n", local->message);
		return BS_DKIM_NONE;
	}
	d = lib.dkim_verify (dkim->lib, (const unsigned char *) "original", NULL,
	    &st);
	if (d == NULL)
		return BS_DKIM_NONE;
	(void) lib.dkim_set_user_context (d, &job);
	st = lib.dkim_chunk (d, (u_char *) data, len);
	if (st == DKIM_STAT_OK)
		st = lib.dkim_chunk (d, NULL, 0);
	if (st == DKIM_STAT_OK || st == DKIM_STAT_BADSIG
	    || st == DKIM_STAT_CANTVRFY || st == DKIM_STAT_NOKEY
	    || st == DKIM_STAT_KEYFAIL || st == DKIM_STAT_REVOKED)
		(void) lib.dkim_eom (d, NULL);
	if (lib.dkim_getsiglist (d, &sigs, &nsigs) != DKIM_STAT_OK)
		nsigs = 0;
	for (i = 0; i < nsigs; i++) {
		DKIM_SIGINFO *sig = sigs[i];
		unsigned int flags = lib.dkim_sig_getflags (sig);
		int err = lib.dkim_sig_geterror (sig);
		const char *domain = (const char *) lib.dkim_sig_getdomain (sig);
		const char *selector = (const char *) lib.dkim_sig_getselector (sig);
		BsDkimResult r;
		g_autofree char *text = NULL;

		if ((flags & DKIM_SIGFLAG_IGNORE) != 0)
			continue;
		if (domain == NULL)
			domain = "?";
		if (selector == NULL)
			selector = "?";
		if ((flags & DKIM_SIGFLAG_PASSED) != 0
		    && lib.dkim_sig_getbh (sig) == DKIM_SIGBH_MATCH) {
			r = BS_DKIM_VALID;
			text = g_strdup_printf ("DKIM signature d=%s s=%s "
			    "verifies, headers and body", domain, selector);
		} else if ((flags & DKIM_SIGFLAG_PASSED) != 0) {
			r = BS_DKIM_VALID_HEADERS;
			text = g_strdup_printf ("DKIM signature d=%s s=%s "
			    "verifies over the headers; the body hash does "
			    "not match (the bouncer cut or re-encoded the "
			    "body)", domain, selector);
		} else if (err == DKIM_SIGERROR_EXPIRED
		    || err == DKIM_SIGERROR_FUTURE) {
			/* Its time, not its bytes: no proof either way. */
			r = BS_DKIM_NO_KEY;
			text = g_strdup_printf ("DKIM signature d=%s s=%s: %s",
			    domain, selector, lib.dkim_sig_geterrorstr (err));
		} else if (no_key (err)) {
			r = BS_DKIM_NO_KEY;
			text = g_strdup_printf ("DKIM signature d=%s s=%s: no "
			    "key for %s._domainkey.%s", domain, selector,
			    selector, domain);
		} else {
			r = BS_DKIM_FAILED;
			text = g_strdup_printf ("DKIM signature d=%s s=%s "
			    "fails: %s", domain, selector,
			    err == DKIM_SIGERROR_UNKNOWN ? "not verified" :
			    lib.dkim_sig_geterrorstr (err));
		}
		if (r > best) {
			best = r;
			g_free (why);
			why = g_steal_pointer (&text);
		}
	}
	lib.dkim_free (d);
	if (detail != NULL)
		*detail = g_steal_pointer (&why);
	return best;
}
