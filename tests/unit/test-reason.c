/* test-reason.c: bounce reason classes from status codes and text. */
#include "reason.h"

#include <glib/gstdio.h>

static BsRules *rules;

static void
test_status_only (void)
{
	static const struct {
		const char *status;
		const char *reason;
	} cases[] = {
		{ "5.1.1", "userunknown" },
		{ "4.1.1", "userunknown" },
		{ "5.1.2", "hostunknown" },
		{ "5.1.10", "userunknown" },
		{ "5.2.1", "suspended" },
		{ "5.2.2", "mailboxfull" },
		{ "4.2.2", "mailboxfull" },
		{ "5.2.3", "mesgtoolarge" },
		{ "5.3.4", "mesgtoolarge" },
		{ "4.4.7", "expired" },
		{ "5.7.1", "blocked" },
		{ "5.7.26", "securityerror" },
		{ "5.0.0", "unknown" },
		{ "5.1", "unknown" },
		{ "5", "unknown" },
		{ "", "unknown" },
	};
	gsize i;

	for (i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_test_message ("status %s", cases[i].status);
		g_assert_cmpstr (bs_reason_classify (rules, cases[i].status,
		    NULL), ==, cases[i].reason);
		/* An empty diagnostic is no diagnostic. */
		g_assert_cmpstr (bs_reason_classify (rules, cases[i].status,
		    ""), ==, cases[i].reason);
	}
	g_assert_cmpstr (bs_reason_classify (rules, NULL, NULL), ==, "unknown");
}

static void
test_diagnostic_beats_status (void)
{
	/* The text says more than the code. */
	g_assert_cmpstr (bs_reason_classify (rules, "5.1.1",
	    "552 Requested mail action aborted: mailbox full"), ==,
	    "mailboxfull");
	g_assert_cmpstr (bs_reason_classify (rules, "5.7.1",
	    "550 Message rejected: considered as spam"), ==, "spamdetected");
	g_assert_cmpstr (bs_reason_classify (rules, "5.0.0",
	    "550 5.1.1 <nobody@example.com>: Recipient address rejected: "
	    "User unknown in virtual mailbox table"), ==, "userunknown");
	g_assert_cmpstr (bs_reason_classify (rules, NULL,
	    "554 5.7.1 Virus found in message"), ==, "virusdetected");
}

static void
test_diagnostic_unmatched (void)
{
	/* A text no pattern knows falls back to the code ... */
	g_assert_cmpstr (bs_reason_classify (rules, "5.1.1", "xyzzy plugh"),
	    ==, "userunknown");
	/* ... and without one it is unknown. */
	g_assert_cmpstr (bs_reason_classify (rules, NULL, "xyzzy plugh"), ==,
	    "unknown");
	g_assert_cmpstr (bs_reason_classify (rules, "5.9.9", "xyzzy"), ==,
	    "unknown");
}

static void
test_file_order_wins (void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(BsRules) own = NULL;
	g_autofree char *dir = g_dir_make_tmp ("test-reason-XXXXXX", &error);
	g_autofree char *path = NULL;

	g_assert_no_error (error);
	path = g_build_filename (dir, "x.rules", NULL);
	/* Both match "quota full"; the first in the file wins, not the
	 * first by name.  A set not named reason-* is never a reason. */
	g_file_set_contents (path,
	    "[pattern bounce-body]\nx=quota\n"
	    "[pattern reason-zeta]\nx=quota\n"
	    "[pattern reason-alpha]\nx=full\n", -1, &error);
	g_assert_no_error (error);
	own = bs_rules_load_dir (dir, FALSE, &error);
	g_assert_no_error (error);
	g_unlink (path);
	g_rmdir (dir);

	g_assert_cmpstr (bs_reason_classify (own, NULL, "quota full"), ==,
	    "zeta");
	g_assert_cmpstr (bs_reason_classify (own, NULL, "disk FULL"), ==,
	    "alpha");
	g_assert_cmpstr (bs_reason_classify (own, "5.2.2", "nothing"), ==,
	    "mailboxfull");
}

int
main (int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	int ret;

	g_test_init (&argc, &argv, NULL);
	rules = bs_rules_load_builtin (FALSE, &error);
	g_assert_no_error (error);
	g_test_add_func ("/reason/status-only", test_status_only);
	g_test_add_func ("/reason/diagnostic-beats-status",
	    test_diagnostic_beats_status);
	g_test_add_func ("/reason/diagnostic-unmatched",
	    test_diagnostic_unmatched);
	g_test_add_func ("/reason/file-order-wins", test_file_order_wins);
	ret = g_test_run ();
	bs_rules_free (rules);
	return ret;
}
