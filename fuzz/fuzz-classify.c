/* fuzz-classify.c: bytes -> BsInput -> bs_classify -> score -> reports.
 *
 * The whole path a message takes in verdict, --json and --explain mode.
 * Besides crashes and leaks it checks one property: the --json line is
 * valid JSON (json-glib parses it), whatever the message held.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <json-glib/json-glib.h>

#include "classify.h"
#include "identity.h"
#include "input.h"
#include "report.h"
#include "rules.h"
#include "score.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static BsRules *rules;
static BsIdentity *identity;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
	g_autoptr(GError) error = NULL;

	g_mime_init ();
	rules = bs_rules_load_builtin (FALSE, &error);
	identity = bs_identity_new ();
	if (rules == NULL
	    || !bs_identity_add_address (identity, "kim@example.org", &error)
	    || !bs_identity_add_address (identity, "@example.net", &error)
	    || !bs_identity_add_relay (identity, "*.example.org", &error)
	    || !bs_identity_add_relay (identity, "192.0.2.0/24", &error)) {
		fprintf (stderr, "fuzz-classify: %s\n", error->message);
		abort ();
	}
	return 0;
}

static void
check_json (const char *json)
{
	g_autoptr(JsonParser) parser = json_parser_new ();
	g_autoptr(GError) error = NULL;

	if (!json_parser_load_from_data (parser, json, -1, &error)) {
		fprintf (stderr, "fuzz-classify: invalid JSON (%s): %s\n",
		    error->message, json);
		abort ();
	}
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	g_autoptr(BsInput) input = g_new0 (BsInput, 1);
	g_autoptr(BsFacts) facts = NULL;
	g_autoptr(BsScore) score = NULL;
	g_autofree char *json = NULL;
	g_autofree char *explain = NULL;
	g_autofree char *line = NULL;
	g_autofree char *value = NULL;

	input->name = g_strdup ("-");
	input->raw = g_bytes_new (data, size);
	if (!bs_input_parse (input))
		return 0;
	facts = bs_classify (input->message, rules);
	score = bs_score_compute (facts, identity, rules, 5.0);
	json = bs_report_json ("-", facts, score);
	check_json (json);
	explain = bs_report_explain ("-", facts, score);
	line = bs_report_line ("-", facts, score);
	value = bs_report_header_value (facts, score);
	return 0;
}
