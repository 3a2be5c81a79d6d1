/* test-regex.c: the PCRE2 wrapper: flags, errors, groups, limits. */
#include "regex.h"

#include <string.h>

static BsRegex *
compile (const char *pattern, BsRegexFlags flags)
{
	g_autoptr(GError) error = NULL;
	BsRegex *re = bs_regex_new (pattern, flags, &error);

	g_assert_no_error (error);
	g_assert_nonnull (re);
	return re;
}

static gboolean
match_str (BsRegex *re, const char *subject, BsMatch *m)
{
	return bs_regex_match (re, subject, strlen (subject), 0, NULL, m);
}

static void
test_caseless (void)
{
	g_autoptr(BsRegex) exact = compile ("hello", 0);
	g_autoptr(BsRegex) caseless = compile ("hello", BS_REGEX_CASELESS);
	BsMatch m;

	g_assert_false (match_str (exact, "Say HeLLo", &m));
	g_assert_true (match_str (exact, "say hello", &m));
	g_assert_cmpuint (m.start, ==, 4);
	g_assert_cmpuint (m.end, ==, 9);
	g_assert_true (match_str (caseless, "Say HeLLo", &m));
	g_assert_cmpuint (m.start, ==, 4);
	g_assert_cmpuint (m.end, ==, 9);
	g_assert_false (match_str (caseless, "say help", NULL));
}

static void
test_utf8 (void)
{
	g_autoptr(BsRegex) utf = compile ("^.$", BS_REGEX_UTF8);
	g_autoptr(BsRegex) bytes = compile ("^.$", 0);
	g_autoptr(BsRegex) umlaut = compile ("ÜBER",
	    BS_REGEX_UTF8 | BS_REGEX_CASELESS);
	BsMatch m;

	/* "é" is two bytes: one character only when matching UTF-8. */
	g_assert_true (match_str (utf, "\xc3\xa9", &m));
	g_assert_cmpuint (m.start, ==, 0);
	g_assert_cmpuint (m.end, ==, 2);
	g_assert_false (match_str (bytes, "\xc3\xa9", NULL));
	/* Caseless beyond ASCII needs UTF (and UCP). */
	g_assert_true (match_str (umlaut, "das ist \xc3\xbc" "ber", &m));
	g_assert_cmpuint (m.start, ==, 8);
	g_assert_cmpuint (m.end, ==, 13);
}

static void
test_invalid_utf8 (void)
{
	g_autoptr(BsRegex) re = compile ("world",
	    BS_REGEX_UTF8 | BS_REGEX_CASELESS);
	g_autoptr(BsRegex) dot = compile ("a.c", BS_REGEX_UTF8);
	const char subject[] = "hello \xff\xfe World";
	BsMatch m;

	/* Stray bytes neither fail the match nor shift the offsets. */
	g_assert_true (bs_regex_match (re, subject, sizeof subject - 1, 0,
	    NULL, &m));
	g_assert_cmpuint (m.start, ==, 9);
	g_assert_cmpuint (m.end, ==, 14);
	/* An invalid byte is not a character: "." does not match it. */
	g_assert_false (match_str (dot, "a\xff" "c", NULL));
	g_assert_true (match_str (dot, "a\xc3\xa9" "c", NULL));
}

static void
test_compile_error (void)
{
	g_autoptr(GError) error = NULL;
	BsRegex *re;

	re = bs_regex_new ("a(b", 0, &error);
	g_assert_null (re);
	g_assert_error (error, BS_REGEX_ERROR, BS_REGEX_ERROR_COMPILE);
	g_assert_nonnull (strstr (error->message, "at offset 3"));
	g_assert_nonnull (strstr (error->message, "parenthesis"));
	g_clear_error (&error);

	re = bs_regex_new ("ab[", BS_REGEX_UTF8, &error);
	g_assert_null (re);
	g_assert_error (error, BS_REGEX_ERROR, BS_REGEX_ERROR_COMPILE);
	g_assert_nonnull (strstr (error->message, "at offset 3"));
	g_clear_error (&error);

	/* "*" with nothing to repeat: the offset points at the star. */
	re = bs_regex_new ("x|*", 0, &error);
	g_assert_null (re);
	g_assert_nonnull (strstr (error->message, "at offset 2"));
}

static void
test_named_group (void)
{
	g_autoptr(BsRegex) re = compile (
	    "(?<rcpt>[a-z]+)@example\\.org|(?<other>nobody)", 0);
	const char *s = "to: kim@example.org";
	BsMatch m;

	g_assert_true (bs_regex_match (re, s, strlen (s), 0, "rcpt", &m));
	g_assert_cmpuint (m.start, ==, 4);
	g_assert_cmpuint (m.end, ==, 19);
	g_assert_cmpint (m.group_start, ==, 4);
	g_assert_cmpint (m.group_end, ==, 7);

	/* No group asked for. */
	g_assert_true (bs_regex_match (re, s, strlen (s), 0, NULL, &m));
	g_assert_cmpint (m.group_start, ==, -1);
	g_assert_cmpint (m.group_end, ==, -1);

	/* A group that does not exist, and one that took no part. */
	g_assert_true (bs_regex_match (re, s, strlen (s), 0, "nope", &m));
	g_assert_cmpint (m.group_start, ==, -1);
	g_assert_true (bs_regex_match (re, s, strlen (s), 0, "other", &m));
	g_assert_cmpint (m.group_start, ==, -1);
	g_assert_cmpint (m.group_end, ==, -1);

	/* The second alternative: rcpt unset, other set. */
	g_assert_true (bs_regex_match (re, "hi nobody", 9, 0, "rcpt", &m));
	g_assert_cmpuint (m.start, ==, 3);
	g_assert_cmpint (m.group_start, ==, -1);
	g_assert_true (bs_regex_match (re, "hi nobody", 9, 0, "other", &m));
	g_assert_cmpint (m.group_start, ==, 3);
	g_assert_cmpint (m.group_end, ==, 9);
}

static void
test_offset (void)
{
	g_autoptr(BsRegex) re = compile ("ab", 0);
	const char *s = "ab ab";
	BsMatch m;

	g_assert_true (bs_regex_match (re, s, 5, 1, NULL, &m));
	g_assert_cmpuint (m.start, ==, 3);
	g_assert_false (bs_regex_match (re, s, 5, 4, NULL, &m));
	/* Offset at and beyond the end. */
	g_assert_false (bs_regex_match (re, s, 5, 5, NULL, &m));
	g_assert_false (bs_regex_match (re, s, 5, 6, NULL, &m));
	g_assert_false (bs_regex_match (re, NULL, 0, 0, NULL, &m));
}

static void
test_multiline (void)
{
	g_autoptr(BsRegex) single = compile ("^b$", 0);
	g_autoptr(BsRegex) multi = compile ("^b$", BS_REGEX_MULTILINE);
	BsMatch m;

	g_assert_false (match_str (single, "a\nb\nc", NULL));
	g_assert_true (match_str (multi, "a\nb\nc", &m));
	g_assert_cmpuint (m.start, ==, 2);
	g_assert_cmpuint (m.end, ==, 3);
}

static void
test_nul_bytes (void)
{
	g_autoptr(BsRegex) re = compile ("def", 0);
	g_autoptr(BsRegex) nul = compile ("c\\x00d", 0);
	g_autoptr(BsRegex) utf = compile ("def", BS_REGEX_UTF8);
	const char subject[] = "abc\0def";
	BsMatch m;

	/* The explicit length reaches past the NUL. */
	g_assert_true (bs_regex_match (re, subject, 7, 0, NULL, &m));
	g_assert_cmpuint (m.start, ==, 4);
	g_assert_cmpuint (m.end, ==, 7);
	g_assert_true (bs_regex_match (utf, subject, 7, 0, NULL, &m));
	g_assert_cmpuint (m.start, ==, 4);
	g_assert_true (bs_regex_match (nul, subject, 7, 0, NULL, &m));
	g_assert_cmpuint (m.start, ==, 2);
	g_assert_cmpuint (m.end, ==, 5);
	/* ... and a shorter one stops before it. */
	g_assert_false (bs_regex_match (re, subject, 3, 0, NULL, &m));
	g_assert_false (bs_regex_match (re, subject, 6, 0, NULL, &m));
}

static void
check_catastrophic (gboolean jit)
{
	g_autoptr(BsRegex) re = compile ("(a+)+$", 0);
	g_autoptr(BsRegex) ok = compile ("a+b$", 0);
	g_autoptr(GTimer) timer = g_timer_new ();
	g_autofree char *subject = NULL;
	guint before = bs_regex_limit_hits ();
	gsize len = 10000;
	BsMatch m;

	if (jit)
		(void) bs_regex_jit (re);
	subject = g_malloc (len + 2);
	memset (subject, 'a', len);
	subject[len] = 'b';
	subject[len + 1] = '\0';

	g_timer_start (timer);
	g_assert_false (bs_regex_match (re, subject, len + 1, 0, NULL, &m));
	g_timer_stop (timer);
	g_assert_cmpfloat (g_timer_elapsed (timer, NULL), <, 5.0);
	g_assert_cmpuint (bs_regex_limit_hits (), ==, before + 1);

	/* An honest pattern on the same subject is not affected, and a
	 * plain miss is no limit hit. */
	g_assert_true (bs_regex_match (ok, subject, len + 1, 0, NULL, &m));
	g_assert_cmpuint (m.start, ==, 0);
	g_assert_cmpuint (m.end, ==, len + 1);
	g_assert_false (bs_regex_match (ok, "aaac", 4, 0, NULL, &m));
	g_assert_cmpuint (bs_regex_limit_hits (), ==, before + 1);
}

static void
test_catastrophic (void)
{
	check_catastrophic (FALSE);
}

static void
test_catastrophic_jit (void)
{
	check_catastrophic (TRUE);
}

static void
test_jit_same_result (void)
{
	g_autoptr(BsRegex) re = compile ("(?<w>w\\w+)d",
	    BS_REGEX_UTF8 | BS_REGEX_CASELESS);
	const char *s = "hello WORLD";
	BsMatch a, b;

	g_assert_true (bs_regex_match (re, s, strlen (s), 0, "w", &a));
	(void) bs_regex_jit (re);
	g_assert_true (bs_regex_match (re, s, strlen (s), 0, "w", &b));
	g_assert_cmpuint (a.start, ==, 6);
	g_assert_cmpuint (a.end, ==, 11);
	g_assert_cmpuint (b.start, ==, a.start);
	g_assert_cmpuint (b.end, ==, a.end);
	g_assert_cmpint (b.group_start, ==, 6);
	g_assert_cmpint (b.group_end, ==, 10);
}

/* Which patterns are linear by their shape, so that their searches go
 * uncounted (regex.c). */
static void
test_bounded (void)
{
	static const char *const bounded[] = {
		"^undeliverable", "mail delivery (failed|failure)",
		"\\bx{2,9}y?\\b", "[+*]", "\\+\\*", "a\\Q+*\\E",
		"(?i)out of office", "(?:abc){3}", NULL,
	};
	static const char *const unbounded[] = {
		"a+", "a*b", "x{2,}", "\\s++x", "(a)\\1", "(a(?1)?b)",
		"(?R)?", "(?<n>a)\\k<n>", "(?&n)(?<n>a)", "[a-z]+@", NULL,
	};
	guint i;

	for (i = 0; bounded[i] != NULL; i++)
		g_assert_true (bs_regex_is_bounded (bounded[i]));
	for (i = 0; unbounded[i] != NULL; i++) {
		g_test_message ("%s", unbounded[i]);
		g_assert_false (bs_regex_is_bounded (unbounded[i]));
	}
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/regex/caseless", test_caseless);
	g_test_add_func ("/regex/utf8", test_utf8);
	g_test_add_func ("/regex/invalid-utf8-subject", test_invalid_utf8);
	g_test_add_func ("/regex/compile-error", test_compile_error);
	g_test_add_func ("/regex/named-group", test_named_group);
	g_test_add_func ("/regex/offset", test_offset);
	g_test_add_func ("/regex/multiline", test_multiline);
	g_test_add_func ("/regex/nul-bytes", test_nul_bytes);
	g_test_add_func ("/regex/catastrophic", test_catastrophic);
	g_test_add_func ("/regex/bounded", test_bounded);
	g_test_add_func ("/regex/catastrophic-jit", test_catastrophic_jit);
	g_test_add_func ("/regex/jit-same-result", test_jit_same_result);
	return g_test_run ();
}
