#!/usr/bin/env python3
# gen.py DIR: write the made inputs of the hostile suite into DIR, one
# file per case, and DIR/cases.list: "<name> <expect>" per line, where
# expect is "any" (classified: exit 0 or 1) or "too-complex" or
# "too-large" (the reason of X-Backscatter: unknown in filter mode).
# Deterministic: the same bytes on every run.  Nothing here is committed.
import base64
import os
import random
import sys

out = sys.argv[1]
rng = random.Random(5)
cases = []


def case(name, data, expect="any"):
    with open(os.path.join(out, name + ".eml"), "wb") as f:
        f.write(data)
    cases.append((name, expect))


HDR = (b"From: MAILER-DAEMON@mx.example.net\n"
       b"To: kim@example.org\n"
       b"Subject: Undelivered Mail Returned to Sender\n"
       b"Date: Mon, 3 Mar 2025 10:00:00 +0000\n"
       b"Message-ID: <hostile@mx.example.net>\n"
       b"MIME-Version: 1.0\n")

# Nothing at all, and headers with no body and no blank line.
case("empty", b"")
case("headers-only", HDR.rstrip(b"\n"))
case("headers-only-blank", HDR + b"\n")

# Binary garbage, with and without something like a header on top.
garbage = rng.randbytes(64 * 1024)
case("garbage", garbage)
case("garbage-after-header", HDR + b"\n" + garbage)
case("garbage-header", b"From: " + garbage[:4000] + b"\n\nbody\n")

# NUL bytes in the header and the body.
case("nul", b"From: a\0b@example.net\nSubject: x\0y\nTo: kim@example.org\n"
     b"X-Nul: \0\0\0\n\nbody\0with\0NULs\n\0\0\0\n")
case("nul-only", b"\0" * 4096)

# Invalid UTF-8 and broken RFC 2047 encoded-words.
case("bad-utf8", HDR.replace(b"Undelivered Mail", b"Und\xc3\x28elivered \xff\xfe")
     + b"Content-Type: text/plain; charset=utf-8\n\n"
     b"\xed\xa0\x80 surrogate, \xf4\x90\x80\x80 too big, \xc0\xaf overlong\n"
     b"Delivery to the following recipient failed: "
     b"\xe2\x82 kim@exa\xffmple.org\n")
case("bad-encoded-words",
     b"From: =?utf-8?B?####?= <MAILER-DAEMON@mx.example.net>\n"
     b"To: =?x-unknown-charset?Q?kim?= <kim@example.org>\n"
     b"Subject: =?utf-8?q?=ZZ=?= =?utf-8?b?w6k?= =?=?= =?utf-8??x?= "
     b"=?utf-8?B?" + b"A" * 5000 + b"\n"
     b"Content-Type: text/plain; charset=\"=?utf-8?q?x?=\"\n\nbody\n")

# Broken transfer encodings.
case("bad-base64", HDR + b"Content-Type: text/plain\n"
     b"Content-Transfer-Encoding: base64\n\n"
     b"SGVsbG8*&^%$#@!\n====\nSGV\nsbG8gd29ybGQ\n=A=B=\n\xff\xfe\n")
case("bad-qp", HDR + b"Content-Type: text/plain\n"
     b"Content-Transfer-Encoding: quoted-printable\n\n"
     b"=ZZ =4 =\n=\n=0D=0A=00 soft=\n" + b"x" * 20000 + b"=\n=")
case("bad-encoding-name", HDR + b"Content-Type: text/plain\n"
     b"Content-Transfer-Encoding: x-bogus-" + b"z" * 500 + b"\n\nbody\n")

# Multipart without a boundary, with one that never appears, and with one
# that is opened but never closed.
case("no-boundary", HDR + b"Content-Type: multipart/report; "
     b"report-type=delivery-status\n\n--x\nContent-Type: text/plain\n\n"
     b"failed\n--x--\n")
case("boundary-never-used", HDR + b"Content-Type: multipart/mixed; "
     b"boundary=\"nowhere\"\n\n--x\n\nbody\n")
case("boundary-never-closed", HDR + b"Content-Type: multipart/report; "
     b"report-type=delivery-status; boundary=\"b\"\n\n"
     b"--b\nContent-Type: text/plain\n\nDelivery failed.\n\n"
     b"--b\nContent-Type: message/delivery-status\n\n"
     b"Reporting-MTA: dns; mx.example.net\n\n"
     b"Final-Recipient: rfc822; nobody@example.com\nAction: failed\n"
     b"Status: 5.1.1\n\n"
     b"--b\nContent-Type: message/rfc822\n\nFrom: kim@example.org\n"
     b"Subject: hi\n\nthe original, cut off")
case("boundary-empty", HDR + b"Content-Type: multipart/mixed; "
     b"boundary=\"\"\n\n--\n\n--\n--\n--\n")

# 10,000 nested multiparts (GMime stops nesting at 1024) and 10,000
# nested attached messages.
n = 10000
parts = [HDR + b"Content-Type: multipart/mixed; boundary=\"b0\"\n\n"]
for i in range(1, n + 1):
    parts.append(b"--b%d\nContent-Type: multipart/mixed; boundary=\"b%d\"\n\n"
                 % (i - 1, i))
parts.append(b"--b%d\nContent-Type: text/plain\n\ninnermost\n" % n)
for i in range(n, -1, -1):
    parts.append(b"--b%d--\n" % i)
case("nested-multipart-10000", b"".join(parts))
parts = [HDR]
for i in range(n):
    parts.append(b"Content-Type: message/rfc822\n\nFrom: u%d@example.com\n" % i)
parts.append(b"\ninnermost\n")
case("nested-message-10000", b"".join(parts))

# 100,000 tiny parts: past BS_INPUT_MAX_PARTS.
parts = [HDR + b"Content-Type: multipart/mixed; boundary=\"x\"\n\n"]
parts += [b"--x\n\n%d\n" % i for i in range(100000)]
parts.append(b"--x--\n")
case("parts-100000", b"".join(parts), "too-complex")

# A 1 MB header line (past BS_INPUT_MAX_FIELD), and the same folded.
case("header-line-1mb", HDR + b"X-Long: " + b"a" * (1 << 20) + b"\n\nbody\n",
     "too-complex")
case("header-folded-1mb", HDR + b"To: " + b"u@example.org,\n " * 65536
     + b"kim@example.org\n\nbody\n", "too-complex")
# Many header fields: past BS_INPUT_MAX_HEADERS.
case("headers-100000", HDR + b"".join(b"X-H%d: v\n" % i
     for i in range(100000)) + b"\nbody\n", "too-complex")

# A DSN naming 10,000 recipients (BS_DSN_MAX_RECIPIENTS keeps 1000).
dsn = [HDR + b"Content-Type: multipart/report; "
       b"report-type=delivery-status; boundary=\"r\"\n\n"
       b"--r\nContent-Type: text/plain\n\nDelivery failed.\n\n"
       b"--r\nContent-Type: message/delivery-status\n\n"
       b"Reporting-MTA: dns; mx.example.net\n\n"]
for i in range(10000):
    dsn.append(b"Final-Recipient: rfc822; user%d@example.com\n"
               b"Action: failed\nStatus: 5.1.1\n"
               b"Diagnostic-Code: smtp; 550 5.1.1 no such user %d\n\n" % (i, i))
dsn.append(b"--r\nContent-Type: text/rfc822-headers\n\n"
           b"From: kim@example.org\nTo: user0@example.com\nSubject: hi\n"
           b"Message-ID: <a@example.org>\n\n--r--\n")
case("dsn-10000-recipients", b"".join(dsn))
# The same recipients as prose (bs_bounce_text_recipients).
case("text-10000-recipients", HDR + b"Content-Type: text/plain\n\n"
     b"This is the mail system. Your message could not be delivered to "
     b"the following recipients:\n\n" + b"".join(
         b"<user%d@example.com>: host mx.example.com said: 550 5.1.1 "
         b"User unknown\n\n" % i for i in range(10000)))

# Catastrophic backtracking: long runs that nearly match, everywhere a
# pattern looks (Subject, From, body, DSN fields, the original).
for name, evil in (("a", b"a" * 50000 + b"!"),
                   ("spaces", b"a " * 25000 + b"!"),
                   ("at", b"a@" * 25000 + b"!"),
                   ("dots", b"a." * 25000 + b"@"),
                   ("digits", b"5." * 25000 + b"x"),
                   ("angle", b"<" * 50000 + b"@")):
    case("backtrack-" + name,
         b"From: " + evil[:20000] + b" <MAILER-DAEMON@mx.example.net>\n"
         b"To: kim@example.org\nSubject: " + evil + b"\n"
         b"MIME-Version: 1.0\nContent-Type: multipart/report; "
         b"report-type=delivery-status; boundary=\"r\"\n\n"
         b"--r\nContent-Type: text/plain\n\n" + evil + b"\n\n" + evil
         + b"\n\n--r\nContent-Type: message/delivery-status\n\n"
         b"Reporting-MTA: dns; " + evil + b"\n\nFinal-Recipient: rfc822; "
         + evil + b"\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; "
         + evil + b"\n\n--r\nContent-Type: message/rfc822\n\nFrom: " + evil
         + b"\nSubject: " + evil + b"\nReceived: from " + evil + b"\n\n"
         + evil + b"\n--r--\n")

with open(os.path.join(out, "cases.list"), "w") as f:
    for name, expect in cases:
        f.write("%s %s\n" % (name, expect))

# The 100 MB attachment is written last, in pieces, and listed apart: its
# checks measure memory (run.sh).
with open(os.path.join(out, "big-100mb.eml"), "wb") as f:
    f.write(HDR + b"Content-Type: multipart/mixed; boundary=\"b\"\n\n"
            b"--b\nContent-Type: text/plain\n\nYour message could not be "
            b"delivered.\n\n--b\nContent-Type: application/octet-stream\n"
            b"Content-Transfer-Encoding: base64\n"
            b"Content-Disposition: attachment; filename=big.bin\n\n")
    chunk = base64.encodebytes(rng.randbytes(57 * 16384))
    size = 0
    while size < 100 * 1024 * 1024:
        f.write(chunk)
        size += len(chunk)
    f.write(b"--b--\n")
