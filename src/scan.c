/* scan.c: many messages through the engine, in worker threads, results
 * in input order.
 *
 * The main thread walks the FILEs and reads the mbox files (one pass,
 * one message at a time); the workers read message files themselves,
 * parse and classify.  Each message is a Job, queued to the workers and
 * kept in a FIFO of pending jobs in input order; the main thread hands
 * on the oldest when it is done, and waits for it before reading further
 * once the FIFO holds BS_SCAN_AHEAD jobs per worker or
 * BS_SCAN_MAX_BYTES_AHEAD bytes. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"
#include "mailbox.h"
#include "progress.h"
#include "scan.h"

#define BS_SCAN_AHEAD 4

typedef struct {
	char *file;		/* owned */
	guint message;
	gint64 offset;
	gboolean read_here;	/* the worker reads file */
	gboolean may_vanish;	/* a folder's file: gone is no error */
	gboolean is_stdin;
	GBytes *raw;		/* an mbox message; NULL when too large */
	gboolean too_large;
	gsize bytes;		/* held while pending */
	guint64 mbox_done;	/* mbox bytes read through this message */
	/* results */
	BsFacts *facts;
	BsScore *score;
	const char *unknown;
	char *text;		/* what options->format made */
	char *problem_text;	/* NULL: none */
	BsScanProblem problem;
	gboolean vanished;
	/* Handing a job over and back: GAsyncQueue and GMutex order the
	 * accesses, and these atomics say so to ThreadSanitizer too (it does
	 * not see GLib's futex locks): set before the push, read after the
	 * pop; set when done, read before the results are. */
	gint queued;
	gint done;
} Job;

typedef struct {
	const BsScanOptions *o;
	BsEngine *engine;	/* the main thread's, for jobs == 1 */
	GAsyncQueue *queue;	/* Job, to the workers */
	GPtrArray *workers;	/* GThread */
	GQueue pending;		/* Job, in input order */
	gsize pending_bytes;
	GMutex lock;
	GCond done_cond;
	BsProgress *progress;
	guint64 files_done;
	guint64 mbox_messages_done;
	guint64 mbox_read;	/* mbox bytes read, all files */
	guint64 mbox_done;
} Scan;

/* The queue's end: one per worker. */
static Job stop_job;

static void
job_free (Job *job)
{
	g_free (job->file);
	if (job->raw != NULL)
		g_bytes_unref (job->raw);
	bs_facts_free (job->facts);
	bs_score_free (job->score);
	g_free (job->text);
	g_free (job->problem_text);
	g_free (job);
}

static void
set_problem (Job *job, BsScanProblem problem, const char *message)
{
	job->problem = problem;
	job->problem_text = g_strdup (message);
}

/* Reads (for a message file), parses and classifies job. */
static void
classify (const BsScanOptions *o, BsEngine *engine, Job *job)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(BsInput) input = NULL;

	if (job->read_here) {
		input = bs_input_read_file (job->file, o->config->max_size,
		    &error);
		if (input == NULL) {
			if (job->may_vanish && g_error_matches (error,
			    BS_INPUT_ERROR, BS_INPUT_ERROR_OPEN)
			    && !g_file_test (job->file, G_FILE_TEST_EXISTS))
				job->vanished = TRUE;
			else
				set_problem (job, g_error_matches (error,
				    BS_INPUT_ERROR, BS_INPUT_ERROR_OPEN) ?
				    BS_SCAN_PROBLEM_OPEN : BS_SCAN_PROBLEM_READ,
				    error->message);
			return;
		}
	} else {
		input = g_new0 (BsInput, 1);
		input->name = g_strdup (job->file);
		input->raw = job->raw != NULL ? g_bytes_ref (job->raw) :
		    g_bytes_new (NULL, 0);
		input->too_large = job->too_large;
	}
	if (input->too_large) {
		job->unknown = "too-large";
		return;
	}
	if (!bs_input_parse (input)) {
		job->unknown = input->refused != NULL ? input->refused :
		    "parse-error";
		return;
	}
	bs_engine_classify (engine, input->message, &job->facts, &job->score);
}

static void
classify_and_format (const BsScanOptions *o, BsEngine *engine, Job *job)
{
	BsScanPlace place = { job->file, job->message, job->offset };

	classify (o, engine, job);
	if (o->format != NULL && job->problem_text == NULL && !job->vanished)
		job->text = o->format (&place, job->facts, job->score,
		    job->unknown, o->data);
}

static gpointer
work (gpointer data)
{
	Scan *scan = data;
	const BsScanOptions *o = scan->o;
	g_autoptr(BsEngine) engine = bs_engine_new (o->config, o->rules,
	    o->ledger_path, o->ledger_given, o->warn, o->data);

	for (;;) {
		Job *job = g_async_queue_pop (scan->queue);

		if (job == &stop_job)
			break;
		(void) g_atomic_int_get (&job->queued);
		classify_and_format (o, engine, job);
		g_mutex_lock (&scan->lock);
		g_atomic_int_set (&job->done, TRUE);
		g_cond_broadcast (&scan->done_cond);
		g_mutex_unlock (&scan->lock);
	}
	return NULL;
}

/* The output stage, for the oldest job, done. */
static void
hand_on (Scan *scan, Job *job)
{
	const BsScanOptions *o = scan->o;
	BsScanPlace place = { job->file, job->message, job->offset };

	if (job->message > 0) {
		scan->mbox_messages_done++;
		scan->mbox_done = job->mbox_done;
	} else {
		scan->files_done++;
	}
	if (job->problem_text != NULL)
		o->problem (job->problem, job->problem_text, o->data);
	else if (!job->vanished)
		o->func (&place, job->facts, job->score, job->unknown,
		    job->text, o->data);
	if (scan->progress != NULL)
		bs_progress_update (scan->progress, scan->files_done,
		    scan->mbox_messages_done, scan->mbox_done);
}

static void
start_workers (Scan *scan)
{
	guint i;

	scan->queue = g_async_queue_new ();
	scan->workers = g_ptr_array_new ();
	for (i = 0; i < scan->o->jobs; i++)
		g_ptr_array_add (scan->workers, g_thread_new ("classify", work,
		    scan));
}

/* Waits for the oldest pending job, and hands it on. */
static void
drain_one (Scan *scan)
{
	Job *job = g_queue_pop_head (&scan->pending);

	g_mutex_lock (&scan->lock);
	while (!g_atomic_int_get (&job->done))
		g_cond_wait (&scan->done_cond, &scan->lock);
	g_mutex_unlock (&scan->lock);
	scan->pending_bytes -= job->bytes;
	hand_on (scan, job);
	job_free (job);
}

/* To a worker; a problem has nothing to classify. */
static void
queue (Scan *scan, Job *job)
{
	if (job->problem_text != NULL) {
		g_atomic_int_set (&job->done, TRUE);
		return;
	}
	g_atomic_int_set (&job->queued, TRUE);
	g_async_queue_push (scan->queue, job);
}

static void
submit (Scan *scan, Job *job)
{
	const BsScanOptions *o = scan->o;

	if (o->jobs <= 1) {
		if (job->problem_text == NULL) {
			if (scan->engine == NULL)
				scan->engine = bs_engine_new (o->config,
				    o->rules, o->ledger_path, o->ledger_given,
				    o->warn, o->data);
			classify_and_format (o, scan->engine, job);
		}
		hand_on (scan, job);
		job_free (job);
		return;
	}
	/* Threads start with the second message: one message (a single
	 * FILE) is classified here, as it always was. */
	if (scan->workers == NULL && scan->pending.length == 1)
		start_workers (scan);
	job->bytes = job->raw != NULL ? g_bytes_get_size (job->raw) : 0;
	scan->pending_bytes += job->bytes;
	g_queue_push_tail (&scan->pending, job);
	if (scan->workers != NULL) {
		/* The first job waited for the second.  Only the first time:
		 * the window can shrink back to one job (a large message
		 * drained), and a job queued twice would be classified twice
		 * and freed while a worker still holds it. */
		Job *first = g_queue_peek_head (&scan->pending);

		if (scan->pending.length == 2
		    && !g_atomic_int_get (&first->queued))
			queue (scan, first);
		queue (scan, job);
	}
	while (scan->pending.length >= BS_SCAN_AHEAD * o->jobs
	    || (scan->pending_bytes > BS_SCAN_MAX_BYTES_AHEAD
	    && scan->pending.length > 1))
		drain_one (scan);
}

/* The end: the one message never sent to a worker, then the rest. */
static void
finish (Scan *scan)
{
	guint i;

	if (scan->workers == NULL && scan->pending.length == 1) {
		Job *job = g_queue_pop_head (&scan->pending);

		if (job->problem_text == NULL) {
			scan->engine = bs_engine_new (scan->o->config,
			    scan->o->rules, scan->o->ledger_path,
			    scan->o->ledger_given, scan->o->warn, scan->o->data);
			classify_and_format (scan->o, scan->engine, job);
		}
		hand_on (scan, job);
		job_free (job);
	}
	while (scan->pending.length > 0)
		drain_one (scan);
	if (scan->workers == NULL)
		return;
	for (i = 0; i < scan->workers->len; i++)
		g_async_queue_push (scan->queue, &stop_job);
	for (i = 0; i < scan->workers->len; i++)
		g_thread_join (scan->workers->pdata[i]);
	g_ptr_array_unref (scan->workers);
	g_async_queue_unref (scan->queue);
}

static Job *
job_new (const char *file, guint message, gint64 offset)
{
	Job *job = g_new0 (Job, 1);

	job->file = g_strdup (file);
	job->message = message;
	job->offset = offset;
	return job;
}

static void
submit_problem (Scan *scan, BsScanProblem problem, const char *text)
{
	Job *job = job_new ("", 0, -1);

	set_problem (job, problem, text);
	submit (scan, job);
}

/* One source of messages, found by the walk. */
typedef struct {
	BsMailboxKind kind;
	char *path;
	GPtrArray *files;	/* a folder's message files */
	gboolean in_folder;	/* a file found by -r: may vanish */
	char *problem;		/* cannot be read: says why */
	BsScanProblem problem_kind;
} Source;

static void
source_free (gpointer data)
{
	Source *s = data;

	g_free (s->path);
	if (s->files != NULL)
		g_ptr_array_unref (s->files);
	g_free (s->problem);
	g_free (s);
}

static Source *
add_source (GPtrArray *sources, BsMailboxKind kind, const char *path)
{
	Source *s = g_new0 (Source, 1);

	s->kind = kind;
	s->path = g_strdup (path);
	g_ptr_array_add (sources, s);
	return s;
}

static void
add_problem (GPtrArray *sources, BsScanProblem kind, const char *text)
{
	Source *s = add_source (sources, BS_MAILBOX_MESSAGE, "");

	s->problem = g_strdup (text);
	s->problem_kind = kind;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
	return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

static void walk (GPtrArray *sources, const char *path, gboolean recursive,
    gboolean in_folder, guint depth);

/* -r in a folder that is no mailbox: every file and folder in it, in
 * name order, but hidden ones. */
static void
walk_plain (GPtrArray *sources, const char *path, guint depth)
{
	g_autoptr(GDir) d = g_dir_open (path, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
	const char *name;
	guint i;

	while (d != NULL && (name = g_dir_read_name (d)) != NULL)
		if (name[0] != '.')
			g_ptr_array_add (names, g_build_filename (path, name,
			    NULL));
	g_ptr_array_sort (names, compare_names);
	for (i = 0; i < names->len; i++)
		if (!g_file_test (names->pdata[i], G_FILE_TEST_IS_SYMLINK)
		    || !g_file_test (names->pdata[i], G_FILE_TEST_IS_DIR))
			walk (sources, names->pdata[i], TRUE, TRUE, depth + 1);
}

#define BS_SCAN_MAX_DEPTH 64

static void
walk (GPtrArray *sources, const char *path, gboolean recursive,
    gboolean in_folder, guint depth)
{
	g_autoptr(GError) error = NULL;
	BsMailboxKind kind;
	struct stat st;

	if (strcmp (path, "-") == 0) {
		add_source (sources, BS_MAILBOX_MESSAGE, path);
		return;
	}
	if (depth > BS_SCAN_MAX_DEPTH)
		return;
	if (stat (path, &st) != 0) {
		/* The worker's reading says what is wrong, as for any
		 * FILE. */
		add_source (sources, BS_MAILBOX_MESSAGE, path)->in_folder =
		    in_folder;
		return;
	}
	if (S_ISDIR (st.st_mode) && recursive
	    && !bs_mailbox_kind (path, &kind, NULL)) {
		walk_plain (sources, path, depth);
		return;
	}
	if (!S_ISDIR (st.st_mode)) {
		/* A message file is read by a worker, which says what is
		 * wrong with it; an mbox is opened here.  Only a regular
		 * file can be an mbox: a FIFO is read once, by the worker
		 * (opening it to look would wait for its writer, and take
		 * its first bytes). */
		Source *s = NULL;

		if (!S_ISREG (st.st_mode)
		    || !bs_mailbox_kind (path, &kind, NULL))
			kind = BS_MAILBOX_MESSAGE;
		s = add_source (sources, kind, path);
		s->in_folder = in_folder;
		return;
	}
	if (!bs_mailbox_kind (path, &kind, &error)) {
		if (g_error_matches (error, BS_MAILBOX_ERROR,
		    BS_MAILBOX_ERROR_KIND)) {
			g_autofree char *text = g_strdup_printf ("%s: is a "
			    "directory, neither a Maildir (cur/, new/) nor an "
			    "MH folder (give -r to read the folders in it)",
			    path);

			add_problem (sources, BS_SCAN_PROBLEM_OPEN, text);
		} else {
			add_problem (sources, BS_SCAN_PROBLEM_OPEN,
			    error->message);
		}
		return;
	}
	{
		Source *s = add_source (sources, kind, path);
		g_autoptr(GPtrArray) subs = NULL;
		guint i;

		s->files = bs_mailbox_list (path, kind, &error);
		if (s->files == NULL) {
			s->problem = g_strdup_printf ("%s: %s", path,
			    error->message);
			s->problem_kind = BS_SCAN_PROBLEM_OPEN;
		}
		if (!recursive)
			return;
		subs = bs_mailbox_subfolders (path, kind);
		for (i = 0; i < subs->len; i++)
			walk (sources, subs->pdata[i], TRUE, TRUE, depth + 1);
	}
}

static void
scan_stdin (Scan *scan)
{
	g_autoptr(GError) error = NULL;
	BsInput *input = bs_input_read_fd (STDIN_FILENO, "-",
	    scan->o->config->max_size, &error);
	Job *job = job_new ("-", 0, -1);

	if (input == NULL) {
		set_problem (job, BS_SCAN_PROBLEM_READ, error->message);
	} else {
		job->too_large = input->too_large;
		job->raw = g_bytes_ref (input->raw);
		if (input->too_large && !bs_input_drain (STDIN_FILENO,
		    &error)) {
			g_autofree char *text = g_strdup_printf ("-: %s",
			    error->message);

			set_problem (job, BS_SCAN_PROBLEM_READ, text);
		}
		bs_input_free (input);
	}
	submit (scan, job);
}

static void
scan_mbox (Scan *scan, const char *path)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(BsMbox) mbox = bs_mbox_open (path, &error);
	guint64 start = scan->mbox_read;
	BsMboxMessage m;

	if (mbox == NULL) {
		submit_problem (scan, BS_SCAN_PROBLEM_OPEN, error->message);
		return;
	}
	while (bs_mbox_next (mbox, scan->o->config->max_size, &m, &error)) {
		Job *job = job_new (path, m.number, (gint64) m.offset);

		job->raw = m.data;
		job->too_large = m.data == NULL;
		scan->mbox_read = start + bs_mbox_position (mbox);
		job->mbox_done = scan->mbox_read;
		if (job->too_large)
			g_debug ("%s:%u: larger than --max-size, not read",
			    path, m.number);
		submit (scan, job);
	}
	if (error != NULL) {
		g_autofree char *text = g_strdup_printf ("%s: %s", path,
		    error->message);

		submit_problem (scan, BS_SCAN_PROBLEM_READ, text);
	}
	scan->mbox_read = start + bs_mbox_file_size (mbox);
}

static void
scan_file (Scan *scan, const char *path, gboolean may_vanish)
{
	Job *job = job_new (path, 0, -1);

	job->read_here = TRUE;
	job->may_vanish = may_vanish;
	submit (scan, job);
}

gboolean
bs_scan_is_many (char *const *files, guint n, gboolean recursive)
{
	BsMailboxKind kind;
	struct stat st;

	if (n > 1 || recursive)
		return TRUE;
	/* Only a regular file or a folder is looked into (not a FIFO). */
	return n == 1 && strcmp (files[0], "-") != 0
	    && stat (files[0], &st) == 0
	    && (S_ISREG (st.st_mode) || S_ISDIR (st.st_mode))
	    && bs_mailbox_kind (files[0], &kind, NULL)
	    && kind != BS_MAILBOX_MESSAGE;
}

void
bs_scan_run (const BsScanOptions *options, char *const *files, guint n)
{
	g_autoptr(GPtrArray) sources = g_ptr_array_new_with_free_func (
	    source_free);
	Scan scan = { 0 };
	guint64 total_files = 0, total_bytes = 0;
	guint i, j;

	scan.o = options;
	g_mutex_init (&scan.lock);
	g_cond_init (&scan.done_cond);
	g_queue_init (&scan.pending);
	for (i = 0; i < n; i++)
		walk (sources, files[i], options->recursive, FALSE, 0);
	for (i = 0; i < sources->len; i++) {
		const Source *s = sources->pdata[i];
		struct stat st;

		if (s->files != NULL)
			total_files += s->files->len;
		else if (s->kind == BS_MAILBOX_MBOX && stat (s->path, &st) == 0)
			total_bytes += (guint64) st.st_size;
		else if (s->problem == NULL)
			total_files++;
	}
	if (options->progress) {
		scan.progress = bs_progress_new (STDERR_FILENO);
		bs_progress_set_total (scan.progress, total_files, total_bytes);
	}
	for (i = 0; i < sources->len; i++) {
		const Source *s = sources->pdata[i];

		if (s->problem != NULL) {
			submit_problem (&scan, s->problem_kind, s->problem);
			continue;
		}
		switch (s->kind) {
		case BS_MAILBOX_MESSAGE:
			if (strcmp (s->path, "-") == 0)
				scan_stdin (&scan);
			else
				scan_file (&scan, s->path, s->in_folder);
			break;
		case BS_MAILBOX_MBOX:
			scan_mbox (&scan, s->path);
			break;
		case BS_MAILBOX_MAILDIR:
		case BS_MAILBOX_MH:
			/* Maildir clients rename new/ to cur/ at any
			 * moment. */
			for (j = 0; j < s->files->len; j++)
				scan_file (&scan, s->files->pdata[j], TRUE);
			break;
		}
	}
	finish (&scan);
	bs_progress_finish (scan.progress);
	g_clear_pointer (&scan.engine, bs_engine_free);
	g_mutex_clear (&scan.lock);
	g_cond_clear (&scan.done_cond);
}
