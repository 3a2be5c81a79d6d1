/* facts.c: the plain record of a classified message. */
#include <string.h>

#include "facts.h"

BsFacts *
bs_facts_new (void)
{
	BsFacts *f = g_new0 (BsFacts, 1);

	f->evidence = g_ptr_array_new_with_free_func (g_free);
	f->owner_headers = g_ptr_array_new_with_free_func (g_free);
	f->dsn = bs_dsn_new ();
	f->original = bs_original_new ();
	f->hops = g_ptr_array_new_with_free_func (bs_hop_free);
	f->vouched = -1;
	return f;
}

void
bs_facts_free (BsFacts *f)
{
	if (f == NULL)
		return;
	g_ptr_array_unref (f->evidence);
	g_free (f->from);
	g_free (f->from_address);
	g_free (f->subject);
	g_ptr_array_unref (f->owner_headers);
	g_free (f->notification);
	bs_dsn_free (f->dsn);
	g_free (f->reason);
	bs_original_free (f->original);
	g_ptr_array_unref (f->hops);
	g_free (f->original_to_address);
	g_free (f->ledger_detail);
	g_free (f->dkim_detail);
	g_free (f->batv_detail);
	g_free (f);
}

const char *
bs_kind_to_string (BsKind kind)
{
	switch (kind) {
	case BS_KIND_NONE:
		return "none";
	case BS_KIND_DSN:
		return "dsn";
	case BS_KIND_DELAY:
		return "delay";
	case BS_KIND_NDR:
		return "ndr";
	case BS_KIND_AUTO_REPLY:
		return "auto-reply";
	case BS_KIND_CHALLENGE:
		return "challenge";
	case BS_KIND_VIRUS_NOTICE:
		return "virus-notice";
	case BS_KIND_FEEDBACK_REPORT:
		return "feedback-report";
	case BS_KIND_RECEIPT:
		return "receipt";
	case BS_KIND_DMARC_REPORT:
		return "dmarc-report";
	case BS_KIND_TLS_REPORT:
		return "tls-report";
	}
	return "none";
}

gboolean
bs_facts_is_bounce (const BsFacts *facts)
{
	return facts->kind != BS_KIND_NONE;
}

gboolean
bs_facts_hop_is_internal (const BsHop *hop)
{
	if (!hop->has_from)
		return TRUE;
	if (hop->ip != NULL)
		return bs_ip_is_internal (hop->ip);
	/* No address at all: only a local hand-over ("from localhost by
	 * x with LMTP") is taken for internal.  With an address, the HELO
	 * is the client's word and never decides. */
	return hop->helo != NULL && strcmp (hop->helo, "localhost") == 0;
}

void
bs_facts_read_hops (BsFacts *f)
{
	guint i;

	g_ptr_array_set_size (f->hops, 0);
	f->vouched = -1;
	for (i = 0; i < f->original->received->len; i++) {
		BsHop *hop = bs_hop_parse (f->original->received->pdata[i]);

		g_ptr_array_add (f->hops, hop);
		if (f->vouched < 0 && !bs_facts_hop_is_internal (hop))
			f->vouched = (gint) i;
	}
}

void
bs_facts_read_original (BsFacts *f)
{
	const char *to = f->original->to;

	bs_facts_read_hops (f);
	g_clear_pointer (&f->original_to_address, g_free);
	if (to != NULL && strchr (to, ',') == NULL)
		f->original_to_address = bs_address_from_header (to, NULL);
}
