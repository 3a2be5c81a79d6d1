/* test-proof.c: BATV tags, SRS addresses and the DKIM key file, against
 * fixed vectors: BATV from Exim's ${prvs} algorithm (HMAC-SHA1 over
 * K DDD address, computed apart with Python's hmac), SRS as postsrsd 1.10
 * wrote them on day 20788 (secret "tH1s1sAS3cr3t", domain
 * forward.example). */
#include <string.h>

#include "batv.h"
#include "dkim.h"
#include "srs.h"

#define DAY 86400
/* 2026-12-01, day 20788: postsrsd's stamp "JU". */
#define POSTSRSD_NOW ((gint64) 20788 * DAY + 3600)
#define SRS_SECRET "tH1s1sAS3cr3t"

static void
test_batv_vectors (void)
{
	g_autofree char *s = NULL;
	g_autofree char *inner = NULL;

	/* Signed on day 788 for 7 days: expires on day 795. */
	s = bs_batv_sign ("owner@example.org", "batv secret 42", 0,
	    (gint64) 20788 * DAY);
	g_assert_cmpstr (s, ==, "prvs=0795c73435=owner@example.org");
	g_assert_cmpint (bs_batv_check (s, "batv secret 42",
	    (gint64) 20788 * DAY, &inner), ==, BS_BATV_VALID);
	g_assert_cmpstr (inner, ==, "owner@example.org");
	/* On its last day, valid; the day after, expired. */
	g_assert_cmpint (bs_batv_check (s, "batv secret 42",
	    (gint64) 20795 * DAY, NULL), ==, BS_BATV_VALID);
	g_assert_cmpint (bs_batv_check (s, "batv secret 42",
	    (gint64) 20796 * DAY, NULL), ==, BS_BATV_EXPIRED);
	/* Dated further ahead than a tag lives. */
	g_assert_cmpint (bs_batv_check (s, "batv secret 42",
	    (gint64) 20780 * DAY, NULL), ==, BS_BATV_EXPIRED);
	g_assert_cmpint (bs_batv_check (s, "another key",
	    (gint64) 20788 * DAY, NULL), ==, BS_BATV_BAD_HASH);
	/* Key number 3, across the 1000-day wheel; case kept in the hash,
	 * ignored in the tag. */
	g_assert_cmpint (bs_batv_check ("PRVS=30016E5B96=Jane.Doe@Example.NET",
	    "s3cr3t", (gint64) 20999 * DAY, NULL), ==, BS_BATV_VALID);
	g_assert_cmpint (bs_batv_check ("prvs=30016e5b96=jane.doe@example.net",
	    "s3cr3t", (gint64) 20999 * DAY, NULL), ==, BS_BATV_BAD_HASH);
}

static void
test_batv_parse (void)
{
	static const char *const malformed[] = {
		"prvs=", "prvs=0795c7343=owner@example.org",
		"prvs=0795c73435owner@example.org", "prvs=x795c73435=a@b",
		"prvs=0795c7343g=a@b", "prvs=0795c73435=@b",
		"prvs=0795c73435=a@", "prvs=0795c73435=nodomain", NULL,
	};
	BsBatvTag tag;
	guint i;

	g_assert_cmpint (bs_batv_parse ("owner@example.org", &tag), ==,
	    BS_BATV_UNTAGGED);
	g_assert_cmpint (bs_batv_parse ("prvsowner@example.org", &tag), ==,
	    BS_BATV_UNTAGGED);
	g_assert_cmpint (bs_batv_parse (NULL, &tag), ==, BS_BATV_UNTAGGED);
	for (i = 0; malformed[i] != NULL; i++)
		g_assert_cmpint (bs_batv_parse (malformed[i], &tag), ==,
		    BS_BATV_MALFORMED);
	g_assert_cmpint (bs_batv_parse ("prvs=9123abcdef=a=b@c", &tag), ==,
	    BS_BATV_VALID);
	g_assert_cmpuint (tag.key_num, ==, 9);
	g_assert_cmpuint (tag.day, ==, 123);
	g_assert_cmpstr (tag.hash, ==, "abcdef");
	g_assert_cmpstr (tag.address, ==, "a=b@c");
	g_assert_null (bs_batv_sign ("prvs=0795c73435=owner@example.org",
	    "k", 0, 0));
	g_assert_null (bs_batv_sign ("nobody", "k", 0, 0));
	g_assert_null (bs_batv_sign ("a@b", "k", 10, 0));
}

static void
test_srs_postsrsd (void)
{
	const char *const secrets[] = { "old secret", SRS_SECRET, NULL };
	const char *const wrong[] = { "not it", NULL };
	BsSrsStatus st;
	g_autofree char *a = NULL;
	g_autofree char *b = NULL;
	g_autofree char *c = NULL;
	g_autofree char *f0 = NULL;
	g_autofree char *f1 = NULL;
	g_autofree char *f2 = NULL;
	g_autofree char *d = NULL;

	/* What postsrsd's forward table answered. */
	f0 = bs_srs_forward ("owner@example.org", "forward.example",
	    SRS_SECRET, POSTSRSD_NOW);
	g_assert_cmpstr (f0, ==, "SRS0=9T+b=JU=example.org=owner@forward.example");
	f1 = bs_srs_forward ("Owner.Name@Example.ORG", "forward.example",
	    SRS_SECRET, POSTSRSD_NOW);
	g_assert_cmpstr (f1, ==,
	    "SRS0=dUDX=JU=Example.ORG=Owner.Name@forward.example");
	f2 = bs_srs_forward ("SRS0=AbCd=XY=example.org=owner@first.example",
	    "forward.example", SRS_SECRET, POSTSRSD_NOW);
	g_assert_cmpstr (f2, ==,
	    "SRS1=91zE=first.example==AbCd=XY=example.org=owner@forward.example");

	a = bs_srs_unwrap (f0, secrets, POSTSRSD_NOW, &st);
	g_assert_cmpint (st, ==, BS_SRS_VALID);
	g_assert_cmpstr (a, ==, "owner@example.org");
	/* Hashes are compared without case, as libsrs2 does. */
	b = bs_srs_unwrap ("srs0=9t+B=ju=example.org=owner@FORWARD.example",
	    secrets, POSTSRSD_NOW, &st);
	g_assert_cmpint (st, ==, BS_SRS_VALID);
	g_assert_cmpstr (b, ==, "owner@example.org");
	c = bs_srs_unwrap (f2, secrets, POSTSRSD_NOW, &st);
	g_assert_cmpint (st, ==, BS_SRS_VALID);
	g_assert_cmpstr (c, ==, "owner@example.org");
	g_free (bs_srs_unwrap (f0, wrong, POSTSRSD_NOW, &st));
	g_assert_cmpint (st, ==, BS_SRS_BAD_HASH);
	/* 21 days of life, as postsrsd's default. */
	g_free (bs_srs_unwrap (f0, secrets, POSTSRSD_NOW + 21 * DAY, &st));
	g_assert_cmpint (st, ==, BS_SRS_VALID);
	g_free (bs_srs_unwrap (f0, secrets, POSTSRSD_NOW + 22 * DAY, &st));
	g_assert_cmpint (st, ==, BS_SRS_EXPIRED);
	d = bs_srs_unwrap (f0, NULL, POSTSRSD_NOW, &st);
	g_assert_cmpint (st, ==, BS_SRS_UNVERIFIED);
	g_assert_cmpstr (d, ==, "owner@example.org");
}

static void
test_srs_malformed (void)
{
	static const char *const bad[] = {
		"SRS0=@x", "SRS0=abcd@x", "SRS0=abcd=JU@x",
		"SRS0=abcd=JU=host@x", "SRS0=abcd=JUX=host=user@x",
		"SRS0==JU=host=user@x", "SRS1=abcd@x", "SRS1=abcd=host@x",
		"SRS1=abcd=host=@x", "SRS1=abcd=host=Xabc@x", NULL,
	};
	BsSrsStatus st;
	guint i;

	g_assert_null (bs_srs_unwrap ("owner@example.org", NULL, 0, &st));
	g_assert_cmpint (st, ==, BS_SRS_NOT_SRS);
	g_assert_null (bs_srs_unwrap ("SRS0", NULL, 0, &st));
	g_assert_cmpint (st, ==, BS_SRS_NOT_SRS);
	g_assert_null (bs_srs_unwrap ("srs2=a=b=c=d@x", NULL, 0, &st));
	g_assert_cmpint (st, ==, BS_SRS_NOT_SRS);
	for (i = 0; bad[i] != NULL; i++) {
		g_assert_null (bs_srs_unwrap (bad[i], NULL, 0, &st));
		g_assert_cmpint (st, ==, BS_SRS_MALFORMED);
	}
}

static void
test_dkim_keys (void)
{
	static const char good[] =
	    "# comment\n"
	    "\n"
	    "s1._domainkey.Example.ORG v=DKIM1; k=rsa; p=AAAA\r\n"
	    "s2._domainkey.example.org. IN TXT ( \"v=DKIM1; k=rsa; \"\n"
	    "\t\"p=BB\" \"BB\" )  ; ----- DKIM key s2 for example.org\n"
	    "s3._domainkey.sub.example.net 3600 TXT \"p=C\\\"C\"\n";
	static const char *const bad[] = {
		"nodomainkey.example.org p=AAAA\n",
		"s._domainkey. p=AAAA\n",
		"._domainkey.example.org p=AAAA\n",
		"s._domainkey.example.org\n",
		"s._domainkey.example.org v=DKIM1\n",
		"s._domainkey.example.org ( \"p=A\"\n",
		"s._domainkey.example.org \"p=A\n\"\n",
		"s._domainkey.example.org ( ( \"p=A\" ) )\n",
		"s._domainkey.example.org \"p=A\" junk\n",
		NULL,
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(BsDkimKeys) keys = bs_dkim_keys_parse (good,
	    sizeof good - 1, "keys", &error);
	guint i;

	g_assert_no_error (error);
	g_assert_nonnull (keys);
	g_assert_cmpuint (bs_dkim_keys_count (keys), ==, 3);
	g_assert_cmpstr (bs_dkim_keys_lookup (keys, "S1", "example.org"), ==,
	    "v=DKIM1; k=rsa; p=AAAA");
	g_assert_cmpstr (bs_dkim_keys_lookup (keys, "s2", "example.org"), ==,
	    "v=DKIM1; k=rsa; p=BBBB");
	g_assert_cmpstr (bs_dkim_keys_lookup (keys, "s3", "sub.example.net"),
	    ==, "p=C\"C");
	g_assert_null (bs_dkim_keys_lookup (keys, "s9", "example.org"));
	g_assert_true (bs_dkim_keys_has_domain (keys, "EXAMPLE.org"));
	g_assert_false (bs_dkim_keys_has_domain (keys, "example.net"));
	for (i = 0; bad[i] != NULL; i++) {
		g_autoptr(GError) e = NULL;
		g_autoptr(BsDkimKeys) k = bs_dkim_keys_parse (bad[i],
		    strlen (bad[i]), "bad", &e);

		g_assert_null (k);
		g_assert_error (e, BS_DKIM_ERROR, BS_DKIM_ERROR_KEYS);
		g_assert_true (g_str_has_prefix (e->message, "bad:1: "));
	}
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/batv/vectors", test_batv_vectors);
	g_test_add_func ("/batv/parse", test_batv_parse);
	g_test_add_func ("/srs/postsrsd", test_srs_postsrsd);
	g_test_add_func ("/srs/malformed", test_srs_malformed);
	g_test_add_func ("/dkim/keys", test_dkim_keys);
	return g_test_run ();
}
