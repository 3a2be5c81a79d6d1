/* test-input.c: reading under a size cap, and parsing odd messages. */
#include "body.h"
#include "input.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

/* A temporary file holding len bytes of data, opened for reading. */
static int
tmp_fd (const char *data, gsize len, char **path)
{
	g_autoptr(GError) error = NULL;
	int fd = g_file_open_tmp ("test-input-XXXXXX", path, &error);

	g_assert_no_error (error);
	g_assert_cmpint (write (fd, data, len), ==, (gssize) len);
	g_assert_cmpint (lseek (fd, 0, SEEK_SET), ==, 0);
	return fd;
}

static BsInput *
read_bytes (const char *data, gsize len, guint64 max)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = NULL;
	int fd = tmp_fd (data, len, &path);
	BsInput *input = bs_input_read_fd (fd, "test", max, &error);

	g_assert_no_error (error);
	g_assert_nonnull (input);
	close (fd);
	g_unlink (path);
	return input;
}

static void
test_max_size (void)
{
	char data[100];
	BsInput *input;

	memset (data, 'x', sizeof data);
	/* Larger than the cap: max + 1 bytes, flagged */
	input = read_bytes (data, 100, 10);
	g_assert_true (input->too_large);
	g_assert_cmpuint (g_bytes_get_size (input->raw), ==, 11);
	g_assert_cmpstr (input->name, ==, "test");
	bs_input_free (input);
	input = read_bytes (data, 100, 99);
	g_assert_true (input->too_large);
	g_assert_cmpuint (g_bytes_get_size (input->raw), ==, 100);
	bs_input_free (input);
	/* Exactly the cap is not too large */
	input = read_bytes (data, 100, 100);
	g_assert_false (input->too_large);
	g_assert_cmpuint (g_bytes_get_size (input->raw), ==, 100);
	bs_input_free (input);
	/* 0: no limit */
	input = read_bytes (data, 100, 0);
	g_assert_false (input->too_large);
	g_assert_cmpuint (g_bytes_get_size (input->raw), ==, 100);
	bs_input_free (input);
	input = read_bytes ("", 0, 10);
	g_assert_false (input->too_large);
	g_assert_cmpuint (g_bytes_get_size (input->raw), ==, 0);
	bs_input_free (input);
}

static void
test_large_read (void)
{
	/* More than one read chunk, with NULs, comes back byte for byte. */
	gsize len = 200 * 1024 + 7, i;
	g_autofree char *data = g_malloc (len);
	g_autoptr(BsInput) input = NULL;
	gsize got;
	const char *raw;

	for (i = 0; i < len; i++)
		data[i] = (char) (i % 251);
	input = read_bytes (data, len, 0);
	raw = g_bytes_get_data (input->raw, &got);
	g_assert_cmpuint (got, ==, len);
	g_assert_cmpmem (raw, got, data, len);
}

static void
test_read_error (void)
{
	g_autoptr(GError) error = NULL;
	BsInput *input = bs_input_read_fd (-1, "bad", 0, &error);

	g_assert_null (input);
	g_assert_error (error, BS_INPUT_ERROR, BS_INPUT_ERROR_READ);
	g_assert_nonnull (strstr (error->message, "bad"));
}

static void
test_read_file (void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp ("test-input-XXXXXX", &error);
	g_autofree char *missing = NULL;
	g_autofree char *file = NULL;
	g_autoptr(BsInput) input = NULL;
	BsInput *none;

	g_assert_no_error (error);
	/* A directory is not a message. */
	none = bs_input_read_file (dir, 0, &error);
	g_assert_null (none);
	g_assert_error (error, BS_INPUT_ERROR, BS_INPUT_ERROR_OPEN);
	g_assert_nonnull (strstr (error->message, dir));
	g_clear_error (&error);

	missing = g_build_filename (dir, "missing.eml", NULL);
	none = bs_input_read_file (missing, 0, &error);
	g_assert_null (none);
	g_assert_error (error, BS_INPUT_ERROR, BS_INPUT_ERROR_OPEN);
	g_clear_error (&error);

	file = g_build_filename (dir, "m.eml", NULL);
	g_file_set_contents (file, "Subject: hi\n\nbody\n", -1, &error);
	g_assert_no_error (error);
	input = bs_input_read_file (file, 5, &error);
	g_assert_no_error (error);
	g_assert_cmpstr (input->name, ==, file);
	g_assert_true (input->too_large);
	g_assert_cmpuint (g_bytes_get_size (input->raw), ==, 6);
	g_unlink (file);
	g_rmdir (dir);
}

static BsInput *
parse (const char *data, gsize len)
{
	BsInput *input = read_bytes (data, len, 0);

	g_assert_true (bs_input_parse (input));
	g_assert_nonnull (input->message);
	return input;
}

static void
test_bare_cr (void)
{
	static const char data[] = "From: kim@example.org\r"
	    "To: bob@example.org\r"
	    "Subject: Bare CR\r"
	    "\r"
	    "Body\r";
	g_autoptr(BsInput) input = parse (data, sizeof data - 1);
	GMimeObject *obj = GMIME_OBJECT (input->message);
	gsize len;
	const char *raw = g_bytes_get_data (input->raw, &len);

	g_assert_cmpstr (g_mime_message_get_subject (input->message), ==,
	    "Bare CR");
	g_assert_cmpstr (g_mime_object_get_header (obj, "To"), ==,
	    "bob@example.org");
	/* The raw bytes are untouched. */
	g_assert_cmpmem (raw, len, data, sizeof data - 1);
}

/* Bare-CR mail is parsed through a stream that reads CR as LF, without a
 * copy: part contents are substreams of it, decoded as any other. */
static void
test_bare_cr_parts (void)
{
	static const char data[] = "From kim@example.org Mon Jan  1 10:00:00 "
	    "2024\r"
	    "From: kim@example.org\r"
	    "Subject: parts\r"
	    "MIME-Version: 1.0\r"
	    "Content-Type: multipart/mixed; boundary=\"b\"\r"
	    "\r"
	    "--b\r"
	    "Content-Type: text/plain\r"
	    "\r"
	    "one\rtwo\r"
	    "--b\r"
	    "Content-Type: application/octet-stream\r"
	    "Content-Transfer-Encoding: base64\r"
	    "\r"
	    "aGVs\rbG8=\r"
	    "--b--\r";
	g_autoptr(BsInput) input = parse (data, sizeof data - 1);
	GMimeObject *body = g_mime_message_get_mime_part (input->message);
	g_autofree char *text = NULL, *bin = NULL;
	gsize len;
	const char *raw = g_bytes_get_data (input->raw, &len);

	g_assert_cmpstr (g_mime_message_get_subject (input->message), ==,
	    "parts");
	g_assert_true (GMIME_IS_MULTIPART (body));
	g_assert_cmpint (g_mime_multipart_get_count (GMIME_MULTIPART (body)),
	    ==, 2);
	text = bs_part_get_text (g_mime_multipart_get_part (
	    GMIME_MULTIPART (body), 0), 0, NULL);
	bin = bs_part_get_text (g_mime_multipart_get_part (
	    GMIME_MULTIPART (body), 1), 0, NULL);
	g_assert_cmpstr (text, ==, "one\ntwo");
	g_assert_cmpstr (bin, ==, "hello");
	g_assert_cmpmem (raw, len, data, sizeof data - 1);
}

static void
test_mbox_from (void)
{
	static const char data[] = "From kim@example.org Mon Jan  1 10:00:00 "
	    "2024\n"
	    "From: Kim <kim@example.org>\n"
	    "Subject: mbox\n"
	    "\n"
	    "body\n";
	g_autoptr(BsInput) input = parse (data, sizeof data - 1);
	GMimeObject *obj = GMIME_OBJECT (input->message);

	g_assert_cmpstr (g_mime_message_get_subject (input->message), ==,
	    "mbox");
	g_assert_cmpstr (g_mime_object_get_header (obj, "From"), ==,
	    "Kim <kim@example.org>");
	g_assert_cmpuint (g_bytes_get_size (input->raw), ==, sizeof data - 1);
}

static void
test_crlf (void)
{
	static const char data[] = "Subject: CRLF\r\nTo: bob@example.org\r\n"
	    "\r\nbody\r\n";
	g_autoptr(BsInput) input = parse (data, sizeof data - 1);

	g_assert_cmpstr (g_mime_message_get_subject (input->message), ==,
	    "CRLF");
	g_assert_cmpstr (g_mime_object_get_header (
	    GMIME_OBJECT (input->message), "To"), ==, "bob@example.org");
}

/* A multipart that never closes still parses, its part and all. */
static void
test_parse_bytes_broken (void)
{
	static const char broken[] = "Subject: broken\n"
	    "Content-Type: multipart/mixed; boundary=\"B\"\n"
	    "\n"
	    "--B\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "never closed\n";
	g_autoptr(GMimeMessage) a = bs_input_parse_bytes (broken,
	    sizeof broken - 1);
	GMimeObject *body;

	g_assert_nonnull (a);
	g_assert_cmpstr (g_mime_message_get_subject (a), ==, "broken");
	body = g_mime_message_get_mime_part (a);
	g_assert_true (GMIME_IS_MULTIPART (body));
	g_assert_cmpint (g_mime_multipart_get_count (GMIME_MULTIPART (body)),
	    ==, 1);
}

/* A multipart whose second part holds n header-like lines: in an attached
 * message (type, a message/ type in any case) they are header fields and
 * count towards BS_INPUT_MAX_HEADERS; in a text part they are body text. */
static GString *
part_with_lines (const char *type, guint n)
{
	GString *m = g_string_new ("Subject: nested\n"
	    "Content-Type: multipart/mixed; boundary=\"B\"\n\n"
	    "--B\nContent-Type: text/plain\n\nhello\n\n--B\n");
	guint i;

	g_string_append_printf (m, "Content-Type: %s\n\n", type);
	for (i = 0; i < n; i++)
		g_string_append_printf (m, "X-Field-%u: value\n", i);
	g_string_append (m, "\nbody\n--B--\n");
	return m;
}

static void
test_nested_headers (void)
{
	static const char *const nested[] = {
		"message/rfc822", "MESSAGE/RFC822", "Message/Global",
		"text/plain; name=\"my message/x\"",
	};
	guint n = BS_INPUT_MAX_HEADERS + 1;
	guint i;

	for (i = 0; i < G_N_ELEMENTS (nested); i++) {
		g_autoptr(GString) m = part_with_lines (nested[i], n);
		g_autoptr(BsInput) input = read_bytes (m->str, m->len, 0);

		/* The last type names "message/" in a parameter: the check
		 * errs on the side of counting. */
		g_assert_false (bs_input_parse (input));
		g_assert_cmpstr (input->refused, ==, "too-complex");
	}
	{
		g_autoptr(GString) m = part_with_lines ("text/plain", n);
		g_autoptr(BsInput) input = read_bytes (m->str, m->len, 0);

		g_assert_true (bs_input_parse (input));
		g_assert_null (input->refused);
	}
}

static void
test_drain (void)
{
	g_autoptr(GError) error = NULL;
	char buf[16];
	int fds[2];

	g_assert_cmpint (pipe (fds), ==, 0);
	g_assert_cmpint (write (fds[1], "rest of message", 15), ==, 15);
	close (fds[1]);
	g_assert_true (bs_input_drain (fds[0], &error));
	g_assert_no_error (error);
	/* Nothing is left to read. */
	g_assert_cmpint (read (fds[0], buf, sizeof buf), ==, 0);
	close (fds[0]);
	g_assert_false (bs_input_drain (-1, &error));
	g_assert_error (error, BS_INPUT_ERROR, BS_INPUT_ERROR_READ);
}

int
main (int argc, char **argv)
{
	int ret;

	g_test_init (&argc, &argv, NULL);
	g_mime_init ();
	g_test_add_func ("/input/max-size", test_max_size);
	g_test_add_func ("/input/large-read", test_large_read);
	g_test_add_func ("/input/read-error", test_read_error);
	g_test_add_func ("/input/read-file", test_read_file);
	g_test_add_func ("/input/bare-cr", test_bare_cr);
	g_test_add_func ("/input/bare-cr-parts", test_bare_cr_parts);
	g_test_add_func ("/input/mbox-from", test_mbox_from);
	g_test_add_func ("/input/crlf", test_crlf);
	g_test_add_func ("/input/parse-bytes-broken",
	    test_parse_bytes_broken);
	g_test_add_func ("/input/nested-headers", test_nested_headers);
	g_test_add_func ("/input/drain", test_drain);
	ret = g_test_run ();
	g_mime_shutdown ();
	return ret;
}
