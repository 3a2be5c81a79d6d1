"""Mail and mailboxes for the cleanup tests (--summary, --report,
--move-to, IMAP), made from the golden fixtures: a backscatter and a
legitimate Postfix DSN (tests/data/eml, see tests/data/README) with the
report's own Date set to the moment wanted, and a plain message."""
import email.utils
import hashlib
import os
import re
import sys

SRC = os.environ.get('BS_SRCDIR', os.path.join(os.path.dirname(__file__),
                                                '..', '..'))
BIN = os.environ.get('BS_BIN', os.path.join(SRC, 'build',
                                            'backscatter-check'))
IDENTITY = ['--address=kim@example.org', '--relay=mail.example.org',
            '--relay=192.0.2.25', '--no-config', '--no-ledger']
# 2026-11-27 14:00:00 UTC
T0 = 1795788000

PLAIN = (b'From: Lee <lee@example.com>\nTo: kim@example.org\n'
         b'Subject: lunch\nDate: Fri, 27 Nov 2026 13:00:00 +0000\n'
         b'Message-ID: <lunch@example.com>\n\nAt noon?\n')


def fixture(name):
    with open(os.path.join(SRC, 'tests', 'data', 'eml', name + '.eml'),
              'rb') as f:
        return f.read()


def dated(template, when, serial):
    """template with its first Date field (the report's) set to when, and a
    Message-Id of its own, so that every copy hashes differently."""
    date = email.utils.formatdate(when, usegmt=True).encode()
    text = re.sub(rb'^Date:[^\n]*(\n[ \t][^\n]*)*', b'Date: ' + date,
                  template, count=1, flags=re.M)
    return re.sub(rb'^Message-Id:[^\n]*', b'Message-Id: <bs%d@example.net>'
                  % serial, text, count=1, flags=re.M | re.I)


def attack(per_hour=(3, 9, 5, 2, 1)):
    """(kind, bytes) of backscatter per_hour[i] in hour i from T0, two
    legitimate bounces and a plain message."""
    bs = fixture('postfix-dsn-backscatter')
    legit = fixture('postfix-dsn-legit')
    out, n = [], 0
    for hour, count in enumerate(per_hour):
        for i in range(count):
            n += 1
            out.append(('backscatter', dated(bs, T0 + hour * 3600 + i * 61,
                                             n)))
    for i in range(2):
        n += 1
        out.append(('legit', dated(legit, T0 + 600 + i, n)))
    out.append(('plain', PLAIN))
    return out


def digest(data):
    return hashlib.sha256(data).hexdigest()


def write_maildir(top, messages):
    """One file per message in new/ (and every third in cur/ with flags);
    returns {path: kind}."""
    for sub in ('cur', 'new', 'tmp'):
        os.makedirs(os.path.join(top, sub), exist_ok=True)
    paths = {}
    for i, (kind, data) in enumerate(messages):
        if i % 3 == 0:
            name = os.path.join(top, 'cur', '%d.M%dP1.test:2,S' % (T0, i))
        else:
            name = os.path.join(top, 'new', '%d.M%dP1.test' % (T0, i))
        with open(name, 'wb') as f:
            f.write(data)
        paths[name] = kind
    return paths


def write_mbox(path, messages):
    """An mbox as mutt writes it (">From " quoting, a blank line after
    each message); returns the From-line offsets."""
    offsets = []
    with open(path, 'wb') as f:
        for i, (kind, data) in enumerate(messages):
            offsets.append(f.tell())
            f.write(b'From MAILER-DAEMON Fri Nov 27 14:00:%02d 2026\n' % (i % 60))
            body = re.sub(rb'^(>*From )', rb'>\1', data, flags=re.M)
            f.write(body if body.endswith(b'\n') else body + b'\n')
            f.write(b'\n')
    return offsets


def maildir_messages(top):
    """{sha256: [path]} of the messages in cur/ and new/ (tmp/ holds none
    yet, as every Maildir reader agrees)."""
    found = {}
    for sub in ('cur', 'new'):
        d = os.path.join(top, sub)
        if not os.path.isdir(d):
            continue
        for name in os.listdir(d):
            p = os.path.join(d, name)
            with open(p, 'rb') as f:
                found.setdefault(digest(f.read()), []).append(p)
    return found


def mbox_offsets(path):
    """[(From-line offset, sha256)] of the messages of an mbox, each
    unquoted as a Maildir copy holds it."""
    out = []
    if not os.path.exists(path):
        return out
    with open(path, 'rb') as f:
        data = f.read()
    starts = [m.start() for m in re.finditer(rb'^From ', data, flags=re.M)]
    for n, s in enumerate(starts):
        e = starts[n + 1] if n + 1 < len(starts) else len(data)
        chunk = data[s:e]
        chunk = chunk[chunk.index(b'\n') + 1:]
        if chunk.endswith(b'\n\n'):
            chunk = chunk[:-1]
        chunk = re.sub(rb'^>(>*From )', rb'\1', chunk, flags=re.M)
        out.append((s, digest(chunk)))
    return out


def mbox_messages(path):
    """{sha256: [path#n]} of the messages of an mbox."""
    found = {}
    for n, (_, h) in enumerate(mbox_offsets(path)):
        found.setdefault(h, []).append('%s#%d' % (path, n + 1))
    return found


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, what, diag=None):
        self.n += 1
        if not cond:
            self.failed += 1
        print('%sok %d - %s' % ('' if cond else 'not ', self.n, what))
        if not cond and diag:
            for line in str(diag).splitlines():
                print('# ' + line)
        sys.stdout.flush()
        return cond

    def done(self):
        print('1..%d' % self.n)
        sys.exit(1 if self.failed else 0)


def skip(why):
    """Skips, or fails under CI=true, where every tool must be there."""
    if os.environ.get('CI') == 'true':
        print('1..1\nnot ok 1 - %s (CI=true: the tool must be installed)'
              % why)
        sys.exit(1)
    print('1..0 # SKIP %s' % why)
    sys.exit(0)
