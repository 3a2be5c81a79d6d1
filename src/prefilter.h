/* prefilter.h: which patterns of a set can match a text, found in one pass.
 *
 * A set of dozens of patterns scanned one by one reads the text once per
 * pattern, and most texts match none of them.  Most patterns contain a run
 * of plain characters that every match must contain ("could not be
 * delivered"); one pass that looks for all those runs at once rules out
 * every pattern whose runs are absent.  A pattern that needs a character
 * outside ASCII (Cyrillic, whose case this reader does not fold) is ruled
 * out by a text of pure ASCII.  Patterns without such a run (under
 * four ASCII characters, or constructs this reader does not follow) are
 * always tried.  The answer is never "no" for a pattern that matches.
 *
 * Runs are compared ignoring ASCII case, as the sets match (PCRE2_CASELESS),
 * by setting bit 5 of every byte (which also pairs a few punctuation bytes:
 * more candidates, never fewer).  With PCRE2_UCP "k" and "s" also match
 * U+212A and U+017F, so a text that holds either makes every pattern a
 * candidate.
 */
#pragma once

#include <stdio.h>

#include <glib.h>

/* Shortest run worth looking for: the scan hashes four bytes at a time. */
#define BS_PREFILTER_MIN_RUN 4

typedef struct BsPrefilter BsPrefilter;

/* One run: its first four bytes in lower case with bit 5 set (FOLD4 in
 * prefilter.c), packed first byte lowest, their hash, the pattern it lets
 * in, and its text (lower case, offset in the table's text). */
typedef struct {
	guint32 head;
	guint32 hash;
	guint32 pattern;
	guint32 len;
	guint32 text;
} BsPrefilterRun;

/* A filter as data, written at build time for the built-in rules. */
typedef struct {
	guint n;		/* patterns */
	guint n_runs;
	guint n_high;		/* patterns that high lets in */
	guint hash_bits;
	const guint8 *always;	/* n: tried whatever the text */
	const guint8 *high;	/* n: tried when the text has a byte over
				 * 0x7f (a branch needs a character outside
				 * ASCII) */
	const BsPrefilterRun *runs;	/* sorted by hash */
	const char *text;	/* the runs' text, each ending in NUL */
	const guint8 *slots;	/* 2^hash_bits: 1 where some run's hash is */
} BsPrefilterTable;

/* Builds the filter of n patterns (PCRE2 syntax, without PCRE2_EXTENDED). */
BsPrefilter *bs_prefilter_new (const char *const *patterns, guint n);
/* A filter over table, which must outlive it. */
BsPrefilter *bs_prefilter_new_static (const BsPrefilterTable *table);
void bs_prefilter_free (BsPrefilter *pf);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsPrefilter, bs_prefilter_free)

/* How many patterns the filter was built from. */
guint bs_prefilter_size (const BsPrefilter *pf);

/* Sets may[i] (n entries) to TRUE for each pattern i that may match
 * somewhere in text[0, len), FALSE for the others.  Returns how many may. */
guint bs_prefilter_scan (const BsPrefilter *pf, const char *text, gsize len,
    guint8 *may);

/* Writes pf as C: a static BsPrefilterTable called name (serialize-rules). */
void bs_prefilter_write_c (const BsPrefilter *pf, const char *name, FILE *f);

/* Returns: (transfer full) (nullable) the runs, in lower case, one per
 * top-level branch, that every match of pattern contains one of; "\x80"
 * for a branch that has no run but needs a character outside ASCII; NULL
 * when some branch has neither (the pattern is always tried). */
GStrv bs_prefilter_runs (const char *pattern);
