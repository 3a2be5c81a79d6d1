#!/bin/sh
# Suite "golden": run backscatter-check on every case in tests/data/cases.list
# and compare exit code and output with tests/data/expected/.  Prints TAP.
#   <exit> <case> [args...]   stdin = eml/<case>.eml; compare --json, and
#                             --explain / -H when <case>.explain / .hdr exist
#   <exit> <case> !<command>  sh -c <command> (stdin = eml/<case>.eml if any);
#                             compare the exit code, stdout if <case>.out
#                             exists, stderr if <case>.err exists
# A case named <eml>+<variant> reads eml/<eml>.eml (same input, other args).
# <exit> "?": the verdict has no known right answer (an unlabeled bounce):
#   exit 0 or 1 will do, and only what known.sh keeps is compared; "?0"
#   and "?1": the verdict is known (that exit), the score and tests not.
# expected/<case>.todo: the expected files hold the right answer, which the
#   program does not give yet; the file says why, and the case's results
#   are TAP TODO.
# UPDATE_GOLDEN=1 rewrites the expected files instead of comparing (never
# those of a TODO case: they are written by hand).
: "${BS_BIN:?BS_BIN must name the backscatter-check binary}"
LC_ALL=C
export BS_BIN LC_ALL
here=$(cd "$(dirname "$0")" && pwd) || exit 99
cd "${BS_SRCDIR:-.}" || exit 99
data=tests/data
exp=$data/expected
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
n=0
fail=0

todo=
result() {	# status description
	n=$((n + 1))
	if [ -n "$todo" ]; then
		[ "$1" -eq 0 ] || printf 'not '
		echo "ok $n - $2 # TODO $todo"
		return
	fi
	[ "$1" -eq 0 ] || { printf 'not '; fail=1; }
	echo "ok $n - $2"
}

compare() {	# expected-file actual-file -> 0 if same (or updated)
	if [ -n "$UPDATE_GOLDEN" ] && [ -z "$todo" ]; then
		cp "$2" "$1"
		return 0
	fi
	cmp -s "$1" "$2" && return 0
	if python3 -m json.tool "$1" >"$tmp/a" 2>/dev/null &&
	    python3 -m json.tool "$2" >"$tmp/b" 2>/dev/null; then
		diff -u "$tmp/a" "$tmp/b"
	else
		diff -u "$1" "$2"
	fi | sed 's/^/# /'
	return 1
}

verdict_ok() {	# want got: "?" takes either verdict, "?N" only exit N
	case $1 in
	'?') [ "$2" -eq 0 ] || [ "$2" -eq 1 ] ;;
	*) [ "$2" -eq "${1#?}" ] ;;
	esac
}

check() {	# case what want got expected-file actual-file
	case $3 in
	'?'*)
		if ! verdict_ok "$3" "$4"; then
			echo "# $1 $2: exit $4, want $3 (expected file not touched)"
			result 1 "$1 $2"
			return
		fi
		mode=$2
		[ "$mode" = add-header ] && mode=hdr
		sh "$here/known.sh" "$mode" <"$6" >"$6.known" &&
		    mv "$6.known" "$6"
		compare "$5" "$6"
		result $? "$1 $2"
		return ;;
	esac
	if [ "$4" -ne "$3" ]; then
		echo "# $1 $2: exit $4, want $3 (expected file not touched)"
		result 1 "$1 $2"
	else
		compare "$5" "$6"
		result $? "$1 $2"
	fi
}

set -f	# extra args are split on purpose, never globbed
# shellcheck disable=SC2086
while read -r want name rest; do
	case $want in '' | '#'*) continue ;; esac
	eml=$data/eml/${name%%+*}.eml
	todo=
	[ -f "$exp/$name.todo" ] && todo=$(head -n 1 "$exp/$name.todo")
	case $rest in
	'!'*)
		[ -f "$eml" ] || eml=/dev/null
		sh -c "${rest#!}" <"$eml" >"$tmp/out" 2>"$tmp/err"
		got=$?
		checked=
		for x in out err; do
			[ -f "$exp/$name.$x" ] || continue
			check "$name" "exit+std$x" "$want" "$got" "$exp/$name.$x" "$tmp/$x"
			checked=1
		done
		if [ -z "$checked" ]; then
			[ "$got" -eq "$want" ] || echo "# $name: exit $got, want $want"
			result $((got != want)) "$name exit $want"
		fi
		continue ;;
	esac
	"$BS_BIN" --json $rest <"$eml" >"$tmp/out"
	check "$name" json "$want" $? "$exp/$name.json" "$tmp/out"
	if [ -f "$exp/$name.explain" ]; then
		"$BS_BIN" --explain $rest <"$eml" >"$tmp/out"
		check "$name" explain "$want" $? "$exp/$name.explain" "$tmp/out"
	fi
	if [ -f "$exp/$name.hdr" ]; then
		"$BS_BIN" -H $rest <"$eml" >"$tmp/out"
		got=$?
		hwant=0
		# any verdict, but exit 0 (the message was written out)
		case $want in '?'*) [ "$got" -eq 0 ] && hwant='?' ;; esac
		check "$name" add-header "$hwant" $got "$exp/$name.hdr" "$tmp/out"
	fi
done <"$data/cases.list"
echo "1..$n"
exit $fail
