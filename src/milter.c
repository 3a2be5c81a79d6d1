/* milter.c: backscatter-milter, the classifier at the mail server.
 *
 * libmilter runs one thread per SMTP connection.  Each buffers what it
 * must see (mail with a null envelope sender, or marked as automatic, to
 * a recipient delivered here) and hands the message at its end to a pool
 * of classifying threads, each with an engine of its own (engine.h: one
 * per thread, for its ledger connection), and waits at most the time
 * budget for the verdict.  Mail from an authenticated sender is learned
 * into the ledger instead.  Whatever goes wrong, the mail is accepted
 * with a line in the log: a filter must never cost mail.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "build-config.h"
#include "config.h"
#include "engine.h"
#include "input.h"
#include "ledger.h"
#include "mailbox.h"
#include "milter-policy.h"
#include "passthrough.h"
#include "proof.h"
#include "report.h"
#include "rules.h"
#include "score.h"
#include "settings.h"

#define PROGRAM "backscatter-milter"

static char *opt_socket;
static char *opt_config;
static gboolean opt_no_config;
static char *opt_ledger;
static gboolean opt_no_ledger;
static char *opt_rules_dir;
static gboolean opt_check_config;
static gboolean opt_verbose;
static gboolean opt_version;

static const GOptionEntry entries[] = {
	{ "socket", 'p', 0, G_OPTION_ARG_STRING, &opt_socket,
	  "Where to listen: unix:PATH or inet:PORT@127.0.0.1", "SOCKET" },
	{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_config,
	  "Config file", "FILE" },
	{ "no-config", 0, 0, G_OPTION_ARG_NONE, &opt_no_config,
	  "Read no config file", NULL },
	{ "ledger", 0, 0, G_OPTION_ARG_FILENAME, &opt_ledger,
	  "The sent-mail ledger", "FILE" },
	{ "no-ledger", 0, 0, G_OPTION_ARG_NONE, &opt_no_ledger,
	  "Neither consult nor feed the sent-mail ledger", NULL },
	{ "rules-dir", 'R', 0, G_OPTION_ARG_FILENAME, &opt_rules_dir,
	  "Directory of rule files", "DIR" },
	{ "check-config", 0, 0, G_OPTION_ARG_NONE, &opt_check_config,
	  "Load the config and the rules, then exit", NULL },
	{ "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose,
	  "A line for every message classified (debug messages: "
	  "G_MESSAGES_DEBUG=all)", NULL },
	{ "version", 'V', 0, G_OPTION_ARG_NONE, &opt_version,
	  "Print the version", NULL },
	{ NULL, 0, 0, G_OPTION_ARG_NONE, NULL, NULL, NULL },
};

/* Read by every thread, written only before smfi_main. */
static BsConfig *config;
static BsRules *rules;
static BsMilterConfig *mconfig;
static char *ledger_path;		/* NULL: no ledger */
static gboolean ledger_given;
static GThreadPool *pool;
/* BACKSCATTER_MILTER_TEST_DELAY_MS: each classification first sleeps so
 * long, so that the tests can see the time budget hold. */
static guint test_delay_ms;

/* The learners' one writing connection, reopened after a failure. */
static GMutex writer_lock;
static BsLedger *writer;

static void
say (const char *fmt, ...) G_GNUC_PRINTF (1, 2);

/* One line on stderr (the journal under systemd), in one write. */
static void
say (const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	g_autofree char *line = NULL;
	va_list ap;

	va_start (ap, fmt);
	msg = g_strdup_vprintf (fmt, ap);
	va_end (ap);
	line = g_strdup_printf (PROGRAM ": %s\n", msg);
	(void) fputs (line, stderr);
}

/* ---- the classifying threads ---- */

typedef enum {
	JOB_CLASSIFY,
	JOB_LEARN,
} JobKind;

/* One message handed to the pool.  The connection's thread and the worker
 * each hold a reference: a connection that stops waiting (time budget)
 * drops its own, and the worker finishes alone. */
typedef struct {
	gint refs;
	JobKind kind;
	char *id;			/* queue id, for the log */
	GBytes *raw;
	GMutex lock;
	GCond cond;
	gboolean done;
	gboolean abandoned;		/* its connection stopped waiting */
	/* JOB_CLASSIFY */
	char *value;			/* the X-Backscatter value */
	BsScore *score;			/* NULL: not classified */
	/* JOB_LEARN */
	char *outcome;			/* a line for the log */
} Job;

static Job *
job_new (JobKind kind, const char *id, GBytes *raw)
{
	Job *job = g_new0 (Job, 1);

	job->refs = 1;
	job->kind = kind;
	job->id = g_strdup (id);
	job->raw = raw;
	g_mutex_init (&job->lock);
	g_cond_init (&job->cond);
	return job;
}

static void
job_unref (Job *job)
{
	if (job == NULL || !g_atomic_int_dec_and_test (&job->refs))
		return;
	g_free (job->id);
	g_bytes_unref (job->raw);
	g_free (job->value);
	g_clear_pointer (&job->score, bs_score_free);
	g_free (job->outcome);
	g_mutex_clear (&job->lock);
	g_cond_clear (&job->cond);
	g_free (job);
}

static void
engine_warn (const char *message, gpointer data)
{
	(void) data;
	say ("%s", message);
}

static void
free_engine (gpointer engine)
{
	bs_engine_free (engine);
}

/* Each worker thread's own engine, made at its first message. */
static GPrivate engine_key = G_PRIVATE_INIT (free_engine);

static void
classify_job (Job *job)
{
	g_autoptr(BsInput) input = g_new0 (BsInput, 1);
	g_autoptr(BsFacts) facts = NULL;
	BsEngine *engine;

	if (test_delay_ms > 0)
		g_usleep ((gulong) test_delay_ms * 1000);
	input->name = g_strdup (job->id);
	input->raw = g_bytes_ref (job->raw);
	if (!bs_input_parse (input)) {
		job->value = bs_report_header_unknown (input->refused != NULL ?
		    input->refused : "parse-error");
		return;
	}
	engine = g_private_get (&engine_key);
	if (engine == NULL) {
		engine = bs_engine_new (config, rules, ledger_path,
		    ledger_given, engine_warn, NULL);
		g_private_set (&engine_key, engine);
	}
	/* Classification is thread-safe with an engine per thread; the
	 * config and rules are shared, read only. */
	bs_engine_classify (engine, input->message, &facts, &job->score);
	job->value = bs_report_header_value (facts, job->score);
}

static void
learn_job (Job *job)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(BsSentMessage) m = NULL;
	gboolean is_new = FALSE;
	gsize len;
	const char *data = g_bytes_get_data (job->raw, &len);
	BsLedgerEntry e;

	m = bs_mailbox_parse_message (data, len);
	/* Mail without a Message-ID is still told to the ledger, which
	 * counts it: it then knows that a Message-ID it has not seen may be
	 * one a server added to the owner's mail. */
	e.message_id = m->message_id;
	e.date = m->date;
	e.from = m->from;
	e.recipients = m->recipients;
	e.subject = m->subject;
	g_mutex_lock (&writer_lock);
	if (writer == NULL)
		writer = bs_ledger_open_write (ledger_path, &error);
	if (writer != NULL && bs_ledger_begin (writer, &error)) {
		if (bs_ledger_add (writer, &e, &is_new, &error)
		    && bs_ledger_commit (writer, &error)) {
			job->outcome = m->message_id == NULL ?
			    g_strdup ("no Message-ID, counted") :
			    g_strdup_printf ("learned <%s>%s", m->message_id,
			    is_new ? "" : " (known)");
		} else {
			bs_ledger_rollback (writer);
		}
	}
	if (job->outcome == NULL) {
		job->outcome = g_strdup_printf ("not learned: ledger %s",
		    error != NULL ? error->message : "failed");
		g_clear_pointer (&writer, bs_ledger_close);
	}
	g_mutex_unlock (&writer_lock);
}

static void
run_job (gpointer data, gpointer user_data)
{
	Job *job = data;

	gboolean abandoned;

	(void) user_data;
	g_mutex_lock (&job->lock);
	abandoned = job->abandoned;
	g_mutex_unlock (&job->lock);
	/* A classification nobody waits for any more is not worth a
	 * worker; what was sent is still worth learning. */
	if (job->kind == JOB_CLASSIFY && !abandoned)
		classify_job (job);
	else if (job->kind == JOB_LEARN)
		learn_job (job);
	g_mutex_lock (&job->lock);
	job->done = TRUE;
	g_cond_signal (&job->cond);
	g_mutex_unlock (&job->lock);
	job_unref (job);
}

/* Hands job to the pool and waits for it at most the time budget.
 * Returns: whether it is done (else the caller accepts unjudged). */
static gboolean
run_within_budget (Job *job)
{
	g_autoptr(GError) error = NULL;
	gint64 deadline = g_get_monotonic_time ()
	    + (gint64) mconfig->budget_ms * G_TIME_SPAN_MILLISECOND;
	gboolean done;

	/* A burst past what the workers can do is accepted at once, not
	 * queued behind messages whose budget is spent. */
	if (job->kind == JOB_CLASSIFY
	    && g_thread_pool_unprocessed (pool) >= 4 * mconfig->workers) {
		say ("%s: %u messages wait for the workers; accepted "
		    "unjudged", job->id, g_thread_pool_unprocessed (pool));
		return FALSE;
	}
	g_atomic_int_inc (&job->refs);
	if (!g_thread_pool_push (pool, job, &error)) {
		say ("%s: cannot start a thread (%s); accepted", job->id,
		    error->message);
		job_unref (job);
		return FALSE;
	}
	g_mutex_lock (&job->lock);
	while (!job->done && g_cond_wait_until (&job->cond, &job->lock,
	    deadline))
		;
	done = job->done;
	if (!done)
		job->abandoned = TRUE;
	g_mutex_unlock (&job->lock);
	if (!done)
		say ("%s: time budget of %u ms spent; accepted unjudged",
		    job->id, mconfig->budget_ms);
	return done;
}

/* ---- one SMTP connection ---- */

typedef struct {
	gboolean can_skip;		/* the MTA understands SMFIS_SKIP */
	gboolean no_rcpt_reply;		/* ... SMFIS_NOREPLY for RCPT */
	gboolean no_header_reply;	/* ... and for header fields */
	/* The message under way, reset at MAIL FROM. */
	gboolean null_sender;
	gboolean authenticated;
	gboolean auto_marked;
	gboolean any_local;
	gboolean classify;		/* decided at the end of the header */
	gboolean too_large;
	guint forged;			/* X-Backscatter fields to remove */
	char *rcpt;			/* the first local recipient */
	GByteArray *buf;		/* the message as far as needed */
} Conn;

static void
reset (Conn *c)
{
	c->null_sender = c->authenticated = c->auto_marked = FALSE;
	c->any_local = c->classify = c->too_large = FALSE;
	c->forged = 0;
	g_clear_pointer (&c->rcpt, g_free);
	g_clear_pointer (&c->buf, g_byte_array_unref);
}

static Conn *
conn_get (SMFICTX *ctx)
{
	Conn *c = smfi_getpriv (ctx);

	if (c == NULL) {
		c = g_new0 (Conn, 1);
		if (smfi_setpriv (ctx, c) != MI_SUCCESS) {
			g_free (c);
			return NULL;
		}
	}
	return c;
}

static const char *
queue_id (SMFICTX *ctx)
{
	const char *id = smfi_getsymval (ctx, (char *) "i");

	return id != NULL && *id != '\0' ? id : "(no queue id)";
}

/* Appends bytes, or gives up buffering past max-size. */
static void
append (Conn *c, const void *data, gsize len)
{
	if (c->too_large || c->buf == NULL)
		return;
	if (c->buf->len + len > mconfig->max_size) {
		c->too_large = TRUE;
		g_clear_pointer (&c->buf, g_byte_array_unref);
		return;
	}
	g_byte_array_append (c->buf, data, (guint) len);
}

static sfsistat
on_negotiate (SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	Conn *c = conn_get (ctx);

	(void) f2;
	(void) f3;
	if (c == NULL)
		return SMFIS_ALL_OPTS;
	*pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE);
	/* Steps we never look at are not sent at all. */
	*pf1 = f1 & (SMFIP_SKIP | SMFIP_NOHELO
	    | SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_NR_HDR | SMFIP_NR_RCPT);
	*pf2 = *pf3 = 0;
	c->can_skip = (f1 & SMFIP_SKIP) != 0;
	/* Every recipient and header field is answered "go on": the MTA
	 * need not wait for it (a round trip each, and each a wake-up of
	 * both sides on a busy machine). */
	c->no_rcpt_reply = (f1 & SMFIP_NR_RCPT) != 0;
	c->no_header_reply = (f1 & SMFIP_NR_HDR) != 0;
	return SMFIS_CONTINUE;
}

static sfsistat
on_envfrom (SMFICTX *ctx, char **argv)
{
	Conn *c = conn_get (ctx);
	const char *user;

	if (c == NULL)
		return SMFIS_ACCEPT;
	reset (c);
	c->null_sender = bs_milter_null_sender (argv[0]);
	user = smfi_getsymval (ctx, (char *) "{auth_authen}");
	c->authenticated = user != NULL && *user != '\0';
	if (c->authenticated && (!mconfig->learn || ledger_path == NULL))
		return SMFIS_ACCEPT;
	c->buf = g_byte_array_new ();
	return SMFIS_CONTINUE;
}

static sfsistat
on_envrcpt (SMFICTX *ctx, char **argv)
{
	Conn *c = conn_get (ctx);

	if (c == NULL)
		return SMFIS_CONTINUE;
	if (bs_milter_local_mailer (mconfig, smfi_getsymval (ctx,
	    (char *) "{rcpt_mailer}"))) {
		c->any_local = TRUE;
		if (c->rcpt == NULL && argv[0] != NULL)
			c->rcpt = g_strndup (argv[0] + (argv[0][0] == '<'),
			    strcspn (argv[0] + (argv[0][0] == '<'), ">"));
	}
	return c->no_rcpt_reply ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat
on_header (SMFICTX *ctx, char *name, char *value)
{
	Conn *c = conn_get (ctx);
	const char *p;

	if (c == NULL)
		return SMFIS_CONTINUE;
	if (bs_milter_forged_name (name)) {
		/* Not part of what is classified: -H drops it first too. */
		c->forged++;
		return c->no_header_reply ? SMFIS_NOREPLY : SMFIS_CONTINUE;
	}
	if (bs_milter_auto_marked (name, value))
		c->auto_marked = TRUE;
	/* The header as the message had it, in CRLF as on the wire; folded
	 * values come with LF or CRLF between their lines. */
	append (c, name, strlen (name));
	append (c, ": ", 2);
	for (p = value; *p != '\0'; p++) {
		if (*p == '\n' && (p == value || p[-1] != '\r'))
			append (c, "\r", 1);
		append (c, p, 1);
	}
	append (c, "\r\n", 2);
	return c->no_header_reply ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat
on_eoh (SMFICTX *ctx)
{
	Conn *c = conn_get (ctx);

	if (c == NULL)
		return SMFIS_ACCEPT;
	if (c->authenticated) {
		Job *job;

		if (c->too_large || c->buf == NULL) {
			say ("%s: header over max-size, not learned",
			    queue_id (ctx));
			return SMFIS_ACCEPT;
		}
		job = job_new (JOB_LEARN, queue_id (ctx),
		    g_byte_array_free_to_bytes (g_steal_pointer (&c->buf)));
		if (run_within_budget (job))
			say ("%s: %s", job->id, job->outcome);
		job_unref (job);
		return SMFIS_ACCEPT;
	}
	c->classify = (c->null_sender || c->auto_marked) && c->any_local;
	if (c->classify) {
		append (c, "\r\n", 2);
		return SMFIS_CONTINUE;
	}
	g_clear_pointer (&c->buf, g_byte_array_unref);
	/* A forged verdict in other mail goes too, at the end. */
	return c->forged > 0 ? SMFIS_CONTINUE : SMFIS_ACCEPT;
}

static sfsistat
on_body (SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	Conn *c = conn_get (ctx);

	if (c == NULL)
		return SMFIS_ACCEPT;
	if (c->classify)
		append (c, chunk, len);
	if (c->classify && !c->too_large)
		return SMFIS_CONTINUE;
	return c->can_skip ? SMFIS_SKIP : SMFIS_CONTINUE;
}

/* Removes every X-Backscatter field the message came with, last first so
 * that the indexes of those before stay what they were. */
static void
remove_forged (SMFICTX *ctx, Conn *c)
{
	guint i;

	for (i = c->forged; i > 0; i--) {
		if (smfi_chgheader (ctx, (char *) "X-Backscatter", (int) i,
		    NULL) != MI_SUCCESS) {
			say ("%s: cannot remove an X-Backscatter field",
			    queue_id (ctx));
			return;
		}
	}
}

/* Our field at the top of the header, folded as -H folds it. */
static void
add_header (SMFICTX *ctx, const char *value)
{
	g_autofree char *field = bs_passthrough_format_header (value, "\n");
	char *v = field + strlen ("X-Backscatter: ");
	gsize n = strlen (v);

	if (n > 0 && v[n - 1] == '\n')
		v[n - 1] = '\0';
	if (smfi_insheader (ctx, 0, (char *) "X-Backscatter", v)
	    != MI_SUCCESS)
		say ("%s: cannot add the X-Backscatter field", queue_id (ctx));
}

static sfsistat
judge (SMFICTX *ctx, Conn *c)
{
	g_autofree char *reply = NULL;
	Job *job;
	BsMilterAction action;
	const char *id = queue_id (ctx);

	/* The envelope recipient, as the MDA records it for
	 * backscatter-check (the BATV and SRS tests read it). */
	if (c->rcpt != NULL && *c->rcpt != '\0'
	    && strpbrk (c->rcpt, "\r\n") == NULL) {
		g_autofree char *field = g_strdup_printf ("Delivered-To: %s\r\n",
		    c->rcpt);

		g_byte_array_prepend (c->buf, (const guint8 *) field,
		    (guint) strlen (field));
	}
	job = job_new (JOB_CLASSIFY, id,
	    g_byte_array_free_to_bytes (g_steal_pointer (&c->buf)));
	if (!run_within_budget (job)) {
		job_unref (job);
		remove_forged (ctx, c);
		add_header (ctx, "unknown; reason=time-budget");
		return SMFIS_ACCEPT;
	}
	action = job->score != NULL ? bs_milter_decide (mconfig, job->score) :
	    BS_MILTER_ACTION_HEADER;
	if (opt_verbose || action != BS_MILTER_ACTION_HEADER)
		say ("%s: %s: %s", id, bs_milter_action_to_string (action),
		    job->value);
	switch (action) {
	case BS_MILTER_ACTION_REJECT:
		reply = bs_milter_reply_text (job->value);
		job_unref (job);
		if (smfi_setreply (ctx, (char *) "550", (char *) "5.7.1",
		    reply) != MI_SUCCESS) {
			say ("%s: cannot set the reply; accepted", id);
			return SMFIS_ACCEPT;
		}
		return SMFIS_REJECT;
	case BS_MILTER_ACTION_DISCARD:
		job_unref (job);
		return SMFIS_DISCARD;
	case BS_MILTER_ACTION_QUARANTINE:
		reply = bs_milter_reply_text (job->value);
		if (smfi_quarantine (ctx, reply) != MI_SUCCESS)
			say ("%s: cannot quarantine; accepted", id);
		break;
	case BS_MILTER_ACTION_HEADER:
		break;
	}
	remove_forged (ctx, c);
	add_header (ctx, job->value);
	job_unref (job);
	return SMFIS_ACCEPT;
}

static sfsistat
on_eom (SMFICTX *ctx)
{
	Conn *c = conn_get (ctx);
	sfsistat status = SMFIS_ACCEPT;

	if (c == NULL)
		return SMFIS_ACCEPT;
	if (c->classify && !c->too_large && c->buf != NULL) {
		status = judge (ctx, c);
	} else if (c->classify) {
		say ("%s: over max-size (%" G_GUINT64_FORMAT " bytes), not "
		    "classified", queue_id (ctx), mconfig->max_size);
		remove_forged (ctx, c);
		add_header (ctx, "unknown; reason=too-large");
	} else {
		remove_forged (ctx, c);
	}
	reset (c);
	return status;
}

static sfsistat
on_abort (SMFICTX *ctx)
{
	Conn *c = smfi_getpriv (ctx);

	if (c != NULL)
		reset (c);
	return SMFIS_CONTINUE;
}

static sfsistat
on_close (SMFICTX *ctx)
{
	Conn *c = smfi_getpriv (ctx);

	if (c != NULL) {
		reset (c);
		g_free (c);
		(void) smfi_setpriv (ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

/* ---- start-up ---- */

/* The settings backscatter-check would use, plus [milter]. */
static gboolean
load_settings (GError **error)
{
	g_autofree char *config_path = NULL;
	config = bs_config_new ();
	mconfig = bs_milter_config_new ();
	if (opt_config != NULL)
		config_path = g_strdup (opt_config);
	else if (!opt_no_config)
		config_path = bs_config_find_default ();
	if (config_path != NULL
	    && (!bs_config_load_file (config, config_path, error)
	    || !bs_milter_config_load (mconfig, config_path, error)))
		return FALSE;
	ledger_path = bs_settings_ledger_path (config, opt_ledger, opt_no_ledger,
	    &ledger_given);
	if (!bs_proof_load (config, error))
		return FALSE;
	/* A daemon classifies many messages: JIT pays. */
	rules = bs_settings_load_rules (config, opt_rules_dir, TRUE,
	    opt_check_config, error);
	if (rules == NULL)
		return FALSE;
	return TRUE;
}

static struct smfiDesc desc = {
	(char *) PROGRAM,
	SMFI_VERSION,
	SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE,
	NULL,			/* connect */
	NULL,			/* helo */
	on_envfrom,
	on_envrcpt,
	on_header,
	on_eoh,
	on_body,
	on_eom,
	on_abort,
	on_close,
	NULL,			/* unknown */
	NULL,			/* data */
	on_negotiate,
};

/* Exit statuses, as backscatter-check's (sysexits.h). */
enum {
	EXIT_USAGE = 64,
	EXIT_UNAVAILABLE = 69,
	EXIT_SOFTWARE = 70,
	EXIT_CONFIG = 78,
};

int
main (int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx = NULL;
	g_autoptr(GError) error = NULL;
	const char *socket;
	int status;

	ctx = g_option_context_new ("- the backscatter classifier as a "
	    "milter");
	g_option_context_add_main_entries (ctx, entries, NULL);
	g_option_context_set_summary (ctx, "Classifies bounces and "
	    "auto-replies at the mail server, as backscatter-check does,\n"
	    "and learns what authenticated senders send.");
	g_option_context_set_description (ctx, "Exit status: 0 stopped, 64 "
	    "usage, 69 cannot listen, 70 libmilter failed,\n78 bad "
	    "configuration.  See backscatter-milter(8).");
	if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
		say ("%s (see --help)", error->message);
		return EXIT_USAGE;
	}
	if (argc > 1) {
		say ("unexpected argument \"%s\" (see --help)", argv[1]);
		return EXIT_USAGE;
	}
	if (opt_version) {
		printf (PROGRAM " %s\n", PACKAGE_VERSION);
		return fflush (stdout) == 0 ? 0 : EXIT_UNAVAILABLE;
	}
	/* Debug messages, when G_MESSAGES_DEBUG asks for them, go to the
	 * log with ours, never to stdout. */
	g_log_writer_default_set_use_stderr (TRUE);
	g_mime_init ();
	if (!load_settings (&error)) {
		say ("%s", error->message);
		return EXIT_CONFIG;
	}
	socket = opt_socket != NULL ? opt_socket : mconfig->socket;
	if (opt_check_config) {
		printf (PROGRAM ": config %s, action %s, socket %s: ok\n",
		    config->path != NULL ? config->path : "(none)",
		    bs_milter_action_to_string (mconfig->action),
		    socket != NULL ? socket : "(none)");
		return 0;
	}
	if (socket == NULL) {
		say ("no socket: give -p unix:PATH or -p inet:PORT@127.0.0.1, "
		    "or [milter] socket=");
		return EXIT_USAGE;
	}
	if (g_getenv ("BACKSCATTER_MILTER_TEST_DELAY_MS") != NULL)
		test_delay_ms = (guint) g_ascii_strtoull (g_getenv (
		    "BACKSCATTER_MILTER_TEST_DELAY_MS"), NULL, 10);
	/* The ledger exists from the start, so that the classifiers, which
	 * open it at their first bounce and keep it, see what is learned
	 * later. */
	if (ledger_path != NULL && mconfig->learn) {
		writer = bs_ledger_open_write (ledger_path, &error);
		if (writer == NULL) {
			say ("warning: ledger %s; will try again at the first "
			    "authenticated message", error->message);
			g_clear_error (&error);
		}
	}
	pool = g_thread_pool_new (run_job, NULL, (gint) mconfig->workers,
	    FALSE, &error);
	if (pool == NULL) {
		say ("cannot make the worker threads: %s", error->message);
		return EXIT_SOFTWARE;
	}
	if (smfi_setconn ((char *) socket) != MI_SUCCESS
	    || smfi_register (desc) != MI_SUCCESS) {
		say ("libmilter refuses socket \"%s\"", socket);
		return EXIT_USAGE;
	}
	/* A socket file left by an earlier run goes. */
	if (smfi_opensocket (true) != MI_SUCCESS) {
		say ("cannot listen on %s: %s", socket, g_strerror (errno));
		return EXIT_UNAVAILABLE;
	}
	say ("listening on %s, action %s, ledger %s", socket,
	    bs_milter_action_to_string (mconfig->action),
	    ledger_path != NULL ? ledger_path : "(none)");
	status = smfi_main () == MI_SUCCESS ? 0 : EXIT_SOFTWARE;
	g_thread_pool_free (pool, FALSE, TRUE);
	g_clear_pointer (&writer, bs_ledger_close);
	say ("stopped");
	return status;
}
