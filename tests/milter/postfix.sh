#!/bin/sh
# postfix.sh: backscatter-milter behind a real Postfix, end to end.
#
# The test starts a Postfix instance of its own: config_directory,
# queue_directory, data_directory, mail store and log in a temp dir, two
# smtpd listeners on free ports of 127.0.0.1, no DNS, nothing sent out
# (default_transport = discard), virtual(8) delivering kim@example.org to
# a Maildir.  postfix(1) must be started by root; the daemons then run as
# the packaged mail_owner "postfix".  The milter listens on an inet port
# (smtpd, running as postfix, could not connect to a socket file root made
# without opening it to everyone).
#
# The submission listener stands for an authenticated submission service:
# rather than SASL (Dovecot or Cyrus, a second daemon to set up), it sets
# the {auth_authen} milter macro with milter_macro_defaults, which Postfix
# sends when no SASL login gave one; the milter sees exactly what it sees
# behind a real SASL login.  The MX listener sets nothing.
#
# Then, with [milter] action=reject:
#   two submissions (dated two days ago and now) are learned;
#   the real bounce of the second, to the MX, is delivered, tagged "no"
#     with ledger-sent;
#   a forged bounce (an original of the owner's address, dated between
#     them, never sent) is refused with 550 5.7.1 and not delivered;
#   the sample backscatter (too old for the ledger; content tier only)
#     with a forged "X-Backscatter: no" is delivered tagged "yes", the
#     forged field gone;
#   a normal message is delivered without any X-Backscatter.
# TAP.  Skips without postfix, swaks, the milter or root, unless CI=true.

set -u
: "${BS_SRCDIR:?BS_SRCDIR is not set}"

skip() {
	echo "1..0 # SKIP $1"
	if [ "${CI:-}" = true ]; then
		echo "Bail out! CI=true requires it: $1"
		exit 1
	fi
	exit 0
}
[ -x /usr/sbin/postfix ] || skip "no postfix"
command -v swaks >/dev/null 2>&1 || skip "no swaks"
[ -x "${BS_MILTER:-}" ] || skip "backscatter-milter not built (libmilter)"
[ "$(id -u)" = 0 ] || skip "postfix(1) starts only as root"
id postfix >/dev/null 2>&1 || skip "no postfix user"

. "$BS_SRCDIR/tests/milter/postfix-instance.sh"
pf_make
cat > "$tmp/milter.conf" <<EOF
[ledger]
path=$tmp/ledger.sqlite
[milter]
action=reject
EOF

"$BS_MILTER" -c "$tmp/milter.conf" -p "inet:$milter@127.0.0.1" \
    2> "$tmp/milter.log" &
mpid=$!
if ! pf_start; then
	echo "1..1"
	echo "not ok 1 - postfix -c $etc start"
	exit 1
fi

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() {
	n=$((n + 1))
	failed=1
	echo "not ok $n - $*"
	sed 's/^/# milter: /' "$tmp/milter.log" | tail -8
	grep -v 'postfix/\(master\|qmgr\|pickup\)' "$tmp/maillog" 2>/dev/null |
	    sed 's/^/# maillog: /' | tail -8
}
check() {	# check NAME COMMAND...: ok when COMMAND succeeds
	name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# send PORT FROM FILE: one message over SMTP; swaks's dialogue in
# $tmp/swaks.out, its status returned (non-zero when refused).
send() {
	swaks --server 127.0.0.1 --port "$1" --from "$2" \
	    --to "${4:-kim@example.org}" --helo client.example.net \
	    --data "@$3" > "$tmp/swaks.out" 2>&1
}
# wait_for PATTERN: until a file in the Maildir contains PATTERN (30 s).
wait_for() {
	i=0
	while [ $i -lt 150 ]; do
		grep -l -F -- "$1" "$tmp"/mail/kim/new/* 2>/dev/null && return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}
# wait_log PATTERN: until the milter logged PATTERN (30 s).
wait_log() {
	i=0
	while [ $i -lt 150 ]; do
		grep -q -F -- "$1" "$tmp/milter.log" && return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}

# An RFC 822 date, days before now.
day() { date -u -R -d "$1 days ago"; }

submission_msg() {	# submission_msg ID DATE
	printf 'Date: %s\r\nFrom: Kim <kim@example.org>\r\nTo: Lee ' "$2"
	printf '<lee@example.net>\r\nSubject: the minutes\r\nMessage-ID: ' 
	printf '<%s>\r\n\r\nHere are the minutes.\r\n' "$1"
}
# bounce ID DATE: a Postfix DSN returning the message ID of DATE.
bounce() {
	cat <<EOF
Date: $(day 0)
From: MAILER-DAEMON@mail.example.net (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: kim@example.org
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="B0UNDARY"
Message-ID: <bounce.$1@mail.example.net>

--B0UNDARY
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mail.example.net.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

<lee@example.net>: host mx.example.net[198.51.100.7] said: 550 5.1.1
    <lee@example.net>: Recipient address rejected: User unknown

--B0UNDARY
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.example.net
Arrival-Date: $2

Final-Recipient: rfc822; lee@example.net
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <lee@example.net>: Recipient address
    rejected: User unknown

--B0UNDARY
Content-Description: Undelivered Message
Content-Type: message/rfc822

Received: from mx.example.org (mx.example.org [203.0.113.5])
	by mail.example.net (Postfix) with ESMTPS id 3F1A2
	for <lee@example.net>; $2
Date: $2
From: Kim <kim@example.org>
To: Lee <lee@example.net>
Subject: the minutes
Message-ID: <$1>

Here are the minutes.

--B0UNDARY--
EOF
}

echo "1..8"
submission_msg "minutes.1@example.org" "$(day 2)" > "$tmp/sub1.eml"
submission_msg "minutes.2@example.org" "$(day 0)" > "$tmp/sub2.eml"
check "first submission accepted" send "$submission" kim@example.org \
    "$tmp/sub1.eml" lee@example.net
check "second submission accepted" send "$submission" kim@example.org \
    "$tmp/sub2.eml" lee@example.net
check "both submissions learned" sh -c "
	grep -q 'learned <minutes.1@example.org>' '$tmp/milter.log' &&
	grep -q 'learned <minutes.2@example.org>' '$tmp/milter.log'"

bounce "minutes.2@example.org" "$(day 0)" > "$tmp/real.eml"
if send "$mx" "<>" "$tmp/real.eml" && f=$(wait_for "bounce.minutes.2@"); then
	if head -1 "$f" | grep -q '^Return-Path: <>$' &&
	    head -20 "$f" | grep -q '^X-Backscatter: no;' &&
	    grep -q 'ledger-sent' "$f"; then
		ok "the real bounce (null sender) delivered, tagged no (ledger-sent)"
	else
		not_ok "the real bounce (null sender) delivered, tagged no (ledger-sent)"
		grep -A2 '^X-Backscatter' "$f" | sed 's/^/# /'
	fi
else
	not_ok "the real bounce delivered"
	sed 's/^/# swaks: /' "$tmp/swaks.out" | tail -5
fi

bounce "c0ffee.77@example.org" "$(day 1)" > "$tmp/forged.eml"
if send "$mx" "<>" "$tmp/forged.eml"; then
	not_ok "the forged bounce refused"
else
	check "the forged bounce refused with 550 5.7.1 Backscatter" \
	    grep -q '<\*\* *550 5.7.1 Backscatter' "$tmp/swaks.out"
fi

{
	printf 'X-Backscatter: no; forged\r\n'
	cat "$BS_SRCDIR/data/samples/backscatter.eml"
} > "$tmp/sample.eml"
if send "$mx" "<>" "$tmp/sample.eml" &&
    f=$(wait_for "c1ac4dd3b270\$4cbee264@dnvmle.cn"); then
	if [ "$(grep -c '^X-Backscatter:' "$f")" = 1 ] &&
	    grep -q '^X-Backscatter: yes;' "$f" &&
	    ! grep -q 'forged' "$f"; then
		ok "content-tier backscatter delivered tagged yes, forged field gone"
	else
		not_ok "content-tier backscatter delivered tagged yes, forged field gone"
		grep -A1 '^X-Backscatter' "$f" | sed 's/^/# /'
	fi
else
	not_ok "content-tier backscatter delivered"
	sed 's/^/# swaks: /' "$tmp/swaks.out" | tail -5
fi

printf 'From: Lee <lee@example.net>\r\nTo: kim@example.org\r\nSubject: %s\r\n' \
    "lunch" > "$tmp/normal.eml"
printf 'Message-ID: <lunch.9@example.net>\r\n\r\nNoon?\r\n' >> "$tmp/normal.eml"
if send "$mx" lee@example.net "$tmp/normal.eml" &&
    f=$(wait_for "lunch.9@example.net"); then
	check "a normal message delivered without X-Backscatter" \
	    sh -c "! grep -qi '^X-Backscatter' '$f'"
else
	not_ok "a normal message delivered"
fi
check "the forged bounce is not in the Maildir" \
    sh -c "! grep -q -F 'c0ffee.77@example.org' $tmp/mail/kim/new/* 2>/dev/null"
exit $failed
