#!/bin/sh
# Suite "data": every file under data/ is loaded by the program, so that a
# broken pattern or config key fails here before it ships.  Prints TAP.
n=0
fail=0
check() {	# expected-exit description command...
	want=$1 what=$2
	shift 2
	n=$((n + 1))
	out=$("$@" 2>&1)
	got=$?
	if [ "$got" -eq "$want" ]; then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what: exit $got, want $want: $out"
		fail=1
	fi
}
data=$BS_SRCDIR/data
echo "1..9"
check 0 "every rule file loads and compiles" \
	"$BS_BIN" --no-config --check-config -R "$data/rules"
check 0 "the built-in rules load and compile" \
	env -u BACKSCATTER_CHECK_DATADIR "$BS_BIN" --no-config --check-config
check 0 "the example config is a valid config" \
	"$BS_BIN" --check-config -c "$data/backscatter-check.conf.example"
check 0 "samples/backscatter.eml is backscatter with no configuration" \
	"$BS_BIN" --no-config "$data/samples/backscatter.eml"
check 1 "samples/legit-bounce.eml is legitimate for its owner" \
	"$BS_BIN" --no-config --address=kim@example.org \
	--relay=mail.example.org "$data/samples/legit-bounce.eml"
check 0 "samples/backscatter.eml is backscatter for its owner too" \
	"$BS_BIN" --no-config --address=kim@example.org \
	--relay=mail.example.org "$data/samples/backscatter.eml"
# The sample Sent folder, learned into a ledger of the test's own.
ledger=$(mktemp -d "${TMPDIR:-/tmp}/bs-data.XXXXXX")/sent.sqlite
check 0 "samples/sent/ is learned" \
	"$BS_BIN" --learn-sent --ledger "$ledger" "$data/samples/sent"
# "Alone": the proof tier decides, and the tiers below do not count.
check 0 "samples/backscatter.eml is backscatter by the ledger alone" \
	sh -c '"$1" --no-config --ledger "$2" --json "$3" |
	    grep -q "\"verdict\":\"backscatter\".*\"decided_by\":\"proof\""' \
	sh "$BS_BIN" "$ledger" "$data/samples/backscatter.eml"
check 0 "samples/legit-bounce.eml is legitimate by the ledger alone" \
	sh -c '"$1" --no-config --ledger "$2" --json "$3" |
	    grep -q "\"verdict\":\"legitimate\".*\"decided_by\":\"proof\""' \
	sh "$BS_BIN" "$ledger" "$data/samples/legit-bounce.eml"
rm -rf "${ledger%/sent.sqlite}"
exit $fail
