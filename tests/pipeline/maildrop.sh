#!/bin/bash
# maildrop.sh: run maildrop itself with the two variants of
# data/examples/maildroprc and check where each message was delivered and
# that it arrived intact.  TAP output.
#
# Environment (set by meson): BS_BIN (the backscatter-check executable),
# BS_SRCDIR (source root), BACKSCATTER_CHECK_DATADIR (uninstalled data/).
# A missing maildrop is a skip, or a failure when CI=true.

set -u
export LC_ALL=C

: "${BS_BIN:?BS_BIN is not set}"
: "${BS_SRCDIR:?BS_SRCDIR is not set}"
EML=$BS_SRCDIR/tests/data/eml
EXAMPLE=$BS_SRCDIR/data/examples/maildroprc
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
need maildrop
if [ ! -x "$BS_BIN" ]; then
	echo "1..1"
	echo "not ok 1 - BS_BIN=$BS_BIN is not an executable"
	exit 1
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/bs-maildrop.XXXXXX") || exit 1
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

# rcfile NAME BINDIR RULES: a maildrop filter file delivering to
# $T/NAME/Maildir/, whose INBOX and .Backscatter folders exist (maildrop
# does not create folders; an admin runs maildirmake once)
rcfile() {
	local d
	cat >"$T/$1.rc" <<EOF
SHELL="/bin/sh"
PATH="$2:/usr/local/bin:/usr/bin:/bin"
MAILDIR="$T/$1/Maildir"
DEFAULT="\$MAILDIR/"
$3
EOF
	# maildrop refuses a filter file with group or world permissions
	chmod 600 "$T/$1.rc"
	for d in "$T/$1/Maildir" "$T/$1/Maildir/.Backscatter"; do
		mkdir -p "$d/cur" "$d/new" "$d/tmp"
	done
}

# run NAME < MESSAGE: maildrop with that filter file; sets rc
run() {
	maildrop "$T/$1.rc" 2>"$T/$1.err"
	rc=$?
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

# report NAME: diagnostics after a wrong delivery
report() {
	echo "maildrop exit $rc; delivered:" | diag
	find "$T/$1/Maildir" -path '*/new/*' -type f | diag
	diag <"$T/$1.err"
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

	# xfilter variant: our header on top, the rest byte for byte
	rcfile "filter-$name" "$T/bin" "$filter"
	run "filter-$name" <"$in"
	got=$(delivered "filter-$name" "$want")
	if [ $rc -eq 0 ] && [ -n "$got" ] &&
	    [ "$(count "filter-$name")" -eq 1 ]; then
		ok "xfilter rule: $name.eml delivered to $want"
	else
		not_ok "xfilter rule: $name.eml delivered to $want"
		report "filter-$name"
	fi
	[ "$want" = Backscatter ] && verdict=yes || verdict=no
	if [ -n "$got" ] &&
	    head -n 1 "$got" | grep -q "^X-Backscatter: $verdict;" &&
	    strip_header "$got" | cmp -s - "$in"; then
		ok "xfilter rule: $name.eml is the input plus X-Backscatter: $verdict"
	else
		not_ok "xfilter rule: $name.eml is the input plus X-Backscatter: $verdict"
		[ -n "$got" ] && head -n 3 "$got" | diag
		[ -n "$got" ] && strip_header "$got" | cmp - "$in" 2>&1 | diag
	fi

	# exit-code variant ($RETURNCODE of a backquoted command):
	# delivered unchanged
	rcfile "exit-$name" "$T/bin" "$exitcode"
	run "exit-$name" <"$in"
	got=$(delivered "exit-$name" "$want")
	if [ $rc -eq 0 ] && [ -n "$got" ] && [ "$(count "exit-$name")" -eq 1 ]
	then
		ok "exit-code rule: $name.eml delivered to $want"
	else
		not_ok "exit-code rule: $name.eml delivered to $want"
		report "exit-$name"
	fi
	if [ -n "$got" ] && cmp -s "$got" "$in"; then
		ok "exit-code rule: $name.eml arrived byte-identical"
	else
		not_ok "exit-code rule: $name.eml arrived byte-identical"
	fi
done

# A failing backscatter-check never loses mail.  xfilter: maildrop exits
# EX_TEMPFAIL (75) and delivers nothing, so the MTA keeps the message and
# retries.  Exit code: the rule does not match, the message goes to INBOX.
in=$EML/pipeline-backscatter.eml
rcfile broken-filter "$T/broken" "$filter"
run broken-filter <"$in"
if [ $rc -eq 75 ] && [ "$(count broken-filter)" -eq 0 ]; then
	ok "xfilter rule, failing program: maildrop exits 75, delivers nothing"
else
	not_ok "xfilter rule, failing program: maildrop exits 75, delivers nothing"
	report broken-filter
fi
rcfile broken-exit "$T/broken" "$exitcode"
run broken-exit <"$in"
got=$(delivered broken-exit INBOX)
if [ $rc -eq 0 ] && [ -n "$got" ] && cmp -s "$got" "$in"; then
	ok "exit-code rule, failing program: message kept in INBOX unchanged"
else
	not_ok "exit-code rule, failing program: message kept in INBOX unchanged"
	report broken-exit
fi

echo "1..$n"
exit $failed
