/* fuzz-proof.c: bytes -> BsInput -> bs_classify -> bs_proof_fill ->
 * score, with DKIM keys, a BATV key and SRS secrets configured: the
 * original's bytes cut out of any MIME shape (attached, header part,
 * quoted inline), the scan of its DKIM-Signature fields, libopendkim on
 * them, and the unwrapping of the recipients.  Checks that a proof fact
 * comes with its detail. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "classify.h"
#include "config.h"
#include "input.h"
#include "proof.h"
#include "rules.h"
#include "score.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static BsRules *rules;
static BsConfig *config;

/* The key of the seeds' signatures does not matter: a failing check is
 * as much code as a passing one. */
static const char keys[] =
    "sel1._domainkey.example.org v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEF"
    "AAOCAQ8AMIIBCgKCAQEAtopaPs7Kit9sxFM14rPNMR5qP3qDCyvgS3Wp5BBk3AqGAdR0R"
    "GbPtNMriktUn56fkOSFZEvylZikeVidX6U0XIiKknxQi1Qo8dr4y82VnP66BgWNN1FqCM"
    "u+w/Fo7BekqfkB5DdaPghPfxuahB3pHFeA4RHBv6owTnt/Fze13CI91R58lwpbOHVqHkj"
    "DceoPm6RSnouel3s/B5R2CKSkgjs9KfRK3WgGb0a99MfdG1V/Zn7ai05wmldqqGeKZWF2"
    "Potgcsfptel4sSeVAhV3hefmSvfaWEVGS3uK4JsfEolfTaFxH7W67hbjKA4ZsfvBuZ6Ng"
    "mYikHHD57t6Y6VWQQIDAQAB\n";

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = NULL;
	int fd;

	g_mime_init ();
	rules = bs_rules_load_builtin (FALSE, &error);
	config = bs_config_new ();
	fd = g_file_open_tmp ("fuzz-proof-XXXXXX.keys", &path, &error);
	if (fd >= 0) {
		close (fd);
		(void) g_file_set_contents (path, keys, -1, &error);
	}
	config->dkim_keys = g_strdup (path);
	config->dkim_owner_signs_all = TRUE;
	config->batv_key = g_strdup ("batv secret 42");
	config->batv_owner_signs_all = TRUE;
	config->srs_secrets = g_new0 (char *, 2);
	config->srs_secrets[0] = g_strdup ("tH1s1sAS3cr3t");
	if (rules == NULL || error != NULL
	    || !bs_identity_add_address (config->identity, "owner@example.org",
	    &error)
	    || !bs_proof_load (config, &error)) {
		fprintf (stderr, "fuzz-proof: %s\n", error->message);
		abort ();
	}
	g_unlink (path);
	return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	g_autoptr(BsInput) input = g_new0 (BsInput, 1);
	g_autoptr(BsFacts) facts = NULL;
	g_autoptr(BsScore) score = NULL;

	input->name = g_strdup ("-");
	input->raw = g_bytes_new (data, size);
	if (!bs_input_parse (input))
		return 0;
	facts = bs_classify (input->message, rules);
	bs_proof_fill (facts, input->message, config, rules);
	if (((facts->dkim_valid || facts->dkim_invalid)
	    && facts->dkim_detail == NULL)
	    || ((facts->batv_valid || facts->batv_invalid)
	    && facts->batv_detail == NULL)
	    || (facts->dkim_valid && facts->dkim_invalid)
	    || (facts->batv_valid && facts->batv_invalid))
		abort ();
	score = bs_score_compute (facts, config->identity, rules, 5.0);
	return 0;
}
