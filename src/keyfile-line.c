/* keyfile-line.c: line numbers for GKeyFile groups and keys. */
#include <string.h>

#include "keyfile-line.h"

guint
bs_keyfile_line (const char *contents, const char *group, const char *key)
{
	g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);
	g_autofree char *header = g_strdup_printf ("[%s]", group);
	gboolean in_group = FALSE;
	guint i;

	for (i = 0; lines[i] != NULL; i++) {
		char *line = g_strstrip (lines[i]);
		const char *rest;

		if (*line == '[') {
			in_group = strcmp (line, header) == 0;
			if (in_group && key == NULL)
				return i + 1;
			continue;
		}
		if (!in_group || key == NULL || !g_str_has_prefix (line, key))
			continue;
		rest = line + strlen (key);
		while (*rest == ' ' || *rest == '\t')
			rest++;
		if (*rest == '=')
			return i + 1;
	}
	return 0;
}
