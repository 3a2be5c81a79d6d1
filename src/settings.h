/* settings.h: what backscatter-check and backscatter-milter both make
 * of their options and config before the first message: the rules they
 * classify with, and the ledger they consult. */
#pragma once

#include <glib.h>

#include "config.h"
#include "rules.h"

/* The rules of rules_dir (an option, or NULL for the config's choice:
 * see bs_config_rules_dir), or the built-in ones; with every test the
 * scorer reads present and config's [weights] applied.  jit: over many
 * messages JIT pays for itself.  compile_all: compile every pattern now
 * (--check-config), not at first use.
 * Returns: (transfer full) (nullable) NULL with error, naming the rule
 * file or config line. */
BsRules *bs_settings_load_rules (const BsConfig *config,
    const char *rules_dir, gboolean jit, gboolean compile_all,
    GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The sent-mail ledger: option (--ledger), else the config's, else the
 * default; NULL with no_ledger.  given: (out) it was named, so that a
 * missing one is worth a warning.  Returns: (transfer full) (nullable) */
char *bs_settings_ledger_path (const BsConfig *config, const char *option,
    gboolean no_ledger, gboolean *given);
