#!/bin/sh
# Suite "hostile", test "settings" (issue 10, defects 1 and 6-8): sizes,
# config and rule files, numbers and names an attacker or a typo would
# give.  Each must work or be a usage (64) or config (78) error with one
# line naming the file; no size may wrap, no file may hang us, no number
# may make invalid JSON.  Prints TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=${BS_SRCDIR:-$here/../..}
bin=${BS_BIN:?BS_BIN names the program}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bs-settings.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
sample=$src/tests/data/eml/postfix-dsn-backscatter.eml
# A guard against a hang, not a measure of speed: a FIFO read forever
# would otherwise stop the suite until meson's timeout.
guard="timeout 60"

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
	[ -n "$3" ] && printf '%s\n' "$3" | head -n 3 | sed 's/^/# /'
	return 0
}

# want-exit pattern description command...: the exit code, and exactly
# one line on stderr matching pattern.
error_case() {
	want=$1 pattern=$2 what=$3
	shift 3
	$guard "$@" < /dev/null > "$tmp/out" 2> "$tmp/err"
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

# -H output minus its first line must be the input, exit 0.
filter_intact() {	# description args...
	what=$1
	shift
	$guard "$bin" --no-config -H "$@" < "$sample" > "$tmp/out" 2> "$tmp/err"
	got=$?
	# Our field, folded over lines that start with a tab, then the input.
	if [ "$got" -eq 0 ] && head -n 1 "$tmp/out" | grep -q '^X-Backscatter: ' \
	    && awk 'NR > 1 && !/^\t/ { p = 1 } p' "$tmp/out" | cmp -s - "$sample"
	then
		report 0 "$what" ""
	else
		report 1 "$what" "exit $got: $(head -n 2 "$tmp/err")"
	fi
}

conf() {	# name contents: a config file in $tmp
	printf '%s\n' "$2" > "$tmp/$1"
	echo "$tmp/$1"
}

# --- Defect 1: sizes.  max-size + 1 wrapped to 0 and the mail was lost.
for size in 18446744073709551615 18446744073709551614 9223372036854775807 \
    1099511627777 1025G 16777217M; do
	error_case 64 "^backscatter-check: --max-size: \"$size\" is not a size" \
	    "--max-size $size: 64" "$bin" --no-config -H --max-size "$size"
	c=$(conf "size-$size.conf" "[limits]
max-size=$size")
	error_case 78 "^backscatter-check: $c:2: max-size: " \
	    "[limits] max-size=$size: 78 naming file and line" \
	    "$bin" -c "$c" -H
done
for size in 1099511627776 1024G 1T 0 1 100; do
	case $size in 1T) continue ;; esac
	filter_intact "--max-size $size: the mail comes out whole" \
	    --max-size "$size"
done
got=$($guard "$bin" --no-config --max-size 1099511627776 < "$sample"; echo $?)
[ "$got" = 0 ]
report $? "--max-size 1T in verdict mode classifies" "exit $got"
# Verdict mode reads stdin to its end even when it does not classify.
got=$(python3 -c '
import subprocess, sys
data = b"From: a@example.org\n\n" + b"x" * 300000
p = subprocess.run(sys.argv[1:], input=data, capture_output=True)
print(p.returncode)' "$bin" --no-config --max-size 1k 2>&1)
[ "$got" = 1 ]
report $? "a too-large stdin in verdict mode is drained (no EPIPE), exit 1" "$got"

# --- Defect 6: files that are not settings.
mkfifo "$tmp/fifo.conf"
error_case 78 "^backscatter-check: .*fifo.conf: not a regular file" \
	"a FIFO as config: 78, no hang" "$bin" -c "$tmp/fifo.conf"
ln -s /dev/zero "$tmp/zero.conf"
error_case 78 "^backscatter-check: .*zero.conf: not a regular file" \
	"a config symlinked to /dev/zero: 78" "$bin" -c "$tmp/zero.conf"
truncate -s 1G "$tmp/huge.conf"
error_case 78 "^backscatter-check: .*huge.conf: larger than" \
	"a 1 GB config: 78, not read whole" "$bin" -c "$tmp/huge.conf"
error_case 78 "^backscatter-check: $tmp: not a regular file" \
	"a directory as config: 78" "$bin" -c "$tmp"
mkdir "$tmp/rules-fifo" "$tmp/rules-zero"
cp "$src"/data/rules/*.rules "$tmp/rules-fifo/"
cp "$src"/data/rules/*.rules "$tmp/rules-zero/"
mkfifo "$tmp/rules-fifo/60-fifo.rules"
ln -s /dev/zero "$tmp/rules-zero/60-zero.rules"
error_case 78 "60-fifo.rules: not a regular file" \
	"a FIFO as rule file: 78, no hang" "$bin" --no-config -R "$tmp/rules-fifo"
error_case 78 "60-zero.rules: not a regular file" \
	"/dev/zero as rule file: 78" "$bin" --no-config -R "$tmp/rules-zero"
c=$(conf bad-utf8.conf "[identity]
address=kim@example.org;b$(printf '\377')b@example.org")
error_case 78 "^backscatter-check: $c:2: address: " \
	"an invalid UTF-8 byte in address=: 78 naming file and line" \
	"$bin" -c "$c"
error_case 78 "^backscatter-check: $c:2: address: " \
	"... and --check-config says so" "$bin" -c "$c" --check-config
c=$(conf backslash.conf "[identity]
relay=192.0.2.1
address=kim@example.org\\")
error_case 78 "^backscatter-check: $c:3: address: " \
	"a trailing backslash in address=: 78 naming file and line" \
	"$bin" -c "$c" --check-config
for w in nan inf -inf 1e7 1e400; do
	mkdir "$tmp/rules-$w"
	cp "$src"/data/rules/*.rules "$tmp/rules-$w/"
	sed -i "/^\[test dsn-success\]/,/^weight=/s/^weight=.*/weight=$w/" \
	    "$tmp/rules-$w/50-score.rules"
	error_case 78 "50-score.rules:[0-9]*: weight \"$w\" is not a number" \
	    "weight=$w in a rule file: 78" \
	    "$bin" --no-config -R "$tmp/rules-$w" --check-config
	c=$(conf "weight-$w.conf" "[weights]
dsn-success=$w")
	error_case 78 "^backscatter-check: $c:2: weight of dsn-success" \
	    "[weights] dsn-success=$w: 78" "$bin" -c "$c"
	c=$(conf "threshold-$w.conf" "[scoring]
threshold=$w")
	error_case 78 "^backscatter-check: $c:2: threshold: " \
	    "[scoring] threshold=$w: 78" "$bin" -c "$c"
	error_case 64 "^backscatter-check: --threshold: " \
	    "--threshold=$w: 64" "$bin" --no-config --threshold="$w"
done

# --- Defect 7: every number we print is a JSON number.  The largest
# weights and threshold allowed, on every test at once.
{
	echo "[weights]"
	"$bin" --no-config --check-config >/dev/null 2>&1
	sed -n 's/^\[test \([^]]*\)\]$/\1=1000000/p' "$src"/data/rules/*.rules
} > "$tmp/max.conf"
for t in 1000000 -1000000 0.1 1e-9; do
	out=$("$bin" -c "$tmp/max.conf" --threshold="$t" --json "$sample" 2>&1)
	got=$(printf '%s\n' "$out" | python3 -c '
import json, sys
def no_constant(name):
    raise ValueError("not JSON: " + name)
o = json.loads(sys.stdin.readline(), parse_constant=no_constant)
print("ok" if o["score"] > 0 else "score %r" % o["score"])' 2>&1)
	[ "$got" = ok ]
	report $? "--json with weights of 1e6 and threshold $t: valid numbers" "$got"
	"$bin" -c "$tmp/max.conf" --threshold="$t" -H < "$sample" > "$tmp/out"
	hdr=$(head -n 1 "$tmp/out")
	printf '%s\n' "$hdr" | grep -Eq '; score=[0-9]{7,}\.[0-9]; threshold=-?[0-9]+\.[0-9];'
	report $? "-H with weights of 1e6, threshold $t: whole numbers" "$hdr"
done

# --- Defect 8: "-", names, and output errors.
got=$("$bin" --no-config - < "$sample"; echo "exit $?")
[ "$got" = "-: backscatter score=12.0 kind=dsn
exit 0" ] || printf '%s' "$got" | grep -q '^-: backscatter '
report $? "- reads standard input" "$got"
"$bin" --no-config -H - < "$sample" > "$tmp/out"
awk 'NR > 1 && !/^\t/ { p = 1 } p' "$tmp/out" | cmp -s - "$sample"
report $? "-H - reads standard input" ""
error_case 64 "can be read once" "- twice: 64" "$bin" --no-config - -
nl="$tmp/a b
c.eml"
cp "$sample" "$nl"
got=$("$bin" --no-config "$nl")
[ "$(printf '%s\n' "$got" | wc -l)" -eq 1 ] \
    && printf '%s\n' "$got" | grep -qF "$tmp/a\\ b\\nc.eml: backscatter "
report $? "a newline in a FILE name is escaped as ls -b does" "$got"
got=$("$bin" --no-config --explain "$nl" | head -n 1)
[ "$got" = "$tmp/a\\ b\\nc.eml" ]
report $? "... and in --explain" "$got"
error_case 75 "^backscatter-check: write error: " \
	"--version to a closed stdout: 75 with a message" sh -c "exec \"$bin\" --version >&-"
error_case 75 "^backscatter-check: write error: " \
	"--help to /dev/full: 75" sh -c "exec \"$bin\" --help > /dev/full"
error_case 75 "^backscatter-check: write error: " \
	"--version to /dev/full: 75" sh -c "exec \"$bin\" --version > /dev/full"
"$bin" --help > "$tmp/out" 2>&1
report $? "--help to a file: 0" ""

echo "1..$n"
exit "$fail"
