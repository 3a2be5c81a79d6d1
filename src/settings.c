/* settings.c: the rules and the ledger of a run, from options and config. */
#include "ledger.h"
#include "score.h"
#include "settings.h"

BsRules *
bs_settings_load_rules (const BsConfig *config, const char *rules_dir_option,
    gboolean jit, gboolean compile_all, GError **error)
{
	g_autofree char *rules_dir = bs_config_rules_dir (rules_dir_option);
	g_autoptr(BsRules) rules = NULL;
	const char *const *name;
	GHashTableIter iter;
	gpointer key, value;

	rules = rules_dir != NULL ? bs_rules_load_dir (rules_dir, jit, error)
	    : bs_rules_load_builtin (jit, error);
	if (rules == NULL)
		return NULL;
	/* Built-in patterns compile on first use. */
	if (compile_all && !bs_rules_compile_all (rules, error))
		return NULL;
	for (name = bs_score_code_tests (); *name != NULL; name++) {
		if (!bs_rules_has_test (rules, *name)) {
			g_set_error (error, BS_RULES_ERROR,
			    BS_RULES_ERROR_UNKNOWN_TEST, "%s: no [test %s] "
			    "group in any rule file", rules_dir != NULL ?
			    rules_dir : "built-in rules", *name);
			return NULL;
		}
	}
	g_hash_table_iter_init (&iter, config->weights);
	while (g_hash_table_iter_next (&iter, &key, &value)) {
		if (!bs_rules_set_weight (rules, key, *(double *) value,
		    error)) {
			g_prefix_error (error, "%s: [weights] ", config->path);
			return NULL;
		}
	}
	return g_steal_pointer (&rules);
}

char *
bs_settings_ledger_path (const BsConfig *config, const char *option,
    gboolean no_ledger, gboolean *given)
{
	const char *named = option != NULL ? option : config->ledger_path;

	*given = named != NULL;
	if (no_ledger)
		return NULL;
	return named != NULL ? g_strdup (named) : bs_ledger_default_path ();
}
