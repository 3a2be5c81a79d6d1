#!/usr/bin/env python3
"""Many learners and classifiers on one ledger at once.  TAP output.

8 learner threads each run `backscatter-check --learn-sent --ledger L`
on one new message at a time (as a sendmail wrapper does), and 8
classifier threads run `backscatter-check --ledger L --json` on bounces of
messages learned so far and of messages never sent, for
BS_CONCURRENCY_SECONDS (default 10; the issue's figure is 30).  Then:
every learner exited 0, every classifier exited 0 or 1 with nothing on
stderr, every learned Message-ID is in the ledger, and each bounce of a
learned message was judged as sent.  The run time bounds the test; it is
never asserted on.
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

BIN = os.environ['BS_BIN']
SECONDS = float(os.environ.get('BS_CONCURRENCY_SECONDS', '10'))
WORKERS = 8

SENT = ('From: Kim <kim@example.org>\nTo: bob@example.net\n'
        'Subject: note {n}\nDate: {date}\nMessage-ID: <{id}>\n\nhello\n')
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
          'From: kim@example.org\nTo: bob@example.net\nSubject: note\n'
          'Date: {date}\nMessage-ID: <{id}>\n\nhello\n\n--B--\n')


def rfc_date(t):
    return time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime(t))


def main():
    tmp = tempfile.mkdtemp(prefix='bs-concurrency-')
    ledger = os.path.join(tmp, 'sent.sqlite')
    env = dict(os.environ)
    env.pop('G_MESSAGES_DEBUG', None)
    stop = time.monotonic() + SECONDS
    lock = threading.Lock()
    learned = []            # ids whose learner exited 0
    problems = []
    judged = {'sent': 0, 'unsent': 0, 'runs': 0}
    now = int(time.time())

    def learner(k):
        n = 0
        while time.monotonic() < stop:
            mid = 'c%d.%d.%d@example.org' % (k, n, os.getpid())
            msg = SENT.format(n=n, id=mid, date=rfc_date(now))
            p = subprocess.run([BIN, '--learn-sent', '--ledger', ledger],
                               input=msg.encode(), capture_output=True,
                               env=env)
            with lock:
                if p.returncode == 0:
                    learned.append(mid)
                else:
                    problems.append('learner %d: exit %d: %s' % (
                        k, p.returncode, p.stderr.decode().strip()))
            n += 1

    def classifier(k):
        n = 0
        while time.monotonic() < stop:
            with lock:
                pick = learned[(n * 7919) % len(learned)] if learned \
                    and n % 2 == 0 else None
            mid = pick or 'never%d.%d@spam.example' % (k, n)
            path = os.path.join(tmp, 'bounce-%d.eml' % k)
            with open(path, 'w') as f:
                f.write(BOUNCE.format(id=mid, date=rfc_date(now)))
            p = subprocess.run([BIN, '--no-config', '--ledger', ledger,
                                '--json', path], capture_output=True,
                               env=env)
            with lock:
                judged['runs'] += 1
                if p.returncode not in (0, 1) or p.stderr:
                    problems.append('classifier %d: exit %d: %s' % (
                        k, p.returncode, p.stderr.decode().strip()))
                    continue
                tests = [t['name'] for t in
                         json.loads(p.stdout)['tests']]
                if pick is not None:
                    if 'ledger-sent' in tests:
                        judged['sent'] += 1
                    elif os.path.exists(ledger):
                        problems.append('classifier %d: <%s> was learned '
                                        'but not judged sent: %s' % (
                                            k, mid, tests))
                elif 'ledger-unsent' in tests:
                    judged['unsent'] += 1
            n += 1

    threads = [threading.Thread(target=learner, args=(k,))
               for k in range(WORKERS)]
    threads += [threading.Thread(target=classifier, args=(k,))
                for k in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    db = sqlite3.connect(ledger)
    have = {r[0] for r in db.execute('SELECT message_id FROM sent')}
    count = db.execute("SELECT value FROM meta WHERE key = 'count'"
                       ).fetchone()[0]
    db.close()
    lost = [m for m in learned if m not in have]

    print('1..4')
    print('# %.0f s: %d learned, %d classified (%d judged sent, %d unsent)'
          % (SECONDS, len(learned), judged['runs'], judged['sent'],
             judged['unsent']))
    ok = True

    def check(n, cond, what):
        nonlocal ok
        print('%s %d - %s' % ('ok' if cond else 'not ok', n, what))
        ok = ok and cond

    check(1, not problems, 'no learner or classifier failed or warned')
    for p in problems[:10]:
        print('# ' + p)
    check(2, len(learned) > 0 and judged['runs'] > 0,
          'learners and classifiers both ran')
    check(3, not lost, 'every learned Message-ID is in the ledger')
    for m in lost[:10]:
        print('# lost: ' + m)
    check(4, count == len(have), 'the message count (%d) matches the '
          'rows (%d)' % (count, len(have)))
    subprocess.run(['rm', '-rf', tmp])
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
