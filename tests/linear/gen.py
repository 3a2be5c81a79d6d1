#!/usr/bin/env python3
"""gen.py KIND SIZE: one hostile message on stdout, SIZE units big.

Issue 10, defect 3: inputs under 1 MB that took seconds to minutes.
  qmail      one Received field of "(a(a(a..." in the returned original
  qmail-many 20 such fields
  rcpt       SIZE lines of "uN@ex.com:" in a qmail bounce
  rcpt-angle SIZE lines of "<uN@ex.com>:" and prose between them
  msgid      a Message-ID domain of "dsl-dsl-..." (msgid-dynamic-host)
  msgid-run  a Message-ID domain of one run "dsldsl...x.y"
Issue 13 (where the original is):
  markers    SIZE marker lines, each followed by a field folded over many
             lines that never makes a header block
  broken     a multipart whose boundary is never used, SIZE "--x" lines and
             indented "Subject:" lines in its text
  encwords   a Subject of SIZE adjacent base64 encoded-words, each padded
Unclosed encoded-words, SIZE of them in each field (GMime's lenient decoder
looked for the end of each to the end of the field):
  open-report    the report's own Subject ("=?utf-8?q?a ") and From name
                 (base64 fragments run together)
  open-attached  the attached original's Subject, From name and To
  open-inline    the same in an original quoted inline
"""
import sys


def dsn(orig):
    return (b"From: MAILER-DAEMON@mx.example.net\nTo: user@example.org\n"
            b"Subject: Undelivered Mail Returned to Sender\n"
            b"Message-ID: <b1@mx.example.net>\n"
            b"Date: Mon, 1 Jan 2024 00:00:00 +0000\nMIME-Version: 1.0\n"
            b"Content-Type: multipart/report; report-type=delivery-status;"
            b" boundary=\"BB\"\n\n"
            b"--BB\nContent-Type: text/plain\n\nThis is the mail system.\n\n"
            b"--BB\nContent-Type: message/delivery-status\n\n"
            b"Reporting-MTA: dns; mx.example.net\n\n"
            b"Final-Recipient: rfc822; bob@example.net\nAction: failed\n"
            b"Status: 5.1.1\n\n"
            b"--BB\nContent-Type: message/rfc822\n\n" + orig +
            b"From: user@example.org\nTo: bob@example.net\nSubject: hi\n\n"
            b"body\n--BB--\n")


def qmail_bounce(lines):
    return (b"From: MAILER-DAEMON@mx.example.net\nTo: user@example.org\n"
            b"Subject: failure notice\nMessage-ID: <b1@mx.example.net>\n\n"
            b"Hi. This is the qmail-send program at mx.example.net.\n"
            b"I'm afraid I wasn't able to deliver your message to the "
            b"following addresses.\nThis is a permanent error; I've given "
            b"up. Sorry it didn't work out.\n\n" + lines +
            b"\n--- Below this line is a copy of the message.\n\n"
            b"From: user@example.org\nTo: bob@example.net\n\nx\n")


def open_fields(n, subject=b"hi"):
    q = b"=?utf-8?q?a " * n
    b = b"=?utf-8?b?QUFB" * n
    return (b"From: " + b + b" <user@example.org>\nTo: " + q +
            b"<bob@example.net>\nSubject: " + q + b"\n"
            b"Message-ID: <o1@example.org>\n")


def main():
    kind, n = sys.argv[1], int(sys.argv[2])
    if kind == "qmail":
        out = dsn(b"Received: from x " + b"(a" * n + b" by y\n")
    elif kind == "qmail-many":
        out = dsn(b"".join(b"Received: from x " + b"(a" * (n // 20) +
                           b" by y\n" for _ in range(20)))
    elif kind == "rcpt":
        out = qmail_bounce(b"".join(b"u%d@ex.com:\n" % i for i in range(n)))
    elif kind == "rcpt-angle":
        out = qmail_bounce(b"".join(b"<u%d@ex.com>:\nSorry, no mailbox here"
                                    b" by that name.\n" % i
                                    for i in range(n)))
    elif kind == "msgid":
        out = dsn(b"Message-ID: <a@" + b"dsl-" * n + b"x.y>\n")
    elif kind == "msgid-run":
        out = dsn(b"Message-ID: <a@" + b"dsl" * n + b"x.y>\n")
    elif kind == "markers":
        out = qmail_bounce(b"".join(
            b"--- Below this line is a copy of the message.\n"
            b"X-Long: a\n" + b"\tcontinued\n" * 30 + b"not a field\n"
            for _ in range(n)))
    elif kind == "broken":
        out = (b"From: MAILER-DAEMON@mx.example.net\nTo: user@example.org\n"
               b"Subject: Undelivered Mail Returned to Sender\n"
               b"MIME-Version: 1.0\nContent-Type: multipart/report; "
               b"boundary=\"never\"\n\n" +
               b"".join(b"--x%d\n  Subject: s\nplain text\n" % i
                        for i in range(n)))
    elif kind == "encwords":
        out = dsn(b"Subject: " + b"=?utf-8?B?QQ==?= " * n + b"\n")
    elif kind == "open-report":
        q = b"=?utf-8?q?a " * n
        b = b"=?utf-8?b?QUFB" * n
        out = dsn(b"").replace(
            b"From: MAILER-DAEMON@mx.example.net\n",
            b"From: " + b + b" <MAILER-DAEMON@mx.example.net>\n", 1).replace(
            b"Subject: Undelivered Mail Returned to Sender\n",
            b"Subject: " + q + b"\n", 1)
    elif kind == "open-attached":
        out = dsn(open_fields(n) + b"\n")
    elif kind == "open-inline":
        out = qmail_bounce(b"<bob@example.net>:\nSorry, no mailbox here by"
                           b" that name.\n").replace(
            b"From: user@example.org\nTo: bob@example.net\n",
            open_fields(n), 1)
    else:
        sys.exit("gen.py: unknown kind " + kind)
    sys.stdout.buffer.write(out)


main()
