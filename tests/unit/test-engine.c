/* test-engine.c: many threads, each with its own BsEngine, share one
 * config and one set of rules and classify at once, and every message
 * gets what it gets in one thread.  The rules the threads share are
 * fresh, so that their lazily made patterns and prefilters are first
 * made by racing threads; the config has DKIM keys, a BATV key and SRS
 * secrets, so that libopendkim is started by whichever thread comes
 * first, and a ledger path, so that SQLite is loaded the same way.  Run
 * it under -Db_sanitize=thread to see the races it would have. */
#include <string.h>

#include <glib/gstdio.h>

#include "engine.h"
#include "input.h"
#include "proof.h"

#define THREADS 4
#define ROUNDS 2

/* As fuzz/fuzz-proof.c: the key of the proof fixtures' signatures. */
static const char keys[] =
    "sel1._domainkey.example.org v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEF"
    "AAOCAQ8AMIIBCgKCAQEAtopaPs7Kit9sxFM14rPNMR5qP3qDCyvgS3Wp5BBk3AqGAdR0R"
    "GbPtNMriktUn56fkOSFZEvylZikeVidX6U0XIiKknxQi1Qo8dr4y82VnP66BgWNN1FqCM"
    "u+w/Fo7BekqfkB5DdaPghPfxuahB3pHFeA4RHBv6owTnt/Fze13CI91R58lwpbOHVqHkj"
    "DceoPm6RSnouel3s/B5R2CKSkgjs9KfRK3WgGb0a99MfdG1V/Zn7ai05wmldqqGeKZWF2"
    "Potgcsfptel4sSeVAhV3hefmSvfaWEVGS3uK4JsfEolfTaFxH7W67hbjKA4ZsfvBuZ6Ng"
    "mYikHHD57t6Y6VWQQIDAQAB\n";

typedef struct {
	BsConfig *config;
	GPtrArray *paths;	/* the messages, in order */
	char *ledger;		/* a path where no ledger is yet */
} World;

typedef struct {
	World *world;
	const BsRules *rules;
	guint first;		/* where this thread starts in paths */
	GPtrArray *results;	/* per path: the verdict as text */
} Job;

static World world;

/* Everything a verdict is: the same in every thread, or a race. */
static char *
classify_path (BsEngine *engine, const char *path)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(BsInput) input = NULL;
	g_autoptr(BsFacts) facts = NULL;
	g_autoptr(BsScore) score = NULL;
	GString *s;
	guint i;

	input = bs_input_read_file (path, 0, &error);
	g_assert_no_error (error);
	if (!bs_input_parse (input))
		return g_strdup ("unparsed");
	bs_engine_classify (engine, input->message, &facts, &score);
	s = g_string_new (NULL);
	g_string_append_printf (s, "%s %.4f %d", bs_verdict_to_string
	    (score->verdict), score->score, (int) score->decided_by);
	for (i = 0; i < score->hits->len; i++) {
		const BsHit *hit = score->hits->pdata[i];

		g_string_append_printf (s, " %s=%.3f%s[%s]", hit->name,
		    hit->score, hit->counted ? "" : "~", hit->detail != NULL ?
		    hit->detail : "");
	}
	g_string_append_printf (s, " dkim[%s] batv[%s]", facts->dkim_detail
	    != NULL ? facts->dkim_detail : "", facts->batv_detail != NULL ?
	    facts->batv_detail : "");
	return g_string_free (s, FALSE);
}

static gpointer
run_job (gpointer data)
{
	Job *job = data;
	GPtrArray *paths = job->world->paths;
	g_autoptr(BsEngine) engine = bs_engine_new (job->world->config,
	    job->rules, job->world->ledger, FALSE, NULL, NULL);
	guint round, k;

	job->results = g_ptr_array_new_with_free_func (g_free);
	g_ptr_array_set_size (job->results, paths->len);
	for (round = 0; round < ROUNDS; round++) {
		for (k = 0; k < paths->len; k++) {
			guint i = (job->first + k) % paths->len;
			char *r = classify_path (engine, paths->pdata[i]);

			if (job->results->pdata[i] != NULL
			    && strcmp (job->results->pdata[i], r) != 0)
				g_test_message ("%s: round %u differs",
				    (char *) paths->pdata[i], round);
			g_free (job->results->pdata[i]);
			job->results->pdata[i] = r;
		}
	}
	return NULL;
}

static void
add_dir (GPtrArray *paths, const char *dir)
{
	g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new ();
	const char *name;
	guint i;

	g_assert_nonnull (d);
	while ((name = g_dir_read_name (d)) != NULL)
		if (g_str_has_suffix (name, ".eml"))
			g_ptr_array_add (names, g_build_filename (dir, name,
			    NULL));
	g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
	for (i = 0; i < names->len; i++)
		g_ptr_array_add (paths, names->pdata[i]);
}

static void
test_threads_agree (void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(BsRules) solo_rules = bs_rules_load_builtin (TRUE, &error);
	g_autoptr(BsRules) shared_rules = NULL;
	Job solo = { &world, NULL, 0, NULL };
	Job jobs[THREADS];
	GThread *threads[THREADS];
	guint t, i, differ = 0, dkim = 0;

	g_assert_no_error (error);
	solo.rules = solo_rules;
	run_job (&solo);

	shared_rules = bs_rules_load_builtin (TRUE, &error);
	g_assert_no_error (error);
	for (t = 0; t < THREADS; t++) {
		jobs[t].world = &world;
		jobs[t].rules = shared_rules;
		jobs[t].first = t * world.paths->len / THREADS;
		jobs[t].results = NULL;
		threads[t] = g_thread_new ("classify", run_job, &jobs[t]);
	}
	for (t = 0; t < THREADS; t++)
		g_thread_join (threads[t]);
	for (t = 0; t < THREADS; t++) {
		for (i = 0; i < world.paths->len; i++) {
			if (strcmp (solo.results->pdata[i],
			    jobs[t].results->pdata[i]) == 0)
				continue;
			differ++;
			g_test_message ("thread %u: %s:\n  one:  %s\n  many: %s",
			    t, (char *) world.paths->pdata[i],
			    (char *) solo.results->pdata[i],
			    (char *) jobs[t].results->pdata[i]);
		}
		g_ptr_array_unref (jobs[t].results);
	}
	for (i = 0; i < world.paths->len; i++)
		if (strstr (solo.results->pdata[i], "dkim[DKIM") != NULL)
			dkim++;
	g_ptr_array_unref (solo.results);
	g_assert_cmpuint (differ, ==, 0);
	g_assert_cmpuint (world.paths->len, >, 50);
	/* The proof fixtures are signed: libopendkim really ran. */
	g_assert_cmpuint (dkim, >, 0);
}

int
main (int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = NULL;
	g_autofree char *keyfile = NULL;
	g_autofree char *eml = NULL;
	g_autofree char *proof = NULL;
	const char *src = g_getenv ("BS_SRCDIR");
	int rc;

	g_test_init (&argc, &argv, NULL);
	g_mime_init ();
	if (src == NULL)
		src = ".";
	dir = g_dir_make_tmp ("test-engine-XXXXXX", &error);
	g_assert_no_error (error);
	keyfile = g_build_filename (dir, "keys", NULL);
	g_assert_true (g_file_set_contents (keyfile, keys, -1, &error));
	world.ledger = g_build_filename (dir, "no-ledger.sqlite", NULL);
	world.config = bs_config_new ();
	world.config->dkim_keys = g_strdup (keyfile);
	world.config->dkim_owner_signs_all = TRUE;
	world.config->batv_key = g_strdup ("batv secret 42");
	world.config->srs_secrets = g_new0 (char *, 2);
	world.config->srs_secrets[0] = g_strdup ("tH1s1sAS3cr3t");
	world.config->srs_unwrap = TRUE;
	g_assert_true (bs_identity_add_address (world.config->identity,
	    "owner@example.org", &error));
	g_assert_true (bs_proof_load (world.config, &error));
	g_assert_no_error (error);
	world.paths = g_ptr_array_new_with_free_func (g_free);
	eml = g_build_filename (src, "tests", "data", "eml", NULL);
	proof = g_build_filename (src, "tests", "data", "proof", NULL);
	add_dir (world.paths, eml);
	add_dir (world.paths, proof);

	g_test_add_func ("/engine/threads-agree", test_threads_agree);
	rc = g_test_run ();

	g_ptr_array_unref (world.paths);
	bs_config_free (world.config);
	g_unlink (keyfile);
	g_rmdir (dir);
	g_free (world.ledger);
	g_mime_shutdown ();
	return rc;
}
