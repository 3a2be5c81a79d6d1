#!/bin/bash
# hostile.sh: forged verdicts must not survive -H (issue 10, defect 2).
# Hostile messages carry forged X-Backscatter fields in every shape that
# procmail/formail, maildrop or Dovecot's Sieve reads as one (CR CR LF,
# NUL in or after the name, CRs for maildrop, VT/FF continuations, a NUL
# that makes procmail read the body as header, CRLF mail, bare CRs, blank
# lines at the top, a header larger than --max-size, ...).  Each goes
# through backscatter-check -H, and then the real programs read the output:
#
#   procmail   the number of lines matching ^X-Backscatter[ \t]*: in the
#              header block as procmail cuts it (weighted scoring), is 1
#   formail    -x X-Backscatter: gives one field, not forged; -x From:
#              and -x Subject: give what they give for the input
#   maildrop   foreach /^X-Backscatter[ \t]*:/ counts 1, no FORGED
#   sieve-test header :count "X-Backscatter" is 1, none :contains FORGED
#
# As a control, the input itself must show a forged field to at least one
# of them, so that every case tests something.  TAP output.
#
# Environment (set by meson): BS_BIN, BS_SRCDIR, BACKSCATTER_CHECK_DATADIR.
# A missing program is a skip, or a failure when CI=true.

set -u
export LC_ALL=C

: "${BS_BIN:?BS_BIN is not set}"
: "${BS_SRCDIR:?BS_SRCDIR is not set}"

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $*"; }
diag() { sed 's/^/# /'; }

missing() {
	echo "1..1"
	if [ "${CI:-}" = true ]; then
		echo "not ok 1 - $1 (CI=true requires it)"
		exit 1
	fi
	echo "ok 1 # SKIP $1"
	exit 0
}
for p in procmail formail maildrop sieve-test python3; do
	command -v "$p" >/dev/null 2>&1 || missing "$p not found in PATH"
done
if [ ! -x "$BS_BIN" ]; then
	echo "1..1"
	echo "not ok 1 - BS_BIN=$BS_BIN is not an executable"
	exit 1
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/bs-hostile.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
# Sieve's part lives in $T/s: as root, sieve-test drops to nobody, who
# must own it, while procmail and maildrop refuse rc files of another user.
S=$T/s
mkdir -p "$T/in" "$T/out" "$T/config" "$S/default/cur" "$S/default/new" \
    "$S/default/tmp"
export XDG_CONFIG_HOME=$T/config

# The cases: NAME, then the message.  Every forged field says FORGED.
python3 - "$T/in" <<'PY'
import os, sys
d = sys.argv[1]
pad = b"".join(b"X-Pad-%05d: %s\n" % (i, b"p" * 60) for i in range(40))
cases = {
    # the four of the issue
    "crcrlf-first-line":
        b"From: a@example.org\r\r\nSubject: s\nX-Backscatter: FORGED\n\nb\n",
    "nul-before-colon":
        b"From: a@example.org\nX-Backscatter\0: FORGED\nSubject: s\n\nb\n",
    "beyond-max-size":
        b"From: a@example.org\n" + pad + b"X-Backscatter: FORGED\n"
        b"Subject: s\n\nb\n",
    "bare-cr-first-line":
        b"From: a@example.org\rx\nSubject: s\nX-Backscatter: FORGED\n\nb\n",
    # neighbours
    "crlf-line-in-lf-header":
        b"From: a@example.org\n\r\nX-Backscatter: FORGED\n\nb\n",
    "cr-cr-lf-line":
        b"From: a@example.org\n\r\r\nX-Backscatter: FORGED\n\nb\n",
    "nul-after-name-no-colon":
        b"From: a@example.org\nX-Backscatter\0FORGED\nSubject: s\n\nb\n",
    "blank-nul":
        b"From: a@example.org\nX-Backscatter \0: FORGED\nSubject: s\n\nb\n",
    "blanks-before-colon":
        b"From: a@example.org\nx-BACKSCATTER \t : FORGED\nSubject: s\n\nb\n",
    "cr-starts-field":
        b"From: a@example.org\n\rX-Backscatter: FORGED\nSubject: s\n\nb\n",
    "cr-in-name":
        b"From: a@example.org\nX-Back\rscatter\r: FORGED\nSubject: s\n\nb\n",
    "ff-continuation":
        b"From: a@example.org\nX-Backscatter: x\n\fFORGED\nSubject: s\n\nb\n",
    "cr-blank-continuation":
        b"From: a@example.org\nX-Backscatter: x\n\r FORGED\nSubject: s\n\nb\n",
    "folded":
        b"From: a@example.org\nX-Backscatter: x\n\tFORGED\nSubject: s\n\nb\n",
    "nul-makes-body-header":
        b"From: a@example.org\nSubject: s\0\n\nX-Backscatter: FORGED\n",
    "crlf-body":
        b"From: a@example.org\r\nSubject: s\r\n\r\nX-Backscatter: FORGED\r\n",
    "crlf-header":
        b"From: a@example.org\r\nX-Backscatter: FORGED\r\nSubject: s\r\n\r\nb\r\n",
    # "glue-": no reader sees a forged field in these; ours would be
    # continued by the blank-started line if it went before it
    "glue-blank-at-top":
        b" FORGED\nFrom: a@example.org\nSubject: s\n\nb\n",
    "glue-mbox-from-then-blank":
        b"From x@example.org Mon Jan  1 00:00:00 2024\n\tFORGED\n"
        b"From: a@example.org\nSubject: s\n\nb\n",
    "mbox-from-then-forged":
        b"From x@example.org Mon Jan  1 00:00:00 2024\n"
        b"X-Backscatter: FORGED\nFrom: a@example.org\nSubject: s\n\nb\n",
    "first-field-bare-cr-mail":
        b"X-Backscatter: FORGED\rSubject: s\rFrom: a@example.org\r\rb\r",
    "lead-empty-lines":
        b"\n\nX-Backscatter: FORGED\nFrom: a@example.org\nSubject: s\n\nb\n",
    "no-body":
        b"From: a@example.org\nSubject: s\nX-Backscatter: FORGED\n",
    "no-final-newline":
        b"From: a@example.org\nSubject: s\nX-Backscatter: FORGED",
    "long-line":
        b"From: a@example.org\nSubject: " + b"s" * 100000 + b"\n"
        b"X-Backscatter: FORGED\n\nb\n",
    "several":
        b"X-Backscatter: FORGED\nFrom: a@example.org\nX-BACKSCATTER:FORGED\n"
        b"Subject: s\nx-backscatter: FORGED\n  FORGED\n\nb\n",
}
for name, data in cases.items():
    with open(os.path.join(d, name + ".eml"), "wb") as f:
        f.write(data)
PY

# procmail: count header lines matching the regex, and let formail read
# the message.
cat >"$T/pm.rc" <<EOF
SHELL=/bin/sh
DEFAULT=/dev/null
LOGFILE=$T/pm.log
N=0
:0
* 1^1 ^X-Backscatter[ 	]*:
{ N=\$= }
DONE=\`echo "\$N" > $T/pm.count\`
EOF
cat >"$T/md.rc" <<EOF
N=0
foreach /^X-Backscatter[ 	]*:/
{
  N=\$N + 1
}
\`echo \$N > $T/md.count\`
if (/^X-Backscatter[ 	]*:.*FORGED/)
{
  \`echo yes > $T/md.forged\`
}
to "/dev/null"
EOF
chmod 600 "$T/md.rc"
{
	if [ "$(id -u)" -eq 0 ]; then
		echo "mail_uid = $(id -u nobody)"
		echo "mail_gid = $(id -g nobody)"
	fi
	echo "base_dir = $S/run"
	echo "mail_location = maildir:$S/default"
} >"$S/sieve.conf"
cat >"$S/test.sieve" <<'EOF'
require ["fileinto", "relational", "comparator-i;ascii-numeric"];
if header :count "ne" :comparator "i;ascii-numeric" "X-Backscatter" "1" {
	fileinto "Count";
}
if header :contains "X-Backscatter" "FORGED" { fileinto "Forged"; }
EOF
if [ "$(id -u)" -eq 0 ]; then
	chmod 755 "$T"
	chown -R nobody: "$S"
fi

# readers FILE: one line "procmail=N formail=N/F maildrop=N/F sieve=..."
# where N counts X-Backscatter fields and F says whether one was forged.
readers() {
	local f=$1 pm fm fmf md mdf sv out

	rm -f "$T/pm.count" "$T/md.count" "$T/md.forged"
	procmail "$T/pm.rc" <"$f" 2>/dev/null
	pm=$(cat "$T/pm.count" 2>/dev/null || echo "?")
	out=$(formail -c -x X-Backscatter: <"$f")
	fm=$(printf '%s' "$out" | grep -c '' )
	case $out in *FORGED*) fmf=forged ;; *) fmf=clean ;; esac
	maildrop "$T/md.rc" <"$f" >/dev/null 2>&1
	md=$(cat "$T/md.count" 2>/dev/null || echo "?")
	[ -f "$T/md.forged" ] && mdf=forged || mdf=clean
	cp "$f" "$S/msg" && chmod 644 "$S/msg"
	sv=$(HOME=$S sieve-test -C -c "$S/sieve.conf" "$S/test.sieve" \
	    "$S/msg" 2>&1 | grep -o 'folder: [A-Za-z]*' | sed 's/folder: //' |
	    tr '\n' ',')
	echo "procmail=$pm formail=$fm/$fmf maildrop=$md/$mdf sieve=${sv:-none}"
}

# formail's view of a field, NULs dropped
field() {
	formail -c -x "$1" <"$2" | tr -d '\000' | cut -c 1-80
}

# The sieve script and config work at all (else everything would pass).
printf 'From: a@example.org\nX-Backscatter: FORGED\n\nb\n' >"$T/probe"
got=$(readers "$T/probe")
if [ "$got" = "procmail=1 formail=1/forged maildrop=1/forged sieve=Forged," ]
then
	ok "the readers see a plain forged field: $got"
else
	not_ok "the readers see a plain forged field"
	echo "got: $got" | diag
fi

for in in "$T"/in/*.eml; do
	name=$(basename "$in" .eml)
	args=(-H)
	[ "$name" = beyond-max-size ] && args+=(--max-size 1k)
	out=$T/out/$name.eml
	"$BS_BIN" "${args[@]}" <"$in" >"$out" 2>"$T/err"
	rc=$?
	raw=$(readers "$in")
	want="procmail=1 formail=1/clean maildrop=1/clean sieve=INBOX,"
	case $name,$raw in
	glue-*)
		# formail sees no header after a blank-started first line,
		# in the input as in the output
		want="procmail=1 formail=0/clean maildrop=1/clean sieve=INBOX," ;;
	lead-*)
		# Dovecot and maildrop see no header after an empty first
		# line, in the input as in the output: ours neither
		want="procmail=1 formail=1/clean maildrop=0/clean sieve=Count," ;;
	*",procmail=0 formail=0/clean maildrop=0/clean sieve=Count,")
		not_ok "$name: the input shows a forged field to some reader"
		echo "input: $raw" | diag
		continue ;;
	esac
	got=$(readers "$out")
	if [ $rc -eq 0 ] && [ "$got" = "$want" ]; then
		ok "$name: only our field is seen ($got)"
	else
		not_ok "$name: only our field is seen"
		{ echo "exit $rc; input: $raw"; echo "output: $got"
		  cat "$T/err"; head -c 300 "$out" | od -c | head -8; } | diag
	fi
	# What formail found in the input, it finds in the output (it may
	# find more: a forged field it cannot parse ends its header early).
	bad=
	for f in From: Subject:; do
		a=$(field $f "$in")
		b=$(field $f "$out")
		if [ -n "$a" ] && [ "$a" != "$b" ]; then
			bad="$bad $f input '$a', output '$b';"
		fi
	done
	if [ -z "$bad" ]; then
		ok "$name: formail finds From: and Subject: as in the input"
	else
		not_ok "$name: formail finds From: and Subject: as in the input"
		echo "$bad" | diag
	fi
done

echo "1..$n"
exit $failed
