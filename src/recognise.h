/* recognise.h: what kind of automated message this is (dsn, ndr,
 * auto-reply, challenge, ...), with the evidence for people. */
#pragma once

#include "facts.h"
#include "gmime-compat.h"
#include "rules.h"

/* Recognises the kind of message from its headers, MIME structure and the
 * report facts (bs_facts_build_report); have_dsn says whether it holds a
 * delivery-status part.  Adds the evidence to facts; may look for the
 * returned original (bs_facts_build_original).  Returns: BS_KIND_NONE for
 * anything that is not a report about another message. */
BsKind bs_recognise_kind (BsFacts *facts, GMimeMessage *message,
    const BsRules *rules, gboolean have_dsn);
/* Settles the kind once the recipients are known: a dsn whose recipients
 * are all delayed is a delay notice. */
void bs_recognise_settle (BsFacts *facts);
