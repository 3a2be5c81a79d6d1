/* scan.h: classify many messages — FILEs that are messages, mbox files,
 * Maildirs and MH folders, with -r whole folder trees — in worker
 * threads, and hand every result on in input order.
 *
 * The order is kept by a bounded window: the reader runs at most a few
 * messages per worker ahead of the output, and holds at most
 * BS_SCAN_MAX_BYTES_AHEAD of read mbox messages, so memory stays flat in
 * the number of messages. */
#pragma once

#include "config.h"
#include "engine.h"
#include "facts.h"
#include "rules.h"
#include "score.h"

/* Where a message is: a file of its own, or the Nth message of an mbox. */
typedef struct {
	const char *file;	/* the message's file, the mbox, or "-" */
	guint message;		/* mbox: the Nth message, from 1; else 0 */
	gint64 offset;		/* mbox: byte offset of its From line; else -1 */
} BsScanPlace;

/* The output stage: called in the main thread, once per message, in
 * input order.  facts and score are NULL when the message was not
 * classified, and unknown says why ("too-large", "parse-error",
 * "too-complex"); text is what BsScanOptions.format made (nullable); all
 * are freed after the call (transfer none). */
typedef void (*BsScanFunc) (const BsScanPlace *place, const BsFacts *facts,
    const BsScore *score, const char *unknown, const char *text,
    gpointer data);

/* Optional: called in the worker thread that classified the message,
 * with the same arguments, to make what func is then given as text (the
 * report lines, which are a tenth of the work: made in the workers, they
 * do not hold up the output).  Must be thread-safe.
 * Returns: (transfer full) (nullable) */
typedef char *(*BsScanFormatFunc) (const BsScanPlace *place,
    const BsFacts *facts, const BsScore *score, const char *unknown,
    gpointer data);

typedef enum {
	BS_SCAN_PROBLEM_OPEN,	/* a FILE cannot be opened, or is no mailbox */
	BS_SCAN_PROBLEM_READ,	/* reading failed part-way */
} BsScanProblem;

/* A FILE or folder that could not be read, in its place in the order;
 * message is one line for people. */
typedef void (*BsScanProblemFunc) (BsScanProblem problem,
    const char *message, gpointer data);

#define BS_SCAN_MAX_BYTES_AHEAD (64 * 1024 * 1024)

typedef struct {
	const BsConfig *config;	/* shared by the workers, read only */
	const BsRules *rules;
	const char *ledger_path;	/* nullable, as bs_engine_new */
	gboolean ledger_given;
	guint jobs;		/* worker threads; 1: classify in this thread */
	gboolean recursive;	/* -r: walk folder trees */
	gboolean progress;	/* show progress on stderr (a terminal) */
	BsScanFunc func;
	BsScanFormatFunc format;	/* nullable */
	BsScanProblemFunc problem;
	BsEngineWarnFunc warn;	/* from any thread */
	gpointer data;		/* for func, problem and warn */
} BsScanOptions;

/* Classifies every message of files[0..n), in order, and calls
 * options->func for each (options->problem for what cannot be read).
 * A message file of a folder that vanishes while we read (a Maildir
 * client moved it) is passed over. */
void bs_scan_run (const BsScanOptions *options, char *const *files,
    guint n);

/* Whether files are more than one message (a folder, an mbox, more than
 * one FILE): then JIT compiling the patterns pays. */
gboolean bs_scan_is_many (char *const *files, guint n, gboolean recursive);
