/* milter-policy.c: backscatter-milter's decisions that need no MTA. */
#include "milter-policy.h"

#include <math.h>
#include <string.h>

#include "config.h"
#include "keyfile-line.h"
#include "textfile.h"

G_DEFINE_QUARK (bs-milter-error-quark, bs_milter_error)

#define GROUP "milter"

BsMilterConfig *
bs_milter_config_new (void)
{
	BsMilterConfig *mc = g_new0 (BsMilterConfig, 1);

	mc->action = BS_MILTER_ACTION_HEADER;
	mc->act_tier = BS_TIER_SERVER;
	mc->act_score = NAN;
	mc->max_size = BS_MILTER_DEFAULT_MAX_SIZE;
	mc->budget_ms = BS_MILTER_DEFAULT_BUDGET_MS;
	mc->workers = BS_MILTER_DEFAULT_WORKERS;
	mc->remote_mailers = g_strsplit (BS_MILTER_DEFAULT_REMOTE_MAILERS,
	    ";", -1);
	mc->learn = TRUE;
	return mc;
}

void
bs_milter_config_free (BsMilterConfig *mc)
{
	if (mc == NULL)
		return;
	g_strfreev (mc->remote_mailers);
	g_free (mc->socket);
	g_free (mc);
}

const char *
bs_milter_action_to_string (BsMilterAction action)
{
	switch (action) {
	case BS_MILTER_ACTION_HEADER:
		return "header";
	case BS_MILTER_ACTION_REJECT:
		return "reject";
	case BS_MILTER_ACTION_QUARANTINE:
		return "quarantine";
	case BS_MILTER_ACTION_DISCARD:
		return "discard";
	}
	return "header";
}

static gboolean
bad_value (GError **error, const char *path, const char *contents,
    const char *key, const char *what, const char *v)
{
	g_set_error (error, BS_MILTER_ERROR, BS_MILTER_ERROR_CONFIG,
	    "%s:%u: %s: %s, not \"%s\"", path,
	    bs_keyfile_line (contents, GROUP, key), key, what, v);
	return FALSE;
}

gboolean
bs_milter_config_load (BsMilterConfig *mc, const char *path, GError **error)
{
	static const char *const known[] = { "action", "reject-tier",
	    "reject-score", "max-size", "time-budget", "workers",
	    "remote-mailers", "learn", "socket", NULL };
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_autoptr(GError) local = NULL;
	g_autofree char *contents = NULL;
	g_auto(GStrv) keys = NULL;
	gsize len, i;

	contents = bs_textfile_read (path, &len, &local);
	if (contents == NULL || !g_key_file_load_from_data (kf, contents, len,
	    G_KEY_FILE_NONE, &local)) {
		/* bs_config_load_file read it first and said what is wrong
		 * in more detail. */
		g_set_error (error, BS_MILTER_ERROR, BS_MILTER_ERROR_CONFIG,
		    "%s", local->message);
		return FALSE;
	}
	keys = g_key_file_get_keys (kf, GROUP, NULL, NULL);
	for (i = 0; keys != NULL && keys[i] != NULL; i++) {
		g_autofree char *v = g_key_file_get_string (kf, GROUP, keys[i],
		    NULL);
		const char *key = keys[i];
		guint64 n;
		double d;

		if (!g_strv_contains (known, key)) {
			g_set_error (error, BS_MILTER_ERROR,
			    BS_MILTER_ERROR_CONFIG, "%s:%u: unknown key \"%s\" "
			    "in [milter]", path, bs_keyfile_line (contents,
			    GROUP, key), key);
			return FALSE;
		}
		if (v == NULL)
			return bad_value (error, path, contents, key,
			    "not a string", "");
		g_strstrip (v);
		if (strcmp (key, "action") == 0) {
			if (strcmp (v, "header") == 0)
				mc->action = BS_MILTER_ACTION_HEADER;
			else if (strcmp (v, "reject") == 0)
				mc->action = BS_MILTER_ACTION_REJECT;
			else if (strcmp (v, "quarantine") == 0)
				mc->action = BS_MILTER_ACTION_QUARANTINE;
			else if (strcmp (v, "discard") == 0)
				mc->action = BS_MILTER_ACTION_DISCARD;
			else
				return bad_value (error, path, contents, key,
				    "header, reject, quarantine or discard", v);
		} else if (strcmp (key, "reject-tier") == 0) {
			if (!bs_tier_from_string (v, &mc->act_tier))
				return bad_value (error, path, contents, key,
				    "proof, server or content", v);
		} else if (strcmp (key, "reject-score") == 0) {
			if (!bs_config_parse_number (v, &mc->act_score, NULL))
				return bad_value (error, path, contents, key,
				    "a number", v);
		} else if (strcmp (key, "max-size") == 0) {
			if (!bs_config_parse_size (v, &mc->max_size, NULL)
			    || mc->max_size == 0 || mc->max_size > G_MAXUINT32)
				return bad_value (error, path, contents, key,
				    "a size from 1 to 4G", v);
		} else if (strcmp (key, "time-budget") == 0) {
			if (!bs_config_parse_number (v, &d, NULL) || d <= 0.0
			    || d > 3600.0)
				return bad_value (error, path, contents, key,
				    "seconds, over 0 and at most 3600", v);
			mc->budget_ms = (guint) MAX (1.0, d * 1000.0);
		} else if (strcmp (key, "workers") == 0) {
			if (!g_ascii_string_to_unsigned (v, 10, 1, 256, &n,
			    NULL))
				return bad_value (error, path, contents, key,
				    "a number of threads from 1 to 256", v);
			mc->workers = (guint) n;
		} else if (strcmp (key, "remote-mailers") == 0) {
			g_strfreev (mc->remote_mailers);
			mc->remote_mailers = g_key_file_get_string_list (kf,
			    GROUP, key, NULL, NULL);
			for (n = 0; mc->remote_mailers != NULL
			    && mc->remote_mailers[n] != NULL; n++)
				g_strstrip (mc->remote_mailers[n]);
		} else if (strcmp (key, "learn") == 0) {
			if (g_ascii_strcasecmp (v, "true") == 0)
				mc->learn = TRUE;
			else if (g_ascii_strcasecmp (v, "false") == 0)
				mc->learn = FALSE;
			else
				return bad_value (error, path, contents, key,
				    "true or false", v);
		} else if (strcmp (key, "socket") == 0) {
			g_free (mc->socket);
			mc->socket = g_steal_pointer (&v);
		}
	}
	return TRUE;
}

gboolean
bs_milter_forged_name (const char *name)
{
	static const char field[] = "X-Backscatter";
	gsize i = 0;
	const char *p;

	g_return_val_if_fail (name != NULL, FALSE);
	for (p = name; *p != '\0'; p++) {
		if (*p == '\r')
			continue;
		if (field[i] != '\0'
		    && g_ascii_tolower (*p) == g_ascii_tolower (field[i])) {
			i++;
			continue;
		}
		/* After the whole name, only blanks (they stood before the
		 * colon) and CRs. */
		if (field[i] == '\0' && (*p == ' ' || *p == '\t'))
			continue;
		return FALSE;
	}
	return field[i] == '\0';
}

gboolean
bs_milter_auto_marked (const char *name, const char *value)
{
	g_autofree char *v = NULL;

	if (name == NULL || value == NULL)
		return FALSE;
	v = g_ascii_strdown (value, -1);
	g_strstrip (v);
	/* "no", perhaps with a comment or parameters, is a person's. */
	if (g_ascii_strcasecmp (name, "Auto-Submitted") == 0) {
		gsize n = strcspn (v, " \t;(");

		return n > 0 && !(n == 2 && strncmp (v, "no", 2) == 0);
	}
	if (g_ascii_strcasecmp (name, "Precedence") == 0)
		return strcmp (v, "bulk") == 0 || strcmp (v, "junk") == 0
		    || strcmp (v, "auto_reply") == 0;
	return g_ascii_strcasecmp (name, "X-Autoreply") == 0
	    || g_ascii_strcasecmp (name, "X-Autorespond") == 0;
}

gboolean
bs_milter_null_sender (const char *mail_from)
{
	const char *p = mail_from;

	if (p == NULL)
		return FALSE;
	while (*p == ' ')
		p++;
	return strncmp (p, "<>", 2) == 0 && (p[2] == '\0' || p[2] == ' ');
}

gboolean
bs_milter_local_mailer (const BsMilterConfig *mc, const char *rcpt_mailer)
{
	guint i;

	if (rcpt_mailer == NULL || *rcpt_mailer == '\0')
		return TRUE;
	for (i = 0; mc->remote_mailers != NULL
	    && mc->remote_mailers[i] != NULL; i++) {
		if (g_ascii_strcasecmp (mc->remote_mailers[i],
		    rcpt_mailer) == 0)
			return FALSE;
	}
	return TRUE;
}

BsMilterAction
bs_milter_decide (const BsMilterConfig *mc, const BsScore *score)
{
	double bar = isnan (mc->act_score) ? score->threshold : mc->act_score;

	if (score->verdict != BS_VERDICT_BACKSCATTER || !score->decided
	    || score->decided_by < mc->act_tier || score->score < bar)
		return BS_MILTER_ACTION_HEADER;
	return mc->action;
}

char *
bs_milter_reply_text (const char *header_value)
{
	GString *s = g_string_new ("Backscatter: a report about mail that was "
	    "not sent from here (");
	const char *p;

	for (p = header_value; p != NULL && *p != '\0' && s->len < 396; p++) {
		guchar c = (guchar) *p;

		if (c == '\r' || c == '\n' || c == '\t')
			c = ' ';
		if (c < 0x20 || c >= 0x7f || c == '%')
			continue;
		/* Folding leaves runs of blanks; keep one. */
		if (c == ' ' && s->len > 0 && s->str[s->len - 1] == ' ')
			continue;
		g_string_append_c (s, (char) c);
	}
	g_string_append_c (s, ')');
	return g_string_free (s, FALSE);
}
