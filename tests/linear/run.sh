#!/bin/sh
# Suite "linear", process level (issue 10, defect 3): hostile inputs under
# 1 MB that took seconds to minutes (gen.py), each at three sizes, S, N and
# 4N.  The program runs under callgrind, interpreted (no JIT: one process
# per message, as MDAs run it), and the instructions it executes past the
# small one must grow at most 6 times from N to 4N (4 for linear work, 16
# for quadratic).  A ratio of instruction counts, never a time.  Prints
# TAP; skips without valgrind, except under CI=true.
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=${BS_BIN:?BS_BIN names the program}
if ! command -v valgrind >/dev/null 2>&1; then
	if [ "${CI:-}" = true ]; then
		echo "1..1"
		echo "not ok 1 - valgrind is missing (CI=true)"
		exit 1
	fi
	echo "1..0 # SKIP valgrind is missing"
	exit 0
fi
# valgrind cannot run a program built with AddressSanitizer.
if grep -q __asan_init "$bin" 2>/dev/null \
    || { command -v ldd >/dev/null && ldd "$bin" 2>/dev/null | grep -q asan; }; then
	echo "1..0 # SKIP valgrind cannot run a sanitizer build"
	exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bs-linear.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
export BACKSCATTER_CHECK_NO_JIT=1 G_SLICE=always-malloc

# instructions KIND SIZE: what the program executes on that input.
instructions() {
	python3 "$here/gen.py" "$1" "$2" > "$tmp/in.eml" || return 1
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" \
	    "$bin" --no-config --address=user@example.org --json \
	    "$tmp/in.eml" > "$tmp/out.json" 2> "$tmp/err" </dev/null
	rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
		echo "# exit $rc on $1 $2: $(tail -1 "$tmp/err")" >&2
		return 1
	fi
	sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$tmp/cg.out"
}

# kind N: the sizes S = N/8, N, 4N
set -- qmail 12000 qmail-many 24000 rcpt 500 rcpt-angle 300 msgid 5000 \
    msgid-run 6000 markers 400 broken 4000 encwords 2500 \
    open-report 1600 open-attached 1600 open-inline 1600
echo "1..$(($# / 2))"
n=0
fail=0
while [ $# -ge 2 ]; do
	kind=$1 size=$2
	shift 2
	n=$((n + 1))
	s=$(instructions "$kind" $((size / 8))) &&
	    a=$(instructions "$kind" "$size") &&
	    b=$(instructions "$kind" $((size * 4)))
	if [ $? -ne 0 ] || [ -z "$s" ] || [ -z "$a" ] || [ -z "$b" ]; then
		echo "not ok $n - $kind: no instruction count"
		fail=1
		continue
	fi
	# (4N - S) / (N - S) <= 6, in integers
	if [ $(((b - s) * 10)) -le $(((a - s) * 60)) ]; then
		echo "ok $n - $kind: work linear in the input"
	else
		echo "not ok $n - $kind: work grows super-linearly"
		fail=1
	fi
	echo "# $kind at $((size / 8)), $size, $((size * 4)): $s, $a, $b" \
	    "instructions; growth $(((b - s) * 100 / (a - s)))/100 for 4x"
done
exit $fail
