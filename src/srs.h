/* srs.h: the Sender Rewriting Scheme as postsrsd (libsrs2's algorithm)
 * writes it.  A forwarder rewrites the envelope sender user@host to
 *	SRS0=HHHH=TT=host=user@forwarder
 * (HHHH: base64 of HMAC-SHA1 over TT, host and user, lowercased, cut to
 * four characters; TT: the day, two base32 characters), and a second
 * forwarder rewrites an SRS0 address from first.example to
 *	SRS1=HHHH=first.example==HHHH=TT=host=user@second
 * (hashed over first.example and the rest).  A bounce to such an address
 * is a bounce to user@host. */
#pragma once

#include <glib.h>

/* postsrsd's defaults: hashes of four characters, stamps valid 21 days. */
#define BS_SRS_HASH_LENGTH 4
#define BS_SRS_MAX_AGE_DAYS 21

typedef enum {
	BS_SRS_NOT_SRS,		/* an ordinary address */
	BS_SRS_MALFORMED,	/* "SRS0="/"SRS1=" but not the rest */
	BS_SRS_UNVERIFIED,	/* unwrapped; no secret to check it with */
	BS_SRS_VALID,		/* unwrapped, and its hash holds */
	BS_SRS_BAD_HASH,	/* made with none of the secrets */
	BS_SRS_EXPIRED,		/* SRS0 with a hash that holds, too old */
} BsSrsStatus;

/* Unwraps a bare address.  secrets (nullable, NULL-terminated) are tried
 * in turn, as postsrsd does; now is seconds since 1970.  Returns:
 * (transfer full) (nullable) the address the forwarder rewrote, when
 * *status is BS_SRS_UNVERIFIED, BS_SRS_VALID, BS_SRS_BAD_HASH or
 * BS_SRS_EXPIRED; else NULL.  Of SRS1, only the outer hash can be ours:
 * the inner SRS0 is the first forwarder's, unwrapped unchecked. */
char *bs_srs_unwrap (const char *address, const char *const *secrets,
    gint64 now, BsSrsStatus *status);

/* Rewrites sender to an SRS0 (or, when it is SRS0 already, an SRS1)
 * address of domain, as postsrsd's forward table does.  Returns:
 * (transfer full) (nullable) NULL when sender is not local@host. */
char *bs_srs_forward (const char *sender, const char *domain,
    const char *secret, gint64 now);

/* "valid", "bad-hash", ...  Returns: (transfer none) */
const char *bs_srs_status_to_string (BsSrsStatus status);
