#!/usr/bin/env python3
"""--summary and --summary --json over an attack made in a temp dir: the
totals agree with the per-message lines, the timeline with the Dates
written, and the option checks hold."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

PER_HOUR = (3, 9, 5, 2, 1)


def run(args):
    return subprocess.run([lib.BIN] + lib.IDENTITY + args,
                          capture_output=True)


def main():
    t = lib.Tap()
    work = tempfile.mkdtemp(prefix='bs-summary-')
    try:
        kinds = lib.write_maildir(os.path.join(work, 'in'),
                                  lib.attack(PER_HOUR))
        paths = sorted(kinds)
        plain = [p for p in paths if kinds[p] == 'plain']
        lines = run(paths).stdout.decode().splitlines()
        verdicts = {}
        for line in lines:
            v = line.split(': ', 1)[1].split()[0]
            verdicts[v] = verdicts.get(v, 0) + 1
        t.ok(verdicts == {'backscatter': 20, 'legitimate': 2,
                          'not-bounce': 1}, 'the lines: 20 backscatter, '
             '2 legitimate, 1 plain', verdicts)

        r = run(['--summary'] + paths)
        text = r.stdout.decode()
        t.ok(r.returncode == 0, '--summary exits 0: backscatter found',
             r.stderr)
        t.ok(text.startswith('23 messages, 20 backscatter\n'),
             'no line per message, the totals first', text[:300])
        t.ok('      20  backscatter\n' in text and '       2  legitimate\n'
             in text, 'totals per verdict', text)
        t.ok('started 2026-11-27 14:00 UTC\n' in text
             and 'peaked  2026-11-27 15:00 UTC, 9 in that hour\n' in text
             and 'stopped 2026-11-27 18:00 UTC\n' in text,
             'started, peaked, stopped', text)
        bars = [l for l in text.splitlines() if l.startswith('  2026-11-27')]
        t.ok(len(bars) == 5 and bars[1].count('#') == 50
             and all(b.rstrip().endswith('| %d' % n)
                     for b, n in zip(bars, PER_HOUR)),
             'one bar an hour, the peak full width', '\n'.join(bars))

        r = run(['--summary', '--json'] + paths)
        try:
            j = json.loads(r.stdout)
        except ValueError as e:
            j = {}
            t.ok(False, '--summary --json is one JSON object', e)
        else:
            t.ok(r.stdout.decode().count('\n') == 1,
                 '--summary --json is one JSON object on one line')
        t.ok(j.get('messages') == 23 and j.get('verdicts', {}).get(
            'backscatter') == 20 and j.get('kinds', {}).get('dsn') == 22,
             'JSON totals', j)
        tl = j.get('timeline', {})
        t.ok(tl.get('unit') == 'hour' and [b['count'] for b in
                                          tl.get('buckets', [])] ==
             list(PER_HOUR) and tl.get('peaked') == '2026-11-27T15:00:00Z',
             'JSON timeline', tl)
        t.ok(j.get('servers', [{}])[0].get('count') == 20
             and j.get('forged_senders', [{}])[0].get('name') ==
             'kim@example.org', 'JSON top servers and forged senders', j)

        # The same mail as one Maildir, and as one mbox: the same summary.
        box = os.path.join(work, 'mbox')
        lib.write_mbox(box, lib.attack(PER_HOUR))
        by_folder = run(['--summary', os.path.join(work, 'in')]).stdout
        by_mbox = run(['--summary', '-j', '2', box]).stdout
        t.ok(by_folder == text.encode() and by_mbox == by_folder,
             'the same summary from the files, the Maildir and the mbox',
             by_mbox.decode())

        r = run(['--summary'] + plain)
        t.ok(r.returncode == 1 and b'1 messages, 0 backscatter' in
             r.stdout, 'no backscatter: exit 1', r.stdout)
        for args, what in ((['--dry-run'], '--dry-run without --move-to'),
                           (['--mbox-rewrite'], '--mbox-rewrite alone'),
                           (['--summary', '-H'], '--summary with -H'),
                           (['--summary', '--explain'],
                            '--summary with --explain')):
            r = run(args + paths[:1])
            t.ok(r.returncode == 64, '%s: usage error 64' % what,
                 r.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    t.done()


if __name__ == '__main__':
    main()
