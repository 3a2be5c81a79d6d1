/* reason.c: map status codes and diagnostics to bounce reason classes. */
#include <string.h>

#include "bounce-text.h"
#include "reason.h"

/* RFC 3463 subject.detail codes that say one thing only. */
static const struct {
	const char *code;	/* without the class digit */
	const char *reason;
} status_reasons[] = {
	{ ".1.1", "userunknown" },
	{ ".1.2", "hostunknown" },
	{ ".1.3", "userunknown" },
	{ ".1.6", "userunknown" },
	{ ".1.10", "userunknown" },
	{ ".2.1", "suspended" },
	{ ".2.2", "mailboxfull" },
	{ ".2.3", "mesgtoolarge" },
	{ ".3.4", "mesgtoolarge" },
	{ ".4.1", "hostunknown" },
	{ ".4.4", "hostunknown" },
	{ ".4.7", "expired" },
	{ ".7.1", "blocked" },
	{ ".7.26", "securityerror" },
	{ ".7.27", "securityerror" },
	{ ".7.23", "securityerror" },
	{ ".7.25", "securityerror" },
};

const char *
bs_reason_classify (const BsRules *rules, const char *status,
    const char *diagnostic)
{
	GPtrArray *sets = bs_rules_get_sets_named (rules, "reason-");
	guint i;

	if (diagnostic != NULL && *diagnostic != '\0') {
		gsize len = strlen (diagnostic);

		for (i = 0; i < sets->len; i++) {
			const BsRule *set = sets->pdata[i];

			if (bs_rule_match (set, diagnostic, len, 0, NULL,
			    NULL))
				return set->name + strlen ("reason-");
		}
	}
	if (status != NULL && strlen (status) > 1) {
		for (i = 0; i < G_N_ELEMENTS (status_reasons); i++) {
			if (strcmp (status + 1, status_reasons[i].code) == 0)
				return status_reasons[i].reason;
		}
	}
	return "unknown";
}

void
bs_reason_fill (BsFacts *f, const BsRules *rules, const char *prose)
{
	const BsRecipient *last = NULL;	/* the last one classified */
	guint i;

	for (i = 0; i < f->dsn->recipients->len; i++) {
		BsRecipient *r = f->dsn->recipients->pdata[i];

		/* Recipients of one report mostly share their status and
		 * diagnostic: classify each pair once in a row. */
		if (r->reason == NULL) {
			if (last != NULL
			    && g_strcmp0 (r->status, last->status) == 0
			    && g_strcmp0 (r->diagnostic, last->diagnostic) == 0)
				r->reason = g_strdup (last->reason);
			else
				r->reason = g_strdup (bs_reason_classify (
				    rules, r->status, r->diagnostic));
			last = r;
		}
		if (f->reason == NULL && (r->action == NULL
		    || strcmp (r->action, "failed") == 0
		    || strcmp (r->action, "delayed") == 0))
			f->reason = g_strdup (r->reason);
	}
	if ((f->reason == NULL || strcmp (f->reason, "unknown") == 0)
	    && prose != NULL) {
		g_autofree char *status = bs_bounce_text_status (prose);

		g_free (f->reason);
		f->reason = g_strdup (bs_reason_classify (rules, status, prose));
	}
}
