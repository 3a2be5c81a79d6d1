/* recognise.c: recognise DSNs, non-standard bounces, auto-replies,
 * challenges, virus notices, feedback reports and read receipts. */
#include <string.h>

#include "body.h"
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
	/* Structure any mail system leaves, whatever its wording (issue 13) */
	gboolean report_part;	/* multipart/report of any report-type */
	gboolean attached;	/* message/rfc822, message/global,
				 * text/rfc822-headers attached */
	gboolean header_block;	/* a message's header quoted in the text */
	gboolean status_line;	/* an address with an SMTP or RFC 3463 code */
	gboolean vocabulary;	/* words of non-delivery, any language */
	gboolean forward_marker;	/* "---- Forwarded message ----" */
	gboolean list;		/* mailing-list headers */
	gboolean precedence;	/* Precedence: bulk, junk or auto_reply */
	gboolean suppress;	/* X-Auto-Response-Suppress */
	gboolean in_reply_to;	/* In-Reply-To or References */
	gboolean links;		/* the text holds a web link */
	gboolean application;	/* a file attached, not a message */
	gboolean sender_kind_done;	/* gather_sender_kind ran */
	gboolean structure_done;	/* gather_structure ran */
	gboolean shape_done;	/* gather_shape ran */
	gboolean words_done;	/* gather_words ran */
	gboolean only_transient;	/* every status code in the notice is
					 * 4.x.x: not delivered yet */
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

/* The header fields of a returned message, as they start a line. */
static const char *const header_names[] = {
	"from", "to", "subject", "date", "message-id", "received",
	"return-path", "mime-version", "content-type", "reply-to", "cc",
	NULL,
};

/* Does the text quote a message's header: at least four of its fields at
 * the start of lines (or after "> "), one of them Message-ID, Received or
 * Return-Path (a person's forward or reply shows From, Sent, To and
 * Subject only)?  One pass over the lines; a field is counted once.
 * *first is set to where the first such line starts (the length of the
 * text when there is none): what comes before is the notice. */
static gboolean
quotes_header_block (const char *text, gsize *first)
{
	guint seen = 0, n = 0, i;
	const char *p = text;
	gboolean transport = FALSE;

	*first = strlen (text);
	while (p != NULL && *p != '\0') {
		const char *q = p;

		while (*q == ' ' || *q == '\t' || *q == '>')
			q++;
		for (i = 0; header_names[i] != NULL; i++) {
			gsize l = strlen (header_names[i]);

			if ((seen & (1u << i)) == 0
			    && g_ascii_strncasecmp (q, header_names[i], l) == 0
			    && q[l] == ':') {
				if (n == 0)
					*first = (gsize) (p - text);
				seen |= 1u << i;
				n++;
				transport |= i == 4 || i == 5 || i == 6;
				break;
			}
		}
		if (n >= 4 && transport)
			return TRUE;
		p = strchr (p, '\n');
		if (p != NULL)
			p++;
	}
	return FALSE;
}

/* Are the RFC 3463 codes of the notice all transient (4.x.x), none
 * permanent (5.x.x)?  One pass; a code is a digit, a dot, one to three
 * digits, a dot and one to three digits, not inside a longer number. */
static gboolean
codes_only_transient (const char *text, gsize len)
{
	guint fours = 0, fives = 0;
	gsize i;

	for (i = 0; i + 4 < len; i++) {
		gsize j = i + 2, k;

		if ((text[i] != '4' && text[i] != '5') || text[i + 1] != '.'
		    || (i > 0 && (g_ascii_isalnum (text[i - 1])
		    || text[i - 1] == '.')))
			continue;
		for (k = 0; j < len && g_ascii_isdigit (text[j]) && k < 3; j++)
			k++;
		if (k == 0 || j >= len || text[j] != '.')
			continue;
		for (j++, k = 0; j < len && g_ascii_isdigit (text[j]) && k < 3;
		    j++)
			k++;
		if (k == 0 || (j < len && (g_ascii_isdigit (text[j])
		    || (text[j] == '.' && j + 1 < len
		    && g_ascii_isdigit (text[j + 1])))))
			continue;
		if (text[i] == '4')
			fours++;
		else
			fives++;
	}
	return fours > 0 && fives == 0;
}

/* A person forwarding inline: the separator mail programs write. */
static gboolean
has_forward_marker (const char *text)
{
	static const char *const markers[] = {
		"forwarded message", "begin forwarded message",
		"weitergeleitete nachricht", "message transf", "mensaje reenviado",
		"messaggio inoltrato", "mensagem encaminhada",
		"doorgestuurd bericht", "original message-----",
		"ursprüngliche nachricht-----", "message d'origine-----",
		NULL,
	};
	g_autofree char *head = NULL;
	guint i;

	if (text == NULL)
		return FALSE;
	/* The separator comes before what is forwarded: the first 4 KB. */
	head = g_ascii_strdown (text, MIN (strlen (text), 4096));
	for (i = 0; markers[i] != NULL; i++)
		if (strstr (head, markers[i]) != NULL)
			return TRUE;
	return FALSE;
}

/* A file attached that is no message and no report: application/..., or
 * a part marked attachment that is HTML, an image or the like. */
static gboolean
has_file (GMimeObject *object, guint depth)
{
	GMimeContentType *ct;
	const char *disposition;
	GMimeMultipart *mp;
	int i, n;

	if (object == NULL || depth > 3)
		return FALSE;
	if (GMIME_IS_MULTIPART (object)) {
		mp = GMIME_MULTIPART (object);
		n = g_mime_multipart_get_count (mp);
		for (i = 0; i < n && i < 32; i++)
			if (has_file (g_mime_multipart_get_part (mp, i),
			    depth + 1))
				return TRUE;
		return FALSE;
	}
	ct = g_mime_object_get_content_type (object);
	if (g_mime_content_type_is_type (ct, "application", "*"))
		return TRUE;
	if (g_mime_content_type_is_type (ct, "message", "*")
	    || g_mime_content_type_is_type (ct, "text", "plain")
	    || g_mime_content_type_is_type (ct, "text", "rfc822-headers"))
		return FALSE;
	disposition = g_mime_object_get_disposition (object);
	return disposition != NULL
	    && g_ascii_strcasecmp (disposition, "attachment") == 0;
}

static gboolean
has_any_part_type (GMimeObject *top, const char *const *types)
{
	guint i;

	for (i = 0; types[i] != NULL; i += 2)
		if (has_part_type (top, types[i], types[i + 1], 0))
			return TRUE;
	return FALSE;
}

/* Returns: (transfer none) (nullable) the first part of type/subtype. */
static GMimeObject *
find_part (GMimeObject *object, const char *type, const char *subtype,
    guint depth)
{
	GMimeMultipart *mp;
	int i, n;

	if (object == NULL || depth > 3)
		return NULL;
	if (g_mime_content_type_is_type (g_mime_object_get_content_type (object),
	    type, subtype))
		return object;
	if (!GMIME_IS_MULTIPART (object))
		return NULL;
	mp = GMIME_MULTIPART (object);
	n = g_mime_multipart_get_count (mp);
	for (i = 0; i < n && i < 32; i++) {
		GMimeObject *found = find_part (g_mime_multipart_get_part (mp,
		    i), type, subtype, depth + 1);

		if (found != NULL)
			return found;
	}
	return NULL;
}

/* The Feedback-Type of an RFC 5965 report part, lower case, or NULL.
 * Returns: (transfer full) (nullable) */
static char *
feedback_type (GMimeObject *top)
{
	GMimeObject *part = find_part (top, "message", "feedback-report", 0);
	g_autofree char *text = NULL;
	const char *p;
	gsize len = 0, n;

	if (part == NULL || GMIME_IS_MULTIPART (part))
		return NULL;
	text = bs_part_get_text (part, 4096, &len);
	for (p = text; p != NULL && *p != '\0'; ) {
		if (g_ascii_strncasecmp (p, "Feedback-Type:", 14) == 0) {
			p += 14;
			while (*p == ' ' || *p == '\t')
				p++;
			for (n = 0; g_ascii_isalnum (p[n]) || p[n] == '-'; n++)
				;
			return n > 0 ? g_ascii_strdown (p, (gssize) n) : NULL;
		}
		p = strchr (p, '\n');
		if (p != NULL)
			p++;
	}
	return NULL;
}

/* An SMTP TLS report (RFC 8460): report-type tlsrpt, its JSON part, or
 * the header fields its section 5.3 asks for. */
static gboolean
is_tls_report (GMimeMessage *m, GMimeObject *top, const char *report_type)
{
	return (report_type != NULL
	    && g_ascii_strcasecmp (report_type, "tlsrpt") == 0)
	    || has_part_type (top, "application", "tlsrpt+json", 0)
	    || has_part_type (top, "application", "tlsrpt+gzip", 0)
	    || (header (m, "TLS-Report-Domain") != NULL
	    && header (m, "TLS-Report-Submitter") != NULL);
}

/* What the headers and the MIME tree say of who sent the message: the
 * report part, Precedence, X-Auto-Response-Suppress.  A header lookup
 * each and one walk of the tree. */
static void
gather_sender_kind (GMimeMessage *m, Signals *s)
{
	const char *prec;

	if (s->sender_kind_done)
		return;
	s->sender_kind_done = TRUE;
	s->report_part = has_part_type (g_mime_message_get_mime_part (m),
	    "multipart", "report", 0);
	prec = header (m, "Precedence");
	if (prec != NULL) {
		g_autofree char *v = g_strstrip (g_ascii_strdown (prec, -1));

		/* bulk is what mailing lists set too */
		s->precedence = strcmp (v, "junk") == 0
		    || strcmp (v, "auto_reply") == 0;
	}
	s->suppress = header (m, "X-Auto-Response-Suppress") != NULL;
}

/* The rest of the structure: attachments, list headers, a message it
 * answers.  Only for a message something already takes for automated. */
static void
gather_structure (GMimeMessage *m, Signals *s)
{
	static const char *const attached_types[] = {
		"message", "rfc822", "message", "global", "text",
		"rfc822-headers", "message", "global-headers", NULL, NULL,
	};
	static const char *const list_headers[] = {
		"List-Id", "List-Post", "List-Unsubscribe", "Mailing-List",
		"X-Mailing-List", "X-BeenThere", "List-Help", NULL,
	};
	static const char *const list_senders[] = {
		"Return-Path", "Sender", "X-From", NULL,
	};
	GMimeObject *top = g_mime_message_get_mime_part (m);
	const char *const *h;

	gather_sender_kind (m, s);
	if (s->structure_done)
		return;
	s->structure_done = TRUE;
	s->application = has_file (top, 0);
	s->attached = has_any_part_type (top, attached_types);
	for (h = list_headers; *h != NULL && !s->list; h++)
		s->list = header (m, *h) != NULL;
	/* Lists of old send as owner-NAME or NAME-request, without List-Id */
	for (h = list_senders; *h != NULL && !s->list; h++) {
		const char *v = header (m, *h);

		s->list = v != NULL && (strstr (v, "owner-") != NULL
		    || strstr (v, "-request@") != NULL
		    || strstr (v, "-bounces") != NULL);
	}
	s->in_reply_to = header (m, "In-Reply-To") != NULL
	    || header (m, "References") != NULL;
}

/* The shape of the text (a quoted header, links, a forward marker, the
 * status codes), one pass or two over it in C, looked at only when the
 * headers leave the question open: most mail never gets here. */
static void
gather_shape (const BsFacts *f, Signals *s)
{
	gsize notice = 0;

	if (s->shape_done)
		return;
	s->shape_done = TRUE;
	if (f->notification == NULL)
		return;
	s->header_block = quotes_header_block (f->notification, &notice);
	s->only_transient = codes_only_transient (f->notification, notice);
	s->forward_marker = has_forward_marker (f->notification);
	/* Links in the returned message are the sender's, not the notice's */
	s->links = g_strstr_len (f->notification, (gssize) notice, "http://")
	    != NULL || g_strstr_len (f->notification, (gssize) notice,
	    "https://") != NULL;
}

/* What the text says (status-line, bounce-vocabulary): the patterns cost
 * most, the first time above all, so they run last and only when asked. */
static void
gather_words (const BsFacts *f, const BsRules *rules, Signals *s)
{
	gather_shape (f, s);
	if (s->words_done)
		return;
	s->words_done = TRUE;
	s->vocabulary = bs_rules_match_str (rules, "bounce-vocabulary",
	    f->subject, NULL);
	if (f->notification == NULL)
		return;
	s->status_line = bs_rules_match_str (rules, "status-line",
	    f->notification, NULL);
	if (!s->vocabulary)
		s->vocabulary = bs_rules_match_str (rules,
		    "bounce-vocabulary", f->notification, NULL);
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

/* A person's own message about mail: a forward, or a reply quoting a
 * bounce.  Nothing a mail system writes on its own behalf says so: a null
 * sender, a mail-system From, Auto-Submitted, X-Failed-Recipients or a
 * report part. */
static gboolean
person_writing (GMimeMessage *m, const BsFacts *f, Signals *s)
{
	/* Only a message the phrases take for a bounce needs the look */
	if (s->sender || f->null_sender || s->auto_submitted
	    || s->failed_header || f->notification == NULL
	    || (!s->subject && !s->body && !s->delay_subject))
		return FALSE;
	gather_structure (m, s);
	if (s->report_part)
		return FALSE;
	gather_shape (f, s);
	return s->forward_marker || (s->reply && s->in_reply_to
	    && quotes_a_person (f->notification));
}

/* Spam dressed as a bounce: it talks of undelivered mail and offers a
 * link, but holds nothing a bounce is made of: no report part, no failed
 * recipient with a reply code, no returned message. */
static gboolean
dressed_up (BsFacts *f, GMimeMessage *m, const BsRules *rules, Signals *s)
{
	gather_structure (m, s);
	gather_shape (f, s);
	if ((!s->links && !s->application) || s->report_part
	    || s->failed_header || s->attached || s->header_block)
		return FALSE;
	gather_words (f, rules, s);
	if (s->status_line)
		return FALSE;
	if (bs_facts_build_original (f, m, rules))
		return FALSE;
	add_evidence (f, "talks of undelivered mail with a link or a file, but "
	    "returns no message and names no reply code: not a bounce");
	return TRUE;
}

/* Weighs the structure every mail system leaves, whatever its wording:
 * who sent it (the null sender, a mail-system From, Auto-Submitted,
 * X-Failed-Recipients, a report part) and what it is about (a returned
 * message, attached or its header quoted, a recipient with a reply code,
 * words of non-delivery in any language, the phrases of the rules).
 * Phrases alone never decide here: each side needs evidence of its own. */
static BsKind
recognise_structure (GMimeMessage *m, BsFacts *f, const BsRules *rules,
    Signals *s)
{
	guint origin = 0, about = 0;
	gboolean failure, returned;
	gboolean short_text = f->notification != NULL
	    && strlen (f->notification) < BS_CHALLENGE_MAX_TEXT;

	if (s->forwarded)
		return BS_KIND_NONE;
	gather_sender_kind (m, s);
	origin += f->null_sender ? 2 : 0;
	origin += s->sender ? 2 : 0;
	origin += s->auto_submitted ? 1 : 0;
	origin += s->failed_header ? 3 : 0;
	origin += s->report_part ? 3 : 0;
	/* Nothing below fires without one of these: a person's mail stops
	 * here, before its text is read */
	if (origin < 2 && !s->precedence && !s->suppress)
		return BS_KIND_NONE;
	if (f->notification != NULL && !f->null_sender && !s->sender
	    && quotes_a_person (f->notification))
		return BS_KIND_NONE;
	gather_structure (m, s);
	gather_words (f, rules, s);
	/* A report part (feedback, receipts and TLS reports are taken
	 * before) is about the delivery of a message. */
	failure = s->status_line || s->vocabulary || s->subject || s->body
	    || s->delay_subject || s->failed_header || s->report_part;
	returned = s->attached || s->header_block;
	about += s->attached ? 2 : 0;
	about += s->header_block ? 2 : 0;
	about += s->status_line ? 2 : 0;
	about += s->vocabulary ? 1 : 0;
	about += s->subject || s->delay_subject ? 1 : 0;
	about += s->body ? 2 : 0;
	/* "Re:" is a person's reply, unless a mail system wrote it */
	if (failure && ((origin >= 2 && about >= 3)
	    || (origin >= 3 && about >= 1))
	    && (!s->reply || s->sender || f->null_sender)
	    && !dressed_up (f, m, rules, s)) {
		add_evidence (f, "the structure of a bounce:%s%s%s%s%s%s%s%s",
		    f->null_sender ? " null sender," : "",
		    s->sender ? " a mail system's From," : "",
		    s->auto_submitted ? " Auto-Submitted," : "",
		    s->report_part ? " a report part," : "",
		    s->attached ? " an attached message," : "",
		    s->header_block ? " a quoted message header," : "",
		    s->status_line ? " a recipient with a reply code," : "",
		    s->vocabulary ? " words of non-delivery" : "");
		if (s->only_transient && !s->subject)
			add_evidence (f, "only transient (4.x.x) status codes");
		return (s->delay_subject || s->only_transient) && !s->subject ?
		    BS_KIND_DELAY : BS_KIND_NDR;
	}
	if (s->list || s->forwarded)
		return BS_KIND_NONE;
	/* An echo responder returns the message as it arrived. */
	if (!failure && returned && origin >= 2) {
		add_evidence (f, "an automated reply that returns the message "
		    "as received (echo)");
		return BS_KIND_AUTO_REPLY;
	}
	/* An out-of-office or other auto-reply in any language: a short
	 * answer to a message, sent the way automatic answers are (null
	 * sender, Precedence, X-Auto-Response-Suppress), not to a list. */
	if (!failure && short_text && (f->null_sender || s->precedence
	    || s->suppress) && (s->in_reply_to || s->reply
	    || f->null_sender) && !quotes_a_person (f->notification)) {
		add_evidence (f, "a short automatic answer:%s%s%s%s",
		    f->null_sender ? " null sender," : "",
		    s->precedence ? " Precedence," : "",
		    s->suppress ? " X-Auto-Response-Suppress," : "",
		    s->in_reply_to ? " answers a message" : "");
		return BS_KIND_AUTO_REPLY;
	}
	return BS_KIND_NONE;
}

static BsKind
recognise (GMimeMessage *m, BsFacts *f, const BsRules *rules,
    Signals *s, gboolean have_dsn)
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
	if (is_tls_report (m, top, report_type)) {
		add_evidence (f, "an SMTP TLS report (RFC 8460)");
		return BS_KIND_TLS_REPORT;
	}
	if ((report_type != NULL && g_ascii_strcasecmp (report_type,
	    "feedback-report") == 0)
	    || has_part_type (top, "message", "feedback-report", 0)) {
		g_autofree char *type = feedback_type (top);

		if (g_strcmp0 (type, "auth-failure") == 0) {
			add_evidence (f, "multipart/report with a feedback-report "
			    "of Feedback-Type auth-failure: a DMARC or other "
			    "authentication failure report (RFC 6591)");
			return BS_KIND_DMARC_REPORT;
		}
		add_evidence (f, "multipart/report with a feedback-report "
		    "(RFC 5965)%s%s", type != NULL ? ", Feedback-Type " : "",
		    type != NULL ? type : "");
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
	if (person_writing (m, f, s)) {
		add_evidence (f, "a person forwarding or quoting a message");
		return BS_KIND_NONE;
	}
	if (s->failed_header)
		add_evidence (f, "X-Failed-Recipients header");
	if ((s->failed_header
	    || (s->sender && (s->subject || s->delay_subject || s->body))
	    || (s->subject && s->body && !s->reply)
	    || (s->body && mail_system && !s->reply)
	    || (s->body && !s->reply && bs_facts_build_original (f, m, rules)))
	    && !dressed_up (f, m, rules, s))
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
	return recognise_structure (m, f, rules, s);
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
