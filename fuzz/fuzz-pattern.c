/* fuzz-pattern.c: bs_regex_nested_quantifier, the check that no built-in
 * pattern nests unbounded quantifiers, on any pattern text; and a search
 * with the pattern (when it compiles) under the work budget.
 *
 * Input: a pattern, then after the first NUL byte (if any) a subject. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "regex.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr (data, '\0', size);
	gsize plen = nul != NULL ? (gsize) (nul - data) : size;
	g_autofree char *pattern = g_strndup ((const char *) data, plen);
	const char *subject = nul != NULL ? (const char *) nul + 1 : "";
	gsize slen = nul != NULL ? size - plen - 1 : 0;
	g_autoptr(BsRegex) re = NULL;
	gssize at;
	BsMatch m;

	at = bs_regex_nested_quantifier (pattern);
	if (at < -1 || at > (gssize) plen)
		abort ();
	re = bs_regex_new (pattern, BS_REGEX_CASELESS | BS_REGEX_MULTILINE
	    | (size % 2 ? BS_REGEX_UTF8 : 0), NULL);
	if (re != NULL && bs_regex_match (re, subject, slen, 0, NULL, &m)
	    && (m.start > slen || m.end > slen))
		abort ();
	return 0;
}
