/* score.c: the scoring tests.  Each test is named; its weight and tier come
 * from a [test NAME] group of the rule files (the weight also from the
 * config's [weights]).  Tests computed here look at the proof facts, the
 * returned original's vouched Received hop, its Message-ID, the failed
 * recipients and the reason; pattern tests (groups with patterns and a
 * target) match text of the facts.  How tiers decide: score.h. */
#include <math.h>
#include <string.h>

#include "score.h"

/* Scoring reads plain facts only (doc/DESIGN.md): no GMime header, not
 * even through another. */
#ifdef __GMIME_H__
#error "score.c must not include GMime"
#endif

/* The original is "old" when written this long before the bounce: MTAs
 * give up after about five days, and spam is often sent with old Dates. */
#define BS_ORIGINAL_MAX_AGE (7 * 24 * 3600)
#define BS_ORIGINAL_MAX_FUTURE (24 * 3600)
/* More links than this in the original's body is a spammer's habit. */
#define BS_MANY_LINKS 6
#define BS_DETAIL_MAX 120

/* Proof tests: each fires on a fact that something other than the mail
 * (the owner's records) filled in before scoring.  Adding one is a
 * [test] group of tier=proof and a line here. */
static const struct {
	const char *name;
	glong flag;		/* offset of a gboolean in BsFacts */
	glong detail;		/* offset of a char * in BsFacts */
} proof_tests[] = {
	{ "ledger-sent", G_STRUCT_OFFSET (BsFacts, ledger_sent),
	  G_STRUCT_OFFSET (BsFacts, ledger_detail) },
	{ "ledger-unsent", G_STRUCT_OFFSET (BsFacts, ledger_unsent),
	  G_STRUCT_OFFSET (BsFacts, ledger_detail) },
	/* Proof by signature (issue 15), from facts proof.c fills. */
	{ "dkim-valid", G_STRUCT_OFFSET (BsFacts, dkim_valid),
	  G_STRUCT_OFFSET (BsFacts, dkim_detail) },
	{ "dkim-invalid", G_STRUCT_OFFSET (BsFacts, dkim_invalid),
	  G_STRUCT_OFFSET (BsFacts, dkim_detail) },
	{ "batv-valid", G_STRUCT_OFFSET (BsFacts, batv_valid),
	  G_STRUCT_OFFSET (BsFacts, batv_detail) },
	{ "batv-invalid", G_STRUCT_OFFSET (BsFacts, batv_invalid),
	  G_STRUCT_OFFSET (BsFacts, batv_detail) },
};

static const char *const code_tests[] = {
	"ledger-sent", "ledger-unsent",
	"dkim-valid", "dkim-invalid", "batv-valid", "batv-invalid",
	"relay-top-hop", "relay-not-top-hop", "relay-unverifiable",
	"msgid-foreign-domain", "from-not-owner",
	"report-not-to-owner",
	"no-original", "original-unparsable", "top-hop-literal-helo",
	"top-hop-bareword-helo", "top-hop-helo-mismatch",
	"top-hop-unknown-rdns", "hop-authenticated",
	"msgid-missing", "msgid-malformed", "msgid-domain-mismatch",
	"random-recipient", "userunknown-after-accept",
	"rejected-at-remote", "reason-content", "reason-mailboxfull",
	"delay-notice", "dsn-success", "challenge-notice",
	"virus-notice", "original-many-links", "original-html-only",
	"original-executable", "display-name-mismatch", "original-date-old",
	"original-date-future", "original-self-addressed",
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

const char *
bs_score_decided_by (const BsScore *score)
{
	return score->decided ? bs_tier_to_string (score->decided_by) : "none";
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

	/* A test without a group, or weighed 0, is switched off.  The rules
	 * refuse a content test that points towards legitimate. */
	if (test == NULL || test->weight == 0.0
	    || (test->tier == BS_TIER_CONTENT && test->weight < 0.0))
		return;
	hit = g_new0 (BsHit, 1);
	hit->name = test->name;
	hit->score = test->weight;
	hit->tier = test->tier;
	hit->counted = TRUE;
	va_start (ap, fmt);
	hit->detail = g_strdup_vprintf (fmt, ap);
	va_end (ap);
	g_ptr_array_add (s->hits, hit);
}

/* --- helpers ------------------------------------------------------------ */

/* The organisational domain: the registrable one of the Public Suffix
 * List, so that Message-ID and From of one provider (mail.gmx.de, gmx.de)
 * are seen as related. */
char *
bs_score_org_domain (const char *domain)
{
	return bs_identity_registrable_domain (domain);
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

/* The hop the bouncing server wrote (bs_facts_read_hops), or a hop above
 * it from one of the owner's relays on an internal address: a relay
 * inside the owner's own site hands mail over from there. */
static const BsHop *
vouched_hop (const BsFacts *f, const BsIdentity *id)
{
	guint i, end = f->vouched >= 0 ? (guint) f->vouched : f->hops->len;

	for (i = 0; i < end && bs_identity_has_relays (id); i++) {
		const BsHop *hop = f->hops->pdata[i];

		if (hop->has_from && hop->ip != NULL
		    && bs_identity_match_relay (id, hop->rdns, hop->ip) != NULL)
			return hop;
	}
	if (f->vouched >= 0)
		return f->hops->pdata[f->vouched];
	/* Every hop is inside a site.  The topmost with a client counts
	 * only when one of the owner's relays wrote it: the relay taking
	 * mail from the owner's LAN.  Any other internal hop tells nothing. */
	for (i = 0; i < f->hops->len && bs_identity_has_relays (id); i++) {
		const BsHop *hop = f->hops->pdata[i];

		if (hop->has_from)
			return hop->by != NULL && bs_identity_match_relay (id,
			    hop->by, NULL) != NULL ? hop : NULL;
	}
	return NULL;
}

/* The reverse DNS name the server found and vouches for, or NULL. */
static const char *
verified_rdns (const BsHop *hop)
{
	if (hop->rdns == NULL || strcmp (hop->rdns, "unknown") == 0)
		return NULL;
	return hop->rdns;
}

static const char *
or_dash (const char *s)
{
	return s != NULL ? s : "-";
}

/* --- the tests ---------------------------------------------------------- */

/* Does the original show any hop from a client at all? */
static gboolean
has_network_hop (const BsFacts *f)
{
	guint i;

	if (!f->original->found)
		return FALSE;
	for (i = 0; i < f->hops->len; i++) {
		if (((const BsHop *) f->hops->pdata[i])->has_from)
			return TRUE;
	}
	return FALSE;
}

static void
test_proof (Scorer *s, const BsFacts *f)
{
	guint i;

	for (i = 0; i < G_N_ELEMENTS (proof_tests); i++) {
		if (G_STRUCT_MEMBER (gboolean, f, proof_tests[i].flag))
			fire (s, proof_tests[i].name, "%s", or_dash (
			    G_STRUCT_MEMBER (char *, f, proof_tests[i].detail)));
	}
}

/* The relay check reads only what the bouncing server wrote of its client:
 * the address and the name it looked up.  The client's HELO is its own
 * word, and a forger greets with the owner's relay as easily as with
 * anything else. */
static void
test_identity (Scorer *s, const BsFacts *f, const BsIdentity *id,
    const BsHop *top)
{
	const BsOriginal *o = f->original;
	const char *msgid_domain = o->msgid_domain;
	guint i;

	if (bs_identity_has_relays (id) && o->found && top != NULL) {
		const char *relay = bs_identity_match_relay (id,
		    verified_rdns (top), top->ip);
		/* The server that wrote the vouched hop is one of the owner's
		 * relays, and it says the client logged in or was inside its
		 * network: the owner's own submission, which the relay then
		 * bounced.  (A relay that took mail from any outside host
		 * vouches for nothing.) */
		const char *writer = top->by != NULL && (top->authenticated
		    || (top->ip != NULL && bs_ip_is_internal (top->ip))) ?
		    bs_identity_match_relay (id, top->by, NULL) : NULL;

		if (relay != NULL) {
			fire (s, "relay-top-hop", "top hop from %s [%s] matches "
			    "relay %s", or_dash (top->rdns), or_dash (top->ip),
			    relay);
		} else if (writer != NULL) {
			fire (s, "relay-top-hop", "top hop written by %s, relay "
			    "%s: the owner's relay took the original in itself",
			    top->by, writer);
		} else {
			const char *deep = NULL;

			for (i = 0; i < f->hops->len && deep == NULL; i++) {
				const BsHop *hop = f->hops->pdata[i];

				if (hop != top)
					deep = bs_identity_match_relay (id,
					    verified_rdns (hop), hop->ip);
			}
			fire (s, "relay-not-top-hop", "top hop from %s [%s] "
			    "helo %s is none of the owner's relays%s%s",
			    top->rdns_forged ? "(may be forged)" :
			    or_dash (top->rdns), or_dash (top->ip),
			    or_dash (top->helo),
			    deep != NULL ? "; another, forgeable hop names " : "",
			    deep != NULL ? deep : "");
		}
	}
	/* Only a report on delivery is expected to return the original. */
	if (bs_identity_has_relays (id) && !has_network_hop (f)
	    && (f->kind == BS_KIND_DSN || f->kind == BS_KIND_NDR
	    || f->kind == BS_KIND_DELAY || f->kind == BS_KIND_VIRUS_NOTICE))
		fire (s, "relay-unverifiable", "the report returns no Received "
		    "hop of the original to check the owner's relays against");
	if (bs_identity_has_addresses (id) && o->found) {
		if (msgid_domain != NULL && !bs_identity_match_domain (id,
		    msgid_domain))
			fire (s, "msgid-foreign-domain", "Message-ID %s is not "
			    "of the owner's domains", o->message_id);
		if (o->from_address != NULL && !bs_identity_match_address (id,
		    o->from_address) && !bs_identity_match_address (id,
		    o->return_path) && !bs_identity_match_address (id,
		    o->sender))
			fire (s, "from-not-owner", "original From %s is not the "
			    "owner's", o->from_address);
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
	 * likes from wherever it is: only a relay's greeting tells.  The
	 * server wrote the protocol, so this is its word. */
	if (top->authenticated) {
		fire (s, "hop-authenticated", "the bouncing server says the "
		    "client logged in (with %s)", or_dash (top->with));
		return;
	}
	if (top->helo != NULL)
		helo_addr = g_inet_address_new_from_string (top->helo);
	literal = top->helo != NULL && (top->helo[0] == '[' || helo_addr != NULL);
	bareword = top->helo != NULL && !literal
	    && strchr (top->helo, '.') == NULL;
	if (literal)
		fire (s, "top-hop-literal-helo", "HELO %s", top->helo);
	else if (bareword)
		fire (s, "top-hop-bareword-helo", "HELO %s", top->helo);
	if (verified_rdns (top) == NULL) {
		if (top->ip != NULL)
			fire (s, "top-hop-unknown-rdns", "client [%s] has no "
			    "reverse DNS name%s", top->ip, top->rdns_forged ?
			    " the server vouches for (may be forged)" : "");
	} else if (top->helo != NULL && !literal && !bareword
	    && !helo_matches_rdns (top->helo, top->rdns)) {
		fire (s, "top-hop-helo-mismatch", "HELO %s, reverse DNS %s",
		    top->helo, top->rdns);
	}
}

static void
test_message_id (Scorer *s, const BsOriginal *o)
{
	const char *domain = o->msgid_domain;
	g_autofree char *org = NULL;
	g_autofree char *from_org = NULL;
	const char *id = o->message_id;

	if (o->header_count < 3)
		return;		/* a few lines of summary, not a header */
	if (id == NULL || *id == '\0') {
		fire (s, "msgid-missing", "the original has no Message-ID");
		return;
	}
	if (id[0] != '<' || domain == NULL || strchr (domain, '.') == NULL
	    || strchr (id, ' ') != NULL) {
		fire (s, "msgid-malformed", "Message-ID %s", id);
		return;
	}
	org = bs_score_org_domain (domain);
	from_org = bs_score_org_domain (domain_of (o->from_address));
	if (from_org == NULL)
		return;
	/* Message-ID and From of one domain is what a forger writes too:
	 * only the mismatch tells. */
	if (strcmp (org, from_org) != 0)
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
	case BS_KIND_DMARC_REPORT:
	case BS_KIND_TLS_REPORT:
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
	/* Spam runs often write From: victim, To: victim. */
	if (o->from_address != NULL && f->original_to_address != NULL
	    && g_ascii_strcasecmp (f->original_to_address,
	    o->from_address) == 0)
		fire (s, "original-self-addressed", "From and To are both %s",
		    f->original_to_address);
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
		return g_strdup (o->msgid_domain);
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

/* Sums the tiers from the top; see score.h. */
static void
decide (BsScore *score)
{
	static const BsTier order[] = {
		BS_TIER_PROOF, BS_TIER_SERVER, BS_TIER_CONTENT,
	};
	double sum = 0.0;
	guint t, i;

	for (t = 0; t < G_N_ELEMENTS (order) && !score->decided; t++) {
		gboolean evidence = FALSE;

		for (i = 0; i < score->hits->len; i++) {
			const BsHit *hit = score->hits->pdata[i];

			if (hit->tier == order[t]) {
				sum += hit->score;
				evidence = TRUE;
			}
		}
		/* Round to the tenth that reports show, so that what people
		 * read is what was compared. */
		sum = round (sum * 10.0) / 10.0;
		if (evidence && (sum >= score->threshold
		    || sum <= -score->threshold)) {
			score->decided = TRUE;
			score->decided_by = order[t];
		}
	}
	for (i = 0; i < score->hits->len; i++) {
		BsHit *hit = score->hits->pdata[i];

		hit->counted = !score->decided || hit->tier >= score->decided_by;
	}
	score->score = sum;
	score->verdict = score->decided && sum >= score->threshold ?
	    BS_VERDICT_BACKSCATTER : BS_VERDICT_LEGITIMATE;
}

BsScore *
bs_score_compute (const BsFacts *f, const BsIdentity *id,
    const BsRules *rules, double threshold)
{
	BsScore *score = g_new0 (BsScore, 1);
	Scorer s = { rules, NULL };
	const BsHop *top = NULL;

	score->hits = g_ptr_array_new_with_free_func (hit_free);
	score->threshold = threshold;
	s.hits = score->hits;
	if (!bs_facts_is_bounce (f)) {
		score->verdict = BS_VERDICT_NOT_BOUNCE;
		return score;
	}
	if (f->original->found)
		top = vouched_hop (f, id);

	test_proof (&s, f);
	test_identity (&s, f, id, top);
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
		test_message_id (&s, f->original);
		test_content (&s, f);
	}
	test_reason (&s, f);
	test_patterns (&s, f, top);

	g_ptr_array_sort (score->hits, compare_hits);
	decide (score);
	return score;
}
