#!/usr/bin/env python3
"""The sent-mail ledger on a private PostgreSQL server.  TAP output.

Starts a server of its own (pgserver.py: initdb in a temporary folder, a
unix socket there and no TCP, as nobody when run as root), then learns a
Maildir into it with --learn-sent --ledger postgresql://..., checks the
schema, looks bounces up (by Message-ID, and by Date, Subject and
recipient for an original without one), lets first learners race to
create the schema, and stops the server: a classifier then warns once
and decides as without a ledger, and a learner exits 75.  Skips without
PostgreSQL, except under CI=true.
"""
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pgserver  # noqa: E402

BIN = os.environ['BS_BIN']
T0 = 1272000000         # 2010-04-23
DAY = 86400
N = 40

SENT = ('From: Kim <kim@example.org>\nTo: Bob <bob@example.net>\n'
        'Subject: note {n}\nDate: {date}\n{mid}\nhello\n')
BOUNCE = ('From: MAILER-DAEMON@mx.example.net\nTo: kim@example.org\n'
          'Subject: Undelivered Mail Returned to Sender\n'
          'Date: {date}\nMIME-Version: 1.0\n'
          'Content-Type: multipart/report; report-type=delivery-status; '
          'boundary="B"\n\n--B\nContent-Type: text/plain\n\n'
          'Your message could not be delivered.\n\n--B\n'
          'Content-Type: message/delivery-status\n\n'
          'Reporting-MTA: dns; mx.example.net\n\n'
          'Final-Recipient: rfc822; bob@example.net\nAction: failed\n'
          'Status: 5.1.1\n\n--B\nContent-Type: message/rfc822\n\n'
          'From: kim@example.org\nTo: bob@example.net\nSubject: {subject}\n'
          'Date: {date}\n{mid}\nhello\n\n--B--\n')


def rfc_date(t):
    return time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime(t))


def sent_date(n):
    return T0 + n * DAY // 4


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = False

    def check(self, cond, what, *notes):
        self.n += 1
        print('%s %d - %s' % ('ok' if cond else 'not ok', self.n, what))
        if not cond:
            self.failed = True
            for note in notes:
                for line in str(note).splitlines()[:20]:
                    print('# ' + line)
        return cond


def run(args, data=None):
    env = dict(os.environ)
    env.pop('G_MESSAGES_DEBUG', None)
    return subprocess.run([BIN] + args, input=data, capture_output=True,
                          text=True, env=env)


def tests_of(p):
    try:
        return [t['name'] for t in json.loads(p.stdout)['tests']]
    except (ValueError, KeyError):
        return []


def main():
    try:
        server = pgserver.Server()
    except (FileNotFoundError, subprocess.CalledProcessError) as e:
        if os.environ.get('CI') == 'true':
            print('1..1\nnot ok 1 - PostgreSQL server: %s' % e)
            return 1
        print('1..0 # SKIP no PostgreSQL server: %s' % e)
        return 0
    tmp = tempfile.mkdtemp(prefix='bs-pgledger-')
    try:
        return body(server, tmp)
    finally:
        server.destroy()
        subprocess.run(['rm', '-rf', tmp])


def body(server, tmp):
    tap = Tap()
    url = server.url()
    maildir = os.path.join(tmp, 'Sent')
    for d in ('cur', 'new', 'tmp'):
        os.makedirs(os.path.join(maildir, d))
    for n in range(N):
        with open(os.path.join(maildir, 'cur', '%d.M%dP1.test:2,S' % (
                sent_date(n), n)), 'w') as f:
            f.write(SENT.format(n=n, date=rfc_date(sent_date(n)),
                                mid='Message-ID: <s%d@example.org>\n' % n))

    p = run(['--learn-sent', '--ledger', url, maildir])
    tap.check(p.returncode == 0 and 'new %d, known 0' % N in p.stdout
              and not p.stderr, 'learns a Maildir into PostgreSQL',
              p.stdout, p.stderr)
    p = run(['--learn-sent', '--ledger', url, maildir])
    tap.check(p.returncode == 0 and 'new 0, known %d' % N in p.stdout
              and not p.stderr, 'learning it again adds nothing',
              p.stdout, p.stderr)

    tables = server.psql("SELECT string_agg(tablename, ',' ORDER BY "
                         "tablename) FROM pg_tables WHERE schemaname = "
                         "'public'")
    version = server.psql('SELECT version FROM ledger_schema')
    index = server.psql("SELECT indexdef FROM pg_indexes WHERE tablename "
                        "= 'sent' AND indexdef LIKE '%(message_id)'")
    tap.check(tables == 'ledger_schema,meta,owner,sent' and version == '1'
              and 'UNIQUE INDEX' in index,
              "SQLite's schema, version 1 in ledger_schema, an index on the "
              "Message-ID", tables, version, index)
    rows = server.psql('SELECT count(*) FROM sent')
    count = server.psql("SELECT value FROM meta WHERE key = 'count'")
    tap.check(rows == str(N) and count == str(N),
              'every message is a row, and meta counts them', rows, count)

    def bounce(name, mid, date, subject='note'):
        path = os.path.join(tmp, name + '.eml')
        with open(path, 'w') as f:
            f.write(BOUNCE.format(mid=mid, date=rfc_date(date),
                                  subject=subject))
        return path

    sent = bounce('sent', 'Message-ID: <s7@example.org>\n', sent_date(7))
    spam = bounce('spam', 'Message-ID: <forged@example.org>\n',
                  sent_date(7) + 60)
    bare = bounce('bare', '', sent_date(9), 'note 9')
    bare_spam = bounce('bare-spam', '', sent_date(9) + 1, 'note 9')

    p = run(['--no-config', '--ledger', url, '--json', sent])
    tap.check(p.returncode == 1 and 'ledger-sent' in tests_of(p)
              and not p.stderr, 'a bounce of a learned message: ledger-sent',
              p.stdout, p.stderr)
    p = run(['--no-config', '--ledger', url, '--json', spam])
    tap.check(p.returncode == 0 and 'ledger-unsent' in tests_of(p)
              and not p.stderr,
              'a Message-ID never sent, in the covered days: ledger-unsent',
              p.stdout, p.stderr)
    p = run(['--no-config', '--ledger', url, '--json', bare, bare_spam])
    lines = p.stdout.splitlines()
    judged = [tests_of(subprocess.CompletedProcess([], 0, line, ''))
              for line in lines]
    tap.check(len(judged) == 2 and 'ledger-sent' in judged[0]
              and 'ledger-unsent' in judged[1] and not p.stderr,
              'no Message-ID: the exact Date, Subject and recipient decide',
              p.stdout, p.stderr)

    conf = os.path.join(tmp, 'config')
    with open(conf, 'w') as f:
        f.write('[ledger]\npath=%s\nurl=%s\n' % (
            os.path.join(tmp, 'unused.sqlite'), url))
    p = run(['-c', conf, '--json', sent])
    tap.check(p.returncode == 1 and 'ledger-sent' in tests_of(p)
              and not os.path.exists(os.path.join(tmp, 'unused.sqlite')),
              '[ledger] url= selects PostgreSQL', p.stdout, p.stderr)

    # First learners of a new database race to create the schema.
    server.psql('CREATE DATABASE race')
    race = server.url('race')
    results = []

    def learner(k):
        msg = SENT.format(n=k, date=rfc_date(T0),
                          mid='Message-ID: <race%d@example.org>\n' % k)
        results.append(run(['--learn-sent', '--ledger', race], msg))

    threads = [threading.Thread(target=learner, args=(k,))
               for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bad = [r for r in results if r.returncode != 0 or r.stderr]
    rows = server.psql('SELECT count(*) FROM sent', 'race')
    count = server.psql("SELECT value FROM meta WHERE key = 'count'",
                        'race')
    tap.check(not bad and rows == '6' and count == '6',
              '6 first learners at once: all learned, schema made once',
              *[b.stderr for b in bad] + [rows, count])

    # A long-running classifier (as a milter is) across a restart, and
    # across a stop: its bounces after the first ones (before) come
    # through a FIFO, written once the server is back, or gone, and the
    # files after it (after).  Three lookups on a connection run each
    # way a statement is sent: planned at once, prepared, prepared
    # already; a new connection starts again at the first.
    def across(action, name, before=(), after=()):
        fifo = os.path.join(tmp, name + '.fifo')
        os.mkfifo(fifo)
        # Its debug lines (on stdout, GLib's default) say when each
        # judgement is done: the action waits for all of those before
        # the FIFO, so that none is in flight when the server stops.
        env = dict(os.environ, G_MESSAGES_DEBUG='backscatter-check')
        # One worker (-j 1): one connection sees every lookup.
        proc = subprocess.Popen([BIN, '--no-config', '-j', '1', '--ledger',
                                 url, '--json', sent] + list(before) + [fifo]
                                + list(after),
                                stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env)
        early = []
        judged = 0
        while judged < 1 + len(before):
            line = proc.stdout.readline()
            if not line:
                break
            judged += 'ledger: judged in' in line
            early.append(line)
        action()
        with open(fifo, 'w') as f:
            f.write(data)
        out, err = proc.communicate(timeout=120)
        lines = [x for x in ''.join(early + [out]).splitlines()
                 if not x.startswith('(backscatter-check:')]
        return lines, err, proc.returncode

    with open(sent) as f:
        data = f.read()

    def restart():
        server.stop()
        server.start()

    lines, err, rc = across(restart, 'restart', [spam, sent],
                            [spam, sent])
    judged = [tests_of(subprocess.CompletedProcess([], 0, x, ''))
              for x in lines]
    want = ['ledger-sent', 'ledger-unsent', 'ledger-sent', 'ledger-sent',
            'ledger-unsent', 'ledger-sent']
    tap.check(len(judged) == len(want) and not err
              and all(w in j for w, j in zip(want, judged)),
              'a server restart between bounces: connected again, no '
              'warning, each verdict right before and after', lines, err)
    # Another server of the fleet changes the schema under a connection
    # whose statements are prepared ("cached plan must not change result
    # type", 0A000): the statement is run unprepared, no warning.
    def retype():
        server.psql('ALTER TABLE sent ALTER COLUMN date TYPE numeric')

    lines, err, rc = across(retype, 'retype', [spam, sent], [spam, sent])
    server.psql('ALTER TABLE sent ALTER COLUMN date TYPE bigint')
    judged = [tests_of(subprocess.CompletedProcess([], 0, x, ''))
              for x in lines]
    tap.check(len(judged) == len(want) and not err
              and all(w in j for w, j in zip(want, judged)),
              'a prepared statement that no longer fits the schema: run '
              'again unprepared, no warning, each verdict right', lines, err)
    lines, err, rc = across(server.stop, 'stop')
    judged = [tests_of(subprocess.CompletedProcess([], 0, x, ''))
              for x in lines]
    tap.check(len(judged) == 2 and 'ledger-sent' in judged[0]
              and 'ledger-sent' not in judged[1] and rc == 1
              and len(err.splitlines()) == 1 and 'warning: ledger' in err,
              'the server stopped between two bounces: one warning, '
              'the second decided without it', lines, err)

    # The server stays away.
    p = run(['--no-config', '--ledger', url, '--json', sent, spam])
    q = run(['--no-config', '--no-ledger', '--json', sent, spam])
    warnings = p.stderr.splitlines()
    tap.check(len(warnings) == 1 and warnings[0].startswith(
              'backscatter-check: warning: ledger postgresql://') and
              'deciding without it' in warnings[0],
              'server stopped: one warning for two bounces', p.stderr)
    tap.check(p.returncode == q.returncode and p.stdout == q.stdout,
              'and the verdicts are those without a ledger',
              p.stdout, q.stdout)
    p = run(['--no-config', '--ledger', url, '-H'], data)
    out = p.stdout.split('\n')
    while out and (out[0].startswith('X-Backscatter: ')
                   or out[0][:1] in (' ', '\t')):
        out.pop(0)
    tap.check(p.returncode == 0 and p.stdout.startswith('X-Backscatter: ')
              and '\n'.join(out) == data,
              'filter mode with the server stopped: the message, whole',
              p.returncode, p.stderr)
    p = run(['--learn-sent', '--ledger', url, maildir])
    tap.check(p.returncode == 75 and len(p.stderr.splitlines()) == 1,
              'learning with the server stopped: exit 75 (the MTA retries)',
              p.returncode, p.stderr)

    server.start()
    p = run(['--no-config', '--ledger', url, '--json', sent])
    tap.check(p.returncode == 1 and 'ledger-sent' in tests_of(p)
              and not p.stderr, 'server back: looked up again',
              p.stdout, p.stderr)
    print('1..%d' % tap.n)
    return 1 if tap.failed else 0


if __name__ == '__main__':
    sys.exit(main())
