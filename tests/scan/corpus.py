#!/usr/bin/env python3
"""Suite "scan" (issue 14): the shared corpus as one Maildir and as one
mbox gets the same verdicts as file by file.  The Maildir holds every
corpus file under a name of its own; the mbox is written as mutt writes
one (a message's own leading "From " line becomes its separator, body
lines that start with "From " are quoted ">From ", an empty line after
each).  Skips without ../shared/corpus (fails under CI=true).  TAP."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

BIN = os.environ['BS_BIN']
SRC = os.environ.get('BS_SRCDIR', '.')
CORPUS = os.environ.get('BS_CORPUS', os.path.join(SRC, '..', 'shared',
                                                  'corpus'))
SKIP_NAMES = {'labels.tsv', 'identity.args', 'README.md'}


def corpus_files():
    out = []
    for cls in sorted(os.listdir(CORPUS)):
        d = os.path.join(CORPUS, cls)
        if cls in SKIP_NAMES or not os.path.isdir(d):
            continue
        for dirpath, _, names in os.walk(d):
            out += [os.path.join(dirpath, n) for n in names]
    return sorted(out)


def verdicts(args, ident):
    p = subprocess.run([BIN, '--no-config', '--no-ledger', '-q', '--json',
                        '-j', '2'] + ident + args, capture_output=True)
    lines = [json.loads(l) for l in p.stdout.decode().splitlines()]
    return p.returncode, p.stderr.decode(), lines


def key(o):
    return (o['verdict'], o['kind'], o['score'], o.get('reason'),
            o.get('decided_by'), tuple(t['name'] for t in o['tests']))


def main():
    if not os.path.isdir(CORPUS):
        if os.environ.get('CI') == 'true':
            print('1..1\nnot ok 1 - no corpus at %s' % CORPUS)
            return 1
        print('1..0 # SKIP no corpus at %s' % CORPUS)
        return 0
    files = corpus_files()
    ident = []
    idf = os.path.join(CORPUS, 'identity.args')
    if os.path.exists(idf):
        ident = open(idf).read().split()
    tmp = tempfile.mkdtemp()
    n = 0
    failed = False

    def check(ok, what):
        nonlocal n, failed
        n += 1
        print('%sok %d - %s' % ('' if ok else 'not ', n, what))
        failed = failed or not ok

    try:
        md = os.path.join(tmp, 'Mail')
        os.makedirs(os.path.join(md, 'cur'))
        os.makedirs(os.path.join(md, 'new'))
        names = []
        for i, f in enumerate(files):
            name = '%06d.corpus:2,S' % i
            shutil.copy(f, os.path.join(md, 'cur', name))
            names.append(name)
        box = os.path.join(tmp, 'corpus.mbox')
        with open(box, 'wb') as w:
            for f in files:
                data = open(f, 'rb').read()
                sep = b'From MAILER-DAEMON Mon Nov 30 10:00:00 2026\n'
                if data.startswith(b'From '):
                    nl = data.find(b'\n')
                    sep, data = (data + b'\n', b'') if nl < 0 else \
                        (data[:nl + 1], data[nl + 1:])
                w.write(sep)
                lines = data.split(b'\n')
                w.write(b'\n'.join(b'>' + l if l.startswith(b'From ') else l
                                   for l in lines))
                if not data.endswith(b'\n'):
                    w.write(b'\n')
                w.write(b'\n')

        rc_f, err_f, by_file = verdicts(files, ident)
        rc_m, err_m, by_dir = verdicts([md], ident)
        rc_b, err_b, by_mbox = verdicts([box], ident)
        check(len(by_file) == len(files) and rc_f in (0, 1),
              'file by file: %d messages' % len(files))
        check(len(by_dir) == len(files) and rc_m == rc_f and err_m == err_f,
              'as one Maildir: every message, the same exit status')
        check(len(by_mbox) == len(files) and rc_b == rc_f and err_b == err_f,
              'as one mbox: every message, the same exit status')
        differ_dir = [files[i] for i in range(min(len(by_file), len(by_dir)))
                      if key(by_file[i]) != key(by_dir[i])]
        differ_mbox = [files[i] for i in
                       range(min(len(by_file), len(by_mbox)))
                       if key(by_file[i]) != key(by_mbox[i])]
        for f in differ_dir[:10]:
            print('# Maildir differs: %s' % f)
        for f in differ_mbox[:10]:
            print('# mbox differs: %s' % f)
        check(not differ_dir, 'the Maildir: the same verdicts as file by '
              'file (%d differ)' % len(differ_dir))
        check(not differ_mbox, 'the mbox: the same verdicts as file by '
              'file (%d differ)' % len(differ_mbox))
        check(all(o['message'] == i + 1 for i, o in enumerate(by_mbox)),
              'the mbox messages numbered 1..%d in order' % len(by_mbox))
    finally:
        shutil.rmtree(tmp)
    print('1..%d' % n)
    return 1 if failed else 0


sys.exit(main())
