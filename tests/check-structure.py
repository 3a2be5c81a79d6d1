#!/usr/bin/env python3
"""Suite "structure" (issue 13): hand-made bounces in formats and languages
no rule names, other automated replies, and hand-made messages that are no
bounce at all (people quoting or forwarding one, spam dressed as one,
ordinary mail about delivery).  tests/data/structure/cases.list gives the
kind --json must say for each ("none": not a bounce); a case the program
still gets wrong is marked TODO there with the right answer.  Prints TAP.
"""
import json
import os
import subprocess
import sys


def main():
    binary = os.environ['BS_BIN']
    data = os.path.join(os.environ.get('BS_SRCDIR', '.'), 'tests', 'data',
                        'structure')
    cases = []
    with open(os.path.join(data, 'cases.list'), encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            parts = line.split(None, 2)
            todo = None
            if len(parts) > 2 and parts[2].startswith('TODO'):
                todo = parts[2][4:].strip() or 'still wrong'
            cases.append((parts[0], parts[1], todo))
    files = [os.path.join(data, name + '.eml') for _, name, _ in cases]
    p = subprocess.run([binary, '--no-config', '--json'] + files,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode not in (0, 1):
        print('1..1\nnot ok 1 - %s exited %d: %s' % (
            binary, p.returncode, p.stderr.decode(errors='replace')))
        return 1
    got = {}
    for line in p.stdout.decode('utf-8', 'replace').splitlines():
        r = json.loads(line)
        got[r['file']] = r
    print('1..%d' % len(cases))
    failed = 0
    for n, ((want, name, todo), path) in enumerate(zip(cases, files), 1):
        r = got.get(path, {})
        kind = r.get('kind', '?')
        bounce = r.get('bounce')
        ok = kind == want and bounce == (want != 'none')
        line = '%sok %d - %s: kind %s' % ('' if ok else 'not ', n, name, kind)
        if not ok:
            line += ', want %s' % want
        if todo is not None:
            line += ' # TODO %s' % todo
        elif not ok:
            failed += 1
        print(line)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
