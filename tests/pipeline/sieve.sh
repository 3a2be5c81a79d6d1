#!/bin/bash
# sieve.sh: run Pigeonhole's sieve-test with the example scripts
# data/examples/backscatter.sieve (vnd.dovecot.execute) and
# backscatter-filter.sieve (vnd.dovecot.filter), through the
# sieve_extprograms plugin, and check the actions it prints and, delivering
# for real into a Maildir (-e -l), where each message was stored and that it
# arrived intact.  TAP output.
#
# Environment (set by meson): BS_BIN (the backscatter-check executable),
# BS_SRCDIR (source root), BACKSCATTER_CHECK_DATADIR (uninstalled data/).
# A missing sieve-test or extprograms plugin is a skip, or a failure when CI=true.

set -u
export LC_ALL=C

: "${BS_BIN:?BS_BIN is not set}"
: "${BS_SRCDIR:?BS_SRCDIR is not set}"
EML=$BS_SRCDIR/tests/data/eml
EXAMPLES=$BS_SRCDIR/data/examples
# fixture and the folder it must land in
CASES="pipeline-backscatter:Backscatter pipeline-legit:INBOX pipeline-ham:INBOX"

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $*"; }
diag() { sed 's/^/# /'; }

# missing REASON: skip the whole test, or fail it when CI=true
missing() {
	echo "1..1"
	if [ "${CI:-}" = true ]; then
		echo "not ok 1 - $1 (CI=true requires it)"
		exit 1
	fi
	echo "ok 1 # SKIP $1"
	exit 0
}
need() {
	command -v "$1" >/dev/null 2>&1 || missing "$1 not found in PATH"
}
need sieve-test
if [ ! -x "$BS_BIN" ]; then
	echo "1..1"
	echo "not ok 1 - BS_BIN=$BS_BIN is not an executable"
	exit 1
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/bs-sieve.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/bin" "$T/broken" "$T/config" "$T/scripts"

# backscatter-check as Pigeonhole runs it: by name from sieve_*_bin_dir,
# through the one-line wrapper 90-backscatter-sieve.conf describes, since
# Pigeonhole gives programs a bare environment (HOME, USER, HOST, SENDER,
# RECIPIENT, ORIG_RECIPIENT).  The "broken" one fails as a misconfigured install
# would (bad option, exit 64), to check that mail still gets through.
wrapper() {
	{
		echo '#!/bin/sh'
		printf 'XDG_CONFIG_HOME=%q\n' "$T/config"
		echo 'export XDG_CONFIG_HOME'
		printf 'exec %q %s"$@"\n' "$T/prog/backscatter-check" "$2"
	} >"$1/backscatter-check"
	chmod 755 "$1/backscatter-check"
}
# As root, sieve-test runs programs as nobody, who may not reach the build
# tree (a checkout under /root, say): run a copy from the test's own tree,
# with the rules built into it, as an installed program would.
# The messages too: sieve-test opens them as nobody.
mkdir -p "$T/prog" "$T/eml"
cp "$BS_BIN" "$T/prog/backscatter-check"
cp "$EML"/pipeline-*.eml "$T/eml/"
EML=$T/eml
wrapper "$T/bin" ""
wrapper "$T/broken" "--no-such-option "

# conf NAME BINDIR: a minimal Dovecot config loading the extprograms plugin
# with the settings of data/examples/90-backscatter-sieve.conf.  Dovecot
# refuses mail access as root, so as root the test lets sieve-test drop to
# nobody, who then owns the whole temporary tree.
conf() {
	{
		if [ "$(id -u)" -eq 0 ]; then
			echo "mail_uid = $(id -u nobody)"
			echo "mail_gid = $(id -g nobody)"
		fi
		echo "base_dir = $T/run"
		echo "mail_location = maildir:$T/default"
		echo "plugin {"
		echo "  sieve_plugins = sieve_extprograms"
		echo "  sieve_global_extensions = +vnd.dovecot.execute +vnd.dovecot.filter"
		echo "  sieve_execute_bin_dir = $2"
		echo "  sieve_filter_bin_dir = $2"
		echo "}"
	} >"$T/$1.conf"
}
mkdir -p "$T/default/cur" "$T/default/new" "$T/default/tmp"
conf good "$T/bin"
conf broken "$T/broken"

cp "$EXAMPLES/backscatter.sieve" "$EXAMPLES/backscatter-filter.sieve" \
    "$T/scripts/" || not_ok "example scripts found in $EXAMPLES"
printf 'require "vnd.dovecot.execute";\n' >"$T/scripts/probe.sieve"
if [ "$(id -u)" -eq 0 ]; then
	chmod 755 "$T"
	chown -R nobody: "$T"
fi

# sievetest CONF [OPTIONS] SCRIPT MESSAGE: run sieve-test; sets rc, out, err
sievetest() {
	local c=$1
	shift
	out=$(HOME=$T sieve-test -C -c "$T/$c.conf" "$@" 2>"$T/err")
	rc=$?
	err=$(cat "$T/err")
}


# The plugin is there and loads (it is a separate package on some systems).
sievetest good "$T/scripts/probe.sieve" "$EML/pipeline-ham.eml"
if [ $rc -ne 0 ]; then
	echo "$err" | diag
	case $err in
	*extprograms*|*"unknown Sieve capability"*|*"vnd.dovecot.execute"*)
		missing "sieve-test cannot load the sieve_extprograms plugin" ;;
	esac
	echo "1..1"
	echo "not ok 1 - sieve-test runs with the test's Dovecot config"
	exit 1
fi

# actions: what sieve-test printed, as "fileinto:FOLDER" or "keep:FOLDER"
# (several joined by spaces)
actions() {
	echo "$out" | awk '
		/^Performed actions:/ { what = "fileinto"; next }
		/^Implicit keep:/ { what = "keep"; next }
		/store message in folder:/ {
			sub(/.*store message in folder: */, "")
			printf "%s%s:%s", sep, what, $0; sep = " "
		}'
}

# delivered DIR FOLDER: the one file in that folder's new/, if exactly one
delivered() {
	local dir=$1
	[ "$2" = INBOX ] || dir=$dir/.$2
	set -- "$dir"/new/*
	[ $# -eq 1 ] && [ -f "$1" ] && echo "$1"
}

# count DIR: number of delivered files in all folders
count() {
	find "$1" -path '*/new/*' -type f | wc -l
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

# newmaildir NAME: an empty Maildir owned by the mail user
newmaildir() {
	mkdir -p "$T/$1/cur" "$T/$1/new" "$T/$1/tmp"
	[ "$(id -u)" -ne 0 ] || chown -R nobody: "$T/$1"
}

for f in $CASES; do
	[ -r "$EML/${f%%:*}.eml" ] || not_ok "fixture $EML/${f%%:*}.eml missing"
done

for script in backscatter backscatter-filter; do
	[ $script = backscatter ] && what="execute :pipe" || what="filter -H"
	for c in $CASES; do
		name=${c%%:*}
		want=${c#*:}
		in=$EML/$name.eml
		[ "$want" = Backscatter ] && expect=fileinto:Backscatter ||
		    expect=keep:INBOX

		# dry run: the actions sieve-test prints
		sievetest good "$T/scripts/$script.sieve" "$in"
		if [ $rc -eq 0 ] && [ "$(actions)" = "$expect" ]; then
			ok "$script.sieve ($what): $name.eml -> $expect"
		else
			not_ok "$script.sieve ($what): $name.eml -> $expect"
			echo "sieve-test exit $rc, actions: $(actions)" | diag
			echo "$err" | diag
		fi

		# real delivery into a Maildir
		md=$T/md-$script-$name
		newmaildir "${md#"$T/"}"
		sievetest good -e -l "maildir:$md" "$T/scripts/$script.sieve" "$in"
		got=$(delivered "$md" "$want")
		if [ $rc -eq 0 ] && [ -n "$got" ] && [ "$(count "$md")" -eq 1 ]
		then
			ok "$script.sieve ($what): $name.eml stored in $want"
		else
			not_ok "$script.sieve ($what): $name.eml stored in $want"
			echo "sieve-test exit $rc; stored:" | diag
			find "$md" -path '*/new/*' -type f | diag
			echo "$err" | diag
		fi
		if [ $script = backscatter ]; then
			if [ -n "$got" ] && cmp -s "$got" "$in"; then
				ok "$script.sieve: $name.eml arrived byte-identical"
			else
				not_ok "$script.sieve: $name.eml arrived byte-identical"
			fi
			continue
		fi
		[ "$want" = Backscatter ] && verdict=yes || verdict=no
		if [ -n "$got" ] &&
		    head -n 1 "$got" | grep -q "^X-Backscatter: $verdict;" &&
		    strip_header "$got" | cmp -s - "$in"; then
			ok "$script.sieve: $name.eml is the input plus X-Backscatter: $verdict"
		else
			not_ok "$script.sieve: $name.eml is the input plus X-Backscatter: $verdict"
			[ -n "$got" ] && head -n 3 "$got" | diag
			[ -n "$got" ] &&
			    strip_header "$got" | cmp - "$in" 2>&1 | diag
		fi
	done
done

# A failing backscatter-check never loses or changes mail: "execute" is
# false, "filter" leaves the message alone, the message goes to INBOX.
in=$EML/pipeline-backscatter.eml
for script in backscatter backscatter-filter; do
	md=$T/md-broken-$script
	newmaildir "${md#"$T/"}"
	sievetest broken -e -l "maildir:$md" "$T/scripts/$script.sieve" "$in"
	got=$(delivered "$md" INBOX)
	if [ $rc -eq 0 ] && [ -n "$got" ] && cmp -s "$got" "$in"; then
		ok "$script.sieve, failing program: message kept in INBOX unchanged"
	else
		not_ok "$script.sieve, failing program: message kept in INBOX unchanged"
		echo "sieve-test exit $rc" | diag
		echo "$err" | diag
	fi
done

echo "1..$n"
exit $failed
