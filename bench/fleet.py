#!/usr/bin/env python3
"""Fleet-scale simulation (issue 16): 4 milters on one PostgreSQL ledger
of 10,000,000 messages; lookup latency percentiles.

A benchmark, not a test (never run by `meson test`; `meson test
--benchmark fleet` or `python3 bench/fleet.py`).  Starts a private
server (tests/ledger/pgserver.py: a folder of its own, a unix socket, no
TCP), makes the schema with --learn-sent and fills it in SQL (learning
10 million files would take an hour).  With --dir the server and its
ledger are kept there and reused by the next run (fill once with
--setup-only: 1.5 minutes; then each run takes about 80 s).

The fleet (the default, --mode milter): --procs backscatter-milter
processes, each on a socket of its own with its own worker threads and
connections, fed by --sessions milter-protocol clients each
(bench/milter-client.py's exchange(): a connection per message, as an
MTA makes them), first as fast as they go, then paced at --rate
messages/s for the whole fleet; meanwhile a fifth milter, a submission
server, learns --learn-rate messages/s from authenticated senders into
the same ledger.  --mode classifier runs backscatter-check
processes instead, as procmail would: kept open over --batch bounces, and
one process per bounce.  Half of the bounces return a message the ledger
holds, half one it never saw, dated within its span; every one must get
its ledger verdict.

Reported: the lookup as the milter times it (its debug line "ledger:
judged in", the wall time of one judgement: one statement, one round
trip); the server's own time for the statement (log_min_duration_statement
= 0: parse, bind and execute summed); the CPU the server's backends and
the milters used, per lookup and per message; and the statement alone,
1,000 times in one session under EXPLAIN ANALYZE, with the pages it
touches.  Wall times on a machine shared with other work are inflated,
never flattered; the server's time, the CPU and the pages are what
survive a busy machine.
"""
import argparse
import hashlib
import importlib.util
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

_spec = importlib.util.spec_from_file_location(
    'milter_client', os.path.join(HERE, 'milter-client.py'))
milter_client = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(milter_client)

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


def learn_seed(url, binary, tmp):
    """Learns one message: makes the schema, or brings it up to date."""
    sent = os.path.join(tmp, 'one.eml')
    with open(sent, 'w') as f:
        f.write('From: u0@example.org\nTo: r0@example.net\nSubject: x\n'
                'Date: %s\nMessage-ID: <seed@fleet.example.org>\n\nx\n'
                % rfc_date(T0))
    subprocess.run([binary, '--learn-sent', '--ledger', url, sent],
                   check=True, capture_output=True)


def fill(server, url, binary, rows, tmp):
    learn_seed(url, binary, tmp)
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


def reuse(server, url, binary, rows, tmp):
    """A kept ledger of rows messages (the seed too), brought up to
    this schema by one --learn-sent.  Returns: 0 (nothing filled), or
    None when the ledger is not one fill() made with rows."""
    try:
        count = server.psql("SELECT value FROM meta WHERE key = 'count'")
    except RuntimeError:
        return None
    # The seed, and what the submission milter of earlier runs learned.
    if not count.isdigit() or not rows < int(count) <= rows + rows // 100:
        return None
    learn_seed(url, binary, tmp)
    server.psql("ALTER SYSTEM RESET log_min_duration_statement")
    server.psql("SELECT pg_reload_conf()")
    return 0


def bounce_texts(rows, n, seed):
    """n bounces: even ones return a message of the ledger, odd ones a
    Message-ID it never saw, dated within its span."""
    rnd = random.Random(seed)
    out = []
    for k in range(n):
        i = rnd.randrange(1, rows + 1)
        date = T0 + (i * SPAN) // rows
        mid = message_id(i) if k % 2 == 0 else \
            'never.%d.%d@spam.example' % (seed, k)
        out.append(BOUNCE.format(user='u%d@example.org' % (i % 5000),
                                 rcpt='r%d@example.net' % (i % 200000),
                                 n=k, mid=mid, date=rfc_date(date),
                                 bdate=rfc_date(date + 3600)))
    return out


def prewarm(server):
    """Reads the two indexes a lookup uses (780 MB for 10 million rows)
    into the server's buffers (1 GB), as a fleet's server, up for days,
    holds them; without pg_prewarm (contrib), the first lookups do."""
    try:
        server.psql("CREATE EXTENSION IF NOT EXISTS pg_prewarm; "
                    "SELECT pg_prewarm('sent_pkey'), "
                    "pg_prewarm('sent_date')")
    except RuntimeError:
        pass


def make_bounces(tmp, rows, n, seed):
    paths = []
    for k, text in enumerate(bounce_texts(rows, n, seed)):
        path = os.path.join(tmp, 'b%d-%d.eml' % (seed, k))
        with open(path, 'w') as f:
            f.write(text)
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


DURATION = re.compile(r'duration: ([\d.]+) ms  (parse|bind|execute) '
                      r'(?:<unnamed>|bs_lookup): WITH f AS')


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
        if m.group(2) == 'execute':
            out.append(pid_sum.pop(pid))
    return out


def start_milters(milter, url, procs, tmp, env, kind='mx'):
    """procs backscatter-milter processes on the ledger at url, each on
    a socket file of its own: MX (kind 'mx'), which read the ledger, or
    submission servers ('submission'), which learn into it.
    Returns: [(process, socket, log)]."""
    conf = os.path.join(tmp, kind + '.conf')
    with open(conf, 'w') as f:
        f.write('[milter]\naction=header\nlearn=%s\n'
                % ('true' if kind == 'submission' else 'false'))
    out = []
    for k in range(procs):
        sock = os.path.join(tmp, '%s%d.sock' % (kind, k))
        log = os.path.join(tmp, '%s%d.log' % (kind, k))
        with open(log, 'w') as err:
            p = subprocess.Popen([milter, '-v', '-c', conf, '--ledger', url,
                                  '-p', 'unix:' + sock], env=env,
                                 stdout=subprocess.DEVNULL, stderr=err)
        out.append((p, sock, log))
    for p, sock, log in out:
        for _ in range(300):
            if os.path.exists(sock) or p.poll() is not None:
                break
            time.sleep(0.1)
        if not os.path.exists(sock):
            raise RuntimeError('milter did not start: %s' %
                               open(log).read().strip())
    return out


def cpu_ms(pids):
    """The CPU time (user + system, ms) the processes pids used so far."""
    hz = os.sysconf('SC_CLK_TCK')
    total = 0
    for pid in pids:
        try:
            with open('/proc/%d/stat' % pid) as f:
                v = f.read().rsplit(')', 1)[1].split()
            total += int(v[11]) + int(v[12])
        except (OSError, ValueError):
            pass
    return total * 1000.0 / hz


def runqueue_ms(pids):
    """The time (ms) the threads of the processes pids spent waiting for
    a core so far (/proc/PID/task/TID/schedstat): what a busy machine
    adds to every wall time measured here."""
    total = 0
    for pid in pids:
        try:
            tids = os.listdir('/proc/%d/task' % pid)
        except OSError:
            continue
        for tid in tids:
            try:
                with open('/proc/%d/task/%s/schedstat' % (pid, tid)) as f:
                    total += int(f.read().split()[1])
            except (OSError, ValueError, IndexError):
                pass
    return total / 1e6


def backends(server):
    """The server processes of the classifiers' connections."""
    out = server.psql("SELECT pid FROM pg_stat_activity WHERE "
                      "application_name = 'backscatter-check'")
    return [int(x) for x in out.split()]


def sent_texts(n, seed, rows):
    """n messages the owner sends, new to the ledger, dated within its
    span (so that its first and last Date stay)."""
    rnd = random.Random(seed)
    out = []
    for j in range(n):
        date = T0 + rnd.randrange(SPAN)
        out.append('From: u%d@example.org\nTo: r%d@example.net\n'
                   'Subject: news %d\nDate: %s\nMessage-ID: '
                   '<learn.%d.%d@fleet.example.org>\n\nhello\n'
                   % (j % 5000, j % 200000, j, rfc_date(date), seed, j))
    return out


def learn_paced(learner, rate, stop):
    """Messages from an authenticated sender to the submission milter,
    rate a second, till stop."""
    seed = int(time.time() * 1000)
    texts = sent_texts(int(rate * (stop - time.monotonic())) + 10, seed,
                       0)
    start = time.monotonic()
    for j, text in enumerate(texts):
        wait = start + j / rate - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        if time.monotonic() >= stop:
            break
        fields, body = milter_client.parse(text.encode())
        milter_client.exchange(learner[1], fields, body,
                               sender=b'<u1@example.org>', auth=b'u1')


def run_milters(milters, seconds, sessions, rows, rate=None, server=None,
                learner=None, learn_rate=0, exclude=()):
    """sessions milter-protocol clients on each milter, one message
    after another for seconds; with rate, the fleet's messages a second
    at most, evenly spaced; meanwhile learn_rate messages a second to
    the learner, whose server processes (exclude) are not counted.
    Returns: the milters' judgement and opening times (ms) from their
    logs, the verdict counts and the number of warnings the milters
    logged."""
    lock = threading.Lock()
    counts = {'sent': 0, 'unsent': 0, 'messages': 0, 'other': 0}
    texts = {}
    for k in range(len(milters) * sessions):
        texts[k] = [milter_client.parse(t.encode())
                    for t in bounce_texts(rows, 400, 7000 + k)]
    # Each worker thread of a milter connects at its first message, as
    # a milter does once in days: first messages enough at once to keep
    # every worker busy, so that no connecting is timed.
    def warm(sock):
        for fields, body in texts[0][:8]:
            milter_client.exchange(sock, fields, body)

    warmers = [threading.Thread(target=warm, args=(sock,))
               for _, sock, _ in milters for _ in range(8)]
    for t in warmers:
        t.start()
    for t in warmers:
        t.join()
    since = [os.path.getsize(log) for _, _, log in milters]
    pg = [pid for pid in backends(server) if pid not in exclude]
    learned_since = os.path.getsize(learner[2]) if learner else 0
    own = [p.pid for p, _, _ in milters]
    cpu0 = cpu_ms(pg), cpu_ms(own), runqueue_ms(pg), runqueue_ms(own)
    start = time.monotonic()
    stop = start + seconds
    every = len(texts) / rate if rate else 0.0

    def client(k):
        sock = milters[k % len(milters)][1]
        j = 0
        while time.monotonic() < stop:
            wait = start + (j + k / len(texts)) * every - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            fields, body = texts[k][j % len(texts[k])]
            j += 1
            what, value = milter_client.exchange(sock, fields, body)
            with lock:
                counts['messages'] += 1
                if value is not None and 'ledger-sent' in value:
                    counts['sent'] += 1
                elif value is not None and 'ledger-unsent' in value:
                    counts['unsent'] += 1
                else:
                    counts['other'] += 1

    threads = [threading.Thread(target=client, args=(k,))
               for k in range(len(milters) * sessions)]
    if learner and learn_rate:
        threads.append(threading.Thread(target=learn_paced, args=(
            learner, learn_rate, stop)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts['seconds'] = time.monotonic() - start
    counts['server_cpu'] = cpu_ms(pg) - cpu0[0]
    counts['milter_cpu'] = cpu_ms(own) - cpu0[1]
    counts['server_wait'] = runqueue_ms(pg) - cpu0[2]
    counts['milter_wait'] = runqueue_ms(own) - cpu0[3]
    if learner:
        with open(learner[2], errors='replace') as f:
            f.seek(learned_since)
            text = f.read()
        counts['learned'] = len(re.findall(r': learned <', text))
        counts['not_learned'] = text.count('not learned')
    got = {'opened': [], 'judged': []}
    warned = 0
    for (_, _, log), off in zip(milters, since):
        with open(log, errors='replace') as f:
            f.seek(off)
            text = f.read()
        for m in TIMES.finditer(text):
            got[m.group(1)].append(int(m.group(2)) / 1000.0)
        warned += text.count('warning')
    return got, counts, warned


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


def explain_lookups(server, since, rows, n):
    """The lookup statement as the milters prepared it (its text from the
    server's log), executed n times in one session with nothing else to
    do, under EXPLAIN (ANALYZE, BUFFERS): its execution time and the
    pages it touches, which do not depend on what else the machine does.
    Returns: ([execution ms], [buffers], [planning ms]) or None."""
    with open(server.log, errors='replace') as f:
        f.seek(since)
        m = re.search(r'(?:parse|execute) bs_lookup: (WITH f AS .*)', f.read())
    if not m:
        return None
    rnd = random.Random(4242)
    script = ['PREPARE q AS %s;' % m.group(1)]
    for k in range(n):
        i = rnd.randrange(1, rows + 1)
        date = T0 + (i * SPAN) // rows
        mid = message_id(i) if k % 2 == 0 else 'never.%d@spam.example' % k
        script.append("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, FORMAT JSON) "
                      "EXECUTE q ('%s', %d);" % (mid, date))
    out = server.psql('\n'.join(script))
    execution = [float(x) for x in
                 re.findall(r'"Execution Time": ([\d.]+)', out)]
    planning = [float(x) for x in
                re.findall(r'"Planning Time": ([\d.]+)', out)]
    buffers = []
    for plan in out.split('"Plan": {')[1:]:
        hit = re.search(r'"Shared Hit Blocks": (\d+)', plan)
        read = re.search(r'"Shared Read Blocks": (\d+)', plan)
        buffers.append(int(hit.group(1)) + int(read.group(1)))
    return execution, buffers, planning


def report_milters(a, server, url, tmp, env):
    learner, exclude = None, []
    if a.learn_rate:
        # The submission server first, alone: its writing connection
        # is then the only one, and not counted with the readers'.
        learner = start_milters(a.milter, url, 1, tmp, env,
                                'submission')[0]
        exclude = backends(server)
    milters = start_milters(a.milter, url, a.procs, tmp, env)
    ok = True
    try:
        print('\n| %d milters, %d sessions each, %.0f s | messages/s | '
              'lookups | p50 | p95 | p99 | max | in the server p50 | '
              'p95 | p99 | server CPU a lookup | milter CPU a message |'
              % (a.procs, a.sessions, a.seconds))
        print('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
        modes = [('as fast as they go', None)]
        notes = []
        if a.rate:
            modes.append(('paced, %d messages/s' % a.rate, a.rate))
        for name, rate in modes:
            since = os.path.getsize(server.log)
            got, c, warned = run_milters(milters, a.seconds, a.sessions,
                                         a.rows, rate, server, learner,
                                         a.learn_rate, exclude)
            judged = got['judged']
            inside = server_times(server, since) or [float('nan')]
            if not judged or warned or c['other']:
                print('fleet: %s: %d lookups, %d warnings, %d messages '
                      'without a ledger verdict' % (name, len(judged),
                                                    warned, c['other']))
                ok = False
                continue
            print('| %s | %.0f | %d (%d sent, %d unsent) | %.2f ms | '
                  '%.2f ms | %.2f ms | %.2f ms | %.3f ms | %.3f ms | '
                  '%.3f ms | %.3f ms | %.3f ms |' % (
                      name, c['messages'] / c['seconds'], len(judged),
                      c['sent'], c['unsent'], statistics.median(judged),
                      pct(judged, 95), pct(judged, 99), max(judged),
                      statistics.median(inside), pct(inside, 95),
                      pct(inside, 99), c['server_cpu'] / len(judged),
                      c['milter_cpu'] / c['messages']))
            notes.append('%s: waiting for a core, %.3f ms a message in '
                         'the milters, %.3f ms a lookup in the server (load '
                         '%.2f); %d connections made during the run'
                         % (name, c['milter_wait'] / c['messages'],
                            c['server_wait'] / len(judged),
                            os.getloadavg()[0], len(got['opened'])))
            if learner:
                notes.append('  meanwhile a submission milter learned %d '
                             'messages (%.0f a second), %d not learned'
                             % (c['learned'], c['learned'] / c['seconds'],
                                c['not_learned']))
                ok = ok and c['learned'] > 0 and not c['not_learned']
            if rate:
                notes.append('lookup p99 at %d messages/s: %.2f ms, the '
                             'target (under 5 ms) %s' % (
                                 rate, pct(judged, 99),
                                 'met' if pct(judged, 99) < 5
                                 else 'not met'))
        print('\n' + '\n'.join(notes))
    finally:
        everyone = milters + ([learner] if learner else [])
        for p, _, _ in everyone:
            p.terminate()
        for p, _, _ in everyone:
            p.wait()
    return ok


def report_classifiers(a, server, url, tmp, env):
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
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    build = os.path.join(HERE, '..', 'build')
    ap.add_argument('--bin', default=os.path.join(build, 'backscatter-check'))
    ap.add_argument('--milter', default=os.path.join(build,
                                                     'backscatter-milter'))
    ap.add_argument('--mode', choices=('milter', 'classifier'),
                    default='milter', help='backscatter-milter processes '
                    'fed over the milter protocol (the default), or '
                    'backscatter-check processes')
    ap.add_argument('--rows', type=int, default=10000000)
    ap.add_argument('--procs', type=int, default=4,
                    help='milters (or classifiers) at once')
    ap.add_argument('--sessions', type=int, default=2,
                    help='concurrent milter-protocol sessions per milter')
    ap.add_argument('--rate', type=int, default=200,
                    help='then the fleet paced at this many messages/s '
                    '(0: not)')
    ap.add_argument('--learn-rate', type=float, default=20,
                    help='meanwhile messages/s learned by a submission '
                    'milter into the same ledger (0: none)')
    ap.add_argument('--seconds', type=float, default=30)
    ap.add_argument('--batch', type=int, default=500,
                    help='bounces per long-running classifier process')
    ap.add_argument('--explain', type=int, default=1000,
                    help='lookups run alone under EXPLAIN ANALYZE (0: none)')
    ap.add_argument('--dir', help='keep the server and its ledger in DIR '
                    '(made and filled the first time, reused after)')
    ap.add_argument('--setup-only', action='store_true',
                    help='make and fill the ledger, measure nothing')
    a = ap.parse_args()
    try:
        server = pgserver.Server(prefix='bs-fleet-', settings=[
            'shared_buffers=1GB', 'maintenance_work_mem=512MB',
            'max_wal_size=4GB', 'synchronous_commit=off'], dir=a.dir)
    except (FileNotFoundError, subprocess.CalledProcessError) as e:
        print('fleet: no PostgreSQL server: %s' % e)
        return 77
    tmp = tempfile.mkdtemp(prefix='bs-fleet-')
    env = dict(os.environ, G_MESSAGES_DEBUG='backscatter-check',
               XDG_CONFIG_HOME='/nonexistent', XDG_DATA_HOME='/nonexistent')
    try:
        url = server.url()
        took = reuse(server, url, a.bin, a.rows, tmp) if server.reused \
            else None
        if took is None:
            took = fill(server, url, a.bin, a.rows, tmp)
        if a.setup_only:
            return 0
        total = server.psql("SELECT value FROM meta WHERE key = 'count'")
        size = server.psql("SELECT pg_size_pretty(pg_database_size("
                           "'postgres'))")
        print('machine: %d cores, load %.2f; ledger of %s messages (%s), '
              'filled in %.0f s' % (os.cpu_count(), os.getloadavg()[0],
                                    total, size, took))
        prewarm(server)
        # From here on the server logs each statement's duration.
        server.psql("ALTER SYSTEM SET log_min_duration_statement = 0")
        server.psql("SELECT pg_reload_conf()")
        since = os.path.getsize(server.log)
        if a.mode == 'milter':
            ok = report_milters(a, server, url, tmp, env)
        else:
            ok = report_classifiers(a, server, url, tmp, env)
        server.psql("ALTER SYSTEM RESET log_min_duration_statement")
        server.psql("SELECT pg_reload_conf()")
        got = explain_lookups(server, since, a.rows, a.explain) \
            if a.explain else None
        if got and got[0]:
            execution, buffers, planning = got
            print('\nThe lookup alone (%d in one session, EXPLAIN ANALYZE '
                  'of the prepared statement): execution p50 %.3f ms, '
                  'p99 %.3f ms; %d to %d buffers (median %d); planning '
                  'p50 %.3f ms' % (len(execution),
                                   statistics.median(execution),
                                   pct(execution, 99), min(buffers),
                                   max(buffers), statistics.median(buffers),
                                   statistics.median(planning or [0.0])))
        return 0 if ok else 1
    finally:
        if a.dir:
            server.stop()
        else:
            server.destroy()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
