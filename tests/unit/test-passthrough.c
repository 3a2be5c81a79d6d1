/* test-passthrough.c: filter mode must never lose or alter a byte of mail.
 *
 * Every expected output below is written out by hand.  The random tests
 * build a message and, alongside it, the same message without the forged
 * fields, so they check the promise itself: our output minus our field is
 * the input minus the forged fields.
 */
#include "passthrough.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <glib/gstdio.h>

/* The value most tests use, and its field in each line ending. */
#define VALUE "no; score=0.5; threshold=5.0"
#define OURS_LF "X-Backscatter: no; score=0.5; threshold=5.0\n"
#define OURS_CRLF "X-Backscatter: no; score=0.5; threshold=5.0\r\n"

/* Literals may hold NULs, so their length comes from sizeof. */
#define CHECK(in, expected) \
	check_write (in, sizeof (in) - 1, expected, sizeof (expected) - 1)

/*
 * Our output for data[0..len), of which only data[0..cut) is handed over
 * in memory and the rest is read from a file descriptor, as for a message
 * larger than --max-size.
 */
static GBytes *
capture_split (const char *data, gsize len, gsize cut, const char *value)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = NULL;
	g_autofree char *rest_path = NULL;
	g_autofree char *contents = NULL;
	gsize out_len = 0;
	gboolean ok;
	int fd;
	int rest = -1;

	if (cut < len) {
		rest = g_file_open_tmp ("test-passthrough-XXXXXX", &rest_path,
		    &error);
		g_assert_no_error (error);
		g_assert_cmpint (write (rest, data + cut, len - cut), ==,
		    (gssize) (len - cut));
		g_assert_cmpint (lseek (rest, 0, SEEK_SET), ==, 0);
	}
	fd = g_file_open_tmp ("test-passthrough-XXXXXX", &path, &error);
	g_assert_no_error (error);
	g_assert_cmpint (fd, >=, 0);
	ok = bs_passthrough_write ((const guint8 *) data, cut, rest, value,
	    fd, &error);
	g_assert_no_error (error);
	g_assert_true (ok);
	g_assert_cmpint (close (fd), ==, 0);
	if (rest >= 0) {
		close (rest);
		g_unlink (rest_path);
	}
	g_file_get_contents (path, &contents, &out_len, &error);
	g_assert_no_error (error);
	g_unlink (path);
	return g_bytes_new_take (g_steal_pointer (&contents), out_len);
}

static GBytes *
capture (const char *data, gsize len, const char *value)
{
	return capture_split (data, len, len, value);
}

/*
 * The whole message in memory, and every split of it that leaves the
 * first LF in memory (the line ending and a mbox From line are decided
 * there): the scan must not depend on where the caller's buffer ends.
 */
static void
check_write (const char *in, gsize in_len, const char *expected,
    gsize expected_len)
{
	g_autoptr(GBytes) out = NULL;
	const char *nl = memchr (in, '\n', in_len);
	gsize out_len;
	gsize cut;
	const char *out_data;

	out = capture (in, in_len, VALUE);
	out_data = g_bytes_get_data (out, &out_len);
	g_assert_cmpmem (out_data, out_len, expected, expected_len);
	for (cut = nl != NULL ? (gsize) (nl - in) + 1 : in_len; cut < in_len;
	    cut++) {
		g_autoptr(GBytes) part = capture_split (in, in_len, cut, VALUE);

		out_data = g_bytes_get_data (part, &out_len);
		g_assert_cmpmem (out_data, out_len, expected, expected_len);
	}
}

static void
test_detect_eol (void)
{
	g_assert_cmpstr (bs_passthrough_detect_eol (NULL, 0), ==, "\n");
	g_assert_cmpstr (bs_passthrough_detect_eol ((const guint8 *) "abc", 3),
	    ==, "\n");
	g_assert_cmpstr (bs_passthrough_detect_eol ((const guint8 *) "a\nb\r\n",
	    5), ==, "\n");
	g_assert_cmpstr (bs_passthrough_detect_eol ((const guint8 *) "a\r\nb\n",
	    5), ==, "\r\n");
	/* Nobody downstream ends a line at a bare CR: LF for bare-CR mail. */
	g_assert_cmpstr (bs_passthrough_detect_eol ((const guint8 *) "a\rb\r",
	    4), ==, "\n");
	g_assert_cmpstr (bs_passthrough_detect_eol ((const guint8 *) "a\r", 2),
	    ==, "\n");
	g_assert_cmpstr (bs_passthrough_detect_eol ((const guint8 *) "a\rb\n",
	    4), ==, "\n");
	/* The first LF decides, whatever comes before it. */
	g_assert_cmpstr (bs_passthrough_detect_eol ((const guint8 *)
	    "a\r\r\nb\n", 6), ==, "\r\n");
	/* The length bounds the scan: the "\n" after it does not count. */
	g_assert_cmpstr (bs_passthrough_detect_eol ((const guint8 *) "a\r\n",
	    2), ==, "\n");
	g_assert_cmpstr (bs_passthrough_detect_eol ((const guint8 *) "\0\n", 2),
	    ==, "\n");
}

static void
test_lf (void)
{
	CHECK ("Received: from a\nSubject: hi\n\nbody\n",
	    OURS_LF "Received: from a\nSubject: hi\n\nbody\n");
}

static void
test_crlf (void)
{
	CHECK ("Subject: hi\r\nTo: b@example.org\r\n\r\nline1\r\nline2\r\n",
	    OURS_CRLF "Subject: hi\r\nTo: b@example.org\r\n\r\n"
	    "line1\r\nline2\r\n");
	/* procmail ends a header block at LF LF only, so CRLF mail is all
	 * header to it: "^X-Backscatter:" matches in the body too. */
	CHECK ("Subject: hi\r\nX-Backscatter: yes\r\n\tscore=9\r\nTo: b\r\n"
	    "\r\nX-Backscatter: body\r\n\tfolded\r\nbody\r\n",
	    OURS_CRLF "Subject: hi\r\nTo: b\r\n\r\nbody\r\n");
}

static void
test_bare_cr (void)
{
	/* One line to every reader: a Subject field, kept whole. */
	CHECK ("Subject: hi\rX-Backscatter: yes\r score=9\rTo: b\r\r"
	    "X-Backscatter: body\r",
	    OURS_LF "Subject: hi\rX-Backscatter: yes\r score=9\rTo: b\r\r"
	    "X-Backscatter: body\r");
	/* An X-Backscatter line goes up to a bare CR, not to the end of the
	 * message; what follows is a line start again. */
	CHECK ("X-Backscatter: yes\r score=9\rX-Backscatter: y\rTo: b\r\rbody\r",
	    OURS_LF "To: b\r\rbody\r");
	CHECK ("From x\rX-Backscatter: yes\r", OURS_LF "From x\rX-Backscatter: yes\r");
	/* A CR before LF is no bare CR. */
	CHECK ("Subject: s\nX-Backscatter: yes\r\n\tmore\r\r\nTo: t\n\n",
	    OURS_LF "Subject: s\n\r\nTo: t\n\n");
}

/* The first line ending decides; later lines keep their own endings. */
static void
test_mixed_eol (void)
{
	/* "\r\n" ends the header for Dovecot and maildrop, not for
	 * procmail. */
	CHECK ("Subject: s\n\r\nX-Backscatter: yes\n\n",
	    OURS_LF "Subject: s\n\r\n\n");
	CHECK ("Subject: s\n\r\r\nX-Backscatter: yes\n\nX-Backscatter: b\n",
	    OURS_LF "Subject: s\n\r\r\n\nX-Backscatter: b\n");
	/* The first line ends in CR CR LF: CRLF, and nothing else changes. */
	CHECK ("From: a\r\r\nSubject: s\nX-Backscatter: yes\n\nb\n",
	    OURS_CRLF "From: a\r\r\nSubject: s\n\nb\n");
	CHECK ("Subject: s\r\nX-Backscatter: yes\nTo: t\r\n\r\nb",
	    OURS_CRLF "Subject: s\r\nTo: t\r\n\r\nb");
	/* In LF mail a lone CR is a byte of the line, not a line end. */
	CHECK ("Subject: a\nX-Foo: b\rX-Backscatter: yes\n\n",
	    OURS_LF "Subject: a\nX-Foo: b\rX-Backscatter: yes\n\n");
}

static void
test_mbox_from (void)
{
	CHECK ("From MAILER-DAEMON Mon Jan  1 00:00:00 2024\n"
	    "X-Backscatter: yes\nSubject: x\n\nb\n",
	    "From MAILER-DAEMON Mon Jan  1 00:00:00 2024\n"
	    OURS_LF "Subject: x\n\nb\n");
	CHECK ("From a@example.org Mon Jan  1 00:00:00 2024\r\nSubject: x\r\n",
	    "From a@example.org Mon Jan  1 00:00:00 2024\r\n"
	    OURS_CRLF "Subject: x\r\n");
	/* "From:" is a header field, not an mbox line. */
	CHECK ("From: a@example.org\n\nb",
	    OURS_LF "From: a@example.org\n\nb");
	/* A "From " line that never ends has no after: we go on top. */
	CHECK ("From nobody", OURS_LF "From nobody");
	/* A From line followed directly by the empty line. */
	CHECK ("From x\n\nX-Backscatter: yes\n",
	    "From x\n" OURS_LF "\nX-Backscatter: yes\n");
}

static void
test_nul_bytes (void)
{
	CHECK ("Subject: a\0b\nX-Backscatter: y\0es\nTo: c\0\n\nbo\0dy\0",
	    OURS_LF "Subject: a\0b\nTo: c\0\n\nbo\0dy\0");
	/* A NUL inside the name makes it another name. */
	CHECK ("X-Back\0scatter: yes\n\n",
	    OURS_LF "X-Back\0scatter: yes\n\n");
	/* Dovecot and maildrop read the name up to a NUL. */
	CHECK ("From: a\nX-Backscatter\0: yes\nX-Backscatter \0x\nTo: b\n\n",
	    OURS_LF "From: a\nTo: b\n\n");
	/* After a NUL, procmail reads the whole message as header. */
	CHECK ("Subject: \0\n\nX-Backscatter: yes\n\tmore\nbody\n",
	    OURS_LF "Subject: \0\n\nbody\n");
	/* ... but only a NUL that goes out counts. */
	CHECK ("X-Backscatter: \0\n\nX-Backscatter: body\n",
	    OURS_LF "\nX-Backscatter: body\n");
}

/* maildrop drops every CR of a header, and skips those that start a
 * field; it continues a field with any isspace() byte. */
static void
test_maildrop_cr (void)
{
	CHECK ("From: a\n\rX-Backscatter: yes\nX-Back\rscatter\r: yes\n"
	    "X-Backscatter\r\nTo: b\n\n",
	    OURS_LF "From: a\nX-Backscatter\r\nTo: b\n\n");
	CHECK ("From: a\nX-Backscatter: x\n\fyes\n\v\r\n\r yes\nTo: b\n\n",
	    OURS_LF "From: a\nTo: b\n\n");
	/* A line of CRs is no continuation. */
	CHECK ("From: a\nX-Backscatter: x\n\r\r\nTo: b\n\n",
	    OURS_LF "From: a\n\r\r\nTo: b\n\n");
}

/* Where the name leaves the question open too long, the line goes. */
static void
test_hold_max (void)
{
	g_autoptr(GString) in = g_string_new ("From: a\nX-Backscatter");
	g_autoptr(GBytes) out = NULL;
	const char *data;
	gsize len;

	g_string_append_len (in, "\r\t ", 3);
	while (in->len < 2 * BS_PASSTHROUGH_HOLD_MAX)
		g_string_append_c (in, ' ');
	g_string_append (in, "x\nTo: b\n\n");
	out = capture (in->str, in->len, VALUE);
	data = g_bytes_get_data (out, &len);
	g_assert_cmpmem (data, len, OURS_LF "From: a\nTo: b\n\n",
	    sizeof (OURS_LF "From: a\nTo: b\n\n") - 1);
	/* Under the limit, decided by what follows. */
	g_string_assign (in, "From: a\nX-Backscatter");
	while (in->len < BS_PASSTHROUGH_HOLD_MAX)
		g_string_append_c (in, '\t');
	g_string_append (in, "x\n\n");
	g_clear_pointer (&out, g_bytes_unref);
	out = capture (in->str, in->len, VALUE);
	data = g_bytes_get_data (out, &len);
	g_assert_cmpuint (len, ==, in->len + strlen (OURS_LF));
	g_assert_cmpmem (data + strlen (OURS_LF), in->len, in->str, in->len);
}

static void
test_8bit (void)
{
	CHECK ("Subject: Gr\xfc\xdf" "e\nFrom: \xc3\xa9t\xc3\xa9 "
	    "<a@example.org>\n"
	    "X-Backscatter: \xff\n\n\xff\xfe\x80\n",
	    OURS_LF "Subject: Gr\xfc\xdf" "e\nFrom: \xc3\xa9t\xc3\xa9 "
	    "<a@example.org>\n\n\xff\xfe\x80\n");
}

static void
test_whitespace_kept (void)
{
	CHECK ("Subject: trailing  \t\nTo:   x \n\nbody  \n\t\n",
	    OURS_LF "Subject: trailing  \t\nTo:   x \n\nbody  \n\t\n");
}

static void
test_no_final_newline (void)
{
	CHECK ("Subject: hi\n\nbody", OURS_LF "Subject: hi\n\nbody");
	CHECK ("Subject: hi\r\n\r\nbody", OURS_CRLF "Subject: hi\r\n\r\nbody");
}

static void
test_headers_only (void)
{
	CHECK ("Subject: hi\nX-Backscatter: no\nTo: a",
	    OURS_LF "Subject: hi\nTo: a");
	/* A forged field on the unterminated last line goes as a whole. */
	CHECK ("Subject: hi\nX-backscatter: yes", OURS_LF "Subject: hi\n");
	CHECK ("Subject: hi\nX-Backscatter: yes\n\tfolded",
	    OURS_LF "Subject: hi\n");
}

static void
test_empty (void)
{
	g_autoptr(GBytes) out = NULL;
	const char *data;
	gsize len;

	CHECK ("", OURS_LF);
	out = capture (NULL, 0, VALUE);
	data = g_bytes_get_data (out, &len);
	g_assert_cmpmem (data, len, OURS_LF, sizeof (OURS_LF) - 1);
}

static void
test_garbage (void)
{
	CHECK ("\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
	    OURS_CRLF "\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
	CHECK ("no header here", OURS_LF "no header here");
	/* Empty first lines: procmail and formail skip them and read the
	 * header that follows, Dovecot and maildrop see none. */
	CHECK ("\n\nX-Backscatter: yes\nS: s\n\nX-Backscatter: b\n",
	    "\n\n" OURS_LF "S: s\n\nX-Backscatter: b\n");
	CHECK ("\n", "\n" OURS_LF);
	CHECK ("\r\n\nX-Backscatter: b\n", OURS_CRLF "\r\n\nX-Backscatter: b\n");
	/* Blank line-starts at the very top stay on top: after our field
	 * they would continue it. */
	CHECK (" x\nSubject: s\n\n", " x\n" OURS_LF "Subject: s\n\n");
	CHECK (" yes\n\r\tyes\n\fyes\nX-Backscatter: yes\n\n",
	    " yes\n\r\tyes\n\fyes\n" OURS_LF "\n");
	CHECK ("From x\n\tyes\nTo: t\n", "From x\n\tyes\n" OURS_LF "To: t\n");
	/* One that never ends: our field, glued to it, shows to nobody. */
	CHECK (" yes", " yes" OURS_LF);
}

static void
test_forged_single (void)
{
	CHECK ("X-Backscatter: yes; score=99\nSubject: s\n\nb\n",
	    OURS_LF "Subject: s\n\nb\n");
	CHECK ("Subject: s\nX-Backscatter: yes\n\nb\n",
	    OURS_LF "Subject: s\n\nb\n");
	CHECK ("X-Backscatter:\n\n", OURS_LF "\n");
}

static void
test_forged_folded (void)
{
	CHECK ("Subject: s\nX-Backscatter: yes;\n score=99;\n\ttests=a,b\n"
	    "To: t\n\nb\n",
	    OURS_LF "Subject: s\nTo: t\n\nb\n");
	/* The fold ends at the empty line, which stays. */
	CHECK ("X-Backscatter: yes\n  more\n\n \tbody\n",
	    OURS_LF "\n \tbody\n");
}

static void
test_forged_several (void)
{
	CHECK ("X-Backscatter: yes\nSubject: s\nX-Backscatter: yes\n"
	    "X-Backscatter: yes\n\tfold\nTo: t\nX-Backscatter: yes\n\nb\n",
	    OURS_LF "Subject: s\nTo: t\n\nb\n");
}

static void
test_forged_mixed_case (void)
{
	CHECK ("x-backscatter: yes\nSubject: s\nX-BACKSCATTER : yes\n"
	    "X-BackScatter:\tyes\n  more\nTo: t\nx-Backscatter \t:yes\n\nb\n",
	    OURS_LF "Subject: s\nTo: t\n\nb\n");
}

static void
test_forged_in_body (void)
{
	CHECK ("Subject: s\n\nX-Backscatter: yes\n\tfolded\n",
	    OURS_LF "Subject: s\n\nX-Backscatter: yes\n\tfolded\n");
	CHECK ("Subject: s\n\nbody\n\nX-Backscatter: yes\n",
	    OURS_LF "Subject: s\n\nbody\n\nX-Backscatter: yes\n");
}

static void
test_other_fields_kept (void)
{
	CHECK ("X-Backscatter-Other: 1\nX-Backscatterx: 2\n"
	    "X-Backscatter no colon\nXX-Backscatter: 3\n X-Backscatter: 4\n"
	    "X-Backscatter\nSubject: s\n\n",
	    OURS_LF "X-Backscatter-Other: 1\nX-Backscatterx: 2\n"
	    "X-Backscatter no colon\nXX-Backscatter: 3\n X-Backscatter: 4\n"
	    "X-Backscatter\nSubject: s\n\n");
}

/* The part beyond the caller's buffer is scanned as well (issue 10). */
static void
test_split (void)
{
	g_autoptr(GString) in = g_string_new ("From: a@example.org\n");
	g_autoptr(GString) want = g_string_new (OURS_LF "From: a@example.org\n");
	g_autoptr(GBytes) out = NULL;
	const char *data;
	gsize len;
	guint i;

	for (i = 0; i < 20000; i++) {
		g_string_append_printf (in, "X-Pad-%u: padding\n", i);
		g_string_append_printf (want, "X-Pad-%u: padding\n", i);
	}
	g_string_append (in, "X-Backscatter: yes\n\tmore\nTo: t\n\n"
	    "X-Backscatter: body\n");
	g_string_append (want, "To: t\n\nX-Backscatter: body\n");
	out = capture_split (in->str, in->len, 1024, VALUE);
	data = g_bytes_get_data (out, &len);
	g_assert_cmpmem (data, len, want->str, want->len);

	/* A From line or first line that ends beyond the buffer. */
	g_clear_pointer (&out, g_bytes_unref);
	out = capture_split ("From x\nX-Backscatter: y\n\n", 25, 3, VALUE);
	data = g_bytes_get_data (out, &len);
	g_assert_cmpmem (data, len, OURS_LF "From x\n\n",
	    sizeof (OURS_LF "From x\n\n") - 1);
	g_clear_pointer (&out, g_bytes_unref);
	out = capture_split ("S: x\r\n\r\n", 8, 3, VALUE);
	data = g_bytes_get_data (out, &len);
	g_assert_cmpmem (data, len, OURS_LF "S: x\r\n\r\n",
	    sizeof (OURS_LF "S: x\r\n\r\n") - 1);
}

static void
test_model (void)
{
	static const char msg[] = "From x\n\tc\nX-Backscatter: y\n\tz\n"
	    "S: s\nx-backscatter:\n\nX-Backscatter: b\n";
	g_autoptr(BsPassthroughModel) m = NULL;
	BsPassthroughSpan *span;

	m = bs_passthrough_model ((const guint8 *) msg, sizeof msg - 1);
	g_assert_cmpuint (m->insert_at, ==, 10);
	g_assert_cmpuint (m->header_end, ==, 51);
	g_assert_cmpuint (m->removed->len, ==, 2);
	span = &g_array_index (m->removed, BsPassthroughSpan, 0);
	g_assert_cmpuint (span->start, ==, 10);
	g_assert_cmpuint (span->end, ==, 30);
	span = &g_array_index (m->removed, BsPassthroughSpan, 1);
	g_assert_cmpuint (span->start, ==, 35);
	g_assert_cmpuint (span->end, ==, 50);
	g_clear_pointer (&m, bs_passthrough_model_free);
	m = bs_passthrough_model (NULL, 0);
	g_assert_cmpuint (m->insert_at, ==, 0);
	g_assert_cmpuint (m->header_end, ==, 0);
	g_assert_cmpuint (m->removed->len, ==, 0);
}

static void
test_dev_full (void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = NULL;
	const char *msg = "Subject: s\n\nbody\n";
	gboolean ok;
	int fd;
	int in;

	fd = open ("/dev/full", O_WRONLY);
	if (fd < 0) {
		g_test_skip ("no /dev/full");
		return;
	}
	ok = bs_passthrough_write ((const guint8 *) msg, strlen (msg), -1,
	    VALUE, fd, &error);
	g_assert_false (ok);
	g_assert_error (error, BS_PASSTHROUGH_ERROR,
	    BS_PASSTHROUGH_ERROR_WRITE);
	g_assert_nonnull (strstr (error->message, g_strerror (ENOSPC)));
	g_clear_error (&error);

	/* copy_fd fails the same way on the write side. */
	in = g_file_open_tmp ("test-passthrough-XXXXXX", &path, &error);
	g_assert_no_error (error);
	g_assert_cmpint (write (in, msg, strlen (msg)), ==, (int) strlen (msg));
	g_assert_cmpint (lseek (in, 0, SEEK_SET), ==, 0);
	ok = bs_passthrough_copy_fd (in, fd, &error);
	g_assert_false (ok);
	g_assert_error (error, BS_PASSTHROUGH_ERROR,
	    BS_PASSTHROUGH_ERROR_WRITE);
	g_assert_nonnull (strstr (error->message, g_strerror (ENOSPC)));
	close (in);
	close (fd);
	g_unlink (path);
}

static void
test_copy_fd_read_error (void)
{
	g_autoptr(GError) error = NULL;
	gboolean ok;
	int dir;
	int out;

	/* read(2) on a directory fails with EISDIR. */
	dir = open (g_get_tmp_dir (), O_RDONLY);
	g_assert_cmpint (dir, >=, 0);
	out = open ("/dev/null", O_WRONLY);
	g_assert_cmpint (out, >=, 0);
	ok = bs_passthrough_copy_fd (dir, out, &error);
	g_assert_false (ok);
	g_assert_error (error, BS_PASSTHROUGH_ERROR, BS_PASSTHROUGH_ERROR_READ);
	g_assert_nonnull (strstr (error->message, g_strerror (EISDIR)));
	close (dir);
	close (out);
}

#define BIG_SIZE (5 * 1024 * 1024)

static guint8
big_byte (gsize i)
{
	/* Every byte value, NUL and CR/LF included, in no simple period. */
	return (guint8) ((i * 7 + i / 251) % 256);
}

static gpointer
feed_pipe (gpointer user_data)
{
	int fd = GPOINTER_TO_INT (user_data);
	guint8 buf[7919];
	gsize done = 0;
	gsize n;
	gsize i;
	ssize_t w;

	/* An odd chunk size, so copy_fd sees partial reads. */
	while (done < BIG_SIZE) {
		n = MIN (sizeof buf, (gsize) BIG_SIZE - done);
		for (i = 0; i < n; i++)
			buf[i] = big_byte (done + i);
		w = write (fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		g_assert_cmpint (w, >, 0);
		done += (gsize) w;
	}
	close (fd);
	return NULL;
}

static void
test_copy_fd (void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = NULL;
	g_autofree char *contents = NULL;
	GThread *thread;
	gsize len = 0;
	gsize i;
	gboolean ok;
	int fds[2];
	int out;

	g_assert_cmpint (pipe (fds), ==, 0);
	out = g_file_open_tmp ("test-passthrough-XXXXXX", &path, &error);
	g_assert_no_error (error);
	thread = g_thread_new ("feed", feed_pipe, GINT_TO_POINTER (fds[1]));
	ok = bs_passthrough_copy_fd (fds[0], out, &error);
	g_assert_no_error (error);
	g_assert_true (ok);
	g_thread_join (thread);
	close (fds[0]);
	close (out);

	g_file_get_contents (path, &contents, &len, &error);
	g_assert_no_error (error);
	g_unlink (path);
	g_assert_cmpuint (len, ==, BIG_SIZE);
	for (i = 0; i < len; i++) {
		if ((guint8) contents[i] != big_byte (i))
			g_assert_cmpuint (i, ==, G_MAXSIZE); /* shows i */
	}
}

static void
test_copy_fd_empty (void)
{
	g_autoptr(GError) error = NULL;
	gboolean ok;
	int in;
	int out;

	in = open ("/dev/null", O_RDONLY);
	out = open ("/dev/null", O_WRONLY);
	g_assert_cmpint (in, >=, 0);
	g_assert_cmpint (out, >=, 0);
	ok = bs_passthrough_copy_fd (in, out, &error);
	g_assert_no_error (error);
	g_assert_true (ok);
	close (in);
	close (out);
}

typedef struct {
	int fd;
	GByteArray *got;
} Drain;

static gpointer
drain_pipe (gpointer user_data)
{
	Drain *d = user_data;
	guint8 buf[4096];
	ssize_t n;
	guint reads = 0;

	for (;;) {
		n = read (d->fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		g_assert_cmpint (n, >=, 0);
		if (n == 0)
			break;
		g_byte_array_append (d->got, buf, (guint) n);
		/* Read slowly now and then so the writer meets a full pipe. */
		if (++reads % 64 == 0)
			g_usleep (1000);
	}
	return NULL;
}

/* A non-blocking pipe gives short writes and EAGAIN. */
static void
test_nonblocking_pipe (void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) in = NULL;
	g_autoptr(GString) expected = NULL;
	Drain d;
	GThread *thread;
	gboolean ok;
	int fds[2];
	guint i;

	in = g_string_new ("Subject: big\nX-Backscatter: yes\n\n");
	expected = g_string_new (OURS_LF "Subject: big\n\n");
	for (i = 0; i < 40000; i++) {
		g_string_append_printf (in, "line %u of the body\n", i);
		g_string_append_printf (expected, "line %u of the body\n", i);
	}

	g_assert_cmpint (pipe (fds), ==, 0);
	g_assert_cmpint (fcntl (fds[1], F_SETFL,
	    fcntl (fds[1], F_GETFL) | O_NONBLOCK), ==, 0);
	d.fd = fds[0];
	d.got = g_byte_array_new ();
	thread = g_thread_new ("drain", drain_pipe, &d);
	ok = bs_passthrough_write ((const guint8 *) in->str, in->len, -1,
	    VALUE, fds[1], &error);
	g_assert_no_error (error);
	g_assert_true (ok);
	close (fds[1]);
	g_thread_join (thread);
	close (fds[0]);
	g_assert_cmpmem (d.got->data, d.got->len, expected->str, expected->len);
	g_byte_array_unref (d.got);
}

static volatile sig_atomic_t alarms;

static void
on_alarm (int sig)
{
	(void) sig;
	alarms++;
}

typedef struct {
	int fd;
	const char *data;
	gsize len;
} Feed;

static gpointer
feed_late (gpointer user_data)
{
	Feed *f = user_data;
	gsize done = 0;
	ssize_t n;

	g_usleep (100 * 1000);
	while (done < f->len) {
		n = write (f->fd, f->data + done, f->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		g_assert_cmpint (n, >, 0);
		done += (gsize) n;
	}
	close (f->fd);
	return NULL;
}

static gpointer
drain_late (gpointer user_data)
{
	g_usleep (100 * 1000);
	return drain_pipe (user_data);
}

/*
 * A signal without SA_RESTART interrupts write(2) on a full pipe and read(2)
 * on an empty one (EINTR, or a short count).  The helper threads block it,
 * so it always lands in the thread under test.
 */
static void
test_eintr (void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) in = NULL;
	g_autoptr(GString) expected = NULL;
	struct sigaction sa;
	struct sigaction old_sa;
	struct itimerval timer = { { 0, 2000 }, { 0, 2000 } };
	struct itimerval stop = { { 0, 0 }, { 0, 0 } };
	sigset_t block;
	Drain d;
	Feed f;
	GThread *thread;
	gboolean ok;
	int fds[2];
	guint i;

	in = g_string_new ("X-Backscatter: yes\nSubject: s\n\n");
	expected = g_string_new (OURS_LF "Subject: s\n\n");
	for (i = 0; i < 40000; i++) {
		g_string_append_printf (in, "line %u\n", i);
		g_string_append_printf (expected, "line %u\n", i);
	}

	memset (&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigemptyset (&sa.sa_mask);
	sa.sa_flags = 0;
	g_assert_cmpint (sigaction (SIGALRM, &sa, &old_sa), ==, 0);
	sigemptyset (&block);
	sigaddset (&block, SIGALRM);
	alarms = 0;

	/* Write side: the reader starts late, so the pipe fills. */
	g_assert_cmpint (pipe (fds), ==, 0);
	d.fd = fds[0];
	d.got = g_byte_array_new ();
	pthread_sigmask (SIG_BLOCK, &block, NULL);
	thread = g_thread_new ("drain", drain_late, &d);
	pthread_sigmask (SIG_UNBLOCK, &block, NULL);
	setitimer (ITIMER_REAL, &timer, NULL);
	ok = bs_passthrough_write ((const guint8 *) in->str, in->len, -1,
	    VALUE, fds[1], &error);
	setitimer (ITIMER_REAL, &stop, NULL);
	g_assert_no_error (error);
	g_assert_true (ok);
	close (fds[1]);
	g_thread_join (thread);
	close (fds[0]);
	g_assert_cmpmem (d.got->data, d.got->len, expected->str, expected->len);
	g_byte_array_unref (d.got);

	/* Read side: the writer starts late, so the pipe is empty. */
	g_assert_cmpint (pipe (fds), ==, 0);
	d.fd = fds[0];
	f.fd = fds[1];
	f.data = in->str;
	f.len = in->len;
	{
		g_autofree char *path = NULL;
		g_autofree char *contents = NULL;
		gsize len = 0;
		int out;

		out = g_file_open_tmp ("test-passthrough-XXXXXX", &path,
		    &error);
		g_assert_no_error (error);
		pthread_sigmask (SIG_BLOCK, &block, NULL);
		thread = g_thread_new ("feed", feed_late, &f);
		pthread_sigmask (SIG_UNBLOCK, &block, NULL);
		setitimer (ITIMER_REAL, &timer, NULL);
		ok = bs_passthrough_copy_fd (fds[0], out, &error);
		setitimer (ITIMER_REAL, &stop, NULL);
		g_assert_no_error (error);
		g_assert_true (ok);
		g_thread_join (thread);
		close (fds[0]);
		close (out);
		g_file_get_contents (path, &contents, &len, &error);
		g_assert_no_error (error);
		g_unlink (path);
		g_assert_cmpmem (contents, len, in->str, in->len);
	}

	g_assert_cmpint (sigaction (SIGALRM, &old_sa, NULL), ==, 0);
	g_assert_cmpint (alarms, >, 0);
}

static void
check_format (const char *value, const char *eol, const char *expected)
{
	g_autofree char *got = NULL;

	got = bs_passthrough_format_header (value, eol);
	g_assert_cmpstr (got, ==, expected);
}

/* Checks that every line of a formatted field ends with eol and fits. */
static void
assert_lines_fit (const char *field, const char *eol, gboolean all_fit)
{
	g_auto(GStrv) lines = NULL;
	gsize col;
	guint i;
	guint n;
	const char *p;

	g_assert_true (g_str_has_suffix (field, eol));
	lines = g_strsplit (field, eol, -1);
	n = g_strv_length (lines);
	g_assert_cmpuint (n, >=, 2);
	g_assert_cmpstr (lines[n - 1], ==, "");
	g_assert_true (g_str_has_prefix (lines[0], "X-Backscatter: "));
	for (i = 0; i + 1 < n; i++) {
		if (i > 0)
			g_assert_cmpint (lines[i][0], ==, '\t');
		g_assert_null (strpbrk (lines[i], "\r\n"));
		col = 0;
		for (p = lines[i]; *p != '\0'; p++)
			col = *p == '\t' ? (col / 8 + 1) * 8 : col + 1;
		if (all_fit)
			g_assert_cmpuint (col, <=, 78);
	}
}

#define LONG_PART "tests=an-unbreakable-name-that-is-much-longer-than-" \
	"a-header-line-can-ever-be-without-folding"

static void
test_format (void)
{
	check_format ("no; score=0.5", "\n", "X-Backscatter: no; score=0.5\n");
	check_format (VALUE, "\r\n", OURS_CRLF);
	check_format (VALUE, "\r",
	    "X-Backscatter: no; score=0.5; threshold=5.0\r");
	check_format ("", "\n", "X-Backscatter: \n");

	check_format ("yes; score=12.5; threshold=5.0; kind=dsn; "
	    "tests=no-original,null-sender-missing,bounce-subject,"
	    "recipient-not-ours", "\n",
	    "X-Backscatter: yes; score=12.5; threshold=5.0; kind=dsn; "
	    "tests=no-original,\n"
	    "\tnull-sender-missing,bounce-subject,recipient-not-ours\n");
	check_format ("unknown; reason=too-large; "
	    "detail=the-message-is-larger-than-the-configured-limit-of-20M",
	    "\r\n",
	    "X-Backscatter: unknown; reason=too-large;\r\n"
	    "\tdetail=the-message-is-larger-than-the-configured-"
	    "limit-of-20M\r\n");
	/* Exactly 78 columns stays on one line; 79 does not. */
	check_format ("yes; score=1.0; tests=aaaaaaaaaaaaaaaaaaaaaaaaa,"
	    "bbbbbbbbbbbbbbb", "\n",
	    "X-Backscatter: yes; score=1.0; tests=aaaaaaaaaaaaaaaaaaaaaaaaa,"
	    "bbbbbbbbbbbbbbb\n");
	check_format ("yes; score=1.0; tests=aaaaaaaaaaaaaaaaaaaaaaaaa,"
	    "bbbbbbbbbbbbbbbb", "\n",
	    "X-Backscatter: yes; score=1.0; tests=aaaaaaaaaaaaaaaaaaaaaaaaa,\n"
	    "\tbbbbbbbbbbbbbbbb\n");
}

static void
test_format_long_part (void)
{
	g_autofree char *field = NULL;

	check_format ("yes; " LONG_PART, "\n",
	    "X-Backscatter: yes;\n\t" LONG_PART "\n");
	check_format (LONG_PART "; no", "\n",
	    "X-Backscatter: " LONG_PART ";\n\tno\n");
	check_format ("yes; " LONG_PART ",a,b; c", "\n",
	    "X-Backscatter: yes;\n\t" LONG_PART ",\n\ta,b; c\n");
	field = bs_passthrough_format_header ("yes; " LONG_PART, "\n");
	assert_lines_fit (field, "\n", FALSE);
}

static void
test_format_unsafe_value (void)
{
	/* A line break in the value must not start a field of its own. */
	check_format ("yes\r\nX-Evil: 1", "\n",
	    "X-Backscatter: yes  X-Evil: 1\n");
	check_format ("  yes; score=1  \n", "\n",
	    "X-Backscatter: yes; score=1\n");
	check_format ("yes; ", "\n", "X-Backscatter: yes;\n");
	check_format ("a;b;;c", "\n", "X-Backscatter: a;b;;c\n");
}

/* Undoes our folding: a break after ';' stood for the space. */
static char *
unfold (const char *field, const char *eol)
{
	GString *s = g_string_new (NULL);
	gsize eol_len = strlen (eol);
	const char *p;

	g_assert_true (g_str_has_prefix (field, "X-Backscatter: "));
	for (p = field + 15; *p != '\0'; p++) {
		if (strncmp (p, eol, eol_len) == 0) {
			p += eol_len;
			if (*p == '\0')
				break;
			g_assert_cmpint (*p, ==, '\t');
			if (s->len > 0 && s->str[s->len - 1] == ';')
				g_string_append_c (s, ' ');
			continue;
		}
		g_string_append_c (s, *p);
	}
	return g_string_free (s, FALSE);
}

static void
test_format_random (void)
{
	static const char *const eols[] = { "\n", "\r\n", "\r" };
	guint round;
	guint parts;
	guint i;
	guint j;
	guint n;

	for (round = 0; round < 500; round++) {
		g_autoptr(GString) value = g_string_new (NULL);
		g_autofree char *field = NULL;
		g_autofree char *back = NULL;
		const char *eol = eols[g_test_rand_int_range (0, 3)];

		parts = (guint) g_test_rand_int_range (1, 15);
		for (i = 0; i < parts; i++) {
			if (i > 0)
				g_string_append (value,
				    g_test_rand_bit () ? "; " : ",");
			/* Short enough that every part fits: the first
			 * after the name, the others after a tab, each
			 * with its separator. */
			n = (guint) g_test_rand_int_range (1, i == 0 ? 62 : 70);
			for (j = 0; j < n; j++)
				g_string_append_c (value, (char)
				    g_test_rand_int_range ('a', 'z' + 1));
		}
		field = bs_passthrough_format_header (value->str, eol);
		assert_lines_fit (field, eol, TRUE);
		back = unfold (field, eol);
		g_assert_cmpstr (back, ==, value->str);
	}
}

/* Builds a random name of our field: any case, maybe blanks before ':'. */
static void
append_our_name (GString *s)
{
	static const char name[] = "X-Backscatter";
	guint i;

	for (i = 0; i < sizeof name - 1; i++) {
		g_string_append_c (s, g_test_rand_bit () ?
		    g_ascii_toupper (name[i]) : g_ascii_tolower (name[i]));
	}
	if (g_test_rand_int_range (0, 4) == 0)
		g_string_append (s, g_test_rand_bit () ? " " : " \t");
	g_string_append_c (s, ':');
}

/* Field text without line ends: printable, NUL and 8-bit bytes. */
static void
append_text (GString *s)
{
	static const char pick[] = "abc XYZ:;,=\t";
	guint n = (guint) g_test_rand_int_range (0, 30);
	guint i;
	gint r;

	for (i = 0; i < n; i++) {
		r = g_test_rand_int_range (0, 20);
		if (r == 0)
			g_string_append_c (s, '\0');
		else if (r == 1)
			g_string_append_c (s, (char)
			    g_test_rand_int_range (0x80, 0x100));
		else
			g_string_append_c (s, pick[g_test_rand_int_range (0,
			    sizeof pick - 1)]);
	}
}

static void
append_continuations (GString *s, const char *eol)
{
	guint n = (guint) g_test_rand_int_range (0, 3);
	guint i;

	for (i = 0; i < n; i++) {
		g_string_append_c (s, g_test_rand_bit () ? ' ' : '\t');
		append_text (s);
		g_string_append (s, eol);
	}
}

/*
 * The promise itself, on random messages: with the From line and our field
 * taken out, the output is the input without its forged fields.  The
 * generator knows which bytes are forged, so the expectation does not come
 * from the code under test.
 */
static void
test_property (void)
{
	static const char *const eols[] = { "\n", "\r\n" };
	static const char *const names[] = {
		"Subject:", "Received:", "X-Backscatter-Other:",
		"X-Backscatterx:", "From:", "x-backscatter-score:",
	};
	guint round;
	guint fields;
	guint i;
	guint n;
	gboolean forged;

	for (round = 0; round < 2000; round++) {
		g_autoptr(GString) in = g_string_new (NULL);
		g_autoptr(GString) kept = g_string_new (NULL);
		g_autoptr(GBytes) out = NULL;
		g_autofree char *ours = NULL;
		const char *eol = eols[g_test_rand_int_range (0, 2)];
		const char *data;
		const char *nl;
		gboolean last_forged = FALSE;
		gboolean nul_kept = FALSE;
		gsize from_len = 0;
		gsize ours_len;
		gsize len;
		gsize cut;

		if (g_test_rand_int_range (0, 4) == 0) {
			g_string_append (in, "From a@example.org Mon Jan  1 "
			    "00:00:00 2024");
			g_string_append (in, eol);
			from_len = in->len;
		}
		fields = (guint) g_test_rand_int_range (1, 8);
		for (i = 0; i < fields; i++) {
			g_autoptr(GString) field = g_string_new (NULL);

			forged = g_test_rand_int_range (0, 3) == 0;
			if (forged)
				append_our_name (field);
			else
				g_string_append (field, names[
				    g_test_rand_int_range (0,
				    G_N_ELEMENTS (names))]);
			append_text (field);
			g_string_append (field, eol);
			append_continuations (field, eol);
			g_string_append_len (in, field->str,
			    (gssize) field->len);
			if (!forged) {
				g_string_append_len (kept, field->str,
				    (gssize) field->len);
				if (memchr (field->str, '\0', field->len))
					nul_kept = TRUE;
			}
			last_forged = forged;
		}
		n = (guint) g_test_rand_int_range (0, 3);
		if (n == 1) {
			/* A body.  procmail reads it as header when the mail
			 * is CRLF (it ends the header at LF LF only) or when
			 * a NUL went before (it stops looking); then our name
			 * at a line start goes there too. */
			g_autoptr(GString) body = g_string_new (eol);
			g_autoptr(GString) text = g_string_new (NULL);
			gboolean header = nul_kept || strcmp (eol, "\r\n") == 0;

			append_our_name (body);
			g_string_append (body, " yes");
			g_string_append (body, eol);
			append_text (text);
			g_string_append_len (in, body->str, (gssize) body->len);
			g_string_append_len (in, text->str, (gssize) text->len);
			if (!header) {
				g_string_append_len (kept, body->str,
				    (gssize) body->len);
				g_string_append_len (kept, text->str,
				    (gssize) text->len);
			} else {
				/* The empty line stays, the field goes, and
				 * so does the text if it continues it. */
				g_string_append (kept, eol);
				if (text->len > 0 && text->str[0] != ' ' &&
				    text->str[0] != '\t')
					g_string_append_len (kept, text->str,
					    (gssize) text->len);
			}
		} else if (n == 2) {
			/* The last line without its line ending. */
			g_string_truncate (in, in->len - strlen (eol));
			if (!last_forged)
				g_string_truncate (kept, kept->len -
				    strlen (eol));
		}
		/* Field text holds no CR or LF: a message of one line
		 * without its ending has none and gets the default. */
		nl = memchr (in->str, '\n', in->len);
		if (nl == NULL)
			eol = "\n";

		out = capture (in->str, in->len, "yes; score=9.9");
		data = g_bytes_get_data (out, &len);
		ours = bs_passthrough_format_header ("yes; score=9.9", eol);
		ours_len = strlen (ours);
		g_assert_cmpuint (len, >=, from_len + ours_len);
		g_assert_cmpmem (data, from_len, in->str, from_len);
		g_assert_cmpmem (data + from_len, ours_len, ours, ours_len);
		g_assert_cmpmem (data + from_len + ours_len,
		    len - from_len - ours_len, kept->str, kept->len);

		/* Any split after the first LF, the rest read from a file
		 * descriptor, gives the same. */
		if (nl != NULL) {
			g_autoptr(GBytes) part = NULL;
			const char *pdata;
			gsize plen;

			cut = (gsize) g_test_rand_int_range ((gint32) (nl -
			    in->str) + 1, (gint32) in->len + 1);
			part = capture_split (in->str, in->len, cut,
			    "yes; score=9.9");
			pdata = g_bytes_get_data (part, &plen);
			g_assert_cmpmem (pdata, plen, data, len);
		}
	}
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);

	g_test_add_func ("/passthrough/detect-eol", test_detect_eol);
	g_test_add_func ("/passthrough/lf", test_lf);
	g_test_add_func ("/passthrough/crlf", test_crlf);
	g_test_add_func ("/passthrough/bare-cr", test_bare_cr);
	g_test_add_func ("/passthrough/mixed-eol", test_mixed_eol);
	g_test_add_func ("/passthrough/mbox-from", test_mbox_from);
	g_test_add_func ("/passthrough/nul-bytes", test_nul_bytes);
	g_test_add_func ("/passthrough/8bit", test_8bit);
	g_test_add_func ("/passthrough/whitespace-kept", test_whitespace_kept);
	g_test_add_func ("/passthrough/no-final-newline",
	    test_no_final_newline);
	g_test_add_func ("/passthrough/headers-only", test_headers_only);
	g_test_add_func ("/passthrough/empty", test_empty);
	g_test_add_func ("/passthrough/garbage", test_garbage);
	g_test_add_func ("/passthrough/forged/single", test_forged_single);
	g_test_add_func ("/passthrough/forged/folded", test_forged_folded);
	g_test_add_func ("/passthrough/forged/several", test_forged_several);
	g_test_add_func ("/passthrough/forged/mixed-case",
	    test_forged_mixed_case);
	g_test_add_func ("/passthrough/forged/in-body", test_forged_in_body);
	g_test_add_func ("/passthrough/other-fields-kept",
	    test_other_fields_kept);
	g_test_add_func ("/passthrough/split", test_split);
	g_test_add_func ("/passthrough/model", test_model);
	g_test_add_func ("/passthrough/maildrop-cr", test_maildrop_cr);
	g_test_add_func ("/passthrough/hold-max", test_hold_max);
	g_test_add_func ("/passthrough/dev-full", test_dev_full);
	g_test_add_func ("/passthrough/nonblocking-pipe",
	    test_nonblocking_pipe);
	g_test_add_func ("/passthrough/eintr", test_eintr);
	g_test_add_func ("/passthrough/property", test_property);
	g_test_add_func ("/passthrough/format/fold", test_format);
	g_test_add_func ("/passthrough/format/long-part",
	    test_format_long_part);
	g_test_add_func ("/passthrough/format/unsafe-value",
	    test_format_unsafe_value);
	g_test_add_func ("/passthrough/format/random", test_format_random);
	g_test_add_func ("/passthrough/copy-fd/5mb", test_copy_fd);
	g_test_add_func ("/passthrough/copy-fd/empty", test_copy_fd_empty);
	g_test_add_func ("/passthrough/copy-fd/read-error",
	    test_copy_fd_read_error);

	return g_test_run ();
}
