/* prefilter.c: the runs of plain text a pattern needs, and one pass over a
 * text that finds which of a set's patterns may match. */
#include <stdlib.h>
#include <string.h>

#include "prefilter.h"

/* 8192 bits, one cache-friendly KiB: with a few hundred runs, about one
 * position in thirty needs a closer look. */
#define HASH_BITS 13

typedef struct {
	guint32 head;		/* the first four bytes, as pack4 reads them */
	guint32 hash;		/* of head */
	guint pattern;
	gsize len;
	char *text;		/* lower case */
} Run;

struct BsPrefilter {
	guint n;
	guint8 *always;		/* n: patterns tried whatever the text */
	Run *runs;		/* sorted by hash */
	guint n_runs;
	guint32 bits[(1u << HASH_BITS) / 32];
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

	while (g_ascii_isdigit (p[i]) || p[i] == ',' || p[i] == ' ')
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
	if (strchr ("xopPNgk", p[1]) != NULL && (p[2] == '{' || p[2] == '<'
	    || p[2] == '\'')) {
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

/* Does an option setting anywhere turn on extended syntax, where spaces and
 * '#' are not literals?  Then this reader would be wrong: give up. */
static gboolean
sets_extended (const char *pattern)
{
	const char *p;

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

/* A factor of a branch: literals of which every match contains one. */
typedef struct {
	GString *run;		/* the run being read */
	GPtrArray *best;	/* (nullable) the best factor so far */
	gsize best_min;		/* its shortest literal */
} Branch;

/* Keeps factor (taken) when it beats the best: a longer shortest literal
 * is rarer in text; at the same length, fewer literals. */
static void
offer (Branch *b, GPtrArray *factor)
{
	gsize min = G_MAXSIZE;
	guint i;

	for (i = 0; i < factor->len; i++)
		min = MIN (min, strlen (factor->pdata[i]));
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
	Branch b = { g_string_new (NULL), NULL, 0 };
	const char *p = pattern;
	gboolean ok = TRUE;

	while (ok) {
		gsize step = 1;
		char c = *p;

		if (c == '\0' || c == '|') {
			end_run (&b);
			if (b.best == NULL || b.best_min < BS_PREFILTER_MIN_RUN) {
				ok = FALSE;
				break;
			}
			g_ptr_array_extend_and_steal (out,
			    g_steal_pointer (&b.best));
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

	if (sets_extended (pattern))
		return NULL;
	factor = pattern_factor (pattern);
	if (factor == NULL)
		return NULL;
	g_ptr_array_add (factor, NULL);
	return (GStrv) g_ptr_array_free (factor, FALSE);
}

/* Scanning. */

static const guint8 *
lower_table (void)
{
	static guint8 table[256];
	static gsize done;

	if (g_once_init_enter (&done)) {
		guint i;

		for (i = 0; i < 256; i++)
			table[i] = (guint8) g_ascii_tolower ((char) i);
		g_once_init_leave (&done, 1);
	}
	return table;
}

/* Four bytes, first in the low byte, to a hash of HASH_BITS bits. */
static inline guint32
hash4 (guint32 v)
{
	return (v * 2654435761u) >> (32 - HASH_BITS);
}

static guint32
pack4 (const guint8 *lower, const char *s)
{
	return (guint32) lower[(guchar) s[0]]
	    | (guint32) lower[(guchar) s[1]] << 8
	    | (guint32) lower[(guchar) s[2]] << 16
	    | (guint32) lower[(guchar) s[3]] << 24;
}

static int
compare_runs (const void *a, const void *b)
{
	const Run *x = a, *y = b;

	return x->hash < y->hash ? -1 : x->hash > y->hash;
}

BsPrefilter *
bs_prefilter_new (const char *const *patterns, guint n)
{
	const guint8 *lower = lower_table ();
	BsPrefilter *pf = g_new0 (BsPrefilter, 1);
	g_autoptr(GArray) runs = g_array_new (FALSE, FALSE, sizeof (Run));
	guint i, j;

	pf->n = n;
	pf->always = g_new0 (guint8, MAX (n, 1));
	for (i = 0; i < n; i++) {
		g_auto(GStrv) found = bs_prefilter_runs (patterns[i]);

		if (found == NULL) {
			pf->always[i] = TRUE;
			continue;
		}
		for (j = 0; found[j] != NULL; j++) {
			Run r;

			r.len = strlen (found[j]);
			r.text = g_steal_pointer (&found[j]);
			r.pattern = i;
			r.head = pack4 (lower, r.text);
			r.hash = hash4 (r.head);
			pf->bits[r.hash / 32] |= 1u << (r.hash % 32);
			g_array_append_val (runs, r);
		}
	}
	qsort (runs->data, runs->len, sizeof (Run), compare_runs);
	pf->n_runs = runs->len;
	pf->runs = (Run *) g_array_free (g_steal_pointer (&runs), FALSE);
	return pf;
}

void
bs_prefilter_free (BsPrefilter *pf)
{
	guint i;

	if (pf == NULL)
		return;
	for (i = 0; i < pf->n_runs; i++)
		g_free (pf->runs[i].text);
	g_free (pf->runs);
	g_free (pf->always);
	g_free (pf);
}

guint
bs_prefilter_size (const BsPrefilter *pf)
{
	return pf->n;
}

/* The first run with this hash, or n_runs. */
static guint
first_run (const BsPrefilter *pf, guint32 hash)
{
	guint lo = 0, hi = pf->n_runs;

	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;

		if (pf->runs[mid].hash < hash)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* At text + i the UTF-8 of U+212A (KELVIN SIGN) or U+017F (LONG S)? */
static gboolean
folds_to_ascii (const guint8 *t, gsize i, gsize len)
{
	return (t[i] == 0xe2 && i + 2 < len && t[i + 1] == 0x84
	    && t[i + 2] == 0xaa) || (t[i] == 0xc5 && i + 1 < len
	    && t[i + 1] == 0xbf);
}

guint
bs_prefilter_scan (const BsPrefilter *pf, const char *text, gsize len,
    guint8 *may)
{
	const guint8 *lower = lower_table ();
	const guint8 *t = (const guint8 *) text;
	guint32 window = 0;
	guint count = 0;
	gsize i;

	memcpy (may, pf->always, pf->n);
	for (i = 0; i < len; i++) {
		guint32 h;
		guint k;

		if (G_UNLIKELY (t[i] >= 0xc5) && folds_to_ascii (t, i, len)) {
			memset (may, TRUE, pf->n);
			return pf->n;
		}
		window = window >> 8 | (guint32) lower[t[i]] << 24;
		if (i < 3)
			continue;
		h = hash4 (window);
		if (G_LIKELY ((pf->bits[h / 32] & (1u << (h % 32))) == 0))
			continue;
		for (k = first_run (pf, h); k < pf->n_runs
		    && pf->runs[k].hash == h; k++) {
			const Run *r = &pf->runs[k];

			if (r->head == window && !may[r->pattern]
			    && r->len <= len - (i - 3)
			    && g_ascii_strncasecmp (text + i + 1, r->text + 4,
			    r->len - 4) == 0)
				may[r->pattern] = TRUE;
		}
	}
	for (i = 0; i < pf->n; i++)
		count += may[i];
	return count;
}
