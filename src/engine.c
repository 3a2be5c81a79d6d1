/* engine.c: one message's classification, from parsed MIME to verdict. */
#include <stdarg.h>

#include "classify.h"
#include "engine.h"
#include "identity.h"
#include "ledger.h"
#include "proof.h"

/* How long a ledger that could not be read is left alone. */
#define BS_ENGINE_LEDGER_RETRY (60 * G_TIME_SPAN_SECOND)

struct BsEngine {
	const BsConfig *config;
	const BsRules *rules;
	BsEngineWarnFunc warn;
	gpointer warn_data;
	/* The sent-mail ledger, opened read-only at the first bounce that
	 * returns a Message-ID; NULL before, or when it failed (once). */
	char *ledger_path;		/* NULL: no ledger */
	gboolean ledger_given;		/* named by --ledger or the config */
	gboolean ledger_tried;
	gint64 ledger_failed_at;	/* monotonic; retried after a while */
	BsLedger *ledger;
	BsIdentity *learned;		/* its From addresses, or NULL */
};

BsEngine *
bs_engine_new (const BsConfig *config, const BsRules *rules,
    const char *ledger_path, gboolean ledger_given, BsEngineWarnFunc warn,
    gpointer warn_data)
{
	BsEngine *engine = g_new0 (BsEngine, 1);

	engine->config = config;
	engine->rules = rules;
	engine->ledger_path = g_strdup (ledger_path);
	engine->ledger_given = ledger_given;
	engine->warn = warn;
	engine->warn_data = warn_data;
	return engine;
}

void
bs_engine_free (BsEngine *engine)
{
	if (engine == NULL)
		return;
	g_clear_pointer (&engine->ledger, bs_ledger_close);
	g_clear_pointer (&engine->learned, bs_identity_free);
	g_free (engine->ledger_path);
	g_free (engine);
}

static void
warn (BsEngine *engine, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
warn (BsEngine *engine, const char *fmt, ...)
{
	g_autofree char *message = NULL;
	va_list ap;

	if (engine->warn == NULL)
		return;
	va_start (ap, fmt);
	message = g_strdup_vprintf (fmt, ap);
	va_end (ap);
	engine->warn (message, engine->warn_data);
}

/* Does the bounce concern one of the learned addresses: is the original
 * from one, or the report to one? */
static gboolean
concerns (const BsIdentity *id, const BsFacts *facts)
{
	guint i;

	if (facts->original->from_address != NULL
	    && bs_identity_match_address (id, facts->original->from_address))
		return TRUE;
	for (i = 0; i < facts->owner_headers->len; i++) {
		if (bs_identity_match_address (id,
		    facts->owner_headers->pdata[i]))
			return TRUE;
	}
	return FALSE;
}

/* Opens the ledger at the first bounce that needs it, and learns the
 * owner's addresses from it when none are configured. */
static void
open_ledger (BsEngine *engine)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) learned = NULL;
	guint i;

	engine->ledger_tried = TRUE;
	engine->ledger = bs_ledger_open_read (engine->ledger_path, &error);
	if (engine->ledger == NULL) {
		engine->ledger_failed_at = g_get_monotonic_time ();
		/* No ledger where none was asked for: nothing learned yet,
		 * not worth a word. */
		if (engine->ledger_given || !g_error_matches (error,
		    BS_LEDGER_ERROR, BS_LEDGER_ERROR_OPEN)
		    || g_file_test (engine->ledger_path, G_FILE_TEST_EXISTS)
		    || bs_ledger_is_url (engine->ledger_path))
			warn (engine, "warning: ledger %s; deciding without it",
			    error->message);
		return;
	}
	if (bs_identity_is_empty (engine->config->identity)
	    && engine->learned == NULL)
		learned = bs_ledger_addresses (engine->ledger, 50, &error);
	for (i = 0; learned != NULL && i < learned->len; i++) {
		g_autoptr(GError) bad = NULL;

		if (engine->learned == NULL)
			engine->learned = bs_identity_new ();
		if (!bs_identity_add_address (engine->learned,
		    learned->pdata[i], &bad))
			g_debug ("ledger: %s", bad->message);
	}
}

/* The ledger's proof about a bounce's original.
 * Returns: (transfer none) the identity to score with: the configured one,
 * or, when nothing is configured, the addresses learned from the Sent
 * folder.  Those stand in for --address only for a bounce about one of
 * them: the owner may have addresses that the ledger never saw, so not
 * matching them says little. */
static const BsIdentity *
consult_ledger (BsEngine *engine, BsFacts *facts)
{
	g_autoptr(GError) error = NULL;
	const BsIdentity *id = engine->config->identity;

	/* Without a Message-ID the ledger can still match the Date. */
	if (engine->ledger_path == NULL || !bs_facts_is_bounce (facts)
	    || !facts->original->found || (facts->original->message_id == NULL
	    && facts->original->date_unix == 0))
		return id;
	/* A ledger that failed (a server restarting, a file not learned
	 * yet) is tried again after a while: a milter's engine lives for
	 * days. */
	if (engine->ledger == NULL && (!engine->ledger_tried
	    || g_get_monotonic_time () - engine->ledger_failed_at
	    >= BS_ENGINE_LEDGER_RETRY))
		open_ledger (engine);
	if (engine->ledger == NULL)
		return id;
	if (!bs_ledger_judge (engine->ledger, facts, &error)) {
		warn (engine, "warning: ledger %s; deciding without it",
		    error->message);
		g_clear_pointer (&engine->ledger, bs_ledger_close);
		engine->ledger_failed_at = g_get_monotonic_time ();
		facts->ledger_sent = facts->ledger_unsent = FALSE;
		return id;
	}
	if (engine->learned != NULL && concerns (engine->learned, facts))
		return engine->learned;
	return id;
}

void
bs_engine_classify (BsEngine *engine, GMimeMessage *message,
    BsFacts **facts_out, BsScore **score_out)
{
	BsFacts *facts = bs_classify (message, engine->rules);
	const BsIdentity *identity;

	bs_proof_fill (facts, message, engine->config, engine->rules);
	identity = consult_ledger (engine, facts);
	*score_out = bs_score_compute (facts, identity, engine->rules,
	    engine->config->threshold);
	*facts_out = facts;
}
