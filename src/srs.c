/* srs.c: SRS0 and SRS1 addresses, as postsrsd makes them (libsrs2's
 * algorithm), unwrapped and checked. */
#include <string.h>

#include "srs.h"

#define DAY_SECONDS 86400
#define TIME_SLOTS 1024		/* two base32 characters */

static const char time_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
static const char hash_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The first len characters of the base64 of HMAC-SHA1(secret, the parts
 * lowercased), as libsrs2's srs_hash_create_v(). */
static void
make_hash (const char *secret, const char *const *parts, gsize len,
    char *out)
{
	g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA1,
	    (const guchar *) secret, strlen (secret));
	guint8 digest[20];
	gsize dlen = sizeof digest, i, bit;

	for (i = 0; parts[i] != NULL; i++) {
		g_autofree char *lower = g_ascii_strdown (parts[i], -1);

		g_hmac_update (hmac, (const guchar *) lower,
		    (gssize) strlen (lower));
	}
	g_hmac_get_digest (hmac, digest, &dlen);
	/* Six bits at a time, zero-padded past the digest, never past the
	 * 27 characters that 20 bytes give. */
	for (i = 0, bit = 0; i < len; i++, bit += 6) {
		guint byte = (guint) (bit / 8), shift = (guint) (bit % 8);
		guint v = (guint) digest[byte] << 8;

		if (byte + 1 < sizeof digest)
			v |= digest[byte + 1];
		out[i] = hash_chars[(v >> (10 - shift)) & 0x3f];
	}
	out[len] = '\0';
}

static gboolean
hash_holds (const char *hash, const char *const *secrets,
    const char *const *parts)
{
	gsize len = strlen (hash);
	char want[28];
	guint i;

	if (len < BS_SRS_HASH_LENGTH || len > 27)
		return FALSE;
	for (i = 0; secrets[i] != NULL; i++) {
		make_hash (secrets[i], parts, len, want);
		/* libsrs2 compares without case: MTAs fold it. */
		if (g_ascii_strncasecmp (hash, want, len) == 0)
			return TRUE;
	}
	return FALSE;
}

static gboolean
stamp_fresh (const char *stamp, gint64 now)
{
	gint64 then = 0, today;
	guint i;

	for (i = 0; i < 2; i++) {
		const char *c = strchr (time_chars, g_ascii_toupper (stamp[i]));

		if (stamp[i] == '\0' || c == NULL)
			return FALSE;
		then = (then << 5) | (c - time_chars);
	}
	today = (now < 0 ? 0 : now) / DAY_SECONDS % TIME_SLOTS;
	while (today < then)
		today += TIME_SLOTS;
	return today <= then + BS_SRS_MAX_AGE_DAYS;
}

static gboolean
is_tag (const char *local, char n)
{
	return g_ascii_strncasecmp (local, "SRS", 3) == 0 && local[3] == n
	    && local[4] != '\0' && strchr ("=-+", local[4]) != NULL;
}

/* Splits "SRS0=HHHH=TT=host=user" (local part) into its fields. */
static gboolean
split_srs0 (const char *local, char **hash, char **stamp, char **host,
    char **user)
{
	g_auto(GStrv) f = g_strsplit (local + 5, "=", 4);

	if (g_strv_length (f) != 4 || *f[0] == '\0' || strlen (f[1]) != 2
	    || *f[2] == '\0' || *f[3] == '\0')
		return FALSE;
	*hash = g_strdup (f[0]);
	*stamp = g_strdup (f[1]);
	*host = g_strdup (f[2]);
	*user = g_strdup (f[3]);
	return TRUE;
}

char *
bs_srs_unwrap (const char *address, const char *const *secrets, gint64 now,
    BsSrsStatus *status)
{
	g_autofree char *local = NULL;
	g_autofree char *hash = NULL;
	g_autofree char *stamp = NULL;
	g_autofree char *host = NULL;
	g_autofree char *user = NULL;
	const char *at = address != NULL ? strrchr (address, '@') : NULL;
	const char *parts[4] = { NULL, NULL, NULL, NULL };

	*status = BS_SRS_NOT_SRS;
	if (at == NULL || (!is_tag (address, '0') && !is_tag (address, '1')))
		return NULL;
	local = g_strndup (address, (gsize) (at - address));
	*status = BS_SRS_MALFORMED;
	if (is_tag (local, '1')) {
		/* SRS1=HHHH=first.example==HHHH=TT=host=user */
		const char *p = local + 5;
		const char *e1 = strchr (p, '=');
		const char *e2 = e1 != NULL ? strchr (e1 + 1, '=') : NULL;
		g_autofree char *srs0 = NULL;
		g_autofree char *srsuser = NULL;
		g_autofree char *inner = NULL;
		BsSrsStatus inner_status;

		if (e1 == NULL || e1 == p || e2 == NULL || e2 == e1 + 1
		    || e2[1] == '\0')
			return NULL;
		hash = g_strndup (p, (gsize) (e1 - p));
		host = g_strndup (e1 + 1, (gsize) (e2 - e1 - 1));
		srsuser = g_strdup (e2 + 1);
		srs0 = g_strdup_printf ("SRS0%s@%s", srsuser, host);
		inner = bs_srs_unwrap (srs0, NULL, now, &inner_status);
		if (inner == NULL)
			return NULL;
		parts[0] = host;
		parts[1] = srsuser;
		if (secrets == NULL || secrets[0] == NULL)
			*status = BS_SRS_UNVERIFIED;
		else
			*status = hash_holds (hash, secrets, parts) ?
			    BS_SRS_VALID : BS_SRS_BAD_HASH;
		return g_steal_pointer (&inner);
	}
	if (!split_srs0 (local, &hash, &stamp, &host, &user))
		return NULL;
	parts[0] = stamp;
	parts[1] = host;
	parts[2] = user;
	if (secrets == NULL || secrets[0] == NULL)
		*status = BS_SRS_UNVERIFIED;
	else if (!hash_holds (hash, secrets, parts))
		*status = BS_SRS_BAD_HASH;
	else if (!stamp_fresh (stamp, now))
		*status = BS_SRS_EXPIRED;
	else
		*status = BS_SRS_VALID;
	return g_strdup_printf ("%s@%s", user, host);
}

char *
bs_srs_forward (const char *sender, const char *domain, const char *secret,
    gint64 now)
{
	const char *at = sender != NULL ? strrchr (sender, '@') : NULL;
	g_autofree char *user = NULL;
	const char *host;
	const char *parts[4] = { NULL, NULL, NULL, NULL };
	char hash[BS_SRS_HASH_LENGTH + 1];
	char stamp[3];
	gint64 day = (now < 0 ? 0 : now) / DAY_SECONDS;

	if (at == NULL || at == sender || at[1] == '\0')
		return NULL;
	user = g_strndup (sender, (gsize) (at - sender));
	host = at + 1;
	if (is_tag (user, '0')) {
		/* SRS0 of another forwarder: SRS1 over its host and the
		 * rest, as srs_compile_guarded(). */
		parts[0] = host;
		parts[1] = user + 4;
		make_hash (secret, parts, BS_SRS_HASH_LENGTH, hash);
		return g_strdup_printf ("SRS1=%s=%s=%s@%s", hash, host,
		    user + 4, domain);
	}
	if (is_tag (user, '1')) {
		/* SRS1 already: keep the first forwarder, rehash. */
		const char *p = user + 5;
		const char *e1 = strchr (p, '=');
		const char *e2 = e1 != NULL ? strchr (e1 + 1, '=') : NULL;
		g_autofree char *h = NULL;

		if (e1 == NULL || e2 == NULL)
			return NULL;
		h = g_strndup (e1 + 1, (gsize) (e2 - e1 - 1));
		parts[0] = h;
		parts[1] = e2 + 1;
		make_hash (secret, parts, BS_SRS_HASH_LENGTH, hash);
		return g_strdup_printf ("SRS1=%s=%s=%s@%s", hash, h, e2 + 1,
		    domain);
	}
	stamp[0] = time_chars[(day >> 5) & 31];
	stamp[1] = time_chars[day & 31];
	stamp[2] = '\0';
	parts[0] = stamp;
	parts[1] = host;
	parts[2] = user;
	make_hash (secret, parts, BS_SRS_HASH_LENGTH, hash);
	return g_strdup_printf ("SRS0=%s=%s=%s=%s@%s", hash, stamp, host, user,
	    domain);
}

const char *
bs_srs_status_to_string (BsSrsStatus status)
{
	switch (status) {
	case BS_SRS_NOT_SRS:
		return "not-srs";
	case BS_SRS_MALFORMED:
		return "malformed";
	case BS_SRS_UNVERIFIED:
		return "unverified";
	case BS_SRS_VALID:
		return "valid";
	case BS_SRS_BAD_HASH:
		return "bad-hash";
	case BS_SRS_EXPIRED:
		return "expired";
	}
	return "not-srs";
}
