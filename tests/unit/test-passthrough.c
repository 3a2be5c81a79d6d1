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
#define OURS_CR "X-Backscatter: no; score=0.5; threshold=5.0\r"

/* Literals may hold NULs, so their length comes from sizeof. */
#define CHECK(in, expected) \
	check_write (in, sizeof (in) - 1, TRUE, expected, sizeof (expected) - 1)
#define CHECK_PREFIX(in, expected) \
	check_write (in, sizeof (in) - 1, FALSE, expected, \
	    sizeof (expected) - 1)

static GBytes *
capture (const char *data, gsize len, gboolean complete, const char *value)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = NULL;
	g_autofree char *contents = NULL;
	gsize out_len = 0;
	gboolean ok;
	int fd;

	fd = g_file_open_tmp ("test-passthrough-XXXXXX", &path, &error);
	g_assert_no_error (error);
	g_assert_cmpint (fd, >=, 0);
	ok = bs_passthrough_write ((const guint8 *) data, len, complete, value,
	    fd, &error);
	g_assert_no_error (error);
	g_assert_true (ok);
	g_assert_cmpint (close (fd), ==, 0);
	g_file_get_contents (path, &contents, &out_len, &error);
	g_assert_no_error (error);
	g_unlink (path);
	return g_bytes_new_take (g_steal_pointer (&contents), out_len);
}

static void
check_write (const char *in, gsize in_len, gboolean complete,
    const char *expected, gsize expected_len)
{
	g_autoptr(GBytes) out = NULL;
	gsize out_len;
	const char *out_data;

	out = capture (in, in_len, complete, VALUE);
	out_data = g_bytes_get_data (out, &out_len);
	g_assert_cmpmem (out_data, out_len, expected, expected_len);
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
	g_assert_cmpstr (bs_passthrough_detect_eol ((const guint8 *) "a\rb\r",
	    4), ==, "\r");
	g_assert_cmpstr (bs_passthrough_detect_eol ((const guint8 *) "a\r", 2),
	    ==, "\r");
	/* The length bounds the scan: the "\n" after it does not count. */
	g_assert_cmpstr (bs_passthrough_detect_eol ((const guint8 *) "a\r\n",
	    2), ==, "\r");
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
	CHECK ("Subject: hi\r\nX-Backscatter: yes\r\n\tscore=9\r\nTo: b\r\n"
	    "\r\nX-Backscatter: body\r\n",
	    OURS_CRLF "Subject: hi\r\nTo: b\r\n\r\nX-Backscatter: body\r\n");
}

static void
test_bare_cr (void)
{
	CHECK ("Subject: hi\rX-Backscatter: yes\r score=9\rTo: b\r\r"
	    "X-Backscatter: body\r",
	    OURS_CR "Subject: hi\rTo: b\r\rX-Backscatter: body\r");
}

/* The first line ending decides; later lines keep their own endings. */
static void
test_mixed_eol (void)
{
	/* "\r\n" alone is an empty line in LF mail as well. */
	CHECK ("Subject: s\n\r\nX-Backscatter: yes\n",
	    OURS_LF "Subject: s\n\r\nX-Backscatter: yes\n");
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
	out = capture (NULL, 0, TRUE, VALUE);
	data = g_bytes_get_data (out, &len);
	g_assert_cmpmem (data, len, OURS_LF, sizeof (OURS_LF) - 1);
}

static void
test_garbage (void)
{
	CHECK ("\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
	    OURS_CRLF "\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
	CHECK ("no header here", OURS_LF "no header here");
	/* An empty first line: no header block, the body follows. */
	CHECK ("\nX-Backscatter: yes\n", OURS_LF "\nX-Backscatter: yes\n");
	/* Whitespace at the very top is kept, though it now continues our
	 * field (an MTA puts Received fields before it in practice). */
	CHECK (" x\nSubject: s\n\n", OURS_LF " x\nSubject: s\n\n");
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

static void
test_prefix (void)
{
	g_autoptr(GBytes) out = NULL;
	g_autoptr(GString) all = NULL;
	const char *prefix;
	const char *data;
	gsize len;

	/* The header block ends inside the prefix: as if complete. */
	CHECK_PREFIX ("X-Backscatter: yes\nSubject: s\n\nbo",
	    OURS_LF "Subject: s\n\nbo");
	CHECK_PREFIX ("Subject: s\n\nX-Backscatter: yes\n",
	    OURS_LF "Subject: s\n\nX-Backscatter: yes\n");

	/* It does not: a forged field that ends inside goes, one that
	 * reaches the end of the prefix may continue beyond, and stays. */
	CHECK_PREFIX ("Subject: s\nX-Backscatter: yes\n\tmore\nTo: t\n"
	    "X-Backscatter: yes\n",
	    OURS_LF "Subject: s\nTo: t\nX-Backscatter: yes\n");
	CHECK ("Subject: s\nX-Backscatter: yes\n\tmore\nTo: t\n"
	    "X-Backscatter: yes\n",
	    OURS_LF "Subject: s\nTo: t\n");
	CHECK_PREFIX ("Subject: s\nX-Backscatter: ye",
	    OURS_LF "Subject: s\nX-Backscatter: ye");
	/* Nothing after the kept field is looked at. */
	CHECK_PREFIX ("X-Backscatter: yes\n\tmo",
	    OURS_LF "X-Backscatter: yes\n\tmo");

	/* Bare CR: a final "\r" may be half of "\r\n". */
	CHECK_PREFIX ("Subject: s\rX-Backscatter: yes\r",
	    OURS_CR "Subject: s\rX-Backscatter: yes\r");
	CHECK ("Subject: s\rX-Backscatter: yes\r", OURS_CR "Subject: s\r");
	/* An mbox line whose end lies beyond the prefix. */
	CHECK_PREFIX ("From x\r", OURS_CR "From x\r");
	CHECK_PREFIX ("", OURS_LF);

	/* The caller copies the rest after our output. */
	prefix = "Subject: s\nX-Backscatter: yes\nTo: t\nX-Backscatter: yes\n";
	out = capture (prefix, strlen (prefix), FALSE, VALUE);
	data = g_bytes_get_data (out, &len);
	all = g_string_new_len (data, (gssize) len);
	g_string_append (all, "\tcont\nX: 1\n\nbody\n");
	g_assert_cmpstr (all->str, ==, OURS_LF "Subject: s\nTo: t\n"
	    "X-Backscatter: yes\n\tcont\nX: 1\n\nbody\n");
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
	ok = bs_passthrough_write ((const guint8 *) msg, strlen (msg), TRUE,
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
	ok = bs_passthrough_write ((const guint8 *) in->str, in->len, TRUE,
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
	ok = bs_passthrough_write ((const guint8 *) in->str, in->len, TRUE,
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
	check_format (VALUE, "\r", OURS_CR);
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
	static const char *const eols[] = { "\n", "\r\n", "\r" };
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
		const char *eol = eols[g_test_rand_int_range (0, 3)];
		const char *data;
		gboolean last_forged = FALSE;
		gsize from_len = 0;
		gsize body_at = 0;
		gsize ours_len;
		gsize len;

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
			if (!forged)
				g_string_append_len (kept, field->str,
				    (gssize) field->len);
			last_forged = forged;
		}
		n = (guint) g_test_rand_int_range (0, 3);
		if (n == 1) {
			/* A body, which may hold anything. */
			g_autoptr(GString) body = g_string_new (eol);

			body_at = in->len + strlen (eol);
			append_our_name (body);
			g_string_append (body, " yes");
			g_string_append (body, eol);
			append_text (body);
			g_string_append_len (in, body->str, (gssize) body->len);
			g_string_append_len (kept, body->str,
			    (gssize) body->len);
		} else if (n == 2) {
			/* The last line without its line ending. */
			g_string_truncate (in, in->len - strlen (eol));
			if (!last_forged)
				g_string_truncate (kept, kept->len -
				    strlen (eol));
		}
		/* Field text holds no CR or LF: a message of one line
		 * without its ending has none and gets the default. */
		if (memchr (in->str, '\n', in->len) == NULL &&
		    memchr (in->str, '\r', in->len) == NULL)
			eol = "\n";

		out = capture (in->str, in->len, TRUE, "yes; score=9.9");
		data = g_bytes_get_data (out, &len);
		ours = bs_passthrough_format_header ("yes; score=9.9", eol);
		ours_len = strlen (ours);
		g_assert_cmpuint (len, >=, from_len + ours_len);
		g_assert_cmpmem (data, from_len, in->str, from_len);
		g_assert_cmpmem (data + from_len, ours_len, ours, ours_len);
		g_assert_cmpmem (data + from_len + ours_len,
		    len - from_len - ours_len, kept->str, kept->len);

		/* A prefix that holds the whole header block, the rest
		 * copied by the caller, gives the same. */
		if (body_at > 0) {
			g_autoptr(GBytes) part = NULL;
			g_autoptr(GByteArray) all = g_byte_array_new ();
			const char *pdata;
			gsize plen;
			gsize cut;

			cut = (gsize) g_test_rand_int_range ((gint32) body_at,
			    (gint32) in->len + 1);
			part = capture (in->str, cut, FALSE, "yes; score=9.9");
			pdata = g_bytes_get_data (part, &plen);
			g_byte_array_append (all, (const guint8 *) pdata,
			    (guint) plen);
			g_byte_array_append (all,
			    (const guint8 *) in->str + cut,
			    (guint) (in->len - cut));
			g_assert_cmpmem (all->data, all->len, data, len);
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
	g_test_add_func ("/passthrough/prefix", test_prefix);
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
