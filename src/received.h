/* received.h: read the client out of a Received header field. */
#pragma once

#include <glib.h>

typedef struct {
	char *helo;		/* what the client said in HELO/EHLO */
	char *rdns;		/* the reverse DNS name the server found,
				 * or "unknown" */
	char *ip;		/* the client's address */
	char *by;		/* the server that wrote the field */
	gboolean has_from;	/* a "from" clause: a network hop */
	gboolean authenticated;	/* ESMTPA/ESMTPSA or "Authenticated sender" */
} BsHop;

/* Parses one unfolded Received value.  Never fails: unknown parts stay
 * NULL.  Returns: (transfer full) */
BsHop *bs_hop_parse (const char *value);
void bs_hop_free (gpointer hop);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsHop, bs_hop_free)

/* Loopback, private (RFC 1918, RFC 4193) or link-local: a hop inside one
 * site, which tells nothing about who sent the mail. */
gboolean bs_ip_is_internal (const char *ip);
