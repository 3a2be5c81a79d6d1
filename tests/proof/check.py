#!/usr/bin/env python3
"""check.py: suite "proof" (issue 15).  Prints TAP.

DKIM: makes RSA keys (openssl, opendkim-genkey), signs originals with
dkimpy, wraps them in bounces of several MTA shapes (a DSN with
message/rfc822, text/rfc822-headers only, a cut body, a base64 part, a
body re-encoded to quoted-printable, a qmail-style inline copy, CRLF
mail) and checks each verdict of the CLI with --dkim-keys.

BATV: tags made with --batv-sign are checked against an independent
implementation of Exim's ${prvs} (HMAC-SHA1 over K, DDD and the address);
bounces to tagged, falsely tagged, expired and untagged addresses.

SRS: postsrsd (when installed) rewrites addresses to SRS0 and SRS1; a
bounce to them is a bounce to the owner once [srs] is configured.

Environment (set by meson): BS_BIN, BS_SRCDIR.  CI=true turns a missing
tool into a failure instead of a skip.
"""
import base64
import hashlib
import hmac
import os
import quopri
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import dkim

BIN = os.environ['BS_BIN']
CI = os.environ.get('CI') == 'true'
OWNER = 'owner@example.org'

results = []


def ok(cond, name, diag=''):
    results.append((bool(cond), name, diag))


def skip(name, why):
    if CI:
        results.append((False, name, 'missing in CI: ' + why))
    else:
        results.append((None, name, why))


def run(args, msg, tmp):
    path = os.path.join(tmp, 'in.eml')
    with open(path, 'wb') as f:
        f.write(msg)
    p = subprocess.run([BIN, '--no-config'] + args + ['--explain', path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode('utf-8', 'replace'), \
        p.stderr.decode('utf-8', 'replace')


def tests_of(out):
    """name -> detail of the tests --explain lists."""
    found = {}
    for line in out.splitlines():
        s = line.strip()
        if ':' not in s or not (s[:1] in '+-' and s[1:2].isdigit()):
            continue
        head, detail = s.split(':', 1)
        found[head.split()[-1]] = detail.strip()
    return found


# --- messages ---------------------------------------------------------

ORIGINAL = (
    'From: Owner <owner@example.org>\r\n'
    'To: someone@remote.example\r\n'
    'Subject: Quarterly report, as promised\r\n'
    'Date: Mon, 30 Nov 2026 10:00:00 +0000\r\n'
    'Message-ID: <q4-2026.1234@example.org>\r\n'
    'MIME-Version: 1.0\r\n'
    'Content-Type: text/plain; charset=utf-8\r\n'
    'Content-Transfer-Encoding: 8bit\r\n'
    '\r\n'
    'Hello,\r\n'
    '\r\n'
    'here are the figures we spoke about: na\u00efve estimates for now.\r\n'
    'Best regards,\r\n'
    'Owner\r\n').encode('utf-8')


def sign(msg, selector, domain, key, canon=(b'relaxed', b'simple')):
    sig = dkim.sign(msg, selector, domain, key, canonicalize=canon,
                    include_headers=[b'from', b'to', b'subject', b'date',
                                     b'message-id', b'mime-version',
                                     b'content-type'])
    return sig + msg


def lf(b):
    return b.replace(b'\r\n', b'\n')


def split(msg):
    i = msg.index(b'\n\n')
    return msg[:i + 1], msg[i + 2:]


BOUNCE_HEAD = (
    b'Return-Path: <>\n'
    b'Delivered-To: %s\n'
    b'From: Mail Delivery System <MAILER-DAEMON@mx.remote.example>\n'
    b'To: %s\n'
    b'Subject: Undelivered Mail Returned to Sender\n'
    b'Date: Mon, 30 Nov 2026 10:05:00 +0000\n'
    b'Message-ID: <20261130100500.AB12@mx.remote.example>\n'
    b'MIME-Version: 1.0\n')


def head(rcpt=OWNER):
    r = rcpt.encode()
    return BOUNCE_HEAD % (r, r)


def dsn(original, part_type=b'message/rfc822', cte=None, rcpt=OWNER):
    """A Postfix-style RFC 3464 report returning original."""
    extra = b''
    if cte is not None:
        extra = b'Content-Transfer-Encoding: ' + cte + b'\n'
    return (head(rcpt) +
            b'Content-Type: multipart/report; report-type=delivery-status;\n'
            b'\tboundary="BOUND"\n\n'
            b'--BOUND\nContent-Type: text/plain\n\n'
            b'I\'m sorry to have to inform you that your message could not\n'
            b'be delivered to one or more recipients.\n\n'
            b'<someone@remote.example>: host mx.remote.example said: 550 '
            b'5.1.1 no such user\n\n'
            b'--BOUND\nContent-Type: message/delivery-status\n\n'
            b'Reporting-MTA: dns; mx.remote.example\n\n'
            b'Final-Recipient: rfc822; someone@remote.example\n'
            b'Action: failed\nStatus: 5.1.1\n'
            b'Remote-MTA: dns; mx.remote.example\n'
            b'Diagnostic-Code: smtp; 550 5.1.1 no such user\n\n'
            b'--BOUND\nContent-Type: ' + part_type + b'\n' + extra + b'\n' +
            original + b'\n--BOUND--\n')


def inline(original, rcpt=OWNER):
    """A qmail-style prose bounce with the original after a marker."""
    return (head(rcpt) + b'Content-Type: text/plain\n\n'
            b'Hi. This is the qmail-send program at mx.remote.example.\n'
            b'I\'m afraid I wasn\'t able to deliver your message to the '
            b'following addresses.\nThis is a permanent error; I\'ve given '
            b'up. Sorry it didn\'t work out.\n\n'
            b'<someone@remote.example>:\nSorry, no mailbox here by that '
            b'name. (#5.1.1)\n\n'
            b'--- Below this line is a copy of the message.\n\n' + original)


def autoreply(rcpt=OWNER):
    r = rcpt.encode()
    return (b'From: Someone <someone@remote.example>\n'
            b'To: ' + r + b'\nDelivered-To: ' + r + b'\n'
            b'Subject: Out of office: Quarterly report\n'
            b'Auto-Submitted: auto-replied\n'
            b'Date: Mon, 30 Nov 2026 10:05:00 +0000\n'
            b'Message-ID: <ooo.1@remote.example>\n\n'
            b'I am out of the office until Monday.\n')


# --- DKIM -------------------------------------------------------------

def genrsa(tmp, name):
    pem = os.path.join(tmp, name + '.pem')
    subprocess.run(['openssl', 'genrsa', '-out', pem, '2048'], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    der = subprocess.run(['openssl', 'rsa', '-in', pem, '-pubout',
                          '-outform', 'DER'], check=True,
                         stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL).stdout
    with open(pem, 'rb') as f:
        return f.read(), base64.b64encode(der).decode()


def check_dkim(tmp):
    if shutil.which('openssl') is None:
        skip('DKIM', 'openssl is missing')
        return
    key1, pub1 = genrsa(tmp, 'sel1')
    other, _ = genrsa(tmp, 'other')
    keys = os.path.join(tmp, 'keys.txt')
    lines = ['# the owner\'s keys, as opendkim\'s test files have them',
             'sel1._domainkey.example.org v=DKIM1; k=rsa; p=' + pub1]
    genkey = shutil.which('opendkim-genkey') or (
        '/usr/sbin/opendkim-genkey'
        if os.access('/usr/sbin/opendkim-genkey', os.X_OK) else None)
    key2 = None
    if genkey is not None:
        # Its zone-file form: "sel2._domainkey IN TXT ( "..." "..." )",
        # over lines; the domain is added to the name.
        subprocess.run([genkey, '-D', tmp, '-d', 'example.org', '-s',
                        'sel2'], check=True)
        with open(os.path.join(tmp, 'sel2.txt')) as f:
            zone = f.read()
        lines.append(zone.replace('sel2._domainkey',
                                  'sel2._domainkey.example.org.', 1))
        with open(os.path.join(tmp, 'sel2.private'), 'rb') as f:
            key2 = f.read()
    else:
        skip('opendkim-genkey zone-file keys', 'opendkim-genkey is missing')
    with open(keys, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    args = ['--address', OWNER, '--dkim-keys', keys]

    signed = lf(sign(ORIGINAL, b'sel1', b'example.org', key1))
    hdrs, body = split(signed)

    def case(name, msg, want, status, extra=(), why=''):
        rc, out, err = run(list(args) + list(extra), msg, tmp)
        t = tests_of(out)
        good = rc == status and all(
            (w in t) == present and (text is None or text in t.get(w, ''))
            for w, present, text in want)
        ok(good, 'DKIM ' + name, 'rc=%d stderr=%s\n%s' % (rc, err, out))

    valid = ('dkim-valid', True, 'headers and body')
    headers = ('dkim-valid', True, 'over the headers')
    no_valid = ('dkim-valid', False, None)
    no_invalid = ('dkim-invalid', False, None)
    invalid = ('dkim-invalid', True, 'fails')

    case('DSN message/rfc822: valid, body and all', dsn(signed),
         [valid, no_invalid], 1)
    case('CRLF bounce: valid', dsn(signed).replace(b'\n', b'\r\n'),
         [valid], 1)
    case('text/rfc822-headers only: valid over the headers',
         dsn(hdrs, b'text/rfc822-headers'), [headers], 1)
    case('body cut short by the bouncer: valid over the headers',
         dsn(hdrs + b'\n' + body[:20] + b'\n'), [headers], 1)
    case('message/rfc822 part sent base64: valid',
         dsn(base64.encodebytes(signed), b'message/rfc822', b'base64'),
         [valid], 1)
    qp = quopri.encodestring(body.replace(b'\n', b'\r\n')).replace(
        b'\r\n', b'\n')
    case('body re-encoded quoted-printable: valid over the headers',
         dsn(hdrs.replace(b'Content-Transfer-Encoding: 8bit',
                          b'Content-Transfer-Encoding: quoted-printable') +
             b'\n' + qp), [headers], 1)
    case('qmail inline copy: valid', inline(signed), [('dkim-valid', True,
                                                       'via inline')], 1)
    # Quoted, with the signature below From (original.c looks for a
    # quoted copy only a few lines after the marker).
    sig_end = hdrs.index(b'\nFrom:') + 1
    moved = (hdrs[sig_end:] + hdrs[:sig_end]) + b'\n' + body
    quoted = b''.join(b'> ' + line + b'\n' if line else b'>\n'
                      for line in moved.split(b'\n')[:-1])
    case('inline copy quoted with "> ": valid', inline(quoted),
         [('dkim-valid', True, 'via inline')], 1)
    if key2 is not None:
        s2 = lf(sign(ORIGINAL, b'sel2', b'example.org', key2,
                     (b'simple', b'simple')))
        case('key in zone-file form (opendkim-genkey): valid', dsn(s2),
             [valid], 1)

    forged = signed.replace(b'Subject: Quarterly report',
                            b'Subject: Cheap pills, quarterly report')
    case('Subject altered: no proof without owner-signs-all', dsn(forged),
         [no_valid, no_invalid], 1)
    conf = os.path.join(tmp, 'signs-all.conf')
    with open(conf, 'w') as f:
        f.write('[identity]\naddress=%s\n[dkim]\nkeys=keys.txt\n'
                'owner-signs-all=true\n' % OWNER)
    p = subprocess.run([BIN, '-c', conf, '--explain', '-'],
                       input=dsn(forged), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    t = tests_of(p.stdout.decode())
    ok(p.returncode == 0 and 'dkim-invalid' in t,
       'DKIM Subject altered, owner-signs-all (config, relative keys=): '
       'dkim-invalid, backscatter',
       p.stdout.decode() + p.stderr.decode())
    p = subprocess.run([BIN, '-c', conf, '--explain', '-'],
                       input=dsn(signed), stdout=subprocess.PIPE)
    ok(p.returncode == 1 and 'dkim-valid' in tests_of(p.stdout.decode()),
       'DKIM owner-signs-all: a valid signature stays legitimate',
       p.stdout.decode())

    wrong = lf(sign(ORIGINAL, b'sel1', b'example.org', other))
    case('signed with another key under the owner\'s selector: no proof',
         dsn(wrong), [no_valid, no_invalid], 1)
    p = subprocess.run([BIN, '-c', conf, '--explain', '-'],
                       input=dsn(wrong), stdout=subprocess.PIPE)
    ok(p.returncode == 0 and 'dkim-invalid' in tests_of(p.stdout.decode()),
       'DKIM signed with another key, owner-signs-all: dkim-invalid',
       p.stdout.decode())
    nokey = lf(sign(ORIGINAL, b'gone', b'example.org', key1))
    p = subprocess.run([BIN, '-c', conf, '--explain', '-'],
                       input=dsn(nokey), stdout=subprocess.PIPE)
    t = tests_of(p.stdout.decode())
    ok('dkim-invalid' not in t and 'dkim-valid' not in t,
       'DKIM selector with no key: no evidence either way',
       p.stdout.decode())
    foreign = lf(sign(ORIGINAL.replace(b'owner@example.org',
                                       b'someone@else.example'),
                      b'sel1', b'else.example', key1))
    case('signature of a foreign domain: ignored', dsn(foreign),
         [no_valid, no_invalid], 1)
    rc, out, err = run(['--address', OWNER], dsn(signed), tmp)
    ok('dkim-valid' not in tests_of(out) and rc == 1,
       'DKIM no key file: nothing verified', out)

    p = subprocess.run([BIN, '-c', conf, '--check-config'],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    ok(p.returncode == 0 and p.stdout.decode().endswith(': ok\n'),
       'DKIM --check-config loads the key file and libopendkim',
       p.stdout.decode() + p.stderr.decode())

    bad = os.path.join(tmp, 'bad-keys.txt')
    with open(bad, 'w') as f:
        f.write('sel1._domainkey.example.org v=DKIM1; k=rsa; p=AAAA\n'
                'nodomainkey.example.org v=DKIM1; p=AAAA\n')
    rc, out, err = run(['--dkim-keys', bad], dsn(signed), tmp)
    ok(rc == 78 and bad + ':2:' in err and err.count('\n') == 1,
       'DKIM bad key file: exit 78, one line naming file and line',
       'rc=%d %s' % (rc, err))
    rc, out, err = run(['--dkim-keys', os.path.join(tmp, 'none.txt')],
                       dsn(signed), tmp)
    ok(rc == 78 and 'none.txt' in err, 'DKIM missing key file: exit 78',
       'rc=%d %s' % (rc, err))


# --- BATV -------------------------------------------------------------

def exim_prvs(address, secret, keynum, day):
    """Exim's ${prvs}: HMAC-SHA1 over keynum, daystamp and address."""
    source = ('%d%03d' % (keynum, day) + address).encode()
    h = hmac.new(secret.encode(), source, hashlib.sha1).hexdigest()[:6]
    local, domain = address.rsplit('@', 1)
    return 'prvs=%d%03d%s=%s@%s' % (keynum, day, h, local, domain)


def check_batv(tmp):
    secret = 'batv secret 42'
    conf = os.path.join(tmp, 'batv.conf')
    keyfile = os.path.join(tmp, 'batv.key')
    with open(keyfile, 'w') as f:
        f.write('# the key\n%s\n' % secret)
    with open(conf, 'w') as f:
        f.write('[identity]\naddress=%s\n[batv]\nkey-file=batv.key\n'
                % OWNER)
    signs_all = os.path.join(tmp, 'batv-all.conf')
    with open(signs_all, 'w') as f:
        f.write('[identity]\naddress=%s\n[batv]\nkey=%s\n'
                'owner-signs-all=true\n' % (OWNER, secret))

    p = subprocess.run([BIN, '-c', conf, '--batv-sign', OWNER],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    tag = p.stdout.decode().strip()
    # Signed for 7 days, as Exim's ${prvs} does.
    today = int(time.time()) // 86400
    want = {exim_prvs(OWNER, secret, 0, (today + d + 7) % 1000)
            for d in (0, 1)}
    ok(p.returncode == 0 and tag in want,
       '--batv-sign matches Exim\'s ${prvs} algorithm',
       'got %r want %r %s' % (tag, want, p.stderr.decode()))
    p = subprocess.run([BIN, '--no-config', '--batv-sign', OWNER],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    ok(p.returncode == 78 and p.stderr.decode().count('\n') == 1,
       '--batv-sign without a key: exit 78', p.stderr.decode())
    p = subprocess.run([BIN, '-c', conf, '--batv-sign', 'no-at-sign'],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    ok(p.returncode == 64, '--batv-sign of a non-address: exit 64',
       p.stderr.decode())

    signed = lf(ORIGINAL)

    def case(name, cfg, msg, want, status):
        p = subprocess.run([BIN, '-c', cfg, '--explain', '-'], input=msg,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        t = tests_of(p.stdout.decode())
        good = p.returncode == status and all((w in t) == present
                                              for w, present in want)
        ok(good, 'BATV ' + name, 'rc=%d %s %s' % (
            p.returncode, p.stdout.decode(), p.stderr.decode()))

    case('valid tag (--batv-sign) in Delivered-To and To: batv-valid',
         conf, dsn(signed, rcpt=tag), [('batv-valid', True),
                                       ('report-not-to-owner', False)], 1)
    exim = exim_prvs(OWNER, secret, 3, (today + 5) % 1000)
    case('valid tag of key number 3 made as Exim does: batv-valid', conf,
         dsn(signed, rcpt=exim), [('batv-valid', True)], 1)
    case('upper-case PRVS and hash: batv-valid', conf,
         dsn(signed, rcpt='PRVS=' + exim[5:15].upper() + exim[15:]),
         [('batv-valid', True)], 1)
    forged = exim_prvs(OWNER, 'not the key', 0, (today + 7) % 1000)
    case('tag of another key, owner does not sign all: no evidence', conf,
         dsn(signed, rcpt=forged), [('batv-valid', False),
                                    ('batv-invalid', False)], 1)
    case('tag of another key, owner-signs-all: batv-invalid', signs_all,
         dsn(signed, rcpt=forged), [('batv-invalid', True)], 0)
    expired = exim_prvs(OWNER, secret, 0, (today - 2) % 1000)
    case('expired tag, owner-signs-all: batv-invalid', signs_all,
         dsn(signed, rcpt=expired), [('batv-invalid', True)], 0)
    case('untagged owner address, owner-signs-all: batv-invalid',
         signs_all, dsn(signed), [('batv-invalid', True)], 0)
    case('untagged, owner does not sign all: no evidence', conf,
         dsn(signed), [('batv-invalid', False)], 1)
    case('auto-reply to an untagged address: no evidence (it answers '
         'From)', signs_all, autoreply(), [('batv-invalid', False)], 1)
    case('valid tag, inline bounce: batv-valid', signs_all,
         inline(signed, rcpt=tag), [('batv-valid', True)], 1)


# --- SRS --------------------------------------------------------------

def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def tcp_get(port, address):
    for _ in range(100):
        try:
            with socket.create_connection(('127.0.0.1', port), 1) as s:
                s.sendall(b'get ' + address.encode() + b'\n')
                reply = b''
                while not reply.endswith(b'\n'):
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    reply += chunk
                return reply.decode().strip()
        except OSError:
            time.sleep(0.05)
    return ''


def check_srs(tmp):
    postsrsd = shutil.which('postsrsd') or (
        '/usr/sbin/postsrsd' if os.access('/usr/sbin/postsrsd', os.X_OK)
        else None)
    if postsrsd is None:
        skip('SRS with postsrsd', 'postsrsd is missing')
        return
    secrets = os.path.join(tmp, 'srs.secret')
    with open(secrets, 'w') as f:
        f.write('tH1s1sAS3cr3t\n')
    fport, rport = free_port(), free_port()
    proc = subprocess.Popen([postsrsd, '-s', secrets, '-d',
                             'forward.example', '-l', '127.0.0.1',
                             '-f', str(fport), '-r', str(rport)],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        srs0 = tcp_get(fport, OWNER)
        foreign0 = 'SRS0=AbCd=XY=example.org=owner@first.example'
        srs1 = tcp_get(fport, foreign0)
        back = tcp_get(rport, srs0.split(' ', 1)[-1])
    finally:
        proc.terminate()
        proc.wait()
    ok(srs0.startswith('200 SRS0=') and back == '200 ' + OWNER,
       'postsrsd rewrites the owner to SRS0 and back', srs0 + ' / ' + back)
    ok(srs1.startswith('200 SRS1='), 'postsrsd rewrites an SRS0 to SRS1',
       srs1)
    srs0 = srs0.split(' ', 1)[-1]
    srs1 = srs1.split(' ', 1)[-1]
    conf = os.path.join(tmp, 'srs.conf')
    with open(conf, 'w') as f:
        f.write('[identity]\naddress=%s\n[srs]\nsecret-file=srs.secret\n'
                % OWNER)
    plain = os.path.join(tmp, 'plain.conf')
    with open(plain, 'w') as f:
        f.write('[identity]\naddress=%s\n' % OWNER)
    signed = lf(ORIGINAL)

    def case(name, cfg, msg, present):
        p = subprocess.run([BIN, '-c', cfg, '--explain', '-'], input=msg,
                           stdout=subprocess.PIPE)
        t = tests_of(p.stdout.decode())
        ok(('report-not-to-owner' in t) == present, 'SRS ' + name,
           p.stdout.decode())

    case('bounce to postsrsd\'s SRS0, no [srs]: not to the owner', plain,
         dsn(signed, rcpt=srs0), True)
    case('bounce to postsrsd\'s SRS0, [srs] secret: to the owner', conf,
         dsn(signed, rcpt=srs0), False)
    case('bounce to postsrsd\'s SRS1, [srs] secret: to the owner', conf,
         dsn(signed, rcpt=srs1), False)
    local, domain = srs0.rsplit('@', 1)
    fields = local.split('=')
    fields[1] = 'ZZZZ' if fields[1] != 'ZZZZ' else 'YYYY'
    case('SRS0 with a false hash: not unwrapped', conf,
         dsn(signed, rcpt='='.join(fields) + '@' + domain), True)
    unwrap = os.path.join(tmp, 'unwrap.conf')
    with open(unwrap, 'w') as f:
        f.write('[identity]\naddress=%s\n[srs]\nunwrap=true\n' % OWNER)
    case('[srs] unwrap=true without a secret: unwrapped unchecked', unwrap,
         dsn(signed, rcpt='='.join(fields) + '@' + domain), False)
    # SRS and BATV together: a forwarder rewrote a tagged sender.
    both = os.path.join(tmp, 'both.conf')
    with open(both, 'w') as f:
        f.write('[identity]\naddress=%s\n[srs]\nsecret-file=srs.secret\n'
                '[batv]\nkey=k\nowner-signs-all=true\n' % OWNER)
    tagged = subprocess.run([BIN, '-c', both, '--batv-sign', OWNER],
                            stdout=subprocess.PIPE).stdout.decode().strip()
    proc = subprocess.Popen([postsrsd, '-s', secrets, '-d',
                             'forward.example', '-l', '127.0.0.1',
                             '-f', str(fport), '-r', str(rport)],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wrapped = tcp_get(fport, tagged).split(' ', 1)[-1]
    finally:
        proc.terminate()
        proc.wait()
    p = subprocess.run([BIN, '-c', both, '--explain', '-'],
                       input=dsn(signed, rcpt=wrapped),
                       stdout=subprocess.PIPE)
    t = tests_of(p.stdout.decode())
    ok(p.returncode == 1 and 'batv-valid' in t
       and 'report-not-to-owner' not in t,
       'SRS0 of a BATV-tagged sender: unwrapped, then batv-valid',
       wrapped + '\n' + p.stdout.decode())


def main():
    with tempfile.TemporaryDirectory() as tmp:
        check_dkim(tmp)
        check_batv(tmp)
        check_srs(tmp)
    print('1..%d' % len(results))
    failed = 0
    for i, (res, name, diag) in enumerate(results, 1):
        if res is None:
            print('ok %d - %s # SKIP %s' % (i, name, diag))
            continue
        print('%s %d - %s' % ('ok' if res else 'not ok', i, name))
        if not res:
            failed += 1
            for line in diag.splitlines():
                print('# ' + line)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
