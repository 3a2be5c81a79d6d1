/* facts.c: the plain record of a classified message. */
#include "facts.h"

BsFacts *
bs_facts_new (void)
{
	BsFacts *f = g_new0 (BsFacts, 1);

	f->evidence = g_ptr_array_new_with_free_func (g_free);
	f->owner_headers = g_ptr_array_new_with_free_func (g_free);
	f->dsn = bs_dsn_new ();
	f->original = bs_original_new ();
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
	}
	return "none";
}

gboolean
bs_facts_is_bounce (const BsFacts *facts)
{
	return facts->kind != BS_KIND_NONE;
}
