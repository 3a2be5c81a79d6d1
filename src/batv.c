/* batv.c: BATV prvs tags (draft-levine-smtp-batv), made and checked with
 * GLib's GHmac as Exim's ${prvs} and ${prvscheck} do. */
#include <string.h>

#include "batv.h"

#define DAY_SECONDS 86400
#define DAY_MODULO 1000

static guint
day_of (gint64 now)
{
	return (guint) ((now < 0 ? 0 : now) / DAY_SECONDS % DAY_MODULO);
}

/* The hex of the first three bytes of HMAC-SHA1(key, K DDD address), as
 * Exim computes it.  out has 7 bytes. */
static void
tag_hash (const char *key, guint key_num, guint day, const char *address,
    char *out)
{
	g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA1,
	    (const guchar *) key, strlen (key));
	guint8 digest[20];
	gsize len = sizeof digest;
	char kddd[5];

	g_snprintf (kddd, sizeof kddd, "%u%03u", key_num % 10, day % DAY_MODULO);
	g_hmac_update (hmac, (const guchar *) kddd, 4);
	g_hmac_update (hmac, (const guchar *) address, (gssize) strlen (address));
	g_hmac_get_digest (hmac, digest, &len);
	g_snprintf (out, 7, "%02x%02x%02x", digest[0], digest[1], digest[2]);
}

BsBatvStatus
bs_batv_parse (const char *address, BsBatvTag *tag)
{
	const char *p, *at;
	guint i;

	if (address == NULL || g_ascii_strncasecmp (address, "prvs=", 5) != 0)
		return BS_BATV_UNTAGGED;
	p = address + 5;
	for (i = 0; i < 10; i++) {
		if (p[i] == '\0')
			return BS_BATV_MALFORMED;
		if (i < 4 ? !g_ascii_isdigit (p[i]) : !g_ascii_isxdigit (p[i]))
			return BS_BATV_MALFORMED;
	}
	if (p[10] != '=')
		return BS_BATV_MALFORMED;
	at = strrchr (p + 11, '@');
	if (at == NULL || at == p + 11 || at[1] == '\0')
		return BS_BATV_MALFORMED;
	tag->key_num = (guint) (p[0] - '0');
	tag->day = (guint) ((p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0'));
	memcpy (tag->hash, p + 4, 6);
	tag->hash[6] = '\0';
	tag->address = p + 11;
	return BS_BATV_VALID;
}

BsBatvStatus
bs_batv_check (const char *address, const char *key, gint64 now,
    char **inner)
{
	BsBatvTag tag;
	BsBatvStatus st = bs_batv_parse (address, &tag);
	char want[7];
	guint left;

	if (inner != NULL)
		*inner = NULL;
	if (st != BS_BATV_VALID)
		return st;
	if (inner != NULL)
		*inner = g_strdup (tag.address);
	tag_hash (key, tag.key_num, tag.day, tag.address, want);
	if (g_ascii_strcasecmp (want, tag.hash) != 0)
		return BS_BATV_BAD_HASH;
	/* Days until the tag expires, on the 1000-day wheel: past its day
	 * it is 999 or so, far more than a tag lives. */
	left = (tag.day + DAY_MODULO - day_of (now)) % DAY_MODULO;
	if (left > BS_BATV_LIFETIME_DAYS)
		return BS_BATV_EXPIRED;
	return BS_BATV_VALID;
}

char *
bs_batv_sign (const char *address, const char *key, guint key_num,
    gint64 now)
{
	const char *at = address != NULL ? strrchr (address, '@') : NULL;
	guint day = (day_of (now) + BS_BATV_LIFETIME_DAYS) % DAY_MODULO;
	BsBatvTag tag;
	char hash[7];

	if (at == NULL || at == address || at[1] == '\0' || key_num > 9
	    || bs_batv_parse (address, &tag) != BS_BATV_UNTAGGED)
		return NULL;
	tag_hash (key, key_num, day, address, hash);
	return g_strdup_printf ("prvs=%u%03u%s=%s", key_num, day, hash,
	    address);
}

const char *
bs_batv_status_to_string (BsBatvStatus status)
{
	switch (status) {
	case BS_BATV_UNTAGGED:
		return "untagged";
	case BS_BATV_MALFORMED:
		return "malformed";
	case BS_BATV_VALID:
		return "valid";
	case BS_BATV_BAD_HASH:
		return "bad-hash";
	case BS_BATV_EXPIRED:
		return "expired";
	}
	return "untagged";
}
