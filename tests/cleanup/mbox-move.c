/* mbox-move.c: bs_mover_copy_mbox from the command line, for move.py's
 * kill -9 rounds on an mbox while the program reads no mbox yet.
 * mbox-move FOLDER MBOX REWRITE(0|1) OFFSET... */
#include <stdio.h>
#include <stdlib.h>

#include "move.h"

int
main (int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(BsMover) m = NULL;
	g_autoptr(GArray) offsets = g_array_new (FALSE, FALSE, sizeof (gint64));
	int i;

	if (argc < 4) {
		fprintf (stderr, "usage: mbox-move FOLDER MBOX 0|1 OFFSET...\n");
		return 64;
	}
	for (i = 4; i < argc; i++) {
		gint64 off = g_ascii_strtoll (argv[i], NULL, 10);

		g_array_append_val (offsets, off);
	}
	m = bs_mover_new (argv[1], FALSE, &error);
	if (m == NULL || !bs_mover_copy_mbox (m, argv[2], (gint64 *) (gpointer)
	    offsets->data, offsets->len, argv[3][0] == '1', NULL, NULL,
	    &error)) {
		fprintf (stderr, "mbox-move: %s\n", error->message);
		return 75;
	}
	return 0;
}
