/* fuzz-header-model.c: differential test of passthrough's header model.
 *
 * bs_passthrough_model() (a state machine fed in chunks, src/passthrough.c)
 * against a second, deliberately plain reading of the same model written
 * here: the whole message at once, line by line, and for each line the
 * three readers asked one after the other, each with its own predicate
 * (procmail's "^X-Backscatter[ \t]*:" regex, Dovecot's name before the
 * first colon, maildrop's name with CRs dropped up to ':' or NUL).  They
 * must agree on where our field goes, where the header block ends, and
 * which bytes are removed; any difference abort()s.  Each input is also
 * run as a message that starts with an mbox From line, so both branches
 * of the top (the From line, or the LFs that may start a message) are
 * covered.
 *
 * The reading of each reader is that of the comment at the top of
 * passthrough.c; the sources it cites are not linked in, so this checks
 * the implementation against its specification, and the pipeline suite
 * (tests/pipeline/hostile.sh) checks the specification against the real
 * programs.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "passthrough.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const char NAME[] = "x-backscatter";
#define NAME_LEN (sizeof NAME - 1)

typedef struct {
	const uint8_t *d;
	size_t n;
} Msg;

static int
lower (int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* End of the line at p: after its LF, or n. */
static size_t
line_end (const Msg *m, size_t p)
{
	const uint8_t *nl = memchr (m->d + p, '\n', m->n - p);

	return nl != NULL ? (size_t) (nl - m->d) + 1 : m->n;
}

/* procmail: /^X-Backscatter[ \t]*:/ (case-insensitive) at a line start. */
static bool
procmail_takes (const Msg *m, size_t p, size_t e)
{
	size_t i;

	if (e - p < NAME_LEN)
		return false;
	for (i = 0; i < NAME_LEN; i++) {
		if (lower (m->d[p + i]) != NAME[i])
			return false;
	}
	for (i = p + NAME_LEN; i < e && (m->d[i] == ' ' || m->d[i] == '\t');
	    i++)
		;
	return i < e && m->d[i] == ':';
}

/* Dovecot: the name is what comes before the first ':' of the line, less
 * blanks at its end, read as a C string. */
static bool
dovecot_takes (const Msg *m, size_t p, size_t e)
{
	const uint8_t *colon;
	size_t len;
	size_t i;

	if (p < e && (m->d[p] == ' ' || m->d[p] == '\t'))
		return false;	/* a continuation line */
	colon = memchr (m->d + p, ':', e - p);
	if (colon == NULL)
		return false;
	len = (size_t) (colon - (m->d + p));
	while (len > 0 && (m->d[p + len - 1] == ' ' ||
	    m->d[p + len - 1] == '\t'))
		len--;
	for (i = 0; i < len && m->d[p + i] != '\0'; i++)
		;
	len = i;
	if (len != NAME_LEN)
		return false;
	for (i = 0; i < NAME_LEN; i++) {
		if (lower (m->d[p + i]) != NAME[i])
			return false;
	}
	return true;
}

/* maildrop: CRs dropped, the name runs to ':' or NUL (or the end of the
 * input); it is ours when it is the name and blanks. */
static bool
maildrop_takes (const Msg *m, size_t p, size_t e)
{
	size_t i = p;
	size_t k = 0;

	for (; i < e && k < NAME_LEN; i++) {
		if (m->d[i] == '\r')
			continue;
		if (lower (m->d[i]) != NAME[k])
			return false;
		k++;
	}
	if (k < NAME_LEN)
		return false;
	for (; i < e; i++) {
		if (m->d[i] == '\r' || m->d[i] == ' ' || m->d[i] == '\t')
			continue;
		return m->d[i] == ':' || m->d[i] == '\0';
	}
	/* The name ends the input, with no LF after it. */
	return e == m->n && (e == p || m->d[e - 1] != '\n');
}

/*
 * How long a scan fed byte by byte would stay undecided at p: leading CRs,
 * then, if the name starts, the name (CRs allowed inside) and the blanks
 * and CRs after it.  Past BS_PASSTHROUGH_HOLD_MAX the line counts as ours.
 */
static size_t
undecided (const Msg *m, size_t p, size_t e)
{
	size_t i = p;
	size_t k = 0;

	while (i < e && m->d[i] == '\r')
		i++;
	if (i == e || lower (m->d[i]) != 'x')
		return i - p;
	for (; i < e; i++) {
		if (m->d[i] == '\r')
			continue;
		if (k == NAME_LEN || lower (m->d[i]) != NAME[k])
			break;
		k++;
	}
	if (k < NAME_LEN)
		return i - p;
	while (i < e && (m->d[i] == '\r' || m->d[i] == ' ' ||
	    m->d[i] == '\t'))
		i++;
	return i - p;
}

typedef enum { K_OTHER, K_OURS, K_CONT, K_END } Kind;

static Kind
kind_of (const Msg *m, size_t p, bool nul_out, size_t *decided_at)
{
	size_t e = line_end (m, p);
	size_t u = undecided (m, p, e);
	size_t i;

	*decided_at = p + u;
	if (u > BS_PASSTHROUGH_HOLD_MAX) {
		*decided_at = p + BS_PASSTHROUGH_HOLD_MAX;
		return K_OURS;
	}
	if (m->d[p] == '\n' && !nul_out)
		return K_END;
	if (procmail_takes (m, p, e) || dovecot_takes (m, p, e) ||
	    maildrop_takes (m, p, e))
		return K_OURS;
	for (i = p; i < e && m->d[i] == '\r'; i++)
		;
	if (i < e && (m->d[i] == ' ' || m->d[i] == '\t' || m->d[i] == '\v' ||
	    m->d[i] == '\f'))
		return K_CONT;
	return K_OTHER;
}

/* A removed line ends at its LF or a bare CR, looked for from where the
 * line was decided. */
static size_t
removed_end (const Msg *m, size_t from)
{
	size_t i;

	for (i = from; i < m->n; i++) {
		if (m->d[i] == '\n')
			return i + 1;
		if (m->d[i] == '\r' && (i + 1 == m->n || m->d[i + 1] != '\n'))
			return i + 1;
	}
	return m->n;
}

typedef struct {
	size_t insert_at;
	size_t header_end;
	GArray *removed;	/* BsPassthroughSpan */
	bool nul_out;
} Ref;

static void
ref_keep (const Msg *m, Ref *r, size_t p, size_t e)
{
	if (memchr (m->d + p, '\0', e - p) != NULL)
		r->nul_out = true;
}

static void
ref_drop (Ref *r, size_t p, size_t e)
{
	BsPassthroughSpan s = { p, e };

	if (r->removed->len > 0) {
		BsPassthroughSpan *last = &g_array_index (r->removed,
		    BsPassthroughSpan, r->removed->len - 1);

		if (last->end == p) {
			last->end = e;
			return;
		}
	}
	g_array_append_val (r->removed, s);
}

static void
reference (const Msg *m, Ref *r)
{
	size_t p = 0;
	size_t at;
	size_t e;
	bool removing = false;
	Kind k;

	r->removed = g_array_new (FALSE, FALSE, sizeof (BsPassthroughSpan));
	r->nul_out = false;
	r->header_end = m->n;
	if (m->n >= 5 && memcmp (m->d, "From ", 5) == 0 &&
	    memchr (m->d, '\n', m->n) != NULL) {
		p = line_end (m, 0);
		ref_keep (m, r, 0, p);
	} else {
		/* procmail and formail skip the LFs a message starts with. */
		while (p < m->n && m->d[p] == '\n')
			p++;
	}
	/* The top: lines that would continue the line before stay first. */
	for (;;) {
		if (p == m->n)
			break;
		if (kind_of (m, p, r->nul_out, &at) != K_CONT)
			break;
		e = line_end (m, p);
		ref_keep (m, r, p, e);
		p = e;
	}
	r->insert_at = p;
	while (p < m->n) {
		k = kind_of (m, p, r->nul_out, &at);
		switch (k) {
		case K_END:
			r->header_end = p + 1;
			return;
		case K_OURS:
			removing = true;
			e = removed_end (m, at);
			ref_drop (r, p, e);
			break;
		case K_CONT:
			if (removing) {
				e = removed_end (m, at);
				ref_drop (r, p, e);
				break;
			}
			e = line_end (m, p);
			ref_keep (m, r, p, e);
			break;
		case K_OTHER:
			removing = false;
			e = line_end (m, p);
			ref_keep (m, r, p, e);
			break;
		}
		p = e;
	}
}

static void
compare (const uint8_t *d, size_t n)
{
	g_autoptr(BsPassthroughModel) got = bs_passthrough_model (d, n);
	Msg m = { d, n };
	Ref want;
	bool same;
	guint i;

	reference (&m, &want);
	same = got->insert_at == want.insert_at &&
	    got->header_end == want.header_end &&
	    got->removed->len == want.removed->len;
	for (i = 0; same && i < want.removed->len; i++) {
		BsPassthroughSpan *a = &g_array_index (got->removed,
		    BsPassthroughSpan, i);
		BsPassthroughSpan *b = &g_array_index (want.removed,
		    BsPassthroughSpan, i);

		same = a->start == b->start && a->end == b->end;
	}
	if (!same) {
		fprintf (stderr, "fuzz-header-model: models differ on %zu "
		    "bytes: insert_at %zu/%zu, header_end %zu/%zu, "
		    "removed spans %u/%u (passthrough/reference)\n", n,
		    got->insert_at, want.insert_at, got->header_end,
		    want.header_end, got->removed->len, want.removed->len);
		for (i = 0; i < got->removed->len; i++)
			fprintf (stderr, "  passthrough [%zu, %zu)\n",
			    g_array_index (got->removed, BsPassthroughSpan,
			    i).start, g_array_index (got->removed,
			    BsPassthroughSpan, i).end);
		for (i = 0; i < want.removed->len; i++)
			fprintf (stderr, "  reference   [%zu, %zu)\n",
			    g_array_index (want.removed, BsPassthroughSpan,
			    i).start, g_array_index (want.removed,
			    BsPassthroughSpan, i).end);
		abort ();
	}
	g_array_unref (want.removed);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	static const char from[] = "From a@example.org Mon Jan  1 00:00:00 2024\n";
	g_autofree uint8_t *with_from = NULL;

	compare (data, size);
	with_from = g_malloc (sizeof from - 1 + size);
	memcpy (with_from, from, sizeof from - 1);
	if (size > 0)
		memcpy (with_from + sizeof from - 1, data, size);
	compare (with_from, sizeof from - 1 + size);
	return 0;
}
