/* engine.h: classify one parsed message exactly as backscatter-check
 * does — recognise it, check the owner's proofs, consult the sent-mail
 * ledger, score it — for the command line, its worker threads and the
 * milter alike.
 *
 * An engine is used by one thread at a time: it holds its own ledger
 * connection.  The config and rules it is given are only read, and may
 * be shared by many engines. */
#pragma once

#include <gmime/gmime.h>

#include "config.h"
#include "facts.h"
#include "rules.h"
#include "score.h"

typedef struct BsEngine BsEngine;

/* Called with one line for people (no program name, no newline), such as
 * "warning: ledger ...; deciding without it". */
typedef void (*BsEngineWarnFunc) (const char *message, gpointer data);

/* ledger_path: the sent-mail ledger, or NULL for none (--no-ledger).
 * ledger_given: it was named (--ledger or [ledger] path=), so that a
 * missing one is worth a warning.  config and rules must outlive the
 * engine.  Returns: (transfer full) */
BsEngine *bs_engine_new (const BsConfig *config, const BsRules *rules,
    const char *ledger_path, gboolean ledger_given, BsEngineWarnFunc warn,
    gpointer warn_data);
void bs_engine_free (BsEngine *engine);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsEngine, bs_engine_free)

/* Classifies message; never fails (a ledger that cannot be read is one
 * warning, and the verdict rests on the other evidence).
 * facts, score: (out) (transfer full) */
void bs_engine_classify (BsEngine *engine, GMimeMessage *message,
    BsFacts **facts, BsScore **score);
