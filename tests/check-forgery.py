#!/usr/bin/env python3
"""Suite "forgery" (issue 11): what a spammer can write must not turn a
backscatter verdict.

For every backscatter file of ../shared/corpus that the classifier flags
with the owner's identity, and whose returned original is plain text (its
vouched Received field appears as such in the file), it makes five copies:
one for each forgery below, and one with all four, each added to the
original's header:

  msgid   a Message-ID in the owner's domain
  dkim    an unverified DKIM-Signature with d= the owner's domain
  deeper  a deeper "(Authenticated sender: ...) by <relay> with ESMTPSA" hop
  helo    the vouched (top) hop's HELO naming the owner's relay

and requires at least 99.5% of each to stay flagged.  Skips (77) when the
shared corpus is not there.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

MIN_KEPT = 0.995
BATCH = 200


def load_rows(corpus):
    with open(os.path.join(corpus, 'identity.args')) as f:
        default = [l.strip() for l in f if l.strip()]
    rows = []
    with open(os.path.join(corpus, 'labels.tsv')) as f:
        header = f.readline().rstrip('\n').split('\t')
        col_id = header.index('identity')
        for line in f:
            cols = line.rstrip('\n').split('\t')
            if cols[1] != 'backscatter':
                continue
            ident = cols[col_id]
            args = default if ident in ('', '-') else ident.split()
            rows.append((os.path.join(corpus, cols[0]), args))
    return rows


def classify(binary, args, files):
    out = {}
    for i in range(0, len(files), BATCH):
        batch = files[i:i + BATCH]
        p = subprocess.run([binary, '--no-config', '--json'] + args + batch,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode not in (0, 1):
            sys.exit('%s exited %d: %s' % (binary, p.returncode,
                                            p.stderr.decode(errors='replace')))
        for line in p.stdout.decode('utf-8', 'replace').splitlines():
            r = json.loads(line)
            out[r['file']] = r
    return out


def owner_of(args):
    """(address, domain, relay host for a HELO) from identity options."""
    address, relay = None, None
    for a in args:
        if a.startswith('--address=') and address is None:
            address = a[len('--address='):].lstrip('@')
        if a.startswith('--relay=') and relay is None:
            r = a[len('--relay='):]
            if not re.match(r'^[0-9a-fA-F.:/]+$', r) and '*' not in r:
                relay = r
    if relay is None:
        for a in args:
            if a.startswith('--relay='):
                relay = '[%s]' % a[len('--relay='):].split('/')[0]
                break
    if address is None:
        host = relay.strip('[]') if relay else 'example.org'
        domain = '.'.join(host.split('.')[-2:])
        address = 'owner@' + domain
    domain = address.split('@')[-1]
    return address, domain, relay or 'mail.' + domain


def unfold(raw):
    return ' '.join(raw.split())


def fields(data, start, end):
    """[(name, field start, field end)] of the header block data[start:end]
    (each field with its continuation lines and line end)."""
    out = []
    pos = start
    while pos < end:
        nl = data.find(b'\n', pos, end)
        nxt = end if nl < 0 else nl + 1
        while nxt < end and data[nxt:nxt + 1] in (b' ', b'\t'):
            nl = data.find(b'\n', nxt, end)
            nxt = end if nl < 0 else nl + 1
        name = data[pos:nxt].split(b':', 1)[0].strip().lower()
        out.append((name, pos, nxt))
        pos = nxt
    return out


def find_block(data, received):
    """The header block of the original holding the unfolded Received
    value received: (block start, block end, field start, field end)."""
    want = unfold(received)
    for m in re.finditer(rb'(?im)^received:', data):
        if m.start() == 0:
            continue
        # The block runs from the line after the last blank line before it
        # to the next blank line.
        blank = max(data.rfind(b'\n\n', 0, m.start()),
                    data.rfind(b'\n\r\n', 0, m.start()))
        if blank < 0:
            continue
        start = data.index(b'\n', blank) + 1
        if data[start:start + 2] == b'\r\n':
            start += 2
        elif data[start:start + 1] == b'\n':
            start += 1
        end_m = re.compile(rb'\r?\n\r?\n').search(data, m.start())
        end = end_m.start() + (2 if data[end_m.start()] == 13 else 1) \
            if end_m else len(data)
        for name, fs, fe in fields(data, start, end):
            if name == b'received' and fs == m.start():
                value = data[fs:fe].split(b':', 1)[1]
                if unfold(value.decode('utf-8', 'replace')) == want:
                    return start, end, fs, fe
    return None


def forge(data, loc, kinds, owner, n):
    """data with the forgeries kinds added to the original's header.
    Returns (bytes, the forged Message-ID or None)."""
    address, domain, relay = owner
    start, end, fs, fe = loc
    nl = b'\r\n' if data[fs:fe].endswith(b'\r\n') else b'\n'
    msgid = '<forged.%d@%s>' % (n, domain) if 'msgid' in kinds else None
    out = b''
    for name, a, b in fields(data, start, end):
        if name == b'message-id' and msgid is not None:
            continue
        if a != fs:
            out += data[a:b]
            continue
        top = data[a:b]
        if 'helo' in kinds:
            text = top.decode('latin-1')
            if re.search(r'(?i)helo=', text):
                text = re.sub(r'(?i)(helo=)[^\s)\]]+',
                              lambda m: m.group(1) + relay, text, count=1)
            elif re.search(r'(?i)\(helo ', text):
                text = re.sub(r'(?i)(\(helo )[^\s)]+',
                              lambda m: m.group(1) + relay, text, count=1)
            else:
                text = re.sub(r'(?i)^(received:\s*from\s+)\S+',
                              lambda m: m.group(1) + relay, text, count=1)
            top = text.encode('latin-1')
        out += top
        if msgid is not None:
            out += b'Message-ID: ' + msgid.encode() + nl
        if 'deeper' in kinds:
            out += (b'Received: from laptop.' + domain.encode()
                    + b' (laptop.' + domain.encode() + b' [192.0.2.77])' + nl
                    + b'\t(Authenticated sender: ' + address.encode() + b')'
                    + nl + b'\tby ' + relay.strip('[]').encode()
                    + b' (Postfix) with ESMTPSA id 4FORGED%d' % n + nl
                    + b'\tfor <x@example.net>; Mon, 1 Jan 2024 10:00:00 +0000'
                    + nl)
        if 'dkim' in kinds:
            out += (b'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; '
                    b'd=' + domain.encode() + b';' + nl
                    + b'\ts=mail; h=from:to:subject; '
                    b'bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;' + nl
                    + b'\tb=bm90IGEgc2lnbmF0dXJlIHRoZSBvd25lciBtYWRl' + nl)
    return data[:start] + out + data[end:], msgid


def main():
    src = os.environ.get('BS_SRCDIR', '.')
    binary = os.environ.get('BS_BIN')
    corpus = os.path.join(src, '..', 'shared', 'corpus')
    if not os.path.exists(os.path.join(corpus, 'labels.tsv')):
        print('skip: no shared corpus at %s' % corpus)
        return 77
    rows = load_rows(corpus)
    by_args = {}
    for path, args in rows:
        by_args.setdefault(tuple(args), []).append(path)
    flagged = []
    for args, files in by_args.items():
        res = classify(binary, list(args), files)
        for f in files:
            r = res.get(f)
            if r and r['verdict'] == 'backscatter':
                flagged.append((f, list(args), r))
    kinds_list = [['msgid'], ['dkim'], ['deeper'], ['helo'],
                  ['msgid', 'dkim', 'deeper', 'helo']]
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        plain = []
        for f, args, r in flagged:
            o = r.get('original') or {}
            v = o.get('vouched_hop')
            if v is None:
                continue
            with open(f, 'rb') as fh:
                data = fh.read()
            loc = find_block(data, o['received'][int(v)])
            if loc is not None:
                plain.append((f, args, r, data, loc))
        print('# %d flagged, %d with a plain-text original' %
              (len(flagged), len(plain)))
        if len(plain) < len(flagged) // 2:
            print('not enough plain-text originals found: the finder broke?')
            return 1
        for kinds in kinds_list:
            label = '+'.join(kinds)
            made = {}
            for n, (f, args, r, data, loc) in enumerate(plain):
                owner = owner_of(args)
                forged, msgid = forge(data, loc, kinds, owner, n)
                out = os.path.join(tmp, '%s-%d.eml' % (label, n))
                with open(out, 'wb') as fh:
                    fh.write(forged)
                made.setdefault(tuple(args), []).append((out, f, r, msgid,
                                                         owner))
            kept = applied = total = 0
            misses = []
            for args, items in made.items():
                res = classify(binary, list(args), [i[0] for i in items])
                for out, f, r, msgid, owner in items:
                    x = res[out]
                    total += 1
                    xo = x.get('original') or {}
                    ok = True
                    if 'msgid' in kinds:
                        ok = ok and xo.get('message_id') == msgid
                    if 'deeper' in kinds:
                        ok = ok and len(xo.get('received', [])) == \
                            len(r['original']['received']) + 1
                    if 'helo' in kinds and xo.get('vouched_hop') is not None:
                        hop = xo['received'][int(xo['vouched_hop'])].lower()
                        ok = ok and owner[2].lower() in hop
                    applied += ok
                    if x['verdict'] == 'backscatter':
                        kept += 1
                    else:
                        misses.append('%s (score %s)' % (f, x['score']))
            rate = kept / total if total else 0.0
            print('# %-24s kept %d/%d (%.2f%%), forgery applied to %d' %
                  (label, kept, total, 100 * rate, applied))
            for m in misses[:10]:
                print('#   turned: %s' % m)
            if rate < MIN_KEPT or applied < 0.95 * total:
                print('FAIL %s' % label)
                failed = True
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
