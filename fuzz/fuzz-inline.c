/* fuzz-inline.c: the readers of bounce prose, on the bytes as text:
 * bs_original_find_inline (with and without a marker line) and
 * bs_bounce_text_recipients, against the built-in rules. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce-text.h"
#include "original.h"
#include "rules.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static BsRules *rules;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
	g_autoptr(GError) error = NULL;

	rules = bs_rules_load_builtin (FALSE, &error);
	if (rules == NULL) {
		fprintf (stderr, "fuzz-inline: %s\n", error->message);
		abort ();
	}
	return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	const char *text = (const char *) data;
	g_autoptr(BsDsn) dsn = bs_dsn_new ();
	gssize at;
	guint i;

	/* Exactly size bytes, no terminating NUL, as a length-taking API
	 * must accept. */
	at = bs_original_find_inline (text, size, rules, TRUE);
	if (at >= 0 && (gsize) at >= size)
		abort ();
	at = bs_original_find_inline (text, size, rules, FALSE);
	if (at >= 0 && (gsize) at >= size)
		abort ();
	bs_bounce_text_recipients (text, size, rules, dsn);
	if (dsn->recipients->len > BS_DSN_MAX_RECIPIENTS)
		abort ();
	for (i = 0; i < dsn->recipients->len; i++) {
		const BsRecipient *r = dsn->recipients->pdata[i];

		if (r->recipient == NULL || strchr (r->recipient, '@') == NULL)
			abort ();
		if (r->diagnostic != NULL
		    && strlen (r->diagnostic) > BS_DIAGNOSTIC_MAX + 8)
			abort ();
	}
	return 0;
}
