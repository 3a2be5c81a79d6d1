/* fuzz-filter.c: filter mode, bs_passthrough_write, against its contract
 * (src/passthrough.h):
 *
 *   output = input[0, insert_at) our field input[insert_at, end) without
 *            the removed spans, as bs_passthrough_model() reports them
 *
 * and the same output whether the message is handed over whole or as a
 * start in memory with the rest read from a descriptor (a message larger
 * than --max-size), split anywhere after its first LF.  The spans are
 * checked for shape here; what they should be is fuzz-header-model's job.
 * Any difference abort()s.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "passthrough.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define VALUE "yes; score=12.5; threshold=5.0; kind=dsn; tests=" \
	"forged-sender,no-original,original-not-from-owner-relay," \
	"random-local-part,spam-subject"

static int out_fd = -1;
static int rest_fd = -1;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
	(void) argc;
	(void) argv;
	out_fd = memfd_create ("fuzz-filter-out", MFD_CLOEXEC);
	rest_fd = memfd_create ("fuzz-filter-rest", MFD_CLOEXEC);
	if (out_fd < 0 || rest_fd < 0) {
		perror ("memfd_create");
		abort ();
	}
	return 0;
}

static void
reset (int fd)
{
	if (ftruncate (fd, 0) != 0 || lseek (fd, 0, SEEK_SET) != 0)
		abort ();
}

/* Our output for data, of which data[cut..] comes from a descriptor. */
static GByteArray *
run (const uint8_t *data, size_t size, size_t cut)
{
	g_autoptr(GError) error = NULL;
	GByteArray *got;
	off_t len;
	int fd = -1;

	reset (out_fd);
	if (cut < size) {
		reset (rest_fd);
		if (write (rest_fd, data + cut, size - cut) !=
		    (ssize_t) (size - cut) || lseek (rest_fd, 0, SEEK_SET) != 0)
			abort ();
		fd = rest_fd;
	}
	if (!bs_passthrough_write (data, cut, fd, VALUE, out_fd, &error)) {
		fprintf (stderr, "fuzz-filter: %s\n", error->message);
		abort ();
	}
	len = lseek (out_fd, 0, SEEK_CUR);
	got = g_byte_array_sized_new ((guint) len);
	g_byte_array_set_size (got, (guint) len);
	if (pread (out_fd, got->data, (size_t) len, 0) != len)
		abort ();
	return got;
}

static void
fail (const char *what, size_t size)
{
	fprintf (stderr, "fuzz-filter: %s (input of %zu bytes)\n", what, size);
	abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	g_autoptr(BsPassthroughModel) m = NULL;
	g_autoptr(GByteArray) want = g_byte_array_new ();
	g_autoptr(GByteArray) whole = NULL;
	g_autoptr(GByteArray) split = NULL;
	g_autofree char *field = NULL;
	const uint8_t *nl;
	size_t pos;
	size_t first;
	size_t cut;
	guint i;

	m = bs_passthrough_model (data, size);
	field = bs_passthrough_format_header (VALUE,
	    bs_passthrough_detect_eol (data, size));
	if (m->insert_at > size || m->header_end > size ||
	    m->insert_at > m->header_end)
		fail ("model offsets out of range", size);

	/* The spans: in order, apart, after our field, in the header. */
	pos = m->insert_at;
	g_byte_array_append (want, data, (guint) m->insert_at);
	g_byte_array_append (want, (const guint8 *) field,
	    (guint) strlen (field));
	for (i = 0; i < m->removed->len; i++) {
		BsPassthroughSpan *sp = &g_array_index (m->removed,
		    BsPassthroughSpan, i);

		if (sp->start < pos || (i > 0 && sp->start == pos) ||
		    sp->end <= sp->start || sp->end > m->header_end)
			fail ("bad removed span", size);
		/* A span starts a line: at the top, or after LF or a CR. */
		if (sp->start > 0 && data[sp->start - 1] != '\n' &&
		    data[sp->start - 1] != '\r')
			fail ("removed span starts inside a line", size);
		g_byte_array_append (want, data + pos,
		    (guint) (sp->start - pos));
		pos = sp->end;
	}
	g_byte_array_append (want, data + pos, (guint) (size - pos));

	whole = run (data, size, size);
	if (whole->len != want->len ||
	    memcmp (whole->data, want->data, want->len) != 0)
		fail ("output differs from the model's spans", size);

	/* Split after the first LF, where the last byte says. */
	nl = memchr (data, '\n', size);
	if (nl == NULL || size == 0)
		return 0;
	first = (size_t) (nl - data) + 1;
	cut = first + data[size - 1] % (size - first + 1);
	split = run (data, size, cut);
	if (split->len != whole->len ||
	    memcmp (split->data, whole->data, whole->len) != 0)
		fail ("a split input gives another output", size);
	return 0;
}
