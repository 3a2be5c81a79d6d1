/* facts.h: everything scoring and reporting read about one message, as
 * plain data (no GMime pointers), so that rules are tested without MIME. */
#pragma once

#include <glib.h>

#include "dsn.h"
#include "original.h"

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

/* "dsn", "ndr", ... as in --json.  Returns: (transfer none) */
const char *bs_kind_to_string (BsKind kind);
gboolean bs_facts_is_bounce (const BsFacts *facts);
