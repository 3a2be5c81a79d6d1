/* fuzz-filter.c: filter mode, bs_passthrough_write, against its contract
 * (src/passthrough.h), checked by a model written here from that text:
 *
 *   output = [leading mbox "From " line] our field [the rest of the input
 *            without the X-Backscatter fields of its header block]
 *
 * Each input is written twice to a memfd: as a whole message (complete)
 * and as a prefix of a longer one (!complete, where a field that reaches
 * the end of the data is kept).  Any difference abort()s.
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

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
	out_fd = memfd_create ("fuzz-filter", MFD_CLOEXEC);
	if (out_fd < 0) {
		perror ("memfd_create");
		abort ();
	}
	return 0;
}

/* The model.  A line is [start, end) with its ending, [start, cend) without. */
typedef struct {
	size_t start, cend, end;
	bool terminated;
} MLine;

/* The message's own line ending: that of its first line. */
static int
model_eol (const uint8_t *d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (d[i] == '\n')
			return 0;	/* LF, or CRLF: lines end at LF */
		if (d[i] == '\r')
			return i + 1 < n && d[i + 1] == '\n' ? 0 : 1;
	}
	return 0;
}

static MLine
model_line (const uint8_t *d, size_t n, size_t pos, int cr, bool complete)
{
	MLine l = { pos, n, n, false };
	size_t i;

	for (i = pos; i < n; i++) {
		if (d[i] == '\n') {
			l.cend = (!cr && i > pos && d[i - 1] == '\r') ? i - 1 : i;
			l.end = i + 1;
			l.terminated = true;
			return l;
		}
		if (cr && d[i] == '\r') {
			/* In a prefix, a final CR may be half of CRLF. */
			if (i + 1 == n && !complete)
				return l;
			l.cend = i;
			l.end = i + 1 < n && d[i + 1] == '\n' ? i + 2 : i + 1;
			l.terminated = true;
			return l;
		}
	}
	return l;
}

static bool
model_is_ours (const uint8_t *d, const MLine *l)
{
	static const char name[] = "x-backscatter";
	size_t i, n = sizeof name - 1;

	if (l->cend - l->start < n)
		return false;
	for (i = 0; i < n; i++) {
		if (g_ascii_tolower ((char) d[l->start + i]) != name[i])
			return false;
	}
	for (i = l->start + n; i < l->cend && (d[i] == ' ' || d[i] == '\t'); i++)
		;
	return i < l->cend && d[i] == ':';
}

static GByteArray *
model (const uint8_t *d, size_t n, bool complete, const char *field)
{
	GByteArray *out = g_byte_array_new ();
	int cr = model_eol (d, n);
	size_t pos = 0;
	bool in_header = true;

	if (n >= 5 && memcmp (d, "From ", 5) == 0) {
		MLine l = model_line (d, n, 0, cr, complete);

		if (l.terminated) {
			g_byte_array_append (out, d, (guint) l.end);
			pos = l.end;
		}
	}
	g_byte_array_append (out, (const guint8 *) field,
	    (guint) strlen (field));
	while (pos < n) {
		MLine l = model_line (d, n, pos, cr, complete);
		size_t fend;
		bool open;

		if (!in_header || (l.terminated && l.cend == l.start)
		    || !model_is_ours (d, &l)) {
			if (l.terminated && l.cend == l.start)
				in_header = false;
			g_byte_array_append (out, d + l.start,
			    (guint) (l.end - l.start));
			pos = l.end;
			continue;
		}
		/* Our field and its continuation lines. */
		fend = l.end;
		open = !l.terminated;
		while (!open && fend < n && (d[fend] == ' ' || d[fend] == '\t')) {
			MLine c = model_line (d, n, fend, cr, complete);

			fend = c.end;
			open = !c.terminated;
		}
		if (!complete && (open || fend == n)) {
			/* May go on beyond the prefix: kept, and the header
			 * block is left alone from here. */
			in_header = false;
			continue;
		}
		pos = fend;
	}
	return out;
}

static void
check (const uint8_t *data, size_t size, bool complete)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GByteArray) want = NULL;
	g_autofree char *field = NULL;
	g_autofree guint8 *got = NULL;
	off_t len;

	if (ftruncate (out_fd, 0) != 0 || lseek (out_fd, 0, SEEK_SET) != 0)
		abort ();
	if (!bs_passthrough_write (data, size, complete, VALUE, out_fd,
	    &error)) {
		fprintf (stderr, "fuzz-filter: %s\n", error->message);
		abort ();
	}
	len = lseek (out_fd, 0, SEEK_CUR);
	got = g_malloc ((gsize) len + 1);
	if (pread (out_fd, got, (size_t) len, 0) != len)
		abort ();
	field = bs_passthrough_format_header (VALUE,
	    bs_passthrough_detect_eol (data, size));
	/* Our field: one field, its lines joined by folding only. */
	if (!g_str_has_prefix (field, "X-Backscatter: "))
		abort ();
	want = model (data, size, complete, field);
	if ((gsize) len != want->len || memcmp (got, want->data, want->len) != 0) {
		fprintf (stderr, "fuzz-filter: output differs from the model "
		    "(complete=%d, in %zu, out %lld, want %u)\n", complete,
		    size, (long long) len, want->len);
		abort ();
	}
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	check (data, size, true);
	check (data, size, false);
	return 0;
}
