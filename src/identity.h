/* identity.h: who the mailbox owner is: addresses, domains and relays. */
#pragma once

#include <gio/gio.h>

#define BS_IDENTITY_ERROR (bs_identity_error_quark ())
GQuark bs_identity_error_quark (void);

typedef enum {
	BS_IDENTITY_ERROR_ADDRESS,
	BS_IDENTITY_ERROR_RELAY,
} BsIdentityError;

typedef struct BsIdentity BsIdentity;

BsIdentity *bs_identity_new (void);
void bs_identity_free (BsIdentity *id);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsIdentity, bs_identity_free)

/* "user@example.org", or "@example.org" for every address of a domain. */
gboolean bs_identity_add_address (BsIdentity *id, const char *spec,
    GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* A host name, a glob ("*.example.net"), an IP address or a CIDR mask. */
gboolean bs_identity_add_relay (BsIdentity *id, const char *spec,
    GError **error) G_GNUC_WARN_UNUSED_RESULT;

gboolean bs_identity_has_addresses (const BsIdentity *id);
gboolean bs_identity_has_relays (const BsIdentity *id);
/* TRUE when nothing at all is configured. */
gboolean bs_identity_is_empty (const BsIdentity *id);

/* Is addr (a bare address, any case) one of the owner's? */
gboolean bs_identity_match_address (const BsIdentity *id, const char *addr);
/* Is domain one of the owner's domains (of an address or a whole-domain
 * entry), or a subdomain of one? */
gboolean bs_identity_match_domain (const BsIdentity *id, const char *domain);
/* Does a relay entry match this host name (nullable) or address literal
 * (nullable)?  Returns: (transfer none) (nullable) the entry that matched. */
const char *bs_identity_match_relay (const BsIdentity *id, const char *host,
    const char *ip);

/* Forgets the addresses, or the relays: the command line replaces what
 * the config file said. */
void bs_identity_clear_addresses (BsIdentity *id);
void bs_identity_clear_relays (BsIdentity *id);

/* The registrable domain of host (the Public Suffix List, libpsl):
 * "gmx.de" of "mail.gmx.de", "example.co.uk" of "mx.example.co.uk".  A
 * host that has none (a public suffix, "localhost") is itself.  Lower
 * case.  Returns: (transfer full) (nullable) NULL for NULL or "". */
char *bs_identity_registrable_domain (const char *host);
