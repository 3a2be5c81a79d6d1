/* recognise.c: recognise DSNs, non-standard bounces, auto-replies,
 * challenges, virus notices, feedback reports and read receipts. */
#include <string.h>

#include "facts-build.h"
#include "recognise.h"

/* Longest text we take for a challenge-response form letter. */
#define BS_CHALLENGE_MAX_TEXT 4096

/* The recogniser's signals, each a yes or no, gathered once. */
typedef struct {
	gboolean sender;	/* From is a mail system */
	gboolean subject;	/* bounce-subject */
	gboolean delay_subject;
	gboolean body;		/* bounce-body */
	gboolean failed_header;	/* X-Failed-Recipients */
	gboolean auto_submitted;	/* Auto-Submitted other than "no" */
	gboolean auto_replied;	/* RFC 3834 auto-replied, or vendor flags */
	gboolean forwarded;	/* a person forwarding something */
	gboolean reply;		/* Re: */
} Signals;

static void
add_evidence (BsFacts *f, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
add_evidence (BsFacts *f, const char *fmt, ...)
{
	va_list ap;

	va_start (ap, fmt);
	g_ptr_array_add (f->evidence, g_strdup_vprintf (fmt, ap));
	va_end (ap);
}

static const char *
header (GMimeMessage *m, const char *name)
{
	return g_mime_object_get_header (GMIME_OBJECT (m), name);
}

static gboolean
header_has (GMimeMessage *m, const char *name, const char *needle)
{
	const char *v = header (m, name);
	g_autofree char *lower = NULL;

	if (v == NULL)
		return FALSE;
	if (needle == NULL)
		return TRUE;
	lower = g_ascii_strdown (v, -1);
	return strstr (lower, needle) != NULL;
}

/* A person forwarding or replying: "Fwd:", "WG:", "Re:" and friends. */
static gboolean
subject_prefix (const char *subject, const char *const *prefixes)
{
	const char *const *p;

	if (subject == NULL)
		return FALSE;
	while (*subject == ' ' || *subject == '[')
		subject++;
	for (p = prefixes; *p != NULL; p++) {
		gsize l = strlen (*p);

		if (g_ascii_strncasecmp (subject, *p, l) == 0) {
			const char *q = subject + l;

			while (*q == ' ')
				q++;
			if (*q == ':')
				return TRUE;
		}
	}
	return FALSE;
}

static gboolean
has_part_type (GMimeObject *object, const char *type, const char *subtype,
    guint depth)
{
	GMimeMultipart *mp;
	int i, n;

	if (object == NULL || depth > 3)
		return FALSE;
	if (g_mime_content_type_is_type (g_mime_object_get_content_type (object),
	    type, subtype))
		return TRUE;
	if (!GMIME_IS_MULTIPART (object))
		return FALSE;
	mp = GMIME_MULTIPART (object);
	n = g_mime_multipart_get_count (mp);
	for (i = 0; i < n && i < 32; i++) {
		if (has_part_type (g_mime_multipart_get_part (mp, i), type,
		    subtype, depth + 1))
			return TRUE;
	}
	return FALSE;
}

static void
gather_signals (GMimeMessage *m, BsFacts *f, const BsRules *rules,
    Signals *s)
{
	static const char *const forward_prefixes[] = {
		"fwd", "fw", "wg", "tr", "rv", "enc", "doorst", "vs", "vl",
		"i", "pd", "fwd fwd", NULL,
	};
	static const char *const reply_prefixes[] = {
		"re", "aw", "sv", "odp", "antw", "réf", "ref", "res", "r", NULL,
	};
	g_autofree char *sender = NULL;
	const char *as = header (m, "Auto-Submitted");
	BsRuleMatch match;

	sender = g_strdup_printf ("%s", f->from != NULL ? f->from : "");
	s->sender = bs_rules_match_str (rules, "bounce-sender", sender, &match);
	if (s->sender)
		add_evidence (f, "sender \"%s\" is a mail system", sender);
	s->subject = bs_rules_match_str (rules, "bounce-subject", f->subject,
	    &match);
	if (s->subject)
		add_evidence (f, "subject \"%s\" is a non-delivery subject",
		    f->subject);
	s->delay_subject = bs_rules_match_str (rules, "delay-subject",
	    f->subject, NULL);
	if (f->notification != NULL) {
		const BsRule *set = bs_rules_get_set (rules, "bounce-body");

		s->body = bs_rule_match (set, f->notification,
		    strlen (f->notification), 0, NULL, &match);
		if (s->body)
			add_evidence (f, "text says \"%.*s\"",
			    (int) MIN (match.end - match.start, 120),
			    f->notification + match.start);
	}
	s->failed_header = header (m, "X-Failed-Recipients") != NULL;
	if (as != NULL) {
		g_autofree char *v = g_strstrip (g_strdup (as));

		s->auto_submitted = g_ascii_strncasecmp (v, "no", 2) != 0;
	}
	s->auto_replied = header_has (m, "Auto-Submitted", "auto-replied")
	    || header (m, "X-Autoreply") != NULL
	    || header (m, "X-Autorespond") != NULL
	    || header_has (m, "Precedence", "auto_reply")
	    || header_has (m, "X-Apple-Action", "vacation")
	    || header_has (m, "X-Auto-Response", NULL)
	    || header_has (m, "X-Mailer", "vacation");
	s->forwarded = subject_prefix (f->subject, forward_prefixes);
	s->reply = subject_prefix (f->subject, reply_prefixes);
}

/* A person's reply quotes with "> " and says who wrote what. */
static gboolean
quotes_a_person (const char *text)
{
	return g_str_has_prefix (text, ">") || strstr (text, "\n>") != NULL
	    || strstr (text, " wrote:") != NULL;
}

static BsKind
recognise (GMimeMessage *m, BsFacts *f, const BsRules *rules,
    const Signals *s, gboolean have_dsn)
{
	GMimeObject *top = g_mime_message_get_mime_part (m);
	GMimeContentType *ct = top != NULL ?
	    g_mime_object_get_content_type (top) : NULL;
	const char *report_type = NULL;
	BsRuleMatch match;
	gboolean mail_system = s->sender || f->null_sender || s->auto_submitted;
	/* Challenges are short form letters; a long text that quotes one
	 * is somebody writing about them. */
	gboolean short_text = f->notification != NULL
	    && strlen (f->notification) < BS_CHALLENGE_MAX_TEXT
	    && !quotes_a_person (f->notification);

	if (ct != NULL && g_mime_content_type_is_type (ct, "multipart", "report"))
		report_type = g_mime_content_type_get_parameter (ct,
		    "report-type");
	if ((report_type != NULL && g_ascii_strcasecmp (report_type,
	    "feedback-report") == 0)
	    || has_part_type (top, "message", "feedback-report", 0)) {
		add_evidence (f, "multipart/report with a feedback-report "
		    "(RFC 5965)");
		return BS_KIND_FEEDBACK_REPORT;
	}
	/* Microsoft's complaint feed (JMRP) is not RFC 5965. */
	if (header (m, "X-HmXmrOriginalRecipient") != NULL
	    || (!s->reply && !s->forwarded && bs_rules_match_str (rules,
	    "feedback-subject", f->subject, NULL)
	    && has_part_type (top, "message", "rfc822", 0))) {
		add_evidence (f, "an abuse complaint about an attached message");
		return BS_KIND_FEEDBACK_REPORT;
	}
	if (f->notification != NULL && bs_rule_match (bs_rules_get_set (rules,
	    "machine-report-body"), f->notification,
	    MIN (strlen (f->notification), 256), 0, "phrase", &match)) {
		const char *event = f->notification + match.group_start;

		add_evidence (f, "a machine-readable delivery notice");
		if (match.group_start >= 0
		    && g_ascii_strncasecmp (event, "Complaint", 9) == 0)
			return BS_KIND_FEEDBACK_REPORT;
		if (match.group_start >= 0
		    && g_ascii_strncasecmp (event, "Delivery", 8) == 0)
			return BS_KIND_DSN;
		return BS_KIND_NDR;
	}
	if ((report_type != NULL && g_ascii_strcasecmp (report_type,
	    "disposition-notification") == 0)
	    || has_part_type (top, "message", "disposition-notification", 0)) {
		add_evidence (f, "message disposition notification (RFC 8098)");
		return BS_KIND_RECEIPT;
	}
	if (have_dsn) {
		add_evidence (f, "delivery-status part (RFC 3464)");
		return BS_KIND_DSN;
	}
	if (s->forwarded && !s->sender) {
		add_evidence (f, "a person forwarding (subject \"%s\")",
		    f->subject);
		return BS_KIND_NONE;
	}
	if (s->failed_header)
		add_evidence (f, "X-Failed-Recipients header");
	if (s->failed_header
	    || (s->sender && (s->subject || s->delay_subject || s->body))
	    || (s->subject && s->body && !s->reply)
	    || (s->body && mail_system && !s->reply)
	    || (s->body && !s->reply && bs_facts_build_original (f, m, rules)))
		return s->delay_subject && !s->subject ? BS_KIND_DELAY :
		    BS_KIND_NDR;
	if (!s->reply && bs_rules_match_str (rules, "list-notice-subject",
	    f->subject, NULL)) {
		add_evidence (f, "mailing-list software refusing or holding a "
		    "post");
		return BS_KIND_NDR;
	}
	if (bs_rules_match_str (rules, "virus-subject", f->subject, NULL)
	    || (mail_system && f->notification != NULL
	    && bs_rules_match_str (rules, "virus-body", f->notification,
	    NULL))) {
		add_evidence (f, "virus or content-filter notice");
		return BS_KIND_VIRUS_NOTICE;
	}
	if ((!s->reply && bs_rules_match_str (rules, "challenge-subject",
	    f->subject, NULL))
	    || ((mail_system || s->auto_replied || short_text)
	    && f->notification != NULL && !s->forwarded
	    && bs_rules_match_str (rules, "challenge-body", f->notification,
	    NULL))) {
		add_evidence (f, "challenge-response asking to confirm");
		return BS_KIND_CHALLENGE;
	}
	if (s->auto_replied) {
		add_evidence (f, "auto-reply headers (RFC 3834 or vendor)");
		return BS_KIND_AUTO_REPLY;
	}
	if (!s->reply && bs_rules_match_str (rules, "autoreply-subject",
	    f->subject, NULL)) {
		add_evidence (f, "auto-reply subject \"%s\"", f->subject);
		return BS_KIND_AUTO_REPLY;
	}
	if (mail_system && f->notification != NULL
	    && bs_rules_match_str (rules, "autoreply-body", f->notification,
	    NULL)) {
		add_evidence (f, "auto-reply text from an automated sender");
		return BS_KIND_AUTO_REPLY;
	}
	if (mail_system && bs_rules_match_str (rules, "receipt-subject",
	    f->subject, NULL)) {
		add_evidence (f, "read-receipt subject");
		return BS_KIND_RECEIPT;
	}
	return BS_KIND_NONE;
}

BsKind
bs_recognise_kind (BsFacts *f, GMimeMessage *m, const BsRules *rules,
    gboolean have_dsn)
{
	Signals s = { 0 };

	gather_signals (m, f, rules, &s);
	return recognise (m, f, rules, &s, have_dsn);
}

void
bs_recognise_settle (BsFacts *f)
{
	guint i, delayed = 0;

	if (f->kind != BS_KIND_DSN || f->dsn->recipients->len == 0)
		return;
	for (i = 0; i < f->dsn->recipients->len; i++) {
		const BsRecipient *r = f->dsn->recipients->pdata[i];

		if (r->action != NULL && strcmp (r->action, "delayed") == 0)
			delayed++;
	}
	if (delayed == f->dsn->recipients->len)
		f->kind = BS_KIND_DELAY;
}
