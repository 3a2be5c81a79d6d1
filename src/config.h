/* config.h: settings from defaults < config file < command line. */
#pragma once

#include <glib.h>

#include "identity.h"

#define BS_CONFIG_ERROR (bs_config_error_quark ())
GQuark bs_config_error_quark (void);

typedef enum {
	BS_CONFIG_ERROR_READ,
	BS_CONFIG_ERROR_SYNTAX,
	BS_CONFIG_ERROR_VALUE,
} BsConfigError;

#define BS_DEFAULT_THRESHOLD 5.0
#define BS_DEFAULT_MAX_SIZE (20 * 1024 * 1024)
/* The largest --max-size: 1 TiB, far above any memory, and so far below
 * G_MAXSSIZE that max-size + 1 and the reader's doubling never wrap. */
#define BS_CONFIG_MAX_SIZE ((guint64) 1 << 40)

typedef struct {
	BsIdentity *identity;
	double threshold;
	guint64 max_size;		/* 0: no limit */
	GHashTable *weights;		/* test name -> double *, overrides */
	char *ledger_path;		/* [ledger] path=, or NULL: the default */
	char *path;			/* config file read, or NULL */

	/* Proof by signature (proof.c); nothing runs unless a key is set. */
	char *dkim_keys;		/* [dkim] keys=, --dkim-keys: key file */
	gboolean dkim_dns;		/* [dkim] dns=: keys from DNS too */
	gboolean dkim_owner_signs_all;	/* a failing owner signature counts */
	char *batv_key;			/* [batv] key=, or key-file='s first line */
	gboolean batv_owner_signs_all;	/* a missing or bad tag counts */
	char **srs_secrets;		/* [srs] secret=, secret-file= lines;
					 * the first is the one postsrsd signs
					 * with, all are tried */
	gboolean srs_unwrap;		/* [srs] unwrap=, or a secret is set */
	struct BsProof *proof;		/* bs_proof_load(), or NULL */
} BsConfig;

BsConfig *bs_config_new (void);
void bs_config_free (BsConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsConfig, bs_config_free)

/* Reads a GKeyFile config into config.  Errors name the file and line. */
gboolean bs_config_load_file (BsConfig *config, const char *path,
    GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Returns: (transfer full) (nullable) the first default config file that
 * exists: $XDG_CONFIG_HOME/backscatter-check/config, then the system one. */
char *bs_config_find_default (void);

/* "20M", "512k", "1G", "0", "1000": bytes. */
gboolean bs_config_parse_size (const char *text, guint64 *out,
    GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean bs_config_parse_number (const char *text, double *out,
    GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Returns: (transfer full) (nullable) the rules directory: dir if given,
 * else $BACKSCATTER_CHECK_DATADIR/rules; NULL means the rules built into
 * the binary. */
char *bs_config_rules_dir (const char *dir);
