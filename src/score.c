/* score.c: the scoring tests.  Each test is named; its weight comes from a
 * [test NAME] group of the rule files (or the config's [weights]).  Tests
 * computed here look at the returned original's top Received hop, its
 * Message-ID, the failed recipients and the reason; pattern tests (groups
 * with patterns and a target) match text of the facts. */
#include <math.h>
#include <string.h>

#include "received.h"
#include "score.h"

/* The original is "old" when written this long before the bounce: MTAs
 * give up after about five days, and spam is often sent with old Dates. */
#define BS_ORIGINAL_MAX_AGE (7 * 24 * 3600)
#define BS_ORIGINAL_MAX_FUTURE (24 * 3600)
/* More links than this in the original's body is a spammer's habit. */
#define BS_MANY_LINKS 6
#define BS_DETAIL_MAX 120

static const char *const code_tests[] = {
	"relay-top-hop", "relay-not-top-hop", "msgid-owner-domain",
	"msgid-foreign-domain", "from-not-owner", "dkim-owner-domain",
	"report-not-to-owner",
	"no-original", "original-unparsable", "top-hop-literal-helo",
	"top-hop-bareword-helo", "top-hop-helo-mismatch",
	"top-hop-unknown-rdns", "top-hop-mail-server", "hop-authenticated",
	"msgid-missing", "msgid-malformed", "msgid-domain-mismatch",
	"msgid-consistent", "random-recipient", "userunknown-after-accept",
	"rejected-at-remote", "reason-content", "reason-mailboxfull",
	"delay-notice", "dsn-success", "challenge-notice",
	"virus-notice", "original-many-links", "original-html-only",
	"original-executable", "display-name-mismatch", "original-date-old",
	"original-date-future", "original-self-addressed",
	/* Proof by signature (issue 15), from facts proof.c fills. */
	"dkim-valid", "dkim-invalid", "batv-valid", "batv-invalid",
	NULL,
};

const char *const *
bs_score_code_tests (void)
{
	return code_tests;
}

const char *
bs_verdict_to_string (BsVerdict verdict)
{
	switch (verdict) {
	case BS_VERDICT_NOT_BOUNCE:
		return "not-bounce";
	case BS_VERDICT_LEGITIMATE:
		return "legitimate";
	case BS_VERDICT_BACKSCATTER:
		return "backscatter";
	}
	return "not-bounce";
}

static void
hit_free (gpointer data)
{
	BsHit *hit = data;

	g_free (hit->detail);
	g_free (hit);
}

void
bs_score_free (BsScore *score)
{
	if (score == NULL)
		return;
	g_ptr_array_unref (score->hits);
	g_free (score);
}

typedef struct {
	const BsRules *rules;
	GPtrArray *hits;
} Scorer;

static void
fire (Scorer *s, const char *name, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static void
fire (Scorer *s, const char *name, const char *fmt, ...)
{
	const BsRule *test = bs_rules_get_test (s->rules, name);
	BsHit *hit;
	va_list ap;

	/* A test without a group, or weighed 0, is switched off. */
	if (test == NULL || test->weight == 0.0)
		return;
	hit = g_new0 (BsHit, 1);
	hit->name = test->name;
	hit->score = test->weight;
	va_start (ap, fmt);
	hit->detail = g_strdup_vprintf (fmt, ap);
	va_end (ap);
	g_ptr_array_add (s->hits, hit);
}

/* --- helpers ------------------------------------------------------------ */

char *
bs_score_msgid_domain (const char *message_id)
{
	const char *at, *end;

	if (message_id == NULL)
		return NULL;
	at = strrchr (message_id, '@');
	if (at == NULL)
		return NULL;
	end = strchr (at, '>');
	if (end == NULL)
		end = at + strlen (at);
	if (end - at <= 1)
		return NULL;
	return g_ascii_strdown (at + 1, (gssize) (end - at - 1));
}

/* The organisational domain, roughly: the last two labels, or three when
 * the second-level label is a short generic one (co.uk, com.au, ne.jp). */
char *
bs_score_org_domain (const char *domain)
{
	g_auto(GStrv) labels = NULL;
	g_autofree char *org = NULL;
	guint n;

	if (domain == NULL || *domain == '\0')
		return NULL;
	labels = g_strsplit (domain, ".", -1);
	n = g_strv_length (labels);
	if (n <= 2)
		return g_ascii_strdown (domain, -1);
	if (strlen (labels[n - 1]) == 2 && strlen (labels[n - 2]) <= 3)
		org = g_strjoin (".", labels[n - 3], labels[n - 2],
		    labels[n - 1], NULL);
	else
		org = g_strjoin (".", labels[n - 2], labels[n - 1], NULL);
	return g_ascii_strdown (org, -1);
}

static const char *
domain_of (const char *address)
{
	const char *at = address != NULL ? strrchr (address, '@') : NULL;

	return at != NULL ? at + 1 : NULL;
}

static gboolean
is_vowel (char c)
{
	return strchr ("aeiouy", g_ascii_tolower (c)) != NULL;
}

/* Consonant pairs that names and words of the languages we see in mail
 * have (English, German, French, Spanish, Italian, Dutch, Polish, ...).
 * Made-up strings such as "dqfvu" are full of the others. */
static const char plausible_pairs[] =
	" bl br ch ck cl cr ct cz dd dg dl dm dn dr ds dt dw ff fl fr ft gg gh"
	" gl gm gn gr gs gt hl hm hn hr ht hw kk kl km kn kr ks kt kw lb lc ld"
	" lf lg lk ll lm ln lp ls lt lv lz mb mc md ml mm mn mp ms mt nc nd nf"
	" ng nh nj nk nl nm nn np nr ns nt nv nw nz pf ph pl pn pp pr ps pt rb"
	" rc rd rf rg rh rk rl rm rn rp rr rs rt rv rw rz sb sc sd sf sg sh sk"
	" sl sm sn sp sq ss st sw sz tc th tl tm tn tr ts tt tw tz vl vr wk wl"
	" wn wr ws wt xt zb zc zd zk zl zm zn zr zt zw zz ";

static gboolean
plausible_pair (char a, char b)
{
	char pair[5] = { ' ', g_ascii_tolower (a), g_ascii_tolower (b), ' ', 0 };

	return strstr (plausible_pairs, pair) != NULL;
}

/* Made-up local parts: spammers write to addresses that do not exist,
 * such as "dqfvu" or "x7k2q9w".  Real ones are names, words, initials and
 * separators.  Conservative on purpose: better to miss one than to call
 * "schmidt" random. */
gboolean
bs_score_local_part_is_random (const char *address)
{
	const char *at = address != NULL ? strrchr (address, '@') : NULL;
	gsize len, i, letters = 0, digits = 0, vowels = 0, odd = 0;
	gsize switches = 0;

	if (at == NULL)
		return FALSE;
	len = (gsize) (at - address);
	if (len < 5 || len > 40)
		return FALSE;
	for (i = 0; i < len; i++) {
		char c = address[i];

		if (g_ascii_isalpha (c)) {
			letters++;
			if (is_vowel (c))
				vowels++;
		} else if (g_ascii_isdigit (c)) {
			digits++;
		} else {
			/* Separators mean a name: john.smith, j-doe. */
			return FALSE;
		}
		if (i > 0 && g_ascii_isdigit (c) != g_ascii_isdigit (address[i - 1]))
			switches++;
	}
	/* Letters and digits shuffled: a7k3m9 */
	if (letters >= 3 && digits >= 2 && switches >= 4)
		return TRUE;
	if (digits > 0)
		return FALSE;
	if (vowels == 0)
		return TRUE;
	/* The first pair may be an initial and a name: jsmith, kbrown. */
	for (i = 2; i < len; i++) {
		if (!is_vowel (address[i - 1]) && !is_vowel (address[i])
		    && !plausible_pair (address[i - 1], address[i]))
			odd++;
	}
	return odd >= 2 || (odd == 1 && vowels * 4 < len);
}

static gboolean
helo_matches_rdns (const char *helo, const char *rdns)
{
	g_autofree char *a = NULL;
	g_autofree char *b = NULL;

	if (g_ascii_strcasecmp (helo, rdns) == 0)
		return TRUE;
	a = bs_score_org_domain (helo);
	b = bs_score_org_domain (rdns);
	return a != NULL && b != NULL && strcmp (a, b) == 0;
}

/* The hop the bouncing server wrote: the topmost one with a client that is
 * not inside the bouncer's own site (its filters and internal relays add
 * hops above it).  Deeper hops are the sender's word only. */
static BsHop *
vouched_hop (const BsOriginal *o, const BsIdentity *id, guint *index)
{
	guint i;

	for (i = 0; i < o->received->len; i++) {
		BsHop *hop = bs_hop_parse (o->received->pdata[i]);

		if (hop->has_from && (hop->ip == NULL
		    || !bs_ip_is_internal (hop->ip)
		    || bs_identity_match_relay (id, hop->rdns, hop->ip) != NULL)
		    && !(hop->helo != NULL && strcmp (hop->helo, "localhost") == 0)) {
			*index = i;
			return hop;
		}
		bs_hop_free (hop);
	}
	return NULL;
}

static const char *
or_dash (const char *s)
{
	return s != NULL ? s : "-";
}

/* --- the tests ---------------------------------------------------------- */

static void
test_identity (Scorer *s, const BsFacts *f, const BsIdentity *id,
    const BsHop *top, guint top_index)
{
	const BsOriginal *o = f->original;
	g_autofree char *msgid_domain = bs_score_msgid_domain (o->message_id);
	guint i;

	if (bs_identity_has_relays (id) && o->found && top != NULL) {
		const char *relay = bs_identity_match_relay (id, top->rdns,
		    top->ip);

		if (relay == NULL)
			relay = bs_identity_match_relay (id, top->helo, NULL);
		if (relay != NULL) {
			fire (s, "relay-top-hop", "top hop from %s [%s] matches "
			    "relay %s", or_dash (top->rdns), or_dash (top->ip),
			    relay);

		} else {
			const char *deep = NULL;

			for (i = top_index + 1; i < o->received->len && deep == NULL; i++) {
				g_autoptr(BsHop) hop = bs_hop_parse (
				    o->received->pdata[i]);

				deep = bs_identity_match_relay (id, hop->rdns,
				    hop->ip);
				if (deep == NULL)
					deep = bs_identity_match_relay (id,
					    hop->helo, NULL);
			}
			fire (s, "relay-not-top-hop", "top hop from %s [%s] "
			    "helo %s is none of the owner's relays%s%s",
			    or_dash (top->rdns), or_dash (top->ip),
			    or_dash (top->helo),
			    deep != NULL ? "; a deeper, forgeable hop names " : "",
			    deep != NULL ? deep : "");
		}
	}
	if (bs_identity_has_addresses (id) && o->found) {
		if (msgid_domain != NULL && bs_identity_match_domain (id,
		    msgid_domain))
			fire (s, "msgid-owner-domain", "Message-ID %s",
			    o->message_id);
		else if (msgid_domain != NULL)
			fire (s, "msgid-foreign-domain", "Message-ID %s is not "
			    "of the owner's domains", o->message_id);
		if (o->from_address != NULL && !bs_identity_match_address (id,
		    o->from_address) && !bs_identity_match_address (id,
		    o->return_path) && !bs_identity_match_address (id,
		    o->sender))
			fire (s, "from-not-owner", "original From %s is not the "
			    "owner's", o->from_address);
		for (i = 0; i < o->dkim_domains->len; i++) {
			if (bs_identity_match_domain (id, o->dkim_domains->pdata[i])) {
				fire (s, "dkim-owner-domain", "DKIM-Signature "
				    "d=%s", (const char *) o->dkim_domains->pdata[i]);
				break;
			}
		}
	}
	if (bs_identity_has_addresses (id) && f->owner_headers->len > 0) {
		gboolean mine = FALSE;

		for (i = 0; i < f->owner_headers->len && !mine; i++)
			mine = bs_identity_match_address (id,
			    f->owner_headers->pdata[i]);
		if (!mine)
			fire (s, "report-not-to-owner", "report addressed to %s",
			    (const char *) f->owner_headers->pdata[0]);
	}
}

static void
test_top_hop (Scorer *s, const BsHop *top)
{
	g_autoptr(GInetAddress) helo_addr = NULL;
	gboolean literal, bareword;

	if (top == NULL)
		return;
	/* A mail client submitting with a login greets with whatever it
	 * likes from wherever it is: only a relay's greeting tells. */
	if (top->authenticated)
		return;
	if (top->helo != NULL)
		helo_addr = g_inet_address_new_from_string (top->helo);
	literal = top->helo != NULL && (top->helo[0] == '[' || helo_addr != NULL);
	bareword = top->helo != NULL && !literal
	    && strchr (top->helo, '.') == NULL;
	if (literal)
		fire (s, "top-hop-literal-helo", "HELO %s", top->helo);
	else if (bareword)
		fire (s, "top-hop-bareword-helo", "HELO %s", top->helo);
	if (top->rdns == NULL || strcmp (top->rdns, "unknown") == 0) {
		if (top->ip != NULL)
			fire (s, "top-hop-unknown-rdns", "client [%s] has no "
			    "reverse DNS name", top->ip);
	} else if (top->helo != NULL && !literal && !bareword
	    && !helo_matches_rdns (top->helo, top->rdns)) {
		fire (s, "top-hop-helo-mismatch", "HELO %s, reverse DNS %s",
		    top->helo, top->rdns);
	} else if (top->helo != NULL && !literal && !bareword) {
		fire (s, "top-hop-mail-server", "HELO %s matches reverse DNS "
		    "%s [%s]", top->helo, top->rdns, or_dash (top->ip));
	}
}

static void
test_message_id (Scorer *s, const BsOriginal *o)
{
	g_autofree char *domain = NULL;
	g_autofree char *org = NULL;
	g_autofree char *from_org = NULL;
	const char *id = o->message_id;

	if (o->header_count < 3)
		return;		/* a few lines of summary, not a header */
	if (id == NULL || *id == '\0') {
		fire (s, "msgid-missing", "the original has no Message-ID");
		return;
	}
	domain = bs_score_msgid_domain (id);
	if (id[0] != '<' || domain == NULL || strchr (domain, '.') == NULL
	    || strchr (id, ' ') != NULL) {
		fire (s, "msgid-malformed", "Message-ID %s", id);
		return;
	}
	org = bs_score_org_domain (domain);
	from_org = bs_score_org_domain (domain_of (o->from_address));
	if (from_org == NULL)
		return;
	if (strcmp (org, from_org) == 0)
		fire (s, "msgid-consistent", "Message-ID and From both of %s",
		    org);
	else
		fire (s, "msgid-domain-mismatch", "Message-ID of %s, From of %s",
		    domain, from_org);
}

static const BsRecipient *
first_failed (const BsFacts *f)
{
	guint i;

	for (i = 0; i < f->dsn->recipients->len; i++) {
		const BsRecipient *r = f->dsn->recipients->pdata[i];

		if (r->action == NULL || strcmp (r->action, "failed") == 0)
			return r;
	}
	return NULL;
}

/* Did a remote server refuse the mail during the SMTP dialogue?  Then our
 * own relay wrote the bounce: the owner sent it. */
static gboolean
rejected_in_dialogue (const BsRecipient *r)
{
	g_autofree char *d = NULL;

	if (r->remote_mta != NULL)
		return TRUE;
	if (r->diagnostic == NULL)
		return FALSE;
	d = g_ascii_strdown (r->diagnostic, -1);
	return strstr (d, " said:") != NULL || strstr (d, "in reply to") != NULL
	    || strstr (d, "smtp error from remote") != NULL
	    || strstr (d, "remote server") != NULL
	    || strstr (d, "remote host") != NULL;
}

static void
test_reason (Scorer *s, const BsFacts *f)
{
	const BsRecipient *r = first_failed (f);
	guint i, delivered = 0;
	const char *reason = f->reason != NULL ? f->reason : "unknown";

	switch (f->kind) {
	case BS_KIND_DELAY:
		fire (s, "delay-notice", "a delay notice, not a final failure");
		return;
	case BS_KIND_CHALLENGE:
		fire (s, "challenge-notice", "a challenge asking to confirm a "
		    "message");
		return;
	case BS_KIND_VIRUS_NOTICE:
		fire (s, "virus-notice", "a virus or content-filter notice");
		break;
	case BS_KIND_DSN:
		for (i = 0; i < f->dsn->recipients->len; i++) {
			const BsRecipient *x = f->dsn->recipients->pdata[i];

			if (x->action != NULL && (strcmp (x->action, "delivered") == 0
			    || strcmp (x->action, "relayed") == 0
			    || strcmp (x->action, "expanded") == 0))
				delivered++;
		}
		if (delivered > 0 && delivered == f->dsn->recipients->len) {
			fire (s, "dsn-success", "delivery succeeded (%u "
			    "recipients)", delivered);
			return;
		}
		break;
	case BS_KIND_NONE:
	case BS_KIND_NDR:
	case BS_KIND_AUTO_REPLY:
	case BS_KIND_FEEDBACK_REPORT:
	case BS_KIND_RECEIPT:
		break;
	}
	if (f->kind != BS_KIND_DSN && f->kind != BS_KIND_NDR
	    && f->kind != BS_KIND_VIRUS_NOTICE)
		return;
	if (r != NULL && bs_score_local_part_is_random (r->recipient))
		fire (s, "random-recipient", "failed recipient %s looks made up",
		    r->recipient);
	if (r != NULL && rejected_in_dialogue (r)) {
		fire (s, "rejected-at-remote", "refused by the remote server "
		    "during SMTP: %.*s", BS_DETAIL_MAX,
		    or_dash (r->remote_mta != NULL ? r->remote_mta : r->diagnostic));
	} else if (strcmp (reason, "userunknown") == 0) {
		fire (s, "userunknown-after-accept", "user unknown to the "
		    "server that had accepted the mail%s%s",
		    r != NULL ? ": " : "", r != NULL ? r->recipient : "");
	}
	if (strcmp (reason, "spamdetected") == 0
	    || strcmp (reason, "virusdetected") == 0)
		fire (s, "reason-content", "the bouncing server found %s",
		    reason);
	else if (strcmp (reason, "mailboxfull") == 0)
		fire (s, "reason-mailboxfull", "mailbox full%s%s",
		    r != NULL ? ": " : "", r != NULL ? r->recipient : "");
}

static guint
count_links (const char *text)
{
	const char *p = text;
	guint n = 0;

	while (p != NULL && (p = strstr (p, "http")) != NULL) {
		if (g_str_has_prefix (p, "http://")
		    || g_str_has_prefix (p, "https://"))
			n++;
		p += 4;
	}
	return n;
}

static void
test_content (Scorer *s, const BsFacts *f)
{
	const BsOriginal *o = f->original;
	guint i, links;

	if (o->body_text != NULL) {
		links = count_links (o->body_text);
		if (links >= BS_MANY_LINKS)
			fire (s, "original-many-links", "%u links in the "
			    "original", links);
	}
	if (o->html_only)
		fire (s, "original-html-only", "the original has only an "
		    "HTML body");
	for (i = 0; i < o->attachments->len; i++) {
		const char *name = o->attachments->pdata[i];
		const char *dot = strrchr (name, '.');
		static const char *const risky[] = {
			".exe", ".scr", ".pif", ".com", ".bat", ".cmd", ".vbs",
			".js", ".jar", ".zip", ".rar", ".7z", ".lnk", ".hta",
			".cpl", ".msi", ".iso", ".wsf", NULL,
		};
		g_autofree char *ext = dot != NULL ? g_ascii_strdown (dot, -1) :
		    NULL;

		if (ext != NULL && g_strv_contains (risky, ext)) {
			fire (s, "original-executable", "attachment %s", name);
			break;
		}
	}
	if (o->from_name != NULL && strchr (o->from_name, '@') != NULL
	    && o->from_address != NULL
	    && strstr (o->from_name, o->from_address) == NULL)
		fire (s, "display-name-mismatch", "From shows \"%s\" but is %s",
		    o->from_name, o->from_address);
	if (o->from_address != NULL && o->to != NULL
	    && strchr (o->to, ',') == NULL) {
		g_autofree char *to = bs_address_from_header (o->to, NULL);

		/* Spam runs often write From: victim, To: victim. */
		if (to != NULL && g_ascii_strcasecmp (to, o->from_address) == 0)
			fire (s, "original-self-addressed", "From and To are "
			    "both %s", to);
	}
	if (o->date_unix != 0 && f->date_unix != 0) {
		gint64 age = f->date_unix - o->date_unix;

		if (age > BS_ORIGINAL_MAX_AGE)
			fire (s, "original-date-old", "original dated %s, %"
			    G_GINT64_FORMAT " days before the bounce",
			    or_dash (o->date), age / 86400);
		else if (age < -BS_ORIGINAL_MAX_FUTURE)
			fire (s, "original-date-future", "original dated %s, "
			    "after the bounce", or_dash (o->date));
	}
}

/* The text a pattern test's target names.  Returns: (transfer full) */
static char *
target_text (const BsFacts *f, const BsHop *top, const char *target)
{
	const BsOriginal *o = f->original;

	if (target == NULL)
		return NULL;
	if (strcmp (target, "original-subject") == 0)
		return g_strdup (o->subject);
	if (strcmp (target, "original-body") == 0)
		return g_strdup (o->body_text);
	if (strcmp (target, "original-text") == 0)
		return o->found ? g_strconcat (o->from_name != NULL ?
		    o->from_name : "", "\n", o->subject != NULL ? o->subject :
		    "", "\n", o->body_text != NULL ? o->body_text : "", NULL) :
		    NULL;
	if (strcmp (target, "original-msgid-domain") == 0)
		return bs_score_msgid_domain (o->message_id);
	if (strcmp (target, "original-from") == 0)
		return g_strdup (o->from);
	if (strcmp (target, "original-mailer") == 0)
		return g_strdup (o->x_mailer);
	if (strcmp (target, "top-hop-rdns") == 0)
		return top != NULL ? g_strdup (top->rdns) : NULL;
	if (strcmp (target, "top-hop-helo") == 0)
		return top != NULL ? g_strdup (top->helo) : NULL;
	if (strcmp (target, "subject") == 0)
		return g_strdup (f->subject);
	if (strcmp (target, "notification") == 0)
		return g_strdup (f->notification);
	return NULL;
}

static void
test_patterns (Scorer *s, const BsFacts *f, const BsHop *top)
{
	GPtrArray *tests = bs_rules_get_tests (s->rules);
	guint i;

	for (i = 0; i < tests->len; i++) {
		const BsRule *test = tests->pdata[i];
		g_autofree char *text = NULL;
		g_autofree char *phrase = NULL;
		BsRuleMatch m;

		if (test->alternatives->len == 0)
			continue;
		text = target_text (f, top, test->target);
		if (text == NULL || !bs_rule_match (test, text, strlen (text), 0,
		    "phrase", &m))
			continue;
		if (m.group_start >= 0)
			phrase = g_strndup (text + m.group_start,
			    (gsize) (m.group_end - m.group_start));
		else
			phrase = g_strndup (text + m.start, m.end - m.start);
		g_strdelimit (phrase, "\r\n\t", ' ');
		fire (s, test->name, "%s \"%.*s\" (%s)", test->target,
		    BS_DETAIL_MAX, phrase, m.key);
	}
}

static int
compare_hits (gconstpointer a, gconstpointer b)
{
	const BsHit *x = *(const BsHit *const *) a;
	const BsHit *y = *(const BsHit *const *) b;

	return strcmp (x->name, y->name);
}

BsScore *
bs_score_compute (const BsFacts *f, const BsIdentity *id,
    const BsRules *rules, double threshold)
{
	BsScore *score = g_new0 (BsScore, 1);
	Scorer s = { rules, NULL };
	g_autoptr(BsHop) top = NULL;
	guint i, top_index = 0;

	score->hits = g_ptr_array_new_with_free_func (hit_free);
	score->threshold = threshold;
	s.hits = score->hits;
	if (!bs_facts_is_bounce (f)) {
		score->verdict = BS_VERDICT_NOT_BOUNCE;
		return score;
	}
	if (f->original->found)
		top = vouched_hop (f->original, id, &top_index);

	test_identity (&s, f, id, top, top_index);
	/* Proof by signature (issue 15): facts filled by proof.c. */
	if (f->dkim_valid)
		fire (&s, "dkim-valid", "%s", or_dash (f->dkim_detail));
	else if (f->dkim_invalid)
		fire (&s, "dkim-invalid", "%s", or_dash (f->dkim_detail));
	if (f->batv_valid)
		fire (&s, "batv-valid", "%s", or_dash (f->batv_detail));
	else if (f->batv_invalid)
		fire (&s, "batv-invalid", "%s", or_dash (f->batv_detail));
	if (!f->original->found || g_strcmp0 (f->original->via, "summary") == 0) {
		if (f->original->unparsable)
			fire (&s, "original-unparsable", "a part meant to hold "
			    "the original holds no message");
		else if (f->kind == BS_KIND_DSN || f->kind == BS_KIND_NDR
		    || f->kind == BS_KIND_VIRUS_NOTICE)
			fire (&s, "no-original", "the report returns no copy "
			    "of the original");
	} else {
		test_top_hop (&s, top);
		for (i = 0; i < f->original->received->len; i++) {
			g_autoptr(BsHop) hop = bs_hop_parse (
			    f->original->received->pdata[i]);

			if (hop->authenticated) {
				fire (&s, "hop-authenticated", "sent by an "
				    "authenticated user via %s",
				    or_dash (hop->by));
				break;
			}
		}
		test_message_id (&s, f->original);
		test_content (&s, f);
	}
	test_reason (&s, f);
	test_patterns (&s, f, top);

	g_ptr_array_sort (score->hits, compare_hits);
	for (i = 0; i < score->hits->len; i++)
		score->score += ((const BsHit *) score->hits->pdata[i])->score;
	/* Round to the tenth that reports show, so that what people read is
	 * what was compared. */
	score->score = round (score->score * 10.0) / 10.0;
	score->verdict = score->score >= threshold ? BS_VERDICT_BACKSCATTER :
	    BS_VERDICT_LEGITIMATE;
	return score;
}
