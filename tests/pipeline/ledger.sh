#!/bin/bash
# ledger.sh: feed the sent-mail ledger the ways data/examples/ ship (the
# cron job over a real Maildir, the sendmail wrapper as mutt runs it),
# then classify the bundled samples against what was learned.  Also: a
# missing or corrupt ledger is one warning and mail still goes through.
# TAP output.
#
# Environment (set by meson): BS_BIN, BS_SRCDIR, BACKSCATTER_CHECK_DATADIR.

set -u
export LC_ALL=C

: "${BS_BIN:?BS_BIN is not set}"
: "${BS_SRCDIR:?BS_SRCDIR is not set}"
EXAMPLES=$BS_SRCDIR/data/examples
SAMPLES=$BS_SRCDIR/data/samples

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $*"; }
check() { if eval "$1"; then ok "$2"; else not_ok "$2"; fi; }
diag() { sed 's/^/# /'; }
# the message without the X-Backscatter field we added (and its folds)
unheader() {
	awk 'NR == 1 { skip = 1; next } skip && /^[ \t]/ { next }
	    { skip = 0; print }' "$1"
}

if ! command -v python3 >/dev/null 2>&1; then
	echo "1..1"
	if [ "${CI:-}" = true ]; then
		echo "not ok 1 - python3 not found (CI=true requires it)"
		exit 1
	fi
	echo "ok 1 # SKIP python3 not found"
	exit 0
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/bs-ledger.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/bin" "$T/home" "$T/share"
export HOME=$T/home XDG_DATA_HOME=$T/share XDG_CONFIG_HOME=$T/config
LEDGER=$XDG_DATA_HOME/backscatter-check/sent.sqlite

# backscatter-check by name from PATH, as the examples call it.
{
	echo '#!/bin/sh'
	printf 'exec %q "$@"\n' "$BS_BIN"
} >"$T/bin/backscatter-check"
chmod 755 "$T/bin/backscatter-check"
export PATH=$T/bin:$PATH

# sent ID DATE: a message as a mail program keeps it in Sent.
sent() {
	printf 'From: Kim Example <kim@example.org>\nTo: bob@example.net\n'
	printf 'Subject: note\nDate: %s\nMessage-ID: <%s>\n' "$2" "$1"
	printf 'MIME-Version: 1.0\n\nhello\n'
}
# json FILE: the names of the tests that fired, one line
tests_of() {
	python3 -c 'import json,sys; print(" ".join(t["name"] for t in
	    json.load(sys.stdin)["tests"]))'
}

echo "1..18"

# --- the cron job over ~/Maildir/.Sent -----------------------------------
SENTDIR=$HOME/Maildir/.Sent
mkdir -p "$SENTDIR/cur" "$SENTDIR/new" "$SENTDIR/tmp"
sent 898066565255.olojpsvh@example.org 'Sat, 21 Jun 2014 18:34:17 +0000' \
    >"$SENTDIR/cur/1403375657.M1P1.host:2,S"
sent a1@example.org 'Thu, 19 Jun 2014 09:00:00 +0000' \
    >"$SENTDIR/cur/1403168400.M2P1.host:2,S"
sent a2@example.org 'Mon, 23 Jun 2014 09:00:00 +0000' \
    >"$SENTDIR/new/1403514000.M3P1.host"
printf 'From: kim@example.org\nSubject: draft\n\nno id\n' \
    >"$SENTDIR/cur/1403514001.M4P1.host:2,DS"
cron=$(grep -- '--learn-sent' "$EXAMPLES/learn-sent.cron" | cut -f2-)
out=$(sh -c "$cron; backscatter-check --learn-sent ~/Maildir/.Sent" 2>&1)
check '[ "$out" = "read 4, new 0, known 3, skipped 1 (ledger $LEDGER)" ]' \
    "the cron job learns the Maildir; again adds nothing"
[ "$failed" -eq 0 ] || echo "$out" | diag
check '[ "$(stat -c %a "$LEDGER")" = 600 ]' \
    "the default ledger is created with its folders, mode 0600"

# --- classifying against it -----------------------------------------------
names=$("$BS_BIN" --no-config --json "$SAMPLES/legit-bounce.eml" | tests_of)
check '[ "${names#*ledger-sent}" != "$names" ]' \
    "a bounce of a learned message: ledger-sent"
"$BS_BIN" --no-config "$SAMPLES/legit-bounce.eml" >/dev/null
check '[ $? -eq 1 ]' "... and it is not backscatter (exit 1)"
names=$("$BS_BIN" --no-config --json "$SAMPLES/backscatter.eml" | tests_of)
check '[ "${names#*ledger-unsent}" != "$names" ]' \
    "a bounce of a message never sent, in a covered period: ledger-unsent"
detail=$("$BS_BIN" --no-config --explain "$SAMPLES/backscatter.eml" |
    grep ledger-unsent)
check '[ "${detail#*is not among the 3 messages you sent (the ledger covers 2014-06-19 .. 2014-06-23}" != "$detail" ]' \
    "--explain says what the ledger holds"
names=$("$BS_BIN" --no-config --no-ledger --json \
    "$SAMPLES/backscatter.eml" | tests_of)
check '[ "${names#*ledger}" = "$names" ]' "--no-ledger leaves it out"

# --- the sendmail wrapper, as mutt runs it ---------------------------------
{
	echo '#!/bin/sh'
	printf 'printf "%%s\\n" "$*" >%q\n' "$T/mta.args"
	printf 'exec cat >%q\n' "$T/mta.msg"
} >"$T/bin/fake-mta"
chmod 755 "$T/bin/fake-mta"
sent w1@example.org 'Sat, 21 Jun 2014 18:30:00 +0000' >"$T/w1.eml"
SENDMAIL=$T/bin/fake-mta "$EXAMPLES/sendmail-learn-sent" -oem -oi \
    bob@example.net <"$T/w1.eml" 2>"$T/err"
check '[ $? -eq 0 ] && cmp -s "$T/w1.eml" "$T/mta.msg" && [ "$(cat "$T/mta.args")" = "-oem -oi bob@example.net" ] && [ ! -s "$T/err" ]' \
    "the wrapper hands the message and arguments to sendmail unchanged"
sed 's/898066565255\.olojpsvh@example\.org/w1@example.org/' \
    "$SAMPLES/legit-bounce.eml" >"$T/w1-bounce.eml"
names=$("$BS_BIN" --no-config --json "$T/w1-bounce.eml" | tests_of)
check '[ "${names#*ledger-sent}" != "$names" ]' \
    "a bounce of the message sent through the wrapper: ledger-sent"
rm -f "$T/mta.msg"
BACKSCATTER_CHECK=false SENDMAIL=$T/bin/fake-mta \
    "$EXAMPLES/sendmail-learn-sent" -oi bob@example.net <"$T/w1.eml" \
    2>"$T/err"
check '[ $? -eq 0 ] && cmp -s "$T/w1.eml" "$T/mta.msg" && grep -q "not learned" "$T/err"' \
    "when learning fails the mail is sent all the same"

# --- a ledger that cannot be read ------------------------------------------
"$BS_BIN" --no-config --ledger "$T/none.sqlite" \
    "$SAMPLES/backscatter.eml" "$SAMPLES/legit-bounce.eml" \
    >"$T/out" 2>"$T/err"
rc=$?
check '[ $rc -eq 0 ] && [ "$(grep -c "warning: ledger" "$T/err")" = 1 ]' \
    "a missing --ledger: one warning, the verdicts from the rest"
head -c 5000 /dev/urandom >"$T/corrupt.sqlite"
"$BS_BIN" --no-config -H --ledger "$T/corrupt.sqlite" \
    <"$SAMPLES/legit-bounce.eml" >"$T/out" 2>"$T/err"
rc=$?
check '[ $rc -eq 0 ] && [ "$(grep -c "warning: ledger" "$T/err")" = 1 ] && unheader "$T/out" | cmp -s - "$SAMPLES/legit-bounce.eml"' \
    "a corrupt ledger: one warning, -H writes the message out whole"
[ "$failed" -eq 0 ] || diag <"$T/err"

# --- expiry ------------------------------------------------------------------
out=$("$BS_BIN" --ledger-expire 1 2>&1)
check '[ "$out" = "expired 4 messages dated over 1 days ago (ledger $LEDGER)" ]' \
    "--ledger-expire prunes old mail"
out=$("$BS_BIN" --learn-sent --ledger "$T/x.sqlite" "$T/nothing" 2>&1)
rc=$?
check '[ $rc -eq 66 ]' "--learn-sent of a FILE that is not there: exit 66"

# --- the config's [ledger] path=, and what the command line refuses -------
printf '[ledger]\npath=~/cfg/ledger.sqlite\n' >"$T/config.conf"
out=$("$BS_BIN" -c "$T/config.conf" --learn-sent "$T/w1.eml" 2>&1)
check '[ -f "$HOME/cfg/ledger.sqlite" ] && [ "$out" = "read 1, new 1, known 0, skipped 0 (ledger $HOME/cfg/ledger.sqlite)" ]' \
    "[ledger] path= chooses the ledger, ~/ is the home folder"
"$BS_BIN" --learn-sent --json "$T/w1.eml" >/dev/null 2>&1
check '[ $? -eq 64 ]' "--learn-sent with --json: usage error"
"$BS_BIN" --learn-sent --no-ledger "$T/w1.eml" >/dev/null 2>&1
check '[ $? -eq 64 ]' "--learn-sent with --no-ledger: usage error"

# --- Dovecot: learn-sent.sieve run by Pigeonhole with the pipe extension ---
# imapsieve itself needs an IMAP session; sieve-test runs the same script
# on a message with the same plugin, and -e executes the pipe.
sieve_learn() {
	local S=$T/sieve
	mkdir -p "$S/pipe" "$S/prog" "$S/run" "$S/default/cur" \
	    "$S/default/new" "$S/default/tmp"
	cp "$BS_BIN" "$S/prog/backscatter-check"
	{
		echo '#!/bin/sh'
		printf 'exec %q --learn-sent --ledger %q >/dev/null\n' \
		    "$S/prog/backscatter-check" "$S/ledger.sqlite"
	} >"$S/pipe/backscatter-learn-sent"
	chmod 755 "$S/pipe/backscatter-learn-sent"
	{
		if [ "$(id -u)" -eq 0 ]; then
			echo "mail_uid = $(id -u nobody)"
			echo "mail_gid = $(id -g nobody)"
		fi
		echo "base_dir = $S/run"
		echo "mail_location = maildir:$S/default"
		echo "plugin {"
		echo "  sieve_plugins = sieve_extprograms"
		echo "  sieve_global_extensions = +vnd.dovecot.pipe"
		echo "  sieve_pipe_bin_dir = $S/pipe"
		echo "}"
	} >"$S/dovecot.conf"
	cp "$EXAMPLES/learn-sent.sieve" "$S/"
	sent s1@example.org 'Sat, 21 Jun 2014 18:20:00 +0000' >"$S/s1.eml"
	if [ "$(id -u)" -eq 0 ]; then
		chmod 755 "$T"
		chown -R nobody: "$S"
	fi
	HOME=$S sieve-test -C -e -c "$S/dovecot.conf" "$S/learn-sent.sieve" \
	    "$S/s1.eml" >"$T/sieve.out" 2>&1
	sed 's/s1@example\.org/X/; s/898066565255\.olojpsvh@example\.org/s1@example.org/' \
	    "$SAMPLES/legit-bounce.eml" >"$T/s1-bounce.eml"
	names=$("$BS_BIN" --no-config --ledger "$S/ledger.sqlite" --json \
	    "$T/s1-bounce.eml" 2>/dev/null | tests_of)
	[ "${names#*ledger-sent}" != "$names" ]
}
if ! command -v sieve-test >/dev/null 2>&1; then
	if [ "${CI:-}" = true ]; then
		not_ok "sieve-test not found (CI=true requires it)"
	else
		n=$((n + 1))
		echo "ok $n # SKIP sieve-test not found"
	fi
elif sieve_learn; then
	ok "learn-sent.sieve pipes a message to the learner (sieve-test -e)"
else
	not_ok "learn-sent.sieve pipes a message to the learner (sieve-test -e)"
	diag <"$T/sieve.out"
fi
exit $failed
