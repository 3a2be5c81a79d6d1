#!/bin/sh
# run.sh: backscatter-milter through the milter protocol, with miltertest
# playing the MTA (tests/milter/protocol.lua holds the cases).  Each run
# starts the milter with one [milter] action and a ledger of its own; the
# header run learns the samples' sent mail through authenticated
# submissions, so that the real bounce then comes out legitimate.  TAP.
#
# Environment (set by meson): BS_MILTER, BS_BIN, BS_SRCDIR,
# BACKSCATTER_CHECK_DATADIR.
# Without miltertest or the milter: a skip, or a failure when CI=true.

set -u
: "${BS_SRCDIR:?BS_SRCDIR is not set}"
: "${BS_BIN:?BS_BIN is not set}"

skip() {
	echo "1..0 # SKIP $1"
	if [ "${CI:-}" = true ]; then
		echo "Bail out! CI=true requires it: $1"
		exit 1
	fi
	exit 0
}
command -v miltertest >/dev/null 2>&1 || skip "no miltertest"
[ -x "${BS_MILTER:-}" ] || skip "backscatter-milter not built (libmilter)"

tmp=$(mktemp -d)
pid=
pids=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	# libmilter notices a stop only every few seconds: all at once.
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

n=0
failed=0
samples="$BS_SRCDIR/data/samples"
lua="$BS_SRCDIR/tests/milter/protocol.lua"

# start ACTION [more [milter] lines]: a fresh milter on its own socket.
start() {
	stop
	run=$((${run:-0} + 1))
	sock="$tmp/sock.$run"
	{
		echo "[ledger]"
		echo "path=$tmp/ledger.sqlite"
		echo "[milter]"
		echo "action=$1"
		shift
		for line in "$@"; do echo "$line"; done
	} > "$tmp/conf.$run"
	"$BS_MILTER" -c "$tmp/conf.$run" -p "unix:$sock" \
	    2>> "$tmp/milter.log" &
	pid=$!
	pids="$pids $pid"
}
stop() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		pid=
	fi
}
case_() {
	n=$((n + 1))
	if out=$(miltertest -D "sock=unix:$sock" -D "case=$1" \
	    -D "samples=$samples" -D "rcpt=${rcpt:-}" -s "$lua" 2>&1); then
		echo "ok $n - $1 ($action)"
	else
		failed=1
		echo "not ok $n - $1 ($action)"
		printf '%s\n' "$out" | sed 's/^/# /'
		sed 's/^/# milter: /' "$tmp/milter.log" | tail -5
	fi
}

echo "1..19"
n=1
if out=$("$BS_MILTER" --check-config \
    -c "$BS_SRCDIR/data/backscatter-check.conf.example" 2>&1); then
	echo "ok 1 - --check-config reads data/backscatter-check.conf.example"
else
	failed=1
	echo "not ok 1 - --check-config reads data/backscatter-check.conf.example"
	printf '%s\n' "$out" | sed 's/^/# /'
fi
action=header
start header
case_ normal-untouched
case_ normal-forged-removed
case_ remote-untouched
case_ backscatter-header
case_ null-sender-classified
case_ backscatter-forged
case_ autoreply-classified
for f in "$samples"/sent/cur/*; do
	case_ "learn-${f##*/}"
done
case_ legit-after-learning

action=reject
start reject
case_ backscatter-reject
case_ legit-accepted

action=discard
start discard
case_ backscatter-discard

action=quarantine
start quarantine
case_ backscatter-quarantine

action="reject, max-size=1k"
start reject "max-size=1k"
case_ too-large

# The lines after the action open a [batv] group after [milter]'s.
action="header, [batv] owner-signs-all"
printf '[batv]\nkey=milter-test-key\nowner-signs-all=true\n' > "$tmp/batv.conf"
rcpt=$("$BS_BIN" -c "$tmp/batv.conf" --batv-sign kim@example.org)
start header "[batv]" "key=milter-test-key" "owner-signs-all=true"
case_ batv-envelope

action="reject, time-budget=0.2"
BACKSCATTER_MILTER_TEST_DELAY_MS=3000
export BACKSCATTER_MILTER_TEST_DELAY_MS
start reject "time-budget=0.2"
case_ time-budget
unset BACKSCATTER_MILTER_TEST_DELAY_MS
stop
exit $failed
