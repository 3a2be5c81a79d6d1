/* identity.c: the owner's addresses and relays, and matching against them. */
#include <arpa/inet.h>
#include <string.h>

#include <libpsl.h>

#include "identity.h"

typedef struct {
	char *spec;			/* as given, for reports */
	gboolean is_mask;		/* an IP or CIDR: see relay_mask */
	gsize mask_made;		/* relay_mask has made mask */
	GInetAddressMask *mask;		/* (nullable) made at its first use */
	GPatternSpec *glob;		/* lower-case host glob, else NULL */
} BsRelay;

struct BsIdentity {
	GPtrArray *addresses;	/* lower-case "user@dom" or "@dom" */
	GPtrArray *domains;	/* lower-case domains of the above */
	GPtrArray *relays;	/* BsRelay */
};

G_DEFINE_QUARK (bs-identity-error-quark, bs_identity_error)

static void
relay_free (gpointer data)
{
	BsRelay *relay = data;

	g_free (relay->spec);
	g_clear_object (&relay->mask);
	g_clear_pointer (&relay->glob, g_pattern_spec_free);
	g_free (relay);
}

BsIdentity *
bs_identity_new (void)
{
	BsIdentity *id = g_new0 (BsIdentity, 1);

	id->addresses = g_ptr_array_new_with_free_func (g_free);
	id->domains = g_ptr_array_new_with_free_func (g_free);
	id->relays = g_ptr_array_new_with_free_func (relay_free);
	return id;
}

void
bs_identity_free (BsIdentity *id)
{
	if (id == NULL)
		return;
	g_ptr_array_unref (id->addresses);
	g_ptr_array_unref (id->domains);
	g_ptr_array_unref (id->relays);
	g_free (id);
}

static gboolean
valid_domain (const char *d)
{
	const char *p;

	if (*d == '\0' || *d == '.' || strlen (d) > 253)
		return FALSE;
	for (p = d; *p != '\0'; p++) {
		if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.'
		    && *p != '_')
			return FALSE;
	}
	return TRUE;
}

gboolean
bs_identity_add_address (BsIdentity *id, const char *spec, GError **error)
{
	g_autofree char *lower = g_ascii_strdown (spec, -1);
	const char *at = strrchr (lower, '@');

	g_strstrip (lower);
	at = strrchr (lower, '@');
	if (at == NULL || !valid_domain (at + 1)
	    || strchr (lower, ' ') != NULL) {
		g_set_error (error, BS_IDENTITY_ERROR,
		    BS_IDENTITY_ERROR_ADDRESS, "bad address \"%s\" (want "
		    "user@example.org or @example.org)", spec);
		return FALSE;
	}
	if (!g_ptr_array_find_with_equal_func (id->domains, at + 1,
	    g_str_equal, NULL))
		g_ptr_array_add (id->domains, g_strdup (at + 1));
	g_ptr_array_add (id->addresses, g_steal_pointer (&lower));
	return TRUE;
}

/* Is spec an IP address or a CIDR mask?  Told by inet_pton, so that a
 * run that never meets a bounce never pays for GLib's GInetAddressMask
 * (registering its GObject types costs 60,000 instructions, a sixth of
 * all our own work on a message that is no bounce).  GLib's parser, which
 * reads the mask at its first use, takes the same forms. */
static gboolean
looks_like_mask (const char *spec)
{
	const char *slash = strchr (spec, '/');
	g_autofree char *addr = g_strndup (spec, slash != NULL ?
	    (gsize) (slash - spec) : strlen (spec));
	guchar bytes[16];
	guint max, length, i;
	gsize digits;

	if (inet_pton (AF_INET, addr, bytes) == 1)
		max = 32;
	else if (inet_pton (AF_INET6, addr, bytes) == 1)
		max = 128;
	else
		return FALSE;
	if (slash == NULL)
		return TRUE;
	digits = strspn (slash + 1, "0123456789");
	if (digits == 0 || digits > 3 || slash[1 + digits] != '\0')
		return FALSE;
	length = (guint) g_ascii_strtoull (slash + 1, NULL, 10);
	if (length > max)
		return FALSE;
	/* GLib refuses a mask with address bits set past its length
	 * (192.0.2.25/24); so must this. */
	for (i = length; i < max; i++)
		if (bytes[i / 8] & (0x80u >> (i % 8)))
			return FALSE;
	return TRUE;
}

/* The relay's mask, made once (relays are shared by threads); NULL if
 * GLib does not read what looks_like_mask took, which should not happen:
 * the relay then matches nothing, as an unreadable one must. */
static GInetAddressMask *
relay_mask (BsRelay *relay)
{
	if (g_once_init_enter (&relay->mask_made)) {
		relay->mask = g_inet_address_mask_new_from_string (relay->spec,
		    NULL);
		g_once_init_leave (&relay->mask_made, 1);
	}
	return relay->mask;
}

gboolean
bs_identity_add_relay (BsIdentity *id, const char *spec, GError **error)
{
	g_autofree char *lower = g_ascii_strdown (spec, -1);
	BsRelay *relay;

	g_strstrip (lower);
	if (*lower == '\0') {
		g_set_error (error, BS_IDENTITY_ERROR, BS_IDENTITY_ERROR_RELAY,
		    "empty relay");
		return FALSE;
	}
	relay = g_new0 (BsRelay, 1);
	relay->spec = g_strdup (lower);
	relay->is_mask = looks_like_mask (lower);
	if (!relay->is_mask) {
		gboolean is_glob = strpbrk (lower, "*?") != NULL;

		if (strchr (lower, '/') != NULL
		    || (!is_glob && !valid_domain (lower))) {
			relay_free (relay);
			g_set_error (error, BS_IDENTITY_ERROR,
			    BS_IDENTITY_ERROR_RELAY, "bad relay \"%s\" (want a "
			    "host name, a glob such as *.example.net, an IP "
			    "address or a CIDR mask)", spec);
			return FALSE;
		}
		relay->glob = g_pattern_spec_new (lower);
	}
	g_ptr_array_add (id->relays, relay);
	return TRUE;
}

gboolean
bs_identity_has_addresses (const BsIdentity *id)
{
	return id->addresses->len > 0;
}

gboolean
bs_identity_has_relays (const BsIdentity *id)
{
	return id->relays->len > 0;
}

gboolean
bs_identity_is_empty (const BsIdentity *id)
{
	return id->addresses->len == 0 && id->relays->len == 0;
}

gboolean
bs_identity_match_address (const BsIdentity *id, const char *addr)
{
	g_autofree char *lower = NULL;
	const char *at;
	guint i;

	if (addr == NULL)
		return FALSE;
	lower = g_ascii_strdown (addr, -1);
	at = strrchr (lower, '@');
	if (at == NULL)
		return FALSE;
	for (i = 0; i < id->addresses->len; i++) {
		const char *a = id->addresses->pdata[i];

		if (a[0] == '@' ? strcmp (a, at) == 0 : strcmp (a, lower) == 0)
			return TRUE;
	}
	return FALSE;
}

gboolean
bs_identity_match_domain (const BsIdentity *id, const char *domain)
{
	g_autofree char *lower = NULL;
	gsize len;
	guint i;

	if (domain == NULL)
		return FALSE;
	lower = g_ascii_strdown (domain, -1);
	len = strlen (lower);
	for (i = 0; i < id->domains->len; i++) {
		const char *d = id->domains->pdata[i];
		gsize dlen = strlen (d);

		if (strcmp (lower, d) == 0)
			return TRUE;
		if (len > dlen && lower[len - dlen - 1] == '.'
		    && strcmp (lower + len - dlen, d) == 0)
			return TRUE;
	}
	return FALSE;
}

const char *
bs_identity_match_relay (const BsIdentity *id, const char *host,
    const char *ip)
{
	g_autofree char *lower = host != NULL ? g_ascii_strdown (host, -1) :
	    NULL;
	g_autoptr(GInetAddress) addr = NULL;
	guint i;

	if (ip != NULL)
		addr = g_inet_address_new_from_string (ip);
	if (lower != NULL) {
		gsize len = strlen (lower);

		/* A trailing dot is the DNS root, not part of the name. */
		if (len > 0 && lower[len - 1] == '.')
			lower[len - 1] = '\0';
	}
	for (i = 0; i < id->relays->len; i++) {
		BsRelay *relay = id->relays->pdata[i];

		if (relay->is_mask) {
			GInetAddressMask *mask;

			if (addr == NULL)
				continue;
			mask = relay_mask (relay);
			if (mask != NULL && g_inet_address_get_family (addr)
			    == g_inet_address_mask_get_family (mask)
			    && g_inet_address_mask_matches (mask, addr))
				return relay->spec;
		} else if (lower != NULL && *lower != '\0'
		    && g_pattern_spec_match_string (relay->glob, lower)) {
			return relay->spec;
		}
	}
	return NULL;
}

void
bs_identity_clear_addresses (BsIdentity *id)
{
	g_ptr_array_set_size (id->addresses, 0);
	g_ptr_array_set_size (id->domains, 0);
}

void
bs_identity_clear_relays (BsIdentity *id)
{
	g_ptr_array_set_size (id->relays, 0);
}

char *
bs_identity_registrable_domain (const char *host)
{
	g_autofree char *lower = NULL;
	const psl_ctx_t *psl = psl_builtin ();
	const char *reg;

	if (host == NULL || *host == '\0')
		return NULL;
	lower = g_ascii_strdown (host, -1);
	reg = psl != NULL ? psl_registrable_domain (psl, lower) : NULL;
	return g_strdup (reg != NULL ? reg : lower);
}
