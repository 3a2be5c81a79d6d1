/* summary.c: counts and timeline of a scan, and the --summary text and
 * JSON made of them. */
#include <string.h>

#include "json-api.h"
#include "report.h"
#include "summary.h"

#define HOUR 3600
#define DAY 86400
/* Hourly bars up to this span; beyond it, days. */
#define HOURLY_SPAN (3 * DAY)
#define MAX_BUCKETS 120
#define TOP_MAX 10

struct _BsSummary {
	guint64 messages;
	GHashTable *tables[BS_SUMMARY_N_TABLES];	/* name -> guint64 * */
	GHashTable *hours;	/* gint64 * hour start -> guint64 * */
	gboolean any_dated;
	gint64 first, last;
	guint64 undated;
};

static const char *const verdicts[] = {
	"backscatter", "legitimate", "not-bounce", "unknown",
};

BsSummary *
bs_summary_new (void)
{
	BsSummary *s = g_new0 (BsSummary, 1);
	guint i;

	for (i = 0; i < BS_SUMMARY_N_TABLES; i++)
		s->tables[i] = g_hash_table_new_full (g_str_hash, g_str_equal,
		    g_free, g_free);
	s->hours = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
	    g_free);
	for (i = 0; i < G_N_ELEMENTS (verdicts); i++)
		g_hash_table_insert (s->tables[BS_SUMMARY_VERDICTS],
		    g_strdup (verdicts[i]), g_new0 (guint64, 1));
	return s;
}

void
bs_summary_free (BsSummary *s)
{
	guint i;

	if (s == NULL)
		return;
	for (i = 0; i < BS_SUMMARY_N_TABLES; i++)
		g_hash_table_destroy (s->tables[i]);
	g_hash_table_destroy (s->hours);
	g_free (s);
}

static void
count (GHashTable *table, const char *name)
{
	guint64 *n;

	if (name == NULL || *name == '\0')
		return;
	n = g_hash_table_lookup (table, name);
	if (n == NULL) {
		n = g_new0 (guint64, 1);
		g_hash_table_insert (table, g_strdup (name), n);
	}
	(*n)++;
}

static gint64
floor_to (gint64 t, gint64 unit)
{
	gint64 q = t / unit;

	if (t % unit != 0 && t < 0)
		q--;
	return q * unit;
}

void
bs_summary_add (BsSummary *s, const BsScanRecord *r)
{
	gint64 hour;
	guint64 *n;

	s->messages++;
	count (s->tables[BS_SUMMARY_VERDICTS], bs_scan_record_verdict (r));
	if (r->unclassified != NULL)
		return;
	if (r->kind != BS_KIND_NONE)
		count (s->tables[BS_SUMMARY_KINDS], bs_kind_to_string (r->kind));
	count (s->tables[BS_SUMMARY_REASONS], r->reason);
	if (r->verdict != BS_VERDICT_BACKSCATTER)
		return;
	count (s->tables[BS_SUMMARY_SERVERS], r->server);
	count (s->tables[BS_SUMMARY_SOURCES], r->source);
	count (s->tables[BS_SUMMARY_SENDERS], r->forged_sender);
	if (r->date == 0) {
		s->undated++;
		return;
	}
	if (!s->any_dated || r->date < s->first)
		s->first = r->date;
	if (!s->any_dated || r->date > s->last)
		s->last = r->date;
	s->any_dated = TRUE;
	hour = floor_to (r->date, HOUR);
	n = g_hash_table_lookup (s->hours, &hour);
	if (n == NULL) {
		gint64 *key = g_new (gint64, 1);

		*key = hour;
		n = g_new0 (guint64, 1);
		g_hash_table_insert (s->hours, key, n);
	}
	(*n)++;
}

guint64
bs_summary_messages (const BsSummary *s)
{
	return s->messages;
}

guint64
bs_summary_backscatter (const BsSummary *s)
{
	guint64 *n = g_hash_table_lookup (s->tables[BS_SUMMARY_VERDICTS],
	    "backscatter");

	return *n;
}

static gint
by_count_then_name (gconstpointer a, gconstpointer b)
{
	const BsSummaryCount *x = *(BsSummaryCount *const *) a;
	const BsSummaryCount *y = *(BsSummaryCount *const *) b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp (x->name, y->name);
}

GPtrArray *
bs_summary_top (const BsSummary *s, BsSummaryTable table, guint max)
{
	GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
	GHashTableIter iter;
	gpointer key, value;
	guint i;

	if (table == BS_SUMMARY_VERDICTS) {
		/* In their fixed order, zeros too: a reader looks for each. */
		for (i = 0; i < G_N_ELEMENTS (verdicts); i++) {
			BsSummaryCount *c = g_new (BsSummaryCount, 1);

			c->name = verdicts[i];
			c->count = *(guint64 *) g_hash_table_lookup (
			    s->tables[table], verdicts[i]);
			g_ptr_array_add (out, c);
		}
		return out;
	}
	g_hash_table_iter_init (&iter, s->tables[table]);
	while (g_hash_table_iter_next (&iter, &key, &value)) {
		BsSummaryCount *c = g_new (BsSummaryCount, 1);

		c->name = key;
		c->count = *(guint64 *) value;
		g_ptr_array_add (out, c);
	}
	g_ptr_array_sort (out, by_count_then_name);
	if (max > 0 && out->len > max)
		g_ptr_array_set_size (out, max);
	return out;
}

void
bs_summary_timeline_free (BsSummaryTimeline *t)
{
	if (t == NULL)
		return;
	g_array_unref (t->buckets);
	g_free (t);
}

BsSummaryTimeline *
bs_summary_timeline (const BsSummary *s)
{
	BsSummaryTimeline *t = g_new0 (BsSummaryTimeline, 1);
	GHashTableIter iter;
	gpointer key, value;
	gint64 start, end, days;
	guint i;

	t->buckets = g_array_new (FALSE, TRUE, sizeof (BsSummaryBucket));
	t->undated = s->undated;
	if (!s->any_dated)
		return t;
	t->first = s->first;
	t->last = s->last;
	if (s->last - floor_to (s->first, HOUR) < HOURLY_SPAN) {
		t->unit = HOUR;
	} else {
		days = (floor_to (s->last, DAY) - floor_to (s->first, DAY)) /
		    DAY + 1;
		t->unit = DAY * ((days + MAX_BUCKETS - 1) / MAX_BUCKETS);
	}
	start = floor_to (s->first, t->unit == HOUR ? HOUR : DAY);
	end = floor_to (s->last, t->unit == HOUR ? HOUR : DAY);
	g_array_set_size (t->buckets, (guint) ((end - start) / t->unit + 1));
	for (i = 0; i < t->buckets->len; i++)
		g_array_index (t->buckets, BsSummaryBucket, i).start =
		    start + (gint64) i * t->unit;
	g_hash_table_iter_init (&iter, s->hours);
	while (g_hash_table_iter_next (&iter, &key, &value)) {
		gint64 hour = *(gint64 *) key;
		guint64 n = *(guint64 *) value;
		guint b = (guint) ((hour - start) / t->unit);

		/* Day buckets start at midnight, so an hour before start
		 * cannot be; clamp all the same. */
		if (hour < start)
			b = 0;
		if (b >= t->buckets->len)
			b = t->buckets->len - 1;
		g_array_index (t->buckets, BsSummaryBucket, b).count += n;
		t->dated += n;
	}
	for (i = 1; i < t->buckets->len; i++) {
		if (g_array_index (t->buckets, BsSummaryBucket, i).count >
		    g_array_index (t->buckets, BsSummaryBucket, t->peak).count)
			t->peak = i;
	}
	return t;
}

char *
bs_summary_unit_name (gint64 unit)
{
	if (unit == HOUR)
		return g_strdup ("hour");
	if (unit == DAY)
		return g_strdup ("day");
	return g_strdup_printf ("%" G_GINT64_FORMAT " days", unit / DAY);
}

char *
bs_summary_format_time (gint64 t)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (t);

	if (dt == NULL)
		return g_strdup ("(out of range)");
	return g_date_time_format (dt, "%Y-%m-%d %H:%M UTC");
}

static void
append_table (GString *out, const BsSummary *s, BsSummaryTable table,
    const char *title, guint max)
{
	g_autoptr(GPtrArray) top = bs_summary_top (s, table, max);
	guint i, total = g_hash_table_size (s->tables[table]);

	g_string_append_printf (out, "\n%s", title);
	if (max > 0 && total > max)
		g_string_append_printf (out, " (top %u of %u)", max, total);
	g_string_append (out, ":\n");
	if (top->len == 0)
		g_string_append (out, "  (none)\n");
	for (i = 0; i < top->len; i++) {
		const BsSummaryCount *c = top->pdata[i];
		/* Names come from mail: escaped, never raw on a terminal. */
		g_autofree char *name = bs_report_quote_name (c->name);

		g_string_append_printf (out, "  %8" G_GUINT64_FORMAT "  %s\n",
		    c->count, name);
	}
}

static void
append_timeline (GString *out, const BsSummary *s, guint bar_width)
{
	g_autoptr(BsSummaryTimeline) t = bs_summary_timeline (s);
	g_autofree char *unit = NULL;
	g_autofree char *first = NULL;
	g_autofree char *last = NULL;
	g_autofree char *peak = NULL;
	guint64 max;
	guint i, j, bar;

	if (t->unit == 0) {
		g_string_append (out, "\ntimeline: no dated backscatter\n");
		return;
	}
	unit = bs_summary_unit_name (t->unit);
	first = bs_summary_format_time (t->first);
	last = bs_summary_format_time (t->last);
	max = g_array_index (t->buckets, BsSummaryBucket, t->peak).count;
	peak = bs_summary_format_time (g_array_index (t->buckets,
	    BsSummaryBucket, t->peak).start);
	g_string_append_printf (out, "\ntimeline of the backscatter, per %s:\n",
	    unit);
	g_string_append_printf (out, "  started %s\n  peaked  %s, %"
	    G_GUINT64_FORMAT " in that %s\n  stopped %s\n", first, peak, max,
	    unit, last);
	if (t->undated > 0)
		g_string_append_printf (out, "  (%" G_GUINT64_FORMAT " without a "
		    "Date)\n", t->undated);
	if (bar_width == 0)
		bar_width = 1;
	for (i = 0; i < t->buckets->len; i++) {
		const BsSummaryBucket *b = &g_array_index (t->buckets,
		    BsSummaryBucket, i);
		g_autofree char *when = NULL;
		guint run;

		/* A long run of empty buckets is one line. */
		for (run = 0; i + run < t->buckets->len && g_array_index (
		    t->buckets, BsSummaryBucket, i + run).count == 0; run++)
			;
		if (run >= 3) {
			g_string_append_printf (out, "  %16s  (%u empty)\n", "...",
			    run);
			i += run - 1;
			continue;
		}
		when = bs_summary_format_time (b->start);
		/* A bucket with any message shows at least one mark. */
		bar = (guint) ((b->count * bar_width + max - 1) / max);
		g_string_append_printf (out, "  %.16s |", when);
		for (j = 0; j < bar; j++)
			g_string_append_c (out, '#');
		for (; j < bar_width; j++)
			g_string_append_c (out, ' ');
		g_string_append_printf (out, "| %" G_GUINT64_FORMAT "\n",
		    b->count);
	}
}

char *
bs_summary_text (const BsSummary *s, guint bar_width)
{
	GString *out = g_string_new (NULL);

	g_string_append_printf (out, "%" G_GUINT64_FORMAT " messages, %"
	    G_GUINT64_FORMAT " backscatter\n", s->messages,
	    bs_summary_backscatter (s));
	append_table (out, s, BS_SUMMARY_VERDICTS, "verdicts", 0);
	append_table (out, s, BS_SUMMARY_KINDS, "kinds", 0);
	append_table (out, s, BS_SUMMARY_REASONS, "reasons", 0);
	append_table (out, s, BS_SUMMARY_SERVERS,
	    "bouncing servers (backscatter)", TOP_MAX);
	append_table (out, s, BS_SUMMARY_SOURCES,
	    "hosts that sent them the forged mail", TOP_MAX);
	append_table (out, s, BS_SUMMARY_SENDERS, "forged senders", TOP_MAX);
	append_timeline (out, s, bar_width);
	return g_string_free (out, FALSE);
}

static char *
iso_time (gint64 t)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (t);

	if (dt == NULL)
		return g_strdup ("");
	return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
}

static void
add_json_string (const BsJsonApi *json, JsonBuilder *b, const char *text)
{
	/* json-glib writes what it gets; a name from mail may not be
	 * UTF-8, or hold control characters. */
	g_autofree char *valid = bs_report_json_text (text);

	json->builder_add_string_value (b, valid);
}

static void
add_json_table (const BsJsonApi *json, JsonBuilder *b, const BsSummary *s,
    BsSummaryTable table, const char *member, guint max, gboolean as_list)
{
	g_autoptr(GPtrArray) top = bs_summary_top (s, table, max);
	guint i;

	json->builder_set_member_name (b, member);
	if (as_list)
		json->builder_begin_array (b);
	else
		json->builder_begin_object (b);
	for (i = 0; i < top->len; i++) {
		const BsSummaryCount *c = top->pdata[i];

		if (as_list) {
			json->builder_begin_object (b);
			json->builder_set_member_name (b, "name");
			add_json_string (json, b, c->name);
			json->builder_set_member_name (b, "count");
			json->builder_add_int_value (b, (gint64) c->count);
			json->builder_end_object (b);
		} else {
			g_autofree char *valid = bs_report_json_text (c->name);

			json->builder_set_member_name (b, valid);
			json->builder_add_int_value (b, (gint64) c->count);
		}
	}
	if (as_list)
		json->builder_end_array (b);
	else
		json->builder_end_object (b);
}

static void
add_json_time (const BsJsonApi *json, JsonBuilder *b, const char *member,
    gint64 t)
{
	g_autofree char *iso = iso_time (t);

	json->builder_set_member_name (b, member);
	json->builder_add_string_value (b, iso);
}

char *
bs_summary_json (const BsSummary *s, GError **error)
{
	const BsJsonApi *json = bs_json_api (error);
	g_autoptr(BsSummaryTimeline) t = NULL;
	JsonBuilder *b;
	JsonGenerator *gen;
	g_autofree char *unit = NULL;
	JsonNode *root;
	char *text;
	guint i;

	if (json == NULL)
		return NULL;
	t = bs_summary_timeline (s);
	b = json->builder_new ();
	json->builder_begin_object (b);
	json->builder_set_member_name (b, "messages");
	json->builder_add_int_value (b, (gint64) s->messages);
	add_json_table (json, b, s, BS_SUMMARY_VERDICTS, "verdicts", 0, FALSE);
	add_json_table (json, b, s, BS_SUMMARY_KINDS, "kinds", 0, FALSE);
	add_json_table (json, b, s, BS_SUMMARY_REASONS, "reasons", 0, FALSE);
	add_json_table (json, b, s, BS_SUMMARY_SERVERS, "servers", TOP_MAX,
	    TRUE);
	add_json_table (json, b, s, BS_SUMMARY_SOURCES, "sources", TOP_MAX,
	    TRUE);
	add_json_table (json, b, s, BS_SUMMARY_SENDERS, "forged_senders",
	    TOP_MAX, TRUE);
	json->builder_set_member_name (b, "timeline");
	json->builder_begin_object (b);
	json->builder_set_member_name (b, "unit");
	if (t->unit == 0) {
		json->builder_add_null_value (b);
	} else {
		unit = bs_summary_unit_name (t->unit);
		json->builder_add_string_value (b, unit);
	}
	json->builder_set_member_name (b, "unit_seconds");
	json->builder_add_int_value (b, t->unit);
	json->builder_set_member_name (b, "dated");
	json->builder_add_int_value (b, (gint64) t->dated);
	json->builder_set_member_name (b, "undated");
	json->builder_add_int_value (b, (gint64) t->undated);
	if (t->unit != 0) {
		const BsSummaryBucket *peak = &g_array_index (t->buckets,
		    BsSummaryBucket, t->peak);

		add_json_time (json, b, "started", t->first);
		add_json_time (json, b, "peaked", peak->start);
		json->builder_set_member_name (b, "peak_count");
		json->builder_add_int_value (b, (gint64) peak->count);
		add_json_time (json, b, "stopped", t->last);
	}
	json->builder_set_member_name (b, "buckets");
	json->builder_begin_array (b);
	for (i = 0; i < t->buckets->len; i++) {
		const BsSummaryBucket *bk = &g_array_index (t->buckets,
		    BsSummaryBucket, i);

		json->builder_begin_object (b);
		add_json_time (json, b, "start", bk->start);
		json->builder_set_member_name (b, "count");
		json->builder_add_int_value (b, (gint64) bk->count);
		json->builder_end_object (b);
	}
	json->builder_end_array (b);
	json->builder_end_object (b);
	json->builder_end_object (b);
	gen = json->generator_new ();
	root = json->builder_get_root (b);
	json->generator_set_root (gen, root);
	text = json->generator_to_data (gen, NULL);
	json->node_unref (root);
	json->object_unref (gen);
	json->object_unref (b);
	return text;
}
