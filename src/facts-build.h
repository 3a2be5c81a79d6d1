/* facts-build.h: fill BsFacts from the report, its DSN and the returned
 * original (the one step of building facts that reads GMime). */
#pragma once

#include "facts.h"
#include "gmime-compat.h"
#include "rules.h"

/* How much of the notification text the recognisers read. */
#define BS_NOTIFICATION_MAX (64 * 1024)

/* Fills what every message needs before its kind is known: From, its
 * address, Subject, Date, the null sender and the notification text. */
void bs_facts_build_report (BsFacts *facts, GMimeMessage *message);
/* Fills owner_headers: the addresses in To, Cc, Delivered-To,
 * X-Original-To, Envelope-To and X-Envelope-To (case-insensitive). */
void bs_facts_build_owner (BsFacts *facts, GMimeMessage *message);
/* Looks for the returned original unless it was found already.  Returns
 * whether there is one. */
gboolean bs_facts_build_original (BsFacts *facts, GMimeMessage *message,
    const BsRules *rules);
/* Returns: (transfer full) (nullable) the notification text up to where an
 * inline copy of the original starts: the prose that explains the
 * failure. */
char *bs_facts_build_prose (const BsFacts *facts, const BsRules *rules);
/* Fills facts->dsn: from dsn (transfer full, nullable) when it names
 * recipients, else from prose (nullable); then, for an ndr or dsn that
 * still names none, from X-Failed-Recipients. */
void bs_facts_build_recipients (BsFacts *facts, GMimeMessage *message,
    BsDsn *dsn, const char *prose, const BsRules *rules);
