/* test-score.c: scoring tests on hand-built facts, and their helpers.
 *
 * Most tests load their own rules: every test computed in code, weighed 0
 * (switched off) except the few a case is about, so that each case says
 * exactly which tests may fire and with what weight.
 */
#include "score.h"

#include <string.h>

#include <glib/gstdio.h>

/* Rules with every code test at weight 0 but those in weights, given as
 * "name", "value" pairs ending in NULL. */
static BsRules *
make_rules (const char *first, ...)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GHashTable) wanted = g_hash_table_new (g_str_hash,
	    g_str_equal);
	g_autoptr(GString) text = g_string_new (NULL);
	g_autofree char *dir = g_dir_make_tmp ("test-score-XXXXXX", &error);
	g_autofree char *path = NULL;
	g_autoptr(BsRules) builtin = NULL;
	const char *const *names;
	const char *name;
	BsRules *rules;
	va_list ap;

	g_assert_no_error (error);
	va_start (ap, first);
	for (name = first; name != NULL; name = va_arg (ap, const char *))
		g_hash_table_insert (wanted, (gpointer) name,
		    (gpointer) va_arg (ap, const char *));
	va_end (ap);
	builtin = bs_rules_load_builtin (FALSE, &error);
	g_assert_no_error (error);
	for (names = bs_score_code_tests (); *names != NULL; names++) {
		const char *w = g_hash_table_lookup (wanted, *names);
		const BsRule *test = bs_rules_get_test (builtin, *names);

		/* Each test keeps its built-in tier. */
		g_assert_nonnull (test);
		g_string_append_printf (text, "[test %s]\nweight=%s\ntier=%s\n\n",
		    *names, w != NULL ? w : "0", bs_tier_to_string (test->tier));
	}
	path = g_build_filename (dir, "50-score.rules", NULL);
	g_file_set_contents (path, text->str, (gssize) text->len, &error);
	g_assert_no_error (error);
	rules = bs_rules_load_dir (dir, FALSE, &error);
	g_assert_no_error (error);
	g_unlink (path);
	g_rmdir (dir);
	return rules;
}

static BsIdentity *
relay_identity (const char *relay)
{
	g_autoptr(GError) error = NULL;
	BsIdentity *id = bs_identity_new ();

	if (relay != NULL) {
		g_assert_true (bs_identity_add_relay (id, relay, &error));
		g_assert_no_error (error);
	}
	return id;
}

/* A DSN whose returned original carries the Received lines given,
 * top first, ending in NULL. */
static BsFacts *
dsn_facts (const char *received, ...)
{
	BsFacts *f = bs_facts_new ();
	const char *r;
	va_list ap;

	f->kind = BS_KIND_DSN;
	f->original->found = TRUE;
	f->original->via = "message/rfc822";
	va_start (ap, received);
	for (r = received; r != NULL; r = va_arg (ap, const char *))
		g_ptr_array_add (f->original->received, g_strdup (r));
	va_end (ap);
	bs_facts_read_hops (f);
	return f;
}

static const BsHit *
find_hit (const BsScore *score, const char *name)
{
	guint i;

	for (i = 0; i < score->hits->len; i++) {
		const BsHit *hit = score->hits->pdata[i];

		if (strcmp (hit->name, name) == 0)
			return hit;
	}
	return NULL;
}

/* The hit named name, which must be there. */
static const BsHit *
must_hit (const BsScore *score, const char *name)
{
	static const BsHit none = { "(none)", 0.0, BS_TIER_CONTENT, FALSE,
	    (char *) "" };
	const BsHit *hit = find_hit (score, name);

	if (hit == NULL) {
		g_test_message ("test %s did not fire", name);
		g_test_fail ();
		return &none;
	}
	return hit;
}

#define RELAY_HOP "from mail.example.org (mail.example.org [192.0.2.25]) " \
	"by mx.example.com (Postfix) with ESMTPS id 4AAA; Mon, 1 Jan 2024 " \
	"10:00:00 +0000"
#define SPAM_HOP "from spam.example.com (spam.example.com [203.0.113.5]) " \
	"by mx.example.com (Postfix) with ESMTP id 4BBB; Mon, 1 Jan 2024 " \
	"10:00:00 +0000"
#define FORGED_RELAY_HOP "from mail.example.org (mail.example.org " \
	"[192.0.2.25]) by spam.example.com with SMTP id 4CCC"
#define LOCAL_HOP "from localhost (localhost [127.0.0.1]) by " \
	"mx.example.com (Postfix) with ESMTP id 4DDD"

static void
test_relay_top_hop (void)
{
	g_autoptr(BsRules) rules = make_rules ("relay-top-hop", "-10",
	    "relay-not-top-hop", "6", NULL);
	g_autoptr(BsIdentity) id = relay_identity ("mail.example.org");
	g_autoptr(BsFacts) f = dsn_facts (RELAY_HOP,
	    "from laptop (unknown [198.51.100.9]) by mail.example.org "
	    "(Postfix) with ESMTPSA id 4EEE", NULL);
	g_autoptr(BsScore) score = bs_score_compute (f, id, rules, 5.0);
	const BsHit *hit;

	g_assert_cmpuint (score->hits->len, ==, 1);
	hit = must_hit (score, "relay-top-hop");
	g_assert_cmpfloat (hit->score, ==, -10.0);
	g_assert_nonnull (strstr (hit->detail, "mail.example.org"));
	g_assert_null (find_hit (score, "relay-not-top-hop"));
	g_assert_cmpfloat (score->score, ==, -10.0);
	g_assert_cmpfloat (score->threshold, ==, 5.0);
	g_assert_cmpint (score->verdict, ==, BS_VERDICT_LEGITIMATE);
}

static void
test_relay_by_address (void)
{
	g_autoptr(BsRules) rules = make_rules ("relay-top-hop", "-10",
	    "relay-not-top-hop", "6", NULL);
	g_autoptr(BsIdentity) id = relay_identity ("192.0.2.0/24");
	g_autoptr(BsFacts) f = dsn_facts (RELAY_HOP, NULL);
	g_autoptr(BsScore) score = bs_score_compute (f, id, rules, 5.0);

	g_assert_nonnull (find_hit (score, "relay-top-hop"));
	g_assert_null (find_hit (score, "relay-not-top-hop"));
}

static void
test_relay_deeper_hop (void)
{
	g_autoptr(BsRules) rules = make_rules ("relay-top-hop", "-10",
	    "relay-not-top-hop", "6", NULL);
	g_autoptr(BsIdentity) id = relay_identity ("mail.example.org");
	/* The relay appears only below the top hop, where a spammer can
	 * write anything: it does not rescue the bounce. */
	g_autoptr(BsFacts) f = dsn_facts (SPAM_HOP, FORGED_RELAY_HOP, NULL);
	g_autoptr(BsScore) score = bs_score_compute (f, id, rules, 5.0);
	const BsHit *hit;

	g_assert_null (find_hit (score, "relay-top-hop"));
	hit = must_hit (score, "relay-not-top-hop");
	g_assert_cmpfloat (hit->score, ==, 6.0);
	g_assert_nonnull (strstr (hit->detail, "spam.example.com"));
	g_assert_nonnull (strstr (hit->detail, "203.0.113.5"));
	g_assert_cmpuint (score->hits->len, ==, 1);
	g_assert_cmpfloat (score->score, ==, 6.0);
	g_assert_cmpint (score->verdict, ==, BS_VERDICT_BACKSCATTER);
}

static void
test_relay_internal_hop_skipped (void)
{
	g_autoptr(BsRules) rules = make_rules ("relay-top-hop", "-10",
	    "relay-not-top-hop", "6", NULL);
	g_autoptr(BsIdentity) id = relay_identity ("mail.example.org");
	/* The bouncer's own filter hop on loopback is above the hop from
	 * our relay; the hop that counts is the first from outside. */
	g_autoptr(BsFacts) f = dsn_facts (LOCAL_HOP, RELAY_HOP, NULL);
	g_autoptr(BsScore) score = bs_score_compute (f, id, rules, 5.0);

	g_assert_nonnull (find_hit (score, "relay-top-hop"));
	g_assert_null (find_hit (score, "relay-not-top-hop"));
}

static void
test_no_received (void)
{
	g_autoptr(BsRules) rules = make_rules ("relay-top-hop", "-10",
	    "relay-not-top-hop", "6", NULL);
	g_autoptr(BsIdentity) id = relay_identity ("mail.example.org");
	g_autoptr(BsIdentity) nobody = relay_identity (NULL);
	g_autoptr(BsFacts) bare = dsn_facts (NULL);
	g_autoptr(BsFacts) by_only = dsn_facts ("by mx.example.com (Postfix, "
	    "from userid 0) id 4FFF", NULL);
	g_autoptr(BsFacts) hops = dsn_facts (SPAM_HOP, NULL);
	g_autoptr(BsScore) a = bs_score_compute (bare, id, rules, 5.0);
	g_autoptr(BsScore) b = bs_score_compute (by_only, id, rules, 5.0);
	g_autoptr(BsScore) c = bs_score_compute (hops, nobody, rules, 5.0);

	/* Nothing to judge the relay by: neither test fires. */
	g_assert_cmpuint (a->hits->len, ==, 0);
	g_assert_cmpuint (b->hits->len, ==, 0);
	/* No relay configured: neither fires either. */
	g_assert_cmpuint (c->hits->len, ==, 0);
	g_assert_cmpfloat (a->score, ==, 0.0);
	g_assert_cmpint (a->verdict, ==, BS_VERDICT_LEGITIMATE);
}

static void
test_not_bounce (void)
{
	g_autoptr(BsRules) rules = make_rules ("no-original", "5",
	    "random-recipient", "5", "relay-not-top-hop", "6", NULL);
	g_autoptr(BsIdentity) id = relay_identity ("mail.example.org");
	g_autoptr(BsFacts) f = bs_facts_new ();
	g_autoptr(BsScore) score = NULL;
	BsRecipient *r = bs_recipient_new ();

	/* Facts that would fire if this were a bounce. */
	r->recipient = g_strdup ("dqfvu@example.com");
	r->action = g_strdup ("failed");
	bs_dsn_add_recipient (f->dsn, r);
	f->kind = BS_KIND_NONE;
	score = bs_score_compute (f, id, rules, 5.0);
	g_assert_cmpint (score->verdict, ==, BS_VERDICT_NOT_BOUNCE);
	g_assert_cmpuint (score->hits->len, ==, 0);
	g_assert_cmpfloat (score->score, ==, 0.0);
	g_assert_cmpfloat (score->threshold, ==, 5.0);
}

/* A DSN without its original, failing a made-up address. */
static BsFacts *
lost_original (BsKind kind)
{
	BsFacts *f = bs_facts_new ();
	BsRecipient *r = bs_recipient_new ();

	f->kind = kind;
	r->recipient = g_strdup ("dqfvu@example.com");
	r->action = g_strdup ("failed");
	r->status = g_strdup ("5.1.1");
	bs_dsn_add_recipient (f->dsn, r);
	return f;
}

static void
test_threshold_boundary (void)
{
	g_autoptr(BsRules) rules = make_rules ("no-original", "2.5",
	    "random-recipient", "2.5", NULL);
	g_autoptr(BsIdentity) id = bs_identity_new ();
	g_autoptr(BsFacts) f = lost_original (BS_KIND_DSN);
	g_autoptr(BsScore) at = bs_score_compute (f, id, rules, 5.0);
	g_autoptr(BsScore) above = bs_score_compute (f, id, rules, 5.05);
	g_autoptr(BsScore) below = bs_score_compute (f, id, rules, 4.9);

	g_assert_cmpuint (at->hits->len, ==, 2);
	/* Sorted by name */
	g_assert_cmpstr (((BsHit *) at->hits->pdata[0])->name, ==,
	    "no-original");
	g_assert_cmpstr (((BsHit *) at->hits->pdata[1])->name, ==,
	    "random-recipient");
	g_assert_cmpfloat (at->score, ==, 5.0);
	g_assert_cmpint (at->verdict, ==, BS_VERDICT_BACKSCATTER);
	g_assert_cmpfloat (above->score, ==, 5.0);
	g_assert_cmpint (above->verdict, ==, BS_VERDICT_LEGITIMATE);
	g_assert_cmpint (below->verdict, ==, BS_VERDICT_BACKSCATTER);
}

static void
test_score_rounded (void)
{
	g_autoptr(BsRules) rules = make_rules ("no-original", "0.7",
	    "random-recipient", "0.1", NULL);
	g_autoptr(BsIdentity) id = bs_identity_new ();
	g_autoptr(BsFacts) f = lost_original (BS_KIND_DSN);
	g_autoptr(BsScore) score = bs_score_compute (f, id, rules, 0.8);

	/* 0.7 + 0.1 is 0.7999... in binary; the score people read is 0.8,
	 * and that is what meets the threshold of 0.8. */
	g_assert_cmpfloat (score->score, ==, 0.8);
	g_assert_cmpint (score->verdict, ==, BS_VERDICT_BACKSCATTER);
}

static void
test_weight_zero (void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(BsRules) rules = make_rules ("no-original", "3",
	    "random-recipient", "1", NULL);
	g_autoptr(BsIdentity) id = bs_identity_new ();
	g_autoptr(BsFacts) f = lost_original (BS_KIND_DSN);
	g_autoptr(BsScore) before = bs_score_compute (f, id, rules, 5.0);
	g_autoptr(BsScore) after = NULL;

	g_assert_nonnull (find_hit (before, "no-original"));
	g_assert_cmpfloat (before->score, ==, 4.0);
	g_assert_true (bs_rules_set_weight (rules, "no-original", 0.0,
	    &error));
	g_assert_no_error (error);
	after = bs_score_compute (f, id, rules, 5.0);
	g_assert_null (find_hit (after, "no-original"));
	g_assert_nonnull (find_hit (after, "random-recipient"));
	g_assert_cmpuint (after->hits->len, ==, 1);
	g_assert_cmpfloat (after->score, ==, 1.0);
}

static void
test_no_original_kinds (void)
{
	g_autoptr(BsRules) rules = make_rules ("no-original", "2",
	    "original-unparsable", "3", NULL);
	g_autoptr(BsIdentity) id = bs_identity_new ();
	g_autoptr(BsFacts) ndr = lost_original (BS_KIND_NDR);
	g_autoptr(BsFacts) vacation = lost_original (BS_KIND_AUTO_REPLY);
	g_autoptr(BsFacts) broken = lost_original (BS_KIND_DSN);
	g_autoptr(BsScore) a = bs_score_compute (ndr, id, rules, 5.0);
	g_autoptr(BsScore) b = NULL;
	g_autoptr(BsScore) c = NULL;

	g_assert_nonnull (find_hit (a, "no-original"));
	/* An auto-reply returns no original by nature. */
	b = bs_score_compute (vacation, id, rules, 5.0);
	g_assert_null (find_hit (b, "no-original"));
	g_assert_cmpuint (b->hits->len, ==, 0);
	/* A part that held no message is that, not a missing original. */
	broken->original->unparsable = TRUE;
	c = bs_score_compute (broken, id, rules, 5.0);
	g_assert_null (find_hit (c, "no-original"));
	g_assert_nonnull (find_hit (c, "original-unparsable"));
	g_assert_cmpfloat (c->score, ==, 3.0);
}

static void
test_builtin_relay (void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(BsRules) rules = bs_rules_load_builtin (FALSE, &error);
	g_autoptr(BsIdentity) id = relay_identity ("mail.example.org");
	g_autoptr(BsFacts) ours = dsn_facts (RELAY_HOP, NULL);
	g_autoptr(BsFacts) forged = dsn_facts (SPAM_HOP, FORGED_RELAY_HOP,
	    NULL);
	g_autoptr(BsScore) a = NULL;
	g_autoptr(BsScore) b = NULL;

	g_assert_no_error (error);
	a = bs_score_compute (ours, id, rules, 5.0);
	b = bs_score_compute (forged, id, rules, 5.0);
	g_assert_nonnull (find_hit (a, "relay-top-hop"));
	g_assert_null (find_hit (a, "relay-not-top-hop"));
	g_assert_null (find_hit (b, "relay-top-hop"));
	g_assert_nonnull (find_hit (b, "relay-not-top-hop"));
	/* The built-in weights point the right way. */
	g_assert_cmpfloat (bs_rules_weight (rules, "relay-top-hop"), <, 0.0);
	g_assert_cmpfloat (bs_rules_weight (rules, "relay-not-top-hop"), >,
	    0.0);
}

static void
test_local_part_random (void)
{
	static const char *const random[] = {
		"dqfvu@x.org", "x7k2q9w3@x.org", "bcdfg@example.com",
		"QZXWV@example.com", NULL,
	};
	static const char *const names[] = {
		"smith@x.org", "john.smith@x.org", "kim@x.org", "info@x.org",
		"christopher@x.org", "schwarz@x.org", "jsmith@x.org",
		"kbrown@x.org", "schmidt@x.org", "j-doe@x.org",
		"postmaster@x.org", "abc12@x.org", "no-at-sign", "", NULL,
	};
	gsize i;

	for (i = 0; random[i] != NULL; i++) {
		g_test_message ("random: %s", random[i]);
		g_assert_true (bs_score_local_part_is_random (random[i]));
	}
	for (i = 0; names[i] != NULL; i++) {
		g_test_message ("not random: %s", names[i]);
		g_assert_false (bs_score_local_part_is_random (names[i]));
	}
	g_assert_false (bs_score_local_part_is_random (NULL));
}

static void
check_org_domains (const char *const *pairs)
{
	for (; pairs[0] != NULL; pairs += 2) {
		g_autofree char *org = bs_score_org_domain (pairs[0]);

		g_test_message ("org domain of %s", pairs[0]);
		g_assert_cmpstr (org, ==, pairs[1]);
	}
}

static void
test_org_domain (void)
{
	static const char *const pairs[] = {
		"a.b.example.org", "example.org",
		"mail.example.org", "example.org",
		"example.org", "example.org",
		"EXAMPLE.org", "example.org",
		"localhost", "localhost",
		NULL,
	};

	check_org_domains (pairs);
	g_assert_null (bs_score_org_domain (""));
	g_assert_null (bs_score_org_domain (NULL));
}

static void
test_org_domain_cctld (void)
{
	/* A short label under a two-letter TLD is a registry's (co.uk) */
	static const char *const pairs[] = {
		"mail.example.co.uk", "example.co.uk",
		"example.co.uk", "example.co.uk",
		"MX.Example.CO.UK", "example.co.uk",
		/* ... and a short name under one is not (libpsl) */
		"mail.gmx.de", "gmx.de",
		"smtp.web.de", "web.de",
		"a.b.example.com.au", "example.com.au",
		NULL,
	};

	check_org_domains (pairs);
}

static void
test_org_domain_lowercase (void)
{
	/* Org domains are compared with strcmp: always lower case. */
	static const char *const pairs[] = {
		"Mail.Example.ORG", "example.org",
		"A.B.EXAMPLE.NET", "example.net",
		NULL,
	};

	check_org_domains (pairs);
}

static void
test_msgid_consistent_any_case (void)
{
	g_autoptr(BsRules) rules = make_rules ("msgid-domain-mismatch", "1",
	    NULL);
	g_autoptr(BsIdentity) id = bs_identity_new ();
	g_autoptr(BsFacts) f = dsn_facts (NULL);
	g_autoptr(BsFacts) g = dsn_facts (NULL);
	g_autoptr(BsScore) a = NULL;
	g_autoptr(BsScore) b = NULL;

	/* From written in capitals, Message-ID of the same domain */
	f->original->header_count = 5;
	f->original->message_id = g_strdup ("<1@mail.example.org>");
	f->original->msgid_domain = g_strdup ("mail.example.org");
	f->original->from_address = g_strdup ("Kim@Mail.Example.ORG");
	a = bs_score_compute (f, id, rules, 5.0);
	g_assert_null (find_hit (a, "msgid-domain-mismatch"));
	/* ... and a Message-ID of another domain */
	g->original->header_count = 5;
	g->original->message_id = g_strdup ("<1@bulk.example.net>");
	g->original->msgid_domain = g_strdup ("bulk.example.net");
	g->original->from_address = g_strdup ("kim@example.org");
	b = bs_score_compute (g, id, rules, 5.0);
	g_assert_nonnull (find_hit (b, "msgid-domain-mismatch"));
}

static void
test_code_tests (void)
{
	const char *const *names = bs_score_code_tests ();
	g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash,
	    g_str_equal);

	g_assert_nonnull (names);
	g_assert_true (g_strv_contains (names, "relay-top-hop"));
	g_assert_true (g_strv_contains (names, "relay-not-top-hop"));
	g_assert_true (g_strv_contains (names, "no-original"));
	for (; *names != NULL; names++) {
		/* Unique, kebab-case */
		g_assert_false (g_hash_table_contains (seen, *names));
		g_hash_table_add (seen, (gpointer) *names);
		g_assert_true (g_regex_match_simple ("^[a-z0-9]+(-[a-z0-9]+)*$",
		    *names, 0, 0));
	}
}

static void
test_verdict_to_string (void)
{
	g_assert_cmpstr (bs_verdict_to_string (BS_VERDICT_NOT_BOUNCE), ==,
	    "not-bounce");
	g_assert_cmpstr (bs_verdict_to_string (BS_VERDICT_LEGITIMATE), ==,
	    "legitimate");
	g_assert_cmpstr (bs_verdict_to_string (BS_VERDICT_BACKSCATTER), ==,
	    "backscatter");
}

/* --- the holes of issue 11: what the forger writes does not count ------ */

static void
test_relay_not_by_helo (void)
{
	g_autoptr(BsRules) rules = make_rules ("relay-top-hop", "-10",
	    "relay-not-top-hop", "6", NULL);
	g_autoptr(BsIdentity) id = relay_identity ("mail.example.org");
	/* The client greets with the owner's relay; the server found no
	 * name for its address. */
	g_autoptr(BsFacts) f = dsn_facts ("from mail.example.org (unknown "
	    "[198.51.100.118]) by mx.example.com (Postfix) with ESMTP id 4H",
	    NULL);
	g_autoptr(BsScore) score = bs_score_compute (f, id, rules, 5.0);
	const BsHit *hit;

	g_assert_null (find_hit (score, "relay-top-hop"));
	hit = must_hit (score, "relay-not-top-hop");
	g_assert_nonnull (strstr (hit->detail, "198.51.100.118"));
	g_assert_cmpint (score->verdict, ==, BS_VERDICT_BACKSCATTER);
	g_assert_cmpstr (bs_score_decided_by (score), ==, "server");
}

static void
test_relay_not_by_forged_rdns (void)
{
	g_autoptr(BsRules) rules = make_rules ("relay-top-hop", "-10",
	    "relay-not-top-hop", "6", "top-hop-unknown-rdns", "3", NULL);
	g_autoptr(BsIdentity) id = relay_identity ("mail.example.org");
	/* Sendmail found the owner's relay's name for the address, but the
	 * name does not resolve back: whoever runs 203.0.113.9 chose it. */
	g_autoptr(BsFacts) f = dsn_facts ("from mail.example.org "
	    "(mail.example.org [203.0.113.9] (may be forged)) by "
	    "mx.example.com (8.15.2/8.15.2) with ESMTP id x03", NULL);
	g_autoptr(BsScore) score = bs_score_compute (f, id, rules, 5.0);
	const BsHit *hit;

	g_assert_null (find_hit (score, "relay-top-hop"));
	must_hit (score, "relay-not-top-hop");
	hit = must_hit (score, "top-hop-unknown-rdns");
	g_assert_nonnull (strstr (hit->detail, "may be forged"));
	g_assert_cmpint (score->verdict, ==, BS_VERDICT_BACKSCATTER);
}

static void
test_relay_not_by_localhost_helo (void)
{
	g_autoptr(BsRules) rules = make_rules ("relay-top-hop", "-10",
	    "relay-not-top-hop", "6", NULL);
	g_autoptr(BsIdentity) id = relay_identity ("mail.example.org");
	/* A client that says "localhost" from an outside address does not
	 * make the bouncer's hop internal, so the forged hop below it is
	 * not the one that counts. */
	g_autoptr(BsFacts) f = dsn_facts ("from localhost (unknown "
	    "[203.0.113.10]) by mx.example.com (Postfix) with ESMTP id 4J",
	    FORGED_RELAY_HOP, NULL);
	g_autoptr(BsScore) score = bs_score_compute (f, id, rules, 5.0);

	g_assert_cmpint (f->vouched, ==, 0);
	g_assert_null (find_hit (score, "relay-top-hop"));
	must_hit (score, "relay-not-top-hop");
}

static void
test_deeper_authenticated_hop (void)
{
	g_autoptr(BsRules) rules = make_rules ("hop-authenticated", "-2",
	    "top-hop-unknown-rdns", "3", NULL);
	g_autoptr(BsIdentity) id = bs_identity_new ();
	/* The forger writes every hop but the top one. */
	g_autoptr(BsFacts) deep = dsn_facts ("from esmtpsa (unknown "
	    "[203.0.113.11]) by mx.example.com (Postfix) with ESMTP id 4K",
	    "from laptop (Authenticated sender: kim@example.org) by "
	    "mail.example.org (Postfix) with ESMTPSA id 4L", NULL);
	/* The bouncing server itself says the client logged in. */
	g_autoptr(BsFacts) top = dsn_facts ("from laptop (unknown "
	    "[203.0.113.12]) (Authenticated sender: kim@example.com) by "
	    "mx.example.com (Postfix) with ESMTPSA id 4M", NULL);
	g_autoptr(BsScore) a = bs_score_compute (deep, id, rules, 5.0);
	g_autoptr(BsScore) b = bs_score_compute (top, id, rules, 5.0);

	g_assert_null (find_hit (a, "hop-authenticated"));
	must_hit (a, "top-hop-unknown-rdns");
	g_assert_cmpint (must_hit (b, "hop-authenticated")->tier, ==,
	    BS_TIER_SERVER);
}

static void
test_relay_wrote_top_hop (void)
{
	g_autoptr(BsRules) rules = make_rules ("relay-top-hop", "-10",
	    "relay-not-top-hop", "6", NULL);
	g_autoptr(BsIdentity) id = relay_identity ("mail.example.org");
	/* The owner's relay took the original from its own LAN, and
	 * bounced it: every hop is inside a site. */
	g_autoptr(BsFacts) lan = dsn_facts ("from 10.0.0.5 (pc.example.org "
	    "[192.168.0.71]) by mail.example.org (Postfix) with SMTP id 4Q",
	    NULL);
	/* ... or from a client that logged in. */
	g_autoptr(BsFacts) login = dsn_facts ("from laptop (unknown "
	    "[198.51.100.40]) by mail.example.org (Postfix) with ESMTPSA "
	    "id 4R", NULL);
	/* A relay that took mail from any outside host vouches for
	 * nothing. */
	g_autoptr(BsFacts) open = dsn_facts ("from fxcaxl-pc (unknown "
	    "[198.51.100.30]) by mail.example.org with SMTP id 4S", NULL);
	g_autoptr(BsScore) a = bs_score_compute (lan, id, rules, 5.0);
	g_autoptr(BsScore) b = bs_score_compute (login, id, rules, 5.0);
	g_autoptr(BsScore) c = bs_score_compute (open, id, rules, 5.0);

	g_assert_cmpint (lan->vouched, ==, -1);
	g_assert_nonnull (strstr (must_hit (a, "relay-top-hop")->detail,
	    "written by mail.example.org"));
	must_hit (b, "relay-top-hop");
	g_assert_null (find_hit (c, "relay-top-hop"));
	must_hit (c, "relay-not-top-hop");
}

static void
test_relay_unverifiable (void)
{
	g_autoptr(BsRules) rules = make_rules ("relay-top-hop", "-10",
	    "relay-not-top-hop", "6", "relay-unverifiable", "4", NULL);
	g_autoptr(BsIdentity) id = relay_identity ("mail.example.org");
	g_autoptr(BsIdentity) nobody = relay_identity (NULL);
	g_autoptr(BsFacts) bare = dsn_facts (NULL);
	g_autoptr(BsFacts) by_only = dsn_facts ("by mx.example.com (Postfix, "
	    "from userid 0) id 4FFF", NULL);
	g_autoptr(BsFacts) hop = dsn_facts (RELAY_HOP, NULL);
	g_autoptr(BsFacts) reply = dsn_facts (NULL);
	g_autoptr(BsScore) a = bs_score_compute (bare, id, rules, 5.0);
	g_autoptr(BsScore) b = bs_score_compute (by_only, id, rules, 5.0);
	g_autoptr(BsScore) c = bs_score_compute (hop, id, rules, 5.0);
	g_autoptr(BsScore) d = bs_score_compute (bare, nobody, rules, 5.0);
	g_autoptr(BsScore) e = NULL;

	/* Nothing to check the relays against. */
	g_assert_cmpint (must_hit (a, "relay-unverifiable")->tier, ==,
	    BS_TIER_SERVER);
	must_hit (b, "relay-unverifiable");
	g_assert_null (find_hit (c, "relay-unverifiable"));
	g_assert_null (find_hit (d, "relay-unverifiable"));
	/* An auto-reply need not return the original. */
	reply->kind = BS_KIND_AUTO_REPLY;
	e = bs_score_compute (reply, id, rules, 5.0);
	g_assert_null (find_hit (e, "relay-unverifiable"));
}

static void
test_forgeable_tests_gone (void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(BsRules) rules = bs_rules_load_builtin (FALSE, &error);
	static const char *const gone[] = {
		"msgid-owner-domain", "msgid-consistent", "dkim-owner-domain",
		"top-hop-mail-server", NULL,
	};
	const char *const *name;

	/* Looking like the owner's mail is what a forger does: none of
	 * these is evidence of legitimacy any more. */
	g_assert_no_error (error);
	for (name = gone; *name != NULL; name++) {
		g_assert_null (bs_rules_get_test (rules, *name));
		g_assert_false (g_strv_contains (bs_score_code_tests (), *name));
	}
}

/* --- tiers ------------------------------------------------------------- */

static void
test_tier_server_stands (void)
{
	g_autoptr(BsRules) rules = make_rules ("relay-top-hop", "-10",
	    "top-hop-literal-helo", "2.5", "msgid-missing", "2",
	    "original-self-addressed", "1", "original-date-old", "1",
	    "display-name-mismatch", "1.5", NULL);
	g_autoptr(BsIdentity) id = relay_identity ("mail.example.org");
	g_autoptr(BsFacts) f = dsn_facts ("from [192.0.2.25] "
	    "(mail.example.org [192.0.2.25]) by mx.example.com (Postfix) "
	    "with ESMTP id 4N", NULL);
	g_autoptr(BsScore) score = NULL;
	guint i;

	/* Content that looks like spam, 8 points of it, from the owner's
	 * relay: the relay stands. */
	f->original->header_count = 5;
	f->original->from_address = g_strdup ("kim@example.org");
	f->original->from_name = g_strdup ("bank@example.com");
	f->original_to_address = g_strdup ("kim@example.org");
	f->original->date_unix = 1;
	f->date_unix = 30 * 86400;
	score = bs_score_compute (f, id, rules, 5.0);
	g_assert_cmpuint (score->hits->len, ==, 6);
	g_assert_cmpint (score->verdict, ==, BS_VERDICT_LEGITIMATE);
	g_assert_true (score->decided);
	g_assert_cmpint (score->decided_by, ==, BS_TIER_SERVER);
	g_assert_cmpstr (bs_score_decided_by (score), ==, "server");
	g_assert_cmpfloat (score->score, ==, -10.0);
	for (i = 0; i < score->hits->len; i++) {
		const BsHit *hit = score->hits->pdata[i];

		g_assert_cmpint (hit->counted, ==, hit->tier == BS_TIER_SERVER);
	}
}

static void
test_tier_content_adds (void)
{
	g_autoptr(BsRules) rules = make_rules ("top-hop-unknown-rdns", "3",
	    "userunknown-after-accept", "-1", "top-hop-literal-helo", "2.5",
	    "msgid-missing", "2", NULL);
	g_autoptr(BsIdentity) id = bs_identity_new ();
	g_autoptr(BsFacts) f = dsn_facts ("from [203.0.113.13] (unknown "
	    "[203.0.113.13]) by mx.example.com (Postfix) with ESMTP id 4P",
	    NULL);
	g_autoptr(BsScore) score = NULL;
	BsRecipient *r = bs_recipient_new ();

	/* The server's word falls short of either threshold (3 - 1): the
	 * content adds to it. */
	r->recipient = g_strdup ("kim@example.com");
	r->action = g_strdup ("failed");
	bs_dsn_add_recipient (f->dsn, r);
	f->reason = g_strdup ("userunknown");
	f->original->header_count = 5;
	score = bs_score_compute (f, id, rules, 5.0);
	g_assert_cmpuint (score->hits->len, ==, 4);
	g_assert_cmpfloat (score->score, ==, 6.5);
	g_assert_cmpint (score->verdict, ==, BS_VERDICT_BACKSCATTER);
	g_assert_cmpstr (bs_score_decided_by (score), ==, "content");
}

static void
test_tier_none (void)
{
	g_autoptr(BsRules) rules = make_rules ("msgid-missing", "2", NULL);
	g_autoptr(BsIdentity) id = bs_identity_new ();
	g_autoptr(BsFacts) f = dsn_facts (NULL);
	g_autoptr(BsFacts) g = dsn_facts (NULL);
	g_autoptr(BsScore) a = NULL;
	g_autoptr(BsScore) b = NULL;

	f->original->header_count = 5;
	a = bs_score_compute (f, id, rules, 5.0);
	g_assert_cmpint (a->verdict, ==, BS_VERDICT_LEGITIMATE);
	g_assert_false (a->decided);
	g_assert_cmpstr (bs_score_decided_by (a), ==, "none");
	g_assert_true (((const BsHit *) a->hits->pdata[0])->counted);
	b = bs_score_compute (g, id, rules, 5.0);
	g_assert_cmpuint (b->hits->len, ==, 0);
	g_assert_cmpstr (bs_score_decided_by (b), ==, "none");
}

static void
test_ledger (void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(BsRules) rules = bs_rules_load_builtin (FALSE, &error);
	g_autoptr(BsIdentity) id = relay_identity ("mail.example.org");
	g_autoptr(BsFacts) sent = dsn_facts (SPAM_HOP, NULL);
	g_autoptr(BsFacts) unsent = dsn_facts (RELAY_HOP, NULL);
	g_autoptr(BsFacts) none = dsn_facts (RELAY_HOP, NULL);
	g_autoptr(BsScore) a = NULL;
	g_autoptr(BsScore) b = NULL;
	g_autoptr(BsScore) c = NULL;
	const BsHit *hit;

	g_assert_no_error (error);
	/* The ledger says the owner sent it: whatever the hop says. */
	sent->ledger_sent = TRUE;
	sent->ledger_detail = g_strdup ("sent 2024-01-01 as <1@example.org>");
	a = bs_score_compute (sent, id, rules, 5.0);
	hit = must_hit (a, "ledger-sent");
	g_assert_cmpint (hit->tier, ==, BS_TIER_PROOF);
	g_assert_cmpstr (hit->detail, ==, "sent 2024-01-01 as <1@example.org>");
	g_assert_cmpint (a->verdict, ==, BS_VERDICT_LEGITIMATE);
	g_assert_cmpstr (bs_score_decided_by (a), ==, "proof");
	g_assert_false (must_hit (a, "relay-not-top-hop")->counted);
	/* ... and that the owner never sent it, though from the relay. */
	unsent->ledger_unsent = TRUE;
	unsent->ledger_detail = g_strdup ("not in the ledger");
	b = bs_score_compute (unsent, id, rules, 5.0);
	g_assert_cmpint (must_hit (b, "ledger-unsent")->tier, ==, BS_TIER_PROOF);
	g_assert_null (find_hit (b, "ledger-sent"));
	g_assert_cmpint (b->verdict, ==, BS_VERDICT_BACKSCATTER);
	g_assert_cmpstr (bs_score_decided_by (b), ==, "proof");
	g_assert_false (must_hit (b, "relay-top-hop")->counted);
	/* No say: neither fires. */
	c = bs_score_compute (none, id, rules, 5.0);
	g_assert_null (find_hit (c, "ledger-sent"));
	g_assert_null (find_hit (c, "ledger-unsent"));
	g_assert_cmpstr (bs_score_decided_by (c), ==, "server");
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	/* Report every failing case, not just the first. */
	g_test_set_nonfatal_assertions ();
	g_test_add_func ("/score/relay-top-hop", test_relay_top_hop);
	g_test_add_func ("/score/relay-by-address", test_relay_by_address);
	g_test_add_func ("/score/relay-deeper-hop-does-not-rescue",
	    test_relay_deeper_hop);
	g_test_add_func ("/score/relay-internal-hop-skipped",
	    test_relay_internal_hop_skipped);
	g_test_add_func ("/score/no-received", test_no_received);
	g_test_add_func ("/score/not-bounce", test_not_bounce);
	g_test_add_func ("/score/threshold-boundary", test_threshold_boundary);
	g_test_add_func ("/score/score-rounded", test_score_rounded);
	g_test_add_func ("/score/weight-zero", test_weight_zero);
	g_test_add_func ("/score/no-original-kinds", test_no_original_kinds);
	g_test_add_func ("/score/builtin-relay", test_builtin_relay);
	g_test_add_func ("/score/local-part-random", test_local_part_random);
	g_test_add_func ("/score/org-domain", test_org_domain);
	g_test_add_func ("/score/org-domain-cctld", test_org_domain_cctld);
	g_test_add_func ("/score/org-domain-lowercase",
	    test_org_domain_lowercase);
	g_test_add_func ("/score/msgid-consistent-any-case",
	    test_msgid_consistent_any_case);
	g_test_add_func ("/score/code-tests", test_code_tests);
	g_test_add_func ("/score/verdict-to-string", test_verdict_to_string);
	g_test_add_func ("/score/relay-not-by-helo", test_relay_not_by_helo);
	g_test_add_func ("/score/relay-not-by-forged-rdns",
	    test_relay_not_by_forged_rdns);
	g_test_add_func ("/score/relay-not-by-localhost-helo",
	    test_relay_not_by_localhost_helo);
	g_test_add_func ("/score/deeper-authenticated-hop",
	    test_deeper_authenticated_hop);
	g_test_add_func ("/score/relay-unverifiable", test_relay_unverifiable);
	g_test_add_func ("/score/relay-wrote-top-hop", test_relay_wrote_top_hop);
	g_test_add_func ("/score/forgeable-tests-gone",
	    test_forgeable_tests_gone);
	g_test_add_func ("/score/tier-server-stands", test_tier_server_stands);
	g_test_add_func ("/score/tier-content-adds", test_tier_content_adds);
	g_test_add_func ("/score/tier-none", test_tier_none);
	g_test_add_func ("/score/ledger", test_ledger);
	return g_test_run ();
}
