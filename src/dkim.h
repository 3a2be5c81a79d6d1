/* dkim.h: DKIM signatures of the owner's domains over a returned
 * original, verified with libopendkim against keys from a file (or DNS).
 * A bouncer often cuts or re-encodes the body: a signature whose headers
 * verify still proves that the owner's server signed that Message-ID,
 * From and Date, and the result says whether the body hash matched. */
#pragma once

#include <glib.h>

#define BS_DKIM_ERROR (bs_dkim_error_quark ())
GQuark bs_dkim_error_quark (void);

typedef enum {
	BS_DKIM_ERROR_KEYS,	/* the key file is unreadable or wrong */
	BS_DKIM_ERROR_LIBRARY,	/* libopendkim would not start */
} BsDkimError;

/* The key file: lines "SELECTOR._domainkey.DOMAIN TXT-RECORD", blank
 * lines and "#" comments.  The record may be written as in a zone file:
 * "IN TXT", quoted strings (joined), parentheses over several lines, and
 * a ";" comment after them. */
typedef struct BsDkimKeys BsDkimKeys;

/* Parses a key file's contents; name is for error messages.  Returns:
 * (transfer full) (nullable) */
BsDkimKeys *bs_dkim_keys_parse (const char *data, gsize len,
    const char *name, GError **error) G_GNUC_WARN_UNUSED_RESULT;
BsDkimKeys *bs_dkim_keys_load (const char *path,
    GError **error) G_GNUC_WARN_UNUSED_RESULT;
void bs_dkim_keys_free (BsDkimKeys *keys);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsDkimKeys, bs_dkim_keys_free)
guint bs_dkim_keys_count (const BsDkimKeys *keys);
/* Returns: (transfer none) (nullable) the record of selector and domain */
const char *bs_dkim_keys_lookup (const BsDkimKeys *keys,
    const char *selector, const char *domain);
/* Is there a key of domain (any case) in the file? */
gboolean bs_dkim_keys_has_domain (const BsDkimKeys *keys, const char *domain);

typedef struct BsDkim BsDkim;

/* A verifier.  keys (nullable, transfer full): when NULL, or when a key is
 * not in them and dns is TRUE, keys are looked up in DNS with a short
 * timeout.  libopendkim is loaded on the first verification; when it
 * cannot be, verification says so once on stderr and finds nothing (the
 * mail falls open).  Returns: (transfer full) (nullable) */
BsDkim *bs_dkim_new (BsDkimKeys *keys, gboolean dns,
    GError **error) G_GNUC_WARN_UNUSED_RESULT;
void bs_dkim_free (BsDkim *dkim);
/* Loads and starts libopendkim now (bs_dkim_verify does on first use). */
gboolean bs_dkim_start (BsDkim *dkim, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* Does the verifier's key file hold a key of domain? */
gboolean bs_dkim_knows_domain (const BsDkim *dkim, const char *domain);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsDkim, bs_dkim_free)

typedef enum {
	BS_DKIM_NONE,		/* no signature of an owner's domain */
	BS_DKIM_NO_KEY,		/* there is one, but no key to check it,
				 * or it is expired: no proof either way */
	BS_DKIM_FAILED,		/* one fails, and none verifies */
	BS_DKIM_VALID_HEADERS,	/* one verifies over the headers; its body
				 * hash does not match */
	BS_DKIM_VALID,		/* one verifies, body and all */
} BsDkimResult;

/* Which signing domains are the owner's. */
typedef gboolean (*BsDkimOwnerFunc) (const char *domain, gpointer data);

/* Verifies the owner's signatures of a message given as its raw bytes.
 * Signatures of other domains are ignored (and their keys never looked
 * up).  *detail (nullable) is set to what was found, for people:
 * (transfer full). */
BsDkimResult bs_dkim_verify (BsDkim *dkim, const char *data, gsize len,
    BsDkimOwnerFunc is_owner, gpointer owner_data, char **detail);
