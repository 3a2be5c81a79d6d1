#!/bin/bash
# run.sh: suite "filter", what must hold for filter mode (-H), issue 4.
# Prints TAP.
#
#   1. every message of ../shared/corpus through -H: exit 0, the output minus
#      our field is the input byte for byte, our field in the message's own
#      line ending with a well-formed value (check.py corpus; skipped when
#      ../shared is absent)
#   2. made inputs: CRLF, bare CR, NUL, 8-bit, no final newline, mbox From
#      line, forged X-Backscatter fields, empty, garbage (check.py made)
#   3. --max-size: the input streamed through with "unknown;
#      reason=too-large"; verdict modes still read stdin to its end
#      (check.py too-large)
#   4. unreadable or unwritable streams: exit 75 and one line on stderr,
#      never a signal death
#   5. nothing partial that looks complete (see the comment there)
#
# The byte comparisons are done by tests/filter/check.py, which finds and
# strips our field on its own rather than reuse the program's code.
#
# Environment (set by meson): BS_BIN (the backscatter-check executable),
# BS_SRCDIR (source root), BACKSCATTER_CHECK_DATADIR; BS_CORPUS overrides
# the corpus directory.

set -u
export LC_ALL=C

: "${BS_BIN:?BS_BIN is not set}"
: "${BS_SRCDIR:?BS_SRCDIR is not set}"
HERE=$BS_SRCDIR/tests/filter
CORPUS=${BS_CORPUS:-$BS_SRCDIR/../shared/corpus}

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $*"; }
diag() { sed 's/^/# /'; }

T=$(mktemp -d "${TMPDIR:-/tmp}/bs-filter.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
export BS_BIN T

# Runs check.py and numbers its unnumbered TAP lines.
helper() {
	local line st

	python3 "$HERE/check.py" "$@" >"$T/tap" 2>"$T/pyerr"
	st=$?
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "${line#ok - }" ;;
		"not ok - "*) not_ok "${line#not ok - }" ;;
		*) echo "$line" ;;
		esac
	done <"$T/tap"
	if [ "$st" -ne 0 ]; then
		not_ok "check.py $1 ended with status $st"
		diag <"$T/pyerr"
	fi
}

# 1. The corpus.
if [ -d "$CORPUS" ]; then
	helper corpus "$CORPUS"
else
	n=$((n + 1))
	echo "ok $n # SKIP no ../shared (no corpus at $CORPUS)"
fi

# 2. and 3.
helper made
helper too-large

# 4. I/O errors.  Each command runs under bash -c; it must end with the
# status wanted (never 128+signal) and say so in exactly one line on stderr
# that starts with "backscatter-check: ".
python3 -c '
import sys
sys.stdout.buffer.write(b"From: a@example.org\nSubject: s\n\nbody\n")' \
    >"$T/msg"
python3 -c '
import sys
sys.stdout.buffer.write(b"From: a@example.org\nSubject: big\n\n"
    + b"".join(b"line %07d ..........................................\n"
    % i for i in range(65536)))' >"$T/big"	# 4 MB, far over a pipe buffer

io_case() {	# status description command
	local want=$1 desc=$2 cmd=$3 rc lines

	bash -c "$cmd" >"$T/out" 2>"$T/err"
	rc=$?
	lines=$(wc -l <"$T/err")
	if [ "$rc" -eq "$want" ] && [ "$lines" -eq 1 ] &&
	    [ "$(head -c 19 "$T/err")" = "backscatter-check: " ]; then
		ok "$desc: exit $rc, $(cat "$T/err")"
	else
		not_ok "$desc: exit $rc (want $want), $lines stderr lines"
		diag <"$T/err"
		[ "$rc" -ge 128 ] && echo "# killed by signal $((rc - 128))"
	fi
}

io_case 75 "-H, stdout /dev/full" \
    '"$BS_BIN" -H <"$T/msg" >/dev/full'
io_case 75 "-H FILE, stdout /dev/full" \
    '"$BS_BIN" -H "$T/msg" >/dev/full'
io_case 75 "-H, stdout closed" \
    '"$BS_BIN" -H <"$T/msg" >&-'
io_case 75 "-H FILE, stdout closed" \
    '"$BS_BIN" -H "$T/msg" >&-'
io_case 75 "-H too large (streamed), stdout /dev/full" \
    '"$BS_BIN" -H --max-size 1k <"$T/big" >/dev/full'
io_case 75 "-H too large FILE, stdout /dev/full" \
    '"$BS_BIN" -H --max-size 1k "$T/big" >/dev/full'
io_case 75 "-H, reader closes the pipe early (EPIPE, not SIGPIPE)" \
    '"$BS_BIN" -H <"$T/big" | head -c 100 >/dev/null; exit ${PIPESTATUS[0]}'
io_case 75 "--json, stdout /dev/full" \
    '"$BS_BIN" --json <"$T/msg" >/dev/full'
io_case 75 "--json, stdout closed" \
    '"$BS_BIN" --json <"$T/msg" >&-'
io_case 75 "--explain, stdout /dev/full" \
    '"$BS_BIN" --explain <"$T/msg" >/dev/full'
io_case 75 "verdict lines for FILEs, stdout /dev/full" \
    '"$BS_BIN" "$T/msg" "$T/msg" >/dev/full'
# read(2) on a directory descriptor fails with EISDIR.
io_case 75 "-H, stdin a directory" \
    '"$BS_BIN" -H </'
io_case 75 "verdict mode, stdin a directory" \
    '"$BS_BIN" </'
io_case 75 "--json, stdin a directory" \
    '"$BS_BIN" --json </'
io_case 75 "-H, stdin closed" \
    '"$BS_BIN" -H <&-'
# A FILE that is a directory cannot be opened as a message: 66 in every mode.
io_case 66 "-H FILE a directory" \
    '"$BS_BIN" -H /'
io_case 66 "verdict mode, FILE a directory" \
    '"$BS_BIN" /'
io_case 66 "-H FILE missing" \
    '"$BS_BIN" -H "$T/no-such-file"'

# 5. Nothing partial that looks complete.  Every write error ends the
# output at once: the message is written with write(2) (no stdio buffer in
# filter mode) and the first failed write stops it, after which the program
# says why on stderr and exits 75.  A failure after some bytes went out
# (a disk that fills up midway) leaves a strict prefix of the message
# behind; it never looks complete, because the exit status says it is not:
# procmail (:0 fw), maildrop (xfilter) and Sieve (vnd.dovecot.filter) all
# discard a failed filter's output and keep the message as it was, and an
# MDA that gets 75 defers delivery, so the MTA retries and no mail is lost.
#
# With /dev/full nothing can reach the output; check that the program gives
# up after the first failed write (strace, when it works here).  Then a
# file size limit (ulimit -f, SIGXFSZ ignored by the program) stands in for
# a disk that fills up: at 0 nothing reaches the file, at 8 KB a strict
# prefix of the full output does.
if command -v strace >/dev/null 2>&1 &&
    strace -o /dev/null true >/dev/null 2>&1; then
	# LeakSanitizer cannot run under ptrace; leaks are checked elsewhere.
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    strace -o "$T/trace" -e trace=write "$BS_BIN" -H <"$T/big" \
	    >/dev/full 2>/dev/null
	rc=$?
	writes=$(grep -c '^write(1,' "$T/trace")
	if [ "$rc" -eq 75 ] && [ "$writes" -eq 1 ]; then
		ok "-H to /dev/full: one write(2) attempt on stdout, then exit 75"
	else
		not_ok "-H to /dev/full: exit $rc, $writes writes on stdout"
		diag <"$T/trace"
	fi
else
	n=$((n + 1))
	echo "ok $n # SKIP strace missing or not permitted"
fi

"$BS_BIN" -H <"$T/big" >"$T/full-output"
for kb in 0 8; do
	rm -f "$T/part"
	# bash counts ulimit -f in KB.  stderr goes through a pipe, since
	# the limit holds for every file the program writes.
	err=$( (ulimit -f "$kb" && exec "$BS_BIN" -H <"$T/big" \
	    >"$T/part") 2>&1)
	rc=$?
	printf '%s\n' "$err" >"$T/err"
	size=$(wc -c <"$T/part")
	if [ "$kb" -eq 0 ]; then
		prefix_ok=$([ "$size" -eq 0 ] && echo yes)
	else
		prefix_ok=$([ "$size" -gt 0 ] &&
		    [ "$size" -lt "$(wc -c <"$T/full-output")" ] &&
		    cmp -s "$T/part" <(head -c "$size" "$T/full-output") &&
		    echo yes)
	fi
	if [ "$rc" -eq 75 ] && [ "$prefix_ok" = yes ] &&
	    [ "$(wc -l <"$T/err")" -eq 1 ] &&
	    [ "$(head -c 19 "$T/err")" = "backscatter-check: " ]; then
		ok "disk full after ${kb} KB (ulimit -f): exit 75," \
		    "output $size bytes, a strict prefix"
	else
		not_ok "disk full after ${kb} KB (ulimit -f): exit $rc," \
		    "output $size bytes"
		diag <"$T/err"
	fi
done

echo "1..$n"
exit $failed
