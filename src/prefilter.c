/* prefilter.c: the runs of plain text a pattern needs, and one pass over a
 * text that finds which of a set's patterns may match. */
#include <stdlib.h>
#include <string.h>

#include "prefilter.h"

/* Slots of the hash table: about 32 per run, so that one position in
 * thirty or fewer needs a closer look; 2^13 (8 KiB) at most. */
#define MIN_HASH_BITS 8
#define MAX_HASH_BITS 13

/* Bit 5 set on every byte: folds ASCII case in one OR, and merges a few
 * pairs of other bytes ('@' and '`', '[' and '{'...), which only lets in
 * more candidates, never fewer. */
#define FOLD1 0x20u
#define FOLD4 0x20202020u

/* What the scan reads: built here at run time, or by bs_prefilter_write_c
 * at build time for the built-in rules (serialize-rules). */
struct BsPrefilter {
	BsPrefilterTable t;
	gboolean owned;		/* t's arrays are ours to free */
};

/* Reading patterns.  Only what PCRE2 reads as one literal character, outside
 * any group, unquantified, makes a run; everything else ends one.  Groups
 * are skipped whole: a branch inside them is not required. */

static gboolean
is_quantifier (char c)
{
	return c == '?' || c == '*' || c == '+' || c == '{';
}

/* p at '{': the length of a {n}, {n,}, {,m} or {n,m} quantifier, or 1
 * when '{' is a literal (not added to a run either way). */
static gsize
brace_len (const char *p)
{
	gsize i = 1;

	/* PCRE2 10.43 allows spaces and tabs in a quantifier. */
	while (g_ascii_isdigit (p[i]) || p[i] == ',' || p[i] == ' '
	    || p[i] == '\t')
		i++;
	return p[i] == '}' ? i + 1 : 1;
}

/* p at a quantifier: its length, with a lazy '?' or possessive '+'. */
static gsize
quantifier_len (const char *p)
{
	gsize i = *p == '{' ? brace_len (p) : 1;

	if (p[i] == '?' || p[i] == '+')
		i++;
	return i;
}

/* p at '\': the length of the escape, 0 when the pattern ends inside it. */
static gsize
escape_len (const char *p)
{
	const char *close;

	if (p[1] == '\0')
		return 0;
	/* \x{..} \o{..} \p{..} \N{U+..}; \g and \k also take <..> and '..' */
	if ((strchr ("xopPNgk", p[1]) != NULL && p[2] == '{')
	    || (strchr ("gk", p[1]) != NULL && (p[2] == '<' || p[2] == '\''))) {
		char end = p[2] == '{' ? '}' : p[2] == '<' ? '>' : '\'';

		close = strchr (p + 3, end);
		return close != NULL ? (gsize) (close - p) + 1 : 0;
	}
	if (p[1] == 'c')
		return p[2] != '\0' ? 3 : 0;
	if (g_ascii_isdigit (p[1]) || (p[1] == 'g' && (p[2] == '-'
	    || p[2] == '+' || g_ascii_isdigit (p[2])))) {
		/* \1, \012, \g-1: a reference or a code point, digits and
		 * all (digits that are text after it only end a run). */
		gsize i = 2;

		if (p[i] == '-' || p[i] == '+')
			i++;
		while (g_ascii_isdigit (p[i]))
			i++;
		return i;
	}
	if (p[1] == 'x') {		/* \xhh */
		gsize i = 2;

		while (i < 4 && g_ascii_isxdigit (p[i]))
			i++;
		return i;
	}
	if (p[1] == 'p' || p[1] == 'P')	/* \pL */
		return p[2] != '\0' ? 3 : 0;
	if ((guchar) p[1] >= 0x80) {	/* an escaped UTF-8 character */
		gsize i = 2;

		while (((guchar) p[i] & 0xc0) == 0x80)
			i++;
		return i;
	}
	return 2;
}

/* p at '[': the length of the class, 0 when it does not end. */
static gsize
class_len (const char *p)
{
	gsize i = 1;

	if (p[i] == '^')
		i++;
	if (p[i] == ']')		/* a leading ']' is a member */
		i++;
	while (p[i] != '\0' && p[i] != ']') {
		if (p[i] == '\\') {
			gsize e = escape_len (p + i);

			if (e == 0)
				return 0;
			i += e;
		} else if (p[i] == '[' && p[i + 1] == ':') {
			const char *close = strstr (p + i + 2, ":]");

			if (close == NULL)
				return 0;
			i = (gsize) (close - p) + 2;
		} else {
			i++;
		}
	}
	return p[i] == ']' ? i + 1 : 0;
}

/* p at "\Q": the length up to and with "\E" (or the end of the pattern). */
static gsize
quote_len (const char *p)
{
	const char *end = strstr (p + 2, "\\E");

	return end != NULL ? (gsize) (end - p) + 2 : strlen (p);
}

/* p at '(': the length of the group, 0 when it does not close. */
static gsize
group_len (const char *p)
{
	guint depth = 0;
	gsize i = 0;

	while (p[i] != '\0') {
		gsize step = 1;

		if (p[i] == '\\' && p[i + 1] == 'Q')
			step = quote_len (p + i);
		else if (p[i] == '\\')
			step = escape_len (p + i);
		else if (p[i] == '[')
			step = class_len (p + i);
		else if (p[i] == '(')
			depth++;
		else if (p[i] == ')' && --depth == 0)
			return i + 1;
		if (step == 0)
			return 0;
		i += step;
	}
	return 0;
}

/* Does the pattern use what this reader does not follow?  Then it gives
 * up, and the pattern is always tried:
 * - an option setting that turns on extended syntax, where spaces and '#'
 *   are not literals;
 * - \Q...\E quoting, \E alone and (?#...) comments, which PCRE2 skips
 *   even between an item and its quantifier (and a comment ends at its
 *   first ')', whatever precedes it);
 * - (*VERB)s, of which (*ACCEPT) ends a match before what follows it. */
static gboolean
unfollowable (const char *pattern)
{
	const char *p;

	if (strstr (pattern, "\\Q") != NULL || strstr (pattern, "\\E") != NULL
	    || strstr (pattern, "(?#") != NULL || strstr (pattern, "(*") != NULL)
		return TRUE;
	for (p = strstr (pattern, "(?"); p != NULL; p = strstr (p + 1, "(?")) {
		const char *q = p + 2;

		while (g_ascii_isalpha (*q) || *q == '-' || *q == '^') {
			if (*q == 'x')
				return TRUE;
			q++;
		}
	}
	return FALSE;
}

/* Is the UTF-8 character [p, p + n) of a script without letter case, so
 * that caseless matching compares its bytes?  Scripts with case (Latin,
 * Greek, Cyrillic...) fold beyond ASCII's rules: their characters end a
 * run instead. */
static gboolean
caseless_script (const char *p, gsize n)
{
	gunichar c = g_utf8_get_char_validated (p, (gssize) n);
	GUnicodeScript script;

	if (c == (gunichar) -1 || c == (gunichar) -2)
		return FALSE;
	script = g_unichar_get_script (c);
	return script == G_UNICODE_SCRIPT_HAN
	    || script == G_UNICODE_SCRIPT_HIRAGANA
	    || script == G_UNICODE_SCRIPT_KATAKANA
	    || script == G_UNICODE_SCRIPT_HANGUL
	    || script == G_UNICODE_SCRIPT_THAI
	    || script == G_UNICODE_SCRIPT_ARABIC
	    || script == G_UNICODE_SCRIPT_HEBREW;
}

/* The run that stands for "a byte over 0x7f": a branch that needs a
 * character outside ASCII (of any script) cannot match pure ASCII text.
 * No real run is a lone continuation byte. */
#define HIGH_RUN "\x80"

/* U+212A (KELVIN SIGN) and U+017F (LONG S) match ASCII "k" and "s"
 * caseless: the only characters outside ASCII that can match inside it. */
static gboolean
matches_ascii (const char *p, gsize n)
{
	return (n == 3 && memcmp (p, "\xe2\x84\xaa", 3) == 0)
	    || (n == 2 && memcmp (p, "\xc5\xbf", 2) == 0);
}

/* A factor of a branch: literals of which every match contains one. */
typedef struct {
	GString *run;		/* the run being read */
	GPtrArray *best;	/* (nullable) the best factor so far */
	gsize best_min;		/* its shortest literal */
	gboolean high;		/* a character outside ASCII is required */
} Branch;

/* HIGH_RUN is worth a run of the shortest length: it rules out all ASCII
 * text, but nothing else. */
static gsize
run_weight (const char *run)
{
	return strcmp (run, HIGH_RUN) == 0 ? BS_PREFILTER_MIN_RUN :
	    strlen (run);
}

/* Keeps factor (taken) when it beats the best: a longer shortest literal
 * is rarer in text; at the same length, fewer literals. */
static void
offer (Branch *b, GPtrArray *factor)
{
	gsize min = G_MAXSIZE;
	guint i;

	for (i = 0; i < factor->len; i++)
		min = MIN (min, run_weight (factor->pdata[i]));
	if (factor->len > 0 && (b->best == NULL || min > b->best_min
	    || (min == b->best_min && factor->len < b->best->len))) {
		g_clear_pointer (&b->best, g_ptr_array_unref);
		b->best = factor;
		b->best_min = min;
	} else {
		g_ptr_array_unref (factor);
	}
}

static void
end_run (Branch *b)
{
	if (b->run->len > 0) {
		GPtrArray *factor = g_ptr_array_new_with_free_func (g_free);

		g_ptr_array_add (factor, g_strdup (b->run->str));
		offer (b, factor);
	}
	g_string_truncate (b->run, 0);
}

/* Adds the literal c at p (p past it): to the run when nothing quantifies
 * it, else ends the run.  Returns how far to go on past p. */
static gsize
literal (Branch *b, char c, const char *p)
{
	if (is_quantifier (*p)) {
		end_run (b);
		return quantifier_len (p);
	}
	g_string_append_c (b->run, g_ascii_tolower (c));
	return 0;
}

/* g at '(' of a group of length n: the offset of its body, or 0 when it
 * has none that a match must contain (lookarounds, conditions, comments,
 * option settings, verbs, recursions). */
static gsize
group_body (const char *g, gsize n)
{
	gsize i = 2;

	if (g[1] == '*')
		return 0;
	if (g[1] != '?')
		return 1;
	if (g[2] == ':' || g[2] == '>' || g[2] == '|')
		return 3;
	if ((g[2] == '<' && g_ascii_isalpha (g[3])) || (g[2] == 'P'
	    && g[3] == '<') || g[2] == '\'') {
		const char *close = memchr (g + 3, g[2] == '\'' ? '\'' : '>',
		    n - 3);

		return close != NULL ? (gsize) (close - g) + 1 : 0;
	}
	while (i < n && (g_ascii_isalpha (g[i]) || g[i] == '-' || g[i] == '^'))
		i++;
	return i > 2 && g[i] == ':' ? i + 1 : 0;
}

static GPtrArray *pattern_factor (const char *pattern);

/* The factor of a group that every match goes through (not quantified, or
 * by '+'), from the factors of its branches. */
static void
offer_group (Branch *b, const char *g, gsize n, const char *after)
{
	gsize body = group_body (g, n);
	g_autofree char *inner = NULL;
	GPtrArray *factor;

	if (body == 0 || body >= n || (is_quantifier (*after)
	    && *after != '+'))
		return;
	inner = g_strndup (g + body, n - body - 1);
	factor = pattern_factor (inner);
	if (factor != NULL)
		offer (b, factor);
}

/* The literals every match of pattern contains one of: the best factor of
 * each top-level branch; NULL when a branch has none of at least
 * BS_PREFILTER_MIN_RUN characters, or the pattern is not followed. */
static GPtrArray *
pattern_factor (const char *pattern)
{
	GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
	Branch b = { g_string_new (NULL), NULL, 0, FALSE };
	const char *p = pattern;
	gboolean ok = TRUE;

	while (ok) {
		gsize step = 1;
		char c = *p;

		if (c == '\0' || c == '|') {
			end_run (&b);
			if (b.best != NULL && b.best_min >= BS_PREFILTER_MIN_RUN)
				g_ptr_array_extend_and_steal (out,
				    g_steal_pointer (&b.best));
			else if (b.high)
				g_ptr_array_add (out, g_strdup (HIGH_RUN));
			else {
				ok = FALSE;
				break;
			}
			g_clear_pointer (&b.best, g_ptr_array_unref);
			b.high = FALSE;
			if (c == '\0')
				break;
		} else if (c == '\\' && g_ascii_isalnum (p[1])) {
			/* Classes, anchors, references, code points and \Q:
			 * not followed. */
			step = p[1] == 'Q' ? quote_len (p) : escape_len (p);
			end_run (&b);
			if (step != 0 && is_quantifier (p[step]))
				step += quantifier_len (p + step);
		} else if (c == '\\' && (guchar) p[1] < 0x80 && p[1] != '\0') {
			step = 2 + literal (&b, p[1], p + 2);
		} else if (c == '\\') {
			step = escape_len (p);
			end_run (&b);
		} else if (c == '[') {
			step = class_len (p);
			end_run (&b);
			if (step != 0 && is_quantifier (p[step]))
				step += quantifier_len (p + step);
		} else if (c == '(') {
			step = group_len (p);
			end_run (&b);
			if (step != 0) {
				offer_group (&b, p, step, p + step);
				if (is_quantifier (p[step]))
					step += quantifier_len (p + step);
			}
		} else if (c == ')') {
			step = 0;		/* unbalanced: not PCRE2 syntax */
		} else if (c == '.' || c == '^' || c == '$') {
			end_run (&b);
		} else if (is_quantifier (c)) {
			end_run (&b);
			step = quantifier_len (p);
		} else if ((guchar) c >= 0x80) {
			while (((guchar) p[step] & 0xc0) == 0x80)
				step++;
			if (caseless_script (p, step))
				g_string_append_len (b.run, p, (gssize) step);
			else
				end_run (&b);
			if (is_quantifier (p[step])) {
				/* The whole character is optional; its bytes
				 * may be in the run already: drop it all. */
				g_string_truncate (b.run, 0);
				step += quantifier_len (p + step);
			} else if (!matches_ascii (p, step)) {
				b.high = TRUE;
			}
		} else {
			step = 1 + literal (&b, c, p + 1);
		}
		if (step == 0)
			ok = FALSE;
		p += step;
	}
	g_string_free (b.run, TRUE);
	g_clear_pointer (&b.best, g_ptr_array_unref);
	if (!ok)
		g_clear_pointer (&out, g_ptr_array_unref);
	return out;
}

GStrv
bs_prefilter_runs (const char *pattern)
{
	GPtrArray *factor;

	if (unfollowable (pattern))
		return NULL;
	factor = pattern_factor (pattern);
	if (factor == NULL)
		return NULL;
	g_ptr_array_add (factor, NULL);
	return (GStrv) g_ptr_array_free (factor, FALSE);
}

/* Scanning. */

/* Four bytes, first in the low byte, to a hash of bits bits. */
static inline guint32
hash4 (guint32 v, guint bits)
{
	return (v * 2654435761u) >> (32 - bits);
}

/* The first four bytes of s, folded, first in the low byte. */
static guint32
head4 (const char *s)
{
	return ((guint32) (guchar) s[0] | (guint32) (guchar) s[1] << 8
	    | (guint32) (guchar) s[2] << 16 | (guint32) (guchar) s[3] << 24)
	    | FOLD4;
}

static int
compare_runs (const void *a, const void *b)
{
	const BsPrefilterRun *x = a, *y = b;

	return x->hash < y->hash ? -1 : x->hash > y->hash;
}

BsPrefilter *
bs_prefilter_new (const char *const *patterns, guint n)
{
	BsPrefilter *pf = g_new0 (BsPrefilter, 1);
	g_autoptr(GArray) runs = g_array_new (FALSE, FALSE,
	    sizeof (BsPrefilterRun));
	GString *text = g_string_new (NULL);
	guint8 *always = g_new0 (guint8, MAX (n, 1));
	guint8 *high = g_new0 (guint8, MAX (n, 1));
	guint8 *slots;
	guint i, j;

	for (i = 0; i < n; i++) {
		g_auto(GStrv) found = bs_prefilter_runs (patterns[i]);

		if (found == NULL) {
			always[i] = TRUE;
			continue;
		}
		for (j = 0; found[j] != NULL; j++) {
			BsPrefilterRun r;

			if (strcmp (found[j], HIGH_RUN) == 0) {
				high[i] = TRUE;
				pf->t.n_high++;
				continue;
			}
			r.len = (guint32) strlen (found[j]);
			r.text = (guint32) text->len;
			r.pattern = i;
			r.head = head4 (found[j]);
			g_string_append_len (text, found[j], r.len + 1);
			g_array_append_val (runs, r);
		}
	}
	pf->t.hash_bits = MIN_HASH_BITS;
	while (pf->t.hash_bits < MAX_HASH_BITS
	    && (1u << pf->t.hash_bits) < runs->len * 32)
		pf->t.hash_bits++;
	slots = g_new0 (guint8, 1u << pf->t.hash_bits);
	for (i = 0; i < runs->len; i++) {
		BsPrefilterRun *r = &g_array_index (runs, BsPrefilterRun, i);

		r->hash = hash4 (r->head, pf->t.hash_bits);
		slots[r->hash] = 1;
	}
	if (runs->len > 1)	/* an empty GArray's data may be NULL */
		qsort (runs->data, runs->len, sizeof (BsPrefilterRun),
		    compare_runs);
	pf->t.n = n;
	pf->t.n_runs = runs->len;
	pf->t.always = always;
	pf->t.high = high;
	pf->t.runs = (BsPrefilterRun *) g_array_free (g_steal_pointer (&runs),
	    FALSE);
	pf->t.text = g_string_free (text, FALSE);
	pf->t.slots = slots;
	pf->owned = TRUE;
	return pf;
}

BsPrefilter *
bs_prefilter_new_static (const BsPrefilterTable *table)
{
	BsPrefilter *pf = g_new0 (BsPrefilter, 1);

	pf->t = *table;
	return pf;
}

void
bs_prefilter_free (BsPrefilter *pf)
{
	if (pf == NULL)
		return;
	if (pf->owned) {
		g_free ((gpointer) pf->t.always);
		g_free ((gpointer) pf->t.high);
		g_free ((gpointer) pf->t.runs);
		g_free ((gpointer) pf->t.text);
		g_free ((gpointer) pf->t.slots);
	}
	g_free (pf);
}

guint
bs_prefilter_size (const BsPrefilter *pf)
{
	return pf->t.n;
}

void
bs_prefilter_write_c (const BsPrefilter *pf, const char *name, FILE *f)
{
	const BsPrefilterTable *t = &pf->t;
	guint i, text_len = 0;

	fprintf (f, "static const guint8 %s_always[] = {", name);
	for (i = 0; i < MAX (t->n, 1); i++)
		fprintf (f, "%s%u,", i % 24 == 0 ? "\n\t" : " ",
		    i < t->n ? t->always[i] : 0);
	fprintf (f, "\n};\nstatic const guint8 %s_high[] = {", name);
	for (i = 0; i < MAX (t->n, 1); i++)
		fprintf (f, "%s%u,", i % 24 == 0 ? "\n\t" : " ",
		    i < t->n ? t->high[i] : 0);
	fprintf (f, "\n};\nstatic const BsPrefilterRun %s_runs[] = {\n",
	    name);
	for (i = 0; i < t->n_runs; i++) {
		const BsPrefilterRun *r = &t->runs[i];

		fprintf (f, "\t{ 0x%08x, 0x%x, %u, %u, %u },\n", r->head,
		    r->hash, r->pattern, r->len, r->text);
		text_len = MAX (text_len, r->text + r->len + 1);
	}
	fprintf (f, "\t{ 0, 0, 0, 0, 0 },\n};\nstatic const char %s_text[] = "
	    "{", name);
	for (i = 0; i < MAX (text_len, 1); i++)
		fprintf (f, "%s0x%02x,", i % 16 == 0 ? "\n\t" : " ",
		    i < text_len ? (guchar) t->text[i] : 0);
	fprintf (f, "\n};\nstatic const guint8 %s_slots[] = {", name);
	for (i = 0; i < (1u << t->hash_bits); i++)
		fprintf (f, "%s%u,", i % 32 == 0 ? "\n\t" : "", t->slots[i]);
	fprintf (f, "\n};\nstatic const BsPrefilterTable %s = {\n\t%u, %u, "
	    "%u, %u, %s_always, %s_high, %s_runs, %s_text, %s_slots,\n};\n\n",
	    name, t->n, t->n_runs, t->n_high, t->hash_bits, name, name, name,
	    name, name);
}

/* The first run with this hash, or n_runs. */
static guint
first_run (const BsPrefilterTable *t, guint32 hash)
{
	guint lo = 0, hi = t->n_runs;

	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;

		if (t->runs[mid].hash < hash)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Does text hold the UTF-8 of U+212A (KELVIN SIGN, e2 84 aa) or U+017F
 * (LONG S, c5 bf)?  Looked for apart, with memchr, to keep the scan's
 * loop short. */
static gboolean
folds_to_ascii (const guint8 *s, gsize len)
{
	const guint8 *p, *end = s + len;

	for (p = s; (p = memchr (p, 0xc5, (gsize) (end - p))) != NULL; p++) {
		if (p + 1 < end && p[1] == 0xbf)
			return TRUE;
	}
	for (p = s; (p = memchr (p, 0xe2, (gsize) (end - p))) != NULL; p++) {
		if (p + 2 < end && p[1] == 0x84 && p[2] == 0xaa)
			return TRUE;
	}
	return FALSE;
}

/* Does s hold a byte over 0x7f?  Eight at a time. */
static gboolean
has_high_byte (const guint8 *s, gsize len)
{
	gsize i = 0;

	for (; i + 8 <= len; i += 8) {
		guint64 w;

		memcpy (&w, s + i, 8);
		if (w & G_GUINT64_CONSTANT (0x8080808080808080))
			return TRUE;
	}
	for (; i < len; i++) {
		if (s[i] & 0x80)
			return TRUE;
	}
	return FALSE;
}

/* Does s (len bytes at least) hold run, folded? */
static inline gboolean
run_at (const guint8 *s, const char *run, gsize len)
{
	gsize i;

	for (i = 0; i < len; i++) {
		if ((s[i] | FOLD1) != ((guchar) run[i] | FOLD1))
			return FALSE;
	}
	return TRUE;
}

guint
bs_prefilter_scan (const BsPrefilter *pf, const char *text, gsize len,
    guint8 *may)
{
	const BsPrefilterTable *t = &pf->t;
	const guint8 *s = (const guint8 *) text;
	guint count = 0;
	gsize i;

	if (folds_to_ascii (s, len)) {
		memset (may, TRUE, t->n);
		return t->n;
	}
	memcpy (may, t->always, t->n);
	if (len >= BS_PREFILTER_MIN_RUN && t->n_runs > 0) {
		guint32 window = (guint32) s[0] << 8 | (guint32) s[1] << 16
		    | (guint32) s[2] << 24;

		for (i = 3; i < len; i++) {
			guint32 folded, h;
			guint k;

			window = window >> 8 | (guint32) s[i] << 24;
			folded = window | FOLD4;
			h = hash4 (folded, t->hash_bits);
			if (G_LIKELY (t->slots[h] == 0))
				continue;
			for (k = first_run (t, h); k < t->n_runs
			    && t->runs[k].hash == h; k++) {
				const BsPrefilterRun *r = &t->runs[k];

				if (r->head == folded && !may[r->pattern]
				    && r->len <= len - (i - 3)
				    && run_at (s + i + 1,
				    t->text + r->text + 4, r->len - 4))
					may[r->pattern] = TRUE;
			}
		}
	}
	if (t->n_high > 0 && has_high_byte (s, len)) {
		for (i = 0; i < t->n; i++)
			may[i] |= t->high[i];
	}
	for (i = 0; i < t->n; i++)
		count += may[i];
	return count;
}
