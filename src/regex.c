/* regex.c: the one place that talks to PCRE2. */
#include <stdatomic.h>
#include <string.h>

#include "regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* Enough for every honest pattern on a few KB of text, small enough that
 * catastrophic backtracking gives up in milliseconds. */
#define BS_REGEX_MATCH_LIMIT 200000
#define BS_REGEX_HEAP_LIMIT_KIB 4096

/* PCRE2's match limit counts per start position, so a pattern that does a
 * little less than the limit at each of n positions still takes n times
 * the limit.  So every pattern is compiled with an automatic callout
 * before each item, and the callouts of one search, over all its start
 * positions, are counted against a budget that grows with the text the
 * search may read: a fixed part for short subjects, and so much per byte
 * as no honest pattern comes near (on the corpus no search reaches it). */
#define BS_REGEX_BUDGET_BASE 20000
#define BS_REGEX_BUDGET_PER_BYTE 64

struct BsRegex {
	pcre2_code *code;
	uint32_t pairs;		/* ovector pairs a match needs */
};

/* The limits every thread's match context gets (bs_regex_set_limits). */
static guint match_limit = BS_REGEX_MATCH_LIMIT;
static guint heap_limit = BS_REGEX_HEAP_LIMIT_KIB;
static guint limit_hits;
static atomic_uint_fast64_t work_total;

/* The callouts of the search under way, and what it may spend. */
typedef struct {
	guint64 spent;
	guint64 budget;
} Budget;

/* What one thread matches with; compiled patterns are shared and only
 * read.  One match data for every pattern: pcre2_match keeps its
 * backtracking frames (20 KiB at least) in the match data, and one per
 * pattern made a single message allocate and fault in megabytes for
 * hundreds of patterns that each match once.  Grown to the largest
 * capture count seen.  The match context holds the callout's data, the
 * thread's budget, so it is the thread's too.  JIT code runs on the
 * thread's own machine stack (PCRE2's default, no shared JIT stack). */
typedef struct {
	pcre2_match_context *context;
	pcre2_match_data *data;
	uint32_t pairs;
	guint match_limit;
	guint heap_limit;
	Budget budget;
} Matcher;

static void
matcher_free (gpointer data)
{
	Matcher *m = data;

	pcre2_match_data_free (m->data);
	pcre2_match_context_free (m->context);
	g_free (m);
}

static GPrivate matcher_key = G_PRIVATE_INIT (matcher_free);
/* The same pointer, for the fast path: g_private_get was 1.5% of a bulk
 * run.  The GPrivate frees the matcher when its thread ends. */
static _Thread_local Matcher *this_thread_matcher;

G_DEFINE_QUARK (bs-regex-error-quark, bs_regex_error)

/* Called before every item of the pattern: the unit of work we count.
 * A negative value ends the whole search (PCRE2_ERROR_CALLOUT). */
static int
count_work (pcre2_callout_block *block, void *data)
{
	Budget *b = data;

	(void) block;
	if (++b->spent > b->budget)
		return PCRE2_ERROR_CALLOUT;
	return 0;
}

/* This thread's matcher, made at its first search. */
static Matcher *
this_matcher (void)
{
	Matcher *m = this_thread_matcher;
	guint limit = g_atomic_int_get (&match_limit);
	guint heap = g_atomic_int_get (&heap_limit);

	if (G_UNLIKELY (m == NULL)) {
		m = g_new0 (Matcher, 1);
		m->context = pcre2_match_context_create (NULL);
		pcre2_set_callout (m->context, count_work, &m->budget);
		g_private_set (&matcher_key, m);
		this_thread_matcher = m;
	}
	if (G_UNLIKELY (m->match_limit != limit || m->heap_limit != heap)) {
		m->match_limit = limit;
		m->heap_limit = heap;
		pcre2_set_match_limit (m->context, limit);
		pcre2_set_heap_limit (m->context, heap);
	}
	return m;
}

void
bs_regex_set_limits (guint32 limit, guint32 heap_kib)
{
	g_atomic_int_set (&match_limit, limit);
	g_atomic_int_set (&heap_limit, heap_kib);
}

guint
bs_regex_limit_hits (void)
{
	return g_atomic_int_get (&limit_hits);
}

guint64
bs_regex_work (void)
{
	return atomic_load_explicit (&work_total, memory_order_relaxed);
}

static uint32_t
capture_pairs (const pcre2_code *code)
{
	uint32_t n = 0;

	pcre2_pattern_info (code, PCRE2_INFO_CAPTURECOUNT, &n);
	return n + 1;
}

BsRegex *
bs_regex_new (const char *pattern, BsRegexFlags flags, GError **error)
{
	BsRegex *re;
	uint32_t options = 0;
	int errcode;
	PCRE2_SIZE erroffset;

	g_return_val_if_fail (pattern != NULL, NULL);

	if (flags & BS_REGEX_UTF8)
		options |= PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_UCP;
	if (flags & BS_REGEX_CASELESS)
		options |= PCRE2_CASELESS;
	if (flags & BS_REGEX_MULTILINE)
		options |= PCRE2_MULTILINE;
	/* The budget of bs_regex_match counts these callouts.  Without
	 * auto-possessification a greedy run that is given back is counted
	 * a character at a time; with it, "\S+x" read a whole run as one
	 * item at every start position, quadratic work the count missed.
	 * Same matches (it is only an optimisation).  A pattern without an
	 * unbounded quantifier, back reference or recursion does work
	 * bounded by its own size at each start position, so a search is
	 * linear without counting: two thirds of the built-in patterns,
	 * and the callouts were most of the cost of matching (JIT code
	 * calls out of line before every item). */
	if ((flags & BS_REGEX_COUNT_ALL) || !bs_regex_is_bounded (pattern))
		options |= PCRE2_AUTO_CALLOUT | PCRE2_NO_AUTO_POSSESS;

	re = g_new0 (BsRegex, 1);
	re->code = pcre2_compile ((PCRE2_SPTR) pattern, PCRE2_ZERO_TERMINATED,
	    options, &errcode, &erroffset, NULL);
	if (re->code == NULL) {
		PCRE2_UCHAR message[256];

		pcre2_get_error_message (errcode, message, sizeof message);
		g_set_error (error, BS_REGEX_ERROR, BS_REGEX_ERROR_COMPILE,
		    "%s at offset %zu", (const char *) message,
		    (size_t) erroffset);
		g_free (re);
		return NULL;
	}
	re->pairs = capture_pairs (re->code);
	return re;
}

guint8 *
bs_regex_encode (const char *const *patterns, guint n, BsRegexFlags flags,
    gsize *len, GError **error)
{
	g_autofree pcre2_code **codes = g_new0 (pcre2_code *, n + 1);
	uint8_t *bytes = NULL;
	PCRE2_SIZE size = 0;
	guint8 *out = NULL;
	int32_t rc;
	guint i;

	for (i = 0; i < n; i++) {
		BsRegex *re = bs_regex_new (patterns[i], flags, error);

		if (re == NULL)
			goto out;
		codes[i] = re->code;
		g_free (re);
	}
	rc = pcre2_serialize_encode ((const pcre2_code **) codes, (int32_t) n,
	    &bytes, &size, NULL);
	if (rc < 0) {
		PCRE2_UCHAR message[256];

		pcre2_get_error_message (rc, message, sizeof message);
		g_set_error (error, BS_REGEX_ERROR, BS_REGEX_ERROR_COMPILE,
		    "%s", (const char *) message);
		goto out;
	}
	out = g_memdup2 (bytes, size);
	*len = size;
	pcre2_serialize_free (bytes);
out:
	for (i = 0; i < n; i++)
		pcre2_code_free (codes[i]);
	return out;
}

gboolean
bs_regex_decode (const guint8 *data, gsize len, guint n, BsRegex **out)
{
	g_autofree pcre2_code **codes = g_new0 (pcre2_code *, n + 1);
	guint i;

	if (len < 12 || n == 0
	    || pcre2_serialize_get_number_of_codes (data) != (int32_t) n
	    || pcre2_serialize_decode (codes, (int32_t) n, data, NULL)
	    != (int32_t) n)
		return FALSE;
	for (i = 0; i < n; i++) {
		out[i] = g_new0 (BsRegex, 1);
		out[i]->code = codes[i];
		out[i]->pairs = capture_pairs (codes[i]);
	}
	return TRUE;
}

gboolean
bs_regex_jit (BsRegex *re)
{
	static gsize off;	/* 0: not read yet, 1: JIT, 2: no JIT */

	/* JIT code reads up to 15 bytes past the subject with vector loads
	 * (harmless: within the page), which valgrind reports as errors;
	 * tests/valgrind-wrap.sh sets this to run interpreted. */
	if (g_once_init_enter (&off))
		g_once_init_leave (&off, g_getenv ("BACKSCATTER_CHECK_NO_JIT")
		    != NULL ? 2 : 1);
	if (off == 2)
		return FALSE;
	return pcre2_jit_compile (re->code, PCRE2_JIT_COMPLETE) == 0;
}

void
bs_regex_free (BsRegex *re)
{
	if (re == NULL)
		return;
	pcre2_code_free (re->code);
	g_free (re);
}

gboolean
bs_regex_match (BsRegex *re, const char *subject, gsize len, gsize offset,
    const char *group, BsMatch *m)
{
	return bs_regex_match_max (re, subject, len, offset, BS_REGEX_WINDOW_MAX,
	    group, m);
}

gboolean
bs_regex_match_max (BsRegex *re, const char *subject, gsize len,
    gsize offset, gsize max, const char *group, BsMatch *m)
{
	PCRE2_SIZE *ovector;
	uint32_t options = 0;
	Matcher *mt;
	int rc;

	if (subject == NULL || offset > len)
		return FALSE;
	/* What one search may read: past the window, "$" must not match
	 * where the text was cut, and a cut UTF-8 sequence is left out. */
	max = MIN (max, BS_REGEX_WINDOW_MAX);
	if (len - offset > max) {
		len = offset + max;
		while (len > offset && ((guchar) subject[len] & 0xc0) == 0x80
		    && offset + max - len < 3)
			len--;
		options |= PCRE2_NOTEOL;
	}
	mt = this_matcher ();
	if (re->pairs > mt->pairs) {
		pcre2_match_data_free (mt->data);
		mt->pairs = MAX (re->pairs, 16);
		mt->data = pcre2_match_data_create (mt->pairs, NULL);
	}
	mt->budget.spent = 0;
	mt->budget.budget = BS_REGEX_BUDGET_BASE
	    + (guint64) BS_REGEX_BUDGET_PER_BYTE * (len - offset);
	rc = pcre2_match (re->code, (PCRE2_SPTR) subject, len, offset, options,
	    mt->data, mt->context);
	atomic_fetch_add_explicit (&work_total, mt->budget.spent,
	    memory_order_relaxed);
	if (rc < 0) {
		if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT
		    || rc == PCRE2_ERROR_DEPTHLIMIT
		    || rc == PCRE2_ERROR_CALLOUT) {
			g_atomic_int_inc (&limit_hits);
			g_debug ("regex: match limit hit (%d), treated as no match",
			    rc);
		}
		return FALSE;
	}
	if (m == NULL)
		return TRUE;
	ovector = pcre2_get_ovector_pointer (mt->data);
	m->start = ovector[0];
	m->end = ovector[1];
	m->group_start = -1;
	m->group_end = -1;
	if (group != NULL) {
		int n = pcre2_substring_number_from_name (re->code,
		    (PCRE2_SPTR) group);

		if (n > 0 && n < rc && ovector[2 * n] != PCRE2_UNSET) {
			m->group_start = (gssize) ovector[2 * n];
			m->group_end = (gssize) ovector[2 * n + 1];
		}
	}
	return TRUE;
}

/* Reads a quantifier at p: its length (0: none), and whether it is
 * unbounded and may backtrack (not possessive). */
static gsize
quantifier (const char *p, gboolean *unbounded, gboolean *any_length)
{
	const char *q = p;

	*unbounded = FALSE;
	*any_length = FALSE;
	if (*q == '*' || *q == '+') {
		*unbounded = TRUE;
		q++;
	} else if (*q == '?') {
		q++;
	} else if (*q == '{' && g_ascii_isdigit (q[1])) {
		const char *e = q + 1;

		while (g_ascii_isdigit (*e))
			e++;
		if (*e == ',') {
			e++;
			*unbounded = !g_ascii_isdigit (*e);
			while (g_ascii_isdigit (*e))
				e++;
		}
		if (*e != '}')
			return 0;
		q = e + 1;
	} else {
		return 0;
	}
	*any_length = *unbounded;
	if (*q == '+') {
		*unbounded = FALSE;
		q++;
	} else if (*q == '?') {
		q++;
	}
	return (gsize) (q - p);
}

/* Past the escape at p ("\\x"), its braces or name included. */
static const char *
skip_escape (const char *p)
{
	p++;
	if (*p == '\0')
		return p;
	p++;
	if (*p == '{' || ((p[-1] == 'k' || p[-1] == 'g') && (*p == '<'
	    || *p == '\''))) {
		char close = *p == '{' ? '}' : *p == '<' ? '>' : '\'';

		while (*p != '\0' && *p != close)
			p++;
		if (*p != '\0')
			p++;
	}
	return p;
}

/* Walks pattern: the offset of a nested unbounded quantifier (-1: none),
 * and in *unbounded whether one attempt at a match may read without
 * bound: a quantifier without bound, possessive or not, a back
 * reference or a recursion. */
static gssize
walk (const char *pattern, gboolean *unbounded_out)
{
	/* Per open group: does it hold a quantifier that is unbounded and
	 * backtracks? */
	gboolean inner[64];
	guint depth = 0;
	const char *p = pattern;

	inner[0] = FALSE;
	*unbounded_out = FALSE;
	while (*p != '\0') {
		gboolean atom_inner = FALSE, unbounded, any_length;
		gsize ql;

		if (*p == '\\' && p[1] == 'Q') {
			const char *e = strstr (p + 2, "\\E");

			p = e != NULL ? e + 2 : p + strlen (p);
		} else if (*p == '\\') {
			if (g_ascii_isdigit (p[1]) || p[1] == 'k' || p[1] == 'g')
				*unbounded_out = TRUE;
			p = skip_escape (p);
		} else if (*p == '[') {
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p != '\0' && *p != ']') {
				if (*p == '\\' && p[1] != '\0')
					p++;
				else if (*p == '[' && p[1] == ':') {
					const char *e = strstr (p, ":]");

					if (e != NULL)
						p = e + 1;
				}
				p++;
			}
			if (*p == ']')
				p++;
		} else if (*p == '(') {
			p++;
			if (*p == '?' && p[1] == '#') {
				while (*p != '\0' && *p != ')')
					p++;
				if (*p == ')')
					p++;
				continue;
			}
			if (*p == '*') {
				/* (*VERB) */
				while (*p != '\0' && *p != ')')
					p++;
				if (*p == ')')
					p++;
				continue;
			}
			if (*p == '?') {
				p++;
				if (*p == 'R' || g_ascii_isdigit (*p) || *p == '+'
				    || (*p == '-' && g_ascii_isdigit (p[1]))
				    || *p == '&' || (*p == 'P' && p[1] == '>'))
					*unbounded_out = TRUE;
				if (*p == '<' && (p[1] == '=' || p[1] == '!'))
					p += 2;
				else if (*p == '<' || *p == '\''
				    || (*p == 'P' && p[1] == '<')) {
					while (*p != '\0' && *p != '>'
					    && (*p != '\'' || p[-1] == '?'))
						p++;
					if (*p != '\0')
						p++;
				} else if (*p != '\0'
				    && strchr (":=!>|", *p) != NULL) {
					p++;
				} else {
					/* options: (?i) sets, (?i: opens */
					while (g_ascii_isalpha (*p) || *p == '-'
					    || *p == '^')
						p++;
					if (*p == ')') {
						p++;
						continue;
					}
					if (*p == ':')
						p++;
				}
			}
			if (depth + 1 >= G_N_ELEMENTS (inner))
				return (gssize) (p - pattern);
			inner[++depth] = FALSE;
			continue;
		} else if (*p == ')') {
			p++;
			if (depth == 0)
				continue;
			atom_inner = inner[depth--];
		} else if (*p == '|' || *p == '^' || *p == '$') {
			p++;
			continue;
		} else {
			p++;
		}
		ql = quantifier (p, &unbounded, &any_length);
		if (any_length)
			*unbounded_out = TRUE;
		if (unbounded && atom_inner)
			return (gssize) (p - pattern);
		if (unbounded || atom_inner)
			inner[depth] = TRUE;
		p += ql;
	}
	return -1;
}

gssize
bs_regex_nested_quantifier (const char *pattern)
{
	gboolean unbounded;

	return walk (pattern, &unbounded);
}

gboolean
bs_regex_is_bounded (const char *pattern)
{
	gboolean unbounded;

	/* A nesting too deep to follow is no proof. */
	if (walk (pattern, &unbounded) >= 0)
		return FALSE;
	return !unbounded;
}
