/* prefilter.h: which patterns of a set can match a text, found in one pass.
 *
 * A set of dozens of patterns scanned one by one reads the text once per
 * pattern, and most texts match none of them.  Most patterns contain a run
 * of plain characters that every match must contain ("could not be
 * delivered"); one pass that looks for all those runs at once rules out
 * every pattern whose runs are absent.  Patterns without such a run (under
 * four ASCII characters, or constructs this reader does not follow) are
 * always tried.  The answer is never "no" for a pattern that matches.
 *
 * Runs are compared ignoring ASCII case, as the sets match (PCRE2_CASELESS);
 * with PCRE2_UCP "k" and "s" also match U+212A and U+017F, so a text that
 * holds either makes every pattern a candidate.
 */
#pragma once

#include <glib.h>

/* Shortest run worth looking for: the scan hashes four bytes at a time. */
#define BS_PREFILTER_MIN_RUN 4

typedef struct BsPrefilter BsPrefilter;

/* Builds the filter of n patterns (PCRE2 syntax, without PCRE2_EXTENDED). */
BsPrefilter *bs_prefilter_new (const char *const *patterns, guint n);
void bs_prefilter_free (BsPrefilter *pf);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsPrefilter, bs_prefilter_free)

/* How many patterns the filter was built from. */
guint bs_prefilter_size (const BsPrefilter *pf);

/* Sets may[i] (n entries) to TRUE for each pattern i that may match
 * somewhere in text[0, len), FALSE for the others.  Returns how many may. */
guint bs_prefilter_scan (const BsPrefilter *pf, const char *text, gsize len,
    guint8 *may);

/* Returns: (transfer full) (nullable) the runs, in lower case, one per
 * top-level branch, that every match of pattern contains one of; NULL when
 * some branch has none (the pattern is always tried). */
GStrv bs_prefilter_runs (const char *pattern);
