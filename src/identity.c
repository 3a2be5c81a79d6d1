/* identity.c: the owner's addresses and relays, and matching against them. */
#include <string.h>

#include <libpsl.h>

#include "identity.h"

typedef struct {
	char *spec;			/* as given, for reports */
	GInetAddressMask *mask;		/* IP or CIDR, else NULL */
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

/* Is what follows a "/" (if anything) a length GLib can take? */
static gboolean
mask_length_ok (const char *spec)
{
	const char *slash = strchr (spec, '/');
	gsize digits;

	if (slash == NULL)
		return TRUE;
	digits = strspn (slash + 1, "0123456789");
	return digits > 0 && digits <= 3 && slash[1 + digits] == '\0'
	    && g_ascii_strtoull (slash + 1, NULL, 10) <= 128;
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
	/* Anything with a digit-or-colon shape is tried as an address or
	 * mask first; GLib knows IPv4, IPv6 and CIDR.  A length over 128
	 * makes GLib warn instead of failing: refuse it first. */
	if (mask_length_ok (lower))
		relay->mask = g_inet_address_mask_new_from_string (lower,
		    NULL);
	if (relay->mask == NULL) {
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
		const BsRelay *relay = id->relays->pdata[i];

		if (relay->mask != NULL) {
			if (addr != NULL
			    && g_inet_address_get_family (addr)
			    == g_inet_address_mask_get_family (relay->mask)
			    && g_inet_address_mask_matches (relay->mask, addr))
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
