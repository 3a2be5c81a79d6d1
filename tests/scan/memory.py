#!/usr/bin/env python3
"""Suite "scan" (issue 14): memory stays flat in the number of messages.
Generates an mbox of BS_MEMORY_MB megabytes (default 200; the issue's
1 GB: BS_MEMORY_MB=1024) of bounces returning an original with an
attachment, and one of a quarter of the size, classifies each with -j 2
and compares peak RSS (wait4's ru_maxrss): far below the mbox, and the
same for both.  TAP."""
import os
import shutil
import subprocess
import sys
import tempfile

BIN = os.environ['BS_BIN']
MB = int(os.environ.get('BS_MEMORY_MB', '200'))

HEAD = (b'From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n'
        b'To: kim@example.org\nSubject: Undelivered Mail Returned to '
        b'Sender\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMIME-Version: 1.0\n'
        b'Content-Type: multipart/report; report-type=delivery-status; '
        b'boundary="B1"\n\n--B1\nContent-Type: text/plain\n\nI\'m sorry to '
        b'have to inform you that your message could not\nbe delivered.\n'
        b'\n--B1\nContent-Type: message/delivery-status\n\nReporting-MTA: '
        b'dns; mx.example.net\n\nFinal-Recipient: rfc822; bob@example.net\n'
        b'Action: failed\nStatus: 5.1.1\n\n--B1\nContent-Type: '
        b'message/rfc822\n\nFrom: kim@example.org\nTo: bob@example.net\n'
        b'Subject: the files\nMIME-Version: 1.0\nContent-Type: '
        b'multipart/mixed; boundary="B2"\n\n--B2\nContent-Type: text/plain'
        b'\n\nHere they are.\n\n--B2\nContent-Type: application/octet-stream'
        b'\nContent-Transfer-Encoding: base64\n\n')
LINE = b'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2\n'


def write_mbox(path, megabytes):
    body = LINE * (100 * 1024 // len(LINE))
    n = 0
    with open(path, 'wb') as f:
        while f.tell() < megabytes * 1024 * 1024:
            n += 1
            f.write(b'From MAILER-DAEMON Mon Jan  1 00:00:00 2024\n')
            f.write(HEAD.replace(b'Subject: the files', b'Subject: the '
                                 b'files %d' % n))
            f.write(body)
            f.write(b'\n--B2--\n\n--B1--\n\n')
    return n


TIME = '/usr/bin/time'


def peak_rss(path):
    """Peak RSS in MB, lines written, exit status.  A child's ru_maxrss
    also counts the Python it was forked from, so /usr/bin/time (a small
    process) measures when it is installed, as bench/run.py does."""
    argv = [BIN, '--no-config', '--no-ledger', '-q', '-j', '2', path]
    fd, out = tempfile.mkstemp(prefix='bs-memory-')
    os.close(fd)
    timed = os.access(TIME, os.X_OK)
    if timed:
        argv = [TIME, '-f', '%M', '-o', out] + argv
    try:
        with open(os.devnull, 'wb') as null:
            p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=null)
            lines = sum(1 for _ in p.stdout)
            _, status, ru = os.wait4(p.pid, 0)
        kib = ru.ru_maxrss
        if timed:
            with open(out) as f:
                kib = int(f.read().split()[-1])
    finally:
        os.unlink(out)
    return kib // 1024, lines, os.waitstatus_to_exitcode(status)


def sanitized():
    """AddressSanitizer keeps freed memory in quarantine (256 MB by
    default) and shadows the rest: its peak RSS says nothing of ours."""
    with open(BIN, 'rb') as f:
        return b'__asan_init' in f.read()


def main():
    if sanitized():
        print('1..0 # SKIP a sanitizer build: its RSS is not the program\'s')
        return 0
    tmp = tempfile.mkdtemp()
    n = 0
    failed = False

    def check(ok, what):
        nonlocal n, failed
        n += 1
        print('%sok %d - %s' % ('' if ok else 'not ', n, what))
        failed = failed or not ok

    try:
        small = os.path.join(tmp, 'small.mbox')
        large = os.path.join(tmp, 'large.mbox')
        n_small = write_mbox(small, MB // 4)
        rss_small, lines_small, rc_small = peak_rss(small)
        os.unlink(small)
        n_large = write_mbox(large, MB)
        rss_large, lines_large, rc_large = peak_rss(large)
        print('# %d MB mbox, %d messages: peak RSS %d MB; %d messages: '
              '%d MB' % (MB, n_large, rss_large, n_small, rss_small))
        check(lines_small == n_small and lines_large == n_large
              and rc_small == rc_large,
              'every message classified (%d and %d)' % (n_small, n_large))
        check(rss_large < min(MB // 4, 100),
              'peak RSS %d MB, far below the %d MB mbox' % (rss_large, MB))
        check(rss_large <= rss_small + 16,
              'flat: %d MB for 4 times the messages of %d MB' % (
                  rss_large, rss_small))
    finally:
        shutil.rmtree(tmp)
    print('1..%d' % n)
    return 1 if failed else 0


sys.exit(main())
