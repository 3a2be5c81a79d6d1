/* test-received.c: the client of a Received field, MTA by MTA. */
#include "received.h"

typedef struct {
	const char *value;
	const char *helo;
	const char *rdns;
	const char *ip;
	const char *by;
	gboolean has_from;
	gboolean authenticated;
} HopCase;

static void
check_hop (const HopCase *c)
{
	g_autoptr(BsHop) hop = bs_hop_parse (c->value);

	g_test_message ("Received: %s", c->value);
	g_assert_cmpstr (hop->helo, ==, c->helo);
	g_assert_cmpstr (hop->rdns, ==, c->rdns);
	g_assert_cmpstr (hop->ip, ==, c->ip);
	g_assert_cmpstr (hop->by, ==, c->by);
	g_assert_cmpint (hop->has_from, ==, c->has_from);
	g_assert_cmpint (hop->authenticated, ==, c->authenticated);
}

static void
check_all (const HopCase *cases, gsize n)
{
	gsize i;

	for (i = 0; i < n; i++)
		check_hop (&cases[i]);
}

static void
test_postfix (void)
{
	static const HopCase cases[] = {
		{ "from mail.example.com (mail.example.com [192.0.2.10]) by "
		  "mx.example.net (Postfix) with ESMTPS id 4ABC for "
		  "<kim@example.net>; Mon, 1 Jan 2024 10:00:00 +0000",
		  "mail.example.com", "mail.example.com", "192.0.2.10",
		  "mx.example.net", TRUE, FALSE },
		/* HELO differs from the name; values are lower-cased */
		{ "from HELO.Example.ORG (Host-7.Example.COM [198.51.100.7]) "
		  "by mx.example.net (Postfix) with ESMTP id X; "
		  "Mon, 1 Jan 2024 10:00:00 +0000",
		  "helo.example.org", "host-7.example.com", "198.51.100.7",
		  "mx.example.net", TRUE, FALSE },
	};

	check_all (cases, G_N_ELEMENTS (cases));
}

static void
test_unknown_rdns (void)
{
	static const HopCase cases[] = {
		{ "from helo.example (unknown [198.51.100.7]) by "
		  "mx.example.net (Postfix) with ESMTP id 4XYZ; "
		  "Mon, 1 Jan 2024 10:00:00 +0000",
		  "helo.example", "unknown", "198.51.100.7", "mx.example.net",
		  TRUE, FALSE },
		/* A literal HELO */
		{ "from [198.51.100.8] (unknown [198.51.100.8]) by "
		  "mx.example.net (Postfix) with SMTP id 4XYZ",
		  "[198.51.100.8]", "unknown", "198.51.100.8",
		  "mx.example.net", TRUE, FALSE },
	};

	check_all (cases, G_N_ELEMENTS (cases));
}

static void
test_sendmail (void)
{
	static const HopCase cases[] = {
		{ "from client.example.org (client.example.org [192.0.2.20]) "
		  "by mx.example.net (8.15.2/8.15.2) with ESMTP id "
		  "x01AB2cd; Mon, 1 Jan 2024 10:00:00 +0000",
		  "client.example.org", "client.example.org", "192.0.2.20",
		  "mx.example.net", TRUE, FALSE },
		/* The name did not resolve back: the client's owner chose
		 * it, so it is no reverse DNS name the server vouches for. */
		{ "from helo.example.org (host.example.com [192.0.2.21] "
		  "(may be forged)) by mx.example.net (8.15.2/8.15.2) with "
		  "ESMTP id x01; Mon, 1 Jan 2024 10:00:00 +0000",
		  "helo.example.org", NULL, "192.0.2.21",
		  "mx.example.net", TRUE, FALSE },
		/* Authenticated submission */
		{ "from laptop.example.org (dsl.example.com [198.51.100.22]) "
		  "(authenticated bits=0) by mail.example.org (8.15.2/8.15.2) "
		  "with ESMTP id x02",
		  "laptop.example.org", "dsl.example.com", "198.51.100.22",
		  "mail.example.org", TRUE, TRUE },
	};

	check_all (cases, G_N_ELEMENTS (cases));
}

static void
test_exim (void)
{
	static const HopCase cases[] = {
		{ "from mail.example.com ([192.0.2.30] helo=helo.example.com) "
		  "by mx.example.net with esmtp (Exim 4.96) (envelope-from "
		  "<a@example.com>) id 1abc-000; Mon, 1 Jan 2024 10:00:00 "
		  "+0000",
		  "helo.example.com", "mail.example.com", "192.0.2.30",
		  "mx.example.net", TRUE, FALSE },
		/* No verified name: the address comes first */
		{ "from [192.0.2.31] (helo=foo.example) by mx.example.net "
		  "with smtp (Exim 4.96) id 1abd-000",
		  "foo.example", NULL, "192.0.2.31", "mx.example.net", TRUE,
		  FALSE },
		/* Port logging: "[ip]:port" */
		{ "from mail.example.com ([192.0.2.32]:40123 "
		  "helo=mail.example.com) by mx.example.net with esmtps "
		  "(TLS1.3) (Exim 4.96) id 1abe-000",
		  "mail.example.com", "mail.example.com", "192.0.2.32",
		  "mx.example.net", TRUE, FALSE },
		/* Authenticated submission */
		{ "from host.example.org ([198.51.100.71] helo=laptop) by "
		  "mail.example.org with esmtpsa (TLS1.3) tls "
		  "TLS_AES_256_GCM_SHA384 (Exim 4.96) (envelope-from "
		  "<kim@example.org>) id 1abf-000",
		  "laptop", "host.example.org", "198.51.100.71",
		  "mail.example.org", TRUE, TRUE },
	};

	check_all (cases, G_N_ELEMENTS (cases));
}

static void
test_qmail (void)
{
	static const HopCase cases[] = {
		{ "from unknown (HELO mail.example.com) (192.0.2.40) by "
		  "mx.example.net with SMTP; 1 Jan 2024 10:00:00 -0000",
		  "mail.example.com", "unknown", "192.0.2.40",
		  "mx.example.net", TRUE, FALSE },
		{ "from host.example.com (HELO abc.example) (192.0.2.41) by "
		  "mx.example.net with SMTP; 1 Jan 2024 10:00:00 -0000",
		  "abc.example", "host.example.com", "192.0.2.41",
		  "mx.example.net", TRUE, FALSE },
	};
	g_autoptr(BsHop) local = NULL;

	check_all (cases, G_N_ELEMENTS (cases));
	/* A local injection: no network hop */
	local = bs_hop_parse ("(qmail 12345 invoked by uid 89); "
	    "1 Jan 2024 10:00:00 -0000");
	g_assert_false (local->has_from);
	g_assert_null (local->ip);
	g_assert_null (local->helo);
	g_assert_null (local->rdns);
}

static void
test_iis (void)
{
	static const HopCase cases[] = {
		{ "from client.example.org ([192.0.2.50]) by mail.example.net "
		  "with Microsoft SMTPSVC(6.0.3790.4675); Mon, 1 Jan 2024 "
		  "10:00:00 +0000",
		  "client.example.org", NULL, "192.0.2.50",
		  "mail.example.net", TRUE, FALSE },
		{ "from WORKSTATION ([192.0.2.51]) by mail.example.net with "
		  "Microsoft SMTPSVC(6.0.3790.4675)",
		  "workstation", NULL, "192.0.2.51", "mail.example.net", TRUE,
		  FALSE },
	};

	check_all (cases, G_N_ELEMENTS (cases));
}

static void
test_gmail (void)
{
	static const HopCase cases[] = {
		/* The rDNS name carries the root dot, which goes */
		{ "from mail-wr1-f54.example.com (mail-wr1-f54.example.com. "
		  "[192.0.2.60]) by mx.example.net with ESMTPS id abc123 for "
		  "<x@example.org> (version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384 "
		  "bits=256/256); Mon, 01 Jan 2024 10:00:00 -0800 (PST)",
		  "mail-wr1-f54.example.com", "mail-wr1-f54.example.com",
		  "192.0.2.60", "mx.example.net", TRUE, FALSE },
		/* The internal hops Gmail adds have no "from" */
		{ "by 2002:a05:6000:1a8e:b0:33e:7f5c:d3 with SMTP id x; Mon, "
		  "01 Jan 2024 10:00:00 -0800 (PST)",
		  NULL, NULL, NULL, "2002:a05:6000:1a8e:b0:33e:7f5c:d3",
		  FALSE, FALSE },
	};

	check_all (cases, G_N_ELEMENTS (cases));
}

static void
test_ipv6 (void)
{
	static const HopCase cases[] = {
		{ "from mail.example.com (mail.example.com [IPv6:2001:db8::25]) "
		  "by mx.example.net (Postfix) with ESMTPS id 4V6",
		  "mail.example.com", "mail.example.com", "2001:db8::25",
		  "mx.example.net", TRUE, FALSE },
		{ "from mail.example.com ([2001:db8::26] "
		  "helo=mail.example.com) by mx.example.net with esmtp "
		  "(Exim 4.96) id 1abg-000",
		  "mail.example.com", "mail.example.com", "2001:db8::26",
		  "mx.example.net", TRUE, FALSE },
	};

	check_all (cases, G_N_ELEMENTS (cases));
}

static void
test_by_only (void)
{
	static const HopCase cases[] = {
		{ "by mx.example.net (Postfix, from userid 1000) id 4ABC; Mon, "
		  "1 Jan 2024 10:00:00 +0000",
		  NULL, NULL, NULL, "mx.example.net", FALSE, FALSE },
		{ "", NULL, NULL, NULL, NULL, FALSE, FALSE },
		{ "garbage without structure", NULL, NULL, NULL, NULL, FALSE,
		  FALSE },
	};
	g_autoptr(BsHop) none = bs_hop_parse (NULL);

	check_all (cases, G_N_ELEMENTS (cases));
	g_assert_false (none->has_from);
	g_assert_null (none->ip);
}

static void
test_authenticated (void)
{
	static const HopCase cases[] = {
		{ "from [192.0.2.70] (unknown [192.0.2.70]) (Authenticated "
		  "sender: kim@example.org) by mail.example.org (Postfix) with "
		  "ESMTPSA id 4AUTH; Mon, 1 Jan 2024 10:00:00 +0000",
		  "[192.0.2.70]", "unknown", "192.0.2.70", "mail.example.org",
		  TRUE, TRUE },
		{ "from laptop (dsl.example.com [198.51.100.72]) by "
		  "mail.example.org with ESMTPA; Mon, 1 Jan 2024",
		  "laptop", "dsl.example.com", "198.51.100.72",
		  "mail.example.org", TRUE, TRUE },
		/* ESMTPS is TLS, not a login */
		{ "from a.example.com (a.example.com [192.0.2.73]) by "
		  "mx.example.net (Postfix) with ESMTPS id 4TLS",
		  "a.example.com", "a.example.com", "192.0.2.73",
		  "mx.example.net", TRUE, FALSE },
	};

	check_all (cases, G_N_ELEMENTS (cases));
}

/* What the client says of itself is not the server's word (issue 11). */
static void
test_helo_is_not_the_server (void)
{
	static const HopCase cases[] = {
		/* Only the address, no greeting (Yahoo) */
		{ "from [183.79.100.140] by nh503.bullet.mail.example.jp with "
		  "NNFMP; 21 Nov 2014 22:11:03 -0000",
		  NULL, NULL, "183.79.100.140", "nh503.bullet.mail.example.jp",
		  TRUE, FALSE },
		/* "esmtpsa" in the HELO, Postfix and Exim */
		{ "from esmtpsa.example (unknown [198.51.100.118]) by "
		  "mx.example.net (Postfix) with ESMTP id 4F",
		  "esmtpsa.example", "unknown", "198.51.100.118",
		  "mx.example.net", TRUE, FALSE },
		{ "from x.example.com ([198.51.100.119] helo=esmtpsa) by "
		  "mx.example.net with esmtp (Exim 4.96) id 1abg-000",
		  "esmtpsa", "x.example.com", "198.51.100.119",
		  "mx.example.net", TRUE, FALSE },
		/* qmail's "(HELO ...)" */
		{ "from unknown (HELO with.esmtpsa) (198.51.100.120) by "
		  "mx.example.net with SMTP; 1 Jan 2024 10:00:00 -0000",
		  "with.esmtpsa", "unknown", "198.51.100.120",
		  "mx.example.net", TRUE, FALSE },
		/* The protocol the server wrote still counts */
		{ "from esmtpsa (unknown [198.51.100.121]) (Authenticated "
		  "sender: kim@example.org) by mail.example.org (Postfix) "
		  "with ESMTPSA id 4G",
		  "esmtpsa", "unknown", "198.51.100.121", "mail.example.org",
		  TRUE, TRUE },
	};
	g_autoptr(BsHop) forged = bs_hop_parse ("from mail.example.org "
	    "(host.example.com [192.0.2.21] (may be forged)) by "
	    "mx.example.net with ESMTP id x01");
	g_autoptr(BsHop) plain = bs_hop_parse ("from a.example.com "
	    "(a.example.com [192.0.2.73]) by mx.example.net (Postfix) "
	    "with ESMTPS id 4TLS");

	check_all (cases, G_N_ELEMENTS (cases));
	g_assert_true (forged->rdns_forged);
	g_assert_null (forged->rdns);
	g_assert_cmpstr (forged->with, ==, "esmtp");
	g_assert_false (plain->rdns_forged);
	g_assert_cmpstr (plain->with, ==, "esmtps");
}

static void
test_ip_is_internal (void)
{
	static const char *const internal[] = {
		"10.1.2.3", "172.16.0.1", "172.31.255.254", "192.168.1.1",
		"127.0.0.1", "169.254.10.1", "::1", "fe80::1", "fd00::1",
		"fc12:3456::1", NULL,
	};
	static const char *const external[] = {
		"192.0.2.1", "198.51.100.7", "172.32.0.1", "11.0.0.1",
		"2001:db8::1", "fe00::1", "not an address", "", NULL,
	};
	gsize i;

	for (i = 0; internal[i] != NULL; i++) {
		g_test_message ("internal: %s", internal[i]);
		g_assert_true (bs_ip_is_internal (internal[i]));
	}
	for (i = 0; external[i] != NULL; i++) {
		g_test_message ("external: %s", external[i]);
		g_assert_false (bs_ip_is_internal (external[i]));
	}
	g_assert_false (bs_ip_is_internal (NULL));
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/received/postfix", test_postfix);
	g_test_add_func ("/received/unknown-rdns", test_unknown_rdns);
	g_test_add_func ("/received/sendmail", test_sendmail);
	g_test_add_func ("/received/exim", test_exim);
	g_test_add_func ("/received/qmail", test_qmail);
	g_test_add_func ("/received/iis", test_iis);
	g_test_add_func ("/received/gmail", test_gmail);
	g_test_add_func ("/received/ipv6-literal", test_ipv6);
	g_test_add_func ("/received/by-only", test_by_only);
	g_test_add_func ("/received/authenticated", test_authenticated);
	g_test_add_func ("/received/helo-is-not-the-server",
	    test_helo_is_not_the_server);
	g_test_add_func ("/received/ip-is-internal", test_ip_is_internal);
	return g_test_run ();
}
