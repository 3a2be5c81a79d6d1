/* fuzz-address.c: the envelope address parsers of proof by signature:
 * BATV prvs tags (bs_batv_parse, bs_batv_check, bs_batv_sign) and SRS0 /
 * SRS1 addresses (bs_srs_unwrap, bs_srs_forward), on the bytes as one
 * address, with a secret and without. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "batv.h"
#include "srs.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	static const char *const secrets[] = { "one", "tH1s1sAS3cr3t", NULL };
	g_autofree char *a = NULL;
	g_autofree char *inner = NULL;
	g_autofree char *u1 = NULL;
	g_autofree char *u2 = NULL;
	g_autofree char *s = NULL;
	g_autofree char *f = NULL;
	BsBatvTag tag;
	BsSrsStatus st;
	gint64 now = 0;

	if (size < 8 || size > 4096)
		return 0;
	/* The first eight bytes are the time, the rest the address. */
	memcpy (&now, data, sizeof now);
	a = g_strndup ((const char *) data + 8, size - 8);
	if (bs_batv_parse (a, &tag) == BS_BATV_VALID && (tag.key_num > 9
	    || tag.day > 999 || strlen (tag.hash) != 6))
		abort ();
	(void) bs_batv_check (a, "key", now, &inner);
	if (inner != NULL)
		(void) strlen (inner);
	s = bs_batv_sign (a, "key", 0, now);
	if (s != NULL && bs_batv_check (s, "key", now, NULL) != BS_BATV_VALID)
		abort ();
	u1 = bs_srs_unwrap (a, NULL, now, &st);
	if ((u1 != NULL) != (st == BS_SRS_UNVERIFIED))
		abort ();
	u2 = bs_srs_unwrap (a, secrets, now, &st);
	if (u2 != NULL)
		(void) strlen (u2);
	f = bs_srs_forward (a, "forward.example", "tH1s1sAS3cr3t", now);
	if (f != NULL) {
		g_autofree char *back = bs_srs_unwrap (f, secrets, now, &st);
		const char *at = strrchr (a, '@');

		/* A plain address we forward, we take back as it was (a
		 * host with "=" in it is no host, and SRS input nests). */
		if (at != NULL && strchr (at, '=') == NULL
		    && g_ascii_strncasecmp (a, "SRS", 3) != 0
		    && (back == NULL || strcmp (back, a) != 0
		    || st != BS_SRS_VALID))
			abort ();
	}
	return 0;
}
