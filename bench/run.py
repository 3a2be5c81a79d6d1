#!/usr/bin/env python3
"""Benchmark backscatter-check beside its floors and print a table.

Per message: a new process per message, as an MDA runs it, over a fixed,
sorted selection of ../shared/corpus (every class); backscatter-check in
verdict mode and in -H mode, floor-gmime and floor-read, round-robin per
message in the same run.  Bulk: one process over the whole corpus.
Memory: peak RSS on generated bounces and DSNs (in a temporary directory).
Ledger: --learn-sent speed from a generated Maildir, and classifying
bounces against a ledger of 1,000,000 messages, beside floor-gmime.
Jobs: one process over the whole corpus with -j 1 and -j N (N = the
cores), wall time, and the speed-up (issue 14: at least 1.7 on 2 cores).

Exit status 0, or 77 (skipped) when the corpus is needed and absent.
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

SKIP = 77
CLASSES_SKIP = {'labels.tsv', 'identity.args'}


def parse_args():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--bin', default=os.path.join(root, 'build',
                                                 'backscatter-check'))
    p.add_argument('--floor-gmime', default=os.path.join(
        root, 'build', 'bench', 'floor-gmime'))
    p.add_argument('--floor-gmime-static', default=os.path.join(
        root, 'build', 'bench', 'floor-gmime-static'),
        help='floor-gmime linked as backscatter-check is (static GLib)')
    p.add_argument('--floor-read', default=os.path.join(
        root, 'build', 'bench', 'floor-read'))
    p.add_argument('--corpus', default=os.environ.get(
        'BS_CORPUS', os.path.join(root, '..', 'shared', 'corpus')))
    p.add_argument('--messages', type=int, default=600,
                   help='messages in the per-message selection (>= 500)')
    p.add_argument('--reps', type=int, default=3,
                   help='runs of each program on each message')
    p.add_argument('--bulk-reps', type=int, default=3)
    p.add_argument('--ledger-messages', type=int, default=1000000,
                   help='messages in the lookup benchmark\'s ledger')
    p.add_argument('--learn-messages', type=int, default=20000,
                   help='messages in the learning benchmark\'s Maildir')
    p.add_argument('--only', choices=['per-message', 'bulk', 'memory',
                                      'ledger', 'jobs'],
                   action='append')
    return p.parse_args()


def clean_env():
    env = dict(os.environ)
    # As an MDA runs it: the built-in rules, no test-suite overrides.
    for k in ('BACKSCATTER_CHECK_DATADIR', 'G_MESSAGES_DEBUG',
              'G_SLICE', 'G_DEBUG', 'MALLOC_PERTURB_'):
        env.pop(k, None)
    env['XDG_CONFIG_HOME'] = '/nonexistent'
    env['XDG_DATA_HOME'] = '/nonexistent'
    return env


ENV = clean_env()


def run(argv, stdin_path=None):
    """Spawns argv (stdin from a file, stdout and stderr to /dev/null) and
    returns (wall seconds, cpu seconds, peak RSS KiB, exit status)."""
    actions = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
               (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)]
    if stdin_path is not None:
        actions.insert(0, (os.POSIX_SPAWN_OPEN, 0, stdin_path,
                           os.O_RDONLY, 0))
    else:
        actions.insert(0, (os.POSIX_SPAWN_OPEN, 0, os.devnull,
                           os.O_RDONLY, 0))
    t0 = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, ENV, file_actions=actions)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    return (wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss,
            os.waitstatus_to_exitcode(status))


TIME = '/usr/bin/time'


def run_rss(argv, stdin_path=None):
    """run(), with the peak RSS of argv alone.  A child's ru_maxrss counts
    the memory of the Python that spawned it (it is inherited through
    fork and exec), so /usr/bin/time measures from a small process when
    it is installed; without it, figures under the parent's RSS mean
    nothing."""
    if not os.access(TIME, os.X_OK):
        return run(argv, stdin_path)
    fd, out = tempfile.mkstemp(prefix='bs-bench-rss-')
    os.close(fd)
    try:
        t, u, _, rc = run([TIME, '-f', '%M', '-o', out] + argv, stdin_path)
        with open(out) as f:
            rss = int(f.read().split()[-1])
    finally:
        os.unlink(out)
    return t, u, rss, rc


def corpus_files(corpus):
    classes = {}
    for cls in sorted(os.listdir(corpus)):
        d = os.path.join(corpus, cls)
        if cls in CLASSES_SKIP or not os.path.isdir(d):
            continue
        files = []
        for dirpath, _, names in os.walk(d):
            files += [os.path.join(dirpath, n) for n in names]
        classes[cls] = sorted(files)
    return classes


def select(classes, want):
    """A fixed selection: every class, in proportion (at least 30 or all of
    a small class), evenly spaced through each class's sorted list."""
    total = sum(len(f) for f in classes.values())
    out = []
    for cls, files in classes.items():
        n = min(len(files), max(30, round(want * len(files) / total)))
        step = len(files) / n
        out += [files[int(i * step)] for i in range(n)]
    return sorted(out)


def fmt_ms(s):
    return '%.2f ms' % (s * 1000)


def identity_args(corpus):
    path = os.path.join(corpus, 'identity.args')
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [a.strip() for a in f if a.strip()]


def per_message(a):
    if not os.path.isdir(a.corpus):
        print('per-message: no corpus at %s, skipped' % a.corpus)
        return SKIP
    msgs = select(corpus_files(a.corpus), a.messages)
    ident = identity_args(a.corpus)
    progs = [
        ('backscatter-check', [a.bin, '--no-config'] + ident),
        ('backscatter-check -H', [a.bin, '--no-config', '-H'] + ident),
        ('floor-gmime', [a.floor_gmime]),
        ('floor-read', [a.floor_read]),
    ]
    if os.path.exists(a.floor_gmime_static):
        progs.append(('floor-gmime-static', [a.floor_gmime_static]))
    wall = {p[0]: [] for p in progs}
    cpu = {p[0]: [] for p in progs}
    bad = 0
    for p in progs:                     # warm the page cache and ld.so
        run(p[1], msgs[0])
    for i, m in enumerate(msgs):
        w = {p[0]: [] for p in progs}
        c = {p[0]: [] for p in progs}
        for r in range(a.reps):
            k = (i + r) % len(progs)     # rotate who goes first
            for name, argv in progs[k:] + progs[:k]:
                t, u, _, rc = run(argv, m)
                if rc not in (0, 1):
                    bad += 1
                w[name].append(t)
                c[name].append(u)
        for name in w:
            wall[name].append(statistics.median(w[name]))
            cpu[name].append(statistics.median(c[name]))
    floor_w = statistics.median(wall['floor-gmime'])
    floor_c = statistics.median(cpu['floor-gmime'])
    print('\n## Per message: one process per message, %d messages of %s, '
          '%d runs each, round-robin\n' % (len(msgs), a.corpus, a.reps))
    print('| program | median wall | ratio | median CPU (user+sys) | ratio '
          '| mean wall |')
    print('|---|---:|---:|---:|---:|---:|')
    for name, _ in progs:
        mw = statistics.median(wall[name])
        mc = statistics.median(cpu[name])
        print('| %s | %s | %.2f | %s | %.2f | %s |' % (
            name, fmt_ms(mw), mw / floor_w, fmt_ms(mc),
            mc / floor_c if floor_c else float('nan'),
            fmt_ms(statistics.mean(wall[name]))))
    if 'floor-gmime-static' in wall:
        fs = statistics.median(wall['floor-gmime-static'])
        print('\nLinked alike (static GLib and GMime both): '
              'backscatter-check %.2f, -H %.2f of floor-gmime-static'
              % (statistics.median(wall['backscatter-check']) / fs,
                 statistics.median(wall['backscatter-check -H']) / fs))
    print('\nMedian per class (wall, ratio to floor-gmime on the same '
          'messages):\n')
    alike = 'floor-gmime-static' in wall
    print('| class | messages | backscatter-check | -H | floor-gmime |%s'
          % (' linked alike |' if alike else ''))
    print('|---|---:|---:|---:|---:|%s' % ('---:|' if alike else ''))
    for cls in sorted({os.path.relpath(m, a.corpus).split(os.sep)[0]
                       for m in msgs}):
        idx = [i for i, m in enumerate(msgs)
               if os.path.relpath(m, a.corpus).split(os.sep)[0] == cls]
        f = statistics.median(wall['floor-gmime'][i] for i in idx)
        cells = []
        for name in ('backscatter-check', 'backscatter-check -H'):
            v = statistics.median(wall[name][i] for i in idx)
            cells.append('%s (%.2f)' % (fmt_ms(v), v / f))
        extra = ''
        if alike:
            fs = statistics.median(wall['floor-gmime-static'][i]
                                   for i in idx)
            v = statistics.median(wall['backscatter-check'][i] for i in idx)
            extra = ' %.2f |' % (v / fs)
        print('| %s | %d | %s | %s | %s |%s' % (cls, len(idx), cells[0],
                                               cells[1], fmt_ms(f), extra))
    if bad:
        print('\nwarning: %d runs exited with a status other than 0/1' % bad)
    return 0


def bulk(a):
    if not os.path.isdir(a.corpus):
        print('bulk: no corpus at %s, skipped' % a.corpus)
        return SKIP
    files = [f for fs in corpus_files(a.corpus).values() for f in fs]
    files.sort()
    ident = identity_args(a.corpus)
    progs = [
        ('backscatter-check --json', [a.bin, '--no-config', '--json'] +
         ident + files),
        ('floor-gmime', [a.floor_gmime] + files),
    ]
    res = {p[0]: [] for p in progs}
    run(progs[1][1])                    # warm the page cache
    for r in range(a.bulk_reps):
        for name, argv in (progs if r % 2 == 0 else progs[::-1]):
            t, u, rss, rc = run_rss(argv)
            res[name].append((t, u, rss))
    print('\n## Bulk: one process over all %d messages, %d runs\n' %
          (len(files), a.bulk_reps))
    print('| program | median wall | messages/s | ratio to floor | '
          'peak RSS |')
    print('|---|---:|---:|---:|---:|')
    floor = statistics.median(t for t, _, _ in res['floor-gmime'])
    for name, _ in progs:
        t = statistics.median(x[0] for x in res[name])
        rss = max(x[2] for x in res[name])
        print('| %s | %.2f s | %.0f | %.2f | %.1f MB |' % (
            name, t, len(files) / t, floor / t, rss / 1024))
    return 0


ATTACH_LINE = b'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\n'


def write_bounce(path, size):
    """A DSN returning an original that carries a base64 attachment, about
    size bytes in all."""
    with open(path, 'wb') as f:
        f.write(b'From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n'
                b'To: kim@example.org\nSubject: Undelivered Mail Returned '
                b'to Sender\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n'
                b'Message-ID: <bounce@mx.example.net>\nMIME-Version: 1.0\n'
                b'Content-Type: multipart/report; report-type=delivery-'
                b'status; boundary="B1"\n\n--B1\nContent-Type: text/plain\n\n'
                b'This is the mail system at host mx.example.net.\n\nI\'m '
                b'sorry to have to inform you that your message could not\n'
                b'be delivered to one or more recipients.\n\n'
                b'<bob@example.net>: host mx.example.net said: 550 5.1.1 '
                b'User unknown\n\n--B1\nContent-Type: message/delivery-'
                b'status\n\nReporting-MTA: dns; mx.example.net\n\n'
                b'Final-Recipient: rfc822; bob@example.net\nAction: failed\n'
                b'Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 User '
                b'unknown\n\n--B1\nContent-Type: message/rfc822\n\n'
                b'From: kim@example.org\nTo: bob@example.net\nSubject: '
                b'the files\nMessage-ID: <orig@example.org>\nReceived: from '
                b'mail.example.org (mail.example.org [192.0.2.25])\n\tby '
                b'mx.example.net; Mon, 1 Jan 2024 00:00:00 +0000\n'
                b'MIME-Version: 1.0\nContent-Type: multipart/mixed; '
                b'boundary="B2"\n\n--B2\nContent-Type: text/plain\n\n'
                b'Here they are.\n\n--B2\nContent-Type: application/octet-'
                b'stream; name="big.bin"\nContent-Transfer-Encoding: base64'
                b'\n\n')
        chunk = ATTACH_LINE * 4096
        left = size - f.tell() - 20
        while left > 0:
            f.write(chunk[:left] if left < len(chunk) else chunk)
            left -= len(chunk)
        f.write(b'\n--B2--\n\n--B1--\n')


def write_dsn(path, n):
    """A DSN with n failed recipients (text and delivery-status)."""
    with open(path, 'w') as f:
        f.write('From: MAILER-DAEMON@mx.example.net\nTo: kim@example.org\n'
                'Subject: Undelivered Mail Returned to Sender\n'
                'Date: Mon, 1 Jan 2024 00:00:00 +0000\nMIME-Version: 1.0\n'
                'Content-Type: multipart/report; report-type=delivery-'
                'status; boundary="B1"\n\n--B1\nContent-Type: text/plain\n\n'
                'Your message could not be delivered to these recipients:'
                '\n\n')
        for i in range(n):
            f.write('<user%d@example.net>: 550 5.1.1 User unknown\n' % i)
        f.write('\n--B1\nContent-Type: message/delivery-status\n\n'
                'Reporting-MTA: dns; mx.example.net\n')
        for i in range(n):
            f.write('\nFinal-Recipient: rfc822; user%d@example.net\n'
                    'Action: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; '
                    '550 5.1.1 <user%d@example.net>: User unknown\n' % (i, i))
        f.write('\n--B1\nContent-Type: text/rfc822-headers\n\n'
                'From: kim@example.org\nSubject: hello\n'
                'Message-ID: <orig@example.org>\n\n--B1--\n')


def memory(a):
    tmp = tempfile.mkdtemp(prefix='bs-bench-')
    try:
        rows = []
        MB = 1000 * 1000
        for size in (1, 10, 100):
            p = os.path.join(tmp, 'bounce-%dMB.eml' % size)
            write_bounce(p, size * MB)
            cases = [('--max-size 0', ['--max-size', '0'])]
            if size == 100:
                cases.insert(0, ('default --max-size (20M)', []))
                cases.append(('-H --max-size 0', ['-H', '--max-size', '0']))
                cases.append(('-H, default --max-size', ['-H']))
            for label, extra in cases:
                rows.append(('bounce %d MB, %s' % (size, label), p,
                             os.path.getsize(p),
                             [a.bin, '--no-config'] + extra))
            rows.append(('bounce %d MB, floor-gmime' % size, p,
                         os.path.getsize(p), [a.floor_gmime]))
        for n in (10, 1000, 10000):
            p = os.path.join(tmp, 'dsn-%d.eml' % n)
            write_dsn(p, n)
            rows.append(('DSN, %d recipients' % n, p, os.path.getsize(p),
                         [a.bin, '--no-config']))
            rows.append(('DSN, %d recipients, floor-gmime' % n, p,
                         os.path.getsize(p), [a.floor_gmime]))
        how = ('/usr/bin/time -f %M' if os.access(TIME, os.X_OK) else
               'getrusage of the child, which includes this script\'s '
               'own RSS')
        print('\n## Memory and growth: peak RSS (%s), median of 3 runs\n'
              % how)
        print('| input | size | peak RSS | limit 1.5 x size + 32 MB | '
              'wall | exit |')
        print('|---|---:|---:|---:|---:|---:|')
        for label, p, size, argv in rows:
            res = [run_rss(argv, p) for _ in range(3)]
            rss = statistics.median(r[2] for r in res)
            t = statistics.median(r[0] for r in res)
            limit = 1.5 * size / 1024 + 32 * 1024
            print('| %s | %.1f MB | %.1f MB | %.1f MB | %s | %d |' % (
                label, size / MB, rss * 1024 / MB, limit * 1024 / MB,
                fmt_ms(t), res[0][3]))
    finally:
        shutil.rmtree(tmp)
    return 0


def write_maildir(root, n, t0):
    """A Maildir of n sent messages, one every 10 minutes from t0."""
    for sub in ('cur', 'new', 'tmp'):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    for i in range(n):
        t = t0 + i * 600
        with open(os.path.join(root, 'cur', '%d.M%dP1.bench:2,S' % (t, i)),
                  'w') as f:
            f.write('From: Kim <kim@example.org>\nTo: Bob <bob%d@example.net>'
                    '\nSubject: note %d\nDate: %s\nMessage-ID: <%d.%x@'
                    'example.org>\nMIME-Version: 1.0\nContent-Type: text/'
                    'plain\n\n%s' % (i % 97, i, time.strftime(
                        '%a, %d %b %Y %H:%M:%S +0000', time.gmtime(t)), t, i,
                        'A line of the body.\n' * 40))


def fill_ledger(path, n, t0, span):
    """Adds n messages to a ledger that --learn-sent created, straight
    through SQLite: learning a million files would take minutes.  Uses the
    schema of src/ledger-sqlite.c (version 1)."""
    import random
    import sqlite3
    rnd = random.Random(1)
    db = sqlite3.connect(path)
    assert db.execute('PRAGMA user_version').fetchone()[0] == 1
    db.execute('PRAGMA synchronous = OFF')
    db.execute('PRAGMA cache_size = -200000')
    rows = sorted(('%012d.%08x@bench.example.org' % (i, rnd.getrandbits(32)),
                   t0 + rnd.randrange(span)) for i in range(n))
    db.execute('BEGIN')
    db.executemany('INSERT OR IGNORE INTO sent (message_id, date, sender, '
                   'recipients, subject_hash, learned) VALUES (?, ?, '
                   "'kim@example.org', 'bob@example.net', NULL, 0)", rows)
    # What a learner keeps in meta (src/ledger-sqlite.c, lite_commit).
    db.execute("UPDATE meta SET value = CASE key "
               "WHEN 'count' THEN (SELECT count(*) FROM sent) "
               "WHEN 'first' THEN (SELECT min(date) FROM sent) "
               "WHEN 'last' THEN (SELECT max(date) FROM sent) "
               "ELSE value END")
    db.commit()
    total = db.execute("SELECT value FROM meta WHERE key = 'count'"
                       ).fetchone()[0]
    db.close()
    return total


def ledger(a):
    tmp = tempfile.mkdtemp(prefix='bs-bench-ledger-')
    try:
        md = os.path.join(tmp, 'Sent')
        write_maildir(md, a.learn_messages, 1262304000)
        times = []
        for r in range(3):
            lp = os.path.join(tmp, 'learn-%d.sqlite' % r)
            t, _, _, rc = run([a.bin, '--learn-sent', '--ledger', lp, md])
            if rc != 0:
                print('ledger: --learn-sent exited %d' % rc)
                return 1
            times.append(t)
        again, _, _, _ = run([a.bin, '--learn-sent', '--ledger', lp, md])
        t = statistics.median(times)
        print('\n## Ledger: learning a Maildir of %d messages (median of 3)'
              '\n' % a.learn_messages)
        print('| run | wall | messages/s |')
        print('|---|---:|---:|')
        print('| new ledger | %.2f s | %.0f |' % (t, a.learn_messages / t))
        print('| the same again (all known) | %.2f s | %.0f |' % (
            again, a.learn_messages / again))

        if not os.path.isdir(a.corpus):
            print('ledger lookups: no corpus at %s, skipped' % a.corpus)
            return 0
        big = os.path.join(tmp, 'big.sqlite')
        sent = os.path.join(a.corpus, 'sent')
        run([a.bin, '--learn-sent', '--ledger', big,
             sent if os.path.isdir(sent) else md])
        t0 = time.perf_counter()
        total = fill_ledger(big, a.ledger_messages, 946684800,
                            30 * 365 * 86400)
        fill = time.perf_counter() - t0
        classes = corpus_files(a.corpus)
        msgs = []
        for cls in ('legit-bounce', 'backscatter'):
            files = classes.get(cls, [])
            step = max(1, len(files) // 100)
            msgs += files[::step][:100]
        progs = [
            ('backscatter-check --ledger (%d messages)' % total,
             [a.bin, '--no-config', '--ledger', big]),
            ('backscatter-check --no-ledger', [a.bin, '--no-config',
                                               '--no-ledger']),
            ('floor-gmime', [a.floor_gmime]),
        ]
        if os.path.exists(a.floor_gmime_static):
            progs.append(('floor-gmime-static', [a.floor_gmime_static]))
        wall = {p[0]: [] for p in progs}
        cpu = {p[0]: [] for p in progs}
        for p in progs:
            run(p[1], msgs[0])
        for i, m in enumerate(msgs):
            w = {p[0]: [] for p in progs}
            c = {p[0]: [] for p in progs}
            for r in range(a.reps):
                k = (i + r) % len(progs)
                for name, argv in progs[k:] + progs[:k]:
                    tt, u, _, _ = run(argv, m)
                    w[name].append(tt)
                    c[name].append(u)
            for name in w:
                wall[name].append(statistics.median(w[name]))
                cpu[name].append(statistics.median(c[name]))
        fw = statistics.median(wall['floor-gmime'])
        fc = statistics.median(cpu['floor-gmime'])
        print('\n## Ledger: one process per bounce, %d legit-bounce and '
              'backscatter messages, %d runs each, against a ledger of %d '
              'messages (filled in %.0f s)\n' % (len(msgs), a.reps, total,
                                                  fill))
        print('| program | median wall | ratio | median CPU | ratio |')
        print('|---|---:|---:|---:|---:|')
        for name, _ in progs:
            mw = statistics.median(wall[name])
            mc = statistics.median(cpu[name])
            print('| %s | %s | %.2f | %s | %.2f |' % (
                name, fmt_ms(mw), mw / fw, fmt_ms(mc),
                mc / fc if fc else float('nan')))
    finally:
        shutil.rmtree(tmp)
    return 0


def jobs(a):
    if not os.path.isdir(a.corpus):
        print('jobs: no corpus at %s, skipped' % a.corpus)
        return SKIP
    files = sorted(f for fs in corpus_files(a.corpus).values() for f in fs)
    ident = identity_args(a.corpus)
    cores = os.cpu_count() or 1
    counts = sorted({1, cores})
    res = {j: [] for j in counts}
    base = [a.bin, '--no-config', '--no-ledger', '-q', '--json'] + ident
    run(base + ['-j', '1'] + files)     # warm the page cache
    for r in range(a.bulk_reps):
        for j in (counts if r % 2 == 0 else counts[::-1]):
            t, u, rss, rc = run_rss(base + ['-j', str(j)] + files)
            res[j].append((t, u, rss))
    print('\n## Jobs: one process over all %d messages, %d runs\n' %
          (len(files), a.bulk_reps))
    print('| -j | median wall | messages/s | speed-up | CPU | peak RSS |')
    print('|---:|---:|---:|---:|---:|---:|')
    one = statistics.median(x[0] for x in res[1])
    for j in counts:
        t = statistics.median(x[0] for x in res[j])
        cpu = statistics.median(x[1] for x in res[j])
        rss = max(x[2] for x in res[j])
        print('| %d | %.2f s | %.0f | %.2f | %.2f s | %.1f MB |' % (
            j, t, len(files) / t, one / t, cpu, rss / 1024))
    return 0


def main():
    a = parse_args()
    for prog in (a.bin, a.floor_gmime, a.floor_read):
        if not os.access(prog, os.X_OK):
            sys.exit('run.py: %s: not built (meson compile -C build)' % prog)
    with open('/proc/cpuinfo') as f:
        model = next((l.split(':', 1)[1].strip() for l in f
                      if l.startswith('model name')), '?')
    with open('/proc/meminfo') as f:
        mem = int(f.readline().split()[1]) // 1024
    print('machine: %d cores (%s), %d MB RAM, load %.2f' % (
        os.cpu_count(), model, mem, os.getloadavg()[0]))
    parts = a.only or ['per-message', 'bulk', 'memory', 'ledger', 'jobs']
    status = [{'per-message': per_message, 'bulk': bulk,
               'memory': memory, 'ledger': ledger, 'jobs': jobs}[p](a)
              for p in parts]
    if all(s == SKIP for s in status):
        return SKIP
    return 0


if __name__ == '__main__':
    sys.exit(main())
