/* body.c: text out of MIME parts, for people and for patterns. */
#include <string.h>

#include "ascii.h"
#include "body.h"

/* MIME trees deeper than this are hostile or broken; we stop looking. */
#define BS_BODY_MAX_DEPTH 32

char *
bs_body_html_to_text (const char *html, gsize len)
{
	GString *out = g_string_sized_new (len / 2);
	const char *p = html, *end = html + len;

	while (p < end) {
		if (*p == '<') {
			const char *close;
			gboolean block;

			/* Skip script and style bodies whole. */
			if (end - p > 7 && (bs_ascii_starts_ci (p, end, "<script")
			    || bs_ascii_starts_ci (p, end, "<style"))) {
				const char *tag = bs_ascii_starts_ci (p, end,
				    "<script") ? "</script" : "</style";
				const char *q = p;

				close = NULL;
				while (q < end) {
					q = memchr (q, '<', (gsize) (end - q));
					if (q == NULL)
						break;
					if ((gsize) (end - q) >= strlen (tag)
					    && g_ascii_strncasecmp (q, tag,
					    strlen (tag)) == 0) {
						close = q;
						break;
					}
					q++;
				}
				p = close != NULL ? close : end;
			}
			close = memchr (p, '>', (gsize) (end - p));
			if (close == NULL)
				break;
			block = (end - p > 3 && (bs_ascii_starts_ci (p, end, "<br")
			    || bs_ascii_starts_ci (p, end, "<p")
			    || bs_ascii_starts_ci (p, end, "</p")
			    || bs_ascii_starts_ci (p, end, "<div")
			    || bs_ascii_starts_ci (p, end, "</div")
			    || bs_ascii_starts_ci (p, end, "<tr")
			    || bs_ascii_starts_ci (p, end, "<li")));
			if (block)
				g_string_append_c (out, '\n');
			else if (bs_ascii_starts_ci (p, end, "<a ")) {
				/* Keep link targets: rules count links. */
				const char *href = NULL;
				const char *h;

				/* HREF in any case, as HTML allows */
				for (h = p; h + 5 <= close && href == NULL; h++) {
					if (bs_ascii_starts_ci (h, end, "href="))
						href = h;
				}

				if (href != NULL) {
					const char *v = href + 5;
					const char *ve;

					if (*v == '"' || *v == '\'')
						v++;
					ve = v;
					while (ve < close && *ve != '"'
					    && *ve != '\'' && *ve != ' ')
						ve++;
					g_string_append_c (out, ' ');
					g_string_append_len (out, v, ve - v);
					g_string_append_c (out, ' ');
				}
			}
			p = close + 1;
			continue;
		}
		if (*p == '&') {
			static const struct {
				const char *entity;
				char c;
			} entities[] = {
				{ "&nbsp;", ' ' }, { "&amp;", '&' },
				{ "&lt;", '<' }, { "&gt;", '>' },
				{ "&quot;", '"' }, { "&#39;", '\'' },
			};
			gsize i;
			gboolean done = FALSE;

			for (i = 0; i < G_N_ELEMENTS (entities); i++) {
				gsize el = strlen (entities[i].entity);

				if (bs_ascii_starts_ci (p, end,
				    entities[i].entity)) {
					g_string_append_c (out, entities[i].c);
					p += el;
					done = TRUE;
					break;
				}
			}
			if (done)
				continue;
		}
		if (*p == '\r') {
			p++;
			continue;
		}
		g_string_append_c (out, *p);
		p++;
	}
	return g_string_free (out, FALSE);
}

static void
strip_cr (char *s)
{
	char *r = strchr (s, '\r'), *w;

	/* Most text has no CR at all: nothing to move. */
	if (r == NULL)
		return;
	for (w = r; *r != '\0'; r++) {
		if (*r == '\r' && r[1] == '\n')
			continue;
		*w++ = *r == '\r' ? '\n' : *r;
	}
	*w = '\0';
}

/* A stream that keeps the first cap bytes written to it and then fails
 * the write, which ends GMime's decoding and converting loops there: the
 * first kilobytes of a part no longer cost decoding, converting and
 * holding all of it (a 200 MB tis-620 part took 1.4 GB).  With swallow
 * set it drops the rest instead, for GMime code that leaks on a failed
 * write (see raw_body). */
typedef struct {
	GMimeStream parent;
	GByteArray *kept;
	guint cap;
	gboolean full;		/* bytes were dropped: kept is a prefix */
	gboolean swallow;	/* past cap, drop and succeed, not fail */
} CapStream;

typedef struct {
	GMimeStreamClass parent_class;
} CapStreamClass;

static GType cap_stream_get_type (void);
G_DEFINE_TYPE (CapStream, cap_stream, GMIME_TYPE_STREAM)

static ssize_t
cap_stream_write (GMimeStream *stream, const char *buf, size_t len)
{
	CapStream *cs = (CapStream *) stream;
	guint room = cs->cap - cs->kept->len;

	if (len > room) {
		g_byte_array_append (cs->kept, (const guint8 *) buf, room);
		cs->full = TRUE;
		return cs->swallow ? (ssize_t) len : -1;
	}
	g_byte_array_append (cs->kept, (const guint8 *) buf, (guint) len);
	return (ssize_t) len;
}

static void
cap_stream_finalize (GObject *object)
{
	CapStream *cs = (CapStream *) object;

	g_clear_pointer (&cs->kept, g_byte_array_unref);
	G_OBJECT_CLASS (cap_stream_parent_class)->finalize (object);
}

static void
cap_stream_class_init (CapStreamClass *klass)
{
	G_OBJECT_CLASS (klass)->finalize = cap_stream_finalize;
	GMIME_STREAM_CLASS (klass)->write = cap_stream_write;
}

static void
cap_stream_init (CapStream *cs)
{
	cs->kept = g_byte_array_new ();
	cs->cap = G_MAXUINT;
}

/* cap 0: no cap (a GByteArray holds at most G_MAXUINT bytes anyway). */
static CapStream *
cap_stream_new (gsize cap)
{
	CapStream *cs = g_object_new (cap_stream_get_type (), NULL);

	if (cap != 0 && cap < G_MAXUINT)
		cs->cap = (guint) cap;
	return cs;
}

/* Takes the bytes out of cs, NUL-terminated, and drops cs.
 * Returns: (transfer full) */
static char *
cap_stream_steal (CapStream *cs)
{
	GByteArray *kept = g_steal_pointer (&cs->kept);

	g_byte_array_append (kept, (const guint8 *) "", 1);
	g_object_unref (cs);
	return (char *) g_byte_array_free (kept, FALSE);
}

/* The content of a leaf part, transfer encoding undone, through filter
 * (nullable; a charset converter), at most cap bytes (0: all).
 * Returns: (transfer full) (nullable) NULL when the part has no content,
 * or when reading it failed and strict is set. */
static char *
part_bytes (GMimeObject *object, GMimeFilter *filter, gsize cap,
    gboolean strict)
{
	GMimeDataWrapper *content;
	CapStream *sink;
	GMimeStream *out;
	gboolean failed;

	if (!GMIME_IS_PART (object))
		return NULL;
	content = g_mime_part_get_content (GMIME_PART (object));
	if (content == NULL)
		return NULL;
	sink = cap_stream_new (cap);
	out = g_object_ref (GMIME_STREAM (sink));
	if (filter != NULL) {
		g_object_unref (out);
		out = g_mime_stream_filter_new (GMIME_STREAM (sink));
		g_mime_stream_filter_add (GMIME_STREAM_FILTER (out), filter);
	}
	failed = g_mime_data_wrapper_write_to_stream (content, out) < 0;
	if (!failed && filter != NULL)
		(void) g_mime_stream_flush (out);
	g_object_unref (out);
	if (failed && !sink->full && strict) {
		g_object_unref (sink);
		return NULL;
	}
	return cap_stream_steal (sink);
}

/* GMime converts a us-ascii part with iconv (through UCS-4), which cost
 * more than parsing the message.  ASCII is UTF-8: decode the transfer
 * encoding only, and leave anything with 8-bit bytes to GMime.  Only the
 * first cap bytes (0: all) are looked at, which is all that is used. */
static char *
ascii_text (GMimeObject *part, gsize cap)
{
	gsize len, i;
	char *text = bs_part_get_text (part, cap, &len);

	for (i = 0; text != NULL && i < len; i++) {
		if ((guchar) text[i] >= 0x80)
			g_clear_pointer (&text, g_free);
	}
	return text;
}

char *
bs_part_get_text (GMimeObject *object, gsize max, gsize *len)
{
	char *text = part_bytes (object, NULL, max, TRUE);

	/* Up to its first NUL: report what the string really holds. */
	if (text != NULL && len != NULL)
		*len = strlen (text);
	return text;
}

/* GMime opens and closes an iconv converter for every part it converts,
 * and glibc unloads a charset's module (CP1252.so...) when its last
 * converter closes: over a mailbox, every windows-1252 part loaded the
 * module again.  One converter kept open per charset (a few dozen at
 * most) keeps each module loaded for the rest of the process. */
#define BS_BODY_MAX_PINNED_CHARSETS 64

static void
keep_charset_loaded (const char *charset)
{
	/* Worker threads convert at once: the table is theirs in turn. */
	static GMutex lock;
	static GHashTable *pinned;	/* canonical name -> iconv_t */
	const char *canon = g_mime_charset_canon_name (charset);
	iconv_t cd;

	if (canon == NULL)
		return;
	g_mutex_lock (&lock);
	if (pinned == NULL)
		pinned = g_hash_table_new (g_str_hash, g_str_equal);
	if (!g_hash_table_contains (pinned, canon)
	    && g_hash_table_size (pinned) < BS_BODY_MAX_PINNED_CHARSETS) {
		cd = g_mime_iconv_open ("UTF-8", canon);
		if (cd != (iconv_t) -1)
			g_hash_table_insert (pinned, g_strdup (canon), cd);
	}
	g_mutex_unlock (&lock);
}

/* g_mime_text_part_get_text, faster for us-ascii and over many parts,
 * and cut to the first cap bytes of UTF-8 (0: all) as it decodes and
 * converts: only those are ever used. */
static char *
text_part_text (GMimeTextPart *part, gsize cap)
{
	const char *charset = g_mime_text_part_get_charset (part);
	g_autoptr(GMimeFilter) filter = NULL;
	char *text;

	if (charset != NULL && (g_ascii_strcasecmp (charset, "us-ascii") == 0
	    || g_ascii_strcasecmp (charset, "ascii") == 0)
	    && (text = ascii_text (GMIME_OBJECT (part), cap)) != NULL)
		return text;
	if (charset != NULL && g_ascii_strcasecmp (charset, "utf-8") != 0)
		keep_charset_loaded (charset);
	/* As GMime does: no charset, or one iconv does not know, and the
	 * bytes are taken as they are. */
	if (charset != NULL)
		filter = g_mime_filter_charset_new (charset, "utf-8");
	return part_bytes (GMIME_OBJECT (part), filter, cap, FALSE);
}

char *
bs_body_part_text (GMimeObject *part, gsize max)
{
	GMimeContentType *ct;
	g_autofree char *text = NULL;
	char *result;
	gsize len;

	if (!GMIME_IS_TEXT_PART (part))
		return NULL;
	ct = g_mime_object_get_content_type (part);
	/* One byte past max: the cut below needs to see where the character
	 * at max starts. */
	text = text_part_text (GMIME_TEXT_PART (part),
	    max != 0 && max < G_MAXSIZE ? max + 1 : 0);
	if (text == NULL)
		return NULL;
	len = strlen (text);
	if (max != 0 && len > max) {
		/* Cut on a character boundary so that UTF-8 stays valid. */
		const char *cut = g_utf8_find_prev_char (text, text + max + 1);

		len = cut != NULL ? (gsize) (cut - text) : max;
		text[len] = '\0';
	}
	if (g_mime_content_type_is_type (ct, "text", "html"))
		result = bs_body_html_to_text (text, len);
	else
		result = g_steal_pointer (&text);	/* len long, as cut */
	strip_cr (result);
	return result;
}

typedef struct {
	BsPartFunc func;
	gpointer user_data;
	guint seen;
	guint max;
	gboolean stop;
} Walk;

static void
walk (GMimeObject *object, Walk *w, guint depth)
{
	if (object == NULL || w->stop || depth > BS_BODY_MAX_DEPTH)
		return;
	if (GMIME_IS_MULTIPART (object)) {
		GMimeMultipart *mp = GMIME_MULTIPART (object);
		int i, n = g_mime_multipart_get_count (mp);

		for (i = 0; i < n && !w->stop; i++)
			walk (g_mime_multipart_get_part (mp, i), w, depth + 1);
		return;
	}
	if (w->seen++ >= w->max) {
		w->stop = TRUE;
		return;
	}
	if (!w->func (object, w->user_data))
		w->stop = TRUE;
}

void
bs_body_foreach_leaf (GMimeObject *object, guint max_parts, BsPartFunc func,
    gpointer user_data)
{
	Walk w = { func, user_data, 0, max_parts, FALSE };

	walk (object, &w, 0);
}

typedef struct {
	gsize max;
	char *plain;
	char *html;
} FirstText;

static gboolean
first_text (GMimeObject *part, gpointer user_data)
{
	FirstText *ft = user_data;
	GMimeContentType *ct = g_mime_object_get_content_type (part);
	GMimeContentDisposition *disp = g_mime_object_get_content_disposition (part);

	/* An attached .txt file is not the notification. */
	if (GMIME_IS_PART (part) && disp != NULL
	    && g_mime_content_disposition_is_attachment (disp)
	    && g_mime_part_get_filename (GMIME_PART (part)) != NULL)
		return TRUE;
	if (g_mime_content_type_is_type (ct, "text", "plain")) {
		ft->plain = bs_body_part_text (part, ft->max);
		return ft->plain == NULL;
	}
	if (ft->html == NULL && g_mime_content_type_is_type (ct, "text", "html"))
		ft->html = bs_body_part_text (part, ft->max);
	/* Stop at the first message-ish part: text after it is not ours. */
	if (GMIME_IS_MESSAGE_PART (part))
		return FALSE;
	return TRUE;
}

/* Broken MIME (a boundary parameter on an unfolded line, say) leaves no
 * text part to read; the serialised body is then the best text we have. */
static char *
raw_body (GMimeMessage *message, gsize max)
{
	GMimeObject *body = g_mime_message_get_mime_part (message);
	CapStream *sink;
	char *text;

	if (body == NULL)
		return NULL;
	/* Kept up to max bytes only: the body may be one 100 MB attachment.
	 * The rest is swallowed, not refused: on a failed write GMime's
	 * g_mime_header_list_write_to_stream returns without dropping its
	 * filter stream, which leaked it and the sink (LeakSanitizer,
	 * test-body /body/notification-raw-body-cap). */
	sink = cap_stream_new (max);
	sink->swallow = TRUE;
	if (g_mime_object_write_to_stream (body, NULL, GMIME_STREAM (sink)) < 0
	    && !sink->full) {
		g_object_unref (sink);
		return NULL;
	}
	if (sink->kept->len == 0) {
		g_object_unref (sink);
		return NULL;
	}
	text = g_utf8_make_valid ((const char *) sink->kept->data,
	    MIN (sink->kept->len, max));
	g_object_unref (sink);
	strip_cr (text);
	return text;
}

char *
bs_body_notification (GMimeMessage *message, gsize max)
{
	FirstText ft = { max, NULL, NULL };

	bs_body_foreach_leaf (g_mime_message_get_mime_part (message), 64,
	    first_text, &ft);
	if (ft.plain != NULL) {
		g_free (ft.html);
		return ft.plain;
	}
	if (ft.html != NULL)
		return ft.html;
	return raw_body (message, max);
}
