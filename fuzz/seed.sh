#!/bin/sh
# fuzz/seed.sh BUILDDIR: make the seed corpora of the fuzz targets in
# BUILDDIR/fuzz-seeds/<target>/ from tests/data/eml, tests/data/structure
# and, when it is there,
# ../shared/corpus (a sample of it, so that a short run spends its time
# fuzzing rather than replaying seeds).  Nothing here is committed.
#
#   classify, filter, mailbox: whole messages (at most 64 KiB, as -max_len)
#   header-model: their first 8 KiB, and the hostile header shapes of
#           issue 10 (CR CR LF, NUL in a name, CRs for maildrop, ...)
#   dsn:    the decoded delivery-status parts of those messages
#   inline: their decoded text/plain parts (bounce prose, quoted originals)
#   pattern: each pattern of data/rules, then a NUL and a line of the texts
#   proof:  whole messages, as classify, and the signed bounces of
#           tests/data/proof
#   address: a few BATV and SRS addresses (8 bytes of time first)
#   dkim-keys: key files in opendkim's test form and in zone-file form
#   milter: header fields as "name:value", MAIL FROM arguments, verdicts
#   cleanup: the messages as one-message mboxes, and a few mboxes with
#           quoted From lines and Status fields
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: seed.sh BUILDDIR}
out=$build/fuzz-seeds
rm -rf "$out"
mkdir -p "$out/classify" "$out/filter" "$out/dsn" "$out/inline" \
    "$out/pattern" "$out/header-model" "$out/mailbox" "$out/address" \
    "$out/dkim-keys" "$out/proof" "$out/milter" "$out/cleanup"
exec python3 - "$src" "$out" "${FUZZ_SEED_SAMPLE:-400}" <<'PY'
import email, email.policy, hashlib, os, sys

src, out, sample = sys.argv[1], sys.argv[2], int(sys.argv[3])
MAX = 65536

def files(d):
    r = []
    for root, _, names in os.walk(d):
        r += [os.path.join(root, n) for n in names if n.endswith('.eml')]
    return sorted(r)

inputs = files(os.path.join(src, 'tests', 'data', 'eml'))
inputs += files(os.path.join(src, 'tests', 'data', 'crashers'))
# the hand-made shapes of issue 13: quoted headers, status lines, reports
inputs += files(os.path.join(src, 'tests', 'data', 'structure'))
shared = files(os.path.join(src, '..', 'shared', 'corpus'))
if shared:
    step = max(1, len(shared) // sample)
    inputs += shared[::step]
else:
    print('seed.sh: ../shared/corpus absent, seeding from tests/data only')

def put(target, data):
    if not data or len(data) > MAX:
        return
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(out, target, name), 'wb') as f:
        f.write(data)

for path in inputs:
    with open(path, 'rb') as f:
        raw = f.read()
    put('classify', raw[:MAX])
    put('proof', raw[:MAX])
    put('filter', raw[:MAX])
    put('header-model', raw[:8192])
    put('mailbox', raw[:MAX])
    put('cleanup', b'From MAILER-DAEMON Fri Nov 27 14:00:00 2026\n' +
        raw[:MAX - 64] + b'\n')
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        for part in msg.walk():
            ct = part.get_content_type()
            if ct.endswith('delivery-status'):
                # Python parses it into field groups: take it as text.
                text = part.as_bytes().replace(b'\r\n', b'\n')
                put('dsn', text.split(b'\n\n', 1)[-1])
                continue
            if part.is_multipart():
                continue
            body = part.get_payload(decode=True)
            if body is None:
                body = part.get_payload()
                body = body.encode('utf-8', 'replace') \
                    if isinstance(body, str) else b''
            if ct == 'text/plain':
                put('inline', body)
    except Exception:
        pass
texts = [l for p in inputs[:50] for l in open(p, 'rb').read().split(b'\n')
         if len(l) > 20][:400]
rules = os.path.join(src, 'data', 'rules')
n = 0
for name in sorted(os.listdir(rules)):
    for line in open(os.path.join(rules, name), 'rb'):
        key, eq, value = line.rstrip(b'\n').partition(b'=')
        if not eq or line.startswith(b'#') or key in (
                b'description', b'weight', b'target', b'encoding'):
            continue
        pattern = value.replace(b'\\\\', b'\\')
        put('pattern', pattern + b'\0' + (texts[n % len(texts)]
                                          if texts else b''))
        n += 1
for h in (b"From: a\r\r\nS: s\nX-Backscatter: yes\n\nb\n",
          b"From: a\nX-Backscatter\0: yes\nX-Backscatter \0\n\n",
          b"From: a\n\r\nX-Backscatter: yes\n\r\r\nx-backscatter :y\n\n",
          b"From: a\n\rX-Back\rscatter\r: yes\nX-Backscatter: x\n\fy\n\n",
          b"S: \0\n\nX-Backscatter: yes\n\tmore\nbody\n",
          b"S: s\r\n\r\nX-Backscatter: body\r\n",
          b"X-Backscatter: y\r s\rTo: t\r\rbody\r",
          b" yes\n\r\tyes\nX-Backscatter: y\n\n",
          b"From x\n\tc\nX-Backscatter"):
    put('header-model', h)
# Unclosed encoded-words (src/header-decode.h): in the report's Subject and
# From name, and in a copy quoted inline, as many as fit in -max_len
# (GMime's lenient decoder takes time quadratic in their number).
q, b64 = b'=?utf-8?q?a ' * 800, b'=?utf-8?b?QUFB' * 800
copy = (b'From: ' + b64 + b' <user@example.org>\nTo: ' + q + b'<b@x.net>\n'
        b'Subject: ' + q + b'\n\nbody\n')
put('classify', b'From: ' + b64 + b' <MAILER-DAEMON@x.net>\nSubject: ' + q +
    b'\nMIME-Version: 1.0\nContent-Type: multipart/report; boundary=B\n\n'
    b'--B\nContent-Type: message/rfc822\n\n' + copy + b'--B--\n')
put('inline', b'<b@x.net>: 550 5.1.1 User unknown\n\n'
    b'--- Below this line is a copy of the message.\n\n' + copy)
import struct
day = struct.pack('<q', 20788 * 86400)
for a in (b'prvs=0795c73435=owner@example.org', b'owner@example.org',
          b'SRS0=9T+b=JU=example.org=owner@forward.example',
          b'SRS1=91zE=first.example==AbCd=XY=example.org=owner@forward.example',
          b'srs0+abcd=ZZ=h=u@x', b'PRVS=30016E5B96=Jane.Doe@Example.NET'):
    put('address', day + a)
for k in (b'# keys\ns1._domainkey.example.org v=DKIM1; k=rsa; p=AAAA\n',
          b's2._domainkey.example.org. IN TXT ( "v=DKIM1; k=rsa; "\n'
          b'\t"p=BB" "BB" )  ; ----- DKIM key s2 for example.org\n',
          b's3._domainkey.example.net 3600 TXT "p=C\\"C"\n'):
    put('dkim-keys', k)
for m in (b'X-Backscatter: no', b'x-BACK\rscatter \t:yes', b'X-Backscatter',
          b'Auto-Submitted: auto-replied', b'Auto-Submitted:no (person)',
          b'Precedence: bulk', b'<> SIZE=10', b'<kim@example.org>',
          b'X: yes; score=100%;\n\tthreshold=5.0; tests=a,b\x01'):
    put('milter', m)
for path in files(os.path.join(src, 'tests', 'data', 'proof')):
    with open(path, 'rb') as f:
        put('proof', f.read())
for m in (b'From a\nStatus: RO\nX-Status: AFD\n\n>From x\n>>From y\n\n'
          b'From b\n\nbody\r\n\r\nFrom c\n',
          b'From \nFrom \n\n\nFrom', b'From a\r\nStatus: R\r\n\r\n>From\r\n'):
    put('cleanup', m)
for t in ('classify', 'filter', 'dsn', 'inline', 'pattern', 'header-model',
          'mailbox', 'address', 'dkim-keys', 'proof', 'milter', 'cleanup'):
    print('seed.sh: %s: %d seeds' % (t, len(os.listdir(os.path.join(out, t)))))
PY
