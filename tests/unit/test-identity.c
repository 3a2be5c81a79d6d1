/* test-identity.c: the owner's addresses, domains and relays. */
#include "identity.h"

#include <string.h>

static BsIdentity *
identity (const char *const *addresses, const char *const *relays)
{
	BsIdentity *id = bs_identity_new ();
	gsize i;

	for (i = 0; addresses != NULL && addresses[i] != NULL; i++) {
		g_autoptr(GError) error = NULL;

		g_assert_true (bs_identity_add_address (id, addresses[i],
		    &error));
		g_assert_no_error (error);
	}
	for (i = 0; relays != NULL && relays[i] != NULL; i++) {
		g_autoptr(GError) error = NULL;

		g_assert_true (bs_identity_add_relay (id, relays[i], &error));
		g_assert_no_error (error);
	}
	return id;
}

static void
test_empty (void)
{
	g_autoptr(BsIdentity) id = bs_identity_new ();

	g_assert_true (bs_identity_is_empty (id));
	g_assert_false (bs_identity_has_addresses (id));
	g_assert_false (bs_identity_has_relays (id));
	g_assert_false (bs_identity_match_address (id, "kim@example.org"));
	g_assert_false (bs_identity_match_domain (id, "example.org"));
	g_assert_null (bs_identity_match_relay (id, "mail.example.org",
	    "192.0.2.1"));
}

static void
test_address (void)
{
	static const char *const addrs[] = { " Kim@Example.ORG ", NULL };
	g_autoptr(BsIdentity) id = identity (addrs, NULL);

	g_assert_false (bs_identity_is_empty (id));
	g_assert_true (bs_identity_has_addresses (id));
	g_assert_false (bs_identity_has_relays (id));
	g_assert_true (bs_identity_match_address (id, "kim@example.org"));
	g_assert_true (bs_identity_match_address (id, "KIM@EXAMPLE.ORG"));
	g_assert_false (bs_identity_match_address (id, "kim@example.com"));
	g_assert_false (bs_identity_match_address (id, "kimx@example.org"));
	g_assert_false (bs_identity_match_address (id, "xkim@example.org"));
	g_assert_false (bs_identity_match_address (id, "kim@sub.example.org"));
	g_assert_false (bs_identity_match_address (id, "kim"));
	g_assert_false (bs_identity_match_address (id, "example.org"));
	g_assert_false (bs_identity_match_address (id, ""));
	g_assert_false (bs_identity_match_address (id, NULL));
}

static void
test_whole_domain (void)
{
	static const char *const addrs[] = { "@example.net", NULL };
	g_autoptr(BsIdentity) id = identity (addrs, NULL);

	g_assert_true (bs_identity_match_address (id, "anyone@example.net"));
	g_assert_true (bs_identity_match_address (id, "Else@EXAMPLE.net"));
	/* The whole domain, not its subdomains nor look-alikes */
	g_assert_false (bs_identity_match_address (id, "a@sub.example.net"));
	g_assert_false (bs_identity_match_address (id, "a@example.network"));
	g_assert_false (bs_identity_match_address (id, "a@badexample.net"));
	g_assert_false (bs_identity_match_address (id, "example.net"));
}

static void
test_domain (void)
{
	static const char *const addrs[] = {
		"kim@example.org", "@example.net", "KIM@example.org", NULL,
	};
	g_autoptr(BsIdentity) id = identity (addrs, NULL);

	g_assert_true (bs_identity_match_domain (id, "example.org"));
	g_assert_true (bs_identity_match_domain (id, "EXAMPLE.ORG"));
	g_assert_true (bs_identity_match_domain (id, "example.net"));
	/* Subdomains count, at a label boundary only */
	g_assert_true (bs_identity_match_domain (id, "mail.example.org"));
	g_assert_true (bs_identity_match_domain (id, "a.b.example.net"));
	g_assert_false (bs_identity_match_domain (id, "badexample.org"));
	g_assert_false (bs_identity_match_domain (id, "example.org.evil.com"));
	g_assert_false (bs_identity_match_domain (id, "org"));
	g_assert_false (bs_identity_match_domain (id, "example.com"));
	g_assert_false (bs_identity_match_domain (id, ""));
	g_assert_false (bs_identity_match_domain (id, NULL));
}

static void
test_bad_address (void)
{
	static const char *const bad[] = {
		"kim", "kim@", "@", "kim@exa mple.org", "kim @example.org",
		"kim@.example.org", "kim@example!.org", "", "   ", NULL,
	};
	g_autoptr(BsIdentity) id = bs_identity_new ();
	gsize i;

	for (i = 0; bad[i] != NULL; i++) {
		g_autoptr(GError) error = NULL;

		g_test_message ("address \"%s\"", bad[i]);
		g_assert_false (bs_identity_add_address (id, bad[i], &error));
		g_assert_error (error, BS_IDENTITY_ERROR,
		    BS_IDENTITY_ERROR_ADDRESS);
		g_assert_nonnull (strstr (error->message, bad[i]));
	}
	g_assert_true (bs_identity_is_empty (id));
	g_assert_false (bs_identity_match_domain (id, "example.org"));
}

static void
test_relay_host (void)
{
	static const char *const relays[] = { "Mail.Example.ORG", NULL };
	g_autoptr(BsIdentity) id = identity (NULL, relays);

	g_assert_true (bs_identity_has_relays (id));
	g_assert_false (bs_identity_has_addresses (id));
	g_assert_cmpstr (bs_identity_match_relay (id, "mail.example.org",
	    NULL), ==, "mail.example.org");
	/* Any case, and the DNS root dot */
	g_assert_cmpstr (bs_identity_match_relay (id, "MAIL.EXAMPLE.ORG.",
	    "192.0.2.1"), ==, "mail.example.org");
	g_assert_null (bs_identity_match_relay (id, "xmail.example.org",
	    NULL));
	g_assert_null (bs_identity_match_relay (id, "mail.example.org.evil.com",
	    NULL));
	g_assert_null (bs_identity_match_relay (id, "example.org", NULL));
	/* A host name entry never matches an address */
	g_assert_null (bs_identity_match_relay (id, NULL, "192.0.2.1"));
	g_assert_null (bs_identity_match_relay (id, "", NULL));
	g_assert_null (bs_identity_match_relay (id, NULL, NULL));
}

static void
test_relay_glob (void)
{
	static const char *const relays[] = { "*.example.net", "mx?.example.com",
		NULL };
	g_autoptr(BsIdentity) id = identity (NULL, relays);

	g_assert_cmpstr (bs_identity_match_relay (id, "a.example.net", NULL),
	    ==, "*.example.net");
	g_assert_cmpstr (bs_identity_match_relay (id, "out.b.example.net",
	    NULL), ==, "*.example.net");
	g_assert_null (bs_identity_match_relay (id, "example.net", NULL));
	g_assert_null (bs_identity_match_relay (id, "a.example.network",
	    NULL));
	g_assert_cmpstr (bs_identity_match_relay (id, "MX1.example.com", NULL),
	    ==, "mx?.example.com");
	g_assert_null (bs_identity_match_relay (id, "mx12.example.com", NULL));
}

static void
test_relay_ipv4 (void)
{
	static const char *const relays[] = { "192.0.2.25", NULL };
	g_autoptr(BsIdentity) id = identity (NULL, relays);

	g_assert_cmpstr (bs_identity_match_relay (id, NULL, "192.0.2.25"), ==,
	    "192.0.2.25");
	g_assert_cmpstr (bs_identity_match_relay (id, "whatever.example",
	    "192.0.2.25"), ==, "192.0.2.25");
	g_assert_null (bs_identity_match_relay (id, NULL, "192.0.2.26"));
	g_assert_null (bs_identity_match_relay (id, NULL, "not an ip"));
	/* An address entry does not match a host name that looks like it */
	g_assert_null (bs_identity_match_relay (id, "192.0.2.25", NULL));
}

static void
test_relay_cidr (void)
{
	static const char *const relays[] = {
		"198.51.100.0/24", "2001:DB8::/32", NULL,
	};
	g_autoptr(BsIdentity) id = identity (NULL, relays);

	g_assert_cmpstr (bs_identity_match_relay (id, NULL, "198.51.100.200"),
	    ==, "198.51.100.0/24");
	g_assert_cmpstr (bs_identity_match_relay (id, NULL, "198.51.100.0"),
	    ==, "198.51.100.0/24");
	g_assert_null (bs_identity_match_relay (id, NULL, "198.51.101.1"));
	g_assert_cmpstr (bs_identity_match_relay (id, NULL, "2001:db8:1::5"),
	    ==, "2001:db8::/32");
	g_assert_null (bs_identity_match_relay (id, NULL, "2001:db9::1"));
}

static void
test_family_mismatch (void)
{
	static const char *const v4[] = { "192.0.2.0/24", NULL };
	static const char *const v6[] = { "::/0", NULL };
	g_autoptr(BsIdentity) a = identity (NULL, v4);
	g_autoptr(BsIdentity) b = identity (NULL, v6);

	/* An IPv4-mapped IPv6 address is IPv6; IPv4 masks do not see it */
	g_assert_null (bs_identity_match_relay (a, NULL, "::ffff:192.0.2.1"));
	g_assert_null (bs_identity_match_relay (a, NULL, "2001:db8::1"));
	g_assert_cmpstr (bs_identity_match_relay (a, NULL, "192.0.2.1"), ==,
	    "192.0.2.0/24");
	/* ... and an IPv6 mask does not see IPv4 */
	g_assert_null (bs_identity_match_relay (b, NULL, "192.0.2.1"));
	g_assert_cmpstr (bs_identity_match_relay (b, NULL, "2001:db8::1"), ==,
	    "::/0");
}

static void
test_bad_relay (void)
{
	static const char *const bad[] = {
		"", "   ", "bad host", "host!.example.org", "192.0.2.0/33",
		"example.org/24", "2001:db8::/129", ".example.org",
		/* Address bits past the length: GLib refuses the mask. */
		"192.0.2.25/24", "2001:db8::1/32", NULL,
	};
	g_autoptr(BsIdentity) id = bs_identity_new ();
	gsize i;

	for (i = 0; bad[i] != NULL; i++) {
		g_autoptr(GError) error = NULL;

		g_test_message ("relay \"%s\"", bad[i]);
		g_assert_false (bs_identity_add_relay (id, bad[i], &error));
		g_assert_error (error, BS_IDENTITY_ERROR,
		    BS_IDENTITY_ERROR_RELAY);
	}
	g_assert_false (bs_identity_has_relays (id));
}

static void
test_clear (void)
{
	static const char *const addrs[] = { "kim@example.org", NULL };
	static const char *const relays[] = { "mail.example.org", NULL };
	g_autoptr(BsIdentity) id = identity (addrs, relays);

	bs_identity_clear_addresses (id);
	g_assert_false (bs_identity_has_addresses (id));
	g_assert_false (bs_identity_match_address (id, "kim@example.org"));
	g_assert_false (bs_identity_match_domain (id, "example.org"));
	g_assert_true (bs_identity_has_relays (id));
	g_assert_false (bs_identity_is_empty (id));
	bs_identity_clear_relays (id);
	g_assert_null (bs_identity_match_relay (id, "mail.example.org", NULL));
	g_assert_true (bs_identity_is_empty (id));
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/identity/empty", test_empty);
	g_test_add_func ("/identity/address", test_address);
	g_test_add_func ("/identity/whole-domain", test_whole_domain);
	g_test_add_func ("/identity/subdomain", test_domain);
	g_test_add_func ("/identity/bad-address", test_bad_address);
	g_test_add_func ("/identity/relay-host", test_relay_host);
	g_test_add_func ("/identity/relay-glob", test_relay_glob);
	g_test_add_func ("/identity/relay-ipv4", test_relay_ipv4);
	g_test_add_func ("/identity/relay-cidr", test_relay_cidr);
	g_test_add_func ("/identity/family-mismatch", test_family_mismatch);
	g_test_add_func ("/identity/bad-relay", test_bad_relay);
	g_test_add_func ("/identity/clear", test_clear);
	return g_test_run ();
}
