/* test-config.c: the config file, sizes, numbers, the rules directory. */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "tmp-files.h"

static char *
write_tmp (const char *contents)
{
	return bs_test_tmp_file ("test-config-XXXXXX.conf", contents);
}

static void
test_defaults (void)
{
	g_autoptr(BsConfig) config = bs_config_new ();

	g_assert_cmpfloat (config->threshold, ==, 5.0);
	g_assert_cmpuint (config->max_size, ==, 20 * 1024 * 1024);
	g_assert_true (bs_identity_is_empty (config->identity));
	g_assert_cmpuint (g_hash_table_size (config->weights), ==, 0);
	g_assert_null (config->path);
}

static void
test_every_key (void)
{
	g_autoptr(BsConfig) config = bs_config_new ();
	g_autoptr(GError) error = NULL;
	g_autofree char *path = write_tmp (
	    "# backscatter-check\n"
	    "[identity]\n"
	    "address=kim@example.org;@example.net;\n"
	    "relay=mail.example.org; *.example.net ;192.0.2.0/24\n"
	    "\n"
	    "[scoring]\n"
	    "threshold = 7.5\n"
	    "\n"
	    "[limits]\n"
	    "max-size=512k\n"
	    "\n"
	    "[weights]\n"
	    "no-original=2.5\n"
	    "relay-top-hop=-8\n");
	const double *w;

	g_assert_true (bs_config_load_file (config, path, &error));
	g_assert_no_error (error);
	g_assert_cmpstr (config->path, ==, path);
	g_assert_cmpfloat (config->threshold, ==, 7.5);
	g_assert_cmpuint (config->max_size, ==, 512 * 1024);

	g_assert_true (bs_identity_match_address (config->identity,
	    "kim@example.org"));
	g_assert_true (bs_identity_match_address (config->identity,
	    "anyone@example.net"));
	g_assert_false (bs_identity_match_address (config->identity,
	    "bob@example.org"));
	g_assert_cmpstr (bs_identity_match_relay (config->identity,
	    "mail.example.org", NULL), ==, "mail.example.org");
	g_assert_cmpstr (bs_identity_match_relay (config->identity,
	    "out.example.net", NULL), ==, "*.example.net");
	g_assert_cmpstr (bs_identity_match_relay (config->identity, NULL,
	    "192.0.2.77"), ==, "192.0.2.0/24");
	g_assert_null (bs_identity_match_relay (config->identity, NULL,
	    "192.0.3.1"));

	g_assert_cmpuint (g_hash_table_size (config->weights), ==, 2);
	w = g_hash_table_lookup (config->weights, "no-original");
	g_assert_nonnull (w);
	g_assert_cmpfloat (*w, ==, 2.5);
	w = g_hash_table_lookup (config->weights, "relay-top-hop");
	g_assert_nonnull (w);
	g_assert_cmpfloat (*w, ==, -8.0);
	g_unlink (path);
}

static void
test_partial (void)
{
	g_autoptr(BsConfig) config = bs_config_new ();
	g_autoptr(GError) error = NULL;
	g_autofree char *path = write_tmp ("[limits]\nmax-size=0\n");

	/* What the file does not say keeps its default. */
	g_assert_true (bs_config_load_file (config, path, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (config->max_size, ==, 0);
	g_assert_cmpfloat (config->threshold, ==, 5.0);
	g_assert_true (bs_identity_is_empty (config->identity));
	g_unlink (path);
}

/* Loads contents, expects failure with code, a message that starts with
 * "PATH:LINE:" and holds needle. */
static void
check_error (const char *contents, int code, guint line, const char *needle)
{
	g_autoptr(BsConfig) config = bs_config_new ();
	g_autoptr(GError) error = NULL;
	g_autofree char *path = write_tmp (contents);
	g_autofree char *where = g_strdup_printf ("%s:%u:", path, line);

	g_test_message ("config: %s", contents);
	g_assert_false (bs_config_load_file (config, path, &error));
	g_assert_error (error, BS_CONFIG_ERROR, code);
	g_assert_true (g_str_has_prefix (error->message, where));
	g_assert_nonnull (strstr (error->message, needle));
	g_unlink (path);
}

static void
test_unknown_group (void)
{
	check_error ("[scoring]\nthreshold=5\n\n[filters]\nx=1\n",
	    BS_CONFIG_ERROR_SYNTAX, 4, "[filters]");
}

static void
test_unknown_key (void)
{
	check_error ("[scoring]\nthreshold=5\nthresold=6\n",
	    BS_CONFIG_ERROR_SYNTAX, 3, "thresold");
	check_error ("[identity]\naddress=kim@example.org\n# x\nrelays=a\n",
	    BS_CONFIG_ERROR_SYNTAX, 4, "relays");
	check_error ("[limits]\n\nmax_size=1M\n",
	    BS_CONFIG_ERROR_SYNTAX, 3, "max_size");
}

static void
test_bad_threshold (void)
{
	check_error ("[scoring]\nthreshold=high\n", BS_CONFIG_ERROR_VALUE, 2,
	    "high");
	check_error ("[scoring]\n\nthreshold=5,5\n", BS_CONFIG_ERROR_VALUE, 3,
	    "threshold");
	check_error ("[scoring]\nthreshold=inf\n", BS_CONFIG_ERROR_VALUE, 2,
	    "inf");
	check_error ("[scoring]\nthreshold=nan\n", BS_CONFIG_ERROR_VALUE, 2,
	    "nan");
	check_error ("[scoring]\nthreshold=\n", BS_CONFIG_ERROR_VALUE, 2,
	    "threshold");
}

/* [ledger] url= names PostgreSQL, and wins over path=. */
static void
test_ledger_url (void)
{
	g_autoptr(BsConfig) config = bs_config_new ();
	g_autoptr(GError) error = NULL;
	g_autofree char *path = write_tmp ("[ledger]\nurl=postgresql://bs@/"
	    "ledger?host=/run/pg\npath=/tmp/sent.sqlite\n");

	g_assert_true (bs_config_load_file (config, path, &error));
	g_assert_no_error (error);
	g_assert_cmpstr (config->ledger_path, ==,
	    "postgresql://bs@/ledger?host=/run/pg");
	g_unlink (path);
	check_error ("[ledger]\n\nurl=/tmp/sent.sqlite\n",
	    BS_CONFIG_ERROR_VALUE, 3, "not a postgresql:// URL");
}

static void
test_bad_size (void)
{
	check_error ("[limits]\nmax-size=20 MB\n", BS_CONFIG_ERROR_VALUE, 2,
	    "20 MB");
	check_error ("[limits]\nmax-size=lots\n", BS_CONFIG_ERROR_VALUE, 2,
	    "max-size");
}

static void
test_bad_identity (void)
{
	check_error ("[identity]\naddress=kim@example.org;nobody\n",
	    BS_CONFIG_ERROR_VALUE, 2, "nobody");
	check_error ("# x\n[identity]\nrelay=mail.example.org;10.0.0.0/40\n",
	    BS_CONFIG_ERROR_VALUE, 3, "10.0.0.0/40");
}

static void
test_bad_weight (void)
{
	check_error ("[weights]\nno-original=1\nrelay-top-hop=lots\n",
	    BS_CONFIG_ERROR_VALUE, 3, "relay-top-hop");
}

static void
test_unreadable (void)
{
	g_autoptr(BsConfig) config = bs_config_new ();
	g_autoptr(GError) error = NULL;
	g_autofree char *path = write_tmp ("this is not a key file\n");

	g_assert_false (bs_config_load_file (config, "/nonexistent/bs.conf",
	    &error));
	g_assert_error (error, BS_CONFIG_ERROR, BS_CONFIG_ERROR_READ);
	g_clear_error (&error);

	g_assert_false (bs_config_load_file (config, path, &error));
	g_assert_error (error, BS_CONFIG_ERROR, BS_CONFIG_ERROR_SYNTAX);
	g_assert_nonnull (strstr (error->message, path));
	g_assert_null (config->path);
	g_unlink (path);
}

static void
test_parse_size (void)
{
	static const struct {
		const char *text;
		guint64 bytes;
	} good[] = {
		{ "20M", 20 * 1024 * 1024 },
		{ "20m", 20 * 1024 * 1024 },
		{ "20MB", 20 * 1024 * 1024 },
		{ "512k", 512 * 1024 },
		{ "512K", 512 * 1024 },
		{ "1G", G_GUINT64_CONSTANT (1073741824) },
		{ "0", 0 },
		{ "1000", 1000 },
		{ "1099511627776", G_GUINT64_CONSTANT (1) << 40 },
		{ "1024G", G_GUINT64_CONSTANT (1) << 40 },
	};
	static const char *const bad[] = {
		"garbage", "", "-1", " 5", "10x", "12kk", "1.5M", "M", "5 k",
		"99999999999999999999", "18014398509481984G", "5MBs",
		/* Issue 10: max-size + 1 wrapped to 0 and lost the mail. */
		"18446744073709551615", "18446744073709551614",
		"1099511627777", "1025G", "16777217M", NULL,
	};
	gsize i;

	for (i = 0; i < G_N_ELEMENTS (good); i++) {
		g_autoptr(GError) error = NULL;
		guint64 v = 1;

		g_test_message ("size \"%s\"", good[i].text);
		g_assert_true (bs_config_parse_size (good[i].text, &v, &error));
		g_assert_no_error (error);
		g_assert_cmpuint (v, ==, good[i].bytes);
	}
	for (i = 0; bad[i] != NULL; i++) {
		g_autoptr(GError) error = NULL;
		guint64 v = 42;

		g_test_message ("size \"%s\"", bad[i]);
		g_assert_false (bs_config_parse_size (bad[i], &v, &error));
		g_assert_error (error, BS_CONFIG_ERROR, BS_CONFIG_ERROR_VALUE);
		g_assert_cmpuint (v, ==, 42);
	}
}

static void
test_parse_number (void)
{
	static const struct {
		const char *text;
		double value;
	} good[] = {
		{ "5", 5.0 }, { "-2.5", -2.5 }, { "1e3", 1000.0 }, { "0", 0.0 },
		{ ".5", 0.5 },
	};
	static const char *const bad[] = {
		"abc", "5x", "", "1,5", "inf", "nan", "1e999", "-inf",
		"1000001", "-1e7", "1e17", NULL,
	};
	gsize i;

	for (i = 0; i < G_N_ELEMENTS (good); i++) {
		g_autoptr(GError) error = NULL;
		double v = 99.0;

		g_assert_true (bs_config_parse_number (good[i].text, &v,
		    &error));
		g_assert_no_error (error);
		g_assert_cmpfloat (v, ==, good[i].value);
	}
	for (i = 0; bad[i] != NULL; i++) {
		g_autoptr(GError) error = NULL;
		double v = 99.0;

		g_test_message ("number \"%s\"", bad[i]);
		g_assert_false (bs_config_parse_number (bad[i], &v, &error));
		g_assert_error (error, BS_CONFIG_ERROR, BS_CONFIG_ERROR_VALUE);
		g_assert_cmpfloat (v, ==, 99.0);
	}
}

static void
test_rules_dir (void)
{
	g_autofree char *given = NULL;
	g_autofree char *from_env = NULL;
	g_autofree char *expected = NULL;
	char *none;

	g_setenv ("BACKSCATTER_CHECK_DATADIR", "/opt/bs-data", TRUE);
	given = bs_config_rules_dir ("/my/rules");
	g_assert_cmpstr (given, ==, "/my/rules");
	from_env = bs_config_rules_dir (NULL);
	expected = g_build_filename ("/opt/bs-data", "rules", NULL);
	g_assert_cmpstr (from_env, ==, expected);
	/* Empty or unset: the built-in rules */
	g_setenv ("BACKSCATTER_CHECK_DATADIR", "", TRUE);
	none = bs_config_rules_dir (NULL);
	g_assert_null (none);
	g_unsetenv ("BACKSCATTER_CHECK_DATADIR");
	none = bs_config_rules_dir (NULL);
	g_assert_null (none);
}

/* [dkim], [batv], [srs] (issue 15): files relative to the config's own
 * directory, one of key and key-file, and each wrong value on its line. */
static void
test_proof_keys (void)
{
	static const char *const bad[] = {
		"[dkim]\nowner-signs-all=maybe\n",
		"[dkim]\nselector=s1\n",
		"[batv]\nkey=a\nkey-file=b\n",
		"[batv]\nkey=\n",
		"[batv]\nkey-file=/nonexistent/batv.key\n",
		"[srs]\nsecret=a\nsecret-file=b\n",
		"[srs]\nsecret=\n",
		"[srs]\nunwrap=yes please\n",
		NULL,
	};
	g_autoptr(BsConfig) config = bs_config_new ();
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp ("test-config-XXXXXX", &error);
	g_autofree char *conf = NULL;
	g_autofree char *secrets = NULL;
	g_autofree char *keys = NULL;
	guint i;

	g_assert_no_error (error);
	conf = g_build_filename (dir, "config", NULL);
	secrets = g_build_filename (dir, "srs.secret", NULL);
	keys = g_build_filename (dir, "dkim-keys", NULL);
	g_file_set_contents (conf,
	    "[dkim]\nkeys=dkim-keys\ndns=true\nowner-signs-all=true\n"
	    "[batv]\nkey= the key \nowner-signs-all=true\n"
	    "[srs]\nsecret-file=srs.secret\n", -1, &error);
	g_assert_no_error (error);
	g_file_set_contents (secrets, "# postsrsd\nnew\n\n old \n", -1,
	    &error);
	g_assert_no_error (error);
	g_assert_true (bs_config_load_file (config, conf, &error));
	g_assert_no_error (error);
	g_assert_cmpstr (config->dkim_keys, ==, keys);
	g_assert_true (config->dkim_dns);
	g_assert_true (config->dkim_owner_signs_all);
	g_assert_cmpstr (config->batv_key, ==, "the key");
	g_assert_true (config->batv_owner_signs_all);
	g_assert_nonnull (config->srs_secrets);
	g_assert_cmpstr (config->srs_secrets[0], ==, "new");
	g_assert_cmpstr (config->srs_secrets[1], ==, "old");
	g_assert_null (config->srs_secrets[2]);
	g_assert_false (config->srs_unwrap);
	g_assert_null (config->proof);
	g_unlink (secrets);
	g_unlink (conf);
	g_rmdir (dir);

	for (i = 0; bad[i] != NULL; i++) {
		g_autoptr(BsConfig) c = bs_config_new ();
		g_autoptr(GError) e = NULL;
		g_autofree char *path = write_tmp (bad[i]);
		g_autofree char *where = g_strdup_printf ("%s:", path);

		g_assert_false (bs_config_load_file (c, path, &e));
		g_assert_nonnull (e);
		g_assert_true (g_str_has_prefix (e->message, where));
		g_unlink (path);
	}
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/config/defaults", test_defaults);
	g_test_add_func ("/config/every-key", test_every_key);
	g_test_add_func ("/config/partial", test_partial);
	g_test_add_func ("/config/unknown-group", test_unknown_group);
	g_test_add_func ("/config/unknown-key", test_unknown_key);
	g_test_add_func ("/config/bad-threshold", test_bad_threshold);
	g_test_add_func ("/config/bad-size", test_bad_size);
	g_test_add_func ("/config/ledger-url", test_ledger_url);
	g_test_add_func ("/config/bad-identity", test_bad_identity);
	g_test_add_func ("/config/bad-weight", test_bad_weight);
	g_test_add_func ("/config/unreadable", test_unreadable);
	g_test_add_func ("/config/parse-size", test_parse_size);
	g_test_add_func ("/config/parse-number", test_parse_number);
	g_test_add_func ("/config/rules-dir", test_rules_dir);
	g_test_add_func ("/config/proof-keys", test_proof_keys);
	return g_test_run ();
}
