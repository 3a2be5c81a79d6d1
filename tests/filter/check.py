#!/usr/bin/env python3
# check.py: the byte-for-byte checks of filter mode (-H) for tests/filter/run.sh.
#
#   check.py corpus DIR   every message under DIR's subdirectories, one TAP
#                         line per subdirectory
#   check.py made         made inputs: line endings, NUL, 8-bit, mbox From,
#                         forged X-Backscatter fields, empty, garbage
#   check.py too-large    --max-size: streamed pass-through, memory, draining
#
# Prints unnumbered TAP lines ("ok - ...", "not ok - ...", "# ...");
# run.sh numbers them.  BS_BIN names the binary.
#
# The checker is independent of the program: it finds our field at the top
# of the output (after a leading mbox "From " line), strips it and its
# continuation lines, and compares the rest with the input minus the forged
# fields, which the made cases know by construction.

import concurrent.futures
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time

BIN = os.environ.get("BS_BIN")
NAME = b"X-Backscatter: "
SHOW = 5  # failing files named per TAP line


def tap(ok, desc, diags=()):
    print(("ok - " if ok else "not ok - ") + desc)
    for d in diags:
        for line in str(d).splitlines() or [""]:
            print("# " + line)
    sys.stdout.flush()


def first_eol(data):
    """The line ending of our field: CRLF when the first LF has a CR
    before it, else LF (procmail, maildrop and Dovecot all split lines at
    LF, and none at a bare CR); and where that LF is."""
    n = data.find(b"\n")
    if n > 0 and data[n - 1:n] == b"\r":
        return b"\r\n", n
    return b"\n", n


# A line that would continue the field before it, for one of the readers:
# a blank (maildrop: any isspace() byte, after CRs, which it drops).
CONTINUES = re.compile(rb"\r*[ \t\v\f]")


def top_of(data):
    """Offset where our field belongs: after a leading mbox From line and
    after the lines that would continue the line before them (before
    them, they would continue our field); at the end when such a line
    never ends."""
    pos = 0
    n = data.find(b"\n")
    if data.startswith(b"From ") and n >= 0:
        pos = n + 1
    else:
        # procmail and formail skip LFs at the start
        while data[pos:pos + 1] == b"\n":
            pos += 1
    while CONTINUES.match(data, pos):
        n = data.find(b"\n", pos)
        if n < 0:
            return len(data)
        pos = n + 1
    return pos


def show(b, at, width=40):
    return repr(b[max(0, at - width):at + width])


def split_ours(out, inp, expected):
    """Returns (rest, value, error): out without our field, its value."""
    eol, _ = first_eol(inp)
    top = top_of(inp)
    if out[:top] != inp[:top]:
        return None, None, "the mbox From line changed"
    if not out.startswith(NAME, top):
        return None, None, "no %r at offset %d: %s" % (NAME, top,
                                                       show(out, top))
    lines = []
    p = top
    while True:
        e = out.find(eol, p)
        if e < 0:
            return None, None, "our field does not end in %r" % eol
        lines.append(out[p:e])
        p = e + len(eol)
        if out[p:p + 1] not in (b" ", b"\t"):
            break
    if CONTINUES.match(out, p):
        return None, None, "the line after our field continues it: %s" % (
            show(out, p))
    for line in lines:
        if b"\r" in line or b"\n" in line:
            return None, None, ("our field's line ending is not the "
                                "message's %r: %r" % (eol, line))
    for line in lines[1:]:
        if line[:1] not in (b" ", b"\t") or not line.strip():
            return None, None, "a bad continuation line %r" % line
    # RFC 5322 unfolding: drop the line breaks, keep the blanks.
    value = b"".join(lines)[len(NAME):]
    return out[:top] + out[p:], value.decode("ascii", "replace"), None


def check_value(value, allow_unknown=True):
    parts = [x.strip() for x in value.split(";")]
    params = dict(x.split("=", 1) for x in parts[1:] if "=" in x)
    num = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
    if parts[0] in ("yes", "no"):
        for k in ("score", "threshold"):
            if not num.match(params.get(k, "")):
                return "no number %s= in %r" % (k, value)
        if not re.match(r"^[a-z-]+$", params.get("kind", "")):
            return "no kind= in %r" % value
        return None
    if parts[0] == "unknown" and allow_unknown:
        if not params.get("reason"):
            return "unknown without reason= in %r" % value
        return None
    return "value does not start with yes/no/unknown: %r" % value


def compare(rest, expected):
    if rest == expected:
        return None
    i = 0
    while i < min(len(rest), len(expected)) and rest[i] == expected[i]:
        i += 1
    return ("output minus our field differs from the input at byte %d "
            "(lengths %d, %d): got %s want %s"
            % (i, len(rest), len(expected), show(rest, i), show(expected, i)))


def verify(out, inp, expected, allow_unknown=True):
    """None when out is expected plus our field in the right place."""
    rest, value, err = split_ours(out, inp, expected)
    if err:
        return err
    err = check_value(value, allow_unknown)
    if err:
        return err
    return compare(rest, expected)


def run(args, stdin=None, data=None):
    if stdin is None and data is None:
        stdin = subprocess.DEVNULL
    p = subprocess.run([BIN] + args, stdin=stdin, input=data,
                       capture_output=True)
    return p.returncode, p.stdout, p.stderr


def status_error(rc, err, want=0):
    if rc == want:
        return None
    return "exit %d, want %d; stderr: %r" % (rc, want, err[:300])


# ---- 1. the corpus ------------------------------------------------------

def corpus(root):
    files = []
    for d, _, names in os.walk(root):
        if os.path.samefile(d, root):
            continue  # README.md, labels.tsv, identity.args
        files += [os.path.join(d, n) for n in names]
    files.sort()

    def one(path):
        with open(path, "rb") as f:
            inp = f.read()
        with open(path, "rb") as f:
            rc, out, err = run(["-H"], stdin=f)
        problem = status_error(rc, err) or verify(out, inp, inp)
        unknown = out.startswith(b"X-Backscatter: unknown", top_of(inp))
        return path, problem, unknown, bool(err)

    start = time.monotonic()
    jobs = max(2, 2 * (os.cpu_count() or 1))
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        results = list(pool.map(one, files))
    took = time.monotonic() - start

    groups = {}
    for path, problem, unknown, noisy in results:
        group = os.path.relpath(os.path.dirname(path), root)
        groups.setdefault(group, []).append((path, problem, unknown, noisy))
    for group in sorted(groups):
        res = groups[group]
        bad = [(os.path.relpath(p, root), e) for p, e, _, _ in res if e]
        unknown = sum(1 for r in res if r[2])
        noisy = sum(1 for r in res if r[3])
        diags = ["%s: %s" % b for b in bad[:SHOW]]
        if len(bad) > SHOW:
            diags.append("... and %d more" % (len(bad) - SHOW))
        if unknown or noisy:
            diags.append("%d unknown verdicts, %d with stderr output"
                         % (unknown, noisy))
        tap(not bad, "corpus %s: %d messages, %d failed"
            % (group, len(res), len(bad)), diags)
    print("# corpus: %d messages in %.1f s with %d jobs"
          % (len(files), took, jobs))


# ---- 2. made inputs -----------------------------------------------------

def K(b):
    return (b, True)   # kept


def D(b):
    return (b, False)  # dropped: a forged field


def made_cases():
    rnd = random.Random(4)
    garbage = bytes(rnd.randrange(256) for _ in range(8192))
    no_eol = bytes(rnd.choice([b for b in range(256) if b not in (10, 13)])
                   for _ in range(4096))
    msg = b"From: a@example.org\nTo: b@example.net\nSubject: hi\n\nbody\n"
    mbox = b"From sender@example.org Mon Jan  1 00:00:00 2024\n"
    big_body = b"".join(b"line %07d of the body\n" % i for i in range(150000))
    cases = [
        ("lf", [K(msg)]),
        ("crlf", [K(msg.replace(b"\n", b"\r\n"))]),
        ("bare cr", [K(msg.replace(b"\n", b"\r"))]),
        ("crlf first, then lf and a lone cr",
         [K(b"From: a@example.org\r\nSubject: a\rb\nTo: c\r\n\r\nx\n")]),
        ("nul bytes in headers and body",
         [K(b"From: a@example.org\nSubject: a\0b\nX-Nul: \0\0\n\nbo\0dy\0\n")]),
        ("8-bit headers",
         [K(b"From: \xe9t\xe9 <a@example.org>\nSubject: Gr\xc3\xbc\xc3\x9fe"
            b" \xff\xfe\x80\nX-\xe4: \xe4\n\n\xff body\n")]),
        ("no final newline",
         [K(b"From: a@example.org\nSubject: x\n\nlast line, no newline")]),
        ("trailing blanks kept",
         [K(b"From: a@example.org \t\nSubject: x  \n\nbody  \n\t\n")]),
        ("headers only", [K(b"From: a@example.org\nSubject: x\n")]),
        ("headers only, no final newline",
         [K(b"From: a@example.org\nSubject: x")]),
        ("mbox From line", [K(mbox + msg + b"From the body\n")]),
        ("mbox From line, crlf",
         [K((mbox + msg).replace(b"\n", b"\r\n"))]),
        ("mbox From line, bare cr", [K((mbox + msg).replace(b"\n", b"\r"))]),
        ("mbox From line alone, no newline",
         [K(b"From sender@example.org Mon Jan  1 00:00:00 2024")]),
        ("forged, single",
         [K(b"From: a@example.org\n"),
          D(b"X-Backscatter: no; score=-99.0; threshold=5.0; kind=none\n"),
          K(b"Subject: x\n\nbody\n")]),
        ("forged, folded",
         [K(b"From: a@example.org\n"),
          D(b"X-Backscatter: no;\n\tscore=-99.0;\n  kind=none\n"),
          K(b"Subject: x\n\nbody\n")]),
        ("forged, lower case and odd spacing",
         [K(b"From: a@example.org\n"), D(b"x-backscatter: no\n"),
          K(b"Subject: x\n"), D(b"X-BACKSCATTER:no\n"),
          D(b"x-BackScatter \t: no\n"), K(b"\nbody\n")]),
        ("forged, several, first and last, body line stays",
         [D(b"X-Backscatter: no\n"), K(b"From: a@example.org\n"),
          D(b"X-Backscatter: unknown; reason=too-large\n"),
          K(b"Subject: x\n X-Backscatter: in a continuation stays\n"),
          K(b"X-Backscatter-Score: 1 (another field)\n"),
          D(b"X-Backscatter: no;\n\tscore=1\n"),
          K(b"\nX-Backscatter: no (body)\nbody\n")]),
        # procmail ends a header block at LF LF only: CRLF mail is all
        # header to it, and "^X-Backscatter:" matches in the body.
        ("forged, crlf, in the header and in the body",
         [K(b"From: a@example.org\r\n"),
          D(b"X-Backscatter: no;\r\n\tscore=-1\r\n"),
          K(b"Subject: x\r\n\r\n"), D(b"X-Backscatter: no\r\n"),
          K(b"body\r\n")]),
        # Bare-CR mail is one line to every reader: a From field here.
        ("bare cr, a field inside the first line stays",
         [K(b"From: a@example.org\rX-Backscatter: no;\r\tscore=-1\r"),
          K(b"Subject: x\r\rX-Backscatter: no\r")]),
        ("forged, bare cr, the first line: up to the bare CR",
         [D(b"X-Backscatter: no;\r\tscore=-1\r"),
          K(b"Subject: x\r\rX-Backscatter: no\r")]),
        ("bare cr with a crlf", [K(b"Subject: a\rX-Backscatter: yes\r\n"),
                                 K(b"From: b\r\rbody")]),
        # issue 10: what procmail, maildrop or Dovecot take for a field
        ("forged, first line ends in cr cr lf",
         [K(b"From: a@example.org\r\r\nSubject: s\n"),
          D(b"X-Backscatter: yes\n"), K(b"\nbody\n")]),
        ("forged, bare cr in the first line",
         [K(b"From: a@example.org\rSubject: s\n"),
          D(b"X-Backscatter: yes\n"), K(b"\nbody\n")]),
        ("forged, nul before the colon (Dovecot, maildrop)",
         [K(b"From: a@example.org\n"), D(b"X-Backscatter\0: yes\n"),
          D(b"X-Backscatter \0junk\n"), K(b"Subject: s\n\nbody\n")]),
        ("forged, after a crlf line (procmail's header goes on)",
         [K(b"From: a@example.org\n\r\n"), D(b"X-Backscatter: yes\n"),
          K(b"\r\r\n"), D(b"x-backscatter : yes\n"), K(b"\nbody\n")]),
        ("forged, crs in and before the name (maildrop)",
         [K(b"From: a@example.org\n"), D(b"\rX-Backscatter: yes\n"),
          D(b"X-Back\rscatter\r: yes\n"), K(b"Subject: s\n\nbody\n")]),
        ("forged, ff and vt continue it (maildrop)",
         [K(b"From: a@example.org\n"),
          D(b"X-Backscatter: x\n\fyes\n\v yes\n\r yes\n"),
          K(b"Subject: s\n\nbody\n")]),
        ("forged, after a nul procmail reads the body as header",
         [K(b"From: a@example.org\nSubject: \0\n\n"),
          D(b"X-Backscatter: yes\n\tmore\n"), K(b"body\n")]),
        ("blank line-starts at the top stay before our field",
         [K(b" yes\n\r\tyes\n"), D(b"X-Backscatter: yes\n"),
          K(b"From: a@example.org\n\nbody\n")]),
        ("forged, after the mbox From line",
         [K(mbox), D(b"X-Backscatter: no\n"), K(msg)]),
        ("forged, last line without newline",
         [K(b"From: a@example.org\n"), D(b"X-Backscatter: no")]),
        ("forged, with nul and 8-bit bytes",
         [K(b"From: a@example.org\n"), D(b"X-Backscatter: \0no \xff\n"),
          K(b"Subject: \xff\n\n")]),
        ("forged, only header", [D(b"X-Backscatter: no\n")]),
        ("empty input", []),
        ("just a newline", [K(b"\n")]),
        # procmail and formail skip LFs at the start of a message
        ("starts with empty lines: procmail's header follows",
         [K(b"\n\n"), D(b"X-Backscatter: no\n"), K(b"From: a\n\nbody\n")]),
        ("leading blank line-start, forged field",
         [K(b" leading continuation\n"), D(b"X-Backscatter: no\n"),
          K(b"\nbody\n")]),
        ("tab at the very top", [K(b"\tx\nSubject: s\n\nbody\n")]),
        ("garbage bytes", [K(garbage)]),
        ("garbage without line ends", [K(no_eol)]),
        ("nul bytes only", [K(b"\0" * 1000)]),
        ("starts with crlf crlf", [K(b"\r\n\r\n" + garbage[:100])]),
        ("long header line", [K(b"Subject: " + b"x" * 200000 + b"\n\nb\n")]),
        ("3 MB message (many reads), forged field",
         [K(b"From: a@example.org\n"), D(b"X-Backscatter: no\n"),
          K(b"Subject: big\n\n" + big_body)]),
    ]
    return cases


def made():
    tmp = tempfile.mkdtemp(prefix="bs-filter.")
    try:
        for name, segs in made_cases():
            inp = b"".join(b for b, _ in segs)
            expected = b"".join(b for b, keep in segs if keep)
            path = os.path.join(tmp, "msg")
            with open(path, "wb") as f:
                f.write(inp)
            problems = []
            rc, out, err = run(["-H"], data=inp)
            e = status_error(rc, err) or verify(out, inp, expected)
            if e:
                problems.append("stdin: " + e)
            rc, out2, err = run(["-H", path])
            e = status_error(rc, err) or verify(out2, inp, expected)
            if e:
                problems.append("FILE: " + e)
            elif out2 != out:
                problems.append("FILE and stdin give different output")
            tap(not problems, "made input: " + name, problems)
    finally:
        for n in os.listdir(tmp):
            os.unlink(os.path.join(tmp, n))
        os.rmdir(tmp)


# ---- 3. too large -------------------------------------------------------

def vm_hwm(pid):
    """Peak resident memory of a live process in KB (its own, unlike
    ru_maxrss, which on Linux keeps the parent's peak across fork+exec)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def stream(args, inp, chunk=4096, pause=0.0, probe_at=None):
    """Runs BIN, writing inp to its stdin in chunks while reading stdout.
    With probe_at, pauses reading after that many output bytes, so that
    the program blocks in write(2), and takes its VmHWM then.
    Returns (status, stdout, stderr, broken_pipe, written, hwm_kb)."""
    p = subprocess.Popen([BIN] + args, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = []
    err = []
    state = {"broken": False, "written": 0, "hwm": None}

    def writer():
        try:
            for i in range(0, len(inp), chunk):
                p.stdin.write(inp[i:i + chunk])
                p.stdin.flush()
                state["written"] += len(inp[i:i + chunk])
                if i == 0 and pause:
                    time.sleep(pause)
        except BrokenPipeError:
            state["broken"] = True
        finally:
            try:
                p.stdin.close()
            except BrokenPipeError:
                state["broken"] = True

    def reader():
        got = []
        n = 0
        while True:
            b = p.stdout.read1(65536)
            if not b:
                break
            got.append(b)
            n += len(b)
            if probe_at is not None and n >= probe_at and \
                    state["hwm"] is None:
                # The program now waits on a full pipe, having read all but
                # the last megabyte or so.
                time.sleep(0.2)
                state["hwm"] = vm_hwm(p.pid)
        out.append(b"".join(got))

    w = threading.Thread(target=writer)
    threads = [w, threading.Thread(target=reader),
               threading.Thread(target=lambda: err.append(p.stderr.read()))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    p.wait()
    return (p.returncode, out[0], err[0], state["broken"], state["written"],
            state["hwm"])


def too_large():
    body = b"".join(b"body line %06d ......................................\n"
                    % i for i in range(1200))  # about 64 KB
    msg = b"From: a@example.org\nSubject: large\n\n" + body
    ours = b"X-Backscatter: unknown; reason=too-large"
    crlf = body.replace(b"\n", b"\r\n")
    cut = crlf.index(b"\r\n", 4000) + 2
    tmp = tempfile.mkdtemp(prefix="bs-filter.")
    path = os.path.join(tmp, "msg")

    def expect(inp, expected):
        eol, _ = first_eol(inp)
        top = top_of(inp)
        return expected[:top] + ours + eol + expected[top:]

    cases = [
        ("lf", [K(msg)]),
        ("crlf", [K(msg.replace(b"\n", b"\r\n"))]),
        ("bare cr", [K(msg.replace(b"\n", b"\r"))]),
        ("mbox From line",
         [K(b"From sender@example.org Mon Jan  1 00:00:00 2024\n" + msg)]),
        ("forged field in the first kilobyte",
         [K(b"From: a@example.org\n"), D(b"X-Backscatter: no;\n score=0\n"),
          K(msg[20:])]),
        # issue 10: the whole header block is scanned, not the first
        # --max-size bytes
        ("forged fields after the first 1k",
         [K(b"From: a@example.org\n" + b"".join(
             b"X-Pad-%03d: %s\n" % (i, b"p" * 60) for i in range(60))),
          D(b"X-Backscatter: yes;\n\tscore=99\n"),
          K(b"Subject: s\n"), D(b"X-Backscatter\0: yes\n"),
          K(b"\n" + body)]),
        ("forged field after the first 1k, crlf, in the body",
         [K(b"From: a@example.org\r\nSubject: s\r\n\r\n" + crlf[:cut]),
          D(b"X-Backscatter: yes\r\n"), K(crlf[cut:])]),
    ]
    try:
        for name, segs in cases:
            inp = b"".join(b for b, _ in segs)
            want = expect(inp, b"".join(b for b, keep in segs if keep))
            problems = []
            rc, out, err, broken, _, _ = stream(["-H", "--max-size", "1k"],
                                                inp)
            if broken:
                problems.append("stdin: the program closed its input early")
            if rc != 0 or out != want:
                problems.append("stdin: exit %d; %s" % (
                    rc, compare(out, want) or "output ok"))
            with open(path, "wb") as f:
                f.write(inp)
            rc, out, err = run(["-H", "--max-size", "1k", path])
            if rc != 0 or out != want:
                problems.append("FILE: exit %d; %s" % (
                    rc, compare(out, want) or "output ok"))
            tap(not problems, "too large, %d bytes, --max-size 1k: "
                "input plus '%s', stdin and FILE: %s"
                % (len(inp), ours.decode(), name), problems)

        # A forged field after a header of 2 MB, past --max-size 1M.
        pad = b"".join(b"X-Pad-%06d: %s\n" % (i, b"q" * 60)
                       for i in range(2 * 1024 * 1024 // 75))
        segs = [K(b"From: a@example.org\n" + pad),
                D(b"X-Backscatter: yes\n"), K(b"Subject: s\n\nbody\n")]
        inp = b"".join(b for b, _ in segs)
        want = expect(inp, b"".join(b for b, keep in segs if keep))
        rc, out, err, _, _, _ = stream(["-H", "--max-size", "1M"], inp,
                                       chunk=65536)
        e = None if rc == 0 and out == want else "exit %d; %s" % (
            rc, compare(out, want) or "output ok")
        tap(not e, "too large, forged field after a 2 MB header, "
            "--max-size 1M: removed", [e] if e else [])

        # Not too large without a limit: classified as usual.
        rc, out, err = run(["-H", "--max-size", "0"], data=msg)
        e = status_error(rc, err) or verify(out, msg, msg,
                                            allow_unknown=False)
        tap(not e, "--max-size 0: a 64 KB message is classified",
            [e] if e else [])

        # Constant memory: a 96 MB message through a 1k limit must not
        # make the process hold it (it needs about 7 MB on its own).
        huge = msg + (b"y" * 1023 + b"\n") * (96 * 1024)
        want = expect(huge, huge)
        rc, out, err, _, _, hwm = stream(["-H", "--max-size", "1k"], huge,
                                         chunk=65536,
                                         probe_at=len(want) - (1 << 20))
        problems = []
        if rc != 0 or out != want:
            problems.append("exit %d; %s" % (rc, compare(out, want)
                                              or "output ok"))
        if hwm is None:
            problems.append("no VmHWM in /proc (not Linux?)")
        elif hwm > 32 * 1024:
            problems.append("peak RSS %d KB for a 96 MB message" % hwm)
        tap(not problems, "too large, 96 MB through -H --max-size 1k: "
            "streamed, peak RSS %s KB" % hwm, problems)

        # Verdict modes read a too-large stdin to its end: the writer must
        # never see EPIPE.  4 MB is far more than a pipe buffer, and the
        # pause after the first chunk gives an early exit time to happen.
        four = msg + (b"z" * 1023 + b"\n") * 4096
        for args, what in ((["--max-size", "1k"], "verdict mode"),
                           (["--json", "--max-size", "1k"], "--json"),
                           (["--explain", "--max-size", "1k"], "--explain")):
            rc, out, err, broken, written, _ = stream(args, four,
                                                       chunk=65536, pause=0.2)
            problems = []
            if rc != 1:
                problems.append("exit %d, want 1; stderr %r" % (rc, err))
            if broken or written != len(four):
                problems.append("the writer got EPIPE after %d of %d bytes"
                                % (written, len(four)))
            if what == "--json" and b'"too-large"' not in out:
                problems.append("no too-large in %r" % out[:200])
            tap(not problems, "too large, 4 MB, %s: exit 1 and the whole "
                "stdin read" % what, problems)
    finally:
        if os.path.exists(path):
            os.unlink(path)
        os.rmdir(tmp)


def main():
    if not BIN:
        sys.exit("BS_BIN is not set")
    if sys.argv[1] == "corpus":
        corpus(sys.argv[2])
    elif sys.argv[1] == "made":
        made()
    elif sys.argv[1] == "too-large":
        too_large()
    else:
        sys.exit("usage: check.py corpus DIR | made | too-large")


if __name__ == "__main__":
    main()
