/* facts.h: everything scoring and reporting read about one message, as
 * plain data (no GMime pointers), so that rules are tested without MIME. */
#pragma once

#include <glib.h>

#include "dsn.h"
#include "original.h"
#include "received.h"

typedef enum {
	BS_KIND_NONE,
	BS_KIND_DSN,
	BS_KIND_DELAY,
	BS_KIND_NDR,
	BS_KIND_AUTO_REPLY,
	BS_KIND_CHALLENGE,
	BS_KIND_VIRUS_NOTICE,
	BS_KIND_FEEDBACK_REPORT,
	BS_KIND_RECEIPT,
	BS_KIND_DMARC_REPORT,	/* DMARC failure report (RFC 6591) */
	BS_KIND_TLS_REPORT,	/* SMTP TLS report (RFC 8460) */
} BsKind;

typedef struct {
	BsKind kind;
	GPtrArray *evidence;	/* why kind was chosen, for people */

	/* The report itself. */
	char *from;		/* From as written */
	char *from_address;
	char *subject;
	gint64 date_unix;	/* 0 when unknown */
	gboolean null_sender;	/* Return-Path: <> */
	GPtrArray *owner_headers;	/* addresses in To, Cc, Delivered-To,
					 * X-Original-To, Envelope-To */
	char *notification;	/* the human-readable part, capped */

	BsDsn *dsn;		/* recipients, structured or from prose */
	char *reason;		/* reason class of the first failed recipient */
	BsOriginal *original;
	/* The original's Received hops, parsed once (bs_facts_read_hops). */
	GPtrArray *hops;	/* BsHop, top first, one per original->received */
	gint vouched;		/* index of the hop the bouncing server wrote
				 * (see bs_facts_read_hops), or -1 */
	char *original_to_address;	/* the original's To when it names
					 * a single address, bare */

	/* Proof from the owner's sent-mail ledger, filled in before scoring;
	 * both FALSE when there is no ledger or it has no say. */
	gboolean ledger_sent;	/* the original's Message-ID was sent */
	gboolean ledger_unsent;	/* it was not, and the ledger covers its Date */
	char *ledger_detail;	/* what the ledger says, for people */

	/* Proof by signature (proof.c), filled in before scoring; all FALSE
	 * when no key is configured. */
	gboolean dkim_valid;	/* an owner-domain signature of the returned
				 * original verifies, over its headers at
				 * least */
	gboolean dkim_invalid;	/* one fails, and the owner signs all mail */
	char *dkim_detail;	/* which signature, and whether the body
				 * hash matched */
	gboolean batv_valid;	/* the envelope recipient's prvs tag holds */
	gboolean batv_invalid;	/* it is missing or false, and the owner
				 * signs all mail */
	char *batv_detail;
} BsFacts;

BsFacts *bs_facts_new (void);
void bs_facts_free (BsFacts *facts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsFacts, bs_facts_free)

/* Parses original->received into hops and marks the vouched hop: the
 * topmost one whose client is outside the bouncing server's site (its
 * filters and internal relays add hops above it).  The bouncer wrote that
 * hop; every deeper one is the sender's word.  Scoring may take a higher,
 * internal hop instead when its client is one of the owner's relays. */
void bs_facts_read_hops (BsFacts *facts);
/* Parses what else of the original scoring reads as structure: its To.
 * Calls bs_facts_read_hops. */
void bs_facts_read_original (BsFacts *facts);
/* Is hop the kind the bouncing server's own site adds on top (no client,
 * a client on an internal address, or a local "localhost" hand-over)? */
gboolean bs_facts_hop_is_internal (const BsHop *hop);

/* "dsn", "ndr", ... as in --json.  Returns: (transfer none) */
const char *bs_kind_to_string (BsKind kind);
gboolean bs_facts_is_bounce (const BsFacts *facts);
