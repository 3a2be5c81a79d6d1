/* proof.h: proof by signature.  Marks only the owner's systems make (a
 * DKIM signature of the returned original, a BATV tag on the envelope
 * recipient) prove a bounce legitimate, or, when the owner makes them on
 * all its mail, their absence proves it backscatter.  SRS addresses of
 * the owner's forwarder are unwrapped first.  Nothing here runs unless a
 * key or secret is configured. */
#pragma once

#include "config.h"
#include "facts.h"
#include "gmime-compat.h"
#include "rules.h"

typedef struct BsProof BsProof;

/* Loads what config names (the DKIM key file) and starts libopendkim;
 * sets config->proof, or leaves it NULL when nothing is configured.
 * Errors name the file and line. */
gboolean bs_proof_load (BsConfig *config, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
void bs_proof_free (BsProof *proof);
/* For --check-config: starts what bs_proof_fill() would start on first
 * use (libopendkim), so that a library that will not load is reported
 * now rather than found by the first signed bounce. */
gboolean bs_proof_check (const BsConfig *config, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* Fills the dkim_* and batv_* fields of facts, and unwraps the SRS and
 * BATV addresses among facts->owner_headers (see
 * bs_proof_unwrap_address), for the identity checks of scoring.  Call it
 * after bs_classify(), before scoring.  Does nothing when config->proof
 * is NULL. */
void bs_proof_fill (BsFacts *facts, GMimeMessage *report,
    const BsConfig *config, const BsRules *rules);

/* The owner's address behind an envelope recipient: an SRS0/SRS1 address
 * unwrapped (when [srs] is configured, and its hash holds if a secret is
 * set), then a BATV tag taken off (when [batv] is).  Returns: (transfer
 * full) (nullable) NULL when address is unchanged. */
char *bs_proof_unwrap_address (const BsConfig *config, const char *address);
