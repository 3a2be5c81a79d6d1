/* report.c: --json, --explain, the one-line verdict and the header. */
#include <math.h>
#include <string.h>

#include "json-api.h"
#include "report.h"

/* json-glib, loaded by the first JSON report (json-api.h). */
static const BsJsonApi *json;

/* Sets json once, for every thread: only the first exchange writes it,
 * and each thread reads it after its own atomic read of it. */
static gboolean
json_ready (void)
{
	const BsJsonApi *api = bs_json_api (NULL);

	if (api == NULL)
		return FALSE;
	if (g_atomic_pointer_get (&json) == NULL)
		(void) g_atomic_pointer_compare_and_exchange (&json, NULL,
		    (gpointer) api);
	return TRUE;
}

/* The JSON text, written as json-glib 1.6's generator writes it
 * (compact, its escapes, doubles as "%.17g" with ".0" where no point
 * shows), byte for byte, without its tree of nodes: json-glib made a
 * tenth of the work of a bulk --json run.  json-glib is still what
 * --json needs to be there (exit 69 without it), and what the golden
 * files were written with. */
#define JSON_DEPTH_MAX 8

typedef struct {
	GString *out;
	guint depth;
	gboolean items[JSON_DEPTH_MAX];	/* the open container has some */
	gboolean after_name;
} JsonOut;

static JsonOut *
jo_new (void)
{
	JsonOut *b = g_new0 (JsonOut, 1);

	b->out = g_string_sized_new (1024);
	return b;
}

static char *
jo_free_to_string (JsonOut *b)
{
	char *text = g_string_free (b->out, FALSE);

	g_free (b);
	return text;
}

/* Before a value or a member name: the comma after the one before. */
static void
jo_next (JsonOut *b)
{
	if (b->after_name) {
		b->after_name = FALSE;
		return;
	}
	if (b->depth > 0 && b->items[b->depth - 1])
		g_string_append_c (b->out, ',');
	if (b->depth > 0)
		b->items[b->depth - 1] = TRUE;
}

static void
jo_escaped (GString *out, const char *s)
{
	const guchar *p;

	g_string_append_c (out, '"');
	for (p = (const guchar *) s; *p != '\0'; p++) {
		switch (*p) {
		case '\\':
		case '"':
			g_string_append_c (out, '\\');
			g_string_append_c (out, (char) *p);
			break;
		case '\b':
			g_string_append (out, "\\b");
			break;
		case '\f':
			g_string_append (out, "\\f");
			break;
		case '\n':
			g_string_append (out, "\\n");
			break;
		case '\r':
			g_string_append (out, "\\r");
			break;
		case '\t':
			g_string_append (out, "\\t");
			break;
		default:
			if ((*p > 0 && *p < 0x1f) || *p == 0x7f)
				g_string_append_printf (out, "\\u00%.2x",
				    (guint) *p);
			else
				g_string_append_c (out, (char) *p);
			break;
		}
	}
	g_string_append_c (out, '"');
}

static void
jo_open (JsonOut *b, char c)
{
	jo_next (b);
	g_string_append_c (b->out, c);
	if (b->depth < JSON_DEPTH_MAX)
		b->items[b->depth] = FALSE;
	b->depth++;
}

static void
jo_close (JsonOut *b, char c)
{
	g_string_append_c (b->out, c);
	if (b->depth > 0)
		b->depth--;
}

#define jo_begin_object(b) jo_open ((b), '{')
#define jo_end_object(b) jo_close ((b), '}')
#define jo_begin_array(b) jo_open ((b), '[')
#define jo_end_array(b) jo_close ((b), ']')

static void
jo_set_member_name (JsonOut *b, const char *name)
{
	jo_next (b);
	jo_escaped (b->out, name);
	g_string_append_c (b->out, ':');
	b->after_name = TRUE;
}

static void
jo_add_string_value (JsonOut *b, const char *value)
{
	jo_next (b);
	jo_escaped (b->out, value);
}

static void
jo_add_null_value (JsonOut *b)
{
	jo_next (b);
	g_string_append (b->out, "null");
}

static void
jo_add_boolean_value (JsonOut *b, gboolean value)
{
	jo_next (b);
	g_string_append (b->out, value ? "true" : "false");
}

static void
jo_add_double_value (JsonOut *b, double value)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	jo_next (b);
	g_ascii_formatd (buf, sizeof buf, "%.17g", value);
	g_string_append (b->out, buf);
	if (strchr (buf, '.') == NULL)
		g_string_append (b->out, ".0");
}

static void
jo_add_int_value (JsonOut *b, gint64 value)
{
	jo_next (b);
	g_string_append_printf (b->out, "%" G_GINT64_FORMAT, value);
}

static void
add_string (JsonOut *b, const char *name, const char *value)
{
	jo_set_member_name (b, name);
	if (value != NULL)
		jo_add_string_value (b, value);
	else
		jo_add_null_value (b);
}

/* JSON strings must be UTF-8, and mail often is not.  Control characters
 * other than tab and newline become U+FFFD too: json-glib 1.6 writes some
 * of them unescaped, which JSON forbids. */
char *
bs_report_json_text (const char *s)
{
	g_autofree char *valid = NULL;
	GString *out;
	const char *p;

	if (s == NULL)
		return NULL;
	valid = g_utf8_make_valid (s, -1);
	out = g_string_sized_new (strlen (valid));
	for (p = valid; *p != '\0'; p++) {
		if ((guchar) *p < 0x20 && *p != '\t' && *p != '\n')
			g_string_append (out, "\xef\xbf\xbd");
		else
			g_string_append_c (out, *p);
	}
	return g_string_free (out, FALSE);
}

static void
add_text (JsonOut *b, const char *name, const char *value)
{
	g_autofree char *v = bs_report_json_text (value);

	add_string (b, name, v);
}

/* json-glib writes a double with %.17g and adds ".0" when it sees no
 * point, so 1e17 would come out as "1e+17.0", and nan as "nan.0": not
 * JSON.  Weights and thresholds are bounded (BS_RULES_NUMBER_MAX), so no
 * score gets near this; the clamp makes it so for any input. */
#define JSON_NUMBER_MAX 1e15

static double
json_number (double v)
{
	if (isnan (v))
		return 0.0;
	return CLAMP (v, -JSON_NUMBER_MAX, JSON_NUMBER_MAX);
}

static void
add_original (JsonOut *b, const BsFacts *f)
{
	const BsOriginal *o = f->original;
	guint i;

	jo_set_member_name (b, "original");
	jo_begin_object (b);
	jo_set_member_name (b, "found");
	jo_add_boolean_value (b, o->found);
	add_string (b, "via", o->via);
	add_text (b, "message_id", o->message_id);
	add_text (b, "from", o->from);
	add_text (b, "to", o->to);
	add_text (b, "subject", o->subject);
	add_text (b, "date", o->date);
	jo_set_member_name (b, "received");
	jo_begin_array (b);
	for (i = 0; i < o->received->len; i++) {
		g_autofree char *v = bs_report_json_text (o->received->pdata[i]);

		jo_add_string_value (b, v);
	}
	jo_end_array (b);
	/* Which of them the bouncing server wrote (index into received). */
	jo_set_member_name (b, "vouched_hop");
	if (f->vouched >= 0)
		jo_add_double_value (b, f->vouched);
	else
		jo_add_null_value (b);
	jo_end_object (b);
}

static void
add_recipients (JsonOut *b, const BsDsn *dsn)
{
	guint i;

	jo_set_member_name (b, "recipients");
	jo_begin_array (b);
	for (i = 0; i < dsn->recipients->len; i++) {
		const BsRecipient *r = dsn->recipients->pdata[i];

		jo_begin_object (b);
		add_text (b, "recipient", r->recipient);
		add_text (b, "action", r->action);
		add_text (b, "status", r->status);
		add_text (b, "diagnostic", r->diagnostic);
		jo_end_object (b);
	}
	jo_end_array (b);
}

char *
bs_report_json (const char *file, const BsFacts *f, const BsScore *score)
{
	return bs_report_json_at (file, 0, 0, f, score);
}

/* "file", and for the Nth message of an mbox "message" and "offset". */
static void
add_place (JsonOut *b, const char *file, guint message, guint64 offset)
{
	add_text (b, "file", file);
	if (message == 0)
		return;
	jo_set_member_name (b, "message");
	jo_add_int_value (b, message);
	jo_set_member_name (b, "offset");
	jo_add_int_value (b, (gint64) offset);
}

char *
bs_report_json_at (const char *file, guint message, guint64 offset,
    const BsFacts *f, const BsScore *score)
{
	JsonOut *b = NULL;
	guint i;

	if (!json_ready ())
		return NULL;
	b = jo_new ();
	jo_begin_object (b);
	add_place (b, file, message, offset);
	jo_set_member_name (b, "bounce");
	jo_add_boolean_value (b, bs_facts_is_bounce (f));
	add_string (b, "kind", bs_kind_to_string (f->kind));
	add_string (b, "verdict", bs_verdict_to_string (score->verdict));
	jo_set_member_name (b, "score");
	jo_add_double_value (b, json_number (score->score));
	jo_set_member_name (b, "threshold");
	jo_add_double_value (b, json_number (score->threshold));
	add_string (b, "decided_by", bs_score_decided_by (score));
	add_string (b, "reason", bs_facts_is_bounce (f) ? (f->reason != NULL ?
	    f->reason : "unknown") : NULL);
	jo_set_member_name (b, "tests");
	jo_begin_array (b);
	for (i = 0; i < score->hits->len; i++) {
		const BsHit *hit = score->hits->pdata[i];

		jo_begin_object (b);
		add_string (b, "name", hit->name);
		jo_set_member_name (b, "score");
		jo_add_double_value (b, json_number (hit->score));
		add_string (b, "tier", bs_tier_to_string (hit->tier));
		jo_set_member_name (b, "counted");
		jo_add_boolean_value (b, hit->counted);
		add_text (b, "detail", hit->detail);
		jo_end_object (b);
	}
	jo_end_array (b);
	add_original (b, f);
	add_recipients (b, f->dsn);
	jo_end_object (b);
	return jo_free_to_string (b);
}

char *
bs_report_json_unknown (const char *file, const char *reason,
    double threshold)
{
	return bs_report_json_unknown_at (file, 0, 0, reason, threshold);
}

char *
bs_report_json_unknown_at (const char *file, guint message, guint64 offset,
    const char *reason, double threshold)
{
	JsonOut *b = NULL;

	if (!json_ready ())
		return NULL;
	b = jo_new ();
	jo_begin_object (b);
	add_place (b, file, message, offset);
	jo_set_member_name (b, "bounce");
	jo_add_boolean_value (b, FALSE);
	add_string (b, "kind", "none");
	add_string (b, "verdict", "unknown");
	jo_set_member_name (b, "score");
	jo_add_double_value (b, 0.0);
	jo_set_member_name (b, "threshold");
	jo_add_double_value (b, json_number (threshold));
	add_string (b, "reason", reason);
	jo_set_member_name (b, "tests");
	jo_begin_array (b);
	jo_end_array (b);
	jo_set_member_name (b, "original");
	jo_begin_object (b);
	jo_set_member_name (b, "found");
	jo_add_boolean_value (b, FALSE);
	jo_end_object (b);
	jo_set_member_name (b, "recipients");
	jo_begin_array (b);
	jo_end_array (b);
	jo_end_object (b);
	return jo_free_to_string (b);
}

static void
explain_field (GString *out, const char *label, const char *value)
{
	g_autofree char *v = bs_report_json_text (value);

	if (v != NULL && *v != '\0')
		g_string_append_printf (out, "    %-12s %s\n", label, v);
}

char *
bs_report_explain (const char *file, const BsFacts *f, const BsScore *score)
{
	GString *out = g_string_new (NULL);
	const BsOriginal *o = f->original;
	guint i, uncounted = 0;

	g_string_append_printf (out, "%s\n", file);
	g_string_append_printf (out, "  kind: %s\n", bs_kind_to_string (f->kind));
	for (i = 0; i < f->evidence->len; i++) {
		g_autofree char *v = bs_report_json_text (f->evidence->pdata[i]);

		g_string_append_printf (out, "    because %s\n", v);
	}
	if (!bs_facts_is_bounce (f)) {
		g_string_append (out, "  verdict: not-bounce (not an automated "
		    "message about another message)\n");
		return g_string_free (out, FALSE);
	}
	if (f->reason != NULL)
		g_string_append_printf (out, "  reason: %s\n", f->reason);
	g_string_append_printf (out, "  recipients: %u\n",
	    f->dsn->recipients->len);
	for (i = 0; i < f->dsn->recipients->len; i++) {
		const BsRecipient *r = f->dsn->recipients->pdata[i];
		g_autofree char *rcpt = bs_report_json_text (r->recipient);
		g_autofree char *diag = bs_report_json_text (r->diagnostic);

		g_string_append_printf (out, "    %s: %s %s\n", rcpt,
		    r->action != NULL ? r->action : "-",
		    r->status != NULL ? r->status : "-");
		if (diag != NULL)
			g_string_append_printf (out, "      %s\n", diag);
	}
	if (f->dsn->truncated_recipients > 0)
		g_string_append_printf (out, "    (%u more not read)\n",
		    f->dsn->truncated_recipients);
	if (o->found) {
		g_string_append_printf (out, "  original: found (%s%s)\n",
		    o->via != NULL ? o->via : "?",
		    o->headers_only ? ", headers only" : "");
		explain_field (out, "Message-ID:", o->message_id);
		explain_field (out, "From:", o->from);
		explain_field (out, "To:", o->to);
		explain_field (out, "Subject:", o->subject);
		explain_field (out, "Date:", o->date);
		for (i = 0; i < o->received->len; i++)
			explain_field (out, i == 0 ? "Received:" : "",
			    o->received->pdata[i]);
	} else {
		g_string_append_printf (out, "  original: not found%s\n",
		    o->unparsable ? " (a part held no readable message)" : "");
	}
	g_string_append (out, "  tests:\n");
	for (i = 0; i < score->hits->len; i++) {
		const BsHit *hit = score->hits->pdata[i];
		g_autofree char *detail = bs_report_json_text (hit->detail);

		g_string_append_printf (out, "    %+5.1f %-7s %s%s: %s\n",
		    hit->score, bs_tier_to_string (hit->tier), hit->name,
		    hit->counted ? "" : " (not counted)", detail);
		if (!hit->counted)
			uncounted++;
	}
	if (score->hits->len == 0)
		g_string_append (out, "    (none fired)\n");
	g_string_append_printf (out, "  verdict: %s (score %.1f, threshold "
	    "%.1f, decided by %s)\n", bs_verdict_to_string (score->verdict),
	    score->score, score->threshold, bs_score_decided_by (score));
	if (uncounted > 0)
		g_string_append_printf (out, "    %u test%s of lower tiers did not "
		    "count: the %s tier reached %+.1f on its own, and lower-tier "
		    "evidence never overturns a higher tier's verdict\n",
		    uncounted, uncounted == 1 ? "" : "s",
		    bs_tier_to_string (score->decided_by),
		    score->verdict == BS_VERDICT_BACKSCATTER ? score->threshold :
		    -score->threshold);
	else if (!score->decided && score->hits->len > 0)
		g_string_append_printf (out, "    no tier reached %+.1f or %+.1f: "
		    "not enough evidence of backscatter\n", score->threshold,
		    -score->threshold);
	return g_string_free (out, FALSE);
}

char *
bs_report_line (const char *file, const BsFacts *f, const BsScore *score)
{
	return g_strdup_printf ("%s: %s score=%.1f kind=%s", file,
	    bs_verdict_to_string (score->verdict), score->score,
	    bs_kind_to_string (f->kind));
}

char *
bs_report_header_value (const BsFacts *f, const BsScore *score)
{
	GString *out = g_string_new (NULL);
	char num[G_ASCII_DTOSTR_BUF_SIZE];
	guint i;

	g_string_append (out, score->verdict == BS_VERDICT_BACKSCATTER ?
	    "yes" : "no");
	g_string_append_printf (out, "; score=%s",
	    g_ascii_formatd (num, sizeof num, "%.1f", score->score));
	g_string_append_printf (out, "; threshold=%s",
	    g_ascii_formatd (num, sizeof num, "%.1f", score->threshold));
	g_string_append_printf (out, "; kind=%s", bs_kind_to_string (f->kind));
	if (score->hits->len > 0) {
		g_string_append (out, "; tests=");
		for (i = 0; i < score->hits->len; i++) {
			const BsHit *hit = score->hits->pdata[i];

			if (i > 0)
				g_string_append_c (out, ',');
			g_string_append (out, hit->name);
		}
	}
	return g_string_free (out, FALSE);
}

char *
bs_report_header_unknown (const char *reason)
{
	return g_strdup_printf ("unknown; reason=%s", reason);
}

char *
bs_report_quote_name (const char *name)
{
	GString *out = g_string_sized_new (strlen (name));
	const char *p = name;

	/* As ls -b writes a name: C escapes for control characters, octal
	 * for the rest of what is not printable or not UTF-8, and a
	 * backslash before a backslash or a space.  A newline in a name
	 * then cannot split the line that reports it. */
	while (*p != '\0') {
		guchar c = (guchar) *p;
		const char *next;

		if (c >= 0x80) {
			next = g_utf8_find_next_char (p, NULL);
			if (g_utf8_get_char_validated (p, next - p) < (gunichar) -2
			    && g_unichar_isprint (g_utf8_get_char (p))) {
				g_string_append_len (out, p, next - p);
				p = next;
				continue;
			}
			g_string_append_printf (out, "\\%03o", c);
			p++;
			continue;
		}
		switch (c) {
		case '\\':
			g_string_append (out, "\\\\");
			break;
		case ' ':
			g_string_append (out, "\\ ");
			break;
		case '\a':
			g_string_append (out, "\\a");
			break;
		case '\b':
			g_string_append (out, "\\b");
			break;
		case '\t':
			g_string_append (out, "\\t");
			break;
		case '\n':
			g_string_append (out, "\\n");
			break;
		case '\v':
			g_string_append (out, "\\v");
			break;
		case '\f':
			g_string_append (out, "\\f");
			break;
		case '\r':
			g_string_append (out, "\\r");
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				g_string_append_printf (out, "\\%03o", c);
			else
				g_string_append_c (out, (char) c);
			break;
		}
		p++;
	}
	return g_string_free (out, FALSE);
}
