#!/bin/sh
# fuzz/seed.sh BUILDDIR: make the seed corpora of the fuzz targets in
# BUILDDIR/fuzz-seeds/<target>/ from tests/data/eml and, when it is there,
# ../shared/corpus (a sample of it, so that a short run spends its time
# fuzzing rather than replaying seeds).  Nothing here is committed.
#
#   classify, filter, mailbox: whole messages (at most 64 KiB, as -max_len)
#   dsn:    the decoded delivery-status parts of those messages
#   inline: their decoded text/plain parts (bounce prose, quoted originals)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: seed.sh BUILDDIR}
out=$build/fuzz-seeds
rm -rf "$out"
mkdir -p "$out/classify" "$out/filter" "$out/dsn" "$out/inline" \
    "$out/mailbox"
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
    put('filter', raw[:MAX])
    put('mailbox', raw[:MAX])
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
for t in ('classify', 'filter', 'dsn', 'inline', 'mailbox'):
    print('seed.sh: %s: %d seeds' % (t, len(os.listdir(os.path.join(out, t)))))
PY
