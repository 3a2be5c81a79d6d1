/* test-linear.c: every built-in pattern does work linear in its text.
 *
 * Issue 10 (defect 3): msgid-dynamic-host backtracked for minutes on a long
 * Message-ID domain.  For each part of each built-in pattern, subjects are
 * made of the pattern's own pieces (its literals, the characters of its
 * classes and escapes) repeated to N and to 4N bytes, with and without a
 * tail that completes a match, and the work of a search (pattern items
 * tried, counted by regex.c's callout: bs_regex_work) must grow at most
 * like the text.  A ratio, never a time.  And no built-in pattern nests
 * an unbounded quantifier in another. */
#include "regex.h"
#include "rules.h"

#include <string.h>

#define N 2048
/* 4N over N: 4 for linear work, 16 for quadratic; room for the fixed
 * part of a search to be a different share of the two. */
#define RATIO_MAX 6.0

/* The plain runs of pattern (literal characters outside classes), and a
 * character of each class and escape: the pieces subjects are made of. */
static GPtrArray *
pieces (const char *pattern)
{
	GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
	GString *run = g_string_new (NULL);
	const char *p;

	for (p = pattern; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			switch (*p) {
			case 'd':
				g_ptr_array_add (out, g_strdup ("1"));
				break;
			case 's':
				g_ptr_array_add (out, g_strdup (" "));
				g_ptr_array_add (out, g_strdup ("\n"));
				break;
			case 'w':
			case 'S':
			case 'W':
			case 'D':
				g_ptr_array_add (out, g_strdup ("a"));
				g_ptr_array_add (out, g_strdup ("-"));
				break;
			default:
				if (!g_ascii_isalnum (*p)) {
					g_string_append_c (run, *p);
					continue;
				}
				break;
			}
		} else if (*p == '[') {
			const char *e = p + 1;

			if (*e == '^')
				e++;
			if (*e == '\\' && e[1] != '\0')
				e++;
			if (*e != '\0' && *e != ']' && p[1] != '^')
				g_ptr_array_add (out, g_strndup (e, 1));
			else
				g_ptr_array_add (out, g_strdup ("x"));
			while (*e != '\0' && *e != ']') {
				if (*e == '\\' && e[1] != '\0')
					e++;
				e++;
			}
			p = *e == '\0' ? e - 1 : e;
		} else if (strchr ("()|?*+{}^$.", *p) == NULL) {
			g_string_append_c (run, *p);
			continue;
		}
		if (run->len > 0) {
			g_ptr_array_add (out, g_strdup (run->str));
			g_string_truncate (run, 0);
		}
	}
	if (run->len > 0)
		g_ptr_array_add (out, g_strdup (run->str));
	g_string_free (run, TRUE);
	return out;
}

/* unit repeated to size bytes, then tail. */
static GString *
subject (const char *unit, gsize size, const char *tail)
{
	GString *s = g_string_sized_new (size + 64);

	while (s->len < size)
		g_string_append (s, unit);
	g_string_append (s, tail);
	return s;
}

/* The work of every search callers make: from the start, then on from
 * the end of each match, as bounce-text does. */
static guint64
work (BsRegex *re, const GString *s)
{
	guint64 before = bs_regex_work ();
	gsize offset = 0;
	BsMatch m;

	while (offset < s->len && bs_regex_match (re, s->str, s->len, offset,
	    NULL, &m))
		offset = m.end > offset ? m.end : offset + 1;
	return bs_regex_work () - before;
}

typedef struct {
	guint patterns;
	guint subjects;
	guint budget_hits;
	double worst;
	char *worst_what;
} Tally;

static void
check_growth (const BsRuleSpec *spec, const char *key, BsRegex *re,
    const char *unit, const char *tail, Tally *t)
{
	g_autoptr(GString) small = subject (unit, N, tail);
	g_autoptr(GString) large = subject (unit, 4 * N, tail);
	guint hits = bs_regex_limit_hits ();
	guint64 w1 = work (re, small);
	guint64 w4 = work (re, large);
	/* A search that does next to nothing at N may do a little at 4N
	 * (PCRE2 looks for a required character only in subjects under
	 * 5000 bytes): two items per byte of the larger subject are always
	 * linear, and are allowed over the ratio. */
	double ratio = (double) w4 / (double) MAX (w1, 1);
	gboolean linear = w4 <= RATIO_MAX * w1 + 2 * large->len;

	t->subjects++;
	if (bs_regex_limit_hits () > hits) {
		/* Linear only thanks to the budget: worth a look. */
		t->budget_hits++;
		g_test_message ("%s: [%s] %s: \"%s\" x N + \"%s\": the work "
		    "budget stopped it", spec->origin, spec->name, key, unit,
		    tail);
	}
	/* The worst among searches that do real work, for the log. */
	if (w4 > 2 * large->len && ratio > t->worst) {
		t->worst = ratio;
		g_free (t->worst_what);
		t->worst_what = g_strdup_printf ("[%s] %s on \"%s\"...+\"%s\"",
		    spec->name, key, unit, tail);
	}
	if (!linear)
		g_test_message ("%s: [%s] %s: \"%s\" x %d + \"%s\": %"
		    G_GUINT64_FORMAT " items, at 4N %" G_GUINT64_FORMAT
		    " (%.1f x)", spec->origin, spec->name, key, unit, N, tail,
		    w1, w4, ratio);
	g_assert_true (linear);
}

static void
test_growth (void)
{
	Tally t = { 0, 0, 0, 0.0, NULL };
	guint i, j, a, b;

	for (i = 0; bs_builtin_rules[i].name != NULL; i++) {
		const BsRuleSpec *spec = &bs_builtin_rules[i];
		/* Counted also where the program does not count (patterns
		 * that are linear by their shape): the test measures. */
		BsRegexFlags flags = BS_REGEX_CASELESS | BS_REGEX_MULTILINE
		    | BS_REGEX_COUNT_ALL;

		if (!spec->bytes)
			flags |= BS_REGEX_UTF8;
		for (j = 0; j < spec->n_alternatives; j++) {
			const BsRuleSpecAlt *alt = &spec->alternatives[j];
			g_autoptr(GError) error = NULL;
			g_autoptr(BsRegex) re = bs_regex_new (alt->pattern, flags,
			    &error);
			g_autoptr(GPtrArray) p = pieces (alt->pattern);
			g_autoptr(GString) all = g_string_new (NULL);

			g_assert_no_error (error);
			t.patterns++;
			for (a = 0; a < p->len; a++)
				g_string_append (all, p->pdata[a]);
			/* Each piece alone, then each piece with the next
			 * (a literal and the class after it), each with and
			 * without every piece in order after it, which
			 * completes many a match. */
			for (a = 0; a < p->len && a < 24; a++) {
				g_autofree char *pair = NULL;

				check_growth (spec, alt->key, re, p->pdata[a], "",
				    &t);
				check_growth (spec, alt->key, re, p->pdata[a],
				    all->str, &t);
				b = (a + 1) % p->len;
				pair = g_strconcat (p->pdata[a], p->pdata[b],
				    NULL);
				check_growth (spec, alt->key, re, pair, "", &t);
				check_growth (spec, alt->key, re, pair, all->str,
				    &t);
			}
			if (all->len > 0) {
				check_growth (spec, alt->key, re, all->str, "",
				    &t);
				check_growth (spec, alt->key, re, all->str, "\n",
				    &t);
			}
		}
	}
	g_test_message ("%u patterns, %u subjects, %u stopped by the budget; "
	    "worst growth at 4N: %.2f x, %s", t.patterns, t.subjects,
	    t.budget_hits, t.worst, t.worst_what);
	g_free (t.worst_what);
}

/* Every built-in pattern: no unbounded quantifier over a group that holds
 * one. */
static void
test_builtin_not_nested (void)
{
	guint i, j;

	for (i = 0; bs_builtin_rules[i].name != NULL; i++) {
		const BsRuleSpec *spec = &bs_builtin_rules[i];

		for (j = 0; j < spec->n_alternatives; j++) {
			const char *pattern = spec->alternatives[j].pattern;
			gssize at = bs_regex_nested_quantifier (pattern);

			if (at >= 0)
				g_test_message ("%s: [%s] %s: nested unbounded "
				    "quantifier at %zd: %s", spec->origin,
				    spec->name, spec->alternatives[j].key,
				    at, pattern);
			g_assert_cmpint (at, ==, -1);
		}
	}
}

/* The checker itself. */
static void
test_nested_check (void)
{
	g_assert_cmpint (bs_regex_nested_quantifier ("(a+)+"), ==, 4);
	g_assert_cmpint (bs_regex_nested_quantifier ("(?:x\\s*y)*"), >=, 0);
	g_assert_cmpint (bs_regex_nested_quantifier ("(?:a|b*)*c"), >=, 0);
	g_assert_cmpint (bs_regex_nested_quantifier ("((?:a+))+"), >=, 0);
	g_assert_cmpint (bs_regex_nested_quantifier ("(\\w+\\.){2,}x"), >=, 0);
	/* Bounded, possessive or not nested: fine. */
	g_assert_cmpint (bs_regex_nested_quantifier ("(?:ab)+c+"), ==, -1);
	g_assert_cmpint (bs_regex_nested_quantifier ("(a+)?b*"), ==, -1);
	g_assert_cmpint (bs_regex_nested_quantifier ("(a++)+"), ==, -1);
	g_assert_cmpint (bs_regex_nested_quantifier ("(a+)*+"), ==, -1);
	g_assert_cmpint (bs_regex_nested_quantifier ("(?:a{1,3}){1,5}"), ==,
	    -1);
	g_assert_cmpint (bs_regex_nested_quantifier ("[(a+)]+"), ==, -1);
	g_assert_cmpint (bs_regex_nested_quantifier ("\\(a+\\)+"), ==, -1);
	g_assert_cmpint (bs_regex_nested_quantifier ("(?<n>a+)(?i)b+"), ==,
	    -1);
	g_assert_cmpint (bs_regex_nested_quantifier ("(?#a+)+x"), ==, -1);
	/* Cut short anywhere, it stops at the end (fuzz-pattern). */
	g_assert_cmpint (bs_regex_nested_quantifier ("(?"), ==, -1);
	g_assert_cmpint (bs_regex_nested_quantifier ("(?<"), ==, -1);
	g_assert_cmpint (bs_regex_nested_quantifier ("[\\"), ==, -1);
	g_assert_cmpint (bs_regex_nested_quantifier ("\\"), ==, -1);
	g_assert_cmpint (bs_regex_nested_quantifier ("a{1,"), ==, -1);
}

/* The budget holds for the whole search: a pattern that backtracks a
 * little at every start position stops at a bound linear in the text. */
static void
test_budget_whole_subject (void)
{
	g_autoptr(BsRegex) re = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) small = subject ("dsl-", 4096, "x.y");
	g_autoptr(GString) large = subject ("dsl-", 4 * 4096, "x.y");
	guint64 w1, w4;
	guint hits = bs_regex_limit_hits ();

	/* The old msgid-dynamic-host pattern: cubic without a budget. */
	re = bs_regex_new ("([a-z0-9-]*(dsl|dyn)[a-z0-9-]*)\\.[^.]+\\.[^.]+$",
	    BS_REGEX_CASELESS | BS_REGEX_MULTILINE, &error);
	g_assert_no_error (error);
	w1 = work (re, small);
	w4 = work (re, large);
	g_assert_cmpuint (bs_regex_limit_hits (), >, hits);
	g_assert_cmpfloat ((double) w4 / (double) w1, <=, RATIO_MAX);
	/* And the window: a search reads at most BS_REGEX_WINDOW_MAX. */
	{
		g_autoptr(BsRegex) end = bs_regex_new ("x$", 0, &error);
		g_autoptr(GString) s = subject ("a", BS_REGEX_WINDOW_MAX + 10,
		    "x");

		g_assert_no_error (error);
		g_assert_false (bs_regex_match (end, s->str, s->len, 0, NULL,
		    NULL));
		g_assert_true (bs_regex_match (end, s->str, s->len, 20, NULL,
		    NULL));
	}
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/linear/nested-check", test_nested_check);
	g_test_add_func ("/linear/builtin-not-nested", test_builtin_not_nested);
	g_test_add_func ("/linear/budget-whole-subject",
	    test_budget_whole_subject);
	g_test_add_func ("/linear/growth", test_growth);
	return g_test_run ();
}
