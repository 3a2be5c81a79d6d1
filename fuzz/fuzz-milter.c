/* fuzz-milter.c: what backscatter-milter makes of what the MTA passes it:
 * a header field as name and value (bs_milter_forged_name,
 * bs_milter_auto_marked), a MAIL FROM argument (bs_milter_null_sender),
 * and the verdict turned into a 550 reply (bs_milter_reply_text: one
 * printable line, no '%', at most 400 bytes, whatever the value). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "milter-policy.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	g_autofree char *text = NULL;
	g_autofree char *reply = NULL;
	const char *value;
	const char *p;
	char *colon;

	if (size > 65536)
		return 0;
	/* The name up to the first ':', the value after it, as C strings
	 * (the milter protocol passes NUL-terminated ones). */
	text = g_strndup ((const char *) data, size);
	colon = strchr (text, ':');
	value = colon != NULL ? colon + 1 : "";
	if (colon != NULL)
		*colon = '\0';
	(void) bs_milter_forged_name (text);
	(void) bs_milter_auto_marked (text, value);
	(void) bs_milter_null_sender (text);
	reply = bs_milter_reply_text (value);
	if (strlen (reply) > 400)
		abort ();
	for (p = reply; *p != '\0'; p++) {
		if ((guchar) *p < 0x20 || (guchar) *p >= 0x7f || *p == '%')
			abort ();
	}
	return 0;
}
