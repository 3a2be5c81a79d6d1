#!/usr/bin/env python3
"""--move-to loses nothing while kill -9 strikes at random moments.

Every message is hashed before; after each kill, every message is found
(by hash) in its source, in the folder, or in both; never in neither.
What is accepted as "both":
  - a Maildir or MH message: at most one, the one in flight when the kill
    came (copy path only; rename(2) leaves none);
  - an mbox message: every copy made (an mbox is copied, and rewritten
    without the copies only after they are synced), and duplicates in the
    folder after a rerun that followed a kill between the copies and the
    rewrite.
A rerun without a kill then finishes the job: backscatter only in the
folder, every other message only where it was.

BS_MOVE_SEED=N repeats a run; BS_MOVE_ROUNDS=N sets the kills per
scenario (default 4)."""
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

PER_HOUR = (10, 15, 12, 8, 5)


def write_mh(top, messages):
    os.makedirs(top, exist_ok=True)
    paths = {}
    for i, (kind, data) in enumerate(messages):
        p = os.path.join(top, str(i + 1))
        with open(p, 'wb') as f:
            f.write(data)
        paths[p] = kind
    return paths


class Scenario:
    def __init__(self, name, base, junk_base=None, env=None, mbox=False,
                 rewrite=False, folders=True, inside=False):
        self.name, self.base, self.mbox, self.rewrite = name, base, mbox, \
            rewrite
        # folders: name the folders, not their files; inside: the folder is a Maildir++ subfolder of the
        # Maildir, read again with -r.
        self.folders, self.inside = folders, inside
        self.junk_base = junk_base or base
        self.env = dict(os.environ, **(env or {}))

    def setup(self):
        self.dir = tempfile.mkdtemp(prefix='bs-move-', dir=self.base)
        self.jdir = tempfile.mkdtemp(prefix='bs-junk-', dir=self.junk_base)
        self.junk = os.path.join(self.jdir, 'Junk')
        messages = lib.attack(PER_HOUR)
        self.kind = {lib.digest(d): k for k, d in messages}
        if self.mbox:
            self.mbox_path = os.path.join(self.dir, 'mbox')
            lib.write_mbox(self.mbox_path, messages)
            self.inputs = [self.mbox_path]
        else:
            half = len(messages) // 2
            md = lib.write_maildir(os.path.join(self.dir, 'Maildir'),
                                   messages[:half])
            mh = write_mh(os.path.join(self.dir, 'mh'), messages[half:])
            self.inputs = sorted(md) + sorted(mh)
            if self.folders:
                self.inputs = [os.path.join(self.dir, 'Maildir'),
                               os.path.join(self.dir, 'mh')]
            if self.inside:
                self.junk = os.path.join(self.dir, 'Maildir', '.Junk')

    def teardown(self):
        shutil.rmtree(self.dir, ignore_errors=True)
        shutil.rmtree(self.jdir, ignore_errors=True)

    def command(self):
        args = [lib.BIN] + lib.IDENTITY + ['--move-to', self.junk]
        if self.inside:
            args.append('-r')
        if self.rewrite:
            args.append('--mbox-rewrite')
        # A rerun names what is still there.
        return args + [p for p in self.inputs if os.path.exists(p)]

    def places(self):
        """{hash: (copies in the source, copies in the folder)}"""
        if self.mbox:
            src = lib.mbox_messages(self.mbox_path)
        else:
            src = lib.maildir_messages(os.path.join(self.dir, 'Maildir'))
            mh = os.path.join(self.dir, 'mh')
            for name in os.listdir(mh):
                with open(os.path.join(mh, name), 'rb') as f:
                    src.setdefault(lib.digest(f.read()), []).append(name)
        junk = lib.maildir_messages(self.junk)
        return {h: (len(src.get(h, [])), len(junk.get(h, [])))
                for h in set(self.kind) | set(src) | set(junk)}

    def check_killed(self):
        """'' when nothing is lost and only what is accepted is doubled."""
        problems, both = [], 0
        for h, (s, j) in self.places().items():
            kind = self.kind.get(h)
            if kind is None:
                problems.append('a message no input held: %s' % h[:12])
            elif s + j == 0:
                problems.append('%s %s is nowhere' % (kind, h[:12]))
            elif s > 1:
                problems.append('%s %s is %d times in the source'
                                % (kind, h[:12], s))
            elif kind != 'backscatter' and j > 0:
                problems.append('%s %s was moved' % (kind, h[:12]))
            elif s and j:
                both += 1
            if not self.mbox and j > 1:
                problems.append('%s is %d times in the folder' % (h[:12], j))
        if not self.mbox and both > 1:
            problems.append('%d messages in both places' % both)
        places = self.places()
        bs = [h for h, k in self.kind.items() if k == 'backscatter']
        done = sum(1 for h in bs if places[h][1] > 0 and (
            places[h][0] == 0 or (self.mbox and not self.rewrite)))
        self.moment = ('before' if done == 0 and not any(
            places[h][1] for h in bs) else 'after' if done == len(bs)
            else 'during')
        return '; '.join(problems)

    def check_done(self):
        problems = []
        for h, (s, j) in self.places().items():
            kind = self.kind.get(h)
            if kind == 'backscatter':
                keep = 1 if self.mbox and not self.rewrite else 0
                if s != keep or j < 1 or (not self.mbox and j != 1):
                    problems.append('backscatter %s: %d in the source, %d '
                                    'in the folder' % (h[:12], s, j))
            elif s != 1 or j != 0:
                problems.append('%s %s: %d in the source, %d in the folder'
                                % (kind, h[:12], s, j))
        return '; '.join(problems)


def main():
    t = lib.Tap()
    seed = int(os.environ.get('BS_MOVE_SEED', random.randrange(1 << 30)))
    rounds = int(os.environ.get('BS_MOVE_ROUNDS', 4))
    rng = random.Random(seed)
    print('# seed %d (BS_MOVE_SEED=%d repeats this run)' % (seed, seed))
    work = tempfile.mkdtemp(prefix='bs-move-test-')
    shm = '/dev/shm' if os.path.isdir('/dev/shm') and os.access(
        '/dev/shm', os.W_OK) else None
    other_fs = shm is not None and os.stat(shm).st_dev != os.stat(
        work).st_dev
    scenarios = [
        Scenario('Maildir and MH, rename(2)', work),
        Scenario('Maildir and MH, copy (BS_MOVE_FORCE_COPY=1)', work,
                 env={'BS_MOVE_FORCE_COPY': '1'}),
    ]
    if other_fs:
        scenarios.append(Scenario('Maildir and MH across file systems',
                                  shm, junk_base=work))
    scenarios += [
        Scenario('Maildir++ .Junk inside the Maildir, -r', work,
                 inside=True),
        Scenario('mbox, copies', work, mbox=True),
        Scenario('mbox, --mbox-rewrite', work, mbox=True, rewrite=True),
    ]
    try:
        for sc in scenarios:
            # How long a whole run takes, to strike anywhere in it.
            sc.setup()
            start = time.monotonic()
            r = subprocess.run(sc.command(), capture_output=True, env=sc.env)
            took = time.monotonic() - start
            t.ok(r.returncode == 0 and not sc.check_done(),
                 '%s: a whole run moves every backscatter (%.2f s)'
                 % (sc.name, took), sc.check_done() or r.stderr)
            sc.teardown()
            lost, moments = [], {}
            for i in range(rounds):
                sc.setup()
                p = subprocess.Popen(sc.command(), env=sc.env,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
                delay = rng.uniform(0.0, took * 1.2)
                time.sleep(delay)
                p.kill()
                p.wait()
                why = sc.check_killed()
                moments[sc.moment] = moments.get(sc.moment, 0) + 1
                if why:
                    lost.append('kill after %.3f s: %s' % (delay, why))
                r = subprocess.run(sc.command(), capture_output=True,
                                   env=sc.env)
                why = sc.check_done()
                if r.returncode not in (0, 1) or why:
                    lost.append('rerun after a kill at %.3f s: exit %d %s %s'
                                % (delay, r.returncode, why,
                                   r.stderr.decode(errors='replace')[-300:]))
                sc.teardown()
            print('# %s: kills before the first move %d, during %d, after '
                  'the last %d' % (sc.name, moments.get('before', 0),
                                   moments.get('during', 0),
                                   moments.get('after', 0)))
            t.ok(not lost, '%s: %d kills -9, nothing lost, a rerun '
                 'finishes' % (sc.name, rounds), '\n'.join(lost))
        if not other_fs:
            print('ok %d - across file systems # SKIP /dev/shm is on the '
                  'same file system' % (t.n + 1))
            t.n += 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    t.done()


if __name__ == '__main__':
    main()
