/* config.c: the config file and the places we look for data. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ledger.h"
#include "keyfile-line.h"
#include "proof.h"
#include "rules.h"
#include "textfile.h"

#include "build-config.h"

G_DEFINE_QUARK (bs-config-error-quark, bs_config_error)

BsConfig *
bs_config_new (void)
{
	BsConfig *config = g_new0 (BsConfig, 1);

	config->identity = bs_identity_new ();
	config->threshold = BS_DEFAULT_THRESHOLD;
	config->max_size = BS_DEFAULT_MAX_SIZE;
	config->weights = g_hash_table_new_full (g_str_hash, g_str_equal,
	    g_free, g_free);
	return config;
}

void
bs_config_free (BsConfig *config)
{
	if (config == NULL)
		return;
	bs_identity_free (config->identity);
	g_hash_table_unref (config->weights);
	g_free (config->ledger_path);
	g_free (config->path);
	g_free (config->dkim_keys);
	if (config->batv_key != NULL)
		memset (config->batv_key, 0, strlen (config->batv_key));
	g_free (config->batv_key);
	g_strfreev (config->srs_secrets);
	bs_proof_free (config->proof);
	g_free (config);
}

gboolean
bs_config_parse_number (const char *text, double *out, GError **error)
{
	char *end = NULL;
	double v;

	errno = 0;
	v = g_ascii_strtod (text, &end);
	if (errno != 0 || end == text || *end != '\0' || !isfinite (v)
	    || fabs (v) > BS_RULES_NUMBER_MAX) {
		g_set_error (error, BS_CONFIG_ERROR, BS_CONFIG_ERROR_VALUE,
		    "\"%s\" is not a number from -%.0f to %.0f", text,
		    BS_RULES_NUMBER_MAX, BS_RULES_NUMBER_MAX);
		return FALSE;
	}
	*out = v;
	return TRUE;
}

gboolean
bs_config_parse_size (const char *text, guint64 *out, GError **error)
{
	char *end = NULL;
	guint64 v, mult = 1;

	if (!g_ascii_isdigit (*text))
		goto bad;
	errno = 0;
	v = g_ascii_strtoull (text, &end, 10);
	if (errno != 0)
		goto bad;
	switch (g_ascii_tolower (*end)) {
	case '\0':
		break;
	case 'k':
		mult = 1024;
		break;
	case 'm':
		mult = 1024 * 1024;
		break;
	case 'g':
		mult = 1024 * 1024 * 1024;
		break;
	default:
		goto bad;
	}
	if (*end != '\0' && end[1] != '\0'
	    && !(g_ascii_tolower (end[1]) == 'b' && end[2] == '\0'))
		goto bad;
	/* Capped so that every size, plus the byte that tells "larger",
	 * fits in a gssize: no arithmetic on it can wrap. */
	if (v > BS_CONFIG_MAX_SIZE / mult)
		goto bad;
	*out = v * mult;
	return TRUE;
bad:
	g_set_error (error, BS_CONFIG_ERROR, BS_CONFIG_ERROR_VALUE,
	    "\"%s\" is not a size (bytes, or a number with k, M or G, at "
	    "most %" G_GUINT64_FORMAT ")", text, (guint64) BS_CONFIG_MAX_SIZE);
	return FALSE;
}

/* [milter] is backscatter-milter's: milter-policy.c reads and checks it. */
static const char *const known_groups[] = {
	"identity", "scoring", "limits", "weights", "ledger", "dkim", "batv",
	"srs", "milter", NULL,
};

typedef gboolean (*ListAdder) (BsIdentity *, const char *, GError **);

static gboolean
load_list (BsConfig *config, GKeyFile *kf, const char *contents,
    const char *path, const char *key, ListAdder add, GError **error)
{
	g_autoptr(GError) list_error = NULL;
	g_auto(GStrv) values = NULL;
	gsize i;

	if (!g_key_file_has_key (kf, "identity", key, NULL))
		return TRUE;
	/* An invalid escape or a byte that is not UTF-8 makes GKeyFile
	 * refuse the whole list: an error to fix, not an empty identity. */
	values = g_key_file_get_string_list (kf, "identity", key, NULL,
	    &list_error);
	if (values == NULL) {
		g_set_error (error, BS_CONFIG_ERROR, BS_CONFIG_ERROR_VALUE,
		    "%s:%u: %s: %s", path,
		    bs_keyfile_line (contents, "identity", key), key,
		    list_error != NULL ? list_error->message : "no value");
		return FALSE;
	}
	for (i = 0; values != NULL && values[i] != NULL; i++) {
		g_autoptr(GError) local = NULL;

		if (*g_strstrip (values[i]) == '\0')
			continue;
		if (!add (config->identity, values[i], &local)) {
			g_set_error (error, BS_CONFIG_ERROR,
			    BS_CONFIG_ERROR_VALUE, "%s:%u: %s", path,
			    bs_keyfile_line (contents, "identity", key),
			    local->message);
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean
check_keys (GKeyFile *kf, const char *contents, const char *path,
    const char *group, const char *const *allowed, GError **error)
{
	g_auto(GStrv) keys = g_key_file_get_keys (kf, group, NULL, NULL);
	gsize i;

	for (i = 0; keys != NULL && keys[i] != NULL; i++) {
		if (!g_strv_contains (allowed, keys[i])) {
			g_set_error (error, BS_CONFIG_ERROR,
			    BS_CONFIG_ERROR_SYNTAX, "%s:%u: unknown key \"%s\" "
			    "in [%s]", path, bs_keyfile_line (contents, group,
			    keys[i]), keys[i], group);
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean
get_value (GKeyFile *kf, const char *contents, const char *path,
    const char *group, const char *key, char **out, GError **error)
{
	g_autoptr(GError) local = NULL;

	*out = g_key_file_get_string (kf, group, key, &local);
	if (*out == NULL) {
		g_set_error (error, BS_CONFIG_ERROR, BS_CONFIG_ERROR_SYNTAX,
		    "%s:%u: %s", path, bs_keyfile_line (contents, group, key),
		    local->message);
		return FALSE;
	}
	return TRUE;
}

/* The first line of a key file that is neither blank, a comment, a
 * [group] nor a key=value pair; 0 when there is none. */
static guint
syntax_error_line (const char *contents, gsize len)
{
	const char *p = contents, *end = contents + len;
	guint line = 0;

	while (p < end) {
		const char *nl = memchr (p, '\n', (gsize) (end - p));
		const char *e = nl != NULL ? nl : end;
		const char *q = p;

		line++;
		while (q < e && g_ascii_isspace (*q))
			q++;
		if (q < e && *q != '#' && *q != '[' && memchr (q, '=',
		    (gsize) (e - q)) == NULL)
			return line;
		if (q < e && *q == '[' && (e[-1] != ']' && !(e - q >= 2
		    && e[-1] == '\r' && e[-2] == ']')))
			return line;
		p = e + (nl != NULL ? 1 : 0);
	}
	return 0;
}

static gboolean
get_bool (GKeyFile *kf, const char *contents, const char *path,
    const char *group, const char *key, gboolean *out, GError **error)
{
	g_autoptr(GError) local = NULL;
	gboolean v;

	if (!g_key_file_has_key (kf, group, key, NULL))
		return TRUE;
	v = g_key_file_get_boolean (kf, group, key, &local);
	if (local != NULL) {
		g_set_error (error, BS_CONFIG_ERROR, BS_CONFIG_ERROR_VALUE,
		    "%s:%u: %s: not true or false", path,
		    bs_keyfile_line (contents, group, key), key);
		return FALSE;
	}
	*out = v;
	return TRUE;
}

/* A file named in the config: relative to the config file's directory,
 * so that a config and its key files move together. */
static char *
config_relative (const char *config_path, const char *name)
{
	g_autofree char *dir = NULL;

	if (g_path_is_absolute (name))
		return g_strdup (name);
	dir = g_path_get_dirname (config_path);
	return g_build_filename (dir, name, NULL);
}

/* The lines of a secret file that are neither blank nor comments. */
static char **
read_secrets (const char *path, GError **error)
{
	g_autofree char *contents = NULL;
	g_auto(GStrv) lines = NULL;
	GPtrArray *out;
	gsize len, i;

	contents = bs_textfile_read (path, &len, error);
	if (contents == NULL)
		return NULL;
	lines = g_strsplit (contents, "\n", -1);
	memset (contents, 0, len);
	out = g_ptr_array_new ();
	for (i = 0; lines[i] != NULL; i++) {
		char *l = g_strstrip (lines[i]);

		if (*l != '\0' && *l != '#')
			g_ptr_array_add (out, g_strdup (l));
		memset (lines[i], 0, strlen (lines[i]));
	}
	g_ptr_array_add (out, NULL);
	return (char **) g_ptr_array_free (out, FALSE);
}

/* A secret given as key=, or as key-file= (one a line, relative to the
 * config), never both: [batv] key and [srs] secret.  *out is NULL when
 * neither is there, else at least one non-empty secret. */
static gboolean
load_secrets (GKeyFile *kf, const char *contents, const char *path,
    const char *group, const char *key, const char *file_key,
    const char *what, char ***out, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autofree char *v = NULL;
	char **lines = NULL;

	*out = NULL;
	if (g_key_file_has_key (kf, group, key, NULL)
	    && g_key_file_has_key (kf, group, file_key, NULL)) {
		g_set_error (error, BS_CONFIG_ERROR, BS_CONFIG_ERROR_VALUE,
		    "%s:%u: %s and %s exclude each other", path,
		    bs_keyfile_line (contents, group, file_key), key, file_key);
		return FALSE;
	}
	if (g_key_file_has_key (kf, group, key, NULL)) {
		if (!get_value (kf, contents, path, group, key, &v, error))
			return FALSE;
		lines = g_new0 (char *, 2);
		lines[0] = g_strdup (g_strstrip (v));
		memset (v, 0, strlen (v));
	} else if (g_key_file_has_key (kf, group, file_key, NULL)) {
		g_autofree char *file = NULL;

		if (!get_value (kf, contents, path, group, file_key, &v,
		    error))
			return FALSE;
		file = config_relative (path, g_strstrip (v));
		lines = read_secrets (file, &local);
		if (lines == NULL || lines[0] == NULL) {
			g_set_error (error, BS_CONFIG_ERROR,
			    BS_CONFIG_ERROR_VALUE, "%s:%u: %s: %s", path,
			    bs_keyfile_line (contents, group, file_key),
			    file_key, local != NULL ? local->message :
			    "nothing in it");
			g_strfreev (lines);
			return FALSE;
		}
	} else {
		return TRUE;
	}
	if (*lines[0] == '\0') {
		g_set_error (error, BS_CONFIG_ERROR, BS_CONFIG_ERROR_VALUE,
		    "%s:%u: the %s is empty", path,
		    bs_keyfile_line (contents, group, NULL), what);
		g_strfreev (lines);
		return FALSE;
	}
	*out = lines;
	return TRUE;
}

static gboolean
load_proof (BsConfig *config, GKeyFile *kf, const char *contents,
    const char *path, GError **error)
{
	g_auto(GStrv) batv = NULL;
	g_auto(GStrv) srs = NULL;
	g_autofree char *v = NULL;

	if (!get_bool (kf, contents, path, "dkim", "dns", &config->dkim_dns,
	    error)
	    || !get_bool (kf, contents, path, "dkim", "owner-signs-all",
	    &config->dkim_owner_signs_all, error)
	    || !get_bool (kf, contents, path, "batv", "owner-signs-all",
	    &config->batv_owner_signs_all, error)
	    || !get_bool (kf, contents, path, "srs", "unwrap",
	    &config->srs_unwrap, error))
		return FALSE;
	if (g_key_file_has_key (kf, "dkim", "keys", NULL)) {
		if (!get_value (kf, contents, path, "dkim", "keys", &v, error))
			return FALSE;
		g_free (config->dkim_keys);
		config->dkim_keys = config_relative (path, g_strstrip (v));
		g_clear_pointer (&v, g_free);
	}
	if (!load_secrets (kf, contents, path, "batv", "key", "key-file",
	    "BATV key", &batv, error)
	    || !load_secrets (kf, contents, path, "srs", "secret", "secret-file",
	    "SRS secret", &srs, error))
		return FALSE;
	if (batv != NULL) {
		/* One key: --batv-sign makes key number 0 with it. */
		g_free (config->batv_key);
		config->batv_key = g_strdup (batv[0]);
	}
	if (srs != NULL) {
		g_strfreev (config->srs_secrets);
		config->srs_secrets = g_steal_pointer (&srs);
	}
	return TRUE;
}

gboolean
bs_config_load_file (BsConfig *config, const char *path, GError **error)
{
	static const char *const identity_keys[] = { "address", "relay", NULL };
	static const char *const scoring_keys[] = { "threshold", NULL };
	static const char *const limits_keys[] = { "max-size", NULL };
	static const char *const ledger_keys[] = { "path", "url", NULL };
	static const char *const dkim_keys[] = { "keys", "dns",
	    "owner-signs-all", NULL };
	static const char *const batv_keys[] = { "key", "key-file",
	    "owner-signs-all", NULL };
	static const char *const srs_keys[] = { "secret", "secret-file",
	    "unwrap", NULL };
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_autoptr(GError) local = NULL;
	g_autofree char *contents = NULL;
	g_auto(GStrv) groups = NULL;
	g_auto(GStrv) weights = NULL;
	gsize len, i;

	contents = bs_textfile_read (path, &len, &local);
	if (contents == NULL) {
		g_set_error (error, BS_CONFIG_ERROR, BS_CONFIG_ERROR_READ,
		    "%s", local->message);
		return FALSE;
	}
	if (!g_key_file_load_from_data (kf, contents, len, G_KEY_FILE_NONE,
	    &local)) {
		guint line = syntax_error_line (contents, len);

		/* GKeyFile names no line; the first that is no group, key
		 * or comment is the one it means, most of the time. */
		if (line > 0)
			g_set_error (error, BS_CONFIG_ERROR,
			    BS_CONFIG_ERROR_SYNTAX, "%s:%u: %s", path, line,
			    local->message);
		else
			g_set_error (error, BS_CONFIG_ERROR,
			    BS_CONFIG_ERROR_SYNTAX, "%s: %s", path,
			    local->message);
		return FALSE;
	}
	groups = g_key_file_get_groups (kf, NULL);
	for (i = 0; groups[i] != NULL; i++) {
		if (!g_strv_contains (known_groups, groups[i])) {
			g_set_error (error, BS_CONFIG_ERROR,
			    BS_CONFIG_ERROR_SYNTAX, "%s:%u: unknown group "
			    "[%s]", path, bs_keyfile_line (contents, groups[i], NULL),
			    groups[i]);
			return FALSE;
		}
	}
	if (!check_keys (kf, contents, path, "identity", identity_keys, error)
	    || !check_keys (kf, contents, path, "scoring", scoring_keys, error)
	    || !check_keys (kf, contents, path, "limits", limits_keys, error)
	    || !check_keys (kf, contents, path, "ledger", ledger_keys, error)
	    || !check_keys (kf, contents, path, "dkim", dkim_keys, error)
	    || !check_keys (kf, contents, path, "batv", batv_keys, error)
	    || !check_keys (kf, contents, path, "srs", srs_keys, error)
	    || !load_proof (config, kf, contents, path, error))
		return FALSE;
	if (!load_list (config, kf, contents, path, "address",
	    bs_identity_add_address, error)
	    || !load_list (config, kf, contents, path, "relay",
	    bs_identity_add_relay, error))
		return FALSE;

	if (g_key_file_has_key (kf, "scoring", "threshold", NULL)) {
		g_autofree char *v = NULL;

		if (!get_value (kf, contents, path, "scoring", "threshold", &v,
		    error))
			return FALSE;
		if (!bs_config_parse_number (g_strstrip (v), &config->threshold,
		    &local)) {
			g_set_error (error, BS_CONFIG_ERROR,
			    BS_CONFIG_ERROR_VALUE, "%s:%u: threshold: %s", path,
			    bs_keyfile_line (contents, "scoring", "threshold"),
			    local->message);
			return FALSE;
		}
	}
	if (g_key_file_has_key (kf, "limits", "max-size", NULL)) {
		g_autofree char *v = NULL;

		if (!get_value (kf, contents, path, "limits", "max-size", &v,
		    error))
			return FALSE;
		if (!bs_config_parse_size (g_strstrip (v), &config->max_size,
		    &local)) {
			g_set_error (error, BS_CONFIG_ERROR,
			    BS_CONFIG_ERROR_VALUE, "%s:%u: max-size: %s", path,
			    bs_keyfile_line (contents, "limits", "max-size"),
			    local->message);
			return FALSE;
		}
	}
	if (g_key_file_has_key (kf, "ledger", "path", NULL)) {
		g_autofree char *v = NULL;

		if (!get_value (kf, contents, path, "ledger", "path", &v, error))
			return FALSE;
		g_strstrip (v);
		if (*v == '\0') {
			g_set_error (error, BS_CONFIG_ERROR,
			    BS_CONFIG_ERROR_VALUE, "%s:%u: path: empty", path,
			    bs_keyfile_line (contents, "ledger", "path"));
			return FALSE;
		}
		g_free (config->ledger_path);
		/* "~/..." as people write it in a config file. */
		if (g_str_has_prefix (v, "~/"))
			config->ledger_path = g_build_filename (
			    g_get_home_dir (), v + 2, NULL);
		else
			config->ledger_path = g_steal_pointer (&v);
	}
	/* A PostgreSQL ledger for a fleet; it wins over path=. */
	if (g_key_file_has_key (kf, "ledger", "url", NULL)) {
		g_autofree char *v = NULL;

		if (!get_value (kf, contents, path, "ledger", "url", &v, error))
			return FALSE;
		g_strstrip (v);
		if (!bs_ledger_is_url (v)) {
			g_set_error (error, BS_CONFIG_ERROR,
			    BS_CONFIG_ERROR_VALUE, "%s:%u: url: \"%s\" is not "
			    "a postgresql:// URL", path, bs_keyfile_line (
			    contents, "ledger", "url"), v);
			return FALSE;
		}
		g_free (config->ledger_path);
		config->ledger_path = g_steal_pointer (&v);
	}
	/* Weights name tests; whether each exists is checked against the
	 * rules once they are loaded (main.c), so the message can say so. */
	weights = g_key_file_get_keys (kf, "weights", NULL, NULL);
	for (i = 0; weights != NULL && weights[i] != NULL; i++) {
		g_autofree char *v = NULL;
		double w;

		if (!get_value (kf, contents, path, "weights", weights[i], &v,
		    error))
			return FALSE;
		if (!bs_config_parse_number (g_strstrip (v), &w, &local)) {
			g_set_error (error, BS_CONFIG_ERROR,
			    BS_CONFIG_ERROR_VALUE, "%s:%u: weight of %s: %s",
			    path, bs_keyfile_line (contents, "weights", weights[i]),
			    weights[i], local->message);
			return FALSE;
		}
		g_hash_table_replace (config->weights, g_strdup (weights[i]),
		    g_memdup2 (&w, sizeof w));
	}
	g_free (config->path);
	config->path = g_strdup (path);
	return TRUE;
}

char *
bs_config_find_default (void)
{
	g_autofree char *user = g_build_filename (g_get_user_config_dir (),
	    "backscatter-check", "config", NULL);
	g_autofree char *system = g_build_filename (BS_SYSCONFDIR,
	    "backscatter-check.conf", NULL);

	if (g_file_test (user, G_FILE_TEST_EXISTS))
		return g_steal_pointer (&user);
	if (g_file_test (system, G_FILE_TEST_EXISTS))
		return g_steal_pointer (&system);
	return NULL;
}

char *
bs_config_rules_dir (const char *dir)
{
	const char *env = g_getenv ("BACKSCATTER_CHECK_DATADIR");

	if (dir != NULL)
		return g_strdup (dir);
	if (env != NULL && *env != '\0')
		return g_build_filename (env, "rules", NULL);
	return NULL;
}
