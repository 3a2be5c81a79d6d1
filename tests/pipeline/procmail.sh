#!/bin/bash
# procmail.sh: run procmail itself with the two variants of
# data/examples/procmailrc and check where each message was delivered and
# that it arrived intact.  TAP output.
#
# Environment (set by meson): BS_BIN (the backscatter-check executable),
# BS_SRCDIR (source root), BACKSCATTER_CHECK_DATADIR (uninstalled data/).
# A missing procmail is a skip, or a failure when CI=true.

set -u
export LC_ALL=C

: "${BS_BIN:?BS_BIN is not set}"
: "${BS_SRCDIR:?BS_SRCDIR is not set}"
EML=$BS_SRCDIR/tests/data/eml
EXAMPLE=$BS_SRCDIR/data/examples/procmailrc
# fixture and the folder it must land in
CASES="pipeline-backscatter:Backscatter pipeline-legit:INBOX pipeline-ham:INBOX"

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $*"; }
diag() { sed 's/^/# /'; }

need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	echo "1..1"
	if [ "${CI:-}" = true ]; then
		echo "not ok 1 - $1 not found in PATH (CI=true requires it)"
		exit 1
	fi
	echo "ok 1 # SKIP $1 not found in PATH"
	exit 0
}
need procmail
if [ ! -x "$BS_BIN" ]; then
	echo "1..1"
	echo "not ok 1 - BS_BIN=$BS_BIN is not an executable"
	exit 1
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/bs-procmail.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/bin" "$T/broken" "$T/config"

# backscatter-check as the recipes call it: by name, from PATH, with the
# uninstalled rules.  The "broken" one fails as a misconfigured install
# would (bad option, exit 64), to check that mail still gets through.
wrapper() {
	{
		echo '#!/bin/sh'
		printf 'BACKSCATTER_CHECK_DATADIR=%q\n' \
			"${BACKSCATTER_CHECK_DATADIR:-$BS_SRCDIR/data}"
		printf 'XDG_CONFIG_HOME=%q\n' "$T/config"
		echo 'export BACKSCATTER_CHECK_DATADIR XDG_CONFIG_HOME'
		printf 'exec %q %s"$@"\n' "$BS_BIN" "$2"
	} >"$1/backscatter-check"
	chmod 755 "$1/backscatter-check"
}
wrapper "$T/bin" ""
wrapper "$T/broken" "--no-such-option "

# variant NAME: the recipe lines between "#@ begin NAME" and "#@ end" in
# the example, with the comment "#" removed when the variant is commented.
variant() {
	awk -v name="$1" '
		$1 == "#@" && $2 == "begin" && $3 == name {
			on = 1; strip = ($4 == "commented"); next
		}
		on && $1 == "#@" && $2 == "end" { on = 0; next }
		on { if (strip) sub(/^#/, ""); print }
	' "$EXAMPLE"
}

# rcfile NAME BINDIR RECIPES: a procmailrc delivering to $T/NAME/Maildir/
rcfile() {
	cat >"$T/$1.rc" <<EOF
SHELL=/bin/sh
PATH=$2:/usr/local/bin:/usr/bin:/bin
HOME=$T
MAILDIR=$T/$1/Maildir/
DEFAULT=$T/$1/Maildir/
LOGFILE=$T/$1.log
VERBOSE=off
$3
EOF
	chmod 600 "$T/$1.rc"
	mkdir -p "$T/$1/Maildir"
}

# delivered NAME FOLDER: the one file in that folder's new/, if exactly one
delivered() {
	local dir=$T/$1/Maildir
	[ "$2" = INBOX ] || dir=$dir/.$2
	set -- "$dir"/new/*
	[ $# -eq 1 ] && [ -f "$1" ] && echo "$1"
}

# count NAME: number of delivered files in all folders
count() {
	find "$T/$1/Maildir" -path '*/new/*' -type f | wc -l
}

# strip_header FILE: FILE without its first header (our X-Backscatter,
# with continuation lines), byte for byte
strip_header() {
	local len
	len=$(awk 'NR == 1 { n = length($0) + 1; next }
		/^[ \t]/ { n += length($0) + 1; next }
		{ print n; exit }' "$1")
	tail -c +"$((len + 1))" "$1"
}

for f in $CASES; do
	[ -r "$EML/${f%%:*}.eml" ] || not_ok "fixture $EML/${f%%:*}.eml missing"
done

exitcode=$(variant exit-code)
filter=$(variant filter)
if [ -z "$exitcode" ] || [ -z "$filter" ]; then
	not_ok "variants exit-code and filter found in $EXAMPLE"
	echo "1..$n"
	exit 1
fi

for c in $CASES; do
	name=${c%%:*}
	want=${c#*:}
	in=$EML/$name.eml

	# exit-code variant: delivered unchanged into the right folder
	rcfile "exit-$name" "$T/bin" "$exitcode"
	procmail "$T/exit-$name.rc" <"$in"
	rc=$?
	got=$(delivered "exit-$name" "$want")
	if [ $rc -eq 0 ] && [ -n "$got" ] && [ "$(count "exit-$name")" -eq 1 ]
	then
		ok "exit-code recipe: $name.eml delivered to $want"
	else
		not_ok "exit-code recipe: $name.eml delivered to $want"
		echo "procmail exit $rc; delivered:" | diag
		find "$T/exit-$name/Maildir" -path '*/new/*' -type f | diag
		diag <"$T/exit-$name.log"
	fi
	if [ -n "$got" ] && cmp -s "$got" "$in"; then
		ok "exit-code recipe: $name.eml arrived byte-identical"
	else
		not_ok "exit-code recipe: $name.eml arrived byte-identical"
	fi

	# control: what procmail itself does to any filtered message
	# (it appends a newline when the message does not end with an
	# empty line)
	rcfile "ctl-$name" "$T/bin" $':0 fw\n| cat'
	procmail "$T/ctl-$name.rc" <"$in"
	ctl=$(delivered "ctl-$name" INBOX)

	# filter variant: our header on top, the rest as procmail passes it
	rcfile "filter-$name" "$T/bin" "$filter"
	procmail "$T/filter-$name.rc" <"$in"
	rc=$?
	got=$(delivered "filter-$name" "$want")
	if [ $rc -eq 0 ] && [ -n "$got" ] &&
	    [ "$(count "filter-$name")" -eq 1 ]; then
		ok "filter recipe: $name.eml delivered to $want"
	else
		not_ok "filter recipe: $name.eml delivered to $want"
		echo "procmail exit $rc; delivered:" | diag
		find "$T/filter-$name/Maildir" -path '*/new/*' -type f | diag
		diag <"$T/filter-$name.log"
	fi
	[ "$want" = Backscatter ] && verdict=yes || verdict=no
	if [ -n "$got" ] &&
	    head -n 1 "$got" | grep -q "^X-Backscatter: $verdict;" &&
	    [ -n "$ctl" ] && strip_header "$got" | cmp -s - "$ctl"; then
		ok "filter recipe: $name.eml is the input plus X-Backscatter: $verdict"
	else
		not_ok "filter recipe: $name.eml is the input plus X-Backscatter: $verdict"
		[ -n "$got" ] && head -n 3 "$got" | diag
		[ -n "$got" ] && [ -n "$ctl" ] &&
		    strip_header "$got" | cmp - "$ctl" 2>&1 | diag
	fi
done

# a failing backscatter-check never loses or changes mail (fail open)
in=$EML/pipeline-backscatter.eml
rcfile broken-exit "$T/broken" "$exitcode"
procmail "$T/broken-exit.rc" <"$in"
got=$(delivered broken-exit INBOX)
if [ -n "$got" ] && cmp -s "$got" "$in"; then
	ok "exit-code recipe, failing program: message kept in INBOX unchanged"
else
	not_ok "exit-code recipe, failing program: message kept in INBOX unchanged"
	diag <"$T/broken-exit.log"
fi
rcfile broken-filter "$T/broken" "$filter"
procmail "$T/broken-filter.rc" <"$in"
got=$(delivered broken-filter INBOX)
if [ -n "$got" ] && cmp -s "$got" "$in"; then
	ok "filter recipe, failing program: message kept in INBOX unchanged"
else
	not_ok "filter recipe, failing program: message kept in INBOX unchanged"
	diag <"$T/broken-filter.log"
fi

echo "1..$n"
exit $failed
