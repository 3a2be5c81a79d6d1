#!/bin/sh
# Suite "hostile": made inputs that try to crash, hang or exhaust the
# program, and the errors a user meets.  Prints TAP.
#
# gen.py writes the inputs into a temporary directory at test time (100 MB
# of them; nothing is committed).  check.py runs the program on each in
# every mode and checks: no signal, exit 0 or 1 (0 with -H), one valid JSON
# object with --json, and with -H our field on top of the input byte for
# byte; a message past a limit is "unknown; reason=too-complex" or
# "too-large".  Peak memory (getrusage of the child) stays within
# 3 x input size + 64 MiB, within 1.2 x size + 32 MiB for the large
# messages classified whole (100 MB and gen.py --big), and under 64 MiB for
# a 100 MB message passed through in filter mode; not under
# AddressSanitizer, whose shadow memory and quarantine are no measure of
# ours.  Under a 256 MiB address-space limit, 1 GiB of input exits 75.
#
# Then each file of tests/data/crashers (inputs the fuzzers once crashed
# on) in every mode, and the errors of the exit status table: 66 for a FILE
# that is missing, a directory or unreadable, 78 for a bad config or rule
# file, each a one-line message naming the file (and line).
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=${BS_SRCDIR:-$here/../..}
bin=${BS_BIN:?BS_BIN names the program}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bs-hostile.XXXXXX") || exit 1
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
mkdir "$tmp/in"
if ! python3 "$here/gen.py" "$tmp/in"; then
	echo "Bail out! gen.py failed"
	exit 1
fi

# GLib 2.74 keeps freed slices for reuse, where LeakSanitizer cannot see
# a leaked GObject: hand them to malloc.
export G_SLICE=always-malloc

asan=0
if grep -q __asan_init "$bin" 2>/dev/null \
    || { command -v ldd >/dev/null && ldd "$bin" 2>/dev/null | grep -q asan; }; then
	asan=1
fi

n=0
fail=0
report() {	# status description diagnostic
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fail=1
	fi
	[ -n "$3" ] && echo "# $3"
}

bound() {	# file: 3 x size + 64 MiB, in KiB, or nothing under ASan
	[ "$asan" -eq 1 ] && return
	size=$(wc -c < "$1")
	echo "--max-rss-kb $((size * 3 / 1024 + 65536))"
}

run_case() {	# file expect description [program options]
	file=$1 expect=$2 what=$3
	shift 3
	for mode in verdict json explain filter; do
		exp=
		if [ "$expect" != any ] && [ "$mode" = json ] \
		    || [ "$expect" != any ] && [ "$mode" = filter ]; then
			exp="--expect $expect"
		fi
		# shellcheck disable=SC2046 # word splitting wanted
		diag=$(python3 "$here/check.py" "$mode" "$file" $exp \
		    $(bound "$file") -- "$bin" --no-config "$@" 2>&1)
		report $? "$what ($mode)" "$diag"
	done
}

# Made inputs.
while read -r name expect; do
	run_case "$tmp/in/$name.eml" "$expect" "$name"
done < "$tmp/in/cases.list"

# BS_DSN_MAX_RECIPIENTS: 1000 of the 10,000 recipients of a DSN are kept;
# of prose, those in the first BS_NOTIFICATION_MAX bytes, at most 1000.
recipients() {
	"$bin" --no-config --json < "$tmp/in/$1.eml" | python3 -c '
import json, sys
print(len(json.loads(sys.stdin.readline())["recipients"]))' 2>&1
}
got=$(recipients dsn-10000-recipients)
[ "$got" = 1000 ]
report $? "dsn-10000-recipients: recipients capped at 1000" "got $got"
got=$(recipients text-10000-recipients)
[ "$got" -gt 0 ] 2>/dev/null && [ "$got" -le 1000 ]
report $? "text-10000-recipients: at most 1000 recipients" "got $got"

# Peak memory of a large message classified whole (issue 10): at most
# 1.2 x its size + 32 MiB, where GMime alone takes 1.0 x.  Only what the
# scanners read is decoded and converted; nothing is copied whole.
tight() {	# file: the bound in KiB, or nothing under ASan
	[ "$asan" -eq 1 ] && return
	size=$(wc -c < "$1")
	echo "--max-rss-kb $((size * 12 / 10 / 1024 + 32768))"
}

# The 100 MB attachment: classified in full with --max-size 0, passed
# through unclassified in constant memory with the default limit.
big=$tmp/in/big-100mb.eml
for mode in verdict json filter; do
	# shellcheck disable=SC2046
	diag=$(python3 "$here/check.py" "$mode" "$big" $(tight "$big") -- \
	    "$bin" --no-config --max-size 0 2>&1)
	report $? "100 MB attachment, --max-size 0 ($mode)" "$diag"
done
if [ "$asan" -eq 1 ]; then
	rss=
else
	rss="--max-rss-kb 65536"
fi
# shellcheck disable=SC2086
diag=$(python3 "$here/check.py" filter "$big" --expect too-large $rss -- \
    "$bin" --no-config 2>&1)
report $? "100 MB attachment, default --max-size: passed through in under 64 MiB" "$diag"
# shellcheck disable=SC2086
diag=$(python3 "$here/check.py" json "$big" --expect too-large $rss -- \
    "$bin" --no-config 2>&1)
report $? "100 MB attachment, default --max-size: unknown, too-large" "$diag"
rm -f "$big"

# Address-space limits from the message's size to 48 MiB more, 4 MiB
# apart: reading fails, or the classification runs out part-way (GLib's
# abort, caught), or all goes well.  Whichever, no signal: exit 0 or 1
# with the whole output, or 75 with none.
sweep() {	# file
	[ "$asan" -eq 1 ] && return
	command -v prlimit > /dev/null || return
	size=$(wc -c < "$1")
	bad=
	for step in $(seq 0 4 48); do
		as=$((size + step * 1048576))
		for mode in verdict filter; do
			opt=
			[ "$mode" = filter ] && opt=-H
			# shellcheck disable=SC2086
			prlimit --as=$as "$bin" --no-config --max-size 0 $opt \
			    "$1" > "$tmp/out" 2> "$tmp/err"
			got=$?
			out=$(wc -c < "$tmp/out")
			case $mode.$got in
			verdict.[01]) ;;
			filter.0) [ "$out" -gt "$size" ] || bad="$bad $as:$mode:short" ;;
			*.75) [ "$out" -eq 0 ] && [ "$(wc -l < "$tmp/err")" -eq 1 ] \
			    || bad="$bad $as:$mode:75-with-output" ;;
			*) bad="$bad $as:$mode:exit-$got" ;;
			esac
		done
	done
	[ -z "$bad" ]
	report $? "$(basename "$1") under address-space limits of size to size + 48 MiB: 0/1 or 75 with nothing written" "${bad:-}"
}

# About 40 MB each (gen.py --big): tis-620 text, quoted-printable text, a
# base64 attachment, bare-CR mail, and returned originals (tis-620,
# base64-encoded, us-ascii in base64, HTML).  Written, run and deleted
# one at a time.
for name in $(python3 "$here/gen.py" --big); do
	big=$tmp/in/$name.eml
	if ! python3 "$here/gen.py" --big "$name" "$big"; then
		report 1 "$name: gen.py --big failed" ""
		continue
	fi
	for mode in verdict json filter; do
		# shellcheck disable=SC2046
		diag=$(python3 "$here/check.py" "$mode" "$big" $(tight "$big") \
		    -- "$bin" --no-config --max-size 0 2>&1)
		report $? "$name, --max-size 0, 1.2 x size + 32 MiB ($mode)" \
		    "$diag"
	done
	[ "$name" = big-tis620 ] && sweep "$big"
	rm -f "$big"
done

# More input than memory (issue 10): exit 75 and one line naming the
# input, never GLib's abort; with -H nothing is written.  The address
# space is limited to 256 MiB, the input is 1 GiB: from a pipe, and from
# a sparse file (no disk used).  Not under AddressSanitizer, which needs
# terabytes of address space for its shadow memory.
oom_case() {	# description mode file-or-empty
	what=$1 mode=$2 file=$3
	opt=
	[ "$mode" = filter ] && opt=-H
	if [ -n "$file" ]; then
		# shellcheck disable=SC2086
		prlimit --as=268435456 "$bin" --no-config --max-size 0 $opt \
		    "$file" > "$tmp/out" 2> "$tmp/err"
		got=$?
		name=$file
	else
		# shellcheck disable=SC2086
		{ printf 'From: MAILER-DAEMON@mx.example.net\nSubject: x\n\n'
		  head -c 1073741824 /dev/zero; } | prlimit --as=268435456 \
		    "$bin" --no-config --max-size 0 $opt > "$tmp/out" \
		    2> "$tmp/err"
		got=$?
		name=-
	fi
	out=$(wc -c < "$tmp/out")
	lines=$(wc -l < "$tmp/err")
	msg=$(head -n 3 "$tmp/err")
	if [ "$got" -eq 75 ] && [ "$out" -eq 0 ] && [ "$lines" -eq 1 ] \
	    && grep -q "^backscatter-check: $name: out of memory" "$tmp/err"
	then
		report 0 "$what" "$msg"
	else
		report 1 "$what" "exit $got (want 75), $out bytes out (want 0), $lines line(s): $msg"
	fi
}
if [ "$asan" -eq 1 ]; then
	for what in "1 GiB from a pipe under a 256 MiB limit: 75" \
	    "1 GiB file under a 256 MiB limit: 75"; do
		for mode in verdict filter; do
			n=$((n + 1))
			echo "ok $n - $what ($mode) # SKIP AddressSanitizer"
		done
	done
elif ! command -v prlimit > /dev/null; then
	if [ "${CI:-}" = true ]; then
		report 1 "prlimit (util-linux) for the memory-limit cases" \
		    "not found"
	else
		n=$((n + 1))
		echo "ok $n - memory-limit cases # SKIP prlimit not found"
	fi
else
	printf 'From: MAILER-DAEMON@mx.example.net\nSubject: x\n\n' \
	    > "$tmp/sparse.eml"
	truncate -s 1G "$tmp/sparse.eml"
	for mode in verdict filter; do
		oom_case "1 GiB from a pipe under a 256 MiB limit: 75 ($mode)" \
		    "$mode" ""
		oom_case "1 GiB file under a 256 MiB limit: 75 ($mode)" \
		    "$mode" "$tmp/sparse.eml"
	done
	rm -f "$tmp/sparse.eml"
fi

# Inputs the fuzzers crashed on once.
for file in "$src"/tests/data/crashers/*; do
	[ -f "$file" ] || continue
	case $file in *README*) continue ;; esac
	run_case "$file" any "crasher $(basename "$file")"
done

# Errors: the exit code and one line on stderr naming the file.
error_case() {	# want-exit pattern description command...
	want=$1 pattern=$2 what=$3
	shift 3
	"$@" < /dev/null > "$tmp/out" 2> "$tmp/err"
	got=$?
	lines=$(wc -l < "$tmp/err")
	msg=$(head -n 3 "$tmp/err")
	if [ "$got" -eq "$want" ] && [ "$lines" -eq 1 ] \
	    && grep -q -- "$pattern" "$tmp/err"; then
		report 0 "$what" "$msg"
	else
		report 1 "$what" "exit $got (want $want), $lines line(s), want /$pattern/: $msg"
	fi
}
error_case 66 "^backscatter-check: $tmp/missing.eml: " \
	"a missing FILE: 66" "$bin" --no-config "$tmp/missing.eml"
error_case 66 "^backscatter-check: $tmp/missing.eml: " \
	"a missing FILE with -H: 66" "$bin" --no-config -H "$tmp/missing.eml"
mkdir "$tmp/dir.eml"
error_case 66 "^backscatter-check: $tmp/dir.eml: " \
	"a directory as FILE: 66" "$bin" --no-config "$tmp/dir.eml"
error_case 66 "^backscatter-check: $tmp/dir.eml: " \
	"a directory as FILE with -H: 66" "$bin" --no-config -H "$tmp/dir.eml"
printf 'From: a@example.org\n\nhi\n' > "$tmp/unreadable.eml"
chmod 000 "$tmp/unreadable.eml"
if cat "$tmp/unreadable.eml" > /dev/null 2>&1; then
	n=$((n + 1))
	echo "ok $n - an unreadable FILE: 66 # SKIP chmod 000 does not stop root from reading"
else
	error_case 66 "^backscatter-check: $tmp/unreadable.eml: " \
		"an unreadable FILE: 66" "$bin" --no-config "$tmp/unreadable.eml"
fi
printf '[scoring]\nthreshold=5\n\n[limits]\nmax-sise=1M\n' > "$tmp/key.conf"
error_case 78 "^backscatter-check: $tmp/key.conf:5: " \
	"a bad config key: 78, file:line" "$bin" -c "$tmp/key.conf"
printf '[scoring]\nthreshold=5\nthreshold 6\n' > "$tmp/syntax.conf"
error_case 78 "^backscatter-check: $tmp/syntax.conf:3: " \
	"a config line that is no key: 78, file:line" "$bin" -c "$tmp/syntax.conf"
printf '[limits]\nmax-size=lots\n' > "$tmp/value.conf"
error_case 78 "^backscatter-check: $tmp/value.conf:2: " \
	"a bad config value: 78, file:line" "$bin" -c "$tmp/value.conf"
error_case 78 "$tmp/missing.conf" \
	"a missing config file: 78" "$bin" -c "$tmp/missing.conf"
mkdir "$tmp/rules"
printf '[pattern bounce-subject]\ndescription=x\nen=^(undeliverable\n' \
	> "$tmp/rules/10-bad.rules"
error_case 78 "^backscatter-check: $tmp/rules/10-bad.rules:[0-9]*: .*offset" \
	"a rule file with a bad pattern: 78, file:line" \
	"$bin" --no-config -R "$tmp/rules"
error_case 78 "^backscatter-check: $tmp/rules/10-bad.rules:[0-9]*: " \
	"a rule file with a bad pattern, --check-config: 78" \
	"$bin" --no-config --check-config -R "$tmp/rules"

echo "1..$n"
exit $fail
