/* rules.c: load the rule files of data/rules and match their pattern sets. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

struct BsRules {
	GHashTable *sets;	/* name -> BsRule (borrowed from order) */
	GHashTable *tests;
	GPtrArray *set_order;	/* BsRule, owns */
	GPtrArray *test_order;	/* BsRule, owns */
};

/* Keys of a group that are not patterns. */
static const char *const meta_keys[] = {
	"description", "weight", "target", "encoding", NULL,
};

G_DEFINE_QUARK (bs-rules-error-quark, bs_rules_error)

static void
alternative_free (gpointer data)
{
	BsAlternative *alt = data;

	g_free (alt->key);
	bs_regex_free (alt->re);
	g_free (alt);
}

static void
rule_free (gpointer data)
{
	BsRule *rule = data;

	g_free (rule->name);
	g_free (rule->description);
	g_free (rule->target);
	g_free (rule->origin);
	g_ptr_array_unref (rule->alternatives);
	g_free (rule);
}

void
bs_rules_free (BsRules *rules)
{
	if (rules == NULL)
		return;
	g_hash_table_unref (rules->sets);
	g_hash_table_unref (rules->tests);
	g_ptr_array_unref (rules->set_order);
	g_ptr_array_unref (rules->test_order);
	g_free (rules);
}

/* GKeyFile does not say where a key is; find it ourselves so that errors
 * name the line a person has to fix. */
static guint
find_line (const char *contents, const char *group, const char *key)
{
	g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);
	g_autofree char *header = g_strdup_printf ("[%s]", group);
	gboolean in_group = FALSE;
	guint i;

	for (i = 0; lines[i] != NULL; i++) {
		const char *line = lines[i];
		gsize klen;

		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '[') {
			in_group = g_str_has_prefix (line, header);
			if (in_group && key == NULL)
				return i + 1;
			continue;
		}
		if (!in_group || key == NULL)
			continue;
		klen = strlen (key);
		if (strncmp (line, key, klen) == 0
		    && (line[klen] == '=' || line[klen] == ' '))
			return i + 1;
	}
	return 0;
}

static gboolean
is_meta_key (const char *key)
{
	return g_strv_contains (meta_keys, key);
}

static BsRule *
load_group (GKeyFile *kf, const char *path, const char *contents,
    const char *group, gboolean is_test, const char *name, gboolean jit,
    GError **error)
{
	g_autoptr(GPtrArray) alternatives = NULL;
	g_auto(GStrv) keys = NULL;
	g_autofree char *encoding = NULL;
	BsRegexFlags flags = BS_REGEX_CASELESS | BS_REGEX_MULTILINE;
	BsRule *rule;
	gsize i;

	alternatives = g_ptr_array_new_with_free_func (alternative_free);
	encoding = g_key_file_get_string (kf, group, "encoding", NULL);
	if (encoding == NULL || strcmp (encoding, "utf8") == 0) {
		flags |= BS_REGEX_UTF8;
	} else if (strcmp (encoding, "bytes") != 0) {
		g_set_error (error, BS_RULES_ERROR, BS_RULES_ERROR_SYNTAX,
		    "%s:%u: encoding must be utf8 or bytes, not \"%s\"", path,
		    find_line (contents, group, "encoding"), encoding);
		return NULL;
	}

	keys = g_key_file_get_keys (kf, group, NULL, NULL);
	for (i = 0; keys != NULL && keys[i] != NULL; i++) {
		g_autoptr(GError) local = NULL;
		g_autofree char *pattern = NULL;
		BsAlternative *alt;
		BsRegex *re;

		if (is_meta_key (keys[i]))
			continue;
		pattern = g_key_file_get_string (kf, group, keys[i], &local);
		if (pattern == NULL) {
			g_set_error (error, BS_RULES_ERROR, BS_RULES_ERROR_SYNTAX,
			    "%s:%u: %s", path,
			    find_line (contents, group, keys[i]),
			    local->message);
			return NULL;
		}
		re = bs_regex_new (pattern, flags, &local);
		if (re == NULL) {
			g_set_error (error, BS_RULES_ERROR,
			    BS_RULES_ERROR_PATTERN, "%s:%u: [%s] %s: %s", path,
			    find_line (contents, group, keys[i]), group,
			    keys[i], local->message);
			return NULL;
		}
		if (jit && !bs_regex_jit (re))
			g_debug ("%s: [%s] %s: no JIT, matching interpreted",
			    path, group, keys[i]);
		alt = g_new0 (BsAlternative, 1);
		alt->key = g_strdup (keys[i]);
		alt->re = re;
		g_ptr_array_add (alternatives, alt);
	}

	rule = g_new0 (BsRule, 1);
	rule->name = g_strdup (name);
	rule->is_test = is_test;
	rule->description = g_key_file_get_string (kf, group, "description",
	    NULL);
	rule->target = g_key_file_get_string (kf, group, "target", NULL);
	rule->origin = g_strdup_printf ("%s:%u", path,
	    find_line (contents, group, NULL));
	rule->alternatives = g_steal_pointer (&alternatives);
	if (is_test) {
		g_autofree char *w = g_key_file_get_string (kf, group,
		    "weight", NULL);
		char *end = NULL;

		if (w == NULL) {
			g_set_error (error, BS_RULES_ERROR,
			    BS_RULES_ERROR_SYNTAX, "%s: test %s has no weight",
			    rule->origin, name);
			rule_free (rule);
			return NULL;
		}
		errno = 0;
		rule->weight = g_ascii_strtod (w, &end);
		if (errno != 0 || end == w || *end != '\0') {
			g_set_error (error, BS_RULES_ERROR,
			    BS_RULES_ERROR_SYNTAX, "%s:%u: weight \"%s\" is not "
			    "a number", path,
			    find_line (contents, group, "weight"), w);
			rule_free (rule);
			return NULL;
		}
	}
	return rule;
}

static gboolean
load_data (BsRules *rules, const char *path, const char *contents, gsize len,
    gboolean jit, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_autoptr(GError) local = NULL;
	g_auto(GStrv) groups = NULL;
	gsize i;

	if (!g_key_file_load_from_data (kf, contents, len, G_KEY_FILE_NONE,
	    &local)) {
		g_set_error (error, BS_RULES_ERROR, BS_RULES_ERROR_SYNTAX,
		    "%s: %s", path, local->message);
		return FALSE;
	}
	groups = g_key_file_get_groups (kf, NULL);
	for (i = 0; groups[i] != NULL; i++) {
		const char *group = groups[i];
		gboolean is_test;
		const char *name;
		GHashTable *table;
		BsRule *rule;

		if (g_str_has_prefix (group, "pattern ")) {
			is_test = FALSE;
			name = group + strlen ("pattern ");
		} else if (g_str_has_prefix (group, "test ")) {
			is_test = TRUE;
			name = group + strlen ("test ");
		} else {
			g_set_error (error, BS_RULES_ERROR,
			    BS_RULES_ERROR_SYNTAX, "%s:%u: group [%s] is neither "
			    "[pattern NAME] nor [test NAME]", path,
			    find_line (contents, group, NULL), group);
			return FALSE;
		}
		table = is_test ? rules->tests : rules->sets;
		if (g_hash_table_contains (table, name)) {
			const BsRule *old = g_hash_table_lookup (table, name);

			g_set_error (error, BS_RULES_ERROR,
			    BS_RULES_ERROR_DUPLICATE, "%s:%u: [%s] already "
			    "defined at %s", path,
			    find_line (contents, group, NULL), group,
			    old->origin);
			return FALSE;
		}
		rule = load_group (kf, path, contents, group, is_test, name,
		    jit, error);
		if (rule == NULL)
			return FALSE;
		g_ptr_array_add (is_test ? rules->test_order :
		    rules->set_order, rule);
		g_hash_table_insert (table, rule->name, rule);
	}
	return TRUE;
}

static BsRules *
rules_new (void)
{
	BsRules *rules = g_new0 (BsRules, 1);

	rules->sets = g_hash_table_new (g_str_hash, g_str_equal);
	rules->tests = g_hash_table_new (g_str_hash, g_str_equal);
	rules->set_order = g_ptr_array_new_with_free_func (rule_free);
	rules->test_order = g_ptr_array_new_with_free_func (rule_free);
	return rules;
}

BsRules *
bs_rules_load_builtin (gboolean jit, GError **error)
{
	g_autoptr(BsRules) rules = rules_new ();
	const BsRuleFile *file;

	for (file = bs_builtin_rules; file->name != NULL; file++) {
		g_autofree char *path = g_strdup_printf ("(built-in) %s",
		    file->name);

		if (!load_data (rules, path, file->contents, file->len, jit,
		    error))
			return NULL;
	}
	return g_steal_pointer (&rules);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
	return strcmp (*(char *const *) a, *(char *const *) b);
}

BsRules *
bs_rules_load_dir (const char *dir, gboolean jit, GError **error)
{
	g_autoptr(GDir) d = NULL;
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
	g_autoptr(GError) local = NULL;
	g_autoptr(BsRules) rules = NULL;
	const char *entry;
	guint i;

	d = g_dir_open (dir, 0, &local);
	if (d == NULL) {
		g_set_error (error, BS_RULES_ERROR, BS_RULES_ERROR_READ,
		    "rules directory %s: %s", dir, local->message);
		return NULL;
	}
	while ((entry = g_dir_read_name (d)) != NULL) {
		if (g_str_has_suffix (entry, ".rules"))
			g_ptr_array_add (names, g_strdup (entry));
	}
	if (names->len == 0) {
		g_set_error (error, BS_RULES_ERROR, BS_RULES_ERROR_READ,
		    "rules directory %s holds no .rules file", dir);
		return NULL;
	}
	/* Name order, so that NN- prefixes decide precedence. */
	g_ptr_array_sort (names, compare_names);

	rules = rules_new ();
	for (i = 0; i < names->len; i++) {
		g_autofree char *path = g_build_filename (dir,
		    (const char *) names->pdata[i], NULL);
		g_autofree char *contents = NULL;
		gsize len;

		if (!g_file_get_contents (path, &contents, &len, &local)) {
			g_set_error (error, BS_RULES_ERROR, BS_RULES_ERROR_READ,
			    "%s", local->message);
			return NULL;
		}
		if (!load_data (rules, path, contents, len, jit, error))
			return NULL;
	}
	return g_steal_pointer (&rules);
}

const BsRule *
bs_rules_get_set (const BsRules *rules, const char *name)
{
	return g_hash_table_lookup (rules->sets, name);
}

const BsRule *
bs_rules_get_test (const BsRules *rules, const char *name)
{
	return g_hash_table_lookup (rules->tests, name);
}

GPtrArray *
bs_rules_get_tests (const BsRules *rules)
{
	return rules->test_order;
}

GPtrArray *
bs_rules_get_sets (const BsRules *rules)
{
	return rules->set_order;
}

gboolean
bs_rules_set_weight (BsRules *rules, const char *test, double weight,
    GError **error)
{
	BsRule *rule = g_hash_table_lookup (rules->tests, test);

	if (rule == NULL) {
		g_set_error (error, BS_RULES_ERROR, BS_RULES_ERROR_UNKNOWN_TEST,
		    "no test named %s", test);
		return FALSE;
	}
	rule->weight = weight;
	return TRUE;
}

double
bs_rules_weight (const BsRules *rules, const char *name)
{
	const BsRule *rule = g_hash_table_lookup (rules->tests, name);

	return rule != NULL ? rule->weight : 0.0;
}

gboolean
bs_rule_match (const BsRule *rule, const char *text, gsize len, gsize offset,
    const char *group, BsRuleMatch *m)
{
	gboolean found = FALSE;
	guint i;

	if (rule == NULL || text == NULL)
		return FALSE;
	for (i = 0; i < rule->alternatives->len; i++) {
		const BsAlternative *alt = rule->alternatives->pdata[i];
		BsMatch bm;

		if (!bs_regex_match (alt->re, text, len, offset, group, &bm))
			continue;
		if (m == NULL)
			return TRUE;
		/* Earliest match wins, so that iterating callers see every
		 * match in text order whichever alternative found it. */
		if (!found || bm.start < m->start) {
			found = TRUE;
			m->key = alt->key;
			m->start = bm.start;
			m->end = bm.end;
			m->group_start = bm.group_start;
			m->group_end = bm.group_end;
		}
	}
	return found;
}

gboolean
bs_rules_match_str (const BsRules *rules, const char *set, const char *text,
    BsRuleMatch *m)
{
	if (text == NULL)
		return FALSE;
	return bs_rule_match (bs_rules_get_set (rules, set), text,
	    strlen (text), 0, NULL, m);
}
