/* test-summary.c: summary.c and html-report.c over records made by hand. */
#include <string.h>

#include "html-report.h"
#include "summary.h"

/* 2026-11-27 14:00:00 UTC */
#define T0 1795788000

static BsScanRecord *
record (BsVerdict verdict, BsKind kind, const char *reason,
    const char *server, const char *sender, gint64 date)
{
	BsScanRecord *r = bs_scan_record_new ("/m/cur/1", 0, -1);

	r->verdict = verdict;
	r->kind = kind;
	r->reason = g_strdup (reason);
	r->server = g_strdup (server);
	r->forged_sender = g_strdup (sender);
	r->date = date;
	return r;
}

static void
add (BsSummary *s, BsVerdict verdict, BsKind kind, const char *reason,
    const char *server, const char *sender, gint64 date)
{
	g_autoptr(BsScanRecord) r = record (verdict, kind, reason, server,
	    sender, date);

	bs_summary_add (s, r);
}

/* An attack of 2 + 5 + 1 bounces over three hours, one legitimate bounce
 * and a plain message. */
static BsSummary *
attack (void)
{
	BsSummary *s = bs_summary_new ();
	int i;

	for (i = 0; i < 2; i++)
		add (s, BS_VERDICT_BACKSCATTER, BS_KIND_DSN, "user-unknown",
		    "mx.example.net", "ceo@example.org", T0 + 60 * i);
	for (i = 0; i < 5; i++)
		add (s, BS_VERDICT_BACKSCATTER, BS_KIND_NDR, "mailbox-full",
		    "mx2.example.com", "sales@example.org", T0 + 3600 + 60 * i);
	add (s, BS_VERDICT_BACKSCATTER, BS_KIND_AUTO_REPLY, NULL,
	    "mx.example.net", "ceo@example.org", T0 + 2 * 3600 + 59);
	add (s, BS_VERDICT_LEGITIMATE, BS_KIND_DSN, "user-unknown",
	    "mx.example.net", "owner@example.org", T0 + 7200);
	add (s, BS_VERDICT_NOT_BOUNCE, BS_KIND_NONE, NULL, NULL, NULL, T0);
	return s;
}

static void
test_counts (void)
{
	g_autoptr(BsSummary) s = attack ();
	g_autoptr(GPtrArray) verdicts = bs_summary_top (s,
	    BS_SUMMARY_VERDICTS, 0);
	g_autoptr(GPtrArray) servers = bs_summary_top (s,
	    BS_SUMMARY_SERVERS, 0);
	g_autoptr(GPtrArray) reasons = bs_summary_top (s,
	    BS_SUMMARY_REASONS, 1);
	const BsSummaryCount *c;

	g_assert_cmpuint (bs_summary_messages (s), ==, 10);
	g_assert_cmpuint (bs_summary_backscatter (s), ==, 8);
	g_assert_cmpuint (verdicts->len, ==, 4);
	c = verdicts->pdata[0];
	g_assert_cmpstr (c->name, ==, "backscatter");
	g_assert_cmpuint (c->count, ==, 8);
	c = verdicts->pdata[3];
	g_assert_cmpstr (c->name, ==, "unknown");
	g_assert_cmpuint (c->count, ==, 0);
	/* Backscatter only: the legitimate bounce's server is not counted. */
	g_assert_cmpuint (servers->len, ==, 2);
	c = servers->pdata[0];
	g_assert_cmpstr (c->name, ==, "mx2.example.com");
	g_assert_cmpuint (c->count, ==, 5);
	c = servers->pdata[1];
	g_assert_cmpuint (c->count, ==, 3);
	g_assert_cmpuint (reasons->len, ==, 1);
	c = reasons->pdata[0];
	g_assert_cmpstr (c->name, ==, "mailbox-full");
}

static void
test_timeline_hours (void)
{
	g_autoptr(BsSummary) s = attack ();
	g_autoptr(BsSummaryTimeline) t = bs_summary_timeline (s);

	g_assert_cmpint (t->unit, ==, 3600);
	g_assert_cmpuint (t->buckets->len, ==, 3);
	g_assert_cmpint (g_array_index (t->buckets, BsSummaryBucket, 0).start,
	    ==, T0);
	g_assert_cmpuint (g_array_index (t->buckets, BsSummaryBucket, 0).count,
	    ==, 2);
	g_assert_cmpuint (t->peak, ==, 1);
	g_assert_cmpuint (g_array_index (t->buckets, BsSummaryBucket, 2).count,
	    ==, 1);
	g_assert_cmpint (t->first, ==, T0);
	g_assert_cmpint (t->last, ==, T0 + 2 * 3600 + 59);
	g_assert_cmpuint (t->dated, ==, 8);
}

static void
test_timeline_days (void)
{
	g_autoptr(BsSummary) s = bs_summary_new ();
	g_autoptr(BsSummaryTimeline) t = NULL;
	g_autoptr(BsSummaryTimeline) wide = NULL;
	g_autoptr(BsSummary) years = bs_summary_new ();
	g_autofree char *unit = NULL;

	/* Four days: per day, starting at midnight. */
	add (s, BS_VERDICT_BACKSCATTER, BS_KIND_DSN, NULL, NULL, NULL, T0);
	add (s, BS_VERDICT_BACKSCATTER, BS_KIND_DSN, NULL, NULL, NULL,
	    T0 + 4 * 86400);
	add (s, BS_VERDICT_BACKSCATTER, BS_KIND_DSN, NULL, NULL, NULL, 0);
	t = bs_summary_timeline (s);
	g_assert_cmpint (t->unit, ==, 86400);
	g_assert_cmpuint (t->buckets->len, ==, 5);
	g_assert_cmpint (g_array_index (t->buckets, BsSummaryBucket, 0).start
	    % 86400, ==, 0);
	g_assert_cmpuint (t->undated, ==, 1);
	/* A date forged decades off keeps the chart to 120 bars. */
	add (years, BS_VERDICT_BACKSCATTER, BS_KIND_DSN, NULL, NULL, NULL,
	    86400);
	add (years, BS_VERDICT_BACKSCATTER, BS_KIND_DSN, NULL, NULL, NULL, T0);
	wide = bs_summary_timeline (years);
	g_assert_cmpuint (wide->buckets->len, <=, 121);
	g_assert_cmpuint (wide->dated, ==, 2);
	unit = bs_summary_unit_name (wide->unit);
	g_assert_true (g_str_has_suffix (unit, " days"));
}

static void
test_text (void)
{
	g_autoptr(BsSummary) s = attack ();
	g_autofree char *text = bs_summary_text (s, 10);

	g_test_message ("%s", text);
	g_assert_nonnull (strstr (text, "10 messages, 8 backscatter\n"));
	g_assert_nonnull (strstr (text, "       5  mx2.example.com\n"));
	g_assert_nonnull (strstr (text, "started 2026-11-27 14:00 UTC\n"));
	g_assert_nonnull (strstr (text, "peaked  2026-11-27 15:00 UTC, 5 in "
	    "that hour\n"));
	g_assert_nonnull (strstr (text, "stopped 2026-11-27 16:00 UTC\n"));
	g_assert_nonnull (strstr (text, "  2026-11-27 15:00 |##########| 5\n"));
	/* 2 of 5 in 10 columns, rounded up. */
	g_assert_nonnull (strstr (text, "  2026-11-27 14:00 |####      | 2\n"));
	g_assert_nonnull (strstr (text, "  2026-11-27 16:00 |##        | 1\n"));
}

static void
test_text_escapes (void)
{
	g_autoptr(BsSummary) s = bs_summary_new ();
	g_autofree char *text = NULL;

	add (s, BS_VERDICT_BACKSCATTER, BS_KIND_DSN, NULL,
	    "evil\x1b[2J\nserver", NULL, T0);
	text = bs_summary_text (s, 10);
	g_assert_null (strchr (text, '\x1b'));
	g_assert_nonnull (strstr (text, "evil\\033[2J\\nserver"));
}

static void
test_json (void)
{
	g_autoptr(BsSummary) s = attack ();
	g_autoptr(GError) error = NULL;
	g_autofree char *json = bs_summary_json (s, &error);

	g_assert_no_error (error);
	g_test_message ("%s", json);
	g_assert_true (g_str_has_prefix (json, "{\"messages\":10,"
	    "\"verdicts\":{\"backscatter\":8,\"legitimate\":1,\"not-bounce\":1,"
	    "\"unknown\":0},\"kinds\":{\"ndr\":5,\"dsn\":3,\"auto-reply\":1}"));
	g_assert_nonnull (strstr (json, "\"servers\":[{\"name\":"
	    "\"mx2.example.com\",\"count\":5},{\"name\":\"mx.example.net\","
	    "\"count\":3}]"));
	g_assert_nonnull (strstr (json, "\"timeline\":{\"unit\":\"hour\","
	    "\"unit_seconds\":3600,\"dated\":8,\"undated\":0,"
	    "\"started\":\"2026-11-27T14:00:00Z\",\"peaked\":"
	    "\"2026-11-27T15:00:00Z\",\"peak_count\":5,\"stopped\":"
	    "\"2026-11-27T16:00:59Z\",\"buckets\":[{\"start\":"
	    "\"2026-11-27T14:00:00Z\",\"count\":2},"));
}

static void
test_html_escape (void)
{
	g_autofree char *e = bs_html_escape ("<a href='x'>\"&\x01\xff");

	g_assert_cmpstr (e, ==, "&lt;a href=&#39;x&#39;&gt;&quot;&amp;"
	    "\xef\xbf\xbd\xef\xbf\xbd");
}

static void
test_html (void)
{
	g_autoptr(BsSummary) s = attack ();
	g_autofree char *page = NULL;

	add (s, BS_VERDICT_BACKSCATTER, BS_KIND_DSN, NULL,
	    "<script src=\"http://evil.example/x.js\"></script>", NULL, T0);
	page = bs_html_report_render (s);
	g_assert_true (g_str_has_prefix (page, "<!DOCTYPE html>"));
	g_assert_null (strstr (page, "<script"));
	g_assert_null (strstr (page, "src=\""));
	g_assert_nonnull (strstr (page, "&lt;script"));
	g_assert_nonnull (strstr (page, "<svg"));
	g_assert_nonnull (strstr (page, "fill=\"" BS_HTML_REPORT_BAR_COLOUR));
	g_assert_nonnull (strstr (page, "default-src 'none'"));
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/summary/counts", test_counts);
	g_test_add_func ("/summary/timeline-hours", test_timeline_hours);
	g_test_add_func ("/summary/timeline-days", test_timeline_days);
	g_test_add_func ("/summary/text", test_text);
	g_test_add_func ("/summary/text-escapes", test_text_escapes);
	g_test_add_func ("/summary/json", test_json);
	g_test_add_func ("/html-report/escape", test_html_escape);
	g_test_add_func ("/html-report/page", test_html);
	return g_test_run ();
}
