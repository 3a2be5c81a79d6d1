/* main.c: options, modes and exit codes of backscatter-check. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batv.h"
#include "build-config.h"
#include "cleanup.h"
#include "config.h"
#include "engine.h"
#include "input.h"
#include "json-api.h"
#include "ledger.h"
#include "mailbox.h"
#include "passthrough.h"
#include "proof.h"
#include "report.h"
#include "rules.h"
#include "scan.h"
#include "score.h"
#include "settings.h"

/* sysexits.h values; the exit status list of the man page. */
enum {
	EXIT_BACKSCATTER = 0,
	EXIT_NOT_BACKSCATTER = 1,
	EXIT_USAGE = 64,
	EXIT_NOINPUT = 66,
	EXIT_UNAVAILABLE = 69,
	EXIT_CANTCREAT = 73,
	EXIT_TEMPFAIL = 75,
	EXIT_CONFIG = 78,
};

typedef enum {
	MODE_VERDICT,
	MODE_FILTER,
	MODE_JSON,
	MODE_EXPLAIN,
} Mode;

static gboolean opt_filter;
static gboolean opt_json;
static gboolean opt_explain;
static char **opt_addresses;
static char **opt_relays;
static char *opt_config;
static gboolean opt_no_config;
static char *opt_threshold;
static char *opt_max_size;
static char *opt_rules_dir;
static gboolean opt_check_config;
static gboolean opt_verbose;
static gboolean opt_version;
static gboolean opt_learn_sent;
static char *opt_ledger;
static gboolean opt_no_ledger;
static char *opt_ledger_expire;
static char *opt_dkim_keys;
static char *opt_batv_sign;
static gboolean opt_summary;
static char *opt_report;
static char *opt_move_to;
static gboolean opt_dry_run;
static gboolean opt_mbox_rewrite;
static gboolean opt_recursive;
static gint opt_jobs = -1;	/* -1: one per processor */
static gboolean opt_quiet;
static char **opt_files;

static const GOptionEntry entries[] = {
	{ "add-header", 'H', 0, G_OPTION_ARG_NONE, &opt_filter,
	  "Filter mode: write the message with an X-Backscatter header", NULL },
	{ "json", 0, 0, G_OPTION_ARG_NONE, &opt_json,
	  "One JSON object per message", NULL },
	{ "explain", 0, 0, G_OPTION_ARG_NONE, &opt_explain,
	  "Explain the verdict", NULL },
	{ "address", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_addresses,
	  "An address of the mailbox owner (@domain for all)", "ADDR" },
	{ "relay", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_relays,
	  "A host the owner's mail leaves through (name, glob, IP, CIDR)",
	  "SPEC" },
	{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_config,
	  "Config file", "FILE" },
	{ "no-config", 0, 0, G_OPTION_ARG_NONE, &opt_no_config,
	  "Read no config file", NULL },
	{ "threshold", 0, 0, G_OPTION_ARG_STRING, &opt_threshold,
	  "Score at which a bounce is backscatter (default 5.0)", "N" },
	{ "max-size", 0, 0, G_OPTION_ARG_STRING, &opt_max_size,
	  "Do not classify larger messages (k/M/G; 0 = no limit; default 20M)",
	  "BYTES" },
	{ "rules-dir", 'R', 0, G_OPTION_ARG_FILENAME, &opt_rules_dir,
	  "Directory of rule files", "DIR" },
	{ "dkim-keys", 0, 0, G_OPTION_ARG_FILENAME, &opt_dkim_keys,
	  "DKIM keys of the owner's domains (SELECTOR._domainkey.DOMAIN "
	  "RECORD lines)", "FILE" },
	{ "batv-sign", 0, 0, G_OPTION_ARG_STRING, &opt_batv_sign,
	  "Print ADDRESS with a BATV tag made with the [batv] key, and exit",
	  "ADDRESS" },
	{ "check-config", 0, 0, G_OPTION_ARG_NONE, &opt_check_config,
	  "Load the config and every rule file, then exit", NULL },
	{ "learn-sent", 0, 0, G_OPTION_ARG_NONE, &opt_learn_sent,
	  "Learn the owner's sent mail (stdin, or FILE, mbox, Maildir, MH "
	  "folder) into the ledger", NULL },
	{ "ledger", 0, 0, G_OPTION_ARG_FILENAME, &opt_ledger,
	  "The sent-mail ledger (default $XDG_DATA_HOME/backscatter-check/"
	  "sent.sqlite)", "FILE" },
	{ "no-ledger", 0, 0, G_OPTION_ARG_NONE, &opt_no_ledger,
	  "Do not consult the sent-mail ledger", NULL },
	{ "ledger-expire", 0, 0, G_OPTION_ARG_STRING, &opt_ledger_expire,
	  "Remove mail dated more than DAYS ago from the ledger", "DAYS" },
	{ "summary", 0, 0, G_OPTION_ARG_NONE, &opt_summary,
	  "After the scan, a summary for a person instead of a line per "
	  "message (with --json: one JSON object)", NULL },
	{ "report", 0, 0, G_OPTION_ARG_FILENAME, &opt_report,
	  "Write the summary as one self-contained HTML page", "FILE.html" },
	{ "move-to", 0, 0, G_OPTION_ARG_FILENAME, &opt_move_to,
	  "Move backscatter of Maildir and MH folders into the Maildir FOLDER; "
	  "copy an mbox's", "FOLDER" },
	{ "dry-run", 0, 0, G_OPTION_ARG_NONE, &opt_dry_run,
	  "With --move-to: say what would move, move nothing", NULL },
	{ "mbox-rewrite", 0, 0, G_OPTION_ARG_NONE, &opt_mbox_rewrite,
	  "With --move-to: also take the copied messages out of the mbox",
	  NULL },
	{ "recursive", 'r', 0, G_OPTION_ARG_NONE, &opt_recursive,
	  "Read the folders in the FILEs too (Maildir++ subfolders, folder "
	  "trees)", NULL },
	{ "jobs", 'j', 0, G_OPTION_ARG_INT, &opt_jobs,
	  "Classify in N threads (default: the number of processors)", "N" },
	{ "quiet", 'q', 0, G_OPTION_ARG_NONE, &opt_quiet,
	  "No progress on the terminal", NULL },
	{ "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose,
	  "Debug messages on stderr", NULL },
	{ "version", 'V', 0, G_OPTION_ARG_NONE, &opt_version,
	  "Print the version", NULL },
	{ G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_files,
	  NULL, "[FILE...]" },
	{ NULL, 0, 0, G_OPTION_ARG_NONE, NULL, NULL, NULL },
};

typedef struct {
	Mode mode;
	BsConfig *config;
	BsRules *rules;
	gboolean any_backscatter;
	gboolean open_failed;
	gboolean read_failed;
	gboolean write_failed;
	/* The message of a stdin run, kept until exit: tearing down its
	 * GMime tree was 6% of a run's instructions, for nothing. */
	BsInput *stdin_input;
	/* The sent-mail ledger, learned into or read by the engine. */
	char *ledger_path;		/* NULL: --no-ledger */
	gboolean ledger_given;		/* named by --ledger or the config */
	BsEngine *engine;		/* made at the first message */
	BsCleanup *cleanup;		/* --summary, --report, --move-to */
	gboolean cleanup_failed;	/* a message not moved, or no report */
} Run;

static void
complain (const char *fmt, ...) G_GNUC_PRINTF (1, 2);

static void
complain (const char *fmt, ...)
{
	va_list ap;

	fputs ("backscatter-check: ", stderr);
	va_start (ap, fmt);
	vfprintf (stderr, fmt, ap);
	va_end (ap);
	fputc ('\n', stderr);
}

static int
usage_error (GOptionContext *ctx, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static int
usage_error (GOptionContext *ctx, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	va_start (ap, fmt);
	msg = g_strdup_vprintf (fmt, ap);
	va_end (ap);
	complain ("%s (see --help)", msg);
	return EXIT_USAGE;
}

/* The message being read or classified, for the one line that
 * out_of_memory() prints. */
static const char *current_input = "-";

/* GLib ends the process with SIGTRAP when g_malloc fails (g_error).  The
 * input is read with g_try_malloc, but GMime and we allocate as we go, so
 * a message that only just fits can still run out.  That is no crash but
 * a temporary failure: exit 75, so that the MTA keeps the mail and tries
 * again.  In filter mode nothing is written before the classification is
 * done, so the output is empty. */
static void
out_of_memory (const char *domain, GLogLevelFlags level, const char *message,
    gpointer user_data)
{
	(void) domain;
	(void) level;
	(void) user_data;
	if (strstr (message, "allocat") != NULL)
		complain ("%s: out of memory: %s", current_input, message);
	else
		complain ("%s: cannot go on: %s", current_input, message);
	(void) fflush (stdout);		/* the lines of the FILEs before */
	_exit (EXIT_TEMPFAIL);
}

/* Prints one report line (JSON, explain or verdict) on stdout. */
static void
emit (Run *run, char *text, gboolean newline)
{
	if (text == NULL)
		return;
	if (opt_summary) {		/* the summary comes at the end */
		g_free (text);
		return;
	}
	if (fputs (text, stdout) == EOF || (newline && putchar ('\n') == EOF))
		run->write_failed = TRUE;
	g_free (text);
}

/* Filter mode: write the message out with our header, whatever happens
 * to the classification. */
static void
filter_out (Run *run, BsInput *input, int in_fd, const char *value)
{
	g_autoptr(GError) error = NULL;
	gsize len;
	const guint8 *data = g_bytes_get_data (input->raw, &len);

	/* The rest of a too-large message is scanned as it is copied:
	 * a forged field may lie anywhere in the header block. */
	if (!bs_passthrough_write (data, len, input->too_large ? in_fd : -1,
	    value, STDOUT_FILENO, &error)) {
		complain ("%s: %s", input->name, error->message);
		if (g_error_matches (error, BS_PASSTHROUGH_ERROR,
		    BS_PASSTHROUGH_ERROR_READ))
			run->read_failed = TRUE;
		else
			run->write_failed = TRUE;
	}
}

/* The engine's warnings, as our own lines on stderr: each said once,
 * though every worker's engine finds the same missing ledger. */
static void
engine_warn (const char *message, gpointer data)
{
	static GMutex lock;
	static GHashTable *said;
	gboolean first;

	(void) data;
	g_mutex_lock (&lock);
	if (said == NULL)
		said = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
		    NULL);
	first = g_hash_table_add (said, g_strdup (message));
	g_mutex_unlock (&lock);
	if (first)
		complain ("%s", message);
}

/* Hands the message on to --summary, --report and --move-to. */
static void
cleanup_add (Run *run, const BsScanPlace *place, const char *unclassified,
    const BsFacts *facts, const BsScore *score)
{
	g_autoptr(BsScanRecord) r = NULL;

	if (run->cleanup == NULL)
		return;
	r = bs_scan_record_new (place->file, place->message, place->offset);
	if (facts != NULL)
		bs_scan_record_fill (r, facts, score);
	r->unclassified = unclassified;
	(void) fflush (stdout);		/* the lines before, in order */
	bs_cleanup_add (run->cleanup, r, stdout, stderr);
}

static void
classify_input (Run *run, BsInput *input, int in_fd)
{
	g_autoptr(BsFacts) facts = NULL;
	g_autoptr(BsScore) score = NULL;
	const char *name = input->name;
	/* For the lines of verdict mode and --explain; JSON escapes. */
	g_autofree char *shown = bs_report_quote_name (name);

	if (input->too_large) {
		g_debug ("%s: larger than --max-size, not classified", name);
		switch (run->mode) {
		case MODE_FILTER: {
			g_autofree char *v = bs_report_header_unknown ("too-large");

			filter_out (run, input, in_fd, v);
			return;
		}
		case MODE_JSON:
			emit (run, bs_report_json_unknown (name, "too-large",
			    run->config->threshold), TRUE);
			break;
		case MODE_EXPLAIN:
			emit (run, g_strdup_printf ("%s\n  not classified: larger "
			    "than --max-size\n", shown), FALSE);
			break;
		case MODE_VERDICT:
			if (opt_files != NULL)
				emit (run, g_strdup_printf ("%s: unknown "
				    "reason=too-large", shown), TRUE);
			break;
		}
		/* Read to the end all the same: a pipe's writer must not see
		 * it closed early. */
		if (in_fd >= 0) {
			g_autoptr(GError) error = NULL;

			if (!bs_input_drain (in_fd, &error)) {
				complain ("%s: %s", name, error->message);
				run->read_failed = TRUE;
			}
		}
		cleanup_add (run, &(BsScanPlace) { name, 0, -1 }, "too-large",
		    NULL, NULL);
		return;
	}
	if (!bs_input_parse (input)) {
		/* GMime finds a message in nearly anything; this is for what
		 * it cannot, and for what is past the input limits.  Not a
		 * bounce we can see, so not backscatter. */
		const char *why = input->refused != NULL ? input->refused :
		    "parse-error";

		g_debug ("%s: no message could be parsed", name);
		if (run->mode == MODE_FILTER) {
			g_autofree char *v = bs_report_header_unknown (why);

			filter_out (run, input, in_fd, v);
		} else if (run->mode == MODE_JSON) {
			emit (run, bs_report_json_unknown (name, why,
			    run->config->threshold), TRUE);
		}
		cleanup_add (run, &(BsScanPlace) { name, 0, -1 }, why, NULL,
		    NULL);
		return;
	}
	if (run->engine == NULL)
		run->engine = bs_engine_new (run->config, run->rules,
		    run->ledger_path, run->ledger_given, engine_warn, NULL);
	bs_engine_classify (run->engine, input->message, &facts, &score);
	if (score->verdict == BS_VERDICT_BACKSCATTER)
		run->any_backscatter = TRUE;
	switch (run->mode) {
	case MODE_FILTER: {
		g_autofree char *v = bs_report_header_value (facts, score);

		filter_out (run, input, in_fd, v);
		break;
	}
	case MODE_JSON:
		emit (run, bs_report_json (name, facts, score), TRUE);
		break;
	case MODE_EXPLAIN:
		emit (run, bs_report_explain (shown, facts, score), FALSE);
		break;
	case MODE_VERDICT:
		if (opt_files != NULL)
			emit (run, bs_report_line (shown, facts, score), TRUE);
		break;
	}
	cleanup_add (run, &(BsScanPlace) { name, 0, -1 }, NULL, facts, score);
}

static void
process_stdin (Run *run)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(BsInput) input = NULL;

	current_input = "-";
	input = bs_input_read_fd (STDIN_FILENO, "-", run->config->max_size,
	    &error);

	if (input == NULL) {
		complain ("%s", error->message);
		run->read_failed = TRUE;
		return;
	}
	classify_input (run, input, STDIN_FILENO);
	run->stdin_input = g_steal_pointer (&input);
}

static void
process_file (Run *run, const char *path)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(BsInput) input = NULL;
	struct stat st;
	int fd = -1;

	current_input = path;
	/* Filter mode passes a too-large file through in constant memory,
	 * so it keeps the file open to copy the rest. */
	if (run->mode == MODE_FILTER) {
		fd = open (path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			int saved = errno;

			complain ("%s: cannot open: %s", path, g_strerror (saved));
			run->open_failed = TRUE;
			return;
		}
		/* As bs_input_read_file() does: a directory opens but is no
		 * message, so it is the same 66 in every mode. */
		if (fstat (fd, &st) == 0 && S_ISDIR (st.st_mode)) {
			complain ("%s: is a directory, not a message", path);
			run->open_failed = TRUE;
			close (fd);
			return;
		}
		input = bs_input_read_fd (fd, path, run->config->max_size,
		    &error);
	} else {
		input = bs_input_read_file (path, run->config->max_size, &error);
	}
	if (input == NULL) {
		complain ("%s", error->message);
		if (g_error_matches (error, BS_INPUT_ERROR, BS_INPUT_ERROR_OPEN))
			run->open_failed = TRUE;
		else
			run->read_failed = TRUE;
	} else {
		classify_input (run, input, fd);
	}
	if (fd >= 0)
		close (fd);
}

/* The report of one message of a scan, made in the worker thread that
 * classified it: an mbox's Nth message is "MBOX:N" in lines, and "file",
 * "message" and "offset" in JSON.  Reads only what no thread changes. */
static char *
scan_format (const BsScanPlace *place, const BsFacts *facts,
    const BsScore *score, const char *unknown, gpointer data)
{
	const Run *run = data;
	g_autofree char *name = NULL;
	g_autofree char *shown = NULL;
	g_autofree char *text = NULL;
	guint64 offset = place->offset > 0 ? (guint64) place->offset : 0;

	if (opt_summary)
		return NULL;	/* no line per message */
	name = place->message > 0 ? g_strdup_printf ("%s:%u", place->file,
	    place->message) : g_strdup (place->file);
	/* For the lines of verdict mode and --explain; JSON escapes. */
	shown = bs_report_quote_name (name);
	if (unknown != NULL) {
		gboolean too_large = strcmp (unknown, "too-large") == 0;

		switch (run->mode) {
		case MODE_FILTER:
			return NULL;	/* -H reads one message, not here */
		case MODE_JSON:
			text = bs_report_json_unknown_at (place->file,
			    place->message, offset, unknown,
			    run->config->threshold);
			break;
		case MODE_EXPLAIN:
			return too_large ? g_strdup_printf ("%s\n  not "
			    "classified: larger than --max-size\n", shown) :
			    NULL;
		case MODE_VERDICT:
			return too_large ? g_strdup_printf ("%s: unknown "
			    "reason=too-large\n", shown) : NULL;
		}
	} else {
		switch (run->mode) {
		case MODE_FILTER:
			return NULL;
		case MODE_JSON:
			text = bs_report_json_at (place->file, place->message,
			    offset, facts, score);
			break;
		case MODE_EXPLAIN:
			return bs_report_explain (shown, facts, score);
		case MODE_VERDICT:
			text = bs_report_line (shown, facts, score);
			break;
		}
	}
	return text != NULL ? g_strconcat (text, "\n", NULL) : NULL;
}

/* The output stage of a scan of the FILEs: one message, in input order. */
static void
scan_output (const BsScanPlace *place, const BsFacts *facts,
    const BsScore *score, const char *unknown, const char *text,
    gpointer data)
{
	Run *run = data;

	if (unknown != NULL)
		g_debug ("%s%s%.0u: not classified: %s", place->file,
		    place->message > 0 ? ":" : "", place->message, unknown);
	else if (score->verdict == BS_VERDICT_BACKSCATTER)
		run->any_backscatter = TRUE;
	if (text != NULL)
		emit (run, g_strdup (text), FALSE);
	cleanup_add (run, place, unknown, facts, score);
}

static void
scan_problem (BsScanProblem problem, const char *message, gpointer data)
{
	Run *run = data;

	complain ("%s", message);
	switch (problem) {
	case BS_SCAN_PROBLEM_OPEN:
		run->open_failed = TRUE;
		break;
	case BS_SCAN_PROBLEM_READ:
		run->read_failed = TRUE;
		break;
	}
}

/* Every message of the FILEs, in worker threads, in order. */
static void
scan_files (Run *run, guint n_files)
{
	BsScanOptions o = { 0 };

	o.config = run->config;
	o.rules = run->rules;
	o.ledger_path = run->ledger_path;
	o.ledger_given = run->ledger_given;
	o.jobs = opt_jobs > 0 ? (guint) opt_jobs :
	    MAX (g_get_num_processors (), 1);
	o.recursive = opt_recursive;
	o.progress = !opt_quiet && isatty (STDERR_FILENO);
	o.func = scan_output;
	o.format = scan_format;
	o.problem = scan_problem;
	o.warn = engine_warn;
	o.data = run;
	bs_scan_run (&o, opt_files, n_files);
}

/* At exit, whoever calls it: output that could not be written is 75 with
 * a line on stderr, never a silent 0 (--help > /dev/full) or a silent 75
 * (--version with stdout closed). */
static void
check_stdout_at_exit (void)
{
	static gboolean reported;

	if (reported)
		return;
	if (fflush (stdout) != 0 || ferror (stdout)) {
		int saved = errno;

		reported = TRUE;
		complain ("write error: %s", saved != 0 ? g_strerror (saved) :
		    "standard output");
		_exit (EXIT_TEMPFAIL);
	}
}

/* --summary, --report, --move-to: FALSE when the folder cannot be made. */
static gboolean
start_cleanup (Run *run)
{
	g_autoptr(GError) error = NULL;
	BsCleanupOptions o = { opt_summary, opt_json, opt_report, opt_move_to,
	    opt_dry_run, opt_mbox_rewrite,
	    g_strcmp0 (g_getenv ("BS_MOVE_FORCE_COPY"), "1") == 0 };

	if (!opt_summary && opt_report == NULL && opt_move_to == NULL)
		return TRUE;
	run->cleanup = bs_cleanup_new (&o, &error);
	if (run->cleanup == NULL) {
		complain ("%s", error->message);
		return FALSE;
	}
	return TRUE;
}

static int
exit_status (const Run *run)
{
	if (run->write_failed || run->cleanup_failed)
		return EXIT_TEMPFAIL;
	if (run->open_failed)
		return EXIT_NOINPUT;
	if (run->read_failed)
		return EXIT_TEMPFAIL;
	if (run->mode == MODE_FILTER)
		return EXIT_BACKSCATTER;	/* written out: success */
	return run->any_backscatter ? EXIT_BACKSCATTER : EXIT_NOT_BACKSCATTER;
}

typedef struct {
	GPtrArray *messages;		/* BsSentMessage */
	guint read, skipped;
	guint unidentified;		/* skipped: a message, no Message-ID */
	gboolean progress;
} Learn;

static gboolean
learn_collect (const BsSentMessage *m, gpointer data, GError **error)
{
	Learn *l = data;

	l->read++;
	if (m->message_id == NULL) {
		l->skipped++;
		if (m->date != 0 || m->from != NULL)
			l->unidentified++;
	} else {
		BsSentMessage *copy = g_new0 (BsSentMessage, 1);

		copy->message_id = g_strdup (m->message_id);
		copy->date = m->date;
		copy->from = g_strdup (m->from);
		copy->recipients = g_strdup (m->recipients);
		copy->subject = g_strdup (m->subject);
		g_ptr_array_add (l->messages, copy);
	}
	if (l->progress && l->read % 1000 == 0)
		fprintf (stderr, "\rbackscatter-check: %u messages read", l->read);
	return TRUE;
}

static int
ledger_status (const GError *error)
{
	/* A file in the way is the owner's to fix; a lock or a full disk
	 * passes, and a pipe transport retries on 75. */
	if (g_error_matches (error, BS_LEDGER_ERROR, BS_LEDGER_ERROR_NEWER)
	    || g_error_matches (error, BS_LEDGER_ERROR, BS_LEDGER_ERROR_SCHEMA))
		return EXIT_CONFIG;
	return EXIT_TEMPFAIL;
}

/* --learn-sent and --ledger-expire: read everything first, then write it
 * in one short transaction, so that concurrent deliveries wait for the
 * inserts only, never for a folder being read. */
static int
learn_sent (Run *run, guint n_files)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(BsLedger) ledger = NULL;
	g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func (
	    (GDestroyNotify) bs_sent_message_free);
	Learn l = { messages, 0, 0, 0, !opt_quiet && isatty (STDERR_FILENO) };
	guint i, added = 0, known = 0, expire_days = 0;
	gint64 removed = 0;

	if (opt_ledger_expire != NULL) {
		guint64 v;

		if (!g_ascii_string_to_unsigned (opt_ledger_expire, 10, 1,
		    G_MAXUINT32 / 86400, &v, NULL)) {
			complain ("--ledger-expire: \"%s\" is not a number of "
			    "days (see --help)", opt_ledger_expire);
			return EXIT_USAGE;
		}
		expire_days = (guint) v;
	}
	if (opt_learn_sent && n_files == 0) {
		g_autoptr(BsInput) input = bs_input_read_fd (STDIN_FILENO, "-",
		    BS_MAILBOX_HEADER_MAX, &error);
		g_autoptr(BsSentMessage) m = NULL;
		gsize len;
		const char *data;

		if (input == NULL) {
			complain ("%s", error->message);
			return EXIT_TEMPFAIL;
		}
		if (input->too_large && !bs_input_drain (STDIN_FILENO, &error)) {
			complain ("-: %s", error->message);
			return EXIT_TEMPFAIL;
		}
		data = g_bytes_get_data (input->raw, &len);
		m = bs_mailbox_parse_message (data, len);
		(void) learn_collect (m, &l, NULL);
	}
	for (i = 0; opt_learn_sent && i < n_files; i++) {
		if (!bs_mailbox_read (opt_files[i], learn_collect, &l, &error)) {
			complain ("%s", error->message);
			g_clear_error (&error);
			run->open_failed = TRUE;
		}
	}
	if (l.progress && l.read >= 1000)
		fputc ('\n', stderr);

	ledger = bs_ledger_open_write (run->ledger_path, &error);
	if (ledger == NULL) {
		complain ("ledger %s", error->message);
		return ledger_status (error);
	}
	if (opt_learn_sent) {
		if (!bs_ledger_begin (ledger, &error))
			goto fail;
		for (i = 0; i < messages->len; i++) {
			const BsSentMessage *m = messages->pdata[i];
			BsLedgerEntry e = { m->message_id, m->date, m->from,
			    m->recipients, m->subject };
			gboolean is_new = FALSE;

			if (!bs_ledger_add (ledger, &e, &is_new, &error))
				goto fail;
			if (is_new)
				added++;
			else
				known++;
		}
		/* The ledger then knows that the owner sends mail it cannot
		 * record, and judges no original without a Message-ID. */
		for (i = 0; i < l.unidentified; i++) {
			BsLedgerEntry e = { NULL, 0, NULL, NULL, NULL };
			gboolean is_new = FALSE;

			if (!bs_ledger_add (ledger, &e, &is_new, &error))
				goto fail;
		}
		if (!bs_ledger_commit (ledger, &error))
			goto fail;
		printf ("read %u, new %u, known %u, skipped %u (ledger %s)\n",
		    l.read, added, known, l.skipped, bs_ledger_name (ledger));
	}
	if (expire_days > 0) {
		if (!bs_ledger_expire (ledger, expire_days,
		    g_get_real_time () / G_USEC_PER_SEC, &removed, &error))
			goto fail;
		printf ("expired %" G_GINT64_FORMAT " messages dated over %u "
		    "days ago (ledger %s)\n", removed, expire_days,
		    bs_ledger_name (ledger));
	}
	if (fflush (stdout) != 0 || ferror (stdout)) {
		complain ("write error: %s", g_strerror (errno));
		return EXIT_TEMPFAIL;
	}
	return run->open_failed ? EXIT_NOINPUT : 0;
fail:
	bs_ledger_rollback (ledger);
	complain ("ledger %s", error->message);
	return ledger_status (error);
}

/* many: more than one message to classify, for which JIT pays. */
static int
load_settings (Run *run, gboolean many)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *config_path = NULL;
	guint i;

	run->config = bs_config_new ();
	if (opt_config != NULL)
		config_path = g_strdup (opt_config);
	else if (!opt_no_config)
		config_path = bs_config_find_default ();
	if (config_path != NULL) {
		g_debug ("config file %s", config_path);
		if (!bs_config_load_file (run->config, config_path, &error)) {
			complain ("%s", error->message);
			return EXIT_CONFIG;
		}
	}
	if (opt_addresses != NULL)
		bs_identity_clear_addresses (run->config->identity);
	for (i = 0; opt_addresses != NULL && opt_addresses[i] != NULL; i++) {
		if (!bs_identity_add_address (run->config->identity,
		    opt_addresses[i], &error)) {
			complain ("--address: %s (see --help)", error->message);
			return EXIT_USAGE;
		}
	}
	if (opt_relays != NULL)
		bs_identity_clear_relays (run->config->identity);
	for (i = 0; opt_relays != NULL && opt_relays[i] != NULL; i++) {
		if (!bs_identity_add_relay (run->config->identity, opt_relays[i],
		    &error)) {
			complain ("--relay: %s (see --help)", error->message);
			return EXIT_USAGE;
		}
	}
	if (opt_threshold != NULL && !bs_config_parse_number (opt_threshold,
	    &run->config->threshold, &error)) {
		complain ("--threshold: %s (see --help)", error->message);
		return EXIT_USAGE;
	}
	if (opt_max_size != NULL && !bs_config_parse_size (opt_max_size,
	    &run->config->max_size, &error)) {
		complain ("--max-size: %s (see --help)", error->message);
		return EXIT_USAGE;
	}

	run->ledger_path = bs_settings_ledger_path (run->config, opt_ledger,
	    opt_no_ledger, &run->ledger_given);
	if (opt_learn_sent || opt_ledger_expire != NULL)
		return 0;	/* learning needs no rules */
	if (opt_dkim_keys != NULL) {
		g_free (run->config->dkim_keys);
		run->config->dkim_keys = g_strdup (opt_dkim_keys);
	}
	if (!bs_proof_load (run->config, &error)
	    || (opt_check_config && !bs_proof_check (run->config, &error))) {
		complain ("%s", error->message);
		return EXIT_CONFIG;
	}

	/* JIT pays for itself only over many messages. */
	run->rules = bs_settings_load_rules (run->config, opt_rules_dir, many,
	    opt_check_config, &error);
	if (run->rules == NULL) {
		complain ("%s", error->message);
		return EXIT_CONFIG;
	}
	return 0;
}

int
main (int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx = NULL;
	g_autoptr(GError) error = NULL;
	/* Static: the rules, the config and a stdin message live as long as
	 * the process and are not freed at exit (a tenth of a message's own
	 * work); from here, leak checkers see them as still reachable. */
	static Run run = { MODE_VERDICT, NULL, NULL, FALSE, FALSE, FALSE,
	    FALSE, NULL, NULL, FALSE, NULL };
	guint n_files, n_stdin, i, modes;
	int status;

	/* GLib prints --help and exits 0 itself: the check at exit is
	 * what makes --help > /dev/full an error. */
	atexit (check_stdout_at_exit);
	ctx = g_option_context_new ("- tell backscatter from real bounces");
	g_option_context_add_main_entries (ctx, entries, NULL);
	g_option_context_set_summary (ctx, "Reads one message on standard input "
	    "(or the FILEs) and decides whether it is\nbackscatter: a bounce, "
	    "auto-reply or challenge about mail the owner never sent.");
	g_option_context_set_description (ctx, "Exit status: 0 backscatter, 1 "
	    "not backscatter, 64 usage, 66 cannot open a FILE,\n69 --json "
	    "without json-glib, 73 the --move-to folder cannot be made,\n75 input "
	    "unreadable, output unwritable, or a message not moved,\n"
	    "78 bad configuration or rule file.\nWith -H: 0 whenever the message was written out.\n"
	    "--learn-sent: 0 learned, 66 a FILE cannot be read, 75 the ledger "
	    "is locked\nor cannot be written, 78 it is no ledger or newer.\n"
	    "See backscatter-check(1).");
	if (!g_option_context_parse (ctx, &argc, &argv, &error))
		return usage_error (ctx, "%s", error->message);
	if (opt_version) {
		printf ("backscatter-check %s\n", PACKAGE_VERSION);
		return 0;	/* check_stdout_at_exit says whether it was */
	}
	if (opt_verbose)
		g_setenv ("G_MESSAGES_DEBUG", "backscatter-check", TRUE);
	n_files = opt_files != NULL ? g_strv_length (opt_files) : 0;
	modes = (opt_filter ? 1 : 0) + (opt_json ? 1 : 0) + (opt_explain ? 1 : 0);
	if (modes > 1)
		return usage_error (ctx, "-H, --json and --explain exclude each "
		    "other");
	if (opt_filter && (n_files > 1 || opt_recursive))
		return usage_error (ctx, "-H takes one message: stdin or one "
		    "FILE");
	if (opt_jobs == 0 || opt_jobs < -1 || opt_jobs > 1024)
		return usage_error (ctx, "--jobs: %d is not a number of threads "
		    "from 1 to 1024", opt_jobs);
	for (i = 0, n_stdin = 0; i < n_files; i++)
		n_stdin += strcmp (opt_files[i], "-") == 0 ? 1 : 0;
	if (n_stdin > 1)
		return usage_error (ctx, "- (standard input) can be read once");
	if ((opt_learn_sent || opt_ledger_expire != NULL)
	    && (modes > 0 || opt_check_config))
		return usage_error (ctx, "--learn-sent and --ledger-expire "
		    "exclude -H, --json, --explain and --check-config");
	if ((opt_learn_sent || opt_ledger_expire != NULL) && opt_no_ledger)
		return usage_error (ctx, "--no-ledger leaves nothing to learn "
		    "into");
	if (opt_ledger_expire != NULL && !opt_learn_sent && n_files > 0)
		return usage_error (ctx, "FILEs are learned with --learn-sent");
	if ((opt_summary || opt_report != NULL || opt_move_to != NULL)
	    && (opt_filter || (opt_summary && opt_explain)))
		return usage_error (ctx, "--summary, --report and --move-to "
		    "exclude -H, and --summary --explain");
	if ((opt_dry_run || opt_mbox_rewrite) && opt_move_to == NULL)
		return usage_error (ctx, "--dry-run and --mbox-rewrite go with "
		    "--move-to");
	run.mode = opt_filter ? MODE_FILTER : opt_json ? MODE_JSON :
	    opt_explain ? MODE_EXPLAIN : MODE_VERDICT;

	/* A closed output pipe is a write error (exit 75), not a silent
	 * death by signal that the MDA cannot tell from a crash.  The same
	 * for output over a file size limit (ulimit -f): write(2) then fails
	 * with EFBIG instead. */
	signal (SIGPIPE, SIG_IGN);
	signal (SIGXFSZ, SIG_IGN);
	g_log_set_handler ("GLib", G_LOG_LEVEL_ERROR | G_LOG_FLAG_FATAL,
	    out_of_memory, NULL);
	/* --json needs json-glib, opened only then: fail before reading. */
	if (run.mode == MODE_JSON && !opt_check_config
	    && bs_json_api (&error) == NULL) {
		complain ("--json: %s", error->message);
		return EXIT_UNAVAILABLE;
	}
	g_mime_init ();
	status = load_settings (&run, !opt_filter
	    && bs_scan_is_many (opt_files, n_files, opt_recursive));
	if (status == 0 && (opt_learn_sent || opt_ledger_expire != NULL)) {
		status = learn_sent (&run, n_files);
	} else if (status == 0 && opt_batv_sign != NULL) {
		g_autofree char *signed_address = NULL;

		if (run.config->batv_key == NULL) {
			complain ("--batv-sign: no [batv] key or key-file in "
			    "the config");
			status = EXIT_CONFIG;
		} else {
			signed_address = bs_batv_sign (opt_batv_sign,
			    run.config->batv_key, 0, g_get_real_time () /
			    G_USEC_PER_SEC);
			if (signed_address == NULL) {
				complain ("--batv-sign: \"%s\" is not "
				    "local@domain without a tag (see --help)",
				    opt_batv_sign);
				status = EXIT_USAGE;
			} else {
				printf ("%s\n", signed_address);
			}
		}
	} else if (status == 0 && opt_check_config) {
		printf ("backscatter-check: config %s, rules %u tests, %u "
		    "pattern sets: ok\n", run.config->path != NULL ?
		    run.config->path : "(none)",
		    bs_rules_get_tests (run.rules)->len,
		    bs_rules_get_sets (run.rules)->len);
	} else if (status == 0 && !start_cleanup (&run)) {
		status = EXIT_CANTCREAT;
	} else if (status == 0) {
		if (n_files == 0)
			process_stdin (&run);
		else if (run.mode == MODE_FILTER
		    && strcmp (opt_files[0], "-") == 0)
			process_stdin (&run);
		else if (run.mode == MODE_FILTER)
			process_file (&run, opt_files[0]);
		else
			scan_files (&run, n_files);
		if (fflush (stdout) != 0 || ferror (stdout)) {
			complain ("write error: %s", g_strerror (errno));
			run.write_failed = TRUE;
			/* Said once: the check at exit stays quiet. */
			clearerr (stdout);
		}
		if (run.cleanup != NULL && !bs_cleanup_finish (run.cleanup,
		    stdout, stderr))
			run.cleanup_failed = TRUE;
		if (run.cleanup != NULL && (fflush (stdout) != 0
		    || ferror (stdout))) {
			complain ("write error: %s", g_strerror (errno));
			run.write_failed = TRUE;
			clearerr (stdout);
		}
		status = exit_status (&run);
	}
	g_clear_pointer (&run.engine, bs_engine_free);
	g_clear_pointer (&run.cleanup, bs_cleanup_free);
	g_mime_shutdown ();
	return status;
}
