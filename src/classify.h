/* classify.h: is this an automated message about another message, and
 * which kind; gathers the facts scoring reads. */
#pragma once

#include "facts.h"
#include "gmime-compat.h"
#include "rules.h"

/* Returns: (transfer full) the facts of message; kind is BS_KIND_NONE for
 * anything that is not a report about another message. */
BsFacts *bs_classify (GMimeMessage *message, const BsRules *rules);
