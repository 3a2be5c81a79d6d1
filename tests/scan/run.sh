#!/bin/sh
# Suite "scan" (issue 14): mailbox inputs, -r, -j and -q.  Builds a
# Maildir (with Maildir++ subfolders), an MH folder and an mbox from
# tests/data/eml in a temp dir; checks every message is reported as
# itself (PATH, MBOX:N, --json file/message/offset), in input order
# whatever -j, the exit status over many, a too-large mbox message, and
# that nothing but the product is written.  Prints TAP.
: "${BS_BIN:?BS_BIN must name the backscatter-check binary}"
LC_ALL=C
export LC_ALL
cd "${BS_SRCDIR:-.}" || exit 99
T=$(mktemp -d) || exit 99
trap 'rm -rf "$T"' EXIT
n=0
fail=0
check() {	# shell-condition description
	n=$((n + 1))
	if eval "$1"; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fail=1
	fi
}
bs() { "$BS_BIN" --no-config --no-ledger "$@"; }
E=tests/data/eml
BACK=$E/lhost-activehunter-dsn-bounce.eml	# exit 0 alone
LEGIT=$E/lhost-amavis-dsn-bounce.eml		# exit 1 alone

# An mbox as mutt writes it: From line, body lines starting "From "
# quoted, an empty line after each message.
to_mbox() {
	for f in "$@"; do
		echo "From MAILER-DAEMON Mon Nov 30 10:00:00 2026"
		sed 's/^From />From /' "$f"
		echo
	done
}

# --- Maildir, Maildir++ and -r -------------------------------------------
mkdir -p "$T/Mail/cur" "$T/Mail/new" "$T/Mail/tmp" "$T/Mail/.Junk/cur" \
    "$T/Mail/.Sent/new"
cp "$LEGIT" "$T/Mail/cur/1000.a:2,S"
cp "$BACK" "$T/Mail/new/1001.b"
cp "$BACK" "$T/Mail/.Junk/cur/1002.c:2,"
cp "$LEGIT" "$T/Mail/.Sent/new/1003.d"
bs "$T/Mail" >"$T/out" 2>"$T/err"
rc=$?
check '[ $rc -eq 0 ] && [ ! -s "$T/err" ] && [ "$(cut -d: -f1 "$T/out" | tr "\n" " ")" = "$T/Mail/cur/1000.a $T/Mail/new/1001.b " ]' \
    "a Maildir: cur/ then new/, each file as PATH, exit 0 with a backscatter"
bs -r "$T/Mail" >"$T/out" 2>"$T/err"
rc=$?
check '[ $rc -eq 0 ] && [ "$(wc -l <"$T/out")" -eq 4 ] && sed -n 3p "$T/out" | grep -q "^$T/Mail/.Junk/cur/1002.c:2,: backscatter" && sed -n 4p "$T/out" | grep -q "^$T/Mail/.Sent/new/1003.d: legitimate"' \
    "-r: the Maildir++ subfolders after the folder, in name order"
mkdir -p "$T/tree/a" "$T/tree/b"
cp "$LEGIT" "$T/tree/a/one.eml"
cp -r "$T/Mail" "$T/tree/b/Mail"
to_mbox "$BACK" >"$T/tree/b/box"
bs -r "$T/tree" >"$T/out" 2>"$T/err"
rc=$?
check '[ $rc -eq 0 ] && [ "$(wc -l <"$T/out")" -eq 6 ] && head -1 "$T/out" | grep -q "^$T/tree/a/one.eml: " && tail -1 "$T/out" | grep -q "^$T/tree/b/box:1: backscatter"' \
    "-r on a folder tree: files, Maildirs and mboxes in it"
bs "$T/tree" >"$T/out" 2>"$T/err"
rc=$?
check '[ $rc -eq 66 ] && [ ! -s "$T/out" ] && grep -q "give -r" "$T/err"' \
    "a folder that is no mailbox, without -r: 66 and why"

# --- MH -------------------------------------------------------------------
mkdir -p "$T/mh"
cp "$LEGIT" "$T/mh/10"
cp "$LEGIT" "$T/mh/9"
: >"$T/mh/.mh_sequences"
bs "$T/mh" >"$T/out" 2>"$T/err"
rc=$?
check '[ $rc -eq 1 ] && [ "$(cut -d: -f1 "$T/out" | tr "\n" " ")" = "$T/mh/9 $T/mh/10 " ]' \
    "an MH folder in number order; exit 1 without backscatter"

# --- mbox -----------------------------------------------------------------
to_mbox "$LEGIT" "$BACK" "$LEGIT" >"$T/box"
bs "$T/box" >"$T/out" 2>"$T/err"
rc=$?
check '[ $rc -eq 0 ] && [ "$(cut -d" " -f1-2 "$T/out" | tr "\n" " ")" = "$T/box:1: legitimate $T/box:2: backscatter $T/box:3: legitimate " ]' \
    "an mbox: MBOX:N per message"
bs --json "$T/box" >"$T/out" 2>"$T/err"
offsets=$(grep -b '^From ' "$T/box" | cut -d: -f1 | tr '\n' ' ')
got=$(python3 -c 'import json,sys
print(" ".join(str(json.loads(l)["offset"]) for l in sys.stdin))' <"$T/out")
check '[ "$got " = "$offsets" ] && python3 -c "import json,sys; a=[json.loads(l) for l in sys.stdin]; assert [x[\"message\"] for x in a]==[1,2,3] and all(x[\"file\"]==sys.argv[1] for x in a)" "$T/box" <"$T/out"' \
    "--json: file, message and the offset of each From line"
for f in "$LEGIT" "$BACK" "$LEGIT"; do bs --json "$f"; done |
    sed 's/^{"file":"[^"]*",//' >"$T/want"
sed 's/^{"file":"[^"]*","message":[0-9]*,"offset":[0-9]*,//' "$T/out" \
    >"$T/got"
check 'cmp -s "$T/want" "$T/got"' \
    "each mbox message gets what it gets as a file of its own"
to_mbox "$LEGIT" "$BACK" >"$T/box2"
bs --max-size 1k "$T/box2" "$BACK" >"$T/out" 2>"$T/err"
check '[ "$(sed -n 1p "$T/out")" = "$T/box2:1: unknown reason=too-large" ] && [ "$(wc -l <"$T/out")" -eq 3 ]' \
    "a message over --max-size in an mbox is skipped as too-large"
bs --json --max-size 1k "$T/box2" >"$T/out"
check 'head -1 "$T/out" | grep -q "\"message\":1,\"offset\":0,.*\"verdict\":\"unknown\",.*\"reason\":\"too-large\""' \
    "--json: the too-large message, with its place"

# --- -j: order, and the same answers --------------------------------------
mkdir -p "$T/all/cur"
for f in $E/*.eml; do cp "$f" "$T/all/cur/$(basename "$f")"; done
to_mbox $E/*.eml >"$T/all.mbox"
bs --json -j 1 "$T/all" "$T/all.mbox" >"$T/j1"
rc1=$?
bs --json -j 4 "$T/all" "$T/all.mbox" >"$T/j4"
rc4=$?
check '[ $rc1 -eq $rc4 ] && [ -s "$T/j1" ] && cmp -s "$T/j1" "$T/j4"' \
    "-j 4 writes what -j 1 writes, in the same order"
check '[ "$(grep -c . "$T/j1")" -eq $((2 * $(ls $E/*.eml | wc -l))) ]' \
    "every message of the folder and of the mbox is reported"
bs -j 0 "$BACK" >/dev/null 2>"$T/err"
rc=$?
check '[ $rc -eq 64 ]' "-j 0 is a usage error"
bs -q -j 2 "$BACK" "$LEGIT" - <"$BACK" >"$T/out" 2>"$T/err"
rc=$?
check '[ $rc -eq 0 ] && [ ! -s "$T/err" ] && [ "$(wc -l <"$T/out")" -eq 3 ] && tail -1 "$T/out" | grep -q "^-: backscatter"' \
    "-q; stdin among the FILEs; no progress when stderr is no terminal"
bs "$BACK" "$T/none" "$LEGIT" >"$T/out" 2>"$T/err"
rc=$?
check '[ $rc -eq 66 ] && [ "$(wc -l <"$T/out")" -eq 2 ] && grep -q "none" "$T/err"' \
    "a missing FILE among others: 66, the others classified"
mkfifo "$T/fifo"
(sleep 1; cat "$BACK" >"$T/fifo") &
bs "$LEGIT" "$T/fifo" >"$T/out" 2>"$T/err"
rc=$?
wait
check '[ $rc -eq 0 ] && [ "$(wc -l <"$T/out")" -eq 2 ] && grep -q "^$T/fifo: backscatter" "$T/out"' \
    "a FIFO among the FILEs is one message, read once"
bs -H -r "$BACK" >/dev/null 2>&1
rc=$?
check '[ $rc -eq 64 ]' "-H takes one message: not with -r"

echo "1..$n"
exit $fail
