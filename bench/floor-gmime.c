/* floor-gmime.c: the GMime floor of the benchmark.  Starts, initialises
 * GMime, parses one message (stdin, or each FILE) with GMimeParser, walks
 * every part and exits.  Nothing built on GMime can cost less per message.
 *
 * Usage: floor-gmime [FILE...]
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <gmime/gmime.h>

static void
visit (GMimeObject *parent, GMimeObject *part, gpointer user_data)
{
	guint *n = user_data;

	(*n)++;
}

static gboolean
parse_stream (GMimeStream *stream, guint *parts)
{
	GMimeParser *parser;
	GMimeMessage *message;

	parser = g_mime_parser_new_with_stream (stream);
	g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
	message = g_mime_parser_construct_message (parser, NULL);
	g_object_unref (parser);
	if (message == NULL)
		return FALSE;
	g_mime_message_foreach (message, visit, parts);
	g_object_unref (message);
	return TRUE;
}

int
main (int argc, char **argv)
{
	GMimeStream *stream;
	guint parts = 0;
	int status = 0;
	int i;

	g_mime_init ();
	if (argc < 2) {
		/* A pipe cannot seek: read it into memory, as an MDA filter
		 * must. */
		GMimeStream *in = g_mime_stream_pipe_new (STDIN_FILENO);

		g_mime_stream_pipe_set_owner (GMIME_STREAM_PIPE (in), FALSE);
		stream = g_mime_stream_mem_new ();
		g_mime_stream_write_to_stream (in, stream);
		g_mime_stream_reset (stream);
		g_object_unref (in);
		if (!parse_stream (stream, &parts))
			status = 1;
		g_object_unref (stream);
	}
	for (i = 1; i < argc; i++) {
		int fd = open (argv[i], O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			fprintf (stderr, "floor-gmime: %s: cannot open\n",
			    argv[i]);
			status = 66;
			continue;
		}
		stream = g_mime_stream_fs_new (fd);
		if (!parse_stream (stream, &parts))
			status = 1;
		g_object_unref (stream);
	}
	g_mime_shutdown ();
	return status;
}
