#!/usr/bin/env python3
# check.py: runs the program once on one input and checks the outcome, for
# tests/hostile/run.sh.  Prints one line of diagnostics; exits 0 when every
# check holds, 1 otherwise.
#
#   check.py MODE INPUT [--expect REASON] [--max-rss-kb N] -- BIN [ARGS...]
#
# MODE is verdict, json, explain or filter (-H is added).  The input goes
# to stdin.  Checks: no signal; exit 0 or 1 (filter: 0); json: one valid
# JSON object; filter: the output is our X-Backscatter field (at the top,
# after a leading mbox "From " line) followed by the input byte for byte,
# compared as a stream so that 100 MB need not be held; --expect: the
# field (or the JSON reason) says "unknown; reason=REASON"; --max-rss-kb:
# the child's peak RSS (getrusage RUSAGE_CHILDREN) stays within N KiB.
import json
import resource
import re
import subprocess
import sys
import time

CHUNK = 1 << 20


def first_eol(head):
    """Our field's line ending (issue 10: readers split at LF only):
    CRLF when the first LF has a CR before it, else LF."""
    n = head.find(b"\n")
    return (b"\r\n", n) if n > 0 and head[n - 1:n] == b"\r" else (b"\n", n)


def top_of(head):
    """Where our field goes (src/passthrough.c): after a From line, else
    after leading LFs, then after lines that would continue the line
    before them."""
    pos = 0
    n = head.find(b"\n")
    if head.startswith(b"From ") and n >= 0:
        pos = n + 1
    else:
        while head[pos:pos + 1] == b"\n":
            pos += 1
    while re.match(rb"\r*[ \t\v\f]", head[pos:pos + 1024]):
        n = head.find(b"\n", pos)
        if n < 0:
            return len(head)
        pos = n + 1
    return pos


def main():
    argv = sys.argv[1:]
    sep = argv.index("--")
    opts, cmd = argv[:sep], argv[sep + 1:]
    mode, path = opts[0], opts[1]
    expect = None
    max_rss = None
    i = 2
    while i < len(opts):
        if opts[i] == "--expect":
            expect = opts[i + 1]
        elif opts[i] == "--max-rss-kb":
            max_rss = int(opts[i + 1])
        i += 2
    if mode == "filter":
        cmd.append("-H")
    elif mode in ("json", "explain"):
        cmd.append("--" + mode)
    problems = []

    with open(path, "rb") as inp:
        head = inp.read(CHUNK)
        inp.seek(0)
        started = time.monotonic()
        p = subprocess.Popen(cmd, stdin=inp, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        with open(path, "rb") as ref:
            out_head = b""
            rest_ok = True
            if mode == "filter":
                # The output until our field has ended.
                eol, pos = first_eol(head)
                top = top_of(head)
                while True:
                    chunk = p.stdout.read(CHUNK)
                    out_head += chunk
                    end = out_head.find(eol, top)
                    while end >= 0 and out_head[end + len(eol):
                                                end + len(eol) + 1] == b"\t":
                        end = out_head.find(eol, end + len(eol))
                    if (end >= 0 and len(out_head) > end + len(eol)) \
                            or not chunk:
                        break
                if out_head[:top] != head[:top]:
                    problems.append("the From line moved")
                field = out_head[top:end + len(eol)] if end >= 0 else b""
                if not field.startswith(b"X-Backscatter: "):
                    problems.append("no X-Backscatter field on top: %r"
                                    % out_head[:80])
                elif expect and not field.startswith(
                        b"X-Backscatter: unknown; reason=" + expect.encode()):
                    problems.append("field %r, want reason=%s"
                                    % (field[:80], expect))
                # The rest of the output is the input, byte for byte.
                rest = out_head[top + len(field):]
                ref.seek(top)
                compared = 0
                while True:
                    want = ref.read(len(rest)) if rest else b""
                    if want != rest:
                        rest_ok = False
                        break
                    compared += len(rest)
                    rest = p.stdout.read(CHUNK)
                    if not rest:
                        break
                if rest_ok and ref.read(1):
                    rest_ok = False
                if not rest_ok:
                    problems.append("output minus our field differs from "
                                    "the input after %d bytes" % compared)
                out = b""
            else:
                out = p.stdout.read()
            p.stdout.read()
        err = p.stderr.read()
        status = p.wait()
    elapsed = time.monotonic() - started
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss

    if status < 0:
        problems.append("killed by signal %d" % -status)
    elif mode == "filter" and status != 0:
        problems.append("exit %d, want 0" % status)
    elif mode != "filter" and status not in (0, 1):
        problems.append("exit %d, want 0 or 1" % status)
    if mode == "json" and status >= 0:
        lines = out.splitlines()
        try:
            if len(lines) != 1:
                raise ValueError("%d lines" % len(lines))
            obj = json.loads(lines[0])
            if expect and obj.get("reason") != expect:
                problems.append("reason %r, want %r"
                                % (obj.get("reason"), expect))
        except ValueError as e:
            problems.append("not one JSON object: %s" % e)
    if max_rss is not None and rss > max_rss:
        problems.append("peak RSS %d KiB, bound %d KiB" % (rss, max_rss))
    if err.strip() and status not in (0, 1):
        problems.append("stderr: %s" % err[:200].decode("utf-8", "replace"))
    print("exit %d, %.2f s, peak RSS %d KiB%s" % (status, elapsed, rss,
          "; " + "; ".join(problems) if problems else ""))
    return 1 if problems else 0


sys.exit(main())
