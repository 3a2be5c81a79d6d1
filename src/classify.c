/* classify.c: the steps of classifying one message, in order: the report's
 * facts, its kind, and for a report the original, the recipients, the
 * settled kind and the reasons. */
#include "classify.h"
#include "facts-build.h"
#include "reason.h"
#include "recognise.h"

BsFacts *
bs_classify (GMimeMessage *m, const BsRules *rules)
{
	g_autoptr(BsFacts) f = bs_facts_new ();
	g_autofree char *prose = NULL;
	BsDsn *dsn;

	bs_facts_build_report (f, m);
	dsn = bs_dsn_parse (m);
	f->kind = bs_recognise_kind (f, m, rules, dsn != NULL);
	if (f->kind == BS_KIND_NONE) {
		bs_dsn_free (dsn);
		return g_steal_pointer (&f);
	}

	/* Only reports are scored: other mail's To and Cc need no
	 * parsing. */
	bs_facts_build_owner (f, m);
	bs_facts_build_original (f, m, rules);
	bs_facts_read_original (f);
	prose = bs_facts_build_prose (f, rules);
	bs_facts_build_recipients (f, m, dsn, prose, rules);
	bs_recognise_settle (f);
	if (f->kind == BS_KIND_DSN || f->kind == BS_KIND_NDR
	    || f->kind == BS_KIND_DELAY || f->kind == BS_KIND_VIRUS_NOTICE)
		bs_reason_fill (f, rules, prose);
	return g_steal_pointer (&f);
}
