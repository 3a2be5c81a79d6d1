#!/usr/bin/env python3
"""Fit the zero-config weights of data/rules/50-score.rules to a labeled
corpus, and judge them leave-one-family-out (issue 11).

usage: tools/fit-weights.py [--bin PATH] [--corpus DIR] [--write] [--report FILE]

Each fitted test's weight is its log-likelihood ratio between backscatter
and legit-bounce on the corpus (Laplace-smoothed), scaled so that the
decision threshold chosen on the training files lands on the program's
threshold.  The decision is the program's own: tiers summed from the top
(see score.h), a content weight never negative.

Which tests are fitted.  The legit-bounce and backscatter files of
../shared/corpus are the same real bounce wrappers with the original
replaced, so the corpus holds no evidence at all about tests of the wrapper
(the reason, the recipient, the kind of report): their likelihood ratio is
1 by construction, and fitting would switch them off for a reason that has
nothing to do with mail.  Those keep their hand-set weights, as do the
tests that need an identity or a ledger.  Fitted are the tests that read
the returned original and its vouched hop.  A test gets a weight only when
it fires in at least MIN_FAMILIES MTA families and MIN_FILES files: no
weight for a single file or family; a rarer test keeps its hand weight, as
the corpus says nothing about it.  A content test's negative LLR becomes 0:
looking like the owner's mail is what a forger does.

Leave-one-family-out: for each MTA family (labels.tsv's mta-family column),
the weights and the threshold are fitted on every other family and the
held-out family's files are classified with them.  The report gives the
pooled held-out rates.
"""
import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict

THRESHOLD = 5.0
ALPHA = 1.0          # Laplace smoothing
MIN_FAMILIES = 2
MIN_FILES = 5
MAX_WEIGHT = 4.0     # no one content test may decide alone
MAX_LEGIT_LOSS = 0.005   # a threshold may cost at most this much legit-bounce
BATCH = 200

# Tests that read the returned original or the hop the bouncing server
# wrote: the only ones the corpus says anything about.
FITTED = [
    'top-hop-literal-helo', 'top-hop-bareword-helo', 'top-hop-helo-mismatch',
    'top-hop-unknown-rdns', 'top-hop-dynamic', 'hop-authenticated',
    'msgid-missing', 'msgid-malformed', 'msgid-domain-mismatch',
    'msgid-dynamic-host', 'original-many-links', 'original-html-only',
    'original-executable', 'display-name-mismatch', 'original-date-old',
    'original-date-future', 'original-self-addressed', 'original-spam-phrase',
    'original-short-link',
]


def read_tests(path):
    """{name: (weight, tier)} and the file's text."""
    text = open(path, encoding='utf-8').read()
    tests = {}
    for m in re.finditer(r'(?ms)^\[test ([^\]]+)\]\n(.*?)(?=^\[|\Z)', text):
        body = m.group(2)
        w = float(re.search(r'(?m)^weight=(.*)$', body).group(1))
        t = re.search(r'(?m)^tier=(.*)$', body).group(1)
        tests[m.group(1)] = (w, t)
    return tests, text


def fire_all(binary, rules_dir, tests, corpus, rows):
    """{file: set of tests that fired}, zero-config, every test switched on
    (weight 0.01, so that verdicts do not matter)."""
    with tempfile.TemporaryDirectory() as tmp:
        for f in os.listdir(rules_dir):
            if f.endswith('.rules'):
                shutil.copy(os.path.join(rules_dir, f), tmp)
        path = os.path.join(tmp, '50-score.rules')
        text = open(path, encoding='utf-8').read()
        text = re.sub(r'(?m)^weight=.*$', 'weight=0.01', text)
        open(path, 'w', encoding='utf-8').write(text)
        files = [os.path.join(corpus, r[0]) for r in rows]
        fired = {}
        for i in range(0, len(files), BATCH):
            p = subprocess.run([binary, '--no-config', '-R', tmp, '--json']
                               + files[i:i + BATCH], stdout=subprocess.PIPE)
            if p.returncode not in (0, 1):
                sys.exit('%s failed (%d)' % (binary, p.returncode))
            for line in p.stdout.decode('utf-8', 'replace').splitlines():
                r = json.loads(line)
                fired[r['file']] = {t['name'] for t in r['tests']}
    return {r[0]: fired[os.path.join(corpus, r[0])] for r in rows}


def decide(hits, weights, tiers):
    """The program's decision (score.h): True for backscatter."""
    total = 0.0
    for tier in ('proof', 'server', 'content'):
        mine = [weights[h] for h in hits if tiers[h] == tier and weights[h]]
        total = round((total + sum(mine)) * 10) / 10
        if mine and total >= THRESHOLD:
            return True, total
        if mine and total <= -THRESHOLD:
            return False, total
    return False, total


def fit(train, fired, hand, tiers):
    """Weights for FITTED from the training rows [(file, class, family)]."""
    n = {'backscatter': 0, 'legit-bounce': 0}
    count = defaultdict(lambda: {'backscatter': 0, 'legit-bounce': 0})
    families = defaultdict(set)
    for f, cls, fam in train:
        n[cls] += 1
        for t in fired[f]:
            count[t][cls] += 1
            families[t].add(fam)
    llr = {}
    for t in FITTED:
        c = count[t]
        if len(families[t]) < MIN_FAMILIES or sum(c.values()) < MIN_FILES:
            llr[t] = None       # no data: the hand weight stays
            continue
        pb = (c['backscatter'] + ALPHA) / (n['backscatter'] + 2 * ALPHA)
        pl = (c['legit-bounce'] + ALPHA) / (n['legit-bounce'] + 2 * ALPHA)
        llr[t] = math.log(pb / pl)
        if tiers[t] == 'content':
            llr[t] = max(llr[t], 0.0)
    # Scale: the smallest k that keeps legit-bounce losses on the training
    # files within MAX_LEGIT_LOSS while flagging the most backscatter.
    best = None
    for k10 in range(5, 61):
        k = k10 / 10.0
        w = dict(hand)
        for t in FITTED:
            if llr[t] is not None:
                w[t] = max(-MAX_WEIGHT, min(MAX_WEIGHT,
                                            round(llr[t] * k * 2) / 2))
        caught = lost = 0
        for f, cls, fam in train:
            flagged, _ = decide(fired[f], w, tiers)
            if cls == 'backscatter':
                caught += flagged
            else:
                lost += flagged
        # Within the legit budget, most backscatter caught; else (the
        # hand weights alone exceed it) the fewest legit lost.
        key = (lost <= MAX_LEGIT_LOSS * n['legit-bounce'],
               caught if lost <= MAX_LEGIT_LOSS * n['legit-bounce']
               else -lost)
        if best is None or key > best[0]:
            best = (key, k, w)
    return best[2], best[1], llr


def rates(rows, fired, weights, tiers):
    got = {'backscatter': [0, 0], 'legit-bounce': [0, 0]}
    for f, cls, fam in rows:
        flagged, _ = decide(fired[f], weights, tiers)
        right = flagged if cls == 'backscatter' else not flagged
        got[cls][0] += right
        got[cls][1] += 1
    return got


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    ap = argparse.ArgumentParser()
    ap.add_argument('--bin', default=os.path.join(root, 'build',
                                                  'backscatter-check'))
    ap.add_argument('--corpus', default=os.path.join(root, '..', 'shared',
                                                     'corpus'))
    ap.add_argument('--write', action='store_true',
                    help='write the fitted weights into 50-score.rules')
    ap.add_argument('--report', help='write the report to this file too')
    a = ap.parse_args()
    rules_dir = os.path.join(root, 'data', 'rules')
    rules_path = os.path.join(rules_dir, '50-score.rules')
    tests, text = read_tests(rules_path)
    tiers = {t: v[1] for t, v in tests.items()}
    hand = {t: v[0] for t, v in tests.items()}

    rows = []
    with open(os.path.join(a.corpus, 'labels.tsv')) as f:
        header = f.readline().rstrip('\n').split('\t')
        col_fam = header.index('mta-family')
        for line in f:
            c = line.rstrip('\n').split('\t')
            if c[1] in ('backscatter', 'legit-bounce'):
                rows.append((c[0], c[1], c[col_fam]))
    fired = fire_all(a.bin, rules_dir, tests, a.corpus, rows)

    out = []
    out.append('# Zero-config weights fitted by tools/fit-weights.py')
    out.append('')
    out.append('Corpus: %d backscatter, %d legit-bounce files, %d MTA '
               'families; zero-config (no identity, no ledger).' % (
                   sum(r[1] == 'backscatter' for r in rows),
                   sum(r[1] == 'legit-bounce' for r in rows),
                   len({r[2] for r in rows})))
    out.append('')

    # Leave one family out.
    held = []
    for fam in sorted({r[2] for r in rows}):
        train = [r for r in rows if r[2] != fam]
        test = [r for r in rows if r[2] == fam]
        w, k, _ = fit(train, fired, hand, tiers)
        held += [(r, decide(fired[r[0]], w, tiers)[0]) for r in test]
    lofo = {'backscatter': [0, 0], 'legit-bounce': [0, 0]}
    for (f, cls, fam), flagged in held:
        lofo[cls][0] += flagged if cls == 'backscatter' else not flagged
        lofo[cls][1] += 1
    hand_rates = rates(rows, fired, hand, tiers)
    w, k, llr = fit(rows, fired, hand, tiers)
    all_rates = rates(rows, fired, w, tiers)

    def pct(x):
        return '%d/%d (%.1f%%)' % (x[0], x[1], 100.0 * x[0] / max(1, x[1]))

    out.append('| | backscatter flagged | legit-bounce not flagged |')
    out.append('|---|---|---|')
    out.append('| weights of 50-score.rules before this run, whole corpus | %s | %s |' % (
        pct(hand_rates['backscatter']), pct(hand_rates['legit-bounce'])))
    out.append('| fitted, leave-one-family-out (held-out files) | %s | %s |'
               % (pct(lofo['backscatter']), pct(lofo['legit-bounce'])))
    out.append('| fitted on all, whole corpus | %s | %s |' % (
        pct(all_rates['backscatter']), pct(all_rates['legit-bounce'])))
    out.append('')
    out.append('Scale k = %.1f (weight = k * LLR, rounded to 0.5, capped at '
               '%.1f).' % (k, MAX_WEIGHT))
    out.append('')
    out.append('| test | tier | LLR | weight (was) |')
    out.append('|---|---|---:|---:|')
    for t in FITTED:
        out.append('| `%s` | %s | %s | %g (%g) |' % (
            t, tiers[t], 'too rare: kept' if llr[t] is None else
            '%.2f' % llr[t], w[t], hand[t]))
    report = '\n'.join(out) + '\n'
    sys.stdout.write(report)
    if a.report:
        open(a.report, 'w').write(report)
    if a.write:
        def sub(m):
            name = m.group(1)
            if name not in FITTED:
                return m.group(0)
            return re.sub(r'(?m)^weight=.*$', 'weight=%g' % w[name],
                          m.group(0), count=1)
        text = re.sub(r'(?ms)^\[test ([^\]]+)\]\n.*?(?=^\[|\Z)', sub, text)
        open(rules_path, 'w', encoding='utf-8').write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
