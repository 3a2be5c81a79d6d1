#!/usr/bin/env python3
"""Suite "scan": progress on a terminal (issue 14).  stderr is a pty made
here (python3's pty module): a Maildir and an mbox show "N/TOTAL
messages" and "% of", the rate and the time left, at most 10 lines a
second, and the line is cleared at the end; stdout is the same as
without a terminal; -q and a stderr that is no terminal show nothing.
Prints TAP."""
import os
import pty
import re
import shutil
import subprocess
import sys
import tempfile
import time

BIN = os.environ['BS_BIN']
SRC = os.environ.get('BS_SRCDIR', '.')
EML = os.path.join(SRC, 'tests', 'data', 'eml')
n = 0
failed = False


def check(ok, what):
    global n, failed
    n += 1
    print('%sok %d - %s' % ('' if ok else 'not ', n, what))
    failed = failed or not ok


def run_pty(args):
    """stdout to a file, stderr to a pty; returns (rc, stdout, what the
    pty got, seconds)."""
    master, slave = pty.openpty()
    with tempfile.TemporaryFile() as out:
        t0 = time.monotonic()
        p = subprocess.Popen([BIN, '--no-config', '--no-ledger'] + args,
                             stdout=out, stderr=slave, stdin=subprocess.DEVNULL)
        os.close(slave)
        got = b''
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            got += chunk
        rc = p.wait()
        secs = time.monotonic() - t0
        os.close(master)
        out.seek(0)
        return rc, out.read(), got, secs


def screen(got):
    """What the terminal line shows at the end."""
    line = b''
    for part in re.split(rb'(\r|\x1b\[K)', got):
        if part == b'\r':
            continue
        if part == b'\x1b[K':
            line = b''
        else:
            line += part
    return line


def main():
    tmp = tempfile.mkdtemp()
    try:
        md = os.path.join(tmp, 'Mail')
        os.makedirs(os.path.join(md, 'cur'))
        names = sorted(f for f in os.listdir(EML) if f.endswith('.eml'))
        copies = 6
        for k in range(copies):
            for f in names:
                shutil.copy(os.path.join(EML, f),
                            os.path.join(md, 'cur', '%d-%s' % (k, f)))
        total = copies * len(names)
        box = os.path.join(tmp, 'box')
        with open(box, 'wb') as w:
            for k in range(copies):
                for f in names:
                    w.write(b'From MAILER-DAEMON Mon Nov 30 10:00:00 2026\n')
                    with open(os.path.join(EML, f), 'rb') as r:
                        for line in r:
                            w.write(b'>' + line if line.startswith(b'From ')
                                    else line)
                    w.write(b'\n')

        rc, out, got, secs = run_pty(['-j', '2', md])
        plain = subprocess.run([BIN, '--no-config', '--no-ledger', '-j', '2',
                                md], capture_output=True)
        draws = got.count(b'backscatter-check: ')
        check(re.search(rb'\d+/%d messages' % total, got) is not None,
              'a Maildir: messages done of the total (%d)' % total)
        check(re.search(rb'/s, \d+:\d\d left', got) is not None or secs < 0.3,
              'the rate and the time left')
        check(got.endswith(b'\r\x1b[K') and screen(got) == b'',
              'the line is cleared at the end')
        check(1 <= draws <= 10 * secs + 2,
              'at most 10 updates a second (%d in %.1f s)' % (draws, secs))
        check(out == plain.stdout and plain.stderr == b'' and
              rc == plain.returncode,
              'stdout the same as without a terminal; nothing on a '
              'stderr that is no terminal')

        rc, out, got, secs = run_pty(['-j', '2', box])
        check(re.search(rb'\d+ messages, \d+% of \d+\.\d MB', got) is not None,
              'an mbox: messages, and how much of its bytes')
        rc, out, got, secs = run_pty(['-q', '-j', '2', md])
        check(got == b'' and len(out) > 0, '-q: nothing on the terminal')
    finally:
        shutil.rmtree(tmp)
    print('1..%d' % n)
    return 1 if failed else 0


sys.exit(main())
