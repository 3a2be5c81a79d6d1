/* test-report.c: the JSON line, the header value, the one-line verdict. */
#include "report.h"

#include <string.h>

#include <json-glib/json-glib.h>

static void
hit_free (gpointer data)
{
	BsHit *hit = data;

	g_free (hit->detail);
	g_free (hit);
}

static BsScore *
score_new (BsVerdict verdict, double value, double threshold)
{
	BsScore *s = g_new0 (BsScore, 1);

	s->verdict = verdict;
	s->score = value;
	s->threshold = threshold;
	s->hits = g_ptr_array_new_with_free_func (hit_free);
	return s;
}

static void
add_hit (BsScore *s, const char *name, double value, const char *detail)
{
	BsHit *hit = g_new0 (BsHit, 1);

	hit->name = name;
	hit->score = value;
	hit->tier = BS_TIER_SERVER;
	hit->counted = TRUE;
	hit->detail = g_strdup (detail);
	g_ptr_array_add (s->hits, hit);
}

/* A DSN about a found original with one failed recipient. */
static BsFacts *
dsn_facts (void)
{
	BsFacts *f = bs_facts_new ();
	BsOriginal *o = f->original;
	BsRecipient *r = bs_recipient_new ();

	f->kind = BS_KIND_DSN;
	f->reason = g_strdup ("userunknown");
	o->found = TRUE;
	o->via = "message/rfc822";
	o->message_id = g_strdup ("<1@example.org>");
	o->from = g_strdup ("Kim <kim@example.org>");
	o->to = g_strdup ("nobody@example.com");
	o->subject = g_strdup ("Hello");
	o->date = g_strdup ("Mon, 1 Jan 2024 09:59:00 +0000");
	g_ptr_array_add (o->received, g_strdup ("from a by b"));
	g_ptr_array_add (o->received, g_strdup ("from c by d"));
	r->recipient = g_strdup ("nobody@example.com");
	r->action = g_strdup ("failed");
	r->status = g_strdup ("5.1.1");
	r->diagnostic = g_strdup ("550 5.1.1 user unknown");
	bs_dsn_add_recipient (f->dsn, r);
	return f;
}

static JsonObject *
parse_object (JsonParser *parser, const char *json)
{
	g_autoptr(GError) error = NULL;
	JsonNode *root;

	g_assert_null (strchr (json, '\n'));
	g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
	g_assert_no_error (error);
	root = json_parser_get_root (parser);
	g_assert_nonnull (root);
	g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
	return json_node_get_object (root);
}

static void
test_json_keys (void)
{
	static const char *const keys[] = {
		"file", "bounce", "kind", "verdict", "score", "threshold",
		"decided_by", "tests", "original", "recipients", "reason", NULL,
	};
	static const char *const original_keys[] = {
		"found", "via", "message_id", "from", "to", "subject", "date",
		"received", "vouched_hop", NULL,
	};
	g_autoptr(BsFacts) f = dsn_facts ();
	g_autoptr(BsScore) s = score_new (BS_VERDICT_BACKSCATTER, 7.5, 5.0);
	g_autoptr(JsonParser) parser = json_parser_new ();
	g_autofree char *json = NULL;
	JsonObject *obj, *o, *t, *r;
	JsonArray *a;
	gsize i;

	add_hit (s, "no-original", 2.0, "no copy");
	add_hit (s, "random-recipient", 5.5, "dqfvu@example.com");
	s->decided = TRUE;
	s->decided_by = BS_TIER_SERVER;
	((BsHit *) s->hits->pdata[1])->tier = BS_TIER_CONTENT;
	((BsHit *) s->hits->pdata[1])->counted = FALSE;
	json = bs_report_json ("msg.eml", f, s);
	obj = parse_object (parser, json);
	for (i = 0; keys[i] != NULL; i++)
		g_assert_true (json_object_has_member (obj, keys[i]));
	g_assert_cmpuint (json_object_get_size (obj), ==, 11);
	g_assert_cmpstr (json_object_get_string_member (obj, "decided_by"), ==,
	    "server");

	g_assert_cmpstr (json_object_get_string_member (obj, "file"), ==,
	    "msg.eml");
	g_assert_true (json_object_get_boolean_member (obj, "bounce"));
	g_assert_cmpstr (json_object_get_string_member (obj, "kind"), ==,
	    "dsn");
	g_assert_cmpstr (json_object_get_string_member (obj, "verdict"), ==,
	    "backscatter");
	g_assert_cmpfloat (json_object_get_double_member (obj, "score"), ==,
	    7.5);
	g_assert_cmpfloat (json_object_get_double_member (obj, "threshold"),
	    ==, 5.0);
	g_assert_cmpstr (json_object_get_string_member (obj, "reason"), ==,
	    "userunknown");

	a = json_object_get_array_member (obj, "tests");
	g_assert_cmpuint (json_array_get_length (a), ==, 2);
	t = json_array_get_object_element (a, 1);
	g_assert_cmpstr (json_object_get_string_member (t, "name"), ==,
	    "random-recipient");
	g_assert_cmpfloat (json_object_get_double_member (t, "score"), ==, 5.5);
	g_assert_cmpstr (json_object_get_string_member (t, "detail"), ==,
	    "dqfvu@example.com");
	g_assert_cmpstr (json_object_get_string_member (t, "tier"), ==,
	    "content");
	g_assert_false (json_object_get_boolean_member (t, "counted"));
	t = json_array_get_object_element (a, 0);
	g_assert_cmpstr (json_object_get_string_member (t, "tier"), ==,
	    "server");
	g_assert_true (json_object_get_boolean_member (t, "counted"));

	o = json_object_get_object_member (obj, "original");
	for (i = 0; original_keys[i] != NULL; i++)
		g_assert_true (json_object_has_member (o, original_keys[i]));
	g_assert_true (json_object_get_boolean_member (o, "found"));
	g_assert_cmpstr (json_object_get_string_member (o, "via"), ==,
	    "message/rfc822");
	g_assert_cmpstr (json_object_get_string_member (o, "message_id"), ==,
	    "<1@example.org>");
	a = json_object_get_array_member (o, "received");
	g_assert_cmpuint (json_array_get_length (a), ==, 2);
	g_assert_cmpstr (json_array_get_string_element (a, 0), ==,
	    "from a by b");

	a = json_object_get_array_member (obj, "recipients");
	g_assert_cmpuint (json_array_get_length (a), ==, 1);
	r = json_array_get_object_element (a, 0);
	g_assert_cmpstr (json_object_get_string_member (r, "recipient"), ==,
	    "nobody@example.com");
	g_assert_cmpstr (json_object_get_string_member (r, "action"), ==,
	    "failed");
	g_assert_cmpstr (json_object_get_string_member (r, "status"), ==,
	    "5.1.1");
	g_assert_cmpstr (json_object_get_string_member (r, "diagnostic"), ==,
	    "550 5.1.1 user unknown");
}

static void
test_json_not_bounce (void)
{
	g_autoptr(BsFacts) f = bs_facts_new ();
	g_autoptr(BsScore) s = score_new (BS_VERDICT_NOT_BOUNCE, 0.0, 5.0);
	g_autoptr(JsonParser) parser = json_parser_new ();
	g_autofree char *json = bs_report_json ("-", f, s);
	JsonObject *obj = parse_object (parser, json), *o;

	g_assert_false (json_object_get_boolean_member (obj, "bounce"));
	g_assert_cmpstr (json_object_get_string_member (obj, "kind"), ==,
	    "none");
	g_assert_cmpstr (json_object_get_string_member (obj, "verdict"), ==,
	    "not-bounce");
	/* No reason for what is not a bounce */
	g_assert_true (json_object_get_null_member (obj, "reason"));
	o = json_object_get_object_member (obj, "original");
	g_assert_false (json_object_get_boolean_member (o, "found"));
	g_assert_true (json_object_get_null_member (o, "via"));
	g_assert_true (json_object_get_null_member (o, "message_id"));
	g_assert_cmpuint (json_array_get_length (
	    json_object_get_array_member (obj, "tests")), ==, 0);
	g_assert_cmpuint (json_array_get_length (
	    json_object_get_array_member (obj, "recipients")), ==, 0);
}

static void
test_json_reason_unknown (void)
{
	g_autoptr(BsFacts) f = bs_facts_new ();
	g_autoptr(BsScore) s = score_new (BS_VERDICT_LEGITIMATE, 1.0, 5.0);
	g_autoptr(JsonParser) parser = json_parser_new ();
	g_autofree char *json = NULL;
	JsonObject *obj;

	f->kind = BS_KIND_NDR;
	json = bs_report_json ("x", f, s);
	obj = parse_object (parser, json);
	g_assert_cmpstr (json_object_get_string_member (obj, "reason"), ==,
	    "unknown");
	g_assert_cmpstr (json_object_get_string_member (obj, "verdict"), ==,
	    "legitimate");
}

static void
test_json_control_characters (void)
{
	g_autoptr(BsFacts) f = dsn_facts ();
	g_autoptr(BsScore) s = score_new (BS_VERDICT_LEGITIMATE, 1.0, 5.0);
	g_autoptr(JsonParser) parser = json_parser_new ();
	g_autofree char *json = NULL;
	const char *subject, *detail, *file, *rcpt;
	JsonObject *obj;

	g_free (f->original->subject);
	f->original->subject = g_strdup ("bell\x07 esc\x1b[31m cr\r del\x7f"
	    " tab\tnl\n end");
	g_free (f->original->message_id);
	f->original->message_id = g_strdup ("<bad\xff\xfe@example.org>");
	add_hit (s, "x", 1.0, "quote \" backslash \\ nul-free \x01");
	json = bs_report_json ("we\"ird\\name\x02", f, s);
	obj = parse_object (parser, json);

	subject = json_object_get_string_member (
	    json_object_get_object_member (obj, "original"), "subject");
	g_assert_true (g_utf8_validate (subject, -1, NULL));
	/* Control characters other than tab and newline are replaced. */
	g_assert_null (strchr (subject, '\x07'));
	g_assert_null (strchr (subject, '\x1b'));
	g_assert_null (strchr (subject, '\r'));
	g_assert_nonnull (strstr (subject, "\t"));
	g_assert_nonnull (strstr (subject, "\n end"));
	g_assert_nonnull (strstr (subject, "bell\xef\xbf\xbd esc"));
	/* Invalid UTF-8 is made valid. */
	g_assert_true (g_utf8_validate (json_object_get_string_member (
	    json_object_get_object_member (obj, "original"), "message_id"),
	    -1, NULL));
	detail = json_object_get_string_member (json_array_get_object_element (
	    json_object_get_array_member (obj, "tests"), 0), "detail");
	g_assert_true (g_str_has_prefix (detail, "quote \" backslash \\ "));
	g_assert_null (strchr (detail, '\x01'));
	file = json_object_get_string_member (obj, "file");
	g_assert_true (g_str_has_prefix (file, "we\"ird\\name"));
	rcpt = json_object_get_string_member (json_array_get_object_element (
	    json_object_get_array_member (obj, "recipients"), 0), "recipient");
	g_assert_cmpstr (rcpt, ==, "nobody@example.com");
	/* No raw control byte anywhere in the line */
	g_assert_null (strpbrk (json, "\x01\x02\x07\x1b\r\n"));
}

static void
test_json_unknown (void)
{
	g_autoptr(JsonParser) parser = json_parser_new ();
	g_autofree char *json = bs_report_json_unknown ("big.eml", "too-large",
	    6.5);
	JsonObject *obj = parse_object (parser, json);

	g_assert_cmpstr (json_object_get_string_member (obj, "file"), ==,
	    "big.eml");
	g_assert_cmpstr (json_object_get_string_member (obj, "verdict"), ==,
	    "unknown");
	g_assert_cmpstr (json_object_get_string_member (obj, "reason"), ==,
	    "too-large");
	g_assert_cmpfloat (json_object_get_double_member (obj, "threshold"),
	    ==, 6.5);
	g_assert_false (json_object_get_boolean_member (obj, "bounce"));
	g_assert_false (json_object_get_boolean_member (
	    json_object_get_object_member (obj, "original"), "found"));
}

static void
test_header_value (void)
{
	g_autoptr(BsFacts) f = dsn_facts ();
	g_autoptr(BsFacts) none = bs_facts_new ();
	g_autoptr(BsScore) yes = score_new (BS_VERDICT_BACKSCATTER, 7.5, 5.0);
	g_autoptr(BsScore) no = score_new (BS_VERDICT_LEGITIMATE, -1.26, 5.0);
	g_autoptr(BsScore) nb = score_new (BS_VERDICT_NOT_BOUNCE, 0.0, 4.5);
	g_autofree char *a = NULL;
	g_autofree char *b = NULL;
	g_autofree char *c = NULL;
	g_autofree char *d = NULL;

	add_hit (yes, "a", 3.0, "x");
	add_hit (yes, "b", 4.5, "y");
	a = bs_report_header_value (f, yes);
	g_assert_cmpstr (a, ==, "yes; score=7.5; threshold=5.0; kind=dsn; "
	    "tests=a,b");
	/* No tests: no tests= part; one decimal, rounded */
	f->kind = BS_KIND_NDR;
	b = bs_report_header_value (f, no);
	g_assert_cmpstr (b, ==, "no; score=-1.3; threshold=5.0; kind=ndr");
	c = bs_report_header_value (none, nb);
	g_assert_cmpstr (c, ==, "no; score=0.0; threshold=4.5; kind=none");
	d = bs_report_header_unknown ("too-large");
	g_assert_cmpstr (d, ==, "unknown; reason=too-large");
}

static void
test_line (void)
{
	g_autoptr(BsFacts) f = dsn_facts ();
	g_autoptr(BsScore) s = score_new (BS_VERDICT_BACKSCATTER, 7.5, 5.0);
	g_autofree char *line = bs_report_line ("msg.eml", f, s);

	g_assert_cmpstr (line, ==, "msg.eml: backscatter score=7.5 kind=dsn");
}

static void
test_explain (void)
{
	g_autoptr(BsFacts) f = dsn_facts ();
	g_autoptr(BsFacts) none = bs_facts_new ();
	g_autoptr(BsScore) s = score_new (BS_VERDICT_BACKSCATTER, 7.5, 5.0);
	g_autoptr(BsScore) nb = score_new (BS_VERDICT_NOT_BOUNCE, 0.0, 5.0);
	g_autofree char *a = NULL;
	g_autofree char *b = NULL;

	add_hit (s, "no-original", 7.5, "det\x1b" "ail");
	add_hit (s, "random-recipient", 1.0, "x");
	((BsHit *) s->hits->pdata[1])->tier = BS_TIER_CONTENT;
	((BsHit *) s->hits->pdata[1])->counted = FALSE;
	s->decided = TRUE;
	s->decided_by = BS_TIER_SERVER;
	a = bs_report_explain ("msg.eml", f, s);
	g_assert_true (g_str_has_prefix (a, "msg.eml\n"));
	g_assert_true (g_str_has_suffix (a, "\n"));
	g_assert_true (g_utf8_validate (a, -1, NULL));
	g_assert_nonnull (strstr (a, "  kind: dsn\n"));
	g_assert_nonnull (strstr (a, "  reason: userunknown\n"));
	g_assert_nonnull (strstr (a, "nobody@example.com: failed 5.1.1\n"));
	g_assert_nonnull (strstr (a, "  original: found (message/rfc822)\n"));
	g_assert_nonnull (strstr (a, "no-original: det"));
	g_assert_null (strchr (a, '\x1b'));
	g_assert_nonnull (strstr (a, "server  no-original: det"));
	g_assert_nonnull (strstr (a, "  verdict: backscatter (score 7.5, "
	    "threshold 5.0, decided by server)\n"));
	g_assert_nonnull (strstr (a, "1 test of lower tiers did not count: "
	    "the server tier"));
	g_assert_nonnull (strstr (a, "random-recipient (not counted): x"));
	b = bs_report_explain ("-", none, nb);
	g_assert_nonnull (strstr (b, "verdict: not-bounce"));
	g_assert_null (strstr (b, "tests:"));
}

/* Issue 10: a newline in a FILE name split the verdict line. */
static void
test_quote_name (void)
{
	static const struct {
		const char *name, *shown;
	} cases[] = {
		{ "new/1.eml", "new/1.eml" },
		{ "a b", "a\\ b" },
		{ "a\nb", "a\\nb" },
		{ "tab\there", "tab\\there" },
		{ "back\\slash", "back\\\\slash" },
		{ "cr\r\a\b\f\v", "cr\\r\\a\\b\\f\\v" },
		{ "ctl\001\177", "ctl\\001\\177" },
		{ "caf\303\251", "caf\303\251" },	/* printable UTF-8 */
		{ "bad\377\303x", "bad\\377\\303x" },	/* not UTF-8 */
		{ "zw\342\200\213", "zw\\342\\200\\213" },	/* U+200B */
		{ "", "" },
	};
	gsize i;

	for (i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autofree char *got = bs_report_quote_name (cases[i].name);

		g_assert_cmpstr (got, ==, cases[i].shown);
		g_assert_null (strchr (got, '\n'));
	}
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/report/json-keys", test_json_keys);
	g_test_add_func ("/report/json-not-bounce", test_json_not_bounce);
	g_test_add_func ("/report/json-reason-unknown",
	    test_json_reason_unknown);
	g_test_add_func ("/report/json-control-characters",
	    test_json_control_characters);
	g_test_add_func ("/report/json-unknown", test_json_unknown);
	g_test_add_func ("/report/header-value", test_header_value);
	g_test_add_func ("/report/line", test_line);
	g_test_add_func ("/report/explain", test_explain);
	g_test_add_func ("/report/quote-name", test_quote_name);
	return g_test_run ();
}
