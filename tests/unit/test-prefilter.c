/* test-prefilter.c: the runs read from patterns, and the scan that rules
 * patterns out.  The one promise that matters: never "no" for a pattern
 * that matches; test_never_wrong checks it against PCRE2 itself. */
#include "prefilter.h"
#include "regex.h"
#include "rules.h"

#include <string.h>

/* The runs of pattern joined with '|', or "-" for none. */
static char *
runs (const char *pattern)
{
	g_auto(GStrv) r = bs_prefilter_runs (pattern);

	return r != NULL ? g_strjoinv ("|", r) : g_strdup ("-");
}

static void
check_runs (const char *pattern, const char *want)
{
	g_autofree char *got = runs (pattern);

	g_assert_cmpstr (got, ==, want);
}

static void
test_runs_plain (void)
{
	check_runs ("Could Not Be Delivered", "could not be delivered");
	/* The longest run of a branch. */
	check_runs ("a message that you (?:have )?sent it",
	    "a message that you ");
	/* A quantified character is not required, nor is the run around
	 * it one run. */
	check_runs ("abc?defg", "defg");
	check_runs ("x{2}yyyy", "yyyy");
	check_runs ("mail(?:box)? full", " full");
	check_runs ("hello\\.world", "hello.world");
	/* Escapes that are not characters end a run, digits and all. */
	check_runs ("\\012345hello", "hello");
	check_runs ("(a)\\g1abcd", "abcd");
	check_runs ("\\bword\\s+other\\b", "other");
	/* Classes and lookarounds are skipped whole, ')' in a class too. */
	check_runs ("[abc)|]defg", "defg");
	check_runs ("(?=look ahead)tail", "tail");
	check_runs ("(?m)^-{3,}\\s*transcript of session follows",
	    "transcript of session follows");
}

static void
test_runs_groups (void)
{
	/* A required group gives one literal per branch. */
	check_runs ("\\b(?:virus(?:es)?|malware|worm)\\b",
	    "virus|malware|worm");
	check_runs ("(?<name>named group)", "named group");
	check_runs ("(?i:Inline Group)", "inline group");
	check_runs ("(?:abcd)+x", "abcd");
	/* Optional groups give nothing. */
	check_runs ("ab(cdef|ghij)?klm", "-");
	check_runs ("(?:abcd)*", "-");
	/* A longer shortest literal beats a longer run. */
	check_runs ("(?:abcdef|ghijkl)xyzw", "abcdef|ghijkl");
	/* Top-level branches: one literal each. */
	check_runs ("first branch|second branch", "first branch|second branch");
}

static void
test_runs_none (void)
{
	/* A branch without a run of four characters: always tried. */
	check_runs ("long enough|abc", "-");
	check_runs ("a|", "-");
	check_runs ("\\bUBE\\b", "-");
	/* Extended syntax, quoting and broken patterns are not followed. */
	check_runs ("(?x) hello world", "-");
	check_runs ("\\Qhello world\\E", "-");
	check_runs ("hello)", "-");
	check_runs ("hello\\", "-");
	check_runs ("(unclosed group", "-");
	/* Neither a run nor a character outside ASCII. */
	check_runs ("caf(?:é)?", "-");
}

static void
test_runs_high (void)
{
	/* Cyrillic folds case beyond ASCII: no run, but a match needs a
	 * byte over 0x7f ("\x80" says so). */
	check_runs ("привет мир", "\x80");
	check_runs ("é", "\x80");
	check_runs ("(?:привет|мир)", "\x80|\x80");
	/* U+212A and U+017F match ASCII "k" and "s": never "\x80". */
	check_runs ("\xe2\x84\xaa", "-");
	check_runs ("\xc5\xbf", "-");
	check_runs ("\xe2\x84\xaa" "elvin", "elvin");
	/* An optional character needs nothing. */
	check_runs ("мир?", "\x80");
	check_runs ("м?", "-");
	/* A run of four or more is worth more than "\x80". */
	check_runs ("мир hello", " hello");
}

static void
test_runs_caseless_scripts (void)
{
	/* Scripts without case compare byte for byte. */
	check_runs ("配信できませんでした", "配信できませんでした");
	check_runs ("用户不存在", "用户不存在");
	/* An optional character drops its run. */
	check_runs ("配信でき?ませんでした", "ませんでした");
	check_runs ("ユーザ(?:ー)?が存在しません", "が存在しません");
}

static BsPrefilter *
filter (const char *const *patterns)
{
	return bs_prefilter_new (patterns, g_strv_length ((GStrv) patterns));
}

static char *
scan (const BsPrefilter *pf, const char *text)
{
	guint8 may[8];
	GString *out = g_string_new (NULL);
	guint i, n;

	g_assert_cmpuint (bs_prefilter_size (pf), <=, G_N_ELEMENTS (may));
	n = bs_prefilter_scan (pf, text, strlen (text), may);
	for (i = 0; i < bs_prefilter_size (pf); i++) {
		g_string_append_c (out, may[i] ? '1' : '0');
		n -= may[i];
	}
	g_assert_cmpuint (n, ==, 0);	/* the count is the ones */
	return g_string_free (out, FALSE);
}

static void
check_scan (const BsPrefilter *pf, const char *text, const char *want)
{
	g_autofree char *got = scan (pf, text);

	g_assert_cmpstr (got, ==, want);
}

static void
test_scan (void)
{
	static const char *const patterns[] = {
		"could not be delivered", "\\bUBE\\b", "(?:virus|worm)s?",
		"配信できませんでした", NULL,
	};
	g_autoptr(BsPrefilter) pf = filter (patterns);
	g_autofree char *got = NULL;
	guint8 may[4];

	check_scan (pf, "", "0100");
	check_scan (pf, "abc", "0100");
	check_scan (pf, "Your mail COULD NOT BE DELIVERED.", "1100");
	check_scan (pf, "a wOrm", "0110");
	/* At the very start and the very end of the text. */
	check_scan (pf, "worm", "0110");
	check_scan (pf, "could not be delivere", "0100");
	check_scan (pf, "メールを配信できませんでした。", "0101");
	/* NUL bytes are text like any other. */
	bs_prefilter_scan (pf, "\0virus", 6, may);
	g_assert_true (may[2]);
	/* "k" and "s" match U+212A and U+017F caseless: everything may. */
	check_scan (pf, "a \xe2\x84\xaa", "1111");
	check_scan (pf, "\xc5\xbf", "1111");
	got = scan (pf, "\xc5");	/* cut short: no fold */
	g_assert_cmpstr (got, ==, "0100");
}

static void
test_scan_high (void)
{
	static const char *const patterns[] = {
		"письмо не (?:может|было)", "could not be delivered", NULL,
	};
	g_autoptr(BsPrefilter) pf = filter (patterns);

	check_scan (pf, "your mail could not be delivered", "01");
	check_scan (pf, "Ваше ПИСЬМО не может быть доставлено", "10");
	/* Any byte over 0x7f lets it in, whatever the script. */
	check_scan (pf, "caf\xc3\xa9", "10");
	check_scan (pf, "", "00");
}

/* Does pattern (as the sets compile it) match subject?  If it does, the
 * filter built from it alone must have let it in: fails the test if not. */
static gboolean
let_in_if_matching (const char *pattern, gboolean bytes, const char *subject)
{
	g_autoptr(BsPrefilter) pf = bs_prefilter_new (&pattern, 1);
	g_autoptr(BsRegex) re = bs_regex_new (pattern, BS_REGEX_CASELESS
	    | BS_REGEX_MULTILINE | (bytes ? 0 : BS_REGEX_UTF8), NULL);
	gsize len = strlen (subject);
	guint8 may = 0;

	g_assert_nonnull (re);
	if (!bs_regex_match (re, subject, len, 0, NULL, NULL))
		return FALSE;
	bs_prefilter_scan (pf, subject, len, &may);
	if (!may)
		g_error ("%s matches \"%s\" but was ruled out", pattern,
		    subject);
	return TRUE;
}

/* Constructs the reader must not follow, each with a subject PCRE2
 * matches: the scan must let the pattern in (found by review). */
static void
test_unfollowable (void)
{
	static const struct {
		const char *pattern;
		const char *subject;
	} cases[] = {
		/* PCRE2 skips \E and comments between an item and its
		 * quantifier. */
		{ "abcd\\E?xyz", "abcxyz" },
		{ "(?:abcd|efgh)(?#)?qq", "qq" },
		{ "\xc3\xa9\\E?abc", "abc" },
		/* (*ACCEPT) ends the match before the run. */
		{ "abcd(*ACCEPT)efghij", "abcd" },
		{ "abc(*ACCEPT)\xc3\xa9", "abc" },
		/* \Q...\E in a class; a comment ends at its first ')'. */
		{ "[\\Q]\\Eabcdefg]", "a" },
		{ "(?#[)abcd|efgh(?#])wxyz", "abcd" },
		/* \N is not followed by a name in <...>. */
		{ "\\N<|qqqq>wxyz", "a<" },
		{ "\\N'|q'abcd", "a'" },
		/* A quantifier with a tab (PCRE2 10.43) or literal braces. */
		{ "abcd{\t0}wxyz", "abcd{\t0}wxyz" },
	};
	guint i;

	for (i = 0; i < G_N_ELEMENTS (cases); i++)
		g_assert_true (let_in_if_matching (cases[i].pattern, FALSE,
		    cases[i].subject));
	check_runs ("abcd\\E?xyz", "-");
	check_runs ("abcd(*ACCEPT)efghij", "-");
	check_runs ("(?#comment)abcdef", "-");
	check_runs ("abcd{\t0}wxyz", "wxyz");
}

/* Every built-in pattern, on texts made of the pieces of every other
 * pattern's runs and of texts that match: whenever PCRE2 matches, the
 * filter must have said "may". */
static void
test_never_wrong (void)
{
	static const char *const texts[] = {
		"This is the mail system at host mx.example.net.\n\nI'm sorry "
		"to have to inform you that your message could not\nbe "
		"delivered to one or more recipients.\n\n<bob@example.net>: "
		"550 5.1.1 User unknown\n",
		"--- The following addresses had permanent fatal errors ---\n"
		"Out of Office: I am on vacation until Monday\n",
		"Remote-MTA: dns; mx.example.net\nDiagnostic-Code: smtp; 552 "
		"mailbox full, quota exceeded; virus found; spam detected\n",
		"配信できませんでした 用户不存在 ユーザが存在しません",
		"5.7.1 blocked using zen.spamhaus.org; see RBL PTR AS(1234)",
		"dsl-1-2-3-4.dynamic.example.net ppp pool cable host12",
		"Ihre Nachricht konnte nicht zugestellt werden. Empfänger "
		"unbekannt",
		"Delivery has failed to these recipients or groups:\n"
		"Your message wasn't delivered to bob@example.net\n"
		"Diagnostic information for administrators:\n",
		"Automatic reply: Out of office\nI will be out of the office "
		"until 3 January with limited access to e-mail.\n",
		"Please confirm that you sent this message: click the link "
		"to be added to my list of approved senders.\n",
		"Ваше письмо не может быть доставлено. Не удалось доставить "
		"сообщение следующим получателям: пользователь не найден; "
		"ящик переполнен; Недоставленное сообщение; в отпуске",
	};
	const BsRuleSpec *spec;
	guint checked = 0;

	for (spec = bs_builtin_rules; spec->name != NULL; spec++) {
		guint i, t;

		for (i = 0; i < spec->n_alternatives; i++) {
			for (t = 0; t < G_N_ELEMENTS (texts); t++)
				checked += let_in_if_matching (
				    spec->alternatives[i].pattern, spec->bytes,
				    texts[t]);
		}
	}
	/* The texts do reach the patterns. */
	g_test_message ("%u matches checked", checked);
	g_assert_cmpuint (checked, >=, 40);
}

/* The tables serialize-rules wrote at build time answer as the filters
 * built from the same patterns at run time. */
static void
test_static_same (void)
{
	static const char *const texts[] = {
		"Your message could not be delivered: 550 user unknown",
		"Out of office until Monday; I will reply on my return",
		"nothing to see here",
	};
	const BsRuleSpec *spec;
	guint r, checked = 0;

	for (spec = bs_builtin_rules, r = 0; spec->name != NULL; spec++, r++) {
		const BsPrefilterTable *table = bs_builtin_code[r].prefilter;
		g_autofree const char **patterns = NULL;
		g_autoptr(BsPrefilter) built = NULL;
		g_autoptr(BsPrefilter) stored = NULL;
		g_autofree guint8 *a = NULL, *b = NULL;
		guint i, t;

		if (spec->n_alternatives == 0) {
			g_assert_null (table);
			continue;
		}
		g_assert_nonnull (table);
		patterns = g_new0 (const char *, spec->n_alternatives);
		for (i = 0; i < spec->n_alternatives; i++)
			patterns[i] = spec->alternatives[i].pattern;
		built = bs_prefilter_new (patterns, spec->n_alternatives);
		stored = bs_prefilter_new_static (table);
		g_assert_cmpuint (bs_prefilter_size (stored), ==,
		    spec->n_alternatives);
		a = g_new (guint8, spec->n_alternatives);
		b = g_new (guint8, spec->n_alternatives);
		for (t = 0; t < G_N_ELEMENTS (texts); t++) {
			gsize len = strlen (texts[t]);

			g_assert_cmpuint (bs_prefilter_scan (built, texts[t], len,
			    a), ==, bs_prefilter_scan (stored, texts[t], len, b));
			g_assert_cmpmem (a, spec->n_alternatives, b,
			    spec->n_alternatives);
			checked++;
		}
	}
	g_assert_cmpuint (checked, >, 100);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/prefilter/runs/plain", test_runs_plain);
	g_test_add_func ("/prefilter/runs/groups", test_runs_groups);
	g_test_add_func ("/prefilter/runs/none", test_runs_none);
	g_test_add_func ("/prefilter/runs/high", test_runs_high);
	g_test_add_func ("/prefilter/runs/caseless-scripts",
	    test_runs_caseless_scripts);
	g_test_add_func ("/prefilter/scan", test_scan);
	g_test_add_func ("/prefilter/scan-high", test_scan_high);
	g_test_add_func ("/prefilter/never-wrong", test_never_wrong);
	g_test_add_func ("/prefilter/unfollowable", test_unfollowable);
	g_test_add_func ("/prefilter/static-same", test_static_same);
	return g_test_run ();
}
