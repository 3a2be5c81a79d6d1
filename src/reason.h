/* reason.h: why a message bounced, as a class (userunknown, ...). */
#pragma once

#include "facts.h"
#include "rules.h"

/* Classifies a bounce reason from an RFC 3463 status code (nullable) and a
 * diagnostic text (nullable): the reason-* pattern sets first, in rule-file
 * order, then the status code.  Returns: (transfer none) a static or
 * rule-owned name, "unknown" when nothing fits. */
const char *bs_reason_classify (const BsRules *rules, const char *status,
    const char *diagnostic);

/* Gives each recipient of facts->dsn its reason class (one classification
 * per run of equal status and diagnostic) and facts->reason that of the
 * first failed or delayed one; when that is unknown, classifies prose
 * (nullable), the text that explains the failure, instead. */
void bs_reason_fill (BsFacts *facts, const BsRules *rules,
    const char *prose);
