/* fuzz-dsn.c: the RFC 3464 field parser, bs_dsn_parse_fields, on the
 * bytes as the decoded content of a delivery-status part. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsn.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	g_autoptr(BsDsn) dsn = NULL;
	guint i;

	/* Exactly size bytes, no terminating NUL: the parser must stay
	 * inside the length it is given. */
	dsn = bs_dsn_parse_fields ((const char *) data, size);
	if (dsn->recipients->len > BS_DSN_MAX_RECIPIENTS)
		abort ();
	for (i = 0; i < dsn->recipients->len; i++) {
		const BsRecipient *r = dsn->recipients->pdata[i];

		/* Touch every string so ASan sees a bad one. */
		if (r->recipient != NULL)
			(void) strlen (r->recipient);
		if (r->action != NULL)
			(void) strlen (r->action);
		if (r->status != NULL)
			(void) strlen (r->status);
		if (r->diagnostic != NULL)
			(void) strlen (r->diagnostic);
		if (r->remote_mta != NULL)
			(void) strlen (r->remote_mta);
	}
	return 0;
}
