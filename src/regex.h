/* regex.h: compiled PCRE2 patterns behind an opaque type.
 *
 * Only regex.c sees pcre2.h.  Each pattern is compiled once per process:
 * rule files when they load, built-in rules by decoding what PCRE2 compiled
 * at build time, on first use.  Compiled patterns are only read when
 * matching, so threads share them; each thread matches with its own match
 * data and budget (made at its first search), and gives up quietly (no match) when the match or heap limit is hit, so
 * hostile mail cannot make us hang.
 *
 * Every search is bounded, whatever the pattern: it reads at most
 * BS_REGEX_WINDOW_MAX bytes from its offset, and the work it does over all
 * its start positions is linear in what it reads: a pattern without an
 * unbounded quantifier (bs_regex_is_bounded) does a bounded amount at
 * each, and for every other pattern the items tried, counted by an
 * automatic callout, are bounded by a budget linear in what it reads.  Callers that
 * want less (a Message-ID domain) cut the text before they match.
 */
#pragma once

#include <glib.h>

#define BS_REGEX_ERROR (bs_regex_error_quark ())
GQuark bs_regex_error_quark (void);

typedef enum {
	BS_REGEX_ERROR_COMPILE,
} BsRegexError;

typedef enum {
	BS_REGEX_UTF8 = 1 << 0,		/* subject is text: UTF + invalid-UTF tolerant */
	BS_REGEX_CASELESS = 1 << 1,
	BS_REGEX_MULTILINE = 1 << 2,
	/* Count the work of every search, also of a pattern that is
	 * linear by its shape (bs_regex_is_bounded): for tests that
	 * measure it. */
	BS_REGEX_COUNT_ALL = 1 << 3,
} BsRegexFlags;

/* What one search reads at most, from its offset: the notification text
 * we classify on is cut to this size too (BS_NOTIFICATION_MAX). */
#define BS_REGEX_WINDOW_MAX (64 * 1024)

typedef struct BsRegex BsRegex;

/* One match: offsets into the subject, and those of a named group. */
typedef struct {
	gsize start;
	gsize end;
	gssize group_start;	/* -1 when the named group did not take part */
	gssize group_end;
} BsMatch;

BsRegex *bs_regex_new (const char *pattern, BsRegexFlags flags,
    GError **error) G_GNUC_WARN_UNUSED_RESULT;
void bs_regex_free (BsRegex *re);

/* Build time: compile patterns[0..n) with flags and write them, with the
 * character tables, as one block of bytes for bs_regex_decode.
 * Returns: (transfer full) the block, or NULL with error set. */
guint8 *bs_regex_encode (const char *const *patterns, guint n,
    BsRegexFlags flags, gsize *len, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Run time: the n compiled patterns of a block from bs_regex_encode, into
 * out[0..n).  Fails (FALSE, out untouched) when the block was made by
 * another PCRE2 version or build, so the caller compiles instead. */
gboolean bs_regex_decode (const guint8 *data, gsize len, guint n,
    BsRegex **out);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsRegex, bs_regex_free)

/* Compile to machine code; a failure is not an error (we run interpreted). */
gboolean bs_regex_jit (BsRegex *re);

/* Searches subject[offset..len) for the pattern.  group names the capture
 * group whose offsets go to m->group_* (nullable).  Returns TRUE on a match. */
gboolean bs_regex_match (BsRegex *re, const char *subject, gsize len,
    gsize offset, const char *group, BsMatch *m);
/* The same, reading at most max bytes (and never more than
 * BS_REGEX_WINDOW_MAX) from offset; where that cuts the subject, "$" does
 * not match at the cut. */
gboolean bs_regex_match_max (BsRegex *re, const char *subject, gsize len,
    gsize offset, gsize max, const char *group, BsMatch *m);

/* Where pattern quantifies a group without bound that holds a quantifier
 * without bound ("(a+)+", "(?:x\\s*y)*"): the offset of the outer
 * quantifier, or -1.  Either may be possessive ("*+") to be safe.  Such a
 * nesting tries every way of splitting a run between the two, which is
 * exponential; no built-in pattern may have one (tests/unit/test-linear). */
gssize bs_regex_nested_quantifier (const char *pattern);

/* Whether one attempt at a match of pattern reads a bounded amount of
 * text: no quantifier without bound ("*", "+", "{n,}", possessive or
 * not), no back reference, no recursion.  Such a pattern's search is
 * linear without counting its work. */
gboolean bs_regex_is_bounded (const char *pattern);

/* Number of times a match or heap limit stopped a match, process-wide
 * (all threads). */
guint bs_regex_limit_hits (void);
/* The work of every search so far, process-wide, in the units the budget
 * counts (pattern items tried): for tests that compare growth. */
guint64 bs_regex_work (void);
/* For every thread, from its next search on. */
void bs_regex_set_limits (guint32 match_limit, guint32 heap_limit_kib);
