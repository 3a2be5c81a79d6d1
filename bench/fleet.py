#!/usr/bin/env python3
"""Fleet-scale simulation (issue 16): several classifiers on one
PostgreSQL ledger of 10,000,000 messages; lookup latency percentiles.

A benchmark, not a test (never run by `meson test`; `meson test
--benchmark fleet` or `python3 bench/fleet.py`).  Starts a private
server (tests/ledger/pgserver.py: a temporary folder, a unix socket,
no TCP), makes the schema with --learn-sent, fills it in SQL (learning
10 million files would take an hour), then runs --procs classifier
processes at once for --seconds.  Two ways, as a fleet would: each
process kept open over many bounces with one connection (as a milter
keeps its ledger), and one process per bounce (as procmail starts it:
connect, check the schema, look up).  Half of the bounces return a
message the ledger holds, half one it never saw, dated within its span.
The times are the classifier's own (its debug lines "ledger: opened in",
"ledger: judged in"): the wall time of one judgement, which is one
statement and one round trip, or two for an original without a
Message-ID.  Wall times: on a machine shared with other work they are
inflated, never flattered.
"""
import argparse
import hashlib
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tests', 'ledger'))
import pgserver  # noqa: E402

T0 = 1262304000         # 2010-01-01
SPAN = 3 * 365 * 86400  # three years of a company's mail

BOUNCE = ('From: MAILER-DAEMON@mx.example.net\nTo: {user}\n'
          'Subject: Undelivered Mail Returned to Sender\n'
          'Date: {bdate}\nMIME-Version: 1.0\n'
          'Content-Type: multipart/report; report-type=delivery-status; '
          'boundary="B"\n\n--B\nContent-Type: text/plain\n\n'
          'Your message could not be delivered.\n\n--B\n'
          'Content-Type: message/delivery-status\n\n'
          'Reporting-MTA: dns; mx.example.net\n\n'
          'Final-Recipient: rfc822; {rcpt}\nAction: failed\n'
          'Status: 5.1.1\n\n--B\nContent-Type: message/rfc822\n\n'
          'From: {user}\nTo: {rcpt}\nSubject: report {n}\n'
          'Date: {date}\nMessage-ID: <{mid}>\n\nhello\n\n--B--\n')


def message_id(i):
    """The Message-ID of row i, as the SQL fill writes it."""
    return '%012d.%s@fleet.example.org' % (
        i, hashlib.md5(str(i).encode()).hexdigest()[:8])


def rfc_date(t):
    return time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime(t))


def fill(server, url, binary, rows, tmp):
    sent = os.path.join(tmp, 'one.eml')
    with open(sent, 'w') as f:
        f.write('From: u0@example.org\nTo: r0@example.net\nSubject: x\n'
                'Date: %s\nMessage-ID: <seed@fleet.example.org>\n\nx\n'
                % rfc_date(T0))
    subprocess.run([binary, '--learn-sent', '--ledger', url, sent],
                   check=True, capture_output=True)
    t = time.perf_counter()
    # Indexes after the rows: building them once is minutes faster
    # than keeping them up to date row by row.
    server.psql("""
        ALTER TABLE sent DROP CONSTRAINT sent_pkey;
        DROP INDEX sent_date;
        INSERT INTO sent (message_id, date, sender, recipients,
                          subject_hash, learned)
        SELECT lpad(i::text, 12, '0') || '.' || left(md5(i::text), 8)
                   || '@fleet.example.org',
               %d + (i::bigint * %d) / %d,
               'u' || (i %% 5000) || '@example.org',
               'r' || (i %% 200000) || '@example.net',
               md5(i::text), 0
        FROM generate_series(1, %d) AS i;
        ALTER TABLE sent ADD PRIMARY KEY (message_id);
        CREATE INDEX sent_date ON sent (date);
        UPDATE meta SET value = CASE key
            WHEN 'count' THEN (SELECT count(*) FROM sent)
            WHEN 'first' THEN (SELECT min(date) FROM sent)
            WHEN 'last' THEN (SELECT max(date) FROM sent)
            ELSE value END;
    """ % (T0, SPAN, rows, rows))
    server.psql('VACUUM ANALYZE')
    return time.perf_counter() - t


def make_bounces(tmp, rows, n, seed):
    rnd = random.Random(seed)
    paths = []
    for k in range(n):
        i = rnd.randrange(1, rows + 1)
        date = T0 + (i * SPAN) // rows
        mid = message_id(i) if k % 2 == 0 else \
            'never.%d.%d@spam.example' % (seed, k)
        path = os.path.join(tmp, 'b%d-%d.eml' % (seed, k))
        with open(path, 'w') as f:
            f.write(BOUNCE.format(user='u%d@example.org' % (i % 5000),
                                  rcpt='r%d@example.net' % (i % 200000),
                                  n=k, mid=mid, date=rfc_date(date),
                                  bdate=rfc_date(date + 3600)))
        paths.append(path)
    return paths


TIMES = re.compile(r'ledger: (opened|judged) in (\d+) us')


def classify(binary, url, files, env):
    p = subprocess.run([binary, '--no-config', '--ledger', url, '--json']
                       + files, capture_output=True, text=True, env=env)
    got = {'opened': [], 'judged': []}
    # GLib writes debug lines to standard output.
    for m in TIMES.finditer(p.stdout + p.stderr):
        got[m.group(1)].append(int(m.group(2)) / 1000.0)
    verdicts = p.stdout.count('"ledger-sent"'), \
        p.stdout.count('"ledger-unsent"')
    warned = 'warning' in p.stderr
    return got, verdicts, warned


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100.0 * (len(xs) - 1))))]


DURATION = re.compile(r'duration: ([\d.]+) ms  (?:parse|bind|execute) '
                      r'<unnamed>: WITH f AS')


def server_times(server, since):
    """The server's own time for each lookup statement (parse, bind and
    execute of one round trip summed), from its log past offset since:
    what the query costs, without the waits of a busy machine."""
    with open(server.log, errors='replace') as f:
        f.seek(since)
        text = f.read()
    out, pid_sum = [], {}
    for line in text.splitlines():
        m = DURATION.search(line)
        if not m:
            continue
        pid = line.split('[', 1)[1].split(']', 1)[0] if '[' in line else ''
        pid_sum[pid] = pid_sum.get(pid, 0.0) + float(m.group(1))
        if ' execute <unnamed>' in line:
            out.append(pid_sum.pop(pid))
    return out


def run_mode(binary, url, procs, seconds, batch, tmp, rows, env):
    """procs threads, each starting classifier processes of batch
    bounces one after another for seconds."""
    lock = threading.Lock()
    opened, judged = [], []
    counts = {'sent': 0, 'unsent': 0, 'runs': 0, 'warned': 0}
    stop = time.monotonic() + seconds

    def worker(k):
        files = make_bounces(tmp, rows, max(batch, 200), 1000 * batch + k)
        j = 0
        while time.monotonic() < stop:
            chunk = [files[(j + x) % len(files)] for x in range(batch)]
            j += batch
            got, (s, u), warned = classify(binary, url, chunk, env)
            with lock:
                opened.extend(got['opened'])
                judged.extend(got['judged'])
                counts['sent'] += s
                counts['unsent'] += u
                counts['runs'] += 1
                counts['warned'] += warned

    threads = [threading.Thread(target=worker, args=(k,))
               for k in range(procs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return opened, judged, counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--bin', default=os.path.join(HERE, '..', 'build',
                                                  'backscatter-check'))
    ap.add_argument('--rows', type=int, default=10000000)
    ap.add_argument('--procs', type=int, default=4)
    ap.add_argument('--seconds', type=float, default=60)
    ap.add_argument('--batch', type=int, default=500,
                    help='bounces per long-running process')
    a = ap.parse_args()
    try:
        server = pgserver.Server(prefix='bs-fleet-', settings=[
            'shared_buffers=256MB', 'maintenance_work_mem=512MB',
            'max_wal_size=4GB', 'synchronous_commit=off'])
    except (FileNotFoundError, subprocess.CalledProcessError) as e:
        print('fleet: no PostgreSQL server: %s' % e)
        return 77
    tmp = tempfile.mkdtemp(prefix='bs-fleet-')
    env = dict(os.environ, G_MESSAGES_DEBUG='backscatter-check')
    try:
        url = server.url()
        took = fill(server, url, a.bin, a.rows, tmp)
        total = server.psql("SELECT value FROM meta WHERE key = 'count'")
        size = server.psql("SELECT pg_size_pretty(pg_database_size("
                           "'postgres'))")
        print('machine: %d cores, load %.2f; ledger of %s messages (%s), '
              'filled in %.0f s' % (os.cpu_count(), os.getloadavg()[0],
                                    total, size, took))
        # From here on the server logs each statement's duration.
        server.psql("ALTER SYSTEM SET log_min_duration_statement = 0")
        server.psql("SELECT pg_reload_conf()")
        print('\n| %d classifiers at once, %.0f s | lookups | p50 | p99 | '
              'max | in the server p50 | p99 | connect p50 | connect p99 |'
              % (a.procs, a.seconds))
        print('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
        ok = True
        for name, batch in (('kept open, %d bounces a process' % a.batch,
                             a.batch), ('one process per bounce', 1)):
            since = os.path.getsize(server.log)
            opened, judged, c = run_mode(a.bin, url, a.procs, a.seconds,
                                         batch, tmp, a.rows, env)
            inside = server_times(server, since) or [float('nan')]
            if not judged or c['warned']:
                print('fleet: %s: %d lookups, %d runs warned' % (
                    name, len(judged), c['warned']))
                ok = False
                continue
            print('| %s | %d (%d sent, %d unsent) | %.2f ms | %.2f ms | '
                  '%.2f ms | %.3f ms | %.3f ms | %.1f ms | %.1f ms |' % (
                      name, len(judged), c['sent'], c['unsent'],
                      statistics.median(judged), pct(judged, 99),
                      max(judged), statistics.median(inside),
                      pct(inside, 99), statistics.median(opened),
                      pct(opened, 99)))
        return 0 if ok else 1
    finally:
        server.destroy()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
