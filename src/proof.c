/* proof.c: proof by signature: DKIM of the returned original, BATV of
 * the envelope recipient, SRS unwrapped before both.  Fills plain facts
 * that scoring's code tests read. */
#include <string.h>

#include "batv.h"
#include "body.h"
#include "dkim.h"
#include "header-decode.h"
#include "original.h"
#include "proof.h"
#include "srs.h"

/* As original.c: how far an original is looked for, and read. */
#define BS_PROOF_MAX_PARTS 200
#define BS_PROOF_MAX_COPY (1024 * 1024)
#define BS_PROOF_MAX_RECIPIENTS 16

struct BsProof {
	BsDkim *dkim;		/* nullable: no DKIM keys */
};

gboolean
bs_proof_load (BsConfig *config, GError **error)
{
	g_autoptr(BsDkimKeys) keys = NULL;
	BsProof *proof;

	g_clear_pointer (&config->proof, bs_proof_free);
	if (config->dkim_keys == NULL && !config->dkim_dns
	    && config->batv_key == NULL && config->srs_secrets == NULL
	    && !config->srs_unwrap)
		return TRUE;
	proof = g_new0 (BsProof, 1);
	if (config->dkim_keys != NULL) {
		keys = bs_dkim_keys_load (config->dkim_keys, error);
		if (keys == NULL) {
			bs_proof_free (proof);
			return FALSE;
		}
	}
	if (keys != NULL || config->dkim_dns) {
		proof->dkim = bs_dkim_new (g_steal_pointer (&keys),
		    config->dkim_dns, error);
		if (proof->dkim == NULL) {
			bs_proof_free (proof);
			return FALSE;
		}
	}
	config->proof = proof;
	return TRUE;
}

gboolean
bs_proof_check (const BsConfig *config, GError **error)
{
	if (config->proof == NULL || config->proof->dkim == NULL)
		return TRUE;
	return bs_dkim_start (config->proof->dkim, error);
}

void
bs_proof_free (BsProof *proof)
{
	if (proof == NULL)
		return;
	bs_dkim_free (proof->dkim);
	g_free (proof);
}

static gint64
now_seconds (void)
{
	return g_get_real_time () / G_USEC_PER_SEC;
}

char *
bs_proof_unwrap_address (const BsConfig *config, const char *address)
{
	g_autofree char *srs = NULL;
	const char *a = address;
	char *inner = NULL;

	if (address == NULL)
		return NULL;
	if (config->srs_secrets != NULL || config->srs_unwrap) {
		BsSrsStatus st;

		srs = bs_srs_unwrap (address, (const char *const *)
		    config->srs_secrets, now_seconds (), &st);
		/* A hash our forwarder did not make: postsrsd would not
		 * have reversed it either, so it names nobody of ours. */
		if (st == BS_SRS_VALID || st == BS_SRS_UNVERIFIED)
			a = srs;
		else
			g_debug ("SRS address %s: %s", address,
			    bs_srs_status_to_string (st));
	}
	if (config->batv_key != NULL) {
		BsBatvTag tag;

		if (bs_batv_parse (a, &tag) == BS_BATV_VALID)
			inner = g_strdup (tag.address);
	}
	if (inner == NULL && a != address)
		inner = g_strdup (a);
	return inner;
}

static void
unwrap_owner_headers (BsFacts *f, const BsConfig *config)
{
	guint i;

	for (i = 0; i < f->owner_headers->len; i++) {
		char *u = bs_proof_unwrap_address (config,
		    f->owner_headers->pdata[i]);

		if (u != NULL) {
			g_free (f->owner_headers->pdata[i]);
			f->owner_headers->pdata[i] = u;
		}
	}
}

/* --- BATV --------------------------------------------------------------- */

/* The bounce's envelope recipient, where the MTA wrote it down: the
 * delivery headers first, the To of the report last. */
static GPtrArray *
envelope_recipients (GMimeMessage *m)
{
	static const char *const names[] = {
		"Delivered-To", "X-Original-To", "Envelope-To",
		"X-Envelope-To", "To", NULL,
	};
	GMimeHeaderList *list = g_mime_object_get_header_list (GMIME_OBJECT (m));
	GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
	int n = g_mime_header_list_get_count (list);
	guint k;

	for (k = 0; names[k] != NULL; k++) {
		int i;

		for (i = 0; i < n && out->len < BS_PROOF_MAX_RECIPIENTS; i++) {
			GMimeHeader *h = g_mime_header_list_get_header_at (list,
			    i);
			g_autoptr(InternetAddressList) addrs = NULL;
			int j, c;

			if (g_ascii_strcasecmp (g_mime_header_get_name (h),
			    names[k]) != 0)
				continue;
			addrs = bs_header_decode_addresses (
			    g_mime_header_get_value (h));
			if (addrs == NULL)
				continue;
			c = internet_address_list_length (addrs);
			for (j = 0; j < c && out->len < BS_PROOF_MAX_RECIPIENTS;
			    j++) {
				InternetAddress *ia =
				    internet_address_list_get_address (addrs, j);

				if (INTERNET_ADDRESS_IS_MAILBOX (ia))
					g_ptr_array_add (out, g_strdup (
					    internet_address_mailbox_get_addr (
					    INTERNET_ADDRESS_MAILBOX (ia))));
			}
		}
	}
	return out;
}

/* Reports that go to the envelope sender, where a BATV tag is: not
 * auto-replies and challenges, which often answer From. */
static gboolean
to_envelope_sender (BsKind kind)
{
	switch (kind) {
	case BS_KIND_DSN:
	case BS_KIND_DELAY:
	case BS_KIND_NDR:
	case BS_KIND_VIRUS_NOTICE:
		return TRUE;
	case BS_KIND_NONE:
	case BS_KIND_AUTO_REPLY:
	case BS_KIND_CHALLENGE:
	case BS_KIND_FEEDBACK_REPORT:
	case BS_KIND_RECEIPT:
	case BS_KIND_DMARC_REPORT:
	case BS_KIND_TLS_REPORT:
		return FALSE;
	}
	return FALSE;
}

static void
fill_batv (BsFacts *f, GMimeMessage *report, const BsConfig *config)
{
	g_autoptr(GPtrArray) rcpts = envelope_recipients (report);
	const char *owner = NULL;
	gint64 now = now_seconds ();
	guint i;

	for (i = 0; i < rcpts->len; i++) {
		const char *a = rcpts->pdata[i];
		g_autofree char *srs = NULL;
		g_autofree char *inner = NULL;
		BsBatvStatus st;
		BsBatvTag tag;

		if (config->srs_secrets != NULL || config->srs_unwrap) {
			BsSrsStatus sst;

			srs = bs_srs_unwrap (a, (const char *const *)
			    config->srs_secrets, now, &sst);
			if (sst == BS_SRS_VALID || sst == BS_SRS_UNVERIFIED)
				a = srs;
		}
		st = bs_batv_check (a, config->batv_key, now, &inner);
		if (st == BS_BATV_UNTAGGED) {
			if (owner == NULL && bs_identity_match_address (
			    config->identity, a))
				owner = rcpts->pdata[i];
			continue;
		}
		(void) bs_batv_parse (a, &tag);
		if (st == BS_BATV_VALID) {
			f->batv_valid = TRUE;
			f->batv_detail = g_strdup_printf ("envelope recipient "
			    "%s carries a valid BATV tag (key %u, expires on "
			    "day %03u)", (const char *) rcpts->pdata[i],
			    tag.key_num, tag.day);
		} else if (config->batv_owner_signs_all) {
			f->batv_invalid = TRUE;
			f->batv_detail = g_strdup_printf ("envelope recipient "
			    "%s carries a BATV tag that is %s, and the owner "
			    "signs all mail", (const char *) rcpts->pdata[i],
			    st == BS_BATV_BAD_HASH ? "false (not made with the "
			    "owner's key)" : st == BS_BATV_EXPIRED ? "expired" :
			    "malformed");
		}
		return;
	}
	/* No tag at all: backscatter when every message the owner sends is
	 * tagged, and this report went to the owner's envelope sender. */
	if (config->batv_owner_signs_all && to_envelope_sender (f->kind)
	    && rcpts->len > 0 && (owner != NULL
	    || !bs_identity_has_addresses (config->identity))) {
		f->batv_invalid = TRUE;
		f->batv_detail = g_strdup_printf ("envelope recipient %s has no "
		    "BATV tag, and the owner signs all mail", owner != NULL ?
		    owner : (const char *) rcpts->pdata[0]);
	}
}

/* --- DKIM --------------------------------------------------------------- */

/* The owner's domains: those of its addresses, and those its key file
 * holds keys of. */
static gboolean
is_owner_domain (const char *domain, gpointer data)
{
	const BsConfig *config = data;

	return bs_identity_match_domain (config->identity, domain)
	    || bs_dkim_knows_domain (config->proof->dkim, domain);
}

typedef struct {
	const char *via;
	GMimeObject *found;	/* the part that holds the original */
	GPtrArray *texts;	/* text leaves, for an inline copy */
} Locate;

static gboolean
locate_part (GMimeObject *part, gpointer user_data)
{
	Locate *l = user_data;
	GMimeContentType *ct = g_mime_object_get_content_type (part);
	gboolean message = g_mime_content_type_is_type (ct, "message",
	    "rfc822") || g_mime_content_type_is_type (ct, "message", "global");

	if (g_str_has_prefix (l->via, "message/") && (GMIME_IS_MESSAGE_PART (part)
	    || message) && !g_str_has_suffix (l->via, "-headers")) {
		l->found = part;
		return FALSE;
	}
	if ((strcmp (l->via, "text/rfc822-headers") == 0
	    || strcmp (l->via, "message/global-headers") == 0)
	    && (g_mime_content_type_is_type (ct, "text", "rfc822-headers")
	    || g_mime_content_type_is_type (ct, "message", "global-headers")
	    || g_mime_content_type_is_type (ct, "message", "rfc822-headers"))) {
		l->found = part;
		return FALSE;
	}
	if (GMIME_IS_TEXT_PART (part) && l->texts->len < 16)
		g_ptr_array_add (l->texts, part);
	return TRUE;
}

/* Where the header block that holds offset at starts: the copy's first
 * lines may be a long folded field (a DKIM-Signature is five lines) that
 * the inline search steps over to the next field it knows.  Lines before
 * it belong to the block when they carry the same quote prefix ("> ") and
 * are fields or continuations. */
static gsize
back_to_block_start (const char *text, gsize at)
{
	const char *first = text + at;
	gsize q = 0;
	guint n = 0;

	while (first[q] == ' ' || first[q] == '\t' || first[q] == '>')
		q++;
	while (at > 0 && n < 256) {
		gsize start = at - 1, body, i;
		gboolean field = FALSE;

		while (start > 0 && text[start - 1] != '\n')
			start--;
		body = start + q;
		if (body + 1 >= at || memcmp (text + start, first, q) != 0)
			break;		/* a blank line, or another prefix */
		if (text[body] == ' ' || text[body] == '\t') {
			field = TRUE;	/* a continuation */
		} else {
			for (i = body; i < at - 1 && i < body + 78; i++) {
				if (text[i] == ':') {
					field = i > body;
					break;
				}
				if (text[i] <= ' ' || text[i] > '~')
					break;
			}
		}
		if (!field)
			break;
		at = start;
		n++;
	}
	return at;
}

/* The returned original's bytes as the bouncer sent them, as near as
 * GMime gives them: an attached message written back out (GMime keeps
 * each header's raw bytes, folding and all, and a leaf's content as it
 * came), a header part decoded, or an inline copy cut out of its text.
 * Returns: (transfer full) (nullable) */
static GString *
original_bytes (GMimeMessage *report, const BsOriginal *o,
    const BsRules *rules)
{
	g_autoptr(GPtrArray) texts = g_ptr_array_new ();
	Locate l = { o->via, NULL, texts };
	guint i;

	bs_body_foreach_leaf (g_mime_message_get_mime_part (report),
	    BS_PROOF_MAX_PARTS, locate_part, &l);
	if (l.found != NULL && GMIME_IS_MESSAGE_PART (l.found)) {
		GMimeMessage *inner = g_mime_message_part_get_message (
		    GMIME_MESSAGE_PART (l.found));
		g_autoptr(GMimeStream) mem = NULL;
		GByteArray *bytes;

		if (inner == NULL)
			return NULL;
		mem = g_mime_stream_mem_new ();
		if (g_mime_object_write_to_stream (GMIME_OBJECT (inner), NULL,
		    mem) < 0)
			return NULL;
		bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (mem));
		return g_string_new_len ((const char *) bytes->data,
		    (gssize) bytes->len);
	}
	if (l.found != NULL) {
		gsize len = 0;
		g_autofree char *t = bs_part_get_text (l.found,
		    BS_PROOF_MAX_COPY, &len);
		GString *s;

		if (t == NULL)
			return NULL;
		s = g_string_new_len (t, (gssize) len);
		/* Headers alone: end the block, so that the body is
		 * empty (its hash will not match: said so). */
		if (g_mime_content_type_is_type (g_mime_object_get_content_type (
		    l.found), "message", "rfc822") == FALSE
		    && g_mime_content_type_is_type (g_mime_object_get_content_type (
		    l.found), "message", "global") == FALSE)
			g_string_append (s, "\n\n");
		return s;
	}
	if (strcmp (o->via, "inline") != 0)
		return NULL;
	for (i = 0; i < texts->len; i++) {
		g_autofree char *t = bs_body_part_text (texts->pdata[i],
		    BS_PROOF_MAX_COPY);
		gssize at;

		if (t == NULL)
			continue;
		at = bs_original_find_inline (t, strlen (t), rules, TRUE);
		if (at < 0)
			at = bs_original_find_inline (t, strlen (t), rules,
			    FALSE);
		if (at >= 0)
			return bs_original_unquote (t, strlen (t),
			    back_to_block_start (t, (gsize) at),
			    BS_PROOF_MAX_COPY);
	}
	return NULL;
}

/* Does the header block of data hold a DKIM-Signature with a d= of the
 * owner's?  For an inline copy, before libopendkim is loaded for it. */
static gboolean
signed_by_owner (const char *data, gsize len, const BsConfig *config)
{
	const char *p = data, *end = data + len;

	while (p < end && *p != '\n' && !(*p == '\r' && p + 1 < end
	    && p[1] == '\n')) {
		const char *e = memchr (p, '\n', (gsize) (end - p));
		g_autoptr(GString) field = NULL;

		if (e == NULL)
			e = end;
		if ((gsize) (e - p) > 15
		    && g_ascii_strncasecmp (p, "DKIM-Signature:", 15) == 0) {
			g_auto(GStrv) tags = NULL;
			guint i;

			field = g_string_new_len (p + 15, e - p - 15);
			/* Its folded lines. */
			while (e < end && e + 1 < end && (e[1] == ' '
			    || e[1] == '\t')) {
				const char *n = memchr (e + 1, '\n',
				    (gsize) (end - e - 1));

				if (n == NULL)
					n = end;
				g_string_append_len (field, e + 1, n - e - 1);
				e = n;
			}
			tags = g_strsplit (field->str, ";", 64);
			for (i = 0; tags[i] != NULL; i++) {
				char *t = g_strstrip (tags[i]);

				if (t[0] == 'd' && t[1] == '=') {
					char *d = g_strstrip (t + 2);

					g_strdelimit (d, " \t\r\n", '\0');
					if (is_owner_domain (d, (gpointer) config))
						return TRUE;
				}
			}
		}
		p = e + 1;
	}
	return FALSE;
}

static void
fill_dkim (BsFacts *f, GMimeMessage *report, const BsConfig *config,
    const BsRules *rules)
{
	const BsOriginal *o = f->original;
	g_autoptr(GString) raw = NULL;
	g_autofree char *detail = NULL;
	gboolean any = FALSE;
	BsDkimResult r;
	guint i;

	if (!o->found || o->via == NULL || strcmp (o->via, "summary") == 0)
		return;
	/* original.c read the d= of each signature: with none of the
	 * owner's, there is nothing to verify.  An inline copy may start
	 * with signatures original.c stepped over (back_to_block_start);
	 * libopendkim's prescreen sorts those out. */
	for (i = 0; i < o->dkim_domains->len && !any; i++)
		any = is_owner_domain (o->dkim_domains->pdata[i],
		    (gpointer) config);
	if (!any && strcmp (o->via, "inline") != 0)
		return;
	raw = original_bytes (report, o, rules);
	if (raw == NULL || (!any && !signed_by_owner (raw->str, raw->len,
	    config)))
		return;
	r = bs_dkim_verify (config->proof->dkim, raw->str, raw->len,
	    is_owner_domain, (gpointer) config, &detail);
	switch (r) {
	case BS_DKIM_NONE:
		return;
	case BS_DKIM_VALID:
	case BS_DKIM_VALID_HEADERS:
		f->dkim_valid = TRUE;
		break;
	case BS_DKIM_FAILED:
		f->dkim_invalid = config->dkim_owner_signs_all;
		break;
	case BS_DKIM_NO_KEY:
		break;
	}
	f->dkim_detail = g_strdup_printf ("%s (original via %s%s)", detail,
	    o->via, o->headers_only ? ", headers only" : "");
}

void
bs_proof_fill (BsFacts *facts, GMimeMessage *report, const BsConfig *config,
    const BsRules *rules)
{
	const BsProof *proof = config->proof;

	if (proof == NULL || !bs_facts_is_bounce (facts))
		return;
	if (config->srs_secrets != NULL || config->srs_unwrap
	    || config->batv_key != NULL)
		unwrap_owner_headers (facts, config);
	if (config->batv_key != NULL)
		fill_batv (facts, report, config);
	if (proof->dkim != NULL)
		fill_dkim (facts, report, config, rules);
}
