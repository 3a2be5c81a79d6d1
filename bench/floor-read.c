/* floor-read.c: the bare floor of the benchmark.  Reads standard input to
 * its end and exits: what any filter costs before it looks at the mail. */
#include <errno.h>
#include <unistd.h>

int
main (void)
{
	static char buf[64 * 1024];
	ssize_t n;

	for (;;) {
		n = read (STDIN_FILENO, buf, sizeof buf);
		if (n == 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return 75;
	}
}
