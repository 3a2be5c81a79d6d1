/* fuzz-dkim-keys.c: the DKIM key file parser, bs_dkim_keys_parse, on the
 * bytes as a file's contents. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dkim.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(BsDkimKeys) keys = NULL;

	/* Exactly size bytes, no terminating NUL. */
	keys = bs_dkim_keys_parse ((const char *) data, size, "fuzz", &error);
	if ((keys == NULL) == (error == NULL))
		abort ();
	if (keys != NULL) {
		(void) bs_dkim_keys_lookup (keys, "s", "example.org");
		(void) bs_dkim_keys_has_domain (keys, "example.org");
	}
	return 0;
}
