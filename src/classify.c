/* classify.c: recognise DSNs, non-standard bounces, auto-replies,
 * challenges, virus notices, feedback reports and read receipts. */
#include <string.h>

#include "body.h"
#include "bounce-text.h"
#include "classify.h"
#include "reason.h"

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

/* Addresses the report was delivered to: the owner's side of it. */
static void
collect_owner_headers (GMimeMessage *m, BsFacts *f)
{
	static const char *const names[] = {
		"To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To",
		"X-Envelope-To", NULL,
	};
	GMimeHeaderList *list = g_mime_object_get_header_list (GMIME_OBJECT (m));
	int i, n = g_mime_header_list_get_count (list);

	for (i = 0; i < n && f->owner_headers->len < 64; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at (list, i);
		g_autoptr(InternetAddressList) addrs = NULL;
		int j, k;

		if (!g_strv_contains (names, g_mime_header_get_name (h))) {
			/* Header names are case-insensitive. */
			gboolean known = FALSE;
			const char *const *p;

			for (p = names; *p != NULL; p++)
				known |= g_ascii_strcasecmp (*p,
				    g_mime_header_get_name (h)) == 0;
			if (!known)
				continue;
		}
		addrs = internet_address_list_parse (NULL,
		    g_mime_header_get_value (h));
		if (addrs == NULL)
			continue;
		k = internet_address_list_length (addrs);
		for (j = 0; j < k && j < 16; j++) {
			InternetAddress *ia = internet_address_list_get_address (
			    addrs, j);

			if (INTERNET_ADDRESS_IS_MAILBOX (ia))
				g_ptr_array_add (f->owner_headers, g_strdup (
				    internet_address_mailbox_get_addr (
				    INTERNET_ADDRESS_MAILBOX (ia))));
		}
	}
}

static gboolean
null_sender (GMimeMessage *m)
{
	const char *rp = header (m, "Return-Path");
	g_autofree char *v = NULL;

	if (rp == NULL)
		return FALSE;
	v = g_strdup (rp);
	g_strstrip (v);
	return strcmp (v, "<>") == 0 || *v == '\0' || strcmp (v, "< >") == 0;
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

/* Is there an original attached or quoted?  Only asked of candidates. */
static gboolean
original_present (GMimeMessage *m, BsFacts *f, const BsRules *rules)
{
	if (!f->original->found) {
		bs_original_free (f->original);
		f->original = bs_original_find (m, rules);
	}
	return f->original->found;
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
	    || (s->body && !s->reply && original_present (m, f, rules)))
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

static void
classify_reasons (BsFacts *f, const BsRules *rules, const char *prose)
{
	const BsRecipient *last = NULL;	/* the last one classified */
	guint i;

	for (i = 0; i < f->dsn->recipients->len; i++) {
		BsRecipient *r = f->dsn->recipients->pdata[i];

		/* Recipients of one report mostly share their status and
		 * diagnostic: classify each pair once in a row. */
		if (r->reason == NULL) {
			if (last != NULL
			    && g_strcmp0 (r->status, last->status) == 0
			    && g_strcmp0 (r->diagnostic, last->diagnostic) == 0)
				r->reason = g_strdup (last->reason);
			else
				r->reason = g_strdup (bs_reason_classify (
				    rules, r->status, r->diagnostic));
			last = r;
		}
		if (f->reason == NULL && (r->action == NULL
		    || strcmp (r->action, "failed") == 0
		    || strcmp (r->action, "delayed") == 0))
			f->reason = g_strdup (r->reason);
	}
	if ((f->reason == NULL || strcmp (f->reason, "unknown") == 0)
	    && prose != NULL) {
		g_autofree char *status = bs_bounce_text_status (prose);

		g_free (f->reason);
		f->reason = g_strdup (bs_reason_classify (rules, status, prose));
	}
}

static void
add_failed_header_recipients (GMimeMessage *m, BsFacts *f)
{
	const char *v = header (m, "X-Failed-Recipients");
	g_auto(GStrv) parts = NULL;
	gsize i;

	if (v == NULL || f->dsn->recipients->len > 0)
		return;
	parts = g_strsplit (v, ",", 0);
	for (i = 0; parts[i] != NULL; i++) {
		BsRecipient *r;

		g_strstrip (parts[i]);
		if (strchr (parts[i], '@') == NULL)
			continue;
		r = bs_recipient_new ();
		r->recipient = bs_dsn_clean_address (parts[i]);
		r->action = g_strdup ("failed");
		bs_dsn_add_recipient (f->dsn, r);
	}
}

BsFacts *
bs_classify (GMimeMessage *m, const BsRules *rules)
{
	g_autoptr(BsFacts) f = bs_facts_new ();
	g_autoptr(BsDsn) dsn = NULL;
	g_autofree char *prose = NULL;
	GDateTime *date;
	Signals s = { 0 };

	f->from = g_strdup (header (m, "From"));
	{
		g_autofree char *name = NULL;

		/* GMime parsed From already. */
		f->from_address = f->from != NULL ? bs_address_first (
		    g_mime_message_get_from (m), &name) : NULL;
	}
	f->subject = g_strdup (g_mime_message_get_subject (m));
	date = g_mime_message_get_date (m);
	f->date_unix = date != NULL ? g_date_time_to_unix (date) : 0;
	f->null_sender = null_sender (m);
	f->notification = bs_body_notification (m, BS_NOTIFICATION_MAX);

	dsn = bs_dsn_parse (m);
	gather_signals (m, f, rules, &s);
	f->kind = recognise (m, f, rules, &s, dsn != NULL);
	if (f->kind == BS_KIND_NONE)
		return g_steal_pointer (&f);

	/* Only reports are scored: other mail's To and Cc need no
	 * parsing. */
	collect_owner_headers (m, f);
	original_present (m, f, rules);
	bs_facts_read_original (f);
	/* The prose that explains the failure stops where the quoted
	 * original starts. */
	if (f->notification != NULL) {
		gsize len = strlen (f->notification);
		gssize end = bs_original_find_inline (f->notification, len,
		    rules, TRUE);

		prose = g_strndup (f->notification, end >= 0 ? (gsize) end : len);
	}
	if (dsn != NULL && dsn->recipients->len > 0) {
		bs_dsn_free (f->dsn);
		f->dsn = g_steal_pointer (&dsn);
	} else if (prose != NULL) {
		bs_bounce_text_recipients (prose, strlen (prose), rules, f->dsn);
	}
	if (f->kind == BS_KIND_NDR || f->kind == BS_KIND_DSN)
		add_failed_header_recipients (m, f);
	if (f->kind == BS_KIND_DSN && f->dsn->recipients->len > 0) {
		guint i, delayed = 0;

		for (i = 0; i < f->dsn->recipients->len; i++) {
			const BsRecipient *r = f->dsn->recipients->pdata[i];

			if (r->action != NULL && strcmp (r->action, "delayed") == 0)
				delayed++;
		}
		if (delayed == f->dsn->recipients->len)
			f->kind = BS_KIND_DELAY;
	}
	if (f->kind == BS_KIND_DSN || f->kind == BS_KIND_NDR
	    || f->kind == BS_KIND_DELAY || f->kind == BS_KIND_VIRUS_NOTICE)
		classify_reasons (f, rules, prose);
	return g_steal_pointer (&f);
}
