/* batv.h: BATV, the prvs scheme of draft-levine-smtp-batv: an envelope
 * sender "prvs=KDDDSSSSSS=local@domain" that only the owner's server can
 * make, so that a bounce to an untagged or falsely tagged address is
 * backscatter.  K is a key number, DDD the day the tag expires (days since
 * 1970, modulo 1000), SSSSSS the first three bytes, in hex, of the
 * HMAC-SHA1 of "KDDD" and local@domain under the owner's key; as Exim's
 * ${prvs} and ${prvscheck} make and check them. */
#pragma once

#include <glib.h>

/* How long a tag lives: Exim's ${prvs} and batv-tools sign for 7 days. */
#define BS_BATV_LIFETIME_DAYS 7

typedef enum {
	BS_BATV_UNTAGGED,	/* no prvs tag */
	BS_BATV_MALFORMED,	/* "prvs=" but not KDDDSSSSSS=local@domain */
	BS_BATV_VALID,
	BS_BATV_BAD_HASH,	/* not made with this key */
	BS_BATV_EXPIRED,	/* made with this key, but past its day, or
				 * dated further ahead than a tag lives */
} BsBatvStatus;

typedef struct {
	guint key_num;		/* K */
	guint day;		/* DDD */
	char hash[7];		/* SSSSSS, as written */
	const char *address;	/* local@domain: points into the parsed
				 * string */
} BsBatvTag;

/* Parses a bare address.  Returns BS_BATV_UNTAGGED, BS_BATV_MALFORMED, or
 * BS_BATV_VALID with *tag filled (its hash not checked yet). */
BsBatvStatus bs_batv_parse (const char *address, BsBatvTag *tag);

/* Checks address (bare) under key at time now (seconds since 1970);
 * *inner (nullable), when the address is tagged, is set to the address
 * without its tag: (transfer full). */
BsBatvStatus bs_batv_check (const char *address, const char *key, gint64 now,
    char **inner);

/* Returns: (transfer full) (nullable) address signed with key and key
 * number key_num (0-9), expiring BS_BATV_LIFETIME_DAYS after now; NULL
 * when address is not local@domain or already tagged. */
char *bs_batv_sign (const char *address, const char *key, guint key_num,
    gint64 now);

/* "valid", "bad-hash", ...  Returns: (transfer none) */
const char *bs_batv_status_to_string (BsBatvStatus status);
