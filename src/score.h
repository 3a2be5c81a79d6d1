/* score.h: evidence -> points -> verdict.  Pure functions of the facts,
 * the owner's identity and the rules' weights.
 *
 * Every test is of a tier (its rule group's tier=): proof (records only
 * the owner has), server (what the bouncing server wrote) or content (the
 * returned original and the client's HELO, which the forger wrote).  The
 * tiers are summed from the top: after proof, then after server, then
 * after content.  The first tier with evidence of its own whose running
 * sum reaches +threshold (backscatter) or -threshold (legitimate) decides,
 * and the tiers below it do not count.  Content tests only ever point
 * towards backscatter.  A sum that reaches neither is legitimate, decided
 * by no tier. */
#pragma once

#include "facts.h"
#include "identity.h"
#include "rules.h"

typedef enum {
	BS_VERDICT_NOT_BOUNCE,
	BS_VERDICT_LEGITIMATE,
	BS_VERDICT_BACKSCATTER,
} BsVerdict;

typedef struct {
	const char *name;	/* test name (rule-owned) */
	double score;
	BsTier tier;
	gboolean counted;	/* FALSE: a higher tier had decided */
	char *detail;		/* what a person can check in the message */
} BsHit;

typedef struct {
	BsVerdict verdict;
	double score;		/* the sum of the hits that counted */
	double threshold;
	gboolean decided;	/* a tier reached the threshold, either way */
	BsTier decided_by;	/* which, when decided */
	GPtrArray *hits;	/* BsHit, sorted by name */
} BsScore;

void bs_score_free (BsScore *score);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsScore, bs_score_free)

/* Runs every test on facts.  Tests with weight 0 do not fire.
 * Returns: (transfer full) */
BsScore *bs_score_compute (const BsFacts *facts, const BsIdentity *identity,
    const BsRules *rules, double threshold);

/* The tier that decided, or "none" (not a bounce, or no tier reached the
 * threshold).  Returns: (transfer none) */
const char *bs_score_decided_by (const BsScore *score);

/* "backscatter", "legitimate", "not-bounce".  Returns: (transfer none) */
const char *bs_verdict_to_string (BsVerdict verdict);

/* Names of the tests computed in code; each must have a [test] group. */
const char *const *bs_score_code_tests (void);

/* Helpers the tests are built of, exposed for unit tests. */
gboolean bs_score_local_part_is_random (const char *address);
char *bs_score_org_domain (const char *domain);
