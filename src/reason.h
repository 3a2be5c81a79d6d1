/* reason.h: why a message bounced, as a class (userunknown, ...). */
#pragma once

#include "rules.h"

/* Classifies a bounce reason from an RFC 3463 status code (nullable) and a
 * diagnostic text (nullable): the reason-* pattern sets first, in rule-file
 * order, then the status code.  Returns: (transfer none) a static or
 * rule-owned name, "unknown" when nothing fits. */
const char *bs_reason_classify (const BsRules *rules, const char *status,
    const char *diagnostic);
