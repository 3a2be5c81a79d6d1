#!/usr/bin/env python3
# gen.py DIR: write the made inputs of the hostile suite into DIR, one
# file per case, and DIR/cases.list: "<name> <expect>" per line, where
# expect is "any" (classified: exit 0 or 1) or "too-complex" or
# "too-large" (the reason of X-Backscatter: unknown in filter mode).
# gen.py --big: list the large cases (one name a line), which measure
# memory; gen.py --big NAME FILE: write one of them, about 40 MB, to FILE
# (run.sh writes, runs and deletes them one at a time).
# Deterministic: the same bytes on every run.  Nothing here is committed.
import base64
import os
import random
import sys


BIG = 40 * 1024 * 1024
BIG_HDR = (b"From: MAILER-DAEMON@mx.example.net\n"
           b"To: kim@example.org\n"
           b"Subject: Undelivered Mail Returned to Sender\n"
           b"Date: Mon, 3 Mar 2025 10:00:00 +0000\n"
           b"Message-ID: <big@mx.example.net>\n"
           b"MIME-Version: 1.0\n")
NOTICE = (b"This is the mail system at host mx.example.net.\n\n"
          b"I'm sorry to have to inform you that your message could not\n"
          b"be delivered to one or more recipients.\n\n"
          b"<nobody@example.com>: host mx.example.com said: 550 5.1.1\n"
          b"    User unknown\n\n")
ORIG_HDR = (b"From: Kim <kim@example.org>\nTo: nobody@example.com\n"
            b"Subject: the report\nDate: Mon, 3 Mar 2025 09:59:00 +0000\n"
            b"Message-ID: <orig@example.org>\nMIME-Version: 1.0\n")


def dsn_head(inner_type, inner_cte=None):
    return (BIG_HDR + b"Content-Type: multipart/report; "
            b"report-type=delivery-status; boundary=\"r\"\n\n"
            b"--r\nContent-Type: text/plain\n\n" + NOTICE +
            b"--r\nContent-Type: message/delivery-status\n\n"
            b"Reporting-MTA: dns; mx.example.net\n\n"
            b"Final-Recipient: rfc822; nobody@example.com\nAction: failed\n"
            b"Status: 5.1.1\n\n--r\nContent-Type: " + inner_type + b"\n"
            + (b"Content-Transfer-Encoding: " + inner_cte + b"\n"
               if inner_cte else b"") + b"\n")


THAI = bytes(0xa1 + b % 90 for b in range(256))


def thai_lines(r, n):
    # tis-620: every byte a Thai letter, 3 bytes each in UTF-8.
    data = r.randbytes(75 * n).translate(THAI)
    return b"".join(data[i:i + 75] + b"\n" for i in range(0, len(data), 75))


def pool_lines(make):
    # Lines drawn from a pool of 64: fast, and not all alike.
    def lines(r, n):
        pool = [make(random.Random(i)) for i in range(64)]
        return b"".join(pool[b % 64] for b in r.randbytes(n))
    return lines


QP_WORDS = [b"caf=E9", b"na=EFve", b"=E0 la", b"Gr=FC=DFe", b"r=E9sum=E9",
            b"plain", b"text", b"=3D=3D"]
qp_lines = pool_lines(lambda r: b" ".join(r.choice(QP_WORDS)
                                          for _ in range(9)) + b"=\n"
                      + b" ".join(r.choice(QP_WORDS) for _ in range(5))
                      + b"\n")
html_lines = pool_lines(lambda r: b"<p>caf\xe9 <b>na\xefve</b> &amp; "
                        b"<a href=\"http://example.org/%d\">link</a></p>\n"
                        % r.randrange(1000))


def b64_lines(r, n):
    return base64.encodebytes(r.randbytes(57 * n))

ascii_b64_lines = pool_lines(lambda r: base64.encodebytes(bytes(
    r.choice(b"abcdefghij klmnopqrstuvwxyz.\n") for _ in range(57))))


# name: (head, a function of (rng, lines) giving body lines, tail)
BIG_CASES = {
    # A notification of 40 MB in a charset GMime converts with iconv.
    "big-tis620": (BIG_HDR + b"Content-Type: text/plain; charset=tis-620\n"
                   b"Content-Transfer-Encoding: 8bit\n\n" + NOTICE,
                   thai_lines, b""),
    # The same quoted-printable, in a charset that is not ASCII.
    "big-qp": (BIG_HDR + b"Content-Type: text/plain; charset=iso-8859-1\n"
               b"Content-Transfer-Encoding: quoted-printable\n\n" + NOTICE,
               qp_lines, b""),
    # A base64 attachment after the notification.
    "big-base64": (BIG_HDR + b"Content-Type: multipart/mixed; "
                   b"boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\n"
                   + NOTICE + b"--b\nContent-Type: application/octet-stream"
                   b"\nContent-Transfer-Encoding: base64\n"
                   b"Content-Disposition: attachment; filename=big.bin\n\n",
                   b64_lines, b"--b--\n"),
    # A returned original whose body is 40 MB of tis-620 text.
    "big-rfc822": (dsn_head(b"message/rfc822") + ORIG_HDR
                   + b"Content-Type: text/plain; charset=tis-620\n\n",
                   thai_lines, b"--r--\n"),
    # The original base64-encoded (RFC 2046 forbids it, MTAs do it):
    # GMime leaves it a leaf, which we decode to parse.
    "big-rfc822-base64": (dsn_head(b"message/rfc822", b"base64")
                          + base64.encodebytes(ORIG_HDR + b"\n"),
                          b64_lines, b"--r--\n"),
    # An original's us-ascii text, base64-encoded: decoded, not converted.
    "big-ascii-base64": (dsn_head(b"message/rfc822") + ORIG_HDR
                         + b"Content-Type: text/plain; charset=us-ascii\n"
                         b"Content-Transfer-Encoding: base64\n\n",
                         ascii_b64_lines, b"--r--\n"),
    # Bare-CR mail (old Macs), read through a CR-as-LF stream, not copied.
    "big-bare-cr": ((BIG_HDR + b"Content-Type: multipart/mixed; "
                     b"boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\n"
                     + NOTICE + b"--b\nContent-Type: text/plain; "
                     b"charset=tis-620\n\n").replace(b"\n", b"\r"),
                    lambda r, n: thai_lines(r, n).replace(b"\n", b"\r"),
                    b"--b--\r"),
    # A returned original of HTML, reduced to text.
    "big-html": (dsn_head(b"message/rfc822") + ORIG_HDR
                 + b"Content-Type: text/html; charset=windows-1252\n\n"
                 b"<html><body>\n",
                 html_lines,
                 b"</body></html>\n--r--\n"),
}


def write_big(name, path):
    head, lines, tail = BIG_CASES[name]
    r = random.Random(name)
    with open(path, "wb") as f:
        f.write(head)
        size = len(head)
        while size < BIG:
            chunk = lines(r, 4096)
            f.write(chunk)
            size += len(chunk)
        f.write(tail)


if len(sys.argv) > 1 and sys.argv[1] == "--big":
    if len(sys.argv) == 2:
        print("\n".join(BIG_CASES))
    else:
        write_big(sys.argv[2], sys.argv[3])
    sys.exit(0)
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
