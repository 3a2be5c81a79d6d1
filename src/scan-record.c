/* scan-record.c: the plain record of one scanned message. */
#include <string.h>

#include "scan-record.h"

BsScanRecord *
bs_scan_record_new (const char *file, guint64 message, gint64 offset)
{
	BsScanRecord *r = g_new0 (BsScanRecord, 1);

	r->file = g_strdup (file);
	r->message = message;
	r->offset = offset;
	r->verdict = BS_VERDICT_NOT_BOUNCE;
	r->kind = BS_KIND_NONE;
	return r;
}

void
bs_scan_record_free (BsScanRecord *r)
{
	if (r == NULL)
		return;
	g_free (r->file);
	g_free (r->reason);
	g_free (r->server);
	g_free (r->source);
	g_free (r->forged_sender);
	g_free (r);
}

static char *
domain_of (const char *address)
{
	const char *at = address != NULL ? strrchr (address, '@') : NULL;

	if (at == NULL || at[1] == '\0')
		return NULL;
	return g_ascii_strdown (at + 1, -1);
}

static const char *
first_set (const char *a, const char *b, const char *c)
{
	if (a != NULL && *a != '\0')
		return a;
	if (b != NULL && *b != '\0')
		return b;
	if (c != NULL && *c != '\0')
		return c;
	return NULL;
}

void
bs_scan_record_fill (BsScanRecord *r, const BsFacts *f, const BsScore *score)
{
	const BsHop *hop = NULL;
	const BsOriginal *o = f->original;

	r->unclassified = NULL;
	r->verdict = score->verdict;
	r->kind = f->kind;
	g_free (r->reason);
	r->reason = bs_facts_is_bounce (f) ? g_strdup (f->reason) : NULL;
	r->date = f->date_unix;
	if (f->hops != NULL && f->vouched >= 0
	    && (guint) f->vouched < f->hops->len)
		hop = f->hops->pdata[f->vouched];
	g_clear_pointer (&r->server, g_free);
	g_clear_pointer (&r->source, g_free);
	g_clear_pointer (&r->forged_sender, g_free);
	if (hop != NULL && hop->by != NULL && *hop->by != '\0')
		r->server = g_strdup (hop->by);
	else
		r->server = domain_of (f->from_address);
	if (hop != NULL && hop->ip != NULL) {
		/* rdns is NULL when the server said "may be forged". */
		if (hop->rdns != NULL && !hop->rdns_forged
		    && strcmp (hop->rdns, "unknown") != 0)
			r->source = g_strdup_printf ("%s (%s)", hop->ip,
			    hop->rdns);
		else
			r->source = g_strdup (hop->ip);
	}
	if (o != NULL)
		r->forged_sender = g_strdup (first_set (o->from_address,
		    o->return_path, o->sender));
}

const char *
bs_scan_record_verdict (const BsScanRecord *r)
{
	if (r->unclassified != NULL)
		return "unknown";
	return bs_verdict_to_string (r->verdict);
}
