/* facts-build.c: fill BsFacts from the report, its DSN and the returned
 * original. */
#include <string.h>

#include "body.h"
#include "bounce-text.h"
#include "facts-build.h"
#include "header-decode.h"

static const char *
header (GMimeMessage *m, const char *name)
{
	return g_mime_object_get_header (GMIME_OBJECT (m), name);
}

static gboolean
null_sender (GMimeMessage *m)
{
	const char *rp = header (m, "Return-Path");
	g_autofree char *v = NULL;

	if (rp == NULL)
		return FALSE;
	v = g_strdup (rp);
	g_strstrip (v);
	return strcmp (v, "<>") == 0 || *v == '\0' || strcmp (v, "< >") == 0;
}

void
bs_facts_build_report (BsFacts *f, GMimeMessage *m)
{
	GDateTime *date;

	f->from = g_strdup (header (m, "From"));
	{
		g_autofree char *name = NULL;

		/* GMime parsed From already. */
		f->from_address = f->from != NULL ? bs_address_first (
		    g_mime_message_get_from (m), &name) : NULL;
	}
	f->subject = g_strdup (g_mime_message_get_subject (m));
	date = g_mime_message_get_date (m);
	f->date_unix = date != NULL ? g_date_time_to_unix (date) : 0;
	f->null_sender = null_sender (m);
	f->notification = bs_body_notification (m, BS_NOTIFICATION_MAX);
}

/* Addresses the report was delivered to: the owner's side of it. */
void
bs_facts_build_owner (BsFacts *f, GMimeMessage *m)
{
	static const char *const names[] = {
		"To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To",
		"X-Envelope-To", NULL,
	};
	GMimeHeaderList *list = g_mime_object_get_header_list (GMIME_OBJECT (m));
	int i, n = g_mime_header_list_get_count (list);

	for (i = 0; i < n && f->owner_headers->len < 64; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at (list, i);
		g_autoptr(InternetAddressList) addrs = NULL;
		int j, k;

		if (!g_strv_contains (names, g_mime_header_get_name (h))) {
			/* Header names are case-insensitive. */
			gboolean known = FALSE;
			const char *const *p;

			for (p = names; *p != NULL; p++)
				known |= g_ascii_strcasecmp (*p,
				    g_mime_header_get_name (h)) == 0;
			if (!known)
				continue;
		}
		addrs = bs_header_decode_addresses (
		    g_mime_header_get_value (h));
		if (addrs == NULL)
			continue;
		k = internet_address_list_length (addrs);
		for (j = 0; j < k && j < 16; j++) {
			InternetAddress *ia = internet_address_list_get_address (
			    addrs, j);

			if (INTERNET_ADDRESS_IS_MAILBOX (ia))
				g_ptr_array_add (f->owner_headers, g_strdup (
				    internet_address_mailbox_get_addr (
				    INTERNET_ADDRESS_MAILBOX (ia))));
		}
	}
}

gboolean
bs_facts_build_original (BsFacts *f, GMimeMessage *m, const BsRules *rules)
{
	if (!f->original->found) {
		bs_original_free (f->original);
		f->original = bs_original_find (m, rules);
	}
	return f->original->found;
}

/* The prose that explains the failure stops where the quoted original
 * starts. */
char *
bs_facts_build_prose (const BsFacts *f, const BsRules *rules)
{
	gsize len;
	gssize end;

	if (f->notification == NULL)
		return NULL;
	len = strlen (f->notification);
	end = bs_original_find_inline (f->notification, len, rules, TRUE);
	return g_strndup (f->notification, end >= 0 ? (gsize) end : len);
}

static void
add_failed_header_recipients (GMimeMessage *m, BsFacts *f)
{
	const char *v = header (m, "X-Failed-Recipients");
	g_auto(GStrv) parts = NULL;
	gsize i;

	if (v == NULL || f->dsn->recipients->len > 0)
		return;
	parts = g_strsplit (v, ",", 0);
	for (i = 0; parts[i] != NULL; i++) {
		BsRecipient *r;

		g_strstrip (parts[i]);
		if (strchr (parts[i], '@') == NULL)
			continue;
		r = bs_recipient_new ();
		r->recipient = bs_dsn_clean_address (parts[i]);
		r->action = g_strdup ("failed");
		bs_dsn_add_recipient (f->dsn, r);
	}
}

void
bs_facts_build_recipients (BsFacts *f, GMimeMessage *m, BsDsn *dsn,
    const char *prose, const BsRules *rules)
{
	g_autoptr(BsDsn) d = dsn;

	if (d != NULL && d->recipients->len > 0) {
		bs_dsn_free (f->dsn);
		f->dsn = g_steal_pointer (&d);
	} else if (prose != NULL) {
		bs_bounce_text_recipients (prose, strlen (prose), rules, f->dsn);
	}
	if (f->kind == BS_KIND_NDR || f->kind == BS_KIND_DSN)
		add_failed_header_recipients (m, f);
	if (prose != NULL) {
		bs_bounce_text_inline_fields (prose, strlen (prose), f->dsn);
		bs_bounce_text_reply_diagnostics (prose, strlen (prose),
		    f->dsn);
	}
}
