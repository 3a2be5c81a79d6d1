/* test-milter-policy.c: backscatter-milter's [milter] settings and the
 * decisions it makes without an MTA. */
#include "milter-policy.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "tmp-files.h"

static char *
write_tmp (const char *contents)
{
	return bs_test_tmp_file ("test-milter-XXXXXX.conf", contents);
}

static void
test_defaults (void)
{
	g_autoptr(BsMilterConfig) mc = bs_milter_config_new ();

	g_assert_cmpint (mc->action, ==, BS_MILTER_ACTION_HEADER);
	g_assert_cmpint (mc->act_tier, ==, BS_TIER_SERVER);
	g_assert_true (isnan (mc->act_score));
	g_assert_cmpuint (mc->max_size, ==, 2 * 1024 * 1024);
	g_assert_cmpuint (mc->budget_ms, ==, 10000);
	g_assert_true (mc->learn);
	g_assert_null (mc->socket);
}

static void
test_every_key (void)
{
	g_autoptr(BsMilterConfig) mc = bs_milter_config_new ();
	g_autoptr(GError) error = NULL;
	g_autofree char *path = write_tmp ("[identity]\naddress=a@example.org\n"
	    "[milter]\naction = reject\nreject-tier=proof\nreject-score=20\n"
	    "max-size=512k\ntime-budget=2.5\nworkers=8\n"
	    "remote-mailers=smtp; relay\nlearn=false\n"
	    "socket=unix:/run/bs.sock\n");

	g_assert_true (bs_milter_config_load (mc, path, &error));
	g_assert_no_error (error);
	g_assert_cmpint (mc->action, ==, BS_MILTER_ACTION_REJECT);
	g_assert_cmpint (mc->act_tier, ==, BS_TIER_PROOF);
	g_assert_cmpfloat (mc->act_score, ==, 20.0);
	g_assert_cmpuint (mc->max_size, ==, 512 * 1024);
	g_assert_cmpuint (mc->budget_ms, ==, 2500);
	g_assert_cmpuint (mc->workers, ==, 8);
	g_assert_false (mc->learn);
	g_assert_cmpstr (mc->socket, ==, "unix:/run/bs.sock");
	g_assert_false (bs_milter_local_mailer (mc, "relay"));
	g_assert_true (bs_milter_local_mailer (mc, "esmtp"));
	(void) g_unlink (path);
}

static void
test_bad_values (void)
{
	static const char *const bad[] = {
		"[milter]\naction=bounce\n",
		"[milter]\nreject-tier=header\n",
		"[milter]\nmax-size=0\n",
		"[milter]\ntime-budget=0\n",
		"[milter]\nworkers=0\n",
		"[milter]\nlearn=maybe\n",
		"[milter]\nactoin=reject\n",
	};
	guint i;

	for (i = 0; i < G_N_ELEMENTS (bad); i++) {
		g_autoptr(BsMilterConfig) mc = bs_milter_config_new ();
		g_autoptr(GError) error = NULL;
		g_autofree char *path = write_tmp (bad[i]);

		g_assert_false (bs_milter_config_load (mc, path, &error));
		g_assert_error (error, BS_MILTER_ERROR, BS_MILTER_ERROR_CONFIG);
		/* file:line: */
		g_assert_nonnull (strstr (error->message, ":2:"));
		(void) g_unlink (path);
	}
}

static void
test_forged_name (void)
{
	g_assert_true (bs_milter_forged_name ("X-Backscatter"));
	g_assert_true (bs_milter_forged_name ("x-backSCATTER"));
	g_assert_true (bs_milter_forged_name ("X-Backscatter \t"));
	g_assert_true (bs_milter_forged_name ("\rX-Back\rscatter\r"));
	g_assert_false (bs_milter_forged_name ("X-Backscatter-Score"));
	g_assert_false (bs_milter_forged_name ("X-Backscatte"));
	g_assert_false (bs_milter_forged_name (" X-Backscatter"));
	g_assert_false (bs_milter_forged_name ("X-Back scatter"));
	g_assert_false (bs_milter_forged_name (""));
}

static void
test_marks (void)
{
	g_assert_true (bs_milter_auto_marked ("Auto-Submitted",
	    "auto-replied"));
	g_assert_true (bs_milter_auto_marked ("auto-submitted",
	    " Auto-Generated (vacation)"));
	g_assert_false (bs_milter_auto_marked ("Auto-Submitted", "no"));
	g_assert_false (bs_milter_auto_marked ("Auto-Submitted",
	    "no (a person)"));
	g_assert_true (bs_milter_auto_marked ("Auto-Submitted", "notify"));
	g_assert_true (bs_milter_auto_marked ("Precedence", "bulk"));
	g_assert_true (bs_milter_auto_marked ("Precedence", "junk"));
	g_assert_true (bs_milter_auto_marked ("Precedence", "auto_reply"));
	g_assert_false (bs_milter_auto_marked ("Precedence", "list"));
	g_assert_true (bs_milter_auto_marked ("X-Autoreply", "yes"));
	g_assert_false (bs_milter_auto_marked ("Subject", "auto-replied"));

	g_assert_true (bs_milter_null_sender ("<>"));
	g_assert_true (bs_milter_null_sender ("<> SIZE=100"));
	g_assert_false (bs_milter_null_sender ("<a@example.org>"));
	g_assert_false (bs_milter_null_sender (NULL));
}

static void
test_decide (void)
{
	g_autoptr(BsMilterConfig) mc = bs_milter_config_new ();
	BsScore s = { BS_VERDICT_BACKSCATTER, 8.0, 5.0, TRUE,
	    BS_TIER_SERVER, NULL };

	mc->action = BS_MILTER_ACTION_REJECT;
	g_assert_cmpint (bs_milter_decide (mc, &s), ==, BS_MILTER_ACTION_REJECT);
	/* Content alone only tags, by default. */
	s.decided_by = BS_TIER_CONTENT;
	g_assert_cmpint (bs_milter_decide (mc, &s), ==, BS_MILTER_ACTION_HEADER);
	mc->act_tier = BS_TIER_CONTENT;
	g_assert_cmpint (bs_milter_decide (mc, &s), ==, BS_MILTER_ACTION_REJECT);
	mc->act_score = 10.0;
	g_assert_cmpint (bs_milter_decide (mc, &s), ==, BS_MILTER_ACTION_HEADER);
	mc->act_score = NAN;
	s.verdict = BS_VERDICT_LEGITIMATE;
	g_assert_cmpint (bs_milter_decide (mc, &s), ==, BS_MILTER_ACTION_HEADER);
}

static void
test_reply_text (void)
{
	g_autofree char *t = bs_milter_reply_text ("yes; score=100%;\n\t"
	    "threshold=5.0; \x01tests=a,b");
	g_autofree char *long_value = g_strnfill (2000, 'x');
	g_autofree char *l = bs_milter_reply_text (long_value);

	g_assert_cmpstr (t, ==, "Backscatter: a report about mail that was "
	    "not sent from here (yes; score=100; threshold=5.0; tests=a,b)");
	g_assert_cmpuint (strlen (l), <=, 400);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/milter-policy/defaults", test_defaults);
	g_test_add_func ("/milter-policy/every-key", test_every_key);
	g_test_add_func ("/milter-policy/bad-values", test_bad_values);
	g_test_add_func ("/milter-policy/forged-name", test_forged_name);
	g_test_add_func ("/milter-policy/marks", test_marks);
	g_test_add_func ("/milter-policy/decide", test_decide);
	g_test_add_func ("/milter-policy/reply-text", test_reply_text);
	return g_test_run ();
}
