/* test-rules.c: loading rule files, their errors, and matching sets. */
#include "rules.h"
#include "score.h"

#include <string.h>

#include <glib/gstdio.h>

/* A temporary rules directory, removed with its files. */
typedef struct {
	char *dir;
	GPtrArray *files;
} TmpDir;

static TmpDir *
tmpdir_new (void)
{
	g_autoptr(GError) error = NULL;
	TmpDir *t = g_new0 (TmpDir, 1);

	t->dir = g_dir_make_tmp ("test-rules-XXXXXX", &error);
	g_assert_no_error (error);
	t->files = g_ptr_array_new_with_free_func (g_free);
	return t;
}

/* Returns: (transfer none) the path of the new file */
static const char *
tmpdir_add (TmpDir *t, const char *name, const char *contents)
{
	g_autoptr(GError) error = NULL;
	char *path = g_build_filename (t->dir, name, NULL);

	g_file_set_contents (path, contents, -1, &error);
	g_assert_no_error (error);
	g_ptr_array_add (t->files, path);
	return path;
}

static void
tmpdir_free (TmpDir *t)
{
	guint i;

	for (i = 0; i < t->files->len; i++)
		g_unlink (t->files->pdata[i]);
	g_rmdir (t->dir);
	g_ptr_array_unref (t->files);
	g_free (t->dir);
	g_free (t);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TmpDir, tmpdir_free)

static const BsAlternative *
alt_at (const BsRule *rule, guint i)
{
	return rule->alternatives->pdata[i];
}

static void
test_load_valid (void)
{
	g_autoptr(TmpDir) t = tmpdir_new ();
	g_autoptr(GError) error = NULL;
	g_autoptr(BsRules) rules = NULL;
	const char *a;
	const char *b;
	g_autofree char *origin = NULL;
	const BsRule *set, *test;
	GPtrArray *sets, *tests;

	a = tmpdir_add (t, "10-a.rules",
	    "# comment\n"
	    "[pattern greet]\n"
	    "description=Greetings\n"
	    "en=hello\n"
	    "de=hallo\n"
	    "\n"
	    "[test t-one]\n"
	    "weight=2.5\n"
	    "tier=content\n"
	    "description=A code test\n");
	b = tmpdir_add (t, "20-b.rules",
	    "[pattern bytes-set]\n"
	    "encoding=bytes\n"
	    "any=^.$\n"
	    "[test t-two]\n"
	    "target=subject\n"
	    "weight=-1\n"
	    "tier=server\n"
	    "en=(?<phrase>foo)bar\n");
	tmpdir_add (t, "README", "[not a rule file\n");

	rules = bs_rules_load_dir (t->dir, FALSE, &error);
	g_assert_no_error (error);
	g_assert_nonnull (rules);

	sets = bs_rules_get_sets (rules);
	tests = bs_rules_get_tests (rules);
	g_assert_cmpuint (sets->len, ==, 2);
	g_assert_cmpuint (tests->len, ==, 2);

	set = bs_rules_get_set (rules, "greet");
	g_assert_nonnull (set);
	g_assert_true (set == sets->pdata[0]);
	g_assert_false (set->is_test);
	g_assert_cmpstr (set->description, ==, "Greetings");
	origin = g_strdup_printf ("%s:2", a);
	g_assert_cmpstr (set->origin, ==, origin);
	/* description is not a pattern; the two others are, in order. */
	g_assert_cmpuint (set->alternatives->len, ==, 2);
	g_assert_cmpstr (alt_at (set, 0)->key, ==, "en");
	g_assert_cmpstr (alt_at (set, 1)->key, ==, "de");

	test = bs_rules_get_test (rules, "t-one");
	g_assert_nonnull (test);
	g_assert_true (test->is_test);
	g_assert_cmpfloat (test->weight, ==, 2.5);
	g_assert_cmpuint (test->alternatives->len, ==, 0);
	g_assert_null (test->target);

	test = bs_rules_get_test (rules, "t-two");
	g_assert_nonnull (test);
	g_assert_cmpfloat (test->weight, ==, -1.0);
	g_assert_cmpstr (test->target, ==, "subject");
	g_assert_cmpuint (test->alternatives->len, ==, 1);
	g_clear_pointer (&origin, g_free);
	origin = g_strdup_printf ("%s:4", b);
	g_assert_cmpstr (test->origin, ==, origin);

	/* Sets and tests are separate name spaces. */
	g_assert_null (bs_rules_get_set (rules, "t-one"));
	g_assert_null (bs_rules_get_test (rules, "greet"));
	g_assert_null (bs_rules_get_set (rules, "missing"));

	g_assert_cmpfloat (bs_rules_weight (rules, "t-one"), ==, 2.5);
	g_assert_cmpfloat (bs_rules_weight (rules, "no-such-test"), ==, 0.0);
}

static void
test_patterns_caseless_and_encoding (void)
{
	g_autoptr(TmpDir) t = tmpdir_new ();
	g_autoptr(GError) error = NULL;
	g_autoptr(BsRules) rules = NULL;
	BsRuleMatch m;

	tmpdir_add (t, "x.rules",
	    "[pattern greet]\n"
	    "en=hello\n"
	    "[pattern utf]\n"
	    "any=^.$\n"
	    "[pattern raw]\n"
	    "encoding=bytes\n"
	    "any=^.$\n"
	    "[pattern lines]\n"
	    "x=^second$\n");
	rules = bs_rules_load_dir (t->dir, TRUE, &error);
	g_assert_no_error (error);

	/* Every pattern is caseless. */
	g_assert_true (bs_rules_match_str (rules, "greet", "Oh HELLO", &m));
	g_assert_cmpstr (m.key, ==, "en");
	g_assert_cmpuint (m.start, ==, 3);
	g_assert_cmpuint (m.end, ==, 8);
	g_assert_false (bs_rules_match_str (rules, "greet", "hell no", &m));
	/* utf8 (the default) sees one character, bytes sees two. */
	g_assert_true (bs_rules_match_str (rules, "utf", "\xc3\xa9", NULL));
	g_assert_false (bs_rules_match_str (rules, "raw", "\xc3\xa9", NULL));
	g_assert_true (bs_rules_match_str (rules, "raw", "e", NULL));
	/* ^ and $ are line anchors. */
	g_assert_true (bs_rules_match_str (rules, "lines", "first\nsecond\n",
	    &m));
	g_assert_cmpuint (m.start, ==, 6);
	/* Unknown set, NULL text. */
	g_assert_false (bs_rules_match_str (rules, "nope", "hello", NULL));
	g_assert_false (bs_rules_match_str (rules, "greet", NULL, NULL));
}

static void
test_file_order (void)
{
	g_autoptr(TmpDir) t = tmpdir_new ();
	g_autoptr(GError) error = NULL;
	g_autoptr(BsRules) rules = NULL;
	GPtrArray *sets;

	/* Written in the reverse order; loaded in name order. */
	tmpdir_add (t, "30-c.rules", "[pattern third]\nx=c\n");
	tmpdir_add (t, "10-a.rules", "[pattern first]\nx=a\n");
	tmpdir_add (t, "20-b.rules", "[pattern second]\nx=b\n"
	    "[pattern second-b]\nx=b\n");
	rules = bs_rules_load_dir (t->dir, FALSE, &error);
	g_assert_no_error (error);
	sets = bs_rules_get_sets (rules);
	g_assert_cmpuint (sets->len, ==, 4);
	g_assert_cmpstr (((BsRule *) sets->pdata[0])->name, ==, "first");
	g_assert_cmpstr (((BsRule *) sets->pdata[1])->name, ==, "second");
	g_assert_cmpstr (((BsRule *) sets->pdata[2])->name, ==, "second-b");
	g_assert_cmpstr (((BsRule *) sets->pdata[3])->name, ==, "third");
}

static void
test_duplicate (void)
{
	g_autoptr(TmpDir) t = tmpdir_new ();
	g_autoptr(GError) error = NULL;
	const char *a;
	const char *b;
	g_autofree char *where_a = NULL;
	g_autofree char *where_b = NULL;
	BsRules *rules;

	a = tmpdir_add (t, "10-a.rules",
	    "[pattern one]\nx=a\n\n[pattern dup]\nx=b\n");
	b = tmpdir_add (t, "20-b.rules",
	    "# again\n[pattern dup]\nx=c\n");
	rules = bs_rules_load_dir (t->dir, FALSE, &error);
	g_assert_null (rules);
	g_assert_error (error, BS_RULES_ERROR, BS_RULES_ERROR_DUPLICATE);
	where_a = g_strdup_printf ("%s:4", a);
	where_b = g_strdup_printf ("%s:2", b);
	g_assert_nonnull (strstr (error->message, where_a));
	g_assert_nonnull (strstr (error->message, where_b));
	g_assert_nonnull (strstr (error->message, "dup"));
}

static void
test_same_name_set_and_test (void)
{
	g_autoptr(TmpDir) t = tmpdir_new ();
	g_autoptr(GError) error = NULL;
	g_autoptr(BsRules) rules = NULL;

	/* A set and a test may share a name: they are different things. */
	tmpdir_add (t, "a.rules", "[pattern x]\na=1\n[test x]\nweight=1\n"
	    "tier=content\n");
	rules = bs_rules_load_dir (t->dir, FALSE, &error);
	g_assert_no_error (error);
	g_assert_nonnull (bs_rules_get_set (rules, "x"));
	g_assert_nonnull (bs_rules_get_test (rules, "x"));
}

static void
test_bad_pattern (void)
{
	g_autoptr(TmpDir) t = tmpdir_new ();
	g_autoptr(GError) error = NULL;
	const char *path;
	g_autofree char *where = NULL;
	BsRules *rules;

	path = tmpdir_add (t, "bad.rules",
	    "[pattern fine]\n"
	    "x=ok\n"
	    "[pattern broken]\n"
	    "en=good\n"
	    "de=a(b\n");
	rules = bs_rules_load_dir (t->dir, FALSE, &error);
	g_assert_null (rules);
	g_assert_error (error, BS_RULES_ERROR, BS_RULES_ERROR_PATTERN);
	where = g_strdup_printf ("%s:5:", path);
	g_assert_true (g_str_has_prefix (error->message, where));
	g_assert_nonnull (strstr (error->message, "at offset 3"));
	g_assert_nonnull (strstr (error->message, "broken"));
}

static void
check_syntax_error (const char *contents, const char *where_suffix,
    const char *needle)
{
	g_autoptr(TmpDir) t = tmpdir_new ();
	g_autoptr(GError) error = NULL;
	const char *path = tmpdir_add (t, "x.rules", contents);
	g_autofree char *where = g_strconcat (path, where_suffix, NULL);
	BsRules *rules;

	rules = bs_rules_load_dir (t->dir, FALSE, &error);
	g_assert_null (rules);
	g_assert_error (error, BS_RULES_ERROR, BS_RULES_ERROR_SYNTAX);
	g_assert_true (g_str_has_prefix (error->message, where));
	g_assert_nonnull (strstr (error->message, needle));
}

static void
test_bad_weight (void)
{
	check_syntax_error ("[test a]\nweight=1\ntier=content\n\n[test b]\n"
	    "description=x\nweight=lots\n", ":7:", "lots");
	check_syntax_error ("[test a]\nweight=1.5x\n", ":2:", "1.5x");
	check_syntax_error ("[test a]\nweight=\n", ":2:", "weight");
	/* No weight at all: the group's line. */
	check_syntax_error ("[pattern p]\nx=y\n[test nothing]\n"
	    "description=x\n", ":3:", "no weight");
}

/* Like check_syntax_error, for the tier errors. */
static void
check_tier_error (const char *contents, const char *where_suffix,
    const char *needle)
{
	g_autoptr(TmpDir) t = tmpdir_new ();
	g_autoptr(GError) error = NULL;
	const char *path = tmpdir_add (t, "x.rules", contents);
	g_autofree char *where = g_strconcat (path, where_suffix, NULL);
	BsRules *rules;

	rules = bs_rules_load_dir (t->dir, FALSE, &error);
	g_assert_null (rules);
	g_assert_error (error, BS_RULES_ERROR, BS_RULES_ERROR_TIER);
	g_test_message ("%s", error->message);
	g_assert_true (g_str_has_prefix (error->message, where));
	g_assert_nonnull (strstr (error->message, needle));
}

static void
test_tier (void)
{
	g_autoptr(TmpDir) t = tmpdir_new ();
	g_autoptr(GError) error = NULL;
	g_autoptr(BsRules) rules = NULL;
	BsTier tier;

	/* Every test says who wrote its evidence. */
	check_tier_error ("[test a]\nweight=1\n", ":1", "no tier");
	check_tier_error ("[test a]\nweight=1\ntier=owner\n", ":3:",
	    "\"owner\"");
	/* Looking like the owner's own mail is what a forger does. */
	check_tier_error ("[test a]\nweight=-1\ntier=content\n", ":2:",
	    "negative");

	tmpdir_add (t, "x.rules", "[test p]\nweight=-100\ntier=proof\n"
	    "[test s]\nweight=-2\ntier=server\n"
	    "[test c]\nweight=1\ntier=content\n");
	rules = bs_rules_load_dir (t->dir, FALSE, &error);
	g_assert_no_error (error);
	g_assert_cmpint (bs_rules_get_test (rules, "p")->tier, ==, BS_TIER_PROOF);
	g_assert_cmpint (bs_rules_get_test (rules, "s")->tier, ==,
	    BS_TIER_SERVER);
	g_assert_cmpint (bs_rules_get_test (rules, "c")->tier, ==,
	    BS_TIER_CONTENT);
	/* Nor may the config turn a content test round. */
	g_assert_false (bs_rules_set_weight (rules, "c", -1.0, &error));
	g_assert_error (error, BS_RULES_ERROR, BS_RULES_ERROR_TIER);
	g_clear_error (&error);
	g_assert_cmpfloat (bs_rules_weight (rules, "c"), ==, 1.0);
	g_assert_true (bs_rules_set_weight (rules, "c", 0.0, &error));
	g_assert_no_error (error);

	g_assert_cmpstr (bs_tier_to_string (BS_TIER_PROOF), ==, "proof");
	g_assert_cmpstr (bs_tier_to_string (BS_TIER_SERVER), ==, "server");
	g_assert_cmpstr (bs_tier_to_string (BS_TIER_CONTENT), ==, "content");
	g_assert_true (bs_tier_from_string ("server", &tier));
	g_assert_cmpint (tier, ==, BS_TIER_SERVER);
	g_assert_false (bs_tier_from_string ("Server", &tier));
	g_assert_false (bs_tier_from_string (NULL, &tier));
}

/* Every built-in test has a tier, and no content test points towards
 * legitimate. */
static void
test_builtin_tiers (void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(BsRules) rules = bs_rules_load_builtin (FALSE, &error);
	GPtrArray *tests;
	guint i;

	g_assert_no_error (error);
	tests = bs_rules_get_tests (rules);
	g_assert_cmpuint (tests->len, >, 0);
	for (i = 0; i < tests->len; i++) {
		const BsRule *test = tests->pdata[i];

		if (test->tier == BS_TIER_CONTENT)
			g_assert_cmpfloat (test->weight, >=, 0.0);
	}
	g_assert_cmpint (bs_rules_get_test (rules, "relay-top-hop")->tier, ==,
	    BS_TIER_SERVER);
	g_assert_cmpint (bs_rules_get_test (rules, "ledger-sent")->tier, ==,
	    BS_TIER_PROOF);
	g_assert_cmpint (bs_rules_get_test (rules, "top-hop-helo-mismatch")->tier,
	    ==, BS_TIER_CONTENT);
}

static void
test_unknown_group_kind (void)
{
	check_syntax_error ("[pattern ok]\nx=y\n[rule foo]\nx=y\n", ":3:",
	    "[rule foo]");
	check_syntax_error ("[patterns]\nx=y\n", ":1:", "[patterns]");
}

static void
test_bad_encoding (void)
{
	check_syntax_error ("[pattern p]\nx=y\nencoding=latin1\n", ":3:",
	    "latin1");
}

static void
test_not_a_key_file (void)
{
	g_autoptr(TmpDir) t = tmpdir_new ();
	g_autoptr(GError) error = NULL;
	const char *path = tmpdir_add (t, "x.rules", "just text\n");
	BsRules *rules;

	rules = bs_rules_load_dir (t->dir, FALSE, &error);
	g_assert_null (rules);
	g_assert_error (error, BS_RULES_ERROR, BS_RULES_ERROR_SYNTAX);
	g_assert_nonnull (strstr (error->message, path));
}

static void
test_empty_dir (void)
{
	g_autoptr(TmpDir) t = tmpdir_new ();
	g_autoptr(GError) error = NULL;
	g_autofree char *missing = NULL;
	BsRules *rules;

	rules = bs_rules_load_dir (t->dir, FALSE, &error);
	g_assert_null (rules);
	g_assert_error (error, BS_RULES_ERROR, BS_RULES_ERROR_READ);
	g_assert_nonnull (strstr (error->message, t->dir));
	g_clear_error (&error);

	/* Files that do not end in .rules do not count. */
	tmpdir_add (t, "rules.txt", "[pattern x]\na=b\n");
	rules = bs_rules_load_dir (t->dir, FALSE, &error);
	g_assert_null (rules);
	g_assert_error (error, BS_RULES_ERROR, BS_RULES_ERROR_READ);
	g_clear_error (&error);

	missing = g_build_filename (t->dir, "no-such-dir", NULL);
	rules = bs_rules_load_dir (missing, FALSE, &error);
	g_assert_null (rules);
	g_assert_error (error, BS_RULES_ERROR, BS_RULES_ERROR_READ);
	g_assert_nonnull (strstr (error->message, missing));
}

static void
test_earliest_match (void)
{
	g_autoptr(TmpDir) t = tmpdir_new ();
	g_autoptr(GError) error = NULL;
	g_autoptr(BsRules) rules = NULL;
	const char *text = "hello world, hello";
	const BsRule *set;
	BsRuleMatch m;

	/* The first alternative matches later in the text than the second:
	 * the earlier match wins, whichever alternative it is. */
	tmpdir_add (t, "x.rules",
	    "[pattern words]\n"
	    "late=world\n"
	    "early=hel+o\n"
	    "never=xyzzy\n"
	    "[pattern rcpt]\n"
	    "a=<(?<rcpt>[^>]+)>\n"
	    "b=to: (?<rcpt>\\S+@\\S+)\n");
	rules = bs_rules_load_dir (t->dir, FALSE, &error);
	g_assert_no_error (error);
	set = bs_rules_get_set (rules, "words");

	g_assert_true (bs_rule_match (set, text, strlen (text), 0, NULL, &m));
	g_assert_cmpstr (m.key, ==, "early");
	g_assert_cmpuint (m.start, ==, 0);
	g_assert_cmpuint (m.end, ==, 5);
	g_assert_cmpint (m.group_start, ==, -1);

	/* From offset 1 "world" (6) comes before the second "hello" (13). */
	g_assert_true (bs_rule_match (set, text, strlen (text), 1, NULL, &m));
	g_assert_cmpstr (m.key, ==, "late");
	g_assert_cmpuint (m.start, ==, 6);
	g_assert_cmpuint (m.end, ==, 11);

	g_assert_true (bs_rule_match (set, text, strlen (text), 7, NULL, &m));
	g_assert_cmpstr (m.key, ==, "early");
	g_assert_cmpuint (m.start, ==, 13);

	g_assert_false (bs_rule_match (set, text, strlen (text), 14, NULL,
	    &m));
	/* A length short of the text hides what lies beyond it. */
	g_assert_false (bs_rule_match (set, "xx hello", 5, 0, NULL, &m));
	/* No match struct: just whether any matches. */
	g_assert_true (bs_rule_match (set, text, strlen (text), 0, NULL,
	    NULL));
	/* A NULL rule never matches. */
	g_assert_false (bs_rule_match (NULL, text, strlen (text), 0, NULL,
	    &m));

	/* Groups come from the alternative that won. */
	set = bs_rules_get_set (rules, "rcpt");
	text = "mail to: kim@example.org failed <bob@example.net>";
	g_assert_true (bs_rule_match (set, text, strlen (text), 0, "rcpt",
	    &m));
	g_assert_cmpstr (m.key, ==, "b");
	g_assert_cmpuint (m.start, ==, 5);
	g_assert_cmpint (m.group_start, ==, 9);
	g_assert_cmpint (m.group_end, ==, 24);
	g_assert_true (bs_rule_match (set, text, strlen (text), m.end, "rcpt",
	    &m));
	g_assert_cmpstr (m.key, ==, "a");
	g_assert_cmpint (m.group_start, ==, 33);
	g_assert_cmpint (m.group_end, ==, 48);
}

static void
test_set_weight (void)
{
	g_autoptr(TmpDir) t = tmpdir_new ();
	g_autoptr(GError) error = NULL;
	g_autoptr(BsRules) rules = NULL;

	tmpdir_add (t, "x.rules", "[test a]\nweight=1\ntier=server\n"
	    "[test c]\nweight=1\ntier=content\n[pattern b]\nx=y\n");
	rules = bs_rules_load_dir (t->dir, FALSE, &error);
	g_assert_no_error (error);

	g_assert_true (bs_rules_set_weight (rules, "a", -3.5, &error));
	g_assert_no_error (error);
	g_assert_cmpfloat (bs_rules_weight (rules, "a"), ==, -3.5);
	g_assert_cmpfloat (bs_rules_get_test (rules, "a")->weight, ==, -3.5);
	g_assert_true (bs_rules_has_test (rules, "c"));
	g_assert_false (bs_rules_has_test (rules, "nope"));
	g_assert_false (bs_rules_has_test (rules, "b"));	/* a set */

	g_assert_false (bs_rules_set_weight (rules, "nope", 1.0, &error));
	g_assert_error (error, BS_RULES_ERROR, BS_RULES_ERROR_UNKNOWN_TEST);
	g_assert_nonnull (strstr (error->message, "nope"));
	g_clear_error (&error);
	/* A set is not a test. */
	g_assert_false (bs_rules_set_weight (rules, "b", 1.0, &error));
	g_assert_error (error, BS_RULES_ERROR, BS_RULES_ERROR_UNKNOWN_TEST);
}

static void
test_builtin (void)
{
	static const char *const sets[] = {
		"bounce-sender", "bounce-subject", "delay-subject",
		"bounce-body", "original-marker", "recipient-line",
		"autoreply-subject", "autoreply-body", "challenge-subject",
		"challenge-body", "virus-subject", "virus-body",
		"receipt-subject", NULL,
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(BsRules) rules = bs_rules_load_builtin (FALSE, &error);
	const char *const *names;
	GPtrArray *all;
	guint i, reasons = 0;

	g_assert_no_error (error);
	g_assert_nonnull (rules);
	for (names = bs_score_code_tests (); *names != NULL; names++) {
		const BsRule *test = bs_rules_get_test (rules, *names);

		if (test == NULL)
			g_test_message ("no [test %s] in the built-in rules",
			    *names);
		g_assert_nonnull (test);
		g_assert_true (test->is_test);
	}
	for (i = 0; sets[i] != NULL; i++)
		g_assert_nonnull (bs_rules_get_set (rules, sets[i]));
	all = bs_rules_get_sets (rules);
	for (i = 0; i < all->len; i++) {
		const BsRule *set = all->pdata[i];

		if (g_str_has_prefix (set->name, "reason-"))
			reasons++;
	}
	g_assert_cmpuint (reasons, >, 0);
	/* The reason-* sets by name: the same ones, in the same order,
	 * one list for every call. */
	{
		GPtrArray *named = bs_rules_get_sets_named (rules, "reason-");
		guint j = 0;

		g_assert_cmpuint (named->len, ==, reasons);
		for (i = 0; i < all->len; i++)
			if (g_str_has_prefix (((BsRule *) all->pdata[i])->name,
			    "reason-"))
				g_assert_true (named->pdata[j++] == all->pdata[i]);
		g_assert_true (bs_rules_get_sets_named (rules, "reason-")
		    == named);
		g_assert_cmpuint (bs_rules_get_sets_named (rules, "nope-")->len,
		    ==, 0);
	}
	for (names = bs_score_code_tests (); *names != NULL; names++)
		g_assert_true (bs_rules_has_test (rules, *names));
	g_assert_false (bs_rules_has_test (rules, "bounce-sender"));
	/* Built-in patterns compile on first use; all of them compile. */
	g_assert_true (bs_rules_compile_all (rules, &error));
	g_assert_no_error (error);
	/* And they match. */
	g_assert_true (bs_rules_match_str (rules, "bounce-subject",
	    "Undelivered Mail Returned to Sender", NULL));
	g_assert_false (bs_rules_match_str (rules, "bounce-subject",
	    "Lunch on Friday?", NULL));
}

static void
test_builtin_matches_data_dir (void)
{
	const char *datadir = g_getenv ("BACKSCATTER_CHECK_DATADIR");
	g_autoptr(GError) error = NULL;
	g_autoptr(BsRules) builtin = NULL;
	g_autoptr(BsRules) files = NULL;
	g_autofree char *dir = NULL;
	GPtrArray *a, *b;
	guint i;

	if (datadir == NULL) {
		g_test_skip ("BACKSCATTER_CHECK_DATADIR is not set");
		return;
	}
	dir = g_build_filename (datadir, "rules", NULL);
	files = bs_rules_load_dir (dir, FALSE, &error);
	g_assert_no_error (error);
	builtin = bs_rules_load_builtin (FALSE, &error);
	g_assert_no_error (error);

	/* The same groups in the same order, with the same weights. */
	a = bs_rules_get_sets (builtin);
	b = bs_rules_get_sets (files);
	g_assert_cmpuint (a->len, ==, b->len);
	for (i = 0; i < a->len; i++) {
		const BsRule *x = a->pdata[i];
		const BsRule *y = b->pdata[i];

		g_assert_cmpstr (x->name, ==, y->name);
		g_assert_cmpuint (x->alternatives->len, ==,
		    y->alternatives->len);
	}
	a = bs_rules_get_tests (builtin);
	b = bs_rules_get_tests (files);
	g_assert_cmpuint (a->len, ==, b->len);
	for (i = 0; i < a->len; i++) {
		const BsRule *x = a->pdata[i];
		const BsRule *y = b->pdata[i];

		g_assert_cmpstr (x->name, ==, y->name);
		g_assert_cmpfloat (x->weight, ==, y->weight);
		g_assert_cmpstr (x->target, ==, y->target);
	}
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/rules/tier", test_tier);
	g_test_add_func ("/rules/builtin-tiers", test_builtin_tiers);
	g_test_add_func ("/rules/load-valid", test_load_valid);
	g_test_add_func ("/rules/caseless-and-encoding",
	    test_patterns_caseless_and_encoding);
	g_test_add_func ("/rules/file-order", test_file_order);
	g_test_add_func ("/rules/duplicate", test_duplicate);
	g_test_add_func ("/rules/same-name-set-and-test",
	    test_same_name_set_and_test);
	g_test_add_func ("/rules/bad-pattern", test_bad_pattern);
	g_test_add_func ("/rules/bad-weight", test_bad_weight);
	g_test_add_func ("/rules/unknown-group-kind", test_unknown_group_kind);
	g_test_add_func ("/rules/bad-encoding", test_bad_encoding);
	g_test_add_func ("/rules/not-a-key-file", test_not_a_key_file);
	g_test_add_func ("/rules/empty-dir", test_empty_dir);
	g_test_add_func ("/rules/earliest-match", test_earliest_match);
	g_test_add_func ("/rules/set-weight", test_set_weight);
	g_test_add_func ("/rules/builtin", test_builtin);
	g_test_add_func ("/rules/builtin-matches-data-dir",
	    test_builtin_matches_data_dir);
	return g_test_run ();
}
