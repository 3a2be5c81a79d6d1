/* rules.h: the rule files of data/rules, loaded once per process.
 *
 * A rule file holds [pattern NAME] groups (sets of alternative regexes the
 * recognisers read) and [test NAME] groups (the weight of a scoring test, and
 * for pattern tests the patterns themselves).  See backscatter-check-rules(5).
 */
#pragma once

#include <glib.h>

#include "prefilter.h"
#include "regex.h"

#define BS_RULES_ERROR (bs_rules_error_quark ())
GQuark bs_rules_error_quark (void);

typedef enum {
	BS_RULES_ERROR_READ,
	BS_RULES_ERROR_SYNTAX,
	BS_RULES_ERROR_PATTERN,
	BS_RULES_ERROR_DUPLICATE,
	BS_RULES_ERROR_UNKNOWN_TEST,
	BS_RULES_ERROR_TIER,
} BsRulesError;

/* The largest weight or threshold, either sign.  Finite and bounded, so
 * that a score (a sum of a few hundred weights) is always a plain decimal
 * number in JSON and in the header, never 1e+17 or nan. */
#define BS_RULES_NUMBER_MAX 1000000.0

/* One pattern of a rule group, as embed-rules.py writes it; entries with
 * the same key in a row are the branches of one alternative. */
typedef struct {
	const char *key;
	const char *pattern;
} BsRuleSpecAlt;

typedef struct {
	char *key;		/* language or MTA tag of this alternative */
	BsRegex *re;		/* parts[0]: NULL until first used (built-in) */
	/* private: the pattern in n_parts pieces (built-in rules: one per
	 * top-level branch, see embed-rules.py; files: one), each compiled
	 * on its own, and what compiling them takes. */
	guint n_parts;
	BsRegex **parts;
	const BsRuleSpecAlt *spec_parts;	/* built-in: n_parts entries */
	char *pattern_copy;	/* files: the pattern */
	BsRegexFlags flags;
	gboolean jit;
	gboolean broken;
	gboolean specific;	/* for one MTA or service (key "mta-...") */
} BsAlternative;

/* A pcre2_serialize block: the compiled parts of one alternative. */
typedef struct {
	const guint8 *data;
	gsize len;
} BsRuleBlock;

/* What serialize-rules made of one built-in rule at build time: a block
 * per alternative, so that a message decodes only the alternatives its
 * text may match, and the rule's prefilter. */
/* How far a test's evidence can be trusted, by who wrote it: the owner's
 * own records, the bouncing server, or the returned original (which the
 * forger wrote).  Ordered: a higher tier's verdict stands over a lower
 * one's.  See score.h. */
typedef enum {
	BS_TIER_CONTENT,
	BS_TIER_SERVER,
	BS_TIER_PROOF,
} BsTier;

typedef struct {
	const BsRuleBlock *blocks;	/* n_blocks: one per alternative */
	guint n_blocks;
	const BsPrefilterTable *prefilter;
} BsRuleCode;

typedef struct {
	char *name;
	char *description;
	char *target;		/* tests only: the fact a pattern test reads */
	char *origin;		/* "file:line" of the group, for messages */
	double weight;		/* tests only */
	BsTier tier;		/* tests only */
	gboolean is_test;
	GPtrArray *alternatives;	/* BsAlternative, may be empty */
	/* private: what was compiled at build time (built-in) */
	const BsRuleCode *code;
	/* private: which parts may match a text, made on first use */
	BsPrefilter *prefilter;
	/* private: the strings are the built-in spec's, not copies */
	gboolean borrowed;
	BsAlternative *alt_block;	/* every alternative */
	BsRegex **part_block;		/* every part of every alternative */
} BsRule;

/* What one alternative of a set matched. */
typedef struct {
	const char *key;	/* (transfer none) alternative that matched */
	gsize start;
	gsize end;
	gssize group_start;	/* the named group asked for, or -1 */
	gssize group_end;
} BsRuleMatch;

typedef struct BsRules BsRules;

/* One group of a rule file, as embed-rules.py compiles data/rules into
 * the binary at build time (the file loader builds the same). */
typedef struct {
	const char *name;	/* NULL ends bs_builtin_rules */
	const char *origin;
	const char *description;	/* nullable */
	const char *target;	/* nullable */
	double weight;
	gboolean is_test;
	gboolean bytes;		/* encoding=bytes */
	guint n_alternatives;
	const BsRuleSpecAlt *alternatives;
	BsTier tier;		/* tests only */
} BsRuleSpec;

extern const BsRuleSpec bs_builtin_rules[];
/* bs_builtin_count indices of bs_builtin_rules: the sets, then the tests,
 * each sorted by name (strcmp). */
extern const guint16 bs_builtin_by_name[];
extern const guint bs_builtin_count;

/* The patterns of bs_builtin_rules[i], compiled at build time by
 * serialize-rules (data NULL: none). */
extern const BsRuleCode bs_builtin_code[];

/* The rules compiled into the binary.  Their patterns were checked when
 * the binary was built (the test suite loads data/rules with -R), so each
 * rule is made when first looked up and each alternative decoded when
 * first tried: a message pays only for what it uses.  Never fails today;
 * error is for a future source of rules.
 * jit: JIT-compile each pattern as it is decoded (many messages). */
BsRules *bs_rules_load_builtin (gboolean jit,
    GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Compiles every pattern not compiled yet (--check-config). */
gboolean bs_rules_compile_all (BsRules *rules,
    GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Loads the .rules files of DIR in name order and compiles every pattern
 * now, so that a bad one is reported with its file:line. */
BsRules *bs_rules_load_dir (const char *dir, gboolean jit,
    GError **error) G_GNUC_WARN_UNUSED_RESULT;
void bs_rules_free (BsRules *rules);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsRules, bs_rules_free)

/* Returns: (transfer none) (nullable) the [pattern NAME] set. */
const BsRule *bs_rules_get_set (const BsRules *rules, const char *name);
/* Returns: (transfer none) (nullable) the [test NAME] group. */
const BsRule *bs_rules_get_test (const BsRules *rules, const char *name);
/* Whether [test NAME] exists, without making it (a built-in rule is made
 * at its first use). */
gboolean bs_rules_has_test (const BsRules *rules, const char *name);
/* Returns: (transfer none) every [test] group, in file order. */
GPtrArray *bs_rules_get_tests (const BsRules *rules);
/* Returns: (transfer none) the sets whose names start with prefix, in file
 * order, making only those (a built-in rule is made at its first use). */
GPtrArray *bs_rules_get_sets_named (const BsRules *rules,
    const char *prefix);
/* Returns: (transfer none) every [pattern] set, in file order. */
GPtrArray *bs_rules_get_sets (const BsRules *rules);

/* "proof", "server", "content".  Returns: (transfer none) */
const char *bs_tier_to_string (BsTier tier);
/* Parses a tier=; FALSE when name is none of them. */
gboolean bs_tier_from_string (const char *name, BsTier *tier);

/* Overrides the weight of a test (config [weights]).  A content test may
 * not get a negative weight: see bs_score_compute. */
gboolean bs_rules_set_weight (BsRules *rules, const char *test, double weight,
    GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The weight of test NAME, or 0 when there is no such test. */
double bs_rules_weight (const BsRules *rules, const char *name);

/* How many bytes of its target a test's pattern reads at most; sets (no
 * target) read BS_REGEX_WINDOW_MAX. */
gsize bs_rules_target_max (const char *target);

/* An alternative whose key starts with this is written for one MTA or
 * service (its wording, its layout); every other key is generic: a
 * language, or a shape any mail system may write.  Generality is measured
 * by ignoring the specific ones (BACKSCATTER_CHECK_GENERIC_ONLY=1). */
#define BS_RULES_SPECIFIC_PREFIX "mta-"

/* Whether the alternative key is specific to one MTA or service. */
gboolean bs_rules_key_is_specific (const char *key);
/* Whether BACKSCATTER_CHECK_GENERIC_ONLY asks to ignore every specific
 * alternative (set, not empty, not "0"). */
gboolean bs_rules_generic_only (void);

/* Finds the earliest match at or after offset of any alternative of rule.
 * group (nullable) names a capture group to report.  A NULL rule never
 * matches, so callers need not check that a set exists. */
gboolean bs_rule_match (const BsRule *rule, const char *text, gsize len,
    gsize offset, const char *group, BsRuleMatch *m);
/* Convenience: match the set NAME against a NUL-terminated string. */
gboolean bs_rules_match_str (const BsRules *rules, const char *set,
    const char *text, BsRuleMatch *m);
