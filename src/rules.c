/* rules.c: load the rule files of data/rules and match their pattern sets. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "keyfile-line.h"
#include "prefilter.h"
#include "rules.h"
#include "textfile.h"

/* Rules from files are all made when loaded, and found by name in hash
 * tables.  The built-in rules are made one by one on first use (a message
 * needs about half of them), found by name in bs_builtin_by_name. */
struct BsRules {
	GHashTable *sets;	/* files: name -> BsRule (borrowed) */
	GHashTable *tests;
	GPtrArray *set_order;	/* BsRule in file order, borrowed */
	GPtrArray *test_order;
	GPtrArray *owned;	/* files: every rule */
	/* built-in: bs_builtin_count rules, NULL until used */
	BsRule **builtin;
	gboolean jit;
	gboolean sets_listed;	/* set_order holds every set */
	gboolean tests_listed;
	/* prefix -> GPtrArray of the sets so named, in file order */
	GHashTable *prefixed;
};

/* Rules, their alternatives' compiled patterns and prefilters are made on
 * first use, and many threads may use one BsRules at once: what is made is
 * published with an atomic store after it is whole, read with an atomic
 * load, and made under this lock, so that it is made once.  Recursive:
 * listing every built-in rule makes each of them. */
static GRecMutex making;

/* Keys of a group that are not patterns. */
static const char *const meta_keys[] = {
	"description", "weight", "target", "encoding", "tier", NULL,
};

G_DEFINE_QUARK (bs-rules-error-quark, bs_rules_error)

static void
rule_free (gpointer data)
{
	BsRule *rule = data;
	guint i, j;

	for (i = 0; i < rule->alternatives->len; i++) {
		BsAlternative *alt = rule->alternatives->pdata[i];

		for (j = 0; j < alt->n_parts; j++)
			bs_regex_free (alt->parts[j]);
		if (!rule->borrowed) {
			g_free (alt->key);
			g_free (alt->pattern_copy);
		}
	}
	if (!rule->borrowed) {
		g_free (rule->name);
		g_free (rule->description);
		g_free (rule->target);
		g_free (rule->origin);
	}
	g_ptr_array_unref (rule->alternatives);
	g_free (rule->alt_block);
	g_free (rule->part_block);
	bs_prefilter_free (rule->prefilter);
	g_free (rule);
}

void
bs_rules_free (BsRules *rules)
{
	if (rules == NULL)
		return;
	if (rules->builtin != NULL) {
		guint i;

		for (i = 0; i < bs_builtin_count; i++) {
			if (rules->builtin[i] != NULL)
				rule_free (rules->builtin[i]);
		}
		g_free (rules->builtin);
	}
	g_clear_pointer (&rules->sets, g_hash_table_unref);
	g_clear_pointer (&rules->tests, g_hash_table_unref);
	g_ptr_array_unref (rules->set_order);
	g_ptr_array_unref (rules->test_order);
	g_clear_pointer (&rules->owned, g_ptr_array_unref);
	g_clear_pointer (&rules->prefixed, g_hash_table_unref);
	g_free (rules);
}

/* Both loaders build rules from a BsRuleSpec: embed-rules.py at build time
 * for the built-in rules, load_group at run time for files.  copy: the
 * spec's strings do not outlive the call; else the rule borrows them.  The
 * alternatives and their parts take one allocation each: a process starts
 * with 70 rules of 645 parts. */
static BsRule *
rule_new (const BsRuleSpec *spec, gboolean copy, gboolean jit)
{
	BsRule *rule = g_new0 (BsRule, 1);
	BsRegexFlags flags = BS_REGEX_CASELESS | BS_REGEX_MULTILINE;
	guint i, n_alts = 0, part = 0;

	rule->borrowed = !copy;
	rule->name = copy ? g_strdup (spec->name) : (char *) spec->name;
	rule->description = copy ? g_strdup (spec->description) :
	    (char *) spec->description;
	rule->target = copy ? g_strdup (spec->target) : (char *) spec->target;
	rule->origin = copy ? g_strdup (spec->origin) : (char *) spec->origin;
	rule->weight = spec->weight;
	rule->tier = spec->tier;
	rule->is_test = spec->is_test;
	if (!spec->bytes)
		flags |= BS_REGEX_UTF8;
	/* Entries with the key of the one before are further branches of
	 * the same alternative. */
	for (i = 0; i < spec->n_alternatives; i++) {
		if (i == 0 || strcmp (spec->alternatives[i].key,
		    spec->alternatives[i - 1].key) != 0)
			n_alts++;
	}
	rule->alternatives = g_ptr_array_sized_new (n_alts);
	rule->alt_block = g_new0 (BsAlternative, MAX (n_alts, 1));
	rule->part_block = g_new0 (BsRegex *, MAX (spec->n_alternatives, 1));
	for (i = 0; i < spec->n_alternatives; i++) {
		const BsRuleSpecAlt *sa = &spec->alternatives[i];
		BsAlternative *alt;

		if (i > 0 && strcmp (sa->key, sa[-1].key) == 0) {
			alt = g_ptr_array_index (rule->alternatives,
			    rule->alternatives->len - 1);
			alt->n_parts++;
			part++;
			continue;
		}
		alt = &rule->alt_block[rule->alternatives->len];
		alt->key = copy ? g_strdup (sa->key) : (char *) sa->key;
		alt->n_parts = 1;
		alt->parts = &rule->part_block[part++];
		if (copy)
			alt->pattern_copy = g_strdup (sa->pattern);
		else
			alt->spec_parts = sa;
		alt->flags = flags;
		alt->jit = jit;
		alt->specific = bs_rules_key_is_specific (sa->key);
		g_ptr_array_add (rule->alternatives, alt);
	}
	return rule;
}

/* Under making.  The last part is stored last, atomically: once it is
 * there the alternative is ready (alternative_ready). */
static void
alternative_set (BsAlternative *alt, guint i, BsRegex *re)
{
	if (alt->jit && !bs_regex_jit (re))
		g_debug ("%s: no JIT, matching interpreted", alt->key);
	if (i == 0)
		alt->re = re;
	if (i + 1 == alt->n_parts)
		g_atomic_pointer_set (&alt->parts[i], re);
	else
		alt->parts[i] = re;
}

static gboolean
alternative_compile (BsAlternative *alt, GError **error)
{
	guint i;

	for (i = 0; i < alt->n_parts; i++) {
		const char *pattern = alt->spec_parts != NULL ?
		    alt->spec_parts[i].pattern : alt->pattern_copy;
		BsRegex *re;

		if (alt->parts[i] != NULL)
			continue;
		re = bs_regex_new (pattern, alt->flags, error);
		if (re == NULL) {
			g_atomic_int_set (&alt->broken, TRUE);
			return FALSE;
		}
		alternative_set (alt, i, re);
	}
	return TRUE;
}

/* The line of every group header of a file, in one pass: bs_keyfile_line per
 * group made loading quadratic. */
static GHashTable *
group_lines (const char *contents)
{
	GHashTable *lines = g_hash_table_new_full (g_str_hash, g_str_equal,
	    g_free, NULL);
	const char *p = contents;
	guint n;

	for (n = 1; p != NULL && *p != '\0'; n++) {
		const char *eol = strchr (p, '\n');
		const char *close;

		while (*p == ' ' || *p == '\t')
			p++;
		close = *p == '[' ? strchr (p, ']') : NULL;
		if (close != NULL && (eol == NULL || close < eol)) {
			char *name = g_strndup (p + 1, (gsize) (close - p - 1));

			if (g_hash_table_contains (lines, name))
				g_free (name);
			else
				g_hash_table_insert (lines, name,
				    GUINT_TO_POINTER (n));
		}
		p = eol != NULL ? eol + 1 : NULL;
	}
	return lines;
}

static gboolean
is_meta_key (const char *key)
{
	return g_strv_contains (meta_keys, key);
}

/* Every test says who wrote its evidence (tier=), and a content test
 * points only towards backscatter: looking like the owner's own mail is
 * what a forger does. */
static gboolean
load_tier (GKeyFile *kf, const char *path, const char *contents,
    const char *group, const char *origin, const char *name, double weight,
    BsTier *tier, GError **error)
{
	g_autofree char *t = g_key_file_get_string (kf, group, "tier", NULL);

	if (t == NULL) {
		g_set_error (error, BS_RULES_ERROR, BS_RULES_ERROR_TIER,
		    "%s: test %s has no tier (proof, server or content)",
		    origin, name);
		return FALSE;
	}
	if (!bs_tier_from_string (t, tier)) {
		g_set_error (error, BS_RULES_ERROR, BS_RULES_ERROR_TIER,
		    "%s:%u: tier must be proof, server or content, not \"%s\"",
		    path, bs_keyfile_line (contents, group, "tier"), t);
		return FALSE;
	}
	if (*tier == BS_TIER_CONTENT && weight < 0.0) {
		g_set_error (error, BS_RULES_ERROR, BS_RULES_ERROR_TIER,
		    "%s:%u: test %s is of the content tier and may not have "
		    "a negative weight", path,
		    bs_keyfile_line (contents, group, "weight"), name);
		return FALSE;
	}
	return TRUE;
}

static BsRule *
load_group (GKeyFile *kf, const char *path, const char *contents,
    const char *group, guint line, gboolean is_test, const char *name,
    gboolean jit, GError **error)
{
	g_autoptr(GArray) alts = g_array_new (FALSE, TRUE,
	    sizeof (BsRuleSpecAlt));
	g_autoptr(GPtrArray) patterns = g_ptr_array_new_with_free_func (
	    g_free);
	g_auto(GStrv) keys = NULL;
	g_autofree char *encoding = NULL;
	g_autofree char *description = NULL;
	g_autofree char *target = NULL;
	g_autofree char *origin = NULL;
	BsRuleSpec spec = { NULL, NULL, NULL, NULL, 0.0, FALSE, FALSE, 0,
	    NULL, BS_TIER_CONTENT };
	BsRule *rule;
	gsize i;

	encoding = g_key_file_get_string (kf, group, "encoding", NULL);
	if (encoding != NULL && strcmp (encoding, "bytes") == 0) {
		spec.bytes = TRUE;
	} else if (encoding != NULL && strcmp (encoding, "utf8") != 0) {
		g_set_error (error, BS_RULES_ERROR, BS_RULES_ERROR_SYNTAX,
		    "%s:%u: encoding must be utf8 or bytes, not \"%s\"", path,
		    bs_keyfile_line (contents, group, "encoding"), encoding);
		return NULL;
	}

	keys = g_key_file_get_keys (kf, group, NULL, NULL);
	for (i = 0; keys != NULL && keys[i] != NULL; i++) {
		g_autoptr(GError) local = NULL;
		BsRuleSpecAlt alt;
		char *pattern;

		if (is_meta_key (keys[i]))
			continue;
		pattern = g_key_file_get_string (kf, group, keys[i], &local);
		if (pattern == NULL) {
			g_set_error (error, BS_RULES_ERROR, BS_RULES_ERROR_SYNTAX,
			    "%s:%u: %s", path,
			    bs_keyfile_line (contents, group, keys[i]),
			    local->message);
			return NULL;
		}
		g_ptr_array_add (patterns, pattern);
		alt.key = keys[i];
		alt.pattern = pattern;
		g_array_append_val (alts, alt);
	}

	origin = g_strdup_printf ("%s:%u", path, line);
	description = g_key_file_get_string (kf, group, "description", NULL);
	target = g_key_file_get_string (kf, group, "target", NULL);
	if (is_test) {
		g_autofree char *w = g_key_file_get_string (kf, group,
		    "weight", NULL);
		char *end = NULL;

		if (w == NULL) {
			g_set_error (error, BS_RULES_ERROR,
			    BS_RULES_ERROR_SYNTAX, "%s: test %s has no weight",
			    origin, name);
			return NULL;
		}
		errno = 0;
		spec.weight = g_ascii_strtod (w, &end);
		if (errno != 0 || end == w || *end != '\0'
		    || !isfinite (spec.weight)
		    || fabs (spec.weight) > BS_RULES_NUMBER_MAX) {
			g_set_error (error, BS_RULES_ERROR,
			    BS_RULES_ERROR_SYNTAX, "%s:%u: weight \"%s\" is not "
			    "a number from -%.0f to %.0f", path,
			    bs_keyfile_line (contents, group, "weight"), w,
			    BS_RULES_NUMBER_MAX, BS_RULES_NUMBER_MAX);
			return NULL;
		}
		if (!load_tier (kf, path, contents, group, origin, name,
		    spec.weight, &spec.tier, error))
			return NULL;
	}
	spec.name = name;
	spec.origin = origin;
	spec.description = description;
	spec.target = target;
	spec.is_test = is_test;
	spec.n_alternatives = alts->len;
	spec.alternatives = (const BsRuleSpecAlt *) (void *) alts->data;
	rule = rule_new (&spec, TRUE, jit);

	/* A file is compiled whole, now, so that a bad pattern is an error
	 * with the line to fix rather than a rule that never matches. */
	for (i = 0; i < rule->alternatives->len; i++) {
		BsAlternative *alt = rule->alternatives->pdata[i];
		g_autoptr(GError) local = NULL;

		if (!alternative_compile (alt, &local)) {
			g_set_error (error, BS_RULES_ERROR,
			    BS_RULES_ERROR_PATTERN, "%s:%u: [%s] %s: %s", path,
			    bs_keyfile_line (contents, group, alt->key), group,
			    alt->key, local->message);
			rule_free (rule);
			return NULL;
		}
	}
	return rule;
}

static gboolean
add_rule (BsRules *rules, BsRule *rule, GError **error)
{
	GHashTable *table = rule->is_test ? rules->tests : rules->sets;
	const BsRule *old = g_hash_table_lookup (table, rule->name);

	if (old != NULL) {
		g_set_error (error, BS_RULES_ERROR, BS_RULES_ERROR_DUPLICATE,
		    "%s: [%s %s] already defined at %s", rule->origin,
		    rule->is_test ? "test" : "pattern", rule->name,
		    old->origin);
		rule_free (rule);
		return FALSE;
	}
	g_ptr_array_add (rules->owned, rule);
	g_ptr_array_add (rule->is_test ? rules->test_order : rules->set_order,
	    rule);
	g_hash_table_insert (table, rule->name, rule);
	return TRUE;
}

static gboolean
load_data (BsRules *rules, const char *path, const char *contents, gsize len,
    gboolean jit, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_autoptr(GError) local = NULL;
	g_autoptr(GHashTable) lines = NULL;
	g_auto(GStrv) groups = NULL;
	gsize i;

	if (!g_key_file_load_from_data (kf, contents, len, G_KEY_FILE_NONE,
	    &local)) {
		g_set_error (error, BS_RULES_ERROR, BS_RULES_ERROR_SYNTAX,
		    "%s: %s", path, local->message);
		return FALSE;
	}
	lines = group_lines (contents);
	groups = g_key_file_get_groups (kf, NULL);
	for (i = 0; groups[i] != NULL; i++) {
		const char *group = groups[i];
		guint line = GPOINTER_TO_UINT (g_hash_table_lookup (lines,
		    group));
		gboolean is_test;
		const char *name;
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
			    "[pattern NAME] nor [test NAME]", path, line, group);
			return FALSE;
		}
		rule = load_group (kf, path, contents, group, line, is_test,
		    name, jit, error);
		if (rule == NULL || !add_rule (rules, rule, error))
			return FALSE;
	}
	return TRUE;
}

static BsRules *
rules_new (void)
{
	BsRules *rules = g_new0 (BsRules, 1);

	rules->set_order = g_ptr_array_new ();
	rules->test_order = g_ptr_array_new ();
	return rules;
}

BsRules *
bs_rules_load_builtin (gboolean jit, GError **error)
{
	BsRules *rules = rules_new ();

	rules->builtin = g_new0 (BsRule *, bs_builtin_count);
	rules->jit = jit;
	return rules;
}

/* Built-in rule i, made now if it was not. */
static BsRule *
builtin_rule (BsRules *rules, guint i)
{
	BsRule *rule = g_atomic_pointer_get (&rules->builtin[i]);

	if (G_LIKELY (rule != NULL))
		return rule;
	g_rec_mutex_lock (&making);
	rule = rules->builtin[i];
	if (rule == NULL) {
		rule = rule_new (&bs_builtin_rules[i], FALSE, rules->jit);
		if (bs_builtin_code[i].blocks != NULL)
			rule->code = &bs_builtin_code[i];
		g_atomic_pointer_set (&rules->builtin[i], rule);
	}
	g_rec_mutex_unlock (&making);
	return rule;
}

/* The index in bs_builtin_rules of the built-in [pattern NAME] (is_test
 * FALSE) or [test NAME], or -1. */
static int
builtin_index (gboolean is_test, const char *name)
{
	guint lo = 0, hi = bs_builtin_count;

	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;
		const BsRuleSpec *spec =
		    &bs_builtin_rules[bs_builtin_by_name[mid]];
		int c = spec->is_test != is_test ? (spec->is_test ? 1 : -1) :
		    strcmp (spec->name, name);

		if (c == 0)
			return (int) bs_builtin_by_name[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The built-in [pattern NAME] (is_test FALSE) or [test NAME], made, or
 * NULL. */
static BsRule *
builtin_find (const BsRules *rules, gboolean is_test, const char *name)
{
	int i = builtin_index (is_test, name);

	return i >= 0 ? builtin_rule ((BsRules *) rules, (guint) i) : NULL;
}

/* Every built-in set or test, made, in file order. */
static void
builtin_list (BsRules *rules, gboolean is_test)
{
	gboolean *listed = is_test ? &rules->tests_listed :
	    &rules->sets_listed;
	GPtrArray *order = is_test ? rules->test_order : rules->set_order;
	guint i;

	if (g_atomic_int_get (listed))
		return;
	g_rec_mutex_lock (&making);
	if (!*listed) {
		for (i = 0; i < bs_builtin_count; i++) {
			if (bs_builtin_rules[i].is_test == is_test)
				g_ptr_array_add (order,
				    builtin_rule (rules, i));
		}
		g_atomic_int_set (listed, TRUE);
	}
	g_rec_mutex_unlock (&making);
}

static gboolean
compile_rules (GPtrArray *order, GError **error)
{
	guint i, j;

	for (i = 0; i < order->len; i++) {
		const BsRule *rule = order->pdata[i];

		for (j = 0; j < rule->alternatives->len; j++) {
			BsAlternative *alt = rule->alternatives->pdata[j];
			g_autoptr(GError) local = NULL;

			if (!alternative_compile (alt, &local)) {
				g_set_error (error, BS_RULES_ERROR,
				    BS_RULES_ERROR_PATTERN, "%s: [%s %s] %s: %s",
				    rule->origin, rule->is_test ? "test" :
				    "pattern", rule->name, alt->key,
				    local->message);
				return FALSE;
			}
		}
	}
	return TRUE;
}

gboolean
bs_rules_compile_all (BsRules *rules, GError **error)
{
	return compile_rules (bs_rules_get_sets (rules), error)
	    && compile_rules (bs_rules_get_tests (rules), error);
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
	rules->sets = g_hash_table_new (g_str_hash, g_str_equal);
	rules->tests = g_hash_table_new (g_str_hash, g_str_equal);
	rules->owned = g_ptr_array_new_with_free_func (rule_free);
	for (i = 0; i < names->len; i++) {
		g_autofree char *path = g_build_filename (dir,
		    (const char *) names->pdata[i], NULL);
		g_autofree char *contents = NULL;
		gsize len;

		contents = bs_textfile_read (path, &len, &local);
		if (contents == NULL) {
			g_set_error (error, BS_RULES_ERROR, BS_RULES_ERROR_READ,
			    "%s", local->message);
			return NULL;
		}
		if (!load_data (rules, path, contents, len, jit, error))
			return NULL;
	}
	return g_steal_pointer (&rules);
}

static BsRule *
find (const BsRules *rules, gboolean is_test, const char *name)
{
	if (rules->builtin != NULL)
		return builtin_find (rules, is_test, name);
	return g_hash_table_lookup (is_test ? rules->tests : rules->sets,
	    name);
}

const BsRule *
bs_rules_get_set (const BsRules *rules, const char *name)
{
	return find (rules, FALSE, name);
}

const BsRule *
bs_rules_get_test (const BsRules *rules, const char *name)
{
	return find (rules, TRUE, name);
}

gboolean
bs_rules_has_test (const BsRules *rules, const char *name)
{
	if (rules->builtin != NULL)
		return builtin_index (TRUE, name) >= 0;
	return g_hash_table_contains (rules->tests, name);
}

GPtrArray *
bs_rules_get_tests (const BsRules *rules)
{
	if (rules->builtin != NULL)
		builtin_list ((BsRules *) rules, TRUE);
	return rules->test_order;
}

GPtrArray *
bs_rules_get_sets_named (const BsRules *rules, const char *prefix)
{
	BsRules *r = (BsRules *) rules;
	GPtrArray *sets;
	guint i;

	g_rec_mutex_lock (&making);
	if (r->prefixed == NULL)
		r->prefixed = g_hash_table_new_full (g_str_hash, g_str_equal,
		    g_free, (GDestroyNotify) g_ptr_array_unref);
	sets = g_hash_table_lookup (r->prefixed, prefix);
	if (sets == NULL) {
		sets = g_ptr_array_new ();
		if (r->builtin != NULL) {
			for (i = 0; i < bs_builtin_count; i++)
				if (!bs_builtin_rules[i].is_test
				    && g_str_has_prefix (
				    bs_builtin_rules[i].name, prefix))
					g_ptr_array_add (sets,
					    builtin_rule (r, i));
		} else {
			for (i = 0; i < r->set_order->len; i++) {
				BsRule *set = r->set_order->pdata[i];

				if (g_str_has_prefix (set->name, prefix))
					g_ptr_array_add (sets, set);
			}
		}
		g_hash_table_insert (r->prefixed, g_strdup (prefix), sets);
	}
	g_rec_mutex_unlock (&making);
	return sets;
}

GPtrArray *
bs_rules_get_sets (const BsRules *rules)
{
	if (rules->builtin != NULL)
		builtin_list ((BsRules *) rules, FALSE);
	return rules->set_order;
}

gboolean
bs_rules_set_weight (BsRules *rules, const char *test, double weight,
    GError **error)
{
	BsRule *rule = find (rules, TRUE, test);

	if (rule == NULL) {
		g_set_error (error, BS_RULES_ERROR, BS_RULES_ERROR_UNKNOWN_TEST,
		    "no test named %s", test);
		return FALSE;
	}
	if (!isfinite (weight) || fabs (weight) > BS_RULES_NUMBER_MAX) {
		g_set_error (error, BS_RULES_ERROR, BS_RULES_ERROR_SYNTAX,
		    "weight of %s is not a number from -%.0f to %.0f", test,
		    BS_RULES_NUMBER_MAX, BS_RULES_NUMBER_MAX);
		return FALSE;
	}
	if (rule->tier == BS_TIER_CONTENT && weight < 0.0) {
		g_set_error (error, BS_RULES_ERROR, BS_RULES_ERROR_TIER,
		    "test %s is of the content tier and may not have a "
		    "negative weight", test);
		return FALSE;
	}
	rule->weight = weight;
	return TRUE;
}

const char *
bs_tier_to_string (BsTier tier)
{
	switch (tier) {
	case BS_TIER_CONTENT:
		return "content";
	case BS_TIER_SERVER:
		return "server";
	case BS_TIER_PROOF:
		return "proof";
	}
	return "content";
}

gboolean
bs_tier_from_string (const char *name, BsTier *tier)
{
	if (g_strcmp0 (name, "content") == 0)
		*tier = BS_TIER_CONTENT;
	else if (g_strcmp0 (name, "server") == 0)
		*tier = BS_TIER_SERVER;
	else if (g_strcmp0 (name, "proof") == 0)
		*tier = BS_TIER_PROOF;
	else
		return FALSE;
	return TRUE;
}

double
bs_rules_weight (const BsRules *rules, const char *name)
{
	const BsRule *rule = find (rules, TRUE, name);

	return rule != NULL ? rule->weight : 0.0;
}

/* A built-in alternative's first use: decode the parts compiled at build
 * time.  When the block does not decode (another PCRE2), the alternative
 * compiles from its patterns instead. */
static void
alternative_decode (const BsRule *rule, BsAlternative *alt)
{
	guint i = (guint) (alt - rule->alt_block);
	const BsRuleBlock *block;
	g_autofree BsRegex **re = NULL;
	guint j;

	if (rule->code == NULL || i >= rule->code->n_blocks)
		return;
	block = &rule->code->blocks[i];
	re = g_new0 (BsRegex *, alt->n_parts);
	if (!bs_regex_decode (block->data, block->len, alt->n_parts, re)) {
		g_debug ("%s: [%s] %s: compiled patterns do not fit this "
		    "PCRE2, compiling", rule->origin, rule->name, alt->key);
		return;
	}
	for (j = 0; j < alt->n_parts; j++) {
		if (alt->parts[j] != NULL)
			bs_regex_free (re[j]);
		else
			alternative_set (alt, j, re[j]);
	}
}

/* The prefilter of every part of every alternative, in order. */
static BsPrefilter *
rule_prefilter (const BsRule *rule)
{
	g_autoptr(GPtrArray) patterns = g_ptr_array_new ();
	guint i, j;

	for (i = 0; i < rule->alternatives->len; i++) {
		const BsAlternative *alt = rule->alternatives->pdata[i];

		for (j = 0; j < alt->n_parts; j++)
			g_ptr_array_add (patterns, (gpointer) (alt->spec_parts
			    != NULL ? alt->spec_parts[j].pattern :
			    alt->pattern_copy));
	}
	return bs_prefilter_new ((const char *const *) patterns->pdata,
	    patterns->len);
}

static gboolean
prefilter_off (void)
{
	static gsize off;	/* 0: not read yet, 1: on, 2: off */

	/* For the test that the prefilter changes no verdict. */
	if (g_once_init_enter (&off))
		g_once_init_leave (&off,
		    g_getenv ("BACKSCATTER_CHECK_NO_PREFILTER") != NULL ? 2 : 1);
	return off == 2;
}

/* The rule's prefilter, made at its first match. */
static const BsPrefilter *
rule_prefilter_ready (const BsRule *crule)
{
	BsRule *rule = (BsRule *) crule;
	BsPrefilter *pf = g_atomic_pointer_get (&rule->prefilter);

	if (G_LIKELY (pf != NULL))
		return pf;
	g_rec_mutex_lock (&making);
	pf = rule->prefilter;
	if (pf == NULL) {
		pf = rule->code != NULL && rule->code->prefilter != NULL ?
		    bs_prefilter_new_static (rule->code->prefilter) :
		    rule_prefilter (rule);
		g_atomic_pointer_set (&rule->prefilter, pf);
	}
	g_rec_mutex_unlock (&making);
	return pf;
}

gboolean
bs_rules_key_is_specific (const char *key)
{
	return g_str_has_prefix (key, BS_RULES_SPECIFIC_PREFIX);
}

gboolean
bs_rules_generic_only (void)
{
	static int on = -1;

	/* Read once: it holds for the whole process. */
	if (on < 0) {
		const char *v = g_getenv ("BACKSCATTER_CHECK_GENERIC_ONLY");

		on = v != NULL && *v != '\0' && strcmp (v, "0") != 0;
	}
	return on;
}

/* Compiles alt if it is not yet.  Built-in patterns compile on first use;
 * they were checked at build time and by the test suite, so a failure here
 * is a bug: say so once and let the alternative never match. */
static void
alternative_ready (const BsRule *rule, BsAlternative *alt)
{
	g_autoptr(GError) local = NULL;

	if (G_LIKELY (g_atomic_pointer_get (&alt->parts[alt->n_parts - 1])
	    != NULL) || g_atomic_int_get (&alt->broken))
		return;
	g_rec_mutex_lock (&making);
	if (alt->parts[alt->n_parts - 1] == NULL && !alt->broken) {
		alternative_decode (rule, alt);
		if (!alternative_compile (alt, &local))
			g_warning ("%s: [%s] %s: %s", rule->origin, rule->name,
			    alt->key, local->message);
	}
	g_rec_mutex_unlock (&making);
}

/* What a pattern of a test reads of its target, at most (see
 * backscatter-check-rules(5)): a name is at most 255 octets (RFC 1035), a
 * header value is a line or a few folded ones, and texts are cut to the
 * window of every search.  A bound per target keeps the work of any
 * pattern on hostile mail small, whatever the pattern. */
gsize
bs_rules_target_max (const char *target)
{
	static const struct {
		const char *target;
		gsize max;
	} caps[] = {
		{ "original-msgid-domain", 255 },
		{ "top-hop-rdns", 255 },
		{ "top-hop-helo", 255 },
		{ "original-from", 4096 },
		{ "original-mailer", 4096 },
		{ "original-subject", 4096 },
		{ "subject", 4096 },
	};
	guint i;

	if (target != NULL)
		for (i = 0; i < G_N_ELEMENTS (caps); i++)
			if (strcmp (target, caps[i].target) == 0)
				return caps[i].max;
	return BS_REGEX_WINDOW_MAX;
}

gboolean
bs_rule_match (const BsRule *rule, const char *text, gsize len, gsize offset,
    const char *group, BsRuleMatch *m)
{
	guint8 may_stack[256];
	g_autofree guint8 *may_heap = NULL;
	guint8 *may = may_stack;
	const BsPrefilter *pf;
	gboolean found = FALSE;
	gboolean generic_only = bs_rules_generic_only ();
	guint i, j, k;

	if (rule == NULL || text == NULL || offset > len)
		return FALSE;
	pf = rule_prefilter_ready (rule);
	if (bs_prefilter_size (pf) > G_N_ELEMENTS (may_stack))
		may = may_heap = g_new (guint8, bs_prefilter_size (pf));
	if (prefilter_off ())
		memset (may, TRUE, bs_prefilter_size (pf));
	else if (bs_prefilter_scan (pf, text + offset,
	    len - offset, may) == 0)
		return FALSE;
	for (i = 0, k = 0; i < rule->alternatives->len; i++) {
		BsAlternative *alt = rule->alternatives->pdata[i];
		BsMatch bm;

		for (j = 0; j < alt->n_parts; j++, k++) {
			if (!may[k] || (alt->specific && generic_only))
				continue;
			alternative_ready (rule, alt);
			if (alt->broken || !bs_regex_match_max (alt->parts[j],
			    text, len, offset, bs_rules_target_max (rule->target),
			    group, &bm))
				continue;
			if (m == NULL)
				return TRUE;
			/* Earliest match wins, so that iterating callers see
			 * every match in text order whichever alternative
			 * found it; at the same start, the first in order. */
			if (!found || bm.start < m->start) {
				found = TRUE;
				m->key = alt->key;
				m->start = bm.start;
				m->end = bm.end;
				m->group_start = bm.group_start;
				m->group_end = bm.group_end;
			}
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
