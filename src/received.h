/* received.h: read the client out of a Received header field. */
#pragma once

#include <glib.h>

typedef struct {
	char *helo;		/* what the client said in HELO/EHLO */
	char *rdns;		/* the reverse DNS name the server found,
				 * or "unknown"; NULL when the server said
				 * it may be forged */
	gboolean rdns_forged;	/* Sendmail's "(may be forged)": the name
				 * did not resolve back to the address */
	char *ip;		/* the client's address */
	char *by;		/* the server that wrote the field */
	char *with;		/* the protocol of "with", or NULL */
	gboolean has_from;	/* a "from" clause: a network hop */
	gboolean authenticated;	/* the server says the client logged in:
				 * "with" ESMTPA, ESMTPSA, ... (RFC 3848) or
				 * an "Authenticated sender" comment.  The
				 * client's HELO is never read for it. */
} BsHop;

/* Parses one unfolded Received value.  Lower-cases everything.  Never fails: unknown parts stay
 * NULL.  Returns: (transfer full) */
BsHop *bs_hop_parse (const char *value);
void bs_hop_free (gpointer hop);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsHop, bs_hop_free)

/* Loopback, private (RFC 1918, RFC 4193) or link-local: a hop inside one
 * site, which tells nothing about who sent the mail. */
gboolean bs_ip_is_internal (const char *ip);
